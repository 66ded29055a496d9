/* SPDX-License-Identifier: MIT */
/*
 * elle_int.h: internals shared by the Elle checker's files. Transactions,
 * keys and micro-ops get dense integer ids; the dependency graph is a flat
 * edge array turned into CSR adjacency (no per-edge malloc); every graph
 * pass (Tarjan, cycle search) is iterative. Anomaly and model names are
 * the X-macro tables below, indexed by enum elle_anom.
 */
#ifndef FL_ELLE_INT_H
#define FL_ELLE_INT_H

#include "checker/elle/elle.h"
#include "util/arena.h"
#include "util/err.h"
#include "util/strbuf.h"
#include "util/vec.h"

#define ELLE_NONE UINT32_MAX

/*
 * Every anomaly type Elle names. The cycle-exists ones are per model. The
 * order is only an id; severity order for searching is in cycle.c.
 */
#define ELLE_ANOM_LIST(X)                                                      \
    X(G0, "G0")                                                                \
    X(G0_P, "G0-process")                                                      \
    X(G0_R, "G0-realtime")                                                     \
    X(G1A, "G1a")                                                              \
    X(G1B, "G1b")                                                              \
    X(G1C, "G1c")                                                              \
    X(G1C_P, "G1c-process")                                                    \
    X(G1C_R, "G1c-realtime")                                                   \
    X(G1, "G1")                                                                \
    X(G1_P, "G1-process")                                                      \
    X(G1_R, "G1-realtime")                                                     \
    X(GSI_ITEM, "G-single-item")                                               \
    X(GSI_ITEM_P, "G-single-item-process")                                     \
    X(GSI_ITEM_R, "G-single-item-realtime")                                    \
    X(GSINGLE, "G-single")                                                     \
    X(GSINGLE_P, "G-single-process")                                           \
    X(GSINGLE_R, "G-single-realtime")                                          \
    X(GNA_ITEM, "G-nonadjacent-item")                                          \
    X(GNA_ITEM_P, "G-nonadjacent-item-process")                                \
    X(GNA_ITEM_R, "G-nonadjacent-item-realtime")                               \
    X(GNA, "G-nonadjacent")                                                    \
    X(GNA_P, "G-nonadjacent-process")                                          \
    X(GNA_R, "G-nonadjacent-realtime")                                         \
    X(G2_ITEM, "G2-item")                                                      \
    X(G2_ITEM_P, "G2-item-process")                                            \
    X(G2_ITEM_R, "G2-item-realtime")                                           \
    X(G2, "G2")                                                                \
    X(G2_P, "G2-process")                                                      \
    X(G2_R, "G2-realtime")                                                     \
    X(GSIA, "GSIa")                                                            \
    X(GSIB, "GSIb")                                                            \
    X(GSI, "GSI")                                                              \
    X(G_SI, "G-SI")                                                            \
    X(G_SIB, "G-SIb")                                                          \
    X(G_CURSOR, "G-cursor")                                                    \
    X(G_MONOTONIC, "G-monotonic")                                              \
    X(G_MSR, "G-MSR")                                                          \
    X(G_UPDATE, "G-update")                                                    \
    X(INCOMPAT, "incompatible-order")                                          \
    X(FUTURE, "future-read")                                                   \
    X(DIRTY, "dirty-update")                                                   \
    X(LOST, "lost-update")                                                     \
    X(WSKEW, "write-skew")                                                     \
    X(INTERNAL, "internal")                                                    \
    X(DUPEL, "duplicate-elements")                                             \
    X(CYCVER, "cyclic-versions")                                               \
    X(PRED_MISS, "predicate-read-miss")                                        \
    X(GARBAGE, "garbage-read")                                                 \
    X(DUPAPP, "duplicate-appends")                                             \
    X(DUPW, "duplicate-writes")                                                \
    X(EMPTY, "empty-transaction-graph")                                        \
    X(TIMEOUT, "cycle-search-timeout")                                         \
    X(CE_PL1, "PL-1-cycle-exists")                                             \
    X(CE_PL2, "PL-2-cycle-exists")                                             \
    X(CE_PL299, "PL-2.99-cycle-exists")                                        \
    X(CE_PL3, "PL-3-cycle-exists")                                             \
    X(CE_PLSI, "PL-SI-cycle-exists")                                           \
    X(CE_PLSS, "PL-SS-cycle-exists")                                           \
    X(CE_SS_PL1, "strong-session-PL-1-cycle-exists")                           \
    X(CE_SS_PL2, "strong-session-PL-2-cycle-exists")                           \
    X(CE_S_PL1, "strong-PL-1-cycle-exists")                                    \
    X(CE_S_PL2, "strong-PL-2-cycle-exists")                                    \
    X(CE_SSSI, "strong-session-snapshot-isolation-cycle-exists")               \
    X(CE_SSI, "strong-snapshot-isolation-cycle-exists")                        \
    X(CE_SSSER, "strong-session-serializable-cycle-exists")

enum elle_anom {
#define ELLE_ANOM_ENUM_(id, str) ELLE_A_##id,
    ELLE_ANOM_LIST(ELLE_ANOM_ENUM_)
#undef ELLE_ANOM_ENUM_
        ELLE_NANOM
};

/* Relations an edge can carry (Elle's BitRels, without predicates). */
enum elle_rel {
    ELLE_WW = 1 << 0,
    ELLE_WR = 1 << 1,
    ELLE_RW = 1 << 2,
    ELLE_PROC = 1 << 3,
    ELLE_RT = 1 << 4,
};
#define ELLE_DATA     (ELLE_WW | ELLE_WR | ELLE_RW)
#define ELLE_REL_MASK 0x1f /* the relation bits of a CSR adj_rel byte */

/*
 * Why a data edge exists: a read showed it (observed), or the checker
 * inferred it from a rule no single read shows. Process and real-time
 * edges are inferred by their relation. In the CSR the reason sits in the
 * top three bits of adj_rel (ELLE_REL_MASK keeps the relation).
 */
enum elle_why {
    ELLE_OBSERVED = 0,  /* wr; ww/rw along a read's order */
    ELLE_W_LONGEST = 1, /* list-append: an append no read saw follows the
                         * longest read of its key */
    ELLE_W_INIT = 2,    /* rw-register: every write follows the initial nil */
    ELLE_W_WFR = 3,     /* rw-register: a txn's write follows its read */
    ELLE_W_SEQ = 4,     /* rw-register: sequential keys (process order) */
    ELLE_W_LIN = 5,     /* rw-register: linearizable keys (real time) */
};
#define ELLE_WHY_SHIFT 5

enum elle_mop_f { ELLE_APPEND, ELLE_READ, ELLE_WRITE };

struct elle_mop {
    int64_t v;           /* append/write value; register read value */
    const fl_val *items; /* list read: the elements, in the history */
    uint32_t key;        /* dense key id */
    uint32_t off;        /* append: its writes-map slot (infer.c) */
    uint32_t n;          /* list read: element count */
    uint8_t f;           /* enum elle_mop_f */
    uint8_t has_v;       /* register read: 0 when the read saw nil */
};

struct elle_txn {
    uint32_t mop0, nmop; /* micro-ops ctx->mops[mop0 .. mop0+nmop) */
    uint32_t inv;        /* history position of the invocation */
    uint32_t cmp;        /* position of the completion, or ELLE_NONE */
    int32_t process;     /* client process */
    uint8_t type;        /* FL_OP_OK, FL_OP_FAIL or FL_OP_INFO */
};

/*
 * One dependency. Why it exists is read back from the two micro-ops it
 * links (key, values), so an edge is 16 bytes.
 */
struct elle_edge {
    uint32_t src, dst; /* node ids (txns, then barrier nodes) */
    uint16_t amop;     /* micro-op index in src's txn (data edges) */
    uint16_t bmop;     /* micro-op index in dst's txn (data edges) */
    uint8_t rel;       /* one enum elle_rel bit */
    uint8_t why;       /* enum elle_why (data edges) */
};

FL_VEC(elle_edge_vec, struct elle_edge);

/*
 * The graph: nodes 0..ntxn-1 are transactions, ntxn..nnode-1 barrier
 * nodes that encode real-time order in O(n) edges (T -> barrier(T's
 * completion) -> later barriers -> every txn invoked after).
 */
struct elle_graph {
    uint32_t ntxn, nnode;
    struct elle_edge_vec edges; /* all edges until built, then released */
    struct elle_edge_vec more;  /* a helper thread's, which follow edges */
    uint32_t *off;              /* nnode+1 CSR offsets into adj_* */
    uint32_t *adj_dst;          /* destination per CSR slot */
    uint32_t *adj_mops;         /* amop << 16 | bmop per slot */
    uint32_t *adj_eid;          /* local graphs: the global slot; or NULL */
    uint8_t *adj_rel;      /* relation bit | why << ELLE_WHY_SHIFT per slot */
    bool has_proc, has_rt; /* process / real-time edges present */
};

/* Open-addressed map from (key id, int64 value) to a payload record. */
struct elle_kv {
    int64_t v;
    uint32_t key;  /* ELLE_NONE: empty slot */
    uint32_t txn;  /* writer txn */
    uint32_t mop;  /* writer mop index */
    uint32_t pos;  /* position in the key's version order, or ELLE_NONE */
    uint8_t dup;   /* written more than once */
    uint8_t final; /* the writer's last write to this key */
    uint8_t wtype; /* the writer txn's type (FL_OP_OK, ...): no lookup */
};

struct elle_kvmap {
    struct elle_kv *slots;
    size_t cap, n;
};

FL_VEC(elle_val_vec, fl_val);

struct elle_ctx {
    const struct fl_hist *h;
    const struct fl_elle_opts *o;
    struct fl_arena *a; /* the result arena */
    struct elle_txn *txns;
    uint32_t ntxn, nok;
    struct elle_mop *mops;
    size_t nmop, mop_alloc;
    fl_val *keys; /* key id -> key value */
    uint32_t nkey, key_alloc;
    uint32_t *key_slots; /* hash slots of key ids */
    size_t key_cap;
    uint32_t *int_key; /* small non-negative integer key -> id, or NONE */
    size_t int_key_n;  /* entries in int_key */
    struct elle_kvmap writes; /* (key, value) -> writer */
    uint8_t *key_bad;         /* per key: 1 duplicate writes (skipped), 2 reads
                               * incompatible with the order, 3 cyclic versions */
    struct elle_graph g;
    bool prohibited[ELLE_NANOM]; /* types the models forbid (closure) */
    bool search[ELLE_NANOM];     /* types worth looking for */
    struct elle_val_vec found[ELLE_NANOM]; /* anomaly maps per type */
    size_t dropped[ELLE_NANOM];            /* beyond ELLE_MAX_PER_TYPE */
    int64_t timeout_ns; /* per (component, anomaly type) search */
    int rc;             /* first error from writing artifacts */
    struct fl_err *err;
};

/* models.c */
int elle__anom_by_name(const char *name);
const char *elle__anom_name(int id);
/** Fill prohibited[] from the models and extra anomaly names. */
int elle__prohibited(const struct fl_elle_opts *o, bool *prohibited,
                     struct fl_err *err);
/** Models (canonical ids) ruled out by found[]: :not and :also-not. */
void elle__boundary(const bool *found, struct fl_arena *a, fl_val *not_set,
                    fl_val *also_not);
/** True if some found anomaly type already rules model out (by CE type). */
bool elle__ce_redundant(const bool *found, int ce_anom);
/** Anomaly x implies y (reflexive, transitive). */
bool elle__implies(int x, int y);

/* kvmap (infer.c) */
struct elle_kv *elle__kv_get(const struct elle_kvmap *m, uint32_t key,
                             int64_t v);
struct elle_kv *elle__kv_put(struct elle_kvmap *m, uint32_t key, int64_t v,
                             bool *isnew);
/**
 * Add a type anomaly {:op <txn t> :mop <its micro-op mi>} plus :k3 v3 and
 * :k4 v4 when k3/k4 are not NULL (unless the type is already full).
 */
void elle__report_op_mop(struct elle_ctx *c, int type, uint32_t t, uint32_t mi,
                         const char *k3, fl_val v3, const char *k4, fl_val v4);
/**
 * Record micro-op i of txn t (a write: append or register write) in
 * c->writes. A value written twice reports one dup_type anomaly naming both
 * txns, marks the key bad and returns NULL. Otherwise returns the new slot
 * with txn, mop and final (no later write of the same kind to that key in
 * the txn) filled in. Needs c->key_bad.
 */
struct elle_kv *elle__put_write(struct elle_ctx *c, uint32_t t, uint32_t i,
                                int dup_type);

/* txns.c */
/**
 * n zeroed elements of size bytes for the checker's big tables (micro-ops,
 * hash slots, edges, CSR): arrays of 4 MiB or more ask for transparent
 * huge pages, so filling them costs one page fault per 2 MiB instead of
 * per 4 KiB. Aborts on OOM; caller frees with free().
 */
void *elle__big_calloc(size_t n, size_t size);
int elle__load_txns(struct elle_ctx *c, struct fl_err *err);
fl_val elle__op_val(struct elle_ctx *c, uint32_t txn);
fl_val elle__mop_val(struct elle_ctx *c, const struct elle_mop *m);
fl_val elle__kw(const char *name);
void elle__print_key(struct elle_ctx *c, struct fl_strbuf *sb, uint32_t key);
void elle__add(struct elle_ctx *c, int type, fl_val anomaly);
/*
 * At most this many anomalies of one type are kept (the rest are counted
 * in ctx->dropped and reported under :dropped), so a badly broken history
 * of millions of txns yields a readable result, not gigabytes.
 */
#define ELLE_MAX_PER_TYPE 10000
/** False when type already has ELLE_MAX_PER_TYPE anomalies (counts one). */
bool elle__want(struct elle_ctx *c, int type);
fl_val elle__mapv(struct elle_ctx *c, const fl_val *kv, size_t npairs);

/* infer.c */
/** Size the writes map and edge vector for c's micro-ops. */
void elle__reserve(struct elle_ctx *c);
void elle__infer_append(struct elle_ctx *c);
void elle__infer_register(struct elle_ctx *c);
void elle__add_edge(struct elle_ctx *c, uint32_t src, uint32_t dst, uint8_t rel,
                    uint8_t why, uint32_t amop, uint32_t bmop);
/** Elements [start, start+n) of list read m as a vector in c->a. */
fl_val elle__mop_ints(struct elle_ctx *c, const struct elle_mop *m,
                      uint32_t start, uint32_t n);
/** True if t has a micro-op of kind f on key before index i. */
bool elle__txn_has_before(const struct elle_ctx *c, uint32_t t, uint32_t i,
                          uint8_t f, uint32_t key);

/* graph.c */
struct elle_order;
/**
 * Start building the process (proc) and real-time (rt) order edges. They
 * depend only on the txn table, so on a big history a second thread makes
 * them while inference runs; the caller must not change c->txns until
 * elle__order_finish().
 */
struct elle_order *elle__order_start(const struct elle_ctx *c, bool proc,
                                     bool rt);
/**
 * Wait for the order edges and build c->g's CSR: inference's edges (in
 * c->g.edges) first, then the order edges, exactly as if they had been
 * added in that sequence. Frees o.
 */
void elle__order_finish(struct elle_ctx *c, struct elle_order *o);
/**
 * CSR from g->edges, then g->more, then more's edges (more may be NULL);
 * g->edges and g->more are released. Edge ids = slots.
 */
void elle__graph_build(struct elle_graph *g, const struct elle_edge_vec *more);
/** The edge in CSR slot eid of the whole graph. */
void elle__edge_get(const struct elle_graph *g, uint32_t eid,
                    struct elle_edge *e);
void elle__graph_release(struct elle_graph *g);
/**
 * Tarjan's SCC over a layered view of g: node (v, l) has id v*layers+l,
 * edges from layer i to layer j are those whose relation is in mask[i][j].
 * Only nodes with node_ok[v] (all if NULL) take part; others get ELLE_NONE.
 * comp[] (nnode*layers) gets component ids in reverse topological order.
 * Returns the number of components.
 */
uint32_t elle__scc(const struct elle_graph *g, unsigned layers,
                   const uint8_t mask[2][2], const uint8_t *node_ok,
                   uint32_t *comp);

/* cycle.c */
void elle__find_cycles(struct elle_ctx *c);

/* explain.c */
void elle__report_cycle(struct elle_ctx *c, int type, const uint32_t *eids,
                        size_t n);
int elle__write_artifacts(struct elle_ctx *c, struct fl_err *err);

#endif
