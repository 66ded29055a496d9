/* SPDX-License-Identifier: MIT */
/*
 * gen_threads.c: combinators that divide threads between generators:
 * on-threads (and clients/nemesis), each-thread, each-process, reserve,
 * process-limit, concurrency-limit and Jepsen's independent
 * concurrent-generator. Each narrows the context it passes down with a
 * thread filter, and routes an update only to the generator whose threads
 * include the event's thread.
 */
#include "util/common.h"

#include "gen/gen.h"
#include "gen/gen_int.h"

#include "util/arena.h"
#include "util/err.h"

/* ---- on-threads ---- */

struct pred_arg {
    fl_gen_thread_pred *pred;
    void *arg;
    void (*free_arg)(void *);
    int refs;
};

struct on_threads {
    struct pred_arg *pred;
    struct fl_gen_filter filter;
    struct fl_gen *gen;
};

static void
on_threads_ctx(struct on_threads *s, const struct fl_gen_ctx *ctx,
               struct fl_gen_ctx *sub)
{
    fl_gen_filter_build(&s->filter, ctx, s->pred->pred, s->pred->arg);
    fl_gen_ctx_filter(ctx, &s->filter, sub);
}

static int
on_threads_op(struct fl_gen *g, const struct fl_gen_ctx *ctx, struct fl_op *out)
{
    struct on_threads *s = g->ctx;
    struct fl_gen_ctx sub;

    on_threads_ctx(s, ctx, &sub);
    return fl_gen_op(s->gen, &sub, out);
}

static void
on_threads_commit(struct fl_gen *g, const struct fl_gen_ctx *ctx,
                  const struct fl_op *op)
{
    struct on_threads *s = g->ctx;
    struct fl_gen_ctx sub;

    on_threads_ctx(s, ctx, &sub);
    fl_gen_commit(s->gen, &sub, op);
}

static void
on_threads_update(struct fl_gen *g, const struct fl_gen_ctx *ctx,
                  const struct fl_op *event)
{
    struct on_threads *s = g->ctx;
    struct fl_gen_ctx sub;
    int t = fl_gen_ctx_thread_of(ctx, event->process);

    on_threads_ctx(s, ctx, &sub);
    if (t >= 0 && fl_gen_bit(s->filter.mask, t))
        fl_gen_update(s->gen, &sub, event);
}

static void *
on_threads_clone(const struct fl_gen *g)
{
    const struct on_threads *s = g->ctx;
    struct on_threads *c = fl_xcalloc(1, sizeof(*c));

    c->pred = s->pred;
    c->pred->refs++;
    c->gen = fl_gen_clone(s->gen);
    return c;
}

static void
on_threads_free(struct fl_gen *g)
{
    struct on_threads *s = g->ctx;

    if (--s->pred->refs == 0) {
        if (s->pred->free_arg)
            s->pred->free_arg(s->pred->arg);
        free(s->pred);
    }
    fl_gen_filter_release(&s->filter);
    fl_gen_free(s->gen);
    free(s);
}

static fl_gen_thread_pred is_client_thread, is_nemesis_thread;

static void
on_threads_describe(const struct fl_gen *g, struct fl_strbuf *sb, int depth)
{
    const struct on_threads *s = g->ctx;
    const char *head = s->pred->pred == is_client_thread    ? "clients"
                       : s->pred->pred == is_nemesis_thread ? "nemesis"
                                                            : "on-threads";

    fl_gen__describe1(sb, head, s->gen, depth);
}

static const struct fl_gen_type on_threads_type = {
    .name = "on-threads",
    .op = on_threads_op,
    .commit = on_threads_commit,
    .update = on_threads_update,
    .clone = on_threads_clone,
    .free = on_threads_free,
    .describe = on_threads_describe,
};

struct fl_gen *
fl_gen_on_threads(fl_gen_thread_pred *pred, void *arg, void (*free_arg)(void *),
                  struct fl_gen *g)
{
    struct on_threads *s = fl_xcalloc(1, sizeof(*s));

    s->pred = fl_xcalloc(1, sizeof(*s->pred));
    s->pred->pred = pred;
    s->pred->arg = arg;
    s->pred->free_arg = free_arg;
    s->pred->refs = 1;
    s->gen = g;
    return fl_gen_new(&on_threads_type, s);
}

static bool
is_client_thread(void *arg, int thread, int concurrency)
{
    FL_UNUSED(arg);
    return thread < concurrency;
}

static bool
is_nemesis_thread(void *arg, int thread, int concurrency)
{
    FL_UNUSED(arg);
    return thread == concurrency;
}

struct fl_gen *
fl_gen_clients(struct fl_gen *g)
{
    return fl_gen_on_threads(is_client_thread, NULL, NULL, g);
}

struct fl_gen *
fl_gen_nemesis(struct fl_gen *g)
{
    return fl_gen_on_threads(is_nemesis_thread, NULL, NULL, g);
}

struct fl_gen *
fl_gen_clients_nemesis(struct fl_gen *client_gen, struct fl_gen *nemesis_gen)
{
    return FL_GEN_ANY(fl_gen_clients(client_gen), fl_gen_nemesis(nemesis_gen));
}

/* ---- each-thread and each-process ---- */

struct each_gen {
    struct fl_gen *fresh; /* the pristine copy */
    struct fl_gen **gens; /* per thread, created on first use */
    int32_t *procs;       /* each-process: process gens[t] belongs to */
    int nthreads;         /* length of gens */
    bool per_process;
    uint64_t *one; /* scratch bitsets for a one-thread context */
    uint64_t *one_free;
    int nwords;
    int proposal; /* thread whose op was proposed */
};

static void
each_prepare(struct each_gen *s, const struct fl_gen_ctx *ctx)
{
    if (s->nthreads == ctx->nthreads)
        return;
    for (int t = 0; t < s->nthreads; t++)
        fl_gen_free(s->gens[t]);
    free(s->gens);
    free(s->procs);
    free(s->one);
    free(s->one_free);
    s->nthreads = ctx->nthreads;
    s->nwords = ctx->nwords;
    s->gens = fl_xcalloc((size_t)s->nthreads, sizeof(*s->gens));
    s->procs = fl_xcalloc((size_t)s->nthreads, sizeof(*s->procs));
    s->one = fl_xcalloc((size_t)s->nwords, sizeof(uint64_t));
    s->one_free = fl_xcalloc((size_t)s->nwords, sizeof(uint64_t));
}

/* The generator of thread t, fresh if it has none or (each-process) if
 * the thread's process changed. */
static struct fl_gen *
each_gen_of(struct each_gen *s, const struct fl_gen_ctx *ctx, int t)
{
    int32_t p = ctx->thread_proc[t];

    if (s->gens[t] && s->per_process && s->procs[t] != p) {
        fl_gen_free(s->gens[t]);
        s->gens[t] = NULL;
    }
    if (!s->gens[t]) {
        s->gens[t] = fl_gen_clone(s->fresh);
        s->procs[t] = p;
    }
    return s->gens[t];
}

static void
each_ctx(struct each_gen *s, const struct fl_gen_ctx *ctx, int t,
         struct fl_gen_ctx *sub)
{
    *sub = *ctx;
    memset(s->one, 0, (size_t)s->nwords * sizeof(uint64_t));
    memset(s->one_free, 0, (size_t)s->nwords * sizeof(uint64_t));
    s->one[t >> 6] = 1ULL << (t & 63);
    if (fl_gen_bit(ctx->free, t))
        s->one_free[t >> 6] = 1ULL << (t & 63);
    sub->all = s->one;
    sub->free = s->one_free;
}

static int
each_op(struct fl_gen *g, const struct fl_gen_ctx *ctx, struct fl_op *out)
{
    struct each_gen *s = g->ctx;
    struct fl_gen__soonest best;
    struct fl_gen_ctx sub;
    struct fl_op op;

    each_prepare(s, ctx);
    fl_gen__soonest_init(&best);
    for (int t = 0; t < ctx->nthreads; t++) {
        if (!fl_gen_bit(ctx->free, t))
            continue;
        struct fl_gen *tg = each_gen_of(s, ctx, t);
        each_ctx(s, ctx, t, &sub);
        int rc = fl_gen_op(tg, &sub, &op);
        if (rc == FL_GEN_ERROR)
            return rc;
        fl_gen__soonest_add(&best, t, rc, &op, 1, fl_gen_ctx_rng(ctx));
    }
    if (best.idx >= 0) {
        s->proposal = best.idx;
        if (best.res == FL_GEN_OP)
            *out = best.op;
        return best.res;
    }
    if (fl_gen_ctx_free_count(ctx) != fl_gen_ctx_all_count(ctx))
        return FL_GEN_PENDING;
    return FL_GEN_EXHAUSTED;
}

static void
each_commit(struct fl_gen *g, const struct fl_gen_ctx *ctx,
            const struct fl_op *op)
{
    struct each_gen *s = g->ctx;
    struct fl_gen_ctx sub;
    int t = s->proposal;

    each_ctx(s, ctx, t, &sub);
    fl_gen_commit(s->gens[t], &sub, op);
}

static void
each_update(struct fl_gen *g, const struct fl_gen_ctx *ctx,
            const struct fl_op *event)
{
    struct each_gen *s = g->ctx;
    struct fl_gen_ctx sub;
    int t = fl_gen_ctx_thread_of(ctx, event->process);

    each_prepare(s, ctx);
    if (t < 0 || !fl_gen_bit(ctx->all, t))
        return;
    /* each-process: an event of a process the thread no longer runs would
     * go to the wrong copy; the table still shows the event's process. */
    struct fl_gen *tg = each_gen_of(s, ctx, t);
    each_ctx(s, ctx, t, &sub);
    fl_gen_update(tg, &sub, event);
}

static void *
each_clone(const struct fl_gen *g)
{
    const struct each_gen *s = g->ctx;
    struct each_gen *c = fl_xcalloc(1, sizeof(*c));

    c->fresh = fl_gen_clone(s->fresh);
    c->per_process = s->per_process;
    if (s->nthreads) {
        c->nthreads = s->nthreads;
        c->nwords = s->nwords;
        c->gens = fl_gen__clone_array(s->gens, (size_t)s->nthreads);
        c->procs = fl_xcalloc((size_t)s->nthreads, sizeof(*c->procs));
        memcpy(c->procs, s->procs, (size_t)s->nthreads * sizeof(*c->procs));
        c->one = fl_xcalloc((size_t)s->nwords, sizeof(uint64_t));
        c->one_free = fl_xcalloc((size_t)s->nwords, sizeof(uint64_t));
    }
    return c;
}

static void
each_free(struct fl_gen *g)
{
    struct each_gen *s = g->ctx;

    fl_gen_free(s->fresh);
    for (int t = 0; t < s->nthreads; t++)
        fl_gen_free(s->gens[t]);
    free(s->gens);
    free(s->procs);
    free(s->one);
    free(s->one_free);
    free(s);
}

static void
each_describe(const struct fl_gen *g, struct fl_strbuf *sb, int depth)
{
    const struct each_gen *s = g->ctx;

    fl_gen__describe_list(sb, s->per_process ? "each-process" : "each-thread",
                          &s->fresh, 1, depth);
}

static const struct fl_gen_type each_type = {
    .name = "each-thread",
    .op = each_op,
    .commit = each_commit,
    .update = each_update,
    .clone = each_clone,
    .free = each_free,
    .describe = each_describe,
};

static struct fl_gen *
each_new(struct fl_gen *g, bool per_process)
{
    struct each_gen *s = fl_xcalloc(1, sizeof(*s));

    s->fresh = g;
    s->per_process = per_process;
    return fl_gen_new(&each_type, s);
}

struct fl_gen *
fl_gen_each_thread(struct fl_gen *g)
{
    return each_new(g, false);
}

struct fl_gen *
fl_gen_each_process(struct fl_gen *g)
{
    return each_new(g, true);
}

/* ---- reserve ---- */

struct reserve_gen {
    size_t n;                      /* ranges; gens[n] is the default */
    int *lo, *hi;                  /* thread range [lo, hi) of gens[i] */
    struct fl_gen **gens;          /* n + 1 */
    struct fl_gen_filter *filters; /* n + 1 */
    int proposal;
};

static bool
never(void *arg, int thread, int concurrency)
{
    FL_UNUSED(arg);
    FL_UNUSED(thread);
    FL_UNUSED(concurrency);
    return false;
}

/*
 * Ranges count the context's visible threads in order, so a reserve inside
 * a narrowed context (one key's group of threads) splits that group.
 */
static void
reserve_filters(struct reserve_gen *s, const struct fl_gen_ctx *ctx)
{
    if (s->filters[0].nthreads == ctx->nthreads)
        return;
    for (size_t i = 0; i <= s->n; i++)
        fl_gen_filter_build(&s->filters[i], ctx, never, NULL);
    int rank = 0;
    for (int t = 0; t < ctx->nthreads; t++) {
        if (!fl_gen_bit(ctx->all, t))
            continue;
        size_t i = 0;
        while (i < s->n && !(rank >= s->lo[i] && rank < s->hi[i]))
            i++;
        s->filters[i].mask[t >> 6] |= 1ULL << (t & 63);
        rank++;
    }
}

static int
reserve_op(struct fl_gen *g, const struct fl_gen_ctx *ctx, struct fl_op *out)
{
    struct reserve_gen *s = g->ctx;
    struct fl_gen__soonest best;
    struct fl_gen_ctx sub;
    struct fl_op op;

    reserve_filters(s, ctx);
    fl_gen__soonest_init(&best);
    for (size_t i = 0; i <= s->n; i++) {
        fl_gen_ctx_filter(ctx, &s->filters[i], &sub);
        int w = fl_gen_ctx_all_count(&sub);
        int rc = fl_gen_op(s->gens[i], &sub, &op);
        if (rc == FL_GEN_ERROR)
            return rc;
        fl_gen__soonest_add(&best, (int)i, rc, &op, w > 0 ? w : 1,
                            fl_gen_ctx_rng(ctx));
    }
    if (best.idx < 0)
        return FL_GEN_EXHAUSTED;
    s->proposal = best.idx;
    if (best.res == FL_GEN_OP)
        *out = best.op;
    return best.res;
}

static void
reserve_commit(struct fl_gen *g, const struct fl_gen_ctx *ctx,
               const struct fl_op *op)
{
    struct reserve_gen *s = g->ctx;
    struct fl_gen_ctx sub;

    fl_gen_ctx_filter(ctx, &s->filters[s->proposal], &sub);
    fl_gen_commit(s->gens[s->proposal], &sub, op);
}

static void
reserve_update(struct fl_gen *g, const struct fl_gen_ctx *ctx,
               const struct fl_op *event)
{
    struct reserve_gen *s = g->ctx;
    struct fl_gen_ctx sub;
    int t = fl_gen_ctx_thread_of(ctx, event->process);

    if (t < 0)
        return;
    reserve_filters(s, ctx);
    for (size_t i = 0; i <= s->n; i++) {
        if (fl_gen_bit(s->filters[i].mask, t)) {
            fl_gen_ctx_filter(ctx, &s->filters[i], &sub);
            fl_gen_update(s->gens[i], &sub, event);
            return;
        }
    }
}

static void *
reserve_clone(const struct fl_gen *g)
{
    const struct reserve_gen *s = g->ctx;
    struct reserve_gen *c = fl_xcalloc(1, sizeof(*c));

    c->n = s->n;
    c->lo = fl_xcalloc(s->n + 1, sizeof(int));
    c->hi = fl_xcalloc(s->n + 1, sizeof(int));
    memcpy(c->lo, s->lo, s->n * sizeof(int));
    memcpy(c->hi, s->hi, s->n * sizeof(int));
    c->gens = fl_gen__clone_array(s->gens, s->n + 1);
    c->filters = fl_xcalloc(s->n + 1, sizeof(*c->filters));
    return c;
}

static void
reserve_free(struct fl_gen *g)
{
    struct reserve_gen *s = g->ctx;

    for (size_t i = 0; i <= s->n; i++)
        fl_gen_filter_release(&s->filters[i]);
    free(s->filters);
    fl_gen__free_array(s->gens, s->n + 1);
    free(s->lo);
    free(s->hi);
    free(s);
}

static void
reserve_describe(const struct fl_gen *g, struct fl_strbuf *sb, int depth)
{
    const struct reserve_gen *s = g->ctx;

    fl_strbuf_addstr(sb, "(reserve");
    for (size_t i = 0; i <= s->n; i++) {
        fl_strbuf_addch(sb, ' ');
        if (i == FL_GEN__DESCRIBE_MAX) {
            fl_strbuf_addstr(sb, "...");
            break;
        }
        if (i < s->n)
            fl_strbuf_addf(sb, "%d ", s->hi[i] - s->lo[i]);
        fl_gen_describe(s->gens[i], sb, depth - 1);
    }
    fl_strbuf_addch(sb, ')');
}

static const struct fl_gen_type reserve_type = {
    .name = "reserve",
    .op = reserve_op,
    .commit = reserve_commit,
    .update = reserve_update,
    .clone = reserve_clone,
    .free = reserve_free,
    .describe = reserve_describe,
};

struct fl_gen *
fl_gen_reserve(const int *counts, struct fl_gen *const *gens, size_t n,
               struct fl_gen *dflt)
{
    struct reserve_gen *s = fl_xcalloc(1, sizeof(*s));
    int at = 0;

    s->n = n;
    s->lo = fl_xcalloc(n + 1, sizeof(int));
    s->hi = fl_xcalloc(n + 1, sizeof(int));
    s->gens = fl_xcalloc(n + 1, sizeof(*s->gens));
    s->filters = fl_xcalloc(n + 1, sizeof(*s->filters));
    for (size_t i = 0; i < n; i++) {
        if (counts[i] < 0)
            FL_BUG("reserve: negative thread count %d", counts[i]);
        s->lo[i] = at;
        at += counts[i];
        s->hi[i] = at;
        s->gens[i] = gens[i];
    }
    s->gens[n] = dflt;
    return fl_gen_new(&reserve_type, s);
}

/* ---- process-limit ---- */

struct process_limit {
    int limit;
    int count;     /* distinct processes seen so far */
    int32_t *seen; /* per thread: last process counted, or INT32_MIN */
    int nthreads;
    bool done;
    struct fl_gen *gen;
};

static int
process_limit_new_procs(struct process_limit *s, const struct fl_gen_ctx *ctx)
{
    int added = 0;

    if (s->nthreads != ctx->nthreads) {
        free(s->seen);
        s->nthreads = ctx->nthreads;
        s->seen = fl_xmalloc((size_t)s->nthreads * sizeof(int32_t));
        for (int t = 0; t < s->nthreads; t++)
            s->seen[t] = INT32_MIN;
    }
    for (int t = 0; t < ctx->nthreads; t++)
        if (fl_gen_bit(ctx->all, t) && s->seen[t] != ctx->thread_proc[t])
            added++;
    return added;
}

static int
process_limit_op(struct fl_gen *g, const struct fl_gen_ctx *ctx,
                 struct fl_op *out)
{
    struct process_limit *s = g->ctx;
    int rc;

    if (s->done)
        return FL_GEN_EXHAUSTED;
    rc = fl_gen_op(s->gen, ctx, out);
    if (rc != FL_GEN_OP)
        return rc;
    if (s->count + process_limit_new_procs(s, ctx) > s->limit) {
        s->done = true;
        return FL_GEN_EXHAUSTED;
    }
    return rc;
}

static void
process_limit_commit(struct fl_gen *g, const struct fl_gen_ctx *ctx,
                     const struct fl_op *op)
{
    struct process_limit *s = g->ctx;

    s->count += process_limit_new_procs(s, ctx);
    for (int t = 0; t < ctx->nthreads; t++)
        if (fl_gen_bit(ctx->all, t))
            s->seen[t] = ctx->thread_proc[t];
    fl_gen_commit(s->gen, ctx, op);
}

static void
process_limit_update(struct fl_gen *g, const struct fl_gen_ctx *ctx,
                     const struct fl_op *event)
{
    struct process_limit *s = g->ctx;

    fl_gen_update(s->gen, ctx, event);
}

static void *
process_limit_clone(const struct fl_gen *g)
{
    const struct process_limit *s = g->ctx;
    struct process_limit *c = fl_xmalloc(sizeof(*c));

    *c = *s;
    c->gen = fl_gen_clone(s->gen);
    if (s->seen) {
        c->seen = fl_xmalloc((size_t)s->nthreads * sizeof(int32_t));
        memcpy(c->seen, s->seen, (size_t)s->nthreads * sizeof(int32_t));
    }
    return c;
}

static void
process_limit_free(struct fl_gen *g)
{
    struct process_limit *s = g->ctx;

    fl_gen_free(s->gen);
    free(s->seen);
    free(s);
}

static void
process_limit_describe(const struct fl_gen *g, struct fl_strbuf *sb, int depth)
{
    const struct process_limit *s = g->ctx;
    char head[48];

    snprintf(head, sizeof(head), "process-limit %d", s->limit);
    fl_gen__describe1(sb, head, s->gen, depth);
}

static const struct fl_gen_type process_limit_type = {
    .name = "process-limit",
    .op = process_limit_op,
    .commit = process_limit_commit,
    .update = process_limit_update,
    .clone = process_limit_clone,
    .free = process_limit_free,
    .describe = process_limit_describe,
};

struct fl_gen *
fl_gen_process_limit(int n, struct fl_gen *g)
{
    struct process_limit *s = fl_xcalloc(1, sizeof(*s));

    s->limit = n;
    s->gen = g;
    return fl_gen_new(&process_limit_type, s);
}

/* ---- concurrency-limit ---- */

struct climit {
    int limit;
    struct fl_gen *gen;
};

static int
climit_op(struct fl_gen *g, const struct fl_gen_ctx *ctx, struct fl_op *out)
{
    struct climit *s = g->ctx;
    int busy = fl_gen_ctx_all_count(ctx) - fl_gen_ctx_free_count(ctx);

    if (busy >= s->limit)
        return FL_GEN_PENDING;
    return fl_gen_op(s->gen, ctx, out);
}

static void
climit_commit(struct fl_gen *g, const struct fl_gen_ctx *ctx,
              const struct fl_op *op)
{
    struct climit *s = g->ctx;

    fl_gen_commit(s->gen, ctx, op);
}

static void
climit_update(struct fl_gen *g, const struct fl_gen_ctx *ctx,
              const struct fl_op *event)
{
    struct climit *s = g->ctx;

    fl_gen_update(s->gen, ctx, event);
}

static void *
climit_clone(const struct fl_gen *g)
{
    return fl_gen__clone1(g->ctx, sizeof(struct climit),
                          offsetof(struct climit, gen));
}

static void
climit_free(struct fl_gen *g)
{
    fl_gen__free1(g->ctx, offsetof(struct climit, gen));
}

static void
climit_describe(const struct fl_gen *g, struct fl_strbuf *sb, int depth)
{
    const struct climit *s = g->ctx;
    char head[48];

    snprintf(head, sizeof(head), "concurrency-limit %d", s->limit);
    fl_gen__describe1(sb, head, s->gen, depth);
}

static const struct fl_gen_type climit_type = {
    .name = "concurrency-limit",
    .op = climit_op,
    .commit = climit_commit,
    .update = climit_update,
    .clone = climit_clone,
    .free = climit_free,
    .describe = climit_describe,
};

struct fl_gen *
fl_gen_concurrency_limit(int n, struct fl_gen *g)
{
    struct climit *s = fl_xmalloc(sizeof(*s));

    s->limit = n;
    s->gen = g;
    return fl_gen_new(&climit_type, s);
}

/* ---- independent concurrent generator ---- */

struct indep_arg {
    fl_gen_key_fn *make;
    void *arg;
    void (*free_arg)(void *);
    int refs;
};

struct indep_gen {
    int n;            /* threads per group */
    int64_t max_keys; /* < 0: unlimited */
    int64_t next_key; /* next key to hand out */
    struct indep_arg *make;
    int ngroups;          /* set at first use */
    struct fl_gen **gens; /* per group: current key's generator */
    int64_t *keys;        /* per group: its key, -1 = none */
    bool *done;           /* per group: no keys left */
    uint64_t *all, *free; /* scratch context bitsets */
    uint64_t *masks;      /* per group: nwords words, its threads */
    int nwords;
    int proposal;
};

/* The threads of each group as bitsets, so narrowing a context is a few
 * word ANDs (this runs for every group on every op). */
static uint64_t *
indep_masks(int ngroups, int n, int nwords)
{
    uint64_t *m = fl_xcalloc((size_t)ngroups * (size_t)nwords, sizeof(*m));

    for (int t = 0; t < ngroups * n; t++)
        m[(size_t)(t / n) * (size_t)nwords + (size_t)(t >> 6)] |= 1ULL
                                                                  << (t & 63);
    return m;
}

static int
indep_prepare(struct indep_gen *s, const struct fl_gen_ctx *ctx)
{
    if (s->ngroups)
        return 0;
    if (s->n <= 0 || ctx->concurrency < s->n) {
        if (ctx->err)
            fl_err_set(ctx->err, FL_EUSAGE,
                       "independent generator: %d threads per key but "
                       "concurrency is %d",
                       s->n, ctx->concurrency);
        return FL_GEN_ERROR;
    }
    s->ngroups = ctx->concurrency / s->n;
    s->gens = fl_xcalloc((size_t)s->ngroups, sizeof(*s->gens));
    s->keys = fl_xcalloc((size_t)s->ngroups, sizeof(*s->keys));
    s->done = fl_xcalloc((size_t)s->ngroups, sizeof(*s->done));
    for (int i = 0; i < s->ngroups; i++)
        s->keys[i] = -1;
    s->nwords = ctx->nwords;
    s->all = fl_xcalloc((size_t)s->nwords, sizeof(uint64_t));
    s->free = fl_xcalloc((size_t)s->nwords, sizeof(uint64_t));
    s->masks = indep_masks(s->ngroups, s->n, s->nwords);
    return 0;
}

/* indep_ctx's answer: the group has threads, free ones, all of them free */
enum { INDEP_LIVE = 1, INDEP_FREE = 2, INDEP_IDLE = 4 };

static int
indep_ctx(struct indep_gen *s, const struct fl_gen_ctx *ctx, int group,
          struct fl_gen_ctx *sub)
{
    const uint64_t *m = s->masks + (size_t)group * (size_t)s->nwords;
    uint64_t any_all = 0, any_free = 0, busy = 0;

    *sub = *ctx;
    for (int i = 0; i < s->nwords; i++) {
        s->all[i] = ctx->all[i] & m[i];
        s->free[i] = ctx->free[i] & s->all[i];
        any_all |= s->all[i];
        any_free |= s->free[i];
        busy |= s->all[i] & ~s->free[i];
    }
    sub->all = s->all;
    sub->free = s->free;
    return (any_all ? INDEP_LIVE : 0) | (any_free ? INDEP_FREE : 0) |
           (busy ? 0 : INDEP_IDLE);
}

/* Give group a generator for the next key; false when keys ran out. */
static bool
indep_next_key(struct indep_gen *s, int group)
{
    fl_gen_free(s->gens[group]);
    s->gens[group] = NULL;
    if (s->max_keys >= 0 && s->next_key >= s->max_keys) {
        s->done[group] = true;
        return false;
    }
    s->keys[group] = s->next_key++;
    s->gens[group] = s->make->make(s->make->arg, s->keys[group]);
    return true;
}

static int
indep_op(struct fl_gen *g, const struct fl_gen_ctx *ctx, struct fl_op *out)
{
    struct indep_gen *s = g->ctx;
    struct fl_gen__soonest best;
    struct fl_gen_ctx sub;
    struct fl_op op;
    bool any_live = false;

    if (indep_prepare(s, ctx) < 0)
        return FL_GEN_ERROR;
    fl_gen__soonest_init(&best);
    for (int gi = 0; gi < s->ngroups; gi++) {
        if (s->done[gi])
            continue;
        int st = indep_ctx(s, ctx, gi, &sub);
        if (!(st & INDEP_LIVE))
            continue;
        any_live = true;
        if (!(st & INDEP_FREE)) {
            fl_gen__soonest_add(&best, gi, FL_GEN_PENDING, NULL, 1, NULL);
            continue;
        }
        int rc = FL_GEN_EXHAUSTED;
        /* Keys whose generator is empty from the start are skipped. */
        for (int tries = 0; tries < 1000; tries++) {
            if (!s->gens[gi] && !indep_next_key(s, gi))
                break;
            rc = fl_gen_op(s->gens[gi], &sub, &op);
            if (rc != FL_GEN_EXHAUSTED)
                break;
            /* A key is finished only when its threads are idle, so its
             * last ops complete before the group moves on. */
            if (!(st & INDEP_IDLE)) {
                rc = FL_GEN_PENDING;
                break;
            }
            fl_gen_free(s->gens[gi]);
            s->gens[gi] = NULL;
            if (ctx->key_done)
                ctx->key_done(ctx->key_done_arg, s->keys[gi]);
        }
        if (rc == FL_GEN_ERROR)
            return rc;
        if (rc == FL_GEN_EXHAUSTED && !s->done[gi])
            continue;
        fl_gen__soonest_add(&best, gi, rc, &op, s->n, fl_gen_ctx_rng(ctx));
    }
    if (best.idx < 0)
        return any_live &&
                       fl_gen_ctx_free_count(ctx) != fl_gen_ctx_all_count(ctx)
                   ? FL_GEN_PENDING
                   : FL_GEN_EXHAUSTED;
    s->proposal = best.idx;
    if (best.res != FL_GEN_OP)
        return best.res;
    *out = best.op;
    fl_val pair[2] = {fl_val_int(s->keys[best.idx]), out->value};
    out->value = fl_val_coll(ctx->arena, FL_V_VEC, pair, 2);
    return FL_GEN_OP;
}

static void
indep_commit(struct fl_gen *g, const struct fl_gen_ctx *ctx,
             const struct fl_op *op)
{
    struct indep_gen *s = g->ctx;
    struct fl_gen_ctx sub;
    struct fl_op inner = *op;

    indep_ctx(s, ctx, s->proposal, &sub);
    if (op->value.kind == FL_V_VEC && op->value.n == 2)
        inner.value = op->value.u.items[1];
    fl_gen_commit(s->gens[s->proposal], &sub, &inner);
}

static void
indep_update(struct fl_gen *g, const struct fl_gen_ctx *ctx,
             const struct fl_op *event)
{
    struct indep_gen *s = g->ctx;
    struct fl_gen_ctx sub;
    int t = fl_gen_ctx_thread_of(ctx, event->process);

    if (!s->ngroups || t < 0 || t >= s->ngroups * s->n)
        return;
    int gi = t / s->n;
    if (!s->gens[gi])
        return;
    indep_ctx(s, ctx, gi, &sub);
    fl_gen_update(s->gens[gi], &sub, event);
}

static void *
indep_clone(const struct fl_gen *g)
{
    const struct indep_gen *s = g->ctx;
    struct indep_gen *c = fl_xcalloc(1, sizeof(*c));

    c->n = s->n;
    c->max_keys = s->max_keys;
    c->next_key = s->next_key;
    c->make = s->make;
    c->make->refs++;
    if (s->ngroups) {
        size_t ng = (size_t)s->ngroups;
        c->ngroups = s->ngroups;
        c->gens = fl_gen__clone_array(s->gens, ng);
        c->keys = fl_xmalloc(ng * sizeof(*c->keys));
        memcpy(c->keys, s->keys, ng * sizeof(*c->keys));
        c->done = fl_xmalloc(ng * sizeof(*c->done));
        memcpy(c->done, s->done, ng * sizeof(*c->done));
        c->nwords = s->nwords;
        c->all = fl_xcalloc((size_t)s->nwords, sizeof(uint64_t));
        c->free = fl_xcalloc((size_t)s->nwords, sizeof(uint64_t));
        c->masks = indep_masks(s->ngroups, s->n, s->nwords);
    }
    return c;
}

static void
indep_free(struct fl_gen *g)
{
    struct indep_gen *s = g->ctx;

    if (--s->make->refs == 0) {
        if (s->make->free_arg)
            s->make->free_arg(s->make->arg);
        free(s->make);
    }
    fl_gen__free_array(s->gens, (size_t)s->ngroups);
    free(s->keys);
    free(s->done);
    free(s->all);
    free(s->free);
    free(s->masks);
    free(s);
}

static void
indep_describe(const struct fl_gen *g, struct fl_strbuf *sb, int depth)
{
    const struct indep_gen *s = g->ctx;
    char head[64];

    snprintf(head, sizeof(head), "independent %d, next key %" PRId64, s->n,
             s->next_key);
    fl_gen__describe_list(sb, head, s->gens, (size_t)s->ngroups, depth);
}

static const struct fl_gen_type indep_type = {
    .name = "independent",
    .op = indep_op,
    .commit = indep_commit,
    .update = indep_update,
    .clone = indep_clone,
    .free = indep_free,
    .describe = indep_describe,
};

struct fl_gen *
fl_gen_independent(int n, int64_t max_keys, fl_gen_key_fn *make, void *arg,
                   void (*free_arg)(void *))
{
    struct indep_gen *s = fl_xcalloc(1, sizeof(*s));

    s->n = n;
    s->max_keys = max_keys;
    s->make = fl_xcalloc(1, sizeof(*s->make));
    s->make->make = make;
    s->make->arg = arg;
    s->make->free_arg = free_arg;
    s->make->refs = 1;
    return fl_gen_new(&indep_type, s);
}
