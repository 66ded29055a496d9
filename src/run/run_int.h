/* SPDX-License-Identifier: MIT */
/*
 * run_int.h: internals shared by interpreter.c and worker.c: the workers
 * (one per client thread, plus the nemesis), the pool of OS threads that
 * runs their ops, and the completion queue. The hot path is lock-free:
 * the scheduler queues a worker on the pool's run queue with one atomic
 * store, a pool thread takes it with one CAS, and the completion goes
 * back with one atomic exchange on an intrusive MPSC list (Vyukov).
 * Futexes are touched only by threads that have nothing to do for a
 * while; docs/run.md explains why ops do not each get an OS thread.
 */
#ifndef FL_RUN_INT_H
#define FL_RUN_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "run/interpreter.h"
#include "util/arena.h"

struct fl_run__pool;

#if defined(__x86_64__) || defined(__i386__)
#define FL_CPU_RELAX() __builtin_ia32_pause()
#elif defined(__aarch64__)
#define FL_CPU_RELAX() __asm__ __volatile__("yield")
#else
#define FL_CPU_RELAX() ((void)0)
#endif

/* One queued completion; embedded in its worker (one in flight each). */
struct fl_run__comp {
    _Atomic(struct fl_run__comp *) next;
    struct fl_op op; /* values in the worker's arena */
    int thread;
    uint64_t seq;
};

/* Completion queue: intrusive MPSC list plus a futex to sleep on. */
struct fl_run__queue {
    _Atomic(struct fl_run__comp *) tail; /* producers exchange here */
    struct fl_run__comp *head;           /* consumer side */
    struct fl_run__comp stub;            /* sentinel node */
    atomic_uint seq;                     /* bumped by every push (futex) */
    atomic_int sleeping;                 /* scheduler is in futex wait */
};

/* Lives until the interpreter and every pool thread are done. */
struct fl_run__shared {
    atomic_int refs;      /* the interpreter, plus one per pool thread */
    atomic_int abandoned; /* abandoned workers not yet cleaned up */
    struct fl_run__pool *pool;
};

enum fl_run__phase {
    FL_RUN_PHASE_RUNNING = 0,   /* the op is queued or being worked on */
    FL_RUN_PHASE_DONE = 1,      /* the completion is (being) queued */
    FL_RUN_PHASE_ABANDONED = 2, /* timed out: drop the completion */
};

/*
 * One client thread (or the nemesis) of the test: its open client, its
 * node, the op in flight. It has no OS thread of its own: a pool thread
 * runs its op, one op at a time (worker.c).
 */
struct fl_run__worker {
    int thread; /* thread index; == concurrency: nemesis */
    bool nemesis;
    atomic_int phase;         /* enum fl_run__phase of the current op */
    struct fl_op op;          /* written by the scheduler before queueing */
    uint64_t seq;             /* likewise */
    struct fl_run__comp comp; /* the completion node */
    struct fl_arena arena;    /* completion values (worker-owned) */
    struct fl_client client;  /* open client, if client_open */
    bool client_open;
    int32_t client_proc; /* process the client was opened for */
    /* borrowed from the interpreter; for an abandoned worker they stay
     * valid while the run keeps them alive (see fl_interp_abandoned) */
    const struct fl_env *env;
    const struct fl_client_seed *seed;
    struct fl_nemesis *nem;
    struct fl_run__queue *queue;
    struct fl_run__shared *shared;
};

void fl_run__queue_init(struct fl_run__queue *q);
/** Pop one completion, or NULL (consumer only). */
struct fl_run__comp *fl_run__queue_pop(struct fl_run__queue *q);

/** A worker for thread index `thread`; no OS thread is started. */
struct fl_run__worker *
fl_run__worker_new(int thread, bool nemesis, const struct fl_env *env,
                   const struct fl_client_seed *seed, struct fl_nemesis *nem,
                   struct fl_run__queue *queue, struct fl_run__shared *shared);
/** Close w's client and free w; w must have no op in flight. */
void fl_run__worker_free(struct fl_run__worker *w);
/**
 * Hand op (sequence seq) to w, which must be idle: w joins the pool's run
 * queue, and a sleeping pool thread is woken unless one is awake. now is
 * CLOCK_MONOTONIC (ns).
 */
void fl_run__worker_send(struct fl_run__worker *w, const struct fl_op *op,
                         uint64_t seq, int64_t now);
/**
 * Give up on w's current op: true if it was abandoned (the pool thread
 * that runs it, or drains it, frees w), false if its completion is
 * already queued.
 */
bool fl_run__worker_abandon(struct fl_run__worker *w);

/**
 * The shared block with a pool of `initial` threads, for a test of
 * nthreads threads; one reference for the caller. NULL with err set if
 * not even one thread starts.
 */
struct fl_run__shared *fl_run__pool_start(int nthreads, int initial,
                                          struct fl_err *err);
/**
 * Called by the scheduler every turn (it looks at most every 20 us): when
 * the oldest queued op has waited 200 us and no thread is free or soon
 * back from a short call, wake or start a thread per queued op; when
 * threads are free but took nothing, wake one more. now is
 * CLOCK_MONOTONIC; returns how soon (ns) to call again, INT64_MAX if
 * nothing is queued.
 */
int64_t fl_run__pool_grow(struct fl_run__shared *s, int64_t now);
/**
 * Stop the pool: every thread not inside an abandoned call exits (this
 * waits for them); abandoned calls get grace_ns to return. Returns how
 * many are still inside one. Drops the caller's reference.
 */
int fl_run__pool_stop(struct fl_run__shared *s, int64_t grace_ns);
/** Pool threads started so far (for tests and the run's log). */
int fl_run__pool_started(const struct fl_run__shared *s);

void fl_run__shared_unref(struct fl_run__shared *s);

/** futex helpers (Linux). */
void fl_run__futex_wait(atomic_uint *addr, unsigned val, int64_t timeout_ns);
void fl_run__futex_wake(atomic_uint *addr, int n);

#endif
