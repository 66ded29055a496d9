/* SPDX-License-Identifier: MIT */
/*
 * mael_int.h: the pieces of the Maelstrom workbench shared by its files:
 * the workload table (workloads.c), the client (client.c), the DB and
 * partition nemesis over the simulated network (db.c), and Maelstrom's
 * own checkers (checkers.c).
 */
#ifndef FL_MAEL_INT_H
#define FL_MAEL_INT_H

#include <jansson.h>

#include "maelstrom.h"
#include "net.h"

#include "checker/checker.h"
#include "db/db.h"
#include "history/op.h"
#include "nemesis/nemesis.h"
#include "run/client.h"
#include "util/map.h"

struct fl_arena;
struct fl_test;

/** A client's own state: kafka's next offset to poll, per key. */
struct fl_mael_cstate {
    struct fl_map pos; /* key -> next offset */
};

/** A workload: its op vocabulary as Maelstrom messages, and its parts. */
struct fl_mwork {
    const char *name;
    bool final_reads; /* heal, wait, then final ops per client */
    /** The request body for invocation op (owned by the caller). */
    json_t *(*encode)(const struct fl_op *op);
    /** Fill out (type already :ok) from an ok reply. */
    void (*decode)(const struct fl_op *op, json_t *reply, struct fl_arena *a,
                   struct fl_op *out);
    /**
     * Stateful workloads (kafka: each client's consumer positions) set
     * these instead of encode/decode; st is the client's, from 0s.
     */
    json_t *(*encode_st)(const struct fl_op *op, struct fl_mael_cstate *st);
    void (*decode_st)(const struct fl_op *op, json_t *reply, struct fl_arena *a,
                      struct fl_op *out, struct fl_mael_cstate *st);
    /** Set t->generator and return the workload's checker. */
    struct fl_checker *(*build)(const struct fl_maelstrom_opts *o,
                                struct fl_test *t, struct fl_err *err);
};

const struct fl_mwork *fl_mael_work_find(const char *name);

/** What every client shares: the network and the workload. */
struct fl_mael_shared {
    struct fl_mnet *net; /* borrowed; the DB owns it */
    const struct fl_mwork *work;
    int64_t rpc_timeout_ns;
    /* --deterministic with the real run clock: ops invoked final_after_ns
     * after the origin are the final phase's, and the first of them to
     * enter the network does so recovery_ns of virtual time late. */
    int64_t final_after_ns, recovery_ns;
};

extern const struct fl_client_type fl_mael_client_type;
/** Maelstrom's definite error codes (reference: doc/protocol.md). */
bool fl_mael_code_definite(int64_t code);
json_t *fl_mael_val_to_json(const fl_val *v);
fl_val fl_mael_json_to_val(struct fl_arena *a, json_t *j);

/** The DB: node i is a process of net (taken: freed with the DB). */
struct fl_db *fl_mael_db_new(struct fl_mnet *net);
/** :start-partition / :stop-partition on net's simulated links. */
struct fl_nemesis *fl_mael_partition_new(struct fl_mnet *net);

struct fl_checker *fl_mael_chk_echo_new(void);
/** Elle (list-append or rw-register) for the comma-separated models;
 * NULL with err (FL_EUSAGE) naming an unknown model. */
struct fl_checker *fl_mael_chk_elle_new(bool append, const char *models,
                                        struct fl_err *err);
/** kafka: lost writes, inconsistent offsets, duplicates, poll skips and
 * nonmonotonic polls. */
struct fl_checker *fl_mael_chk_kafka_new(void);
/** g-counter and pn-counter: final reads within the possible sums. */
struct fl_checker *fl_mael_chk_counter_new(void);
/** Fraction of client ops that completed :ok must be >= min. */
struct fl_checker *fl_mael_chk_availability_new(double min);
/** Maelstrom's net statistics of net (borrowed), valid unless nodes wrote
 * garbage. */
struct fl_checker *fl_mael_chk_net_new(struct fl_mnet *net);

#endif
