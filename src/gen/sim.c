/* SPDX-License-Identifier: MIT */
/*
 * sim.c: the generator simulator. It mirrors the interpreter's main loop
 * (run/interpreter.c) with a fake clock: in-flight ops are completed in
 * time order whenever they are due, and time only moves to the next
 * completion, the next scheduled op, or by the 1 ms pending interval.
 */
#include "util/common.h"

#include "gen/sim.h"

#include "util/err.h"

#define SIM_PENDING_NS 1000000  /* the interpreter's max pending interval */
#define SIM_MAX_IDLE   10000000 /* pending steps in a row before giving up */

struct inflight {
    struct fl_op c; /* the completion */
    int thread;
};

struct sim {
    struct fl_gen_threads th;
    struct inflight *fl; /* in-flight completions, unordered (small) */
    size_t nfl, alloc;
    size_t first;  /* earliest(): index of the earliest in flight */
    bool first_ok; /* ... valid until fl changes */
    struct fl_rng rng, rng_nem;
    struct fl_gen_ctx ctx;
    int64_t now;
    struct fl_hist *out;
    int64_t index;
    const struct fl_gen_sim_opts *o;
};

static void
sim_ctx(struct sim *s)
{
    fl_gen_threads_ctx(&s->th, s->now, &s->ctx);
}

/* Is in-flight a due strictly before b (time, then thread)? */
static bool
sooner(const struct inflight *a, const struct inflight *b)
{
    return a->c.time_ns < b->c.time_ns ||
           (a->c.time_ns == b->c.time_ns && a->thread < b->thread);
}

/* The in-flight op to complete first; cached, as the loop asks often. */
static size_t
earliest(struct sim *s)
{
    size_t best = 0;

    if (s->first_ok)
        return s->first;
    for (size_t i = 1; i < s->nfl; i++)
        if (sooner(&s->fl[i], &s->fl[best]))
            best = i;
    s->first = best;
    s->first_ok = true;
    return best;
}

static void
journal(struct sim *s, struct fl_op *op, int thread, bool complete)
{
    op->index = s->index++;
    op->flags |= FL_OP_HAS_INDEX | FL_OP_HAS_TIME;
    fl_hist_append(s->out, op);
    if (s->o->on_op)
        s->o->on_op(s->o->on_op_arg, thread, complete, op);
}

static void
complete_one(struct sim *s, struct fl_gen *g)
{
    size_t i = earliest(s);
    struct inflight f = s->fl[i];

    s->fl[i] = s->fl[--s->nfl];
    s->first_ok = false;
    if (f.c.time_ns > s->now)
        s->now = f.c.time_ns;
    f.c.time_ns = s->now;
    fl_gen_threads_free(&s->th, f.thread);
    sim_ctx(s);
    if (f.c.type == FL_GEN_OP_SLEEP || f.c.type == FL_GEN_OP_LOG) {
        fl_gen_update(g, &s->ctx, &f.c);
        return;
    }
    fl_gen_update(g, &s->ctx, &f.c);
    if (f.c.type == FL_OP_INFO && f.thread < s->th.concurrency)
        fl_gen_threads_crash(&s->th, f.thread);
    journal(s, &f.c, f.thread, true);
}

int
fl_gen_simulate(struct fl_gen *g, const struct fl_gen_sim_opts *o,
                struct fl_hist *out, struct fl_err *err)
{
    struct sim s;
    struct fl_err gerr = FL_ERR_INIT;
    size_t max = o->max_ops ? o->max_ops : 1000000;
    int rc = 0;
    long idle = 0;
    bool stopped = false;

    memset(&s, 0, sizeof(s));
    fl_gen_threads_init(&s.th, o->concurrency);
    fl_rng_seed(&s.rng, o->seed);
    fl_rng_fork(&s.rng, &s.rng_nem);
    s.now = o->start_ns;
    s.out = out;
    s.o = o;
    s.index = (int64_t)out->n;
    s.ctx.arena = &out->arena;
    s.ctx.err = &gerr;
    s.ctx.key_done = o->key_done;
    s.ctx.key_done_arg = o->key_done_arg;
    for (;;) {
        struct fl_rng scratch = s.rng, scratch_nem = s.rng_nem;
        struct fl_op op;
        int res;

        if (out->n >= max) {
            rc = fl_err_set(err, FL_ELIMIT, "simulation stopped at %zu ops",
                            max);
            break;
        }
        /* Completions that are due come first. */
        if (s.nfl && s.fl[earliest(&s)].c.time_ns <= s.now) {
            complete_one(&s, g);
            continue;
        }
        if (!stopped && o->stop && (out->n & 1023) == 0)
            stopped = o->stop(o->stop_arg);
        sim_ctx(&s);
        s.ctx.rng = &scratch;
        s.ctx.rng_nemesis = &scratch_nem;
        res = stopped ? FL_GEN_EXHAUSTED : fl_gen_op(g, &s.ctx, &op);
        if (res == FL_GEN_ERROR) {
            rc = fl_err_set(err, gerr.code ? gerr.code : FL_EUSAGE, "%s",
                            gerr.msg);
            break;
        }
        if (res == FL_GEN_EXHAUSTED) {
            if (!s.nfl)
                break;
            complete_one(&s, g);
            continue;
        }
        if (res == FL_GEN_PENDING) {
            if (s.nfl &&
                s.fl[earliest(&s)].c.time_ns <= s.now + SIM_PENDING_NS) {
                complete_one(&s, g);
                idle = 0;
                continue;
            }
            /* Nothing in flight: only time can unblock the generator. */
            s.now += SIM_PENDING_NS;
            if (++idle > SIM_MAX_IDLE) {
                rc = fl_err_set(err, FL_ELIMIT,
                                "generator pending for %d ms with nothing "
                                "in flight",
                                SIM_MAX_IDLE);
                break;
            }
            continue;
        }
        if (op.time_ns > s.now) {
            if (s.nfl && s.fl[earliest(&s)].c.time_ns < op.time_ns)
                complete_one(&s, g);
            else
                s.now = op.time_ns;
            continue;
        }
        /* Use the op. */
        idle = 0;
        int t = fl_gen_threads_thread_of(&s.th, op.process);
        if (t < 0 || !fl_gen_bit(s.th.free, t)) {
            rc = fl_err_set(err, FL_EUSAGE,
                            "generator chose process %" PRId32
                            " whose thread is busy or unknown",
                            op.process);
            break;
        }
        fl_gen_commit(g, &s.ctx, &op);
        s.rng = scratch;
        s.rng_nem = scratch_nem;
        op.time_ns = s.now;
        op.pair = -1;
        if (t == s.th.concurrency && op.type == FL_OP_INVOKE)
            op.type = FL_OP_INFO; /* nemesis ops are :info both ways */
        fl_gen_threads_busy(&s.th, t);
        sim_ctx(&s);
        s.ctx.rng = &s.rng;
        s.ctx.rng_nemesis = &s.rng_nem;
        struct inflight f = {op, t};
        if (op.type == FL_GEN_OP_SLEEP) {
            f.c.time_ns =
                s.now + (op.value.kind == FL_V_INT ? op.value.u.i : 0);
        } else if (op.type == FL_GEN_OP_LOG) {
            f.c.time_ns = s.now;
        } else {
            journal(&s, &op, t, false);
            f.c = op;
            f.c.type = t < o->concurrency ? FL_OP_OK : FL_OP_INFO;
            f.c.time_ns = s.now + o->latency_ns;
            if (o->complete)
                o->complete(o->arg, &op, &out->arena, &f.c);
            if (f.c.time_ns < s.now)
                f.c.time_ns = s.now;
        }
        fl_gen_update(g, &s.ctx, &op);
        FL_ALLOC_GROW(s.fl, s.nfl + 1, s.alloc);
        s.fl[s.nfl++] = f;
        /* the scan's answer too: on a tie the lower index stays first */
        if (s.first_ok && sooner(&f, &s.fl[s.first]))
            s.first = s.nfl - 1;
    }
    free(s.fl);
    fl_gen_threads_release(&s.th);
    return rc;
}

int
fl_gen_perfect(struct fl_gen *g, int concurrency, struct fl_hist *out,
               struct fl_err *err)
{
    struct fl_gen_sim_opts o;

    memset(&o, 0, sizeof(o));
    o.concurrency = concurrency;
    o.latency_ns = 10;
    return fl_gen_simulate(g, &o, out, err);
}
