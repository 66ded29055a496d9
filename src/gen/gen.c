/* SPDX-License-Identifier: MIT */
/*
 * gen.c: the generator core (op/commit/update/clone/free dispatch, fill-in)
 * and the basic generators: single ops, functions, sleep and log, sequences,
 * limit, repeat, cycle, map, f-map, filter and on-update. Semantics follow
 * jepsen.generator (reference/jepsen.md §2); where a Jepsen generator
 * returns a new state with each op, these propose in op() and advance in
 * commit(). A generator may drop exhausted sub-generators in op(), because
 * exhausted generators stay exhausted, but nothing that depends on a random
 * draw is kept until commit.
 */
#include "util/common.h"

#include "gen/gen.h"
#include "gen/gen_int.h"

#include "util/arena.h"
#include "util/err.h"

struct fl_gen *
fl_gen_new(const struct fl_gen_type *type, void *ctx)
{
    struct fl_gen *g = fl_xmalloc(sizeof(*g));

    g->type = type;
    g->ctx = ctx;
    return g;
}

void
fl_gen_update_ignore(struct fl_gen *g, const struct fl_gen_ctx *ctx,
                     const struct fl_op *event)
{
    FL_UNUSED(g);
    FL_UNUSED(ctx);
    FL_UNUSED(event);
}

void
fl_gen_commit_nothing(struct fl_gen *g, const struct fl_gen_ctx *ctx,
                      const struct fl_op *op)
{
    FL_UNUSED(g);
    FL_UNUSED(ctx);
    FL_UNUSED(op);
}

int
fl_gen_op(struct fl_gen *g, const struct fl_gen_ctx *ctx, struct fl_op *out)
{
    if (!g)
        return FL_GEN_EXHAUSTED;
    return g->type->op(g, ctx, out);
}

void
fl_gen_commit(struct fl_gen *g, const struct fl_gen_ctx *ctx,
              const struct fl_op *op)
{
    if (g && g->type->commit)
        g->type->commit(g, ctx, op);
}

void
fl_gen_update(struct fl_gen *g, const struct fl_gen_ctx *ctx,
              const struct fl_op *event)
{
    if (g && g->type->update)
        g->type->update(g, ctx, event);
}

struct fl_gen *
fl_gen_clone(const struct fl_gen *g)
{
    if (!g)
        return NULL;
    return fl_gen_new(g->type, g->type->clone(g));
}

void
fl_gen_free(struct fl_gen *g)
{
    if (!g)
        return;
    if (g->type->free)
        g->type->free(g);
    free(g);
}

struct fl_gen **
fl_gen__clone_array(struct fl_gen *const *gens, size_t n)
{
    struct fl_gen **c = fl_xcalloc(n ? n : 1, sizeof(*c));

    for (size_t i = 0; i < n; i++)
        c[i] = fl_gen_clone(gens[i]);
    return c;
}

void
fl_gen__free_array(struct fl_gen **gens, size_t n)
{
    if (!gens)
        return;
    for (size_t i = 0; i < n; i++)
        fl_gen_free(gens[i]);
    free(gens);
}

void
fl_gen_describe(const struct fl_gen *g, struct fl_strbuf *sb, int depth)
{
    if (!g) {
        fl_strbuf_addstr(sb, "nil");
        return;
    }
    if (depth <= 0) {
        fl_strbuf_addstr(sb, "...");
        return;
    }
    if (g->type->describe)
        g->type->describe(g, sb, depth);
    else
        fl_strbuf_addf(sb, "(%s)", g->type->name);
}

void
fl_gen__describe_dt(struct fl_strbuf *sb, int64_t ns)
{
    static const struct {
        int64_t ns;
        const char *unit;
    } units[] = {{1000000000, "s"}, {1000000, "ms"}, {1000, "us"}};

    for (size_t i = 0; i < FL_ARRAY_SIZE(units); i++) {
        if (ns != 0 && ns % units[i].ns == 0) {
            fl_strbuf_addf(sb, "%" PRId64 "%s", ns / units[i].ns,
                           units[i].unit);
            return;
        }
    }
    fl_strbuf_addf(sb, "%" PRId64 "ns", ns);
}

void
fl_gen__describe_list(struct fl_strbuf *sb, const char *head,
                      struct fl_gen *const *gens, size_t n, int depth)
{
    fl_strbuf_addf(sb, "(%s", head);
    for (size_t i = 0; i < n; i++) {
        fl_strbuf_addch(sb, ' ');
        if (i == FL_GEN__DESCRIBE_MAX) {
            fl_strbuf_addstr(sb, "...");
            break;
        }
        fl_gen_describe(gens[i], sb, depth - 1);
    }
    fl_strbuf_addch(sb, ')');
}

void
fl_gen__describe1(struct fl_strbuf *sb, const char *head,
                  const struct fl_gen *child, int depth)
{
    struct fl_gen *c = (struct fl_gen *)child;

    fl_gen__describe_list(sb, head, &c, 1, depth);
}

void *
fl_gen__clone1(const void *state, size_t size, size_t child_off)
{
    char *c = fl_xmalloc(size);
    struct fl_gen *child;

    memcpy(c, state, size);
    memcpy(&child, c + child_off, sizeof(child));
    child = fl_gen_clone(child);
    memcpy(c + child_off, &child, sizeof(child));
    return c;
}

void
fl_gen__free1(void *state, size_t child_off)
{
    struct fl_gen *child;

    if (!state)
        return;
    memcpy(&child, (char *)state + child_off, sizeof(child));
    fl_gen_free(child);
    free(state);
}

void
fl_gen__soonest_init(struct fl_gen__soonest *s)
{
    s->idx = -1;
    s->res = FL_GEN_EXHAUSTED;
    s->weight = 0;
}

void
fl_gen__soonest_add(struct fl_gen__soonest *s, int idx, int res,
                    const struct fl_op *op, int64_t w, struct fl_rng *rng)
{
    if (res != FL_GEN_OP && res != FL_GEN_PENDING)
        return;
    if (s->idx < 0) {
        s->idx = idx;
        s->res = res;
        s->weight = w;
        if (res == FL_GEN_OP)
            s->op = *op;
        return;
    }
    /* A pending candidate loses to anything; two pendings keep the later. */
    if (res == FL_GEN_PENDING) {
        if (s->res == FL_GEN_PENDING) {
            s->idx = idx;
            s->weight = w;
        }
        return;
    }
    if (s->res == FL_GEN_PENDING || op->time_ns < s->op.time_ns) {
        s->idx = idx;
        s->res = res;
        s->weight = w;
        s->op = *op;
        return;
    }
    if (op->time_ns == s->op.time_ns) {
        int64_t total = s->weight + w;
        bool keep = (int64_t)fl_rng_below(rng, (uint64_t)total) < s->weight;
        if (!keep) {
            s->idx = idx;
            s->op = *op;
        }
        s->weight = total;
    }
}

int
fl_gen_fill_in(const struct fl_gen_ctx *ctx, struct fl_op *op)
{
    int32_t p = fl_gen_ctx_some_free_process(ctx);

    if (p == FL_GEN_PROC_ANY)
        return FL_GEN_PENDING;
    if (op->process == FL_GEN_PROC_ANY)
        op->process = p;
    if (op->time_ns == FL_GEN_TIME_NOW)
        op->time_ns = ctx->time_ns;
    return FL_GEN_OP;
}

struct fl_op
fl_gen_template(uint32_t f, fl_val value)
{
    struct fl_op op;

    memset(&op, 0, sizeof(op));
    op.index = -1;
    op.time_ns = FL_GEN_TIME_NOW;
    op.value = value;
    op.extra = NULL;
    op.process = FL_GEN_PROC_ANY;
    op.pair = -1;
    op.f = f;
    op.type = FL_OP_INVOKE;
    op.flags = FL_OP_HAS_VALUE;
    return op;
}

/* ---- a single op (Jepsen's map) ---- */

struct once_op {
    struct fl_op tmpl;
    char *msg; /* owned copy for log ops */
    bool done;
};

static int
once_op_op(struct fl_gen *g, const struct fl_gen_ctx *ctx, struct fl_op *out)
{
    struct once_op *s = g->ctx;

    if (s->done)
        return FL_GEN_EXHAUSTED;
    *out = s->tmpl;
    return fl_gen_fill_in(ctx, out);
}

static void
once_op_commit(struct fl_gen *g, const struct fl_gen_ctx *ctx,
               const struct fl_op *op)
{
    struct once_op *s = g->ctx;

    FL_UNUSED(ctx);
    FL_UNUSED(op);
    s->done = true;
}

static void *
once_op_clone(const struct fl_gen *g)
{
    const struct once_op *s = g->ctx;
    struct once_op *c = fl_xmalloc(sizeof(*c));

    *c = *s;
    if (s->msg) {
        c->msg = fl_xstrdup(s->msg);
        c->tmpl.value.u.s = c->msg;
    }
    return c;
}

static void
once_op_free(struct fl_gen *g)
{
    struct once_op *s = g->ctx;

    free(s->msg);
    free(s);
}

static void
once_op_describe(const struct fl_gen *g, struct fl_strbuf *sb, int depth)
{
    const struct once_op *s = g->ctx;

    FL_UNUSED(depth);
    if (s->tmpl.type == FL_GEN_OP_SLEEP)
        fl_strbuf_addstr(sb, "(sleep ");
    else if (s->tmpl.type == FL_GEN_OP_LOG)
        fl_strbuf_addstr(sb, "(log ");
    else
        fl_strbuf_addf(sb, "{:f :%s, :value ", fl_kw_name(s->tmpl.f));
    fl_val_print_edn(sb, &s->tmpl.value);
    if (s->tmpl.process != FL_GEN_PROC_ANY)
        fl_strbuf_addf(sb, ", :process %" PRId32, s->tmpl.process);
    if (s->tmpl.time_ns != FL_GEN_TIME_NOW)
        fl_strbuf_addf(sb, ", :time %" PRId64, s->tmpl.time_ns);
    if (s->done)
        fl_strbuf_addstr(sb, ", done");
    fl_strbuf_addch(sb, s->tmpl.type == FL_GEN_OP_SLEEP ||
                                s->tmpl.type == FL_GEN_OP_LOG
                            ? ')'
                            : '}');
}

static const struct fl_gen_type once_op_type = {
    .name = "op",
    .op = once_op_op,
    .commit = once_op_commit,
    .update = fl_gen_update_ignore,
    .clone = once_op_clone,
    .free = once_op_free,
    .describe = once_op_describe,
};

struct fl_gen *
fl_gen_once_op(const struct fl_op *tmpl)
{
    struct once_op *s = fl_xcalloc(1, sizeof(*s));

    s->tmpl = *tmpl;
    return fl_gen_new(&once_op_type, s);
}

struct fl_gen *
fl_gen_invoke(uint32_t f, fl_val value)
{
    struct fl_op t = fl_gen_template(f, value);

    return fl_gen_once_op(&t);
}

struct fl_gen *
fl_gen_sleep(int64_t dt_ns)
{
    struct fl_op t = fl_gen_template(FL_KW_NONE, fl_val_int(dt_ns));

    t.type = FL_GEN_OP_SLEEP;
    return fl_gen_once_op(&t);
}

struct fl_gen *
fl_gen_log(const char *msg)
{
    struct once_op *s = fl_xcalloc(1, sizeof(*s));
    size_t n = strlen(msg);

    s->msg = fl_xstrdup(msg);
    s->tmpl = fl_gen_template(FL_KW_NONE, fl_val_nil());
    s->tmpl.type = FL_GEN_OP_LOG;
    s->tmpl.value.kind = FL_V_STR;
    s->tmpl.value.n = (uint32_t)n;
    s->tmpl.value.u.s = s->msg;
    return fl_gen_new(&once_op_type, s);
}

/* ---- function generators ---- */

struct fn_gen {
    fl_gen_op_fn *fn;
    void *arg;
    void (*free_arg)(void *);
    int *refs; /* arg is shared between clones */
    bool done;
};

static int
fn_op(struct fl_gen *g, const struct fl_gen_ctx *ctx, struct fl_op *out)
{
    struct fn_gen *s = g->ctx;
    int rc;

    if (s->done)
        return FL_GEN_EXHAUSTED;
    *out = fl_gen_template(FL_KW_NONE, fl_val_nil());
    rc = s->fn(s->arg, ctx, out);
    if (rc == FL_GEN_EXHAUSTED) {
        s->done = true;
        return rc;
    }
    if (rc != FL_GEN_OP)
        return rc;
    return fl_gen_fill_in(ctx, out);
}

static void *
fn_clone(const struct fl_gen *g)
{
    struct fn_gen *c = fl_xmalloc(sizeof(*c));

    *c = *(const struct fn_gen *)g->ctx;
    (*c->refs)++;
    return c;
}

static void
fn_free(struct fl_gen *g)
{
    struct fn_gen *s = g->ctx;

    if (--(*s->refs) == 0) {
        if (s->free_arg)
            s->free_arg(s->arg);
        free(s->refs);
    }
    free(s);
}

static const struct fl_gen_type fn_type = {
    .name = "fn",
    .op = fn_op,
    .commit = fl_gen_commit_nothing,
    .update = fl_gen_update_ignore,
    .clone = fn_clone,
    .free = fn_free,
};

struct fl_gen *
fl_gen_fn(fl_gen_op_fn *fn, void *arg, void (*free_arg)(void *))
{
    struct fn_gen *s = fl_xcalloc(1, sizeof(*s));

    s->fn = fn;
    s->arg = arg;
    s->free_arg = free_arg;
    s->refs = fl_xmalloc(sizeof(*s->refs));
    *s->refs = 1;
    return fl_gen_new(&fn_type, s);
}

/* A shared, refcounted user argument (for lazy, map, filter, ...). */
struct shared_arg {
    void *arg;
    void (*free_arg)(void *);
    int refs;
};

static struct shared_arg *
shared_arg_new(void *arg, void (*free_arg)(void *))
{
    struct shared_arg *a = fl_xmalloc(sizeof(*a));

    a->arg = arg;
    a->free_arg = free_arg;
    a->refs = 1;
    return a;
}

static struct shared_arg *
shared_arg_ref(struct shared_arg *a)
{
    a->refs++;
    return a;
}

static void
shared_arg_unref(struct shared_arg *a)
{
    if (a && --a->refs == 0) {
        if (a->free_arg)
            a->free_arg(a->arg);
        free(a);
    }
}

struct lazy_gen {
    fl_gen_make_fn *make;
    struct shared_arg *arg;
    struct fl_gen *cur;      /* committed current generator, or NULL */
    struct fl_gen *proposal; /* made during op(), kept by commit */
    bool done;
};

#define LAZY_MAX_EMPTY                                                         \
    1000 /* consecutive empty generators before giving up                      \
          */

static int
lazy_op(struct fl_gen *g, const struct fl_gen_ctx *ctx, struct fl_op *out)
{
    struct lazy_gen *s = g->ctx;
    int rc;

    fl_gen_free(s->proposal);
    s->proposal = NULL;
    if (s->done)
        return FL_GEN_EXHAUSTED;
    if (s->cur) {
        rc = fl_gen_op(s->cur, ctx, out);
        if (rc != FL_GEN_EXHAUSTED)
            return rc;
        fl_gen_free(s->cur);
        s->cur = NULL;
    }
    for (int i = 0; i < LAZY_MAX_EMPTY; i++) {
        struct fl_gen *ng = s->make(s->arg->arg, ctx);
        if (!ng) {
            s->done = true;
            return FL_GEN_EXHAUSTED;
        }
        rc = fl_gen_op(ng, ctx, out);
        if (rc != FL_GEN_EXHAUSTED) {
            s->proposal = ng;
            return rc;
        }
        fl_gen_free(ng);
    }
    if (ctx->err)
        fl_err_set(ctx->err, FL_EUSAGE,
                   "generator function returned %d empty generators in a row",
                   LAZY_MAX_EMPTY);
    return FL_GEN_ERROR;
}

static void
lazy_commit(struct fl_gen *g, const struct fl_gen_ctx *ctx,
            const struct fl_op *op)
{
    struct lazy_gen *s = g->ctx;

    if (s->proposal) {
        fl_gen_free(s->cur);
        s->cur = s->proposal;
        s->proposal = NULL;
    }
    fl_gen_commit(s->cur, ctx, op);
}

static void
lazy_update(struct fl_gen *g, const struct fl_gen_ctx *ctx,
            const struct fl_op *event)
{
    struct lazy_gen *s = g->ctx;

    fl_gen_update(s->cur, ctx, event);
}

static void *
lazy_clone(const struct fl_gen *g)
{
    const struct lazy_gen *s = g->ctx;
    struct lazy_gen *c = fl_xcalloc(1, sizeof(*c));

    c->make = s->make;
    c->arg = shared_arg_ref(s->arg);
    c->cur = fl_gen_clone(s->cur);
    c->done = s->done;
    return c;
}

static void
lazy_free(struct fl_gen *g)
{
    struct lazy_gen *s = g->ctx;

    fl_gen_free(s->cur);
    fl_gen_free(s->proposal);
    shared_arg_unref(s->arg);
    free(s);
}

static void
lazy_describe(const struct fl_gen *g, struct fl_strbuf *sb, int depth)
{
    const struct lazy_gen *s = g->ctx;

    fl_gen__describe1(sb, "lazy", s->cur, depth);
}

static const struct fl_gen_type lazy_type = {
    .name = "lazy",
    .op = lazy_op,
    .commit = lazy_commit,
    .update = lazy_update,
    .clone = lazy_clone,
    .free = lazy_free,
    .describe = lazy_describe,
};

struct fl_gen *
fl_gen_lazy(fl_gen_make_fn *make, void *arg, void (*free_arg)(void *))
{
    struct lazy_gen *s = fl_xcalloc(1, sizeof(*s));

    s->make = make;
    s->arg = shared_arg_new(arg, free_arg);
    return fl_gen_new(&lazy_type, s);
}

/* ---- sequences ---- */

struct seq_gen {
    struct fl_gen **gens;
    size_t n, i; /* gens[i] is current */
};

static int
seq_op(struct fl_gen *g, const struct fl_gen_ctx *ctx, struct fl_op *out)
{
    struct seq_gen *s = g->ctx;

    while (s->i < s->n) {
        int rc = fl_gen_op(s->gens[s->i], ctx, out);
        if (rc != FL_GEN_EXHAUSTED)
            return rc;
        fl_gen_free(s->gens[s->i]);
        s->gens[s->i++] = NULL;
    }
    return FL_GEN_EXHAUSTED;
}

static void
seq_commit(struct fl_gen *g, const struct fl_gen_ctx *ctx,
           const struct fl_op *op)
{
    struct seq_gen *s = g->ctx;

    if (s->i < s->n)
        fl_gen_commit(s->gens[s->i], ctx, op);
}

static void
seq_update(struct fl_gen *g, const struct fl_gen_ctx *ctx,
           const struct fl_op *event)
{
    struct seq_gen *s = g->ctx;

    if (s->i < s->n)
        fl_gen_update(s->gens[s->i], ctx, event);
}

static void *
seq_clone(const struct fl_gen *g)
{
    const struct seq_gen *s = g->ctx;
    struct seq_gen *c = fl_xmalloc(sizeof(*c));

    c->n = s->n;
    c->i = s->i;
    c->gens = fl_gen__clone_array(s->gens, s->n);
    return c;
}

static void
seq_free(struct fl_gen *g)
{
    struct seq_gen *s = g->ctx;

    fl_gen__free_array(s->gens, s->n);
    free(s);
}

static void
seq_describe(const struct fl_gen *g, struct fl_strbuf *sb, int depth)
{
    const struct seq_gen *s = g->ctx;

    fl_gen__describe_list(sb, "seq", s->gens + s->i, s->n - s->i, depth);
}

static const struct fl_gen_type seq_type = {
    .name = "seq",
    .op = seq_op,
    .commit = seq_commit,
    .update = seq_update,
    .clone = seq_clone,
    .free = seq_free,
    .describe = seq_describe,
};

struct fl_gen *
fl_gen_seq(struct fl_gen *const *gens, size_t n)
{
    struct seq_gen *s = fl_xcalloc(1, sizeof(*s));

    s->gens = fl_xcalloc(n ? n : 1, sizeof(*s->gens));
    for (size_t i = 0; i < n; i++)
        if (gens[i])
            s->gens[s->n++] = gens[i];
    return fl_gen_new(&seq_type, s);
}

/* ---- limit and repeat ---- */

struct count_gen {
    int64_t remaining; /* < 0: unlimited (repeat) */
    struct fl_gen *gen;
};

static void *
count_clone(const struct fl_gen *g)
{
    return fl_gen__clone1(g->ctx, sizeof(struct count_gen),
                          offsetof(struct count_gen, gen));
}

static void
count_free(struct fl_gen *g)
{
    fl_gen__free1(g->ctx, offsetof(struct count_gen, gen));
}

/* "(limit 3 g)", "(repeat g)" (remaining < 0: forever). */
static void
count_describe(const struct fl_gen *g, struct fl_strbuf *sb, int depth)
{
    const struct count_gen *s = g->ctx;
    char head[64];

    if (s->remaining < 0)
        snprintf(head, sizeof(head), "%s", g->type->name);
    else
        snprintf(head, sizeof(head), "%s %" PRId64, g->type->name,
                 s->remaining);
    fl_gen__describe1(sb, head, s->gen, depth);
}

static void
count_update(struct fl_gen *g, const struct fl_gen_ctx *ctx,
             const struct fl_op *event)
{
    struct count_gen *s = g->ctx;

    fl_gen_update(s->gen, ctx, event);
}

static int
limit_op(struct fl_gen *g, const struct fl_gen_ctx *ctx, struct fl_op *out)
{
    struct count_gen *s = g->ctx;

    if (s->remaining <= 0)
        return FL_GEN_EXHAUSTED;
    return fl_gen_op(s->gen, ctx, out);
}

static void
limit_commit(struct fl_gen *g, const struct fl_gen_ctx *ctx,
             const struct fl_op *op)
{
    struct count_gen *s = g->ctx;

    s->remaining--;
    fl_gen_commit(s->gen, ctx, op);
}

static const struct fl_gen_type limit_type = {
    .name = "limit",
    .op = limit_op,
    .commit = limit_commit,
    .update = count_update,
    .clone = count_clone,
    .free = count_free,
    .describe = count_describe,
};

struct fl_gen *
fl_gen_limit(int64_t n, struct fl_gen *g)
{
    struct count_gen *s = fl_xmalloc(sizeof(*s));

    s->remaining = n;
    s->gen = g;
    return fl_gen_new(&limit_type, s);
}

struct fl_gen *
fl_gen_once(struct fl_gen *g)
{
    return fl_gen_limit(1, g);
}

static int
repeat_op(struct fl_gen *g, const struct fl_gen_ctx *ctx, struct fl_op *out)
{
    struct count_gen *s = g->ctx;

    if (s->remaining == 0)
        return FL_GEN_EXHAUSTED;
    return fl_gen_op(s->gen, ctx, out);
}

static void
repeat_commit(struct fl_gen *g, const struct fl_gen_ctx *ctx,
              const struct fl_op *op)
{
    struct count_gen *s = g->ctx;

    /* The inner generator is deliberately not advanced. */
    FL_UNUSED(ctx);
    FL_UNUSED(op);
    if (s->remaining > 0)
        s->remaining--;
}

static const struct fl_gen_type repeat_type = {
    .name = "repeat",
    .op = repeat_op,
    .commit = repeat_commit,
    .update = count_update,
    .clone = count_clone,
    .free = count_free,
    .describe = count_describe,
};

struct fl_gen *
fl_gen_repeat(int64_t n, struct fl_gen *g)
{
    struct count_gen *s = fl_xmalloc(sizeof(*s));

    s->remaining = n < 0 ? -1 : n;
    s->gen = g;
    return fl_gen_new(&repeat_type, s);
}

/* ---- cycle ---- */

struct cycle_gen {
    int64_t remaining; /* runs left including the current; < 0 forever */
    struct fl_gen *original;
    struct fl_gen *cur;
};

static int
cycle_op(struct fl_gen *g, const struct fl_gen_ctx *ctx, struct fl_op *out)
{
    struct cycle_gen *s = g->ctx;
    int rc;

    if (s->remaining == 0)
        return FL_GEN_EXHAUSTED;
    rc = fl_gen_op(s->cur, ctx, out);
    if (rc != FL_GEN_EXHAUSTED)
        return rc;
    if (s->remaining > 0 && --s->remaining == 0)
        return FL_GEN_EXHAUSTED;
    fl_gen_free(s->cur);
    s->cur = fl_gen_clone(s->original);
    rc = fl_gen_op(s->cur, ctx, out);
    if (rc == FL_GEN_EXHAUSTED)
        s->remaining = 0; /* a fresh copy is empty: it always will be */
    return rc;
}

static void
cycle_commit(struct fl_gen *g, const struct fl_gen_ctx *ctx,
             const struct fl_op *op)
{
    struct cycle_gen *s = g->ctx;

    fl_gen_commit(s->cur, ctx, op);
}

static void
cycle_update(struct fl_gen *g, const struct fl_gen_ctx *ctx,
             const struct fl_op *event)
{
    struct cycle_gen *s = g->ctx;

    fl_gen_update(s->cur, ctx, event);
}

static void *
cycle_clone(const struct fl_gen *g)
{
    const struct cycle_gen *s = g->ctx;
    struct cycle_gen *c = fl_xmalloc(sizeof(*c));

    c->remaining = s->remaining;
    c->original = fl_gen_clone(s->original);
    c->cur = fl_gen_clone(s->cur);
    return c;
}

static void
cycle_free(struct fl_gen *g)
{
    struct cycle_gen *s = g->ctx;

    fl_gen_free(s->original);
    fl_gen_free(s->cur);
    free(s);
}

static void
cycle_describe(const struct fl_gen *g, struct fl_strbuf *sb, int depth)
{
    const struct cycle_gen *s = g->ctx;
    char head[64];

    if (s->remaining < 0)
        snprintf(head, sizeof(head), "cycle");
    else
        snprintf(head, sizeof(head), "cycle %" PRId64, s->remaining);
    fl_gen__describe1(sb, head, s->cur, depth);
}

static const struct fl_gen_type cycle_type = {
    .name = "cycle",
    .op = cycle_op,
    .commit = cycle_commit,
    .update = cycle_update,
    .clone = cycle_clone,
    .free = cycle_free,
    .describe = cycle_describe,
};

struct fl_gen *
fl_gen_cycle(int64_t n, struct fl_gen *g)
{
    struct cycle_gen *s = fl_xmalloc(sizeof(*s));

    s->remaining = n < 0 ? -1 : n;
    s->original = g;
    s->cur = fl_gen_clone(g);
    return fl_gen_new(&cycle_type, s);
}

/* ---- map, f-map, filter, on-update ---- */

struct wrap_gen {
    struct shared_arg *arg;
    void *fn;
    struct fl_gen *gen;
    struct fl_gen *proposal; /* filter: the advanced clone */
    uint32_t *from, *to;     /* f-map pairs */
    size_t npairs;
};

static void *
wrap_clone(const struct fl_gen *g)
{
    const struct wrap_gen *s = g->ctx;
    struct wrap_gen *c = fl_xcalloc(1, sizeof(*c));

    c->arg = s->arg ? shared_arg_ref(s->arg) : NULL;
    c->fn = s->fn;
    c->gen = fl_gen_clone(s->gen);
    c->npairs = s->npairs;
    if (s->npairs) {
        c->from = fl_xmalloc(s->npairs * sizeof(uint32_t));
        c->to = fl_xmalloc(s->npairs * sizeof(uint32_t));
        memcpy(c->from, s->from, s->npairs * sizeof(uint32_t));
        memcpy(c->to, s->to, s->npairs * sizeof(uint32_t));
    }
    return c;
}

static void
wrap_free(struct fl_gen *g)
{
    struct wrap_gen *s = g->ctx;

    fl_gen_free(s->gen);
    fl_gen_free(s->proposal);
    shared_arg_unref(s->arg);
    free(s->from);
    free(s->to);
    free(s);
}

static void
wrap_describe(const struct fl_gen *g, struct fl_strbuf *sb, int depth)
{
    const struct wrap_gen *s = g->ctx;

    fl_gen__describe1(sb, g->type->name, s->gen, depth);
}

static void
wrap_commit(struct fl_gen *g, const struct fl_gen_ctx *ctx,
            const struct fl_op *op)
{
    struct wrap_gen *s = g->ctx;

    if (s->proposal) {
        fl_gen_free(s->gen);
        s->gen = s->proposal;
        s->proposal = NULL;
    }
    fl_gen_commit(s->gen, ctx, op);
}

static void
wrap_update(struct fl_gen *g, const struct fl_gen_ctx *ctx,
            const struct fl_op *event)
{
    struct wrap_gen *s = g->ctx;

    fl_gen_update(s->gen, ctx, event);
}

static struct fl_gen *
wrap_new(const struct fl_gen_type *type, void *fn, void *arg,
         void (*free_arg)(void *), struct fl_gen *inner)
{
    struct wrap_gen *s = fl_xcalloc(1, sizeof(*s));

    s->fn = fn;
    s->arg = shared_arg_new(arg, free_arg);
    s->gen = inner;
    return fl_gen_new(type, s);
}

static int
map_op(struct fl_gen *g, const struct fl_gen_ctx *ctx, struct fl_op *out)
{
    struct wrap_gen *s = g->ctx;
    int rc = fl_gen_op(s->gen, ctx, out);

    if (rc == FL_GEN_OP)
        ((fl_gen_map_fn *)s->fn)(s->arg->arg, ctx, out);
    return rc;
}

static const struct fl_gen_type map_type = {
    .name = "map",
    .op = map_op,
    .commit = wrap_commit,
    .update = wrap_update,
    .clone = wrap_clone,
    .free = wrap_free,
    .describe = wrap_describe,
};

struct fl_gen *
fl_gen_map(fl_gen_map_fn *fn, void *arg, void (*free_arg)(void *),
           struct fl_gen *g)
{
    return wrap_new(&map_type, (void *)fn, arg, free_arg, g);
}

static uint32_t
f_lookup(const uint32_t *from, const uint32_t *to, size_t n, uint32_t f)
{
    for (size_t i = 0; i < n; i++)
        if (from[i] == f)
            return to[i];
    return f;
}

static int
f_map_op(struct fl_gen *g, const struct fl_gen_ctx *ctx, struct fl_op *out)
{
    struct wrap_gen *s = g->ctx;
    int rc = fl_gen_op(s->gen, ctx, out);

    if (rc == FL_GEN_OP)
        out->f = f_lookup(s->from, s->to, s->npairs, out->f);
    return rc;
}

static void
f_map_update(struct fl_gen *g, const struct fl_gen_ctx *ctx,
             const struct fl_op *event)
{
    struct wrap_gen *s = g->ctx;
    struct fl_op ev = *event;

    ev.f = f_lookup(s->to, s->from, s->npairs, ev.f);
    fl_gen_update(s->gen, ctx, &ev);
}

static const struct fl_gen_type f_map_type = {
    .name = "f-map",
    .op = f_map_op,
    .commit = wrap_commit,
    .update = f_map_update,
    .clone = wrap_clone,
    .free = wrap_free,
    .describe = wrap_describe,
};

struct fl_gen *
fl_gen_f_map(const uint32_t *from, const uint32_t *to, size_t n,
             struct fl_gen *g)
{
    struct wrap_gen *s = fl_xcalloc(1, sizeof(*s));

    s->gen = g;
    s->npairs = n;
    s->from = fl_xmalloc((n ? n : 1) * sizeof(uint32_t));
    s->to = fl_xmalloc((n ? n : 1) * sizeof(uint32_t));
    if (n) {
        memcpy(s->from, from, n * sizeof(uint32_t));
        memcpy(s->to, to, n * sizeof(uint32_t));
    }
    return fl_gen_new(&f_map_type, s);
}

#define FILTER_MAX_DROPS 1000000

static int
filter_op(struct fl_gen *g, const struct fl_gen_ctx *ctx, struct fl_op *out)
{
    struct wrap_gen *s = g->ctx;
    fl_gen_pred_fn *pred = (fl_gen_pred_fn *)s->fn;
    struct fl_gen *c;
    int rc;

    fl_gen_free(s->proposal);
    s->proposal = NULL;
    rc = fl_gen_op(s->gen, ctx, out);
    if (rc != FL_GEN_OP || pred(s->arg->arg, out))
        return rc;
    /*
     * Dropping ops advances the inner generator; do that on a copy, which
     * commit keeps, so a proposal that is not used changes nothing.
     */
    c = fl_gen_clone(s->gen);
    for (long i = 0; i < FILTER_MAX_DROPS; i++) {
        rc = fl_gen_op(c, ctx, out);
        if (rc != FL_GEN_OP) {
            fl_gen_free(c);
            return rc;
        }
        if (pred(s->arg->arg, out)) {
            s->proposal = c;
            return rc;
        }
        fl_gen_commit(c, ctx, out);
    }
    fl_gen_free(c);
    if (ctx->err)
        fl_err_set(ctx->err, FL_EUSAGE, "filter dropped %d ops in a row",
                   FILTER_MAX_DROPS);
    return FL_GEN_ERROR;
}

static const struct fl_gen_type filter_type = {
    .name = "filter",
    .op = filter_op,
    .commit = wrap_commit,
    .update = wrap_update,
    .clone = wrap_clone,
    .free = wrap_free,
    .describe = wrap_describe,
};

struct fl_gen *
fl_gen_filter(fl_gen_pred_fn *pred, void *arg, void (*free_arg)(void *),
              struct fl_gen *g)
{
    return wrap_new(&filter_type, (void *)pred, arg, free_arg, g);
}

static int
pass_op(struct fl_gen *g, const struct fl_gen_ctx *ctx, struct fl_op *out)
{
    struct wrap_gen *s = g->ctx;

    return fl_gen_op(s->gen, ctx, out);
}

static void
on_update_update(struct fl_gen *g, const struct fl_gen_ctx *ctx,
                 const struct fl_op *event)
{
    struct wrap_gen *s = g->ctx;

    ((fl_gen_update_fn *)s->fn)(s->arg->arg, s->gen, ctx, event);
}

static const struct fl_gen_type on_update_type = {
    .name = "on-update",
    .op = pass_op,
    .commit = wrap_commit,
    .update = on_update_update,
    .clone = wrap_clone,
    .free = wrap_free,
    .describe = wrap_describe,
};

struct fl_gen *
fl_gen_on_update(fl_gen_update_fn *fn, void *arg, void (*free_arg)(void *),
                 struct fl_gen *g)
{
    return wrap_new(&on_update_type, (void *)fn, arg, free_arg, g);
}
