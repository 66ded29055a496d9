/* SPDX-License-Identifier: MIT */
/*
 * run_int.h: internals shared by interpreter.c and worker.c: the worker
 * thread, its one-op hand-off slot and the completion queue. The hot path
 * is lock-free: the scheduler publishes an op with one atomic store (and a
 * futex wake only if the worker went to sleep), and a worker queues its
 * completion with one atomic exchange on an intrusive MPSC list (Vyukov),
 * waking the scheduler through a futex only when it sleeps. Both sides wait
 * actively for a while before sleeping, which keeps a busy run off the
 * futex path, and wakes of sleeping workers are handed to workers that
 * are awake anyway (struct fl_run__wakeq).
 */
#ifndef FL_RUN_INT_H
#define FL_RUN_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "run/interpreter.h"
#include "util/arena.h"

struct fl_run__worker;

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

/*
 * Wakes the scheduler handed to workers (worker.c): a bounded ring with
 * one producer (the scheduler) and many consumers. A futex wake costs
 * the waker several microseconds, and the scheduler is the bottleneck of
 * a fast run, so when it hands an op to a sleeping worker while some
 * other worker is awake and about to look here, it queues the wake
 * instead of making the system call.
 */
struct fl_run__wakeq {
    _Atomic(struct fl_run__worker *) *ring;
    size_t mask;
    atomic_size_t head; /* consumers take with a CAS */
    atomic_size_t tail; /* the scheduler publishes */
    atomic_int wakers;  /* workers between an op and their next wait */
};

/* Lives until the interpreter and every abandoned worker are done. */
struct fl_run__shared {
    atomic_int refs;
    atomic_int abandoned; /* abandoned workers still inside a call */
    struct fl_run__wakeq wakeq;
};

enum fl_run__slot {
    FL_RUN_SLOT_IDLE = 0,     /* nothing to do */
    FL_RUN_SLOT_READY = 1,    /* op published */
    FL_RUN_SLOT_SLEEPING = 2, /* worker waits on the futex */
    FL_RUN_SLOT_EXIT = 3,     /* worker must exit */
};

enum fl_run__phase {
    FL_RUN_PHASE_RUNNING = 0,   /* the op is being worked on */
    FL_RUN_PHASE_DONE = 1,      /* the completion is (being) queued */
    FL_RUN_PHASE_ABANDONED = 2, /* timed out: drop the completion */
};

struct fl_run__worker {
    int thread; /* thread index; == concurrency: nemesis */
    bool nemesis;
    pthread_t tid;
    atomic_uint slot;         /* enum fl_run__slot (futex word) */
    atomic_int phase;         /* enum fl_run__phase of the current op */
    struct fl_op op;          /* written by the scheduler before READY */
    uint64_t seq;             /* likewise */
    struct fl_run__comp comp; /* the completion node */
    struct fl_arena arena;    /* completion values (worker-owned) */
    struct fl_client client;  /* open client, if client_open */
    bool client_open;
    int32_t client_proc; /* process the client was opened for */
    int64_t gap_ns;      /* average wait for the next op (worker.c) */
    bool in_window;      /* counted in shared->wakeq.wakers */
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

struct fl_run__worker *
fl_run__worker_start(int thread, bool nemesis, const struct fl_env *env,
                     const struct fl_client_seed *seed, struct fl_nemesis *nem,
                     struct fl_run__queue *queue, struct fl_run__shared *shared,
                     struct fl_err *err);
/** Hand op (sequence seq) to w, which must be idle. */
void fl_run__worker_send(struct fl_run__worker *w, const struct fl_op *op,
                         uint64_t seq);
/**
 * Give up on w's current op: true if it was abandoned (the worker will
 * free itself), false if its completion is already queued.
 */
bool fl_run__worker_abandon(struct fl_run__worker *w);
/** Tell w to exit and join it. */
void fl_run__worker_stop(struct fl_run__worker *w);

/** A shared block for nthreads workers, with one reference. */
struct fl_run__shared *fl_run__shared_new(int nthreads);
void fl_run__shared_unref(struct fl_run__shared *s);

/** futex helpers (Linux). */
void fl_run__futex_wait(atomic_uint *addr, unsigned val, int64_t timeout_ns);
void fl_run__futex_wake(atomic_uint *addr, int n);

#endif
