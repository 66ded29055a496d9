/* SPDX-License-Identifier: MIT */
/*
 * suite.c: `faultline test zookeeper` (fl_suite_zookeeper, listed in
 * src/cli/suites.c): the ensemble (db.c), the client (client.c), the
 * standard register, set or queue workload, and the whole nemesis package,
 * clock faults included (they reach the JVMs through the time shim).
 */
#include "util/common.h"

#include "suites/zookeeper/zk.h"

#include "control/cluster.h"
#include "nemesis/combined.h"
#include "os/os.h"
#include "run/client.h"
#include "run/test.h"
#include "util/err.h"
#include "workload/workload.h"

static const struct fl_suite_opt zk_opts[] = {
    {"no-sync", NULL, NULL,
     "read without sync first: a follower cut off from the leader may "
     "answer stale reads (expect :valid? false under partitions)"},
    {"ops-per-key", "N", "200", "register: ops on one key before the next"},
    {"threads-per-key", "N", NULL,
     "register: threads sharing a key (default: the largest divisor of "
     "the concurrency up to the node count)"},
    {"adds-per-read", "N", "10", "set: mean adds between two reads"},
    {"request-timeout", "MS", "5000",
     "wait this long for an answer; a write then ends :info"},
    {"session-timeout", "MS", "10000", "ZooKeeper session timeout"},
    {"tick-time", "MS", "2000", "zoo.cfg tickTime (syncLimit is 5 ticks)"},
    {"heap", "SIZE", "96m", "JVM heap of each server (-Xmx)"},
    {"zookeeper-dir", "DIR", FL_ZK_DEFAULT_DIR,
     "server files on each node go under DIR/<node>/"},
    {"client-port", "PORT", "2181", "ZooKeeper client port"},
    {NULL, NULL, NULL, NULL},
};

static const char *const zk_workloads[] = {"register", "set", "queue", NULL};
static const char *const zk_nemeses[] = {
    "none", "partition", "kill", "pause", "clock", "partition,kill,pause,clock",
    NULL};

static int
build_workload(struct fl_test *t, enum fl_zk_workload kind, bool sync,
               struct fl_err *err)
{
    struct fl_workload w = {0};
    int64_t n;
    int rc;

    if (kind == FL_ZK_WL_QUEUE) {
        fl_wl_queue(&w);
        rc = 0;
    } else if (kind == FL_ZK_WL_SET) {
        rc = fl_env_opt_int_in(&t->env, "adds-per-read", 10, 1, INT32_MAX, &n,
                               err);
        struct fl_wl_set_opts o = {.adds_per_read = n, .linearizable = sync};
        if (rc == 0)
            rc = fl_wl_set(&o, &w, err);
    } else {
        size_t nn = t->nnodes ? t->nnodes : FL_CLUSTER_DEFAULT_NODES;
        struct fl_wl_register_opts o = {0};
        rc = fl_wl_register_opts_env(&t->env, t->concurrency,
                                     fl_wl_divisor(t->concurrency, (int)nn),
                                     200, &o, err);
        if (rc == 0)
            rc = fl_wl_register(&o, &w, err);
    }
    t->generator = w.generator;
    t->final_generator = w.final_generator;
    t->checker = w.checker;
    return rc;
}

static int
build_db(struct fl_test *t, struct fl_zk_db_cfg *dc, struct fl_err *err)
{
    const struct fl_env *env = &t->env;
    int64_t port, tick;
    int rc = fl_env_opt_int_in(env, "client-port", 2181, 1, 65535, &port, err);

    if (rc == 0)
        rc = fl_env_opt_int_in(env, "tick-time", 2000, 50, 60000, &tick, err);
    if (rc != 0)
        return rc;
    dc->dir = fl_env_opt_str(env, "zookeeper-dir", FL_ZK_DEFAULT_DIR);
    dc->heap = fl_env_opt_str(env, "heap", "96m");
    dc->client_port = (int)port;
    dc->tick_ms = (int)tick;
    if (strspn(dc->heap, "0123456789") == 0 ||
        strspn(dc->heap, "0123456789kKmMgG") != strlen(dc->heap))
        return fl_err_set(err, FL_EUSAGE, "--heap: '%s' is not a size (96m)",
                          dc->heap);
    if (dc->dir[0] != '/')
        return fl_err_set(err, FL_EUSAGE,
                          "--zookeeper-dir: '%s' is not absolute", dc->dir);
    t->db = fl_zk_db_new(dc, err);
    return t->db ? 0 : FL_EUSAGE;
}

static int
build_client(struct fl_test *t, const struct fl_zk_db_cfg *dc,
             enum fl_zk_workload kind, bool sync, struct fl_err *err)
{
    struct fl_zk_client_cfg *cc = fl_xcalloc(1, sizeof(*cc));
    int rc;

    cc->workload = kind;
    cc->client_port = dc->client_port;
    cc->sync_reads = sync;
    rc = fl_env_opt_int_in(&t->env, "request-timeout", 5000, 10, 600000,
                           &cc->timeout_ms, err);
    if (rc == 0)
        rc = fl_env_opt_int_in(&t->env, "session-timeout", 10000, 1000, 600000,
                               &cc->session_timeout_ms, err);
    t->client.type = &fl_zk_client_type;
    t->client.shared = cc;
    t->client.free_shared = free;
    return rc;
}

static int
zk_build(struct fl_test *t, struct fl_err *err)
{
    struct fl_zk_db_cfg dc;
    unsigned faults = 0;
    char name[64];
    int rc;

    fl_test_sync_env(t);
    const char *wl = fl_env_opt_str(&t->env, "workload", "register");
    if (!fl_suite_has(zk_workloads, wl))
        return fl_err_set(err, FL_EUSAGE,
                          "--workload: zookeeper has no workload '%s' "
                          "(register, set, queue)",
                          wl);
    enum fl_zk_workload kind = strcmp(wl, "set") == 0     ? FL_ZK_WL_SET
                               : strcmp(wl, "queue") == 0 ? FL_ZK_WL_QUEUE
                                                          : FL_ZK_WL_REGISTER;
    bool sync = !fl_env_opt_bool(&t->env, "no-sync", false);
    snprintf(name, sizeof(name), "zookeeper-%s%s", wl, sync ? "" : "-no-sync");
    fl_test_set_name(t, name);

    rc = build_db(t, &dc, err);
    if (rc == 0)
        rc = build_client(t, &dc, kind, sync, err);
    if (rc == 0)
        rc = build_workload(t, kind, sync, err);
    if (rc == 0 &&
        fl_nemesis_faults_parse(fl_env_opt_str(&t->env, "nemesis", "none"),
                                &faults, err) != 0) {
        fl_err_prefix(err, "--nemesis: ");
        rc = FL_EUSAGE;
    }
    if (rc != 0)
        return rc;
    struct fl_nemesis_opts no = {
        .faults = faults,
        .interval_ns = t->nemesis_interval_ns,
        .targets = fl_env_opt_str(&t->env, "nemesis-targets", NULL),
        .db = t->db,
    };
    return fl_nemesis_combined(&no, &t->nemesis, err);
}

const struct fl_suite fl_suite_zookeeper = {
    .name = "zookeeper",
    .summary = "ZooKeeper 3.8 (Debian) ensemble through libzookeeper_mt",
    .opts = zk_opts,
    .workloads = zk_workloads,
    .nemeses = zk_nemeses,
    .in_process = false,
    .build = zk_build,
};
