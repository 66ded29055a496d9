/* SPDX-License-Identifier: MIT */
/*
 * store.h: the store directory (DESIGN.md, reference/jepsen.md §6.3):
 * <root>/<test-name>/<YYYYMMDDTHHMMSS.mmmZ>/ holding history.edn (streamed
 * while the run goes), history.txt, results.edn, faultline.log, test.edn
 * (everything needed to re-check the run: suite, options, seed) and
 * per-node log directories; `latest` symlinks at both levels and
 * <root>/current while a test runs. All paths returned are owned by the
 * caller (free()).
 */
#ifndef FL_STORE_H
#define FL_STORE_H

#include <stdint.h>

#include "history/hist.h"

struct fl_err;
struct fl_test;
struct fl_arena;

#define FL_STORE_DEFAULT_ROOT "store"

/**
 * Create <root>/<name>/<time of wall_ns>/ (and parents) and point
 * <root>/current at it. Returns the run directory in *dir (caller frees).
 */
int fl_store_create(const char *root, const char *name, int64_t wall_ns,
                    char **dir, struct fl_err *err);
/** Point <root>/latest and <root>/<name>/latest at dir; drop current. */
int fl_store_finish(const char *root, const char *dir, struct fl_err *err);
/** Write test.edn: name, suite, seed, nodes, concurrency and options. */
int fl_store_write_test(const char *dir, const struct fl_test *t,
                        struct fl_err *err);
/** Write history.txt from h. */
int fl_store_write_history_txt(const char *dir, const struct fl_hist *h,
                               struct fl_err *err);
/** Write results.edn (pretty: one top-level key per line). */
int fl_store_write_results(const char *dir, const fl_val *results,
                           struct fl_err *err);
/** Pretty-print an EDN map with one top-level key per line. */
void fl_store_print_results(struct fl_strbuf *sb, const fl_val *results);
/**
 * Resolve what `faultline analyze` was given: NULL means <root>/latest; a
 * run directory is used as is; a test directory means its latest run.
 * Returns the real run directory in *dir, or -ENOENT with err naming it.
 */
int fl_store_resolve(const char *root, const char *arg, char **dir,
                     struct fl_err *err);
/*
 * How a run ended, as status.edn records it (docs/run.md). The run writes
 * {:status :running, :pid N} when it starts and replaces it (atomically,
 * after history.edn is closed and before checking) with {:status
 * :complete} or {:status :incomplete, :reason :interrupted, :detail
 * "..."}; a run killed or crashed leaves :running behind.
 */
enum fl_run_end {
    FL_RUN_COMPLETE = 0,    /* every phase ran to its end */
    FL_RUN_INTERRUPTED,     /* SIGINT/SIGTERM cut the workload short */
    FL_RUN_FRAMEWORK_ERROR, /* faultline itself failed (a node, the store) */
    FL_RUN_KILLED,          /* no end recorded: killed, or crashed */
    FL_RUN_RUNNING,         /* still going (its pid is alive) */
};

struct fl_run_status {
    enum fl_run_end end;
    char detail[256]; /* why, for a person; "" when complete */
};

/** "complete", "interrupted", "framework-error", "killed", "running". */
const char *fl_run_end_name(enum fl_run_end e);
/**
 * Write dir/status.edn: FL_RUN_RUNNING (with this process's pid) at the
 * start of a run, the way it ended at its end.
 */
int fl_store_write_status(const char *dir, const struct fl_run_status *st,
                          struct fl_err *err);
/**
 * Read dir/status.edn into *st. A missing or unreadable file, or
 * :running with a pid that no longer runs, reads as FL_RUN_KILLED with
 * the detail saying which.
 */
void fl_store_read_status(const char *dir, struct fl_run_status *st);

/** Read dir/test.edn into *out (values in a). */
int fl_store_read_test(const char *dir, struct fl_arena *a, fl_val *out,
                       struct fl_err *err);

#endif
