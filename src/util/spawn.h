/* SPDX-License-Identifier: MIT */
/*
 * spawn.h: start a local tool (gnuplot, dot, tar) from any layer, with
 * posix_spawn, so a big multi-threaded run process is never forked. The
 * child's stdin is /dev/null; its stdout and stderr go to a file, a pipe
 * or /dev/null. (Commands on nodes, with input, captured output and
 * timeouts, are control/'s remotes.)
 */
#ifndef FL_SPAWN_H
#define FL_SPAWN_H

#include <stdbool.h>
#include <sys/types.h>

struct fl_err;

struct fl_spawn_opts {
    const char *out_file; /* stdout to this file (created, truncated) */
    int out_fd;           /* else stdout to this fd if > 0 (a pipe's end,
                             left open in the parent); else /dev/null */
    bool err_to_out;      /* stderr where stdout goes; else /dev/null */
    const char *chdir;    /* the child's working directory, or NULL */
};

/**
 * Start argv (argv[0] searched in PATH) with o (NULL: everything to
 * /dev/null); *pid is the child. 0, or -errno with err naming the tool.
 */
int fl_spawn(const char *const *argv, const struct fl_spawn_opts *o, pid_t *pid,
             struct fl_err *err);

/**
 * Wait for pid (retrying on EINTR). Returns its exit code, 128 + the
 * signal that killed it, or -errno.
 */
int fl_spawn_wait(pid_t pid);

/** fl_spawn() then fl_spawn_wait(): the exit code, or < 0 (err set). */
int fl_spawn_run(const char *const *argv, const struct fl_spawn_opts *o,
                 struct fl_err *err);

#endif
