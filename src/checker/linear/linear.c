/* SPDX-License-Identifier: MIT */
/*
 * linear.c: the linearizability checker's driver. It pairs invocations with
 * completions (Knossos's preprocessing, checkers.md 1.2: :fail ops dropped,
 * :info and open invocations crashed, nemesis ops ignored), splits the
 * history into partitions by independent key and, where the model is a
 * product of per-element objects, by element (Horn & Kroening's
 * P-compositionality: the whole is linearizable iff every part is), runs
 * the searches of wgl.c on a pool of threads, largest partition first, and
 * assembles the result map.
 */
#include "util/common.h"

#include "checker/linear/linear.h"

#include "checker/chk_int.h"
#include "checker/linear/linear_int.h"
#include "util/arena.h"
#include "util/err.h"
#include "util/map.h"
#include "util/strbuf.h"

#include <pthread.h>
#include <unistd.h>

static fl_val
kw(const char *name)
{
    return fl_val_kw(fl_kw_intern_cstr(name));
}

fl_val
fl_lin__op_val(const struct fl_hist *h, uint32_t pos, struct fl_arena *a)
{
    const struct fl_op *op = &h->ops[pos];
    fl_val m[14];
    size_t n = 0;
    m[n++] = fl_val_kw(FL_KW_PROCESS);
    if (op->process == FL_PROC_NEMESIS)
        m[n++] = fl_val_kw(FL_KW_NEMESIS);
    else if (FL_PROC_IS_KW(op->process))
        m[n++] = fl_val_kw(FL_PROC_KW_ID(op->process));
    else
        m[n++] = fl_val_int(op->process);
    m[n++] = fl_val_kw(FL_KW_TYPE);
    m[n++] = kw(fl_op_type_name(op->type));
    m[n++] = fl_val_kw(FL_KW_F);
    m[n++] = op->f ? fl_val_kw(op->f) : fl_val_nil();
    m[n++] = fl_val_kw(FL_KW_VALUE);
    m[n++] = op->value;
    m[n++] = fl_val_kw(FL_KW_INDEX);
    m[n++] = fl_val_int(op->index);
    if (op->time_ns >= 0) {
        m[n++] = fl_val_kw(FL_KW_TIME);
        m[n++] = fl_val_int(op->time_ns);
    }
    const fl_val *e = fl_op_error(op);
    if (e) {
        m[n++] = fl_val_kw(FL_KW_ERROR);
        m[n++] = *e;
    }
    return fl_val_map(a, m, n / 2);
}

/* ---- preprocessing ---- */

FL_VEC(part_vec, struct fl_lin_part);

/* Groups of fl_vals by equality: value -> group number. */
struct groups {
    struct fl_map by_int;  /* integer value -> group + 1 (fast path) */
    struct fl_map by_hash; /* hash -> first group + 1 */
    struct fl_lin_u32s chain;
    struct {
        const fl_val **v;
        size_t n, alloc;
    } vals;
};

static uint32_t
group_of(struct groups *g, const fl_val *v)
{
    if (v->kind == FL_V_INT) {
        uint64_t *gi = fl_map_get(&g->by_int, (uint64_t)v->u.i);
        if (gi)
            return (uint32_t)*gi - 1;
        uint32_t id = (uint32_t)g->vals.n;
        FL_VEC_PUSH(&g->vals, v);
        FL_VEC_PUSH(&g->chain, 0);
        fl_map_put(&g->by_int, (uint64_t)v->u.i, id + 1);
        return id;
    }
    uint64_t hsh = fl_val_hash(v);
    uint64_t *slot = fl_map_get(&g->by_hash, hsh);
    if (slot) {
        for (uint32_t i = (uint32_t)*slot; i; i = g->chain.v[i - 1])
            if (fl_val_equal(g->vals.v[i - 1], v))
                return i - 1;
    }
    uint32_t id = (uint32_t)g->vals.n;
    FL_VEC_PUSH(&g->vals, v);
    FL_VEC_PUSH(&g->chain, slot ? (uint32_t)*slot : 0);
    fl_map_put(&g->by_hash, hsh, id + 1);
    return id;
}

static void
groups_release(struct groups *g)
{
    fl_map_release(&g->by_int);
    fl_map_release(&g->by_hash);
    FL_VEC_RELEASE(&g->chain);
    FL_VEC_RELEASE(&g->vals);
}

static int
where(const struct fl_hist *h, size_t i, char *buf, size_t n)
{
    if (h->lines)
        return snprintf(buf, n, "%s:%u: op :index %" PRId64,
                        h->name ? h->name : "history", h->lines[i],
                        h->ops[i].index);
    return snprintf(buf, n, "%s: op :index %" PRId64,
                    h->name ? h->name : "history", h->ops[i].index);
}

/* Grow a table of open invocations (new slots none) to cover slot i. */
static uint32_t *
dense_cover(uint32_t *d, size_t *n, size_t i, size_t limit)
{
    size_t want = *n ? 2 * *n : 64;

    if (want <= i)
        want = i + 1;
    if (want > limit)
        want = limit;
    d = fl_xrealloc(d, want * sizeof(*d));
    for (size_t k = *n; k < want; k++)
        d[k] = FL_LIN_NEVER;
    *n = want;
    return d;
}

/*
 * Pair ops and collect them (invocation order) with the model's values;
 * when independent, keyof gets each op's key group (numbered in order of
 * first appearance), found while the tuple is in cache.
 */
static int
collect(const struct fl_hist *h, bool independent, struct fl_lin_ops *out,
        struct fl_lin_u32s *keyof, struct groups *keys, struct fl_err *err)
{
    struct fl_map open;
    char at[160];
    int rc = 0;
    /* open invocation per process: a dense table (grown as ids come,
     * no pass over the history first) for ids below dlimit, else a map */
    size_t dlimit = 4 * h->n + 1024, ndense = 0;
    uint32_t *dense = NULL;
    fl_map_init(&open);
    uint64_t dslot;
    if (h->n >= FL_LIN_NEVER) {
        rc = fl_err_set(err, FL_ELIMIT, "history too long (%zu ops)", h->n);
        goto out;
    }
    FL_VEC_RESERVE(out, h->n / 2 + 1);
    if (independent)
        FL_VEC_RESERVE(keyof, h->n / 2 + 1);
    for (size_t i = 0; i < h->n; i++) {
        const struct fl_op *op = &h->ops[i];
        if (!fl_op_is_client(op))
            continue;
        uint64_t pk = (uint32_t)op->process;
        uint64_t *slot;
        if (pk >= ndense && pk < dlimit)
            dense = dense_cover(dense, &ndense, (size_t)pk, dlimit);
        if (pk < ndense) {
            dslot = dense[pk];
            slot = dslot == FL_LIN_NEVER ? NULL : &dslot;
        } else {
            slot = fl_map_get(&open, pk);
        }
        if (op->type == FL_OP_INVOKE) {
            if (slot) {
                where(h, i, at, sizeof(at));
                rc = fl_err_set(err, FL_EPARSE,
                                "%s: process %d invoked again while its op "
                                ":index %" PRId64 " is still open",
                                at, op->process,
                                h->ops[out->v[*slot].inv].index);
                goto out;
            }
            struct fl_lin_op lo = {(uint32_t)i, FL_LIN_NEVER, FL_LIN_NEVER,
                                   op->f,       true,         &op->value};
            FL_VEC_PUSH(out, lo);
            if (pk < ndense)
                dense[pk] = (uint32_t)(out->n - 1);
            else
                fl_map_put(&open, pk, out->n - 1);
            continue;
        }
        if (!slot) {
            if (op->type == FL_OP_INFO)
                continue; /* Knossos leniency: a stray :info */
            where(h, i, at, sizeof(at));
            rc = fl_err_set(err, FL_EPARSE,
                            "%s: :%s completion of process %d has no "
                            "invocation",
                            at, fl_op_type_name(op->type), op->process);
            goto out;
        }
        struct fl_lin_op *lo = &out->v[*slot];
        if (pk < ndense)
            dense[pk] = FL_LIN_NEVER;
        else
            fl_map_del(&open, pk);
        lo->comp = (uint32_t)i;
        if (op->type == FL_OP_FAIL) {
            lo->inv = FL_LIN_NEVER; /* dropped below */
        } else if (op->type == FL_OP_OK) {
            lo->crashed = false;
            lo->ret = (uint32_t)i;
            if (!fl_val_is_nil(&op->value))
                lo->value = &op->value;
        }
    }
    /* Drop failed ops; split tuples. */
    size_t k = 0;
    for (size_t i = 0; i < out->n; i++) {
        struct fl_lin_op lo = out->v[i];
        if (lo.inv == FL_LIN_NEVER)
            continue;
        if (independent) {
            const fl_val *inv = &h->ops[lo.inv].value;
            if (!fl_val_is_seq(inv) || inv->n != 2) {
                where(h, lo.inv, at, sizeof(at));
                rc = fl_err_set(err, FL_EPARSE,
                                "%s: --independent needs [key value] "
                                "tuple values",
                                at);
                goto out;
            }
            FL_VEC_PUSH(keyof, group_of(keys, &inv->u.items[0]));
            const fl_val *v = lo.value;
            if (fl_val_is_seq(v) && v->n == 2)
                lo.value = &v->u.items[1];
            else
                lo.value = &inv->u.items[1];
        }
        out->v[k++] = lo;
    }
    out->n = k;
out:
    free(dense);
    fl_map_release(&open);
    return rc;
}

static void
split(const struct fl_model_type *mt, const struct fl_lin_ops *ops,
      const struct fl_lin_u32s *keyof, const struct groups *keys,
      bool independent, struct part_vec *parts)
{
    struct part_vec bykey = {0};
    for (size_t i = 0; i < ops->n; i++) {
        uint32_t g = independent ? keyof->v[i] : 0;
        while (bykey.n <= g) {
            const fl_val *key = independent ? keys->vals.v[bykey.n] : NULL;
            struct fl_lin_part p = {key, NULL, {0}};
            FL_VEC_PUSH(&bykey, p);
        }
        FL_VEC_PUSH(&bykey.v[g].ops, ops->v[i]);
    }
    for (size_t g = 0; g < bykey.n; g++) {
        struct fl_lin_part *p = &bykey.v[g];
        bool can = p->ops.n > 1;
        for (size_t i = 0; can && i < p->ops.n; i++)
            can = mt->element(p->ops.v[i].f, p->ops.v[i].value) != NULL;
        if (!can) {
            FL_VEC_PUSH(parts, *p);
            continue;
        }
        struct groups els = {0};
        size_t base = parts->n;
        fl_map_init(&els.by_hash);
        fl_map_init(&els.by_int);
        for (size_t i = 0; i < p->ops.n; i++) {
            const fl_val *el = mt->element(p->ops.v[i].f, p->ops.v[i].value);
            uint32_t e = group_of(&els, el);
            while (parts->n <= base + e) {
                struct fl_lin_part np = {p->key, el, {0}};
                FL_VEC_PUSH(parts, np);
            }
            FL_VEC_PUSH(&parts->v[base + e].ops, p->ops.v[i]);
        }
        groups_release(&els);
        FL_VEC_RELEASE(&p->ops);
    }
    FL_VEC_RELEASE(&bykey);
}

/* ---- running the searches ---- */

/*
 * The partitions are ordered by an estimate of their cost, cheapest first.
 * One thread takes them from the expensive end and the others from the
 * cheap end, until the two meet: the cheap keys are all searched early (so
 * an invalid one, which decides the verdict, is found in milliseconds
 * even next to a hard key), while the most expensive one starts at once
 * and does not hold up the end of a valid check. Unless o->all_keys, the
 * first invalid partition stops every other search (lim.stop): they are
 * reported :unknown :cause :not-checked.
 */
struct job {
    const struct fl_linear_opts *o;
    const struct fl_hist *h;
    struct fl_lin_part *parts;
    struct fl_lin_result *res;
    struct fl_arena *arenas;
    size_t *order; /* partitions, cheapest first */
    size_t nparts;
    pthread_mutex_t mu;
    size_t lo, hi; /* order[lo, hi) not yet taken; protected by mu */
    struct fl_lin_limits lim;
};

struct worker_arg {
    struct job *j;
    bool expensive_end;
};

/* The next partition to search, or SIZE_MAX when none is left. */
static size_t
job_take(struct job *j, bool expensive_end)
{
    size_t i = SIZE_MAX;

    pthread_mutex_lock(&j->mu);
    if (j->lo < j->hi)
        i = expensive_end ? j->order[--j->hi] : j->order[j->lo++];
    pthread_mutex_unlock(&j->mu);
    return i;
}

static void *
worker(void *arg)
{
    struct worker_arg *w = arg;
    struct job *j = w->j;
    size_t i;

    while ((i = job_take(j, w->expensive_end)) != SIZE_MAX) {
        struct fl_lin_result *r = &j->res[i];
        fl_lin__search(j->o->model, j->o->init, j->h, j->parts[i].ops.v,
                       j->parts[i].ops.n, &j->lim, &j->arenas[i], r);
        if (r->verdict == FL_VERDICT_FALSE && !j->o->all_keys)
            __atomic_store_n(j->lim.stop, 1, __ATOMIC_RELAXED);
    }
    return NULL;
}

/*
 * The cost estimate of a partition: its ops times one plus its crashed
 * ops (a search is about linear in the ops, and each concurrent crashed
 * op can multiply the configurations).
 */
static uint64_t
part_cost(const struct fl_lin_part *p)
{
    uint64_t crashed = 0;

    for (size_t i = 0; i < p->ops.n; i++)
        crashed += p->ops.v[i].crashed;
    return (uint64_t)p->ops.n * (1 + crashed);
}

static int
nthreads(const struct fl_linear_opts *o, size_t nparts)
{
    long n = o->threads;
    if (n <= 0)
        n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        n = 1;
    if (n > 256)
        n = 256;
    if ((size_t)n > nparts)
        n = nparts ? (long)nparts : 1;
    return (int)n;
}

static void
order_parts(struct job *j)
{
    uint64_t *kv = fl_xmalloc((2 * j->nparts + 1) * sizeof(*kv));

    for (size_t i = 0; i < j->nparts; i++) {
        kv[2 * i] = part_cost(&j->parts[i]);
        kv[2 * i + 1] = i;
    }
    qsort(kv, j->nparts, 2 * sizeof(*kv), fl_chk__cmp_u64_pair);
    j->order = fl_xmalloc((j->nparts + 1) * sizeof(*j->order));
    for (size_t i = 0; i < j->nparts; i++)
        j->order[i] = (size_t)kv[2 * i + 1];
    free(kv);
    j->lo = 0;
    j->hi = j->nparts;
}

static void
run_all(struct job *j, int threads)
{
    struct worker_arg *args = fl_xcalloc(threads, sizeof(*args));
    pthread_t *t = fl_xmalloc(threads * sizeof(*t));
    int started = 0;

    order_parts(j);
    pthread_mutex_init(&j->mu, NULL);
    for (int i = 0; i < threads; i++) {
        args[i].j = j;
        args[i].expensive_end = threads > 1 && i == 0;
    }
    for (int i = 1; i < threads; i++)
        if (pthread_create(&t[i], NULL, worker, &args[i]) == 0)
            started = i;
        else
            break;
    worker(&args[0]); /* the caller helps (and covers failed creates) */
    for (int i = 1; i <= started; i++)
        pthread_join(t[i], NULL);
    pthread_mutex_destroy(&j->mu);
    free(t);
    free(args);
}

/* ---- the result map ---- */

FL_VEC(val_vec, fl_val);

static void
push_kv(struct val_vec *m, fl_val k, fl_val v)
{
    FL_VEC_PUSH(m, k);
    FL_VEC_PUSH(m, v);
}

static fl_val
part_result(const struct fl_lin_part *p, const struct fl_lin_result *r,
            struct fl_arena *a)
{
    struct val_vec m = {0};
    push_kv(&m, fl_val_kw(FL_KW_VALID), fl_verdict_val(r->verdict));
    if (r->cause)
        push_kv(&m, kw("cause"), kw(r->cause));
    if (p->element)
        push_kv(&m, kw("element"), fl_val_copy(a, p->element));
    if (r->detail.kind == FL_V_MAP) {
        fl_val d = fl_val_copy(a, &r->detail);
        for (uint32_t i = 0; i < d.n; i++)
            push_kv(&m, d.u.items[2 * i], d.u.items[2 * i + 1]);
    }
    fl_val v = fl_val_map(a, m.v, m.n / 2);
    FL_VEC_RELEASE(&m);
    return v;
}

static int
write_svg(const struct fl_linear_opts *o, const struct fl_hist *h,
          const struct fl_lin_part *p, const struct fl_lin_result *r,
          struct fl_err *err)
{
    char title[256];
    struct fl_strbuf sb = FL_STRBUF_INIT;
    if (p->key)
        fl_val_print_edn(&sb, p->key);
    snprintf(title, sizeof(title), "%s: not linearizable (%s%s%.100s)",
             h->name ? h->name : "history", o->model->name,
             p->key ? ", key " : "", sb.buf);
    fl_strbuf_release(&sb);
    return fl_lin__write_svg(o->out_dir, h, p->ops.v, p->ops.n, r, title, err);
}

/*
 * Jepsen's independent/<key>/ artifacts: results.edn for every key, and
 * linear.svg for each key that is not linearizable.
 */
static int
write_key_dirs(const struct fl_linear_opts *o, const struct fl_hist *h,
               const struct part_vec *parts, const struct fl_lin_result *res,
               const struct fl_lin_u32s *part_of, size_t ngroups,
               struct fl_arena *a, struct fl_err *err)
{
    int rc = 0;

    for (size_t g = 0; g < ngroups && rc == 0; g++) {
        size_t i = part_of->v[g];
        char *dir = fl_chk__key_dir(o->out_dir, parts->v[i].key, err);
        if (!dir)
            return err->code;
        fl_val r = part_result(&parts->v[i], &res[i], a);
        rc = fl_chk__write_edn(dir, "results.edn", &r, err);
        if (rc == 0 && res[i].verdict == FL_VERDICT_FALSE) {
            struct fl_linear_opts ko = *o;
            ko.out_dir = dir;
            rc = write_svg(&ko, h, &parts->v[i], &res[i], err);
        }
        free(dir);
    }
    return rc;
}

int
fl_linear_check(const struct fl_hist *h, const struct fl_linear_opts *o,
                struct fl_arena *a, struct fl_chk_result *out,
                struct fl_err *err)
{
    struct fl_lin_ops ops = {0};
    struct fl_lin_u32s keyof = {0};
    struct groups keys = {0};
    struct part_vec parts = {0};
    struct job j;
    struct fl_lin_result *res = NULL;
    struct fl_arena *arenas = NULL;
    struct val_vec m = {0};
    int stop = 0, rc;
    int64_t t0 = fl_lin__now_ns();

    memset(&j, 0, sizeof(j));
    if (!o->model) {
        rc = fl_err_set(err, FL_EUSAGE, "no model given");
        goto out;
    }
    /* Reject a bad initial value even when the history is empty. */
    {
        struct fl_model tm;
        struct fl_vec_u32 st = {0};
        fl_model_init(&tm, o->model);
        rc = o->model->init(&tm, o->init ? o->init : &(fl_val){0}, &st, err);
        FL_VEC_RELEASE(&st);
        fl_model_release(&tm);
        if (rc)
            goto out;
    }
    fl_map_init(&keys.by_hash);
    fl_map_init(&keys.by_int);
    rc = collect(h, o->independent, &ops, &keyof, &keys, err);
    if (rc)
        goto out;
    split(o->model, &ops, &keyof, &keys, o->independent, &parts);
    if (!o->independent && parts.n == 0) {
        struct fl_lin_part p = {NULL, NULL, {0}};
        FL_VEC_PUSH(&parts, p);
    }

    int threads = nthreads(o, parts.n);
    res = fl_xcalloc(parts.n + 1, sizeof(*res));
    arenas = fl_xcalloc(parts.n + 1, sizeof(*arenas));
    for (size_t i = 0; i < parts.n; i++)
        fl_arena_init(&arenas[i], 4096);
    j.o = o;
    j.h = h;
    j.parts = parts.v;
    j.res = res;
    j.arenas = arenas;
    j.nparts = parts.n;
    j.lim.deadline_ns = o->time_limit_ns ? t0 + o->time_limit_ns : 0;
    j.lim.memory_limit_bytes =
        o->memory_limit_bytes ? o->memory_limit_bytes / threads : 0;
    j.lim.stop = &stop;
    run_all(&j, threads);

    /* The first model mismatch, in history order, is an error. */
    for (size_t i = 0; i < parts.n; i++) {
        if (res[i].err_code) {
            rc = fl_err_set(err, res[i].err_code, "%s", res[i].err_msg);
            goto out;
        }
    }

    enum fl_verdict v = FL_VERDICT_TRUE;
    const char *cause = NULL;
    uint64_t steps = 0, configs = 0, states = 0;
    size_t peak = 0, searched = 0, crashed = 0, first_bad = SIZE_MAX;
    size_t not_checked = 0;
    for (size_t i = 0; i < parts.n; i++) {
        v = fl_verdict_merge(v, res[i].verdict);
        not_checked += res[i].cause && !strcmp(res[i].cause, "not-checked");
        if (res[i].verdict == FL_VERDICT_UNKNOWN && !cause)
            cause = res[i].cause;
        if (res[i].verdict == FL_VERDICT_FALSE && first_bad == SIZE_MAX)
            first_bad = i;
        steps += res[i].steps;
        configs += res[i].configs;
        states += res[i].states;
        searched += res[i].nops;
        crashed += res[i].ncrashed;
        if (res[i].peak_bytes > peak)
            peak = res[i].peak_bytes;
    }

    push_kv(&m, fl_val_kw(FL_KW_VALID), fl_verdict_val(v));
    if (v == FL_VERDICT_UNKNOWN && cause)
        push_kv(&m, kw("cause"), kw(cause));
    push_kv(&m, kw("analyzer"), kw("wgl"));
    push_kv(&m, kw("model"), kw(o->model->name));
    push_kv(&m, kw("init"), o->init ? fl_val_copy(a, o->init) : fl_val_nil());
    if (o->independent) {
        /* Per-key results; a key split by element merges its parts. */
        struct groups kg = {0};
        struct val_vec rm = {0}, fails = {0};
        fl_map_init(&kg.by_hash);
        fl_map_init(&kg.by_int);
        struct fl_lin_u32s part_of = {0}; /* key group -> first part */
        enum fl_verdict *kv_ = fl_xcalloc(parts.n + 1, sizeof(*kv_));
        for (size_t i = 0; i < parts.n; i++) {
            uint32_t g = group_of(&kg, parts.v[i].key);
            if (g == part_of.n)
                FL_VEC_PUSH(&part_of, (uint32_t)i);
            if (res[i].verdict > kv_[g]) {
                kv_[g] = res[i].verdict;
                part_of.v[g] = (uint32_t)i;
            }
        }
        for (size_t g = 0; g < kg.vals.n; g++) {
            size_t i = part_of.v[g];
            push_kv(&rm, fl_val_copy(a, parts.v[i].key),
                    part_result(&parts.v[i], &res[i], a));
            if (res[i].verdict == FL_VERDICT_FALSE)
                FL_VEC_PUSH(&fails, fl_val_copy(a, parts.v[i].key));
        }
        push_kv(&m, kw("results"), fl_val_map(a, rm.v, rm.n / 2));
        push_kv(&m, kw("failures"), fl_val_coll(a, FL_V_VEC, fails.v, fails.n));
        push_kv(&m, kw("keys"), fl_val_int((int64_t)kg.vals.n));
        if (not_checked)
            push_kv(&m, kw("not-checked"), fl_val_int((int64_t)not_checked));
        if (o->out_dir)
            rc = write_key_dirs(o, h, &parts, res, &part_of, kg.vals.n, a, err);
        free(kv_);
        FL_VEC_RELEASE(&part_of);
        FL_VEC_RELEASE(&rm);
        FL_VEC_RELEASE(&fails);
        groups_release(&kg);
    } else if (first_bad != SIZE_MAX) {
        fl_val pr = part_result(&parts.v[first_bad], &res[first_bad], a);
        for (uint32_t i = 1; i < pr.n; i++)
            push_kv(&m, pr.u.items[2 * i], pr.u.items[2 * i + 1]);
    }

    fl_val st[24];
    size_t ns = 0;
    st[ns++] = kw("ops");
    st[ns++] = fl_val_int((int64_t)ops.n);
    st[ns++] = kw("searched-ops");
    st[ns++] = fl_val_int((int64_t)searched);
    st[ns++] = kw("crashed-ops");
    st[ns++] = fl_val_int((int64_t)crashed);
    st[ns++] = kw("partitions");
    st[ns++] = fl_val_int((int64_t)parts.n);
    st[ns++] = kw("threads");
    st[ns++] = fl_val_int(threads);
    st[ns++] = kw("configs");
    st[ns++] = fl_val_int((int64_t)configs);
    st[ns++] = kw("states");
    st[ns++] = fl_val_int((int64_t)states);
    st[ns++] = kw("steps");
    st[ns++] = fl_val_int((int64_t)steps);
    st[ns++] = kw("peak-search-bytes");
    st[ns++] = fl_val_int((int64_t)peak);
    st[ns++] = kw("memory-limit-bytes");
    st[ns++] = fl_val_int((int64_t)o->memory_limit_bytes);
    st[ns++] = kw("not-checked");
    st[ns++] = fl_val_int((int64_t)not_checked);
    st[ns++] = kw("time-ms");
    st[ns++] = fl_val_int((fl_lin__now_ns() - t0) / 1000000);
    push_kv(&m, kw("stats"), fl_val_map(a, st, ns / 2));
    out->valid = v;
    out->map = fl_val_map(a, m.v, m.n / 2);

    if (rc == 0 && o->out_dir && first_bad != SIZE_MAX)
        rc = write_svg(o, h, &parts.v[first_bad], &res[first_bad], err);
out:
    for (size_t i = 0; i < parts.n; i++) {
        if (res)
            fl_lin__result_release(&res[i]);
        if (arenas)
            fl_arena_release(&arenas[i]);
        FL_VEC_RELEASE(&parts.v[i].ops);
    }
    free(res);
    free(arenas);
    free(j.order);
    FL_VEC_RELEASE(&parts);
    FL_VEC_RELEASE(&ops);
    FL_VEC_RELEASE(&keyof);
    groups_release(&keys);
    FL_VEC_RELEASE(&m);
    return rc;
}

/* ---- the checker_type ---- */

static int
chk_check(const struct fl_checker *c, const struct fl_hist *h,
          const struct fl_chk_opts *opts, struct fl_arena *a,
          struct fl_chk_result *out, struct fl_err *err)
{
    struct fl_linear_opts o = *(const struct fl_linear_opts *)c->ctx;
    if (opts) {
        if (opts->time_limit_ns)
            o.time_limit_ns = opts->time_limit_ns;
        if (opts->memory_limit_bytes)
            o.memory_limit_bytes = opts->memory_limit_bytes;
        if (opts->threads)
            o.threads = opts->threads;
        if (opts->out_dir)
            o.out_dir = opts->out_dir;
    }
    return fl_linear_check(h, &o, a, out, err);
}

static void
chk_free(struct fl_checker *c)
{
    if (!c)
        return;
    free(c->ctx);
    free(c);
}

const struct fl_checker_type fl_chk_linear_type = {
    .name = "linearizable",
    .check = chk_check,
    .free = chk_free,
};

struct fl_checker *
fl_chk_linear_new(const struct fl_linear_opts *o)
{
    struct fl_checker *c = fl_xcalloc(1, sizeof(*c));
    struct fl_linear_opts *ctx = fl_xmalloc(sizeof(*ctx));
    *ctx = *o;
    c->type = &fl_chk_linear_type;
    c->ctx = ctx;
    return c;
}
