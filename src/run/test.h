/* SPDX-License-Identifier: MIT */
/*
 * test.h: a test definition (Jepsen's test map) and the suite registry. A
 * suite (suites/<name>/suite.c) exports `const struct fl_suite
 * fl_suite_<name>`, and the layer above run/ registers a table of them
 * (fl_suite_register(): the CLI's fl_main() does); its build
 * function fills a struct fl_test from the options the CLI collected: the
 * DB, the seed client, the workload generator and its final generator, the
 * nemesis package and the checker. fl_test_run() (run.h) then runs it.
 * Ownership: a struct fl_test owns every plug-in and generator it points to
 * and releases them in fl_test_release(); values it holds (options, op
 * templates) live in t->arena.
 */
#ifndef FL_TEST_DEF_H
#define FL_TEST_DEF_H

#include <stdbool.h>
#include <stdint.h>

#include "checker/checker.h"
#include "control/remote.h"
#include "db/db.h"
#include "gen/gen.h"
#include "nemesis/nemesis.h"
#include "os/os.h"
#include "run/client.h"
#include "util/arena.h"

struct fl_schedule;
struct fl_suite;

struct fl_test {
    struct fl_env env; /* what plug-ins see; env.name == name etc. */
    char *name;        /* owned; store dir name, "memkv-register" */
    char **nodes;      /* owned; nnodes names (also in env) */
    size_t nnodes;
    int concurrency;             /* client threads (>= 1) */
    uint64_t seed;               /* seeds every random choice of the run */
    int64_t time_limit_ns;       /* length of the main phase */
    int64_t op_timeout_ns;       /* a client/nemesis op hung this long -> :info;
                                    0 = none */
    double rate_hz;              /* total client op rate; 0 = unlimited */
    int64_t nemesis_interval_ns; /* mean time between nemesis ops */
    bool leave_db_running;       /* skip DB teardown and client teardown */
    bool stop_on_invalid;        /* end the workload once an online
                                    checker finds an anomaly */
    bool logging_json;           /* faultline.log as JSON lines */
    bool deterministic;          /* one thread, simulated time (in-process
                                    suites only; docs/replay.md) */
    struct fl_schedule *replay;  /* owned; run this recorded schedule
                                    instead of the generators, or NULL */
    struct fl_schedule *faults;  /* owned; its nemesis ops at their
                                    offsets instead of the nemesis's
                                    generator (--nemesis-schedule), or
                                    NULL */
    bool no_remotes;             /* in-process suite: no remotes, no os */
    struct fl_remote_opts remote_opts; /* ssh settings (strings borrowed
                                          from argv or t->arena) */
    struct fl_os *os;                  /* owned; NULL = noop */
    struct fl_db *db;                  /* owned; NULL = noop */
    struct fl_client_seed client;      /* owned */
    struct fl_nemesis_package nemesis; /* owned; members may be NULL */
    struct fl_gen *generator;       /* owned; client workload (no time limit) */
    struct fl_gen *final_generator; /* owned; client ops after healing
                                       (final reads), or NULL */
    bool raw_generator;             /* generator is the whole schedule: the run
                                       adds no time limit, rate or nemesis */
    struct fl_checker *checker;     /* owned; NULL = stats only */
    fl_val checker_spec;            /* {name options ...} the checker was
                                       built from (test.edn's :checker), or
                                       nil; in arena */
    fl_val options;                 /* EDN map of every option (in arena) */
    struct fl_arena arena;        /* options, templates, strings of the test */
    const struct fl_suite *suite; /* the suite that built it, or NULL */
    bool leaked;                  /* a stuck worker may still use the test's
                                     plug-ins: fl_test_release() leaves the
                                     arena and plug-ins alone */
};

void fl_test_init(struct fl_test *t);
/** Free every owned plug-in, generator, string and the arena. */
void fl_test_release(struct fl_test *t);
/** Set t->name (copied). */
void fl_test_set_name(struct fl_test *t, const char *name);
/** Append a node name (copied). */
void fl_test_add_node(struct fl_test *t, const char *node);
/**
 * Set options[:key] = v (v copied into t->arena; replaces an existing
 * key). Keys are keyword names without ':'.
 */
void fl_test_set_opt(struct fl_test *t, const char *key, const fl_val *v);
void fl_test_set_opt_str(struct fl_test *t, const char *key, const char *s);
void fl_test_set_opt_int(struct fl_test *t, const char *key, int64_t i);
void fl_test_set_opt_bool(struct fl_test *t, const char *key, bool b);
/**
 * Build t->checker from an EDN spec {name options ...} (checker/registry.h)
 * and keep the spec for test.edn, so `faultline check` and `analyze` find
 * the workload's checker and options beside the history. Returns 0, or
 * FL_EUSAGE/FL_EPARSE with err set.
 */
int fl_test_set_checker(struct fl_test *t, const char *spec_edn,
                        struct fl_err *err);
/** The same from a parsed spec (copied into t->arena). */
int fl_test_set_checker_val(struct fl_test *t, const fl_val *spec,
                            struct fl_err *err);
/** Point t->env at t's fields (called by the run before plug-ins). */
void fl_test_sync_env(struct fl_test *t);

/** A suite-specific command-line option (--name ARG). */
struct fl_suite_opt {
    const char *name; /* without "--"; NULL ends the table */
    const char *arg;  /* metavar ("MODE"), or NULL for a boolean flag */
    const char *dflt; /* default value as a string, or NULL */
    const char *help; /* one line */
};

struct fl_suite {
    const char *name;                /* "memkv", "etcd" */
    const char *summary;             /* one line for --help */
    const struct fl_suite_opt *opts; /* extra options, NULL-terminated */
    const char *const *workloads;    /* NULL-terminated; [0] = default */
    const char *const *nemeses;      /* NULL-terminated nemesis names for
                                        test-all ("none" first), or NULL */
    bool in_process;                 /* needs no nodes or remotes */
    /**
     * Fill t (name, db, client, generator, final_generator, nemesis,
     * checker) from t->options (see fl_env_opt_str()); nodes,
     * concurrency, seed, time limit and rate are already set. Errors in
     * the options return FL_EUSAGE with err naming the option.
     */
    int (*build)(struct fl_test *t, struct fl_err *err);
};

/**
 * Make suites (NULL-terminated; borrowed, must outlive every run) the table
 * that fl_suite_find() and fl_suite_list() answer from. run/ names no suite:
 * the top layer registers them (fl_main() does, with the table it is given).
 * Not thread-safe: call before starting any run.
 */
void fl_suite_register(const struct fl_suite *const *suites);
/** The registered table, NULL-terminated; empty before registration. */
const struct fl_suite *const *fl_suite_list(void);
/** The registered suite called name, or NULL. */
const struct fl_suite *fl_suite_find(const char *name);
/** True if name is in the NULL-terminated list (NULL list: false). */
bool fl_suite_has(const char *const *list, const char *name);

#endif
