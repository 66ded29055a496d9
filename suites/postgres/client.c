/* SPDX-License-Identifier: MIT */
/*
 * client.c: the PostgreSQL client (pg.h). One libpq connection per client
 * process, opened lazily and again after any error that may have left it
 * unusable. Statements go out asynchronously and are awaited with poll(),
 * so a paused or partitioned server turns into a timeout, never a hung
 * worker. Every op is one transaction (BEGIN ISOLATION LEVEL ...; the
 * statements; COMMIT), and what happened is turned into a completion by
 * fl_pg_outcome_from() alone.
 */
#include "util/common.h"

#include "suites/postgres/pg.h"

#include <libpq-fe.h>
#include <poll.h>
#include <unistd.h>

#include "history/op.h"
#include "history/val.h"
#include "nemesis/nemesis.h"
#include "run/client.h"
#include "util/arena.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/log.h"
#include "util/strbuf.h"

#define PG_CONNECT_BACKOFF_US 100000 /* after a failed connect */

/* ---- the outcome mapping ---- */

static const char *
sql_error_name(const char *sqlstate)
{
    if (sqlstate && strcmp(sqlstate, "40001") == 0)
        return "serialization-failure";
    if (sqlstate && strcmp(sqlstate, "40P01") == 0)
        return "deadlock";
    return "sql-error";
}

void
fl_pg_outcome_from(enum fl_pg_phase phase, enum fl_pg_status st,
                   const char *sqlstate, bool read_only,
                   struct fl_pg_outcome *out)
{
    static const char *const names[] = {
        [FL_PG_DONE] = NULL,
        [FL_PG_SQL_ERROR] = "sql-error",
        [FL_PG_LOST] = "connection-lost",
        [FL_PG_TIMEOUT] = "timeout",
        [FL_PG_REFUSED] = "refused",
    };
    bool rollback =
        st == FL_PG_SQL_ERROR && sqlstate && strncmp(sqlstate, "40", 2) == 0;

    out->error = st == FL_PG_SQL_ERROR ? sql_error_name(sqlstate) : names[st];
    if (phase == FL_PG_CONNECT && st != FL_PG_DONE)
        out->error = "connect-failed";
    if (st == FL_PG_DONE)
        out->type = phase == FL_PG_COMMIT ? FL_OP_OK : FL_OP_FAIL;
    else if (phase != FL_PG_COMMIT || rollback || read_only)
        out->type = FL_OP_FAIL;
    else
        out->type = FL_OP_INFO;
    if (st == FL_PG_DONE && phase != FL_PG_COMMIT)
        out->error = "not-committed";
}

/* ---- settings ---- */

struct fl_pg_cfg *
fl_pg_cfg_new(void)
{
    struct fl_pg_cfg *c = fl_xcalloc(1, sizeof(*c));

    c->isolation = "SERIALIZABLE";
    c->port = 5432;
    c->timeout_ms = 5000;
    c->tables = 3;
    c->accounts = 8;
    c->total = 100;
    pthread_mutex_init(&c->mu, NULL);
    return c;
}

void
fl_pg_cfg_free(void *cfg)
{
    struct fl_pg_cfg *c = cfg;

    if (!c)
        return;
    pthread_mutex_destroy(&c->mu);
    free(c);
}

void
fl_pg_conninfo(struct fl_strbuf *sb, const char *node, int port,
               int64_t connect_timeout_ms)
{
    int64_t s = (connect_timeout_ms + 999) / 1000;

    fl_strbuf_addf(sb,
                   "host=%s port=%d user=postgres dbname=postgres "
                   "connect_timeout=%" PRId64
                   " keepalives=1 keepalives_idle=2 keepalives_interval=1 "
                   "keepalives_count=3 application_name=faultline",
                   node, port, s < 2 ? 2 : s);
}

/* SQLSTATE 42P01: a table named in a statement does not exist. */
#define PG_UNDEFINED_TABLE "42P01"

/* ---- one connection ---- */

struct pg_client {
    PGconn *conn;              /* NULL until connected */
    enum fl_pg_status st;      /* of the last statement */
    char sqlstate[6];          /* for FL_PG_SQL_ERROR */
    char msg[200];             /* server or libpq message */
    PGresult *res;             /* of the last successful statement */
    const struct fl_pg_cfg *c; /* borrowed */
    const char *node;          /* borrowed; where conn goes */
    const struct fl_env *env;  /* borrowed */
};

static void
drop_conn(struct pg_client *pc)
{
    if (pc->conn)
        PQfinish(pc->conn);
    pc->conn = NULL;
}

static void
set_msg(struct pg_client *pc, const char *m)
{
    size_t n;

    snprintf(pc->msg, sizeof(pc->msg), "%s", m ? m : "");
    n = strlen(pc->msg);
    while (n && (pc->msg[n - 1] == '\n' || pc->msg[n - 1] == ' '))
        pc->msg[--n] = '\0';
}

static void
quiet(void *arg, const char *msg)
{
    FL_UNUSED(arg);
    FL_UNUSED(msg);
}

static bool
ensure_conn(struct pg_client *pc)
{
    struct fl_strbuf ci = FL_STRBUF_INIT;

    if (pc->conn && PQstatus(pc->conn) == CONNECTION_OK)
        return true;
    drop_conn(pc);
    /* a new connection goes to the primary of the moment */
    pc->node = pc->env->nodes[(size_t)fl_pg_primary(pc->c) % pc->env->nnodes];
    fl_pg_conninfo(&ci, pc->node, pc->c->port, pc->c->timeout_ms);
    pc->conn = PQconnectdb(ci.buf);
    fl_strbuf_release(&ci);
    /* libpq prints the server's FATAL of a dying backend otherwise */
    PQsetNoticeProcessor(pc->conn, quiet, NULL);
    if (PQstatus(pc->conn) == CONNECTION_OK &&
        PQsetnonblocking(pc->conn, 1) == 0)
        return true;
    set_msg(pc, PQerrorMessage(pc->conn));
    drop_conn(pc);
    usleep(PG_CONNECT_BACKOFF_US);
    return false;
}

/* Wait for the socket until deadline; false on timeout or error. */
static bool
wait_readable(PGconn *conn, int64_t deadline_ms)
{
    struct pollfd p = {.fd = PQsocket(conn), .events = POLLIN};
    int64_t left = deadline_ms - fl_clock_mono_ms();

    if (p.fd < 0 || left <= 0)
        return false;
    return poll(&p, 1, (int)(left > INT32_MAX ? INT32_MAX : left)) > 0;
}

/* Take the results of the statement in flight; sets pc->st. */
static void
collect(struct pg_client *pc, int64_t deadline_ms)
{
    PGresult *r;

    for (;;) {
        while (PQisBusy(pc->conn)) {
            if (!wait_readable(pc->conn, deadline_ms)) {
                pc->st = fl_clock_mono_ms() >= deadline_ms ? FL_PG_TIMEOUT
                                                           : FL_PG_LOST;
                set_msg(pc, pc->st == FL_PG_TIMEOUT ? "no answer in time"
                                                    : "socket error");
                return;
            }
            if (!PQconsumeInput(pc->conn)) {
                pc->st = FL_PG_LOST;
                set_msg(pc, PQerrorMessage(pc->conn));
                return;
            }
        }
        r = PQgetResult(pc->conn);
        if (!r)
            return;
        ExecStatusType es = PQresultStatus(r);
        const char *ss = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        if (es == PGRES_COMMAND_OK || es == PGRES_TUPLES_OK) {
            if (pc->st == FL_PG_DONE) {
                PQclear(pc->res);
                pc->res = r;
                continue;
            }
        } else if (pc->st == FL_PG_DONE) {
            /* libpq reports a lost connection as an error without one */
            pc->st = ss ? FL_PG_SQL_ERROR : FL_PG_LOST;
            snprintf(pc->sqlstate, sizeof(pc->sqlstate), "%s", ss ? ss : "");
            const char *m = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
            set_msg(pc, m ? m : PQresultErrorMessage(r));
        }
        PQclear(r);
    }
}

/*
 * Run one statement, wait for its results at most the client timeout.
 * Returns true when it succeeded (its result in pc->res). After a timeout
 * or a lost connection the connection is dropped: a new one is made for
 * the next op.
 */
static bool
exec_sql(struct pg_client *pc, const char *sql)
{
    int64_t deadline = fl_clock_mono_ms() + pc->c->timeout_ms;

    PQclear(pc->res);
    pc->res = NULL;
    pc->st = FL_PG_DONE;
    pc->sqlstate[0] = '\0';
    if (!PQsendQuery(pc->conn, sql)) {
        pc->st = FL_PG_LOST;
        set_msg(pc, PQerrorMessage(pc->conn));
    } else {
        while (PQflush(pc->conn) == 1 && wait_readable(pc->conn, deadline))
            PQconsumeInput(pc->conn);
        collect(pc, deadline);
    }
    if (pc->st == FL_PG_LOST || pc->st == FL_PG_TIMEOUT ||
        PQstatus(pc->conn) != CONNECTION_OK)
        drop_conn(pc);
    return pc->st == FL_PG_DONE;
}

/* ---- transactions ---- */

/* A transaction in progress: what the workload code needs. */
struct pg_txn {
    struct pg_client *pc;
    enum fl_pg_phase phase;
    bool read_only;
};

static bool
txn_begin(struct pg_txn *t, struct pg_client *pc, bool read_only)
{
    char sql[80];

    t->pc = pc;
    t->read_only = read_only;
    t->phase = FL_PG_CONNECT;
    pc->st = FL_PG_LOST;
    if (!ensure_conn(pc))
        return false;
    t->phase = FL_PG_BODY;
    snprintf(sql, sizeof(sql), "BEGIN ISOLATION LEVEL %s", pc->c->isolation);
    return exec_sql(pc, sql);
}

/* Roll back after an error in the body, keeping the error. */
static void
txn_abandon(struct pg_txn *t)
{
    struct pg_client *pc = t->pc;

    if (pc->conn && PQtransactionStatus(pc->conn) != PQTRANS_IDLE) {
        enum fl_pg_status st = pc->st;
        char ss[6], msg[200];
        memcpy(ss, pc->sqlstate, sizeof(ss));
        memcpy(msg, pc->msg, sizeof(msg));
        exec_sql(pc, "ROLLBACK");
        pc->st = st;
        memcpy(pc->sqlstate, ss, sizeof(ss));
        memcpy(pc->msg, msg, sizeof(msg));
    }
}

/* COMMIT; the op's completion from how it ended, into out. */
static void
txn_finish(struct pg_txn *t, bool body_ok, struct fl_arena *a,
           struct fl_op *out)
{
    struct pg_client *pc = t->pc;
    struct fl_pg_outcome o;

    if (body_ok) {
        t->phase = FL_PG_COMMIT;
        exec_sql(pc, "COMMIT");
    } else {
        txn_abandon(t);
    }
    fl_pg_outcome_from(t->phase, pc->st, pc->sqlstate, t->read_only, &o);
    out->type = (uint8_t)o.type;
    if (o.type == FL_OP_OK)
        return;
    fl_val items[3] = {fl_val_kw(fl_kw_intern_cstr(o.error)),
                       fl_val_str(a, pc->sqlstate, strlen(pc->sqlstate)),
                       fl_val_str(a, pc->msg, strlen(pc->msg))};
    fl_val v = fl_val_coll(a, FL_V_VEC, items, 3);
    fl_op_set_error_val(out, a, &v);
}

/* The client refuses to go on (bank: funds); nothing will be committed. */
static bool
txn_refuse(struct pg_txn *t, const char *why)
{
    t->pc->st = FL_PG_REFUSED;
    snprintf(t->pc->sqlstate, sizeof(t->pc->sqlstate), "%s", "");
    set_msg(t->pc, why);
    return false;
}

/* One value of the last result, or NULL (no row, or SQL NULL). */
static const char *
cell(const struct pg_client *pc, int row, int col)
{
    if (!pc->res || row >= PQntuples(pc->res) || PQgetisnull(pc->res, row, col))
        return NULL;
    return PQgetvalue(pc->res, row, col);
}

/* ---- the workloads' statements ---- */

static int
table_of(const struct fl_pg_cfg *c, int64_t k)
{
    return (int)(k % c->tables);
}

/* [:r k nil] -> [:r k [1 2 3]] or [:r k v]; reads the current value */
static bool
txn_read(struct pg_client *pc, fl_val *m, struct fl_arena *a)
{
    int64_t k = m[1].u.i;
    char sql[128];

    snprintf(sql, sizeof(sql), "SELECT val FROM txn%d WHERE id = %" PRId64,
             table_of(pc->c, k), k);
    if (!exec_sql(pc, sql))
        return false;
    const char *v = cell(pc, 0, 0);
    if (!v) {
        m[2] = fl_val_nil();
    } else if (pc->c->workload == FL_PG_WR) {
        m[2] = fl_val_int(strtoll(v, NULL, 10));
    } else {
        size_t n = 1;
        for (const char *p = v; *p; p++)
            n += *p == ',';
        fl_val *items = fl_arena_alloc(a, n * sizeof(fl_val));
        const char *p = v;
        for (size_t i = 0; i < n; i++) {
            char *end;
            items[i] = fl_val_int(strtoll(p, &end, 10));
            p = *end ? end + 1 : end;
        }
        m[2] = fl_val_coll(a, FL_V_VEC, items, n);
    }
    return true;
}

static bool
txn_write(struct pg_client *pc, const fl_val *m)
{
    int64_t k = m[1].u.i, v = m[2].u.i;
    int t = table_of(pc->c, k);
    char sql[320];

    if (pc->c->workload == FL_PG_WR)
        snprintf(sql, sizeof(sql),
                 "INSERT INTO txn%d AS t (id, val) VALUES (%" PRId64
                 ", '%" PRId64 "') ON CONFLICT (id) DO UPDATE SET val = "
                 "'%" PRId64 "'",
                 t, k, v, v);
    else
        snprintf(sql, sizeof(sql),
                 "INSERT INTO txn%d AS t (id, val) VALUES (%" PRId64
                 ", '%" PRId64 "') ON CONFLICT (id) DO UPDATE SET val = "
                 "CONCAT(t.val, ',', '%" PRId64 "')",
                 t, k, v, v);
    return exec_sql(pc, sql);
}

static bool
valid_micro(const fl_val *m)
{
    return m->kind == FL_V_VEC && m->n == 3 && m->u.items[0].kind == FL_V_KW &&
           m->u.items[1].kind == FL_V_INT &&
           (m->u.items[0].u.id == FL_KW_R || m->u.items[2].kind == FL_V_INT);
}

static int
invoke_txn(struct pg_client *pc, const struct fl_op *op, struct fl_arena *a,
           struct fl_op *out, struct fl_err *err)
{
    const fl_val *v = &op->value;
    bool read_only = true, ok;
    struct pg_txn t;

    if (op->f != FL_KW_TXN || v->kind != FL_V_VEC)
        return fl_err_set(err, FL_EUSAGE, "postgres: expected :txn [...]");
    for (uint32_t i = 0; i < v->n; i++) {
        if (!valid_micro(&v->u.items[i]))
            return fl_err_set(err, FL_EUSAGE, "postgres: bad micro-op %u", i);
        read_only &= v->u.items[i].u.items[0].u.id == FL_KW_R;
    }
    /* the completion's value: a copy whose reads get filled in */
    fl_val *ms = fl_arena_alloc(a, (v->n + 1) * sizeof(fl_val));
    ok = txn_begin(&t, pc, read_only);
    for (uint32_t i = 0; i < v->n; i++) {
        fl_val *m = fl_arena_alloc(a, 3 * sizeof(fl_val));
        memcpy(m, v->u.items[i].u.items, 3 * sizeof(fl_val));
        if (ok)
            ok = m[0].u.id == FL_KW_R ? txn_read(pc, m, a) : txn_write(pc, m);
        ms[i] = fl_val_coll(a, FL_V_VEC, m, 3);
    }
    txn_finish(&t, ok, a, out);
    if (out->type == FL_OP_OK)
        out->value = fl_val_coll(a, FL_V_VEC, ms, v->n);
    return 0;
}

static int64_t
map_int(const fl_val *m, const char *key)
{
    const fl_val *x = fl_val_map_get_kw(m, fl_kw_intern_cstr(key));

    return x && x->kind == FL_V_INT ? x->u.i : -1;
}

static bool
transfer(struct pg_client *pc, int64_t from, int64_t to, int64_t amount)
{
    char sql[160];

    snprintf(sql, sizeof(sql),
             "SELECT balance FROM accounts WHERE id = %" PRId64, from);
    if (!exec_sql(pc, sql))
        return false;
    const char *b = cell(pc, 0, 0);
    if (!b || strtoll(b, NULL, 10) < amount)
        return false; /* caller refuses */
    snprintf(sql, sizeof(sql),
             "UPDATE accounts SET balance = balance - %" PRId64
             " WHERE id = %" PRId64,
             amount, from);
    if (!exec_sql(pc, sql))
        return false;
    snprintf(sql, sizeof(sql),
             "UPDATE accounts SET balance = balance + %" PRId64
             " WHERE id = %" PRId64,
             amount, to);
    return exec_sql(pc, sql);
}

/* bank :read -> {0 10, 1 12, ...}; set :read -> #{...} */
static fl_val
read_rows(struct pg_client *pc, struct fl_arena *a, bool pairs)
{
    int n = pc->res ? PQntuples(pc->res) : 0;
    size_t w = pairs ? 2 : 1;
    fl_val *items = fl_arena_alloc(a, ((size_t)n * w + 1) * sizeof(fl_val));

    for (int i = 0; i < n; i++)
        for (size_t j = 0; j < w; j++)
            items[(size_t)i * w + j] =
                fl_val_int(strtoll(cell(pc, i, (int)j), NULL, 10));
    return pairs ? fl_val_map(a, items, (size_t)n)
                 : fl_val_coll(a, FL_V_SET, items, (size_t)n);
}

static int
invoke_bank(struct pg_client *pc, const struct fl_op *op, struct fl_arena *a,
            struct fl_op *out, struct fl_err *err)
{
    struct pg_txn t;
    bool ok;
    fl_val r = fl_val_nil();

    if (op->f == FL_KW_READ) {
        ok = txn_begin(&t, pc, true) &&
             exec_sql(pc, "SELECT id, balance FROM accounts ORDER BY id");
        if (ok)
            r = read_rows(pc, a, true);
        txn_finish(&t, ok, a, out);
        if (out->type == FL_OP_OK)
            out->value = r;
        return 0;
    }
    int64_t from = map_int(&op->value, "from"), to = map_int(&op->value, "to");
    int64_t amount = map_int(&op->value, "amount");
    if (op->f != FL_KW_TRANSFER || from < 0 || to < 0 || amount < 0)
        return fl_err_set(err, FL_EUSAGE, "postgres bank: bad op");
    ok = txn_begin(&t, pc, false) && transfer(pc, from, to, amount);
    if (!ok && t.phase == FL_PG_BODY && pc->st == FL_PG_DONE)
        txn_refuse(&t, "insufficient funds");
    txn_finish(&t, ok, a, out);
    return 0;
}

static int
invoke_set(struct pg_client *pc, const struct fl_op *op, struct fl_arena *a,
           struct fl_op *out, struct fl_err *err)
{
    struct pg_txn t;
    char sql[96];
    bool ok;
    fl_val r = fl_val_nil();

    if (op->f == FL_KW_ADD && op->value.kind == FL_V_INT) {
        snprintf(sql, sizeof(sql),
                 "INSERT INTO elements (val) VALUES (%" PRId64 ")",
                 op->value.u.i);
        ok = txn_begin(&t, pc, false) && exec_sql(pc, sql);
    } else if (op->f == FL_KW_READ) {
        ok =
            txn_begin(&t, pc, true) && exec_sql(pc, "SELECT val FROM elements");
        if (ok)
            r = read_rows(pc, a, false);
    } else {
        return fl_err_set(err, FL_EUSAGE, "postgres set: bad op");
    }
    txn_finish(&t, ok, a, out);
    if (out->type == FL_OP_OK && op->f == FL_KW_READ)
        out->value = r;
    return 0;
}

/* ---- the plug-in ---- */

static int
client_open(struct fl_client *c, const struct fl_env *env, struct fl_err *err)
{
    struct fl_pg_cfg *cfg = c->shared;
    struct pg_client *pc;

    if (env->nnodes == 0)
        return fl_err_set(err, FL_EUSAGE, "postgres client: no nodes");
    pc = fl_xcalloc(1, sizeof(*pc));
    pc->c = cfg;
    /* every process talks to the primary, whatever its node */
    pc->env = env;
    pc->node = env->nodes[(size_t)fl_pg_primary(cfg) % env->nnodes];
    c->ctx = pc;
    return 0;
}

static void
client_close(struct fl_client *c, const struct fl_env *env)
{
    struct pg_client *pc = c->ctx;

    FL_UNUSED(env);
    if (!pc)
        return;
    PQclear(pc->res);
    drop_conn(pc);
    free(pc);
    c->ctx = NULL;
}

static int
create_tables(struct pg_client *pc, struct fl_err *err)
{
    const struct fl_pg_cfg *cfg = pc->c;
    struct fl_strbuf sql = FL_STRBUF_INIT;
    int rc = 0;

    for (int i = 0; i < cfg->tables; i++)
        fl_strbuf_addf(&sql,
                       "CREATE TABLE IF NOT EXISTS txn%d (id bigint PRIMARY "
                       "KEY, val text);\n",
                       i);
    fl_strbuf_addstr(&sql, "CREATE TABLE IF NOT EXISTS accounts (id bigint "
                           "PRIMARY KEY, balance bigint NOT NULL);\n"
                           "CREATE TABLE IF NOT EXISTS elements (val bigint "
                           "NOT NULL);\n");
    for (int i = 0; i < cfg->accounts; i++)
        fl_strbuf_addf(&sql,
                       "INSERT INTO accounts VALUES (%d, %" PRId64
                       ") ON CONFLICT DO NOTHING;\n",
                       i,
                       cfg->total / cfg->accounts +
                           (i == 0 ? cfg->total % cfg->accounts : 0));
    if (!ensure_conn(pc) || !exec_sql(pc, sql.buf))
        rc = fl_err_set(err, FL_EREMOTE, "postgres: creating tables on %s: %s",
                        pc->node, pc->msg);
    fl_strbuf_release(&sql);
    return rc;
}

static int
client_setup(struct fl_client *c, const struct fl_env *env, struct fl_err *err)
{
    struct fl_pg_cfg *cfg = c->shared;
    int rc = 0;

    FL_UNUSED(env);
    pthread_mutex_lock(&cfg->mu);
    if (!cfg->set_up)
        rc = create_tables(c->ctx, err);
    cfg->set_up = rc == 0;
    pthread_mutex_unlock(&cfg->mu);
    return rc;
}

/*
 * The tables are gone (42P01, undefined table): a durability bug (fsync =
 * off and a crash of the machine) took the whole database back to initdb.
 * The op that met it is :fail; the tables are made again so that later
 * reads show what was lost instead of failing to the end.
 */
static void
recreate_tables(struct fl_client *c)
{
    struct fl_pg_cfg *cfg = c->shared;
    struct pg_client *pc = c->ctx;
    char ss[6], msg[200];

    memcpy(ss, pc->sqlstate, sizeof(ss));
    memcpy(msg, pc->msg, sizeof(msg));
    pthread_mutex_lock(&cfg->mu);
    if (create_tables(pc, NULL) == 0)
        fl_warn("postgres: %s had lost its tables (%s); made them again",
                pc->node, msg);
    pthread_mutex_unlock(&cfg->mu);
    memcpy(pc->sqlstate, ss, sizeof(ss));
    memcpy(pc->msg, msg, sizeof(msg));
}

static int
client_invoke(struct fl_client *c, const struct fl_env *env,
              const struct fl_op *op, struct fl_arena *a, struct fl_op *out,
              struct fl_err *err)
{
    struct pg_client *pc = c->ctx;

    int rc;

    FL_UNUSED(env);
    switch (pc->c->workload) {
    case FL_PG_BANK:
        rc = invoke_bank(pc, op, a, out, err);
        break;
    case FL_PG_SET:
        rc = invoke_set(pc, op, a, out, err);
        break;
    default:
        rc = invoke_txn(pc, op, a, out, err);
        break;
    }
    if (rc == 0 && strcmp(pc->sqlstate, PG_UNDEFINED_TABLE) == 0)
        recreate_tables(c);
    return rc;
}

const struct fl_client_type fl_pg_client_type = {
    .name = "postgres",
    .reusable = false, /* a new process gets a new connection */
    .open = client_open,
    .setup = client_setup,
    .invoke = client_invoke,
    .teardown = fl_client_node_noop,
    .close = client_close,
};
