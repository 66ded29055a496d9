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
    FL_TEST_END,
};

FL_TEST_SUITE(maelstrom, maelstrom_tests)
