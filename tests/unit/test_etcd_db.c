/* SPDX-License-Identifier: MIT */
/*
 * test_etcd_db.c: the etcd suite's DB lifecycle on a real local cluster:
 * three network-namespace nodes of its own (subnet, bridge, names and state
 * dir private to this test, so it never touches anyone else's cluster),
 * members started through the netns remote, then kill/start, pause/resume,
 * primaries, log files and teardown. Skipped (FL_SKIP) when not root, when
 * namespaces are unavailable or when etcd is not installed. The member config
 * is also checked offline.
 */
#include "util/common.h"

#include "tests/unit/test.h"

#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control/cluster.h"
#include "control/remote.h"
#include "db/db.h"
#include "history/op.h"
#include "os/os.h"
#include "suites/etcd/etcd.h"
#include "util/err.h"
#include "util/parse.h"

static void
test_etcd_member_config(void)
{
    struct fl_etcd_db_cfg cfg;
    struct fl_strbuf sb = FL_STRBUF_INIT;
    char *nodes[] = {"n1", "n2", "n3"};

    fl_etcd_db_cfg_defaults(&cfg);
    cfg.dir = "/tmp/x";
    fl_etcd_member_config(&sb, &cfg, nodes, 3, 1);
    ASSERT(strstr(sb.buf, "name: 'n2'\n"));
    ASSERT(strstr(sb.buf, "data-dir: '/tmp/x/n2/data'\n"));
    ASSERT(strstr(sb.buf, "initial-cluster: 'n1=http://n1:2380,"
                          "n2=http://n2:2380,n3=http://n3:2380'\n"));
    ASSERT(strstr(sb.buf, "advertise-client-urls: 'http://n2:2379'\n"));
    ASSERT(strstr(sb.buf, "initial-advertise-peer-urls: 'http://n2:2380'\n"));
    ASSERT(strstr(sb.buf, "election-timeout: 1000\n"));
    ASSERT(strstr(sb.buf, "enable-grpc-gateway: true\n"));
    fl_strbuf_release(&sb);
}

/* Everything the live test builds, so the skip/cleanup paths are simple. */
struct live {
    char state_dir[96];
    char data_dir[96];
    struct fl_cluster cl;
    struct fl_remote *remotes[3];
    struct fl_env env;
    struct fl_db *db;
    bool cluster_up;
};

struct setup_arg {
    struct live *l;
    int (*fn)(struct fl_db *, const struct fl_env *, size_t, struct fl_err *);
};

static int
on_node(struct fl_remote *r, size_t i, void *arg, struct fl_err *err)
{
    struct setup_arg *a = arg;
    FL_UNUSED(r);
    return a->fn(a->l->db, &a->l->env, i, err);
}

static int
all_nodes(struct live *l,
          int (*fn)(struct fl_db *, const struct fl_env *, size_t,
                    struct fl_err *),
          struct fl_err *err)
{
    struct setup_arg a = {l, fn};
    return fl_remote_on_all(l->remotes, l->env.nnodes, on_node, &a, err);
}

static void
live_down(struct live *l)
{
    struct fl_err err = FL_ERR_INIT;

    if (l->db)
        all_nodes(l, fl_db_teardown, &err);
    fl_db_free(l->db);
    for (size_t i = 0; i < 3; i++)
        fl_remote_free(l->remotes[i]);
    if (l->cluster_up) {
        fl_cluster_release(&l->cl);
        if (fl_cluster_down(l->state_dir, &err) != 0)
            fprintf(stderr, "cluster down: %s\n", err.msg);
    }
}

static int64_t
get_value(const char *node, const char *key)
{
    char url[64];
    struct fl_etcd_outcome o;
    snprintf(url, sizeof(url), "http://%s:2379", node);
    struct fl_etcd_conn *c = fl_etcd_conn_new(url, 3000);
    fl_etcd_get(c, key, false, &o);
    fl_etcd_conn_free(c);
    return o.type == FL_OP_OK && o.found ? o.value : -1;
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
                 "rm -rf /tmp/fl-etcdt-%lld /tmp/fl-etcdt-%lld", (long long)pid,
                 (long long)pid);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", cmd);
    }
    if (d)
        closedir(d);
}

static void
test_etcd_db_lifecycle(void)
{
    struct fl_err err = FL_ERR_INIT;
    struct live l;

    memset(&l, 0, sizeof(l));
    if (geteuid() != 0 || fl_cluster_supported(NULL) != 1)
        FL_SKIP("needs root and network namespaces");
    if (access("/usr/bin/etcd", X_OK) != 0)
        FL_SKIP("etcd not installed (apt-get install etcd-server)");
    reap_stale_clusters("faultline-etcdt-");
    snprintf(l.state_dir, sizeof(l.state_dir), "/run/faultline-etcdt-%d",
             (int)getpid());
    snprintf(l.data_dir, sizeof(l.data_dir), "/tmp/fl-etcdt-%d", (int)getpid());
    struct fl_cluster_opts co = {
        .nodes = 3,
        .subnet = "10.213.61.0/24",
        .bridge = "fletcdt0",
        .node_prefix = "et",
        .netns_prefix = "flet-",
        .state_dir = l.state_dir,
    };
    int rc = fl_cluster_up(&co, &l.cl, &err);
    if (rc == -EEXIST)
        FL_SKIP("test cluster names taken: %s", err.msg);
    if (rc != 0)
        fl_test_fail(__FILE__, __LINE__, "cluster up: %s", err.msg);
    l.cluster_up = true;

    struct fl_remote_opts ro = {.backend = "netns", .netns_prefix = "flet-"};
    for (size_t i = 0; i < 3; i++) {
        l.remotes[i] = fl_remote_new(l.cl.nodes[i], &ro, &err);
        if (!l.remotes[i]) {
            live_down(&l);
            fl_test_fail(__FILE__, __LINE__, "remote: %s", err.msg);
        }
    }
    l.env.name = "etcd-db-test";
    l.env.nodes = l.cl.nodes;
    l.env.nnodes = 3;
    l.env.remotes = l.remotes;

    struct fl_etcd_db_cfg cfg;
    fl_etcd_db_cfg_defaults(&cfg);
    cfg.dir = l.data_dir;
    cfg.start_timeout_ms = 20000;
    l.db = fl_etcd_db_new(&cfg, &err);
    l.env.db = l.db;

#define CHECK(expr)                                                            \
    do {                                                                       \
        if ((expr) != 0) {                                                     \
            live_down(&l);                                                     \
            fl_test_fail(__FILE__, __LINE__, "%s: %s", #expr, err.msg);        \
        }                                                                      \
    } while (0)
#define CHECK_TRUE(c)                                                          \
    do {                                                                       \
        if (!(c)) {                                                            \
            live_down(&l);                                                     \
            fl_test_fail(__FILE__, __LINE__, "failed: %s", #c);                \
        }                                                                      \
    } while (0)

    CHECK(all_nodes(&l, fl_db_teardown, &err));
    CHECK(all_nodes(&l, fl_db_setup, &err));

    /* A write through one member is visible through another. */
    {
        struct fl_etcd_outcome o;
        struct fl_etcd_conn *c = fl_etcd_conn_new("http://et1:2379", 3000);
        fl_etcd_put(c, "k", 42, &o);
        fl_etcd_conn_free(c);
        if (o.type != FL_OP_OK)
            fprintf(stderr, "put: %s %s\n", o.error, o.detail);
        CHECK_TRUE(o.type == FL_OP_OK);
        CHECK_TRUE(get_value("et3", "k") == 42);
    }

    /* Exactly one leader, found by primaries. */
    struct fl_vec_u32 prim = {0};
    for (int i = 0; i < 50 && prim.n != 1; i++) {
        prim.n = 0;
        CHECK(fl_db_primaries(l.db, &l.env, &prim, &err));
        if (prim.n != 1)
            usleep(100000);
    }
    CHECK_TRUE(prim.n == 1);
    size_t leader = prim.v[0];
    FL_VEC_RELEASE(&prim);

    /* Kill the leader; the other two keep serving; restart it. */
    CHECK(fl_db_kill(l.db, &l.env, leader, &err));
    size_t other = (leader + 1) % 3;
    {
        struct fl_etcd_outcome o = {0};
        char url[64];
        snprintf(url, sizeof(url), "http://%s:2379", l.cl.nodes[other]);
        struct fl_etcd_conn *c = fl_etcd_conn_new(url, 5000);
        for (int i = 0; i < 30; i++) {
            fl_etcd_put(c, "k", 43, &o);
            if (o.type == FL_OP_OK)
                break;
            usleep(200000);
        }
        fl_etcd_conn_free(c);
        CHECK_TRUE(o.type == FL_OP_OK);
    }
    CHECK(fl_db_start(l.db, &l.env, leader, &err));
    CHECK(fl_etcd_await_healthy(l.cl.nodes[leader], 2379, 20000, &err));
    CHECK_TRUE(get_value(l.cl.nodes[leader], "k") == 43);

    /* Pause a member: it stops answering; resume: it answers again. */
    CHECK(fl_db_pause(l.db, &l.env, other, &err));
    {
        char url[64];
        snprintf(url, sizeof(url), "http://%s:2379", l.cl.nodes[other]);
        struct fl_etcd_conn *c = fl_etcd_conn_new(url, 500);
        struct fl_etcd_outcome o;
        fl_etcd_get(c, "k", true, &o);
        CHECK_TRUE(o.type == FL_OP_FAIL);
        CHECK_TRUE(strcmp(o.error, "timeout") == 0);
        fl_etcd_conn_free(c);
    }
    CHECK(fl_db_resume(l.db, &l.env, other, &err));
    CHECK(fl_etcd_await_healthy(l.cl.nodes[other], 2379, 20000, &err));

    /* Log files exist where log_files says. */
    struct fl_db_log_files files = {0};
    CHECK(fl_db_log_files(l.db, &l.env, 0, &files, &err));
    CHECK_TRUE(files.n == 2);
    struct stat st;
    CHECK_TRUE(stat(files.v[0].remote_path, &st) == 0 && st.st_size > 0);
    CHECK_TRUE(strcmp(files.v[0].name, "etcd.log") == 0);
    fl_db_log_files_release(&files);

    /* Teardown wipes the member directories. */
    CHECK(all_nodes(&l, fl_db_teardown, &err));
    char p[160];
    snprintf(p, sizeof(p), "%s/et1", l.data_dir);
    CHECK_TRUE(access(p, F_OK) != 0);
    fl_db_free(l.db);
    l.db = NULL;
    live_down(&l);
    rmdir(l.data_dir);
#undef CHECK
#undef CHECK_TRUE
}

static const struct fl_test_case etcd_db_tests[] = {
    FL_TEST(test_etcd_member_config),
    FL_TEST_T(test_etcd_db_lifecycle, 90),
    FL_TEST_END,
};

FL_TEST_SUITE(etcd_db, etcd_db_tests);
