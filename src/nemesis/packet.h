/* SPDX-License-Identifier: MIT */
/*
 * packet.h: packet faults (Jepsen's net/shape!): delay with jitter, loss,
 * duplication, reordering, corruption and a rate limit on the traffic
 * between nodes. Where the kernel has netem (`tc qdisc ... netem`) it is
 * used as Jepsen does; where it does not (this project's CI kernel), a
 * userspace shaper of ours, `faultline fault _shaper`, holds packets queued
 * to it by an NFQUEUE rule in faultline's own iptables chain FAULTLINE-PKT
 * and releases, drops, duplicates or corrupts them. As in Jepsen, a node
 * shapes its traffic to the targets, and a target shapes its traffic to
 * every other node. Healing removes the chain, the qdisc and the shapers.
 */
#ifndef FL_PACKET_H
#define FL_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fl_err;
struct fl_remote;
struct fl_strbuf;

/** What to do to each shaped packet; zero fields do nothing. */
struct fl_packet_spec {
    int64_t delay_ns;  /* added latency, one way */
    int64_t jitter_ns; /* standard deviation of a normal around delay */
    double loss;       /* drop probability 0..1 */
    double duplicate;  /* probability of sending a second copy */
    double reorder;    /* probability of skipping the delay (netem style) */
    double corrupt;    /* probability of flipping one payload bit */
    int64_t rate_kbit; /* bandwidth limit, kbit/s; 0 = none */
    uint64_t seed;     /* the shapers' random seed; 0 = a random one */
};

#define FL_PACKET_QUEUE 4242  /* NFQUEUE number the shaper listens on */
#define FL_PACKET_MARK  0x4d1 /* packets the shaper itself sends */

/**
 * Shape traffic between nodes as above: target[i] marks the targets (NULL =
 * all nodes). ips from fl_net_resolve(). Any earlier shaping is healed
 * first. Returns 0 or a negative code with err naming the node.
 */
int fl_packet_shape(struct fl_remote *const *r, size_t n, char *const *ips,
                    const bool *target, const struct fl_packet_spec *spec,
                    struct fl_err *err);

/** Undo fl_packet_shape on every node (idempotent). */
int fl_packet_heal(struct fl_remote *const *r, size_t n, struct fl_err *err);

/**
 * Undo fl_packet_shape on r's node, appending one line per thing found
 * (our chain, a netem qdisc, a running shaper) to report. For the start of
 * a run, after a killed one.
 */
int fl_packet_heal_leftovers(struct fl_remote *r, struct fl_strbuf *report,
                             struct fl_err *err);

/** Append the spec as "delay=100ms jitter=0ms loss=0.2 ..." to buf. */
void fl_packet_spec_describe(const struct fl_packet_spec *s, char *buf,
                             size_t len);

/**
 * The userspace shaper's main (run by `faultline fault _shaper`): argv is
 * "QUEUE DELAY_NS JITTER_NS LOSS DUP REORDER CORRUPT RATE_KBIT SEED
 * MAX_SECONDS". Returns an exit code.
 */
int fl_packet_shaper_main(int argc, char **argv);

/**
 * The path of the faultline binary that runs helper subcommands on the
 * local cluster ($FAULTLINE_BIN, else /proc/self/exe if it is faultline or
 * declared itself a faultline command). Caller frees.
 */
char *fl_helper_binary(void);

/**
 * Declare this process a faultline command whatever its name: it runs
 * `fault _shaper` and the other helper subcommands (fl_main() does this,
 * so a user's test program is its own helper binary).
 */
void fl_helper_binary_is_self(void);

#endif
