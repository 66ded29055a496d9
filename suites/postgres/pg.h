/* SPDX-License-Identifier: MIT */
/*
 * pg.h: the PostgreSQL suite's internal interface, shared by its files.
 * db.c describes one PostgreSQL cluster per node for the generic daemon DB
 * (initdb as user postgres, postgres listening on the node's address);
 * client.c holds one libpq connection per client process and runs each
 * op as one transaction at the test's isolation level; the mapping of
 * what happened to a completion type lives in ONE pure function,
 * fl_pg_outcome_from(), tested on its own (tests/unit/test_pg.c);
 * suite.c is `faultline test postgres`. docs/postgres.md is the manual.
 */
#ifndef FL_SUITE_PG_H
#define FL_SUITE_PG_H

#include "util/common.h"

#include <pthread.h>

struct fl_db;
struct fl_err;

#define FL_PG_DEFAULT_DIR "/var/lib/faultline/postgres"
#define FL_PG_BIN         "/usr/lib/postgresql/15/bin"

/* ---- outcomes (client.c) ---- */

/* How far a transaction got when something happened. */
enum fl_pg_phase {
    FL_PG_CONNECT, /* no connection: nothing was sent */
    FL_PG_BODY,    /* BEGIN and the statements, before COMMIT was sent */
    FL_PG_COMMIT,  /* COMMIT was sent */
};

/* What happened. */
enum fl_pg_status {
    FL_PG_DONE,      /* the statement (or COMMIT) succeeded */
    FL_PG_SQL_ERROR, /* the server answered with an error (a SQLSTATE) */
    FL_PG_LOST,      /* the connection broke before an answer */
    FL_PG_TIMEOUT,   /* no answer within the client timeout */
    FL_PG_REFUSED,   /* the client refused the op itself (bank: funds) */
};

struct fl_pg_outcome {
    int type;          /* FL_OP_OK, FL_OP_FAIL or FL_OP_INFO */
    const char *error; /* keyword name without ':', NULL when ok */
};

/**
 * The completion of a transaction (Jepsen's rule: :fail only when it
 * certainly had no effect). Pure.
 *
 * - DONE in the COMMIT phase is :ok.
 * - Nothing commits before COMMIT is sent: every failure in the CONNECT
 *   or BODY phase is :fail (the server rolls the transaction back when
 *   its connection ends).
 * - An error with SQLSTATE class 40 (40001 serialization failure, 40P01
 *   deadlock, 40002 integrity constraint at commit) is a rollback: :fail
 *   in any phase.
 * - In the COMMIT phase everything else (a lost connection, a timeout,
 *   any other SQLSTATE such as 57P01 admin shutdown) is :info, unless
 *   read_only: a transaction that wrote nothing has no effect to lose, so
 *   it is :fail.
 *
 * sqlstate is the five-character code for SQL_ERROR (NULL otherwise).
 * error names the cause: serialization-failure, deadlock, sql-error,
 * connection-lost, timeout, connect-failed, refused.
 */
void fl_pg_outcome_from(enum fl_pg_phase phase, enum fl_pg_status st,
                        const char *sqlstate, bool read_only,
                        struct fl_pg_outcome *out);

/* ---- the client's settings (suite.c fills, client.c reads) ---- */

enum fl_pg_workload {
    FL_PG_APPEND, /* Elle list-append */
    FL_PG_WR,     /* Elle rw-register */
    FL_PG_BANK,   /* transfers, constant total */
    FL_PG_SET,    /* inserts and whole-table reads */
};

struct fl_pg_cfg {
    enum fl_pg_workload workload;
    const char *isolation; /* "SERIALIZABLE", "REPEATABLE READ", ... */
    int port;
    int64_t timeout_ms; /* per statement, client side */
    int tables;         /* append, wr: keys spread over this many tables */
    int accounts;       /* bank */
    int64_t total;      /* bank */
    int primary;        /* node index clients connect to; read and
                           written with fl_pg_primary()/_set() */
    int replicas;       /* nodes 1..replicas stream from the primary */
    pthread_mutex_t mu; /* guards set_up */
    bool set_up;        /* tables created */
};

/** The node clients use now (the failover nemesis moves it). */
static inline int
fl_pg_primary(const struct fl_pg_cfg *c)
{
    return __atomic_load_n(&c->primary, __ATOMIC_ACQUIRE);
}

static inline void
fl_pg_primary_set(struct fl_pg_cfg *c, int node)
{
    __atomic_store_n(&c->primary, node, __ATOMIC_RELEASE);
}

/**
 * --isolation level s: the SQL level (*sql) and the models Elle checks by
 * default (*models, "m,m"): serializable -> serializable; repeatable-read
 * -> snapshot-isolation,repeatable-read (what PostgreSQL documents, and
 * what the SQL name promises: Adya's PL-2.99, which forbids write skew;
 * docs/postgres.md says why both); read-committed -> read-committed.
 * FL_EUSAGE naming --isolation for another word.
 */
int fl_pg_isolation(const char *s, const char **sql, const char **models,
                    struct fl_err *err);

/** A cfg with defaults (caller sets the rest); free with fl_pg_cfg_free. */
struct fl_pg_cfg *fl_pg_cfg_new(void);
void fl_pg_cfg_free(void *cfg);

/** The client plug-in; c->shared is a struct fl_pg_cfg. */
extern const struct fl_client_type fl_pg_client_type;

/* ---- the DB (db.c) ---- */

struct fl_pg_db_cfg {
    const char *dir; /* absolute; node files under <dir>/<node>/ */
    int port;
    bool fsync;     /* false: fsync = off, the planted bug */
    bool sync;      /* synchronous replication: a commit waits for a replica */
    bool time_shim; /* local cluster: postgres starts with the clock
                       nemesis's time shim (the daemon DB's time_shim) */
};

/**
 * The PostgreSQL daemon DB for cfg; NULL with err set on a bad cfg. Its
 * probes read clients (the port, the primary), which must outlive it.
 */
struct fl_db *fl_pg_db_new(const struct fl_pg_db_cfg *cfg,
                           const struct fl_pg_cfg *clients, struct fl_err *err);

/*
 * The failover nemesis (failover.c): :failover cuts the primary off from
 * the other nodes for delay_ms (an HA manager's detection time), promotes
 * the most advanced live replica, fences the old primary, repoints the
 * clients and rebuilds the other members of the group as its replicas.
 */
struct fl_nemesis;
struct fl_nemesis *fl_pg_failover_new(struct fl_pg_cfg *c, struct fl_db *db,
                                      int64_t delay_ms);

/** libpq's conninfo for node at port (appended to sb). */
struct fl_strbuf;
void fl_pg_conninfo(struct fl_strbuf *sb, const char *node, int port,
                    int64_t connect_timeout_ms);

#endif
