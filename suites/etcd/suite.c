/* SPDX-License-Identifier: MIT */
/*
 * suite.c: the etcd suite as `faultline test etcd` finds it (fl_suite_etcd,
 * listed in src/cli/suites.c). build() turns the options into a test: the
 * etcd DB on the nodes, the etcd client, the standard workload's generator
 * (workload/) with its checker built from an EDN spec (recorded in
 * test.edn), and the combined nemesis package (partitions, kills and
 * pauses by default). Option values arrive as strings or integers in
 * t->options; a bad one is FL_EUSAGE naming the option.
 */
#include "util/common.h"

#include "suites/etcd/etcd.h"

#include "control/cluster.h"
#include "nemesis/combined.h"
#include "run/test.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/parse.h"
#include "workload/workload.h"

static const struct fl_suite_opt etcd_opts[] = {
    {"serializable-reads", NULL, NULL,
     "read with serializable=true: local, non-quorum reads that may be "
     "stale under partitions (expect :valid? false)"},
    {"ops-per-key", "N", "200", "register: ops on one key before the next"},
    {"threads-per-key", "N", NULL,
     "register: threads sharing a key (default: gcd of concurrency and "
     "the node count)"},
    {"adds-per-read", "N", "10", "set: mean adds between two reads"},
    {"request-timeout", "DUR", "5s",
     "client request timeout; a write that times out is :info"},
    {"etcd-dir", "DIR", FL_ETCD_DEFAULT_DIR,
     "member files on each node go under DIR/<node>/"},
    {"client-port", "PORT", "2379", "etcd client port"},
    {"peer-port", "PORT", "2380", "etcd peer port"},
    {"election-timeout", "MS", "1000", "raft election timeout (ms)"},
    {"heartbeat-interval", "MS", "100", "raft heartbeat interval (ms)"},
    {NULL, NULL, NULL, NULL},
};

static const char *const etcd_workloads[] = {"register", "set", NULL};
static const char *const etcd_nemeses[] = {
    "none", "partition", "kill", "pause", "packet", "partition,kill,pause",
    NULL};

static int64_t
gcd(int64_t a, int64_t b)
{
    while (b) {
        int64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

static int
build_register(struct fl_test *t, struct fl_err *err)
{
    /* No nodes yet means the run will build the default local cluster. */
    size_t nnodes = t->nnodes ? t->nnodes : FL_CLUSTER_DEFAULT_NODES;
    struct fl_wl_register_opts o = {0};
    struct fl_workload w = {0};
    int rc = fl_wl_register_opts_env(&t->env, t->concurrency,
                                     (int)gcd(t->concurrency, (int64_t)nnodes),
                                     200, &o, err);

    if (rc == 0)
        rc = fl_wl_register(&o, &w, err);
    if (rc != 0)
        return rc;
    fl_workload_take_gens(&w, &t->generator, &t->final_generator);

    /* A key nobody wrote reads nil (no :init). The registry runs the search
     * under concurrency-limit: too big a search answers :unknown. */
    return fl_test_set_checker(
        t, "{:linearizable {:model :cas-register :independent? true}}", err);
}

static int
build_set(struct fl_test *t, struct fl_err *err)
{
    int64_t adds;
    int rc = fl_env_opt_int_in(&t->env, "adds-per-read", 10, 1, INT32_MAX,
                               &adds, err);

    if (rc != 0)
        return rc;
    /* etcd's default reads are linearizable: flag stale reads too. */
    struct fl_wl_set_opts o = {.adds_per_read = adds, .linearizable = true};
    struct fl_workload w = {0};
    rc = fl_wl_set(&o, &w, err);
    if (rc != 0)
        return rc;
    fl_workload_take_gens(&w, &t->generator, &t->final_generator);
    return fl_test_set_checker(t, "{:set-full {:linearizable? true}}", err);
}

static int
etcd_build(struct fl_test *t, struct fl_err *err)
{
    const struct fl_env *env;
    struct fl_etcd_db_cfg dbc;
    int64_t v;
    int rc;

    fl_test_sync_env(t);
    env = &t->env;
    const char *wl = fl_env_opt_str(env, "workload", "register");
    if (!fl_suite_has(etcd_workloads, wl))
        return fl_err_set(err, FL_EUSAGE,
                          "--workload: etcd has no workload '%s' "
                          "(register, set)",
                          wl);
    bool serializable = fl_env_opt_bool(env, "serializable-reads", false);
    {
        char name[64];
        snprintf(name, sizeof(name), "etcd-%s%s", wl,
                 serializable ? "-serializable" : "");
        fl_test_set_name(t, name);
    }

    /* The DB. */
    fl_etcd_db_cfg_defaults(&dbc);
    dbc.dir = (char *)fl_env_opt_str(env, "etcd-dir", FL_ETCD_DEFAULT_DIR);
    if (dbc.dir[0] != '/')
        return fl_err_set(err, FL_EUSAGE, "--etcd-dir: '%s' is not absolute",
                          dbc.dir);
    rc = fl_env_opt_int_in(env, "client-port", 2379, 1, 65535, &v, err);
    if (rc != 0)
        return rc;
    dbc.client_port = (int)v;
    rc = fl_env_opt_int_in(env, "peer-port", 2380, 1, 65535, &v, err);
    if (rc != 0)
        return rc;
    dbc.peer_port = (int)v;
    if (dbc.peer_port == dbc.client_port)
        return fl_err_set(err, FL_EUSAGE,
                          "--peer-port must differ from --client-port");
    rc = fl_env_opt_int_in(env, "heartbeat-interval", 100, 10, 10000, &v, err);
    if (rc != 0)
        return rc;
    dbc.heartbeat_ms = (int)v;
    rc = fl_env_opt_int_in(env, "election-timeout", 1000, 50, 60000, &v, err);
    if (rc != 0)
        return rc;
    dbc.election_ms = (int)v;
    if (dbc.election_ms < 5 * dbc.heartbeat_ms)
        return fl_err_set(err, FL_EUSAGE,
                          "--election-timeout must be at least 5 times "
                          "--heartbeat-interval (etcd's own rule)");
    t->db = fl_etcd_db_new(&dbc, err);
    if (!t->db)
        return err && err->code ? err->code : FL_EUSAGE;

    /* The client. */
    struct fl_etcd_client_cfg *cc = fl_xcalloc(1, sizeof(*cc));
    cc->workload =
        strcmp(wl, "set") == 0 ? FL_ETCD_WL_SET : FL_ETCD_WL_REGISTER;
    cc->client_port = dbc.client_port;
    cc->serializable_reads = serializable;
    rc = fl_env_opt_duration_ms(env, "request-timeout", 5000, 1, 3600 * 1000,
                                &cc->timeout_ms, err);
    if (rc != 0) {
        free(cc);
        return rc;
    }
    t->client.type = &fl_etcd_client_type;
    t->client.shared = cc;
    t->client.free_shared = free;

    /* The workload. */
    rc = cc->workload == FL_ETCD_WL_SET ? build_set(t, err)
                                        : build_register(t, err);
    if (rc != 0)
        return rc;

    /* The faults. */
    struct fl_nemesis_opts no = {.interval_ns = t->nemesis_interval_ns,
                                 .db = t->db};
    rc = fl_nemesis_opts_env(env, "partition,kill,pause", &no, err);
    if (rc == 0)
        rc = fl_nemesis_combined(&no, &t->nemesis, err);
    return rc;
}

const struct fl_suite fl_suite_etcd = {
    .name = "etcd",
    .summary = "etcd 3.4 (Debian etcd-server) through its v3 JSON gateway",
    .opts = etcd_opts,
    .workloads = etcd_workloads,
    .nemeses = etcd_nemeses,
    .in_process = false,
    .build = etcd_build,
};
