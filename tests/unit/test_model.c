/* SPDX-License-Identifier: MIT */
/*
 * test_model.c: the sequential models one step at a time: Knossos's
 * semantics for each op, canonical states (equal states have equal words),
 * op classes, errors for ops that do not fit, and printing.
 */
#include "util/common.h"

#include "history/edn.h"
#include "model/model.h"
#include "tests/unit/test.h"
#include "util/arena.h"
#include "util/err.h"
#include "util/strbuf.h"

struct mt {
    struct fl_model m;
    struct fl_arena a;
    struct fl_vec_u32 state;
};

static void
mt_init(struct mt *t, const char *model, const char *init)
{
    const struct fl_model_type *type = fl_model_find(model);
    fl_val v = fl_val_nil();
    ASSERT(type != NULL);
    fl_arena_init(&t->a, 0);
    fl_model_init(&t->m, type);
    memset(&t->state, 0, sizeof(t->state));
    if (init)
        ASSERT_OK(
            fl_edn_parse_value(&t->a, init, strlen(init), "init", &v, NULL));
    fl_val *keep = fl_arena_alloc(&t->a, sizeof(*keep));
    *keep = v;
    ASSERT_OK(type->init(&t->m, keep, &t->state, NULL));
}

static void
mt_release(struct mt *t)
{
    FL_VEC_RELEASE(&t->state);
    fl_model_release(&t->m);
    fl_arena_release(&t->a);
}

/* Compile (f, value EDN) and return its class; *rc gets compile's code. */
static int
mt_compile(struct mt *t, const char *f, const char *value, bool crashed,
           struct fl_vec_u32 *mop, struct fl_err *err)
{
    fl_val *v = fl_arena_alloc(&t->a, sizeof(*v));
    ASSERT_OK(
        fl_edn_parse_value(&t->a, value, strlen(value), "value", v, NULL));
    mop->n = 0;
    return t->m.type->compile(&t->m, fl_kw_intern_cstr(f), v, crashed, mop,
                              err);
}

/* Apply an op; returns whether it was legal (the state moves if so). */
static bool
mt_step(struct mt *t, const char *f, const char *value)
{
    struct fl_vec_u32 mop = {0}, out = {0};
    ASSERT_OK(mt_compile(t, f, value, false, &mop, NULL));
    bool ok = t->m.type->step(t->state.v, t->state.n, mop.v, mop.n, &out);
    if (ok) {
        FL_VEC_RELEASE(&t->state);
        t->state = out;
    } else {
        FL_VEC_RELEASE(&out);
    }
    FL_VEC_RELEASE(&mop);
    return ok;
}

static const char *
mt_print(struct mt *t, struct fl_strbuf *sb)
{
    fl_val v = t->m.type->print(&t->m, t->state.v, t->state.n, &t->a);
    fl_strbuf_reset(sb);
    fl_val_print_edn(sb, &v);
    return sb->buf;
}

static enum fl_mop_class
mt_class(struct mt *t, const char *f, const char *value)
{
    struct fl_vec_u32 mop = {0};
    ASSERT_OK(mt_compile(t, f, value, false, &mop, NULL));
    enum fl_mop_class c = t->m.type->classify(mop.v, mop.n);
    FL_VEC_RELEASE(&mop);
    return c;
}

static void
test_model_registry(void)
{
    for (size_t i = 0; fl_model_types[i]; i++)
        ASSERT(fl_model_find(fl_model_types[i]->name) == fl_model_types[i]);
    ASSERT(fl_model_find("cas-register") == &fl_model_cas_register_type);
    ASSERT(fl_model_find("nope") == NULL);
}

static void
test_model_intern(void)
{
    struct fl_model m;
    struct fl_arena a;
    fl_val v[4];
    fl_arena_init(&a, 0);
    fl_model_init(&m, &fl_model_register_type);
    ASSERT_OK(fl_edn_parse_value(&a, "[1 2]", 5, "t", &v[0], NULL));
    ASSERT_OK(fl_edn_parse_value(&a, "(1 2)", 5, "t", &v[1], NULL));
    ASSERT_OK(fl_edn_parse_value(&a, "#{1 2}", 6, "t", &v[2], NULL));
    v[3] = fl_val_nil();
    uint32_t a0 = fl_model_intern(&m, &v[0]);
    ASSERT_EQ(fl_model_intern(&m, &v[1]), a0); /* list = vector */
    ASSERT_NE(fl_model_intern(&m, &v[2]), a0);
    ASSERT_EQ(fl_model_intern(&m, &v[3]), FL_MODEL_NIL);
    for (int i = 0; i < 1000; i++) {
        fl_val *x = fl_arena_alloc(&a, sizeof(*x));
        *x = fl_val_int(i);
        uint32_t id = fl_model_intern(&m, x);
        ASSERT(fl_val_equal(fl_model_val(&m, id), x));
    }
    fl_val seven = fl_val_int(7);
    ASSERT_EQ(fl_model_val(&m, fl_model_intern(&m, &seven))->u.i, 7);
    fl_model_release(&m);
    fl_arena_release(&a);
}

static void
test_model_register(void)
{
    struct mt t;
    struct fl_strbuf sb = FL_STRBUF_INIT;
    mt_init(&t, "register", NULL);
    ASSERT_STR_EQ(mt_print(&t, &sb), "nil");
    ASSERT(mt_step(&t, "read", "nil"));
    ASSERT(!mt_step(&t, "read", "1"));
    ASSERT(mt_step(&t, "write", "1"));
    ASSERT(mt_step(&t, "read", "1"));
    ASSERT(!mt_step(&t, "read", "2"));
    ASSERT(mt_step(&t, "write", "\"x\""));
    ASSERT_STR_EQ(mt_print(&t, &sb), "\"x\"");
    ASSERT_EQ(mt_class(&t, "read", "nil"), FL_MOP_NOOP);
    ASSERT_EQ(mt_class(&t, "read", "3"), FL_MOP_READONLY);
    ASSERT_EQ(mt_class(&t, "write", "3"), FL_MOP_BLIND);
    struct fl_vec_u32 mop = {0};
    struct fl_err err = FL_ERR_INIT;
    ASSERT_EQ(mt_compile(&t, "cas", "[1 2]", false, &mop, &err), FL_EMODEL);
    ASSERT(strstr(err.msg, "cas-register") != NULL);
    ASSERT_EQ(mt_compile(&t, "add", "1", false, &mop, &err), FL_EMODEL);
    FL_VEC_RELEASE(&mop);
    fl_strbuf_release(&sb);
    mt_release(&t);
}

static void
test_model_cas_register(void)
{
    struct mt t;
    struct fl_strbuf sb = FL_STRBUF_INIT;
    mt_init(&t, "cas-register", "0");
    ASSERT(mt_step(&t, "read", "0"));
    ASSERT(!mt_step(&t, "cas", "[1 2]"));
    ASSERT(mt_step(&t, "cas", "[0 2]"));
    ASSERT(mt_step(&t, "read", "2"));
    ASSERT(mt_step(&t, "cas", "(2 3)"));
    ASSERT_STR_EQ(mt_print(&t, &sb), "3");
    struct fl_vec_u32 mop = {0};
    struct fl_err err = FL_ERR_INIT;
    ASSERT_EQ(mt_compile(&t, "cas", "[1]", false, &mop, &err), FL_EMODEL);
    ASSERT(strstr(err.msg, "[old new]") != NULL);
    ASSERT_EQ(mt_compile(&t, "cas", "nil", false, &mop, &err), FL_EMODEL);
    FL_VEC_RELEASE(&mop);
    fl_strbuf_release(&sb);
    mt_release(&t);
}

static void
test_model_mutex(void)
{
    struct mt t;
    struct fl_strbuf sb = FL_STRBUF_INIT;
    mt_init(&t, "mutex", NULL);
    ASSERT(!mt_step(&t, "release", "nil"));
    ASSERT(mt_step(&t, "acquire", "nil"));
    ASSERT(!mt_step(&t, "acquire", "nil"));
    ASSERT_STR_EQ(mt_print(&t, &sb), "{:locked? true}");
    ASSERT(mt_step(&t, "release", "nil"));
    mt_release(&t);
    mt_init(&t, "mutex", "true");
    ASSERT(mt_step(&t, "release", "nil"));
    mt_release(&t);
    struct fl_model m;
    struct fl_vec_u32 st = {0};
    struct fl_err err = FL_ERR_INIT;
    fl_val five = fl_val_int(5);
    fl_model_init(&m, &fl_model_mutex_type);
    ASSERT_EQ(fl_model_mutex_type.init(&m, &five, &st, &err), FL_EUSAGE);
    fl_model_release(&m);
    FL_VEC_RELEASE(&st);
    fl_strbuf_release(&sb);
}

static void
test_model_set(void)
{
    struct mt t;
    struct fl_strbuf sb = FL_STRBUF_INIT;
    mt_init(&t, "set", NULL);
    ASSERT(mt_step(&t, "read", "#{}"));
    ASSERT(mt_step(&t, "add", "2"));
    ASSERT(mt_step(&t, "add", "1"));
    ASSERT(mt_step(&t, "add", "2"));
    ASSERT(mt_step(&t, "read", "#{1 2}"));
    ASSERT(mt_step(&t, "read", "[2 1 1]"));
    ASSERT(!mt_step(&t, "read", "#{1}"));
    ASSERT(!mt_step(&t, "read", "#{1 2 3}"));
    ASSERT(mt_step(&t, "read", "nil"));
    ASSERT_EQ(mt_class(&t, "read", "#{}"), FL_MOP_READONLY);
    /* canonical: insertion order does not matter */
    struct mt u;
    mt_init(&u, "set", "#{1 2}");
    ASSERT(fl_model_state_equal(t.state.v, t.state.n, u.state.v, u.state.n) ==
           (t.state.n == u.state.n));
    ASSERT(mt_step(&u, "read", "#{2 1}"));
    mt_release(&u);
    struct fl_vec_u32 mop = {0};
    struct fl_err err = FL_ERR_INIT;
    ASSERT_EQ(mt_compile(&t, "read", "5", false, &mop, &err), FL_EMODEL);
    FL_VEC_RELEASE(&mop);
    fl_strbuf_release(&sb);
    mt_release(&t);
}

static void
test_model_unordered_queue(void)
{
    struct mt t;
    struct fl_strbuf sb = FL_STRBUF_INIT;
    mt_init(&t, "unordered-queue", NULL);
    ASSERT(!mt_step(&t, "dequeue", "1"));
    ASSERT(mt_step(&t, "enqueue", "2"));
    ASSERT(mt_step(&t, "enqueue", "1"));
    ASSERT(mt_step(&t, "enqueue", "2"));
    ASSERT(mt_step(&t, "dequeue", "2"));
    ASSERT(mt_step(&t, "dequeue", "2"));
    ASSERT(!mt_step(&t, "dequeue", "2"));
    ASSERT_STR_EQ(mt_print(&t, &sb), "[1]");
    ASSERT_EQ(mt_class(&t, "dequeue", "1"), FL_MOP_SHRINKS);
    fl_val one = fl_val_int(1);
    ASSERT(fl_model_unordered_queue_type.element(FL_KW_ENQUEUE, &one) == &one);
    ASSERT(fl_model_unordered_queue_type.element(FL_KW_READ, &one) == NULL);
    fl_strbuf_release(&sb);
    mt_release(&t);
}

static void
test_model_fifo_queue(void)
{
    struct mt t;
    struct fl_strbuf sb = FL_STRBUF_INIT;
    mt_init(&t, "fifo-queue", "[7]");
    ASSERT(mt_step(&t, "enqueue", "1"));
    ASSERT(mt_step(&t, "enqueue", "2"));
    ASSERT(!mt_step(&t, "dequeue", "1"));
    ASSERT(mt_step(&t, "dequeue", "7"));
    ASSERT_STR_EQ(mt_print(&t, &sb), "[1 2]");
    /* a crashed dequeue of unknown value takes the head */
    struct fl_vec_u32 mop = {0}, out = {0};
    ASSERT_OK(mt_compile(&t, "dequeue", "nil", true, &mop, NULL));
    ASSERT(t.m.type->step(t.state.v, t.state.n, mop.v, mop.n, &out));
    ASSERT_EQ(out.n, 1);
    ASSERT_EQ(fl_model_val(&t.m, out.v[0])->u.i, 2);
    /* an :ok dequeue of nil needs nil at the head (Knossos) */
    ASSERT(!mt_step(&t, "dequeue", "nil"));
    ASSERT(fl_model_fifo_queue_type.element(FL_KW_ENQUEUE, NULL) == NULL);
    FL_VEC_RELEASE(&mop);
    FL_VEC_RELEASE(&out);
    fl_strbuf_release(&sb);
    mt_release(&t);
}

static void
test_model_multi_register(void)
{
    struct mt t;
    struct fl_strbuf sb = FL_STRBUF_INIT;
    mt_init(&t, "multi-register", "{:x 0 :y 0}");
    ASSERT(mt_step(&t, "txn", "[[:read :x 0] [:read :y 0] [:read :z nil]]"));
    ASSERT(!mt_step(&t, "txn", "[[:read :x 1]]"));
    ASSERT(!mt_step(&t, "txn", "[[:read :z 1]]"));
    ASSERT(mt_step(&t, "txn", "[[:write :x 2] [:read :x 2]]"));
    ASSERT(!mt_step(&t, "txn", "[[:write :y 5] [:read :x 0]]"));
    ASSERT(mt_step(&t, "txn", "[[:read :y 0] [:write :y 2]]"));
    ASSERT_STR_EQ(mt_print(&t, &sb), "{:x 2, :y 2}");
    ASSERT(mt_step(&t, "txn", "[[:write :x nil]]"));
    ASSERT_STR_EQ(mt_print(&t, &sb), "{:y 2}");
    ASSERT_EQ(mt_class(&t, "txn", "[[:read :x 1] [:read :y 2]]"),
              FL_MOP_READONLY);
    ASSERT_EQ(mt_class(&t, "txn", "[[:read :x nil]]"), FL_MOP_NOOP);
    ASSERT_EQ(mt_class(&t, "txn", "[[:read :x 1] [:write :y 2]]"),
              FL_MOP_NORMAL);
    struct fl_vec_u32 mop = {0};
    struct fl_err err = FL_ERR_INIT;
    ASSERT_EQ(mt_compile(&t, "txn", "[[:append :x 1]]", false, &mop, &err),
              FL_EMODEL);
    ASSERT_EQ(mt_compile(&t, "txn", "[:read :x 1]", false, &mop, &err),
              FL_EMODEL);
    ASSERT_EQ(mt_compile(&t, "read", "1", false, &mop, &err), FL_EMODEL);
    FL_VEC_RELEASE(&mop);
    fl_strbuf_release(&sb);
    mt_release(&t);
}

static const struct fl_test_case model_tests[] = {
    FL_TEST(test_model_registry),        FL_TEST(test_model_intern),
    FL_TEST(test_model_register),        FL_TEST(test_model_cas_register),
    FL_TEST(test_model_mutex),           FL_TEST(test_model_set),
    FL_TEST(test_model_unordered_queue), FL_TEST(test_model_fifo_queue),
    FL_TEST(test_model_multi_register),  FL_TEST_END,
};

FL_TEST_SUITE(model, model_tests);
