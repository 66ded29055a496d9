/* SPDX-License-Identifier: MIT */
/*
 * proc.h: start a long-lived local child process wired to file
 * descriptors the caller owns (the JSON-lines client of run/ is one), in
 * its own process group so that one kill reaches everything it started.
 * Running a command to completion with captured output is
 * fl_control__run() (control_int.h), also in proc.c.
 */
#ifndef FL_PROC_H
#define FL_PROC_H

#include <sys/types.h>

struct fl_err;

/**
 * Start argv (argv[0] looked up in PATH) with in_fd, out_fd and err_fd as
 * its stdin, stdout and stderr and every other descriptor closed, as the
 * leader of a new process group (pgid == pid), with no signal blocked and
 * SIGPIPE at its default. The caller keeps its descriptors (close them
 * after the call) and reaps the child with waitpid(). Returns the pid, or
 * -errno with err filled when it could not be started (argv[0] not found
 * included). Thread-safe; uses posix_spawn, so it is cheap from a large
 * process.
 */
pid_t fl_proc_spawn(const char *const *argv, int in_fd, int out_fd, int err_fd,
                    struct fl_err *err);

/**
 * SIGKILL the process group of pid (a child from fl_proc_spawn) and reap
 * pid. Returns its wait status, or -1 if it was already reaped.
 */
int fl_proc_kill(pid_t pid);

#endif
