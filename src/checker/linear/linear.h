/* SPDX-License-Identifier: MIT */
/*
 * linear.h: the linearizability checker (Knossos's linearizable checker,
 * checkers.md sections 1-3). It checks a history against a sequential model
 * from model/model.h with a memoised Wing-Gong-Lowe search, after splitting
 * it by key (--independent, jepsen.independent tuples) and by element where
 * the model is a product of independent objects, and checks the parts in
 * parallel threads. Semantics: :fail ops did not happen, :info and
 * never-completed ops may take effect at any time after their invocation or
 * never, non-client (nemesis) ops are ignored. A time or memory limit gives
 * :unknown with the cause, never a guess. docs/linearizability.md has the
 * details and the shape of the result map.
 */
#ifndef FL_LINEAR_H
#define FL_LINEAR_H

#include "checker/checker.h"
#include "model/model.h"

struct fl_linear_opts {
    const struct fl_model_type *model; /* required */
    const fl_val *init;        /* initial value, or NULL for nil; borrowed */
    bool independent;          /* values are [key value] tuples */
    int64_t time_limit_ns;     /* 0: none */
    size_t memory_limit_bytes; /* 0: none */
    int threads;               /* 0: one per online core */
    const char *out_dir;       /* write linear.svg here when invalid, or NULL */
    bool all_keys; /* search every partition even once one is invalid
                      (default: the first invalid one stops the others,
                      which are reported :unknown :cause :not-checked) */
};

/**
 * Check h. The result map (EDN, Jepsen's results.edn shape) is built in a;
 * out->valid is its verdict. Returns 0 whatever the verdict, or a negative
 * code with err set when the history does not fit the model (FL_EMODEL: a
 * :cas on a register), the initial value is bad (FL_EUSAGE), the history is
 * malformed (FL_EPARSE: a completion without an invocation, a non-tuple
 * value with independent) or the artifact cannot be written. Thread-safe
 * for distinct h/a; h is not modified.
 */
int fl_linear_check(const struct fl_hist *h, const struct fl_linear_opts *o,
                    struct fl_arena *a, struct fl_chk_result *out,
                    struct fl_err *err);

/**
 * A checker (checker.h) running fl_linear_check with o, whose pointers must
 * outlive it; the limits, threads and out_dir of the struct fl_chk_opts
 * passed to check override o's when set. Free with c->type->free(c).
 */
struct fl_checker *fl_chk_linear_new(const struct fl_linear_opts *o);
extern const struct fl_checker_type fl_chk_linear_type;

#endif
