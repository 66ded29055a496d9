/* SPDX-License-Identifier: MIT */
/*
 * test_memkv.c: the memkv client's completions: :ok for what took effect,
 * :fail only for what certainly did not (a cas whose expected value does
 * not match, an overdrawing transfer), and the lost-update bug losing
 * concurrent adds and writes that land inside a cas, and the stale-read
 * bug's bank reads that are not snapshots.
 */
#include "util/common.h"

#include "tests/unit/test.h"

#include <pthread.h>

#include "suites/memkv/memkv.h"
#include "util/arena.h"
#include "util/err.h"

static int
invoke(struct fl_memkv *kv, uint32_t f, fl_val v, struct fl_arena *a,
       struct fl_op *out)
{
    struct fl_client c;
    struct fl_client_seed seed = {&fl_memkv_client_type, kv, NULL};
    struct fl_err err = FL_ERR_INIT;
    struct fl_op op;

    memset(&op, 0, sizeof(op));
    op.f = f;
    op.value = v;
    *out = op;
    out->type = FL_OP_INFO;
    ASSERT_OK(fl_client_open(&c, &seed, NULL, 0, &err));
    int rc = fl_client_invoke(&c, NULL, &op, a, out, &err);
    fl_client_close(&c, NULL);
    return rc;
}

static fl_val
kv2(struct fl_arena *a, int64_t k, fl_val v)
{
    fl_val items[2] = {fl_val_int(k), v};

    return fl_val_coll(a, FL_V_VEC, items, 2);
}

static void
test_memkv_register(void)
{
    struct fl_memkv *kv = fl_memkv_new(FL_MEMKV_REGISTER, FL_MEMKV_BUG_NONE, 1);
    struct fl_arena a;
    struct fl_op out;

    fl_arena_init(&a, 4096);
    ASSERT_OK(invoke(kv, FL_KW_READ, kv2(&a, 3, fl_val_nil()), &a, &out));
    ASSERT_EQ(out.type, FL_OP_OK);
    ASSERT_EQ(out.value.u.items[1].kind, FL_V_NIL);
    ASSERT_OK(invoke(kv, FL_KW_WRITE, kv2(&a, 3, fl_val_int(2)), &a, &out));
    ASSERT_EQ(out.type, FL_OP_OK);
    fl_val pair[2] = {fl_val_int(1), fl_val_int(4)};
    fl_val cas = fl_val_coll(&a, FL_V_VEC, pair, 2);
    ASSERT_OK(invoke(kv, FL_KW_CAS, kv2(&a, 3, cas), &a, &out));
    ASSERT_EQ(out.type, FL_OP_FAIL); /* 2 != 1: certainly no effect */
    pair[0] = fl_val_int(2);
    cas = fl_val_coll(&a, FL_V_VEC, pair, 2);
    ASSERT_OK(invoke(kv, FL_KW_CAS, kv2(&a, 3, cas), &a, &out));
    ASSERT_EQ(out.type, FL_OP_OK);
    ASSERT_OK(invoke(kv, FL_KW_READ, kv2(&a, 3, fl_val_nil()), &a, &out));
    ASSERT_EQ(out.value.u.items[1].u.i, 4);
    /* A malformed op is a client error: the worker makes it :info. */
    ASSERT(invoke(kv, FL_KW_READ, fl_val_int(3), &a, &out) < 0);
    fl_memkv_free(kv);
    fl_arena_release(&a);
}

static void
test_memkv_bank_overdraft(void)
{
    struct fl_memkv *kv = fl_memkv_new(FL_MEMKV_BANK, FL_MEMKV_BUG_NONE, 1);
    struct fl_arena a;
    struct fl_op out;

    fl_arena_init(&a, 4096);
    fl_val items[6] = {
        fl_val_kw(fl_kw_intern_cstr("from")),   fl_val_int(1),
        fl_val_kw(fl_kw_intern_cstr("to")),     fl_val_int(2),
        fl_val_kw(fl_kw_intern_cstr("amount")), fl_val_int(1000),
    };
    ASSERT_OK(invoke(kv, FL_KW_TRANSFER, fl_val_map(&a, items, 3), &a, &out));
    ASSERT_EQ(out.type, FL_OP_FAIL);
    ASSERT_STR_EQ(fl_op_error(&out)->u.s, "insufficient-funds");
    items[5] = fl_val_int(5);
    ASSERT_OK(invoke(kv, FL_KW_TRANSFER, fl_val_map(&a, items, 3), &a, &out));
    ASSERT_EQ(out.type, FL_OP_OK);
    ASSERT_OK(invoke(kv, FL_KW_READ, fl_val_nil(), &a, &out));
    int64_t sum = 0;
    for (uint32_t i = 0; i < out.value.n; i++)
        sum += out.value.u.items[2 * i + 1].u.i;
    ASSERT_EQ(sum, FL_MEMKV_TOTAL);
    ASSERT_EQ(
        fl_val_map_get(&out.value, &(fl_val){FL_V_INT, 0, 0, 0, {.i = 2}})->u.i,
        FL_MEMKV_TOTAL / FL_MEMKV_ACCOUNTS + 5);
    fl_memkv_free(kv);
    fl_arena_release(&a);
}

struct adder {
    struct fl_memkv *kv;
    int base;
};

static void *
add_many(void *arg)
{
    struct adder *ad = arg;
    struct fl_arena a;
    struct fl_op out;

    fl_arena_init(&a, 4096);
    for (int i = 0; i < 20; i++)
        invoke(ad->kv, FL_KW_ADD, fl_val_int(ad->base + i), &a, &out);
    fl_arena_release(&a);
    return NULL;
}

static size_t
set_size_after_concurrent_adds(enum fl_memkv_bug bug)
{
    struct fl_memkv *kv = fl_memkv_new(FL_MEMKV_SET, bug, 1);
    pthread_t t[4];
    struct adder ad[4];
    struct fl_arena a;
    struct fl_op out;

    for (int i = 0; i < 4; i++) {
        ad[i] = (struct adder){kv, i * 100};
        pthread_create(&t[i], NULL, add_many, &ad[i]);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    fl_arena_init(&a, 4096);
    invoke(kv, FL_KW_READ, fl_val_nil(), &a, &out);
    size_t n = out.value.n;
    fl_arena_release(&a);
    fl_memkv_free(kv);
    return n;
}

/*
 * A race whose second op lands in the bug's window by construction, not by
 * timing (a loaded machine preempts threads for milliseconds): the racer
 * thread runs its op; when the store opens a race window (lock released)
 * the hook holds it open until this thread's op has landed. Without a bug
 * no window opens, and this thread's op comes after the racer's.
 */
struct race {
    struct fl_memkv *kv;
    void (*op)(struct race *r); /* the racer's op */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool open;     /* the racer is in a window; protected by mu */
    bool done;     /* the racer's op completed; protected by mu */
    bool landed;   /* this thread's op completed; protected by mu */
    int64_t total; /* bank: what the racer's read summed to */
};

static void
race_set(struct race *r, bool *flag)
{
    pthread_mutex_lock(&r->mu);
    *flag = true;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

/* The store's window hook: wait there until the other op has landed. */
static void
race_window(void *arg)
{
    struct race *r = arg;

    pthread_mutex_lock(&r->mu);
    r->open = true;
    pthread_cond_broadcast(&r->cv);
    while (!r->landed)
        pthread_cond_wait(&r->cv, &r->mu);
    pthread_mutex_unlock(&r->mu);
}

static void *
race_racer(void *arg)
{
    struct race *r = arg;

    r->op(r);
    race_set(r, &r->done);
    return NULL;
}

/* Start the racer on kv; return once it is in a window or done. */
static void
race_start(struct race *r, struct fl_memkv *kv, void (*op)(struct race *),
           pthread_t *t)
{
    memset(r, 0, sizeof(*r));
    r->kv = kv;
    r->op = op;
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    fl_memkv_set_window_hook(kv, race_window, r);
    pthread_create(t, NULL, race_racer, r);
    pthread_mutex_lock(&r->mu);
    while (!r->open && !r->done)
        pthread_cond_wait(&r->cv, &r->mu);
    pthread_mutex_unlock(&r->mu);
}

/* This thread's op has landed: let the racer finish. */
static void
race_finish(struct race *r, pthread_t t)
{
    race_set(r, &r->landed);
    pthread_join(t, NULL);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cv);
}

static void
cas_0_to_1(struct race *r)
{
    struct fl_arena a;
    struct fl_op out;

    fl_arena_init(&a, 4096);
    fl_val pair[2] = {fl_val_int(0), fl_val_int(1)};
    fl_val cas = fl_val_coll(&a, FL_V_VEC, pair, 2);
    invoke(r->kv, FL_KW_CAS, kv2(&a, 7, cas), &a, &out);
    fl_arena_release(&a);
}

/*
 * Register 7 holds 0; one thread runs cas [0 1] while this one writes 5.
 * Correct: the cas is atomic, so the write comes after it (5) or before it
 * (the cas fails, 5). Lost update: the cas checked 0, the write landed in
 * its window, then the cas wrote 1 over it.
 */
static bool
write_lost_under_cas(enum fl_memkv_bug bug)
{
    struct fl_memkv *kv = fl_memkv_new(FL_MEMKV_REGISTER, bug, 1);
    struct race r;
    struct fl_arena a;
    struct fl_op out;
    pthread_t t;

    fl_arena_init(&a, 4096);
    ASSERT_OK(invoke(kv, FL_KW_WRITE, kv2(&a, 7, fl_val_int(0)), &a, &out));
    race_start(&r, kv, cas_0_to_1, &t);
    ASSERT_OK(invoke(kv, FL_KW_WRITE, kv2(&a, 7, fl_val_int(5)), &a, &out));
    race_finish(&r, t);
    ASSERT_OK(invoke(kv, FL_KW_READ, kv2(&a, 7, fl_val_nil()), &a, &out));
    bool lost = out.value.u.items[1].u.i == 1;
    fl_arena_release(&a);
    fl_memkv_free(kv);
    return lost;
}

static void
test_memkv_cas_loses_a_write_landing_in_its_window(void)
{
    ASSERT(!write_lost_under_cas(FL_MEMKV_BUG_NONE));
    ASSERT(write_lost_under_cas(FL_MEMKV_BUG_LOST_UPDATE));
}

static void
bank_read(struct race *r)
{
    struct fl_arena a;
    struct fl_op out;

    fl_arena_init(&a, 4096);
    invoke(r->kv, FL_KW_READ, fl_val_nil(), &a, &out);
    r->total = 0;
    for (uint32_t i = 0; i < out.value.n; i++)
        r->total += out.value.u.items[2 * i + 1].u.i;
    fl_arena_release(&a);
}

/*
 * One thread reads all balances while this one moves 5 from account 0 to
 * account 1. A snapshot sums to the total either way; reading account by
 * account sees 0 before the transfer and 1 after it, even for a transfer
 * between the first two accounts.
 */
static bool
read_skewed_by_transfer(enum fl_memkv_bug bug)
{
    struct fl_memkv *kv = fl_memkv_new(FL_MEMKV_BANK, bug, 1);
    struct race r;
    struct fl_arena a;
    struct fl_op out;
    pthread_t t;

    fl_arena_init(&a, 4096);
    fl_val items[6] = {
        fl_val_kw(fl_kw_intern_cstr("from")),   fl_val_int(0),
        fl_val_kw(fl_kw_intern_cstr("to")),     fl_val_int(1),
        fl_val_kw(fl_kw_intern_cstr("amount")), fl_val_int(5),
    };
    race_start(&r, kv, bank_read, &t);
    ASSERT_OK(invoke(kv, FL_KW_TRANSFER, fl_val_map(&a, items, 3), &a, &out));
    ASSERT_EQ(out.type, FL_OP_OK);
    race_finish(&r, t);
    fl_arena_release(&a);
    fl_memkv_free(kv);
    return r.total != FL_MEMKV_TOTAL;
}

static void
test_memkv_bank_read_is_skewed_by_each_transfer(void)
{
    ASSERT(!read_skewed_by_transfer(FL_MEMKV_BUG_NONE));
    ASSERT(read_skewed_by_transfer(FL_MEMKV_BUG_STALE_READ));
}

static void
test_memkv_lost_update(void)
{
    ASSERT_EQ(set_size_after_concurrent_adds(FL_MEMKV_BUG_NONE), 80);
    ASSERT(set_size_after_concurrent_adds(FL_MEMKV_BUG_LOST_UPDATE) < 80);
    ASSERT_EQ(fl_memkv_bug_parse("stale-read"), FL_MEMKV_BUG_STALE_READ);
    ASSERT_EQ(fl_memkv_bug_parse("flaky"), -1);
}

static const struct fl_test_case memkv_tests[] = {
    FL_TEST(test_memkv_register),
    FL_TEST(test_memkv_bank_overdraft),
    FL_TEST(test_memkv_lost_update),
    FL_TEST(test_memkv_cas_loses_a_write_landing_in_its_window),
    FL_TEST(test_memkv_bank_read_is_skewed_by_each_transfer),
    FL_TEST_END,
};

FL_TEST_SUITE(memkv_client, memkv_tests)
