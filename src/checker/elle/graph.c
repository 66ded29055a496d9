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

#include <pthread.h>

/* One order edge (never a self loop: barriers are not txns). */
static void
push_edge(struct elle_edge_vec *v, uint32_t src, uint32_t dst, uint8_t rel)
{
    struct elle_edge e;
    memset(&e, 0, sizeof(e));
    e.src = src;
    e.dst = dst;
    e.rel = rel;
    FL_VEC_PUSH(v, e);
}

static void
process_edges(const struct elle_ctx *c, struct elle_edge_vec *out)
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
            push_edge(out, (uint32_t)*prev, t, ELLE_PROC);
        if (tx->type == FL_OP_OK)
            fl_map_put(&last, key, t);
        else
            fl_map_del(&last, key);
    }
    fl_map_release(&last);
}

/* Real-time edges; returns the node count with the barrier nodes. */
static uint32_t
realtime_edges(const struct elle_ctx *c, struct elle_edge_vec *out)
{
    const struct fl_hist *h = c->h;
    uint32_t *txn_at = elle__big_calloc(h->n + 1, sizeof(uint32_t));
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
                push_edge(out, barrier, b, ELLE_RT);
            for (size_t i = 0; i < done.n; i++)
                push_edge(out, done.v[i], b, ELLE_RT);
            done.n = 0;
            barrier = b;
        }
        if (barrier != ELLE_NONE)
            push_edge(out, barrier, t, ELLE_RT);
    }
    FL_VEC_RELEASE(&done);
    free(txn_at);
    return next;
}

struct elle_order {
    const struct elle_ctx *c;
    bool proc, rt, threaded;
    pthread_t th;
    struct elle_edge_vec edges; /* process edges, then real-time ones */
    uint32_t nnode;
};

static void *
order_main(void *arg)
{
    struct elle_order *o = arg;
    /* About one process edge per txn and two real-time edges. */
    size_t want = (o->proc ? 1 : 0) + (o->rt ? 2 : 0);
    if (want) {
        o->edges.alloc = want * (size_t)o->c->ntxn + 16;
        o->edges.v = elle__big_calloc(o->edges.alloc, sizeof(struct elle_edge));
    }
    o->nnode = o->c->ntxn;
    if (o->proc)
        process_edges(o->c, &o->edges);
    if (o->rt)
        o->nnode = realtime_edges(o->c, &o->edges);
    return NULL;
}

struct elle_order *
elle__order_start(const struct elle_ctx *c, bool proc, bool rt)
{
    struct elle_order *o = fl_xcalloc(1, sizeof(*o));
    o->c = c;
    o->proc = proc;
    o->rt = rt;
    /* Small histories are not worth a thread. */
    if (c->ntxn >= 4096 && (proc || rt) &&
        pthread_create(&o->th, NULL, order_main, o) == 0)
        o->threaded = true;
    return o;
}

void
elle__order_finish(struct elle_ctx *c, struct elle_order *o)
{
    if (o->threaded)
        pthread_join(o->th, NULL);
    else
        order_main(o);
    c->g.ntxn = c->ntxn;
    c->g.nnode = o->nnode;
    c->g.has_proc = o->proc;
    c->g.has_rt = o->rt;
    elle__graph_build(&c->g, &o->edges);
    FL_VEC_RELEASE(&o->edges);
    free(o);
}

void
elle__graph_build(struct elle_graph *g, const struct elle_edge_vec *more)
{
    const struct elle_edge_vec *vs[3] = {&g->edges, &g->more, more};
    size_t ne = g->edges.n + g->more.n + (more ? more->n : 0);
    g->off = elle__big_calloc((size_t)g->nnode + 2, sizeof(uint32_t));
    g->adj_dst = elle__big_calloc(ne + 1, sizeof(uint32_t));
    g->adj_mops = elle__big_calloc(ne + 1, sizeof(uint32_t));
    g->adj_rel = elle__big_calloc(ne + 1, 1);
    g->adj_eid = NULL;
    for (int k = 0; k < 3; k++)
        for (size_t i = 0; vs[k] && i < vs[k]->n; i++)
            g->off[vs[k]->v[i].src + 2]++;
    for (uint32_t v = 0; v < g->nnode; v++)
        g->off[v + 2] += g->off[v + 1];
    /* Inference's edges first, then the order edges, each stable. */
    for (int k = 0; k < 3; k++) {
        for (size_t i = 0; vs[k] && i < vs[k]->n; i++) {
            const struct elle_edge *e = &vs[k]->v[i];
            uint32_t s = g->off[e->src + 1]++;
            g->adj_dst[s] = e->dst;
            g->adj_mops[s] = (uint32_t)e->amop << 16 | e->bmop;
            g->adj_rel[s] = (uint8_t)(e->rel | e->why << ELLE_WHY_SHIFT);
        }
    }
    FL_VEC_RELEASE(&g->edges);
    FL_VEC_RELEASE(&g->more);
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
    e->rel = g->adj_rel[eid] & ELLE_REL_MASK;
    e->why = (uint8_t)(g->adj_rel[eid] >> ELLE_WHY_SHIFT);
}

void
elle__graph_release(struct elle_graph *g)
{
    FL_VEC_RELEASE(&g->edges);
    FL_VEC_RELEASE(&g->more);
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
    uint32_t *index = elle__big_calloc(n + 1, sizeof(uint32_t));
    uint32_t *low = elle__big_calloc(n + 1, sizeof(uint32_t));
    uint32_t *stack = elle__big_calloc(n + 1, sizeof(uint32_t));
    struct frame *cs = elle__big_calloc(n + 1, sizeof(struct frame));
    uint8_t *on = elle__big_calloc(n + 1, 1);
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
