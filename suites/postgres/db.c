/* SPDX-License-Identifier: MIT */
/*
 * db.c: PostgreSQL on the test's nodes, as a description for the generic
 * daemon DB (db/daemon_db.h): Debian's postgresql-15, one cluster per node
 * in <dir>/<node>/data, made by initdb and run by postgres itself (never
 * the host's postgresql service), both as user postgres; the config files
 * (postgresql.conf, pg_hba.conf) live beside data/ and make the server
 * listen on the node's address only, with its socket in the node's dir.
 * Kill and pause reach the postmaster and every backend (process_tree):
 * a backend of a killed postmaster would otherwise keep its shared memory
 * and serve on. Healthy = libpq's PQping answers from this machine.
 */
#include "util/common.h"

#include "suites/postgres/pg.h"

#include <libpq-fe.h>

#include "db/daemon_db.h"
#include "db/db.h"
#include "os/os.h"
#include "util/err.h"
#include "util/strbuf.h"

static void
conf_template(struct fl_strbuf *sb, const struct fl_pg_db_cfg *cfg)
{
    fl_strbuf_addf(sb,
                   "# written by faultline for node {{node}}\n"
                   "listen_addresses = '{{node}}'\n"
                   "port = %d\n"
                   "unix_socket_directories = '{{dir}}'\n"
                   "hba_file = '{{dir}}/pg_hba.conf'\n"
                   "ident_file = '{{dir}}/pg_ident.conf'\n"
                   "max_connections = 200\n"
                   "shared_buffers = 32MB\n"
                   "dynamic_shared_memory_type = posix\n"
                   "fsync = %s\n"
                   "synchronous_commit = on\n"
                   "wal_level = replica\n"
                   "max_wal_senders = 10\n"
                   "hot_standby = on\n"
                   "synchronous_standby_names = '%s'\n"
                   "wal_keep_size = 256MB\n"
                   "logging_collector = off\n"
                   "log_line_prefix = '%%m [%%p] %%q%%a '\n"
                   "log_min_messages = warning\n"
                   "datestyle = 'iso, mdy'\n"
                   "timezone = 'UTC'\n"
                   "lc_messages = 'C'\n",
                   cfg->port, cfg->fsync ? "on" : "off",
                   cfg->sync ? "ANY 1 (*)" : "");
}

/* Trust: the nodes are the test's own, on a private network. */
static const char hba_conf[] = "local all all trust\n"
                               "host all all 0.0.0.0/0 trust\n"
                               "host replication all 0.0.0.0/0 trust\n";

static bool
healthy(const struct fl_env *env, size_t node, void *arg)
{
    const struct fl_pg_cfg *c = arg;
    struct fl_strbuf ci = FL_STRBUF_INIT;
    bool ok;

    fl_pg_conninfo(&ci, env->nodes[node], c->port, 2000);
    ok = PQping(ci.buf) == PQPING_OK;
    fl_strbuf_release(&ci);
    return ok;
}

/*
 * The primary is the server the clients use (the other nodes' clusters
 * stand by), while it answers and is not in recovery.
 */
static bool
is_primary(const struct fl_env *env, size_t node, void *arg)
{
    const struct fl_pg_cfg *cfg = arg;
    struct fl_strbuf ci = FL_STRBUF_INIT;
    PGconn *c;
    PGresult *r = NULL;
    bool ok = false;

    if ((size_t)fl_pg_primary(cfg) != node)
        return false;
    fl_pg_conninfo(&ci, env->nodes[node], cfg->port, 1000);
    c = PQconnectdb(ci.buf);
    if (PQstatus(c) == CONNECTION_OK)
        r = PQexec(c, "SELECT pg_is_in_recovery()");
    if (r && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
        ok = strcmp(PQgetvalue(r, 0, 0), "f") == 0;
    PQclear(r);
    PQfinish(c);
    fl_strbuf_release(&ci);
    return ok;
}

/*
 * A replica (a member of the group that is not the primary) starts from a
 * base backup of the primary, retried until the primary is up; -R makes it
 * a standby streaming from there. Others run initdb.
 */
static int
init_node(const struct fl_env *env, size_t node, void *arg,
          struct fl_strbuf *cmd)
{
    const struct fl_pg_cfg *c = arg;
    size_t p = (size_t)fl_pg_primary(c);

    if (node == p || node > (size_t)c->replicas || p >= env->nnodes)
        return 1;
    fl_strbuf_addf(cmd,
                   "i=0; until " FL_PG_BIN "/pg_basebackup -h %s -p %d "
                   "-U postgres -D data -X stream -R -c fast; do "
                   "i=$((i+1)); [ $i -ge 120 ] && exit 1; "
                   "rm -rf data/* data/.[!.]*; sleep 0.5; done",
                   env->nodes[p], c->port);
    return 0;
}

struct fl_db *
fl_pg_db_new(const struct fl_pg_db_cfg *cfg, const struct fl_pg_cfg *clients,
             struct fl_err *err)
{
    static const char *const packages[] = {"postgresql-15", NULL};
    /* Debian's pg_ctlcluster removes a stale pid file too: after a crash
     * that lost unfsynced writes it may be empty, and postgres refuses an
     * empty one ("lock file is empty") */
    static const char *const stale[] = {"data/postmaster.pid", NULL};
    static const char *const args[] = {
        "-D", "{{data}}", "-c", "config_file={{dir}}/postgresql.conf", NULL};
    static const char *const init[] = {
        FL_PG_BIN "/initdb", "-D", "{{data}}", "-U",          "postgres",
        "--auth=trust",      "-E", "UTF8",     "--no-locale", NULL};
    struct fl_strbuf conf = FL_STRBUF_INIT;
    struct fl_db *db;
    conf_template(&conf, cfg);
    const struct fl_daemon_db_file files[] = {
        {"postgresql.conf", conf.buf},
        {"pg_hba.conf", hba_conf},
        {"pg_ident.conf", "# none\n"},
        {NULL, NULL},
    };
    const struct fl_daemon_db_desc desc = {
        .name = "postgres",
        .binary = FL_PG_BIN "/postgres",
        .packages = packages,
        .args = args,
        .files = files,
        .dir = cfg->dir,
        .healthy = healthy,
        .primary = is_primary,
        .user = "postgres",
        .init = init,
        .init_fn = init_node,
        .stale = stale,
        /* PostgreSQL reads the time through libc: with the clock
         * nemesis's time shim it sees its node's clock offset */
        .time_shim = cfg->time_shim,
        .process_tree = true,
        .arg = (void *)clients,
    };
    db = fl_daemon_db_new(&desc, err);
    fl_strbuf_release(&conf);
    return db;
}
