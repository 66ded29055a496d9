/* SPDX-License-Identifier: MIT */
/*
 * daemon_db.h: the generic daemon DB (Jepsen's db + control.util): most
 * systems under test are one server process per node, and a suite only
 * describes it (binary, arguments, config files from templates, a data dir,
 * log files, a health check, how to find the primary). fl_daemon_db_new()
 * turns the description into a struct fl_db whose setup installs the
 * packages (once per machine on the local cluster, whose nodes share its
 * files), writes the config files, starts the daemon with a pidfile and
 * waits until it is healthy; kill is SIGKILL, pause SIGSTOP, resume
 * SIGCONT (to the daemon's whole process tree with process_tree),
 * teardown kills and wipes. With user, the node's dir belongs to that
 * user and init and the daemon run as it; init (initdb) runs before a
 * start that finds data/ empty. Everything of node N lives in
 * <dir>/<N>/: <name>.pid, <name>.log, the config files and data/.
 *
 * Templates (arguments and config files) expand these placeholders:
 *   {{node}}      this node's name        {{index}}  its index, from 1
 *   {{first}}     the first node's name (e.g. the initial primary)
 *   {{dir}}       <dir>/<node>            {{data}}   <dir>/<node>/data
 *   {{opt:KEY}}   the test option :KEY (a string, keyword or integer)
 *   {{#nodes SEP}}...{{n}}...{{/nodes}}   the body once per node, {{n}}
 *                 its name, {{i}} its index from 1, joined by SEP
 * A placeholder that names nothing, or an option that is not set, is an
 * error naming the template.
 *
 * With .time_shim, a daemon on a local cluster node (network namespace) is
 * started with LD_PRELOAD=<libfaultline-time.so> and FAULTLINE_CLOCK_FILE=
 * <cluster state dir>/clock/<node>, so `--nemesis clock` shifts its
 * CLOCK_REALTIME (control/timeshim.h); on SSH nodes the clock nemesis steps
 * the node's real clock and nothing is preloaded.
 */
#ifndef FL_DAEMON_DB_H
#define FL_DAEMON_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fl_db;
struct fl_env;
struct fl_err;
struct fl_strbuf;

/**
 * A probe of node (health or primary). Runs on a run's thread with no lock
 * held; arg is the description's arg. May be called concurrently for
 * different nodes.
 */
typedef bool fl_daemon_db_probe_fn(const struct fl_env *env, size_t node,
                                   void *arg);

/**
 * A node's own init (a replica's base backup instead of initdb): append
 * a shell command line to cmd (quoted by the callee; run as the desc's
 * user in <dir>/<node>) and return 0, or return 1 for the desc's init.
 */
typedef int fl_daemon_db_init_fn(const struct fl_env *env, size_t node,
                                 void *arg, struct fl_strbuf *cmd);

/** A config file written into the node's dir before every start. */
struct fl_daemon_db_file {
    const char *name; /* file name under <dir>/<node>/, e.g. "redis.conf" */
    const char *tmpl; /* its contents, a template */
};

struct fl_daemon_db_desc {
    const char *name;            /* "etcd": names <name>.pid, <name>.log */
    const char *binary;          /* program started on the node (in PATH or
                                    absolute) */
    const char *const *packages; /* Debian packages that provide binary,
                                    installed if it is missing; NULL =
                                    must be there */
    const char *const *args;     /* argv after binary, templates;
                                    NULL-terminated, or NULL */
    const char *const *env;      /* "KEY=VALUE" templates added to the
                                    daemon's environment; or NULL */
    bool time_shim;              /* on local cluster nodes, start the daemon
                                    with the time shim preloaded so clock
                                    faults reach it (libc and JVM programs;
                                    not Go nor static binaries) */
    const char *installed;       /* absolute path whose presence means the
                                    packages are there; NULL = binary found
                                    in PATH */
    const struct fl_daemon_db_file *files; /* ends with {NULL}; or NULL */
    const char *dir;                /* absolute root of the nodes' dirs */
    int port;                       /* with healthy NULL: healthy = this TCP
                                       port accepts on the node; 0 = running */
    fl_daemon_db_probe_fn *healthy; /* health check, or NULL (see port) */
    fl_daemon_db_probe_fn *primary; /* is node a primary? NULL = no
                                       primaries */
    const char *const *logs;        /* more files under <dir>/<node>/ to
                                       download with the log; or NULL */
    int64_t start_timeout_ms;       /* wait for health at most; 0 = 60 s */
    int64_t stop_timeout_ms;        /* teardown waits this for the exit
                                       after SIGKILL; 0 = 10 s */
    const char *user;               /* run init and the daemon as this
                                       user, who owns <dir>/<node>/; NULL =
                                       as root */
    const char *const *init;        /* argv template run (as user) before a
                                       start when data/ is empty, e.g.
                                       initdb; NULL = none */
    fl_daemon_db_init_fn *init_fn;  /* per-node init, or NULL */
    const char *const *stale;       /* files under <dir>/<node>/ removed
                                       before a start when the daemon is
                                       not running: a crash's leftovers
                                       that keep it from starting (what an
                                       init script removes, e.g.
                                       "data/postmaster.pid"); or NULL */
    bool process_tree;              /* kill, pause and resume reach the
                                       daemon's descendants too (servers
                                       whose children start their own
                                       sessions: PostgreSQL) */
    void *arg;                      /* for the probes; owned if free_arg */
    void (*free_arg)(void *arg);    /* frees arg with the db, or NULL */
};

/**
 * A DB from desc (copied: the strings and tables need not outlive the
 * call; arg is handed over). NULL with err set (FL_EUSAGE) when desc lacks
 * name, binary or an absolute dir. Caller frees with fl_db_free().
 */
struct fl_db *fl_daemon_db_new(const struct fl_daemon_db_desc *desc,
                               struct fl_err *err);

/**
 * Expand tmpl for node into out (appended). FL_EUSAGE with err naming the
 * placeholder on an unknown one or a missing option.
 */
int fl_daemon_db_expand(struct fl_strbuf *out, const char *tmpl,
                        const struct fl_env *env, size_t node, const char *dir,
                        struct fl_err *err);

/** Append <dir>/<node>[/file] of db (a daemon DB) for node to out. */
void fl_daemon_db_path(struct fl_strbuf *out, const struct fl_db *db,
                       const char *node, const char *file);

/** Kill the daemon on node and remove its data dir (keeps config, log). */
int fl_daemon_db_wipe(struct fl_db *db, const struct fl_env *env, size_t node,
                      struct fl_err *err);

/**
 * Wait until node is healthy, at most the start timeout. On timeout, or
 * when the daemon exits meanwhile, FL_ELIMIT or FL_EREMOTE with err naming
 * the node, the log file and its last line.
 */
int fl_daemon_db_await(struct fl_db *db, const struct fl_env *env, size_t node,
                       struct fl_err *err);

#endif
