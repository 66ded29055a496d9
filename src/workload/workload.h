/* SPDX-License-Identifier: MIT */
/*
 * workload.h: the standard workloads every suite shares (Jepsen's
 * jepsen.tests.*): each is a generator, a checker and an op vocabulary that
 * a suite's client implements. A suite moves the parts into its struct
 * fl_test; the workload knows no database.
 *
 * register (independent linearizable CAS registers, Jepsen's
 * tests.linearizable-register): every op's value is [key v]; :read
 * completes with [key v] (v nil when the key was never written),
 * :write [key v] sets it, :cas [key [old new]] sets new only if the value
 * is old and completes :fail (certainly no effect) otherwise. Written
 * values are 0..values-1. Checked key by key for linearizability against
 * a CAS register that starts nil.
 *
 * set (Jepsen's tests set/set-full): :add v adds the unique element v
 * (0, 1, 2, ...); :read nil completes with the whole set as a vector of
 * elements. A final :read after healing must see every acknowledged add;
 * checked by set-full (lost, stale with linearizable reads, never read).
 *
 * counter: :add n (1..5) adds to one counter, :read nil completes with its
 * value; a final read; Jepsen's counter checker.
 *
 * bank: :transfer {:from a :to b :amount n} moves n between two of the
 * accounts 0..accounts-1 (a client refuses, :fail, a transfer that would go
 * negative unless negative balances are allowed); :read nil completes with
 * a map account -> balance of every account; a final read; Jepsen's bank
 * checker (all accounts, the total, no negative balance).
 *
 * list-append and rw-register (Jepsen's cycle.append and cycle.wr, checked
 * by Elle): :txn [[:append k v] [:r k nil] ...] or [[:w k v] [:r k nil]
 * ...]; the client runs the micro-ops as one transaction and completes
 * :ok with the reads filled in ([:r k [v1 v2 ...]] for list-append, [:r k
 * v] for rw-register, nil for a missing key), :fail when it certainly
 * aborted. Values written to a key are unique. The consistency models and
 * anomalies come from the test's options (:consistency-models, :anomalies;
 * default strict-serializable).
 *
 * queue: :enqueue v (unique), :dequeue nil completes :ok with the element
 * taken, or :fail when the queue was empty; checked for linearizability
 * against an unordered queue.
 */
#ifndef FL_WORKLOAD_H
#define FL_WORKLOAD_H

#include <stdbool.h>
#include <stdint.h>

struct fl_checker;
struct fl_err;
struct fl_gen;

/** A workload's parts; each owned until the suite moves it into a test. */
struct fl_workload {
    struct fl_gen *generator;       /* client ops, without time limit */
    struct fl_gen *final_generator; /* ops after healing, or NULL */
    struct fl_checker *checker;     /* the workload's checker */
};

/** Free whatever parts w still owns and clear it. */
void fl_workload_release(struct fl_workload *w);

/**
 * Move w's generators into *generator and *final_generator and free the
 * rest: for a suite that builds its checker from an EDN spec instead
 * (fl_test_set_checker(), so test.edn records it), composed with others.
 */
void fl_workload_take_gens(struct fl_workload *w, struct fl_gen **generator,
                           struct fl_gen **final_generator);

struct fl_wl_register_opts {
    int concurrency;     /* client threads of the test (>= 1) */
    int threads_per_key; /* threads working on one key; divides
                            concurrency */
    int64_t ops_per_key; /* ops on a key before its group takes the next */
    int readers;         /* of each key's threads, how many only read;
                            0 = every thread mixes reads, writes, cas */
    int values;          /* writes and cas use 0..values-1; 0 = 5 */
};

/**
 * The register workload for o into *w. FL_EUSAGE with err naming the
 * option (threads-per-key, ops-per-key) when o does not fit.
 */
int fl_wl_register(const struct fl_wl_register_opts *o, struct fl_workload *w,
                   struct fl_err *err);

struct fl_wl_set_opts {
    int64_t adds_per_read; /* mean adds between two reads (>= 1) */
    bool linearizable;     /* the system promises linearizable reads: an
                              add acknowledged before a read began and
                              missing from it is a stale read */
};

/** The set workload for o into *w; FL_EUSAGE names --adds-per-read. */
int fl_wl_set(const struct fl_wl_set_opts *o, struct fl_workload *w,
              struct fl_err *err);

/** The counter workload into *w. */
void fl_wl_counter(struct fl_workload *w);

struct fl_wl_bank_opts {
    int accounts;     /* accounts 0..accounts-1 (>= 2) */
    int64_t total;    /* the sum of all balances, constant */
    bool negative_ok; /* negative balances are no anomaly */
};

/** The bank workload for o into *w; FL_EUSAGE for a bad o. */
int fl_wl_bank(const struct fl_wl_bank_opts *o, struct fl_workload *w,
               struct fl_err *err);

struct fl_wl_txn_opts {
    bool list_append;           /* list-append; else rw-register */
    int key_count;              /* active keys at a time (1..64; Jepsen: 3) */
    int max_txn_length;         /* micro-ops per txn, 1..this (<= 64) */
    int64_t max_writes_per_key; /* writes before a key is retired (32) */
};

/** list-append or rw-register for o into *w; FL_EUSAGE names the option. */
int fl_wl_txn(const struct fl_wl_txn_opts *o, struct fl_workload *w,
              struct fl_err *err);

/** The queue workload into *w. */
void fl_wl_queue(struct fl_workload *w);

/**
 * The final read of set, counter and bank: after healing, a system may
 * need a moment (a new leader, a session re-established) before a read
 * succeeds, and a workload without a successful final read has no
 * verdict. So the read is retried, FL_WL_FINAL_READ_GAP_NS apart (on any
 * free client thread), until one is :ok or FL_WL_FINAL_READ_NS have
 * passed since the first: Jepsen's (gen/until-ok (gen/repeat ...)),
 * bounded.
 */
#define FL_WL_FINAL_READ_GAP_NS 1000000000LL
#define FL_WL_FINAL_READ_NS     60000000000LL
struct fl_gen *fl_wl_final_read(void);

/**
 * The largest divisor of concurrency that is at most max (>= 1): a
 * threads-per-key default that always divides the concurrency.
 */
int fl_wl_divisor(int concurrency, int max);

#endif
