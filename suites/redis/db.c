/* SPDX-License-Identifier: MIT */
/*
 * db.c: Redis and its Sentinels on the test's nodes, as two daemon DBs
 * (db/daemon_db.h) composed per node (db/compose.h): redis-server first,
 * then redis-sentinel. The first node starts as the primary and the others
 * replicate it; every node's Sentinel monitors it with a quorum of a
 * majority. Each daemon writes its own config on the first start only
 * (Redis and Sentinel rewrite their config files as failovers happen, so a
 * killed node comes back with what it last knew, as in production). Redis
 * and Sentinel live in <dir>/redis/<node> and <dir>/sentinel/<node>. Redis
 * is healthy when it answers and, on a replica, its link to the primary is
 * up; a Sentinel when it knows the primary and every other Sentinel. The
 * primary is a node whose Redis reports role master. Both run under the
 * clock shim on the local cluster (time_shim), so clock faults reach them.
 */
#include "util/common.h"

#include "suites/redis/redis.h"

#include <hiredis/hiredis.h>

#include "db/compose.h"
#include "db/daemon_db.h"
#include "db/db.h"
#include "os/os.h"
#include "util/err.h"

static const char redis_conf[] = "# written by faultline for {{node}}\n"
                                 "port {{opt:redis-port}}\n"
                                 "bind 0.0.0.0\n"
                                 "protected-mode no\n"
                                 "daemonize no\n"
                                 "logfile \"\"\n"
                                 "dir {{data}}\n"
                                 "appendonly yes\n"
                                 "appendfsync {{opt:appendfsync}}\n"
                                 "save \"\"\n";

static const char sentinel_conf[] =
    "# written by faultline for {{node}}\n"
    "port {{opt:sentinel-port}}\n"
    "bind 0.0.0.0\n"
    "protected-mode no\n"
    "daemonize no\n"
    "logfile \"\"\n"
    "dir {{dir}}\n"
    "sentinel resolve-hostnames yes\n"
    "sentinel down-after-milliseconds " FL_REDIS_MASTER_NAME
    " {{opt:down-after}}\n"
    "sentinel failover-timeout " FL_REDIS_MASTER_NAME
    " {{opt:failover-timeout}}\n"
    "sentinel parallel-syncs " FL_REDIS_MASTER_NAME " 1\n";

/* The node's dir is the working directory; configs are kept once made. */
static const char *const redis_args[] = {
    "-c",
    "mkdir -p {{data}} && "
    "if [ ! -f redis.conf ]; then cp redis.conf.in redis.conf && "
    "{ [ {{index}} = 1 ] || "
    "echo 'replicaof {{first}} {{opt:redis-port}}' >> redis.conf; } && "
    /* --preferred-replica: Sentinel promotes it before any other. */
    "{ [ '{{node}}' != '{{opt:preferred-replica}}' ] || "
    "echo 'replica-priority 1' >> redis.conf; }; fi && "
    "case ' none{{#nodes }} {{n}}{{/nodes}} ' in "
    "*\" {{opt:preferred-replica}} \"*) "
    "[ '{{opt:preferred-replica}}' != '{{first}}' ] ;; *) false;; esac || "
    "{ echo \"--preferred-replica: '{{opt:preferred-replica}}' is not a "
    "replica's node\" >&2; exit 2; } && "
    "exec redis-server redis.conf",
    NULL};

static const char *const sentinel_args[] = {
    "-c",
    /* The monitor line first: Sentinel wants the master before its
     * settings. --quorum 0 means a majority of the nodes. */
    "if [ ! -f sentinel.conf ]; then q={{opt:quorum}} && "
    "{ [ $q != 0 ] || q=$(( ({{#nodes +}}1{{/nodes}}) / 2 + 1 )); } && "
    "echo \"sentinel monitor " FL_REDIS_MASTER_NAME
    " {{first}} {{opt:redis-port}} $q\" > sentinel.conf && "
    "cat sentinel.conf.in >> sentinel.conf; fi && "
    "exec redis-sentinel sentinel.conf",
    NULL};

/* A command's reply on node's port, or NULL. */
static redisReply *
ask(const struct fl_env *env, size_t node, int port, const char *cmd)
{
    redisContext *c = fl_redis_connect(env->nodes[node], port, 1000);
    redisReply *r;

    if (!c)
        return NULL;
    r = redisCommand(c, cmd);
    redisFree(c);
    if (r && r->type == REDIS_REPLY_ERROR) {
        freeReplyObject(r);
        r = NULL;
    }
    return r;
}

/* Redis answers; a replica's link to its primary is up. */
static bool
redis_healthy(const struct fl_env *env, size_t node, void *arg)
{
    const struct fl_redis_cfg *cfg = arg;
    redisReply *r = ask(env, node, cfg->redis_port, "INFO replication");
    bool ok = r && r->type == REDIS_REPLY_STRING &&
              (strstr(r->str, "role:master") ||
               strstr(r->str, "master_link_status:up"));

    freeReplyObject(r);
    return ok;
}

static bool
redis_primary(const struct fl_env *env, size_t node, void *arg)
{
    const struct fl_redis_cfg *cfg = arg;
    redisReply *r = ask(env, node, cfg->redis_port, "ROLE");
    bool ok = r && r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
              r->element[0]->type == REDIS_REPLY_STRING &&
              strcmp(r->element[0]->str, "master") == 0;

    freeReplyObject(r);
    return ok;
}

/* The Sentinel knows the primary and all other Sentinels (failovers need a
 * majority of them to vote). */
static bool
sentinel_healthy(const struct fl_env *env, size_t node, void *arg)
{
    const struct fl_redis_cfg *cfg = arg;
    redisReply *r = ask(env, node, cfg->sentinel_port,
                        "SENTINEL SENTINELS " FL_REDIS_MASTER_NAME);
    bool ok =
        r && r->type == REDIS_REPLY_ARRAY && r->elements + 1 >= env->nnodes;

    freeReplyObject(r);
    return ok;
}

static struct fl_db *
part_new(const struct fl_redis_cfg *cfg, const char *dir, const char *name,
         const char *conf, const char *const *args,
         fl_daemon_db_probe_fn *healthy, fl_daemon_db_probe_fn *primary,
         struct fl_err *err)
{
    struct fl_redis_cfg *arg = fl_xmalloc(sizeof(*arg));
    char file[64], conf_file[64], *own = fl_xasprintf("%s/%s", dir, name);
    struct fl_db *db;

    *arg = *cfg;
    snprintf(file, sizeof(file), "%s.conf.in", name);
    snprintf(conf_file, sizeof(conf_file), "%s.conf", name);
    const struct fl_daemon_db_file files[] = {{file, conf}, {NULL, NULL}};
    /* The config as the daemon last rewrote it (failovers change it). */
    const char *const logs[] = {conf_file, NULL};
    const struct fl_daemon_db_desc desc = {
        .name = name,
        .binary = "/bin/sh",
        .args = args,
        .files = files,
        .dir = own, /* each its own: teardown removes <dir>/<node> */
        .healthy = healthy,
        .primary = primary,
        .logs = logs,
        .time_shim = true,
        .arg = arg,
        .free_arg = free,
    };
    db = fl_daemon_db_new(&desc, err);
    if (!db)
        free(arg);
    free(own);
    return db;
}

struct fl_db *
fl_redis_db_new(const struct fl_redis_cfg *cfg, const char *dir,
                struct fl_err *err)
{
    struct fl_db *parts[2];

    parts[0] = part_new(cfg, dir, "redis", redis_conf, redis_args,
                        redis_healthy, redis_primary, err);
    if (!parts[0])
        return NULL;
    parts[1] = part_new(cfg, dir, "sentinel", sentinel_conf, sentinel_args,
                        sentinel_healthy, NULL, err);
    if (!parts[1]) {
        fl_db_free(parts[0]);
        return NULL;
    }
    return fl_db_compose_new("redis", parts, 2);
}
