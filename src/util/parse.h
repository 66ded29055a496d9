/* SPDX-License-Identifier: MIT */
/*
 * parse.h: strict number and duration parsing for options (atoi is banned).
 * Each returns 0 or a negative code and fills err with what was wrong.
 */
#ifndef FL_PARSE_H
#define FL_PARSE_H

#include <stdint.h>

struct fl_err;

/** Whole string must be a base-10 integer in [min, max]. */
int fl_parse_int64(const char *s, int64_t min, int64_t max, int64_t *out,
                   struct fl_err *err);
/** Non-negative decimal number ("1.5"). */
int fl_parse_double(const char *s, double *out, struct fl_err *err);
/**
 * Duration: a number with an optional unit ns, us, ms, s (default), m, h:
 * "10", "1.5s", "250ms". Result in nanoseconds.
 */
int fl_parse_duration_ns(const char *s, int64_t *out, struct fl_err *err);
/** Value of one hex digit (0-9, a-f, A-F), or -1 for any other c. */
int fl_parse_hex_digit(int c);

#endif
