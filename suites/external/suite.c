/* SPDX-License-Identifier: MIT */
/*
 * suite.c: `faultline test external`: the workloads register (independent
 * cas-registers, linearizability per key), set (unique adds and reads,
 * set-full) and counter, sent to the user's --client-cmd, against a DB
 * made of the --db-* shell commands (db.c), under the combined nemesis.
 * Without DB commands and faults it needs no nodes or remotes: it tests
 * whatever the client talks to. The workloads are written here until the
 * shared standard workloads replace them.
 */
#include "util/common.h"

#include "suites/external/external.h"

#include "checker/linear/linear.h"
#include "checker/workloads.h"
#include "control/cluster.h"
#include "gen/gen.h"
#include "model/model.h"
#include "nemesis/combined.h"
#include "run/client_cmd.h"
#include "run/test.h"
#include "util/arena.h"
#include "util/err.h"
#include "util/parse.h"

static const char *const ext_workloads[] = {"register", "set", "counter", NULL};
/* For test-all: kill and pause need DB commands, so ask for them by name. */
static const char *const ext_nemeses[] = {"none", "partition", "packet", NULL};

static const struct fl_suite_opt ext_opts[] = {
    {"db-setup", "CMD", NULL, "shell command installing the DB on a node"},
    {"db-teardown", "CMD", NULL,
     "shell command stopping the DB and wiping its data (idempotent)"},
    {"db-start", "CMD", NULL, "shell command starting the DB on a node"},
    {"db-kill", "CMD", NULL, "shell command killing the DB (SIGKILL)"},
    {"db-pause", "CMD", NULL, "shell command pausing the DB (SIGSTOP)"},
    {"db-resume", "CMD", NULL, "shell command resuming the DB (SIGCONT)"},
    {"db-logs", "GLOB", NULL, "log files on each node to download"},
    {"db-primary", "CMD", NULL, "exits 0 on a node that is a primary"},
    {"db-timeout", "DUR", "120s", "limit for each DB command"},
    {"ops-per-key", "N", "100", "register: ops on one key before the next"},
    {"threads-per-key", "N", NULL,
     "register: threads per key (default: a divisor of the concurrency up "
     "to 5)"},
    {"adds-per-read", "N", "10", "set: mean adds between two reads"},
    {"linearizable-set", NULL, NULL,
     "set: the system's reads are linearizable (flag stale reads)"},
    {NULL, NULL, NULL, NULL},
};

/* ---- register: independent keys, reads, writes and cas ---- */

struct reg_cfg {
    int readers; /* threads of a key that only read */
    int64_t ops_per_key;
};

static int
reg_write_or_cas(void *arg, const struct fl_gen_ctx *ctx, struct fl_op *t)
{
    struct fl_rng *rng = fl_gen_ctx_rng(ctx);

    FL_UNUSED(arg);
    if (fl_rng_below(rng, 3) == 0) {
        t->f = FL_KW_WRITE;
        t->value = fl_val_int((int64_t)fl_rng_below(rng, 5));
    } else {
        fl_val pair[2] = {fl_val_int((int64_t)fl_rng_below(rng, 5)),
                          fl_val_int((int64_t)fl_rng_below(rng, 5))};
        t->f = FL_KW_CAS;
        t->value = fl_val_coll(ctx->arena, FL_V_VEC, pair, 2);
    }
    return FL_GEN_OP;
}

static struct fl_gen *
reg_key_gen(void *arg, int64_t key)
{
    const struct reg_cfg *cfg = arg;
    struct fl_gen *reads =
        fl_gen_repeat(-1, fl_gen_invoke(FL_KW_READ, fl_val_nil()));
    struct fl_gen *writes = fl_gen_fn(reg_write_or_cas, NULL, NULL);

    FL_UNUSED(key);
    if (cfg->readers == 0)
        return fl_gen_limit(cfg->ops_per_key, FL_GEN_MIX(reads, writes));
    return fl_gen_limit(cfg->ops_per_key,
                        fl_gen_reserve(&cfg->readers, &reads, 1, writes));
}

static int
build_register(struct fl_test *t, struct fl_err *err)
{
    const struct fl_env *env = &t->env;
    int tpk = (int)fl_env_opt_int(env, "threads-per-key", 0);
    int64_t ops = fl_env_opt_int(env, "ops-per-key", 100);

    for (int d = 5; tpk == 0 && d >= 1; d--)
        if (t->concurrency % d == 0)
            tpk = d;
    if (tpk < 1 || tpk > t->concurrency || t->concurrency % tpk != 0)
        return fl_err_set(err, FL_EUSAGE,
                          "--threads-per-key %d must divide --concurrency %d",
                          tpk, t->concurrency);
    if (ops < 1)
        return fl_err_set(err, FL_EUSAGE, "--ops-per-key must be positive");
    struct reg_cfg *cfg = fl_xcalloc(1, sizeof(*cfg));
    cfg->readers = tpk / 2;
    cfg->ops_per_key = ops;
    t->generator = fl_gen_independent(tpk, -1, reg_key_gen, cfg, free);

    struct fl_linear_opts *lo = fl_arena_calloc(&t->arena, 1, sizeof(*lo));
    lo->model = &fl_model_cas_register_type;
    lo->independent = true;
    const char *names[] = {"linear", "stats", "exceptions"};
    struct fl_checker *cs[] = {fl_chk_linear_new(lo), fl_chk_stats_new(),
                               fl_chk_exceptions_new()};
    t->checker = fl_chk_compose_new(names, cs, 3);
    return 0;
}

/* ---- set: unique adds, occasional reads of the whole set ---- */

struct set_cfg {
    int64_t next; /* next element; only grows, so adds stay unique */
    int64_t adds; /* mean adds between two reads */
};

static int
set_op(void *arg, const struct fl_gen_ctx *ctx, struct fl_op *t)
{
    struct set_cfg *s = arg;

    if (fl_rng_below(fl_gen_ctx_rng(ctx), (uint64_t)s->adds + 1) == 0) {
        t->f = FL_KW_READ;
        t->value = fl_val_nil();
    } else {
        t->f = FL_KW_ADD;
        t->value = fl_val_int(s->next++);
    }
    return FL_GEN_OP;
}

static int
build_set(struct fl_test *t, struct fl_err *err)
{
    int64_t adds = fl_env_opt_int(&t->env, "adds-per-read", 10);
    bool lin = fl_env_opt_bool(&t->env, "linearizable-set", false);

    if (adds < 1)
        return fl_err_set(err, FL_EUSAGE, "--adds-per-read must be positive");
    struct set_cfg *s = fl_xcalloc(1, sizeof(*s));
    s->adds = adds;
    t->generator = fl_gen_fn(set_op, s, free);
    t->final_generator = fl_gen_invoke(FL_KW_READ, fl_val_nil());
    const char *names[] = {"set", "set-full", "stats", "exceptions"};
    struct fl_checker *cs[] = {fl_chk_set_new(), fl_chk_set_full_new(lin),
                               fl_chk_stats_new(), fl_chk_exceptions_new()};
    t->checker = fl_chk_compose_new(names, cs, 4);
    return 0;
}

/* ---- counter: adds of 1..5 and reads ---- */

static int
counter_op(void *arg, const struct fl_gen_ctx *ctx, struct fl_op *t)
{
    struct fl_rng *rng = fl_gen_ctx_rng(ctx);

    FL_UNUSED(arg);
    if (fl_rng_below(rng, 10) == 0) {
        t->f = FL_KW_READ;
        t->value = fl_val_nil();
    } else {
        t->f = FL_KW_ADD;
        t->value = fl_val_int(1 + (int64_t)fl_rng_below(rng, 5));
    }
    return FL_GEN_OP;
}

static int
build_counter(struct fl_test *t, struct fl_err *err)
{
    FL_UNUSED(err);
    t->generator = fl_gen_fn(counter_op, NULL, NULL);
    t->final_generator = fl_gen_invoke(FL_KW_READ, fl_val_nil());
    const char *names[] = {"counter", "stats", "exceptions"};
    struct fl_checker *cs[] = {fl_chk_counter_new(), fl_chk_stats_new(),
                               fl_chk_exceptions_new()};
    t->checker = fl_chk_compose_new(names, cs, 3);
    return 0;
}

/* ---- the DB and the faults ---- */

static int
build_db(struct fl_test *t, struct fl_external_db_cfg *c, struct fl_err *err)
{
    const struct fl_env *env = &t->env;
    const char *to = fl_env_opt_str(env, "db-timeout", NULL);
    int64_t ns = 120 * 1000000000LL;

    if (!to && fl_env_opt_int(env, "db-timeout", 0) > 0)
        ns = fl_env_opt_int(env, "db-timeout", 0) * 1000000000LL;
    if (to && (fl_parse_duration_ns(to, &ns, err) < 0 || ns <= 0))
        return fl_err_set(err, FL_EUSAGE,
                          "--db-timeout: '%s' is not a "
                          "positive duration",
                          to);
    c->setup = fl_env_opt_str(env, "db-setup", NULL);
    c->teardown = fl_env_opt_str(env, "db-teardown", NULL);
    c->start = fl_env_opt_str(env, "db-start", NULL);
    c->kill = fl_env_opt_str(env, "db-kill", NULL);
    c->pause = fl_env_opt_str(env, "db-pause", NULL);
    c->resume = fl_env_opt_str(env, "db-resume", NULL);
    c->logs = fl_env_opt_str(env, "db-logs", NULL);
    c->primary = fl_env_opt_str(env, "db-primary", NULL);
    c->timeout_ms = ns / 1000000;
    if (c->kill && !c->start)
        return fl_err_set(err, FL_EUSAGE,
                          "--db-kill needs --db-start (to restart the DB)");
    if (!!c->pause != !!c->resume)
        return fl_err_set(err, FL_EUSAGE,
                          "--db-pause and --db-resume go together");
    if (fl_external_db_any(c))
        t->db = fl_external_db_new(c);
    return 0;
}

static int
build_nemesis(struct fl_test *t, const struct fl_external_db_cfg *c,
              struct fl_err *err)
{
    const char *spec = fl_env_opt_str(&t->env, "nemesis", "none");
    unsigned faults = 0;
    int rc = fl_nemesis_faults_parse(spec, &faults, err);

    if (rc != 0) {
        fl_err_prefix(err, "--nemesis: ");
        return FL_EUSAGE;
    }
    if ((faults & FL_FAULT_KILL) && !(c->kill && c->start))
        return fl_err_set(err, FL_EUSAGE,
                          "--nemesis kill needs --db-kill and --db-start");
    if ((faults & FL_FAULT_PAUSE) && !(c->pause && c->resume))
        return fl_err_set(err, FL_EUSAGE,
                          "--nemesis pause needs --db-pause and --db-resume");
    struct fl_nemesis_opts no = {
        .faults = faults,
        .interval_ns = t->nemesis_interval_ns,
        .db = t->db,
    };
    rc = fl_nemesis_combined(&no, &t->nemesis, err);
    if (rc == 0 && faults == 0 && !fl_external_db_any(c)) {
        /* Nothing runs on nodes: no cluster, no remotes; without
         * --nodes, the default cluster's names, nominally. */
        t->no_remotes = true;
        size_t given = t->nnodes;
        for (int i = 1; !given && i <= FL_CLUSTER_DEFAULT_NODES; i++) {
            char name[16];
            snprintf(name, sizeof(name), "n%d", i);
            fl_test_add_node(t, name);
        }
    }
    return rc;
}

static int
ext_build(struct fl_test *t, struct fl_err *err)
{
    struct fl_external_db_cfg dbc = {0};
    int rc;

    fl_test_sync_env(t);
    const char *wl = fl_env_opt_str(&t->env, "workload", "register");
    const char *cmd = fl_env_opt_str(&t->env, "client-cmd", NULL);
    if (!cmd || !*cmd)
        return fl_err_set(err, FL_EUSAGE,
                          "--client-cmd is required: the external suite has "
                          "no built-in client (docs/client-protocol.md)");
    if (!fl_suite_has(ext_workloads, wl))
        return fl_err_set(err, FL_EUSAGE,
                          "--workload %s: external has register, set and "
                          "counter",
                          wl);
    if (!t->name) {
        char name[64];
        snprintf(name, sizeof(name), "external-%s", wl);
        fl_test_set_name(t, name);
    }
    rc = build_db(t, &dbc, err);
    if (rc == 0)
        rc = build_nemesis(t, &dbc, err);
    if (rc != 0)
        return rc;
    fl_client_cmd_seed(&t->client, cmd, t->op_timeout_ns);
    if (strcmp(wl, "set") == 0)
        return build_set(t, err);
    if (strcmp(wl, "counter") == 0)
        return build_counter(t, err);
    return build_register(t, err);
}

const struct fl_suite fl_suite_external = {
    .name = "external",
    .summary = "any system: DB as shell commands, client by --client-cmd",
    .opts = ext_opts,
    .workloads = ext_workloads,
    .nemeses = ext_nemeses,
    .in_process = false,
    .build = ext_build,
};
