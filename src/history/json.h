/* SPDX-License-Identifier: MIT */
/*
 * json.h: JSON-lines histories (one op object per line) through jansson,
 * carrying the same information as EDN. The mapping both ways is in
 * docs/history-json.md.
 */
#ifndef FL_JSON_H
#define FL_JSON_H

#include "history/hist.h"

struct fl_strbuf;

int fl_json_parse_hist(const char *buf, size_t len, const char *name,
                       struct fl_hist *h, struct fl_err *err);
int fl_json_write_hist(FILE *f, const struct fl_hist *h, struct fl_err *err);
/** Append v as JSON (keywords become ":name" strings, see the docs). */
void fl_json_print_val(struct fl_strbuf *sb, const fl_val *v);
/** Append one op as a JSON object (no newline). */
void fl_json_print_op(struct fl_strbuf *sb, const struct fl_op *op);

#endif
