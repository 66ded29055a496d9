/* SPDX-License-Identifier: MIT */
/*
 * db.c: the etcd cluster's lifecycle on the test's nodes (Jepsen's
 * jepsen.etcd.db). Setup makes sure etcd is installed (Debian's etcd-server;
 * on the local cluster the nodes share this machine's filesystem and have
 * no route out, so it is checked, and installed if need be, once on the
 * machine), writes the member's YAML config, starts it as a daemon through
 * the node's remote and waits until the member reports a healthy cluster.
 * Every file of member <node> lives under <dir>/<node>/, so members of a
 * local cluster never share a path. Kill is SIGKILL, pause SIGSTOP; the
 * primary is the member that believes itself leader; teardown kills and
 * wipes the member's directory.
 */
#include "util/common.h"

#include "suites/etcd/etcd.h"

#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "control/daemon.h"
#include "control/escape.h"
#include "control/remote.h"
#include "db/db.h"
#include "suites/etcd/etcd.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/log.h"
#include "util/strbuf.h"

struct etcd_db {
    struct fl_etcd_db_cfg cfg;  /* strings owned */
    pthread_mutex_t install_mu; /* serialises the install check */
    bool installed;             /* machine-wide check done (local cluster);
                                   protected by install_mu */
};

static void
path_of(struct fl_strbuf *sb, const struct etcd_db *d, const char *node,
        const char *file)
{
    fl_strbuf_reset(sb);
    fl_strbuf_addf(sb, "%s/%s%s%s", d->cfg.dir, node, file ? "/" : "",
                   file ? file : "");
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
    const char *me = nodes[node];

    fl_strbuf_addf(sb, "# written by faultline for member %s\n", me);
    fl_strbuf_addf(sb, "name: '%s'\n", me);
    fl_strbuf_addf(sb, "data-dir: '%s/%s/data'\n", cfg->dir, me);
    fl_strbuf_addf(sb, "listen-peer-urls: 'http://0.0.0.0:%d'\n",
                   cfg->peer_port);
    fl_strbuf_addf(sb, "listen-client-urls: 'http://0.0.0.0:%d'\n",
                   cfg->client_port);
    fl_strbuf_addf(sb, "initial-advertise-peer-urls: 'http://%s:%d'\n", me,
                   cfg->peer_port);
    fl_strbuf_addf(sb, "advertise-client-urls: 'http://%s:%d'\n", me,
                   cfg->client_port);
    fl_strbuf_addstr(sb, "initial-cluster: '");
    for (size_t i = 0; i < nnodes; i++)
        fl_strbuf_addf(sb, "%s%s=http://%s:%d", i ? "," : "", nodes[i],
                       nodes[i], cfg->peer_port);
    fl_strbuf_addstr(sb, "'\n");
    /* Ignored once the data dir holds a WAL, so restarts need no change. */
    fl_strbuf_addstr(sb, "initial-cluster-state: 'new'\n");
    fl_strbuf_addstr(sb, "initial-cluster-token: 'faultline'\n");
    fl_strbuf_addf(sb, "heartbeat-interval: %d\n", cfg->heartbeat_ms);
    fl_strbuf_addf(sb, "election-timeout: %d\n", cfg->election_ms);
    /* Off by default in config-file mode; the client speaks JSON to it. */
    fl_strbuf_addstr(sb, "enable-grpc-gateway: true\n");
    fl_strbuf_addstr(sb, "logger: 'zap'\nlog-outputs: ['stderr']\n");
}

/* Node names end up in YAML and URLs: keep them to a safe alphabet. */
static bool
node_name_ok(const char *s)
{
    if (!*s || strlen(s) > 253)
        return false;
    for (; *s; s++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9') || *s == '-' || *s == '.' || *s == '_'))
            return false;
    }
    return true;
}

static struct fl_remote *
remote_of(const struct fl_env *env, size_t node, struct fl_err *err)
{
    if (!env->remotes || node >= env->nnodes || !env->remotes[node]) {
        fl_err_set(err, FL_EUSAGE, "etcd: node %zu has no remote", node);
        return NULL;
    }
    return env->remotes[node];
}

/* Install etcd-server with apt on r unless `etcd` is already there. */
static int
install_on(struct fl_remote *r, const char *binary, struct fl_err *err)
{
    struct fl_strbuf out = FL_STRBUF_INIT;
    struct fl_strbuf q = FL_STRBUF_INIT;
    int rc;

    fl_sh_quote(&q, binary);
    rc = fl_remote_sh(r, &out, NULL, "command -v %s >/dev/null && echo yes",
                      q.buf);
    if (rc == 0 && strcmp(out.buf, "yes") == 0)
        goto out;
    fl_info("%s: etcd not found; installing etcd-server with apt-get", r->node);
    /*
     * The package starts its own etcd on 127.0.0.1:2379 where an init
     * system runs; stop and disable it so it never collides with ours.
     */
    rc = fl_remote_sh(
        r, NULL, err,
        "export DEBIAN_FRONTEND=noninteractive; "
        "(apt-get install -y -q etcd-server etcd-client >/dev/null 2>&1 || "
        "(apt-get update -q >/dev/null && apt-get install -y -q etcd-server "
        "etcd-client)) && "
        "{ systemctl disable --now etcd >/dev/null 2>&1 || "
        "service etcd stop >/dev/null 2>&1 || true; }");
    if (rc != 0)
        goto out;
    fl_strbuf_reset(&out);
    rc = fl_remote_sh(r, &out, err, "command -v %s", q.buf);
out:
    fl_strbuf_release(&q);
    fl_strbuf_release(&out);
    return rc;
}

static int
ensure_installed(struct etcd_db *d, struct fl_remote *r, struct fl_err *err)
{
    int rc = 0;

    if (!d->cfg.install)
        return 0;
    if (r->type != &fl_remote_netns_type)
        return install_on(r, d->cfg.binary, err);
    /* Local cluster: one machine, one check, outside the namespaces. */
    pthread_mutex_lock(&d->install_mu);
    if (!d->installed) {
        struct fl_remote *local = fl_remote_new(
            "localhost", &(struct fl_remote_opts){.backend = "local"}, err);
        rc = local ? install_on(local, d->cfg.binary, err) : FL_EREMOTE;
        fl_remote_free(local);
        d->installed = rc == 0;
    }
    pthread_mutex_unlock(&d->install_mu);
    return rc;
}

static int
start_member(struct etcd_db *d, struct fl_remote *r, const char *node,
             struct fl_err *err)
{
    struct fl_strbuf dir = FL_STRBUF_INIT, pid = FL_STRBUF_INIT;
    struct fl_strbuf log = FL_STRBUF_INIT, conf = FL_STRBUF_INIT;
    int rc;

    path_of(&dir, d, node, NULL);
    path_of(&pid, d, node, "etcd.pid");
    path_of(&log, d, node, "etcd.log");
    path_of(&conf, d, node, "etcd.conf.yml");
    const char *argv[] = {d->cfg.binary, "--config-file", conf.buf, NULL};
    struct fl_daemon_opts o = {
        .pidfile = pid.buf, .logfile = log.buf, .chdir = dir.buf, .env = NULL};
    rc = fl_daemon_start(r, &o, argv, err);
    if (rc > 0)
        rc = 0; /* already running */
    fl_strbuf_release(&dir);
    fl_strbuf_release(&pid);
    fl_strbuf_release(&log);
    fl_strbuf_release(&conf);
    return rc;
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

static int
db_setup(struct fl_db *db, const struct fl_env *env, size_t node,
         struct fl_err *err)
{
    struct etcd_db *d = db->ctx;
    struct fl_remote *r = remote_of(env, node, err);
    struct fl_strbuf conf = FL_STRBUF_INIT, path = FL_STRBUF_INIT;
    struct fl_strbuf q = FL_STRBUF_INIT;
    struct fl_cmd_result res = FL_CMD_RESULT_INIT;
    const char *me;
    int rc;

    if (!r)
        return FL_EUSAGE;
    me = env->nodes[node];
    for (size_t i = 0; i < env->nnodes; i++) {
        if (!node_name_ok(env->nodes[i]))
            return fl_err_set(err, FL_EUSAGE,
                              "etcd: node name '%s' is not a host name",
                              env->nodes[i]);
    }
    rc = ensure_installed(d, r, err);
    if (rc != 0)
        goto out;

    fl_etcd_member_config(&conf, &d->cfg, env->nodes, env->nnodes, node);
    path_of(&path, d, me, NULL);
    fl_sh_quote(&q, path.buf);
    path_of(&path, d, me, "etcd.conf.yml");
    fl_strbuf_addch(&q, ' ');
    fl_sh_quote(&q, path.buf);
    /* q = "<dir> <conf>": make the dir, write the config from stdin. */
    struct fl_strbuf line = FL_STRBUF_INIT;
    fl_strbuf_addf(&line, "set -- %s; mkdir -p \"$1\" && cat > \"$2\"", q.buf);
    struct fl_cmd c = {.cmd = line.buf,
                       .in = conf.buf,
                       .in_len = conf.len,
                       .timeout_ms = 30000};
    rc = fl_remote_exec(r, &c, &res, err);
    if (rc == 0 && res.exit_code != 0)
        rc = fl_err_set(err, FL_EREMOTE, "%s: write %s: exit %d: %.120s", me,
                        path.buf, res.exit_code, res.err.buf);
    fl_strbuf_release(&line);
    if (rc != 0)
        goto out;

    rc = start_member(d, r, me, err);
    if (rc != 0)
        goto out;
    rc = fl_etcd_await_healthy(me, d->cfg.client_port, d->cfg.start_timeout_ms,
                               err);
    if (rc == 0)
        fl_info("%s: etcd member up and the cluster healthy", me);
out:
    fl_cmd_result_release(&res);
    fl_strbuf_release(&conf);
    fl_strbuf_release(&path);
    fl_strbuf_release(&q);
    return rc;
}

static int
db_teardown(struct fl_db *db, const struct fl_env *env, size_t node,
            struct fl_err *err)
{
    struct etcd_db *d = db->ctx;
    struct fl_remote *r = remote_of(env, node, err);
    struct fl_strbuf pid = FL_STRBUF_INIT, dir = FL_STRBUF_INIT;
    struct fl_strbuf q = FL_STRBUF_INIT;
    int rc;

    if (!r)
        return FL_EUSAGE;
    path_of(&pid, d, env->nodes[node], "etcd.pid");
    path_of(&dir, d, env->nodes[node], NULL);
    /* SIGKILL also ends a SIGSTOPped member left by an interrupted run. */
    rc = fl_daemon_stop(r, pid.buf, SIGKILL, 10000, err);
    if (rc != 0)
        goto out;
    fl_sh_quote(&q, dir.buf);
    rc = fl_remote_sh(r, NULL, err, "rm -rf %s", q.buf);
out:
    fl_strbuf_release(&pid);
    fl_strbuf_release(&dir);
    fl_strbuf_release(&q);
    return rc;
}

static int
db_kill(struct fl_db *db, const struct fl_env *env, size_t node,
        struct fl_err *err)
{
    struct etcd_db *d = db->ctx;
    struct fl_remote *r = remote_of(env, node, err);
    struct fl_strbuf pid = FL_STRBUF_INIT;
    int rc;

    if (!r)
        return FL_EUSAGE;
    path_of(&pid, d, env->nodes[node], "etcd.pid");
    rc = fl_daemon_stop(r, pid.buf, SIGKILL, 10000, err);
    fl_strbuf_release(&pid);
    return rc;
}

static int
db_start(struct fl_db *db, const struct fl_env *env, size_t node,
         struct fl_err *err)
{
    struct fl_remote *r = remote_of(env, node, err);

    if (!r)
        return FL_EUSAGE;
    return start_member(db->ctx, r, env->nodes[node], err);
}

static int
signal_member(struct fl_db *db, const struct fl_env *env, size_t node, int sig,
              struct fl_err *err)
{
    struct etcd_db *d = db->ctx;
    struct fl_remote *r = remote_of(env, node, err);
    struct fl_strbuf pid = FL_STRBUF_INIT;
    int rc;

    if (!r)
        return FL_EUSAGE;
    path_of(&pid, d, env->nodes[node], "etcd.pid");
    rc = fl_daemon_signal(r, pid.buf, sig, err);
    if (rc == -ESRCH) {
        /* Killed by another fault: nothing to pause or resume (Jepsen's
         * killall -STOP does nothing either). */
        fl_debug("%s: etcd not running; SIG%s skipped", env->nodes[node],
                 sig == SIGSTOP ? "STOP" : "CONT");
        fl_err_clear(err);
        rc = 0;
    }
    fl_strbuf_release(&pid);
    return rc;
}

static int
db_pause(struct fl_db *db, const struct fl_env *env, size_t node,
         struct fl_err *err)
{
    return signal_member(db, env, node, SIGSTOP, err);
}

static int
db_resume(struct fl_db *db, const struct fl_env *env, size_t node,
          struct fl_err *err)
{
    return signal_member(db, env, node, SIGCONT, err);
}

static int
db_primaries(struct fl_db *db, const struct fl_env *env, struct fl_vec_u32 *out,
             struct fl_err *err)
{
    struct etcd_db *d = db->ctx;
    struct fl_strbuf url = FL_STRBUF_INIT;

    FL_UNUSED(err);
    /* A member is primary when its status names itself as the leader. */
    for (size_t i = 0; i < env->nnodes; i++) {
        fl_strbuf_reset(&url);
        fl_etcd_client_url(&url, env->nodes[i], d->cfg.client_port);
        struct fl_etcd_conn *c = fl_etcd_conn_new(url.buf, 1000);
        uint64_t self = 0, leader = fl_etcd_leader_id(c, &self);
        if (leader != 0 && leader == self)
            FL_VEC_PUSH(out, (uint32_t)i);
        fl_etcd_conn_free(c);
    }
    fl_strbuf_release(&url);
    return 0;
}

static int
db_log_files(struct fl_db *db, const struct fl_env *env, size_t node,
             struct fl_db_log_files *out, struct fl_err *err)
{
    struct etcd_db *d = db->ctx;
    struct fl_strbuf p = FL_STRBUF_INIT;

    FL_UNUSED(err);
    path_of(&p, d, env->nodes[node], "etcd.log");
    fl_db_log_files_add(out, p.buf, "etcd.log");
    path_of(&p, d, env->nodes[node], "etcd.conf.yml");
    fl_db_log_files_add(out, p.buf, "etcd.conf.yml");
    fl_strbuf_release(&p);
    return 0;
}

static void
db_free(struct fl_db *db)
{
    struct etcd_db *d = db->ctx;

    if (!d)
        return;
    free(d->cfg.dir);
    free(d->cfg.binary);
    pthread_mutex_destroy(&d->install_mu);
    free(d);
}

const struct fl_db_type fl_etcd_db_type = {
    .name = "etcd",
    .caps = FL_DB_CAP_KILL | FL_DB_CAP_PAUSE | FL_DB_CAP_PRIMARY |
            FL_DB_CAP_LOG_FILES,
    .setup = db_setup,
    .teardown = db_teardown,
    .kill = db_kill,
    .start = db_start,
    .pause = db_pause,
    .resume = db_resume,
    .setup_primary = fl_db_node_noop,
    .primaries = db_primaries,
    .log_files = db_log_files,
    .free = db_free,
};

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
fl_etcd_db_new(const struct fl_etcd_db_cfg *cfg)
{
    struct etcd_db *d = fl_xcalloc(1, sizeof(*d));

    d->cfg = *cfg;
    d->cfg.dir = fl_xstrdup(cfg->dir);
    d->cfg.binary = fl_xstrdup(cfg->binary);
    pthread_mutex_init(&d->install_mu, NULL);
    return fl_db_new(&fl_etcd_db_type, d);
}
