/* SPDX-License-Identifier: MIT */
/*
 * test_runner.c: a passing, a failing, a skipping test and one that exits
 * with the skip status without FL_SKIP, for testing the runner itself
 * (tests/cli/t0740-runners.sh). They are registered only when
 * FL_UNIT_RUNNER_SELFTEST=1, so that a normal run never sees them.
 */
#include "util/common.h"

#include "tests/unit/test.h"

#include <unistd.h>

static void
selftest_pass(void)
{
    ASSERT_EQ(1 + 1, 2);
}

static void
selftest_fail(void)
{
    ASSERT_EQ(1 + 1, 3);
}

static void
selftest_skip(void)
{
    FL_SKIP("needs %s", "a unicorn");
    ASSERT(0);
}

static void
selftest_exit77(void)
{
    fflush(stdout);
    _exit(77);
}

static const struct fl_test_case runner_selftest_cases[] = {
    FL_TEST(selftest_pass),
    FL_TEST(selftest_fail),
    FL_TEST(selftest_skip),
    FL_TEST(selftest_exit77),
    FL_TEST_END,
};

static struct fl_test_suite runner_selftest = {"runner-selftest",
                                               runner_selftest_cases, NULL};

__attribute__((constructor)) static void
runner_selftest_register(void)
{
    const char *on = getenv("FL_UNIT_RUNNER_SELFTEST");

    if (on && strcmp(on, "1") == 0)
        fl_test_register(&runner_selftest);
}
