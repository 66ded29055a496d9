/* SPDX-License-Identifier: MIT */
/*
 * graph.c: the dependency graph's extra orders, CSR adjacency and Tarjan's
 * strongly connected components (Tarjan 1972, iterative so deep graphs
 * cannot overflow the C stack). Real-time order is encoded with barrier
 * nodes instead of Elle's transitive reduction: each run of completions
 * followed by an invocation makes one barrier node, completions point to
 * it, it points to the next barrier and to every txn invoked before the
 * next barrier. T1 reaches T2 through barriers exactly when T1 completed
 * before T2 was invoked, with O(n) edges instead of O(n * concurrency).
 */
#include "util/common.h"

#include "checker/elle/elle_int.h"

#include "util/map.h"

static void
process_edges(struct elle_ctx *c)
{
    struct fl_map last;
    fl_map_init(&last);
    for (uint32_t t = 0; t < c->ntxn; t++) {
        const struct elle_txn *tx = &c->txns[t];
        if (tx->type == FL_OP_FAIL)
            continue;
        uint64_t key = (uint32_t)tx->process;
        uint64_t *prev = fl_map_get(&last, key);
        if (prev)
            elle__add_edge(c, (uint32_t)*prev, t, ELLE_PROC, 0, 0);
        if (tx->type == FL_OP_OK)
            fl_map_put(&last, key, t);
        else
            fl_map_del(&last, key);
    }
    fl_map_release(&last);
}

static void
realtime_edges(struct elle_ctx *c)
{
    const struct fl_hist *h = c->h;
    uint32_t *txn_at = fl_xmalloc(fl_st_mult(h->n + 1, sizeof(uint32_t)));
    memset(txn_at, 0xff, (h->n + 1) * sizeof(uint32_t));
    for (uint32_t t = 0; t < c->ntxn; t++) {
        const struct elle_txn *tx = &c->txns[t];
        if (tx->type == FL_OP_FAIL)
            continue;
        txn_at[tx->inv] = t;
        if (tx->type == FL_OP_OK)
            txn_at[tx->cmp] = t;
    }
    uint32_t barrier = ELLE_NONE, next = c->ntxn;
    struct fl_vec_u32 done = {NULL, 0, 0};
    for (size_t p = 0; p < h->n; p++) {
        uint32_t t = txn_at[p];
        if (t == ELLE_NONE)
            continue;
        if (c->txns[t].cmp == p) {
            FL_VEC_PUSH(&done, t);
            continue;
        }
        if (done.n) {
            uint32_t b = next++;
            if (barrier != ELLE_NONE)
                elle__add_edge(c, barrier, b, ELLE_RT, 0, 0);
            for (size_t i = 0; i < done.n; i++)
                elle__add_edge(c, done.v[i], b, ELLE_RT, 0, 0);
            done.n = 0;
            barrier = b;
        }
        if (barrier != ELLE_NONE)
            elle__add_edge(c, barrier, t, ELLE_RT, 0, 0);
    }
    c->g.nnode = next;
    FL_VEC_RELEASE(&done);
    free(txn_at);
}

void
elle__order_edges(struct elle_ctx *c, bool proc, bool rt)
{
    c->g.ntxn = c->g.nnode = c->ntxn;
    if (proc)
        process_edges(c);
    if (rt)
        realtime_edges(c);
    c->g.has_proc = proc;
    c->g.has_rt = rt;
}

void
elle__graph_build(struct elle_graph *g)
{
    size_t ne = g->edges.n;
    g->off = fl_xcalloc((size_t)g->nnode + 2, sizeof(uint32_t));
    g->adj_dst = fl_xmalloc(fl_st_mult(ne + 1, sizeof(uint32_t)));
    g->adj_mops = fl_xmalloc(fl_st_mult(ne + 1, sizeof(uint32_t)));
    g->adj_rel = fl_xmalloc(ne + 1);
    g->adj_eid = NULL;
    for (size_t i = 0; i < ne; i++)
        g->off[g->edges.v[i].src + 2]++;
    for (uint32_t v = 0; v < g->nnode; v++)
        g->off[v + 2] += g->off[v + 1];
    for (size_t i = 0; i < ne; i++) {
        const struct elle_edge *e = &g->edges.v[i];
        uint32_t s = g->off[e->src + 1]++;
        g->adj_dst[s] = e->dst;
        g->adj_mops[s] = (uint32_t)e->amop << 16 | e->bmop;
        g->adj_rel[s] = e->rel;
    }
    FL_VEC_RELEASE(&g->edges);
}

void
elle__edge_get(const struct elle_graph *g, uint32_t eid, struct elle_edge *e)
{
    /* the source is the node whose CSR range holds eid */
    uint32_t lo = 0, hi = g->nnode;
    while (lo + 1 < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (g->off[mid] <= eid)
            lo = mid;
        else
            hi = mid;
    }
    while (lo + 1 < g->nnode && g->off[lo + 1] <= eid)
        lo++;
    e->src = lo;
    e->dst = g->adj_dst[eid];
    e->amop = (uint16_t)(g->adj_mops[eid] >> 16);
    e->bmop = (uint16_t)(g->adj_mops[eid] & 0xffff);
    e->rel = g->adj_rel[eid];
}

void
elle__graph_release(struct elle_graph *g)
{
    FL_VEC_RELEASE(&g->edges);
    free(g->off);
    free(g->adj_dst);
    free(g->adj_mops);
    free(g->adj_eid);
    free(g->adj_rel);
    g->off = g->adj_dst = g->adj_eid = g->adj_mops = NULL;
    g->adj_rel = NULL;
}

struct frame {
    uint32_t u;   /* layered node */
    uint32_t pos; /* next (CSR slot * layers + target layer) */
};

uint32_t
elle__scc(const struct elle_graph *g, unsigned layers, const uint8_t mask[2][2],
          const uint8_t *node_ok, uint32_t *comp)
{
    size_t n = (size_t)g->nnode * layers;
    uint32_t *index = fl_xmalloc(fl_st_mult(n + 1, sizeof(uint32_t)));
    uint32_t *low = fl_xmalloc(fl_st_mult(n + 1, sizeof(uint32_t)));
    uint32_t *stack = fl_xmalloc(fl_st_mult(n + 1, sizeof(uint32_t)));
    struct frame *cs = fl_xmalloc(fl_st_mult(n + 1, sizeof(struct frame)));
    uint8_t *on = fl_xcalloc(n + 1, 1);
    uint32_t idx = 0, ncomp = 0;
    size_t sp = 0, csp = 0;

    memset(index, 0xff, n * sizeof(uint32_t));
    memset(comp, 0xff, n * sizeof(uint32_t));
    for (size_t r = 0; r < n; r++) {
        if (index[r] != ELLE_NONE || (node_ok && !node_ok[r / layers]))
            continue;
        index[r] = low[r] = idx++;
        stack[sp++] = (uint32_t)r;
        on[r] = 1;
        cs[csp].u = (uint32_t)r;
        cs[csp].pos = g->off[r / layers] * layers;
        csp++;
        while (csp) {
            struct frame *f = &cs[csp - 1];
            uint32_t u = f->u, v = u / layers, l = u % layers;
            uint32_t end = g->off[v + 1] * layers;
            bool pushed = false;
            while (f->pos < end) {
                uint32_t slot = f->pos / layers, l2 = f->pos % layers;
                f->pos++;
                if (!(g->adj_rel[slot] & mask[l][l2]))
                    continue;
                uint32_t w = g->adj_dst[slot];
                if (node_ok && !node_ok[w])
                    continue;
                uint32_t w2 = w * layers + l2;
                if (index[w2] == ELLE_NONE) {
                    index[w2] = low[w2] = idx++;
                    stack[sp++] = w2;
                    on[w2] = 1;
                    cs[csp].u = w2;
                    cs[csp].pos = g->off[w] * layers;
                    csp++;
                    pushed = true;
                    break;
                }
                if (on[w2] && index[w2] < low[u])
                    low[u] = index[w2];
            }
            if (pushed)
                continue;
            if (low[u] == index[u]) {
                uint32_t x;
                do {
                    x = stack[--sp];
                    on[x] = 0;
                    comp[x] = ncomp;
                } while (x != u);
                ncomp++;
            }
            csp--;
            if (csp && low[u] < low[cs[csp - 1].u])
                low[cs[csp - 1].u] = low[u];
        }
    }
    free(index);
    free(low);
    free(stack);
    free(cs);
    free(on);
    return ncomp;
}
