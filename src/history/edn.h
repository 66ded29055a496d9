/* SPDX-License-Identifier: MIT */
/*
 * edn.h: the EDN reader and writer for histories (checkers.md section 6.3):
 * nil, booleans, integers (N), floats (M), ratios, ##Inf/##NaN, strings,
 * characters, keywords, symbols, lists, vectors, maps, sets, tagged
 * literals, comments, #_ discard and commas. Errors carry file:line:col.
 */
#ifndef FL_EDN_H
#define FL_EDN_H

#include "history/hist.h"

struct fl_strbuf;

/**
 * Parse exactly one EDN value from buf[0..len) into *out, with strings and
 * collections allocated in a. Trailing whitespace and comments are allowed,
 * anything else is an error. name is used in messages.
 */
int fl_edn_parse_value(struct fl_arena *a, const char *buf, size_t len,
                       const char *name, fl_val *out, struct fl_err *err);
/**
 * The same for a value that starts on line `line` of file name (one line
 * of a line-per-value file), so that errors say where it is.
 */
int fl_edn_parse_value_at(struct fl_arena *a, const char *buf, size_t len,
                          const char *name, uint32_t line, fl_val *out,
                          struct fl_err *err);
/**
 * Parse a history in either shape: a sequence of top-level op maps, or one
 * top-level vector or list of op maps. Appends to h.
 */
int fl_edn_parse_hist(const char *buf, size_t len, const char *name,
                      struct fl_hist *h, struct fl_err *err);
/** Append op as one EDN map, the way Jepsen's history.edn prints it. */
void fl_edn_print_op(struct fl_strbuf *sb, const struct fl_op *op);
/** Write h as history.edn, one op per line. */
int fl_edn_write_hist(FILE *f, const struct fl_hist *h, struct fl_err *err);
/** Write h as history.txt: process, type, f, value, error, tab-separated. */
int fl_txt_write_hist(FILE *f, const struct fl_hist *h, struct fl_err *err);

#endif
