/* SPDX-License-Identifier: MIT */
/*
 * schedule.c: schedule.edn (docs/replay.md): its writer, its reader, and
 * the generator that replays it. The file is one EDN map per line: a
 * header, then one entry per decision, in dispatch order.
 */
#include "util/common.h"

#include "run/schedule.h"

#include "history/edn.h"
#include "nemesis/nemesis.h"
#include "run/test.h"
#include "util/err.h"
#include "util/strbuf.h"

#define SCHEDULE_FILE    "schedule.edn"
#define SCHEDULE_VERSION 1
#define SCHEDULE_BUF     (1 << 16)

static const char *const phase_names[] = {
    [FL_SCHEDULE_WORKLOAD] = "workload",
    [FL_SCHEDULE_HEALING] = "healing",
    [FL_SCHEDULE_FINAL] = "final",
};

/* ---- the writer ---- */

/* A decision waiting to be written (its values in the run's history). */
struct rec {
    struct fl_op op;
    int8_t phase;
    bool complete;
    int32_t thread;
};

/*
 * Recording is a copy (the scheduler's hot path); the lines are formatted
 * and written at each flush: the end of every phase, and close.
 */
struct fl_schedule_writer {
    FILE *f;
    char *path;
    struct fl_strbuf sb;
    struct rec *v;
    size_t n, alloc;
    int err; /* first errno of a write, 0 */
};

static void
writer_put(struct fl_schedule_writer *w)
{
    if (fwrite(w->sb.buf, 1, w->sb.len, w->f) != w->sb.len && !w->err)
        w->err = errno ? errno : EIO;
    fl_strbuf_reset(&w->sb);
}

/* s as an EDN string. */
static void
add_str(struct fl_strbuf *sb, const char *s)
{
    fl_val v = {.kind = FL_V_STR, .n = (uint32_t)strlen(s), .u.s = s};

    fl_val_print_edn(sb, &v);
}

struct fl_schedule_writer *
fl_schedule_writer_open(const char *dir, const struct fl_test *t,
                        struct fl_err *err)
{
    struct fl_schedule_writer *w = fl_xcalloc(1, sizeof(*w));

    w->path = fl_xasprintf("%s/" SCHEDULE_FILE, dir);
    w->f = fopen(w->path, "w");
    if (!w->f) {
        fl_err_set(err, -errno, "%s: %s", w->path, strerror(errno));
        free(w->path);
        free(w);
        return NULL;
    }
    setvbuf(w->f, NULL, _IOFBF, SCHEDULE_BUF);
    fl_strbuf_init(&w->sb, 256);
    /* A seed past INT64_MAX (half of the random ones) is an EDN bigint. */
    fl_strbuf_addf(&w->sb,
                   "{:schedule %d, :seed %" PRIu64 "%s, :concurrency %d, "
                   ":test ",
                   SCHEDULE_VERSION, t->seed, t->seed > INT64_MAX ? "N" : "",
                   t->concurrency);
    add_str(&w->sb, t->name ? t->name : "");
    fl_strbuf_addstr(&w->sb, ", :suite ");
    add_str(&w->sb, t->suite ? t->suite->name : "");
    fl_strbuf_addstr(&w->sb, "}\n");
    writer_put(w);
    return w;
}

void
fl_schedule_writer_record(struct fl_schedule_writer *w, int phase, int thread,
                          bool complete, const struct fl_op *op)
{
    bool nem = thread == FL_SCHEDULE_NEMESIS;

    if (!w || (!nem && (complete || op->type != FL_OP_INVOKE)) || phase < 0 ||
        phase > 2)
        return;
    FL_ALLOC_GROW(w->v, w->n + 1, w->alloc);
    w->v[w->n++] = (struct rec){*op, (int8_t)phase, complete, thread};
}

static void
format_rec(struct fl_schedule_writer *w, const struct rec *r)
{
    const struct fl_op *op = &r->op;
    bool nem = r->thread == FL_SCHEDULE_NEMESIS, complete = r->complete;
    int phase = r->phase, thread = r->thread;
    fl_val f = fl_val_kw(op->f);

    fl_strbuf_addstr(&w->sb, "{:phase :");
    fl_strbuf_addstr(&w->sb, phase_names[phase]);
    fl_strbuf_addstr(&w->sb, ", :at ");
    fl_strbuf_add_i64(&w->sb, op->time_ns);
    if (nem) {
        fl_strbuf_addstr(&w->sb, ", :thread :nemesis");
    } else {
        fl_strbuf_addstr(&w->sb, ", :thread ");
        fl_strbuf_add_i64(&w->sb, thread);
        fl_strbuf_addstr(&w->sb, ", :process ");
        fl_strbuf_add_i64(&w->sb, op->process);
    }
    fl_strbuf_addstr(&w->sb,
                     complete ? ", :event :complete" : ", :event :invoke");
    fl_strbuf_addstr(&w->sb, ", :f ");
    fl_val_print_edn(&w->sb, &f);
    fl_strbuf_addstr(&w->sb, ", :value ");
    fl_val_print_edn(&w->sb, &op->value);
    fl_strbuf_addstr(&w->sb, "}\n");
}

void
fl_schedule_writer_flush(struct fl_schedule_writer *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->n; i++) {
        format_rec(w, &w->v[i]);
        if (w->sb.len >= SCHEDULE_BUF)
            writer_put(w);
    }
    w->n = 0;
    writer_put(w);
    if (fflush(w->f) != 0 && !w->err)
        w->err = errno ? errno : EIO;
}

int
fl_schedule_writer_close(struct fl_schedule_writer *w, struct fl_err *err)
{
    int rc = 0;

    if (!w)
        return 0;
    fl_schedule_writer_flush(w);
    free(w->v);
    if (fclose(w->f) != 0 && !w->err)
        w->err = errno ? errno : EIO;
    if (w->err)
        rc = fl_err_set(err, -w->err, "%s: %s", w->path, strerror(w->err));
    fl_strbuf_release(&w->sb);
    free(w->path);
    free(w);
    return rc;
}

/* ---- the reader ---- */

/* m[:key] as an integer in [lo, hi]; false when absent or not one. */
static bool
get_int(const fl_val *m, const char *key, int64_t lo, int64_t hi, int64_t *out)
{
    const fl_val *v = fl_val_map_get_kw(m, fl_kw_intern_cstr(key));

    if (!v || v->kind != FL_V_INT || v->u.i < lo || v->u.i > hi)
        return false;
    *out = v->u.i;
    return true;
}

static bool
is_kw(const fl_val *v, const char *name)
{
    return v && v->kind == FL_V_KW && strcmp(fl_kw_name(v->u.id), name) == 0;
}

/* The header's :seed: an integer, or a bigint up to 2^64-1. */
static bool
seed_of(const fl_val *v, uint64_t *out)
{
    char buf[24], *end;

    if (v && v->kind == FL_V_INT && v->u.i >= 0) {
        *out = (uint64_t)v->u.i;
        return true;
    }
    if (!v || v->kind != FL_V_BIGINT || v->n == 0 || v->n >= sizeof(buf) ||
        v->u.s[0] == '-')
        return false;
    memcpy(buf, v->u.s, v->n);
    buf[v->n] = '\0';
    errno = 0;
    *out = strtoull(buf, &end, 10);
    return errno == 0 && *end == '\0';
}

static int
parse_header(struct fl_schedule *s, const fl_val *m, uint32_t line,
             struct fl_err *err)
{
    int64_t version, conc;
    const fl_val *seed;

    if (m->kind != FL_V_MAP || !get_int(m, "schedule", 0, INT64_MAX, &version))
        return fl_err_set(err, FL_EPARSE,
                          "%s:%u: not a schedule: the first line must be the "
                          "header {:schedule 1 :seed N :concurrency N ...}",
                          s->path, line);
    if (version != SCHEDULE_VERSION)
        return fl_err_set(err, FL_EPARSE,
                          "%s:%u: schedule version %" PRId64
                          " (this faultline reads version %d)",
                          s->path, line, version, SCHEDULE_VERSION);
    seed = fl_val_map_get_kw(m, fl_kw_intern_cstr("seed"));
    if (!seed_of(seed, &s->seed) ||
        !get_int(m, "concurrency", 1, 100000, &conc))
        return fl_err_set(err, FL_EPARSE,
                          "%s:%u: the header needs an integer :seed (0 .. "
                          "2^64-1) and :concurrency >= 1",
                          s->path, line);
    s->concurrency = (int)conc;
    return 0;
}

static int
parse_phase(const fl_val *m)
{
    const fl_val *v = fl_val_map_get_kw(m, fl_kw_intern_cstr("phase"));

    for (int i = 0; i < (int)FL_ARRAY_SIZE(phase_names); i++)
        if (is_kw(v, phase_names[i]))
            return i;
    return -1;
}

static int
parse_entry(struct fl_schedule *s, const fl_val *m, uint32_t line,
            struct fl_err *err)
{
    struct fl_schedule_entry e = {0};
    const fl_val *thread, *event, *f, *value;
    int64_t i;

    if (m->kind != FL_V_MAP)
        return fl_err_set(err, FL_EPARSE, "%s:%u: an entry must be a map",
                          s->path, line);
    e.phase = parse_phase(m);
    if (e.phase < 0)
        return fl_err_set(err, FL_EPARSE,
                          "%s:%u: :phase must be :workload, :healing or :final",
                          s->path, line);
    if (!get_int(m, "at", 0, INT64_MAX, &e.at_ns))
        return fl_err_set(err, FL_EPARSE,
                          "%s:%u: :at must be an integer >= 0 (ns)", s->path,
                          line);
    thread = fl_val_map_get_kw(m, fl_kw_intern_cstr("thread"));
    if (is_kw(thread, "nemesis")) {
        e.thread = FL_SCHEDULE_NEMESIS;
        e.process = FL_PROC_NEMESIS;
    } else if (thread && thread->kind == FL_V_INT && thread->u.i >= 0 &&
               thread->u.i < 100000 &&
               get_int(m, "process", 0, INT32_MAX, &i)) {
        e.thread = (int)thread->u.i;
        e.process = (int32_t)i;
    } else {
        return fl_err_set(err, FL_EPARSE,
                          "%s:%u: :thread must be :nemesis, or a thread number "
                          "with an integer :process",
                          s->path, line);
    }
    event = fl_val_map_get_kw(m, fl_kw_intern_cstr("event"));
    e.complete = is_kw(event, "complete");
    if (!e.complete && !is_kw(event, "invoke"))
        return fl_err_set(err, FL_EPARSE,
                          "%s:%u: :event must be :invoke or :complete", s->path,
                          line);
    f = fl_val_map_get_kw(m, FL_KW_F);
    if (!f || f->kind != FL_V_KW)
        return fl_err_set(err, FL_EPARSE, "%s:%u: :f must be a keyword",
                          s->path, line);
    e.f = f->u.id;
    value = fl_val_map_get_kw(m, FL_KW_VALUE);
    e.value = value ? *value : fl_val_nil();
    FL_ALLOC_GROW(s->e, s->n + 1, s->alloc);
    s->e[s->n++] = e;
    return 0;
}

/*
 * A partition's completion [:isolated {node [nodes it drops from] ...}]
 * as the explicit grudge the partition nemesis takes ("a,b>c;..."), or
 * false when v is not one (or cuts nothing).
 */
static bool
grudge_string(const fl_val *v, struct fl_strbuf *sb)
{
    if (!fl_val_is_seq(v) || v->n != 2 || !is_kw(&v->u.items[0], "isolated") ||
        v->u.items[1].kind != FL_V_MAP)
        return false;
    const fl_val *m = &v->u.items[1];
    for (uint32_t i = 0; i < m->n; i++) {
        const fl_val *dst = &m->u.items[2 * i], *srcs = &m->u.items[2 * i + 1];
        if (dst->kind != FL_V_STR || !fl_val_is_seq(srcs))
            return false;
        if (srcs->n == 0)
            continue;
        if (sb->len)
            fl_strbuf_addch(sb, ';');
        for (uint32_t k = 0; k < srcs->n; k++) {
            if (srcs->u.items[k].kind != FL_V_STR)
                return false;
            fl_strbuf_addstr(sb, k ? "," : "");
            fl_strbuf_addstr(sb, srcs->u.items[k].u.s);
        }
        fl_strbuf_addch(sb, '>');
        fl_strbuf_addstr(sb, dst->u.s);
    }
    return sb->len > 0;
}

/*
 * A kill's, start's, pause's or resume's completion: the nodes it acted
 * on, a vector of names, which those nemeses also take as their target.
 */
static bool
node_list(const struct fl_schedule_entry *c)
{
    static const char *const fs[] = {"kill", "start", "pause", "resume"};
    bool proc = false;

    for (size_t i = 0; i < FL_ARRAY_SIZE(fs); i++)
        proc |= strcmp(fl_kw_name(c->f), fs[i]) == 0;
    if (!proc || c->value.kind != FL_V_VEC || c->value.n == 0)
        return false;
    for (uint32_t i = 0; i < c->value.n; i++)
        if (c->value.u.items[i].kind != FL_V_STR)
            return false;
    return true;
}

/*
 * What a replay asks of the nemesis: the targets its completion recorded
 * where the nemesis takes them (a partition's grudge, the nodes a kill or
 * pause acted on), so that a different random draw cannot change them;
 * else the recorded value.
 */
static void
resolve_targets(struct fl_schedule *s)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;

    for (size_t i = 0; i < s->n; i++) {
        struct fl_schedule_entry *e = &s->e[i];
        e->replay_value = e->value;
        if (e->thread != FL_SCHEDULE_NEMESIS || e->complete)
            continue;
        for (size_t k = i + 1; k < s->n; k++) {
            const struct fl_schedule_entry *c = &s->e[k];
            if (c->thread != FL_SCHEDULE_NEMESIS)
                continue;
            fl_strbuf_reset(&sb);
            if (c->complete && c->f == e->f && grudge_string(&c->value, &sb))
                e->replay_value = fl_val_str(&s->arena, sb.buf, sb.len);
            else if (c->complete && c->f == e->f && node_list(c))
                e->replay_value = c->value;
            break; /* the nemesis runs one op at a time */
        }
    }
    fl_strbuf_release(&sb);
}

/* Is v a header line ({:schedule ...})? */
static bool
is_header(const fl_val *v)
{
    return v->kind == FL_V_MAP &&
           fl_val_map_get_kw(v, fl_kw_intern_cstr("schedule")) != NULL;
}

/*
 * Every line of buf: the header first, then entries (blank lines
 * skipped). Without need_header, a first line that is not a header is
 * the first entry.
 */
static int
parse_lines(struct fl_schedule *s, const char *buf, size_t len,
            bool need_header, struct fl_err *err)
{
    uint32_t line = 0;
    bool first = true;
    int rc = 0;

    for (size_t pos = 0; pos < len && rc == 0;) {
        const char *nl = memchr(buf + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - buf) : len;
        size_t k = pos;
        fl_val v;

        line++;
        while (k < end && (buf[k] == ' ' || buf[k] == '\t' || buf[k] == '\r'))
            k++;
        if (k < end) {
            rc = fl_edn_parse_value_at(&s->arena, buf + pos, end - pos, s->path,
                                       line, &v, err);
            if (rc == 0)
                rc = first && (need_header || is_header(&v))
                         ? parse_header(s, &v, line, err)
                         : parse_entry(s, &v, line, err);
            first = false;
        }
        pos = end + 1;
    }
    if (rc == 0 && first && need_header)
        rc = fl_err_set(err, FL_EPARSE, "%s: empty (no header)", s->path);
    return rc;
}

/* Read path into a new schedule (*out), the header required or not. */
static int
load_file(char *path, bool need_header, struct fl_schedule **out,
          struct fl_err *err)
{
    struct fl_schedule *s = fl_xcalloc(1, sizeof(*s));
    struct fl_strbuf sb = FL_STRBUF_INIT;
    int rc;

    *out = NULL;
    fl_arena_init(&s->arena, 0);
    s->path = path;
    rc = fl_strbuf_read_file(&sb, s->path);
    if (rc < 0)
        rc = fl_err_set(err, FL_EUSAGE, "%s: %s", s->path, strerror(-rc));
    else
        rc = parse_lines(s, sb.buf, sb.len, need_header, err);
    if (rc == 0)
        resolve_targets(s);
    fl_strbuf_release(&sb);
    if (rc < 0) {
        fl_schedule_free(s);
        return err && err->code ? err->code : rc;
    }
    *out = s;
    return 0;
}

int
fl_schedule_load(const char *dir, struct fl_schedule **out, struct fl_err *err)
{
    return load_file(fl_xasprintf("%s/" SCHEDULE_FILE, dir), true, out, err);
}

int
fl_schedule_load_faults(const char *file, struct fl_schedule **out,
                        struct fl_err *err)
{
    int rc = load_file(fl_xstrdup(file), false, out, err);

    if (rc == 0 && fl_schedule_count(*out, FL_SCHEDULE_WORKLOAD, true) == 0) {
        rc = fl_err_set(err, FL_EPARSE,
                        "%s: no fault: it needs lines such as {:phase "
                        ":workload, :at NS, :thread :nemesis, :event :invoke, "
                        ":f :start-partition, :value \"n1|n2,n3\"}",
                        file);
        fl_schedule_free(*out);
        *out = NULL;
    }
    return rc;
}

const struct fl_schedule_entry *
fl_schedule_unhandled(const struct fl_schedule *s, const struct fl_nemesis *n)
{
    for (size_t i = 0; i < s->n; i++) {
        const struct fl_schedule_entry *e = &s->e[i];
        if (e->thread == FL_SCHEDULE_NEMESIS && !e->complete &&
            e->phase == FL_SCHEDULE_WORKLOAD && !fl_nemesis_handles(n, e->f))
            return e;
    }
    return NULL;
}

void
fl_schedule_free(struct fl_schedule *s)
{
    if (!s)
        return;
    free(s->e);
    free(s->path);
    fl_arena_release(&s->arena);
    free(s);
}

size_t
fl_schedule_count(const struct fl_schedule *s, int phase, bool nemesis)
{
    size_t n = 0;

    for (size_t i = 0; s && i < s->n; i++)
        n += s->e[i].phase == phase && !s->e[i].complete &&
             (s->e[i].thread == FL_SCHEDULE_NEMESIS) == nemesis;
    return n;
}

/* ---- the replay generator ---- */

/* Which entries each thread replays, in order (shared by clones). */
struct replay_plan {
    const struct fl_schedule *s;
    int nthreads; /* concurrency + 1; the last is the nemesis */
    size_t **q;   /* q[t]: entry indices */
    size_t *qn;
    int refs;
};

struct replay_gen {
    struct replay_plan *plan;
    size_t *cur; /* next entry of each thread */
};

static void
plan_unref(struct replay_plan *p)
{
    if (--p->refs > 0)
        return;
    for (int t = 0; t < p->nthreads; t++)
        free(p->q[t]);
    free(p->q);
    free(p->qn);
    free(p);
}

static int
replay_op(struct fl_gen *g, const struct fl_gen_ctx *ctx, struct fl_op *out)
{
    struct replay_gen *r = g->ctx;
    const struct replay_plan *p = r->plan;
    int best = -1, n = FL_MIN(p->nthreads, ctx->nthreads);
    bool any = false;
    const struct fl_schedule_entry *e = NULL;

    for (int t = 0; t < n; t++) {
        /* The plan's last thread is the nemesis: ctx's thread c. */
        int ct = t == p->nthreads - 1 ? ctx->concurrency : t;
        if (r->cur[t] >= p->qn[t])
            continue;
        any = true;
        if (!fl_gen_ctx_thread_free(ctx, ct))
            continue;
        const struct fl_schedule_entry *c = &p->s->e[p->q[t][r->cur[t]]];
        if (!e || c->at_ns < e->at_ns) {
            e = c;
            best = t;
        }
    }
    if (!any)
        return FL_GEN_EXHAUSTED;
    if (best < 0)
        return FL_GEN_PENDING;
    *out = fl_gen_template(e->f, fl_val_copy(ctx->arena, &e->replay_value));
    out->process = fl_gen_ctx_process_of(
        ctx, best == p->nthreads - 1 ? ctx->concurrency : best);
    out->time_ns = e->at_ns;
    return FL_GEN_OP;
}

static void
replay_commit(struct fl_gen *g, const struct fl_gen_ctx *ctx,
              const struct fl_op *op)
{
    struct replay_gen *r = g->ctx;
    int t = fl_gen_ctx_thread_of(ctx, op->process);

    if (t == ctx->concurrency)
        t = r->plan->nthreads - 1;
    if (t >= 0 && t < r->plan->nthreads && r->cur[t] < r->plan->qn[t])
        r->cur[t]++;
}

static void *
replay_clone(const struct fl_gen *g)
{
    const struct replay_gen *r = g->ctx;
    struct replay_gen *c = fl_xmalloc(sizeof(*c));

    c->plan = r->plan;
    c->plan->refs++;
    c->cur = fl_xmalloc((size_t)r->plan->nthreads * sizeof(size_t));
    memcpy(c->cur, r->cur, (size_t)r->plan->nthreads * sizeof(size_t));
    return c;
}

static void
replay_free(struct fl_gen *g)
{
    struct replay_gen *r = g->ctx;

    plan_unref(r->plan);
    free(r->cur);
    free(r);
}

static void
replay_describe(const struct fl_gen *g, struct fl_strbuf *sb, int depth)
{
    const struct replay_gen *r = g->ctx;

    FL_UNUSED(depth);
    fl_strbuf_addf(sb, "(replay %s)", r->plan->s->path);
}

static const struct fl_gen_type replay_type = {
    .name = "replay",
    .op = replay_op,
    .commit = replay_commit,
    .update = fl_gen_update_ignore,
    .clone = replay_clone,
    .free = replay_free,
    .describe = replay_describe,
};

static struct fl_gen *
schedule_gen(const struct fl_schedule *s, int phase, int concurrency,
             bool faults_only)
{
    struct replay_plan *p = fl_xcalloc(1, sizeof(*p));
    struct replay_gen *r = fl_xcalloc(1, sizeof(*r));
    size_t *alloc;

    p->s = s;
    p->refs = 1;
    p->nthreads = concurrency + 1;
    p->q = fl_xcalloc((size_t)p->nthreads, sizeof(size_t *));
    p->qn = fl_xcalloc((size_t)p->nthreads, sizeof(size_t));
    alloc = fl_xcalloc((size_t)p->nthreads, sizeof(size_t));
    for (size_t i = 0; i < s->n; i++) {
        const struct fl_schedule_entry *e = &s->e[i];
        if (e->phase != phase || e->complete ||
            (faults_only && e->thread != FL_SCHEDULE_NEMESIS))
            continue;
        int t = e->thread == FL_SCHEDULE_NEMESIS ? concurrency
                                                 : e->thread % concurrency;
        FL_ALLOC_GROW(p->q[t], p->qn[t] + 1, alloc[t]);
        p->q[t][p->qn[t]++] = i;
    }
    free(alloc);
    r->plan = p;
    r->cur = fl_xcalloc((size_t)p->nthreads, sizeof(size_t));
    return fl_gen_new(&replay_type, r);
}

struct fl_gen *
fl_schedule_gen(const struct fl_schedule *s, int phase, int concurrency)
{
    return schedule_gen(s, phase, concurrency, false);
}

struct fl_gen *
fl_schedule_fault_gen(const struct fl_schedule *s, int concurrency)
{
    return schedule_gen(s, FL_SCHEDULE_WORKLOAD, concurrency, true);
}
