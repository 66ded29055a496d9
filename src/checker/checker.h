/* SPDX-License-Identifier: MIT */
/*
 * checker.h: the checker plug-in interface. A checker reads a history and
 * produces a result map (an EDN map built as fl_vals in an arena the caller
 * owns, shaped like Jepsen's results.edn: {:valid? true|false|:unknown ...}).
 * Checkers are pure analysis: they do no I/O except writing their own
 * artifact files into opts->out_dir when it is set. Verdicts merge as
 * false > unknown > true. A checker that hits a time or memory limit
 * answers :unknown with the cause, never a guess.
 */
#ifndef FL_CHECKER_H
#define FL_CHECKER_H

#include "history/hist.h"

struct fl_err;

enum fl_verdict {
    FL_VERDICT_TRUE,    /* :valid? true */
    FL_VERDICT_UNKNOWN, /* :valid? :unknown */
    FL_VERDICT_FALSE,   /* :valid? false */
};

struct fl_chk_opts {
    int64_t time_limit_ns;     /* 0: none */
    size_t memory_limit_bytes; /* 0: none */
    int threads;               /* 0: one per core */
    const char *out_dir;       /* artifact directory, or NULL */
    const fl_val *options;     /* checker-specific EDN map, or NULL */
    bool incomplete;           /* the run was cut short (killed,
                                  interrupted): no final read need follow
                                  the last ops (set checkers) */
};

struct fl_chk_result {
    enum fl_verdict valid; /* the verdict, also under :valid? in map */
    fl_val map;            /* the whole result map, in the caller's arena */
};

struct fl_checker;

struct fl_checker_type {
    const char *name; /* "linearizable", "set", "list-append", ... */
    /**
     * Check h. Strings and collections of out->map are allocated in a.
     * Returns 0 (whatever the verdict), or a negative code with err filled
     * when the history does not fit the checker (a :cas on a register).
     */
    int (*check)(const struct fl_checker *c, const struct fl_hist *h,
                 const struct fl_chk_opts *opts, struct fl_arena *a,
                 struct fl_chk_result *out, struct fl_err *err);
    /** Free the checker: its ctx and the struct fl_checker itself. */
    void (*free)(struct fl_checker *c);
};

struct fl_checker {
    const struct fl_checker_type *type;
    void *ctx; /* owned by the checker, freed with it by type->free */
};

/** false > unknown > true. */
static inline enum fl_verdict
fl_verdict_merge(enum fl_verdict a, enum fl_verdict b)
{
    return a > b ? a : b;
}

/** The :valid? value for v: true, false or :unknown. */
fl_val fl_verdict_val(enum fl_verdict v);
/** Exit code for a verdict: 0 valid, 1 invalid, 2 unknown. */
int fl_verdict_exit_code(enum fl_verdict v);

#endif
