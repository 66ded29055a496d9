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

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gen/gen.h"
#include "history/hist.h"
#include "nemesis/nemesis.h"
#include "run/run.h"
#include "run/test.h"
#include "util/clock.h"
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

/* The whole of file path (caller frees). */
static char *
slurp(const char *dir, const char *file)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;
    char path[600];

    snprintf(path, sizeof(path), "%s/%s", dir, file);
    if (fl_strbuf_read_file(&sb, path) < 0)
        fl_test_fail(__FILE__, __LINE__, "cannot read %s", path);
    return fl_strbuf_detach(&sb, NULL);
}

/*
 * A workload whose client generator runs out long before the time limit
 * says so, when, and of how long; the run is still complete (status.edn),
 * and its results carry no :incomplete.
 */
static void
test_run_says_when_workload_ended_early(void)
{
    char store[] = "/tmp/fl-early-XXXXXX";
    struct fl_test t;
    struct fl_err err = FL_ERR_INIT;
    struct fl_run_result res;
    char *out = NULL;
    size_t outlen = 0;
    FILE *progress = open_memstream(&out, &outlen);

    ASSERT(mkdtemp(store) != NULL);
    ASSERT(progress != NULL);
    struct fl_run_opts o = {.store_root = store, .progress = progress};
    fl_test_init(&t);
    t.concurrency = 2;
    t.seed = 3;
    t.time_limit_ns = 3 * FL_NS_PER_S;
    fl_test_set_opt_str(&t, "workload", "counter");
    ASSERT_OK(fl_suite_memkv.build(&t, &err));
    t.generator = fl_gen_limit(50, t.generator); /* 50 ops at 1,000/s */
    int64_t t0 = fl_clock_mono_ns();
    ASSERT_OK(fl_test_run(&t, &o, &res, &err));
    fclose(progress);
    /* The nemesis-less workload ends when its clients do. */
    ASSERT(fl_clock_mono_ns() - t0 < 2 * FL_NS_PER_S);
    if (!strstr(out, "faultline: clients: generator exhausted at 0.") ||
        !strstr(out, " s of 3.0 s\n"))
        fl_test_fail(__FILE__, __LINE__, "no word of the early end: %s", out);
    ASSERT_EQ(res.end, FL_RUN_COMPLETE);
    char *status = slurp(res.store_dir, "status.edn");
    ASSERT_STR_EQ(status, "{:status :complete}\n");
    char *results = slurp(res.store_dir, "results.edn");
    ASSERT(strstr(results, ":incomplete") == NULL);
    free(status);
    free(results);
    free(out);
    fl_run_result_release(&res);
    fl_test_release(&t);

    /* A workload that runs to its limit says nothing of the kind. */
    progress = open_memstream(&out, &outlen);
    o.progress = progress;
    fl_test_init(&t);
    t.concurrency = 2;
    t.seed = 3;
    t.time_limit_ns = 300 * FL_NS_PER_MS;
    fl_test_set_opt_str(&t, "workload", "counter");
    ASSERT_OK(fl_suite_memkv.build(&t, &err));
    ASSERT_OK(fl_test_run(&t, &o, &res, &err));
    fclose(progress);
    if (strstr(out, "exhausted"))
        fl_test_fail(__FILE__, __LINE__, "ended early? %s", out);
    free(out);
    fl_run_result_release(&res);
    fl_test_release(&t);

    struct fl_strbuf cmd = FL_STRBUF_INIT;
    fl_strbuf_addf(&cmd, "rm -rf '%s'", store);
    ASSERT_EQ(system(cmd.buf), 0);
    fl_strbuf_release(&cmd);
}

static int
failing_setup(struct fl_nemesis *n, const struct fl_env *env,
              struct fl_err *err)
{
    FL_UNUSED(n);
    FL_UNUSED(env);
    return fl_err_set(err, -EHOSTUNREACH, "no route to the fault injector");
}

static int
failing_teardown(struct fl_nemesis *n, const struct fl_env *env,
                 struct fl_err *err)
{
    FL_UNUSED(n);
    FL_UNUSED(env);
    FL_UNUSED(err);
    return 0;
}

static const struct fl_nemesis_type failing_nemesis_type = {
    .name = "failing",
    .setup = failing_setup,
    .teardown = failing_teardown,
};

/*
 * A run that faultline could not finish (its nemesis could not be set up)
 * records why in status.edn; analyze of it says incomplete, with that
 * reason, and so do its results.
 */
static void
test_run_framework_error_is_recorded(void)
{
    char store[] = "/tmp/fl-ferr-XXXXXX";
    struct fl_test t;
    struct fl_err err = FL_ERR_INIT;
    struct fl_run_result res;
    struct fl_run_opts o = {.store_root = NULL};

    ASSERT(mkdtemp(store) != NULL);
    o.store_root = store;
    fl_test_init(&t);
    t.concurrency = 2;
    t.time_limit_ns = 200 * FL_NS_PER_MS;
    fl_test_set_opt_str(&t, "workload", "set");
    ASSERT_OK(fl_suite_memkv.build(&t, &err));
    t.nemesis.nemesis = fl_nemesis_new(&failing_nemesis_type, NULL);
    ASSERT(fl_test_run(&t, &o, &res, &err) < 0);
    ASSERT(strstr(err.msg, "no route") != NULL);
    ASSERT_EQ(res.end, FL_RUN_FRAMEWORK_ERROR);
    char *status = slurp(res.store_dir, "status.edn");
    if (!strstr(status, ":status :incomplete, :reason :framework-error") ||
        !strstr(status, "no route to the fault injector"))
        fl_test_fail(__FILE__, __LINE__, "status.edn: %s", status);
    free(status);

    struct fl_run_result ares;
    ASSERT_OK(fl_analyze(&t, res.store_dir, NULL, &ares, &err));
    ASSERT_EQ(ares.end, FL_RUN_FRAMEWORK_ERROR);
    ASSERT(strstr(ares.end_detail, "no route") != NULL);
    char *results = slurp(res.store_dir, "results.edn");
    ASSERT(strstr(results, " :incomplete-reason :framework-error\n") != NULL);
    free(results);
    fl_run_result_release(&ares);
    fl_run_result_release(&res);
    fl_test_release(&t);

    struct fl_strbuf cmd = FL_STRBUF_INIT;
    fl_strbuf_addf(&cmd, "rm -rf '%s'", store);
    ASSERT_EQ(system(cmd.buf), 0);
    fl_strbuf_release(&cmd);
}

/*
 * Outside the workload (setup, teardown, checking: the interpreter is not
 * there to notice), the signal handler itself acknowledges an interrupt on
 * stderr at once, and counts it.
 */
static void
test_run_signal_acknowledged_outside_workload(void)
{
    int fds[2], saved = dup(STDERR_FILENO);
    char buf[1024];

    ASSERT(saved >= 0);
    ASSERT_EQ(pipe(fds), 0);
    ASSERT(dup2(fds[1], STDERR_FILENO) >= 0);
    fl_run_install_signals();
    raise(SIGINT);
    raise(SIGTERM);
    dup2(saved, STDERR_FILENO);
    close(saved);
    close(fds[1]);
    ssize_t n = read(fds[0], buf, sizeof(buf) - 1);
    close(fds[0]);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    ASSERT(n > 0);
    buf[n] = '\0';
    ASSERT_EQ(fl_run_interrupts, 2);
    ASSERT_EQ(fl_run_last_signal, SIGTERM);
    fl_run_interrupts = 0;
    if (!strstr(buf, "faultline: interrupted; finishing the current step") ||
        !strstr(buf, "faultline: interrupted again"))
        fl_test_fail(__FILE__, __LINE__, "stderr: %s", buf);
}

static const struct fl_test_case run_hook_tests[] = {
    FL_TEST_T(test_run_report_hook, 60),
    FL_TEST_T(test_run_says_when_workload_ended_early, 60),
    FL_TEST_T(test_run_framework_error_is_recorded, 60),
    FL_TEST(test_run_signal_acknowledged_outside_workload),
    FL_TEST_END,
};

FL_TEST_SUITE(run_hook, run_hook_tests);
