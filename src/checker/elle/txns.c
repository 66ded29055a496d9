/* SPDX-License-Identifier: MIT */
/*
 * txns.c: turns a history into the Elle checker's dense tables: one
 * elle_txn per client invocation (typed by its completion; an invocation
 * that never completed counts as :info), its micro-ops decoded into
 * elle_mops with interned key ids, and list reads flattened into one
 * int64 array. Also small helpers that build result values.
 */
#include "util/common.h"

#include "checker/elle/elle_int.h"

#include "util/map.h"

fl_val
elle__kw(const char *name)
{
    return fl_val_kw(fl_kw_intern_cstr(name));
}

fl_val
elle__mapv(struct elle_ctx *c, const fl_val *kv, size_t npairs)
{
    return fl_val_map(c->a, kv, npairs);
}

bool
elle__want(struct elle_ctx *c, int type)
{
    if (c->found[type].n < ELLE_MAX_PER_TYPE)
        return true;
    c->dropped[type]++;
    return false;
}

void
elle__add(struct elle_ctx *c, int type, fl_val anomaly)
{
    FL_VEC_PUSH(&c->found[type], anomaly);
}

void *
elle__big_calloc(size_t n, size_t size)
{
    size_t bytes = fl_st_mult(n ? n : 1, size);
    void *p = fl_xcalloc(n ? n : 1, size);

    if (bytes >= 2 * (2u << 20))
        fl_advise_hugepages(p, bytes);
    return p;
}

/* Keys are mostly small integers: those skip the hash table. */
#define ELLE_INT_KEY_MAX (1u << 22)

static uint32_t key_intern_slow(struct elle_ctx *c, const fl_val *k);

static uint32_t
key_intern(struct elle_ctx *c, const fl_val *k)
{
    if (k->kind != FL_V_INT || k->u.i < 0 || k->u.i >= ELLE_INT_KEY_MAX)
        return key_intern_slow(c, k);
    size_t i = (size_t)k->u.i;
    if (i >= c->int_key_n) {
        size_t n = c->int_key_n ? c->int_key_n : 1024;
        while (n <= i)
            n *= 2;
        c->int_key = fl_xrealloc(c->int_key, fl_st_mult(n, sizeof(uint32_t)));
        memset(c->int_key + c->int_key_n, 0xff,
               (n - c->int_key_n) * sizeof(uint32_t));
        c->int_key_n = n;
    }
    /* First sight goes through the table too, so an equal bigint key
     * (5N is 5) still finds the same id. */
    if (c->int_key[i] == ELLE_NONE)
        c->int_key[i] = key_intern_slow(c, k);
    return c->int_key[i];
}

static uint32_t
key_intern_slow(struct elle_ctx *c, const fl_val *k)
{
    if (c->nkey * 2 + 2 > c->key_cap) {
        size_t cap = c->key_cap ? c->key_cap * 2 : 1024;
        uint32_t *slots = fl_xmalloc(fl_st_mult(cap, sizeof(*slots)));
        memset(slots, 0xff, cap * sizeof(*slots));
        for (uint32_t id = 0; id < c->nkey; id++) {
            size_t i = fl_val_hash(&c->keys[id]) & (cap - 1);
            while (slots[i] != ELLE_NONE)
                i = (i + 1) & (cap - 1);
            slots[i] = id;
        }
        free(c->key_slots);
        c->key_slots = slots;
        c->key_cap = cap;
    }
    size_t i = fl_val_hash(k) & (c->key_cap - 1);
    while (c->key_slots[i] != ELLE_NONE) {
        if (fl_val_equal(&c->keys[c->key_slots[i]], k))
            return c->key_slots[i];
        i = (i + 1) & (c->key_cap - 1);
    }
    FL_ALLOC_GROW(c->keys, (size_t)c->nkey + 1, c->key_alloc);
    c->keys[c->nkey] = *k;
    c->key_slots[i] = c->nkey;
    return c->nkey++;
}

static int
op_error(struct elle_ctx *c, size_t pos, struct fl_err *err, const char *what)
{
    const struct fl_hist *h = c->h;
    if (h->lines && h->lines[pos])
        return fl_err_set(err, FL_EMODEL, "%s:%u: %s",
                          h->name ? h->name : "history", h->lines[pos], what);
    return fl_err_set(err, FL_EMODEL, "%s: op %zu (:index %lld): %s",
                      h->name ? h->name : "history", pos,
                      (long long)h->ops[pos].index, what);
}

/* Decode one txn's micro-ops from v (a sequence of [f k v]). */
static int
decode_mops(struct elle_ctx *c, struct elle_txn *t, const fl_val *v, size_t pos,
            bool reads_known, struct fl_err *err)
{
    bool append = c->o->workload == FL_ELLE_LIST_APPEND;
    t->mop0 = (uint32_t)c->nmop;
    t->nmop = 0;
    if (fl_val_is_nil(v))
        return 0;
    if (!fl_val_is_seq(v))
        return op_error(c, pos, err,
                        "a transaction's :value must be a "
                        "vector of micro-ops");
    for (uint32_t i = 0; i < v->n; i++) {
        const fl_val *m = &v->u.items[i];
        if (!fl_val_is_seq(m) || m->n != 3 || m->u.items[0].kind != FL_V_KW)
            return op_error(c, pos, err,
                            "micro-op is not [f key value] with a keyword f");
        uint32_t f = m->u.items[0].u.id;
        const fl_val *arg = &m->u.items[2];
        struct elle_mop mop = {0, NULL, 0, 0, 0, 0, 0};
        mop.key = key_intern(c, &m->u.items[1]);
        if (f == FL_KW_R) {
            mop.f = ELLE_READ;
            if (!reads_known || fl_val_is_nil(arg)) {
                /* unknown (not :ok) or nil: an empty list / nil register */
            } else if (append) {
                if (!fl_val_is_seq(arg))
                    return op_error(c, pos, err,
                                    "list-append read value "
                                    "is not a list");
                mop.items = arg->u.items;
                mop.n = arg->n;
                for (uint32_t j = 0; j < arg->n; j++)
                    if (arg->u.items[j].kind != FL_V_INT)
                        return op_error(c, pos, err,
                                        "list elements must be integers");
            } else {
                if (arg->kind != FL_V_INT)
                    return op_error(c, pos, err,
                                    "register values must be integers");
                mop.v = arg->u.i;
                mop.has_v = 1;
            }
        } else if ((append && f == FL_KW_APPEND) || (!append && f == FL_KW_W)) {
            mop.f = append ? ELLE_APPEND : ELLE_WRITE;
            if (arg->kind != FL_V_INT)
                return op_error(c, pos, err,
                                append ? "appended values must "
                                         "be integers"
                                       : "written values must "
                                         "be integers");
            mop.v = arg->u.i;
            mop.has_v = 1;
        } else {
            return op_error(c, pos, err,
                            append ? "list-append micro-ops are :append "
                                     "and :r"
                                   : "rw-register micro-ops are :w and :r");
        }
        if (c->nmop + 1 > c->mop_alloc)
            FL_ALLOC_GROW(c->mops, c->nmop + 1, c->mop_alloc);
        c->mops[c->nmop++] = mop;
        t->nmop++;
    }
    return 0;
}

static bool
is_txn_op(const struct fl_op *op)
{
    return fl_op_is_client(op) || (op->flags & FL_OP_NO_PROCESS);
}

int
elle__load_txns(struct elle_ctx *c, struct fl_err *err)
{
    const struct fl_hist *h = c->h;
    int32_t *pair = NULL;
    int rc = 0;

    if (h->n >= ELLE_NONE)
        return fl_err_set(err, FL_ELIMIT, "history too long");
    {
        /* Our own pairing, each process's open invocation, so ops with no
         * :process at all (Elle's hand-written histories) pair too. */
        struct fl_map procs; /* process -> slot in open[] (never deleted) */
        struct fl_vec_u32 open = {NULL, 0, 0}; /* open invocation or NONE */
        fl_map_init(&procs);
        pair = elle__big_calloc(h->n + 1, sizeof(*pair));
        for (size_t i = 0; i < h->n; i++) {
            const struct fl_op *op = &h->ops[i];
            pair[i] = -1;
            if (!is_txn_op(op))
                continue;
            uint64_t key = (uint32_t)op->process;
            uint64_t *slot = fl_map_get(&procs, key);
            if (!slot) {
                fl_map_put(&procs, key, open.n);
                FL_VEC_PUSH(&open, ELLE_NONE);
                slot = fl_map_get(&procs, key);
            }
            uint32_t *o = &open.v[*slot];
            if (op->type == FL_OP_INVOKE) {
                *o = (uint32_t)i;
            } else if (*o != ELLE_NONE) {
                pair[i] = (int32_t)*o;
                pair[*o] = (int32_t)i;
                *o = ELLE_NONE;
            }
        }
        FL_VEC_RELEASE(&open);
        fl_map_release(&procs);
    }
    /* Size txns and micro-ops from the op headers alone, so values are
     * touched once (list reads stay in the history, not copied). */
    size_t ninv = 0, nmop = 0;
    for (size_t i = 0; i < h->n; i++) {
        const struct fl_op *op = &h->ops[i];
        if (!is_txn_op(op))
            continue;
        if (op->type == FL_OP_INVOKE)
            ninv++;
        if (op->type != FL_OP_INVOKE && fl_val_is_seq(&op->value))
            nmop += op->value.n;
    }
    c->txns = elle__big_calloc(ninv + 1, sizeof(*c->txns));
    c->mop_alloc = nmop + 16;
    c->mops = elle__big_calloc(c->mop_alloc, sizeof(*c->mops));
    /* Txn ids in invocation order; then decode in history order (each
     * txn at its completion), which reads the history's value arena almost
     * sequentially instead of jumping ahead to every completion. */
    for (size_t i = 0; i < h->n; i++) {
        const struct fl_op *op = &h->ops[i];
        if (!is_txn_op(op) || op->type != FL_OP_INVOKE)
            continue;
        int32_t j = pair[i];
        struct elle_txn *t = &c->txns[c->ntxn];
        t->inv = (uint32_t)i;
        t->cmp = j >= 0 ? (uint32_t)j : ELLE_NONE;
        t->process = op->process;
        t->type = j >= 0 ? h->ops[j].type : FL_OP_INFO;
        if (t->type == FL_OP_OK)
            c->nok++;
        pair[i] = (int32_t)c->ntxn++; /* now: invocation -> txn id */
    }
    for (size_t i = 0; i < h->n; i++) {
        const struct fl_op *op = &h->ops[i];
        /* The values are scattered through the history's arena: ask for
         * a later op's micro-ops now so they are in cache in time. */
        if (i + 16 < h->n && fl_val_is_seq(&h->ops[i + 16].value) &&
            h->ops[i + 16].value.n)
            __builtin_prefetch(h->ops[i + 16].value.u.items);
        if (i + 8 < h->n && fl_val_is_seq(&h->ops[i + 8].value))
            for (uint32_t j = 0; j < h->ops[i + 8].value.n && j < 4; j++)
                __builtin_prefetch(h->ops[i + 8].value.u.items[j].u.items);
        if (!is_txn_op(op))
            continue;
        uint32_t tid;
        if (op->type == FL_OP_INVOKE) {
            tid = (uint32_t)pair[i];
            if (c->txns[tid].cmp != ELLE_NONE)
                continue; /* decoded at its completion */
        } else {
            if (pair[i] < 0)
                continue; /* a completion with no invocation */
            tid = (uint32_t)pair[pair[i]];
        }
        struct elle_txn *t = &c->txns[tid];
        bool ok = t->type == FL_OP_OK;
        const fl_val *v = ok ? &op->value : &h->ops[t->inv].value;
        rc = decode_mops(c, t, v, ok ? i : t->inv, ok, err);
        if (rc)
            goto out;
    }
out:
    free(pair);
    return rc;
}

fl_val
elle__mop_val(struct elle_ctx *c, const struct elle_mop *m)
{
    fl_val it[3];
    it[0] = fl_val_kw(m->f == ELLE_APPEND  ? FL_KW_APPEND
                      : m->f == ELLE_WRITE ? FL_KW_W
                                           : FL_KW_R);
    it[1] = fl_val_copy(c->a, &c->keys[m->key]);
    if (m->f != ELLE_READ) {
        it[2] = fl_val_int(m->v);
    } else if (c->o->workload == FL_ELLE_LIST_APPEND) {
        fl_val *els = fl_xmalloc(fl_st_mult(m->n + 1, sizeof(fl_val)));
        for (uint32_t i = 0; i < m->n; i++)
            els[i] = fl_val_int(m->items[i].u.i);
        it[2] = fl_val_coll(c->a, FL_V_VEC, els, m->n);
        free(els);
    } else {
        it[2] = m->has_v ? fl_val_int(m->v) : fl_val_nil();
    }
    return fl_val_coll(c->a, FL_V_VEC, it, 3);
}

fl_val
elle__op_val(struct elle_ctx *c, uint32_t txn)
{
    const struct elle_txn *t = &c->txns[txn];
    const struct fl_op *op = &c->h->ops[t->cmp != ELLE_NONE ? t->cmp : t->inv];
    fl_val kv[12];
    size_t n = 0;
    kv[n++] = fl_val_kw(FL_KW_TYPE);
    kv[n++] = fl_val_kw(op->type == FL_OP_OK     ? FL_KW_OK
                        : op->type == FL_OP_FAIL ? FL_KW_FAIL
                        : op->type == FL_OP_INFO ? FL_KW_INFO
                                                 : FL_KW_INVOKE);
    kv[n++] = fl_val_kw(FL_KW_F);
    kv[n++] = op->f ? fl_val_kw(op->f) : fl_val_nil();
    kv[n++] = fl_val_kw(FL_KW_VALUE);
    kv[n++] = fl_val_copy(c->a, &op->value);
    kv[n++] = fl_val_kw(FL_KW_PROCESS);
    kv[n++] = fl_val_int(op->process);
    kv[n++] = fl_val_kw(FL_KW_INDEX);
    kv[n++] = fl_val_int(op->index);
    if (op->time_ns >= 0) {
        kv[n++] = fl_val_kw(FL_KW_TIME);
        kv[n++] = fl_val_int(op->time_ns);
    }
    return fl_val_map(c->a, kv, n / 2);
}

void
elle__print_key(struct elle_ctx *c, struct fl_strbuf *sb, uint32_t key)
{
    fl_val_print_edn(sb, &c->keys[key]);
}
