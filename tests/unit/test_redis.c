/* SPDX-License-Identifier: MIT */
/*
 * test_redis.c: the Redis client's one mapping from what a command did to
 * the op's completion (docs/redis.md), case by case.
 */
#include "test.h"

#include "suites/redis/redis.h"

#include "history/val.h"
#include "os/os.h"
#include "util/arena.h"
#include "util/err.h"

struct outcome_case {
    struct fl_redis_status st;
    bool mutates;
    enum fl_op_type want;
    const char *why;
};

static void
test_redis_op_type(void)
{
    static const struct outcome_case cases[] = {
        /* Nothing sent: no primary known, or none reachable. */
        {{.sent = false}, true, FL_OP_FAIL, "no-primary"},
        {{.sent = false}, false, FL_OP_FAIL, "no-primary"},
        /* Redis answered an error (READONLY, NOREPLICAS, ...): refused. */
        {{.sent = true, .err_reply = "READONLY"}, true, FL_OP_FAIL, "refused"},
        {{.sent = true, .err_reply = "LOADING"}, false, FL_OP_FAIL, "refused"},
        /* Lost connection or timeout: a write may have happened. */
        {{.sent = true, .conn_err = true}, true, FL_OP_INFO, "indeterminate"},
        /* A read that never answered changed nothing. */
        {{.sent = true, .conn_err = true}, false, FL_OP_FAIL, "connection"},
        /* WAIT fell short: applied on the primary, maybe not elsewhere. */
        {{.sent = true, .wait_short = true}, true, FL_OP_INFO, "wait-short"},
        {{.sent = true}, true, FL_OP_OK, NULL},
        {{.sent = true}, false, FL_OP_OK, NULL},
    };

    for (size_t i = 0; i < FL_ARRAY_SIZE(cases); i++) {
        const char *why = "unset";
        enum fl_op_type t =
            fl_redis_op_type(&cases[i].st, cases[i].mutates, &why);
        ASSERT_EQ(t, cases[i].want);
        if (cases[i].why)
            ASSERT_STR_EQ(why, cases[i].why);
        else
            ASSERT(why == NULL);
    }
}

/* The suite's integer options: command-line strings, ints, range errors. */
static void
test_env_opt_int_in(void)
{
    struct fl_arena a;
    struct fl_env env;
    struct fl_err err = FL_ERR_INIT;
    fl_val kv[6], opts;
    int64_t v = -1;

    fl_arena_init(&a, 4096);
    kv[0] = fl_val_kw(fl_kw_intern_cstr("wait"));
    kv[1] = fl_val_str(&a, "2", 1);
    kv[2] = fl_val_kw(fl_kw_intern_cstr("quorum"));
    kv[3] = fl_val_int(7);
    kv[4] = fl_val_kw(fl_kw_intern_cstr("port"));
    kv[5] = fl_val_str(&a, "80x", 3);
    opts = fl_val_map(&a, kv, 3);
    memset(&env, 0, sizeof(env));
    env.options = &opts;
    ASSERT_OK(fl_env_opt_int_in(&env, "wait", 0, 0, 10, &v, &err));
    ASSERT_EQ(v, 2);
    ASSERT_OK(fl_env_opt_int_in(&env, "quorum", 0, 0, 10, &v, &err));
    ASSERT_EQ(v, 7);
    ASSERT_OK(fl_env_opt_int_in(&env, "absent", 5, 0, 10, &v, &err));
    ASSERT_EQ(v, 5);
    ASSERT_EQ(fl_env_opt_int_in(&env, "quorum", 0, 0, 3, &v, &err), FL_EUSAGE);
    ASSERT(strstr(err.msg, "--quorum") && strstr(err.msg, "0..3"));
    ASSERT_EQ(fl_env_opt_int_in(&env, "port", 0, 1, 65535, &v, &err),
              FL_EUSAGE);
    ASSERT(strstr(err.msg, "--port"));
    ASSERT_EQ(v, 5); /* untouched on error */
    fl_arena_release(&a);
}

static const struct fl_test_case redis_tests[] = {
    FL_TEST(test_redis_op_type),
    FL_TEST(test_env_opt_int_in),
    FL_TEST_END,
};

FL_TEST_SUITE(redis, redis_tests);
