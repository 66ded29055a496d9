/* SPDX-License-Identifier: MIT */
/*
 * control_int.h: helpers shared by the files of src/control/ only: running a
 * process with captured, capped output and a timeout (the local and netns
 * backends, and the cluster, use it), and entering a cluster node's
 * namespaces the way `ip netns exec` does.
 */
#ifndef FL_CONTROL_INT_H
#define FL_CONTROL_INT_H

#include "control/remote.h"

struct fl_err;

/**
 * Fork, call child_setup(arg) in the child (it must only make syscalls: no
 * malloc, no locks; nonzero return = exit 127), then exec argv (argv[0] is
 * looked up in PATH). stdin gets c->in, stdout/stderr are captured up to
 * c->max_output bytes each, and the whole process group is SIGKILLed after
 * c->timeout_ms (0 or less = none). Output written by background children
 * after the main child exits is read for at most 100 ms more.
 * Returns 0 (ran), FL_ELIMIT (timed out) or -errno (could not start).
 */
int fl_control__run(const char *const *argv, int (*child_setup)(void *arg),
                    void *arg, const struct fl_cmd *c,
                    struct fl_cmd_result *res, struct fl_err *err);

/**
 * Rewrite the hosts file path without the block faultline marked for the
 * cluster in state dir dir, then append block (NULL: none), in place and
 * under an exclusive flock of the file (several processes share it).
 */
int fl_control__hosts_rewrite(const char *path, const char *dir,
                              const char *block, struct fl_err *err);

/** What a child needs to enter a node: all prepared before fork. */
struct fl_netns_enter {
    int netns_fd;         /* open /run/netns/<ns> */
    const char *hostname; /* UTS hostname to set, or NULL */
    const char *ns_name;  /* for the sysfs remount */
    size_t n_binds;       /* /etc/netns/<ns>/<f> -> /etc/<f> */
    char **bind_src;
    char **bind_dst;
};

/** Prepare e for namespace ns (node name hostname); -errno if missing. */
int fl_netns_enter_init(struct fl_netns_enter *e, const char *ns,
                        const char *hostname, struct fl_err *err);
void fl_netns_enter_release(struct fl_netns_enter *e);
/** child_setup for fl_control__run: arg is a struct fl_netns_enter. */
int fl_netns_enter_child(void *arg);

#endif
