/* SPDX-License-Identifier: MIT */
/*
 * test_linear.c: the linearizability checker against a brute-force
 * reference (every order of every subset of crashed ops, with its own tiny
 * models written independently of src/model/) on random small histories
 * with crashes, failures, nemesis ops and independent keys, in every model;
 * plus the Knossos corpus with its expected verdicts and failing ops, the
 * result map's shape, limits and errors. FL_LINEAR_FUZZ_N sets the number
 * of random histories per model (default 15000, so 105,000 histories in
 * all; 1500 per model under sanitizers).
 */
#include "util/common.h"

#include "checker/linear/linear.h"
#include "history/edn.h"
#include "history/hist.h"
#include "tests/unit/test.h"
#include "util/arena.h"
#include "util/err.h"
#include "util/rng.h"
#include "util/strbuf.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

enum rm {
    RM_REGISTER,
    RM_CAS,
    RM_MUTEX,
    RM_SET,
    RM_UQ,
    RM_FQ,
    RM_MULTI,
    RM_N,
};

static const char *const rm_names[RM_N] = {
    "register",        "cas-register", "mutex",          "set",
    "unordered-queue", "fifo-queue",   "multi-register",
};

enum st { ST_OK, ST_FAIL, ST_INFO, ST_PENDING };

#define NV   4 /* values 0..NV-1; -1 is nil */
#define MAXQ 16

struct gop {
    int proc, key;
    uint32_t f;
    int arg, arg2;           /* written value / cas old,new / enqueued value */
    int res;                 /* read value (-1 nil), set mask, dequeued value */
    int nm;                  /* multi: micro-ops */
    int mw[2], mk[2], mv[2]; /* multi: is-write, key 0/1, value */
    int status;
    int inv, ret; /* positions in the history; ret -1 if crashed */
    bool applied, doomed;
};

struct rstate {
    int reg, locked;
    unsigned set;
    int cnt[NV];
    int q[MAXQ], qn;
    int xy[2];
};

/* ---- the reference models (independent of src/model) ---- */

static int
ref_step(enum rm m, const struct rstate *s, const struct gop *o, bool crashed,
         struct rstate *out)
{
    int n = 0;
    struct rstate t = *s;
    switch (m) {
    case RM_REGISTER:
    case RM_CAS:
        if (o->f == FL_KW_READ) {
            if (o->res == -1 || o->res == s->reg)
                out[n++] = t;
        } else if (o->f == FL_KW_WRITE) {
            t.reg = o->arg;
            out[n++] = t;
        } else if (s->reg == o->arg) {
            t.reg = o->arg2;
            out[n++] = t;
        }
        break;
    case RM_MUTEX:
        if ((o->f == FL_KW_ACQUIRE) != (s->locked != 0)) {
            t.locked = o->f == FL_KW_ACQUIRE;
            out[n++] = t;
        }
        break;
    case RM_SET:
        if (o->f == FL_KW_ADD) {
            t.set |= 1u << o->arg;
            out[n++] = t;
        } else if (o->res == -1 || (unsigned)o->res == s->set) {
            out[n++] = t;
        }
        break;
    case RM_UQ:
        if (o->f == FL_KW_ENQUEUE) {
            t.cnt[o->arg]++;
            out[n++] = t;
        } else if (o->res == -1) {
            /* unknown dequeue: may have removed any one element */
            if (!crashed)
                break;
            for (int v = 0; v < NV; v++) {
                if (s->cnt[v]) {
                    out[n] = *s;
                    out[n++].cnt[v]--;
                }
            }
        } else if (s->cnt[o->res]) {
            t.cnt[o->res]--;
            out[n++] = t;
        }
        break;
    case RM_FQ:
        if (o->f == FL_KW_ENQUEUE) {
            if (t.qn < MAXQ) {
                t.q[t.qn++] = o->arg;
                out[n++] = t;
            }
        } else if (s->qn > 0 &&
                   ((o->res == -1 && crashed) || s->q[0] == o->res)) {
            memmove(t.q, t.q + 1, (t.qn - 1) * sizeof(int));
            t.qn--;
            out[n++] = t;
        }
        break;
    case RM_MULTI:
        for (int i = 0; i < o->nm; i++) {
            if (o->mw[i])
                t.xy[o->mk[i]] = o->mv[i];
            else if (o->mv[i] != -1 && t.xy[o->mk[i]] != o->mv[i])
                return 0;
        }
        out[n++] = t;
        break;
    default:
        break;
    }
    return n;
}

static bool
ref_dfs(enum rm m, const struct gop *ops, const int *idx, int n,
        const struct rstate *s, unsigned done)
{
    bool all = true;
    for (int i = 0; i < n; i++)
        if (ops[idx[i]].status == ST_OK && !(done & (1u << i)))
            all = false;
    if (all)
        return true;
    for (int i = 0; i < n; i++) {
        if (done & (1u << i))
            continue;
        const struct gop *o = &ops[idx[i]];
        /* every :ok op that returned before o was invoked must be done */
        bool ready = true;
        for (int j = 0; j < n && ready; j++) {
            const struct gop *b = &ops[idx[j]];
            if (!(done & (1u << j)) && b->status == ST_OK && b->ret < o->inv)
                ready = false;
        }
        if (!ready)
            continue;
        struct rstate next[NV + 2];
        int k = ref_step(m, s, o, o->status != ST_OK, next);
        for (int c = 0; c < k; c++)
            if (ref_dfs(m, ops, idx, n, &next[c], done | (1u << i)))
                return true;
    }
    return false;
}

static bool
ref_check(enum rm m, const struct gop *ops, int nops, int key)
{
    int idx[16], n = 0;
    for (int i = 0; i < nops; i++)
        if (ops[i].key == key && ops[i].status != ST_FAIL)
            idx[n++] = i;
    struct rstate s;
    memset(&s, 0, sizeof(s));
    s.reg = m == RM_REGISTER ? -1 : 0;
    return ref_dfs(m, ops, idx, n, &s, 0);
}

/* ---- random histories from a simulated object ---- */

/* Per history: value range and how often applied ops crash (:info). */
static int g_nv = NV, g_info_pct = 20;

static void
gen_op(enum rm m, struct fl_rng *r, struct gop *o)
{
    int c = (int)fl_rng_below(r, 100);
    o->arg = (int)fl_rng_below(r, g_nv);
    o->arg2 = (int)fl_rng_below(r, g_nv);
    o->res = -1;
    switch (m) {
    case RM_REGISTER:
        o->f = c < 50 ? FL_KW_READ : FL_KW_WRITE;
        break;
    case RM_CAS:
        o->f = c < 40 ? FL_KW_READ : c < 70 ? FL_KW_WRITE : FL_KW_CAS;
        break;
    case RM_MUTEX:
        o->f = c < 50 ? FL_KW_ACQUIRE : FL_KW_RELEASE;
        break;
    case RM_SET:
        o->f = c < 60 ? FL_KW_ADD : FL_KW_READ;
        break;
    case RM_UQ:
    case RM_FQ:
        o->f = c < 55 ? FL_KW_ENQUEUE : FL_KW_DEQUEUE;
        break;
    case RM_MULTI:
        o->f = FL_KW_TXN;
        o->nm = 1 + (int)fl_rng_below(r, 2);
        for (int i = 0; i < o->nm; i++) {
            o->mw[i] = (int)fl_rng_below(r, 2);
            o->mk[i] = (int)fl_rng_below(r, 2);
            o->mv[i] = o->mw[i] ? (int)fl_rng_below(r, g_nv) : -1;
        }
        break;
    default:
        break;
    }
}

/* Apply o to the simulated object at its linearization point. */
static void
sim_apply(enum rm m, struct fl_rng *r, struct rstate *s, struct gop *o)
{
    struct rstate t[NV + 2];
    switch (m) {
    case RM_REGISTER:
    case RM_CAS:
        if (o->f == FL_KW_READ)
            o->res = s->reg;
        break;
    case RM_SET:
        if (o->f == FL_KW_READ)
            o->res = (int)s->set;
        break;
    case RM_UQ:
        if (o->f == FL_KW_DEQUEUE && s->qn == 0) {
            int have[NV], nh = 0;
            for (int v = 0; v < NV; v++)
                if (s->cnt[v])
                    have[nh++] = v;
            o->res = nh ? have[fl_rng_below(r, nh)] : -2;
        }
        break;
    case RM_FQ:
        if (o->f == FL_KW_DEQUEUE)
            o->res = s->qn ? s->q[0] : -2;
        break;
    case RM_MULTI:
        for (int i = 0; i < o->nm; i++) {
            if (o->mw[i])
                s->xy[o->mk[i]] = o->mv[i];
            else
                o->mv[i] = s->xy[o->mk[i]];
        }
        o->applied = true;
        return;
    default:
        break;
    }
    if (o->res == -2) {
        o->res = -1;
        o->doomed = true;
        return;
    }
    if (ref_step(m, s, o, false, t) == 0) {
        o->doomed = true;
        return;
    }
    *s = t[0];
    o->applied = true;
}

static fl_val
ival(int v)
{
    return v < 0 ? fl_val_nil() : fl_val_int(v);
}

static fl_val
op_value(struct fl_hist *h, enum rm m, const struct gop *o, bool completion)
{
    bool known = completion && o->status == ST_OK;
    switch (o->f) {
    case FL_KW_READ:
        if (!known || o->res == -1)
            return fl_val_nil();
        if (m == RM_SET) {
            fl_val items[NV];
            size_t n = 0;
            for (int v = 0; v < NV; v++)
                if (o->res & (1 << v))
                    items[n++] = fl_val_int(v);
            return fl_val_coll(&h->arena, FL_V_SET, items, n);
        }
        return ival(o->res);
    case FL_KW_DEQUEUE:
        return known ? ival(o->res) : fl_val_nil();
    case FL_KW_CAS: {
        fl_val p[2] = {ival(o->arg), ival(o->arg2)};
        return fl_val_coll(&h->arena, FL_V_VEC, p, 2);
    }
    case FL_KW_TXN: {
        fl_val mops[2];
        for (int i = 0; i < o->nm; i++) {
            int v = o->mw[i] || known ? o->mv[i] : -1;
            fl_val t[3] = {fl_val_kw(o->mw[i] ? FL_KW_WRITE : FL_KW_READ),
                           fl_val_kw(fl_kw_intern_cstr(o->mk[i] ? "y" : "x")),
                           ival(v)};
            mops[i] = fl_val_coll(&h->arena, FL_V_VEC, t, 3);
        }
        return fl_val_coll(&h->arena, FL_V_VEC, mops, (size_t)o->nm);
    }
    default:
        return ival(o->arg);
    }
}

static void
emit(struct fl_hist *h, enum rm m, const struct gop *o, bool completion,
     bool independent)
{
    struct fl_op op;
    memset(&op, 0, sizeof(op));
    op.index = (int64_t)h->n;
    op.time_ns = (int64_t)h->n * 1000;
    op.process = o->proc;
    op.pair = -1;
    op.f = o->f;
    op.type = !completion            ? FL_OP_INVOKE
              : o->status == ST_OK   ? FL_OP_OK
              : o->status == ST_FAIL ? FL_OP_FAIL
                                     : FL_OP_INFO;
    op.value = op_value(h, m, o, completion);
    if (independent) {
        fl_val t[2] = {fl_val_int(o->key), op.value};
        op.value = fl_val_coll(&h->arena, FL_V_VEC, t, 2);
    }
    fl_hist_append(h, &op);
}

static void
emit_nemesis(struct fl_hist *h)
{
    struct fl_op op;
    memset(&op, 0, sizeof(op));
    op.index = (int64_t)h->n;
    op.time_ns = -1;
    op.process = FL_PROC_NEMESIS;
    op.pair = -1;
    op.f = FL_KW_START;
    op.type = FL_OP_INFO;
    fl_hist_append(h, &op);
}

/*
 * Simulate nkeys objects and up to 8 ops per key on up to 4 processes;
 * each op takes effect (or not) at a random instant inside its interval,
 * then some results are corrupted so that about a third are invalid.
 */
static int
gen_history(enum rm m, struct fl_rng *r, int nkeys, bool independent,
            struct fl_hist *h, struct gop *ops)
{
    struct rstate s[2];
    int target = 1 + (int)fl_rng_below(r, 8) * nkeys;
    if (target > 8 * nkeys)
        target = 8 * nkeys;
    int nprocs = 1 + (int)fl_rng_below(r, 4);
    int open[4] = {-1, -1, -1, -1};
    int n = 0, perkey[2] = {0, 0};
    memset(s, 0, sizeof(s));
    s[0].reg = s[1].reg = m == RM_REGISTER ? -1 : 0;
    bool stop_early = fl_rng_below(r, 4) == 0;
    for (;;) {
        int nopen = 0;
        for (int p = 0; p < nprocs; p++)
            nopen += open[p] >= 0;
        if (n >= target && nopen == 0)
            break;
        if (n >= target && stop_early && fl_rng_below(r, 3) == 0)
            break; /* leave the open ops pending */
        if (fl_rng_below(r, 30) == 0)
            emit_nemesis(h);
        int p = (int)fl_rng_below(r, nprocs);
        if (open[p] < 0) {
            if (n >= target)
                continue;
            int key = (int)fl_rng_below(r, nkeys);
            if (perkey[key] >= 8)
                key = 1 - key;
            perkey[key]++;
            struct gop *o = &ops[n];
            memset(o, 0, sizeof(*o));
            o->key = key;
            gen_op(m, r, o);
            o->inv = (int)h->n;
            o->ret = -1;
            o->status = ST_PENDING;
            o->proc = p;
            emit(h, m, o, false, independent);
            open[p] = n++;
            continue;
        }
        struct gop *o = &ops[open[p]];
        if (!o->applied && !o->doomed && fl_rng_below(r, 2) == 0) {
            sim_apply(m, r, &s[o->key], o);
            continue;
        }
        int c = (int)fl_rng_below(r, 100);
        if (o->applied)
            o->status = c < 100 - g_info_pct ? ST_OK : ST_INFO;
        else
            o->status = c < 50 ? ST_FAIL : ST_INFO;
        if (o->status == ST_OK)
            o->ret = (int)h->n;
        emit(h, m, o, true, independent);
        open[p] = -1;
    }
    /* What the history says about crashed ops: no results. */
    for (int i = 0; i < n; i++) {
        if (ops[i].status == ST_OK)
            continue;
        ops[i].res = -1;
        for (int k = 0; k < ops[i].nm; k++)
            if (!ops[i].mw[k])
                ops[i].mv[k] = -1;
    }
    return n;
}

/* Corrupt one :ok result in the already-emitted history (and in ops). */
static void
corrupt(enum rm m, struct fl_rng *r, struct fl_hist *h, struct gop *ops, int n,
        bool independent)
{
    int cand[64], nc = 0;
    for (int i = 0; i < n; i++)
        if (ops[i].status == ST_OK)
            cand[nc++] = i;
    if (!nc)
        return;
    struct gop *o = &ops[cand[fl_rng_below(r, nc)]];
    int v = (int)fl_rng_below(r, NV);
    switch (o->f) {
    case FL_KW_READ:
        o->res = m == RM_SET ? (int)fl_rng_below(r, 1 << NV) : v;
        break;
    case FL_KW_DEQUEUE:
        o->res = v;
        break;
    case FL_KW_TXN:
        o->mv[0] = v;
        break;
    case FL_KW_ACQUIRE:
    case FL_KW_RELEASE:
        o->f = o->f == FL_KW_ACQUIRE ? FL_KW_RELEASE : FL_KW_ACQUIRE;
        h->ops[o->inv].f = o->f;
        break;
    default:
        o->arg = v;
        break;
    }
    h->ops[o->inv].value = op_value(h, m, o, false);
    h->ops[o->ret].value = op_value(h, m, o, true);
    h->ops[o->ret].f = o->f;
    if (independent) {
        fl_val t[2] = {fl_val_int(o->key), h->ops[o->inv].value};
        h->ops[o->inv].value = fl_val_coll(&h->arena, FL_V_VEC, t, 2);
        t[1] = h->ops[o->ret].value;
        h->ops[o->ret].value = fl_val_coll(&h->arena, FL_V_VEC, t, 2);
    }
}

static void
dump(const struct fl_hist *h)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;
    for (size_t i = 0; i < h->n; i++) {
        fl_edn_print_op(&sb, &h->ops[i]);
        fl_strbuf_addch(&sb, '\n');
    }
    fprintf(stderr, "%s", sb.buf);
    fl_strbuf_release(&sb);
}

static long
fuzz_n(void)
{
    const char *e = getenv("FL_LINEAR_FUZZ_N");
    long n = e ? strtol(e, NULL, 10) : 0;
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    /* sanitizers make each check's mallocs ~100x dearer */
    return n > 0 ? n : 1500;
#else
    return n > 0 ? n : 15000;
#endif
}

static void
fuzz_model(enum rm m)
{
    struct fl_rng r;
    struct gop ops[32];
    long n = fuzz_n(), valid = 0, invalid = 0;
    uint64_t seed = fl_test_seed() ^ ((uint64_t)m * 0x9e3779b97f4a7c15ULL);
    fl_rng_seed(&r, seed);
    for (long it = 0; it < n; it++) {
        struct fl_hist h;
        struct fl_arena a;
        struct fl_err err = FL_ERR_INIT;
        struct fl_chk_result res;
        fl_val init = fl_val_int(0);
        fl_val xy[4] = {fl_val_kw(fl_kw_intern_cstr("x")), fl_val_int(0),
                        fl_val_kw(fl_kw_intern_cstr("y")), fl_val_int(0)};
        bool independent = fl_rng_below(&r, 4) == 0;
        int nkeys = independent ? 2 : 1;
        /* a third have many crashes over few values: identical crashed
           ops, which the search treats specially */
        bool crashy = fl_rng_below(&r, 3) == 0;
        g_nv = crashy ? 2 : NV;
        g_info_pct = crashy ? 50 : 20;
        fl_hist_init(&h);
        /* small blocks: ASan makes every large malloc expensive */
        fl_arena_release(&h.arena);
        fl_arena_init(&h.arena, 4096);
        fl_arena_init(&a, 4096);
        if (m == RM_MULTI)
            init = fl_val_map(&h.arena, xy, 2);
        int nops = gen_history(m, &r, nkeys, independent, &h, ops);
        if (fl_rng_below(&r, 3) < (m == RM_UQ || m == RM_FQ ? 2u : 1u))
            corrupt(m, &r, &h, ops, nops, independent);
        bool want = true;
        for (int k = 0; k < nkeys; k++)
            want = want && ref_check(m, ops, nops, k);
        struct fl_linear_opts o = {
            .model = fl_model_find(rm_names[m]),
            .init = m == RM_REGISTER || m == RM_MUTEX || m == RM_SET ||
                            m == RM_UQ || m == RM_FQ
                        ? NULL
                        : &init,
            .independent = independent,
            .threads = 1,
        };
        int rc = fl_linear_check(&h, &o, &a, &res, &err);
        if (rc != 0 || (res.valid == FL_VERDICT_TRUE) != want ||
            res.valid == FL_VERDICT_UNKNOWN) {
            dump(&h);
            fl_test_fail(__FILE__, __LINE__,
                         "model %s seed %" PRIu64 " iteration %ld: rc %d "
                         "(%s), verdict %d, reference %s",
                         rm_names[m], seed, it, rc, err.msg, res.valid,
                         want ? "valid" : "invalid");
        }
        if (want)
            valid++;
        else
            invalid++;
        fl_arena_release(&a);
        fl_hist_release(&h);
    }
    fprintf(stderr, "  %s: %ld histories, %ld valid, %ld invalid\n",
            rm_names[m], n, valid, invalid);
    /* the generator must exercise both answers */
    ASSERT(valid > n / 10);
    ASSERT(invalid > n / 20);
}

static void
test_fuzz_register(void)
{
    fuzz_model(RM_REGISTER);
}

static void
test_fuzz_cas_register(void)
{
    fuzz_model(RM_CAS);
}

static void
test_fuzz_mutex(void)
{
    fuzz_model(RM_MUTEX);
}

static void
test_fuzz_set(void)
{
    fuzz_model(RM_SET);
}

static void
test_fuzz_unordered_queue(void)
{
    fuzz_model(RM_UQ);
}

static void
test_fuzz_fifo_queue(void)
{
    fuzz_model(RM_FQ);
}

static void
test_fuzz_multi_register(void)
{
    fuzz_model(RM_MULTI);
}

/* ---- hand-written histories ---- */

/* Parse an EDN history and check it; returns the verdict. */
static enum fl_verdict
check_edn(const char *edn, const char *model, const char *init,
          bool independent, struct fl_arena *a, fl_val *map, int *rc_out,
          struct fl_err *err)
{
    struct fl_hist h;
    struct fl_chk_result res;
    fl_val iv;
    fl_hist_init(&h);
    ASSERT_OK(
        fl_hist_parse(edn, strlen(edn), "test.edn", FL_HIST_EDN, &h, NULL));
    if (init)
        ASSERT_OK(fl_edn_parse_value(a, init, strlen(init), "init", &iv, NULL));
    struct fl_linear_opts o = {.model = fl_model_find(model),
                               .init = init ? &iv : NULL,
                               .independent = independent,
                               .threads = 2};
    ASSERT(o.model != NULL);
    res.valid = FL_VERDICT_UNKNOWN;
    int rc = fl_linear_check(&h, &o, a, &res, err);
    if (rc_out)
        *rc_out = rc;
    else
        ASSERT_OK(rc);
    if (map && rc == 0) {
        /* copy out: the history's arena goes away */
        *map = fl_val_copy(a, &res.map);
    }
    fl_hist_release(&h);
    return res.valid;
}

static const fl_val *
get(const fl_val *m, const char *k)
{
    return fl_val_map_get_kw(m, fl_kw_intern_cstr(k));
}

static void
test_crashed_semantics(void)
{
    struct fl_arena a;
    fl_arena_init(&a, 0);
    /* A crashed write may take effect late... */
    ASSERT_EQ(check_edn("{:process 0 :type :invoke :f :write :value 1}\n"
                        "{:process 0 :type :info :f :write :value 1}\n"
                        "{:process 1 :type :invoke :f :read :value nil}\n"
                        "{:process 1 :type :ok :f :read :value 0}\n"
                        "{:process 1 :type :invoke :f :read :value nil}\n"
                        "{:process 1 :type :ok :f :read :value 1}\n",
                        "cas-register", "0", false, &a, NULL, NULL, NULL),
              FL_VERDICT_TRUE);
    /* ...or never, but not before its invocation. */
    ASSERT_EQ(check_edn("{:process 1 :type :invoke :f :read :value nil}\n"
                        "{:process 1 :type :ok :f :read :value 1}\n"
                        "{:process 0 :type :invoke :f :write :value 1}\n",
                        "cas-register", "0", false, &a, NULL, NULL, NULL),
              FL_VERDICT_FALSE);
    /* A failed op did not happen. */
    ASSERT_EQ(check_edn("{:process 0 :type :invoke :f :write :value 1}\n"
                        "{:process 0 :type :fail :f :write :value 1}\n"
                        "{:process 1 :type :invoke :f :read :value nil}\n"
                        "{:process 1 :type :ok :f :read :value 1}\n",
                        "register", "0", false, &a, NULL, NULL, NULL),
              FL_VERDICT_FALSE);
    /* Crashed cas ops need not succeed (the 37-file pitfall). */
    ASSERT_EQ(check_edn("{:process 0 :type :invoke :f :cas :value [5 6]}\n"
                        "{:process 0 :type :info :f :cas :value [5 6]}\n"
                        "{:process 1 :type :invoke :f :read :value nil}\n"
                        "{:process 1 :type :ok :f :read :value 0}\n"
                        "{:process :nemesis :type :info :f :start}\n",
                        "cas-register", "0", false, &a, NULL, NULL, NULL),
              FL_VERDICT_TRUE);
    /* Process ids past the dense table (a map) beside small ones. */
    ASSERT_EQ(check_edn("{:process 2000000000 :type :invoke :f :write "
                        ":value 1}\n"
                        "{:process 1 :type :invoke :f :write :value 2}\n"
                        "{:process 2000000000 :type :ok :f :write :value 1}\n"
                        "{:process 1 :type :info :f :write :value 2}\n"
                        "{:process 5 :type :invoke :f :read :value nil}\n"
                        "{:process 5 :type :ok :f :read :value 2}\n"
                        "{:process 2000000000 :type :invoke :f :read}\n"
                        "{:process 2000000000 :type :ok :f :read :value 1}\n",
                        "register", NULL, false, &a, NULL, NULL, NULL),
              FL_VERDICT_FALSE);
    ASSERT_EQ(check_edn("{:process 2000000000 :type :invoke :f :write "
                        ":value 1}\n"
                        "{:process 1 :type :invoke :f :write :value 2}\n"
                        "{:process 2000000000 :type :ok :f :write :value 1}\n"
                        "{:process 1 :type :info :f :write :value 2}\n"
                        "{:process 5 :type :invoke :f :read :value nil}\n"
                        "{:process 5 :type :ok :f :read :value 2}\n"
                        "{:process 2000000000 :type :invoke :f :read}\n"
                        "{:process 2000000000 :type :ok :f :read :value 2}\n",
                        "register", NULL, false, &a, NULL, NULL, NULL),
              FL_VERDICT_TRUE);
    fl_arena_release(&a);
}

static void
test_result_shape(void)
{
    struct fl_arena a;
    fl_val m;
    fl_arena_init(&a, 0);
    ASSERT_EQ(check_edn("[{:process 0 :type :invoke :f :write :value 1}\n"
                        " {:process 0 :type :ok :f :write :value 1}\n"
                        " {:process 1 :type :invoke :f :read :value nil}\n"
                        " {:process 2 :type :invoke :f :write :value 2}\n"
                        " {:process 1 :type :ok :f :read :value 3}\n"
                        " {:process 2 :type :ok :f :write :value 2}]\n",
                        "register", NULL, false, &a, &m, NULL, NULL),
              FL_VERDICT_FALSE);
    const fl_val *op = get(&m, "op");
    ASSERT(op && op->kind == FL_V_MAP);
    ASSERT_EQ(fl_val_map_get_kw(op, FL_KW_INDEX)->u.i, 4);
    ASSERT_EQ(fl_val_map_get_kw(op, FL_KW_PROCESS)->u.i, 1);
    const fl_val *prev = get(&m, "previous-ok");
    ASSERT(prev && prev->kind == FL_V_MAP);
    ASSERT_EQ(fl_val_map_get_kw(prev, FL_KW_INDEX)->u.i, 1);
    const fl_val *conc = get(&m, "concurrent");
    ASSERT(conc && conc->kind == FL_V_VEC && conc->n == 1);
    ASSERT(get(&m, "last-linearized")->n == 1);
    ASSERT_EQ(get(&m, "final-model")->u.i, 1);
    ASSERT(fl_val_is_kw(get(&m, "analyzer"), fl_kw_intern_cstr("wgl")));
    fl_arena_release(&a);
}

static void
test_independent_results(void)
{
    struct fl_arena a;
    fl_val m;
    fl_arena_init(&a, 0);
    ASSERT_EQ(check_edn("{:process 0 :type :invoke :f :write :value [:a 1]}\n"
                        "{:process 0 :type :ok :f :write :value [:a 1]}\n"
                        "{:process 1 :type :invoke :f :read :value [:b nil]}\n"
                        "{:process 1 :type :ok :f :read :value [:b 1]}\n"
                        "{:process :nemesis :type :info :f :start}\n"
                        "{:process 1 :type :invoke :f :read :value [:a nil]}\n"
                        "{:process 1 :type :ok :f :read :value [:a 1]}\n",
                        "register", NULL, true, &a, &m, NULL, NULL),
              FL_VERDICT_FALSE);
    const fl_val *fails = get(&m, "failures");
    ASSERT(fails && fails->n == 1);
    ASSERT(fl_val_is_kw(&fails->u.items[0], fl_kw_intern_cstr("b")));
    const fl_val *results = get(&m, "results");
    ASSERT(results && results->n == 2);
    fl_arena_release(&a);
}

static void
test_element_split(void)
{
    struct fl_arena a;
    fl_val m;
    fl_arena_init(&a, 0);
    /* 1 dequeued twice: invalid, found in element 1's partition */
    ASSERT_EQ(check_edn("{:process 0 :type :invoke :f :enqueue :value 1}\n"
                        "{:process 0 :type :ok :f :enqueue :value 1}\n"
                        "{:process 0 :type :invoke :f :enqueue :value 2}\n"
                        "{:process 0 :type :ok :f :enqueue :value 2}\n"
                        "{:process 1 :type :invoke :f :dequeue :value nil}\n"
                        "{:process 1 :type :ok :f :dequeue :value 1}\n"
                        "{:process 1 :type :invoke :f :dequeue :value nil}\n"
                        "{:process 1 :type :ok :f :dequeue :value 1}\n",
                        "unordered-queue", NULL, false, &a, &m, NULL, NULL),
              FL_VERDICT_FALSE);
    ASSERT_EQ(get(&m, "element")->u.i, 1);
    ASSERT_EQ(
        fl_val_map_get_kw(get(&m, "stats"), fl_kw_intern_cstr("partitions"))
            ->u.i,
        2);
    /* the same order is fine for a fifo queue with 2 dequeued second */
    ASSERT_EQ(check_edn("{:process 0 :type :invoke :f :enqueue :value 1}\n"
                        "{:process 0 :type :ok :f :enqueue :value 1}\n"
                        "{:process 0 :type :invoke :f :enqueue :value 2}\n"
                        "{:process 0 :type :ok :f :enqueue :value 2}\n"
                        "{:process 1 :type :invoke :f :dequeue :value nil}\n"
                        "{:process 1 :type :ok :f :dequeue :value 2}\n",
                        "fifo-queue", NULL, false, &a, &m, NULL, NULL),
              FL_VERDICT_FALSE);
    fl_arena_release(&a);
}

/* Many keys on a pool of threads: the same answer as one thread. */
static void
test_threads_many_keys(void)
{
    struct fl_hist h;
    struct fl_arena a;
    fl_hist_init(&h);
    fl_arena_init(&a, 0);
    for (int k = 0; k < 64; k++) {
        for (int step = 0; step < 4; step++) {
            struct fl_op op;
            memset(&op, 0, sizeof(op));
            op.index = (int64_t)h.n;
            op.time_ns = -1;
            op.pair = -1;
            op.process = k % 7;
            op.f = step < 2 ? FL_KW_WRITE : FL_KW_READ;
            op.type = step % 2 ? FL_OP_OK : FL_OP_INVOKE;
            int64_t v = step == 3 && k == 37 ? 2 : 1;
            fl_val t[2] = {fl_val_int(k),
                           step == 2 ? fl_val_nil() : fl_val_int(v)};
            op.value = fl_val_coll(&h.arena, FL_V_VEC, t, 2);
            fl_hist_append(&h, &op);
        }
    }
    for (int threads = 1; threads <= 4; threads += 3) {
        struct fl_chk_result res;
        struct fl_linear_opts o = {.model = &fl_model_register_type,
                                   .independent = true,
                                   .threads = threads};
        ASSERT_OK(fl_linear_check(&h, &o, &a, &res, NULL));
        ASSERT_EQ(res.valid, FL_VERDICT_FALSE);
        const fl_val *fails = get(&res.map, "failures");
        ASSERT(fails && fails->n == 1 && fails->u.items[0].u.i == 37);
        ASSERT_EQ(get(&res.map, "results")->n, 64);
        const fl_val *st = get(&res.map, "stats");
        ASSERT_EQ(fl_val_map_get_kw(st, fl_kw_intern_cstr("threads"))->u.i,
                  threads);
    }
    fl_arena_release(&a);
    fl_hist_release(&h);
}

static void
test_errors(void)
{
    struct fl_arena a;
    struct fl_err err = FL_ERR_INIT;
    int rc = 0;
    fl_arena_init(&a, 0);
    check_edn("{:process 0 :type :invoke :f :cas :value [0 1]}\n"
              "{:process 0 :type :ok :f :cas :value [0 1]}\n",
              "register", NULL, false, &a, NULL, &rc, &err);
    ASSERT_EQ(rc, FL_EMODEL);
    ASSERT(strstr(err.msg, ":cas") != NULL);
    ASSERT(strstr(err.msg, "test.edn") != NULL);
    check_edn("{:process 0 :type :invoke :f :cas :value 7}\n", "cas-register",
              NULL, false, &a, NULL, &rc, &err);
    ASSERT_EQ(rc, FL_EMODEL);
    check_edn("{:process 0 :type :ok :f :read :value 7}\n", "register", NULL,
              false, &a, NULL, &rc, &err);
    ASSERT_EQ(rc, FL_EPARSE);
    check_edn("{:process 0 :type :invoke :f :read :value 7}\n", "register",
              NULL, true, &a, NULL, &rc, &err);
    ASSERT_EQ(rc, FL_EPARSE);
    ASSERT(strstr(err.msg, "tuple") != NULL);
    check_edn("{:process 0 :type :invoke :f :read :value 7}\n",
              "multi-register", "5", false, &a, NULL, &rc, &err);
    ASSERT_EQ(rc, FL_EUSAGE);
    fl_arena_release(&a);
}

/* A hard history: many crashed writes and concurrent reads. */
static void
build_hard(struct fl_hist *h, int nproc, int nops, uint64_t seed)
{
    struct fl_rng r;
    int open[64];
    fl_rng_seed(&r, seed);
    for (int p = 0; p < nproc; p++)
        open[p] = -1;
    int next_proc = nproc, done = 0;
    int procs[64];
    for (int p = 0; p < nproc; p++)
        procs[p] = p;
    while (done < nops) {
        int p = (int)fl_rng_below(&r, nproc);
        struct fl_op op;
        memset(&op, 0, sizeof(op));
        op.index = (int64_t)h->n;
        op.time_ns = -1;
        op.pair = -1;
        op.process = procs[p];
        if (open[p] < 0) {
            op.type = FL_OP_INVOKE;
            op.f = fl_rng_below(&r, 2) ? FL_KW_WRITE : FL_KW_READ;
            op.value = op.f == FL_KW_WRITE
                           ? fl_val_int((int64_t)fl_rng_below(&r, 5))
                           : fl_val_nil();
            open[p] = (int)fl_hist_append(h, &op);
            continue;
        }
        const struct fl_op *inv = &h->ops[open[p]];
        op.f = inv->f;
        op.value = inv->value;
        op.type = fl_rng_below(&r, 10) == 0 ? FL_OP_INFO : FL_OP_OK;
        if (op.f == FL_KW_READ && op.type == FL_OP_OK)
            op.value = fl_val_int((int64_t)fl_rng_below(&r, 5));
        fl_hist_append(h, &op);
        open[p] = -1;
        done++;
        if (op.type == FL_OP_INFO)
            procs[p] = next_proc++;
    }
}

/* The :stats entry NAME of a linearizability result. */
static int64_t
stat_of(const struct fl_chk_result *res, const char *name)
{
    const fl_val *st = get(&res->map, "stats");
    const fl_val *v = st ? get(st, name) : NULL;

    ASSERT(v && v->kind == FL_V_INT);
    return v->u.i;
}

/*
 * A search that hits its time or memory limit says :unknown with the cause,
 * never a verdict. The history needs a search far longer than the limits'
 * check interval (over 10,000 configurations without limits, checked
 * first), so a 1-ns time limit and a 1-byte memory limit must both stop it.
 */
static void
test_time_limit_unknown(void)
{
    struct fl_hist h;
    struct fl_arena a;
    struct fl_chk_result res;
    fl_hist_init(&h);
    fl_arena_init(&a, 0);
    build_hard(&h, 30, 4000, 7);
    struct fl_linear_opts o0 = {.model = &fl_model_register_type, .threads = 1};
    ASSERT_OK(fl_linear_check(&h, &o0, &a, &res, NULL));
    ASSERT(res.valid != FL_VERDICT_UNKNOWN);
    ASSERT(stat_of(&res, "configs") > 10000);

    struct fl_linear_opts o = {
        .model = &fl_model_register_type, .time_limit_ns = 1, .threads = 1};
    ASSERT_OK(fl_linear_check(&h, &o, &a, &res, NULL));
    ASSERT_EQ(res.valid, FL_VERDICT_UNKNOWN);
    const fl_val *c = get(&res.map, "cause");
    ASSERT(c && fl_val_is_kw(c, fl_kw_intern_cstr("timeout")));

    struct fl_linear_opts o2 = {.model = &fl_model_register_type,
                                .memory_limit_bytes = 1,
                                .threads = 1};
    ASSERT_OK(fl_linear_check(&h, &o2, &a, &res, NULL));
    ASSERT_EQ(res.valid, FL_VERDICT_UNKNOWN);
    c = get(&res.map, "cause");
    ASSERT(c && fl_val_is_kw(c, fl_kw_intern_cstr("out-of-memory")));
    fl_arena_release(&a);
    fl_hist_release(&h);
}

/*
 * The search's exponential case: k writes of distinct values, invoked at
 * once and never completed, while one process reads k/2 of them one after
 * the other (valid), or reads again a value it read before with another
 * in between (invalid). Before crashed ops followed by a blind write were
 * pruned, 22 writes (valid) and 14 (invalid) took 20 s; 200 of each now
 * take milliseconds. The 10 s limit only keeps a regression from hanging.
 */
static void
add_rw(struct fl_hist *h, int type, int32_t proc, uint32_t f, int64_t v)
{
    struct fl_op op;
    memset(&op, 0, sizeof(op));
    op.index = (int64_t)h->n;
    op.time_ns = (int64_t)h->n;
    op.pair = -1;
    op.process = proc;
    op.type = (uint8_t)type;
    op.f = f;
    op.value = v < 0 ? fl_val_nil() : fl_val_int(v);
    fl_hist_append(h, &op);
}

static void
test_many_crashed_writes(void)
{
    const int k = 200;
    for (int bad = 0; bad < 2; bad++) {
        for (int cas = 0; cas < 2; cas++) {
            struct fl_hist h;
            struct fl_arena a;
            struct fl_chk_result res;
            fl_hist_init(&h);
            fl_arena_init(&a, 0);
            for (int i = 0; i < k; i++)
                add_rw(&h, FL_OP_INVOKE, i, FL_KW_WRITE, i + 1);
            for (int i = 0; i < k / 2; i++) {
                int64_t v = bad && i == k / 2 - 1 ? 7 : 1 + (6 + i * 37) % k;
                add_rw(&h, FL_OP_INVOKE, k, FL_KW_READ, -1);
                add_rw(&h, FL_OP_OK, k, FL_KW_READ, v);
            }
            fl_val zero = fl_val_int(0);
            struct fl_linear_opts o = {.model =
                                           cas ? &fl_model_cas_register_type
                                               : &fl_model_register_type,
                                       .init = &zero,
                                       .time_limit_ns = INT64_C(10000000000),
                                       .threads = 1};
            ASSERT_OK(fl_linear_check(&h, &o, &a, &res, NULL));
            ASSERT_EQ(res.valid, bad ? FL_VERDICT_FALSE : FL_VERDICT_TRUE);
            fl_arena_release(&a);
            fl_hist_release(&h);
        }
    }
}

/* ---- the Knossos corpus ---- */

struct expect {
    const char *file;
    int64_t index; /* :index of the failing op, or -1 */
};

static const struct expect named[] = {
    {"cas-register/bad/bad-analysis.edn", 14},
    {"cas-register/bad/cas-failure.edn", 491},
    {"cas-register/bad/rethink-fail-minimal.edn", 4},
    {"cas-register/bad/rethink-fail-smaller.edn", 217},
};

static void
test_knossos_corpus(void)
{
    struct fl_strbuf tsv = FL_STRBUF_INIT, path = FL_STRBUF_INIT;
    fl_strbuf_addf(&path, "%s/knossos/EXPECTED.tsv", fl_test_corpus());
    ASSERT_OK(fl_strbuf_read_file(&tsv, path.buf));
    int nfiles = 0, nnamed = 0;
    char *line = tsv.buf, *save = NULL;
    for (line = strtok_r(tsv.buf, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char *cols[4] = {0}, *s2 = NULL;
        int nc = 0;
        for (char *c = strtok_r(line, "\t", &s2); c && nc < 4;
             c = strtok_r(NULL, "\t", &s2))
            cols[nc++] = c;
        if (nc < 3 || strcmp(cols[0], "file") == 0)
            continue;
        const char *model = "cas-register", *init = "0";
        if (strncmp(cols[1], "multi-register", 14) == 0) {
            model = "multi-register";
            init = "{:x 0 :y 0}";
        } else if (strncmp(cols[1], "mutex", 5) == 0) {
            model = "mutex";
            init = NULL;
        }
        bool want = strcmp(cols[2], "true") == 0;
        struct fl_hist h;
        struct fl_arena a;
        struct fl_err err = FL_ERR_INIT;
        struct fl_chk_result res;
        fl_val iv;
        fl_hist_init(&h);
        fl_arena_init(&a, 0);
        fl_strbuf_reset(&path);
        fl_strbuf_addf(&path, "%s/knossos/%s", fl_test_corpus(), cols[0]);
        if (fl_hist_load(path.buf, FL_HIST_AUTO, &h, &err))
            fl_test_fail(__FILE__, __LINE__, "%s", err.msg);
        if (init)
            ASSERT_OK(
                fl_edn_parse_value(&a, init, strlen(init), "init", &iv, NULL));
        struct fl_linear_opts o = {.model = fl_model_find(model),
                                   .init = init ? &iv : NULL};
        if (fl_linear_check(&h, &o, &a, &res, &err))
            fl_test_fail(__FILE__, __LINE__, "%s", err.msg);
        if (res.valid != (want ? FL_VERDICT_TRUE : FL_VERDICT_FALSE))
            fl_test_fail(__FILE__, __LINE__, "%s: verdict %d, expected %s",
                         cols[0], res.valid, cols[2]);
        for (size_t i = 0; i < FL_ARRAY_SIZE(named); i++) {
            if (strcmp(named[i].file, cols[0]) != 0)
                continue;
            const fl_val *op = get(&res.map, "op");
            ASSERT(op != NULL);
            ASSERT_EQ(fl_val_map_get_kw(op, FL_KW_INDEX)->u.i, named[i].index);
            nnamed++;
        }
        nfiles++;
        fl_arena_release(&a);
        fl_hist_release(&h);
    }
    ASSERT_EQ(nfiles, 122);
    ASSERT_EQ(nnamed, (int)FL_ARRAY_SIZE(named));
    fl_strbuf_release(&tsv);
    fl_strbuf_release(&path);
}

static void
test_svg_written(void)
{
    char dir[] = "/tmp/fl-linear-svg-XXXXXX";
    ASSERT(mkdtemp(dir) != NULL);
    struct fl_hist h;
    struct fl_arena a;
    struct fl_chk_result res;
    const char *edn = "{:process 0 :type :invoke :f :write :value 1}\n"
                      "{:process 0 :type :ok :f :write :value 1}\n"
                      "{:process 1 :type :invoke :f :read :value nil}\n"
                      "{:process 1 :type :ok :f :read :value 2}\n";
    fl_hist_init(&h);
    fl_arena_init(&a, 0);
    ASSERT_OK(fl_hist_parse(edn, strlen(edn), "t", FL_HIST_EDN, &h, NULL));
    struct fl_linear_opts o = {.model = &fl_model_register_type,
                               .out_dir = dir};
    ASSERT_OK(fl_linear_check(&h, &o, &a, &res, NULL));
    ASSERT_EQ(res.valid, FL_VERDICT_FALSE);
    struct fl_strbuf p = FL_STRBUF_INIT, svg = FL_STRBUF_INIT;
    fl_strbuf_addf(&p, "%s/linear.svg", dir);
    ASSERT_OK(fl_strbuf_read_file(&svg, p.buf));
    ASSERT(strstr(svg.buf, "<svg") != NULL);
    ASSERT(strstr(svg.buf, ":read 2") != NULL);
    unlink(p.buf);
    rmdir(dir);
    fl_strbuf_release(&p);
    fl_strbuf_release(&svg);
    fl_arena_release(&a);
    fl_hist_release(&h);
}

/*
 * A crashed op invoked at the start and open till the end used to set the
 * axis: every other op was a sliver at the right edge. The red (failing)
 * and green (linearized) bars must stay wide enough to read.
 */
static void
test_svg_long_crashed_op_keeps_others_legible(void)
{
    char dir[] = "/tmp/fl-linear-svg-XXXXXX";
    struct fl_strbuf edn = FL_STRBUF_INIT, p = FL_STRBUF_INIT;
    struct fl_strbuf svg = FL_STRBUF_INIT;
    struct fl_hist h;
    struct fl_arena a;
    struct fl_chk_result res;
    const char *r;
    double w;

    ASSERT(mkdtemp(dir) != NULL);
    fl_strbuf_addstr(&edn, "{:process 9 :type :invoke :f :write :value 7}\n");
    for (int i = 0; i < 400; i++)
        fl_strbuf_addf(&edn,
                       "{:process %d :type :invoke :f :write :value %d}\n"
                       "{:process %d :type :ok :f :write :value %d}\n",
                       i % 5, i, i % 5, i);
    fl_strbuf_addstr(&edn, "{:process 1 :type :invoke :f :read :value nil}\n"
                           "{:process 1 :type :ok :f :read :value 3}\n");
    fl_hist_init(&h);
    fl_arena_init(&a, 0);
    ASSERT_OK(fl_hist_parse(edn.buf, edn.len, "t", FL_HIST_EDN, &h, NULL));
    struct fl_linear_opts o = {.model = &fl_model_register_type,
                               .out_dir = dir};
    ASSERT_OK(fl_linear_check(&h, &o, &a, &res, NULL));
    ASSERT_EQ(res.valid, FL_VERDICT_FALSE);
    fl_strbuf_addf(&p, "%s/linear.svg", dir);
    ASSERT_OK(fl_strbuf_read_file(&svg, p.buf));
    ASSERT(strstr(svg.buf, ":write 7 (crashed) #0") != NULL);
    r = strstr(svg.buf, "fill=\"#f4a0a0\""); /* the failing op's bar */
    ASSERT(r != NULL);
    while (r > svg.buf && strncmp(r, "width=\"", 7) != 0)
        r--;
    w = strtod(r + 7, NULL);
    ASSERT(w >= 40);
    r = strstr(svg.buf, "fill=\"#a8e0a8\""); /* a linearized op's bar */
    ASSERT(r != NULL);
    while (r > svg.buf && strncmp(r, "width=\"", 7) != 0)
        r--;
    ASSERT(strtod(r + 7, NULL) >= 40);
    /* the path is listed in full below the picture */
    ASSERT(strstr(svg.buf, "400. process 4 :write 399 #") != NULL);
    unlink(p.buf);
    rmdir(dir);
    fl_strbuf_release(&edn);
    fl_strbuf_release(&p);
    fl_strbuf_release(&svg);
    fl_arena_release(&a);
    fl_hist_release(&h);
}

static const struct fl_test_case linear_tests[] = {
    FL_TEST(test_crashed_semantics),
    FL_TEST(test_result_shape),
    FL_TEST(test_independent_results),
    FL_TEST(test_element_split),
    FL_TEST(test_threads_many_keys),
    FL_TEST(test_errors),
    FL_TEST(test_time_limit_unknown),
    FL_TEST(test_many_crashed_writes),
    FL_TEST(test_knossos_corpus),
    FL_TEST(test_svg_written),
    FL_TEST(test_svg_long_crashed_op_keeps_others_legible),
    FL_TEST_T(test_fuzz_register, 120),
    FL_TEST_T(test_fuzz_cas_register, 120),
    FL_TEST_T(test_fuzz_mutex, 120),
    FL_TEST_T(test_fuzz_set, 120),
    FL_TEST_T(test_fuzz_unordered_queue, 120),
    FL_TEST_T(test_fuzz_fifo_queue, 120),
    FL_TEST_T(test_fuzz_multi_register, 120),
    FL_TEST_END,
};

FL_TEST_SUITE(linear, linear_tests);
