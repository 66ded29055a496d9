/* SPDX-License-Identifier: MIT */
/*
 * shrink.c: delta debugging over a failing history (shrink.h). The state
 * is keep[], one flag per op of the original history. A level (nemesis,
 * keys, processes, ops) gives each op a unit (or -1: not part of this
 * level, kept as it is) such that an invocation and its completion always
 * share a unit; ddmin then searches the kept units for a small subset
 * whose ops, with every op outside the level, still fail the same way.
 */
#include "util/common.h"

#include "checker/shrink.h"

#include "checker/chk_int.h"
#include "checker/workloads.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/map.h"

struct sh {
    const struct fl_checker *c;
    const struct fl_hist *orig;
    const struct fl_shrink_opts *o;
    int32_t *pair;         /* the original's pairing */
    uint8_t *keep;         /* ops of the smallest failing history so far */
    uint8_t *cand;         /* scratch: ops of the candidate under test */
    int32_t *unit_of;      /* the current level's unit of each op, or -1 */
    uint8_t *in;           /* scratch: units in the candidate */
    uint32_t target;       /* the anomaly type to keep */
    struct fl_map written; /* scratch: (key, value) hashes of writes */
    uint8_t *explained;    /* reads whose value the original wrote */
    int32_t pin;           /* an op every candidate keeps, or -1 */
    int64_t deadline;      /* mono ns, or 0 */
    size_t checks;
    bool timed_out;
};

/* ---- anomaly types of a result map ---- */

struct ids {
    uint32_t *v;
    size_t n, max;
};

static void
ids_add(struct ids *s, uint32_t id)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i] == id)
            return;
    if (s->n < s->max)
        s->v[s->n++] = id;
}

static bool
nonempty(const fl_val *v)
{
    if (!v)
        return false;
    if (v->kind == FL_V_INT)
        return v->u.i > 0;
    if (v->kind == FL_V_VEC || v->kind == FL_V_LIST || v->kind == FL_V_SET ||
        v->kind == FL_V_MAP)
        return v->n > 0;
    return false;
}

static void anomalies_of(const fl_val *m, struct ids *s);

/* counter's :errors, [lower value upper] each: too low (a lost add) or too
   high (a read of adds never made); :errors for anything else. */
static void
counter_errors(const fl_val *v, struct ids *s)
{
    for (uint32_t i = 0; i < v->n; i++) {
        const fl_val *t = &v->u.items[i];
        const char *kind = "errors";
        if (t->kind == FL_V_VEC && t->n == 3 &&
            t->u.items[0].kind == FL_V_INT && t->u.items[1].kind == FL_V_INT &&
            t->u.items[2].kind == FL_V_INT)
            kind = t->u.items[1].u.i < t->u.items[0].u.i   ? "read-too-low"
                   : t->u.items[1].u.i > t->u.items[2].u.i ? "read-too-high"
                                                           : "errors";
        ids_add(s, fl_kw_intern_cstr(kind));
    }
}

/* :results of independent ({key result}) or the entries of a compose. */
static void
anomalies_nested(const fl_val *m, struct ids *s)
{
    for (uint32_t i = 0; i < m->n; i++) {
        const fl_val *v = &m->u.items[2 * i + 1];
        if (v->kind == FL_V_MAP && fl_chk__verdict_of(v) == FL_VERDICT_FALSE &&
            fl_val_map_get_kw(v, FL_KW_VALID))
            anomalies_of(v, s);
    }
}

static void
anomalies_of(const fl_val *m, struct ids *s)
{
    static const char *const counted[] = {"lost", "unexpected", "stale",
                                          "duplicated"};
    const fl_val *v;
    char key[32];

    v = fl_val_map_get_kw(m, fl_kw_intern_cstr("anomaly-types"));
    for (uint32_t i = 0; v && fl_val_is_seq(v) && i < v->n; i++)
        if (v->u.items[i].kind == FL_V_KW)
            ids_add(s, v->u.items[i].u.id);
    for (size_t k = 0; k < FL_ARRAY_SIZE(counted); k++) {
        snprintf(key, sizeof(key), "%s-count", counted[k]);
        if (nonempty(fl_val_map_get_kw(m, fl_kw_intern_cstr(key))))
            ids_add(s, fl_kw_intern_cstr(counted[k]));
    }
    v = fl_val_map_get_kw(m, fl_kw_intern_cstr("errors"));
    if (v && v->kind == FL_V_MAP) {
        for (uint32_t i = 0; i < v->n; i++)
            if (v->u.items[2 * i].kind == FL_V_KW)
                ids_add(s, v->u.items[2 * i].u.id);
    } else if (nonempty(v)) {
        counter_errors(v, s);
    }
    v = fl_val_map_get_kw(m, fl_kw_intern_cstr("results"));
    if (v && v->kind == FL_V_MAP)
        anomalies_nested(v, s);
    for (uint32_t i = 0; i < m->n && !v; i++) {
        const fl_val *e = &m->u.items[2 * i + 1];
        if (e->kind == FL_V_MAP && fl_val_map_get_kw(e, FL_KW_VALID) &&
            fl_chk__verdict_of(e) == FL_VERDICT_FALSE)
            anomalies_of(e, s);
    }
}

/* A linearizability result somewhere in m (also under :results)? */
static bool
linear_in(const fl_val *m)
{
    if (fl_val_map_get_kw(m, fl_kw_intern_cstr("analyzer")))
        return true;
    for (uint32_t i = 0; i < m->n; i++) {
        const fl_val *v = &m->u.items[2 * i + 1];
        if (v->kind == FL_V_MAP && linear_in(v))
            return true;
    }
    return false;
}

size_t
fl_shrink_anomalies(const fl_val *result, uint32_t *ids, size_t max)
{
    struct ids s = {ids, 0, max};

    if (!result || result->kind != FL_V_MAP)
        return 0;
    anomalies_of(result, &s);
    /* Linearizability names no anomaly: its results carry :analyzer. */
    if (s.n == 0 && fl_chk__verdict_of(result) == FL_VERDICT_FALSE)
        ids_add(&s, fl_kw_intern_cstr(linear_in(result) ? "nonlinearizable"
                                                        : "invalid"));
    return s.n;
}

/* ---- well-formedness ---- */

bool
fl_shrink_well_formed(const struct fl_hist *h, struct fl_err *why)
{
    int32_t *pair = fl_chk__pairs(h);
    bool ok = true;

    for (size_t i = 0; i < h->n && ok; i++) {
        const struct fl_op *op = &h->ops[i];
        if (op->index != (int64_t)i) {
            fl_err_set(why, FL_EPARSE, "op %zu has :index %" PRId64, i,
                       op->index);
            ok = false;
        } else if (fl_op_is_client(op) && op->type != FL_OP_INVOKE &&
                   pair[i] < 0) {
            fl_err_set(why, FL_EPARSE,
                       "op %zu: a completion without an "
                       "invocation",
                       i);
            ok = false;
        } else if (fl_op_is_client(op) && op->type == FL_OP_INVOKE &&
                   pair[i] < 0 && i + 1 < h->n) {
            /* Open invocations are fine only if the process never acts
               again (fl_chk__pairs would have paired a later op). */
            for (size_t j = i + 1; j < h->n && ok; j++)
                if (h->ops[j].process == op->process) {
                    fl_err_set(why, FL_EPARSE,
                               "op %zu: process %d invokes again before "
                               "completing",
                               i, (int)op->process);
                    ok = false;
                }
        } else if (pair[i] >= 0 && h->ops[pair[i]].f != op->f) {
            fl_err_set(why, FL_EPARSE, "op %zu: :f differs from its pair", i);
            ok = false;
        }
    }
    free(pair);
    return ok;
}

/* ---- reads stay explained ---- */

/*
 * A mutex's: an acquire (not failed) writes "held", an :ok release saw
 * it (per key of [key value] tuples).
 */
static uint64_t
mutex_hash(const struct fl_hist *h, const int32_t *pair, size_t i,
           bool *is_read)
{
    const struct fl_op *op = &h->ops[i];
    const fl_val *v = &op->value;
    uint64_t key =
        v->kind == FL_V_VEC && v->n == 2 ? fl_val_hash(&v->u.items[0]) * 31 : 0;

    *is_read = op->f == FL_KW_RELEASE && op->type == FL_OP_OK;
    if (!fl_op_is_client(op))
        return 0;
    if (!*is_read && !(op->f == FL_KW_ACQUIRE && op->type == FL_OP_INVOKE &&
                       !(pair[i] >= 0 && h->ops[pair[i]].type == FL_OP_FAIL)))
        return 0;
    return fl_hash_u64(key ^ 0x6d75746578) | 1;
}

/*
 * A register-like op's key (of a [key value] tuple, or none) and the
 * value it writes (a :write's, a :cas's new value) or saw (an :ok :read's
 * value, an :ok :cas's old value), hashed together; 0 when the op does
 * neither.
 */
static uint64_t
rw_hash(const struct fl_hist *h, const int32_t *pair, size_t i, bool *is_read)
{
    const struct fl_op *op = &h->ops[i];
    const fl_val *v = &op->value, *key = NULL;
    bool cas = op->f == FL_KW_CAS;

    if (op->f == FL_KW_ACQUIRE || op->f == FL_KW_RELEASE)
        return mutex_hash(h, pair, i, is_read);

    *is_read = op->type == FL_OP_OK && (op->f == FL_KW_READ || cas);
    if (!fl_op_is_client(op) || !(*is_read || (op->type == FL_OP_INVOKE &&
                                               (op->f == FL_KW_WRITE || cas))))
        return 0;
    if (!*is_read && pair[i] >= 0 && h->ops[pair[i]].type == FL_OP_FAIL)
        return 0;
    if (v->kind == FL_V_VEC && v->n == 2 &&
        (!cas || (v->u.items[1].kind == FL_V_VEC && v->u.items[1].n == 2))) {
        key = &v->u.items[0];
        v = &v->u.items[1];
    }
    if (cas) {
        if (v->kind != FL_V_VEC || v->n != 2)
            return 0;
        v = &v->u.items[*is_read ? 0 : 1];
    }
    if (fl_val_is_nil(v))
        return 0;
    return fl_hash_u64(fl_val_hash(v) ^ (key ? fl_val_hash(key) * 31 : 0)) | 1;
}

/*
 * The (key, value) hashes written by the ops flagged in mask, each with
 * the positions + 1 of its two first writers (low and high 32 bits).
 */
static void
collect_writes(struct sh *s, const uint8_t *mask)
{
    bool rd;

    fl_map_release(&s->written);
    fl_map_init(&s->written);
    for (size_t i = 0; i < s->orig->n; i++) {
        uint64_t x = mask[i] ? rw_hash(s->orig, s->pair, i, &rd) : 0;
        if (!x || rd)
            continue;
        uint64_t *c = fl_map_get(&s->written, x), pos = i + 1;
        if (!c)
            fl_map_put(&s->written, x, pos);
        else if ((*c >> 32) == 0)
            *c |= pos << 32;
    }
}

/*
 * Is read i (hash x) explained by a write other than its own (collected
 * by collect_writes), invoked before the read completed?
 */
static bool
explained_by(const struct sh *s, size_t i, uint64_t x)
{
    const uint64_t *c = fl_map_get(&s->written, x);
    uint64_t first = c ? (*c & 0xffffffffu) : 0, second = c ? *c >> 32 : 0;
    int32_t inv = s->pair[i];

    /* a :cas [3 3] does not explain itself */
    if (first && inv >= 0 && first == (uint64_t)inv + 1)
        first = second;
    return first && first - 1 < i;
}

/* Which reads of the original saw a value some other op of it wrote. */
static void
find_explained(struct sh *s)
{
    bool rd;

    collect_writes(s, s->keep);
    for (size_t i = 0; i < s->orig->n; i++) {
        uint64_t x = rw_hash(s->orig, s->pair, i, &rd);
        s->explained[i] = x && rd && explained_by(s, i, x);
    }
}

/*
 * Does every read of the candidate that saw a written value still have a
 * write of it? Without this a stale read would shrink to a read of a value
 * nobody wrote: invalid too, but not the anomaly the run found.
 */
static bool
reads_explained(struct sh *s)
{
    bool rd;

    collect_writes(s, s->cand);
    for (size_t i = 0; i < s->orig->n; i++)
        if (s->cand[i] && s->explained[i] &&
            !explained_by(s, i, rw_hash(s->orig, s->pair, i, &rd)))
            return false;
    return true;
}

/* ---- candidates ---- */

static bool
past_deadline(struct sh *s)
{
    if (s->deadline && fl_clock_mono_ns() > s->deadline)
        s->timed_out = true;
    return s->timed_out;
}

/* The ops flagged in mask, :index renumbered, into h (values shared). */
static void
build(const struct sh *s, const uint8_t *mask, struct fl_hist *h)
{
    for (size_t i = 0; i < s->orig->n; i++) {
        if (!mask[i])
            continue;
        struct fl_op op = s->orig->ops[i];
        op.index = (int64_t)h->n;
        op.pair = -1;
        fl_hist_append(h, &op);
    }
}

/* Does c find h invalid with the target anomaly? */
static bool
fails(struct sh *s, const struct fl_hist *h, struct fl_arena *a,
      struct fl_chk_result *res)
{
    struct fl_err err = FL_ERR_INIT;
    uint32_t ids[64];
    struct fl_chk_opts co = s->o->chk;

    s->checks++;
    /* A check inherits the checker's limits but ends with the search. */
    if (s->deadline) {
        int64_t left = s->deadline - fl_clock_mono_ns();
        if (left < 1)
            left = 1;
        if (co.time_limit_ns == 0 || co.time_limit_ns > left)
            co.time_limit_ns = left;
    }
    if (fl_chk_run(s->c, h, &co, a, res, &err) < 0 ||
        res->valid != FL_VERDICT_FALSE)
        return false;
    size_t n = fl_shrink_anomalies(&res->map, ids, FL_ARRAY_SIZE(ids));
    for (size_t i = 0; i < n; i++)
        if (ids[i] == s->target)
            return true;
    return false;
}

/* Test s->cand; on a failure it becomes s->keep. */
static bool
try_cand(struct sh *s)
{
    struct fl_hist h;
    struct fl_arena a;
    struct fl_chk_result res;
    bool ok = false;

    if (past_deadline(s) || (s->pin >= 0 && !s->cand[s->pin]) ||
        !reads_explained(s))
        return false;
    fl_hist_init(&h);
    fl_arena_init(&a, 0);
    build(s, s->cand, &h);
    if (h.n > 0 && fails(s, &h, &a, &res)) {
        ok = true;
        memcpy(s->keep, s->cand, s->orig->n);
        if (s->o->on_keep)
            s->o->on_keep(s->o->arg, &h);
    }
    fl_arena_release(&a);
    fl_hist_release(&h);
    return ok;
}

/* cand = keep restricted to the units u[0..n) (ops without unit stay). */
static bool
try_units(struct sh *s, const int32_t *u, size_t n, size_t nunits)
{
    memset(s->in, 0, nunits);
    for (size_t i = 0; i < n; i++)
        s->in[u[i]] = 1;
    for (size_t i = 0; i < s->orig->n; i++)
        s->cand[i] = s->keep[i] && (s->unit_of[i] < 0 || s->in[s->unit_of[i]]);
    return try_cand(s);
}

/* ---- ddmin ---- */

/* Try each of g chunks alone, then (g > 2) each complement. */
static bool
ddmin_round(struct sh *s, int32_t *u, size_t *n, size_t *g, size_t nunits,
            int32_t *tmp)
{
    size_t len = *n, chunk = (len + *g - 1) / *g;

    for (size_t i = 0; i * chunk < len; i++) {
        size_t lo = i * chunk, hi = FL_MIN(len, lo + chunk);
        if (try_units(s, u + lo, hi - lo, nunits)) {
            memmove(u, u + lo, (hi - lo) * sizeof(*u));
            *n = hi - lo;
            *g = 2;
            return true;
        }
    }
    for (size_t i = 0; *g > 2 && i * chunk < len; i++) {
        size_t lo = i * chunk, hi = FL_MIN(len, lo + chunk), k = 0;
        for (size_t j = 0; j < len; j++)
            if (j < lo || j >= hi)
                tmp[k++] = u[j];
        if (try_units(s, tmp, k, nunits)) {
            memcpy(u, tmp, k * sizeof(*u));
            *n = k;
            *g = FL_MAX(*g - 1, 2);
            return true;
        }
    }
    return false;
}

/* Zeller's ddmin over the units kept ops belong to. */
static void
ddmin(struct sh *s, size_t nunits)
{
    int32_t *u = fl_xcalloc(nunits + 1, sizeof(*u));
    int32_t *tmp = fl_xcalloc(nunits + 1, sizeof(*tmp));
    size_t n = 0, g = 2;

    memset(s->in, 0, nunits);
    for (size_t i = 0; i < s->orig->n; i++)
        if (s->keep[i] && s->unit_of[i] >= 0 && !s->in[s->unit_of[i]]) {
            s->in[s->unit_of[i]] = 1;
            u[n++] = s->unit_of[i];
        }
    while (n >= 2 && !past_deadline(s)) {
        if (ddmin_round(s, u, &n, &g, nunits, tmp))
            continue;
        if (g >= n)
            break;
        g = FL_MIN(2 * g, n);
    }
    free(tmp);
    free(u);
}

/* ---- levels ---- */

/* The key of op i's [key value] tuple (the invocation's), or NULL. */
static const fl_val *
key_of(const struct sh *s, size_t i)
{
    size_t inv = s->orig->ops[i].type == FL_OP_INVOKE || s->pair[i] < 0
                     ? i
                     : (size_t)s->pair[i];
    const fl_val *v = &s->orig->ops[inv].value;

    if (!fl_op_is_client(&s->orig->ops[inv]) || v->kind != FL_V_VEC ||
        v->n != 2)
        return NULL;
    return &v->u.items[0];
}

static int
cmp_key(const void *x, const void *y, void *arg)
{
    const struct sh *s = arg;
    size_t i = *(const size_t *)x, j = *(const size_t *)y;

    return fl_val_compare(key_of(s, i), key_of(s, j));
}

/* Units: keys of independent tuples. Returns how many. */
static size_t
units_keys(struct sh *s)
{
    size_t *pos = fl_xcalloc(s->orig->n + 1, sizeof(*pos));
    size_t n = 0, nunits = 0;

    for (size_t i = 0; i < s->orig->n; i++) {
        s->unit_of[i] = -1;
        if (key_of(s, i))
            pos[n++] = i;
    }
    qsort_r(pos, n, sizeof(*pos), cmp_key, s);
    for (size_t k = 0; k < n; k++) {
        if (k > 0 && cmp_key(&pos[k - 1], &pos[k], s) != 0)
            nunits++;
        s->unit_of[pos[k]] = (int32_t)nunits;
    }
    free(pos);
    return n ? nunits + 1 : 0;
}

/* Units: client processes. */
static size_t
units_processes(struct sh *s)
{
    struct fl_map ids;
    size_t nunits = 0;

    fl_map_init(&ids);
    for (size_t i = 0; i < s->orig->n; i++) {
        int32_t p = s->orig->ops[i].process;
        uint64_t *slot = fl_map_get(&ids, (uint64_t)p);
        if (p < 0) {
            s->unit_of[i] = -1;
            continue;
        }
        if (!slot)
            fl_map_put(&ids, (uint64_t)p, nunits++);
        s->unit_of[i] = (int32_t)*fl_map_get(&ids, (uint64_t)p);
    }
    fl_map_release(&ids);
    return nunits;
}

/* Units: operations (an invocation with its completion). */
static size_t
units_ops(struct sh *s)
{
    for (size_t i = 0; i < s->orig->n; i++)
        s->unit_of[i] =
            s->pair[i] >= 0 && (size_t)s->pair[i] < i ? s->pair[i] : (int32_t)i;
    return s->orig->n;
}

/* Every nemesis op at once. */
static void
drop_nemesis(struct sh *s)
{
    bool any = false;

    for (size_t i = 0; i < s->orig->n; i++) {
        s->cand[i] = s->keep[i] && fl_op_is_client(&s->orig->ops[i]);
        any |= s->keep[i] && !s->cand[i];
    }
    if (any)
        try_cand(s);
}

static size_t
kept(const struct sh *s)
{
    size_t n = 0;

    for (size_t i = 0; i < s->orig->n; i++)
        n += s->keep[i];
    return n;
}

static void
search(struct sh *s)
{
    static size_t (*const levels[])(struct sh *) = {units_keys, units_processes,
                                                    units_ops};
    size_t before;

    drop_nemesis(s);
    do {
        before = kept(s);
        for (size_t l = 0; l < FL_ARRAY_SIZE(levels); l++) {
            size_t nunits = levels[l](s);
            if (nunits > 1)
                ddmin(s, nunits);
        }
    } while (kept(s) < before && !past_deadline(s));
}

/* ---- the entry point ---- */

/* The first anomaly type of the original's check; 0 and err if valid. */
static int
original_target(struct sh *s, struct fl_arena *a, struct fl_err *err)
{
    struct fl_chk_result res;
    uint32_t ids[8];
    int rc;

    s->checks++;
    rc = fl_chk_run(s->c, s->orig, &s->o->chk, a, &res, err);
    if (rc < 0)
        return rc;
    if (res.valid != FL_VERDICT_FALSE)
        return fl_err_set(
            err, FL_EUSAGE, "nothing to shrink: the history is %s",
            res.valid == FL_VERDICT_TRUE ? "valid" : "of unknown validity");
    fl_shrink_anomalies(&res.map, ids, FL_ARRAY_SIZE(ids));
    s->target = ids[0];
    /* A lost element is lost from the final read: keep that read last. */
    s->pin = -1;
    if (s->target == fl_kw_intern_cstr("lost"))
        for (size_t i = 0; i < s->orig->n; i++)
            if (fl_op_is_client(&s->orig->ops[i]) &&
                s->orig->ops[i].f == FL_KW_READ &&
                s->orig->ops[i].type == FL_OP_OK)
                s->pin = (int32_t)i;
    return 0;
}

/* The kept ops, deep-copied, into out->hist; their check into a. */
static int
finish(struct sh *s, struct fl_arena *a, struct fl_shrink_result *out,
       struct fl_err *err)
{
    struct fl_hist *h = &out->hist;

    for (size_t i = 0; i < s->orig->n; i++) {
        if (!s->keep[i])
            continue;
        struct fl_op op = s->orig->ops[i];
        op.index = (int64_t)h->n;
        op.pair = -1;
        op.value = fl_val_copy(&h->arena, &op.value);
        if (op.extra) {
            fl_val *x = fl_arena_alloc(&h->arena, sizeof(*x));
            *x = fl_val_copy(&h->arena, op.extra);
            op.extra = x;
        }
        fl_hist_append(h, &op);
    }
    out->orig_ops = s->orig->n;
    out->ops = h->n;
    out->anomaly = s->target;
    out->checks = s->checks + 1;
    out->timed_out = s->timed_out;
    return fl_chk_run(s->c, h, &s->o->chk, a, &out->check, err);
}

int
fl_shrink(const struct fl_checker *c, const struct fl_hist *h,
          const struct fl_shrink_opts *o, struct fl_arena *a,
          struct fl_shrink_result *out, struct fl_err *err)
{
    struct fl_shrink_opts co = *o;
    struct sh s;
    size_t n = h->n ? h->n : 1;
    int rc;

    memset(&s, 0, sizeof(s));
    s.c = c;
    s.orig = h;
    s.o = o;
    s.pair = fl_chk__pairs(h);
    s.keep = fl_xmalloc(n);
    s.cand = fl_xmalloc(n);
    s.in = fl_xmalloc(n);
    s.unit_of = fl_xcalloc(n, sizeof(*s.unit_of));
    s.explained = fl_xmalloc(n);
    fl_map_init(&s.written);
    memset(s.keep, 1, n);
    find_explained(&s);
    if (o->time_limit_ns > 0)
        s.deadline = fl_clock_mono_ns() + o->time_limit_ns;
    rc = original_target(&s, a, err);
    if (rc < 0)
        goto out;
    /* Candidates write no artifacts; only the answer does. */
    co.chk.out_dir = NULL;
    s.o = &co;
    search(&s);
    s.o = o;
    rc = finish(&s, a, out, err);
out:
    fl_map_release(&s.written);
    free(s.explained);
    free(s.unit_of);
    free(s.in);
    free(s.cand);
    free(s.keep);
    free(s.pair);
    return rc;
}
