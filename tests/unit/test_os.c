/* SPDX-License-Identifier: MIT */
/*
 * test_os.c: the option helpers of os.h (durations) and the register
 * workload's options read through them (workload.h), as every suite uses
 * them: values, defaults, ranges and the errors naming the option.
 */
#include "util/common.h"

#include "tests/unit/test.h"

#include "history/val.h"
#include "os/os.h"
#include "util/arena.h"
#include "util/err.h"
#include "workload/workload.h"

/* env with options {:k v ...} from pairs of (name, value) */
static void
env_with(struct fl_env *env, struct fl_arena *a, fl_val *opts, fl_val *kv,
         size_t n)
{
    *opts = fl_val_map(a, kv, n);
    memset(env, 0, sizeof(*env));
    env->options = opts;
}

static void
test_os_env_opt_duration_ms(void)
{
    struct fl_arena a;
    struct fl_env env;
    struct fl_err err = FL_ERR_INIT;
    fl_val kv[8], opts;
    int64_t v = -1;

    fl_arena_init(&a, 4096);
    kv[0] = fl_val_kw(fl_kw_intern_cstr("a"));
    kv[1] = fl_val_str(&a, "250ms", 5);
    kv[2] = fl_val_kw(fl_kw_intern_cstr("b"));
    kv[3] = fl_val_int(3); /* seconds, as on the command line */
    kv[4] = fl_val_kw(fl_kw_intern_cstr("c"));
    kv[5] = fl_val_str(&a, "soon", 4);
    kv[6] = fl_val_kw(fl_kw_intern_cstr("d"));
    kv[7] = fl_val_str(&a, "2h", 2);
    env_with(&env, &a, &opts, kv, 4);
    ASSERT_OK(fl_env_opt_duration_ms(&env, "a", 0, 1, 3600000, &v, &err));
    ASSERT_EQ(v, 250);
    ASSERT_OK(fl_env_opt_duration_ms(&env, "b", 0, 1, 3600000, &v, &err));
    ASSERT_EQ(v, 3000);
    ASSERT_OK(fl_env_opt_duration_ms(&env, "absent", 77, 1, 100, &v, &err));
    ASSERT_EQ(v, 77);
    ASSERT_EQ(fl_env_opt_duration_ms(&env, "c", 0, 1, 3600000, &v, &err),
              FL_EUSAGE);
    ASSERT(strstr(err.msg, "--c") && strstr(err.msg, "soon"));
    ASSERT_EQ(fl_env_opt_duration_ms(&env, "d", 0, 1, 3600000, &v, &err),
              FL_EUSAGE);
    ASSERT(strstr(err.msg, "--d") && strstr(err.msg, "outside"));
    ASSERT_EQ(fl_env_opt_duration_ms(&env, "a", 0, 1000, 2000, &v, &err),
              FL_EUSAGE);
    ASSERT_EQ(v, 77); /* untouched on error */
    fl_arena_release(&a);
}

static void
test_os_register_opts_env(void)
{
    struct fl_arena a;
    struct fl_env env;
    struct fl_err err = FL_ERR_INIT;
    fl_val kv[4], opts;
    struct fl_wl_register_opts o = {.readers = 1, .values = 3};

    fl_arena_init(&a, 4096);
    env_with(&env, &a, &opts, kv, 0);
    ASSERT_OK(fl_wl_register_opts_env(&env, 10, 5, 100, &o, &err));
    ASSERT_EQ(o.concurrency, 10);
    ASSERT_EQ(o.threads_per_key, 5);
    ASSERT_EQ(o.ops_per_key, 100);
    ASSERT_EQ(o.readers, 1); /* left alone */
    ASSERT_EQ(o.values, 3);
    kv[0] = fl_val_kw(fl_kw_intern_cstr("threads-per-key"));
    kv[1] = fl_val_str(&a, "2", 1);
    kv[2] = fl_val_kw(fl_kw_intern_cstr("ops-per-key"));
    kv[3] = fl_val_int(7);
    env_with(&env, &a, &opts, kv, 2);
    ASSERT_OK(fl_wl_register_opts_env(&env, 10, 5, 100, &o, &err));
    ASSERT_EQ(o.threads_per_key, 2);
    ASSERT_EQ(o.ops_per_key, 7);
    kv[1] = fl_val_str(&a, "11", 2); /* more than the concurrency */
    env_with(&env, &a, &opts, kv, 2);
    ASSERT_EQ(fl_wl_register_opts_env(&env, 10, 5, 100, &o, &err), FL_EUSAGE);
    ASSERT(strstr(err.msg, "--threads-per-key"));
    kv[1] = fl_val_str(&a, "2", 1);
    kv[3] = fl_val_int(0);
    env_with(&env, &a, &opts, kv, 2);
    ASSERT_EQ(fl_wl_register_opts_env(&env, 10, 5, 100, &o, &err), FL_EUSAGE);
    ASSERT(strstr(err.msg, "--ops-per-key"));
    fl_arena_release(&a);
}

static const struct fl_test_case os_tests[] = {
    FL_TEST(test_os_env_opt_duration_ms),
    FL_TEST(test_os_register_opts_env),
    FL_TEST_END,
};

FL_TEST_SUITE(os, os_tests);
