/* SPDX-License-Identifier: MIT */
/*
 * infer.c: list-append inference (Elle paper section 4.2 and
 * elle.list-append). Appended values are unique per key, so the longest
 * read of a key is a prefix of its version order and every other read must
 * be a prefix of it. From that order come ww edges (appender of element i
 * -> appender of element i+1), wr edges (appender of a read's last element
 * -> reader) and rw edges (reader -> appender of the next element);
 * committed appends no read ever saw come after the longest read. The
 * non-cycle anomalies (G1a, G1b, dirty-update, internal, future-read,
 * lost-update, duplicate-elements, incompatible-order, garbage reads,
 * duplicate appends) are found in the same passes.
 */
#include "util/common.h"

#include "checker/elle/elle_int.h"

#include "util/map.h"

#include <pthread.h>

static uint64_t
kv_hash(uint32_t key, int64_t v)
{
    return fl_hash_u64((uint64_t)v * 0x9E3779B97F4A7C15ull ^
                       ((uint64_t)key << 17 | key));
}

struct elle_kv *
elle__kv_get(const struct elle_kvmap *m, uint32_t key, int64_t v)
{
    if (!m->cap)
        return NULL;
    size_t i = kv_hash(key, v) & (m->cap - 1);
    for (;;) {
        struct elle_kv *s = &m->slots[i];
        if (s->key == ELLE_NONE)
            return NULL;
        if (s->key == key && s->v == v)
            return s;
        i = (i + 1) & (m->cap - 1);
    }
}

static void
kv_grow(struct elle_kvmap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 1024;
    struct elle_kv *slots = elle__big_calloc(cap, sizeof(*slots));
    for (size_t i = 0; i < cap; i++)
        slots[i].key = ELLE_NONE;
    for (size_t i = 0; i < m->cap; i++) {
        struct elle_kv *s = &m->slots[i];
        if (s->key == ELLE_NONE)
            continue;
        size_t j = kv_hash(s->key, s->v) & (cap - 1);
        while (slots[j].key != ELLE_NONE)
            j = (j + 1) & (cap - 1);
        slots[j] = *s;
    }
    free(m->slots);
    m->slots = slots;
    m->cap = cap;
}

struct elle_kv *
elle__kv_put(struct elle_kvmap *m, uint32_t key, int64_t v, bool *isnew)
{
    if ((m->n + 1) * 4 > m->cap * 3)
        kv_grow(m); /* at most 3/4 full */
    size_t i = kv_hash(key, v) & (m->cap - 1);
    for (;;) {
        struct elle_kv *s = &m->slots[i];
        if (s->key == ELLE_NONE) {
            memset(s, 0, sizeof(*s));
            s->key = key;
            s->v = v;
            s->pos = ELLE_NONE;
            m->n++;
            *isnew = true;
            return s;
        }
        if (s->key == key && s->v == v) {
            *isnew = false;
            return s;
        }
        i = (i + 1) & (m->cap - 1);
    }
}

void
elle__reserve(struct elle_ctx *c)
{
    /* Writes map at most 3/4 full; edges about 2 per micro-op plus the
     * process and real-time ones. */
    size_t nw = 0;
    for (size_t i = 0; i < c->nmop; i++)
        nw += c->mops[i].f != ELLE_READ;
    size_t cap = 1024;
    while (cap * 3 < (nw + 2) * 4)
        cap *= 2;
    free(c->writes.slots);
    c->writes.slots = elle__big_calloc(cap, sizeof(struct elle_kv));
    for (size_t i = 0; i < cap; i++)
        c->writes.slots[i].key = ELLE_NONE;
    c->writes.cap = cap;
    c->writes.n = 0;
    if (!c->g.edges.alloc) {
        c->g.edges.alloc = 2 * c->nmop + 4 * (size_t)c->ntxn + 16;
        c->g.edges.v =
            elle__big_calloc(c->g.edges.alloc, sizeof(struct elle_edge));
    }
}

void
elle__add_edge(struct elle_ctx *c, uint32_t src, uint32_t dst, uint8_t rel,
               uint8_t why, uint32_t amop, uint32_t bmop)
{
    if (src == dst)
        return;
    struct elle_edge e;
    e.src = src;
    e.dst = dst;
    e.amop = (uint16_t)FL_MIN(amop, 0xffffu);
    e.bmop = (uint16_t)FL_MIN(bmop, 0xffffu);
    e.rel = rel;
    e.why = why;
    FL_VEC_PUSH(&c->g.edges, e);
}

bool
elle__txn_has_before(const struct elle_ctx *c, uint32_t t, uint32_t i,
                     uint8_t f, uint32_t key)
{
    const struct elle_txn *tx = &c->txns[t];
    for (uint32_t j = 0; j < i && j < tx->nmop; j++) {
        const struct elle_mop *m = &c->mops[tx->mop0 + j];
        if (m->f == f && m->key == key)
            return true;
    }
    return false;
}

#define KW(s) elle__kw(s)

struct elle_kv *
elle__put_write(struct elle_ctx *c, uint32_t t, uint32_t i, int dup_type)
{
    const struct elle_txn *tx = &c->txns[t];
    const struct elle_mop *m = &c->mops[tx->mop0 + i];
    bool isnew;
    struct elle_kv *kv = elle__kv_put(&c->writes, m->key, m->v, &isnew);
    if (!isnew) {
        if (!kv->dup) {
            fl_val txns[2] = {elle__op_val(c, kv->txn), elle__op_val(c, t)};
            fl_val r[6] = {KW("key"),   fl_val_copy(c->a, &c->keys[m->key]),
                           KW("value"), fl_val_int(m->v),
                           KW("txns"),  fl_val_coll(c->a, FL_V_VEC, txns, 2)};
            elle__add(c, dup_type, elle__mapv(c, r, 3));
        }
        kv->dup = 1;
        c->key_bad[m->key] = 1;
        return NULL;
    }
    kv->txn = t;
    kv->mop = tx->mop0 + i;
    kv->final = 1;
    kv->wtype = tx->type;
    for (uint32_t j = i + 1; j < tx->nmop; j++)
        if (c->mops[tx->mop0 + j].f == m->f &&
            c->mops[tx->mop0 + j].key == m->key)
            kv->final = 0;
    return kv;
}

void
elle__report_op_mop(struct elle_ctx *c, int type, uint32_t t, uint32_t mi,
                    const char *k3, fl_val v3, const char *k4, fl_val v4)
{
    if (!elle__want(c, type))
        return;
    fl_val kv[8];
    size_t n = 0;
    kv[n++] = KW("op");
    kv[n++] = elle__op_val(c, t);
    kv[n++] = KW("mop");
    kv[n++] = elle__mop_val(c, &c->mops[c->txns[t].mop0 + mi]);
    if (k3) {
        kv[n++] = KW(k3);
        kv[n++] = v3;
    }
    if (k4) {
        kv[n++] = KW(k4);
        kv[n++] = v4;
    }
    elle__add(c, type, elle__mapv(c, kv, n / 2));
}

/* How many txns ahead the big passes prefetch. */
#define PREFETCH_TXNS 8

/* Bring the writes-map slots of txn t's appends into cache. */
static inline void
prefetch_appends(const struct elle_ctx *c, uint32_t t)
{
    const struct elle_txn *tx = &c->txns[t];
    const struct elle_mop *ms = &c->mops[tx->mop0];
    for (uint32_t i = 0; i < tx->nmop; i++)
        if (ms[i].f == ELLE_APPEND)
            __builtin_prefetch(&c->writes.slots[kv_hash(ms[i].key, ms[i].v) &
                                                (c->writes.cap - 1)],
                               1);
}

/* Bring the elements of txn t's list reads into cache. */
static inline void
prefetch_reads(const struct elle_ctx *c, uint32_t t)
{
    const struct elle_txn *tx = &c->txns[t];
    const struct elle_mop *ms = &c->mops[tx->mop0];
    for (uint32_t i = 0; i < tx->nmop; i++)
        if (ms[i].f == ELLE_READ && ms[i].n)
            __builtin_prefetch(ms[i].items);
}

/* Element i of a list read (the history's own storage). */
#define EL(m_, k_) ((m_)->items[(k_)].u.i)

static bool
is_prefix(const struct elle_mop *a, const struct elle_mop *b)
{
    if (a->n > b->n)
        return false;
    for (uint32_t i = 0; i < a->n; i++)
        if (EL(a, i) != EL(b, i))
            return false;
    return true;
}

fl_val
elle__mop_ints(struct elle_ctx *c, const struct elle_mop *m, uint32_t start,
               uint32_t n)
{
    fl_val *items = fl_xmalloc(fl_st_mult((size_t)n + 1, sizeof(fl_val)));
    for (uint32_t i = 0; i < n; i++)
        items[i] = fl_val_int(EL(m, start + i));
    fl_val r = fl_val_coll(c->a, FL_V_VEC, items, n);
    free(items);
    return r;
}

/*
 * Future reads and internal inconsistencies of txn t. With dry, report
 * nothing and return true at the first one found (so a helper thread can
 * leave the reporting, which must happen in txn order, to the caller).
 */
static bool
check_internal(struct elle_ctx *c, uint32_t t, bool dry)
{
    const struct elle_txn *tx = &c->txns[t];
    const struct elle_mop *ms = &c->mops[tx->mop0];
    for (uint32_t i = 0; i < tx->nmop; i++) {
        const struct elle_mop *r = &ms[i];
        if (r->f != ELLE_READ)
            continue;
        /* future-read: an element this txn appends only later. */
        for (uint32_t j = i + 1; j < tx->nmop; j++) {
            const struct elle_mop *w = &ms[j];
            if (w->f != ELLE_APPEND || w->key != r->key)
                continue;
            for (uint32_t e = 0; e < r->n; e++)
                if (EL(r, e) == w->v) {
                    if (dry)
                        return true;
                    elle__report_op_mop(c, ELLE_A_FUTURE, t, i, "element",
                                        fl_val_int(w->v), NULL, fl_val_nil());
                    break;
                }
        }
        /* internal: the last earlier read of the key, then own appends,
         * must be exactly what this read sees (or, with no earlier read,
         * its suffix). */
        int32_t last = -1;
        uint32_t nap = 0;
        for (uint32_t j = 0; j < i; j++) {
            if (ms[j].key != r->key)
                continue;
            if (ms[j].f == ELLE_READ) {
                last = (int32_t)j;
                nap = 0;
            } else {
                nap++;
            }
        }
        if (last < 0 && nap == 0)
            continue;
        const struct elle_mop *p = last >= 0 ? &ms[last] : NULL;
        uint32_t base = p ? p->n : 0;
        bool bad = p ? r->n != base + nap : r->n < nap;
        for (uint32_t e = 0; e < base && !bad; e++)
            bad = EL(r, e) != EL(p, e);
        uint32_t at = p ? base : r->n - (bad ? 0 : nap);
        for (uint32_t j = (uint32_t)(last + 1); j < i && !bad; j++)
            if (ms[j].key == r->key && ms[j].f == ELLE_APPEND)
                bad = EL(r, at++) != ms[j].v;
        if (!bad)
            continue;
        if (dry)
            return true;
        fl_val *items =
            fl_xmalloc(fl_st_mult((size_t)base + nap + 2, sizeof(fl_val)));
        size_t ni = 0;
        if (!p)
            items[ni++] = fl_val_sym(fl_kw_intern_cstr("..."));
        for (uint32_t e = 0; e < base; e++)
            items[ni++] = fl_val_int(EL(p, e));
        for (uint32_t j = (uint32_t)(last + 1); j < i; j++)
            if (ms[j].key == r->key && ms[j].f == ELLE_APPEND)
                items[ni++] = fl_val_int(ms[j].v);
        elle__report_op_mop(c, ELLE_A_INTERNAL, t, i, "expected",
                            fl_val_coll(c->a, FL_V_VEC, items, ni), NULL,
                            fl_val_nil());
        free(items);
    }
    return false;
}

struct lu_tuple {
    uint32_t key, len, txn;
};

static int
lu_cmp(const void *x, const void *y)
{
    const struct lu_tuple *a = x, *b = y;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    if (a->len != b->len)
        return a->len < b->len ? -1 : 1;
    return a->txn < b->txn ? -1 : a->txn > b->txn;
}

static void
lost_updates(struct elle_ctx *c, struct lu_tuple *lu, size_t n,
             const uint32_t *long_mop)
{
    if (n)
        qsort(lu, n, sizeof(*lu), lu_cmp);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && lu[j].key == lu[i].key && lu[j].len == lu[i].len)
            j++;
        if (j - i >= 2) {
            fl_val *txns = fl_xmalloc(fl_st_mult(j - i, sizeof(fl_val)));
            for (size_t k = i; k < j; k++)
                txns[k - i] = elle__op_val(c, lu[k].txn);
            const struct elle_mop *L = &c->mops[long_mop[lu[i].key]];
            fl_val kv[6] = {
                KW("key"),   fl_val_copy(c->a, &c->keys[lu[i].key]),
                KW("value"), elle__mop_ints(c, L, 0, lu[i].len),
                KW("txns"),  fl_val_coll(c->a, FL_V_VEC, txns, j - i)};
            free(txns);
            elle__add(c, ELLE_A_LOST, elle__mapv(c, kv, 3));
        }
        i = j;
    }
}

/* Index of the micro-op m inside txn t. */
static uint32_t
mop_idx(const struct elle_ctx *c, uint32_t t, uint32_t global)
{
    return global - c->txns[t].mop0;
}

/* Reads (global mop ids, in txn order) that are not a prefix of their
 * key's longest read. */
struct prefix_job {
    const struct elle_ctx *c;
    const uint32_t *long_mop;
    struct fl_vec_u32 bad;
};

static void *
prefix_main(void *arg)
{
    struct prefix_job *j = arg;
    const struct elle_ctx *c = j->c;
    for (uint32_t t = 0; t < c->ntxn; t++) {
        const struct elle_txn *tx = &c->txns[t];
        if (t + PREFETCH_TXNS < c->ntxn)
            prefetch_reads(c, t + PREFETCH_TXNS);
        if (tx->type != FL_OP_OK)
            continue;
        for (uint32_t i = 0; i < tx->nmop; i++) {
            const struct elle_mop *m = &c->mops[tx->mop0 + i];
            if (m->f != ELLE_READ || c->key_bad[m->key] == 1 ||
                j->long_mop[m->key] == ELLE_NONE)
                continue;
            const struct elle_mop *L = &c->mops[j->long_mop[m->key]];
            if (m != L && !is_prefix(m, L))
                FL_VEC_PUSH(&j->bad, tx->mop0 + i);
        }
    }
    return NULL;
}

/*
 * The state of list-append inference, filled phase by phase (see
 * elle__infer_append); read-only while the reads pass runs.
 */
struct app_state {
    struct elle_ctx *c;
    uint32_t *long_mop; /* per key: global mop of its longest read, or NONE */
    uint32_t *fpos;     /* per key: order position of the first :fail
                         * append, or NONE */
    uint32_t *lstart;   /* per key: start of its order in lslot */
    uint32_t *lslot;    /* writes-map slot of each order element, or NONE */
    uint32_t *ucount;   /* unobserved appends, CSR by key: key k's are */
    uint32_t *umop;     /* [ucount[k-1], ucount[k]): global mop ids */
    uint32_t *utxn;     /* and their txns */
};

enum { RD_EDGES = 1, RD_REPORT = 2 };

/* One thread's share of the reads pass: txns [t0, t1). */
struct reads_part {
    const struct app_state *r;
    uint32_t t0, t1;
    struct elle_edge_vec *edges; /* where edges go */
    struct elle_edge_vec own;    /* a helper's edges */
    struct lu_tuple *lu;         /* lost-update candidates */
    size_t nlu, lualloc;
    struct fl_vec_u32 redo; /* txns with anomalies left to report */
};

static void
part_edge(struct reads_part *p, uint32_t src, uint32_t dst, uint8_t rel,
          uint8_t why, uint32_t amop, uint32_t bmop)
{
    if (src == dst)
        return;
    struct elle_edge e;
    memset(&e, 0, sizeof(e));
    e.src = src;
    e.dst = dst;
    e.amop = (uint16_t)FL_MIN(amop, 0xffffu);
    e.bmop = (uint16_t)FL_MIN(bmop, 0xffffu);
    e.rel = rel;
    e.why = why;
    FL_VEC_PUSH(p->edges, e);
}

/*
 * The reads of committed txn t. mode RD_EDGES adds its edges and
 * lost-update candidates; RD_REPORT reports its anomalies. A helper thread
 * runs RD_EDGES alone (touching nothing shared) and returns true when t has
 * something to report, which the caller does later with RD_REPORT alone:
 * together the same edges and anomalies, in the same order, as one pass.
 */
static bool
reads_txn(struct reads_part *p, uint32_t t, int mode)
{
    const struct app_state *r = p->r;
    struct elle_ctx *c = r->c;
    const uint32_t *long_mop = r->long_mop, *fpos = r->fpos;
    const uint32_t *lstart = r->lstart, *lslot = r->lslot;
    const uint32_t *ucount = r->ucount, *umop = r->umop, *utxn = r->utxn;
    const struct elle_txn *tx = &c->txns[t];
    bool report = mode & RD_REPORT, edges = mode & RD_EDGES, found = false;

    if (tx->type != FL_OP_OK)
        return false;
    found |= check_internal(c, t, !report);
    for (uint32_t i = 0; i < tx->nmop; i++) {
        const struct elle_mop *m = &c->mops[tx->mop0 + i];
        uint32_t k = m->key;
        if (m->f != ELLE_READ || c->key_bad[k] == 1 || long_mop[k] == ELLE_NONE)
            continue;
        if (fpos[k] != ELLE_NONE && m->n > fpos[k]) {
            for (uint32_t e = fpos[k]; e < m->n; e++) {
                struct elle_kv *kv =
                    c->key_bad[k] == 2 ? elle__kv_get(&c->writes, k, EL(m, e))
                    : lslot[lstart[k] + e] == ELLE_NONE
                        ? NULL
                        : &c->writes.slots[lslot[lstart[k] + e]];
                if (!kv || kv->wtype != FL_OP_FAIL)
                    continue;
                found = true;
                if (report && elle__want(c, ELLE_A_G1A))
                    elle__report_op_mop(c, ELLE_A_G1A, t, i, "writer",
                                        elle__op_val(c, kv->txn), "element",
                                        fl_val_int(EL(m, e)));
            }
        }
        if (elle__txn_has_before(c, t, i, ELLE_APPEND, k) ||
            elle__txn_has_before(c, t, i, ELLE_READ, k))
            continue; /* not an external read */
        const struct elle_mop *L = &c->mops[long_mop[k]];
        if (c->key_bad[k] == 2 && !is_prefix(m, L))
            continue; /* incompatible with the order: no edges */
        if (m->n > 0) {
            uint32_t wsl = lslot[lstart[k] + m->n - 1];
            struct elle_kv *w = wsl == ELLE_NONE ? NULL : &c->writes.slots[wsl];
            if (w && w->txn != t && w->wtype != FL_OP_FAIL) {
                if (edges)
                    part_edge(p, w->txn, t, ELLE_WR, ELLE_OBSERVED,
                              mop_idx(c, w->txn, w->mop), i);
                if (!w->final) {
                    found = true;
                    if (report && elle__want(c, ELLE_A_G1B))
                        elle__report_op_mop(c, ELLE_A_G1B, t, i, "writer",
                                            elle__op_val(c, w->txn), "element",
                                            fl_val_int(w->v));
                }
            }
        }
        if (!edges)
            continue;
        if (m->n < L->n) {
            uint32_t xsl = lslot[lstart[k] + m->n];
            struct elle_kv *x = xsl == ELLE_NONE ? NULL : &c->writes.slots[xsl];
            if (x && x->wtype != FL_OP_FAIL)
                part_edge(p, t, x->txn, ELLE_RW, ELLE_OBSERVED, i,
                          mop_idx(c, x->txn, x->mop));
        } else {
            for (uint32_t s = k ? ucount[k - 1] : 0; s < ucount[k]; s++)
                part_edge(p, t, utxn[s], ELLE_RW, ELLE_W_LONGEST, i,
                          mop_idx(c, utxn[s], umop[s]));
        }
        /* lost update candidates: read k externally and append to k */
        for (uint32_t j = i + 1; j < tx->nmop; j++) {
            const struct elle_mop *w = &c->mops[tx->mop0 + j];
            if (w->f == ELLE_APPEND && w->key == k) {
                struct lu_tuple tu = {k, m->n, t};
                FL_ALLOC_GROW(p->lu, p->nlu + 1, p->lualloc);
                p->lu[p->nlu++] = tu;
                break;
            }
        }
    }
    return found;
}

static void
reads_range(struct reads_part *p, int mode)
{
    for (uint32_t t = p->t0; t < p->t1; t++) {
        if (t + PREFETCH_TXNS < p->t1)
            prefetch_reads(p->r->c, t + PREFETCH_TXNS);
        if (reads_txn(p, t, mode) && !(mode & RD_REPORT))
            FL_VEC_PUSH(&p->redo, t);
    }
}

static void *
reads_main(void *arg)
{
    reads_range(arg, RD_EDGES);
    return NULL;
}

/* The reading txn of global micro-op mop (rare paths only: a scan). */
static uint32_t
txn_of_mop(const struct elle_ctx *c, uint32_t mop)
{
    for (uint32_t t = 0; t < c->ntxn; t++)
        if (c->txns[t].mop0 <= mop && mop < c->txns[t].mop0 + c->txns[t].nmop)
            return t;
    return ELLE_NONE;
}

/*
 * Phase 1: who appended what (duplicates make a key unusable) and each
 * key's longest committed read. The map is far bigger than the caches:
 * fetch a later txn's slots ahead of time. The longest read's length is
 * kept per key (not read back from mops).
 */
static void
phase_appends(struct app_state *s)
{
    struct elle_ctx *c = s->c;
    uint32_t *long_n = fl_xcalloc(c->nkey + 1, sizeof(uint32_t));
    for (uint32_t t = 0; t < c->ntxn; t++) {
        const struct elle_txn *tx = &c->txns[t];
        if (t + PREFETCH_TXNS < c->ntxn)
            prefetch_appends(c, t + PREFETCH_TXNS);
        for (uint32_t i = 0; i < tx->nmop; i++) {
            struct elle_mop *m = &c->mops[tx->mop0 + i];
            if (m->f == ELLE_APPEND) {
                struct elle_kv *kv = elle__put_write(c, t, i, ELLE_A_DUPAPP);
                /* an append's off field caches its writes-map slot */
                m->off = kv ? (uint32_t)(kv - c->writes.slots) : ELLE_NONE;
            } else if (tx->type == FL_OP_OK) {
                uint32_t *lm = &s->long_mop[m->key];
                if (*lm == ELLE_NONE || long_n[m->key] < m->n) {
                    *lm = tx->mop0 + i;
                    long_n[m->key] = m->n;
                }
            }
        }
    }
    free(long_n);
}

/* Report the first occurrence of a repeated element i of key k's longest
 * read L (later occurrences are skipped when ordering: first one wins). */
static void
report_dup_element(struct elle_ctx *c, uint32_t lm, const struct elle_kv *kv,
                   uint32_t i)
{
    const struct elle_mop *L = &c->mops[lm];
    for (uint32_t j = kv->pos + 1; j < i; j++)
        if (EL(L, j) == EL(L, i))
            return; /* reported at its second occurrence already */
    uint32_t reader = txn_of_mop(c, lm), cnt = 0;
    for (uint32_t j = 0; j < L->n; j++)
        cnt += EL(L, j) == EL(L, i);
    fl_val d[2] = {fl_val_int(EL(L, i)), fl_val_int(cnt)};
    elle__report_op_mop(c, ELLE_A_DUPEL, reader, mop_idx(c, reader, lm),
                        "duplicates", fl_val_map(c->a, d, 1), NULL,
                        fl_val_nil());
}

/* Key k's version order from its longest read: lslot, fpos, and the
 * garbage-read and duplicate-elements reports. */
static void
order_key(struct app_state *s, uint32_t k)
{
    struct elle_ctx *c = s->c;
    uint32_t lm = s->long_mop[k];
    const struct elle_mop *L = &c->mops[lm];
    uint32_t *ls = &s->lslot[s->lstart[k]];
    for (uint32_t i = 0; i < L->n; i++) {
        if (i + 4 < L->n)
            __builtin_prefetch(&c->writes.slots[kv_hash(k, EL(L, i + 4)) &
                                                (c->writes.cap - 1)]);
        struct elle_kv *kv = elle__kv_get(&c->writes, k, EL(L, i));
        ls[i] = ELLE_NONE;
        if (!kv) {
            uint32_t reader = txn_of_mop(c, lm);
            elle__report_op_mop(c, ELLE_A_GARBAGE, reader,
                                mop_idx(c, reader, lm), "element",
                                fl_val_int(EL(L, i)), NULL, fl_val_nil());
            continue;
        }
        if (kv->pos != ELLE_NONE) {
            report_dup_element(c, lm, kv, i);
            continue;
        }
        kv->pos = i;
        ls[i] = (uint32_t)(kv - c->writes.slots);
        if (kv->wtype == FL_OP_FAIL && s->fpos[k] == ELLE_NONE)
            s->fpos[k] = i;
    }
}

/*
 * Phase 2: version orders, the longest read of each key. lslot[lstart[k]
 * + i] is the writes-map slot of element i of key k's order (ELLE_NONE for
 * garbage and repeated elements), so later passes need no hashing.
 * Meanwhile a helper thread finds the reads that are not a prefix of
 * their key's longest read (it only reads what phase 1 wrote); they are
 * reported afterwards in txn order, the same reports as one pass.
 */
static void
phase_orders(struct app_state *s)
{
    struct elle_ctx *c = s->c;
    struct prefix_job pj = {c, s->long_mop, {NULL, 0, 0}};
    pthread_t pth;
    bool pthr =
        c->ntxn >= 4096 && pthread_create(&pth, NULL, prefix_main, &pj) == 0;
    size_t nl = 0;
    for (uint32_t k = 0; k < c->nkey; k++) {
        s->lstart[k] = (uint32_t)nl;
        if (!c->key_bad[k] && s->long_mop[k] != ELLE_NONE)
            nl += c->mops[s->long_mop[k]].n;
    }
    s->lstart[c->nkey] = (uint32_t)nl;
    s->lslot = fl_xmalloc(fl_st_mult(nl + 1, sizeof(uint32_t)));
    for (uint32_t k = 0; k < c->nkey; k++)
        if (!c->key_bad[k] && s->long_mop[k] != ELLE_NONE)
            order_key(s, k);
    if (pthr)
        pthread_join(pth, NULL);
    else
        prefix_main(&pj);
    for (size_t b = 0; b < pj.bad.n; b++) {
        const struct elle_mop *m = &c->mops[pj.bad.v[b]];
        const struct elle_mop *L = &c->mops[s->long_mop[m->key]];
        fl_val vals[2] = {elle__mop_ints(c, m, 0, m->n),
                          elle__mop_ints(c, L, 0, L->n)};
        fl_val kv[4] = {KW("key"), fl_val_copy(c->a, &c->keys[m->key]),
                        KW("values"), fl_val_coll(c->a, FL_V_VEC, vals, 2)};
        if (c->key_bad[m->key] != 2)
            elle__add(c, ELLE_A_INCOMPAT, elle__mapv(c, kv, 2));
        c->key_bad[m->key] = 2;
    }
    FL_VEC_RELEASE(&pj.bad);
}

/* Phase 3: dirty updates (a committed append after a failed one in a
 * key's order, once per key) and ww edges along each version order. */
static void
phase_ww(struct app_state *s)
{
    struct elle_ctx *c = s->c;
    for (uint32_t k = 0; k < c->nkey; k++) {
        if (c->key_bad[k] == 1 || s->long_mop[k] == ELLE_NONE)
            continue;
        const struct elle_mop *L = &c->mops[s->long_mop[k]];
        const uint32_t *ls = &s->lslot[s->lstart[k]];
        uint32_t fp = s->fpos[k];
        bool dirty_done = false;
        struct elle_kv *prev = NULL;
        for (uint32_t i = 0; i < L->n; i++) {
            if (ls[i] == ELLE_NONE)
                continue; /* garbage, or a duplicate occurrence */
            struct elle_kv *kv = &c->writes.slots[ls[i]];
            if (fp != ELLE_NONE && i > fp && kv->wtype == FL_OP_OK &&
                !dirty_done) {
                struct elle_kv *f = &c->writes.slots[ls[fp]];
                fl_val txns[3] = {elle__op_val(c, f->txn),
                                  fl_val_sym(fl_kw_intern_cstr("...")),
                                  elle__op_val(c, kv->txn)};
                fl_val r[6] = {
                    KW("key"),    fl_val_copy(c->a, &c->keys[k]),
                    KW("values"), elle__mop_ints(c, L, fp, i - fp + 1),
                    KW("txns"),   fl_val_coll(c->a, FL_V_VEC, txns, 3)};
                elle__add(c, ELLE_A_DIRTY, elle__mapv(c, r, 3));
                dirty_done = true;
            }
            if (prev && prev->wtype != FL_OP_FAIL && kv->wtype != FL_OP_FAIL)
                elle__add_edge(c, prev->txn, kv->txn, ELLE_WW, ELLE_OBSERVED,
                               mop_idx(c, prev->txn, prev->mop),
                               mop_idx(c, kv->txn, kv->mop));
            prev = kv;
        }
    }
}

/*
 * True if txn t committed for all we know: :ok, or :info with one of its
 * appends in the longest read of its key (a committed read saw part of
 * it, so all of it took effect).
 */
static bool
append_committed(const struct elle_ctx *c, uint32_t t)
{
    const struct elle_txn *tx = &c->txns[t];
    if (tx->type != FL_OP_INFO)
        return tx->type == FL_OP_OK;
    for (uint32_t i = 0; i < tx->nmop; i++) {
        const struct elle_mop *m = &c->mops[tx->mop0 + i];
        if (m->f == ELLE_APPEND && m->off != ELLE_NONE &&
            c->writes.slots[m->off].pos != ELLE_NONE)
            return true;
    }
    return false;
}

/* An unobserved append that takes part in the version order. */
static bool
unobserved(const struct elle_ctx *c, const struct elle_kv *kv)
{
    if (kv->key == ELLE_NONE || kv->pos != ELLE_NONE || kv->dup ||
        kv->wtype == FL_OP_FAIL || c->key_bad[kv->key] == 1)
        return false;
    return kv->wtype == FL_OP_OK || append_committed(c, kv->txn);
}

/*
 * Phase 4: committed appends no read saw (of :ok txns, and of :info txns
 * that a read proved committed) follow the longest read: ww from its last
 * appender here, rw from its readers in the reads pass. One sequential
 * sweep of the writes map (not a random probe per append), counting-sorted
 * by key; within a key, in (txn, micro-op) order.
 */
static void
phase_unobserved(struct app_state *s)
{
    struct elle_ctx *c = s->c;
    uint32_t nkey = c->nkey, *ucount = s->ucount;
    size_t nu = 0;
    for (size_t sl = 0; sl < c->writes.cap; sl++) {
        const struct elle_kv *kv = &c->writes.slots[sl];
        if (unobserved(c, kv)) {
            ucount[kv->key + 1]++;
            nu++;
        }
    }
    for (uint32_t k = 0; k < nkey; k++)
        ucount[k + 1] += ucount[k];
    s->umop = fl_xmalloc(fl_st_mult(nu + 1, sizeof(uint32_t)));
    s->utxn = fl_xmalloc(fl_st_mult(nu + 1, sizeof(uint32_t)));
    for (size_t sl = 0; sl < c->writes.cap; sl++) {
        const struct elle_kv *kv = &c->writes.slots[sl];
        if (unobserved(c, kv)) {
            uint32_t slot = ucount[kv->key]++;
            s->umop[slot] = kv->mop;
            s->utxn[slot] = kv->txn;
        }
    }
    /* now ucount[k] is the end of key k's range; its start ucount[k-1] */
    for (uint32_t k = 0; k < nkey; k++) {
        uint32_t s0 = k ? ucount[k - 1] : 0;
        /* insertion sort: a key has few unobserved appends */
        for (uint32_t x = s0; x < ucount[k]; x++) {
            uint32_t tm = s->umop[x], tt = s->utxn[x], j = x;
            while (j > s0 && (s->utxn[j - 1] > tt ||
                              (s->utxn[j - 1] == tt && s->umop[j - 1] > tm))) {
                s->umop[j] = s->umop[j - 1];
                s->utxn[j] = s->utxn[j - 1];
                j--;
            }
            s->umop[j] = tm;
            s->utxn[j] = tt;
        }
        if (s->long_mop[k] == ELLE_NONE || c->key_bad[k] == 1)
            continue;
        const struct elle_mop *L = &c->mops[s->long_mop[k]];
        uint32_t lsl = L->n ? s->lslot[s->lstart[k] + L->n - 1] : ELLE_NONE;
        if (lsl == ELLE_NONE)
            continue;
        struct elle_kv *last = &c->writes.slots[lsl];
        if (last->wtype == FL_OP_FAIL)
            continue;
        for (uint32_t x = s0; x < ucount[k]; x++)
            elle__add_edge(c, last->txn, s->utxn[x], ELLE_WW, ELLE_W_LONGEST,
                           mop_idx(c, last->txn, last->mop),
                           mop_idx(c, s->utxn[x], s->umop[x]));
    }
}

/*
 * Phase 5: reads, wr and rw edges, G1a, G1b, internal, future reads and
 * lost-update candidates. On a big history a helper thread takes the
 * second half of the txns; its edges and candidates follow the main
 * thread's, as one thread's would, and its txns' anomalies are reported
 * afterwards, in txn order.
 */
static void
phase_reads(struct app_state *s)
{
    struct elle_ctx *c = s->c;
    struct reads_part main_part, *helper = NULL;
    pthread_t th;
    uint32_t mid = c->ntxn;
    memset(&main_part, 0, sizeof(main_part));
    main_part.r = s;
    main_part.edges = &c->g.edges;
    if (c->ntxn >= 4096) {
        helper = fl_xcalloc(1, sizeof(*helper));
        helper->r = s;
        helper->t0 = mid = c->ntxn / 2;
        helper->t1 = c->ntxn;
        helper->edges = &helper->own;
        helper->own.alloc = c->nmop + 16;
        helper->own.v =
            elle__big_calloc(helper->own.alloc, sizeof(struct elle_edge));
        if (pthread_create(&th, NULL, reads_main, helper) != 0) {
            FL_VEC_RELEASE(&helper->own);
            free(helper);
            helper = NULL;
            mid = c->ntxn;
        }
    }
    main_part.t1 = mid;
    reads_range(&main_part, RD_EDGES | RD_REPORT);
    if (helper) {
        pthread_join(th, NULL);
        FL_VEC_RELEASE(&c->g.more);
        c->g.more = helper->own; /* moved, not copied */
        memset(&helper->own, 0, sizeof(helper->own));
        for (size_t i = 0; i < helper->nlu; i++) {
            FL_ALLOC_GROW(main_part.lu, main_part.nlu + 1, main_part.lualloc);
            main_part.lu[main_part.nlu++] = helper->lu[i];
        }
        for (size_t i = 0; i < helper->redo.n; i++)
            reads_txn(&main_part, helper->redo.v[i], RD_REPORT);
        FL_VEC_RELEASE(&helper->redo);
        free(helper->lu);
        free(helper);
    }
    lost_updates(c, main_part.lu, main_part.nlu, s->long_mop);
    free(main_part.lu);
    FL_VEC_RELEASE(&main_part.redo);
}

void
elle__infer_append(struct elle_ctx *c)
{
    uint32_t nkey = c->nkey;
    struct app_state s;
    memset(&s, 0, sizeof(s));
    s.c = c;
    s.long_mop = fl_xmalloc(fl_st_mult(nkey + 1, sizeof(uint32_t)));
    s.fpos = fl_xmalloc(fl_st_mult(nkey + 1, sizeof(uint32_t)));
    s.ucount = fl_xcalloc(nkey + 2, sizeof(uint32_t));
    s.lstart = fl_xmalloc(fl_st_mult(nkey + 2, sizeof(uint32_t)));
    c->key_bad = fl_xcalloc(nkey + 1, 1);
    memset(s.long_mop, 0xff, (nkey + 1) * sizeof(uint32_t));
    memset(s.fpos, 0xff, (nkey + 1) * sizeof(uint32_t));
    elle__reserve(c);

    phase_appends(&s);
    phase_orders(&s);
    phase_ww(&s);
    phase_unobserved(&s);
    phase_reads(&s);

    free(s.umop);
    free(s.utxn);
    free(s.ucount);
    free(s.fpos);
    free(s.long_mop);
    free(s.lstart);
    free(s.lslot);
}
