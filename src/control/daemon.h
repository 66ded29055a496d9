/* SPDX-License-Identifier: MIT */
/*
 * daemon.h: start and stop long-running programs on a node through its
 * remote (Jepsen's control.util start-daemon!, stop-daemon!, grepkill!,
 * await-tcp-port). A daemon runs in its own session with stdin from
 * /dev/null and stdout/stderr appended to its log file, and its pid in a
 * pidfile, so it outlives the command that started it and never holds the
 * remote's pipes. Everything works through plain sh on the node.
 */
#ifndef FL_DAEMON_H
#define FL_DAEMON_H

#include <stdint.h>

struct fl_err;
struct fl_remote;

/**
 * Every daemon fl_daemon_start() starts has FAULTLINE_DAEMON=<node> in its
 * environment, so a later run can find the leftovers of a killed one.
 */
#define FL_DAEMON_MARK "FAULTLINE_DAEMON"

struct fl_daemon_opts {
    const char *pidfile;    /* required: where the pid is written */
    const char *logfile;    /* stdout+stderr appended here; NULL = /dev/null */
    const char *chdir;      /* working directory; NULL = / */
    const char *const *env; /* NULL-terminated "K=V" list, or NULL */
    const char *user;       /* run as this user (setpriv, which execs, so
                               the pidfile names the daemon); NULL = as
                               the remote's user */
};

/**
 * Start argv (NULL-terminated; argv[0] an absolute path or found in PATH)
 * as a daemon on r. Returns 0 when started, 1 when the pidfile names a live
 * process already (nothing started), negative on error. A "faultline
 * starting <argv>" line with the date is appended to the log first.
 */
int fl_daemon_start(struct fl_remote *r, const struct fl_daemon_opts *o,
                    const char *const *argv, struct fl_err *err);

/**
 * Send sig to the pidfile's process, wait up to timeout_ms for it to exit
 * (SIGKILL after that), and remove the pidfile. 0 also when it was not
 * running.
 */
int fl_daemon_stop(struct fl_remote *r, const char *pidfile, int sig,
                   int64_t timeout_ms, struct fl_err *err);

/** Send sig to the pidfile's process; -ESRCH if it is not running. */
int fl_daemon_signal(struct fl_remote *r, const char *pidfile, int sig,
                     struct fl_err *err);

/*
 * The same for a daemon and every descendant of it (pgrep -P, recursively):
 * for servers whose children outlive their parent or start their own
 * sessions (PostgreSQL's backends), so that a kill or a pause reaches the
 * whole server. The daemon is signalled first.
 */
int fl_daemon_stop_tree(struct fl_remote *r, const char *pidfile, int sig,
                        int64_t timeout_ms, struct fl_err *err);
int fl_daemon_signal_tree(struct fl_remote *r, const char *pidfile, int sig,
                          struct fl_err *err);

/** 1 if the pidfile names a live (not zombie) process, 0 if not, <0 error. */
int fl_daemon_running(struct fl_remote *r, const char *pidfile,
                      struct fl_err *err);

/**
 * Send sig to every process on r's node whose full command line matches the
 * extended regex pattern (pgrep -f), except the command doing it. On a local
 * cluster node only processes in that node's network namespace are hit, so
 * a pattern can never reach another node or the host. Returns the number of
 * processes signalled, or <0.
 */
int fl_grepkill(struct fl_remote *r, const char *pattern, int sig,
                struct fl_err *err);

/**
 * Wait until a TCP connect from the node to host:port succeeds (host NULL =
 * 127.0.0.1), polling every 100 ms, for at most timeout_ms. FL_ELIMIT on
 * timeout.
 */
int fl_await_tcp_port(struct fl_remote *r, const char *host, int port,
                      int64_t timeout_ms, struct fl_err *err);

#endif
