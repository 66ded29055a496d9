/* SPDX-License-Identifier: MIT */
/*
 * txn.c: the transactional workloads (workload.h), Jepsen's
 * tests.cycle.append and tests.cycle.wr generators: each :txn is 1..max_txn
 * micro-ops on a small pool of active keys, half reads and half writes
 * (appends for list-append, writes for rw-register). Every value written
 * to a key is unique (1, 2, 3, ... per key), which is what lets Elle infer
 * the version order; a key that has taken max_writes_per_key writes is
 * retired and a fresh key takes its place, so histories stay cheap to
 * check. The state moves only on commit, so an op the interpreter does not
 * use changes nothing.
 */
#include "util/common.h"

#include "workload/workload.h"

#include "checker/checker.h"
#include "checker/elle/elle.h"
#include "gen/gen.h"
#include "util/err.h"
#include "util/rng.h"

#define TXN_MAX_KEYS 64

struct txn_gen {
    struct fl_wl_txn_opts o;
    int64_t next_key;              /* the next fresh key */
    int64_t keys[TXN_MAX_KEYS];    /* the active pool, key_count of them */
    int64_t written[TXN_MAX_KEYS]; /* writes each active key has taken */
};

static fl_val
micro(struct fl_arena *a, uint32_t f, int64_t k, fl_val v)
{
    fl_val m[3] = {fl_val_kw(f), fl_val_int(k), v};

    return fl_val_coll(a, FL_V_VEC, m, 3);
}

static int
txn_op(struct fl_gen *g, const struct fl_gen_ctx *ctx, struct fl_op *out)
{
    const struct txn_gen *s = g->ctx;
    struct fl_rng *rng = fl_gen_ctx_rng(ctx);
    uint32_t wf = s->o.list_append ? FL_KW_APPEND : FL_KW_W;
    int n = 1 + (int)fl_rng_below(rng, (uint64_t)s->o.max_txn_length);
    int64_t extra[TXN_MAX_KEYS] = {0}; /* writes earlier in this txn */
    fl_val ops[64];

    for (int i = 0; i < n; i++) {
        size_t slot = fl_rng_below(rng, (uint64_t)s->o.key_count);
        int64_t k = s->keys[slot];
        if (fl_rng_below(rng, 2) == 0) {
            ops[i] = micro(ctx->arena, FL_KW_R, k, fl_val_nil());
        } else {
            int64_t v = s->written[slot] + ++extra[slot];
            ops[i] = micro(ctx->arena, wf, k, fl_val_int(v));
        }
    }
    *out = fl_gen_template(FL_KW_TXN,
                           fl_val_coll(ctx->arena, FL_V_VEC, ops, (size_t)n));
    return fl_gen_fill_in(ctx, out);
}

/* Count the txn's writes per active key; retire keys that are full. */
static void
txn_commit(struct fl_gen *g, const struct fl_gen_ctx *ctx,
           const struct fl_op *op)
{
    struct txn_gen *s = g->ctx;
    uint32_t wf = s->o.list_append ? FL_KW_APPEND : FL_KW_W;

    FL_UNUSED(ctx);
    for (uint32_t i = 0; i < op->value.n; i++) {
        const fl_val *m = op->value.u.items[i].u.items;
        if (m[0].u.id != wf)
            continue;
        for (int slot = 0; slot < s->o.key_count; slot++)
            if (s->keys[slot] == m[1].u.i)
                s->written[slot]++;
    }
    for (int slot = 0; slot < s->o.key_count; slot++) {
        if (s->written[slot] < s->o.max_writes_per_key)
            continue;
        s->keys[slot] = s->next_key++;
        s->written[slot] = 0;
    }
}

static void *
txn_clone(const struct fl_gen *g)
{
    struct txn_gen *c = fl_xmalloc(sizeof(*c));

    *c = *(const struct txn_gen *)g->ctx;
    return c;
}

static void
txn_free(struct fl_gen *g)
{
    free(g->ctx);
}

static const struct fl_gen_type txn_type = {
    .name = "txn",
    .op = txn_op,
    .commit = txn_commit,
    .update = fl_gen_update_ignore,
    .clone = txn_clone,
    .free = txn_free,
};

/* Elle's checkers keep no state: one instance of each serves every test
 * (their free does nothing). Options come from the test's (consistency
 * models, anomalies). */
static struct fl_checker list_append_checker = {&fl_chk_list_append_type, NULL};
static struct fl_checker rw_register_checker = {&fl_chk_rw_register_type, NULL};

int
fl_wl_txn(const struct fl_wl_txn_opts *o, struct fl_workload *w,
          struct fl_err *err)
{
    struct txn_gen *s;

    if (o->key_count < 1 || o->key_count > TXN_MAX_KEYS)
        return fl_err_set(err, FL_EUSAGE, "--key-count must be 1..%d",
                          TXN_MAX_KEYS);
    if (o->max_txn_length < 1 || o->max_txn_length > 64)
        return fl_err_set(err, FL_EUSAGE, "--max-txn-length must be 1..64");
    if (o->max_writes_per_key < 1)
        return fl_err_set(err, FL_EUSAGE,
                          "--max-writes-per-key must be positive");
    s = fl_xcalloc(1, sizeof(*s));
    s->o = *o;
    for (int i = 0; i < o->key_count; i++)
        s->keys[i] = s->next_key++;
    w->generator = fl_gen_new(&txn_type, s);
    w->final_generator = NULL;
    w->checker = o->list_append ? &list_append_checker : &rw_register_checker;
    return 0;
}
