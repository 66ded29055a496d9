/* SPDX-License-Identifier: MIT */
/*
 * wgl.c: the linearizability search for one partition.
 *
 * The algorithm is Wing and Gong's backtracking search ("Testing and
 * verifying concurrent objects", JPDC 1993) with Lowe's memoisation of
 * (linearized set, model state) pairs (Lowe, "Testing for
 * linearizability", CCPE 2017, section 4 "WGL") in the list-based form of
 * Horn and Kroening ("Faster linearizability checking via
 * P-compositionality", FORTE 2015, section 4): calls and returns sit in a
 * doubly-linked list in history order; the search walks it from the head,
 * linearizes a call when the model allows it and the resulting
 * configuration is new (removing the call and its return from the list and
 * restarting from the head), and backtracks when it reaches the return of
 * an op it has not linearized. Crashed ops (:info, or never completed) have
 * their returns at the very end, so reaching one means every :ok op is
 * linearized and the remaining crashed ops are taken never to have
 * happened (Knossos's wgl, checkers.md 1.4).
 *
 * What is ours:
 *  - Model states are interned to ids and each (state, distinct op)
 *    transition is computed once, in a dense table while it is small (the
 *    Knossos "memo" idea, done lazily so no fixed point is needed).
 *  - The memo key is compact: with :ok ops numbered in invocation order and
 *    p the first unlinearized one, every linearized :ok op j > p was invoked
 *    before p returned (else the walk would have hit p's return first), so
 *    the set is p plus the bits between p and that bound, plus the bits of
 *    crashed ops invoked before p returned. Keys stay a few words long on
 *    histories of millions of ops, hashed with XXH3.
 *  - Crashed ops with the same transition (two crashed writes of 3) are
 *    interchangeable, except that the earlier-invoked one fits in more
 *    places, so they are linearized in invocation order. This turns 2^k
 *    subsets of k such ops into k+1 prefixes.
 *  - A configuration is dominated by one with the same state and :ok ops
 *    and a subset of its crashed ops (crashed ops are never required and
 *    never expire), and the memo prunes dominated ones. Candidates are tried
 *    :ok ops first, crashed ops second, so the dominating configurations
 *    tend to come first.
 *  - A read-only candidate that is legal now is a forced move (see the
 *    loop below).
 *  - Ops that cannot change the outcome are removed before the search:
 *    always-legal identity ops (reads of nil), crashed read-only ops (they
 *    may be taken never to have happened, and doing so changes nothing
 *    else), and crashed ops the model marks FL_MOP_SHRINKS.
 *  - The counterexample is the configuration that got furthest through the
 *    :ok ops in completion order: the op after it is the one that could not
 *    be linearized (Knossos reports the same op).
 */
#include "util/common.h"

#include "checker/linear/linear_int.h"
#include "util/arena.h"
#include "util/err.h"
#include "util/map.h"

#include <time.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#define NIL_ENTRY       (-1)
#define T_UNKNOWN       0u
#define T_ILLEGAL       1u
#define DENSE_MAX_WORDS ((size_t)1 << 22)
#define CHECK_EVERY     1024u

struct frame {
    int32_t call;   /* call entry that was linearized */
    uint32_t state; /* the state before it */
    bool forced;    /* a forced move: no alternative to try */
};

struct snap {
    uint32_t id;    /* kept op id */
    uint32_t state; /* state after it */
};

struct search {
    const struct fl_model_type *mt;
    struct fl_model model;
    const struct fl_lin_limits *lim;

    size_t n, nok, ncr; /* kept ops: ok ids [0,nok), crashed [nok,n) */
    uint32_t *src;      /* kept id -> ops[] index */
    uint32_t *tid;      /* kept id -> transition id */
    bool *ro;           /* kept id -> read-only (FL_MOP_READONLY) */
    bool *blind;        /* kept id -> blind write (FL_MOP_BLIND) */
    uint32_t *cprev;    /* crashed id -> previous crashed id with the same
                           transition, or FL_LIN_NEVER */
    uint32_t *win_end;  /* ok id p -> first ok id invoked after p's ret */
    uint32_t *cwin_end; /* ok id p -> crashed ops invoked before ret */
    uint32_t *rrank;    /* ok id -> rank in completion order */
    uint32_t *byrank;   /* rank -> ok id */

    struct fl_vec_u32 mops; /* transition words */
    uint32_t *mop_off, *mop_len;
    size_t ntrans;

    struct fl_vec_u32 sw; /* state words */
    uint32_t *s_off, *s_len, *s_chain;
    size_t nstates, salloc;
    struct fl_map s_by_hash; /* state hash -> last state id with it */
    uint32_t *dense;         /* [state * ntrans + t], dense_states rows */
    size_t dense_rows, dense_alloc_rows;
    struct fl_map tmap; /* (state << 32 | t) -> result, beyond dense */
    struct fl_vec_u32 scratch;

    int32_t *next, *prev; /* the entry list; head is entry 2n */
    uint64_t *lin;        /* linearized bitset, 2 spare words */
    size_t p, q;          /* first unlinearized ok id; and by rank */

    uint64_t *c_hash, *c_off; /* memo table: hash, store offset + 1 */
    size_t c_cap, c_n;
    struct {
        uint64_t *v;
        size_t n, alloc;
    } store;       /* memo keys */
    uint64_t *key; /* scratch key */
    size_t key_ok; /* words of key before the crashed bits */

    struct frame *stack;
    size_t sp;
    struct snap *best; /* longest prefix (by q), lw = low water mark */
    size_t best_n, lw, best_q;
    uint32_t best_state;
    uint64_t steps;
    bool oom; /* the memo could not grow within the memory limit */
};

int64_t
fl_lin__now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static size_t
search_bytes(const struct search *s)
{
    return s->store.alloc * 8 + s->c_cap * 16 + s->sw.alloc * 4 +
           s->salloc * 16 + s->dense_alloc_rows * s->ntrans * 4 +
           s->tmap.cap * 17 + s->n * 64;
}

/*
 * Whether the search may allocate extra more bytes (a memo table being
 * rebuilt holds the old and the new table at once) within its limit.
 * Checked before each growth of the memo, so the bound holds at every
 * instant, not only where the loop looks at it.
 */
static bool
mem_ok(struct search *s, size_t extra)
{
    size_t lim = s->lim->memory_limit_bytes;

    if (lim && search_bytes(s) + extra > lim) {
        s->oom = true;
        return false;
    }
    return true;
}

/* ---- model states and transitions ---- */

static uint32_t
state_intern(struct search *s, const uint32_t *w, size_t nw)
{
    uint64_t h = s->mt->hash(w, nw);
    uint64_t *slot = fl_map_get(&s->s_by_hash, h);
    if (slot) {
        for (uint32_t id = (uint32_t)*slot;; id = s->s_chain[id] - 1) {
            if (s->mt->equal(s->sw.v + s->s_off[id], s->s_len[id], w, nw))
                return id;
            if (!s->s_chain[id])
                break;
        }
    }
    if (s->nstates == s->salloc) {
        s->salloc = s->salloc ? 2 * s->salloc : 64;
        s->s_off = fl_xrealloc(s->s_off, s->salloc * sizeof(*s->s_off));
        s->s_len = fl_xrealloc(s->s_len, s->salloc * sizeof(*s->s_len));
        s->s_chain = fl_xrealloc(s->s_chain, s->salloc * sizeof(*s->s_chain));
    }
    uint32_t id = (uint32_t)s->nstates++;
    size_t off = s->sw.n;
    FL_VEC_RESERVE(&s->sw, nw);
    if (nw)
        memcpy(s->sw.v + off, w, nw * sizeof(*w));
    s->sw.n += nw;
    s->s_off[id] = (uint32_t)off;
    s->s_len[id] = (uint32_t)nw;
    s->s_chain[id] = slot ? (uint32_t)*slot + 1 : 0;
    fl_map_put(&s->s_by_hash, h, id);
    return id;
}

/* Result of transition t from state st: T_ILLEGAL or state id + 2. */
static uint32_t
trans_compute(struct search *s, uint32_t st, uint32_t t)
{
    s->scratch.n = 0;
    s->steps++;
    if (!s->mt->step(s->sw.v + s->s_off[st], s->s_len[st],
                     s->mops.v + s->mop_off[t], s->mop_len[t], &s->scratch))
        return T_ILLEGAL;
    return state_intern(s, s->scratch.v, s->scratch.n) + 2;
}

static inline uint32_t
trans(struct search *s, uint32_t st, uint32_t t)
{
    if (st < s->dense_rows) {
        uint32_t *slot = &s->dense[(size_t)st * s->ntrans + t];
        if (*slot == T_UNKNOWN)
            *slot = trans_compute(s, st, t);
        return *slot;
    }
    if (st < DENSE_MAX_WORDS / (s->ntrans ? s->ntrans : 1)) {
        size_t rows = s->dense_alloc_rows;
        while (rows <= st)
            rows = rows ? 2 * rows : 16;
        if (rows * s->ntrans > DENSE_MAX_WORDS)
            rows = DENSE_MAX_WORDS / s->ntrans;
        s->dense = fl_xrealloc(s->dense, rows * s->ntrans * 4);
        memset(s->dense + s->dense_alloc_rows * s->ntrans, 0,
               (rows - s->dense_alloc_rows) * s->ntrans * 4);
        s->dense_alloc_rows = rows;
        s->dense_rows = rows;
        return trans(s, st, t);
    }
    uint64_t k = (uint64_t)st << 32 | t;
    uint64_t *v = fl_map_get(&s->tmap, k);
    if (v)
        return (uint32_t)*v;
    uint32_t r = trans_compute(s, st, t);
    fl_map_put(&s->tmap, k, r);
    return r;
}

/* ---- the linearized bitset and the memo ---- */

static inline bool
bit_get(const uint64_t *w, size_t i)
{
    return (w[i >> 6] >> (i & 63)) & 1;
}

static inline uint64_t
bits_at(const uint64_t *w, size_t pos)
{
    size_t i = pos >> 6, o = pos & 63;
    uint64_t x = w[i] >> o;
    if (o)
        x |= w[i + 1] << (64 - o);
    return x;
}

/* Append bits [pos, pos+len) of w to key as words; returns new length. */
static size_t
key_bits(uint64_t *key, size_t kn, const uint64_t *w, size_t pos, size_t len)
{
    for (size_t k = 0; k < len; k += 64) {
        uint64_t x = bits_at(w, pos + k);
        if (len - k < 64)
            x &= ((uint64_t)1 << (len - k)) - 1;
        key[kn++] = x;
    }
    return kn;
}

static void
lin_set(struct search *s, uint32_t id)
{
    s->lin[id >> 6] |= (uint64_t)1 << (id & 63);
    if (id >= s->nok)
        return;
    if (id == s->p)
        while (s->p < s->nok && bit_get(s->lin, s->p))
            s->p++;
    if (s->rrank[id] == s->q)
        while (s->q < s->nok && bit_get(s->lin, s->byrank[s->q]))
            s->q++;
}

static void
lin_clear(struct search *s, uint32_t id)
{
    s->lin[id >> 6] &= ~((uint64_t)1 << (id & 63));
    if (id >= s->nok)
        return;
    if (id < s->p)
        s->p = id;
    if (s->rrank[id] < s->q)
        s->q = s->rrank[id];
}

static size_t
key_build(struct search *s, uint32_t state)
{
    size_t p = s->p, kn = 0;
    s->key[kn++] = (uint64_t)state << 32 | p;
    if (s->win_end[p] > p + 1)
        kn = key_bits(s->key, kn, s->lin, p + 1, s->win_end[p] - p - 1);
    s->key_ok = kn;
    kn = key_bits(s->key, kn, s->lin, s->nok, s->cwin_end[p]);
    return kn;
}

static void
memo_grow(struct search *s)
{
    size_t cap = s->c_cap ? 2 * s->c_cap : 64;
    uint64_t *h = fl_xcalloc(cap, sizeof(*h));
    uint64_t *o = fl_xcalloc(cap, sizeof(*o));
    for (size_t i = 0; i < s->c_cap; i++) {
        if (!s->c_off[i])
            continue;
        size_t j = s->c_hash[i] & (cap - 1);
        while (o[j])
            j = (j + 1) & (cap - 1);
        h[j] = s->c_hash[i];
        o[j] = s->c_off[i];
    }
    free(s->c_hash);
    free(s->c_off);
    s->c_hash = h;
    s->c_off = o;
    s->c_cap = cap;
}

/*
 * Insert the current configuration with state; false if it is dominated
 * by one already seen: the same state and :ok ops, and a subset of its
 * crashed ops. Anything reachable from a configuration is reachable from
 * one that used fewer crashed ops (they are never required and never
 * expire), so if that one failed, or is still being explored, this one
 * adds nothing. The hash covers the :ok part only, so all configurations
 * that could dominate sit in one probe run.
 */
static bool
memo_insert(struct search *s, uint32_t state)
{
    size_t kn = key_build(s, state), ko = s->key_ok;
    uint64_t h = XXH3_64bits(s->key, ko * 8);
    if (2 * (s->c_n + 1) > s->c_cap) {
        if (!mem_ok(s, (s->c_cap ? 2 * s->c_cap : 64) * 16))
            return false;
        memo_grow(s);
    }
    size_t j = h & (s->c_cap - 1);
    for (; s->c_off[j]; j = (j + 1) & (s->c_cap - 1)) {
        if (s->c_hash[j] != h)
            continue;
        const uint64_t *k = s->store.v + s->c_off[j] - 1;
        if (k[0] != s->key[0] || memcmp(k, s->key, ko * 8) != 0)
            continue;
        size_t w = ko;
        while (w < kn && (k[w] & ~s->key[w]) == 0)
            w++;
        if (w == kn)
            return false;
    }
    if (s->store.n + kn > s->store.alloc &&
        !mem_ok(s, (s->store.alloc / 2 + kn) * 8))
        return false;
    FL_ALLOC_GROW(s->store.v, s->store.n + kn, s->store.alloc);
    memcpy(s->store.v + s->store.n, s->key, kn * 8);
    s->c_hash[j] = h;
    s->c_off[j] = s->store.n + 1;
    s->store.n += kn;
    s->c_n++;
    return true;
}

/* ---- the entry list ---- */

static inline void
lift(struct search *s, int32_t c)
{
    int32_t r = c + 1;
    s->next[s->prev[c]] = s->next[c];
    if (s->next[c] != NIL_ENTRY)
        s->prev[s->next[c]] = s->prev[c];
    s->next[s->prev[r]] = s->next[r];
    if (s->next[r] != NIL_ENTRY)
        s->prev[s->next[r]] = s->prev[r];
}

static inline void
unlift(struct search *s, int32_t c)
{
    int32_t r = c + 1;
    s->next[s->prev[r]] = r;
    if (s->next[r] != NIL_ENTRY)
        s->prev[s->next[r]] = r;
    s->next[s->prev[c]] = c;
    if (s->next[c] != NIL_ENTRY)
        s->prev[s->next[c]] = c;
}

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static size_t
count_below(const uint32_t *sorted, size_t n, uint32_t x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sorted[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* ---- set-up ---- */

static int
prepare(struct search *s, const struct fl_hist *h, const struct fl_lin_op *ops,
        size_t n, const fl_val *init, uint32_t *init_state,
        struct fl_lin_result *res)
{
    struct fl_err err = FL_ERR_INIT;
    struct fl_vec_u32 mop = {0};
    struct fl_strmap tdedup;
    uint32_t *okl = fl_xmalloc((n + 1) * sizeof(*okl));
    uint32_t *crl = fl_xmalloc((n + 1) * sizeof(*crl));
    uint32_t *optid = fl_xmalloc((n + 1) * sizeof(*optid));
    bool *optro = fl_xmalloc((n + 1) * sizeof(*optro));
    bool *optbl = fl_xmalloc((n + 1) * sizeof(*optbl));
    size_t nok = 0, ncr = 0;
    int rc = 0;
    fl_strmap_init(&tdedup);

    s->scratch.n = 0;
    rc = s->mt->init(&s->model, init ? init : &(fl_val){0}, &s->scratch, &err);
    if (rc)
        goto out;
    *init_state = state_intern(s, s->scratch.v, s->scratch.n);

    for (size_t i = 0; i < n; i++) {
        mop.n = 0;
        rc = s->mt->compile(&s->model, ops[i].f, ops[i].value, ops[i].crashed,
                            &mop, &err);
        if (rc) {
            uint32_t at = ops[i].crashed ? ops[i].inv : ops[i].ret;
            if (h->lines)
                fl_err_prefix(&err, "%s:%u: op :index %" PRId64 ": ",
                              h->name ? h->name : "history", h->lines[at],
                              h->ops[at].index);
            else
                fl_err_prefix(&err, "%s: op :index %" PRId64 ": ",
                              h->name ? h->name : "history", h->ops[at].index);
            goto out;
        }
        enum fl_mop_class cls = s->mt->classify(mop.v, mop.n);
        if (cls == FL_MOP_NOOP)
            continue;
        if (ops[i].crashed && (cls == FL_MOP_READONLY || cls == FL_MOP_SHRINKS))
            continue;
        optro[i] = cls == FL_MOP_READONLY;
        optbl[i] = cls == FL_MOP_BLIND;
        uint64_t *t = fl_strmap_get(&tdedup, (const char *)mop.v, mop.n * 4);
        if (!t) {
            if (s->ntrans % 64 == 0) {
                s->mop_off = fl_xrealloc(s->mop_off,
                                         (s->ntrans + 64) * sizeof(uint32_t));
                s->mop_len = fl_xrealloc(s->mop_len,
                                         (s->ntrans + 64) * sizeof(uint32_t));
            }
            s->mop_off[s->ntrans] = (uint32_t)s->mops.n;
            s->mop_len[s->ntrans] = (uint32_t)mop.n;
            FL_VEC_RESERVE(&s->mops, mop.n);
            memcpy(s->mops.v + s->mops.n, mop.v, mop.n * 4);
            s->mops.n += mop.n;
            fl_strmap_put(&tdedup, (const char *)mop.v, mop.n * 4, s->ntrans);
            optid[i] = (uint32_t)s->ntrans++;
        } else {
            optid[i] = (uint32_t)*t;
        }
        if (ops[i].crashed)
            crl[ncr++] = (uint32_t)i;
        else
            okl[nok++] = (uint32_t)i;
    }
    s->nok = nok;
    s->ncr = ncr;
    s->n = nok + ncr;
    s->src = fl_xmalloc((s->n + 1) * sizeof(*s->src));
    s->tid = fl_xmalloc((s->n + 1) * sizeof(*s->tid));
    memcpy(s->src, okl, nok * sizeof(*okl));
    memcpy(s->src + nok, crl, ncr * sizeof(*crl));
    s->ro = fl_xmalloc((s->n + 1) * sizeof(*s->ro));
    s->blind = fl_xmalloc((s->n + 1) * sizeof(*s->blind));
    for (size_t k = 0; k < s->n; k++) {
        s->tid[k] = optid[s->src[k]];
        s->ro[k] = optro[s->src[k]];
        s->blind[k] = optbl[s->src[k]];
    }
    /* Crashed ops with the same transition, in invocation order. */
    s->cprev = fl_xmalloc((s->n + 1) * sizeof(*s->cprev));
    uint32_t *lastc = fl_xmalloc((s->ntrans + 1) * sizeof(*lastc));
    for (size_t t = 0; t < s->ntrans; t++)
        lastc[t] = FL_LIN_NEVER;
    for (size_t k = nok; k < s->n; k++) {
        s->cprev[k] = lastc[s->tid[k]];
        lastc[s->tid[k]] = (uint32_t)k;
    }
    free(lastc);

    /* Windows bounding the memo keys (see the file comment). */
    uint32_t *okinv = fl_xmalloc((nok + 1) * sizeof(*okinv));
    uint32_t *crinv = fl_xmalloc((ncr + 1) * sizeof(*crinv));
    for (size_t k = 0; k < nok; k++)
        okinv[k] = ops[s->src[k]].inv;
    for (size_t k = 0; k < ncr; k++)
        crinv[k] = ops[s->src[nok + k]].inv;
    s->win_end = fl_xmalloc((nok + 1) * sizeof(*s->win_end));
    s->cwin_end = fl_xmalloc((nok + 1) * sizeof(*s->cwin_end));
    for (size_t k = 0; k < nok; k++) {
        uint32_t ret = ops[s->src[k]].ret;
        s->win_end[k] = (uint32_t)count_below(okinv, nok, ret);
        s->cwin_end[k] = (uint32_t)count_below(crinv, ncr, ret);
    }
    s->win_end[nok] = (uint32_t)nok;
    s->cwin_end[nok] = (uint32_t)ncr;
    free(okinv);
    free(crinv);

    /* Completion order of the ok ops, for progress and counterexamples. */
    uint64_t *ev = fl_xmalloc((2 * s->n + 1) * sizeof(*ev));
    for (size_t k = 0; k < nok; k++)
        ev[k] = (uint64_t)ops[s->src[k]].ret << 32 | k;
    qsort(ev, nok, sizeof(*ev), cmp_u64);
    s->rrank = fl_xmalloc((nok + 1) * sizeof(*s->rrank));
    s->byrank = fl_xmalloc((nok + 1) * sizeof(*s->byrank));
    for (size_t r = 0; r < nok; r++) {
        uint32_t k = (uint32_t)ev[r];
        s->byrank[r] = k;
        s->rrank[k] = (uint32_t)r;
    }

    /* The entry list in history order; crashed returns last. */
    size_t ne = 0;
    for (size_t k = 0; k < s->n; k++) {
        const struct fl_lin_op *o = &ops[s->src[k]];
        ev[ne++] = (uint64_t)o->inv << 32 | (2 * k);
        uint64_t rpos = k < nok ? o->ret : FL_LIN_NEVER;
        ev[ne++] = rpos << 32 | (2 * k + 1);
    }
    qsort(ev, ne, sizeof(*ev), cmp_u64);
    s->next = fl_xmalloc((ne + 1) * sizeof(*s->next));
    s->prev = fl_xmalloc((ne + 1) * sizeof(*s->prev));
    int32_t head = (int32_t)ne, last = head;
    for (size_t i = 0; i < ne; i++) {
        int32_t e = (int32_t)(uint32_t)ev[i];
        s->next[last] = e;
        s->prev[e] = last;
        last = e;
    }
    s->next[last] = NIL_ENTRY;
    s->prev[head] = NIL_ENTRY;
    free(ev);

    s->lin = fl_xcalloc((s->n + 63) / 64 + 2, sizeof(*s->lin));
    s->key = fl_xmalloc(((s->n + 63) / 64 + 4) * sizeof(*s->key));
    s->stack = fl_xmalloc((s->n + 1) * sizeof(*s->stack));
    s->best = fl_xmalloc((s->n + 1) * sizeof(*s->best));
out:
    if (rc) {
        res->err_code = rc;
        snprintf(res->err_msg, sizeof(res->err_msg), "%s", err.msg);
    }
    FL_VEC_RELEASE(&mop);
    fl_strmap_release(&tdedup);
    free(okl);
    free(crl);
    free(optid);
    free(optro);
    free(optbl);
    return rc;
}

static void
search_release(struct search *s)
{
    fl_model_release(&s->model);
    free(s->src);
    free(s->tid);
    free(s->ro);
    free(s->blind);
    free(s->cprev);
    free(s->win_end);
    free(s->cwin_end);
    free(s->rrank);
    free(s->byrank);
    FL_VEC_RELEASE(&s->mops);
    free(s->mop_off);
    free(s->mop_len);
    FL_VEC_RELEASE(&s->sw);
    free(s->s_off);
    free(s->s_len);
    free(s->s_chain);
    fl_map_release(&s->s_by_hash);
    free(s->dense);
    fl_map_release(&s->tmap);
    FL_VEC_RELEASE(&s->scratch);
    free(s->next);
    free(s->prev);
    free(s->lin);
    free(s->c_hash);
    free(s->c_off);
    free(s->store.v);
    free(s->key);
    free(s->stack);
    free(s->best);
}

static void snapshot(struct search *s, uint32_t state);

/* Linearize call entry c (already in the memo), from state. */
static void
push(struct search *s, int32_t c, uint32_t state, bool forced)
{
    s->stack[s->sp].call = c;
    s->stack[s->sp].state = state;
    s->stack[s->sp].forced = forced;
    s->sp++;
    lift(s, c);
}

static void
snapshot(struct search *s, uint32_t state)
{
    for (size_t i = s->lw; i < s->sp; i++) {
        s->best[i].id = (uint32_t)(s->stack[i].call / 2);
        s->best[i].state = i + 1 < s->sp ? s->stack[i + 1].state : state;
    }
    s->best_n = s->sp;
    s->lw = s->sp;
    s->best_q = s->q;
    s->best_state = state;
}

/*
 * Whether linearizing id now would make the crashed op linearized last,
 * with no op in between, pointless: id is a blind write, whose state does
 * not depend on the state before it. The same configuration without that
 * crashed op (same state and :ok ops, fewer crashed ops) dominates it, and
 * the search reaches it from the configuration before the crashed op,
 * where id was a candidate too (a crashed op's return is at the end of the
 * list, so linearizing it adds no candidate). So a crashed op is only ever
 * followed by an op that depends on it (a read, a cas) or by nothing. This
 * turns k concurrent crashed writes of distinct values from 2^k subsets
 * into the few orders the reads allow.
 */
static inline bool
overwrites_crashed(const struct search *s, uint32_t id)
{
    if (!s->blind[id] || s->sp == 0)
        return false;
    return (uint32_t)s->stack[s->sp - 1].call / 2 >= s->nok;
}

/* ---- the counterexample ---- */

static fl_val
kw(const char *name)
{
    return fl_val_kw(fl_kw_intern_cstr(name));
}

static void
describe_invalid(struct search *s, const struct fl_hist *h,
                 const struct fl_lin_op *ops, size_t nops, struct fl_arena *a,
                 struct fl_lin_result *res)
{
    uint32_t fid = s->byrank[s->best_q];
    const struct fl_lin_op *fo = &ops[s->src[fid]];
    res->fail_op = s->src[fid];
    res->prev_ok =
        s->best_q > 0 ? s->src[s->byrank[s->best_q - 1]] : FL_LIN_NEVER;
    for (size_t i = 0; i < s->best_n; i++)
        FL_VEC_PUSH(&res->path, s->src[s->best[i].id]);

    fl_val m[20];
    size_t nm = 0;
    m[nm++] = kw("op");
    m[nm++] = fl_lin__op_val(h, fo->ret, a);
    m[nm++] = kw("previous-ok");
    m[nm++] = res->prev_ok == FL_LIN_NEVER
                  ? fl_val_nil()
                  : fl_lin__op_val(h, ops[res->prev_ok].ret, a);

    /* The last linearizable prefix, at most its last 32 steps. */
    size_t from = s->best_n > 32 ? s->best_n - 32 : 0;
    fl_val *steps = fl_xmalloc((s->best_n - from + 1) * sizeof(*steps));
    for (size_t i = from; i < s->best_n; i++) {
        const struct fl_lin_op *o = &ops[s->src[s->best[i].id]];
        uint32_t st = s->best[i].state;
        fl_val kv[4] = {
            kw("op"), fl_lin__op_val(h, o->crashed ? o->inv : o->ret, a),
            kw("model"),
            s->mt->print(&s->model, s->sw.v + s->s_off[st], s->s_len[st], a)};
        steps[i - from] = fl_val_map(a, kv, 2);
    }
    m[nm++] = kw("last-linearized");
    m[nm++] = fl_val_coll(a, FL_V_VEC, steps, s->best_n - from);
    m[nm++] = kw("linearized-count");
    m[nm++] = fl_val_int((int64_t)s->best_n);
    free(steps);

    uint32_t st = s->best_state;
    m[nm++] = kw("final-model");
    m[nm++] = s->mt->print(&s->model, s->sw.v + s->s_off[st], s->s_len[st], a);
    uint32_t t = s->tid[fid];
    bool legal = trans(s, st, t) != T_ILLEGAL;
    m[nm++] = kw("final-step");
    m[nm++] =
        s->mt->print_op(&s->model, s->mops.v + s->mop_off[t], s->mop_len[t], a);
    m[nm++] = kw("final-step-legal?");
    m[nm++] = fl_val_bool(legal);

    /* Ops whose intervals overlap the failing op's. */
    fl_val conc[32];
    size_t nc = 0;
    for (size_t i = 0; i < nops && nc < FL_ARRAY_SIZE(conc); i++) {
        const struct fl_lin_op *o = &ops[i];
        if (o == fo)
            continue;
        uint32_t end = o->crashed ? FL_LIN_NEVER : o->ret;
        if (o->inv < fo->ret && end > fo->inv)
            conc[nc++] = fl_lin__op_val(h, o->crashed ? o->inv : o->ret, a);
    }
    m[nm++] = kw("concurrent");
    m[nm++] = fl_val_coll(a, FL_V_VEC, conc, nc);
    res->detail = fl_val_map(a, m, nm / 2);
}

/* ---- the search ---- */

static bool
limits_hit(struct search *s, struct fl_lin_result *res)
{
    const struct fl_lin_limits *lim = s->lim;
    if (lim->stop && __atomic_load_n(lim->stop, __ATOMIC_RELAXED)) {
        res->cause = "not-checked";
        return true;
    }
    if (lim->deadline_ns && fl_lin__now_ns() > lim->deadline_ns) {
        res->cause = "timeout";
        return true;
    }
    size_t b = search_bytes(s);
    if (b > res->peak_bytes)
        res->peak_bytes = b;
    if (lim->memory_limit_bytes && b > lim->memory_limit_bytes) {
        res->cause = "out-of-memory";
        return true;
    }
    return false;
}

void
fl_lin__search(const struct fl_model_type *mt, const fl_val *init,
               const struct fl_hist *h, const struct fl_lin_op *ops, size_t n,
               const struct fl_lin_limits *lim, struct fl_arena *a,
               struct fl_lin_result *res)
{
    struct search s;
    uint32_t state = 0;

    memset(&s, 0, sizeof(s));
    memset(res, 0, sizeof(*res));
    res->fail_op = res->prev_ok = FL_LIN_NEVER;
    res->detail = fl_val_nil();
    res->verdict = FL_VERDICT_TRUE;
    s.mt = mt;
    s.lim = lim;
    fl_model_init(&s.model, mt);
    fl_map_init(&s.s_by_hash);
    fl_map_init(&s.tmap);
    if (prepare(&s, h, ops, n, init, &state, res)) {
        res->verdict = FL_VERDICT_UNKNOWN;
        goto out;
    }
    res->nops = s.n;
    res->ncrashed = s.ncr;
    /* Prepared (so a model mismatch is still an error), not searched. */
    if (lim->stop && __atomic_load_n(lim->stop, __ATOMIC_RELAXED)) {
        res->cause = "not-checked";
        res->verdict = FL_VERDICT_UNKNOWN;
        goto out;
    }

    int32_t head = (int32_t)(2 * s.n);
    int32_t e = NIL_ENTRY;
    uint32_t iter = 0;
    bool crashed_phase = false;
    memo_insert(&s, state);
    for (;;) {
        if (FL_UNLIKELY(s.oom) ||
            (FL_UNLIKELY(++iter % CHECK_EVERY == 0) && limits_hit(&s, res))) {
            if (s.oom)
                res->cause = "out-of-memory";
            res->verdict = FL_VERDICT_UNKNOWN;
            goto out;
        }
        if (e == NIL_ENTRY) {
            crashed_phase = false;
            /*
             * A fresh configuration. A read-only candidate that is legal
             * now can be linearized now without losing anything: moving
             * it earlier keeps every other op's state and respects real
             * time, since a candidate's predecessors are all linearized.
             * So it is a forced move, and if it fails, so does this
             * configuration.
             */
            bool forced = false, dead = false;
            for (int32_t f = s.next[head]; f != NIL_ENTRY && !(f & 1);
                 f = s.next[f]) {
                uint32_t fid = (uint32_t)f / 2;
                if (!s.ro[fid])
                    continue;
                uint32_t r = trans(&s, state, s.tid[fid]);
                if (r == T_ILLEGAL)
                    continue;
                lin_set(&s, fid);
                if (!memo_insert(&s, r - 2)) {
                    lin_clear(&s, fid);
                    dead = true;
                    break;
                }
                push(&s, f, state, true);
                state = r - 2;
                if (s.q > s.best_q)
                    snapshot(&s, state);
                forced = true;
                break;
            }
            if (forced)
                continue;
            e = s.next[head];
            if (dead)
                goto backtrack;
            if (e == NIL_ENTRY)
                break; /* everything linearized */
        }
        uint32_t id = (uint32_t)e / 2;
        if (e & 1) {
            if (id >= s.nok)
                break; /* only crashed returns remain: linearizable */
            if (!crashed_phase) {
                /* now the crashed candidates, from the head again */
                crashed_phase = true;
                e = s.next[head];
                continue;
            }
        backtrack:
            /* pop to the last free choice; forced moves have none */
            for (;;) {
                if (s.sp == 0) {
                    /* a refused memo entry is no refutation */
                    res->verdict =
                        s.oom ? FL_VERDICT_UNKNOWN : FL_VERDICT_FALSE;
                    if (s.oom)
                        res->cause = "out-of-memory";
                    goto done;
                }
                struct frame fr = s.stack[--s.sp];
                if (s.sp < s.lw)
                    s.lw = s.sp;
                state = fr.state;
                lin_clear(&s, (uint32_t)fr.call / 2);
                unlift(&s, fr.call);
                if (!fr.forced) {
                    e = s.next[fr.call];
                    crashed_phase = (uint32_t)fr.call / 2 >= s.nok;
                    break;
                }
            }
            continue;
        }
        /*
         * Candidates are tried in two passes: :ok ops, then crashed ones.
         * Configurations that use fewer crashed ops are then explored
         * first, and they dominate those that use more (memo_insert).
         */
        if ((id >= s.nok) != crashed_phase) {
            e = s.next[e];
            continue;
        }
        /*
         * Crashed ops with the same transition are interchangeable except
         * that an earlier invocation allows more orders, so they are used
         * in invocation order: a later one waits for the earlier one.
         */
        uint32_t r = (id >= s.nok && s.cprev[id] != FL_LIN_NEVER &&
                      !bit_get(s.lin, s.cprev[id])) ||
                             overwrites_crashed(&s, id)
                         ? T_ILLEGAL
                         : trans(&s, state, s.tid[id]);
        if (r != T_ILLEGAL) {
            lin_set(&s, id);
            if (memo_insert(&s, r - 2)) {
                push(&s, e, state, false);
                state = r - 2;
                if (s.q > s.best_q)
                    snapshot(&s, state);
                e = NIL_ENTRY;
                continue;
            }
            lin_clear(&s, id);
        }
        e = s.next[e];
    }
done:
    if (res->verdict == FL_VERDICT_FALSE)
        describe_invalid(&s, h, ops, n, a, res);
out:
    res->steps = s.steps;
    res->configs = s.c_n;
    res->states = s.nstates;
    size_t b = search_bytes(&s);
    if (b > res->peak_bytes)
        res->peak_bytes = b;
    search_release(&s);
}

void
fl_lin__result_release(struct fl_lin_result *res)
{
    if (!res)
        return;
    FL_VEC_RELEASE(&res->path);
}
