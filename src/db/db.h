/* SPDX-License-Identifier: MIT */
/*
 * db.h: the DB plug-in, the lifecycle of the system under test on each node
 * (Jepsen's jepsen.db: DB, Kill, Pause, Primary and LogFiles protocols in
 * one table). A suite fills one const struct fl_db_type; what the DB can do
 * beyond setup/teardown is announced in caps, and the slots of missing
 * capabilities point at fl_db_unsupported (never NULL), so callers check
 * caps or just get -ENOTSUP. Every per-node call gets the node's index into
 * env->nodes; the run calls setup/teardown for all nodes in parallel, one
 * thread per node, and nemeses call kill/start/pause/resume from the nemesis
 * thread, so implementations must be safe to call concurrently for
 * different nodes. Ownership: env and everything in it are borrowed.
 */
#ifndef FL_DB_H
#define FL_DB_H

#include <stdbool.h>
#include <stddef.h>

#include "os/os.h"
#include "util/vec.h"

struct fl_err;
struct fl_db;

enum fl_db_caps {
    FL_DB_CAP_KILL = 1 << 0,      /* kill and start work */
    FL_DB_CAP_PAUSE = 1 << 1,     /* pause and resume work */
    FL_DB_CAP_PRIMARY = 1 << 2,   /* primaries and setup_primary work */
    FL_DB_CAP_LOG_FILES = 1 << 3, /* log_files lists files to download */
};

/** One log file to download: remote path and its name in the store. */
struct fl_db_log_file {
    char *remote_path; /* owned; absolute path on the node */
    char *name;        /* owned; short name, stored as <store>/<node>/name */
};

FL_VEC(fl_db_log_files, struct fl_db_log_file);

/**
 * Add a log file to files (both strings copied). name NULL uses the
 * remote path's last component.
 */
void fl_db_log_files_add(struct fl_db_log_files *files, const char *remote_path,
                         const char *name);
/** Free the strings and the vector; leaves files empty. */
void fl_db_log_files_release(struct fl_db_log_files *files);

typedef int fl_db_node_fn(struct fl_db *db, const struct fl_env *env,
                          size_t node, struct fl_err *err);

struct fl_db_type {
    const char *name; /* "etcd", "memkv" */
    unsigned caps;    /* enum fl_db_caps */
    /** Install and start the DB on node (after the OS setup). */
    fl_db_node_fn *setup;
    /** Stop the DB on node and remove its data (idempotent). */
    fl_db_node_fn *teardown;
    /** Kill the DB process on node hard (SIGKILL); FL_DB_CAP_KILL. */
    fl_db_node_fn *kill;
    /** Start the DB again on node after a kill; FL_DB_CAP_KILL. */
    fl_db_node_fn *start;
    /** Pause the DB process on node (SIGSTOP); FL_DB_CAP_PAUSE. */
    fl_db_node_fn *pause;
    /** Resume a paused DB process (SIGCONT); FL_DB_CAP_PAUSE. */
    fl_db_node_fn *resume;
    /** Extra setup on the first node after all setups; FL_DB_CAP_PRIMARY. */
    fl_db_node_fn *setup_primary;
    /**
     * Best-effort list of nodes currently primary (leaders): appends node
     * indices to out. FL_DB_CAP_PRIMARY.
     */
    int (*primaries)(struct fl_db *db, const struct fl_env *env,
                     struct fl_vec_u32 *out, struct fl_err *err);
    /** Append node's log files to out. FL_DB_CAP_LOG_FILES. */
    int (*log_files)(struct fl_db *db, const struct fl_env *env, size_t node,
                     struct fl_db_log_files *out, struct fl_err *err);
    /**
     * Optional (NULL: unknown): the pid of the DB's process on node, 0 when
     * none is recorded. The kill and pause nemeses check its /proc state
     * after a fault (docs/nemesis.md, fault verification).
     */
    int (*pid)(struct fl_db *db, const struct fl_env *env, size_t node,
               long *pid, struct fl_err *err);
    /**
     * Optional (NULL: nothing to wait for): wait until the DB on node is
     * healthy again after start, for at most the DB's own bound; an error
     * names the node and why. The kill nemesis calls it once every target
     * of a :start is started (so a quorum can form), and records the outcome
     * in the completion (docs/nemesis.md).
     */
    fl_db_node_fn *await;
    /** Free ctx; may be NULL. */
    void (*free)(struct fl_db *db);
};

struct fl_db {
    const struct fl_db_type *type;
    void *ctx; /* owned by the db, freed by type->free */
};

/** Default for a per-node slot the DB does not support: -ENOTSUP. */
int fl_db_unsupported(struct fl_db *db, const struct fl_env *env, size_t node,
                      struct fl_err *err);
/** Default for primaries: -ENOTSUP. */
int fl_db_primaries_unsupported(struct fl_db *db, const struct fl_env *env,
                                struct fl_vec_u32 *out, struct fl_err *err);
/** Default for log_files: appends nothing, returns 0. */
int fl_db_log_files_none(struct fl_db *db, const struct fl_env *env,
                         size_t node, struct fl_db_log_files *out,
                         struct fl_err *err);
/** Default for setup/teardown: does nothing, returns 0. */
int fl_db_node_noop(struct fl_db *db, const struct fl_env *env, size_t node,
                    struct fl_err *err);

/** The DB that does nothing (Jepsen's db/noop). */
extern const struct fl_db_type fl_db_noop_type;
/** A static noop DB instance, usable as a default. */
extern struct fl_db fl_db_noop;

/** A heap DB of type with ctx (owned); free with fl_db_free(). */
struct fl_db *fl_db_new(const struct fl_db_type *type, void *ctx);
/** Free db and its ctx (not the static fl_db_noop); accepts NULL. */
void fl_db_free(struct fl_db *db);

static inline bool
fl_db_can(const struct fl_db *db, enum fl_db_caps cap)
{
    return db && (db->type->caps & cap) != 0;
}

/*
 * Dispatchers: call the slot, or return -ENOTSUP with err filled when db is
 * NULL, the slot is NULL or the capability is missing. Errors are prefixed
 * with the node's name.
 */
int fl_db_setup(struct fl_db *db, const struct fl_env *env, size_t node,
                struct fl_err *err);
int fl_db_teardown(struct fl_db *db, const struct fl_env *env, size_t node,
                   struct fl_err *err);
int fl_db_kill(struct fl_db *db, const struct fl_env *env, size_t node,
               struct fl_err *err);
int fl_db_start(struct fl_db *db, const struct fl_env *env, size_t node,
                struct fl_err *err);
/** The type's await slot; 0 when it has none. */
int fl_db_await(struct fl_db *db, const struct fl_env *env, size_t node,
                struct fl_err *err);
/** The type's pid slot; -ENOTSUP when it has none. */
int fl_db_pid(struct fl_db *db, const struct fl_env *env, size_t node,
              long *pid, struct fl_err *err);
int fl_db_pause(struct fl_db *db, const struct fl_env *env, size_t node,
                struct fl_err *err);
int fl_db_resume(struct fl_db *db, const struct fl_env *env, size_t node,
                 struct fl_err *err);
int fl_db_setup_primary(struct fl_db *db, const struct fl_env *env, size_t node,
                        struct fl_err *err);
int fl_db_primaries(struct fl_db *db, const struct fl_env *env,
                    struct fl_vec_u32 *out, struct fl_err *err);
int fl_db_log_files(struct fl_db *db, const struct fl_env *env, size_t node,
                    struct fl_db_log_files *out, struct fl_err *err);

#endif
