/* SPDX-License-Identifier: MIT */
/*
 * redis.h: the Redis suite's parts (docs/redis.md): Redis 7 with one
 * Sentinel per node (db.c), a hiredis client that asks the Sentinels for
 * the primary and follows failovers (client.c), and the suite (suite.c).
 */
#ifndef FL_SUITE_REDIS_H
#define FL_SUITE_REDIS_H

#include <stdbool.h>
#include <stdint.h>

#include "history/op.h"
#include "run/client.h"

struct fl_db;
struct fl_err;

#define FL_REDIS_DEFAULT_DIR "/var/lib/faultline/redis"
#define FL_REDIS_MASTER_NAME "faultline" /* Sentinel's name for the set */

enum fl_redis_wl { FL_REDIS_WL_SET, FL_REDIS_WL_REGISTER, FL_REDIS_WL_QUEUE };

/* Settings shared by the DB's probes and every client. */
struct fl_redis_cfg {
    enum fl_redis_wl workload;
    int redis_port, sentinel_port;
    int64_t timeout_ms;      /* socket timeout of a command */
    int wait;                /* WAIT this many replicas after writes; 0 off */
    int64_t wait_timeout_ms; /* WAIT's own timeout */
};

/** The DB: redis-server and redis-sentinel on each node under dir. */
struct fl_db *fl_redis_db_new(const struct fl_redis_cfg *cfg, const char *dir,
                              struct fl_err *err);

/** What a command did, as far as the client can tell. */
struct fl_redis_status {
    bool sent;             /* a primary was found and the command sent */
    bool conn_err;         /* timeout, reset or EOF before the reply */
    const char *err_reply; /* Redis's error reply ("READONLY ..."), or NULL */
    bool wait_short;       /* WAIT acknowledged fewer replicas than asked */
};

/**
 * The one mapping from a status to a completion (docs/redis.md): OK when
 * all went well; FAIL when nothing was sent or Redis answered an error
 * (it refused: the command had no effect), or when a command that changes
 * nothing lost its connection; INFO when a command that changes state lost
 * its connection or its WAIT fell short (the write is applied on the
 * primary but may be lost). *why gets a short keyword for :error (NULL when
 * OK).
 */
enum fl_op_type fl_redis_op_type(const struct fl_redis_status *s, bool mutates,
                                 const char **why);

/**
 * A hiredis connection to host:port with timeout_ms for the connect and
 * every command, or NULL (nothing to free) when it cannot connect.
 */
struct redisContext *fl_redis_connect(const char *host, int port,
                                      int64_t timeout_ms);

extern const struct fl_client_type fl_redis_client_type;

#endif
