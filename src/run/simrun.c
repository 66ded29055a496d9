/* SPDX-License-Identifier: MIT */
/*
 * simrun.c: the deterministic interpreter. The simulator (gen/sim.c)
 * owns the schedule; this file supplies its completions: a client op is
 * run at once on its thread's client (opened, and reopened after an
 * :info, as a worker does), a nemesis op on the nemesis, with the fake
 * clock set to the op's time, and the completion is due a seeded
 * latency later.
 */
#include "util/common.h"

#include "run/simrun.h"

#include "gen/sim.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/rng.h"

#define SIMRUN_MAX_OPS ((size_t)1 << 40) /* the simulator's cap: none */
#define SIMRUN_WBATCH  256 /* ops handed to the history writer per lock */

struct slot {
    struct fl_client c;
    bool open;
    int32_t proc;
};

struct fl_simrun {
    struct fl_simrun_opts o;
    struct slot *slots;
    struct fl_rng lat;
    int64_t now;
    int64_t clock_at;   /* relative time the fake clock was last set to */
    struct fl_err werr; /* the first history writer error */
    int wrc;
    struct fl_op wbuf[SIMRUN_WBATCH]; /* ops not yet handed to the writer */
    size_t wn;
};

struct fl_simrun *
fl_simrun_new(const struct fl_simrun_opts *o)
{
    struct fl_simrun *sr = fl_xcalloc(1, sizeof(*sr));

    sr->o = *o;
    sr->slots = fl_xcalloc((size_t)o->t->concurrency, sizeof(*sr->slots));
    fl_rng_seed(&sr->lat, o->t->seed ^ 0x73696d6c6174ULL); /* "simlat" */
    sr->now = fl_clock_now_ns(o->t->env.clock) - o->t->env.origin_ns;
    sr->clock_at = sr->now;
    return sr;
}

void
fl_simrun_free(struct fl_simrun *sr)
{
    if (!sr)
        return;
    for (int t = 0; t < sr->o.t->concurrency; t++)
        if (sr->slots[t].open)
            fl_client_close(&sr->slots[t].c, &sr->o.t->env);
    free(sr->slots);
    free(sr);
}

int64_t
fl_simrun_now(const struct fl_simrun *sr)
{
    return sr->now;
}

/* The fake clock reads the op's time (it only moves forward). */
static void
clock_to(struct fl_simrun *sr, int64_t rel_ns)
{
    /* Only the simulator moves it: no need to read it back. */
    if (rel_ns > sr->clock_at) {
        fl_clock_advance(sr->o.t->env.clock, rel_ns - sr->clock_at);
        sr->clock_at = rel_ns;
    }
}

/* As the worker's run_client_op(). */
static void
client_op(struct fl_simrun *sr, int t, const struct fl_op *inv,
          struct fl_arena *a, struct fl_op *c)
{
    const struct fl_env *env = &sr->o.t->env;
    struct slot *s = &sr->slots[t];
    struct fl_err err = FL_ERR_INIT;

    if (s->open && s->proc != inv->process && !s->c.type->reusable) {
        fl_client_close(&s->c, env);
        s->open = false;
    }
    if (!s->open) {
        size_t node = env->nnodes ? (size_t)t % env->nnodes : 0;
        if (fl_client_open_thread(&s->c, &sr->o.t->client, env, node, t, &err) <
            0) {
            fl_val items[2] = {fl_val_kw(fl_kw_intern_cstr("no-client")),
                               fl_val_str(a, err.msg, strlen(err.msg))};
            fl_val v = fl_val_coll(a, FL_V_VEC, items, 2);
            c->type = FL_OP_FAIL;
            fl_op_set_error_val(c, a, &v);
            return;
        }
        s->open = true;
    }
    s->proc = inv->process;
    int rc = fl_client_invoke(&s->c, env, inv, a, c, &err);
    if (rc < 0) {
        char msg[300];
        snprintf(msg, sizeof(msg), "indeterminate: %s",
                 err.msg[0] ? err.msg : strerror(-rc));
        c->type = FL_OP_INFO;
        fl_op_set_error(c, a, msg);
    } else if (c->type != FL_OP_OK && c->type != FL_OP_FAIL &&
               c->type != FL_OP_INFO) {
        c->type = FL_OP_INFO;
        fl_op_set_error(c, a,
                        "indeterminate: client returned an invalid :type");
    }
}

static void
complete(void *arg, const struct fl_op *inv, struct fl_arena *a,
         struct fl_op *c)
{
    struct fl_simrun *sr = arg;
    struct fl_err err = FL_ERR_INIT;
    int64_t lat = fl_rng_range(&sr->lat, FL_SIMRUN_LATENCY_MIN_NS,
                               FL_SIMRUN_LATENCY_MAX_NS);

    clock_to(sr, inv->time_ns);
    c->type = FL_OP_INFO;
    if (inv->process == FL_PROC_NEMESIS) {
        if (fl_nemesis_invoke(sr->o.t->nemesis.nemesis, &sr->o.t->env, inv, a,
                              c, &err) < 0)
            fl_op_set_error(c, a, err.msg);
        c->type = FL_OP_INFO;
    } else {
        client_op(sr, inv->process % sr->o.t->concurrency, inv, a, c);
    }
    c->time_ns = inv->time_ns + lat;
}

/* Hand the batched ops to the history writer (one lock, not one per op). */
static void
writer_flush(struct fl_simrun *sr)
{
    if (sr->wn && sr->wrc == 0)
        sr->wrc =
            fl_hist_writer_append_n(sr->o.writer, sr->wbuf, sr->wn, &sr->werr);
    sr->wn = 0;
}

static void
on_op(void *arg, int thread, bool completion, const struct fl_op *op)
{
    struct fl_simrun *sr = arg;
    bool nem = thread >= sr->o.t->concurrency;

    if (op->time_ns > sr->now)
        sr->now = op->time_ns;
    if (sr->o.online)
        fl_online_push(sr->o.online, op);
    if (sr->o.writer && sr->wrc == 0) {
        sr->wbuf[sr->wn++] = *op;
        if (sr->wn == SIMRUN_WBATCH)
            writer_flush(sr);
    }
    if (sr->o.on_event && (nem || !completion))
        sr->o.on_event(sr->o.on_event_arg, nem ? -1 : thread, completion, op);
}

static void
key_done(void *arg, int64_t key)
{
    fl_online_key_done(arg, key);
}

int
fl_simrun_run(struct fl_simrun *sr, struct fl_gen *g, struct fl_err *err)
{
    struct fl_gen_sim_opts so = {
        .concurrency = sr->o.t->concurrency,
        .seed = sr->o.t->seed,
        .latency_ns = FL_SIMRUN_LATENCY_MIN_NS,
        .start_ns = sr->now,
        .max_ops = SIMRUN_MAX_OPS,
        .complete = complete,
        .arg = sr,
        .key_done = sr->o.online ? key_done : NULL,
        .key_done_arg = sr->o.online,
        .on_op = on_op,
        .on_op_arg = sr,
        .stop = sr->o.stop,
        .stop_arg = sr->o.stop_arg,
    };
    int rc = fl_gen_simulate(g, &so, sr->o.hist, err);

    writer_flush(sr);
    if (rc == 0 && sr->wrc < 0) {
        rc = sr->wrc;
        if (err)
            *err = sr->werr;
    }
    return rc;
}
