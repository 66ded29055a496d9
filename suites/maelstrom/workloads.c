/* SPDX-License-Identifier: MIT */
/*
 * workloads.c: Maelstrom's workloads (its doc/workloads.md): how each op
 * becomes a request body, how the reply fills the completion, the
 * generator and the workload's checker. History vocabulary: echo
 * (:echo "text"), unique-ids (:generate -> id), broadcast and g-set
 * (:add n, :read -> [n ...], checked by set-full), g-counter and pn-counter
 * (:add delta, :read -> n), lin-kv (:read/:write/:cas on [key value]
 * tuples, linearizable per key).
 */
#include "util/common.h"

#include "mael_int.h"

#include "checker/linear/linear.h"
#include "checker/workloads.h"
#include "gen/gen.h"
#include "run/test.h"
#include "util/arena.h"
#include "util/err.h"
#include "util/rng.h"
#include "util/xalloc.h"

static json_t *
typed(const char *type)
{
    return json_pack("{s:s}", "type", type);
}

static void
decode_field(json_t *reply, const char *field, struct fl_arena *a,
             struct fl_op *out)
{
    json_t *v = json_object_get(reply, field);

    out->value = v ? fl_mael_json_to_val(a, v) : fl_val_nil();
}

/* ---- echo ---- */

static json_t *
echo_encode(const struct fl_op *op)
{
    json_t *b = typed("echo");

    json_object_set_new(b, "echo", fl_mael_val_to_json(&op->value));
    return b;
}

static void
echo_decode(const struct fl_op *op, json_t *reply, struct fl_arena *a,
            struct fl_op *out)
{
    FL_UNUSED(op);
    decode_field(reply, "echo", a, out);
}

static int
echo_op(void *arg, const struct fl_gen_ctx *ctx, struct fl_op *t)
{
    char buf[64];

    FL_UNUSED(arg);
    snprintf(buf, sizeof(buf), "Please echo %" PRIu64,
             fl_rng_below(fl_gen_ctx_rng(ctx), 128));
    t->f = fl_kw_intern_cstr("echo");
    t->value = fl_val_str(ctx->arena, buf, strlen(buf));
    return FL_GEN_OP;
}

static struct fl_checker *
echo_build(const struct fl_maelstrom_opts *o, struct fl_test *t,
           struct fl_err *err)
{
    FL_UNUSED(o);
    FL_UNUSED(err);
    t->generator = fl_gen_fn(echo_op, NULL, NULL);
    return fl_mael_chk_echo_new();
}

/* ---- unique-ids ---- */

static json_t *
generate_encode(const struct fl_op *op)
{
    FL_UNUSED(op);
    return typed("generate");
}

static void
generate_decode(const struct fl_op *op, json_t *reply, struct fl_arena *a,
                struct fl_op *out)
{
    FL_UNUSED(op);
    decode_field(reply, "id", a, out);
}

static struct fl_checker *
unique_build(const struct fl_maelstrom_opts *o, struct fl_test *t,
             struct fl_err *err)
{
    FL_UNUSED(o);
    FL_UNUSED(err);
    t->generator = fl_gen_repeat(
        -1, fl_gen_invoke(fl_kw_intern_cstr("generate"), fl_val_nil()));
    return fl_chk_unique_ids_new();
}

/* ---- broadcast and g-set ---- */

static json_t *
set_encode_common(const struct fl_op *op, const char *add, const char *field)
{
    json_t *b;

    if (op->f == FL_KW_READ)
        return typed("read");
    b = typed(add);
    json_object_set_new(b, field, fl_mael_val_to_json(&op->value));
    return b;
}

static json_t *
broadcast_encode(const struct fl_op *op)
{
    return set_encode_common(op, "broadcast", "message");
}

static json_t *
gset_encode(const struct fl_op *op)
{
    return set_encode_common(op, "add", "element");
}

static void
broadcast_decode(const struct fl_op *op, json_t *reply, struct fl_arena *a,
                 struct fl_op *out)
{
    if (op->f == FL_KW_READ)
        decode_field(reply, "messages", a, out);
}

static void
gset_decode(const struct fl_op *op, json_t *reply, struct fl_arena *a,
            struct fl_op *out)
{
    if (op->f == FL_KW_READ)
        decode_field(reply, "value", a, out);
}

/*
 * Adds of 0, 1, 2, ... with reads mixed in. The counter advances only when
 * an add is used (commit), so values are dense and the same for a seed.
 */
static int
set_gen_op(struct fl_gen *g, const struct fl_gen_ctx *ctx, struct fl_op *out)
{
    const int64_t *next = g->ctx;

    if (fl_rng_below(fl_gen_ctx_rng(ctx), 2) == 0)
        *out = fl_gen_template(FL_KW_READ, fl_val_nil());
    else
        *out = fl_gen_template(FL_KW_ADD, fl_val_int(*next));
    return fl_gen_fill_in(ctx, out);
}

static void
set_gen_commit(struct fl_gen *g, const struct fl_gen_ctx *ctx,
               const struct fl_op *op)
{
    FL_UNUSED(ctx);
    if (op->f == FL_KW_ADD)
        (*(int64_t *)g->ctx)++;
}

static void *
set_gen_clone(const struct fl_gen *g)
{
    int64_t *c = fl_xmalloc(sizeof(*c));

    *c = *(const int64_t *)g->ctx;
    return c;
}

static void
set_gen_free(struct fl_gen *g)
{
    free(g->ctx);
}

static const struct fl_gen_type set_gen_type = {
    .name = "maelstrom-set",
    .op = set_gen_op,
    .commit = set_gen_commit,
    .update = fl_gen_update_ignore,
    .clone = set_gen_clone,
    .free = set_gen_free,
};

static struct fl_checker *
set_build(const struct fl_maelstrom_opts *o, struct fl_test *t,
          struct fl_err *err)
{
    FL_UNUSED(o);
    FL_UNUSED(err);
    t->generator = fl_gen_new(&set_gen_type, fl_xcalloc(1, sizeof(int64_t)));
    return fl_chk_set_full_new(false);
}

/* ---- g-counter and pn-counter ---- */

static json_t *
counter_encode(const struct fl_op *op)
{
    json_t *b;

    if (op->f == FL_KW_READ)
        return typed("read");
    b = typed("add");
    json_object_set_new(b, "delta", fl_mael_val_to_json(&op->value));
    return b;
}

static int
counter_op(void *arg, const struct fl_gen_ctx *ctx, struct fl_op *t)
{
    struct fl_rng *rng = fl_gen_ctx_rng(ctx);
    bool pn = arg != NULL;

    if (fl_rng_below(rng, 2) == 0) {
        t->f = FL_KW_READ;
        t->value = fl_val_nil();
    } else {
        t->f = FL_KW_ADD;
        t->value =
            fl_val_int(pn ? fl_rng_range(rng, -5, 5) : fl_rng_range(rng, 0, 5));
    }
    return FL_GEN_OP;
}

static struct fl_checker *
gcounter_build(const struct fl_maelstrom_opts *o, struct fl_test *t,
               struct fl_err *err)
{
    FL_UNUSED(o);
    FL_UNUSED(err);
    t->generator = fl_gen_fn(counter_op, NULL, NULL);
    return fl_mael_chk_counter_new();
}

static struct fl_checker *
pncounter_build(const struct fl_maelstrom_opts *o, struct fl_test *t,
                struct fl_err *err)
{
    static int pn = 1;

    FL_UNUSED(o);
    FL_UNUSED(err);
    t->generator = fl_gen_fn(counter_op, &pn, NULL);
    return fl_mael_chk_counter_new();
}

static void
counter_decode(const struct fl_op *op, json_t *reply, struct fl_arena *a,
               struct fl_op *out)
{
    if (op->f == FL_KW_READ)
        decode_field(reply, "value", a, out);
}

/* ---- lin-kv ---- */

static json_t *
kv_encode(const struct fl_op *op)
{
    const fl_val *k = &op->value.u.items[0], *v = &op->value.u.items[1];
    json_t *b = typed(op->f == FL_KW_READ    ? "read"
                      : op->f == FL_KW_WRITE ? "write"
                                             : "cas");

    json_object_set_new(b, "key", fl_mael_val_to_json(k));
    if (op->f == FL_KW_WRITE) {
        json_object_set_new(b, "value", fl_mael_val_to_json(v));
    } else if (op->f == FL_KW_CAS) {
        json_object_set_new(b, "from", fl_mael_val_to_json(&v->u.items[0]));
        json_object_set_new(b, "to", fl_mael_val_to_json(&v->u.items[1]));
    }
    return b;
}

static void
kv_decode(const struct fl_op *op, json_t *reply, struct fl_arena *a,
          struct fl_op *out)
{
    json_t *v = json_object_get(reply, "value");

    if (op->f != FL_KW_READ)
        return;
    fl_val items[2] = {op->value.u.items[0],
                       v ? fl_mael_json_to_val(a, v) : fl_val_nil()};
    out->value = fl_val_coll(a, FL_V_VEC, items, 2);
}

static int
kv_op(void *arg, const struct fl_gen_ctx *ctx, struct fl_op *t)
{
    struct fl_rng *rng = fl_gen_ctx_rng(ctx);
    uint64_t what = fl_rng_below(rng, 3);

    FL_UNUSED(arg);
    if (what == 0) {
        t->f = FL_KW_READ;
        t->value = fl_val_nil();
    } else if (what == 1) {
        t->f = FL_KW_WRITE;
        t->value = fl_val_int((int64_t)fl_rng_below(rng, 5));
    } else {
        fl_val pair[2] = {fl_val_int((int64_t)fl_rng_below(rng, 5)),
                          fl_val_int((int64_t)fl_rng_below(rng, 5))};
        t->f = FL_KW_CAS;
        t->value = fl_val_coll(ctx->arena, FL_V_VEC, pair, 2);
    }
    return FL_GEN_OP;
}

static struct fl_gen *
kv_key_gen(void *arg, int64_t key)
{
    FL_UNUSED(key);
    return fl_gen_limit(*(int64_t *)arg, fl_gen_fn(kv_op, NULL, NULL));
}

static struct fl_checker *
linkv_build(const struct fl_maelstrom_opts *o, struct fl_test *t,
            struct fl_err *err)
{
    int64_t *per_key = fl_xmalloc(sizeof(*per_key));
    int tpk = 1;

    FL_UNUSED(err);
    for (int d = FL_MIN(t->concurrency, 5); d >= 1; d--)
        if (t->concurrency % d == 0) {
            tpk = d;
            break;
        }
    *per_key = o->max_writes_per_key > 0 ? o->max_writes_per_key * 2 : 32;
    t->generator = fl_gen_independent(tpk, o->key_count > 0 ? o->key_count : -1,
                                      kv_key_gen, per_key, free);
    struct fl_linear_opts *lo = fl_arena_calloc(&t->arena, 1, sizeof(*lo));
    lo->model = &fl_model_cas_register_type;
    lo->independent = true;
    return fl_chk_linear_new(lo);
}

/* ---- txn-list-append and txn-rw-register ---- */

/* Keys in use rotate: a key that had max_writes writes is retired and a
 * fresh one takes its slot, so histories stay small per key (Elle's way). */
struct txn_gen {
    bool append;
    int64_t nkeys, max_len, max_writes, next_key;
    int64_t *key, *writes;
};

static void
txn_gen_free(void *p)
{
    struct txn_gen *g = p;

    free(g->key);
    free(g->writes);
    free(g);
}

static int
txn_op(void *arg, const struct fl_gen_ctx *ctx, struct fl_op *t)
{
    struct txn_gen *g = arg;
    struct fl_rng *rng = fl_gen_ctx_rng(ctx);
    int64_t n = fl_rng_range(rng, 1, g->max_len);
    fl_val *mops = fl_xcalloc((size_t)n, sizeof(fl_val));

    for (int64_t i = 0; i < n; i++) {
        int64_t slot = (int64_t)fl_rng_below(rng, (uint64_t)g->nkeys);
        fl_val m[3] = {fl_val_kw(FL_KW_R), fl_val_int(g->key[slot]),
                       fl_val_nil()};
        if (fl_rng_below(rng, 2)) {
            m[0] = fl_val_kw(g->append ? FL_KW_APPEND : FL_KW_W);
            m[2] = fl_val_int(++g->writes[slot]);
            if (g->writes[slot] >= g->max_writes) {
                g->key[slot] = g->next_key++;
                g->writes[slot] = 0;
            }
        }
        mops[i] = fl_val_coll(ctx->arena, FL_V_VEC, m, 3);
    }
    t->f = FL_KW_TXN;
    t->value = fl_val_coll(ctx->arena, FL_V_VEC, mops, (size_t)n);
    free(mops);
    return FL_GEN_OP;
}

static json_t *
txn_encode(const struct fl_op *op)
{
    json_t *b = typed("txn");

    json_object_set_new(b, "txn", fl_mael_val_to_json(&op->value));
    return b;
}

/* [["append", 1, 2], ["r", 1, [2]]] into [[:append 1 2] [:r 1 [2]]]. */
static void
txn_decode(const struct fl_op *op, json_t *reply, struct fl_arena *a,
           struct fl_op *out)
{
    json_t *txn = json_object_get(reply, "txn");
    size_t n = json_array_size(txn);
    fl_val *mops = fl_xcalloc(n + 1, sizeof(fl_val));

    FL_UNUSED(op);
    for (size_t i = 0; i < n; i++) {
        json_t *m = json_array_get(txn, i);
        const char *f = json_string_value(json_array_get(m, 0));
        fl_val items[3] = {f ? fl_val_kw(fl_kw_intern_cstr(f)) : fl_val_nil(),
                           fl_mael_json_to_val(a, json_array_get(m, 1)),
                           fl_mael_json_to_val(a, json_array_get(m, 2))};
        mops[i] = fl_val_coll(a, FL_V_VEC, items, 3);
    }
    out->value = txn ? fl_val_coll(a, FL_V_VEC, mops, n) : fl_val_nil();
    free(mops);
}

static struct fl_checker *
txn_build_common(const struct fl_maelstrom_opts *o, struct fl_test *t,
                 bool append, struct fl_err *err)
{
    struct txn_gen *g = fl_xcalloc(1, sizeof(*g));
    const char *models =
        o->consistency_models ? o->consistency_models : "strict-serializable";

    g->append = append;
    g->nkeys = o->key_count > 0 ? o->key_count : 10;
    g->max_len = o->max_txn_length > 0 ? o->max_txn_length : 4;
    g->max_writes = o->max_writes_per_key > 0 ? o->max_writes_per_key : 16;
    g->key = fl_xcalloc((size_t)g->nkeys, sizeof(int64_t));
    g->writes = fl_xcalloc((size_t)g->nkeys, sizeof(int64_t));
    for (int64_t i = 0; i < g->nkeys; i++)
        g->key[i] = i;
    g->next_key = g->nkeys;
    t->generator = fl_gen_fn(txn_op, g, txn_gen_free);
    return fl_mael_chk_elle_new(append, models, err);
}

static struct fl_checker *
txn_append_build(const struct fl_maelstrom_opts *o, struct fl_test *t,
                 struct fl_err *err)
{
    return txn_build_common(o, t, true, err);
}

static struct fl_checker *
txn_rw_build(const struct fl_maelstrom_opts *o, struct fl_test *t,
             struct fl_err *err)
{
    return txn_build_common(o, t, false, err);
}

/* ---- kafka ---- */

/*
 * Ops: :send [k v] -> [k v offset]; :poll -> {k [[offset v] ...]} from the
 * client's own positions (Maelstrom's consumer), which advance past what
 * it got; :commit -> {k offset} commits the last offsets it consumed;
 * :list-committed -> {k offset}. Keys are integers in the history and
 * their decimal strings in messages (JSON object keys are strings).
 */
static int64_t kafka_keys = 8;

static json_t *
offsets_json(struct fl_mael_cstate *st, int64_t delta)
{
    json_t *o = json_object();

    for (int64_t k = 0; k < kafka_keys; k++) {
        uint64_t *p = fl_map_get(&st->pos, (uint64_t)k);
        char key[24];
        if (delta < 0 && (!p || *p == 0))
            continue; /* nothing consumed: nothing to commit */
        snprintf(key, sizeof(key), "%" PRId64, k);
        json_object_set_new(o, key,
                            json_integer((p ? (int64_t)*p : 0) + delta));
    }
    return o;
}

static json_t *
kafka_encode(const struct fl_op *op, struct fl_mael_cstate *st)
{
    const char *f = fl_kw_name(op->f);
    json_t *b;
    char key[24];

    if (strcmp(f, "send") == 0) {
        snprintf(key, sizeof(key), "%" PRId64, op->value.u.items[0].u.i);
        b = typed("send");
        json_object_set_new(b, "key", json_string(key));
        json_object_set_new(b, "msg",
                            fl_mael_val_to_json(&op->value.u.items[1]));
    } else if (strcmp(f, "poll") == 0) {
        b = typed("poll");
        json_object_set_new(b, "offsets", offsets_json(st, 0));
    } else if (strcmp(f, "commit") == 0) {
        b = typed("commit_offsets");
        json_object_set_new(b, "offsets", offsets_json(st, -1));
    } else {
        json_t *keys = json_array();
        b = typed("list_committed_offsets");
        for (int64_t k = 0; k < kafka_keys; k++) {
            snprintf(key, sizeof(key), "%" PRId64, k);
            json_array_append_new(keys, json_string(key));
        }
        json_object_set_new(b, "keys", keys);
    }
    return b;
}

/* {"k": x} into {k x'} with integer keys; x' = conv(x). */
static fl_val
int_key_map(struct fl_arena *a, json_t *obj)
{
    size_t n = json_object_size(obj), i = 0;
    fl_val *kv = fl_xcalloc(2 * n + 1, sizeof(fl_val)), v;
    const char *key;
    json_t *x;

    json_object_foreach(obj, key, x)
    {
        kv[2 * i] = fl_val_int(strtoll(key, NULL, 10));
        kv[2 * i + 1] = fl_mael_json_to_val(a, x);
        i++;
    }
    v = fl_val_map(a, kv, i);
    free(kv);
    return v;
}

static void
kafka_advance(json_t *msgs, struct fl_mael_cstate *st)
{
    const char *key;
    json_t *list;

    json_object_foreach(msgs, key, list)
    {
        size_t n = json_array_size(list);
        json_t *last = n ? json_array_get(list, n - 1) : NULL;
        if (last && json_is_integer(json_array_get(last, 0)))
            fl_map_put(&st->pos, (uint64_t)strtoll(key, NULL, 10),
                       (uint64_t)json_integer_value(json_array_get(last, 0)) +
                           1);
    }
}

static void
kafka_decode(const struct fl_op *op, json_t *reply, struct fl_arena *a,
             struct fl_op *out, struct fl_mael_cstate *st)
{
    const char *f = fl_kw_name(op->f);

    if (strcmp(f, "send") == 0) {
        fl_val items[3] = {
            op->value.u.items[0], op->value.u.items[1],
            fl_mael_json_to_val(a, json_object_get(reply, "offset"))};
        out->value = fl_val_coll(a, FL_V_VEC, items, 3);
    } else if (strcmp(f, "poll") == 0) {
        json_t *msgs = json_object_get(reply, "msgs");
        out->value = json_is_object(msgs) ? int_key_map(a, msgs) : fl_val_nil();
        if (json_is_object(msgs))
            kafka_advance(msgs, st);
    } else if (strcmp(f, "commit") == 0) {
        json_t *o = offsets_json(st, -1);
        out->value = int_key_map(a, o);
        json_decref(o);
    } else {
        json_t *o = json_object_get(reply, "offsets");
        out->value = json_is_object(o) ? int_key_map(a, o) : fl_val_nil();
    }
}

static int
kafka_op(void *arg, const struct fl_gen_ctx *ctx, struct fl_op *t)
{
    struct fl_rng *rng = fl_gen_ctx_rng(ctx);
    int64_t *next = arg;
    uint64_t what = fl_rng_below(rng, 10);

    t->value = fl_val_nil();
    if (what < 5) {
        fl_val kv[2] = {
            fl_val_int((int64_t)fl_rng_below(rng, (uint64_t)kafka_keys)),
            fl_val_int((*next)++)};
        t->f = fl_kw_intern_cstr("send");
        t->value = fl_val_coll(ctx->arena, FL_V_VEC, kv, 2);
    } else if (what < 8) {
        t->f = fl_kw_intern_cstr("poll");
    } else if (what < 9) {
        t->f = fl_kw_intern_cstr("commit");
    } else {
        t->f = fl_kw_intern_cstr("list-committed");
    }
    return FL_GEN_OP;
}

static struct fl_checker *
kafka_build(const struct fl_maelstrom_opts *o, struct fl_test *t,
            struct fl_err *err)
{
    FL_UNUSED(err);
    kafka_keys = o->key_count > 0 ? o->key_count : 8;
    t->generator = fl_gen_fn(kafka_op, fl_xcalloc(1, sizeof(int64_t)), free);
    return fl_mael_chk_kafka_new();
}

/* ---- the table ---- */

static const struct fl_mwork works[] = {
    {"echo", false, echo_encode, echo_decode, NULL, NULL, echo_build},
    {"unique-ids", false, generate_encode, generate_decode, NULL, NULL,
     unique_build},
    {"broadcast", true, broadcast_encode, broadcast_decode, NULL, NULL,
     set_build},
    {"g-set", true, gset_encode, gset_decode, NULL, NULL, set_build},
    {"g-counter", true, counter_encode, counter_decode, NULL, NULL,
     gcounter_build},
    {"pn-counter", true, counter_encode, counter_decode, NULL, NULL,
     pncounter_build},
    {"lin-kv", false, kv_encode, kv_decode, NULL, NULL, linkv_build},
    {"txn-list-append", false, txn_encode, txn_decode, NULL, NULL,
     txn_append_build},
    {"txn-rw-register", false, txn_encode, txn_decode, NULL, NULL,
     txn_rw_build},
    {"kafka", true, NULL, NULL, kafka_encode, kafka_decode, kafka_build},
};

const char *const fl_maelstrom_workloads[] = {
    "echo",   "unique-ids",      "broadcast",
    "g-set",  "g-counter",       "pn-counter",
    "lin-kv", "txn-list-append", "txn-rw-register",
    NULL,
};

const struct fl_mwork *
fl_mael_work_find(const char *name)
{
    for (size_t i = 0; i < FL_ARRAY_SIZE(works); i++)
        if (strcmp(works[i].name, name) == 0)
            return &works[i];
    return NULL;
}
