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
    struct elle_kv *slots = fl_xmalloc(fl_st_mult(cap, sizeof(*slots)));
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
    c->writes.slots = fl_xmalloc(fl_st_mult(cap, sizeof(struct elle_kv)));
    for (size_t i = 0; i < cap; i++)
        c->writes.slots[i].key = ELLE_NONE;
    c->writes.cap = cap;
    c->writes.n = 0;
    FL_VEC_RESERVE(&c->g.edges, 2 * c->nmop + 4 * (size_t)c->ntxn + 16);
}

void
elle__add_edge(struct elle_ctx *c, uint32_t src, uint32_t dst, uint8_t rel,
               uint32_t amop, uint32_t bmop)
{
    if (src == dst)
        return;
    struct elle_edge e;
    e.src = src;
    e.dst = dst;
    e.amop = (uint16_t)FL_MIN(amop, 0xffffu);
    e.bmop = (uint16_t)FL_MIN(bmop, 0xffffu);
    e.rel = rel;
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

static void
check_internal(struct elle_ctx *c, uint32_t t)
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

void
elle__infer_append(struct elle_ctx *c)
{
    uint32_t nkey = c->nkey;
    uint32_t *long_mop = fl_xmalloc(fl_st_mult(nkey + 1, sizeof(uint32_t)));
    uint32_t *fpos = fl_xmalloc(fl_st_mult(nkey + 1, sizeof(uint32_t)));
    uint32_t *ucount = fl_xcalloc(nkey + 2, sizeof(uint32_t));
    uint32_t *lstart = fl_xmalloc(fl_st_mult(nkey + 2, sizeof(uint32_t)));
    uint32_t *lslot = NULL;
    uint32_t *umop = NULL; /* unobserved appends, CSR by key: global mops */
    uint32_t *utxn = NULL;
    struct lu_tuple *lu = NULL;
    size_t nlu = 0, lualloc = 0;
    c->key_bad = fl_xcalloc(nkey + 1, 1);
    memset(long_mop, 0xff, (nkey + 1) * sizeof(uint32_t));
    elle__reserve(c);
    memset(fpos, 0xff, (nkey + 1) * sizeof(uint32_t));

    /* Who appended what; duplicates make a key unusable. */
    for (uint32_t t = 0; t < c->ntxn; t++) {
        const struct elle_txn *tx = &c->txns[t];
        for (uint32_t i = 0; i < tx->nmop; i++) {
            struct elle_mop *m = &c->mops[tx->mop0 + i];
            if (m->f == ELLE_APPEND) {
                struct elle_kv *kv = elle__put_write(c, t, i, ELLE_A_DUPAPP);
                /* an append's off field caches its writes-map slot */
                m->off = kv ? (uint32_t)(kv - c->writes.slots) : ELLE_NONE;
            } else if (tx->type == FL_OP_OK) {
                uint32_t lm = long_mop[m->key];
                if (lm == ELLE_NONE || c->mops[lm].n < m->n)
                    long_mop[m->key] = tx->mop0 + i;
            }
        }
    }

    /* Version orders: the longest read of each key. lslot[lstart[k] + i]
     * is the writes-map slot of element i of key k's order (ELLE_NONE for
     * garbage and repeated elements), so later passes need no hashing. */
    size_t nl = 0;
    for (uint32_t k = 0; k < nkey; k++) {
        lstart[k] = (uint32_t)nl;
        if (!c->key_bad[k] && long_mop[k] != ELLE_NONE)
            nl += c->mops[long_mop[k]].n;
    }
    lstart[nkey] = (uint32_t)nl;
    lslot = fl_xmalloc(fl_st_mult(nl + 1, sizeof(uint32_t)));
    for (uint32_t k = 0; k < nkey; k++) {
        if (c->key_bad[k] || long_mop[k] == ELLE_NONE)
            continue;
        const struct elle_mop *L = &c->mops[long_mop[k]];
        uint32_t reader = ELLE_NONE;
        for (uint32_t i = 0; i < L->n; i++) {
            struct elle_kv *kv = elle__kv_get(&c->writes, k, EL(L, i));
            lslot[lstart[k] + i] = ELLE_NONE;
            if (!kv) {
                if (reader == ELLE_NONE) {
                    /* find the reading txn (rare path) */
                    for (uint32_t t = 0; t < c->ntxn; t++)
                        if (c->txns[t].mop0 <= long_mop[k] &&
                            long_mop[k] < c->txns[t].mop0 + c->txns[t].nmop)
                            reader = t;
                }
                elle__report_op_mop(c, ELLE_A_GARBAGE, reader,
                                    mop_idx(c, reader, long_mop[k]), "element",
                                    fl_val_int(EL(L, i)), NULL, fl_val_nil());
                continue;
            }
            if (kv->pos != ELLE_NONE) {
                if (reader == ELLE_NONE)
                    for (uint32_t t = 0; t < c->ntxn; t++)
                        if (c->txns[t].mop0 <= long_mop[k] &&
                            long_mop[k] < c->txns[t].mop0 + c->txns[t].nmop)
                            reader = t;
                /* Report once per element; later occurrences are
                 * skipped when ordering (as Elle, first one wins). */
                bool first_dup = true;
                for (uint32_t j = kv->pos + 1; j < i; j++)
                    if (EL(L, j) == EL(L, i))
                        first_dup = false;
                if (first_dup) {
                    uint32_t cnt = 0;
                    for (uint32_t j = 0; j < L->n; j++)
                        cnt += EL(L, j) == EL(L, i);
                    fl_val d[2] = {fl_val_int(EL(L, i)), fl_val_int(cnt)};
                    elle__report_op_mop(c, ELLE_A_DUPEL, reader,
                                        mop_idx(c, reader, long_mop[k]),
                                        "duplicates", fl_val_map(c->a, d, 1),
                                        NULL, fl_val_nil());
                }
                continue;
            }
            kv->pos = i;
            lslot[lstart[k] + i] = (uint32_t)(kv - c->writes.slots);
            if (c->txns[kv->txn].type == FL_OP_FAIL && fpos[k] == ELLE_NONE)
                fpos[k] = i;
        }
    }

    /* Every read must be a prefix of the longest. */
    for (uint32_t t = 0; t < c->ntxn; t++) {
        const struct elle_txn *tx = &c->txns[t];
        if (tx->type != FL_OP_OK)
            continue;
        for (uint32_t i = 0; i < tx->nmop; i++) {
            const struct elle_mop *m = &c->mops[tx->mop0 + i];
            if (m->f != ELLE_READ || c->key_bad[m->key] == 1 ||
                long_mop[m->key] == ELLE_NONE)
                continue;
            const struct elle_mop *L = &c->mops[long_mop[m->key]];
            if (m == L || is_prefix(m, L))
                continue;
            fl_val vals[2] = {elle__mop_ints(c, m, 0, m->n),
                              elle__mop_ints(c, L, 0, L->n)};
            fl_val kv[4] = {KW("key"), fl_val_copy(c->a, &c->keys[m->key]),
                            KW("values"), fl_val_coll(c->a, FL_V_VEC, vals, 2)};
            if (c->key_bad[m->key] != 2)
                elle__add(c, ELLE_A_INCOMPAT, elle__mapv(c, kv, 2));
            c->key_bad[m->key] = 2;
        }
    }

    /* Dirty updates and ww edges along each version order. */
    for (uint32_t k = 0; k < nkey; k++) {
        if (c->key_bad[k] == 1 || long_mop[k] == ELLE_NONE)
            continue;
        const struct elle_mop *L = &c->mops[long_mop[k]];
        struct elle_kv *prev = NULL;
        for (uint32_t i = 0; i < L->n; i++) {
            uint32_t sl = lslot[lstart[k] + i];
            if (sl == ELLE_NONE)
                continue; /* garbage, or a duplicate occurrence */
            struct elle_kv *kv = &c->writes.slots[sl];
            if (fpos[k] != ELLE_NONE && i > fpos[k] &&
                c->txns[kv->txn].type == FL_OP_OK) {
                struct elle_kv *f =
                    &c->writes.slots[lslot[lstart[k] + fpos[k]]];
                fl_val txns[3] = {elle__op_val(c, f->txn),
                                  fl_val_sym(fl_kw_intern_cstr("...")),
                                  elle__op_val(c, kv->txn)};
                fl_val r[6] = {KW("key"),
                               fl_val_copy(c->a, &c->keys[k]),
                               KW("values"),
                               elle__mop_ints(c, L, fpos[k], i - fpos[k] + 1),
                               KW("txns"),
                               fl_val_coll(c->a, FL_V_VEC, txns, 3)};
                elle__add(c, ELLE_A_DIRTY, elle__mapv(c, r, 3));
                fpos[k] |= 0x80000000u; /* once per key */
            }
            if (prev && c->txns[prev->txn].type != FL_OP_FAIL &&
                c->txns[kv->txn].type != FL_OP_FAIL)
                elle__add_edge(c, prev->txn, kv->txn, ELLE_WW,
                               mop_idx(c, prev->txn, prev->mop),
                               mop_idx(c, kv->txn, kv->mop));
            prev = kv;
        }
    }
    for (uint32_t k = 0; k < nkey; k++)
        fpos[k] &= 0x7fffffffu;
    for (uint32_t k = 0; k < nkey; k++)
        if (fpos[k] == 0x7fffffffu)
            fpos[k] = ELLE_NONE;

    /* Committed appends no read saw: they follow the longest read. */
    size_t nu = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t t = 0; t < c->ntxn; t++) {
            const struct elle_txn *tx = &c->txns[t];
            if (tx->type != FL_OP_OK)
                continue;
            for (uint32_t i = 0; i < tx->nmop; i++) {
                const struct elle_mop *m = &c->mops[tx->mop0 + i];
                if (m->f != ELLE_APPEND || c->key_bad[m->key] == 1 ||
                    m->off == ELLE_NONE)
                    continue;
                struct elle_kv *kv = &c->writes.slots[m->off];
                if (kv->pos != ELLE_NONE || kv->txn != t)
                    continue;
                if (pass == 0) {
                    ucount[m->key + 1]++;
                    nu++;
                } else {
                    uint32_t slot = ucount[m->key]++;
                    umop[slot] = tx->mop0 + i;
                    utxn[slot] = t;
                }
            }
        }
        if (pass == 0) {
            for (uint32_t k = 0; k < nkey; k++)
                ucount[k + 1] += ucount[k];
            umop = fl_xmalloc(fl_st_mult(nu + 1, sizeof(uint32_t)));
            utxn = fl_xmalloc(fl_st_mult(nu + 1, sizeof(uint32_t)));
        }
    }
    /* now ucount[k] is the end of key k's range; its start is ucount[k-1] */
    for (uint32_t k = 0; k < nkey; k++) {
        if (long_mop[k] == ELLE_NONE || c->key_bad[k] == 1)
            continue;
        const struct elle_mop *L = &c->mops[long_mop[k]];
        if (L->n == 0)
            continue;
        uint32_t lsl = lslot[lstart[k] + L->n - 1];
        if (lsl == ELLE_NONE)
            continue;
        struct elle_kv *last = &c->writes.slots[lsl];
        if (c->txns[last->txn].type == FL_OP_FAIL)
            continue;
        for (uint32_t s = k ? ucount[k - 1] : 0; s < ucount[k]; s++)
            elle__add_edge(c, last->txn, utxn[s], ELLE_WW,
                           mop_idx(c, last->txn, last->mop),
                           mop_idx(c, utxn[s], umop[s]));
    }

    /* Reads: wr and rw edges, G1a, G1b, lost updates, internal. */
    for (uint32_t t = 0; t < c->ntxn; t++) {
        const struct elle_txn *tx = &c->txns[t];
        if (tx->type != FL_OP_OK)
            continue;
        check_internal(c, t);
        for (uint32_t i = 0; i < tx->nmop; i++) {
            const struct elle_mop *m = &c->mops[tx->mop0 + i];
            uint32_t k = m->key;
            if (m->f != ELLE_READ || c->key_bad[k] == 1 ||
                long_mop[k] == ELLE_NONE)
                continue;
            if (fpos[k] != ELLE_NONE && m->n > fpos[k]) {
                for (uint32_t e = fpos[k]; e < m->n; e++) {
                    struct elle_kv *kv =
                        c->key_bad[k] == 2
                            ? elle__kv_get(&c->writes, k, EL(m, e))
                        : lslot[lstart[k] + e] == ELLE_NONE
                            ? NULL
                            : &c->writes.slots[lslot[lstart[k] + e]];
                    if (kv && c->txns[kv->txn].type == FL_OP_FAIL &&
                        elle__want(c, ELLE_A_G1A))
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
                struct elle_kv *w =
                    wsl == ELLE_NONE ? NULL : &c->writes.slots[wsl];
                if (w && w->txn != t && c->txns[w->txn].type != FL_OP_FAIL) {
                    elle__add_edge(c, w->txn, t, ELLE_WR,
                                   mop_idx(c, w->txn, w->mop), i);
                    if (!w->final && elle__want(c, ELLE_A_G1B))
                        elle__report_op_mop(c, ELLE_A_G1B, t, i, "writer",
                                            elle__op_val(c, w->txn), "element",
                                            fl_val_int(w->v));
                }
            }
            if (m->n < L->n) {
                uint32_t xsl = lslot[lstart[k] + m->n];
                struct elle_kv *x =
                    xsl == ELLE_NONE ? NULL : &c->writes.slots[xsl];
                if (x && c->txns[x->txn].type != FL_OP_FAIL)
                    elle__add_edge(c, t, x->txn, ELLE_RW, i,
                                   mop_idx(c, x->txn, x->mop));
            } else {
                for (uint32_t s = k ? ucount[k - 1] : 0; s < ucount[k]; s++)
                    elle__add_edge(c, t, utxn[s], ELLE_RW, i,
                                   mop_idx(c, utxn[s], umop[s]));
            }
            /* lost update candidates: read k externally and append to k */
            for (uint32_t j = i + 1; j < tx->nmop; j++) {
                const struct elle_mop *w = &c->mops[tx->mop0 + j];
                if (w->f == ELLE_APPEND && w->key == k) {
                    struct lu_tuple tu = {k, m->n, t};
                    FL_ALLOC_GROW(lu, nlu + 1, lualloc);
                    lu[nlu++] = tu;
                    break;
                }
            }
        }
    }
    lost_updates(c, lu, nlu, long_mop);
    free(lu);
    free(umop);
    free(utxn);
    free(ucount);
    free(fpos);
    free(long_mop);
    free(lstart);
    free(lslot);
}
