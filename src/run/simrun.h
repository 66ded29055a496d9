/* SPDX-License-Identifier: MIT */
/*
 * simrun.h: --deterministic (docs/replay.md): the interpreter's job done on
 * one thread in simulated time by the generator simulator (gen/sim.h),
 * for suites whose client runs in-process. Each op is invoked on the
 * spot, when the simulator dispatches it, and completes after a latency
 * drawn from a random stream of the seed, so the interleaving of the
 * threads is a function of the seed alone and two runs with one seed
 * produce the same history, byte for byte.
 */
#ifndef FL_RUN_SIMRUN_H
#define FL_RUN_SIMRUN_H

#include <stdbool.h>
#include <stdint.h>

#include "gen/gen.h"
#include "history/hist.h"
#include "history/writer.h"
#include "run/online.h"
#include "run/test.h"

struct fl_err;

/* Simulated completion latency: uniform in [MIN, MAX) ns. */
#define FL_SIMRUN_LATENCY_MIN_NS 100000LL  /* 0.1 ms */
#define FL_SIMRUN_LATENCY_MAX_NS 2000000LL /* 2 ms */

struct fl_simrun_opts {
    struct fl_test *t;             /* borrowed: env, client, nemesis, seed */
    struct fl_hist *hist;          /* ops appended here */
    struct fl_hist_writer *writer; /* history.edn, or NULL */
    struct fl_online *online;      /* or NULL */
    /* the schedule (see struct fl_interp_opts's on_event), or NULL */
    void (*on_event)(void *arg, int thread, bool complete,
                     const struct fl_op *op);
    void *on_event_arg;
    bool (*stop)(void *arg); /* true: ask for no more ops; or NULL */
    void *stop_arg;
};

struct fl_simrun;

/** t->env.clock must be a fake clock: it is moved to each op's time. */
struct fl_simrun *fl_simrun_new(const struct fl_simrun_opts *o);
/**
 * Run g (borrowed) to exhaustion in simulated time, starting where the
 * previous phase ended. Returns 0 or a negative code with err filled.
 */
int fl_simrun_run(struct fl_simrun *sr, struct fl_gen *g, struct fl_err *err);
/** Simulated ns since the origin at the end of the last phase. */
int64_t fl_simrun_now(const struct fl_simrun *sr);
/** Close the clients; accepts NULL. */
void fl_simrun_free(struct fl_simrun *sr);

#endif
