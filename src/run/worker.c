/* SPDX-License-Identifier: MIT */
/*
 * worker.c: a worker thread, the only place client and nemesis code runs
 * during a test. It waits for one op at a time, invokes the client (opened
 * lazily for the op's process and bound to node `thread mod nnodes`) or
 * the nemesis, turns errors into :info completions, and queues the
 * completion for the scheduler. A worker the scheduler abandoned after a
 * timeout drops its late completion, closes its client and frees itself;
 * nothing ever cancels a thread. Also here: the completion queue and the
 * futex wrappers.
 */
#include "util/common.h"

#include "run/run_int.h"

#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "util/err.h"
#include "util/log.h"

#define WORKER_ARENA_BLOCK   4096
#define WORKER_ARENA_MAX     (1 << 20)    /* release the arena past this */
#define WORKER_SPINS         64           /* pause loops before anything else */
#define WORKER_ACTIVE_MIN_NS (5 * 1000)   /* active wait: at least */
#define WORKER_ACTIVE_MAX_NS (100 * 1000) /* and at most */
#define WORKER_SPIN_MAX_NS   (10 * 1000) /* of which spinning, the rest yields \
                                          */
#define WORKER_GAP_LONG_NS (500 * 1000)  /* past this gap, no active wait */
#define WORKER_GAP0_NS     (20 * 1000)   /* first guess at the gap */

void
fl_run__futex_wait(atomic_uint *addr, unsigned val, int64_t timeout_ns)
{
    struct timespec ts, *tp = NULL;

    if (timeout_ns >= 0) {
        ts.tv_sec = timeout_ns / 1000000000LL;
        ts.tv_nsec = timeout_ns % 1000000000LL;
        tp = &ts;
    }
    syscall(SYS_futex, (unsigned *)addr, FUTEX_WAIT_PRIVATE, val, tp, NULL, 0);
}

void
fl_run__futex_wake(atomic_uint *addr, int n)
{
    syscall(SYS_futex, (unsigned *)addr, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
}

void
fl_run__queue_init(struct fl_run__queue *q)
{
    atomic_store(&q->stub.next, NULL);
    q->head = &q->stub;
    atomic_store(&q->tail, &q->stub);
    atomic_store(&q->seq, 0);
    atomic_store(&q->sleeping, 0);
}

static void
queue_push(struct fl_run__queue *q, struct fl_run__comp *c)
{
    atomic_store_explicit(&c->next, NULL, memory_order_relaxed);
    struct fl_run__comp *prev =
        atomic_exchange_explicit(&q->tail, c, memory_order_acq_rel);
    atomic_store_explicit(&prev->next, c, memory_order_release);
    atomic_fetch_add_explicit(&q->seq, 1, memory_order_seq_cst);
    if (atomic_load_explicit(&q->sleeping, memory_order_seq_cst))
        fl_run__futex_wake(&q->seq, 1);
}

struct fl_run__comp *
fl_run__queue_pop(struct fl_run__queue *q)
{
    struct fl_run__comp *head = q->head;
    struct fl_run__comp *next =
        atomic_load_explicit(&head->next, memory_order_acquire);

    if (head == &q->stub) {
        if (!next)
            return NULL;
        q->head = next;
        head = next;
        next = atomic_load_explicit(&head->next, memory_order_acquire);
    }
    if (next) {
        q->head = next;
        return head;
    }
    if (head != atomic_load_explicit(&q->tail, memory_order_acquire))
        return NULL; /* a push is halfway: try again later */
    /* head is the last node: put the stub back behind it to pop it. */
    atomic_store_explicit(&q->stub.next, NULL, memory_order_relaxed);
    struct fl_run__comp *prev =
        atomic_exchange_explicit(&q->tail, &q->stub, memory_order_acq_rel);
    atomic_store_explicit(&prev->next, &q->stub, memory_order_release);
    next = atomic_load_explicit(&head->next, memory_order_acquire);
    if (next) {
        q->head = next;
        return head;
    }
    return NULL;
}

struct fl_run__shared *
fl_run__shared_new(int nthreads)
{
    struct fl_run__shared *s = fl_xcalloc(1, sizeof(*s));
    size_t cap = 16;

    /* Room for every thread twice: a replaced worker may still be queued. */
    while (cap < 2 * (size_t)nthreads + 2)
        cap *= 2;
    s->wakeq.ring = fl_xcalloc(cap, sizeof(*s->wakeq.ring));
    s->wakeq.mask = cap - 1;
    atomic_store(&s->refs, 1);
    return s;
}

void
fl_run__shared_unref(struct fl_run__shared *s)
{
    if (atomic_fetch_sub(&s->refs, 1) == 1) {
        free(s->wakeq.ring);
        free(s);
    }
}

/* Scheduler only: queue a wake; false when the ring is full. */
static bool
wakeq_push(struct fl_run__wakeq *q, struct fl_run__worker *w)
{
    size_t t = atomic_load_explicit(&q->tail, memory_order_relaxed);

    if (t - atomic_load_explicit(&q->head, memory_order_acquire) > q->mask)
        return false;
    atomic_store_explicit(&q->ring[t & q->mask], w, memory_order_relaxed);
    atomic_store_explicit(&q->tail, t + 1, memory_order_seq_cst);
    return true;
}

static struct fl_run__worker *
wakeq_pop(struct fl_run__wakeq *q)
{
    size_t h = atomic_load_explicit(&q->head, memory_order_acquire);

    for (;;) {
        if (h == atomic_load_explicit(&q->tail, memory_order_seq_cst))
            return NULL;
        struct fl_run__worker *w =
            atomic_load_explicit(&q->ring[h & q->mask], memory_order_relaxed);
        if (atomic_compare_exchange_weak_explicit(&q->head, &h, h + 1,
                                                  memory_order_acq_rel,
                                                  memory_order_acquire))
            return w;
    }
}

/*
 * Wake up to n queued workers. A queued worker is asleep with an op in
 * its slot and cannot go away before it is woken; should it wake on its
 * own first (a spurious futex return), a late wake hits a futex word
 * nobody waits on, which is harmless.
 */
static void
wakeq_help(struct fl_run__wakeq *q, int n)
{
    struct fl_run__worker *w;

    while (n-- > 0 && (w = wakeq_pop(q)))
        fl_run__futex_wake(&w->slot, 1);
}

/* A worker opens its window after an op and closes it before waiting. */
static void
window_open(struct fl_run__worker *w)
{
    w->in_window = true;
    atomic_fetch_add_explicit(&w->shared->wakeq.wakers, 1,
                              memory_order_seq_cst);
    wakeq_help(&w->shared->wakeq, 1);
}

static void
window_close(struct fl_run__worker *w)
{
    struct fl_run__wakeq *q = &w->shared->wakeq;

    w->in_window = false;
    atomic_fetch_sub_explicit(&q->wakers, 1, memory_order_seq_cst);
    /* Pairs with the scheduler's push then load of wakers. */
    wakeq_help(q, 2);
}

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
    size_t node =
        w->env && w->env->nnodes ? (size_t)w->thread % w->env->nnodes : 0;

    if (w->client_open && w->client_proc != op->process &&
        !w->client.type->reusable)
        close_client(w);
    if (!w->client_open) {
        if (fl_client_open(&w->client, w->seed, w->env, node, &err) < 0) {
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

static int64_t
mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * Wait for an op; false when told to exit. With a fast client the worker
 * that just finished is usually the next one the scheduler picks, within
 * a microsecond or two, and a futex sleep and wake would cost several
 * times the op. So the worker keeps an average of how long it waited for
 * its next op (gap) and waits actively for up to twice that: a short
 * spin, then yielding the CPU to other runnable threads (often workers
 * with ops of their own). When the gap is long (hundreds of threads, or
 * a slow client or generator) it goes almost straight to the futex.
 */
static bool
wait_op(struct fl_run__worker *w)
{
    int64_t t0 = mono_ns(), now = t0;
    int64_t budget = 0, spin_until;
    bool open = w->in_window;

    if (w->gap_ns < WORKER_GAP_LONG_NS)
        budget = FL_MIN(FL_MAX(2 * w->gap_ns, WORKER_ACTIVE_MIN_NS),
                        WORKER_ACTIVE_MAX_NS);
    spin_until = FL_MIN(budget, WORKER_SPIN_MAX_NS);
    for (int i = 0;; i++) {
        unsigned s = atomic_load_explicit(&w->slot, memory_order_acquire);
        if (s == FL_RUN_SLOT_READY) {
            int64_t gap = mono_ns() - t0;
            w->gap_ns += (gap - w->gap_ns) / 8;
            if (open)
                window_close(w);
            return true;
        }
        if (s == FL_RUN_SLOT_EXIT) {
            if (open)
                window_close(w);
            return false;
        }
        if (i < WORKER_SPINS) {
            FL_CPU_RELAX();
            continue;
        }
        if ((i & 15) == 0)
            now = mono_ns();
        if (now - t0 < spin_until) {
            FL_CPU_RELAX();
            continue;
        }
        if (now - t0 < budget) {
            sched_yield();
            now = mono_ns();
            continue;
        }
        if (open) {
            window_close(w);
            open = false;
            continue; /* look at the slot once more */
        }
        unsigned idle = FL_RUN_SLOT_IDLE;
        if (s == FL_RUN_SLOT_IDLE && !atomic_compare_exchange_strong(
                                         &w->slot, &idle, FL_RUN_SLOT_SLEEPING))
            continue;
        fl_run__futex_wait(&w->slot, FL_RUN_SLOT_SLEEPING, -1);
    }
}

static void *
worker_main(void *arg)
{
    struct fl_run__worker *w = arg;
    bool abandoned = false;

    while (wait_op(w)) {
        struct fl_op op = w->op, c;
        uint64_t seq = w->seq;

        atomic_store_explicit(&w->slot, FL_RUN_SLOT_IDLE, memory_order_release);
        /* The scheduler has copied everything from the last completion. */
        if (w->arena.total_bytes > WORKER_ARENA_MAX) {
            fl_arena_release(&w->arena);
            fl_arena_init(&w->arena, WORKER_ARENA_BLOCK);
        }
        c = op;
        c.type = FL_OP_INFO;
        c.extra = NULL;
        if (w->nemesis)
            run_nemesis_op(w, &op, &c);
        else
            run_client_op(w, &op, &c);

        if (atomic_exchange(&w->phase, FL_RUN_PHASE_DONE) ==
            FL_RUN_PHASE_ABANDONED) {
            abandoned = true;
            break;
        }
        window_open(w);
        w->comp.op = c;
        w->comp.thread = w->thread;
        w->comp.seq = seq;
        queue_push(w->queue, &w->comp);
    }

    close_client(w);
    if (abandoned) {
        /* Nobody joins an abandoned worker: it cleans up after itself. */
        struct fl_run__shared *shared = w->shared;
        fl_arena_release(&w->arena);
        free(w);
        atomic_fetch_sub(&shared->abandoned, 1);
        fl_run__shared_unref(shared);
    }
    return NULL;
}

struct fl_run__worker *
fl_run__worker_start(int thread, bool nemesis, const struct fl_env *env,
                     const struct fl_client_seed *seed, struct fl_nemesis *nem,
                     struct fl_run__queue *queue, struct fl_run__shared *shared,
                     struct fl_err *err)
{
    struct fl_run__worker *w = fl_xcalloc(1, sizeof(*w));
    pthread_attr_t attr;
    int rc;

    w->thread = thread;
    w->nemesis = nemesis;
    w->env = env;
    w->seed = seed;
    w->nem = nem;
    w->queue = queue;
    w->shared = shared;
    w->gap_ns = WORKER_GAP0_NS;
    w->client_proc = INT32_MIN;
    atomic_store(&w->slot, FL_RUN_SLOT_IDLE);
    atomic_store(&w->phase, FL_RUN_PHASE_DONE);
    fl_arena_init(&w->arena, WORKER_ARENA_BLOCK);
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    rc = pthread_create(&w->tid, &attr, worker_main, w);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        fl_err_set(err, -rc, "start worker thread %d: %s", thread,
                   strerror(rc));
        fl_arena_release(&w->arena);
        free(w);
        return NULL;
    }
    return w;
}

void
fl_run__worker_send(struct fl_run__worker *w, const struct fl_op *op,
                    uint64_t seq)
{
    struct fl_run__wakeq *q = &w->shared->wakeq;

    w->op = *op;
    w->seq = seq;
    atomic_store(&w->phase, FL_RUN_PHASE_RUNNING);
    if (atomic_exchange(&w->slot, FL_RUN_SLOT_READY) != FL_RUN_SLOT_SLEEPING)
        return;
    /*
     * Dekker with window_close(): either a worker closing its window sees
     * this wake queued, or we see no worker in its window and wake the
     * queue ourselves.
     */
    if (!wakeq_push(q, w)) {
        fl_run__futex_wake(&w->slot, 1);
        return;
    }
    if (atomic_load_explicit(&q->wakers, memory_order_seq_cst) == 0)
        wakeq_help(q, INT_MAX);
}

bool
fl_run__worker_abandon(struct fl_run__worker *w)
{
    /*
     * Once the CAS succeeds the worker may free itself at any moment, so
     * everything needed afterwards is read, and the counts it will drop
     * are raised, before the CAS.
     */
    struct fl_run__shared *shared = w->shared;
    pthread_t tid = w->tid;
    int expect = FL_RUN_PHASE_RUNNING;

    atomic_fetch_add(&shared->refs, 1);
    atomic_fetch_add(&shared->abandoned, 1);
    if (!atomic_compare_exchange_strong(&w->phase, &expect,
                                        FL_RUN_PHASE_ABANDONED)) {
        /* It finished: the completion is on its way. */
        atomic_fetch_sub(&shared->abandoned, 1);
        atomic_fetch_sub(&shared->refs, 1);
        return false;
    }
    pthread_detach(tid);
    return true;
}

void
fl_run__worker_stop(struct fl_run__worker *w)
{
    if (!w)
        return;
    if (atomic_exchange(&w->slot, FL_RUN_SLOT_EXIT) == FL_RUN_SLOT_SLEEPING)
        fl_run__futex_wake(&w->slot, 1);
    pthread_join(w->tid, NULL);
    fl_arena_release(&w->arena);
    free(w);
}
