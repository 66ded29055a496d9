/* SPDX-License-Identifier: MIT */
/*
 * report.h: what a person looks at after a run. fl_report_write() renders,
 * into a run's store directory, the latency and rate plots (gnuplot: .dat
 * files, a .gp script, PNG and SVG), the clock-offset plot when clock faults
 * ran, and timeline.html (a self-contained page drawing only the visible ops,
 * usable for millions of ops). fl_serve_*() is the web UI over a whole store
 * (libmicrohttpd). Nothing here changes a verdict: the CLI plugs
 * fl_report_write() into the run's report hook (run/run.h), which the run
 * calls after checking, only logging its failure.
 */
#ifndef FL_REPORT_H
#define FL_REPORT_H

#include "history/hist.h"

#include <stdbool.h>
#include <stdint.h>

struct fl_err;

/**
 * Write every report artifact for history h into store_dir (a run
 * directory that exists): latency-raw, latency-quantiles, rate and, when
 * ops carry :clock-offsets, clock-offset (each .png and .svg, plus .dat
 * files and plots.gp), and timeline.html. results is the run's results map
 * (may be NULL); it is only used for the timeline's title line. h need not
 * be paired. When gnuplot is missing a warning is logged once per process
 * and the data files and script are still written. Returns 0, or a negative
 * code with err filled when a file cannot be written or gnuplot fails (its
 * messages are then in store_dir/gnuplot.log); the other artifacts are
 * still attempted. Not thread-safe with itself on the same store_dir.
 */
int fl_report_write(const char *store_dir, const struct fl_hist *h,
                    const fl_val *results, struct fl_err *err);

/**
 * The plots alone (see fl_report_write). Sets *rendered to whether gnuplot
 * ran successfully (may be NULL).
 */
int fl_report_plots(const char *dir, const struct fl_hist *h, bool *rendered,
                    struct fl_err *err);

/** timeline.html alone, written to path; title may be NULL. */
int fl_report_timeline(const char *path, const struct fl_hist *h,
                       const char *title, struct fl_err *err);

/** True when a usable gnuplot is on PATH (checked once, cached). */
bool fl_report_have_gnuplot(void);

struct fl_serve_opts {
    const char *store_dir; /* the store to serve ("store" by default) */
    const char *host;      /* address to bind; NULL: 127.0.0.1 */
    int port;              /* TCP port; 0 picks a free one */
};

struct fl_server;

/**
 * Start serving the store in background threads. Returns NULL and fills err
 * when the store is not a directory or the address cannot be bound. Free
 * with fl_serve_stop().
 */
struct fl_server *fl_serve_start(const struct fl_serve_opts *opts,
                                 struct fl_err *err);
/** The port actually bound (useful with port 0). */
int fl_serve_port(const struct fl_server *s);
/** Stop the server and free it; accepts NULL. */
void fl_serve_stop(struct fl_server *s);

#endif
