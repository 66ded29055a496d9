/* SPDX-License-Identifier: MIT */
/*
 * linear_int.h: what the linearizability checker's files share: the
 * partition a search runs on (ops in invocation order, already paired, with
 * :fail ops and nemesis ops gone) and the search's result.
 */
#ifndef FL_LINEAR_INT_H
#define FL_LINEAR_INT_H

#include "checker/linear/linear.h"
#include "util/vec.h"

#define FL_LIN_NEVER UINT32_MAX

struct fl_lin_op {
    uint32_t inv;        /* position of the invocation in the history */
    uint32_t ret;        /* position of the :ok completion, or FL_LIN_NEVER */
    uint32_t comp;       /* position of any completion (:ok/:info), or NEVER */
    uint32_t f;          /* :f keyword id */
    bool crashed;        /* :info or never completed */
    const fl_val *value; /* the value the model sees (tuple's value part) */
};

FL_VEC(fl_lin_ops, struct fl_lin_op);
FL_VEC(fl_lin_u32s, uint32_t);

struct fl_lin_part {
    const fl_val *key;     /* the independent key, or NULL */
    const fl_val *element; /* the element when split by element, or NULL */
    struct fl_lin_ops ops; /* in invocation order */
};

struct fl_lin_limits {
    int64_t deadline_ns;       /* CLOCK_MONOTONIC deadline, or 0 */
    size_t memory_limit_bytes; /* per search, 0: none */
    int *stop; /* set (atomically) to stop every search: its verdict is
                  decided; a stopped search is :unknown :not-checked */
};

struct fl_lin_result {
    enum fl_verdict verdict;
    const char *cause;       /* :unknown cause ("timeout", "out-of-memory") */
    int err_code;            /* nonzero: the ops do not fit the model */
    char err_msg[256];       /* its message */
    uint32_t fail_op;        /* ops[] index of the op that could not be
                                linearized, or FL_LIN_NEVER */
    uint32_t prev_ok;        /* ops[] index of the last :ok op passed */
    struct fl_lin_u32s path; /* ops[] indices of the longest linearized
                                prefix, in linearization order */
    fl_val detail;           /* EDN map with the counterexample (in a) */
    uint64_t steps;          /* model steps tried */
    uint64_t configs;        /* memoised (linearized set, state) pairs */
    uint64_t states;         /* distinct model states */
    size_t peak_bytes;       /* memory of the search */
    size_t nops, ncrashed;   /* ops searched after reductions */
};

/**
 * Run the search on ops[0..n). Everything in res->detail is allocated in
 * a. res->path is malloc'd; release with fl_lin__result_release().
 */
void fl_lin__search(const struct fl_model_type *mt, const fl_val *init,
                    const struct fl_hist *h, const struct fl_lin_op *ops,
                    size_t n, const struct fl_lin_limits *lim,
                    struct fl_arena *a, struct fl_lin_result *res);
void fl_lin__result_release(struct fl_lin_result *res);

/** The op at position pos of h as an EDN map in a. */
fl_val fl_lin__op_val(const struct fl_hist *h, uint32_t pos,
                      struct fl_arena *a);

/**
 * Write dir/linear.svg: the ops around the failing op on a timeline, one
 * row per process, the failing op in red, the linearized prefix numbered.
 */
int fl_lin__write_svg(const char *dir, const struct fl_hist *h,
                      const struct fl_lin_op *ops, size_t n,
                      const struct fl_lin_result *res, const char *title,
                      struct fl_err *err);

int64_t fl_lin__now_ns(void);

#endif
