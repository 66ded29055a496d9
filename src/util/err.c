/* SPDX-License-Identifier: MIT */
/*
 * err.c: filling struct fl_err without allocating.
 */
#include "util/common.h"

#include "util/err.h"

int
fl_err_set(struct fl_err *err, int code, const char *fmt, ...)
{
    va_list ap;

    if (!err)
        return code;
    err->code = code;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return code;
}

void
fl_err_prefix(struct fl_err *err, const char *fmt, ...)
{
    char pre[sizeof(err->msg)], old[sizeof(err->msg)];
    va_list ap;

    if (!err)
        return;
    va_start(ap, fmt);
    vsnprintf(pre, sizeof(pre), fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof(old));
    size_t np = strnlen(pre, sizeof(pre) - 1);
    size_t no = strnlen(old, sizeof(old) - 1);
    if (np + no >= sizeof(err->msg))
        no = sizeof(err->msg) - 1 - np;
    memcpy(err->msg, pre, np);
    memcpy(err->msg + np, old, no);
    err->msg[np + no] = '\0';
}

void
fl_err_clear(struct fl_err *err)
{
    if (!err)
        return;
    err->code = 0;
    err->msg[0] = '\0';
}
