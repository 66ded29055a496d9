/* SPDX-License-Identifier: MIT */
/*
 * parse.c: option value parsing with errors that say what was wrong.
 */
#include "util/common.h"

#include "util/err.h"
#include "util/parse.h"

#include <math.h>

int
fl_parse_int64(const char *s, int64_t min, int64_t max, int64_t *out,
               struct fl_err *err)
{
    char *end;
    long long v;

    errno = 0;
    if (!s || !*s)
        return fl_err_set(err, FL_EUSAGE, "expected an integer, got ''");
    v = strtoll(s, &end, 10);
    if (*end != '\0')
        return fl_err_set(err, FL_EUSAGE, "expected an integer, got '%s'", s);
    if (errno == ERANGE || v < min || v > max)
        return fl_err_set(err, FL_EUSAGE,
                          "'%s' is out of range [%" PRId64 ", %" PRId64 "]", s,
                          min, max);
    *out = v;
    return 0;
}

int
fl_parse_double(const char *s, double *out, struct fl_err *err)
{
    char *end;
    double v;

    if (!s || !*s)
        return fl_err_set(err, FL_EUSAGE, "expected a number, got ''");
    errno = 0;
    v = strtod(s, &end);
    if (*end != '\0' || errno == ERANGE || !isfinite(v) || v < 0)
        return fl_err_set(err, FL_EUSAGE,
                          "expected a non-negative number, got '%s'", s);
    *out = v;
    return 0;
}

int
fl_parse_duration_ns(const char *s, int64_t *out, struct fl_err *err)
{
    static const struct {
        const char *unit;
        double ns;
    } units[] = {{"ns", 1}, {"us", 1e3}, {"ms", 1e6},  {"s", 1e9},
                 {"", 1e9}, {"m", 60e9}, {"h", 3600e9}};
    char *end;
    double v;

    if (!s || !*s)
        return fl_err_set(err, FL_EUSAGE, "expected a duration, got ''");
    errno = 0;
    v = strtod(s, &end);
    if (end == s || errno == ERANGE || !isfinite(v) || v < 0)
        return fl_err_set(err, FL_EUSAGE,
                          "expected a duration like 10s or 250ms, got '%s'", s);
    for (size_t i = 0; i < FL_ARRAY_SIZE(units); i++) {
        if (strcmp(end, units[i].unit) == 0) {
            double ns = v * units[i].ns;
            if (ns > 9.2e18)
                return fl_err_set(err, FL_EUSAGE, "duration '%s' too long", s);
            *out = (int64_t)ns;
            return 0;
        }
    }
    return fl_err_set(err, FL_EUSAGE,
                      "unknown unit in duration '%s' (use ns, us, ms, s, m, h)",
                      s);
}

int
fl_parse_hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int
fl_parse_check_name(const char *what, const char *s, struct fl_err *err)
{
    if (!s)
        return 0;
    for (size_t i = 0; s[i]; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c >= 0x20 && c != 0x7f)
            continue;
        /* Name the prefix before it: the rest may be what misleads. */
        return fl_err_set(err, FL_EUSAGE,
                          "%s: control character 0x%02x at byte %zu (after "
                          "'%.*s') is not allowed in a path or name",
                          what, c, i, (int)(i > 60 ? 60 : i), s);
    }
    return 0;
}
