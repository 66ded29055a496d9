/* SPDX-License-Identifier: MIT */
/*
 * suite.c: `faultline test external`: the workloads register (independent
 * cas-registers, linearizability per key), set (unique adds and reads,
 * set-full) and counter, sent to the user's --client-cmd, against a DB
 * made of the --db-* shell commands (db.c), under the combined nemesis.
 * Without DB commands and faults it needs no nodes or remotes: it tests
 * whatever the client talks to. The workloads are the standard ones
 * (workload/); checkers are built from the spec recorded in test.edn.
 */
#include "util/common.h"

#include "suites/external/external.h"

#include "control/cluster.h"
#include "nemesis/combined.h"
#include "run/client_cmd.h"
#include "run/test.h"
#include "util/err.h"
#include "util/parse.h"
#include "workload/workload.h"

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

/* Checkers every workload gets besides its own (test.edn's :checker). */
#define EXT_COMMON " :stats {} :exceptions {}}"

/* ---- the standard workloads (workload/) ---- */

static int
build_register(struct fl_test *t, struct fl_err *err)
{
    const struct fl_env *env = &t->env;
    int tpk = (int)fl_env_opt_int(env, "threads-per-key", 0);
    struct fl_workload w = {0};

    if (tpk == 0)
        tpk = fl_wl_divisor(t->concurrency, 5);
    struct fl_wl_register_opts o = {
        .concurrency = t->concurrency,
        .threads_per_key = tpk,
        .ops_per_key = fl_env_opt_int(env, "ops-per-key", 100),
        .readers = tpk / 2,
    };
    int rc = fl_wl_register(&o, &w, err);
    if (rc != 0)
        return rc;
    fl_workload_take_gens(&w, &t->generator, &t->final_generator);
    return fl_test_set_checker(
        t,
        "{:linearizable {:model :cas-register :independent? true}" EXT_COMMON,
        err);
}

static int
build_set(struct fl_test *t, struct fl_err *err)
{
    struct fl_wl_set_opts o = {
        .adds_per_read = fl_env_opt_int(&t->env, "adds-per-read", 10),
        .linearizable = fl_env_opt_bool(&t->env, "linearizable-set", false),
    };
    struct fl_workload w = {0};
    int rc = fl_wl_set(&o, &w, err);

    if (rc != 0)
        return rc;
    fl_workload_take_gens(&w, &t->generator, &t->final_generator);
    return fl_test_set_checker(
        t,
        o.linearizable ? "{:set {} :set-full {:linearizable? true}" EXT_COMMON
                       : "{:set {} :set-full {}" EXT_COMMON,
        err);
}

static int
build_counter(struct fl_test *t, struct fl_err *err)
{
    struct fl_workload w = {0};

    fl_wl_counter(&w);
    fl_workload_take_gens(&w, &t->generator, &t->final_generator);
    return fl_test_set_checker(t, "{:counter {}" EXT_COMMON, err);
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
