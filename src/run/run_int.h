/* SPDX-License-Identifier: MIT */
/*
 * run_int.h: internals shared by interpreter.c and worker.c: the worker
 * thread, its hand-off slot and the completion queue.
 */
#ifndef FL_RUN_INT_H
#define FL_RUN_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "run/interpreter.h"
#include "util/arena.h"

/* What a worker hands back. Values live in the worker's arena until the
 * scheduler copies them (before it gives the worker its next op). */
struct fl_run__comp {
    struct fl_op op;
    int thread;
    uint64_t seq;
};

/* The completion queue: workers push, the scheduler drains in batches. */
struct fl_run__queue {
    pthread_mutex_t mu;
    pthread_cond_t cv;         /* scheduler waits here (monotonic) */
    struct fl_run__comp *v;    /* pending completions, protected by mu */
    size_t n, alloc;
    bool waiting;              /* scheduler is in cond wait, under mu */
};

/* Lives until the interpreter and every abandoned worker are done. */
struct fl_run__shared {
    atomic_int refs;
    atomic_int abandoned; /* abandoned workers still inside a call */
};

struct fl_run__worker {
    int thread;                  /* thread index; == concurrency: nemesis */
    bool nemesis;
    pthread_t tid;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool has_op;                 /* protected by mu */
    bool exit;                   /* protected by mu */
    bool abandoned;              /* protected by mu */
    bool waiting;                /* worker sleeps on cv, protected by mu */
    struct fl_op op;             /* the op to run, protected by mu */
    uint64_t seq;                /* its sequence number, protected by mu */
    uint64_t done_seq;           /* last seq whose completion was queued */
    struct fl_arena arena;       /* completion values (worker-owned) */
    struct fl_client client;     /* open client, if client_open */
    bool client_open;
    int32_t client_proc;         /* process the client was opened for */
    /* borrowed from the interpreter; valid while not abandoned, and for an
     * abandoned worker while the run keeps them alive (see
     * fl_interp_abandoned) */
    const struct fl_env *env;
    const struct fl_client_seed *seed;
    struct fl_nemesis *nem;
    struct fl_run__queue *queue;
    struct fl_run__shared *shared;
};

struct fl_run__worker *fl_run__worker_start(int thread, bool nemesis,
                                            const struct fl_env *env,
                                            const struct fl_client_seed *seed,
                                            struct fl_nemesis *nem,
                                            struct fl_run__queue *queue,
                                            struct fl_run__shared *shared,
                                            struct fl_err *err);
/** Hand op (sequence seq) to w, which must be idle. */
void fl_run__worker_send(struct fl_run__worker *w, const struct fl_op *op,
                         uint64_t seq);
/**
 * Give up on w's current op seq: true if it was abandoned (the worker will
 * free itself), false if its completion is already queued.
 */
bool fl_run__worker_abandon(struct fl_run__worker *w, uint64_t seq);
/** Tell w to exit and join it. */
void fl_run__worker_stop(struct fl_run__worker *w);

void fl_run__shared_unref(struct fl_run__shared *s);

#endif
