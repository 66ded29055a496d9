/* SPDX-License-Identifier: MIT */
/*
 * maelstrom.h: `faultline maelstrom test`, a Maelstrom-compatible
 * workbench (docs/maelstrom.md). fl_maelstrom_build() turns Maelstrom's
 * options into an ordinary struct fl_test: the DB is the simulated network
 * of net.h with one real process per node (kill, pause), the client is a
 * Maelstrom client c<k> doing one RPC at a time through that network, the
 * nemesis partitions the simulated network (and kills and pauses nodes
 * through the DB), and the checker is the workload's checker composed with
 * Maelstrom's stats, net and availability checkers. fl_test_run() runs it.
 */
#ifndef FL_MAELSTROM_H
#define FL_MAELSTROM_H

#include <stdbool.h>
#include <stdint.h>

struct fl_err;
struct fl_suite;
struct fl_test;

struct fl_maelstrom_opts {
    const char *workload;        /* "echo", "broadcast", ...; default lin-kv */
    char **argv;                 /* --bin and its arguments, NULL-terminated */
    int node_count;              /* n0..; default 5 */
    const char *concurrency;     /* "N" or "Nn"; default "1n" */
    int64_t time_limit_ns;       /* default 10 s? set by the CLI */
    double rate;                 /* total requests per second (default 5) */
    int64_t latency_ns;          /* mean node<->node latency (default 0) */
    const char *latency_dist;    /* constant, uniform, exponential */
    const char *nemesis;         /* "partition,kill,pause", or NULL */
    int64_t nemesis_interval_ns; /* default 10 s */
    const char *topology;        /* broadcast: grid (default), line, tree2,
                                    tree3, tree4, total */
    const char *availability;    /* fraction, "total", or NULL */
    int64_t key_count;           /* lin-kv and txn workloads */
    int64_t max_txn_length;
    int64_t max_writes_per_key;
    const char *consistency_models; /* txn workloads (Elle) */
    double loss;                    /* server message loss probability */
    const char *link_latency;       /* "n0-n1=MS,..." overrides */
    int64_t recovery_ns;            /* wait before final reads (default 10 s) */
    int64_t rpc_timeout_ns;         /* client RPC timeout (default 5 s) */
    bool no_journal;                /* skip messages.jsonl and the timeline */
    bool log_stderr;
    bool deterministic; /* lockstep delivery, virtual latency */
    uint64_t seed;
};

/**
 * The suite a maelstrom run's test.edn names (:suite "maelstrom"). It is
 * not one of `faultline test`'s: its build only rebuilds a stored run's
 * checker from the recorded options, for faultline analyze.
 */
extern const struct fl_suite fl_maelstrom_suite;

/** The workload names, NULL-terminated. */
extern const char *const fl_maelstrom_workloads[];

/**
 * Fill t (initialised with fl_test_init) from o. FL_EUSAGE with err naming
 * the option for bad options.
 */
int fl_maelstrom_build(const struct fl_maelstrom_opts *o, struct fl_test *t,
                       struct fl_err *err);

#endif
