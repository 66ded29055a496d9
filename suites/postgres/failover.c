/* SPDX-License-Identifier: MIT */
/*
 * failover.c: the failover nemesis, what an HA manager such as Patroni
 * does when it loses sight of a primary. :failover cuts the primary off
 * from the other nodes (the clients still reach it) and waits the
 * detection delay, as a manager notices a lost primary only after a
 * timeout; then it picks the live replica that has received the most WAL,
 * fences the old primary (kills its whole process tree, so nothing commits
 * there any more), promotes the replica (pg_promote), points new client
 * connections at it, heals the network and rebuilds every other member of
 * the group as a replica of it (wipe, base backup, start). With
 * asynchronous replication, commits acknowledged during the delay never
 * reach the new primary: lost writes; with synchronous replication they
 * wait for a replica and are never acknowledged. The completion records
 * it: {:from "n1" :to "n2" :lsn "0/3000148"}. Teardown heals the network.
 */
#include "util/common.h"

#include "suites/postgres/pg.h"

#include <libpq-fe.h>
#include <unistd.h>

#include "db/daemon_db.h"
#include "db/db.h"
#include "nemesis/nemesis.h"
#include "util/arena.h"
#include "util/err.h"
#include "util/log.h"
#include "util/strbuf.h"

struct failover {
    struct fl_pg_cfg *c;     /* borrowed: the clients' settings */
    struct fl_db *db;        /* borrowed */
    struct fl_nemesis *part; /* owned: cuts the primary off */
    int64_t delay_ms;        /* detection delay */
};

/* :start-partition :primaries or :stop-partition through f->part. */
static int
partition(struct failover *f, const struct fl_env *env, const char *fn,
          const char *value, struct fl_arena *a, struct fl_err *err)
{
    struct fl_op op = {.f = fl_kw_intern_cstr(fn),
                       .type = FL_OP_INFO,
                       .process = FL_PROC_NEMESIS,
                       .value = value ? fl_val_kw(fl_kw_intern_cstr(value))
                                      : fl_val_nil(),
                       .pair = -1};
    struct fl_op out = op;

    return fl_nemesis_invoke(f->part, env, &op, a, &out, err);
}

/* One query's single value on node, copied into out; false if none. */
static bool
query1(const struct fl_pg_cfg *c, const char *node, const char *sql, char *out,
       size_t cap)
{
    struct fl_strbuf ci = FL_STRBUF_INIT;
    PGconn *conn;
    PGresult *r = NULL;
    bool ok = false;

    fl_pg_conninfo(&ci, node, c->port, 2000);
    conn = PQconnectdb(ci.buf);
    if (PQstatus(conn) == CONNECTION_OK)
        r = PQexec(conn, sql);
    if (r && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
        !PQgetisnull(r, 0, 0)) {
        snprintf(out, cap, "%s", PQgetvalue(r, 0, 0));
        ok = true;
    }
    PQclear(r);
    PQfinish(conn);
    fl_strbuf_release(&ci);
    return ok;
}

/* "16/B374D848" as a number. */
static uint64_t
lsn_value(const char *s)
{
    char *end;
    uint64_t hi = strtoull(s, &end, 16), lo = 0;

    if (*end == '/')
        lo = strtoull(end + 1, NULL, 16);
    return hi << 32 | lo;
}

/* The live replica with the most WAL received, or -1. */
static int
best_replica(const struct fl_pg_cfg *c, const struct fl_env *env, int primary,
             char *lsn, size_t cap)
{
    uint64_t best = 0;
    int who = -1;
    char v[64];

    for (int i = 0; i <= c->replicas && (size_t)i < env->nnodes; i++) {
        if (i == primary ||
            !query1(c, env->nodes[i], "SELECT pg_last_wal_receive_lsn()", v,
                    sizeof(v)))
            continue;
        if (who < 0 || lsn_value(v) > best) {
            best = lsn_value(v);
            who = i;
            snprintf(lsn, cap, "%s", v);
        }
    }
    return who;
}

/* Rebuild node as a replica of the current primary. */
static void
rebuild(struct failover *f, const struct fl_env *env, int node)
{
    struct fl_err err = FL_ERR_INIT;

    if (fl_daemon_db_wipe(f->db, env, (size_t)node, &err) != 0 ||
        fl_db_start(f->db, env, (size_t)node, &err) != 0)
        fl_warn("failover: rebuilding %s: %s", env->nodes[node], err.msg);
}

static fl_val
result(struct fl_arena *a, const char *from, const char *to, const char *lsn)
{
    fl_val kv[6] = {
        fl_val_kw(fl_kw_intern_cstr("from")), fl_val_str(a, from, strlen(from)),
        fl_val_kw(fl_kw_intern_cstr("to")),   fl_val_str(a, to, strlen(to)),
        fl_val_kw(fl_kw_intern_cstr("lsn")),  fl_val_str(a, lsn, strlen(lsn)),
    };
    return fl_val_map(a, kv, 3);
}

static int
fo_invoke(struct fl_nemesis *n, const struct fl_env *env,
          const struct fl_op *op, struct fl_arena *a, struct fl_op *out,
          struct fl_err *err)
{
    struct failover *f = n->ctx;
    int old = fl_pg_primary(f->c);
    char lsn[64] = "", ok[16];
    int to;

    FL_UNUSED(op);
    if (partition(f, env, "start-partition", "primaries", a, err) != 0)
        return -1;
    usleep((useconds_t)(f->delay_ms * 1000));
    to = best_replica(f->c, env, old, lsn, sizeof(lsn));
    if (to < 0) {
        out->value = fl_val_kw(fl_kw_intern_cstr("no-live-replica"));
        return partition(f, env, "stop-partition", NULL, a, err);
    }
    /* fence first: from now on nothing commits on the old primary */
    if (fl_db_kill(f->db, env, (size_t)old, err) != 0)
        return -1;
    if (!query1(f->c, env->nodes[to], "SELECT pg_promote(true, 30)", ok,
                sizeof(ok)) ||
        strcmp(ok, "t") != 0)
        return fl_err_set(err, FL_EREMOTE, "failover: %s did not promote",
                          env->nodes[to]);
    fl_pg_primary_set(f->c, to);
    if (partition(f, env, "stop-partition", NULL, a, err) != 0)
        return -1;
    fl_info("failover: %s -> %s at %s", env->nodes[old], env->nodes[to], lsn);
    for (int i = 0; i <= f->c->replicas && (size_t)i < env->nnodes; i++)
        if (i != to)
            rebuild(f, env, i);
    out->value = result(a, env->nodes[old], env->nodes[to], lsn);
    return 0;
}

static int
fo_setup(struct fl_nemesis *n, const struct fl_env *env, struct fl_err *err)
{
    struct failover *f = n->ctx;

    return fl_nemesis_setup(f->part, env, err);
}

static int
fo_teardown(struct fl_nemesis *n, const struct fl_env *env, struct fl_err *err)
{
    struct failover *f = n->ctx;

    return fl_nemesis_teardown(f->part, env, err);
}

static size_t
fo_fs(const struct fl_nemesis *n, uint32_t *out, size_t max)
{
    FL_UNUSED(n);
    if (max > 0)
        out[0] = fl_kw_intern_cstr("failover");
    return 1;
}

static void
fo_free(struct fl_nemesis *n)
{
    struct failover *f = n->ctx;

    fl_nemesis_free(f->part);
    free(f);
}

static const struct fl_nemesis_type failover_type = {
    .name = "failover",
    .setup = fo_setup,
    .invoke = fo_invoke,
    .teardown = fo_teardown,
    .fs = fo_fs,
    .free = fo_free,
};

struct fl_nemesis *
fl_pg_failover_new(struct fl_pg_cfg *c, struct fl_db *db, int64_t delay_ms)
{
    struct failover *f = fl_xcalloc(1, sizeof(*f));

    f->c = c;
    f->db = db;
    f->part = fl_nem_partition_new();
    f->delay_ms = delay_ms;
    return fl_nemesis_new(&failover_type, f);
}
