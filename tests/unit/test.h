/* SPDX-License-Identifier: MIT */
/*
 * test.h: the in-house unit test framework (libuv test/task.h style). Each
 * tests/unit/test_<module>.c lists its tests in a table and registers it
 * with FL_TEST_SUITE; a test missing from the table is an unused static
 * function, which -Werror turns into a build failure. The runner (main.c)
 * forks each test under a timeout; assertions print both values and exit
 * the child with status 1; FL_SKIP reports a skip with its reason.
 */
#ifndef FL_TEST_H
#define FL_TEST_H

#include "util/common.h"

struct fl_test_case {
    const char *name;
    void (*fn)(void);
    int timeout_s; /* 0: the default (60 s) */
};

struct fl_test_suite {
    const char *name;
    const struct fl_test_case *cases;
    struct fl_test_suite *next;
};

void fl_test_register(struct fl_test_suite *s);
FL_NORETURN void fl_test_fail(const char *file, int line, const char *fmt, ...)
    FL_PRINTF(3, 4);
/**
 * Skip the running test: it cannot run here (not root, a package missing).
 * Does not return. The runner counts it as skipped, printing the reason,
 * and as failed where skips are not allowed (FL_NO_SKIP=1, or CI=true
 * unless FL_NO_SKIP says otherwise). Use through FL_SKIP("reason", ...).
 */
FL_NORETURN void fl_test_skip(const char *file, int line, const char *fmt, ...)
    FL_PRINTF(3, 4);
/**
 * The shared corpus of Knossos and Elle histories (DESIGN.md): $FL_CORPUS,
 * else ../shared/corpus beside the source tree (found from the working
 * directory or from the test binary's build directory). Fails the running
 * test, naming where it looked, when there is none. Never an absolute path
 * of one machine.
 */
const char *fl_test_corpus(void);
/** A seed for randomised tests: FL_TEST_SEED or a fixed default. */
uint64_t fl_test_seed(void);

#define FL_TEST(fn)                                                            \
    {                                                                          \
#fn, fn, 0                                                             \
    }
#define FL_TEST_T(fn, s)                                                       \
    {                                                                          \
#fn, fn, s                                                             \
    }
#define FL_TEST_END                                                            \
    {                                                                          \
        NULL, NULL, 0                                                          \
    }

#define FL_TEST_SUITE(sname, table)                                            \
    static struct fl_test_suite fl_suite_##sname = {#sname, table, NULL};      \
    __attribute__((constructor)) static void fl_suite_reg_##sname(void)        \
    {                                                                          \
        fl_test_register(&fl_suite_##sname);                                   \
    }

#define FL_SKIP(...) fl_test_skip(__FILE__, __LINE__, __VA_ARGS__)

#define ASSERT(c)                                                              \
    do {                                                                       \
        if (!(c))                                                              \
            fl_test_fail(__FILE__, __LINE__, "assertion failed: %s", #c);      \
    } while (0)

#define ASSERT_EQ(a, b)                                                        \
    do {                                                                       \
        long long fl_a_ = (long long)(a), fl_b_ = (long long)(b);              \
        if (fl_a_ != fl_b_)                                                    \
            fl_test_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, \
                         fl_a_, fl_b_);                                        \
    } while (0)

#define ASSERT_NE(a, b)                                                        \
    do {                                                                       \
        long long fl_a_ = (long long)(a), fl_b_ = (long long)(b);              \
        if (fl_a_ == fl_b_)                                                    \
            fl_test_fail(__FILE__, __LINE__, "%s != %s: both %lld", #a, #b,    \
                         fl_a_);                                               \
    } while (0)

#define ASSERT_U64_EQ(a, b)                                                    \
    do {                                                                       \
        unsigned long long fl_a_ = (a), fl_b_ = (b);                           \
        if (fl_a_ != fl_b_)                                                    \
            fl_test_fail(__FILE__, __LINE__, "%s == %s: %llu != %llu", #a, #b, \
                         fl_a_, fl_b_);                                        \
    } while (0)

#define ASSERT_STR_EQ(a, b)                                                    \
    do {                                                                       \
        const char *fl_a_ = (a), *fl_b_ = (b);                                 \
        if (!fl_a_ || !fl_b_ || strcmp(fl_a_, fl_b_) != 0)                     \
            fl_test_fail(__FILE__, __LINE__, "%s == %s:\n  \"%s\"\n  \"%s\"",  \
                         #a, #b, fl_a_ ? fl_a_ : "(null)",                     \
                         fl_b_ ? fl_b_ : "(null)");                            \
    } while (0)

#define ASSERT_OK(expr)                                                        \
    do {                                                                       \
        int fl_rc_ = (expr);                                                   \
        if (fl_rc_ != 0)                                                       \
            fl_test_fail(__FILE__, __LINE__, "%s returned %d", #expr, fl_rc_); \
    } while (0)

#endif
