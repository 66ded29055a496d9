/* SPDX-License-Identifier: MIT */
/*
 * lock.h: exclusive use of a set of nodes by one faultline process, so two
 * runs (or a run and `cluster down`, or a run and `fault`) never work on
 * the same nodes at once. A local cluster is locked through the file
 * <state-dir>/lock; remote nodes through one file per node name in a local
 * lock directory (FL_LOCK_DIR for root, /tmp/faultline-locks-<uid>
 * otherwise). Locks are flock(2)s on files opened O_CLOEXEC: the kernel
 * releases them when the holder dies, however it dies, and daemons the
 * holder starts never inherit them. The file records the holder's pid and
 * command line, which a refused caller reports. Taking a lock never waits.
 * Within one process locks nest: taking a lock this process already holds
 * succeeds and counts (so fl_cluster_up() inside a locked run works).
 * Thread-safe.
 */
#ifndef FL_LOCK_H
#define FL_LOCK_H

#include <stddef.h>

struct fl_err;
struct fl_lock;

#define FL_LOCK_DIR "/run/faultline-locks"

/**
 * Lock the local cluster whose state is in state_dir (NULL = the default),
 * creating the directory (0700) if need be. Returns the lock (release with
 * fl_lock_free()) or NULL with err: -EBUSY naming the holder's pid and
 * command when another process holds it, FL_EUSAGE for a bad path, -errno.
 */
struct fl_lock *fl_lock_cluster(const char *state_dir, struct fl_err *err);

/**
 * Lock the nodes names[0..n) (all or none): one lock per node name, so two
 * node sets that share one node exclude each other. Errors as above, the
 * -EBUSY message naming the first node that is held. n == 0 gives a lock
 * on nothing (touching no file), for callers that lock conditionally.
 */
struct fl_lock *fl_lock_nodes(char *const *names, size_t n, struct fl_err *err);

/** Release l (the kernel does it too when the process dies); accepts NULL. */
void fl_lock_free(struct fl_lock *l);

/** The file that locks node name (caller frees); for tests and messages. */
char *fl_lock_node_path(const char *name);

#endif
