/* SPDX-License-Identifier: MIT */
/*
 * gen_debug.c: the generators that help people write generators, from
 * jepsen.generator (reference/jepsen.md §2.4): friendly-exceptions (a
 * failure names the generator and the context it failed in), trace (every
 * call logged), note-exhausted (when a generator ran out), and cache (an
 * expensive op reused for a while when it was proposed but not used). Also
 * fl_gen_ctx_describe(). None of them changes the schedule of the generator it
 * wraps, except cache, which changes only which value an op carries, never when
 * ops happen.
 */
#include "util/common.h"

#include "gen/gen.h"
#include "gen/gen_int.h"

#include "util/err.h"
#include "util/log.h"
#include "util/strbuf.h"

#define DESCRIBE_DEPTH   8  /* generator levels shown in messages */
#define DESCRIBE_THREADS 16 /* threads listed in a context description */

void
fl_gen_ctx_describe(const struct fl_gen_ctx *ctx, struct fl_strbuf *sb)
{
    int shown = 0;

    fl_strbuf_addf(sb,
                   "time %" PRId64 " ns, %d of %d threads free:", ctx->time_ns,
                   fl_gen_ctx_free_count(ctx), fl_gen_ctx_all_count(ctx));
    for (int t = 0; t < ctx->nthreads; t++) {
        if (!fl_gen_bit(ctx->all, t))
            continue;
        if (shown++ == DESCRIBE_THREADS) {
            fl_strbuf_addstr(sb, " ...");
            break;
        }
        bool free_ = fl_gen_bit(ctx->free, t);
        if (t == ctx->concurrency)
            fl_strbuf_addstr(sb, " nemesis");
        else
            fl_strbuf_addf(sb, " %d=p%" PRId32, t, ctx->thread_proc[t]);
        if (!free_)
            fl_strbuf_addstr(sb, "(busy)");
    }
}

/* "invoke p0 :read nil @10" for ops and events. */
static void
describe_op(struct fl_strbuf *sb, const struct fl_op *op)
{
    if (op->type == FL_GEN_OP_SLEEP)
        fl_strbuf_addstr(sb, "sleep");
    else if (op->type == FL_GEN_OP_LOG)
        fl_strbuf_addstr(sb, "log");
    else
        fl_strbuf_addstr(sb, fl_op_type_name((enum fl_op_type)op->type));
    if (op->process == FL_PROC_NEMESIS)
        fl_strbuf_addstr(sb, " nemesis");
    else if (op->process == FL_GEN_PROC_ANY)
        fl_strbuf_addstr(sb, " p?");
    else
        fl_strbuf_addf(sb, " p%" PRId32, op->process);
    fl_strbuf_addf(sb, " :%s ", fl_kw_name(op->f));
    fl_val_print_edn(sb, &op->value);
    if (op->time_ns == FL_GEN_TIME_NOW)
        fl_strbuf_addstr(sb, " @now");
    else
        fl_strbuf_addf(sb, " @%" PRId64, op->time_ns);
}

/* ---- friendly-exceptions ---- */

struct friendly {
    struct fl_gen *gen;
    int code;  /* an update's failure, reported by the next op; 0 = none */
    char *msg; /* its message (owned) */
};

/*
 * Rewrite err as "<what>: <original>; generator <g>; context <ctx>",
 * keeping its code, and log the whole text when it does not fit.
 */
static void
friendly_report(struct fl_err *err, int code, const char *orig,
                const char *what, const struct fl_gen *g,
                const struct fl_gen_ctx *ctx)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;

    fl_strbuf_addf(&sb, "%s: %s; generator ", what, orig);
    fl_gen_describe(g, &sb, DESCRIBE_DEPTH);
    fl_strbuf_addstr(&sb, "; context ");
    fl_gen_ctx_describe(ctx, &sb);
    fl_err_set(err, code ? code : FL_EUSAGE, "%s", sb.buf);
    if (sb.len >= sizeof(err->msg))
        fl_error("%s", sb.buf);
    fl_strbuf_release(&sb);
}

static int
friendly_op(struct fl_gen *g, const struct fl_gen_ctx *ctx, struct fl_op *out)
{
    struct friendly *s = g->ctx;
    int rc;

    if (s->code) {
        if (ctx->err)
            fl_err_set(ctx->err, s->code, "%s", s->msg);
        return FL_GEN_ERROR;
    }
    rc = fl_gen_op(s->gen, ctx, out);
    if (rc != FL_GEN_ERROR || !ctx->err)
        return rc;
    /* Copy: the message is rewritten in place. */
    char orig[sizeof(ctx->err->msg)];
    snprintf(orig, sizeof(orig), "%s",
             ctx->err->msg[0] ? ctx->err->msg : "(no message)");
    friendly_report(ctx->err, ctx->err->code, orig,
                    "generator threw when asked for an op", s->gen, ctx);
    return rc;
}

static void
friendly_commit(struct fl_gen *g, const struct fl_gen_ctx *ctx,
                const struct fl_op *op)
{
    struct friendly *s = g->ctx;

    fl_gen_commit(s->gen, ctx, op);
}

static void
friendly_update(struct fl_gen *g, const struct fl_gen_ctx *ctx,
                const struct fl_op *event)
{
    struct friendly *s = g->ctx;
    struct fl_err saved = FL_ERR_INIT, failed;

    if (!ctx->err) {
        fl_gen_update(s->gen, ctx, event);
        return;
    }
    /* The common case, a clear ctx->err, costs no copies. */
    bool stale = ctx->err->code != 0;
    if (stale) {
        saved = *ctx->err;
        fl_err_clear(ctx->err);
    }
    fl_gen_update(s->gen, ctx, event);
    if (!ctx->err->code) {
        if (stale)
            *ctx->err = saved;
        return;
    }
    failed = *ctx->err;
    *ctx->err = saved; /* the caller's error, or clear */
    if (s->code)
        return; /* an earlier failure is still to be reported */
    struct fl_strbuf what = FL_STRBUF_INIT;
    struct fl_err e = FL_ERR_INIT;
    fl_strbuf_addstr(&what, "generator threw when updated with ");
    describe_op(&what, event);
    friendly_report(&e, failed.code, failed.msg, what.buf, s->gen, ctx);
    s->code = e.code;
    s->msg = fl_xstrdup(e.msg);
    fl_strbuf_release(&what);
}

static void *
friendly_clone(const struct fl_gen *g)
{
    const struct friendly *s = g->ctx;
    struct friendly *c = fl_xcalloc(1, sizeof(*c));

    c->gen = fl_gen_clone(s->gen);
    c->code = s->code;
    c->msg = s->msg ? fl_xstrdup(s->msg) : NULL;
    return c;
}

static void
friendly_free(struct fl_gen *g)
{
    struct friendly *s = g->ctx;

    fl_gen_free(s->gen);
    free(s->msg);
    free(s);
}

static void
friendly_describe(const struct fl_gen *g, struct fl_strbuf *sb, int depth)
{
    const struct friendly *s = g->ctx;

    fl_gen__describe1(sb, "friendly-exceptions", s->gen, depth);
}

static const struct fl_gen_type friendly_type = {
    .name = "friendly-exceptions",
    .op = friendly_op,
    .commit = friendly_commit,
    .update = friendly_update,
    .clone = friendly_clone,
    .free = friendly_free,
    .describe = friendly_describe,
};

struct fl_gen *
fl_gen_friendly_exceptions(struct fl_gen *g)
{
    struct friendly *s = fl_xcalloc(1, sizeof(*s));

    s->gen = g;
    return fl_gen_new(&friendly_type, s);
}

/* ---- note-exhausted ---- */

struct note_exhausted {
    struct fl_gen *gen;
    int64_t *at_ns; /* borrowed */
};

static int
note_op(struct fl_gen *g, const struct fl_gen_ctx *ctx, struct fl_op *out)
{
    struct note_exhausted *s = g->ctx;
    int rc = fl_gen_op(s->gen, ctx, out);

    if (rc == FL_GEN_EXHAUSTED && *s->at_ns < 0)
        *s->at_ns = ctx->time_ns;
    return rc;
}

static void
note_commit(struct fl_gen *g, const struct fl_gen_ctx *ctx,
            const struct fl_op *op)
{
    struct note_exhausted *s = g->ctx;

    fl_gen_commit(s->gen, ctx, op);
}

static void
note_update(struct fl_gen *g, const struct fl_gen_ctx *ctx,
            const struct fl_op *event)
{
    struct note_exhausted *s = g->ctx;

    fl_gen_update(s->gen, ctx, event);
}

static void *
note_clone(const struct fl_gen *g)
{
    const struct note_exhausted *s = g->ctx;
    struct note_exhausted *c = fl_xmalloc(sizeof(*c));

    c->gen = fl_gen_clone(s->gen);
    c->at_ns = s->at_ns;
    return c;
}

static void
note_free(struct fl_gen *g)
{
    struct note_exhausted *s = g->ctx;

    fl_gen_free(s->gen);
    free(s);
}

static void
note_describe(const struct fl_gen *g, struct fl_strbuf *sb, int depth)
{
    const struct note_exhausted *s = g->ctx;

    fl_gen__describe_list(sb, "note-exhausted", (struct fl_gen *const *)&s->gen,
                          1, depth);
}

static const struct fl_gen_type note_type = {
    .name = "note-exhausted",
    .op = note_op,
    .commit = note_commit,
    .update = note_update,
    .clone = note_clone,
    .free = note_free,
    .describe = note_describe,
};

struct fl_gen *
fl_gen_note_exhausted(int64_t *at_ns, struct fl_gen *g)
{
    struct note_exhausted *s = fl_xcalloc(1, sizeof(*s));

    s->gen = g;
    s->at_ns = at_ns;
    return fl_gen_new(&note_type, s);
}

/* ---- trace ---- */

struct trace_sink {
    char *name;
    fl_gen_trace_fn *fn;
    void *arg;
    void (*free_arg)(void *);
    int refs; /* shared between clones */
};

struct trace {
    struct trace_sink *sink;
    struct fl_gen *gen;
};

static void
trace_log(void *arg, const char *line)
{
    FL_UNUSED(arg);
    fl_info("%s", line);
}

/* "<name> <call> <context> -> <what>", sent to the sink. */
static void
trace_emit(struct trace *s, const char *call, const struct fl_gen_ctx *ctx,
           struct fl_strbuf *what)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;

    fl_strbuf_addf(&sb, "%s %s [", s->sink->name, call);
    fl_gen_ctx_describe(ctx, &sb);
    fl_strbuf_addf(&sb, "] %s", what->buf);
    s->sink->fn(s->sink->arg, sb.buf);
    fl_strbuf_release(&sb);
}

static int
trace_op(struct fl_gen *g, const struct fl_gen_ctx *ctx, struct fl_op *out)
{
    struct trace *s = g->ctx;
    struct fl_strbuf what = FL_STRBUF_INIT;
    int rc = fl_gen_op(s->gen, ctx, out);

    fl_strbuf_addstr(&what, "-> ");
    switch (rc) {
    case FL_GEN_OP:
        describe_op(&what, out);
        break;
    case FL_GEN_PENDING:
        fl_strbuf_addstr(&what, "pending");
        break;
    case FL_GEN_EXHAUSTED:
        fl_strbuf_addstr(&what, "exhausted");
        break;
    default:
        fl_strbuf_addf(&what, "threw: %s",
                       ctx->err && ctx->err->msg[0] ? ctx->err->msg
                                                    : "(no message)");
        break;
    }
    trace_emit(s, "op", ctx, &what);
    fl_strbuf_release(&what);
    return rc;
}

static void
trace_commit(struct fl_gen *g, const struct fl_gen_ctx *ctx,
             const struct fl_op *op)
{
    struct trace *s = g->ctx;
    struct fl_strbuf what = FL_STRBUF_INIT;

    describe_op(&what, op);
    trace_emit(s, "commit", ctx, &what);
    fl_strbuf_release(&what);
    fl_gen_commit(s->gen, ctx, op);
}

static void
trace_update(struct fl_gen *g, const struct fl_gen_ctx *ctx,
             const struct fl_op *event)
{
    struct trace *s = g->ctx;
    struct fl_strbuf what = FL_STRBUF_INIT;

    describe_op(&what, event);
    trace_emit(s, "update", ctx, &what);
    fl_strbuf_release(&what);
    fl_gen_update(s->gen, ctx, event);
}

static void *
trace_clone(const struct fl_gen *g)
{
    const struct trace *s = g->ctx;
    struct trace *c = fl_xmalloc(sizeof(*c));

    c->sink = s->sink;
    c->sink->refs++;
    c->gen = fl_gen_clone(s->gen);
    return c;
}

static void
trace_free(struct fl_gen *g)
{
    struct trace *s = g->ctx;

    if (--s->sink->refs == 0) {
        if (s->sink->free_arg)
            s->sink->free_arg(s->sink->arg);
        free(s->sink->name);
        free(s->sink);
    }
    fl_gen_free(s->gen);
    free(s);
}

static void
trace_describe(const struct fl_gen *g, struct fl_strbuf *sb, int depth)
{
    const struct trace *s = g->ctx;
    struct fl_strbuf head = FL_STRBUF_INIT;

    fl_strbuf_addf(&head, "trace %s", s->sink->name);
    fl_gen__describe1(sb, head.buf, s->gen, depth);
    fl_strbuf_release(&head);
}

static const struct fl_gen_type trace_type = {
    .name = "trace",
    .op = trace_op,
    .commit = trace_commit,
    .update = trace_update,
    .clone = trace_clone,
    .free = trace_free,
    .describe = trace_describe,
};

struct fl_gen *
fl_gen_trace_to(const char *name, fl_gen_trace_fn *sink, void *arg,
                void (*free_arg)(void *), struct fl_gen *g)
{
    struct trace *s = fl_xmalloc(sizeof(*s));

    s->sink = fl_xcalloc(1, sizeof(*s->sink));
    s->sink->name = fl_xstrdup(name ? name : "trace");
    s->sink->fn = sink;
    s->sink->arg = arg;
    s->sink->free_arg = free_arg;
    s->sink->refs = 1;
    s->gen = g;
    return fl_gen_new(&trace_type, s);
}

struct fl_gen *
fl_gen_trace(const char *name, struct fl_gen *g)
{
    return fl_gen_trace_to(name, trace_log, NULL, NULL, g);
}

/* ---- cache ---- */

/*
 * Jepsen keeps [op gen'] and proposes op again until it expires. Here the
 * state after op is a clone of gen that was asked for op and committed
 * right away (so gen's op/commit contract holds); gen itself stays as it
 * was, so an op that expires unused is not lost: gen is simply asked
 * again.
 */
struct cache {
    int64_t period_ns;
    struct fl_gen *gen;  /* committed state */
    struct fl_gen *next; /* gen advanced past op; NULL = nothing cached */
    struct fl_op op;     /* the cached op, as gen proposed it */
    int64_t at_ns;       /* ctx time when op was computed */
};

static void
cache_drop(struct cache *s)
{
    fl_gen_free(s->next);
    s->next = NULL;
}

static int
cache_op(struct fl_gen *g, const struct fl_gen_ctx *ctx, struct fl_op *out)
{
    struct cache *s = g->ctx;
    int rc;

    if (s->next && ctx->time_ns - s->at_ns < s->period_ns) {
        int32_t p = fl_gen_ctx_some_free_process(ctx);
        if (p == FL_GEN_PROC_ANY)
            return FL_GEN_PENDING;
        *out = s->op;
        out->process = p;
        if (out->time_ns <= s->at_ns || out->time_ns < ctx->time_ns)
            out->time_ns = ctx->time_ns;
        return FL_GEN_OP;
    }
    cache_drop(s);
    struct fl_gen *c = fl_gen_clone(s->gen);
    rc = fl_gen_op(c, ctx, out);
    if (rc != FL_GEN_OP) {
        fl_gen_free(c);
        /* Let gen drop what is exhausted too (it stays exhausted). */
        if (rc == FL_GEN_EXHAUSTED) {
            fl_gen_free(s->gen);
            s->gen = NULL;
        }
        return rc;
    }
    fl_gen_commit(c, ctx, out);
    s->next = c;
    s->op = *out;
    s->at_ns = ctx->time_ns;
    return rc;
}

static void
cache_commit(struct fl_gen *g, const struct fl_gen_ctx *ctx,
             const struct fl_op *op)
{
    struct cache *s = g->ctx;

    FL_UNUSED(ctx);
    FL_UNUSED(op);
    if (!s->next)
        return;
    fl_gen_free(s->gen);
    s->gen = s->next;
    s->next = NULL;
}

static void
cache_update(struct fl_gen *g, const struct fl_gen_ctx *ctx,
             const struct fl_op *event)
{
    struct cache *s = g->ctx;

    /* Both states see every event: either may become the current one. */
    fl_gen_update(s->gen, ctx, event);
    fl_gen_update(s->next, ctx, event);
}

static void *
cache_clone(const struct fl_gen *g)
{
    const struct cache *s = g->ctx;
    struct cache *c = fl_xmalloc(sizeof(*c));

    *c = *s;
    c->gen = fl_gen_clone(s->gen);
    c->next = fl_gen_clone(s->next);
    return c;
}

static void
cache_free(struct fl_gen *g)
{
    struct cache *s = g->ctx;

    fl_gen_free(s->gen);
    fl_gen_free(s->next);
    free(s);
}

static void
cache_describe(const struct fl_gen *g, struct fl_strbuf *sb, int depth)
{
    const struct cache *s = g->ctx;
    struct fl_strbuf head = FL_STRBUF_INIT;

    fl_strbuf_addstr(&head, "cache ");
    fl_gen__describe_dt(&head, s->period_ns);
    fl_gen__describe1(sb, head.buf, s->gen, depth);
    fl_strbuf_release(&head);
}

static const struct fl_gen_type cache_type = {
    .name = "cache",
    .op = cache_op,
    .commit = cache_commit,
    .update = cache_update,
    .clone = cache_clone,
    .free = cache_free,
    .describe = cache_describe,
};

struct fl_gen *
fl_gen_cache(int64_t period_ns, struct fl_gen *g)
{
    struct cache *s = fl_xcalloc(1, sizeof(*s));

    s->period_ns = period_ns < 0 ? 0 : period_ns;
    s->gen = g;
    return fl_gen_new(&cache_type, s);
}
