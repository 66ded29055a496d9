/* SPDX-License-Identifier: MIT */
/*
 * test_etcd_suite.c: the etcd suite end to end, short: a private
 * three-node local cluster (names, bridge, subnet and state dir of its
 * own), the suite's build() with partitions, kills and pauses every
 * second or two, fl_test_run() for a few seconds, then: a valid verdict,
 * nemesis and client ops in history.edn, and every member's log in the
 * store. Option errors are checked offline. Skipped (FL_SKIP) without
 * root, network namespaces or /usr/bin/etcd.
 */
#include "util/common.h"

#include "tests/unit/test.h"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control/cluster.h"
#include "history/hist.h"
#include "run/run.h"
#include "run/test.h"
#include "util/err.h"
#include "util/parse.h"
#include "util/strbuf.h"

extern const struct fl_suite fl_suite_etcd;

static int
build_with(const char *const *kv, struct fl_err *err)
{
    struct fl_test t;
    int rc;

    fl_test_init(&t);
    fl_test_add_node(&t, "n1");
    fl_test_add_node(&t, "n2");
    fl_test_add_node(&t, "n3");
    t.concurrency = 6;
    for (size_t i = 0; kv[i]; i += 2)
        fl_test_set_opt_str(&t, kv[i], kv[i + 1]);
    rc = fl_suite_etcd.build(&t, err);
    fl_test_release(&t);
    return rc;
}

static void
test_etcd_suite_options(void)
{
    struct fl_err err = FL_ERR_INIT;

    ASSERT_OK(build_with((const char *const[]){NULL}, &err));
    ASSERT_OK(build_with((const char *const[]){"workload", "set",
                                               "serializable-reads", "true",
                                               "nemesis", "partition", NULL},
                         &err));
    ASSERT_EQ(
        build_with((const char *const[]){"workload", "queue", NULL}, &err),
        FL_EUSAGE);
    ASSERT(strstr(err.msg, "--workload"));
    fl_err_clear(&err);
    ASSERT_EQ(build_with((const char *const[]){"ops-per-key", "x", NULL}, &err),
              FL_EUSAGE);
    ASSERT(strstr(err.msg, "--ops-per-key"));
    fl_err_clear(&err);
    ASSERT_EQ(
        build_with((const char *const[]){"threads-per-key", "4", NULL}, &err),
        FL_EUSAGE);
    fl_err_clear(&err);
    ASSERT_EQ(
        build_with((const char *const[]){"nemesis", "earthquake", NULL}, &err),
        FL_EUSAGE);
    fl_err_clear(&err);
    ASSERT_EQ(build_with((const char *const[]){"etcd-dir", "rel", NULL}, &err),
              FL_EUSAGE);
    fl_err_clear(&err);
    ASSERT_EQ(build_with((const char *const[]){"request-timeout", "soon", NULL},
                         &err),
              FL_EUSAGE);
}

static size_t
count_ops(const struct fl_hist *h, bool nemesis, int type)
{
    size_t n = 0;
    for (size_t i = 0; i < h->n; i++) {
        bool is_nem = h->ops[i].process == FL_PROC_NEMESIS;
        if (is_nem == nemesis && (type < 0 || h->ops[i].type == type))
            n++;
    }
    return n;
}

/*
 * A crashed earlier run (the runner forks each test) leaves its cluster
 * up, and the fixed subnet would then make this one skip: remove clusters
 * of this test whose process is gone.
 */
static void
reap_stale_clusters(const char *prefix)
{
    DIR *d = opendir("/run");
    struct dirent *de;
    size_t n = strlen(prefix);

    while (d && (de = readdir(d)) != NULL) {
        int64_t pid;
        if (strncmp(de->d_name, prefix, n) != 0 ||
            fl_parse_int64(de->d_name + n, 1, INT32_MAX, &pid, NULL) != 0)
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        char dir[300];
        snprintf(dir, sizeof(dir), "/run/%s", de->d_name);
        fl_cluster_down(dir, NULL);
        char cmd[300];
        snprintf(cmd, sizeof(cmd),
                 "rm -rf /tmp/fl-etcds-%lld /tmp/fl-etcds-store-%lld",
                 (long long)pid, (long long)pid);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", cmd);
    }
    if (d)
        closedir(d);
}

static void
test_etcd_suite_short_run(void)
{
    struct fl_err err = FL_ERR_INIT;
    struct fl_cluster cl;
    char state[96], data[96], store[96];
    struct fl_test t;
    struct fl_run_result res;
    struct fl_hist h;
    bool ok = false;

    if (geteuid() != 0 || fl_cluster_supported(NULL) != 1)
        FL_SKIP("needs root and network namespaces");
    if (access("/usr/bin/etcd", X_OK) != 0)
        FL_SKIP("etcd not installed (apt-get install etcd-server)");
    reap_stale_clusters("faultline-etcds-");
    snprintf(state, sizeof(state), "/run/faultline-etcds-%d", (int)getpid());
    snprintf(data, sizeof(data), "/tmp/fl-etcds-%d", (int)getpid());
    snprintf(store, sizeof(store), "/tmp/fl-etcds-store-%d", (int)getpid());
    struct fl_cluster_opts co = {
        .nodes = 3,
        .subnet = "10.213.62.0/24",
        .bridge = "fletcds0",
        .node_prefix = "es",
        .netns_prefix = "fles-",
        .state_dir = state,
    };
    memset(&cl, 0, sizeof(cl));
    memset(&res, 0, sizeof(res));
    fl_hist_init(&h);
    int rc = fl_cluster_up(&co, &cl, &err);
    if (rc == -EEXIST)
        FL_SKIP("test cluster names taken: %s", err.msg);
    if (rc != 0)
        fl_test_fail(__FILE__, __LINE__, "cluster up: %s", err.msg);

    fl_test_init(&t);
    for (size_t i = 0; i < cl.n; i++)
        fl_test_add_node(&t, cl.nodes[i]);
    t.concurrency = 6;
    t.seed = fl_test_seed();
    t.time_limit_ns = 8 * 1000000000LL;
    t.nemesis_interval_ns = 1500 * 1000000LL;
    t.remote_opts.backend = "netns";
    t.remote_opts.netns_prefix = "fles-";
    fl_test_set_opt_str(&t, "nemesis", "partition,kill,pause");
    fl_test_set_opt_str(&t, "etcd-dir", data);
    fl_test_set_opt_str(&t, "request-timeout", "1s");
    rc = fl_suite_etcd.build(&t, &err);
    if (rc == 0) {
        struct fl_run_opts ro = {.store_root = store, .progress = stdout};
        rc = fl_test_run(&t, &ro, &res, &err);
    }
    if (rc != 0) {
        fprintf(stderr, "run: %s\n", err.msg);
        goto out;
    }
    printf("verdict %d, %zu ops, store %s\n", (int)res.verdict, res.nops,
           res.store_dir);
    if (res.verdict != FL_VERDICT_TRUE) {
        fprintf(stderr, "not valid: %s\n", res.headline);
        goto out;
    }
    struct fl_strbuf p = FL_STRBUF_INIT;
    fl_strbuf_addf(&p, "%s/history.edn", res.store_dir);
    rc = fl_hist_load(p.buf, FL_HIST_AUTO, &h, &err);
    if (rc != 0) {
        fprintf(stderr, "load %s: %s\n", p.buf, err.msg);
        fl_strbuf_release(&p);
        goto out;
    }
    size_t nem = count_ops(&h, true, -1);
    size_t okc = count_ops(&h, false, FL_OP_OK);
    printf("%zu nemesis ops, %zu client :ok\n", nem, okc);
    bool logs = true;
    for (size_t i = 0; i < cl.n; i++) {
        struct stat st;
        fl_strbuf_reset(&p);
        fl_strbuf_addf(&p, "%s/%s/etcd.log", res.store_dir, cl.nodes[i]);
        if (stat(p.buf, &st) != 0 || st.st_size == 0) {
            fprintf(stderr, "missing log %s\n", p.buf);
            logs = false;
        }
    }
    fl_strbuf_release(&p);
    /* Faults every 1.5 s on 3 nodes can leave no quorum for most of the
     * run (a kill and an isolated node); some ops still get through. */
    ok = nem >= 4 && okc >= 10 && logs;
out:
    fl_hist_release(&h);
    fl_test_release(&t);
    fl_cluster_release(&cl);
    if (fl_cluster_down(state, &err) != 0)
        fprintf(stderr, "cluster down: %s\n", err.msg);
    {
        char cmd[300];
        /* FL_ETCD_KEEP_STORE=1 keeps the store for a look at the run. */
        bool keep = getenv("FL_ETCD_KEEP_STORE") != NULL;
        snprintf(cmd, sizeof(cmd), "rm -rf '%s' %s%s%s", data, keep ? "" : "'",
                 keep ? "" : store, keep ? "" : "'");
        if (system(cmd) != 0)
            fprintf(stderr, "cleanup failed\n");
    }
    fl_run_result_release(&res);
    ASSERT(ok);
}

static const struct fl_test_case etcd_suite_tests[] = {
    FL_TEST(test_etcd_suite_options),
    FL_TEST_T(test_etcd_suite_short_run, 90),
    FL_TEST_END,
};

FL_TEST_SUITE(etcd_suite, etcd_suite_tests);
