/* SPDX-License-Identifier: MIT */
/*
 * sim.h: run a generator against simulated time and simulated clients, the
 * way Jepsen's generator tests do (their `simulate` and `perfect`). The
 * schedule follows the interpreter's rules exactly: completions before new
 * ops, an op with a future :time waits for it (or for an earlier
 * completion), :pending waits at most 1 ms, :info gives the thread a new
 * process. Nothing here reads a clock or starts a thread, so the resulting
 * history is a pure function of the generator, the options and the seed.
 */
#ifndef FL_GEN_SIM_H
#define FL_GEN_SIM_H

#include "gen/gen.h"
#include "history/hist.h"

struct fl_err;

/**
 * Decide how invocation inv completes: *c starts as a copy of inv with type
 * FL_OP_OK (FL_OP_INFO for the nemesis) and time inv->time_ns + latency;
 * the function may change type, time (>= inv's), value and extra (values
 * allocated in a, the history's arena).
 */
typedef void fl_gen_sim_complete_fn(void *arg, const struct fl_op *inv,
                                    struct fl_arena *a, struct fl_op *c);

struct fl_gen_sim_opts {
    int concurrency;                  /* client threads */
    uint64_t seed;                    /* random stream of the generators */
    int64_t latency_ns;               /* default completion latency */
    int64_t start_ns;                 /* time of the first ask; default 0 */
    size_t max_ops;                   /* stop after this many history ops;
                                         0 = 1,000,000 */
    fl_gen_sim_complete_fn *complete; /* NULL: always :ok after latency */
    void *arg;
    /* passed on in the context (struct fl_gen_ctx's key_done) */
    void (*key_done)(void *arg, int64_t key);
    void *key_done_arg;
    /* told of every op appended to out, with its thread (concurrency for
       the nemesis) and whether it is a completion; NULL: no one */
    void (*on_op)(void *arg, int thread, bool complete, const struct fl_op *op);
    void *on_op_arg;
    /* asked now and then: true stops asking for new ops (the ops in
       flight still complete); NULL: never */
    bool (*stop)(void *arg);
    void *stop_arg;
};

/**
 * Run g (borrowed; it is advanced) to exhaustion, appending every
 * invocation and completion to out (sleep and log ops are not recorded;
 * indices continue from out's length, so phases can share a history).
 * Returns 0, or FL_GEN_ERROR's message in err with a negative code when
 * the generator failed, or FL_ELIMIT when max_ops was reached.
 */
int fl_gen_simulate(struct fl_gen *g, const struct fl_gen_sim_opts *opts,
                    struct fl_hist *out, struct fl_err *err);

/** Jepsen's `perfect`: every op completes :ok after 10 ns. */
int fl_gen_perfect(struct fl_gen *g, int concurrency, struct fl_hist *out,
                   struct fl_err *err);

#endif
