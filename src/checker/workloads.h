/* SPDX-License-Identifier: MIT */
/*
 * workloads.h: constructors for the checkers of Jepsen's small workloads
 * (reference/jepsen.md §7.2): set and set-full, counter, bank, stats,
 * unhandled-exceptions, and the combinators compose and independent. One
 * header for the family, one .c per checker. Each returns a heap checker
 * whose type->free frees its ctx and the checker itself, as the linear
 * checker's does (fl_chk_free() calls it). Result
 * maps follow Jepsen's key names so results.edn reads the same.
 */
#ifndef FL_CHK_WORKLOADS_H
#define FL_CHK_WORKLOADS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checker/checker.h"

struct fl_model_type;

/** Run c on h (a convenience over c->type->check). */
int fl_chk_run(const struct fl_checker *c, const struct fl_hist *h,
               const struct fl_chk_opts *opts, struct fl_arena *a,
               struct fl_chk_result *out, struct fl_err *err);
/** Free a checker with its type's free (ctx and struct); accepts NULL. */
void fl_chk_free(struct fl_checker *c);

/**
 * Jepsen's set: :add ops (integer values) and a final :read of the whole
 * set. Invalid when an acknowledged add is missing from the last :ok read
 * (:lost) or the read holds something never added (:unexpected); :unknown
 * when the set was never read.
 */
struct fl_checker *fl_chk_set_new(void);
/**
 * Jepsen's set-full: follows every element through every read. Invalid
 * when an element known to be present (acknowledged or seen) is missing
 * from every read that began after the last read that saw it (:lost); with
 * linearizable, also when a read that began after an element was known
 * misses it and a later read has it again (:stale).
 */
struct fl_checker *fl_chk_set_full_new(bool linearizable);
/**
 * Jepsen's counter: :add n (n >= 0) and :read v. Every :ok read must lie
 * between the sum of adds that completed :ok before it began and the sum
 * of adds invoked (and not failed) before it ended.
 */
struct fl_checker *fl_chk_counter_new(void);
/**
 * Jepsen's bank: every :ok :read returns a map account -> balance that
 * must hold exactly accounts 0..naccounts-1, no nil balances, sum to total
 * and (unless negative_ok) have no negative balance. naccounts <= 0 and
 * total FL_CHK_BANK_INFER read them from the history (the keys of the first
 * :ok read, the sum most reads agree on), reported as :inferred-accounts
 * and :inferred-total.
 */
#define FL_CHK_BANK_INFER INT64_MIN
struct fl_checker *fl_chk_bank_new(int naccounts, int64_t total,
                                   bool negative_ok);
/**
 * Jepsen's stats: completion counts overall and by :f. :unknown when some
 * :f never completed :ok.
 */
struct fl_checker *fl_chk_stats_new(void);
/**
 * Jepsen's unhandled-exceptions: :info client completions caused by
 * client errors ("indeterminate: ..." or an :exception key), grouped by
 * message. Always valid; informational.
 */
struct fl_checker *fl_chk_exceptions_new(void);
/**
 * Jepsen's compose: runs each checker (names[i] -> checkers[i], both
 * copied/taken) and returns {name result ...} with the merged :valid?. An
 * error from one checker becomes {:valid? :unknown :error msg} for it.
 */
struct fl_checker *fl_chk_compose_new(const char *const *names,
                                      struct fl_checker *const *checkers,
                                      size_t n);
/**
 * Jepsen's independent/checker: splits a history of [key value] tuples by
 * key, runs inner (taken) on each key's history with the values
 * unwrapped, and returns {:valid? :results {key result} :failures [keys]}.
 */
struct fl_checker *fl_chk_independent_new(struct fl_checker *inner);
/**
 * True when the client ops of h look like jepsen.independent [key value]
 * tuples: every non-nil value is a 2-vector and reads carry [key nil] or
 * [key value]. Used to warn a user who checks such a history without
 * --independent.
 */
bool fl_chk_looks_independent(const struct fl_hist *h);

/**
 * Jepsen's queue checker: assumes every :enqueue that did not :fail took
 * effect and only :ok :dequeue (and :drain) ops did, and steps model (the
 * unordered-queue when NULL; fifo-queue for strict order) in history order.
 * Invalid with :error naming the first dequeue the model cannot explain;
 * valid with the :final-queue otherwise.
 */
struct fl_checker *fl_chk_queue_new(const struct fl_model_type *model);
/**
 * Jepsen's total-queue: multisets of attempted and acknowledged enqueues
 * and of dequeued values (:drain expanded). Invalid when an acknowledged
 * value never came out (:lost) or a value no enqueue attempted did
 * (:unexpected); :duplicated and :recovered are reported, as in Jepsen,
 * without deciding the verdict. Needs the queue drained at the end.
 */
struct fl_checker *fl_chk_total_queue_new(void);
/**
 * Jepsen's unique-ids: every :ok :generate returns a distinct id. Reports
 * :attempted-count, :acknowledged-count, :duplicated-count, :duplicated
 * (the 48 most repeated ids with their counts), :duplicated-ops and :range.
 */
struct fl_checker *fl_chk_unique_ids_new(void);
/**
 * Jepsen's long-fork: single-key write txns and group read txns; two :ok
 * reads of one group where each saw a write the other did not are a fork.
 * group_size 0 accepts any size (every read of a group has the same keys).
 */
struct fl_checker *fl_chk_long_fork_new(int group_size);
/**
 * Jepsen's log-file-pattern: lines matching pattern (POSIX extended regex)
 * in <dir>/<node>/<file> are failures. file NULL scans every file of a node
 * directory; dir NULL uses the check's opts->out_dir (the run's store dir);
 * nodes NULL takes every subdirectory (except independent/ and elle/).
 * Returns NULL with err set (FL_EUSAGE) when the pattern does not compile.
 */
struct fl_checker *fl_chk_log_pattern_new(const char *pattern, const char *file,
                                          const char *dir,
                                          const char *const *nodes,
                                          size_t nnodes, struct fl_err *err);
/**
 * Jepsen's concurrency-limit: at most limit checks of inner (taken) at
 * once, in arrival order, each with a memory limit (the caller's, else
 * memory_bytes / limit, else half the physical memory / limit), so a
 * search that would exceed it answers :unknown (:cause :out-of-memory,
 * :memory-limit-bytes) instead of exhausting the machine.
 */
struct fl_checker *fl_chk_concurrency_limit_new(int limit, size_t memory_bytes,
                                                struct fl_checker *inner);
/** The memory bound checks get by default: half the physical memory. */
size_t fl_chk_default_memory_bytes(void);

#endif
