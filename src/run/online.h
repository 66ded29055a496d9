/* SPDX-License-Identifier: MIT */
/*
 * online.h: checking while the run goes on. The interpreter hands every
 * op it journals to fl_online_push() (a copy into a batch under a mutex:
 * tens of ns) and every key the independent generator finishes to
 * fl_online_key_done(); a thread of its own moves the batches into a
 * growing history and runs the checkers that can judge it early:
 *
 * - counter, unique-ids and bank (with a given :total): on the history so
 *   far, every tick; an anomaly in a prefix stays one in the whole run;
 * - set and set-full: once the final reads have begun (lost elements are
 *   judged by a final read);
 * - independent linearizability: each key as soon as its generator
 *   finished it (all its ops are complete).
 *
 * The first anomaly found is remembered (which checker, which anomaly,
 * when), bisected to the op that made the history invalid, and reported
 * through on_invalid, so that --stop-on-invalid can end the workload.
 * The end-of-run checkers still give the verdict; the online result is
 * what the run knew while it ran.
 */
#ifndef FL_ONLINE_H
#define FL_ONLINE_H

#include <stdbool.h>
#include <stdint.h>

#include "history/op.h"

struct fl_arena;
struct fl_err;

struct fl_online_opts {
    const fl_val *spec; /* the checker spec {name options ...} (borrowed,
                           must outlive the fl_online) */
    int64_t origin_ns;  /* the run's time origin (mono/real clock) */
    /* called once, on the online thread, when an anomaly is first found */
    void (*on_invalid)(void *arg);
    void *arg;
};

struct fl_online;

/**
 * Start the online thread for the checkers of o->spec that can work
 * online. Returns NULL (and nothing runs) when none can; err is filled
 * only when the thread cannot start.
 */
struct fl_online *fl_online_new(const struct fl_online_opts *o,
                                struct fl_err *err);
/*
 * push, tick, key_done, final_reads and finish are called on one thread
 * (the interpreter's): ops are batched there and handed over under the
 * lock every FLUSH_OPS ops or 10 ms.
 */
/** The interpreter journaled op (its values must outlive the online). */
void fl_online_push(struct fl_online *on, const struct fl_op *op);
/** Hand a batch over if the last was 10 ms ago (mono_ns: now); NULL ok. */
void fl_online_tick(struct fl_online *on, int64_t mono_ns);
/** The independent generator finished key (all its ops completed). */
void fl_online_key_done(struct fl_online *on, int64_t key);
/** The final reads began: set checkers may judge now. */
void fl_online_final_reads(struct fl_online *on);
/** Has an online checker found an anomaly? Any thread; accepts NULL. */
bool fl_online_invalid(const struct fl_online *on);
/**
 * Check what is still queued, then stop and join the thread. Idempotent;
 * accepts NULL.
 */
void fl_online_finish(struct fl_online *on);
/**
 * After fl_online_finish(): a map for results.edn, {:valid? false
 * :checker "counter" :anomaly :read-too-low :op-index 123 :op-time-ms 1234
 * :found-ms 1290 :keys-checked 4 ...} or {:valid? true ...}, in a.
 */
fl_val fl_online_result(const struct fl_online *on, struct fl_arena *a);
/** When the first anomaly's op completed (ns since origin), or -1. */
int64_t fl_online_anomaly_time_ns(const struct fl_online *on);
/** A one-line description of the first anomaly ("" when none). */
const char *fl_online_describe(const struct fl_online *on);
void fl_online_free(struct fl_online *on);

#endif
