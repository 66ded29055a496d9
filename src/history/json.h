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
struct json_t;

int fl_json_parse_hist(const char *buf, size_t len, const char *name,
                       struct fl_hist *h, struct fl_err *err);
int fl_json_write_hist(FILE *f, const struct fl_hist *h, struct fl_err *err);
/** Append v as JSON (keywords become ":name" strings, see the docs). */
void fl_json_print_val(struct fl_strbuf *sb, const fl_val *v);
/** Append one op as a JSON object (no newline). */
void fl_json_print_op(struct fl_strbuf *sb, const struct fl_op *op);
/**
 * Decode a jansson value j (borrowed) with the history's encoding into *out,
 * allocating in a. Errors are FL_EPARSE naming `what` ("value").
 */
int fl_json_to_val(struct json_t *j, struct fl_arena *a, const char *what,
                   fl_val *out, struct fl_err *err);

#endif
