/* SPDX-License-Identifier: MIT */
/*
 * test_args.h: option parsing shared by `faultline test`, `test-all` and
 * `analyze`: Jepsen's test options (jepsen.cli test-opt-spec) plus
 * faultline's, and a suite's own options, turned into a struct fl_test.
 */
#ifndef FL_CLI_TEST_ARGS_H
#define FL_CLI_TEST_ARGS_H

#include "cli/cli_opt.h"
#include "run/run.h"
#include "run/test.h"
#include "util/log.h"

struct fl_test_args {
    const struct fl_suite *suite;
    char **nodes; /* owned strings */
    size_t nnodes;
    char *concurrency; /* "10" or "2n"; NULL = "1n" */
    int64_t time_limit_ns;
    int64_t test_count;
    int64_t op_timeout_ns;
    int64_t nemesis_interval_ns;
    uint64_t seed;
    bool seed_given;
    double rate_hz;
    bool rate_given;
    const char *workload, *nemesis, *store;
    const char *state_dir;     /* --state-dir: a local cluster that is up */
    const char *client_cmd;    /* --client-cmd, or NULL */
    struct fl_remote_opts ssh; /* --username ... --no-ssh (borrowed) */
    bool leave_db_running, logging_json, stop_on_invalid;
    const char *replay;          /* --replay STOREDIR, or NULL */
    const char *faults;          /* --nemesis-schedule FILE, or NULL */
    bool deterministic;          /* --deterministic */
    enum fl_log_level log_level; /* --log-level */
    /* suite options given on the command line: name/value pairs */
    const char **opt_names, **opt_values;
    size_t nopts;
};

/** Usage text for `faultline CMD SUITE` (suite may be NULL). */
void fl_cli_test_usage(FILE *f, const char *cmd, const struct fl_suite *s);
/**
 * Parse argv (argv[0] the command, argv[1] the suite). Returns 0, 1 when
 * --help was printed, or FL_EXIT_USAGE after printing the error.
 */
int fl_cli_test_parse(int argc, char **argv, struct fl_test_args *a);
void fl_cli_test_args_release(struct fl_test_args *a);
/** --log-level's optarg (debug, info, warn, error); else a usage error. */
int fl_cli_log_level(const struct fl_cli_parser *p, enum fl_log_level *out);
/**
 * Build t (initialised) for workload/nemesis (NULL: from a) through the
 * suite. Returns 0, or an exit code after printing the error.
 */
int fl_cli_test_build(const struct fl_test_args *a, const char *workload,
                      const char *nemesis, struct fl_test *t);
/**
 * --replay STOREDIR (argv as fl_cli_test_parse() takes it): the options
 * recorded in STOREDIR/test.edn as arguments, followed by argv's own, so
 * that the command line overrides them. Returns 0 with *out_argv (NULL
 * without --replay; free with fl_cli_replay_argv_free()) and *out_argc
 * set, or FL_EXIT_USAGE after printing the error.
 */
int fl_cli_replay_argv(int argc, char **argv, int *out_argc, char ***out_argv);
void fl_cli_replay_argv_free(char **argv);
/**
 * What --replay, --nemesis-schedule and --deterministic ask of t (before
 * the suite builds it): the schedules loaded into t->replay and
 * t->faults, t->deterministic set. Returns
 * 0, or -1 after printing the error (bad arguments).
 */
int fl_cli_test_replay_setup(const struct fl_test_args *a, struct fl_test *t);
/** Print the verdict, store path and headline anomalies to stdout. */
void fl_cli_print_verdict(const struct fl_run_result *r);
/**
 * Run options for test, test-all and analyze: store root and progress on
 * stderr, with the report hook set to fl_report_write() (plots, timeline).
 */
struct fl_run_opts fl_cli_run_opts(const char *store_root);

#endif
