/* SPDX-License-Identifier: MIT */
/*
 * shrink.h: minimal counterexamples. fl_shrink() reduces a history that a
 * checker finds invalid to a small one that the same checker finds invalid
 * with the same anomaly type, by delta debugging (Zeller's ddmin): first
 * every nemesis op at once, then keys (independent [key value] tuples),
 * then client processes, then single operations. An operation is its
 * invocation together with its completion, so every candidate is a well
 * formed history: invocations stay paired, each process alternates
 * invoke/complete, and :index is renumbered dense from 0. Each candidate
 * is checked with the caller's struct fl_chk_opts (the checker's own time
 * and memory limits); a check that answers :unknown does not count as a
 * failure. The whole search is bounded by a time limit; when it runs out
 * the smallest failing history found so far is the answer.
 */
#ifndef FL_SHRINK_H
#define FL_SHRINK_H

#include <stdbool.h>
#include <stddef.h>

#include "checker/checker.h"

struct fl_err;

struct fl_shrink_opts {
    int64_t time_limit_ns;  /* the whole search; 0: none */
    struct fl_chk_opts chk; /* for every check (limits, options) */
    /* called with every candidate the search keeps (a smaller history
       that still fails), NULL: none. For tests and progress. */
    void (*on_keep)(void *arg, const struct fl_hist *h);
    void *arg;
};

struct fl_shrink_result {
    struct fl_hist hist;        /* the minimal history (owns its values) */
    struct fl_chk_result check; /* its check, in the caller's arena */
    size_t orig_ops, ops;       /* ops (invocations + completions) */
    uint32_t anomaly;           /* the anomaly type kept (keyword id) */
    size_t checks;              /* checker runs */
    bool timed_out;             /* the time limit ended the search */
};

/**
 * Shrink h (not modified) against c. out->hist must be initialised
 * (fl_hist_init); the caller releases it. Returns 0, or a negative code
 * with err filled: the checker failed on h, or h is not invalid
 * (FL_EUSAGE: "nothing to shrink: the history is valid").
 */
int fl_shrink(const struct fl_checker *c, const struct fl_hist *h,
              const struct fl_shrink_opts *o, struct fl_arena *a,
              struct fl_shrink_result *out, struct fl_err *err);

/**
 * The anomaly types of a result map, as keyword ids into ids[0..max):
 * Elle's :anomaly-types, the positive :lost/:unexpected/:stale/:duplicated
 * counts of set and unique-ids checkers, the keys of bank's :errors,
 * :errors of counter, recursively through :results (independent,
 * compose); :invalid when the map is invalid and names none. Returns how
 * many (at most max).
 */
size_t fl_shrink_anomalies(const fl_val *result, uint32_t *ids, size_t max);

/**
 * Whether h is well formed for shrinking: :index dense from 0 in order,
 * every completion follows an open invocation of its process with the
 * same :f, no process invokes twice without completing. On false, why is
 * filled (may be NULL).
 */
bool fl_shrink_well_formed(const struct fl_hist *h, struct fl_err *why);

#endif
