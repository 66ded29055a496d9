/* SPDX-License-Identifier: MIT */
/*
 * suite.c: `faultline test redis` (fl_suite_redis, listed in
 * src/cli/suites.c): Redis 7 with Sentinel from Debian (db.c), the hiredis
 * client that follows failovers (client.c), the standard workloads set,
 * register and queue (workload/) with their checkers from the registry,
 * and the combined nemesis. docs/redis.md is the guide.
 */
#include "util/common.h"

#include "suites/redis/redis.h"

#include "db/db.h"
#include "gen/gen.h"
#include "nemesis/combined.h"
#include "os/debian.h"
#include "run/test.h"
#include "util/clock.h"
#include "util/err.h"
#include "workload/workload.h"

static const struct fl_suite_opt redis_opts[] = {
    {"wait", "N", "0",
     "after every write, WAIT for N replicas; fewer acks make the write "
     ":info (0: no WAIT)"},
    {"wait-timeout", "MS", "1000", "WAIT's timeout (ms)"},
    {"request-timeout", "MS", "2000",
     "socket timeout of one command (ms); a write that times out is :info"},
    {"quorum", "N", "0",
     "Sentinels that must agree the primary is down (0: a majority)"},
    {"down-after", "MS", "2000",
     "Sentinel down-after-milliseconds: unreachable this long is down"},
    {"failover-timeout", "MS", "10000", "Sentinel failover-timeout (ms)"},
    {"preferred-replica", "NODE", "none",
     "give NODE replica-priority 1 (the others keep 100): Sentinel promotes "
     "it before any more up-to-date replica"},
    {"appendfsync", "MODE", "everysec",
     "Redis appendfsync: always, everysec "
     "or no"},
    {"final-wait", "MS", NULL,
     "set, queue: wait this long after healing before the final read or "
     "drain, so Sentinel can demote a primary that was cut off (default: "
     "20000 with faults, 0 without)"},
    {"redis-port", "PORT", "6379", "Redis port"},
    {"sentinel-port", "PORT", "26379", "Sentinel port"},
    {"redis-dir", "DIR", FL_REDIS_DEFAULT_DIR,
     "files of node N under DIR/redis/N and DIR/sentinel/N"},
    {"partition-targets", "LIST", "primaries,majority",
     "partition topologies to draw from (one, majority, majorities-ring, "
     "minority-third, primaries, halves, bridge, ...)"},
    {"nemesis-targets", "LIST", NULL,
     "nodes kill and pause aim at (one, minority, majority, all, primaries; "
     "default: all of them)"},
    {"ops-per-key", "N", "200", "register: ops on one key before the next"},
    {"threads-per-key", "N", NULL,
     "register: threads sharing a key (default: the largest divisor of "
     "the concurrency up to 5)"},
    {"adds-per-read", "N", "10", "set: mean adds between two reads"},
    {NULL, NULL, NULL, NULL},
};

static const char *const redis_workloads[] = {"set", "register", "queue", NULL};
static const char *const redis_nemeses[] = {
    "none", "partition", "kill", "pause", "clock", "partition,kill,pause",
    NULL};

/* Each option's integer, checked, into the field it belongs to. */
static int
client_cfg(const struct fl_env *env, struct fl_redis_cfg *cfg,
           struct fl_err *err)
{
    int64_t port, sport, wait;
    int rc = fl_env_opt_int_in(env, "redis-port", 6379, 1, 65535, &port, err);

    if (rc == 0)
        rc = fl_env_opt_int_in(env, "sentinel-port", 26379, 1, 65535, &sport,
                               err);
    if (rc == 0)
        rc = fl_env_opt_int_in(env, "wait", 0, 0, 100, &wait, err);
    if (rc == 0)
        rc = fl_env_opt_int_in(env, "wait-timeout", 1000, 1, 600000,
                               &cfg->wait_timeout_ms, err);
    if (rc == 0)
        rc = fl_env_opt_int_in(env, "request-timeout", 2000, 10, 600000,
                               &cfg->timeout_ms, err);
    if (rc != 0)
        return rc;
    if (port == sport)
        return fl_err_set(err, FL_EUSAGE,
                          "--sentinel-port must differ from --redis-port");
    if (wait > 0 && cfg->timeout_ms <= cfg->wait_timeout_ms)
        return fl_err_set(err, FL_EUSAGE,
                          "--request-timeout must exceed --wait-timeout");
    cfg->redis_port = (int)port;
    cfg->sentinel_port = (int)sport;
    cfg->wait = (int)wait;
    return 0;
}

/*
 * --preferred-replica: none, or a node that is not the first primary. The
 * nodes of a local cluster are known only when the run starts: the config
 * template then refuses a name that is not a node (setup fails naming it).
 */
static int
preferred_opt(const struct fl_env *env, struct fl_err *err)
{
    const char *p = fl_env_opt_str(env, "preferred-replica", "none");

    if (strcmp(p, "none") == 0 || env->nnodes == 0)
        return 0;
    for (size_t i = 1; i < env->nnodes; i++)
        if (strcmp(p, env->nodes[i]) == 0)
            return 0;
    return fl_err_set(err, FL_EUSAGE,
                      "--preferred-replica: '%s' is not a node other than "
                      "the first (%s), which starts as the primary",
                      p, env->nnodes ? env->nodes[0] : "none");
}

/* Sentinel's settings: checked here, used by the config template. */
static int
sentinel_opts(struct fl_test *t, struct fl_err *err)
{
    const char *fsync = fl_env_opt_str(&t->env, "appendfsync", "everysec");
    int64_t q, v;
    int rc = fl_env_opt_int_in(&t->env, "quorum", 0, 0, 1000, &q, err);

    if (rc == 0)
        rc = fl_env_opt_int_in(&t->env, "down-after", 2000, 100, 3600000, &v,
                               err);
    if (rc == 0)
        rc = fl_env_opt_int_in(&t->env, "failover-timeout", 10000, 100, 3600000,
                               &v, err);
    if (rc == 0)
        rc = preferred_opt(&t->env, err);
    if (rc != 0)
        return rc;
    if (strcmp(fsync, "always") && strcmp(fsync, "everysec") &&
        strcmp(fsync, "no"))
        return fl_err_set(err, FL_EUSAGE,
                          "--appendfsync: '%s' is not always, everysec or no",
                          fsync);
    return 0;
}

/*
 * Sentinel demotes a primary that was cut off some seconds after it is
 * reachable again (and it then resyncs): a final read before that would
 * read from it, as if nothing were lost.
 */
static int
build_workload(struct fl_test *t, enum fl_redis_wl wl, struct fl_err *err)
{
    const char *nem = fl_env_opt_str(&t->env, "nemesis", "partition");
    int64_t settle_ms = strcmp(nem, "none") == 0 ? 0 : 20000;
    uint32_t final_f = wl == FL_REDIS_WL_QUEUE ? FL_KW_DRAIN : FL_KW_READ;
    struct fl_workload w = {0};
    const char *spec;
    int64_t a, b;
    int rc = 0;

    if (wl == FL_REDIS_WL_SET) {
        rc = fl_env_opt_int_in(&t->env, "adds-per-read", 10, 1, INT32_MAX, &a,
                               err);
        struct fl_wl_set_opts o = {.adds_per_read = a};
        if (rc == 0)
            rc = fl_wl_set(&o, &w, err);
        spec = "{:set-full {} :stats {}}";
    } else if (wl == FL_REDIS_WL_REGISTER) {
        rc = fl_env_opt_int_in(&t->env, "ops-per-key", 200, 1, INT32_MAX, &a,
                               err);
        if (rc == 0)
            rc = fl_env_opt_int_in(&t->env, "threads-per-key",
                                   fl_wl_divisor(t->concurrency, 5), 1,
                                   t->concurrency, &b, err);
        struct fl_wl_register_opts o = {.concurrency = t->concurrency,
                                        .threads_per_key = (int)b,
                                        .ops_per_key = a};
        if (rc == 0)
            rc = fl_wl_register(&o, &w, err);
        spec = "{:linearizable {:model :cas-register :independent? true} "
               ":stats {}}";
    } else {
        fl_wl_queue(&w);
        /* What went in must come out: drain after healing. */
        w.final_generator = fl_gen_invoke(FL_KW_DRAIN, fl_val_nil());
        spec = "{:total-queue {} :stats {}}";
    }
    if (rc == 0)
        rc = fl_test_set_checker(t, spec, err);
    if (rc == 0)
        rc = fl_env_opt_int_in(&t->env, "final-wait", settle_ms, 0, 3600000, &a,
                               err);
    if (rc == 0 && w.final_generator) {
        /* Settle, then read (or drain) until it works, 30 tries at most. */
        fl_gen_free(w.final_generator);
        w.final_generator = FL_GEN_PHASES(
            fl_gen_sleep(a * FL_NS_PER_MS),
            fl_gen_until_ok(fl_gen_limit(
                30, fl_gen_repeat(-1, fl_gen_invoke(final_f, fl_val_nil())))));
    }
    if (rc == 0) {
        t->generator = w.generator;
        t->final_generator = w.final_generator;
        w.generator = w.final_generator = NULL;
    }
    fl_workload_release(&w);
    return rc;
}

static int
build_nemesis(struct fl_test *t, struct fl_err *err)
{
    unsigned faults = 0;
    int rc = fl_nemesis_faults_parse(
        fl_env_opt_str(&t->env, "nemesis", "partition"), &faults, err);

    if (rc != 0) {
        fl_err_prefix(err, "--nemesis: ");
        return FL_EUSAGE;
    }
    struct fl_nemesis_opts no = {
        .faults = faults,
        .interval_ns = t->nemesis_interval_ns,
        .targets = fl_env_opt_str(&t->env, "nemesis-targets", NULL),
        .partition_targets =
            fl_env_opt_str(&t->env, "partition-targets", "primaries,majority"),
        .db = t->db,
    };
    rc = fl_nemesis_combined(&no, &t->nemesis, err);
    if (rc == FL_EUSAGE)
        fl_err_prefix(err, "--partition-targets: ");
    return rc;
}

static int
redis_build(struct fl_test *t, struct fl_err *err)
{
    static const char *const pkgs[] = {"redis-server", "redis-sentinel", NULL};
    struct fl_redis_cfg *cfg = fl_xcalloc(1, sizeof(*cfg));
    const char *wl, *dir;
    char name[64];
    int rc;

    fl_test_sync_env(t);
    wl = fl_env_opt_str(&t->env, "workload", "set");
    dir = fl_env_opt_str(&t->env, "redis-dir", FL_REDIS_DEFAULT_DIR);
    rc = client_cfg(&t->env, cfg, err);
    if (rc == 0 && !fl_suite_has(redis_workloads, wl))
        rc = fl_err_set(err, FL_EUSAGE,
                        "--workload: redis has no workload '%s' "
                        "(set, register, queue)",
                        wl);
    if (rc == 0 && dir[0] != '/')
        rc = fl_err_set(err, FL_EUSAGE, "--redis-dir: '%s' is not absolute",
                        dir);
    if (rc == 0)
        rc = sentinel_opts(t, err);
    if (rc != 0) {
        free(cfg);
        return rc;
    }
    cfg->workload = strcmp(wl, "set") == 0        ? FL_REDIS_WL_SET
                    : strcmp(wl, "register") == 0 ? FL_REDIS_WL_REGISTER
                                                  : FL_REDIS_WL_QUEUE;
    snprintf(name, sizeof(name), "redis-%s%s", wl, cfg->wait ? "-wait" : "");
    fl_test_set_name(t, name);
    t->os = fl_os_debian_new(pkgs);
    t->db = fl_redis_db_new(cfg, dir, err);
    t->client.type = &fl_redis_client_type;
    t->client.shared = cfg;
    t->client.free_shared = free;
    if (!t->db)
        return err && err->code ? err->code : FL_EUSAGE;
    rc = build_workload(t, cfg->workload, err);
    if (rc == 0)
        rc = build_nemesis(t, err);
    return rc;
}

const struct fl_suite fl_suite_redis = {
    .name = "redis",
    .summary = "Redis 7 with Sentinel failover (Debian redis-server)",
    .opts = redis_opts,
    .workloads = redis_workloads,
    .nemeses = redis_nemeses,
    .in_process = false,
    .build = redis_build,
};
