/* SPDX-License-Identifier: MIT */
/*
 * run.c: a test's lifecycle, in Jepsen's order (reference/jepsen.md §1.2):
 * store directory and log; remotes (the local cluster when no nodes were
 * given); OS setup; DB teardown+setup; the time origin; client setup per
 * node; nemesis setup; the interpreter's three phases (workload + faults
 * under the time limit, healing, final client ops); nemesis and client
 * teardown; history.txt; log download; DB and OS teardown; checking,
 * results.edn and reports (through the caller's hook: report/ is a layer
 * above run/). Steps that touch nodes run one thread per node.
 * Failures in setup end the run (exit 255) but teardown still runs.
 */
#include "util/common.h"

#include "run/run.h"

#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checker/perf.h"
#include "checker/workloads.h"
#include "control/cluster.h"
#include "history/writer.h"
#include "run/interpreter.h"
#include "run/store.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/log.h"
#include "util/strbuf.h"

volatile sig_atomic_t fl_run_interrupts;

static void
on_signal(int sig)
{
    if (fl_run_interrupts >= 2) {
        /* Third time: the user really wants out. */
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    fl_run_interrupts++;
}

void
fl_run_install_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

void
fl_run_result_release(struct fl_run_result *r)
{
    free(r->store_dir);
    r->store_dir = NULL;
}

/* ---- per-node steps, one thread each ---- */

typedef int node_fn(struct fl_test *t, size_t node, struct fl_err *err);

struct node_job {
    struct fl_test *t;
    size_t node;
    node_fn *fn;
    int rc;
    struct fl_err err;
    pthread_t tid;
    bool threaded;
};

static void *
node_job_main(void *arg)
{
    struct node_job *j = arg;

    j->rc = j->fn(j->t, j->node, &j->err);
    return NULL;
}

static int
on_nodes(struct fl_test *t, node_fn *fn, const char *what, struct fl_err *err)
{
    size_t n = t->nnodes;
    struct node_job *jobs = fl_xcalloc(n ? n : 1, sizeof(*jobs));
    int rc = 0;

    for (size_t i = 0; i < n; i++) {
        jobs[i].t = t;
        jobs[i].node = i;
        jobs[i].fn = fn;
        jobs[i].threaded =
            pthread_create(&jobs[i].tid, NULL, node_job_main, &jobs[i]) == 0;
        if (!jobs[i].threaded)
            node_job_main(&jobs[i]);
    }
    for (size_t i = 0; i < n; i++)
        if (jobs[i].threaded)
            pthread_join(jobs[i].tid, NULL);
    for (size_t i = 0; i < n; i++) {
        if (jobs[i].rc < 0 && rc == 0) {
            rc = fl_err_set(err, jobs[i].rc, "%s on %s: %s", what, t->nodes[i],
                            jobs[i].err.msg);
        }
    }
    free(jobs);
    return rc;
}

static int
os_setup_node(struct fl_test *t, size_t i, struct fl_err *err)
{
    return fl_os_setup(t->os, &t->env, i, err);
}

static int
os_teardown_node(struct fl_test *t, size_t i, struct fl_err *err)
{
    return fl_os_teardown(t->os, &t->env, i, err);
}

static int
db_cycle_node(struct fl_test *t, size_t i, struct fl_err *err)
{
    int rc = fl_db_teardown(t->db, &t->env, i, err);

    if (rc == 0)
        rc = fl_db_setup(t->db, &t->env, i, err);
    return rc;
}

static int
db_teardown_node(struct fl_test *t, size_t i, struct fl_err *err)
{
    return fl_db_teardown(t->db, &t->env, i, err);
}

static int
client_setup_node(struct fl_test *t, size_t i, struct fl_err *err)
{
    struct fl_client c;
    int rc = fl_client_open(&c, &t->client, &t->env, i, err);

    if (rc < 0)
        return rc;
    rc = fl_client_teardown(&c, &t->env, err);
    if (rc == 0)
        rc = fl_client_setup(&c, &t->env, err);
    fl_client_close(&c, &t->env);
    return rc;
}

static int
client_teardown_node(struct fl_test *t, size_t i, struct fl_err *err)
{
    struct fl_client c;
    int rc = fl_client_open(&c, &t->client, &t->env, i, err);

    if (rc < 0)
        return rc;
    rc = fl_client_teardown(&c, &t->env, err);
    fl_client_close(&c, &t->env);
    return rc;
}

/* Download the DB's log files of node i into <store>/<node>/. */
static int
snarf_node(struct fl_test *t, size_t i, struct fl_err *err)
{
    struct fl_db_log_files files = {0};
    int rc;

    if (!t->env.remotes || !t->env.remotes[i] || !t->env.store_dir)
        return 0;
    if (fl_db_can(t->db, FL_DB_CAP_KILL) && !t->leave_db_running)
        fl_db_kill(t->db, &t->env, i, NULL);
    rc = fl_db_log_files(t->db, &t->env, i, &files, err);
    for (size_t k = 0; rc == 0 && k < files.n; k++) {
        char *dir = fl_xasprintf("%s/%s", t->env.store_dir, t->nodes[i]);
        char *path = fl_xasprintf("%s/%s", dir, files.v[k].name);
        struct fl_err derr = FL_ERR_INIT;
        mkdir(dir, 0755);
        if (fl_remote_download(t->env.remotes[i], files.v[k].remote_path, path,
                               &derr) < 0)
            fl_warn("%s: download %s: %s", t->nodes[i], files.v[k].remote_path,
                    derr.msg);
        free(dir);
        free(path);
    }
    fl_db_log_files_release(&files);
    return rc;
}

/* ---- remotes ---- */

static int
connect_remotes(struct fl_test *t, struct fl_cluster *cluster, bool *have,
                struct fl_err *err)
{
    struct fl_remote_opts ro = t->remote_opts;

    if (t->nnodes == 0 && ro.backend && strcmp(ro.backend, "dummy") == 0) {
        /* --no-ssh without nodes: Jepsen's default n1..n5, as dummies. */
        for (int i = 1; i <= 5; i++) {
            char n[8];
            snprintf(n, sizeof(n), "n%d", i);
            fl_test_add_node(t, n);
        }
    }
    if (t->nnodes == 0) {
        /* No nodes given: the local cluster of network namespaces. */
        struct fl_cluster_opts co;
        memset(&co, 0, sizeof(co));
        int rc = t->cluster_state_dir
                     ? fl_cluster_load(t->cluster_state_dir, cluster, err)
                     : fl_cluster_up(&co, cluster, err);
        if (rc < 0)
            return rc;
        *have = true;
        for (size_t i = 0; i < cluster->n; i++)
            fl_test_add_node(t, cluster->nodes[i]);
        if (!ro.backend)
            ro.backend = "netns";
        if (!ro.netns_prefix)
            ro.netns_prefix = cluster->netns_prefix;
    }
    t->env.remotes = fl_xcalloc(t->nnodes, sizeof(*t->env.remotes));
    for (size_t i = 0; i < t->nnodes; i++) {
        t->env.remotes[i] = fl_remote_new(t->nodes[i], &ro, err);
        if (!t->env.remotes[i])
            return err && err->code ? err->code : FL_EREMOTE;
    }
    return 0;
}

static void
disconnect_remotes(struct fl_test *t)
{
    if (!t->env.remotes)
        return;
    for (size_t i = 0; i < t->nnodes; i++)
        fl_remote_free(t->env.remotes[i]);
    free(t->env.remotes);
    t->env.remotes = NULL;
}

/* ---- checking ---- */

static const char *const headline_keys[] = {
    "op",     "previous-ok", "lost",  "unexpected",    "first-error",
    "errors", "failures",    "stale", "anomaly-types", "cause",
    "error",  NULL,
};

static void
headline_one(struct fl_strbuf *sb, const char *name, const fl_val *r, int depth)
{
    /* Per-key results (independent): describe the first failing key. */
    const fl_val *failures =
        fl_val_map_get_kw(r, fl_kw_intern_cstr("failures"));
    const fl_val *results = fl_val_map_get_kw(r, fl_kw_intern_cstr("results"));
    if (depth < 2 && failures && fl_val_is_seq(failures) && failures->n &&
        results && results->kind == FL_V_MAP) {
        const fl_val *sub = fl_val_map_get(results, &failures->u.items[0]);
        if (sub) {
            struct fl_strbuf kn = FL_STRBUF_INIT;
            fl_val_print_edn(&kn, &failures->u.items[0]);
            fl_strbuf_addf(sb, "%s: %u key(s) invalid, first key %s\n", name,
                           failures->n, kn.buf);
            fl_strbuf_release(&kn);
            headline_one(sb, name, sub, depth + 1);
            return;
        }
    }
    size_t start = sb->len;
    fl_strbuf_addf(sb, "%s:", name);
    for (size_t k = 0; headline_keys[k]; k++) {
        const fl_val *v =
            fl_val_map_get_kw(r, fl_kw_intern_cstr(headline_keys[k]));
        if (!v || fl_val_is_nil(v))
            continue;
        if (v->kind == FL_V_STR && v->n == 3 && strcmp(v->u.s, "#{}") == 0)
            continue;
        if ((fl_val_is_seq(v) || v->kind == FL_V_MAP) && v->n == 0)
            continue;
        fl_strbuf_addf(sb, " :%s ", headline_keys[k]);
        fl_val_print_edn(sb, v);
        if (sb->len - start > 400) {
            fl_strbuf_setlen(sb, start + 400);
            fl_strbuf_addstr(sb, " ...");
            break;
        }
    }
    fl_strbuf_addch(sb, '\n');
}

void
fl_run_headline(const fl_val *results, char *buf, size_t len)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;

    if (results->kind == FL_V_MAP) {
        for (uint32_t i = 0; i < results->n; i++) {
            const fl_val *k = &results->u.items[2 * i];
            const fl_val *v = &results->u.items[2 * i + 1];
            if (v->kind != FL_V_MAP || k->kind != FL_V_KW)
                continue;
            const fl_val *valid = fl_val_map_get_kw(v, FL_KW_VALID);
            if (valid && valid->kind == FL_V_BOOL && !valid->u.b)
                headline_one(&sb, fl_kw_name(k->u.id), v, 0);
        }
        if (sb.len == 0) {
            const fl_val *valid = fl_val_map_get_kw(results, FL_KW_VALID);
            if (valid && valid->kind == FL_V_BOOL && !valid->u.b)
                headline_one(&sb, "checker", results, 0);
        }
    }
    snprintf(buf, len, "%s", sb.buf);
    fl_strbuf_release(&sb);
}

/* Pair, check and write results.edn and, through o's hook, reports. */
static int
check_history(struct fl_test *t, struct fl_hist *h, const char *dir,
              const struct fl_run_opts *o, struct fl_run_result *res,
              struct fl_err *err)
{
    FILE *progress = o ? o->progress : NULL;
    struct fl_arena a;
    struct fl_chk_opts co;
    struct fl_chk_result r;
    struct fl_err cerr = FL_ERR_INIT;
    struct fl_checker *stats = NULL;
    const struct fl_checker *c = t->checker;
    int rc = 0;

    fl_arena_init(&a, 65536);
    memset(&co, 0, sizeof(co));
    co.out_dir = dir;
    if (!c)
        c = stats = fl_chk_stats_new();
    if (fl_hist_pair(h, NULL, NULL, &cerr) < 0) {
        /* A broken history is a verdict of its own: unknown, with why. */
        fl_val s = fl_val_str(&a, cerr.msg, strlen(cerr.msg));
        fl_val items[4] = {fl_val_kw(FL_KW_VALID), fl_val_kw(FL_KW_UNKNOWN),
                           fl_val_kw(FL_KW_ERROR), s};
        r.map = fl_val_map(&a, items, 2);
        r.valid = FL_VERDICT_UNKNOWN;
    } else if (c->type->check(c, h, &co, &a, &r, &cerr) < 0) {
        fl_val s = fl_val_str(&a, cerr.msg, strlen(cerr.msg));
        fl_val items[4] = {fl_val_kw(FL_KW_VALID), fl_val_kw(FL_KW_UNKNOWN),
                           fl_val_kw(FL_KW_ERROR), s};
        r.map = fl_val_map(&a, items, 2);
        r.valid = FL_VERDICT_UNKNOWN;
    }
    if (h->paired) {
        fl_val perf;
        if (fl_perf_compute(h, &a, &perf) == 0)
            r.map = fl_perf_merge(&a, &r.map, &perf);
    }
    res->verdict = r.valid;
    res->nops = h->n;
    fl_run_headline(&r.map, res->headline, sizeof(res->headline));
    if (dir) {
        rc = fl_store_write_results(dir, &r.map, err);
        /* Plots and the timeline; they never decide the verdict. */
        struct fl_err rerr = FL_ERR_INIT;
        if (o && o->report &&
            o->report(o->report_arg, dir, h, &r.map, &rerr) < 0)
            fl_warn("report: %s", rerr.msg);
    }
    if (progress && res->headline[0])
        fputs(res->headline, progress);
    fl_chk_free(stats);
    fl_arena_release(&a);
    return rc;
}

/* ---- the run ---- */

static struct fl_gen *
main_generator(struct fl_test *t)
{
    struct fl_gen *cg = t->generator, *ng = t->nemesis.generator;

    t->generator = NULL;
    t->nemesis.generator = NULL;
    if (t->raw_generator) {
        fl_gen_free(ng);
        return cg;
    }
    if (t->rate_hz > 0)
        cg = fl_gen_stagger((int64_t)(1e9 / t->rate_hz), cg);
    struct fl_gen *g = ng ? fl_gen_clients_nemesis(cg, ng) : fl_gen_clients(cg);
    return fl_gen_time_limit(t->time_limit_ns, g);
}

int
fl_test_run(struct fl_test *t, const struct fl_run_opts *o,
            struct fl_run_result *res, struct fl_err *err)
{
    const char *root =
        o && o->store_root ? o->store_root : FL_STORE_DEFAULT_ROOT;
    FILE *progress = o ? o->progress : NULL;
    struct fl_hist hist;
    struct fl_hist_writer *w = NULL;
    struct fl_interp *in = NULL;
    struct fl_cluster cluster;
    bool have_cluster = false, os_up = false, db_up = false;
    bool clients_up = false, nemesis_up = false;
    FILE *logf = NULL;
    char *dir = NULL;
    int rc;

    memset(res, 0, sizeof(*res));
    memset(&cluster, 0, sizeof(cluster));
    res->verdict = FL_VERDICT_UNKNOWN;
    fl_hist_init(&hist);
    if (!t->name)
        fl_test_set_name(t, t->suite ? t->suite->name : "test");
    fl_test_sync_env(t);

    rc = fl_store_create(root, t->name, fl_clock_wall_ns(), &dir, err);
    if (rc < 0)
        goto out;
    res->store_dir = fl_xstrdup(dir);
    t->env.store_dir = dir;
    char *logpath = fl_xasprintf("%s/faultline.log", dir);
    logf = fopen(logpath, "w");
    free(logpath);
    if (logf) {
        fl_log_set_file(logf);
        fl_log_set_json(t->logging_json);
    }
    fl_info("test %s, seed %" PRIu64 ", store %s", t->name, t->seed, dir);
    if (progress)
        fprintf(progress, "faultline: %s, seed %" PRIu64 ", store %s\n",
                t->name, t->seed, dir);
    rc = fl_store_write_test(dir, t, err);
    if (rc < 0)
        goto out;
    char *hpath = fl_xasprintf("%s/history.edn", dir);
    w = fl_hist_writer_open(hpath, err);
    free(hpath);
    if (!w) {
        rc = err && err->code ? err->code : -EIO;
        goto out;
    }

    if (!t->no_remotes) {
        rc = connect_remotes(t, &cluster, &have_cluster, err);
        fl_test_sync_env(t);
        if (rc < 0)
            goto teardown;
    }
    if (t->nnodes == 0) {
        /* In-process suites still have one nominal node. */
        fl_test_add_node(t, "n1");
        fl_test_sync_env(t);
    }
    rc = on_nodes(t, os_setup_node, "os setup", err);
    os_up = true;
    if (rc < 0)
        goto teardown;
    rc = on_nodes(t, db_cycle_node, "db setup", err);
    db_up = true;
    if (rc == 0 && fl_db_can(t->db, FL_DB_CAP_PRIMARY))
        rc = fl_db_setup_primary(t->db, &t->env, 0, err);
    if (rc < 0)
        goto teardown;
    t->env.origin_ns = fl_clock_now_ns(t->env.clock);
    rc = on_nodes(t, client_setup_node, "client setup", err);
    clients_up = true;
    if (rc < 0)
        goto teardown;
    rc = fl_nemesis_setup(t->nemesis.nemesis, &t->env, err);
    nemesis_up = true;
    if (rc < 0)
        goto teardown;

    struct fl_interp_opts io;
    memset(&io, 0, sizeof(io));
    io.env = &t->env;
    io.clock = t->env.clock;
    io.concurrency = t->concurrency;
    io.client = &t->client;
    io.nemesis = t->nemesis.nemesis;
    io.op_timeout_ns = t->op_timeout_ns;
    io.seed = t->seed;
    io.hist = &hist;
    io.writer = w;
    io.stop = &fl_run_interrupts;
    io.stop_level = 1;
    io.progress = progress;
    io.time_limit_ns = t->raw_generator ? 0 : t->time_limit_ns;
    io.perf = t->nemesis.perf;
    io.nperf = t->nemesis.nperf;
    in = fl_interp_new(&io, err);
    if (!in) {
        rc = err && err->code ? err->code : -EAGAIN;
        goto teardown;
    }
    struct fl_gen *phase[3] = {main_generator(t), NULL, NULL};
    if (t->nemesis.final_generator)
        phase[1] = fl_gen_nemesis(t->nemesis.final_generator);
    if (t->final_generator)
        phase[2] = fl_gen_clients(t->final_generator);
    t->nemesis.final_generator = NULL;
    t->final_generator = NULL;
    /* As Jepsen's interpreter does: a failing generator says where. */
    for (int p = 0; p < 3; p++)
        if (phase[p])
            phase[p] = fl_gen_friendly_exceptions(phase[p]);
    for (int p = 0; p < 3; p++) {
        if (p == 1)
            fl_interp_set_stop_level(in, 2); /* heal even after Ctrl-C */
        if (!phase[p] || rc < 0)
            continue;
        if (p > 0 && fl_run_interrupts >= 2)
            break;
        int r = fl_interp_run(in, phase[p], err);
        if (r < 0)
            rc = r;
        if (r == FL_INTERP_STOPPED && p == 0) {
            res->interrupted = true;
            fl_warn("interrupted: healing and finishing");
            if (progress)
                fprintf(progress, "\nfaultline: interrupted; healing, "
                                  "then checking what was recorded\n");
        }
    }
    fl_interp_progress_final(in);
    for (int p = 0; p < 3; p++)
        fl_gen_free(phase[p]);

teardown:
    if (nemesis_up) {
        struct fl_err terr = FL_ERR_INIT;
        if (fl_nemesis_teardown(t->nemesis.nemesis, &t->env, &terr) < 0)
            fl_error("nemesis teardown: %s", terr.msg);
    }
    if (in) {
        int stuck = fl_interp_free(in, FL_NS_PER_S);
        if (stuck > 0) {
            /* They still use the client and nemesis: never free those. */
            fl_warn("%d workers still stuck in calls; leaking their state",
                    stuck);
            t->client.free_shared = NULL;
            t->nemesis.nemesis = NULL;
            t->leaked = true;
        }
        in = NULL;
    }
    if (clients_up && !t->leave_db_running) {
        struct fl_err terr = FL_ERR_INIT;
        if (on_nodes(t, client_teardown_node, "client teardown", &terr) < 0)
            fl_error("%s", terr.msg);
    }
    {
        struct fl_err ferr = FL_ERR_INIT;
        if (fl_hist_writer_close(w, &ferr) < 0 && rc == 0)
            rc = fl_err_set(err, ferr.code, "%s", ferr.msg);
        w = NULL;
    }
    if (dir) {
        struct fl_err herr = FL_ERR_INIT;
        if (fl_store_write_history_txt(dir, &hist, &herr) < 0)
            fl_error("%s", herr.msg);
    }
    if (db_up) {
        struct fl_err terr = FL_ERR_INIT;
        on_nodes(t, snarf_node, "log download", &terr);
        if (!t->leave_db_running &&
            on_nodes(t, db_teardown_node, "db teardown", &terr) < 0)
            fl_error("%s", terr.msg);
    }
    if (os_up) {
        struct fl_err terr = FL_ERR_INIT;
        if (on_nodes(t, os_teardown_node, "os teardown", &terr) < 0)
            fl_error("%s", terr.msg);
    }
    disconnect_remotes(t);
    if (have_cluster)
        fl_cluster_release(&cluster); /* the cluster stays up for reuse */
    if (rc == 0)
        rc = check_history(t, &hist, dir, o, res, err);
    if (dir) {
        struct fl_err serr = FL_ERR_INIT;
        fl_store_finish(root, dir, &serr);
    }
out:
    fl_hist_writer_close(w, NULL);
    if (logf) {
        fl_log_set_file(NULL);
        fclose(logf);
    }
    t->env.store_dir = NULL;
    free(dir);
    fl_hist_release(&hist);
    return rc;
}

int
fl_analyze(struct fl_test *t, const char *dir, const struct fl_run_opts *o,
           struct fl_run_result *res, struct fl_err *err)
{
    struct fl_hist h;
    char *path = fl_xasprintf("%s/history.edn", dir);
    int rc;

    memset(res, 0, sizeof(*res));
    res->verdict = FL_VERDICT_UNKNOWN;
    res->store_dir = fl_xstrdup(dir);
    fl_hist_init(&h);
    rc = fl_hist_load(path, FL_HIST_EDN, &h, err);
    if (rc == 0)
        rc = check_history(t, &h, dir, o, res, err);
    fl_hist_release(&h);
    free(path);
    return rc;
}
