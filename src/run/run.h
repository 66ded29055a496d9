/* SPDX-License-Identifier: MIT */
/*
 * run.h: running a test end to end (Jepsen's core/run!, reference/
 * jepsen.md §1.2): store directory, remotes (or the local cluster), OS and
 * DB setup, client and nemesis setup, the interpreter's phases (workload
 * with faults under the time limit, then the nemesis's healing, then the
 * final client ops), teardown, log download, checking, results.edn and
 * reports. SIGINT/SIGTERM (fl_run_install_signals) end the workload phase
 * early; the healing and final phases still run, and a second signal skips
 * them. Also fl_analyze(), which re-checks a stored run.
 */
#ifndef FL_RUN_H
#define FL_RUN_H

#include <signal.h>
#include <stdio.h>

#include "run/store.h"
#include "run/test.h"

/** Interrupts received (SIGINT/SIGTERM); the run reads it. */
extern volatile sig_atomic_t fl_run_interrupts;
/** The last of those signals (SIGINT or SIGTERM), 0 before any. */
extern volatile sig_atomic_t fl_run_last_signal;
/** Install handlers that count SIGINT/SIGTERM in fl_run_interrupts. */
void fl_run_install_signals(void);

/**
 * The report hook: after a run's history has been checked and results.edn
 * written, it renders what a person looks at (plots, timeline) into the
 * run's store directory. h is the history (paired unless pairing failed),
 * results the results map. Returns 0, or a negative code with err filled;
 * a failure is logged as a warning and never changes the verdict. The run
 * layer only calls it: the report layer sits above run (DESIGN.md), so the
 * caller (the CLI) plugs fl_report_write() in.
 */
typedef int fl_run_report_fn(void *arg, const char *store_dir,
                             const struct fl_hist *h, const fl_val *results,
                             struct fl_err *err);

struct fl_run_opts {
    const char *store_root;   /* NULL: "store"; fl_analyze ignores it */
    FILE *progress;           /* progress and summary lines, or NULL */
    fl_run_report_fn *report; /* called after checking; NULL: no reports */
    void *report_arg;         /* passed to report */
};

struct fl_run_result {
    enum fl_verdict verdict; /* of what was recorded */
    char *store_dir;         /* owned; the run's directory, or NULL */
    bool interrupted;        /* a signal ended the workload early */
    enum fl_run_end end;     /* complete, or why the run was cut short */
    char end_detail[256];    /* why, for a person ("" when complete) */
    size_t nopen;            /* invocations that never completed */
    size_t nops;             /* ops in the history */
    char headline[1024];     /* the anomalies, one line each, or "" */
};

void fl_run_result_release(struct fl_run_result *r);

/**
 * Run t (built by its suite). Returns 0 when the history was checked
 * (res->verdict says how), or a negative code with err filled when the
 * framework failed (a node unreachable, the store unwritable); res's
 * store_dir is set as soon as it exists.
 */
int fl_test_run(struct fl_test *t, const struct fl_run_opts *o,
                struct fl_run_result *res, struct fl_err *err);

/**
 * Check the history of t's store directory dir again (also a run cut short
 * by a crash) with t's checker, rewriting results.edn and, through
 * o->report, the reports. o may be NULL (no progress, no reports). Fills
 * res like fl_test_run.
 */
int fl_analyze(struct fl_test *t, const char *dir, const struct fl_run_opts *o,
               struct fl_run_result *res, struct fl_err *err);

/**
 * Summarise the anomalies of a results map into buf: one line per invalid
 * checker, naming the lost elements, the non-linearizable op, the bad
 * read, and so on.
 */
void fl_run_headline(const fl_val *results, char *buf, size_t len);

#endif
