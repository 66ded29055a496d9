/* SPDX-License-Identifier: MIT */
/*
 * register.c: rw-register inference (elle.rw-register). Written values are
 * unique per key, so a read names its writer exactly; the version order is
 * only partly known. It is built as a graph over versions from the
 * initial nil (before everything), and optionally writes-follow-reads
 * within a txn, per-key process order (sequential keys) and per-key
 * real-time order (linearizable keys). Keys whose version graph is cyclic
 * are reported as :cyclic-versions and fall back to the initial-state
 * order. Each version edge v1 -> v2 yields ww writer(v1) -> writer(v2) and
 * rw reader(v1) -> writer(v2); each read yields wr writer -> reader.
 */
#include "util/common.h"

#include "checker/elle/elle_int.h"

#define KW(s) elle__kw(s)

struct reg_read {
    int64_t v;
    uint32_t key, txn, mop; /* mop: index in txn */
    uint8_t has_v;
};

struct vedge {
    int64_t a, b;
    uint32_t key;
    uint8_t a_nil;
    uint8_t src; /* enum elle_why: the rule that gave it */
};

static int
rr_cmp(const void *x, const void *y)
{
    const struct reg_read *a = x, *b = y;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    if (a->has_v != b->has_v)
        return a->has_v < b->has_v ? -1 : 1;
    if (a->v != b->v)
        return a->v < b->v ? -1 : 1;
    return a->txn < b->txn ? -1 : a->txn > b->txn;
}

static int
ve_cmp(const void *x, const void *y)
{
    const struct vedge *a = x, *b = y;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    if (a->a_nil != b->a_nil)
        return a->a_nil > b->a_nil ? -1 : 1;
    if (a->a != b->a)
        return a->a < b->a ? -1 : 1;
    if (a->b != b->b)
        return a->b < b->b ? -1 : 1;
    return (int)a->src - (int)b->src;
}

/* Readers of (key, has_v, v): a range of the sorted reads. */
static size_t
reads_find(const struct reg_read *r, size_t n, uint32_t key, uint8_t has_v,
           int64_t v, size_t *end)
{
    size_t lo = 0, hi = n;
    struct reg_read probe = {v, key, 0, 0, has_v};
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (rr_cmp(&r[mid], &probe) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t e = lo;
    while (e < n && r[e].key == key && r[e].has_v == has_v &&
           (!has_v || r[e].v == v))
        e++;
    *end = e;
    return lo;
}

/* The version a txn leaves a key at: its last write, else its read. */
static bool
txn_version(const struct elle_ctx *c, uint32_t t, uint32_t key, int64_t *v,
            uint8_t *has_v)
{
    const struct elle_txn *tx = &c->txns[t];
    bool found = false;
    for (uint32_t i = 0; i < tx->nmop; i++) {
        const struct elle_mop *m = &c->mops[tx->mop0 + i];
        if (m->key != key)
            continue;
        if (m->f == ELLE_WRITE) {
            *v = m->v;
            *has_v = 1;
            found = true;
        } else if (!found) {
            *v = m->v;
            *has_v = m->has_v;
            found = true;
        }
    }
    return found;
}

static void
vedge_push(struct vedge **ve, size_t *n, size_t *alloc, uint32_t key,
           uint8_t a_nil, int64_t a, int64_t b, uint8_t src)
{
    if (!a_nil && a == b)
        return;
    FL_ALLOC_GROW(*ve, *n + 1, *alloc);
    struct vedge e = {a_nil ? 0 : a, b, key, a_nil, src};
    (*ve)[(*n)++] = e;
}

/* Drop edges of keys whose version graph has a cycle (reported). */
static void
check_cyclic(struct elle_ctx *c, struct vedge *ve, size_t nve)
{
    /* Version ids: writes-map slot index per (key, value). */
    struct elle_graph vg;
    memset(&vg, 0, sizeof(vg));
    vg.ntxn = vg.nnode = (uint32_t)c->writes.cap;
    for (size_t i = 0; i < nve; i++) {
        if (ve[i].a_nil)
            continue;
        struct elle_kv *a = elle__kv_get(&c->writes, ve[i].key, ve[i].a);
        struct elle_kv *b = elle__kv_get(&c->writes, ve[i].key, ve[i].b);
        if (!a || !b)
            continue;
        struct elle_edge e;
        memset(&e, 0, sizeof(e));
        e.src = (uint32_t)(a - c->writes.slots);
        e.dst = (uint32_t)(b - c->writes.slots);
        e.rel = ELLE_WW;
        FL_VEC_PUSH(&vg.edges, e);
    }
    if (!vg.edges.n || !vg.nnode) {
        elle__graph_release(&vg);
        return;
    }
    elle__graph_build(&vg, NULL);
    uint32_t *comp = fl_xmalloc(fl_st_mult(vg.nnode, sizeof(uint32_t)));
    uint8_t mask[2][2] = {{ELLE_WW, 0}, {0, 0}};
    uint32_t ncomp = elle__scc(&vg, 1, mask, NULL, comp);
    uint32_t *size = fl_xcalloc(ncomp + 1, sizeof(uint32_t));
    for (uint32_t v = 0; v < vg.nnode; v++)
        if (comp[v] != ELLE_NONE)
            size[comp[v]]++;
    for (uint32_t v = 0; v < vg.nnode; v++) {
        if (comp[v] == ELLE_NONE || size[comp[v]] < 2)
            continue;
        uint32_t cid = comp[v];
        uint32_t key = c->writes.slots[v].key;
        fl_val *vals = fl_xmalloc(fl_st_mult(size[cid], sizeof(fl_val)));
        size_t n = 0;
        for (uint32_t u = v; u < vg.nnode; u++)
            if (comp[u] == cid)
                vals[n++] = fl_val_int(c->writes.slots[u].v);
        fl_val kv[4] = {KW("key"), fl_val_copy(c->a, &c->keys[key]), KW("scc"),
                        fl_val_coll(c->a, FL_V_SET, vals, n)};
        free(vals);
        elle__add(c, ELLE_A_CYCVER, elle__mapv(c, kv, 2));
        c->key_bad[key] = 3;
        size[cid] = 0;
    }
    for (size_t i = 0; i < nve; i++)
        if (c->key_bad[ve[i].key] == 3 && ve[i].src != ELLE_W_INIT)
            ve[i].key = ELLE_NONE;
    free(size);
    free(comp);
    elle__graph_release(&vg);
}

struct lu2 {
    int64_t v;
    uint32_t key, txn;
    uint8_t has_v;
};

static int
lu2_cmp(const void *x, const void *y)
{
    const struct lu2 *a = x, *b = y;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    if (a->has_v != b->has_v)
        return a->has_v < b->has_v ? -1 : 1;
    if (a->v != b->v)
        return a->v < b->v ? -1 : 1;
    return a->txn < b->txn ? -1 : a->txn > b->txn;
}

static void
lost_updates(struct elle_ctx *c, struct lu2 *lu, size_t n)
{
    if (n)
        qsort(lu, n, sizeof(*lu), lu2_cmp);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && lu[j].key == lu[i].key && lu[j].has_v == lu[i].has_v &&
               lu[j].v == lu[i].v)
            j++;
        if (j - i >= 2) {
            fl_val *txns = fl_xmalloc(fl_st_mult(j - i, sizeof(fl_val)));
            for (size_t k = i; k < j; k++)
                txns[k - i] = elle__op_val(c, lu[k].txn);
            fl_val kv[6] = {
                KW("key"),   fl_val_copy(c->a, &c->keys[lu[i].key]),
                KW("value"), lu[i].has_v ? fl_val_int(lu[i].v) : fl_val_nil(),
                KW("txns"),  fl_val_coll(c->a, FL_V_VEC, txns, j - i)};
            free(txns);
            elle__add(c, ELLE_A_LOST, elle__mapv(c, kv, 3));
        }
        i = j;
    }
}

/*
 * Linearizable keys: when T is invoked, the version left by the txn that
 * completed most recently on each of T's keys precedes T's version. Only
 * that latest one is linked (sound, not complete), in one pass over the
 * history in order.
 */
static void
linearizable_edges(struct elle_ctx *c, struct vedge **ve, size_t *nve,
                   size_t *vealloc)
{
    const struct fl_hist *h = c->h;
    uint32_t *txn_at = fl_xmalloc(fl_st_mult(h->n + 1, sizeof(uint32_t)));
    memset(txn_at, 0xff, (h->n + 1) * sizeof(uint32_t));
    for (uint32_t t = 0; t < c->ntxn; t++) {
        if (c->txns[t].type != FL_OP_OK)
            continue;
        txn_at[c->txns[t].inv] = t;
        txn_at[c->txns[t].cmp] = t;
    }
    int64_t *fv = fl_xcalloc(c->nkey + 1, sizeof(int64_t));
    uint8_t *fh = fl_xcalloc(c->nkey + 1, 1); /* 0 none, 1 nil, 2 value */
    for (size_t p = 0; p < h->n; p++) {
        uint32_t t = txn_at[p];
        if (t == ELLE_NONE)
            continue;
        const struct elle_txn *tx = &c->txns[t];
        for (uint32_t i = 0; i < tx->nmop; i++) {
            uint32_t key = c->mops[tx->mop0 + i].key;
            if (elle__txn_has_before(c, t, i, ELLE_READ, key) ||
                elle__txn_has_before(c, t, i, ELLE_WRITE, key))
                continue;
            int64_t v = 0;
            uint8_t hv = 0;
            txn_version(c, t, key, &v, &hv);
            if (p == tx->inv) {
                if (hv && fh[key] && (fh[key] == 1 || fv[key] != v))
                    vedge_push(ve, nve, vealloc, key, fh[key] == 1, fv[key], v,
                               ELLE_W_LIN);
            } else {
                fv[key] = v;
                fh[key] = hv ? 2 : 1;
            }
        }
    }
    free(fv);
    free(fh);
    free(txn_at);
}

void
elle__infer_register(struct elle_ctx *c)
{
    struct reg_read *rd = NULL;
    size_t nrd = 0, rdalloc = 0;
    struct vedge *ve = NULL;
    size_t nve = 0, vealloc = 0;
    struct lu2 *lu = NULL;
    size_t nlu = 0, lualloc = 0;
    c->key_bad = fl_xcalloc(c->nkey + 1, 1);
    elle__reserve(c);

    /* Writers; a txn's last write to a key is its final one. */
    for (uint32_t t = 0; t < c->ntxn; t++) {
        const struct elle_txn *tx = &c->txns[t];
        for (uint32_t i = 0; i < tx->nmop; i++) {
            const struct elle_mop *m = &c->mops[tx->mop0 + i];
            if (m->f == ELLE_WRITE)
                elle__put_write(c, t, i, ELLE_A_DUPW);
        }
    }

    /* Reads: non-cycle anomalies, wr edges, reader index. */
    for (uint32_t t = 0; t < c->ntxn; t++) {
        const struct elle_txn *tx = &c->txns[t];
        if (tx->type != FL_OP_OK)
            continue;
        for (uint32_t i = 0; i < tx->nmop; i++) {
            const struct elle_mop *m = &c->mops[tx->mop0 + i];
            if (m->f != ELLE_READ)
                continue;
            /* internal: the last earlier mop on this key fixes the value */
            int32_t last = -1;
            for (uint32_t j = 0; j < i; j++)
                if (c->mops[tx->mop0 + j].key == m->key)
                    last = (int32_t)j;
            if (last >= 0) {
                const struct elle_mop *p = &c->mops[tx->mop0 + last];
                uint8_t ph = p->f == ELLE_WRITE ? 1 : p->has_v;
                if (ph != m->has_v || (ph && p->v != m->v))
                    elle__report_op_mop(c, ELLE_A_INTERNAL, t, i, "expected",
                                        ph ? fl_val_int(p->v) : fl_val_nil(),
                                        NULL, fl_val_nil());
                continue;
            }
            if (c->key_bad[m->key] == 1)
                continue;
            if (m->has_v) {
                struct elle_kv *w = elle__kv_get(&c->writes, m->key, m->v);
                if (!w) {
                    elle__report_op_mop(c, ELLE_A_GARBAGE, t, i, NULL,
                                        fl_val_nil(), NULL, fl_val_nil());
                    continue;
                }
                if (w->txn == t) {
                    elle__report_op_mop(c, ELLE_A_FUTURE, t, i, NULL,
                                        fl_val_nil(), NULL, fl_val_nil());
                    continue;
                }
                if (c->txns[w->txn].type == FL_OP_FAIL) {
                    if (elle__want(c, ELLE_A_G1A))
                        elle__report_op_mop(c, ELLE_A_G1A, t, i, "writer",
                                            elle__op_val(c, w->txn), NULL,
                                            fl_val_nil());
                    continue;
                }
                if (!w->final)
                    if (elle__want(c, ELLE_A_G1B))
                        elle__report_op_mop(c, ELLE_A_G1B, t, i, "writer",
                                            elle__op_val(c, w->txn), NULL,
                                            fl_val_nil());
                elle__add_edge(c, w->txn, t, ELLE_WR, ELLE_OBSERVED,
                               w->mop - c->txns[w->txn].mop0, i);
            }
            struct reg_read r = {m->v, m->key, t, i, m->has_v};
            FL_ALLOC_GROW(rd, nrd + 1, rdalloc);
            rd[nrd++] = r;
            /* writes-follow-reads and lost-update candidates */
            for (uint32_t j = tx->nmop; j-- > i + 1;) {
                const struct elle_mop *w = &c->mops[tx->mop0 + j];
                if (w->f != ELLE_WRITE || w->key != m->key)
                    continue;
                struct lu2 l = {m->v, m->key, t, m->has_v};
                FL_ALLOC_GROW(lu, nlu + 1, lualloc);
                lu[nlu++] = l;
                if (c->o->wfr_keys && m->has_v)
                    vedge_push(&ve, &nve, &vealloc, m->key, 0, m->v, w->v,
                               ELLE_W_WFR);
                break;
            }
        }
    }
    if (nrd)
        qsort(rd, nrd, sizeof(*rd), rr_cmp);
    lost_updates(c, lu, nlu);
    free(lu);

    /* Initial state: nil precedes every version. */
    for (size_t s = 0; s < c->writes.cap; s++) {
        struct elle_kv *kv = &c->writes.slots[s];
        if (kv->key != ELLE_NONE && !kv->dup)
            vedge_push(&ve, &nve, &vealloc, kv->key, 1, 0, kv->v, ELLE_W_INIT);
    }
    /* Sequential keys: each process sees a key's versions in order. */
    if (c->o->sequential_keys) {
        /* (key, process) -> last version seen, via a second kv map whose
         * value field is the process and whose mop field is a slot. */
        struct elle_kvmap last = {NULL, 0, 0};
        int64_t *lastv = NULL;
        uint8_t *lasth = NULL;
        size_t nlast = 0, la = 0, lb = 0;
        for (uint32_t t = 0; t < c->ntxn; t++) {
            const struct elle_txn *tx = &c->txns[t];
            if (tx->type != FL_OP_OK)
                continue;
            for (uint32_t i = 0; i < tx->nmop; i++) {
                uint32_t key = c->mops[tx->mop0 + i].key;
                if (elle__txn_has_before(c, t, i, ELLE_READ, key) ||
                    elle__txn_has_before(c, t, i, ELLE_WRITE, key))
                    continue;
                int64_t v = 0;
                uint8_t hv = 0;
                txn_version(c, t, key, &v, &hv);
                bool isnew;
                struct elle_kv *s =
                    elle__kv_put(&last, key, tx->process, &isnew);
                if (isnew) {
                    FL_ALLOC_GROW(lastv, nlast + 1, la);
                    FL_ALLOC_GROW(lasth, nlast + 1, lb);
                    s->mop = (uint32_t)nlast++;
                } else if (hv && (!lasth[s->mop] || lastv[s->mop] != v)) {
                    vedge_push(&ve, &nve, &vealloc, key, !lasth[s->mop],
                               lastv[s->mop], v, ELLE_W_SEQ);
                }
                lastv[s->mop] = v;
                lasth[s->mop] = hv;
            }
        }
        free(last.slots);
        free(lastv);
        free(lasth);
    }
    if (c->o->linearizable_keys)
        linearizable_edges(c, &ve, &nve, &vealloc);
    if (nve)
        qsort(ve, nve, sizeof(*ve), ve_cmp);
    check_cyclic(c, ve, nve);

    /* Version edges -> ww and rw. */
    for (size_t i = 0; i < nve; i++) {
        struct vedge *e = &ve[i];
        if (e->key == ELLE_NONE || c->key_bad[e->key] == 1)
            continue;
        if (i > 0 && ve[i - 1].key == e->key && ve[i - 1].a_nil == e->a_nil &&
            ve[i - 1].a == e->a && ve[i - 1].b == e->b)
            continue;
        struct elle_kv *wb = elle__kv_get(&c->writes, e->key, e->b);
        if (!wb || c->txns[wb->txn].type == FL_OP_FAIL)
            continue;
        uint32_t bm = wb->mop - c->txns[wb->txn].mop0;
        if (!e->a_nil) {
            struct elle_kv *wa = elle__kv_get(&c->writes, e->key, e->a);
            if (wa && c->txns[wa->txn].type != FL_OP_FAIL)
                elle__add_edge(c, wa->txn, wb->txn, ELLE_WW, e->src,
                               wa->mop - c->txns[wa->txn].mop0, bm);
        }
        size_t end;
        size_t s = reads_find(rd, nrd, e->key, !e->a_nil, e->a, &end);
        for (; s < end; s++)
            elle__add_edge(c, rd[s].txn, wb->txn, ELLE_RW, e->src, rd[s].mop,
                           bm);
    }
    free(ve);
    free(rd);
}
