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

/**
 * The one check for every path and name that enters faultline from outside
 * (state and store dirs, node names and prefixes, bridge, namespace
 * prefix, test names, ...): FL_EUSAGE, naming what (e.g. "--state-dir"),
 * if s has a control character (below 0x20, or 0x7f). Such a character
 * would end a line in the state file or in /etc/hosts, or a shell word.
 * NULL is accepted (an unset option).
 */
int fl_parse_check_name(const char *what, const char *s, struct fl_err *err);

#endif
