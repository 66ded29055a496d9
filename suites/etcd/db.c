/* SPDX-License-Identifier: MIT */
/*
 * db.c: the etcd cluster's lifecycle on the test's nodes (Jepsen's
 * jepsen.etcd.db), as a description for the generic daemon DB
 * (db/daemon_db.h), which installs Debian's etcd-server when etcd is
 * missing, writes the config, starts, kills, pauses and wipes the member
 * and collects its log. What is etcd's own is here: the member's YAML
 * config (a template), its health check (GET /health answers healthy:
 * the member sees a leader and can serve a quorum read) and the primary
 * (the member that believes itself leader).
 */
#include "util/common.h"

#include "suites/etcd/etcd.h"

#include <unistd.h>

#include "db/daemon_db.h"
#include "db/db.h"
#include "os/os.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/strbuf.h"

/* The member's config; the daemon DB fills in the node's parts. */
static void
config_template(struct fl_strbuf *sb, const struct fl_etcd_db_cfg *cfg)
{
    int peer = cfg->peer_port, client = cfg->client_port;

    fl_strbuf_addf(
        sb,
        "# written by faultline for member {{node}}\n"
        "name: '{{node}}'\n"
        "data-dir: '{{data}}'\n"
        "listen-peer-urls: 'http://0.0.0.0:%d'\n"
        "listen-client-urls: 'http://0.0.0.0:%d'\n"
        "initial-advertise-peer-urls: 'http://{{node}}:%d'\n"
        "advertise-client-urls: 'http://{{node}}:%d'\n"
        "initial-cluster: '{{#nodes ,}}{{n}}=http://{{n}}:%d{{/nodes}}'\n"
        /* Ignored once the data dir holds a WAL: restarts need no change. */
        "initial-cluster-state: 'new'\n"
        "initial-cluster-token: 'faultline'\n"
        "heartbeat-interval: %d\n"
        "election-timeout: %d\n"
        /* Off by default in config-file mode; the client speaks JSON. */
        "enable-grpc-gateway: true\n"
        "logger: 'zap'\nlog-outputs: ['stderr']\n",
        peer, client, peer, client, peer, cfg->heartbeat_ms, cfg->election_ms);
}

void
fl_etcd_client_url(struct fl_strbuf *sb, const char *node, int port)
{
    fl_strbuf_addf(sb, "http://%s:%d", node, port);
}

void
fl_etcd_member_config(struct fl_strbuf *sb, const struct fl_etcd_db_cfg *cfg,
                      char *const *nodes, size_t nnodes, size_t node)
{
    struct fl_strbuf tmpl = FL_STRBUF_INIT;
    struct fl_env env = {.nodes = (char **)nodes, .nnodes = nnodes};

    config_template(&tmpl, cfg);
    if (fl_daemon_db_expand(sb, tmpl.buf, &env, node, cfg->dir, NULL) != 0)
        FL_BUG("etcd config template does not expand");
    fl_strbuf_release(&tmpl);
}

int
fl_etcd_await_healthy(const char *node, int port, int64_t timeout_ms,
                      struct fl_err *err)
{
    struct fl_strbuf url = FL_STRBUF_INIT;
    int64_t deadline = fl_clock_mono_ms() + timeout_ms;
    int rc = 0;

    fl_etcd_client_url(&url, node, port);
    struct fl_etcd_conn *c = fl_etcd_conn_new(url.buf, 2000);
    while (!fl_etcd_healthy(c)) {
        if (fl_clock_mono_ms() >= deadline) {
            rc = fl_err_set(err, FL_ELIMIT,
                            "%s: etcd not healthy at %s/health after %" PRId64
                            " ms (see its etcd.log)",
                            node, url.buf, timeout_ms);
            break;
        }
        usleep(200000);
    }
    fl_etcd_conn_free(c);
    fl_strbuf_release(&url);
    return rc;
}

static struct fl_etcd_conn *
conn_to(const struct fl_env *env, size_t node, void *arg, int64_t timeout_ms)
{
    struct fl_strbuf url = FL_STRBUF_INIT;
    struct fl_etcd_conn *c;

    fl_etcd_client_url(&url, env->nodes[node], *(int *)arg);
    c = fl_etcd_conn_new(url.buf, timeout_ms);
    fl_strbuf_release(&url);
    return c;
}

static bool
member_healthy(const struct fl_env *env, size_t node, void *arg)
{
    struct fl_etcd_conn *c = conn_to(env, node, arg, 2000);
    bool ok = fl_etcd_healthy(c);

    fl_etcd_conn_free(c);
    return ok;
}

/* A member is primary when its status names itself as the leader. */
static bool
member_leads(const struct fl_env *env, size_t node, void *arg)
{
    struct fl_etcd_conn *c = conn_to(env, node, arg, 1000);
    uint64_t self = 0, leader = fl_etcd_leader_id(c, &self);

    fl_etcd_conn_free(c);
    return leader != 0 && leader == self;
}

void
fl_etcd_db_cfg_defaults(struct fl_etcd_db_cfg *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->dir = FL_ETCD_DEFAULT_DIR;
    cfg->binary = "etcd";
    cfg->client_port = 2379;
    cfg->peer_port = 2380;
    cfg->heartbeat_ms = 100;
    cfg->election_ms = 1000;
    cfg->start_timeout_ms = 60000;
    cfg->install = true;
}

struct fl_db *
fl_etcd_db_new(const struct fl_etcd_db_cfg *cfg, struct fl_err *err)
{
    static const char *const packages[] = {"etcd-server", "etcd-client", NULL};
    static const char *const args[] = {"--config-file", "{{dir}}/etcd.conf.yml",
                                       NULL};
    struct fl_strbuf tmpl = FL_STRBUF_INIT;
    int *port = fl_xmalloc(sizeof(*port));
    struct fl_db *db;

    *port = cfg->client_port;
    config_template(&tmpl, cfg);
    const struct fl_daemon_db_file files[] = {
        {"etcd.conf.yml", tmpl.buf},
        {NULL, NULL},
    };
    const struct fl_daemon_db_desc desc = {
        .name = "etcd",
        .binary = cfg->binary,
        .packages = cfg->install ? packages : NULL,
        .args = args,
        .files = files,
        .dir = cfg->dir,
        .healthy = member_healthy,
        .primary = member_leads,
        .start_timeout_ms = cfg->start_timeout_ms,
        .arg = port,
        .free_arg = free,
    };
    db = fl_daemon_db_new(&desc, err);
    if (!db)
        free(port);
    fl_strbuf_release(&tmpl);
    return db;
}
