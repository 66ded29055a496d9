/* SPDX-License-Identifier: MIT */
/*
 * worker.c: workers and the pool of OS threads that runs their ops, the
 * only place client and nemesis code runs during a test. A pool thread
 * takes a worker with an op, invokes its client (opened lazily for the
 * op's process and bound to node `thread mod nnodes`) or the nemesis,
 * turns errors into :info completions, and queues the completion for the
 * scheduler. A worker the scheduler abandoned after a timeout drops its
 * late completion and is freed by the thread that ran it; nothing ever
 * cancels a thread, and the pool grows when all its threads are stuck
 * inside calls. Also here: the completion queue.
 */
#include "util/common.h"

#include "run/run_int.h"

#include <linux/membarrier.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/err.h"
#include "util/futex.h"
#include "util/log.h"

#define WORKER_ARENA_BLOCK   4096
#define WORKER_ARENA_MAX     (1 << 20)    /* release the arena past this */
#define WORKER_SPINS         64           /* pause loops before anything */
#define WORKER_ACTIVE_MIN_NS (5 * 1000)   /* active wait: at least */
#define WORKER_ACTIVE_MAX_NS (100 * 1000) /* and at most */
#define WORKER_SPIN_MAX_NS   (10 * 1000)  /* spinning; then yielding */
#define WORKER_GAP_LONG_NS   (500 * 1000) /* past this, no active wait */
#define WORKER_GAP0_NS       (20 * 1000)  /* first guess at the gap */
#define POOL_WAKE_NS         (200 * 1000) /* longest wait behind calls */
#define POOL_LONG_CALL_NS    (20 * 1000)  /* calls this long get threads */
#define POOL_CHECK_NS        (20 * 1000)  /* how often the scheduler looks */
#define POOL_PREFETCH        4            /* queued jobs fetched ahead */
#define POOL_STACK           (256 * 1024)

static void
close_client(struct fl_run__worker *w)
{
    if (w->client_open) {
        fl_client_close(&w->client, w->env);
        w->client_open = false;
    }
}

/* Run a client op; fills *c. */
static void
run_client_op(struct fl_run__worker *w, const struct fl_op *op, struct fl_op *c)
{
    struct fl_err err = FL_ERR_INIT;

    if (w->client_open && w->client_proc != op->process &&
        !w->client.type->reusable)
        close_client(w);
    if (!w->client_open) {
        size_t node =
            w->env && w->env->nnodes ? (size_t)w->thread % w->env->nnodes : 0;
        if (fl_client_open_thread(&w->client, w->seed, w->env, node, w->thread,
                                  &err) < 0) {
            fl_val items[2];
            c->type = FL_OP_FAIL;
            items[0] = fl_val_kw(fl_kw_intern_cstr("no-client"));
            items[1] = fl_val_str(&w->arena, err.msg, strlen(err.msg));
            fl_val v = fl_val_coll(&w->arena, FL_V_VEC, items, 2);
            fl_op_set_error_val(c, &w->arena, &v);
            return;
        }
        w->client_open = true;
    }
    w->client_proc = op->process;
    int rc = fl_client_invoke(&w->client, w->env, op, &w->arena, c, &err);
    if (rc < 0) {
        char msg[300];
        snprintf(msg, sizeof(msg), "indeterminate: %s",
                 err.msg[0] ? err.msg : strerror(-rc));
        c->type = FL_OP_INFO;
        fl_op_set_error(c, &w->arena, msg);
    } else if (c->type != FL_OP_OK && c->type != FL_OP_FAIL &&
               c->type != FL_OP_INFO) {
        c->type = FL_OP_INFO;
        fl_op_set_error(c, &w->arena,
                        "indeterminate: client returned an invalid :type");
    }
}

static void
run_nemesis_op(struct fl_run__worker *w, const struct fl_op *op,
               struct fl_op *c)
{
    struct fl_err err = FL_ERR_INIT;

    fl_info("nemesis :%s", fl_kw_name(op->f));
    int rc = fl_nemesis_invoke(w->nem, w->env, op, &w->arena, c, &err);
    if (rc < 0) {
        fl_warn("nemesis :%s failed: %s", fl_kw_name(op->f), err.msg);
        fl_op_set_error(c, &w->arena, err.msg);
    }
    c->type = FL_OP_INFO; /* nemesis completions are always :info */
}

/*
 * The pool. Ops wait on a bounded ring with one producer (the scheduler)
 * and many consumers (pool threads). `nfree` counts pool threads that are
 * not inside a call and not asleep: each of them will look at the ring
 * again before it sleeps. An op queued when every thread sleeps wakes one
 * at once. Otherwise, when the oldest queued op has waited POOL_WAKE_NS
 * and either no thread took an op for that long, or every thread is
 * asleep or inside a call that began longer ago than that,
 * fl_run__pool_grow() wakes or starts a thread for each queued op: no op
 * waits long behind a call that might never return, and a fast client is
 * served by the few threads at work, without wakes.
 */
struct pool_thread {
    atomic_uint wake;            /* futex: set by whoever wakes us */
    _Atomic int64_t call_ns;     /* when the current call began, 0: none */
    _Atomic int64_t avg_call_ns; /* average length of its calls */
    int64_t gap_ns;              /* average wait for the next op */
    struct pool_thread *next_idle;
    struct pool_thread *next_all;
    struct fl_run__shared *shared;
};

/*
 * An op in the run queue, one cache line: the worker, then the op. A
 * pool thread copies it before its CAS on the head says it is taken (it
 * may be rewritten as soon as it is), so it is made of atomic words.
 */
#define JOB_WORDS 8
struct fl_run__job {
    _Alignas(64) _Atomic uint64_t word[JOB_WORDS];
};
_Static_assert(sizeof(struct fl_op) <= (JOB_WORDS - 1) * sizeof(uint64_t),
               "an op fits a job");

static void
job_put(struct fl_run__job *j, struct fl_run__worker *w, const struct fl_op *op)
{
    uint64_t buf[JOB_WORDS] = {0};

    buf[0] = (uint64_t)(uintptr_t)w;
    memcpy(&buf[1], op, sizeof(*op));
    for (int i = 0; i < JOB_WORDS; i++)
        atomic_store_explicit(&j->word[i], buf[i], memory_order_relaxed);
}

static struct fl_run__worker *
job_get(struct fl_run__job *j, struct fl_op *op)
{
    uint64_t buf[JOB_WORDS];

    for (int i = 0; i < JOB_WORDS; i++)
        buf[i] = atomic_load_explicit(&j->word[i], memory_order_relaxed);
    memcpy(op, &buf[1], sizeof(*op));
    return (struct fl_run__worker *)(uintptr_t)buf[0];
}

/*
 * Three cache lines: what the scheduler writes for every op, what pool
 * threads write for every op, and what changes only when threads sleep,
 * wake, start or exit; so the per-op hand-off moves as few lines as it
 * can between CPUs.
 */
struct fl_run__pool {
    /* written by the scheduler */
    _Alignas(64) struct fl_run__job *jobs;
    int64_t *queued_ns; /* when each entry was queued */
    size_t mask;
    atomic_size_t tail; /* the scheduler publishes */
    int64_t next_check; /* of fl_run__pool_grow() */
    /* written by pool threads */
    _Alignas(64) atomic_size_t head; /* consumers take with a CAS */
    atomic_int nfree;                /* threads awake and outside calls */
    atomic_int nspin;                /* of which waiting actively */
    _Atomic int64_t last_pop_ns;
    _Atomic int64_t avg_call_ns; /* over all threads, roughly */
    /* rarely written */
    _Alignas(64) atomic_int nawake; /* threads not asleep: free or busy */
    atomic_bool slow;  /* avg_call_ns >= POOL_LONG_CALL_NS, stored on change */
    atomic_int nalive; /* threads not yet exited */
    atomic_int started;
    atomic_bool exit;
    int nthreads;             /* of the test: the pool needs no more */
    int spin_max;             /* at most this many wait actively */
    pthread_mutex_t lock;     /* guards idle, all */
    struct pool_thread *idle; /* asleep, waiting to be woken */
    struct pool_thread *all;  /* every thread, freed with the pool */
};

#define mono_ns fl_clock_mono_ns

/*
 * An asymmetric Dekker fence. Handing an op over must not wake a sleeping
 * thread late, which needs store-then-load ordering on both sides: the
 * scheduler stores the ring's tail then reads how many threads are awake,
 * a thread going to sleep lowers that count then reads the tail. A full
 * fence costs the scheduler about a fifth of its time per op, so it pays
 * with a compiler barrier and the (rare) sleeper with membarrier(2),
 * which runs a full fence on every CPU running one of our threads. Where
 * membarrier is not available both sides use a full fence.
 */
#if defined(__SANITIZE_THREAD__)
/* TSan models neither fences nor membarrier: plain seq_cst on both sides. */
#define HANDOFF_STORE memory_order_seq_cst
#define HANDOFF_LOAD  memory_order_seq_cst
static void
asym_init(void)
{
}

static inline void
fence_light(void)
{
}

static void
fence_heavy(void)
{
}
#else
#define HANDOFF_STORE memory_order_release
#define HANDOFF_LOAD  memory_order_relaxed
static bool asym_ok;

static void
asym_init(void)
{
    asym_ok = syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED,
                      0, 0) == 0;
}

static inline void
fence_light(void)
{
    if (asym_ok)
        atomic_signal_fence(memory_order_seq_cst);
    else
        atomic_thread_fence(memory_order_seq_cst);
}

static void
fence_heavy(void)
{
    if (!asym_ok ||
        syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) != 0)
        atomic_thread_fence(memory_order_seq_cst);
}
#endif
static pthread_once_t asym_once = PTHREAD_ONCE_INIT;

struct fl_run__queue *
fl_run__queue_new(int nworkers)
{
    struct fl_run__queue *q = fl_xcalloc_aligned(64, sizeof(*q));
    size_t cap = 16;

    pthread_once(&asym_once, asym_init);
    while (cap < (size_t)nworkers + 1)
        cap *= 2;
    q->pring = q->cring =
        fl_xcalloc_aligned(64, fl_st_mult(cap, sizeof(*q->pring)));
    q->pmask = q->cmask = cap - 1;
    return q;
}

void
fl_run__queue_free(struct fl_run__queue *q)
{
    if (!q)
        return;
    free(q->cring);
    free(q);
}

/* The op's fields after index: the tag keeps index's place. */
_Static_assert(offsetof(struct fl_op, index) == 0, "index comes first");
#define OP_BODY     offsetof(struct fl_op, time_ns)
#define OP_BODY_LEN (sizeof(struct fl_op) - OP_BODY)

static void
queue_push(struct fl_run__queue *q, int thread, const struct fl_op *c)
{
    /* acq_rel: see fl_run__queue_pop() */
    size_t i = atomic_fetch_add_explicit(&q->tail, 1, memory_order_acq_rel);
    struct fl_run__done *e = &q->pring[i & q->pmask];

    memcpy((char *)&e->op + OP_BODY, (const char *)c + OP_BODY, OP_BODY_LEN);
    e->op.pair = thread;
    __atomic_store_n(&e->op.index, (int64_t)i + 1, HANDOFF_STORE);
    fence_light(); /* pairs with fence_heavy() in fl_run__queue_sleep() */
    if (atomic_load_explicit(&q->sleeping, HANDOFF_LOAD)) {
        atomic_fetch_add(&q->futex, 1);
        fl_futex_wake(&q->futex, 1);
    }
}

bool
fl_run__queue_pop(struct fl_run__queue *q, struct fl_op *c)
{
    struct fl_run__done *e = &q->cring[q->head & q->cmask];

    /*
     * No producer writes e again before we are done with it: one that
     * does reserves its entry a lap later, and a worker has at most one
     * completion queued, so some worker finished twice in between; its
     * second op was sent after we took this entry, and its producer's
     * fetch_add (acq_rel) orders every later reservation after that.
     */
    if (!fl_run__queue_ready(q))
        return false;
    memcpy((char *)c + OP_BODY, (const char *)&e->op + OP_BODY, OP_BODY_LEN);
    c->index = -1;
    q->head++;
    return true;
}

void
fl_run__queue_sleep(struct fl_run__queue *q, int64_t timeout_ns)
{
    unsigned f = atomic_load(&q->futex);

    /* Dekker with queue_push(): we set sleeping, then look at the ring;
     * it fills the ring, then looks at sleeping. */
    atomic_store_explicit(&q->sleeping, 1, memory_order_seq_cst);
    fence_heavy();
    if (!fl_run__queue_ready(q))
        fl_futex_wait(&q->futex, f, timeout_ns);
    atomic_store_explicit(&q->sleeping, 0, memory_order_relaxed);
}

static bool
ring_empty(struct fl_run__pool *p)
{
    return atomic_load_explicit(&p->head, memory_order_seq_cst) ==
           atomic_load_explicit(&p->tail, memory_order_seq_cst);
}

atomic_bool fl_run__test_pop_yield;

/* Take the next job: its worker, and its op into *op. */
static struct fl_run__worker *
ring_pop(struct fl_run__pool *p, struct fl_op *op)
{
    size_t h = atomic_load_explicit(&p->head, memory_order_acquire), tl;
    struct fl_run__worker *w;

    do {
        tl = atomic_load_explicit(&p->tail, memory_order_acquire);
        if (h == tl)
            return NULL;
        w = job_get(&p->jobs[h & p->mask], op);
        /* Tests stretch the window in which the entry can be reused. */
        if (atomic_load_explicit(&fl_run__test_pop_yield,
                                 memory_order_relaxed) &&
            h % 256 == 0)
            usleep(10000);
    } while (!atomic_compare_exchange_weak_explicit(
        &p->head, &h, h + 1, memory_order_acq_rel, memory_order_acquire));
    /* Jobs queued behind it: fetch their lines while this one runs. */
    for (size_t i = h + 1; i < tl && i <= h + POOL_PREFETCH; i++)
        __builtin_prefetch(&p->jobs[i & p->mask]);
    return w;
}

/* Wake sleepers until `want` threads are free; pool lock held. */
static void
wake_locked(struct fl_run__pool *p, size_t want)
{
    while (p->idle && (size_t)atomic_load(&p->nfree) < want) {
        struct pool_thread *t = p->idle;
        p->idle = t->next_idle;
        atomic_fetch_add(&p->nawake, 1); /* on its behalf */
        atomic_fetch_add(&p->nfree, 1);
        atomic_store(&t->wake, 1);
        fl_futex_wake(&t->wake, 1);
    }
}

/*
 * Sleep on the idle list until woken (the waker counts us awake and free
 * again); pool lock held, and dropped. t no longer counts as awake.
 */
static void
sleep_locked(struct fl_run__pool *p, struct pool_thread *t)
{
    atomic_store(&t->wake, 0);
    t->next_idle = p->idle;
    p->idle = t;
    pthread_mutex_unlock(&p->lock);
    while (!atomic_load(&t->wake))
        fl_futex_wait(&t->wake, 0, -1);
    /* Woken because there is work: the time asleep says nothing of how
     * soon the next op comes after it. Counting it would keep a thread
     * that slept long sleeping after every op, each time woken again. */
    t->gap_ns = WORKER_GAP0_NS;
}

/*
 * Wait for work; false when the pool is stopping and the ring is empty.
 * With a fast client the next op usually comes within a microsecond or
 * two, and a futex sleep and wake would cost several times that; so a
 * thread keeps an average of how long it waited (gap) and waits actively
 * for up to twice that, first spinning, then yielding the CPU to other
 * runnable threads. When the gap is long (a slow client, hundreds of
 * threads sharing few ops) it goes almost straight to sleep.
 */
static bool
pool_wait(struct pool_thread *t)
{
    struct fl_run__pool *p = t->shared->pool;
    int64_t t0 = mono_ns(), now = t0, budget = 0, spin;

    if (t->gap_ns < WORKER_GAP_LONG_NS)
        budget = FL_MIN(FL_MAX(2 * t->gap_ns, WORKER_ACTIVE_MIN_NS),
                        WORKER_ACTIVE_MAX_NS);
    spin = FL_MIN(budget, WORKER_SPIN_MAX_NS);
    /*
     * Active waiters beyond the cores left beside the scheduler only
     * take CPU from it and from threads that have work. With a fast
     * client a thread inside a call counts as one: it is back in a
     * moment, and takes the next op faster than a second thread would.
     */
    int busy = 0;
    if (!atomic_load_explicit(&p->slow, memory_order_relaxed))
        busy = atomic_load_explicit(&p->nawake, memory_order_relaxed) -
               atomic_load_explicit(&p->nfree, memory_order_relaxed);
    if (atomic_fetch_add(&p->nspin, 1) + FL_MAX(busy, 0) >= p->spin_max)
        budget = spin = 0;
    for (int i = 0;; i++) {
        if (!ring_empty(p)) {
            atomic_fetch_sub(&p->nspin, 1);
            t->gap_ns += (mono_ns() - t0 - t->gap_ns) / 8;
            return true;
        }
        if (atomic_load(&p->exit)) {
            atomic_fetch_sub(&p->nspin, 1);
            return false;
        }
        if (!budget)
            break;
        if (i < WORKER_SPINS) {
            FL_CPU_RELAX();
            continue;
        }
        if ((i & 15) == 0)
            now = mono_ns();
        if (now - t0 < spin) {
            FL_CPU_RELAX();
            continue;
        }
        if (now - t0 < budget) {
            sched_yield();
            now = mono_ns();
            continue;
        }
        break;
    }
    atomic_fetch_sub(&p->nspin, 1);
    /* Sleep. Dekker with fl_run__worker_send(): it queues, then reads
     * nawake; we drop nawake, then look at the ring. */
    pthread_mutex_lock(&p->lock);
    atomic_fetch_sub_explicit(&p->nfree, 1, memory_order_seq_cst);
    atomic_fetch_sub_explicit(&p->nawake, 1, memory_order_seq_cst);
    fence_heavy();
    if (!ring_empty(p) || atomic_load(&p->exit)) {
        atomic_fetch_add(&p->nawake, 1);
        atomic_fetch_add(&p->nfree, 1);
        pthread_mutex_unlock(&p->lock);
        return !ring_empty(p) || !atomic_load(&p->exit);
    }
    sleep_locked(p, t);
    return true; /* look again; the waker counted us free */
}

/* An abandoned worker's op is over: it is ours to clean up. */
static void
worker_abandoned(struct fl_run__worker *w)
{
    struct fl_run__shared *shared = w->shared;

    fl_run__worker_free(w);
    atomic_fetch_sub(&shared->abandoned, 1);
}

static void
call_done(struct pool_thread *t)
{
    struct fl_run__pool *p = t->shared->pool;

    atomic_fetch_add(&p->nfree, 1);
    /*
     * Averages of calls capped at twice the threshold: one call that ran
     * long because its thread lost the CPU must not make a fast client
     * look slow (slow mode wakes a thread per op, and more runnable
     * threads lose the CPU more often); a client whose calls really are
     * slow still averages above the threshold.
     */
    int64_t took = FL_MIN(
        mono_ns() - atomic_load_explicit(&t->call_ns, memory_order_relaxed),
        2 * POOL_LONG_CALL_NS);
    int64_t avg = atomic_load_explicit(&t->avg_call_ns, memory_order_relaxed);
    atomic_store_explicit(&t->avg_call_ns, avg + (took - avg) / 8,
                          memory_order_relaxed);
    /* Threads race on this one; a lost update does not matter. */
    avg = atomic_load_explicit(&p->avg_call_ns, memory_order_relaxed);
    avg += (took - avg) / 16;
    atomic_store_explicit(&p->avg_call_ns, avg, memory_order_relaxed);
    /* The scheduler reads only the flag, on a line that rarely changes. */
    bool slow = avg >= POOL_LONG_CALL_NS;
    if (atomic_load_explicit(&p->slow, memory_order_relaxed) != slow)
        atomic_store_explicit(&p->slow, slow, memory_order_relaxed);
    atomic_store(&t->call_ns, 0);
}

/* Run w's op and queue its completion (or drop it, if abandoned). */
static void
run_op(struct pool_thread *t, struct fl_run__worker *w, const struct fl_op *op)
{
    struct fl_run__queue *q = w->queue;
    int thread = w->thread;
    uint64_t n = atomic_load_explicit(&w->done, memory_order_acquire);
    struct fl_op c;

    if (n == FL_RUN_ABANDONED) {
        /* Timed out before it started: do not start it now. */
        worker_abandoned(w);
        call_done(t);
        return;
    }
    /* The scheduler has copied everything from the last completion. */
    if (w->arena.total_bytes > WORKER_ARENA_MAX) {
        fl_arena_release(&w->arena);
        fl_arena_init(&w->arena, WORKER_ARENA_BLOCK);
    }
    /* Where the completion probably goes: fetch its line for writing. */
    __builtin_prefetch(
        &q->pring[atomic_load_explicit(&q->tail, memory_order_relaxed) &
                  q->pmask],
        1);
    c = *op;
    c.type = FL_OP_INFO;
    c.extra = NULL;
    if (w->nemesis)
        run_nemesis_op(w, op, &c);
    else
        run_client_op(w, op, &c);

    /* Free again before the scheduler can see the completion and count. */
    call_done(t);
    if (atomic_exchange(&w->done, n + 1) == FL_RUN_ABANDONED) {
        worker_abandoned(w);
        return;
    }
    queue_push(q, thread, &c);
}

/*
 * With a fast client, threads awake beyond the cores beside the scheduler
 * only take turns on the same CPUs, each turn a context switch, and pass
 * the queues' cache lines between them: the extra ones sleep, however
 * much work there is, while spin_max others stay awake to do it. (More
 * are woken if ops wait; see fl_run__pool_grow.)
 */
static void
pool_shed(struct pool_thread *t)
{
    struct fl_run__pool *p = t->shared->pool;

    pthread_mutex_lock(&p->lock);
    if (atomic_load(&p->nawake) <= p->spin_max || atomic_load(&p->slow) ||
        atomic_load(&p->exit)) {
        pthread_mutex_unlock(&p->lock);
        return;
    }
    atomic_fetch_sub(&p->nfree, 1);
    atomic_fetch_sub(&p->nawake, 1);
    sleep_locked(p, t);
}

static void *
pool_main(void *arg)
{
    struct pool_thread *t = arg;
    struct fl_run__shared *shared = t->shared;
    struct fl_run__pool *p = shared->pool;

    for (;;) {
        struct fl_op op;
        struct fl_run__worker *w = ring_pop(p, &op);
        if (w) {
            /* In a fresh call before no longer free (see pool_grow). */
            int64_t now = mono_ns();
            atomic_store(&t->call_ns, now);
            atomic_store_explicit(&p->last_pop_ns, now, memory_order_relaxed);
            atomic_fetch_sub(&p->nfree, 1);
            run_op(t, w, &op);
            if (atomic_load_explicit(&p->nawake, memory_order_relaxed) >
                    p->spin_max &&
                !atomic_load_explicit(&p->slow, memory_order_relaxed))
                pool_shed(t);
            continue;
        }
        if (!pool_wait(t))
            break;
    }
    atomic_fetch_sub(&p->nfree, 1);
    atomic_fetch_sub(&p->nawake, 1);
    atomic_fetch_sub(&p->nalive, 1);
    fl_run__shared_unref(shared);
    return NULL;
}

/* Start one more pool thread; pool lock held. */
static int
spawn_locked(struct fl_run__shared *s, struct fl_err *err)
{
    struct fl_run__pool *p = s->pool;
    struct pool_thread *t = fl_xcalloc(1, sizeof(*t));
    pthread_attr_t attr;
    pthread_t tid;
    int rc;

    t->shared = s;
    t->gap_ns = WORKER_GAP0_NS;
    atomic_fetch_add(&s->refs, 1);
    atomic_fetch_add(&p->nfree, 1);
    atomic_fetch_add(&p->nawake, 1);
    atomic_fetch_add(&p->nalive, 1);
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, POOL_STACK);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    rc = pthread_create(&tid, &attr, pool_main, t);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        atomic_fetch_sub(&p->nfree, 1);
        atomic_fetch_sub(&p->nawake, 1);
        atomic_fetch_sub(&p->nalive, 1);
        atomic_fetch_sub(&s->refs, 1);
        free(t);
        return fl_err_set(err, -rc, "start a pool thread: %s", strerror(rc));
    }
    t->next_all = p->all;
    p->all = t;
    atomic_fetch_add(&p->started, 1);
    return 0;
}

struct fl_run__shared *
fl_run__pool_start(int nthreads, int initial, struct fl_err *err)
{
    struct fl_run__shared *s = fl_xcalloc(1, sizeof(*s));
    struct fl_run__pool *p = fl_xcalloc_aligned(64, sizeof(*p));
    size_t cap = 16;

    pthread_once(&asym_once, asym_init);
    /* Every thread can be queued once, plus abandoned ones not yet drained. */
    while (cap < 2 * (size_t)nthreads + 2)
        cap *= 2;
    p->jobs = fl_xcalloc_aligned(64, fl_st_mult(cap, sizeof(*p->jobs)));
    p->queued_ns = fl_xcalloc(cap, sizeof(*p->queued_ns));
    p->mask = cap - 1;
    p->spin_max = (int)FL_MAX(sysconf(_SC_NPROCESSORS_ONLN) - 1, 1);
    p->nthreads = nthreads;
    pthread_mutex_init(&p->lock, NULL);
    s->pool = p;
    atomic_store(&s->refs, 1);
    pthread_mutex_lock(&p->lock);
    for (int i = 0; i < FL_MAX(initial, 1); i++) {
        if (spawn_locked(s, err) < 0) {
            if (i > 0)
                break; /* run with what we have; more may come later */
            pthread_mutex_unlock(&p->lock);
            fl_run__shared_unref(s);
            return NULL;
        }
    }
    pthread_mutex_unlock(&p->lock);
    return s;
}

bool
fl_run__pool_fast(const struct fl_run__shared *s)
{
    return !atomic_load_explicit(&s->pool->slow, memory_order_relaxed);
}

int
fl_run__pool_started(const struct fl_run__shared *s)
{
    return atomic_load(&s->pool->started);
}

int64_t
fl_run__pool_grow(struct fl_run__shared *s, int64_t now)
{
    struct fl_run__pool *p = s->pool;
    size_t h = atomic_load(&p->head), tl = atomic_load(&p->tail);

    if (h == tl)
        return INT64_MAX;
    if (now < p->next_check)
        return p->next_check - now;
    p->next_check = now + POOL_CHECK_NS;
    int64_t waited = now - p->queued_ns[h & p->mask];
    if (waited < POOL_WAKE_NS)
        return POOL_WAKE_NS - waited;
    /*
     * Queued ops will be taken if a thread is free, or if one is inside a
     * call that began lately and its calls are short (it will be back
     * soon: a fast client needs no more threads). Otherwise every thread
     * is asleep or inside a long call: wake or start one per queued op,
     * as a thread per client would have had.
     */
    bool moving =
        now - atomic_load_explicit(&p->last_pop_ns, memory_order_relaxed) <
        POOL_WAKE_NS;
    pthread_mutex_lock(&p->lock);
    bool any_free = atomic_load(&p->nfree) > 0, soon = false;
    for (struct pool_thread *t = p->all; t && !soon; t = t->next_all) {
        int64_t since = atomic_load(&t->call_ns);
        soon = since && now - since < POOL_WAKE_NS &&
               atomic_load_explicit(&t->avg_call_ns, memory_order_relaxed) <
                   POOL_LONG_CALL_NS;
    }
    size_t queued = tl - h;
    if (any_free || soon) {
        /* Threads are at work. If they took no op for that long they are
         * short of CPU, or the one woken has not run yet: one more awake
         * thread may help; more would only compete for the same CPUs. */
        if (!moving)
            wake_locked(p, (size_t)atomic_load(&p->nfree) + 1);
    } else {
        wake_locked(p, queued);
        int n = (int)queued - atomic_load(&p->nfree);
        int room = p->nthreads + atomic_load(&s->abandoned) + 1 -
                   atomic_load(&p->nalive);
        for (int i = 0; i < FL_MIN(n, room); i++) {
            struct fl_err err = FL_ERR_INIT;
            if (spawn_locked(s, &err) < 0) {
                fl_warn("run: %s; queued ops wait for busy threads", err.msg);
                break;
            }
        }
    }
    pthread_mutex_unlock(&p->lock);
    return POOL_WAKE_NS;
}

int
fl_run__pool_stop(struct fl_run__shared *s, int64_t grace_ns)
{
    struct fl_run__pool *p = s->pool;
    int64_t until;

    atomic_store(&p->exit, true);
    pthread_mutex_lock(&p->lock);
    wake_locked(p, SIZE_MAX); /* all of them */
    pthread_mutex_unlock(&p->lock);
    /* Threads outside abandoned calls exit promptly (draining the ring). */
    while (atomic_load(&p->nalive) > atomic_load(&s->abandoned))
        usleep(200);
    until = mono_ns() + grace_ns;
    while (atomic_load(&s->abandoned) > 0 && mono_ns() < until)
        usleep(1000);
    int stuck = atomic_load(&s->abandoned);
    fl_run__shared_unref(s);
    return stuck;
}

void
fl_run__shared_unref(struct fl_run__shared *s)
{
    if (atomic_fetch_sub(&s->refs, 1) != 1)
        return;
    struct fl_run__pool *p = s->pool;
    if (p) {
        while (p->all) {
            struct pool_thread *t = p->all;
            p->all = t->next_all;
            free(t);
        }
        pthread_mutex_destroy(&p->lock);
        free(p->jobs);
        free(p->queued_ns);
        free(p);
    }
    free(s);
}

struct fl_run__worker *
fl_run__worker_new(int thread, bool nemesis, const struct fl_env *env,
                   const struct fl_client_seed *seed, struct fl_nemesis *nem,
                   struct fl_run__queue *queue, struct fl_run__shared *shared)
{
    struct fl_run__worker *w = fl_xcalloc_aligned(64, sizeof(*w));

    w->thread = thread;
    w->nemesis = nemesis;
    w->env = env;
    w->seed = seed;
    w->nem = nem;
    w->queue = queue;
    w->shared = shared;
    w->client_proc = INT32_MIN;
    fl_arena_init(&w->arena, WORKER_ARENA_BLOCK);
    return w;
}

void
fl_run__worker_free(struct fl_run__worker *w)
{
    if (!w)
        return;
    close_client(w);
    fl_arena_release(&w->arena);
    free(w);
}

void
fl_run__worker_send(struct fl_run__worker *w, const struct fl_op *op,
                    int64_t now)
{
    struct fl_run__pool *p = w->shared->pool;
    size_t tl = atomic_load_explicit(&p->tail, memory_order_relaxed);
    struct fl_run__job *j = &p->jobs[tl & p->mask];

    /* Cannot overflow: a worker is queued at most once, see pool_start. */
    job_put(j, w, op);
    p->queued_ns[tl & p->mask] = now;
    atomic_store_explicit(&p->tail, tl + 1, HANDOFF_STORE);
    fence_light(); /* pairs with fence_heavy() in pool_wait() */
    /*
     * A free thread takes it. With a fast client (calls shorter than
     * POOL_LONG_CALL_NS on average) so does a thread inside a call when
     * it comes back, sooner than a woken one would start; only if every
     * thread sleeps is one woken. With a slower client ops start at once,
     * on a woken thread, as they would with a thread per client: that is
     * what lets their calls overlap.
     */
    if (atomic_load_explicit(&p->nawake, HANDOFF_LOAD) > 0 &&
        (!atomic_load_explicit(&p->slow, memory_order_relaxed) ||
         atomic_load_explicit(&p->nfree, memory_order_relaxed) > 0))
        return;
    pthread_mutex_lock(&p->lock);
    wake_locked(p, tl + 1 - atomic_load(&p->head));
    pthread_mutex_unlock(&p->lock);
}

bool
fl_run__worker_abandon(struct fl_run__worker *w, uint64_t n)
{
    /*
     * Once the CAS succeeds a pool thread may free w at any moment, so
     * the count it will drop is raised before the CAS.
     */
    struct fl_run__shared *shared = w->shared;
    uint64_t expect = n - 1;

    atomic_fetch_add(&shared->abandoned, 1);
    if (!atomic_compare_exchange_strong(&w->done, &expect, FL_RUN_ABANDONED)) {
        /* It finished: the completion is on its way. */
        atomic_fetch_sub(&shared->abandoned, 1);
        return false;
    }
    return true;
}
