/* SPDX-License-Identifier: MIT */
/*
 * nemesis.h: the nemesis plug-in (Jepsen's Nemesis and Reflection
 * protocols) and the package a fault schedule comes in (Jepsen's
 * nemesis.combined package: the nemesis, its generator, the final
 * generator that heals, and the fs it handles). The run gives the nemesis
 * its own worker thread: invoke is called for every op the generator sends
 * to the nemesis thread, one at a time, and must complete it as :info (the
 * worker forces :info anyway). A nemesis never leaves a fault behind:
 * teardown heals everything it may have done, also after an interrupted
 * run. Ownership: env and the op are borrowed; values written into *out
 * must be allocated in the arena a.
 */
#ifndef FL_NEMESIS_H
#define FL_NEMESIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gen/gen.h"
#include "history/op.h"
#include "os/os.h"

struct fl_arena;
struct fl_err;
struct fl_nemesis;

struct fl_nemesis_type {
    const char *name; /* "partition", "kill", "noop", "combined" */
    /** Prepare (e.g. check tools on the nodes); called once before ops. */
    int (*setup)(struct fl_nemesis *n, const struct fl_env *env,
                 struct fl_err *err);
    /**
     * Perform op (an :info invocation, process FL_PROC_NEMESIS). *out starts
     * as a copy of op with type FL_OP_INFO; set out->value (and out->extra,
     * e.g. with fl_op_set_error()) to describe what was done. Returning a
     * negative code (err filled) records the op :info with the error.
     */
    int (*invoke)(struct fl_nemesis *n, const struct fl_env *env,
                  const struct fl_op *op, struct fl_arena *a, struct fl_op *out,
                  struct fl_err *err);
    /** Heal every fault this nemesis may have caused. */
    int (*teardown)(struct fl_nemesis *n, const struct fl_env *env,
                    struct fl_err *err);
    /**
     * The :f keyword ids this nemesis handles (Jepsen's Reflection/fs):
     * writes up to max ids into out and returns how many there are.
     */
    size_t (*fs)(const struct fl_nemesis *n, uint32_t *out, size_t max);
    /** Free ctx; may be NULL. */
    void (*free)(struct fl_nemesis *n);
};

struct fl_nemesis {
    const struct fl_nemesis_type *type;
    void *ctx; /* owned by the nemesis, freed by type->free */
};

/** A heap nemesis of type with ctx (owned); free with fl_nemesis_free(). */
struct fl_nemesis *fl_nemesis_new(const struct fl_nemesis_type *type,
                                  void *ctx);
/** Free n and its ctx (not the static fl_nemesis_noop); accepts NULL. */
void fl_nemesis_free(struct fl_nemesis *n);

/** The nemesis that does nothing; handles no fs, completes ops as :info. */
extern const struct fl_nemesis_type fl_nemesis_noop_type;
extern struct fl_nemesis fl_nemesis_noop;

/* Dispatchers (NULL n behaves as noop). */
int fl_nemesis_setup(struct fl_nemesis *n, const struct fl_env *env,
                     struct fl_err *err);
int fl_nemesis_invoke(struct fl_nemesis *n, const struct fl_env *env,
                      const struct fl_op *op, struct fl_arena *a,
                      struct fl_op *out, struct fl_err *err);
int fl_nemesis_teardown(struct fl_nemesis *n, const struct fl_env *env,
                        struct fl_err *err);
size_t fl_nemesis_fs(const struct fl_nemesis *n, uint32_t *out, size_t max);
bool fl_nemesis_handles(const struct fl_nemesis *n, uint32_t f);

/**
 * Set out->extra to {:error msg} (msg copied into a), keeping any other
 * extra keys. For clients too.
 */
void fl_op_set_error(struct fl_op *out, struct fl_arena *a, const char *msg);
/** Same with an arbitrary EDN value (copied into a). */
void fl_op_set_error_val(struct fl_op *out, struct fl_arena *a,
                         const fl_val *v);
/** Set (or replace) one extra key of out to v (copied into a). */
void fl_op_set_extra(struct fl_op *out, struct fl_arena *a, uint32_t kw,
                     const fl_val *v);

/**
 * A shaded region on plots (Jepsen's :perf entries): ops with :f in start
 * open a region, ops with :f in stop close it.
 */
struct fl_nemesis_perf {
    const char *name;  /* "partition", "kill" */
    uint32_t start[4]; /* :f ids opening the region, 0-terminated */
    uint32_t stop[4];  /* :f ids closing it, 0-terminated */
    const char *color; /* "#E9DCA0" */
};

/**
 * A fault schedule: the nemesis, the generator of nemesis ops that drives
 * it during the run (a plain generator; the run restricts it to the nemesis
 * thread with fl_gen_nemesis()), and the final generator that heals before
 * the final client ops. Any member may be NULL (no faults).
 */
struct fl_nemesis_package {
    struct fl_nemesis *nemesis;         /* owned */
    struct fl_gen *generator;           /* owned; nemesis ops */
    struct fl_gen *final_generator;     /* owned; healing ops, or NULL */
    const struct fl_nemesis_perf *perf; /* static, nperf entries */
    size_t nperf;
};

/** Free everything in pkg and zero it; accepts NULL. */
void fl_nemesis_package_release(struct fl_nemesis_package *pkg);

/* ---- the single nemeses and what they share ---- */

struct fl_rng;

/**
 * Pick target nodes for spec into mask[env->nnodes]: nil = a random
 * non-empty subset, :one, :minority, :minority-third, :majority, :all,
 * :primaries (the DB's), a string node name, or a vector of node names.
 * Returns the number of targets, or <0 (FL_EUSAGE for a bad spec).
 */
int fl_nem_targets(const struct fl_env *env, const fl_val *spec,
                   struct fl_rng *rng, bool *mask, struct fl_err *err);

/** A vector of the names of the nodes in mask, allocated in a. */
fl_val fl_nem_nodes_val(const struct fl_env *env, const bool *mask,
                        struct fl_arena *a);

/** The local cluster state dir for env's nodes, or NULL for SSH nodes. */
const char *fl_nem_local_state_dir(const struct fl_env *env);

/* The single nemeses; each is also usable alone. */
/** :start-partition (value nil, a topology keyword, or a grudge string),
 * :stop-partition. */
struct fl_nemesis *fl_nem_partition_new(void);
/** :kill and :start (value: a target spec). Needs FL_DB_CAP_KILL. */
struct fl_nemesis *fl_nem_kill_new(void);
/** :pause and :resume (value: a target spec). Needs FL_DB_CAP_PAUSE. */
struct fl_nemesis *fl_nem_pause_new(void);
/** :reset-clock, :bump-clock {node delta-ms}, :strobe-clock {node {:delta
 * :period :duration}} (ms), :check-clock-offsets. */
struct fl_nemesis *fl_nem_clock_new(void);
/** :start-packet [targets behaviour], :stop-packet. */
struct fl_nemesis *fl_nem_packet_new(void);
/** :bitflip, :truncate, :lose-unfsynced-writes (value: a target spec). */
struct fl_nemesis *fl_nem_file_new(const char *file_path,
                                   const char *lazyfs_dir);
/** Route ops by :f to the parts (taken); rejects duplicate fs. */
struct fl_nemesis *fl_nem_compose(struct fl_nemesis **parts, size_t n,
                                  struct fl_err *err);

#endif
