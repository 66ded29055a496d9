/* SPDX-License-Identifier: MIT */
/*
 * elle_gen.c: the simulated list-append store behind elle_gen.h. Lists
 * only grow, so a snapshot taken at commit sequence s is, for every key,
 * the prefix of elements committed at or before s; that gives snapshot
 * reads for the SI-like bugs without copying the store. A correct txn
 * takes its snapshot and applies its appends in one step at its
 * completion, which lies inside its invocation-completion window: the
 * history is strict serializable by construction.
 */
#include "util/common.h"

#include "checker/elle/elle_gen.h"

#include "util/rng.h"
#include "util/vec.h"

struct gkey {
    int64_t *v;       /* elements */
    uint64_t *seq;    /* commit sequence of each element */
    uint32_t *writer; /* txn serial that appended each element */
    uint32_t n, alloc;
    uint64_t last_seq; /* last commit that appended */
    int64_t next;      /* next value to append */
    uint32_t planned;  /* appends handed out */
};

struct gmop {
    int64_t key, v;
    bool append;
    bool done; /* already in the store (dirty write) */
};

struct gtxn {
    struct gmop m[16];
    int n;
    uint64_t start_seq; /* snapshot taken at invocation */
    uint32_t serial;
    int32_t process;
    bool busy;
};

struct gen {
    const struct fl_elle_gen_opts *o;
    struct fl_hist *h;
    struct fl_rng rng;
    struct gkey *keys;
    size_t nkeys, keys_alloc;
    int64_t *active;
    uint64_t seq;
    int64_t step;
    uint32_t serial;
};

void
fl_elle_gen_opts_init(struct fl_elle_gen_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->seed = 1;
    o->ntxn = 1000;
    o->concurrency = 5;
    o->min_mops = 1;
    o->max_mops = 5;
    o->active_keys = 10;
    o->max_writes_per_key = 32;
}

static int64_t
new_key(struct gen *g)
{
    FL_ALLOC_GROW(g->keys, g->nkeys + 1, g->keys_alloc);
    memset(&g->keys[g->nkeys], 0, sizeof(struct gkey));
    g->keys[g->nkeys].next = 1;
    return (int64_t)g->nkeys++;
}

static void
key_push(struct gkey *k, int64_t v, uint64_t seq, uint32_t writer)
{
    if (k->n == k->alloc) {
        k->alloc = k->alloc ? k->alloc * 2 : 8;
        k->v = fl_xrealloc(k->v, k->alloc * sizeof(*k->v));
        k->seq = fl_xrealloc(k->seq, k->alloc * sizeof(*k->seq));
        k->writer = fl_xrealloc(k->writer, k->alloc * sizeof(*k->writer));
    }
    k->v[k->n] = v;
    k->seq[k->n] = seq;
    k->writer[k->n] = writer;
    k->n++;
}

static bool
chance(struct gen *g, double p)
{
    return p > 0 && fl_rng_double(&g->rng) < p;
}

static void
plan_txn(struct gen *g, struct gtxn *t)
{
    const struct fl_elle_gen_opts *o = g->o;
    t->n = (int)fl_rng_range(&g->rng, o->min_mops, o->max_mops);
    if (t->n > 14)
        t->n = 14;
    bool read_only = g->o->bug == FL_ELLE_BUG_STALE_READ && chance(g, 0.3);
    for (int i = 0; i < t->n; i++) {
        uint32_t slot =
            (uint32_t)fl_rng_exp(&g->rng, o->active_keys / 4.0 + 0.5);
        if (slot >= o->active_keys)
            slot = (uint32_t)fl_rng_below(&g->rng, o->active_keys);
        int64_t key = g->active[slot];
        struct gkey *k = &g->keys[key];
        struct gmop *m = &t->m[i];
        m->key = key;
        m->done = false;
        m->append = !read_only && fl_rng_below(&g->rng, 2) == 0;
        if (m->append) {
            m->v = k->next++;
            k->planned++;
            bool twice = g->o->bug == FL_ELLE_BUG_INTERMEDIATE && i + 1 < 15 &&
                         chance(g, 0.5);
            if (twice) {
                struct gmop *m2 = &t->m[++i];
                m2->key = key;
                m2->append = true;
                m2->done = false;
                m2->v = k->next++;
                k->planned++;
                if (t->n < i + 1)
                    t->n = i + 1;
            }
            if (k->planned >= o->max_writes_per_key)
                g->active[slot] = new_key(g); /* k is stale after this */
        }
    }
}

static fl_val
txn_value(struct gen *g, const struct gtxn *t, const fl_val *reads)
{
    fl_val mops[16];
    for (int i = 0; i < t->n; i++) {
        uint32_t wkw = g->o->registers ? FL_KW_W : FL_KW_APPEND;
        fl_val m[3] = {fl_val_kw(t->m[i].append ? wkw : FL_KW_R),
                       fl_val_int(t->m[i].key),
                       t->m[i].append ? fl_val_int(t->m[i].v)
                       : reads        ? reads[i]
                                      : fl_val_nil()};
        mops[i] = fl_val_coll(&g->h->arena, FL_V_VEC, m, 3);
    }
    return fl_val_coll(&g->h->arena, FL_V_VEC, mops, (size_t)t->n);
}

static void
emit(struct gen *g, int32_t process, enum fl_op_type type, fl_val v)
{
    struct fl_op op;
    memset(&op, 0, sizeof(op));
    op.index = (int64_t)g->h->n;
    op.time_ns = g->step * 1000;
    op.value = v;
    op.process = process;
    op.pair = -1;
    op.f = FL_KW_TXN;
    op.type = (uint8_t)type;
    op.flags = FL_OP_HAS_INDEX | FL_OP_HAS_TIME | FL_OP_HAS_VALUE;
    fl_hist_append(g->h, &op);
}

/* The list a read sees: the snapshot prefix plus the txn's own appends. */
static fl_val
read_list(struct gen *g, const struct gtxn *t, int upto, int64_t key,
          uint64_t snap, bool intermediate)
{
    struct gkey *k = &g->keys[key];
    uint32_t n = k->n;
    while (n > 0 && k->seq[n - 1] > snap)
        n--;
    if (intermediate && n >= 2 && k->writer[n - 1] == k->writer[n - 2] &&
        k->writer[n - 1] != t->serial)
        n--; /* stop between another txn's two appends */
    size_t own = 0;
    for (int i = 0; i < upto; i++)
        own += t->m[i].append && t->m[i].key == key;
    if (g->o->registers) {
        /* the register holds the last element (own writes first) */
        for (int i = upto; i-- > 0;)
            if (t->m[i].append && t->m[i].key == key)
                return fl_val_int(t->m[i].v);
        return n ? fl_val_int(k->v[n - 1]) : fl_val_nil();
    }
    fl_val *items = fl_xmalloc((n + own + 1) * sizeof(fl_val));
    for (uint32_t i = 0; i < n; i++)
        items[i] = fl_val_int(k->v[i]);
    size_t j = n;
    for (int i = 0; i < upto; i++)
        if (t->m[i].append && t->m[i].key == key)
            items[j++] = fl_val_int(t->m[i].v);
    fl_val r = fl_val_coll(&g->h->arena, FL_V_VEC, items, j);
    free(items);
    return r;
}

static void
complete(struct gen *g, struct gtxn *t)
{
    const struct fl_elle_gen_opts *o = g->o;
    enum fl_elle_bug bug = o->bug;
    bool fail = chance(g, o->fail_rate);
    bool info = !fail && chance(g, o->info_rate);
    bool snapshot =
        (bug == FL_ELLE_BUG_LOST_UPDATE || bug == FL_ELLE_BUG_WRITE_SKEW) &&
        chance(g, o->bug_rate);
    uint64_t snap = snapshot ? t->start_seq : g->seq;
    bool read_only = true;
    for (int i = 0; i < t->n; i++)
        read_only &= !t->m[i].append;
    if (bug == FL_ELLE_BUG_STALE_READ && read_only && chance(g, o->bug_rate))
        snap = g->seq > 20 ? g->seq - fl_rng_below(&g->rng, 20) : 0;
    if (bug == FL_ELLE_BUG_WRITE_SKEW && !fail) {
        /* first committer wins: abort if someone appended to our keys */
        for (int i = 0; i < t->n; i++)
            if (t->m[i].append && g->keys[t->m[i].key].last_seq > snap)
                fail = true;
    }
    if (fail)
        info = false;
    bool apply =
        !fail || (bug == FL_ELLE_BUG_ABORTED_READ && chance(g, o->bug_rate));
    if (info)
        apply = fl_rng_below(&g->rng, 2) == 0;
    fl_val reads[16];
    uint64_t seq = ++g->seq;
    bool inter = bug == FL_ELLE_BUG_INTERMEDIATE && chance(g, o->bug_rate);
    bool rc = bug == FL_ELLE_BUG_READ_COMMITTED && chance(g, o->bug_rate);
    for (int i = 0; i < t->n; i++) {
        if (t->m[i].append)
            continue;
        uint64_t rs = snap;
        if (rc) /* committed at some moment between invocation and now */
            rs = t->start_seq + fl_rng_below(&g->rng, seq - t->start_seq);
        reads[i] = read_list(g, t, i, t->m[i].key, rs, inter);
    }
    if (apply) {
        for (int i = 0; i < t->n; i++) {
            if (!t->m[i].append || t->m[i].done)
                continue;
            struct gkey *k = &g->keys[t->m[i].key];
            key_push(k, t->m[i].v, seq, t->serial);
            k->last_seq = seq;
        }
    }
    if (fail)
        emit(g, t->process, FL_OP_FAIL, txn_value(g, t, NULL));
    else if (info)
        emit(g, t->process, FL_OP_INFO, txn_value(g, t, NULL));
    else
        emit(g, t->process, FL_OP_OK, txn_value(g, t, reads));
    if (info)
        t->process += o->concurrency; /* Jepsen retires the process */
    t->busy = false;
}

/* Dirty writes: two in-flight txns' appends to one key interleave. */
static void
dirty_write(struct gen *g, struct gtxn *ts, int nproc)
{
    for (int a = 0; a < nproc; a++) {
        for (int b = a + 1; b < nproc; b++) {
            if (!ts[a].busy || !ts[b].busy)
                continue;
            struct gtxn *x = &ts[a], *y = &ts[b];
            if (x->n > 12 || y->n > 12)
                continue;
            /* both append to keys p and q, in opposite orders */
            int64_t p = g->active[0], q = g->active[1 % g->o->active_keys];
            if (p == q)
                return;
            struct gkey *kp = &g->keys[p], *kq = &g->keys[q];
            int64_t xp = kp->next++, yp = kp->next++;
            int64_t xq = kq->next++, yq = kq->next++;
            uint64_t s1 = ++g->seq, s2 = ++g->seq;
            key_push(kp, xp, s1, x->serial);
            key_push(kp, yp, s1, y->serial);
            key_push(kq, yq, s2, y->serial);
            key_push(kq, xq, s2, x->serial);
            kp->planned += 2;
            kq->planned += 2;
            struct gmop mx[2] = {{p, xp, true, true}, {q, xq, true, true}};
            struct gmop my[2] = {{p, yp, true, true}, {q, yq, true, true}};
            memcpy(&x->m[x->n], mx, sizeof(mx));
            memcpy(&y->m[y->n], my, sizeof(my));
            x->n += 2;
            y->n += 2;
            return;
        }
    }
}

/* One txn, after all others completed, that reads every key. */
static void
final_read(struct gen *g, int32_t process)
{
    struct gtxn t;
    fl_val reads[16];
    memset(&t, 0, sizeof(t));
    t.n = (int)FL_MIN(g->nkeys, (size_t)14);
    t.serial = ++g->serial;
    for (int i = 0; i < t.n; i++)
        t.m[i].key = i;
    g->step++;
    emit(g, process, FL_OP_INVOKE, txn_value(g, &t, NULL));
    for (int i = 0; i < t.n; i++)
        reads[i] = read_list(g, &t, i, i, g->seq, false);
    g->step++;
    emit(g, process, FL_OP_OK, txn_value(g, &t, reads));
}

void
fl_elle_gen(struct fl_hist *h, const struct fl_elle_gen_opts *o)
{
    struct gen g;
    memset(&g, 0, sizeof(g));
    g.o = o;
    g.h = h;
    fl_rng_seed(&g.rng, o->seed);
    g.active = fl_xmalloc(o->active_keys * sizeof(int64_t));
    for (uint32_t i = 0; i < o->active_keys; i++)
        g.active[i] = new_key(&g);
    int nproc = o->concurrency;
    struct gtxn *ts = fl_xcalloc((size_t)nproc, sizeof(*ts));
    for (int p = 0; p < nproc; p++)
        ts[p].process = p;
    size_t invoked = 0, busy = 0;
    while (invoked < o->ntxn || busy > 0) {
        g.step++;
        int p = (int)fl_rng_below(&g.rng, (uint64_t)nproc);
        struct gtxn *t = &ts[p];
        if (t->busy) {
            complete(&g, t);
            busy--;
        } else if (invoked < o->ntxn) {
            plan_txn(&g, t);
            t->start_seq = g.seq;
            t->serial = ++g.serial;
            t->busy = true;
            emit(&g, t->process, FL_OP_INVOKE, txn_value(&g, t, NULL));
            invoked++;
            busy++;
            if (o->bug == FL_ELLE_BUG_DIRTY_WRITE && chance(&g, o->bug_rate))
                dirty_write(&g, ts, nproc);
        }
    }
    if (o->final_read) {
        int32_t last = 0;
        for (int p = 0; p < nproc; p++)
            last = FL_MAX(last, ts[p].process);
        final_read(&g, last + 1);
    }
    for (size_t i = 0; i < g.nkeys; i++) {
        free(g.keys[i].v);
        free(g.keys[i].seq);
        free(g.keys[i].writer);
    }
    free(g.keys);
    free(g.active);
    free(ts);
}
