/* SPDX-License-Identifier: MIT */
/*
 * elle_gen.h: list-append histories from an in-process store, for tests
 * and benchmarks of the Elle checker. The store is multi-versioned (each
 * list element remembers the commit that appended it), so one store can
 * run strict-serializably (each txn applied atomically at its completion)
 * or with a switchable isolation bug. Concurrency is simulated: a seeded
 * scheduler interleaves invocations and completions of `concurrency`
 * processes, so histories are deterministic per seed.
 */
#ifndef FL_ELLE_GEN_H
#define FL_ELLE_GEN_H

#include "history/hist.h"

#include <stdint.h>

enum fl_elle_bug {
    FL_ELLE_BUG_NONE,           /* strict serializable */
    FL_ELLE_BUG_ABORTED_READ,   /* some :fail txns stay visible: G1a */
    FL_ELLE_BUG_INTERMEDIATE,   /* reads may stop inside a txn's appends: G1b */
    FL_ELLE_BUG_LOST_UPDATE,    /* snapshot reads, no write conflicts */
    FL_ELLE_BUG_WRITE_SKEW,     /* snapshot isolation (first committer wins) */
    FL_ELLE_BUG_STALE_READ,     /* read-only txns read an old snapshot */
    FL_ELLE_BUG_DIRTY_WRITE,    /* concurrent appends interleave: G0 */
    FL_ELLE_BUG_READ_COMMITTED, /* each read sees what was committed at a
                                 * moment of its own during the txn */
};

struct fl_elle_gen_opts {
    uint64_t seed;
    size_t ntxn;                 /* transactions to invoke */
    int concurrency;             /* client processes */
    int min_mops, max_mops;      /* micro-ops per txn (inclusive) */
    uint32_t active_keys;        /* keys in play at once (exponential pick) */
    uint32_t max_writes_per_key; /* then the key is retired for a new one */
    double fail_rate;            /* txns the store refuses (:fail) */
    double info_rate;            /* txns whose outcome is unknown (:info) */
    bool registers;              /* rw-register ([:w k v], [:r k v]) */
    enum fl_elle_bug bug;
    double bug_rate; /* how often the bug strikes, 0..1 */
    bool final_read; /* at the end, one txn reads every key (up to 14) */
};

/** Defaults: 1,000 txns, concurrency 5, 1-5 mops, 10 keys of 32 writes. */
void fl_elle_gen_opts_init(struct fl_elle_gen_opts *o);

/**
 * Append a generated history to h (initialised, empty): list-append, or
 * rw-register when o->registers (a register's value is the last element
 * of the same store's list, so every bug works the same way).
 */
void fl_elle_gen(struct fl_hist *h, const struct fl_elle_gen_opts *o);

#endif
