/* SPDX-License-Identifier: MIT */
/*
 * gen_time.c: combinators that choose between generators or shape time:
 * any, shortest-any, mix, flip-flop, cycle-times, time-limit, stagger,
 * delay, synchronize, phases, then, until-ok and validate. Rates (stagger,
 * delay) are totals over all threads, as in Jepsen since 2022. Random
 * choices are drawn from the context's stream; draws made while proposing
 * an op that is then not used are undone by the caller (see gen.h).
 */
#include "util/common.h"

#include "gen/gen.h"
#include "gen/gen_int.h"

#include "util/err.h"

/* ---- any and shortest-any ---- */

struct any_gen {
    struct fl_gen **gens;
    size_t n;
    bool shortest; /* exhausted as soon as one gen is */
    int proposal;
};

static int
any_op(struct fl_gen *g, const struct fl_gen_ctx *ctx, struct fl_op *out)
{
    struct any_gen *s = g->ctx;
    struct fl_gen__soonest best;
    struct fl_op op;

    fl_gen__soonest_init(&best);
    for (size_t i = 0; i < s->n; i++) {
        if (!s->gens[i]) {
            if (s->shortest)
                return FL_GEN_EXHAUSTED;
            continue;
        }
        int rc = fl_gen_op(s->gens[i], ctx, &op);
        if (rc == FL_GEN_ERROR)
            return rc;
        if (rc == FL_GEN_EXHAUSTED) {
            fl_gen_free(s->gens[i]);
            s->gens[i] = NULL;
            if (s->shortest)
                return FL_GEN_EXHAUSTED;
            continue;
        }
        fl_gen__soonest_add(&best, (int)i, rc, &op, 1, fl_gen_ctx_rng(ctx));
    }
    if (best.idx < 0)
        return FL_GEN_EXHAUSTED;
    s->proposal = best.idx;
    if (best.res == FL_GEN_OP)
        *out = best.op;
    return best.res;
}

static void
any_commit(struct fl_gen *g, const struct fl_gen_ctx *ctx,
           const struct fl_op *op)
{
    struct any_gen *s = g->ctx;

    fl_gen_commit(s->gens[s->proposal], ctx, op);
}

static void
any_update(struct fl_gen *g, const struct fl_gen_ctx *ctx,
           const struct fl_op *event)
{
    struct any_gen *s = g->ctx;

    for (size_t i = 0; i < s->n; i++)
        fl_gen_update(s->gens[i], ctx, event);
}

static void *
any_clone(const struct fl_gen *g)
{
    const struct any_gen *s = g->ctx;
    struct any_gen *c = fl_xcalloc(1, sizeof(*c));

    c->n = s->n;
    c->shortest = s->shortest;
    c->gens = fl_gen__clone_array(s->gens, s->n);
    return c;
}

static void
any_free(struct fl_gen *g)
{
    struct any_gen *s = g->ctx;

    fl_gen__free_array(s->gens, s->n);
    free(s);
}

static void
any_describe(const struct fl_gen *g, struct fl_strbuf *sb, int depth)
{
    const struct any_gen *s = g->ctx;

    fl_gen__describe_list(sb, s->shortest ? "shortest-any" : "any", s->gens,
                          s->n, depth);
}

static const struct fl_gen_type any_type = {
    .name = "any",
    .op = any_op,
    .commit = any_commit,
    .update = any_update,
    .clone = any_clone,
    .free = any_free,
    .describe = any_describe,
};

static struct fl_gen *
any_new(struct fl_gen *const *gens, size_t n, bool shortest)
{
    struct any_gen *s = fl_xcalloc(1, sizeof(*s));

    s->shortest = shortest;
    s->gens = fl_xcalloc(n ? n : 1, sizeof(*s->gens));
    for (size_t i = 0; i < n; i++)
        if (gens[i] || shortest)
            s->gens[s->n++] = gens[i];
    return fl_gen_new(&any_type, s);
}

struct fl_gen *
fl_gen_any(struct fl_gen *const *gens, size_t n)
{
    return any_new(gens, n, false);
}

struct fl_gen *
fl_gen_shortest_any(struct fl_gen *const *gens, size_t n)
{
    return any_new(gens, n, true);
}

/* ---- mix ---- */

struct mix_gen {
    struct fl_gen **gens;
    size_t n;
    int64_t i;    /* current choice, -1 = not drawn yet */
    int64_t prop; /* the choice op() used */
};

static int
mix_op(struct fl_gen *g, const struct fl_gen_ctx *ctx, struct fl_op *out)
{
    struct mix_gen *s = g->ctx;

    while (s->n > 0) {
        int64_t i =
            s->i >= 0 ? s->i : (int64_t)fl_rng_below(fl_gen_ctx_rng(ctx), s->n);
        int rc = fl_gen_op(s->gens[i], ctx, out);
        if (rc != FL_GEN_EXHAUSTED) {
            s->prop = i;
            return rc;
        }
        fl_gen_free(s->gens[i]);
        memmove(&s->gens[i], &s->gens[i + 1],
                (s->n - (size_t)i - 1) * sizeof(*s->gens));
        s->n--;
        s->i = -1;
    }
    return FL_GEN_EXHAUSTED;
}

static void
mix_commit(struct fl_gen *g, const struct fl_gen_ctx *ctx,
           const struct fl_op *op)
{
    struct mix_gen *s = g->ctx;

    fl_gen_commit(s->gens[s->prop], ctx, op);
    s->i = (int64_t)fl_rng_below(fl_gen_ctx_rng(ctx), s->n);
}

static void *
mix_clone(const struct fl_gen *g)
{
    const struct mix_gen *s = g->ctx;
    struct mix_gen *c = fl_xcalloc(1, sizeof(*c));

    c->n = s->n;
    c->i = s->i;
    c->gens = fl_gen__clone_array(s->gens, s->n);
    return c;
}

static void
mix_free(struct fl_gen *g)
{
    struct mix_gen *s = g->ctx;

    fl_gen__free_array(s->gens, s->n);
    free(s);
}

static void
mix_describe(const struct fl_gen *g, struct fl_strbuf *sb, int depth)
{
    const struct mix_gen *s = g->ctx;

    fl_gen__describe_list(sb, "mix", s->gens, s->n, depth);
}

static const struct fl_gen_type mix_type = {
    .name = "mix",
    .op = mix_op,
    .commit = mix_commit,
    .update = fl_gen_update_ignore,
    .clone = mix_clone,
    .free = mix_free,
    .describe = mix_describe,
};

struct fl_gen *
fl_gen_mix(struct fl_gen *const *gens, size_t n)
{
    struct mix_gen *s = fl_xcalloc(1, sizeof(*s));

    s->gens = fl_xcalloc(n ? n : 1, sizeof(*s->gens));
    for (size_t i = 0; i < n; i++)
        if (gens[i])
            s->gens[s->n++] = gens[i];
    s->i = -1;
    return fl_gen_new(&mix_type, s);
}

/* ---- flip-flop ---- */

struct flip_flop {
    struct fl_gen *gens[2];
    int i;
};

static int
flip_flop_op(struct fl_gen *g, const struct fl_gen_ctx *ctx, struct fl_op *out)
{
    struct flip_flop *s = g->ctx;

    return fl_gen_op(s->gens[s->i], ctx, out);
}

static void
flip_flop_commit(struct fl_gen *g, const struct fl_gen_ctx *ctx,
                 const struct fl_op *op)
{
    struct flip_flop *s = g->ctx;

    fl_gen_commit(s->gens[s->i], ctx, op);
    s->i ^= 1;
}

static void *
flip_flop_clone(const struct fl_gen *g)
{
    const struct flip_flop *s = g->ctx;
    struct flip_flop *c = fl_xmalloc(sizeof(*c));

    c->gens[0] = fl_gen_clone(s->gens[0]);
    c->gens[1] = fl_gen_clone(s->gens[1]);
    c->i = s->i;
    return c;
}

static void
flip_flop_free(struct fl_gen *g)
{
    struct flip_flop *s = g->ctx;

    fl_gen_free(s->gens[0]);
    fl_gen_free(s->gens[1]);
    free(s);
}

static void
flip_flop_describe(const struct fl_gen *g, struct fl_strbuf *sb, int depth)
{
    const struct flip_flop *s = g->ctx;

    fl_gen__describe_list(sb, "flip-flop", s->gens, 2, depth);
}

static const struct fl_gen_type flip_flop_type = {
    .name = "flip-flop",
    .op = flip_flop_op,
    .commit = flip_flop_commit,
    .update = fl_gen_update_ignore,
    .clone = flip_flop_clone,
    .free = flip_flop_free,
    .describe = flip_flop_describe,
};

struct fl_gen *
fl_gen_flip_flop(struct fl_gen *a, struct fl_gen *b)
{
    struct flip_flop *s = fl_xmalloc(sizeof(*s));

    s->gens[0] = a;
    s->gens[1] = b;
    s->i = 0;
    return fl_gen_new(&flip_flop_type, s);
}

/* ---- cycle-times ---- */

struct cycle_times {
    struct fl_gen **gens;
    int64_t *cutoffs; /* cumulative end of each window within a period */
    size_t n;
    int64_t period;
    int64_t t0; /* INT64_MIN until the first op */
    int prop;
};

static int
cycle_times_op(struct fl_gen *g, const struct fl_gen_ctx *ctx,
               struct fl_op *out)
{
    struct cycle_times *s = g->ctx;
    int64_t now = ctx->time_ns;
    int64_t t0 = s->t0 == INT64_MIN ? now : s->t0;
    int64_t in = (now - t0) % s->period;
    size_t i = 0;
    int rc;

    if (s->n == 0 || s->period <= 0)
        return FL_GEN_EXHAUSTED;
    if (in < 0)
        in += s->period;
    while (i + 1 < s->n && in >= s->cutoffs[i])
        i++;
    rc = fl_gen_op(s->gens[i], ctx, out);
    if (rc != FL_GEN_OP)
        return rc;
    s->prop = (int)i;
    /* An op that would land past its window waits for the next one. */
    if (out->time_ns >= now - in + s->cutoffs[i])
        return FL_GEN_PENDING;
    return rc;
}

static void
cycle_times_commit(struct fl_gen *g, const struct fl_gen_ctx *ctx,
                   const struct fl_op *op)
{
    struct cycle_times *s = g->ctx;

    if (s->t0 == INT64_MIN)
        s->t0 = ctx->time_ns;
    fl_gen_commit(s->gens[s->prop], ctx, op);
}

static void
cycle_times_update(struct fl_gen *g, const struct fl_gen_ctx *ctx,
                   const struct fl_op *event)
{
    struct cycle_times *s = g->ctx;

    for (size_t i = 0; i < s->n; i++)
        fl_gen_update(s->gens[i], ctx, event);
}

static void *
cycle_times_clone(const struct fl_gen *g)
{
    const struct cycle_times *s = g->ctx;
    struct cycle_times *c = fl_xmalloc(sizeof(*c));

    *c = *s;
    c->gens = fl_gen__clone_array(s->gens, s->n);
    c->cutoffs = fl_xmalloc((s->n ? s->n : 1) * sizeof(int64_t));
    memcpy(c->cutoffs, s->cutoffs, s->n * sizeof(int64_t));
    return c;
}

static void
cycle_times_free(struct fl_gen *g)
{
    struct cycle_times *s = g->ctx;

    fl_gen__free_array(s->gens, s->n);
    free(s->cutoffs);
    free(s);
}

static void
cycle_times_describe(const struct fl_gen *g, struct fl_strbuf *sb, int depth)
{
    const struct cycle_times *s = g->ctx;

    fl_strbuf_addstr(sb, "(cycle-times");
    for (size_t i = 0; i < s->n; i++) {
        fl_strbuf_addch(sb, ' ');
        if (i == FL_GEN__DESCRIBE_MAX) {
            fl_strbuf_addstr(sb, "...");
            break;
        }
        fl_gen__describe_dt(sb, s->cutoffs[i] - (i ? s->cutoffs[i - 1] : 0));
        fl_strbuf_addch(sb, ' ');
        fl_gen_describe(s->gens[i], sb, depth - 1);
    }
    fl_strbuf_addch(sb, ')');
}

static const struct fl_gen_type cycle_times_type = {
    .name = "cycle-times",
    .op = cycle_times_op,
    .commit = cycle_times_commit,
    .update = cycle_times_update,
    .clone = cycle_times_clone,
    .free = cycle_times_free,
    .describe = cycle_times_describe,
};

struct fl_gen *
fl_gen_cycle_times(const int64_t *dts_ns, struct fl_gen *const *gens, size_t n)
{
    struct cycle_times *s = fl_xcalloc(1, sizeof(*s));
    int64_t at = 0;

    s->n = n;
    s->gens = fl_xcalloc(n ? n : 1, sizeof(*s->gens));
    s->cutoffs = fl_xcalloc(n ? n : 1, sizeof(int64_t));
    for (size_t i = 0; i < n; i++) {
        at += dts_ns[i];
        s->cutoffs[i] = at;
        s->gens[i] = gens[i];
    }
    s->period = at;
    s->t0 = INT64_MIN;
    return fl_gen_new(&cycle_times_type, s);
}

/* ---- time-limit, stagger, delay ---- */

struct timed {
    int64_t dt;   /* limit, or interval */
    int64_t next; /* cutoff / next time; INT64_MIN = not yet */
    bool done;
    struct fl_gen *gen;
};

static void *
timed_clone(const struct fl_gen *g)
{
    return fl_gen__clone1(g->ctx, sizeof(struct timed),
                          offsetof(struct timed, gen));
}

static void
timed_free(struct fl_gen *g)
{
    fl_gen__free1(g->ctx, offsetof(struct timed, gen));
}

static void
timed_update(struct fl_gen *g, const struct fl_gen_ctx *ctx,
             const struct fl_op *event)
{
    struct timed *s = g->ctx;

    fl_gen_update(s->gen, ctx, event);
}

/* "(stagger 1ms g)"; synchronize and validate have no interval. */
static void
timed_describe(const struct fl_gen *g, struct fl_strbuf *sb, int depth)
{
    const struct timed *s = g->ctx;
    struct fl_strbuf head = FL_STRBUF_INIT;

    fl_strbuf_addstr(&head, g->type->name);
    if (s->dt) {
        fl_strbuf_addch(&head, ' ');
        fl_gen__describe_dt(&head, s->dt);
    }
    fl_gen__describe1(sb, head.buf, s->gen, depth);
    fl_strbuf_release(&head);
}

static struct fl_gen *
timed_new(const struct fl_gen_type *type, int64_t dt, struct fl_gen *g)
{
    struct timed *s = fl_xcalloc(1, sizeof(*s));

    s->dt = dt;
    s->next = INT64_MIN;
    s->gen = g;
    return fl_gen_new(type, s);
}

static int
time_limit_op(struct fl_gen *g, const struct fl_gen_ctx *ctx, struct fl_op *out)
{
    struct timed *s = g->ctx;
    int rc;

    if (s->done)
        return FL_GEN_EXHAUSTED;
    /* Also end while the inner generator is pending: time has run out. */
    if (s->next != INT64_MIN && ctx->time_ns >= s->next) {
        s->done = true;
        return FL_GEN_EXHAUSTED;
    }
    rc = fl_gen_op(s->gen, ctx, out);
    if (rc != FL_GEN_OP)
        return rc;
    int64_t cutoff = s->next != INT64_MIN ? s->next : out->time_ns + s->dt;
    if (out->time_ns < cutoff)
        return rc;
    /*
     * The soonest op lies past the cutoff, but the cutoff is not reached:
     * another part of g may be pending (clients whose threads are busy,
     * while the nemesis's next op is far off) and have ops before it.
     * Ending here cut runs short by up to a nemesis interval. Jepsen's
     * time-limit ends at once; we wait for the cutoff instead.
     */
    if (ctx->time_ns < cutoff)
        return FL_GEN_PENDING;
    s->done = true;
    return FL_GEN_EXHAUSTED;
}

static void
time_limit_commit(struct fl_gen *g, const struct fl_gen_ctx *ctx,
                  const struct fl_op *op)
{
    struct timed *s = g->ctx;

    if (s->next == INT64_MIN)
        s->next = op->time_ns + s->dt;
    fl_gen_commit(s->gen, ctx, op);
}

static const struct fl_gen_type time_limit_type = {
    .name = "time-limit",
    .op = time_limit_op,
    .commit = time_limit_commit,
    .update = timed_update,
    .clone = timed_clone,
    .free = timed_free,
    .describe = timed_describe,
};

struct fl_gen *
fl_gen_time_limit(int64_t dt_ns, struct fl_gen *g)
{
    return timed_new(&time_limit_type, dt_ns, g);
}

static int
stagger_op(struct fl_gen *g, const struct fl_gen_ctx *ctx, struct fl_op *out)
{
    struct timed *s = g->ctx;
    int rc = fl_gen_op(s->gen, ctx, out);

    if (rc != FL_GEN_OP)
        return rc;
    int64_t next = s->next != INT64_MIN ? s->next : ctx->time_ns;
    if (out->time_ns < next)
        out->time_ns = next;
    return rc;
}

static void
stagger_commit(struct fl_gen *g, const struct fl_gen_ctx *ctx,
               const struct fl_op *op)
{
    struct timed *s = g->ctx;
    uint64_t span = (uint64_t)(2 * s->dt);

    s->next = op->time_ns +
              (span ? (int64_t)fl_rng_below(fl_gen_ctx_rng(ctx), span) : 0);
    fl_gen_commit(s->gen, ctx, op);
}

static const struct fl_gen_type stagger_type = {
    .name = "stagger",
    .op = stagger_op,
    .commit = stagger_commit,
    .update = timed_update,
    .clone = timed_clone,
    .free = timed_free,
    .describe = timed_describe,
};

struct fl_gen *
fl_gen_stagger(int64_t dt_ns, struct fl_gen *g)
{
    return timed_new(&stagger_type, dt_ns < 0 ? 0 : dt_ns, g);
}

static int
delay_op(struct fl_gen *g, const struct fl_gen_ctx *ctx, struct fl_op *out)
{
    struct timed *s = g->ctx;
    int rc = fl_gen_op(s->gen, ctx, out);

    if (rc != FL_GEN_OP)
        return rc;
    if (s->next != INT64_MIN && out->time_ns < s->next)
        out->time_ns = s->next;
    return rc;
}

static void
delay_commit(struct fl_gen *g, const struct fl_gen_ctx *ctx,
             const struct fl_op *op)
{
    struct timed *s = g->ctx;

    /* Next is the scheduled time plus dt, not the actual one: when ops run
     * late, the following ones come at once until the schedule is met. */
    s->next = (s->next != INT64_MIN ? s->next : op->time_ns) + s->dt;
    fl_gen_commit(s->gen, ctx, op);
}

static const struct fl_gen_type delay_type = {
    .name = "delay",
    .op = delay_op,
    .commit = delay_commit,
    .update = timed_update,
    .clone = timed_clone,
    .free = timed_free,
    .describe = timed_describe,
};

struct fl_gen *
fl_gen_delay(int64_t dt_ns, struct fl_gen *g)
{
    return timed_new(&delay_type, dt_ns < 0 ? 0 : dt_ns, g);
}

/* ---- synchronize, phases, then ---- */

static int
sync_op(struct fl_gen *g, const struct fl_gen_ctx *ctx, struct fl_op *out)
{
    struct timed *s = g->ctx;

    if (!s->done && fl_gen_ctx_free_count(ctx) != fl_gen_ctx_all_count(ctx))
        return FL_GEN_PENDING;
    return fl_gen_op(s->gen, ctx, out);
}

static void
sync_commit(struct fl_gen *g, const struct fl_gen_ctx *ctx,
            const struct fl_op *op)
{
    struct timed *s = g->ctx;

    s->done = true; /* synchronized once; from now on just the inner gen */
    fl_gen_commit(s->gen, ctx, op);
}

static const struct fl_gen_type sync_type = {
    .name = "synchronize",
    .op = sync_op,
    .commit = sync_commit,
    .update = timed_update,
    .clone = timed_clone,
    .free = timed_free,
    .describe = timed_describe,
};

struct fl_gen *
fl_gen_synchronize(struct fl_gen *g)
{
    return timed_new(&sync_type, 0, g);
}

struct fl_gen *
fl_gen_phases(struct fl_gen *const *gens, size_t n)
{
    struct fl_gen **w = fl_xcalloc(n ? n : 1, sizeof(*w));
    struct fl_gen *g;

    for (size_t i = 0; i < n; i++)
        w[i] = gens[i] ? fl_gen_synchronize(gens[i]) : NULL;
    g = fl_gen_seq(w, n);
    free(w);
    return g;
}

struct fl_gen *
fl_gen_then(struct fl_gen *a, struct fl_gen *b)
{
    return FL_GEN_SEQ(b, a ? fl_gen_synchronize(a) : NULL);
}

/* ---- until-ok ---- */

struct until_ok {
    struct fl_gen *gen;
    bool done;
    int32_t *active; /* processes with an op of ours in flight */
    size_t nactive, alloc;
};

static int
until_ok_op(struct fl_gen *g, const struct fl_gen_ctx *ctx, struct fl_op *out)
{
    struct until_ok *s = g->ctx;

    if (s->done)
        return FL_GEN_EXHAUSTED;
    return fl_gen_op(s->gen, ctx, out);
}

static void
until_ok_commit(struct fl_gen *g, const struct fl_gen_ctx *ctx,
                const struct fl_op *op)
{
    struct until_ok *s = g->ctx;

    FL_ALLOC_GROW(s->active, s->nactive + 1, s->alloc);
    s->active[s->nactive++] = op->process;
    fl_gen_commit(s->gen, ctx, op);
}

static void
until_ok_update(struct fl_gen *g, const struct fl_gen_ctx *ctx,
                const struct fl_op *event)
{
    struct until_ok *s = g->ctx;

    fl_gen_update(s->gen, ctx, event);
    if (event->type == FL_OP_INVOKE)
        return;
    for (size_t i = 0; i < s->nactive; i++) {
        if (s->active[i] != event->process)
            continue;
        s->active[i] = s->active[--s->nactive];
        if (event->type == FL_OP_OK)
            s->done = true;
        return;
    }
}

static void *
until_ok_clone(const struct fl_gen *g)
{
    const struct until_ok *s = g->ctx;
    struct until_ok *c = fl_xcalloc(1, sizeof(*c));

    c->gen = fl_gen_clone(s->gen);
    c->done = s->done;
    if (s->nactive) {
        c->active = fl_xmalloc(s->nactive * sizeof(int32_t));
        memcpy(c->active, s->active, s->nactive * sizeof(int32_t));
        c->nactive = c->alloc = s->nactive;
    }
    return c;
}

static void
until_ok_free(struct fl_gen *g)
{
    struct until_ok *s = g->ctx;

    fl_gen_free(s->gen);
    free(s->active);
    free(s);
}

static void
until_ok_describe(const struct fl_gen *g, struct fl_strbuf *sb, int depth)
{
    const struct until_ok *s = g->ctx;

    fl_gen__describe1(sb, "until-ok", s->gen, depth);
}

static const struct fl_gen_type until_ok_type = {
    .name = "until-ok",
    .op = until_ok_op,
    .commit = until_ok_commit,
    .update = until_ok_update,
    .clone = until_ok_clone,
    .free = until_ok_free,
    .describe = until_ok_describe,
};

struct fl_gen *
fl_gen_until_ok(struct fl_gen *g)
{
    struct until_ok *s = fl_xcalloc(1, sizeof(*s));

    s->gen = g;
    return fl_gen_new(&until_ok_type, s);
}

/* ---- validate ---- */

static int
validate_op(struct fl_gen *g, const struct fl_gen_ctx *ctx, struct fl_op *out)
{
    struct timed *s = g->ctx;
    int rc = fl_gen_op(s->gen, ctx, out);
    const char *why = NULL;

    if (rc != FL_GEN_OP)
        return rc;
    if (out->type != FL_OP_INVOKE && out->type != FL_OP_INFO &&
        out->type != FL_GEN_OP_SLEEP && out->type != FL_GEN_OP_LOG)
        why = "type is not :invoke, :info, :sleep or :log";
    else if (out->time_ns == FL_GEN_TIME_NOW)
        why = "no :time";
    else if (out->process == FL_GEN_PROC_ANY)
        why = "no :process";
    else if (fl_gen_ctx_thread_of(ctx, out->process) < 0)
        why = "process has no thread";
    else if (!fl_gen_ctx_thread_free(ctx,
                                     fl_gen_ctx_thread_of(ctx, out->process)))
        why = "process's thread is not free";
    else if (out->process != FL_PROC_NEMESIS &&
             ctx->thread_proc[fl_gen_ctx_thread_of(ctx, out->process)] !=
                 out->process)
        why = "process is not the thread's current process";
    if (!why)
        return rc;
    if (ctx->err)
        fl_err_set(ctx->err, FL_EUSAGE,
                   "invalid op from generator: %s (process %" PRId32
                   ", time %" PRId64 ", f :%s)",
                   why, out->process, out->time_ns, fl_kw_name(out->f));
    return FL_GEN_ERROR;
}

static void
validate_commit(struct fl_gen *g, const struct fl_gen_ctx *ctx,
                const struct fl_op *op)
{
    struct timed *s = g->ctx;

    fl_gen_commit(s->gen, ctx, op);
}

static const struct fl_gen_type validate_type = {
    .name = "validate",
    .op = validate_op,
    .commit = validate_commit,
    .update = timed_update,
    .clone = timed_clone,
    .free = timed_free,
    .describe = timed_describe,
};

struct fl_gen *
fl_gen_validate(struct fl_gen *g)
{
    return timed_new(&validate_type, 0, g);
}
