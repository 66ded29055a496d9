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

#define WORKER_ARENA_BLOCK 4096
#define WORKER_ARENA_MAX   (1 << 20) /* release the arena past this */
#define WORKER_SPINS       2000      /* pause loops before sleeping */

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

void
fl_run__shared_unref(struct fl_run__shared *s)
{
    if (atomic_fetch_sub(&s->refs, 1) == 1)
        free(s);
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

/* Wait for an op; false when told to exit. */
static bool
wait_op(struct fl_run__worker *w)
{
    for (int i = 0;; i++) {
        unsigned s = atomic_load_explicit(&w->slot, memory_order_acquire);
        if (s == FL_RUN_SLOT_READY)
            return true;
        if (s == FL_RUN_SLOT_EXIT)
            return false;
        if (w->spin && i < WORKER_SPINS) {
            FL_CPU_RELAX();
            continue;
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
                     bool spin, struct fl_err *err)
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
    w->spin = spin;
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
    w->op = *op;
    w->seq = seq;
    atomic_store(&w->phase, FL_RUN_PHASE_RUNNING);
    if (atomic_exchange(&w->slot, FL_RUN_SLOT_READY) == FL_RUN_SLOT_SLEEPING)
        fl_run__futex_wake(&w->slot, 1);
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
