/* SPDX-License-Identifier: MIT */
/*
 * test_run_hook.c: the run's report hook. run/ sits below report/, so the
 * run never writes plots or a timeline itself: it calls the hook in
 * struct fl_run_opts once, after checking, with the store directory, the
 * history and the results; with no hook nothing is written. A short memkv
 * counter run (0.3 s) and fl_analyze() of it are enough to see both.
 */
#include "util/common.h"

#include "tests/unit/test.h"

#include <sys/stat.h>
#include <unistd.h>

#include "history/hist.h"
#include "run/run.h"
#include "run/test.h"
#include "util/err.h"
#include "util/strbuf.h"

extern const struct fl_suite fl_suite_memkv;

struct hook_calls {
    int n;
    char dir[512];
    size_t nops;
    bool results_have_valid;
};

static int
record_hook(void *arg, const char *store_dir, const struct fl_hist *h,
            const fl_val *results, struct fl_err *err)
{
    struct hook_calls *c = arg;
    char path[600];

    c->n++;
    snprintf(c->dir, sizeof(c->dir), "%s", store_dir);
    c->nops = h->n;
    c->results_have_valid = fl_val_map_get_kw(results, FL_KW_VALID) != NULL;
    /* results.edn is written before the hook runs. */
    snprintf(path, sizeof(path), "%s/results.edn", store_dir);
    if (access(path, R_OK) != 0)
        return fl_err_set(err, -ENOENT, "no results.edn before the hook");
    return 0;
}

static int
failing_hook(void *arg, const char *store_dir, const struct fl_hist *h,
             const fl_val *results, struct fl_err *err)
{
    FL_UNUSED(store_dir);
    FL_UNUSED(h);
    FL_UNUSED(results);
    ++*(int *)arg;
    return fl_err_set(err, -EIO, "plots failed");
}

static bool
exists(const char *dir, const char *file)
{
    char path[600];
    struct stat st;

    snprintf(path, sizeof(path), "%s/%s", dir, file);
    return stat(path, &st) == 0;
}

/* A 0.3 s memkv counter run into store, with run options o. */
static void
run_counter(const char *store, fl_run_report_fn *hook, void *arg,
            struct fl_run_result *res)
{
    struct fl_test t;
    struct fl_err err = FL_ERR_INIT;
    struct fl_run_opts o = {.store_root = store,
                            .progress = NULL,
                            .report = hook,
                            .report_arg = arg};

    fl_test_init(&t);
    t.concurrency = 2;
    t.seed = 11;
    t.time_limit_ns = 300 * 1000000LL;
    fl_test_set_opt_str(&t, "workload", "counter");
    ASSERT_OK(fl_suite_memkv.build(&t, &err));
    ASSERT_OK(fl_test_run(&t, &o, res, &err));
    fl_test_release(&t);
}

static void
test_run_report_hook(void)
{
    char store[] = "/tmp/fl-hook-XXXXXX";
    struct hook_calls calls;
    struct fl_run_result res;

    ASSERT(mkdtemp(store) != NULL);
    memset(&calls, 0, sizeof(calls));
    run_counter(store, record_hook, &calls, &res);
    ASSERT_EQ(res.verdict, FL_VERDICT_TRUE);
    ASSERT_EQ(calls.n, 1);
    ASSERT_STR_EQ(calls.dir, res.store_dir);
    ASSERT_EQ(calls.nops, res.nops);
    ASSERT(calls.results_have_valid);
    /* The recording hook wrote nothing, and the run wrote no reports. */
    ASSERT(exists(res.store_dir, "results.edn"));
    ASSERT(!exists(res.store_dir, "timeline.html"));
    ASSERT(!exists(res.store_dir, "plots.gp"));

    /* analyze calls the hook the same way; without options, nothing. */
    struct fl_test t;
    struct fl_run_result ares;
    struct fl_err err = FL_ERR_INIT;
    struct fl_run_opts o = {.report = record_hook, .report_arg = &calls};
    fl_test_init(&t);
    fl_test_set_opt_str(&t, "workload", "counter");
    ASSERT_OK(fl_suite_memkv.build(&t, &err));
    ASSERT_OK(fl_analyze(&t, res.store_dir, &o, &ares, &err));
    ASSERT_EQ(ares.verdict, FL_VERDICT_TRUE);
    ASSERT_EQ(calls.n, 2);
    ASSERT_STR_EQ(calls.dir, res.store_dir);
    fl_run_result_release(&ares);
    ASSERT_OK(fl_analyze(&t, res.store_dir, NULL, &ares, &err));
    ASSERT_EQ(calls.n, 2);
    fl_run_result_release(&ares);
    fl_test_release(&t);
    fl_run_result_release(&res);

    /* A failing hook is only logged: the verdict stands. */
    int failures = 0;
    run_counter(store, failing_hook, &failures, &res);
    ASSERT_EQ(failures, 1);
    ASSERT_EQ(res.verdict, FL_VERDICT_TRUE);
    fl_run_result_release(&res);

    struct fl_strbuf cmd = FL_STRBUF_INIT;
    fl_strbuf_addf(&cmd, "rm -rf '%s'", store);
    ASSERT_EQ(system(cmd.buf), 0);
    fl_strbuf_release(&cmd);
}

static const struct fl_test_case run_hook_tests[] = {
    FL_TEST_T(test_run_report_hook, 60),
    FL_TEST_END,
};

FL_TEST_SUITE(run_hook, run_hook_tests);
