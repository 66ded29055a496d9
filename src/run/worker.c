/* SPDX-License-Identifier: MIT */
/*
 * worker.c: a worker thread, the only place client and nemesis code runs
 * during a test. It waits for one op at a time, invokes the client (opened
 * lazily for the op's process and bound to node `thread mod nnodes`) or
 * the nemesis, turns errors into :info completions, and queues the
 * completion for the scheduler. A worker the scheduler abandoned after a
 * timeout drops its late completion, closes its client and frees itself;
 * nothing ever cancels a thread.
 */
#include "util/common.h"
#include "run/run_int.h"

#include "util/err.h"
#include "util/log.h"

#define WORKER_ARENA_BLOCK 4096
#define WORKER_ARENA_MAX   (1 << 20) /* release the arena past this */

static void
queue_push(struct fl_run__queue *q, const struct fl_run__comp *c)
{
    pthread_mutex_lock(&q->mu);
    FL_ALLOC_GROW(q->v, q->n + 1, q->alloc);
    q->v[q->n++] = *c;
    if (q->waiting)
        pthread_cond_signal(&q->cv);
    pthread_mutex_unlock(&q->mu);
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
run_client_op(struct fl_run__worker *w, const struct fl_op *op,
              struct fl_op *c)
{
    struct fl_err err = FL_ERR_INIT;
    size_t node = w->env && w->env->nnodes ? (size_t)w->thread % w->env->nnodes
                                           : 0;

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

    fl_info("nemesis :%s %s", fl_kw_name(op->f), "start");
    int rc = fl_nemesis_invoke(w->nem, w->env, op, &w->arena, c, &err);
    if (rc < 0) {
        fl_warn("nemesis :%s failed: %s", fl_kw_name(op->f), err.msg);
        fl_op_set_error(c, &w->arena, err.msg);
    }
    c->type = FL_OP_INFO; /* nemesis completions are always :info */
}

static void *
worker_main(void *arg)
{
    struct fl_run__worker *w = arg;

    for (;;) {
        struct fl_op op, c;
        uint64_t seq;

        pthread_mutex_lock(&w->mu);
        while (!w->has_op && !w->exit) {
            w->waiting = true;
            pthread_cond_wait(&w->cv, &w->mu);
            w->waiting = false;
        }
        if (w->exit && !w->has_op) {
            pthread_mutex_unlock(&w->mu);
            break;
        }
        op = w->op;
        seq = w->seq;
        w->has_op = false;
        pthread_mutex_unlock(&w->mu);

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

        pthread_mutex_lock(&w->mu);
        if (w->abandoned) {
            pthread_mutex_unlock(&w->mu);
            break;
        }
        w->done_seq = seq;
        pthread_mutex_unlock(&w->mu);
        struct fl_run__comp comp = {c, w->thread, seq};
        queue_push(w->queue, &comp);
    }

    close_client(w);
    pthread_mutex_lock(&w->mu);
    bool abandoned = w->abandoned;
    pthread_mutex_unlock(&w->mu);
    if (abandoned) {
        /* Nobody joins an abandoned worker: it cleans up after itself. */
        struct fl_run__shared *shared = w->shared;
        fl_arena_release(&w->arena);
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->cv);
        free(w);
        atomic_fetch_sub(&shared->abandoned, 1);
        fl_run__shared_unref(shared);
    }
    return NULL;
}

struct fl_run__worker *
fl_run__worker_start(int thread, bool nemesis, const struct fl_env *env,
                     const struct fl_client_seed *seed,
                     struct fl_nemesis *nem, struct fl_run__queue *queue,
                     struct fl_run__shared *shared, struct fl_err *err)
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
    w->client_proc = INT32_MIN;
    fl_arena_init(&w->arena, WORKER_ARENA_BLOCK);
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    rc = pthread_create(&w->tid, &attr, worker_main, w);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        fl_err_set(err, -rc, "start worker thread %d: %s", thread,
                   strerror(rc));
        fl_arena_release(&w->arena);
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->cv);
        free(w);
        return NULL;
    }
    return w;
}

void
fl_run__worker_send(struct fl_run__worker *w, const struct fl_op *op,
                    uint64_t seq)
{
    pthread_mutex_lock(&w->mu);
    w->op = *op;
    w->seq = seq;
    w->has_op = true;
    if (w->waiting)
        pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

bool
fl_run__worker_abandon(struct fl_run__worker *w, uint64_t seq)
{
    bool abandoned = false;

    pthread_mutex_lock(&w->mu);
    if (w->done_seq != seq) {
        w->abandoned = true;
        abandoned = true;
        atomic_fetch_add(&w->shared->abandoned, 1);
        atomic_fetch_add(&w->shared->refs, 1);
        pthread_detach(w->tid);
    }
    pthread_mutex_unlock(&w->mu);
    return abandoned;
}

void
fl_run__worker_stop(struct fl_run__worker *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->exit = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->tid, NULL);
    fl_arena_release(&w->arena);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w);
}
