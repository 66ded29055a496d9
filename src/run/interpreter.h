/* SPDX-License-Identifier: MIT */
/*
 * interpreter.h: Jepsen's generator interpreter (reference/jepsen.md §2.5).
 * One scheduling thread (the caller of fl_interp_run) asks the generator
 * for ops and hands each to a worker thread, one per client thread plus
 * one for the nemesis; completions are handled before new ops are asked
 * for. Every invocation and completion is appended to the history (and to
 * the streaming history.edn writer, flushed every few ms). A client op
 * that hangs past the op timeout is recorded :info and its worker is
 * abandoned (never cancelled); a fresh worker takes over the thread. The
 * interpreter outlives one fl_interp_run() call so a run's phases (main
 * workload, healing, final reads) share threads, processes and the
 * history.
 */
#ifndef FL_INTERPRETER_H
#define FL_INTERPRETER_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "gen/gen.h"
#include "history/hist.h"
#include "history/writer.h"
#include "nemesis/nemesis.h"
#include "run/client.h"
#include "run/online.h"
#include "util/clock.h"

struct fl_err;

struct fl_interp_opts {
    const struct fl_env *env;            /* borrowed; env->origin_ns is
                                            the time origin */
    struct fl_clock *clock;              /* real clock (NULL = real) */
    int concurrency;                     /* client threads, >= 1 */
    const struct fl_client_seed *client; /* seed client (NULL: noop) */
    struct fl_nemesis *nemesis;          /* NULL: noop */
    int64_t op_timeout_ns;               /* 0: ops may hang forever */
    uint64_t seed;                       /* generator random streams */
    struct fl_hist *hist;                /* ops appended here (borrowed) */
    struct fl_hist_writer *writer;       /* history.edn, or NULL */
    volatile sig_atomic_t *stop;         /* *stop >= stop_level: stop
                                            asking for ops (NULL: never) */
    int stop_level;                      /* 0 means 1 */
    int abandon_level;                   /* *stop >= this: client ops in
                                            flight end at once as :info
                                            "interrupted" (0: never) */
    /* called (on the scheduling thread) when a new *stop level is first
       seen, with the ops still in flight; NULL: nothing */
    void (*on_stop)(void *arg, int level, int outstanding);
    void *on_stop_arg;
    FILE *progress;                     /* progress line, or NULL */
    int64_t time_limit_ns;              /* for "remaining" in progress */
    const struct fl_nemesis_perf *perf; /* fault regions for progress */
    size_t nperf;
    struct fl_online *online; /* gets every op and finished key, and
                                 says "invalid so far" (NULL: none) */
    /* told of every invocation as it is dispatched and of every nemesis
       completion (complete), with its thread (-1 for the nemesis): the
       run's schedule. NULL: no one */
    void (*on_event)(void *arg, int thread, bool complete,
                     const struct fl_op *op);
    void *on_event_arg;
};

/** Counters, readable after (or between) runs. */
struct fl_interp_stats {
    uint64_t invokes;        /* client invocations */
    uint64_t ok, fail, info; /* client completions by type */
    uint64_t timeouts;       /* ops turned :info by the op timeout */
    uint64_t nemesis;        /* nemesis ops completed */
    uint64_t asks;           /* calls of the generator's op */
    int pool_threads;        /* OS threads started to run ops */
};

enum fl_interp_result {
    FL_INTERP_DONE = 0,    /* the generator is exhausted, nothing in flight */
    FL_INTERP_STOPPED = 1, /* *stop was set; outstanding ops finished */
};

struct fl_interp;

/**
 * Start the worker threads. Returns NULL with err filled if a thread
 * cannot be started. Free with fl_interp_free().
 */
struct fl_interp *fl_interp_new(const struct fl_interp_opts *opts,
                                struct fl_err *err);
/**
 * Run g (borrowed) until it is exhausted and all its ops completed, or
 * until *stop is set (then no new ops are asked for and outstanding ones
 * finish or time out). Returns an enum fl_interp_result, or a negative
 * code with err filled when the generator fails (outstanding ops are
 * still waited for) or the history writer fails.
 */
int fl_interp_run(struct fl_interp *in, struct fl_gen *g, struct fl_err *err);
void fl_interp_get_stats(const struct fl_interp *in,
                         struct fl_interp_stats *out);
/** Change the stop level (the run raises it for its healing phases). */
void fl_interp_set_stop_level(struct fl_interp *in, int level);
/**
 * A generator of nemesis ops (borrowed) that the next fl_interp_run()
 * switches to as soon as a stop is requested, instead of only waiting for
 * the ops in flight: the faults are healed at once, and client ops that
 * hang on them can complete. NULL: none. fl_interp_healed() then says
 * whether it ran.
 */
void fl_interp_set_heal(struct fl_interp *in, struct fl_gen *heal);
bool fl_interp_healed(const struct fl_interp *in);
/**
 * Stop asking for ops, as an interrupt of level 1 would (any thread;
 * --stop-on-invalid). Phases run at a higher stop level go on.
 */
void fl_interp_request_stop(struct fl_interp *in);
/** Change the abandon level (see struct fl_interp_opts). */
void fl_interp_set_abandon_level(struct fl_interp *in, int level);
/**
 * Say what the run is doing on the progress line instead of the time
 * left ("healing", "final reads"); stage is borrowed (a literal), NULL
 * for the time left.
 */
void fl_interp_set_stage(struct fl_interp *in, const char *stage);
/**
 * End the progress line shown on a terminal, so that the caller can
 * print a line of its own (nothing when progress is not a terminal).
 */
void fl_interp_progress_break(struct fl_interp *in);
/** Print the progress line one last time (with a newline). */
void fl_interp_progress_final(struct fl_interp *in);
/**
 * Workers abandoned by timeouts that are still inside a client or nemesis
 * call. While nonzero, the client seed and nemesis must stay alive.
 */
int fl_interp_abandoned(struct fl_interp *in);
/**
 * Stop and join the workers (closing their clients); abandoned workers are
 * given up to grace_ns to return. Returns how many are still stuck in a
 * call: while nonzero, the client seed, nemesis and env they borrow must
 * never be freed. Accepts NULL (returns 0).
 */
int fl_interp_free(struct fl_interp *in, int64_t grace_ns);

#endif
