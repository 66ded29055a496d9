/* SPDX-License-Identifier: MIT */
/*
 * cycle.c: finding cycles of each anomaly's shape (Elle paper section 4.4,
 * Elle's BFSPath). For every non-trivial strongly connected component of
 * the whole graph, and every anomaly type worth looking for, in severity
 * order, a breadth-first search over (node, state) pairs finds a short
 * cycle. The state remembers how many rw edges the path has used (0, 1,
 * 2+), whether the last edge was rw (for G-nonadjacent) and whether a
 * required relation (wr for G1c, process or real-time for the variants)
 * has appeared. Start edges are pruned with the components of the
 * relation-restricted subgraph, so an impossible search costs one Tarjan
 * pass. Each search has a time bound; when it runs out the anomaly
 * :cycle-search-timeout is recorded and the cycle-exists pass (a Tarjan
 * per model over the relations that model forbids, with a two-layer graph
 * for the snapshot-isolation family so no two rw edges are adjacent)
 * still proves whether the model is violated, never guessing.
 */
#include "util/common.h"

#include "checker/elle/elle_int.h"

#include <time.h>

#define KW(s) elle__kw(s)

struct shape {
    int anom;
    uint8_t allowed;        /* relations the cycle may use */
    uint8_t start;          /* relation of the first edge */
    uint8_t required;       /* at least one edge of these, 0: none */
    uint8_t rw_min, rw_max; /* rw edges; 2 means "two or more" */
    bool nonadj;            /* no two rw edges adjacent (cyclically) */
};

#define NSTATE             12
#define ST(rwc, last, req) ((rwc)*4 + (last)*2 + (req))

static int64_t
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The SCC as a small graph of its own (local ids, global edge ids). */
struct local {
    struct elle_graph g;
    uint32_t *nodes; /* local -> global */
    uint32_t n;
};

static void
local_build(const struct elle_graph *G, const uint32_t *nodes, uint32_t n,
            uint32_t *loc, struct local *L)
{
    memset(L, 0, sizeof(*L));
    L->nodes = fl_xmalloc(fl_st_mult(n + 1, sizeof(uint32_t)));
    memcpy(L->nodes, nodes, n * sizeof(uint32_t));
    L->n = n;
    for (uint32_t i = 0; i < n; i++)
        loc[nodes[i]] = i;
    size_t ne = 0;
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t s = G->off[nodes[i]]; s < G->off[nodes[i] + 1]; s++)
            ne += loc[G->adj_dst[s]] != ELLE_NONE;
    L->g.nnode = L->g.ntxn = n;
    L->g.off = fl_xcalloc((size_t)n + 2, sizeof(uint32_t));
    L->g.adj_dst = fl_xmalloc(fl_st_mult(ne + 1, sizeof(uint32_t)));
    L->g.adj_eid = fl_xmalloc(fl_st_mult(ne + 1, sizeof(uint32_t)));
    L->g.adj_rel = fl_xmalloc(ne + 1);
    L->g.adj_mops = NULL;
    size_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        L->g.off[i] = (uint32_t)k;
        for (uint32_t s = G->off[nodes[i]]; s < G->off[nodes[i] + 1]; s++) {
            uint32_t w = loc[G->adj_dst[s]];
            if (w == ELLE_NONE)
                continue;
            L->g.adj_dst[k] = w;
            L->g.adj_eid[k] = s;
            L->g.adj_rel[k] = G->adj_rel[s] & ELLE_REL_MASK;
            k++;
        }
    }
    L->g.off[n] = (uint32_t)k;
    for (uint32_t i = 0; i < n; i++)
        loc[nodes[i]] = ELLE_NONE;
}

static void
local_release(struct local *L)
{
    elle__graph_release(&L->g);
    free(L->nodes);
}

struct bfs {
    uint32_t *seen;   /* stamp per state */
    uint32_t *parent; /* previous state */
    uint32_t *pslot;  /* local CSR slot used to arrive */
    uint32_t *queue;
    uint32_t stamp;
};

/*
 * BFS from the start edge's head back to its tail. Returns the number of
 * edges written to out (global edge ids), 0 if none, -1 on timeout.
 */
static int
bfs_cycle(const struct local *L, const struct shape *sh, uint32_t u,
          uint32_t slot0, struct bfs *b, int64_t deadline, uint32_t **out,
          size_t *nout)
{
    const struct elle_graph *g = &L->g;
    uint32_t w = g->adj_dst[slot0];
    uint8_t r0 = g->adj_rel[slot0];
    bool rw0 = r0 == ELLE_RW;
    uint32_t st0 = ST(rw0 ? 1 : 0, rw0 ? 1 : 0,
                      (!sh->required || (r0 & sh->required)) ? 1 : 0);
    size_t qh = 0, qt = 0;
    b->stamp++;
    uint32_t s0 = w * NSTATE + st0;
    b->seen[s0] = b->stamp;
    b->parent[s0] = ELLE_NONE;
    b->queue[qt++] = s0;
    unsigned tick = 0;
    while (qh < qt) {
        if ((++tick & 1023) == 0 && now_ns() > deadline)
            return -1;
        uint32_t s = b->queue[qh++];
        uint32_t v = s / NSTATE, st = s % NSTATE;
        uint32_t rwc = st / 4, last = (st / 2) & 1, req = st & 1;
        if (v == u) {
            bool ok = rwc >= sh->rw_min && rwc <= sh->rw_max && req &&
                      !(sh->nonadj && last && rw0);
            if (ok) {
                size_t n = 1;
                for (uint32_t x = s; b->parent[x] != ELLE_NONE;
                     x = b->parent[x])
                    n++;
                uint32_t *e = fl_xmalloc(fl_st_mult(n, sizeof(uint32_t)));
                size_t i = n;
                for (uint32_t x = s; b->parent[x] != ELLE_NONE;
                     x = b->parent[x])
                    e[--i] = g->adj_eid[b->pslot[x]];
                e[0] = g->adj_eid[slot0];
                *out = e;
                *nout = n;
                return 1;
            }
            continue; /* a cycle through u that does not fit: stop here */
        }
        for (uint32_t sl = g->off[v]; sl < g->off[v + 1]; sl++) {
            uint8_t r = g->adj_rel[sl];
            if (!(r & sh->allowed))
                continue;
            uint32_t nrwc = rwc, nlast = 0, nreq = req;
            if (r == ELLE_RW) {
                if (sh->nonadj && last)
                    continue;
                nrwc = rwc < 2 ? rwc + 1 : 2;
                if (nrwc > sh->rw_max)
                    continue;
                nlast = 1;
            }
            if (r & sh->required)
                nreq = 1;
            uint32_t ns = g->adj_dst[sl] * NSTATE + ST(nrwc, nlast, nreq);
            if (b->seen[ns] == b->stamp)
                continue;
            b->seen[ns] = b->stamp;
            b->parent[ns] = s;
            b->pslot[ns] = sl;
            b->queue[qt++] = ns;
        }
    }
    return 0;
}

static const struct shape base_shapes[] = {
    {ELLE_A_G0, ELLE_WW, ELLE_WW, 0, 0, 0, false},
    {ELLE_A_G1C, ELLE_WW | ELLE_WR, ELLE_WR, 0, 0, 0, false},
    {ELLE_A_GSI_ITEM, ELLE_DATA, ELLE_RW, 0, 1, 1, false},
    {ELLE_A_GNA_ITEM, ELLE_DATA, ELLE_RW, 0, 2, 2, true},
    {ELLE_A_G2_ITEM, ELLE_DATA, ELLE_RW, 0, 2, 2, false},
};

/* The anomaly id of a base shape's variant (0 base, 1 process, 2 rt). */
static int
variant_anom(int base, int variant)
{
    return base + variant; /* ids are laid out base, -process, -realtime */
}

static bool
search_shape(struct elle_ctx *c, struct local *L, const struct shape *sh,
             struct bfs *b, uint32_t *sub, uint32_t *dsub, bool *timed_out)
{
    const struct elle_graph *g = &L->g;
    uint8_t mask[2][2] = {{sh->allowed, 0}, {0, 0}};
    elle__scc(g, 1, mask, NULL, sub);
    bool single = sh->rw_max == 1;
    if (single) {
        uint8_t dmask[2][2] = {{(uint8_t)(sh->allowed & ~ELLE_RW), 0}, {0, 0}};
        elle__scc(g, 1, dmask, NULL, dsub);
    }
    int64_t deadline = now_ns() + c->timeout_ns;
    for (uint32_t u = 0; u < L->n; u++) {
        for (uint32_t sl = g->off[u]; sl < g->off[u + 1]; sl++) {
            if (g->adj_rel[sl] != sh->start)
                continue;
            uint32_t w = g->adj_dst[sl];
            if (sub[u] != sub[w])
                continue;
            if (single && dsub[u] > dsub[w])
                continue;
            uint32_t *eids = NULL;
            size_t n = 0;
            int r = bfs_cycle(L, sh, u, sl, b, deadline, &eids, &n);
            if (r < 0 || now_ns() > deadline) {
                *timed_out = true;
                free(eids);
                return false;
            }
            if (r > 0) {
                elle__report_cycle(c, sh->anom, eids, n);
                free(eids);
                return true;
            }
        }
    }
    return false;
}

static void
search_scc(struct elle_ctx *c, struct local *L)
{
    bool here[ELLE_NANOM];
    memset(here, 0, sizeof(here));
    struct bfs b;
    size_t ns = (size_t)L->n * NSTATE;
    b.seen = fl_xcalloc(ns + 1, sizeof(uint32_t));
    b.parent = fl_xmalloc(fl_st_mult(ns + 1, sizeof(uint32_t)));
    b.pslot = fl_xmalloc(fl_st_mult(ns + 1, sizeof(uint32_t)));
    b.queue = fl_xmalloc(fl_st_mult(ns + 1, sizeof(uint32_t)));
    b.stamp = 0;
    uint32_t *sub = fl_xmalloc(fl_st_mult(L->n + 1, sizeof(uint32_t)));
    uint32_t *dsub = fl_xmalloc(fl_st_mult(L->n + 1, sizeof(uint32_t)));

    for (int variant = 0; variant < 3; variant++) {
        /* As Elle: process and real-time variants are only worth
         * reporting for a component without a plainer anomaly. */
        bool any_here = false;
        for (int x = 0; x < ELLE_NANOM; x++)
            any_here |= here[x];
        if (any_here)
            break;
        if (variant == 1 && !c->g.has_proc)
            continue;
        if (variant == 2 && !c->g.has_rt)
            continue;
        for (size_t i = 0; i < FL_ARRAY_SIZE(base_shapes); i++) {
            struct shape sh = base_shapes[i];
            sh.anom = variant_anom(sh.anom, variant);
            if (!c->search[sh.anom])
                continue;
            bool implied = false;
            for (int x = 0; x < ELLE_NANOM && !implied; x++)
                implied = here[x] && elle__implies(x, sh.anom);
            if (implied)
                continue;
            if (variant == 1) {
                sh.allowed |= ELLE_PROC;
                sh.required = ELLE_PROC;
            } else if (variant == 2) {
                sh.allowed |= ELLE_PROC | ELLE_RT;
                sh.required = ELLE_RT;
            }
            bool timed_out = false;
            if (search_shape(c, L, &sh, &b, sub, dsub, &timed_out)) {
                here[sh.anom] = true;
            } else if (timed_out) {
                fl_val dnc[ELLE_NANOM];
                size_t nd = 0;
                for (int x = 0; x < ELLE_NANOM; x++)
                    if (here[x])
                        dnc[nd++] = KW(elle__anom_name(x));
                uint32_t ntxn = 0;
                for (uint32_t v = 0; v < L->n; v++)
                    ntxn += L->nodes[v] < c->ntxn;
                fl_val kv[8] = {KW("type"),
                                KW("cycle-search-timeout"),
                                KW("anomaly-spec-type"),
                                KW(elle__anom_name(sh.anom)),
                                KW("does-not-contain"),
                                fl_val_coll(c->a, FL_V_VEC, dnc, nd),
                                KW("scc-size"),
                                fl_val_int(ntxn)};
                elle__add(c, ELLE_A_TIMEOUT, elle__mapv(c, kv, 4));
            }
        }
    }
    free(sub);
    free(dsub);
    free(b.seen);
    free(b.parent);
    free(b.pslot);
    free(b.queue);
}

struct ce_spec {
    int anom;
    unsigned layers;
    uint8_t d; /* relations allowed (one layer), or the non-rw ones (two) */
};

/* Weakest first, so a stronger model's check is skipped once a weaker
 * model it implies is already ruled out. */
static const struct ce_spec ce_specs[] = {
    {ELLE_A_CE_PL1, 1, ELLE_WW},
    {ELLE_A_CE_SS_PL1, 1, ELLE_WW | ELLE_PROC},
    {ELLE_A_CE_S_PL1, 1, ELLE_WW | ELLE_PROC | ELLE_RT},
    {ELLE_A_CE_PL2, 1, ELLE_WW | ELLE_WR},
    {ELLE_A_CE_SS_PL2, 1, ELLE_WW | ELLE_WR | ELLE_PROC},
    {ELLE_A_CE_S_PL2, 1, ELLE_WW | ELLE_WR | ELLE_PROC | ELLE_RT},
    {ELLE_A_CE_PL299, 1, ELLE_DATA},
    {ELLE_A_CE_PLSI, 2, ELLE_WW | ELLE_WR},
    {ELLE_A_CE_SSSI, 2, ELLE_WW | ELLE_WR | ELLE_PROC},
    {ELLE_A_CE_SSI, 2, ELLE_WW | ELLE_WR | ELLE_PROC | ELLE_RT},
    {ELLE_A_CE_PL3, 1, ELLE_DATA},
    {ELLE_A_CE_SSSER, 1, ELLE_DATA | ELLE_PROC},
    {ELLE_A_CE_PLSS, 1, ELLE_DATA | ELLE_PROC | ELLE_RT},
};

/*
 * Short cycles for the cycle-exists pass: when a model's Tarjan pass
 * proves a cycle but the searches found none (a search ran out of time, or
 * a plainer anomaly in the component stopped the variant searches), look
 * for a cycle of two or three txns over the model's relations, so the
 * reader gets the cycle, not only a component size. Real time is tested
 * directly (a completed before b was invoked) instead of walking barrier
 * nodes; as real-time order is transitive, a shortest cycle never has two
 * real-time hops in a row, so with the real-time hop last, paths of one or
 * two other edges cover every cycle of two or three txns.
 */
#define SHORT_BUDGET 50000000 /* edge visits in all: deterministic */

struct hop {
    uint32_t slot; /* CSR slot, or ELLE_NONE for a real-time hop */
    uint32_t a, b; /* txns */
    uint8_t rel;
};

struct short_search {
    struct elle_ctx *c;
    uint8_t rels;  /* relations allowed, besides real time */
    bool rt;       /* real-time hops allowed */
    bool nonadj;   /* no two rw edges adjacent (the SI family) */
    uint64_t work; /* edge visits left */
};

static bool
rt_before(const struct elle_ctx *c, uint32_t a, uint32_t b)
{
    const struct elle_txn *ta = &c->txns[a], *tb = &c->txns[b];
    return ta->type == FL_OP_OK && tb->type != FL_OP_FAIL && ta->cmp < tb->inv;
}

/* A hop a -> b: an allowed edge, else real time. */
static bool
close_hop(struct short_search *S, uint32_t a, uint32_t b, struct hop *h)
{
    const struct elle_graph *g = &S->c->g;
    for (uint32_t sl = g->off[a]; sl < g->off[a + 1]; sl++) {
        S->work -= S->work > 0;
        uint8_t r = g->adj_rel[sl] & ELLE_REL_MASK;
        if (g->adj_dst[sl] == b && (r & S->rels)) {
            *h = (struct hop){sl, a, b, r};
            return true;
        }
    }
    if (S->rt && rt_before(S->c, a, b)) {
        *h = (struct hop){ELLE_NONE, a, b, ELLE_RT};
        return true;
    }
    return false;
}

static bool
hops_ok(const struct short_search *S, const struct hop *h, size_t n)
{
    if (!S->nonadj)
        return true;
    for (size_t i = 0; i < n; i++)
        if (h[i].rel == ELLE_RW && h[(i + 1) % n].rel == ELLE_RW)
            return false;
    return true;
}

/* The anomaly type of a cycle of hops (shape, then variant). */
static int
hops_type(const struct hop *h, size_t n)
{
    unsigned rw = 0, wr = 0, rt = 0, proc = 0;
    bool adj = false;
    for (size_t i = 0; i < n; i++) {
        rw += h[i].rel == ELLE_RW;
        wr += h[i].rel == ELLE_WR;
        rt += h[i].rel == ELLE_RT;
        proc += h[i].rel == ELLE_PROC;
        adj |= h[i].rel == ELLE_RW && h[(i + 1) % n].rel == ELLE_RW;
    }
    int base = rw == 0   ? (wr ? ELLE_A_G1C : ELLE_A_G0)
               : rw == 1 ? ELLE_A_GSI_ITEM
               : adj     ? ELLE_A_G2_ITEM
                         : ELLE_A_GNA_ITEM;
    return variant_anom(base, rt ? 2 : proc ? 1 : 0);
}

/* A cycle of two (n = 2) or three txns through u, into h. */
static bool
short_from(struct short_search *S, uint32_t u, size_t n, struct hop *h)
{
    const struct elle_graph *g = &S->c->g;
    uint32_t ntxn = S->c->ntxn;
    for (uint32_t s1 = g->off[u]; s1 < g->off[u + 1] && S->work; s1++) {
        uint32_t v = g->adj_dst[s1];
        uint8_t r1 = g->adj_rel[s1] & ELLE_REL_MASK;
        if (v >= ntxn || !(r1 & S->rels))
            continue;
        h[0] = (struct hop){s1, u, v, r1};
        if (n == 2) {
            if (close_hop(S, v, u, &h[1]) && hops_ok(S, h, 2))
                return true;
            continue;
        }
        for (uint32_t s2 = g->off[v]; s2 < g->off[v + 1] && S->work; s2++) {
            uint32_t w = g->adj_dst[s2];
            uint8_t r2 = g->adj_rel[s2] & ELLE_REL_MASK;
            S->work--;
            if (w >= ntxn || w == u || !(r2 & S->rels))
                continue;
            h[1] = (struct hop){s2, v, w, r2};
            if (close_hop(S, w, u, &h[2]) && hops_ok(S, h, 3))
                return true;
        }
    }
    return false;
}

/* The CSR edges of a real-time hop a -> b: a, its barriers, then b. */
static void
rt_path(const struct elle_graph *g, uint32_t a, uint32_t b,
        struct fl_vec_u32 *out)
{
    uint32_t x = a;
    for (;;) {
        uint32_t next = ELLE_NONE;
        for (uint32_t sl = g->off[x]; sl < g->off[x + 1]; sl++) {
            if ((g->adj_rel[sl] & ELLE_REL_MASK) != ELLE_RT)
                continue;
            if (g->adj_dst[sl] == b) {
                FL_VEC_PUSH(out, sl);
                return;
            }
            if (g->adj_dst[sl] >= g->ntxn)
                next = sl;
        }
        if (next == ELLE_NONE)
            return; /* cannot happen: a completed before b began */
        FL_VEC_PUSH(out, next);
        x = g->adj_dst[next];
    }
}

/*
 * Report a cycle of two or three txns (among node_ok) that model spec
 * (relations d, layers) forbids; returns its type, or -1 if there is none
 * worth reporting.
 */
static int
short_cycle(struct elle_ctx *c, uint8_t d, unsigned layers,
            const uint8_t *node_ok, uint64_t *budget)
{
    struct short_search S = {c, (uint8_t)(d & ~ELLE_RT), (d & ELLE_RT) != 0,
                             layers == 2, *budget};
    int type = -1;
    if (layers == 2)
        S.rels |= ELLE_RW;
    struct hop h[3];
    for (size_t n = 2; n <= 3 && type < 0; n++) {
        for (uint32_t u = 0; u < c->ntxn && S.work && type < 0; u++) {
            if (!node_ok[u] || !short_from(&S, u, n, h))
                continue;
            type = hops_type(h, n);
            if (!c->search[type]) {
                type = -1;
                continue;
            }
            struct fl_vec_u32 eids = {NULL, 0, 0};
            for (size_t i = 0; i < n; i++) {
                if (h[i].slot != ELLE_NONE)
                    FL_VEC_PUSH(&eids, h[i].slot);
                else
                    rt_path(&c->g, h[i].a, h[i].b, &eids);
            }
            elle__report_cycle(c, type, eids.v, eids.n);
            FL_VEC_RELEASE(&eids);
        }
    }
    *budget = S.work;
    return type;
}

static void
cycle_exists(struct elle_ctx *c, const uint8_t *node_ok)
{
    const struct elle_graph *g = &c->g;
    bool found[ELLE_NANOM];
    uint64_t budget = SHORT_BUDGET; /* shared by all models' searches */
    for (int x = 0; x < ELLE_NANOM; x++)
        found[x] = c->found[x].n > 0;
    for (size_t i = 0; i < FL_ARRAY_SIZE(ce_specs); i++) {
        const struct ce_spec *sp = &ce_specs[i];
        if (!c->search[sp->anom] || elle__ce_redundant(found, sp->anom))
            continue;
        if (((sp->d & ELLE_PROC) && !g->has_proc) ||
            ((sp->d & ELLE_RT) && !g->has_rt))
            continue;
        uint8_t mask[2][2] = {{sp->d, 0}, {0, 0}};
        if (sp->layers == 2) {
            mask[0][0] = mask[1][0] = sp->d;
            mask[0][1] = ELLE_RW;
        }
        size_t n = (size_t)g->nnode * sp->layers;
        uint32_t *comp = elle__big_calloc(n + 1, sizeof(uint32_t));
        uint32_t ncomp = elle__scc(g, sp->layers, mask, node_ok, comp);
        uint32_t *size = fl_xcalloc((size_t)ncomp + 1, sizeof(uint32_t));
        uint32_t best = ELLE_NONE;
        for (size_t v = 0; v < n; v++)
            if (comp[v] != ELLE_NONE && ++size[comp[v]] >= 2 &&
                best == ELLE_NONE)
                best = comp[v];
        int st = -1;
        if (best != ELLE_NONE)
            st = short_cycle(c, sp->d, sp->layers, node_ok, &budget);
        if (st >= 0)
            found[st] = true;
        else if (best != ELLE_NONE) {
            /* Name a few of the txns involved. */
            fl_val ops[8];
            size_t nops = 0, total = 0;
            for (size_t v = 0; v < n; v++) {
                uint32_t node = (uint32_t)(v / sp->layers);
                if (comp[v] != best || node >= c->ntxn)
                    continue;
                if (sp->layers == 2 && v % 2 == 1 && comp[v - 1] == best)
                    continue;
                total++;
                if (nops < FL_ARRAY_SIZE(ops))
                    ops[nops++] = elle__op_val(c, node);
            }
            fl_val kv[6] = {
                KW("type"),      KW(elle__anom_name(sp->anom)),
                KW("scc-size"),  fl_val_int((int64_t)total),
                KW("some-txns"), fl_val_coll(c->a, FL_V_VEC, ops, nops)};
            elle__add(c, sp->anom, elle__mapv(c, kv, 3));
            found[sp->anom] = true;
        }
        free(size);
        free(comp);
    }
}

void
elle__find_cycles(struct elle_ctx *c)
{
    struct elle_graph *g = &c->g;
    uint32_t *comp = elle__big_calloc((size_t)g->nnode + 1, sizeof(uint32_t));
    uint8_t all[2][2] = {{ELLE_DATA | ELLE_PROC | ELLE_RT, 0}, {0, 0}};
    uint32_t ncomp = elle__scc(g, 1, all, NULL, comp);
    /* Group nodes by component (counting sort). */
    uint32_t *start = fl_xcalloc((size_t)ncomp + 2, sizeof(uint32_t));
    for (uint32_t v = 0; v < g->nnode; v++)
        start[comp[v] + 2]++;
    for (uint32_t i = 0; i < ncomp; i++)
        start[i + 2] += start[i + 1];
    uint32_t *order = elle__big_calloc((size_t)g->nnode + 1, sizeof(uint32_t));
    for (uint32_t v = 0; v < g->nnode; v++)
        order[start[comp[v] + 1]++] = v;
    uint8_t *node_ok = fl_xcalloc((size_t)g->nnode + 1, 1);
    uint32_t *loc = elle__big_calloc((size_t)g->nnode + 1, sizeof(uint32_t));
    memset(loc, 0xff, ((size_t)g->nnode + 1) * sizeof(uint32_t));
    bool any = false;
    for (uint32_t cid = 0; cid < ncomp; cid++) {
        uint32_t s = start[cid];
        uint32_t e = start[cid + 1];
        if (e - s < 2)
            continue;
        any = true;
        for (uint32_t i = s; i < e; i++)
            node_ok[order[i]] = 1;
        struct local L;
        local_build(g, order + s, e - s, loc, &L);
        search_scc(c, &L);
        local_release(&L);
    }
    if (any)
        cycle_exists(c, node_ok);
    free(loc);
    free(node_ok);
    free(order);
    free(start);
    free(comp);
}
