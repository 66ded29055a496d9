/* SPDX-License-Identifier: MIT */
/*
 * test_redis.c: the Redis client's one mapping from what a command did to
 * the op's completion (docs/redis.md), case by case.
 */
#include "test.h"

#include "suites/redis/redis.h"

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

static const struct fl_test_case redis_tests[] = {
    FL_TEST(test_redis_op_type),
    FL_TEST_END,
};

FL_TEST_SUITE(redis, redis_tests);
