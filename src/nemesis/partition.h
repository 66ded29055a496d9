/* SPDX-License-Identifier: MIT */
/*
 * partition.h: network partitions (Jepsen's grudges and topologies). A
 * grudge says, for every ordered pair of nodes, whether the destination
 * drops packets from the source; the topology functions build grudges, and
 * fl_net_partition() enforces one with DROP rules in faultline's own
 * iptables chain, FAULTLINE, hooked into INPUT on every node. Healing
 * removes that chain and nothing else, so rules that are not ours are never
 * touched. The control node is never cut off. Partition ops carry
 * {:topology T} or {:grudge "spec"} values; completions report the grudge.
 */
#ifndef FL_PARTITION_H
#define FL_PARTITION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fl_err;
struct fl_remote;
struct fl_rng;
struct fl_strbuf;

/** Which packets are dropped: drop[dst * n + src] != 0. */
struct fl_grudge {
    size_t n;      /* number of nodes */
    uint8_t *drop; /* n * n flags, owned */
};

void fl_grudge_init(struct fl_grudge *g, size_t n);
void fl_grudge_release(struct fl_grudge *g);
/** dst drops packets from src. */
void fl_grudge_add(struct fl_grudge *g, size_t dst, size_t src);
bool fl_grudge_drops(const struct fl_grudge *g, size_t dst, size_t src);
/** True if a TCP connection between a and b is cut (either way dropped). */
bool fl_grudge_cut(const struct fl_grudge *g, size_t a, size_t b);
/** Cut, both ways, every pair of nodes in different components comp[i]. */
void fl_grudge_complete(struct fl_grudge *g, const int *comp);
/** Number of (dst, src) pairs dropped. */
size_t fl_grudge_count(const struct fl_grudge *g);

/** The topology names, NULL-terminated, for usage texts and tests. */
extern const char *const fl_topologies[];

/**
 * Build the grudge for topology over n nodes: halves, random-halves, one,
 * majority, majorities-ring, bridge, minority-third, primaries (needs the
 * primaries' indices; each is isolated alone). Random choices come from rng.
 * FL_EUSAGE for an unknown name or a topology impossible for n (g is then
 * released).
 */
int fl_grudge_topology(struct fl_grudge *g, size_t n, const char *topology,
                       struct fl_rng *rng, const uint32_t *primaries,
                       size_t nprimaries, struct fl_err *err);

/**
 * Parse an explicit grudge over nodes: clauses separated by ';', each
 * either components "n1,n2|n3,n4,n5" (cut both ways between components,
 * nodes not named stay connected to everyone) or one-way "n1,n2>n3" (n3
 * drops packets from n1 and n2; traffic from n3 to them still flows).
 * Errors (FL_EUSAGE) name the unknown node or the bad clause.
 */
int fl_grudge_parse(struct fl_grudge *g, char *const *nodes, size_t n,
                    const char *spec, struct fl_err *err);

/** Append "n1 drops n2,n3; n2 drops n1" (or "none") to sb. */
void fl_grudge_describe(const struct fl_grudge *g, char *const *nodes,
                        struct fl_strbuf *sb);

/**
 * Resolve every node's IPv4 address: this machine's resolver first, then
 * `getent ahostsv4` on the node. ips[i] (owned, free with free()) is filled.
 */
int fl_net_resolve(struct fl_remote *const *r, size_t n, char **ips,
                   struct fl_err *err);

/**
 * Enforce g: on every node, replace the FAULTLINE chain's rules by DROPs
 * for the sources the grudge names (in parallel across nodes). ips as from
 * fl_net_resolve().
 */
int fl_net_partition(struct fl_remote *const *r, size_t n, char *const *ips,
                     const struct fl_grudge *g, struct fl_err *err);

/** Remove the FAULTLINE chain on every node (idempotent). */
int fl_net_heal(struct fl_remote *const *r, size_t n, struct fl_err *err);

/**
 * Heal r's node as fl_net_heal() does, appending one line per thing found
 * and removed ("partition: iptables chain FAULTLINE with 2 DROP rule(s)")
 * to report; nothing when the node is clean. For the start of a run.
 */
int fl_net_heal_leftovers(struct fl_remote *r, struct fl_strbuf *report,
                          struct fl_err *err);

#endif
