/* SPDX-License-Identifier: MIT */
/*
 * run_int.h: internals shared by interpreter.c and worker.c: the workers
 * (one per client thread, plus the nemesis), the pool of OS threads that
 * runs their ops, and the completion queue. The hot path is lock-free:
 * the scheduler queues a worker on the pool's run queue with one atomic
 * store, a pool thread takes it with one CAS, and the completion goes
 * back through a ring where the scheduler takes it with plain loads.
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

/*
 * A completion on its way to the scheduler: one cache line. The op's
 * index field carries the ring position + 1 once the rest is written
 * (the scheduler sets the real index when it journals the op), and its
 * pair field the thread.
 */
struct fl_run__done {
    _Alignas(64) struct fl_op op;
};

/*
 * Completion queue: a bounded ring, many producers (pool threads) and
 * one consumer (the scheduler). A producer reserves an entry with one
 * fetch_add on a line only producers write, writes the completion, then
 * its tag; the consumer reads the entry at its head once the tag says it
 * is this lap's, with plain loads. A worker has at most one completion
 * queued, so the ring, an entry per worker, never overflows. The
 * consumer sleeps on `futex` with `sleeping` set; producers look at
 * `sleeping` after each push.
 */
struct fl_run__queue {
    /* producers */
    _Alignas(64) atomic_size_t tail;
    struct fl_run__done *pring;
    size_t pmask;
    /* the consumer */
    _Alignas(64) size_t head;
    struct fl_run__done *cring;
    size_t cmask;
    /* rarely written */
    _Alignas(64) atomic_int sleeping; /* the consumer is in futex wait */
    atomic_uint futex;                /* bumped to wake it */
};

/* Lives until the interpreter and every pool thread are done. */
struct fl_run__shared {
    atomic_int refs;      /* the interpreter, plus one per pool thread */
    atomic_int abandoned; /* abandoned workers not yet cleaned up */
    struct fl_run__pool *pool;
};

/* fl_run__worker.done after a timeout: drop the completion. */
#define FL_RUN_ABANDONED UINT64_MAX

/*
 * One client thread (or the nemesis) of the test: its open client, its
 * node. It has no OS thread of its own: a pool thread runs its ops, one
 * at a time (worker.c). The op travels in the pool's run queue and the
 * completion in the completion queue, so the scheduler never writes
 * here while the worker lives: its lines stay with the pool thread that
 * runs it.
 */
struct fl_run__worker {
    /* ops finished (written by the pool thread that ran the last one),
     * or FL_RUN_ABANDONED (the scheduler's CAS, after a timeout) */
    _Alignas(64) _Atomic uint64_t done;
    int thread; /* thread index; == concurrency: nemesis */
    bool nemesis;
    struct fl_arena arena;   /* completion values (worker-owned) */
    struct fl_client client; /* open client, if client_open */
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

/** A queue for at most nworkers workers at a time. */
struct fl_run__queue *fl_run__queue_new(int nworkers);
void fl_run__queue_free(struct fl_run__queue *q);
/**
 * Take the next completion into *c (c->pair is its thread); false if
 * none is queued (consumer only).
 */
bool fl_run__queue_pop(struct fl_run__queue *q, struct fl_op *c);
/**
 * True if a completion is queued (consumer only). The producers' counter
 * comes first: polling the entry itself would pull its line away from a
 * producer between its stores.
 */
static inline bool
fl_run__queue_ready(struct fl_run__queue *q)
{
    return atomic_load_explicit(&q->tail, memory_order_relaxed) != q->head &&
           __atomic_load_n(&q->cring[q->head & q->cmask].op.index,
                           __ATOMIC_ACQUIRE) == (int64_t)q->head + 1;
}
/**
 * Wait for a completion, at most timeout_ns (-1: no limit); returns at
 * once if one is queued (consumer only).
 */
void fl_run__queue_sleep(struct fl_run__queue *q, int64_t timeout_ns);

/** A worker for thread index `thread`; no OS thread is started. */
struct fl_run__worker *
fl_run__worker_new(int thread, bool nemesis, const struct fl_env *env,
                   const struct fl_client_seed *seed, struct fl_nemesis *nem,
                   struct fl_run__queue *queue, struct fl_run__shared *shared);
/** Close w's client and free w; w must have no op in flight. */
void fl_run__worker_free(struct fl_run__worker *w);
/**
 * Hand op to w, which must be idle: it joins the pool's run queue, and a
 * sleeping pool thread is woken unless one is awake. now is
 * CLOCK_MONOTONIC (ns).
 */
void fl_run__worker_send(struct fl_run__worker *w, const struct fl_op *op,
                         int64_t now);
/**
 * Give up on w's op number n (its nth since it was made): true if it was
 * abandoned (the pool thread that runs it, or drains it, frees w), false
 * if its completion is already queued.
 */
bool fl_run__worker_abandon(struct fl_run__worker *w, uint64_t n);

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
/** True while the client's calls average under 20 us (see worker.c). */
bool fl_run__pool_fast(const struct fl_run__shared *s);
/** Pool threads started so far (for tests and the run's log). */
int fl_run__pool_started(const struct fl_run__shared *s);

void fl_run__shared_unref(struct fl_run__shared *s);

/**
 * For tests: at every 256th ring entry, a pool thread sleeps 10 ms
 * between copying the op and taking it, long enough for the scheduler to
 * reuse the entry meanwhile (the CAS must then fail).
 */
extern atomic_bool fl_run__test_pop_yield;

#endif
