/* SPDX-License-Identifier: MIT */
/*
 * cluster.h: the local cluster, nodes n1..nN as network namespaces on one
 * bridge of this machine, each with its own address, /etc/hosts and
 * hostname, reachable by name from the control process through a marked
 * block in the root /etc/hosts. Everything created is first written to a
 * state file (default /run/faultline/cluster.state), so fl_cluster_down()
 * removes exactly what faultline made, even after a SIGKILL, and nothing
 * else. A blackhole route for the subnet is installed before anything else,
 * so no packet for a node ever leaves the machine once the bridge is gone.
 * Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN). Not thread-safe.
 */
#ifndef FL_CLUSTER_H
#define FL_CLUSTER_H

#include <stddef.h>

struct fl_err;
struct fl_strbuf;

#define FL_CLUSTER_DEFAULT_NODES     5
#define FL_CLUSTER_MAX_NODES         200
#define FL_CLUSTER_DEFAULT_SUBNET    "10.213.47.0/24"
#define FL_CLUSTER_DEFAULT_BRIDGE    "flbr0"
#define FL_CLUSTER_DEFAULT_PREFIX    "n"
#define FL_CLUSTER_DEFAULT_STATE_DIR "/run/faultline"

/** Zero/NULL fields take the defaults above. */
struct fl_cluster_opts {
    int nodes;                /* node count, 1..200 */
    const char *subnet;       /* an a.b.c.0/24; control = .1, node i = .10+i */
    const char *bridge;       /* bridge interface name (<= 15 chars) */
    const char *node_prefix;  /* node i is named prefix + i */
    const char *netns_prefix; /* namespace = netns_prefix + node name
                                 ("fl-" by default, see remote.h) */
    const char *state_dir;    /* state file, clock offsets, per-node files */
};

/** A cluster that is up, as read back from its state file. */
struct fl_cluster {
    char *state_dir;    /* owned */
    char *bridge;       /* owned */
    char *subnet;       /* owned, "a.b.c.0/24" */
    char *control_addr; /* owned, the bridge's address (a.b.c.1) */
    char *netns_prefix; /* owned */
    size_t n;           /* node count */
    char **nodes;       /* owned names, n of them */
    char **addrs;       /* owned IPv4 addresses, parallel to nodes */
};

/**
 * Create the cluster, or, if one is already up in opts->state_dir with the
 * same node count and subnet, load it. On failure everything created so far
 * is removed again. c is filled on success (release with
 * fl_cluster_release()). Errors: -EPERM when not root, -EEXIST when a
 * different cluster is up or a name/route is already taken by someone else.
 */
int fl_cluster_up(const struct fl_cluster_opts *opts, struct fl_cluster *c,
                  struct fl_err *err);

/** Load the cluster that is up (state_dir NULL = default); -ENOENT if none. */
int fl_cluster_load(const char *state_dir, struct fl_cluster *c,
                    struct fl_err *err);

/**
 * Remove everything the state file lists: processes running in the node
 * namespaces (SIGKILL), FUSE mounts made by nemeses, the namespaces, veths,
 * bridge, /etc/netns/<ns> dirs, the /etc/hosts block, the blackhole route,
 * and the state directory. Succeeds (0) when there is nothing to remove.
 * Tolerates partial states; reports the first failure but keeps going.
 */
int fl_cluster_down(const char *state_dir, struct fl_err *err);

/**
 * Append a human-readable status to out: each node, its address, whether its
 * namespace exists and answers, and the number of processes in it. Returns
 * -ENOENT when no cluster is up.
 */
int fl_cluster_status(const char *state_dir, struct fl_strbuf *out,
                      struct fl_err *err);

void fl_cluster_release(struct fl_cluster *c);

/** The address of node, or NULL if it is not in the cluster. */
const char *fl_cluster_addr(const struct fl_cluster *c, const char *node);

/**
 * Record in the cluster's state file that a resource (kind "mount" with a
 * path, "file" with a path to delete, or "pid" with "PID [STARTTIME]" in
 * the root pid namespace) was created
 * for a node, so that fl_cluster_down() removes it after a crash. Appends and
 * fsyncs one line; safe to call from several processes.
 */
int fl_cluster_note(const char *state_dir, const char *kind, const char *value,
                    struct fl_err *err);

/**
 * Append the values noted with kind (see fl_cluster_note()), one per line,
 * to out; nothing when no cluster is up there.
 */
int fl_cluster_noted(const char *state_dir, const char *kind,
                     struct fl_strbuf *out, struct fl_err *err);

/** True (1) if this process may build a cluster (root, netns available). */
int fl_cluster_supported(struct fl_err *err);

#endif
