/* SPDX-License-Identifier: MIT */
/*
 * err.h: the error struct every fallible library call fills. It never
 * allocates, so it is safe on any path, and NULL is accepted wherever a
 * struct fl_err * is taken. Codes are negative errno values, or one of the
 * FL_E* codes below for conditions errno has no name for.
 */
#ifndef FL_ERR_H
#define FL_ERR_H

enum fl_err_code {
    FL_EPARSE = -1000,  /* malformed input (file:line:col in msg) */
    FL_EUSAGE = -1001,  /* bad option or argument */
    FL_ELIMIT = -1002,  /* a time or memory limit was hit */
    FL_EMODEL = -1003,  /* an op does not fit the model */
    FL_EREMOTE = -1004, /* a remote command failed */
};

struct fl_err {
    int code;      /* 0 when no error, negative otherwise */
    char msg[256]; /* NUL-terminated human-readable message */
};

#define FL_ERR_INIT                                                            \
    {                                                                          \
        0,                                                                     \
        {                                                                      \
            0                                                                  \
        }                                                                      \
    }

/**
 * Record an error in err (which may be NULL) and return code, so callers can
 * write `return fl_err_set(err, -ENOENT, "open %s", path);`.
 */
int fl_err_set(struct fl_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/** Prefix err->msg with a context string ("history.edn: ..."). */
void fl_err_prefix(struct fl_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void fl_err_clear(struct fl_err *err);

#endif
