/* SPDX-License-Identifier: MIT */
/*
 * perf.h: performance statistics of a history (Jepsen's checker/perf): for
 * every :f and outcome (:ok, :fail, :info) the number of completions, the
 * throughput over the run and latency quantiles. The result is the :perf
 * section of results.edn, built as an fl_val map in the caller's arena. It
 * never makes a run invalid: :valid? is always true. Also home of the
 * invocation/completion pairing that does not need a paired history, used
 * by the report layer too.
 */
#ifndef FL_PERF_H
#define FL_PERF_H

#include "checker/checker.h"

struct fl_err;

/** The quantiles reported, in order (1.0 is the maximum). */
#define FL_PERF_NQ 5
extern const double fl_perf_quantiles[FL_PERF_NQ]; /* 0 0.5 0.95 0.99 1 */

/**
 * Partner position of every op of h, or -1 (an invocation never completed,
 * or a completion with no invocation). Uses h's pairing when h->paired,
 * otherwise pairs per process: an invocation is an :invoke op, or for a
 * process without an open invocation an :info op (nemesis ops are :info at
 * both ends). Caller frees with free().
 */
int32_t *fl_perf_pairs(const struct fl_hist *h);

/**
 * Compute the :perf map for h into *out (allocated in a):
 *   {:valid? true, :duration-s D, :count N, :rate R,
 *    :by-f {:read {:ok {:count N :rate R
 *                       :latency-ms {0.0 min 0.5 p50 0.95 .. 0.99 .. 1.0 max}}
 *                  :fail {...} :info {...}} ...}}
 * Client ops only; latencies in milliseconds (floats), rates in completions
 * per second of the history's span. Ops without :time are skipped. Returns 0.
 */
int fl_perf_compute(const struct fl_hist *h, struct fl_arena *a, fl_val *out);

/**
 * A results map equal to results with key :perf set to perf (added, or
 * replaced when present), allocated in a. If results is not a map, returns
 * {:perf perf}. The verdict is unchanged.
 */
fl_val fl_perf_merge(struct fl_arena *a, const fl_val *results,
                     const fl_val *perf);

/** Checker "perf": fl_perf_compute() as a checker. */
extern const struct fl_checker_type fl_chk_perf_type;

#endif
