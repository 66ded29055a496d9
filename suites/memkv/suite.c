/* SPDX-License-Identifier: MIT */
/*
 * suite.c: `faultline test memkv`, the self-test suite: the standard
 * workloads register (independent cas-registers, linearizability), set
 * (adds and reads, set and set-full), counter and bank (workload/), each
 * with the stats and exceptions checkers, against the in-process store of
 * memkv.c with the bug chosen by --bug. It needs no nodes and no root, so
 * the CLI tests run it; docs/memkv.md says what it is for.
 */
#include "util/common.h"

#include "memkv.h"

#include "checker/linear/linear.h"
#include "checker/workloads.h"
#include "gen/gen.h"
#include "run/test.h"
#include "util/arena.h"
#include "util/clock.h"
#include "util/err.h"
#include "workload/workload.h"

static const char *const memkv_workloads[] = {"register", "set", "counter",
                                              "bank", NULL};
/*
 * test-all runs memkv without faults; --nemesis also takes the faults of
 * the self-tests (docs/memkv.md), whose exact schedule makes a short run
 * wait out a whole fault.
 */
static const char *const memkv_nemeses[] = {"none", NULL};
static const char *const memkv_faults[] = {"none", "pause", "partition", NULL};

static const struct fl_suite_opt memkv_opts[] = {
    {"bug", "BUG", "none", "none, stale-read or lost-update"},
    {"threads-per-key", "N", NULL,
     "register: threads per key (default: a divisor of the concurrency "
     "up to 5)"},
    {"ops-per-key", "N", "100", "register: ops per key"},
    {NULL, NULL, NULL, NULL},
};

/* ---- register ---- */

static int
build_register(struct fl_test *t, struct fl_err *err)
{
    const struct fl_env *env = &t->env;
    int tpk = (int)fl_env_opt_int(env, "threads-per-key", 0);
    struct fl_workload w = {0};

    if (tpk == 0)
        tpk = fl_wl_divisor(t->concurrency, 5);
    /* Half the threads of a key only read: the stale-read bug shows when
     * a reader keeps a value the writers have moved past. */
    struct fl_wl_register_opts o = {
        .concurrency = t->concurrency,
        .threads_per_key = tpk,
        .ops_per_key = fl_env_opt_int(env, "ops-per-key", 100),
        .readers = tpk / 2,
    };
    int rc = fl_wl_register(&o, &w, err);
    if (rc != 0)
        return rc;
    t->generator = w.generator;
    const char *names[] = {"linear", "stats", "exceptions"};
    struct fl_checker *cs[] = {w.checker, fl_chk_stats_new(),
                               fl_chk_exceptions_new()};
    t->checker = fl_chk_compose_new(names, cs, 3);
    return 0;
}

/* ---- set ---- */

static int
build_set(struct fl_test *t, struct fl_err *err)
{
    struct fl_wl_set_opts o = {.adds_per_read = 49};
    struct fl_workload w = {0};
    int rc = fl_wl_set(&o, &w, err);

    if (rc != 0)
        return rc;
    t->generator = w.generator;
    t->final_generator = w.final_generator;
    const char *names[] = {"set", "set-full", "stats", "exceptions"};
    struct fl_checker *cs[] = {fl_chk_set_new(), w.checker, fl_chk_stats_new(),
                               fl_chk_exceptions_new()};
    t->checker = fl_chk_compose_new(names, cs, 4);
    return 0;
}

/* ---- counter and bank ---- */

static int
build_counter(struct fl_test *t, struct fl_err *err)
{
    struct fl_workload w = {0};

    FL_UNUSED(err);
    fl_wl_counter(&w);
    t->generator = w.generator;
    t->final_generator = w.final_generator;
    const char *names[] = {"counter", "stats", "exceptions"};
    struct fl_checker *cs[] = {w.checker, fl_chk_stats_new(),
                               fl_chk_exceptions_new()};
    t->checker = fl_chk_compose_new(names, cs, 3);
    return 0;
}

static int
build_bank(struct fl_test *t, struct fl_err *err)
{
    struct fl_wl_bank_opts o = {.accounts = FL_MEMKV_ACCOUNTS,
                                .total = FL_MEMKV_TOTAL};
    struct fl_workload w = {0};
    int rc = fl_wl_bank(&o, &w, err);

    if (rc != 0)
        return rc;
    t->generator = w.generator;
    t->final_generator = w.final_generator;
    const char *names[] = {"bank", "stats", "exceptions"};
    struct fl_checker *cs[] = {w.checker, fl_chk_stats_new(),
                               fl_chk_exceptions_new()};
    t->checker = fl_chk_compose_new(names, cs, 3);
    return 0;
}

/* ---- the nemesis: pause or partition ---- */

/* The colours of these faults everywhere (nemesis/combined.c). */
static struct fl_nemesis_perf memkv_perf[2] = {
    {"pause", {0}, {0}, "#A0B1E9"},
    {"partition", {0}, {0}, "#E9DCA0"},
};

/*
 * --nemesis pause or partition: the fault starts at the start, ends after
 * --nemesis-interval, starts again after another, and so on. The
 * schedule is exact (delay, not stagger): self-tests need to know when a
 * fault is on. Healing ends it.
 */
static void
build_nemesis(struct fl_test *t, struct fl_memkv *kv, bool partition)
{
    const char *fs[2][2] = {{"pause", "resume"},
                            {"start-partition", "stop-partition"}};
    uint32_t on = fl_kw_intern_cstr(fs[partition][0]);
    uint32_t off = fl_kw_intern_cstr(fs[partition][1]);
    int64_t dt =
        t->nemesis_interval_ns > 0 ? t->nemesis_interval_ns : 10 * FL_NS_PER_S;

    memkv_perf[partition].start[0] = on;
    memkv_perf[partition].stop[0] = off;
    t->nemesis.nemesis = fl_memkv_nemesis_new(kv);
    t->nemesis.generator = fl_gen_delay(
        dt,
        fl_gen_flip_flop(fl_gen_repeat(-1, fl_gen_invoke(on, fl_val_nil())),
                         fl_gen_repeat(-1, fl_gen_invoke(off, fl_val_nil()))));
    t->nemesis.final_generator = fl_gen_invoke(off, fl_val_nil());
    t->nemesis.perf = &memkv_perf[partition];
    t->nemesis.nperf = 1;
}

static int
memkv_build(struct fl_test *t, struct fl_err *err)
{
    const struct fl_env *env;
    enum fl_memkv_workload w;
    int rc;

    fl_test_sync_env(t);
    env = &t->env;
    const char *wl = fl_env_opt_str(env, "workload", "register");
    const char *bugs = fl_env_opt_str(env, "bug", "none");
    const char *nem = fl_env_opt_str(env, "nemesis", "none");
    int bug = fl_memkv_bug_parse(bugs);
    if (bug < 0)
        return fl_err_set(err, FL_EUSAGE,
                          "--bug %s: expected none, stale-read or lost-update",
                          bugs);
    if (!fl_suite_has(memkv_faults, nem))
        return fl_err_set(err, FL_EUSAGE,
                          "--nemesis %s: memkv runs in-process and has only "
                          "its own faults (none, pause or partition)",
                          nem);
    if (strcmp(wl, "register") == 0)
        w = FL_MEMKV_REGISTER;
    else if (strcmp(wl, "set") == 0)
        w = FL_MEMKV_SET;
    else if (strcmp(wl, "counter") == 0)
        w = FL_MEMKV_COUNTER;
    else if (strcmp(wl, "bank") == 0)
        w = FL_MEMKV_BANK;
    else
        return fl_err_set(err, FL_EUSAGE,
                          "--workload %s: memkv has register, set, counter "
                          "and bank",
                          wl);
    if (!t->name) {
        char name[64];
        snprintf(name, sizeof(name), "memkv-%s", wl);
        fl_test_set_name(t, name);
    }
    if (!fl_val_map_get_kw(&t->options, fl_kw_intern_cstr("rate")))
        t->rate_hz = 1000;
    t->no_remotes = true;
    t->client.type = &fl_memkv_client_type;
    t->client.shared = fl_memkv_new(w, (enum fl_memkv_bug)bug, t->seed);
    t->client.free_shared = fl_memkv_free;
    if (strcmp(nem, "none") != 0)
        build_nemesis(t, t->client.shared, strcmp(nem, "partition") == 0);
    switch (w) {
    case FL_MEMKV_REGISTER:
        rc = build_register(t, err);
        break;
    case FL_MEMKV_SET:
        rc = build_set(t, err);
        break;
    case FL_MEMKV_COUNTER:
        rc = build_counter(t, err);
        break;
    default:
        rc = build_bank(t, err);
        break;
    }
    return rc;
}

const struct fl_suite fl_suite_memkv = {
    .name = "memkv",
    .summary = "in-process key-value store with switchable bugs (self-test)",
    .opts = memkv_opts,
    .workloads = memkv_workloads,
    .nemeses = memkv_nemeses,
    .in_process = true,
    .build = memkv_build,
};
