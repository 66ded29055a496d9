/* SPDX-License-Identifier: MIT */
/*
 * reap.h: reaping the daemons this process starts on its own machine (the
 * local and netns backends). A daemon outlives the sh that started it, so
 * it is an orphan, and an orphan's parent becomes the nearest child
 * subreaper, else pid 1. Where pid 1 does not reap (a container without an
 * init, such as docker run without --init), every killed daemon stayed a
 * zombie: it holds its pid, shows in ps, and a server that checks its lock
 * file's pid may take it for alive. Here this process becomes a child
 * subreaper and reaps exactly the daemons registered with it.
 */
#ifndef FL_REAP_H
#define FL_REAP_H

#include <stddef.h>
#include <sys/types.h>

struct fl_err;

/**
 * Make this process a child subreaper (prctl PR_SET_CHILD_SUBREAPER), once:
 * call it before starting something whose orphans fl_reap_daemon() is to
 * reap. Thread-safe. 0, or <0 with err when the kernel refuses.
 */
int fl_reap_init(struct fl_err *err);

/**
 * Reap pid (a daemon on this machine, or a descendant of one) when it
 * exits and is this process's child (an orphan it adopted). A reaper thread,
 * started by the first call, waits on a pidfd for each, so it never takes
 * the exit status of another child, nor of a process that reused the pid.
 * A pid that is still not this process's child 5 s after it exited (it
 * was adopted elsewhere) is dropped. Thread-safe. 0, or <0 with err when pid is
 * not a live process.
 */
int fl_reap_daemon(pid_t pid, struct fl_err *err);

/** How many registered daemons have not exited and been reaped yet. */
size_t fl_reap_pending(void);

#endif
