/* SPDX-License-Identifier: MIT */
/*
 * net.h: Maelstrom's simulated network, hosted inside faultline. Nodes
 * n0..n{N-1} are real processes (the user's binary, one per node) that
 * read messages on stdin and write them on stdout, one JSON object per
 * line; their stderr goes to <store>/node-logs/<id>.log. One router thread
 * polls every node's stdout, stamps each message with a delivery deadline
 * (send time + a latency sample for node/service links, none for client
 * links), keeps them in one priority queue and writes them, non-blocking,
 * to the destination's stdin when due. Partitions are grudges checked when
 * a message is dequeued (so messages in flight are lost too); loss drops a
 * node-to-node message with a probability. Clients c0.. are faultline
 * workers: each has a mailbox and does one synchronous RPC at a time. The
 * services seq-kv, lin-kv, lww-kv and lin-tso are addresses of the same
 * network, answered inside the router thread (services.c). Every message
 * is counted (client vs server traffic) and, unless disabled, journaled to
 * <store>/messages.jsonl for the message timeline.
 */
#ifndef FL_MAELSTROM_NET_H
#define FL_MAELSTROM_NET_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fl_err;
struct fl_grudge;

enum fl_mnet_latency_dist {
    FL_MNET_CONSTANT,
    FL_MNET_UNIFORM,
    FL_MNET_EXPONENTIAL,
};

struct fl_mnet_opts {
    size_t nnodes;      /* n0..n{nnodes-1} */
    char **argv;        /* the node binary and its arguments
                           (borrowed; NULL-terminated) */
    int64_t latency_ns; /* mean node<->node latency */
    enum fl_mnet_latency_dist dist;
    double loss;              /* probability a server message is lost */
    int64_t *link_latency_ns; /* nnodes*nnodes overrides (dst*n+src), -1 =
                                 default; NULL = none (borrowed) */
    uint64_t seed;            /* latency and loss samples */
    bool journal;             /* write messages.jsonl */
    bool deterministic;       /* one event at a time in virtual time, each
                                 node run to quiescence; nodes run with the
                                 virtual-time shim (docs/maelstrom.md) */
    struct fl_clock *clock;   /* --deterministic: the run's clock, fake
                                 and driven (util/clock.h): requests enter
                                 at its time, and the network moves it
                                 while they are outstanding; borrowed.
                                 NULL: a request enters det_gap_ns of
                                 virtual time after the previous one */
    int64_t det_gap_ns;       /* --deterministic without clock */
    bool log_stderr;          /* also copy node stderr to our stderr */
};

/** Message counts, as Maelstrom's net checker reports them. */
struct fl_mnet_stats {
    uint64_t client_send, client_recv; /* a client is one end */
    uint64_t server_send, server_recv; /* between nodes and services */
    uint64_t dropped_partition, dropped_loss, dropped_down;
    uint64_t bad_lines;        /* stdout lines that were not messages */
    uint64_t crashes;          /* nodes that exited (closed stdout) unasked */
    uint64_t quiesce_timeouts; /* --deterministic: a node never went idle */
};

struct fl_mnet;

/** A network for o (not started). argv is copied. */
struct fl_mnet *fl_mnet_new(const struct fl_mnet_opts *o);
/** Stop every node, the router thread, and free. Accepts NULL. */
void fl_mnet_free(struct fl_mnet *net);

/**
 * Start the router (idempotent; thread-safe) with store_dir for node logs
 * and the journal (NULL: a temporary directory is not used, logs go to
 * /dev/null).
 */
int fl_mnet_start(struct fl_mnet *net, const char *store_dir,
                  struct fl_err *err);

/**
 * Spawn node i (empty state), send it init and wait up to 10 s for
 * init_ok; then send its setup message (fl_mnet_set_setup_body) and wait
 * for the reply. Errors name the node and quote what it said.
 */
int fl_mnet_node_start(struct fl_mnet *net, size_t i, struct fl_err *err);
/** SIGKILL node i and drop what was queued for it (idempotent). */
int fl_mnet_node_kill(struct fl_mnet *net, size_t i, struct fl_err *err);
/** SIGSTOP / SIGCONT node i. */
int fl_mnet_node_pause(struct fl_mnet *net, size_t i, struct fl_err *err);
int fl_mnet_node_resume(struct fl_mnet *net, size_t i, struct fl_err *err);
/**
 * A message body (taken) sent to node i after every init, e.g. the
 * broadcast workload's topology; NULL for none.
 */
void fl_mnet_set_setup_body(struct fl_mnet *net, size_t i, json_t *body);

/** Replace the grudge (copied; NULL heals). */
void fl_mnet_partition(struct fl_mnet *net, const struct fl_grudge *g);

/** A new client id ("c<k>", never reused); returns its index k. */
int fl_mnet_client_new(struct fl_mnet *net);
/**
 * One RPC from client k to dest: body (borrowed) gets a fresh msg_id; waits
 * up to timeout_ns for the reply whose in_reply_to matches. *reply (owned
 * by the caller) is the reply body. Returns 0, -ETIMEDOUT, or another
 * negative code with err filled.
 */
int fl_mnet_call(struct fl_mnet *net, int k, const char *dest, json_t *body,
                 int64_t timeout_ns, json_t **reply, struct fl_err *err);

/**
 * fl_mnet_call with an order (the op's index): with --deterministic,
 * requests waiting together enter the network in this order.
 */
int fl_mnet_call_ordered(struct fl_mnet *net, int k, const char *dest,
                         json_t *body, int64_t order, int64_t timeout_ns,
                         json_t **reply, struct fl_err *err);

/**
 * --deterministic without a run clock: client k's requests are final reads;
 * the first final read to enter does so pause_ns of virtual time after the
 * previous request (Maelstrom's recovery time), not det_gap_ns. No effect
 * otherwise.
 */
void fl_mnet_client_final(struct fl_mnet *net, int k, int64_t pause_ns);

/** A snapshot of the counters. */
void fl_mnet_stats(struct fl_mnet *net, struct fl_mnet_stats *out);
/** Name of node i ("n3"), borrowed. */
const char *fl_mnet_node_name(const struct fl_mnet *net, size_t i);
/** Write out what the journal has buffered. */
void fl_mnet_flush(struct fl_mnet *net);
/** Path of the journal (messages.jsonl), or NULL; borrowed. */
const char *fl_mnet_journal_path(const struct fl_mnet *net);

#endif
