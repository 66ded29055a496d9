/* SPDX-License-Identifier: MIT */
/*
 * etcd.h: the etcd suite's internal interface, shared by its four files.
 * client.c speaks etcd's v3 JSON gateway over HTTP/1.1 with libcurl (one
 * easy handle, hence one persistent connection, per client); the mapping of
 * a response to a completion type lives in ONE pure function,
 * fl_etcd_outcome_from(), so it can be tested on recorded responses. db.c is
 * the cluster lifecycle, workloads.c turns ops into requests, suite.c is the
 * suite definition that `faultline test etcd` finds.
 */
#ifndef FL_SUITE_ETCD_H
#define FL_SUITE_ETCD_H

#include "util/common.h"
#include "util/strbuf.h"
#include "util/vec.h"

struct fl_err;

/* The kinds of request the suite sends; the mapping depends on them. */
enum fl_etcd_req {
    FL_ETCD_RANGE,        /* read one key (kv/range), no effect */
    FL_ETCD_RANGE_PREFIX, /* read every key under a prefix, no effect */
    FL_ETCD_PUT,          /* write one key (kv/put) */
    FL_ETCD_CAS,          /* kv/txn: compare value, put on success */
};

/* What came back from one HTTP exchange, before interpretation. */
struct fl_etcd_resp {
    int curl_code;    /* CURLcode; 0 (CURLE_OK) when a response arrived */
    long http_status; /* HTTP status, 0 when none arrived */
    const char *body; /* response body, NUL-terminated (may be "") */
    size_t body_len;  /* bytes in body */
    bool reused;      /* a kept-alive connection existed before the request:
                         libcurl may have sent it there, seen the connection
                         die without a reply, and retried on a new one */
};

/*
 * The completion a response maps to. error is a static keyword name without
 * the colon ("timeout", "compare-failed", ...) or NULL for :ok; detail is
 * the server's or curl's message, for the :error value and the log.
 */
struct fl_etcd_outcome {
    int type;                 /* FL_OP_OK, FL_OP_FAIL or FL_OP_INFO */
    const char *error;        /* static keyword name, NULL when ok */
    char detail[160];         /* human-readable cause, "" when ok */
    bool found;               /* RANGE: the key existed */
    int64_t value;            /* RANGE: its value, when found */
    struct fl_vec_i64 values; /* RANGE_PREFIX: every value, key order */
    int64_t revision;         /* header.revision when ok, else -1 */
};

/**
 * Map one response to a completion (Jepsen's rule: :fail only when the
 * request certainly had no effect). Pure: no I/O, no clock.
 *
 * - Reads (RANGE, RANGE_PREFIX) have no effect, so every failure is :fail.
 * - A write whose connection was refused never reached etcd: :fail
 *   (:connection-refused), but only when no kept-alive connection existed
 *   (!r->reused). Otherwise libcurl may have sent the request on the old
 *   connection, lost it to a killed member before any reply, and retried
 *   on a new connection that was refused, so the write may have committed:
 *   :info (:connection-lost). Every other transport failure (timeout, reset,
 *   empty reply) and every server error that may follow a proposal
 *   ("request timed out", "context deadline exceeded", "leader changed",
 *   "no leader", unknown codes) is :info.
 * - Server errors that are rejected before any proposal (gRPC codes 3
 *   InvalidArgument, 7 PermissionDenied, 8 ResourceExhausted "too many
 *   requests", 16 Unauthenticated) and HTTP 404 are :fail.
 * - CAS without "succeeded": true in a 200 reply is :fail
 *   (:compare-failed): the compare was false, nothing was written.
 * - A 200 reply whose body is not the expected JSON is :info for writes and
 *   :fail for reads (:malformed-response).
 *
 * out is initialised here; release it with fl_etcd_outcome_release().
 */
void fl_etcd_outcome_from(enum fl_etcd_req req, const struct fl_etcd_resp *r,
                          struct fl_etcd_outcome *out);
void fl_etcd_outcome_release(struct fl_etcd_outcome *o);

/*
 * One connection to one member's client URL. Not thread-safe: one per
 * worker (or per process, Jepsen style). Reusing it keeps the TCP
 * connection open across requests.
 */
struct fl_etcd_conn;

/**
 * Open a connection object for base_url ("http://10.231.0.11:2379"); no
 * I/O happens until the first request. timeout_ms bounds each request
 * (connect + transfer). Caller frees with fl_etcd_conn_free().
 */
struct fl_etcd_conn *fl_etcd_conn_new(const char *base_url, int64_t timeout_ms);
void fl_etcd_conn_free(struct fl_etcd_conn *c);
const char *fl_etcd_conn_url(const struct fl_etcd_conn *c);

/**
 * POST json to base_url + path and fill *r (its body points into c and is
 * valid until the next request). The response body is capped at 8 MiB;
 * a longer one ends the transfer with a curl error. Never fails otherwise:
 * transport errors are reported in r->curl_code.
 */
void fl_etcd_conn_post(struct fl_etcd_conn *c, const char *path,
                       const char *json, struct fl_etcd_resp *r);

/* The typed requests; each maps its response with fl_etcd_outcome_from(). */
void fl_etcd_get(struct fl_etcd_conn *c, const char *key, bool serializable,
                 struct fl_etcd_outcome *out);
void fl_etcd_get_prefix(struct fl_etcd_conn *c, const char *prefix,
                        bool serializable, struct fl_etcd_outcome *out);
void fl_etcd_put(struct fl_etcd_conn *c, const char *key, int64_t value,
                 struct fl_etcd_outcome *out);
void fl_etcd_cas(struct fl_etcd_conn *c, const char *key, int64_t expect,
                 int64_t value, struct fl_etcd_outcome *out);

/**
 * The member id of the current leader as the member at c sees it
 * (maintenance/status), or 0 when it has none or did not answer. The
 * member's own id is stored in *self_id when self_id is not NULL.
 */
uint64_t fl_etcd_leader_id(struct fl_etcd_conn *c, uint64_t *self_id);

/** GET /health: true when the member answers {"health":"true"}. */
bool fl_etcd_healthy(struct fl_etcd_conn *c);

/* ---- the DB (db.c) ---- */

struct fl_db;
struct fl_env;

#define FL_ETCD_DEFAULT_DIR "/var/lib/faultline/etcd"

/* How members are laid out and started. Strings are copied by db_new. */
struct fl_etcd_db_cfg {
    char *dir;                /* member files under <dir>/<node>/ */
    char *binary;             /* "etcd" (found in PATH) or a path */
    int client_port;          /* 2379 */
    int peer_port;            /* 2380 */
    int heartbeat_ms;         /* raft heartbeat interval, 100 */
    int election_ms;          /* raft election timeout, 1000 */
    int64_t start_timeout_ms; /* setup waits this long for health */
    bool install;             /* apt-get install etcd-server if missing */
};

/** Fill cfg with the defaults above (dir and binary point at literals). */
void fl_etcd_db_cfg_defaults(struct fl_etcd_db_cfg *cfg);
/**
 * A DB for cfg (copied): a generic daemon DB (db/daemon_db.h) with etcd's
 * config, health check and leader lookup. NULL with err set when cfg->dir
 * is not absolute. Caller frees with fl_db_free().
 */
struct fl_db *fl_etcd_db_new(const struct fl_etcd_db_cfg *cfg,
                             struct fl_err *err);

/** Append member node's etcd YAML config (--config-file) to sb. */
void fl_etcd_member_config(struct fl_strbuf *sb,
                           const struct fl_etcd_db_cfg *cfg, char *const *nodes,
                           size_t nnodes, size_t node);
/** Append "http://<node>:<port>" to sb. */
void fl_etcd_client_url(struct fl_strbuf *sb, const char *node, int port);
/**
 * Poll http://node:port/health from this process until it answers healthy
 * (the member sees a leader and can serve a quorum read), at most
 * timeout_ms. FL_ELIMIT with a message naming the node on timeout.
 */
int fl_etcd_await_healthy(const char *node, int port, int64_t timeout_ms,
                          struct fl_err *err);

/* ---- workloads and the client plug-in (workloads.c) ---- */

struct fl_arena;
struct fl_gen;
struct fl_op;

enum fl_etcd_workload {
    FL_ETCD_WL_REGISTER, /* independent cas registers, linearizability */
    FL_ETCD_WL_SET,      /* unique adds + whole-set reads */
};

/* The seed client's shared settings (read-only while the test runs). */
struct fl_etcd_client_cfg {
    enum fl_etcd_workload workload;
    int client_port;         /* members' client port */
    int64_t timeout_ms;      /* per request */
    bool serializable_reads; /* local reads, which may be stale */
};

/** The client plug-in; c->shared is a struct fl_etcd_client_cfg. */
extern const struct fl_client_type fl_etcd_client_type;

/**
 * Write an outcome into a completion: out->type, and for :fail/:info an
 * :error [:<kw> "detail"] allocated in a.
 */
void fl_etcd_complete(const struct fl_etcd_outcome *o, struct fl_arena *a,
                      struct fl_op *out);

#endif
