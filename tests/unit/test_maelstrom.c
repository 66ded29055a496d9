/* SPDX-License-Identifier: MIT */
/*
 * test_maelstrom.c: the Maelstrom services (lin-kv, seq-kv, lin-tso) and
 * checkers that do not need node processes: error codes, cas with
 * create_if_not_exists, seq-kv's stale but never backwards reads, and the
 * counter checker's final-read bounds.
 */
#include "test.h"

#include "history/hist.h"
#include "suites/maelstrom/mael_int.h"
#include "suites/maelstrom/services.h"
#include "util/arena.h"

static int64_t msg_id;

/* body is a JSON text; returns the reply (owned). */
static json_t *
ask(struct fl_msvc *s, enum fl_msvc_kind k, int caller, const char *body)
{
    json_t *b = json_loads(body, 0, NULL);
    json_t *r;

    ASSERT(b);
    json_object_set_new(b, "msg_id", json_integer(++msg_id));
    r = fl_msvc_handle(s, k, caller, b);
    ASSERT(r);
    ASSERT_EQ(json_integer_value(json_object_get(r, "in_reply_to")), msg_id);
    json_decref(b);
    return r;
}

static int64_t
code_of(json_t *r)
{
    int64_t c = -1;

    if (strcmp(json_string_value(json_object_get(r, "type")), "error") == 0)
        c = json_integer_value(json_object_get(r, "code"));
    json_decref(r);
    return c;
}

static int64_t
read_int(struct fl_msvc *s, enum fl_msvc_kind k, int caller)
{
    json_t *r = ask(s, k, caller, "{\"type\":\"read\",\"key\":\"x\"}");
    int64_t v = json_integer_value(json_object_get(r, "value"));

    json_decref(r);
    return v;
}

static void
test_mael_lin_kv(void)
{
    struct fl_msvc *s = fl_msvc_new(1);
    enum fl_msvc_kind k = FL_MSVC_LIN_KV;

    ASSERT_EQ(code_of(ask(s, k, 0, "{\"type\":\"read\",\"key\":\"x\"}")), 20);
    ASSERT_EQ(code_of(ask(s, k, 0,
                          "{\"type\":\"cas\",\"key\":\"x\",\"from\":1,"
                          "\"to\":2}")),
              20);
    ASSERT_EQ(code_of(ask(s, k, 0,
                          "{\"type\":\"cas\",\"key\":\"x\",\"from\":1,"
                          "\"to\":2,\"create_if_not_exists\":true}")),
              -1);
    ASSERT_EQ(read_int(s, k, 1), 2);
    ASSERT_EQ(code_of(ask(s, k, 0,
                          "{\"type\":\"cas\",\"key\":\"x\",\"from\":1,"
                          "\"to\":3}")),
              22);
    ASSERT_EQ(
        code_of(ask(s, k, 0, "{\"type\":\"write\",\"key\":\"x\",\"value\":7}")),
        -1);
    ASSERT_EQ(read_int(s, k, 2), 7);
    /* Keys are JSON values: 1 and "1" differ. */
    ASSERT_EQ(
        code_of(ask(s, k, 0, "{\"type\":\"write\",\"key\":1,\"value\":1}")),
        -1);
    ASSERT_EQ(code_of(ask(s, k, 0, "{\"type\":\"read\",\"key\":\"1\"}")), 20);
    ASSERT_EQ(code_of(ask(s, k, 0, "{\"type\":\"frob\",\"key\":1}")), 10);
    ASSERT_EQ(code_of(ask(s, k, 0, "{\"type\":\"read\"}")), 12);
    json_t *noid = json_loads("{\"type\":\"read\",\"key\":1}", 0, NULL);
    ASSERT(fl_msvc_handle(s, k, 0, noid) == NULL);
    json_decref(noid);
    fl_msvc_free(s);
}

static void
test_mael_lin_tso(void)
{
    struct fl_msvc *s = fl_msvc_new(1);
    int64_t last = 0;

    for (int i = 0; i < 100; i++) {
        json_t *r = ask(s, FL_MSVC_LIN_TSO, i % 3, "{\"type\":\"ts\"}");
        int64_t ts = json_integer_value(json_object_get(r, "ts"));
        ASSERT(ts > last);
        last = ts;
        json_decref(r);
    }
    fl_msvc_free(s);
}

static void
test_mael_seq_kv_stale_never_backwards(void)
{
    struct fl_msvc *s = fl_msvc_new(fl_test_seed());
    enum fl_msvc_kind k = FL_MSVC_SEQ_KV;
    int stale = 0;
    int64_t last = 0;
    char w[96];

    for (int i = 1; i <= 200; i++) {
        snprintf(w, sizeof(w),
                 "{\"type\":\"write\",\"key\":\"x\",\"value\":%d}", i);
        ASSERT_EQ(code_of(ask(s, k, 0, w)), -1);
        /* The writer sees its own write. */
        ASSERT_EQ(read_int(s, k, 0), i);
        if (i < 2)
            continue;
        int64_t v = read_int(s, k, 1);
        ASSERT(v >= last); /* never back in time */
        ASSERT(v <= i);
        stale += v < i;
        last = v;
    }
    ASSERT(stale > 0);
    /* A write of its own brings a caller up to date. */
    ASSERT_EQ(
        code_of(ask(s, k, 1, "{\"type\":\"write\",\"key\":\"y\",\"value\":0}")),
        -1);
    ASSERT_EQ(read_int(s, k, 1), 200);
    /* cas is decided against the newest value. */
    ASSERT_EQ(code_of(ask(s, k, 2,
                          "{\"type\":\"cas\",\"key\":\"x\",\"from\":199,"
                          "\"to\":0}")),
              22);
    fl_msvc_free(s);
}

static void
add(struct fl_hist *h, int32_t p, enum fl_op_type t, uint32_t f, fl_val v)
{
    struct fl_op op;

    memset(&op, 0, sizeof(op));
    op.index = (int64_t)h->n;
    op.time_ns = (int64_t)h->n;
    op.process = p;
    op.type = (uint8_t)t;
    op.f = f;
    op.value = v;
    op.pair = -1;
    fl_hist_append(h, &op);
}

static enum fl_verdict
counter_verdict(int64_t final)
{
    struct fl_hist h;
    struct fl_arena a;
    struct fl_chk_result res;
    struct fl_checker *c = fl_mael_chk_counter_new();

    fl_hist_init(&h);
    fl_arena_init(&a, 0);
    add(&h, 0, FL_OP_INVOKE, FL_KW_ADD, fl_val_int(5));
    add(&h, 0, FL_OP_OK, FL_KW_ADD, fl_val_int(5));
    add(&h, 1, FL_OP_INVOKE, FL_KW_ADD, fl_val_int(-2));
    add(&h, 1, FL_OP_INFO, FL_KW_ADD, fl_val_int(-2));
    add(&h, 2, FL_OP_INVOKE, FL_KW_ADD, fl_val_int(3));
    add(&h, 2, FL_OP_INFO, FL_KW_ADD, fl_val_int(3));
    /* A stale read during the run is allowed. */
    add(&h, 0, FL_OP_INVOKE, FL_KW_READ, fl_val_nil());
    add(&h, 0, FL_OP_OK, FL_KW_READ, fl_val_int(final));
    ASSERT_EQ(c->type->check(c, &h, NULL, &a, &res, NULL), 0);
    c->type->free(c);
    fl_arena_release(&a);
    fl_hist_release(&h);
    return res.valid;
}

static void
test_mael_counter_final_reads(void)
{
    /* 5 ok, -2 and +3 indeterminate: any of 3, 5, 6, 8 fits in [3, 8]. */
    ASSERT_EQ(counter_verdict(3), FL_VERDICT_TRUE);
    ASSERT_EQ(counter_verdict(8), FL_VERDICT_TRUE);
    ASSERT_EQ(counter_verdict(2), FL_VERDICT_FALSE);
    ASSERT_EQ(counter_verdict(9), FL_VERDICT_FALSE);
}

static fl_val
vec(struct fl_arena *a, const fl_val *items, size_t n)
{
    return fl_val_coll(a, FL_V_VEC, items, n);
}

static fl_val
send_ok(struct fl_arena *a, int64_t k, int64_t v, int64_t o)
{
    fl_val t[3] = {fl_val_int(k), fl_val_int(v), fl_val_int(o)};

    return vec(a, t, 3);
}

/* A poll of key 0 that returned (offset, value) pairs ov[0..n). */
static fl_val
poll_ok(struct fl_arena *a, const int64_t (*ov)[2], size_t n)
{
    fl_val pairs[8], kv[2];

    for (size_t i = 0; i < n; i++) {
        fl_val p[2] = {fl_val_int(ov[i][0]), fl_val_int(ov[i][1])};
        pairs[i] = vec(a, p, 2);
    }
    kv[0] = fl_val_int(0);
    kv[1] = vec(a, pairs, n);
    return fl_val_map(a, kv, 1);
}

static const fl_val *
kafka_result(struct fl_hist *h, struct fl_arena *a, enum fl_verdict *v)
{
    struct fl_checker *c = fl_mael_chk_kafka_new();
    struct fl_chk_result res;

    ASSERT_EQ(c->type->check(c, h, NULL, a, &res, NULL), 0);
    c->type->free(c);
    *v = res.valid;
    static fl_val keep;
    keep = res.map;
    return &keep;
}

static int64_t
count_of(const fl_val *m, const char *key)
{
    const fl_val *x = fl_val_map_get_kw(m, fl_kw_intern_cstr(key));

    ASSERT(x);
    return x->kind == FL_V_INT ? x->u.i : (int64_t)x->n;
}

static void
test_mael_kafka_checker(void)
{
    struct fl_hist h;
    struct fl_arena a;
    enum fl_verdict v;
    uint32_t send = fl_kw_intern_cstr("send"), poll = fl_kw_intern_cstr("poll");
    static const int64_t good[][2] = {{0, 10}, {1, 11}, {2, 12}};
    static const int64_t skip[][2] = {{0, 10}, {2, 12}};
    static const int64_t clash[][2] = {{1, 99}};

    fl_arena_init(&a, 0);
    fl_hist_init(&h);
    for (int64_t i = 0; i < 3; i++) {
        add(&h, 0, FL_OP_INVOKE, send, fl_val_nil());
        add(&h, 0, FL_OP_OK, send, send_ok(&a, 0, 10 + i, i));
    }
    add(&h, 1, FL_OP_INVOKE, poll, fl_val_nil());
    add(&h, 1, FL_OP_OK, poll, poll_ok(&a, good, 3));
    ASSERT_EQ(count_of(kafka_result(&h, &a, &v), "log-entry-count"), 3);
    ASSERT_EQ(v, FL_VERDICT_TRUE);
    /* Another consumer skips offset 1, which the log has. */
    add(&h, 2, FL_OP_INVOKE, poll, fl_val_nil());
    add(&h, 2, FL_OP_OK, poll, poll_ok(&a, skip, 2));
    ASSERT_EQ(count_of(kafka_result(&h, &a, &v), "poll-skips"), 1);
    ASSERT_EQ(v, FL_VERDICT_FALSE);
    fl_hist_release(&h);

    /* Offset 1 acknowledged, never polled, offset 2 polled: lost. */
    fl_hist_init(&h);
    for (int64_t i = 0; i < 3; i++) {
        add(&h, 0, FL_OP_INVOKE, send, fl_val_nil());
        add(&h, 0, FL_OP_OK, send, send_ok(&a, 0, 10 + i, i));
    }
    add(&h, 1, FL_OP_INVOKE, poll, fl_val_nil());
    add(&h, 1, FL_OP_OK, poll, poll_ok(&a, skip, 2));
    const fl_val *r = kafka_result(&h, &a, &v);
    ASSERT_EQ(count_of(r, "lost-count"), 1);
    ASSERT_EQ(v, FL_VERDICT_FALSE);
    /* And a poll that saw another value at offset 1. */
    add(&h, 3, FL_OP_INVOKE, poll, fl_val_nil());
    add(&h, 3, FL_OP_OK, poll, poll_ok(&a, clash, 1));
    r = kafka_result(&h, &a, &v);
    ASSERT_EQ(count_of(r, "inconsistent-offsets"), 1);
    fl_hist_release(&h);
    fl_arena_release(&a);
}

static void
test_mael_lww_kv_is_weak(void)
{
    struct fl_msvc *s = fl_msvc_new(fl_test_seed());
    int missing = 0, stale = 0;
    char w[96];

    /* Writes land on one replica each; reads ask any replica. */
    for (int i = 1; i <= 100; i++) {
        snprintf(w, sizeof(w),
                 "{\"type\":\"write\",\"key\":\"x\",\"value\":%d}", i);
        ASSERT_EQ(code_of(ask(s, FL_MSVC_LWW_KV, 0, w)), -1);
        json_t *r =
            ask(s, FL_MSVC_LWW_KV, 0, "{\"type\":\"read\",\"key\":\"x\"}");
        if (json_object_get(r, "value"))
            stale += json_integer_value(json_object_get(r, "value")) != i;
        else
            missing++;
        json_decref(r);
    }
    ASSERT(missing + stale > 0);
    fl_msvc_free(s);
}

static void
test_mael_definite_codes(void)
{
    ASSERT(!fl_mael_code_definite(0));
    ASSERT(fl_mael_code_definite(1));
    ASSERT(fl_mael_code_definite(11));
    ASSERT(!fl_mael_code_definite(13));
    ASSERT(fl_mael_code_definite(14));
    ASSERT(fl_mael_code_definite(20));
    ASSERT(fl_mael_code_definite(22));
    ASSERT(fl_mael_code_definite(30));
    ASSERT(!fl_mael_code_definite(1000));
}

static const struct fl_test_case maelstrom_tests[] = {
    FL_TEST(test_mael_lin_kv),
    FL_TEST(test_mael_lin_tso),
    FL_TEST(test_mael_seq_kv_stale_never_backwards),
    FL_TEST(test_mael_counter_final_reads),
    FL_TEST(test_mael_definite_codes),
    FL_TEST(test_mael_kafka_checker),
    FL_TEST(test_mael_lww_kv_is_weak),
    FL_TEST_END,
};

FL_TEST_SUITE(maelstrom, maelstrom_tests)
