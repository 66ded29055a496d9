/* SPDX-License-Identifier: MIT */
/*
 * zk.h: the ZooKeeper suite (Jepsen's zookeeper test): ZooKeeper 3.8 from
 * Debian as an ensemble of one JVM per node, started by the daemon DB with
 * the time shim so clock faults reach it, and a client on the C library
 * libzookeeper_mt. Each client talks to its own node only, so reads of a
 * node cut off from the leader can be seen.
 */
#ifndef FL_SUITE_ZK_H
#define FL_SUITE_ZK_H

#include <stdbool.h>
#include <stdint.h>

#include "history/op.h"

struct fl_arena;
struct fl_client_type;
struct fl_db;
struct fl_err;

#define FL_ZK_DEFAULT_DIR "/var/lib/faultline/zookeeper"

/* Our own outcome codes next to ZooKeeper's (which are <= 0). */
#define FL_ZK_TIMEOUT  1 /* no answer within the request timeout */
#define FL_ZK_NOT_SENT 2 /* not connected: the request was never sent */
#define FL_ZK_MISMATCH 3 /* cas: the value read is not the one expected */
#define FL_ZK_EMPTY    4 /* dequeue: the queue had no element */

/** What the DB needs; filled from the options. */
struct fl_zk_db_cfg {
    const char *dir;  /* nodes' files under dir/<node>/ */
    const char *heap; /* JVM -Xmx value, "96m" */
    int client_port, tick_ms;
};

/** The ensemble as a daemon DB; NULL with err set on a bad cfg. */
struct fl_db *fl_zk_db_new(const struct fl_zk_db_cfg *cfg, struct fl_err *err);

/**
 * Ask node:port a four-letter word (srvr, ruok, ...) and append the answer
 * to out (at most cap bytes); false when nothing was answered in 2 s.
 */
bool fl_zk_four_letters(const char *node, int port, const char *word, char *out,
                        size_t cap);

enum fl_zk_workload { FL_ZK_WL_REGISTER, FL_ZK_WL_SET, FL_ZK_WL_QUEUE };

struct fl_zk_client_cfg {
    enum fl_zk_workload workload;
    int client_port;
    int64_t timeout_ms;         /* per request, then :info / :fail */
    int64_t session_timeout_ms; /* ZooKeeper session timeout */
    bool sync_reads;            /* sync before every read */
};

extern const struct fl_client_type fl_zk_client_type;

/**
 * How an op ends for ZooKeeper's (or our) result code zrc, and the error
 * keyword's name ("connection-loss", ...; NULL for ZOK). write: the op may
 * change the data (a read, or the read half of a cas, changes nothing and
 * so never ends :info). Only a definite no (BADVERSION, NONODE,
 * NODEEXISTS, a request never sent, a cas whose value differs, an empty
 * queue) ends a write :fail; connection loss,
 * timeouts, an expired session or anything unknown end it :info.
 */
enum fl_op_type fl_zk_outcome(int zrc, bool write, const char **error);

/** A scripted server, for testing how every op ends (tests only). */
struct fl_zk_script {
    const int *rc;        /* the results of the op's requests, in order;
                           * past the end: no answer (FL_ZK_TIMEOUT) */
    size_t n;             /* entries in rc */
    size_t next;          /* out: how many requests the op sent */
    const char *value;    /* what a getData answers (ZOK) */
    const char *children; /* what a getChildren answers: names, each
                           * '\n'-ended */
};

/**
 * Run op as the client would on a connected session, every request
 * answered from script instead of a server; out is the completion.
 */
int fl_zk_invoke_scripted(const struct fl_zk_client_cfg *cfg,
                          struct fl_zk_script *script, const struct fl_op *op,
                          struct fl_arena *a, struct fl_op *out,
                          struct fl_err *err);

#endif
