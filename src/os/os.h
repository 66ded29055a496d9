/* SPDX-License-Identifier: MIT */
/*
 * os.h: the environment every node-facing plug-in sees (struct fl_env: the
 * nodes, their remotes, the DB, the options and the seed of the running
 * test) and the OS plug-in that prepares a node before the DB is installed
 * (Jepsen's jepsen.os: setup!/teardown! per node). struct fl_env lives here,
 * the lowest of the node layers, so os/, db/ and nemesis/ can use it without
 * including run/; struct fl_test (run/test.h) embeds it. Ownership: the run
 * owns everything an fl_env points to; plug-ins only borrow it, for the
 * length of the call. An fl_env is read-only while a test runs and may be
 * read from any thread.
 */
#ifndef FL_OS_H
#define FL_OS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "history/val.h"

struct fl_err;
struct fl_remote;
struct fl_db;
struct fl_clock;

/**
 * What a plug-in may know about the running test. Node i is nodes[i] and is
 * reached through remotes[i] (NULL when the suite runs in-process and no
 * remote was connected; remotes itself is NULL then).
 */
struct fl_env {
    const char *name;           /* test name ("etcd-register") */
    char **nodes;               /* nnodes node names */
    size_t nnodes;              /* number of nodes, >= 1 */
    struct fl_remote **remotes; /* one per node, or NULL (in-process) */
    struct fl_db *db;           /* the test's DB (nemeses kill/pause it) */
    int concurrency;            /* client threads */
    uint64_t seed;              /* the run's seed (--seed) */
    const fl_val *options;      /* EDN map of all options, keyword keys
                                   ({:workload "register" :bug "none" ...});
                                   never NULL while a test runs */
    const char *store_dir;      /* this run's store directory, or NULL */
    bool leave_db_running;      /* --leave-db-running */
    struct fl_clock *clock;     /* the run's clock (real, or fake in tests) */
    int64_t origin_ns;          /* clock time of the run's time origin */
};

/**
 * An option's value as a string: options[:name] when it is a string or a
 * keyword (name without ':'), else dflt. The result is borrowed from env.
 */
const char *fl_env_opt_str(const struct fl_env *env, const char *name,
                           const char *dflt);
/** options[:name] as an integer, or dflt when absent or not an integer. */
int64_t fl_env_opt_int(const struct fl_env *env, const char *name,
                       int64_t dflt);
/**
 * options[:name] (an integer, or a decimal string as the command line
 * gives it; absent: dflt) into *out when it lies in [min, max]; else
 * FL_EUSAGE with err naming --name.
 */
int fl_env_opt_int_in(const struct fl_env *env, const char *name, int64_t dflt,
                      int64_t min, int64_t max, int64_t *out,
                      struct fl_err *err);
/**
 * options[:name] as a duration in ms: a string fl_parse_duration_ns reads
 * ("500ms", "2s", "1m"), or an integer, which is seconds as on the command
 * line (absent: dflt_ms), into *out when it lies in [min_ms, max_ms]; else
 * FL_EUSAGE with err naming --name.
 */
int fl_env_opt_duration_ms(const struct fl_env *env, const char *name,
                           int64_t dflt_ms, int64_t min_ms, int64_t max_ms,
                           int64_t *out, struct fl_err *err);
/** options[:name] as a boolean (true, or a non-nil non-false value). */
bool fl_env_opt_bool(const struct fl_env *env, const char *name, bool dflt);

struct fl_os;

/**
 * An OS plug-in (Jepsen's OS protocol). setup and teardown are called for
 * every node, in parallel (one thread per node), before the DB's setup and
 * after its teardown. Return 0 or a negative code with err filled.
 */
struct fl_os_type {
    const char *name; /* "noop", "debian" */
    int (*setup)(struct fl_os *os, const struct fl_env *env, size_t node,
                 struct fl_err *err);
    int (*teardown)(struct fl_os *os, const struct fl_env *env, size_t node,
                    struct fl_err *err);
    void (*free)(struct fl_os *os); /* frees ctx; may be NULL */
};

struct fl_os {
    const struct fl_os_type *type;
    void *ctx; /* owned by the os, freed by type->free */
};

/** The OS that does nothing (Jepsen's os/noop). */
extern const struct fl_os_type fl_os_noop_type;
/** A static noop OS instance, usable as a default. */
extern struct fl_os fl_os_noop;

int fl_os_setup(struct fl_os *os, const struct fl_env *env, size_t node,
                struct fl_err *err);
int fl_os_teardown(struct fl_os *os, const struct fl_env *env, size_t node,
                   struct fl_err *err);
/** Free os and its ctx (not the static fl_os_noop); accepts NULL. */
void fl_os_free(struct fl_os *os);

#endif
