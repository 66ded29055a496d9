/* SPDX-License-Identifier: MIT */
/*
 * suite.c: `faultline test postgres`. build() turns the options into a
 * test: PostgreSQL on the nodes (db.c), the libpq client at the chosen
 * isolation level (client.c), a standard workload from workload/ (append
 * and wr checked by Elle for the model the isolation level promises, bank,
 * set) and the combined nemesis aimed at the primary by default.
 */
#include "util/common.h"

#include "suites/postgres/pg.h"

#include "checker/elle/elle.h"
#include "checker/workloads.h"
#include "control/cluster.h"
#include "gen/gen.h"
#include "nemesis/combined.h"
#include "nemesis/lazyfs_db.h"
#include "run/test.h"
#include "util/err.h"
#include "util/strbuf.h"
#include "workload/workload.h"

static const struct fl_suite_opt pg_opts[] = {
    {"isolation", "LEVEL", "serializable",
     "serializable, repeatable-read or read-committed"},
    {"consistency-models", "M,M", NULL,
     "append, wr: what Elle checks (default: what the isolation level "
     "promises: serializable; snapshot-isolation,repeatable-read; "
     "read-committed)"},
    {"request-timeout", "MS", "5000",
     "client timeout per statement; a COMMIT without answer is :info"},
    {"tables", "N", "3", "append, wr: keys spread over N tables"},
    {"key-count", "N", "10", "append, wr: active keys at a time"},
    {"max-txn-length", "N", "4", "append, wr: micro-ops per transaction"},
    {"max-writes-per-key", "N", "32", "append, wr: writes before a new key"},
    {"accounts", "N", "8", "bank: accounts"},
    {"adds-per-read", "N", "20", "set: mean inserts between two reads"},
    {"fsync", "on|off", "on", "off: fsync = off, a planted bug"},
    {"pg-dir", "DIR", FL_PG_DEFAULT_DIR, "node files under DIR/<node>/"},
    {"pg-port", "PORT", "5432", "PostgreSQL's port"},
    {"replicas", "N", "0",
     "streaming replicas on nodes 2..N+1 (async unless --sync-replication)"},
    {"sync-replication", NULL, NULL,
     "synchronous_standby_names = 'ANY 1 (*)': a commit waits for a "
     "replica"},
    {"failover-delay", "MS", "1000",
     "failover: how long the primary is cut off before a replica is "
     "promoted (an HA manager's detection time)"},
    {"nemesis-targets", "T,T", "primaries",
     "whom faults hit: one, minority, majority, all, primaries"},
    {NULL, NULL, NULL, NULL},
};

static const char *const pg_workloads[] = {"append", "wr", "bank", "set", NULL};
static const char *const pg_nemeses[] = {"none", "partition,kill,pause",
                                         "lazyfs", NULL};

#define PG_FAILOVER "failover"
#define PG_LAZYFS   "lazyfs"

int
fl_pg_isolation(const char *s, const char **sql, const char **models,
                struct fl_err *err)
{
    static const char *const t[][3] = {
        {"serializable", "SERIALIZABLE", "serializable"},
        {"repeatable-read", "REPEATABLE READ",
         "snapshot-isolation,repeatable-read"},
        {"read-committed", "READ COMMITTED", "read-committed"},
    };

    for (size_t i = 0; i < FL_ARRAY_SIZE(t); i++)
        if (strcmp(s, t[i][0]) == 0) {
            *sql = t[i][1];
            *models = t[i][2];
            return 0;
        }
    return fl_err_set(err, FL_EUSAGE,
                      "--isolation %s: serializable, repeatable-read or "
                      "read-committed",
                      s);
}

/* options[:consistency-models] = [:m ...], from "m,m" (Elle's shape). */
static int
set_models(struct fl_test *t, const char *list, struct fl_err *err)
{
    fl_val items[16];
    size_t n = 0;
    char *copy = fl_xstrdup(list), *save = NULL;

    for (char *m = strtok_r(copy, ",", &save); m && n < 16;
         m = strtok_r(NULL, ",", &save)) {
        if (!fl_elle_model_known(m)) {
            fl_err_set(err, FL_EUSAGE,
                       "--consistency-models: Elle knows no model '%s'", m);
            free(copy);
            return FL_EUSAGE;
        }
        items[n++] = fl_val_kw(fl_kw_intern_cstr(m));
    }
    free(copy);
    fl_val v = fl_val_coll(&t->arena, FL_V_VEC, items, n);
    fl_test_set_opt(t, "consistency-models", &v);
    return 0;
}

static int
build_workload(struct fl_test *t, struct fl_pg_cfg *c, struct fl_err *err)
{
    const struct fl_env *env = &t->env;
    struct fl_workload w = {0};
    int64_t a, b, d;
    int rc = 0;

    if (c->workload == FL_PG_APPEND || c->workload == FL_PG_WR) {
        rc = fl_env_opt_int_in(env, "key-count", 10, 1, 64, &a, err);
        if (rc == 0)
            rc = fl_env_opt_int_in(env, "max-txn-length", 4, 1, 64, &b, err);
        if (rc == 0)
            rc = fl_env_opt_int_in(env, "max-writes-per-key", 32, 1, INT32_MAX,
                                   &d, err);
        struct fl_wl_txn_opts o = {.list_append = c->workload == FL_PG_APPEND,
                                   .key_count = (int)a,
                                   .max_txn_length = (int)b,
                                   .max_writes_per_key = d};
        if (rc == 0)
            rc = fl_wl_txn(&o, &w, err);
    } else if (c->workload == FL_PG_BANK) {
        struct fl_wl_bank_opts o = {.accounts = c->accounts, .total = c->total};
        rc = fl_wl_bank(&o, &w, err);
    } else {
        rc = fl_env_opt_int_in(env, "adds-per-read", 20, 1, INT32_MAX, &a, err);
        struct fl_wl_set_opts o = {.adds_per_read = a, .linearizable = true};
        if (rc == 0)
            rc = fl_wl_set(&o, &w, err);
    }
    t->generator = w.generator;
    t->final_generator = w.final_generator;
    if (rc == 0) {
        const char *names[] = {fl_env_opt_str(env, "workload", "append"),
                               "stats", "exceptions"};
        struct fl_checker *cs[] = {w.checker, fl_chk_stats_new(),
                                   fl_chk_exceptions_new()};
        t->checker = fl_chk_compose_new(names, cs, 3);
    }
    return rc;
}

static int
build_client(struct fl_test *t, const char *wl, struct fl_err *err)
{
    const struct fl_env *env = &t->env;
    struct fl_pg_cfg *c = fl_pg_cfg_new();
    const char *models = NULL;
    int64_t v = 0;
    int rc;

    t->client.type = &fl_pg_client_type;
    t->client.shared = c;
    t->client.free_shared = fl_pg_cfg_free;
    c->workload = strcmp(wl, "append") == 0 ? FL_PG_APPEND
                  : strcmp(wl, "wr") == 0   ? FL_PG_WR
                  : strcmp(wl, "bank") == 0 ? FL_PG_BANK
                                            : FL_PG_SET;
    rc = fl_pg_isolation(fl_env_opt_str(env, "isolation", "serializable"),
                         &c->isolation, &models, err);
    if (rc == 0)
        rc = set_models(t, fl_env_opt_str(env, "consistency-models", models),
                        err);
    if (rc == 0)
        rc = fl_env_opt_int_in(env, "request-timeout", 5000, 100, 3600000,
                               &c->timeout_ms, err);
    if (rc == 0)
        rc = fl_env_opt_int_in(env, "tables", 3, 1, 100, &v, err);
    c->tables = (int)v;
    if (rc == 0)
        rc = fl_env_opt_int_in(env, "accounts", 8, 2, 1000, &v, err);
    c->accounts = (int)v;
    if (rc == 0)
        rc = fl_env_opt_int_in(env, "pg-port", 5432, 1, 65535, &v, err);
    c->port = (int)v;
    if (rc == 0)
        rc = fl_env_opt_int_in(
            env, "replicas", 0, 0,
            (int64_t)(t->nnodes ? t->nnodes : FL_CLUSTER_DEFAULT_NODES) - 1, &v,
            err);
    c->replicas = (int)v;
    return rc == 0 ? build_workload(t, c, err) : rc;
}

/* lazyfs: data/ on the lazy filesystem; a kill loses unfsynced writes. */
static int
build_db(struct fl_test *t, bool lazyfs, struct fl_err *err)
{
    const struct fl_env *env = &t->env;
    const struct fl_pg_cfg *c = t->client.shared;
    const char *fsync = fl_env_opt_str(env, "fsync", "on");
    struct fl_pg_db_cfg dc = {
        .dir = fl_env_opt_str(env, "pg-dir", FL_PG_DEFAULT_DIR),
        .port = c->port,
        .fsync = strcmp(fsync, "off") != 0,
        .sync = fl_env_opt_bool(env, "sync-replication", false),
        .time_shim = t->nnodes == 0,
    };

    if (strcmp(fsync, "on") != 0 && strcmp(fsync, "off") != 0)
        return fl_err_set(err, FL_EUSAGE, "--fsync %s: on or off", fsync);
    if (dc.dir[0] != '/')
        return fl_err_set(err, FL_EUSAGE, "--pg-dir: '%s' is not absolute",
                          dc.dir);
    t->db = fl_pg_db_new(&dc, c, err);
    if (t->db && lazyfs)
        t->db = fl_lazyfs_db_new(t->db, dc.dir, "{{data}}");
    return t->db ? 0 : FL_EUSAGE;
}

/* Whether the --nemesis list names word. */
static bool
names_word(const char *spec, const char *word)
{
    char *copy = fl_xstrdup(spec), *save = NULL;
    bool found = false;

    for (char *w = strtok_r(copy, ",", &save); w && !found;
         w = strtok_r(NULL, ",", &save))
        found = strcmp(w, word) == 0;
    free(copy);
    return found;
}

/*
 * "kill,failover,lazyfs" -> "kill" (into out): the combined package's
 * faults without the suite's own; lazyfs adds kill (its crashes are kills).
 */
static void
combined_faults(const char *spec, struct fl_strbuf *out)
{
    char *copy = fl_xstrdup(spec), *save = NULL;

    for (char *w = strtok_r(copy, ",", &save); w;
         w = strtok_r(NULL, ",", &save)) {
        if (strcmp(w, PG_FAILOVER) == 0)
            continue;
        fl_strbuf_addf(out, "%s%s", out->len ? "," : "",
                       strcmp(w, PG_LAZYFS) == 0 ? "kill" : w);
    }
    free(copy);
    if (!out->len)
        fl_strbuf_addstr(out, "none");
}

/* Add the failover nemesis and its schedule to the package. */
static int
add_failover(struct fl_test *t, struct fl_err *err)
{
    struct fl_nemesis_package *p = &t->nemesis;
    int64_t delay;
    int rc = fl_env_opt_int_in(&t->env, "failover-delay", 1000, 0, 600000,
                               &delay, err);

    if (rc != 0)
        return rc;
    struct fl_nemesis *parts[2] = {
        fl_pg_failover_new(t->client.shared, t->db, delay), p->nemesis};
    int64_t dt = t->nemesis_interval_ns > 0 ? t->nemesis_interval_ns
                                            : 10 * (int64_t)1000000000;
    struct fl_gen *g = fl_gen_stagger(
        dt, fl_gen_repeat(-1, fl_gen_invoke(fl_kw_intern_cstr(PG_FAILOVER),
                                            fl_val_nil())));

    p->nemesis = parts[1] ? fl_nem_compose(parts, 2, err) : parts[0];
    if (!p->nemesis)
        return FL_EUSAGE;
    p->generator = p->generator ? FL_GEN_ANY(p->generator, g) : g;
    return 0;
}

static int
build_nemesis(struct fl_test *t, struct fl_err *err)
{
    const struct fl_env *env = &t->env;
    const struct fl_pg_cfg *c = t->client.shared;
    struct fl_strbuf rest = FL_STRBUF_INIT;
    unsigned faults = 0;
    const char *spec = fl_env_opt_str(env, "nemesis", "partition,kill,pause");
    bool failover = names_word(spec, PG_FAILOVER);
    int rc;

    combined_faults(spec, &rest);
    rc = fl_nemesis_faults_parse(rest.buf, &faults, err);

    fl_strbuf_release(&rest);
    if (rc != 0) {
        fl_err_prefix(err, "--nemesis: ");
        return FL_EUSAGE;
    }
    if (failover && c->replicas < 1)
        return fl_err_set(err, FL_EUSAGE,
                          "--nemesis failover needs --replicas 1 or more");
    if (failover && names_word(spec, PG_LAZYFS))
        return fl_err_set(err, FL_EUSAGE,
                          "--nemesis: failover and lazyfs do not go "
                          "together (failover rebuilds data dirs the lazy "
                          "filesystem is mounted on)");
    struct fl_nemesis_opts no = {
        .faults = faults,
        .interval_ns = t->nemesis_interval_ns,
        .targets = fl_env_opt_str(env, "nemesis-targets", "primaries"),
        .db = t->db,
    };
    rc = fl_nemesis_combined(&no, &t->nemesis, err);
    return rc == 0 && failover ? add_failover(t, err) : rc;
}

static int
pg_build(struct fl_test *t, struct fl_err *err)
{
    const char *wl, *iso;
    char name[96];
    int rc;

    fl_test_sync_env(t);
    wl = fl_env_opt_str(&t->env, "workload", "append");
    iso = fl_env_opt_str(&t->env, "isolation", "serializable");
    if (!fl_suite_has(pg_workloads, wl))
        return fl_err_set(err, FL_EUSAGE,
                          "--workload: postgres has no workload '%s' "
                          "(append, wr, bank, set)",
                          wl);
    int64_t reps = fl_env_opt_int(&t->env, "replicas", 0);
    snprintf(name, sizeof(name), "postgres-%s-%s%s%.0" PRId64 "%s", wl, iso,
             reps > 0 ? "-r" : "", (int64_t)(reps > 0 ? reps : 0),
             reps > 0 && fl_env_opt_bool(&t->env, "sync-replication", false)
                 ? "-sync"
                 : "");
    fl_test_set_name(t, name);
    rc = build_client(t, wl, err);
    if (rc == 0)
        rc = build_db(
            t, names_word(fl_env_opt_str(&t->env, "nemesis", ""), PG_LAZYFS),
            err);
    if (rc == 0)
        rc = build_nemesis(t, err);
    return rc;
}

const struct fl_suite fl_suite_postgres = {
    .name = "postgres",
    .summary = "PostgreSQL 15 (Debian postgresql-15) through libpq: "
               "transactions under faults, checked by Elle",
    .opts = pg_opts,
    .workloads = pg_workloads,
    .nemeses = pg_nemeses,
    .in_process = false,
    .build = pg_build,
};
