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
 * fl_test_run() is these steps as one function per phase over a struct
 * run; status.edn records how the run ended (docs/run.md).
 */
#include "util/common.h"

#include "run/run.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checker/perf.h"
#include "checker/workloads.h"
#include "control/cluster.h"
#include "control/lock.h"
#include "history/edn.h"
#include "history/writer.h"
#include "nemesis/heal.h"
#include "run/interpreter.h"
#include "run/schedule.h"
#include "run/simrun.h"
#include "run/store.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/log.h"
#include "util/strbuf.h"

volatile sig_atomic_t fl_run_interrupts;
volatile sig_atomic_t fl_run_last_signal;

/* The interpreter acknowledges interrupts itself while the workload runs. */
static volatile sig_atomic_t handler_acks = 1;

/* Write a fixed message (async-signal-safe). */
static void
signal_say(const char *msg)
{
    ssize_t n = write(STDERR_FILENO, msg, strlen(msg));

    FL_UNUSED(n);
}

static void
on_signal(int sig)
{
    fl_run_last_signal = sig;
    if (fl_run_interrupts >= 2) {
        /* Third time: the user really wants out. */
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    fl_run_interrupts++;
    if (!handler_acks)
        return;
    /* Outside the workload (setup, teardown, checking): say so at once. */
    if (fl_run_interrupts == 1)
        signal_say("\nfaultline: interrupted; finishing the current step "
                   "(setup, teardown or checking), healing, then checking "
                   "what was recorded (again: skip the final ops)\n");
    else
        signal_say("\nfaultline: interrupted again (a third time quits at "
                   "once, leaving faults behind)\n");
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

struct fl_lock *
fl_test_lock(struct fl_test *t, struct fl_err *err)
{
    const char *backend = t->remote_opts.backend;

    if (t->no_remotes || (backend && strcmp(backend, "dummy") == 0))
        return fl_lock_nodes(NULL, 0, err); /* locks nothing */
    if (t->nnodes == 0)
        return fl_lock_cluster(
            fl_env_opt_str(&t->env, "cluster-state-dir", NULL), err);
    return fl_lock_nodes(t->nodes, t->nnodes, err);
}

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
        const char *dir = fl_env_opt_str(&t->env, "cluster-state-dir", NULL);
        /* --state-dir: the cluster that is up there; else the default
           one, brought up if needed. */
        int rc = dir ? fl_cluster_load(dir, cluster, err)
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

/* Remove what a killed run left on the nodes, and say what it was. */
static int
heal_leftovers(struct fl_test *t, FILE *progress, struct fl_err *err)
{
    struct fl_strbuf report = FL_STRBUF_INIT;
    int rc;

    if (!t->env.remotes)
        return 0;
    rc = fl_nem_heal_leftovers(&t->env, &report, err);
    if (rc == 0 && report.len == 0)
        fl_strbuf_addstr(&report, "nothing to heal\n");
    for (char *p = report.buf, *nl; *p; p = nl + 1) {
        nl = strchr(p, '\n');
        *nl = '\0';
        fl_info("heal: %s", p);
        if (progress)
            fprintf(progress, "faultline: heal: %s\n", p);
    }
    fl_strbuf_release(&report);
    return rc;
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
    "error",  "description", NULL,
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

/* ---- checking ---- */

#define OPEN_LISTED_MAX 100 /* open invocations listed in results.edn */

/* The invocations of h that never completed (h is paired). */
static fl_val
open_invocations(const struct fl_hist *h, struct fl_arena *a, size_t *nopen)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;
    fl_val items[OPEN_LISTED_MAX];
    uint32_t n = 0;

    *nopen = 0;
    for (size_t i = 0; i < h->n; i++) {
        const struct fl_op *op = &h->ops[i];
        /* Nemesis invocations are :info too; paired ones have pair >= 0. */
        bool inv = op->type == FL_OP_INVOKE ||
                   (op->process == FL_PROC_NEMESIS && op->type == FL_OP_INFO);
        if (!inv || op->pair >= 0)
            continue;
        ++*nopen;
        if (n == OPEN_LISTED_MAX)
            continue;
        fl_strbuf_reset(&sb);
        fl_edn_print_op(&sb, op);
        if (fl_edn_parse_value(a, sb.buf, sb.len, "op", &items[n], NULL) == 0)
            n++;
    }
    fl_strbuf_release(&sb);
    return fl_val_coll(a, FL_V_VEC, items, n);
}

/*
 * A run cut short says so at the top of its results: :incomplete true,
 * why (:incomplete-reason, :incomplete-detail) and the invocations that
 * never completed. The verdict is that of what was recorded.
 */
static fl_val
mark_incomplete(const struct fl_hist *h, const struct fl_run_status *st,
                struct fl_arena *a, const fl_val *results,
                struct fl_run_result *res)
{
    size_t nopen = 0;
    fl_val open = h->paired ? open_invocations(h, a, &nopen)
                            : fl_val_coll(a, FL_V_VEC, NULL, 0);
    const char *reason = fl_run_end_name(st->end);
    fl_val extra[] = {
        fl_val_kw(fl_kw_intern_cstr("incomplete")),
        fl_val_bool(true),
        fl_val_kw(fl_kw_intern_cstr("incomplete-reason")),
        fl_val_kw(fl_kw_intern_cstr(reason)),
        fl_val_kw(fl_kw_intern_cstr("incomplete-detail")),
        fl_val_str(a, st->detail, strlen(st->detail)),
        fl_val_kw(fl_kw_intern_cstr("open-invocation-count")),
        fl_val_int((int64_t)nopen),
        fl_val_kw(fl_kw_intern_cstr("open-invocations")),
        open,
    };
    uint32_t n = results->kind == FL_V_MAP ? results->n : 0;
    uint32_t nx = FL_ARRAY_SIZE(extra) / 2;
    fl_val *items = fl_arena_alloc(a, (size_t)(n + nx) * 2 * sizeof(*items));

    /* :valid? first, as everywhere; then why the run is incomplete. */
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++)
        if (fl_val_is_kw(&results->u.items[2 * i], FL_KW_VALID)) {
            items[k++] = results->u.items[2 * i];
            items[k++] = results->u.items[2 * i + 1];
        }
    memcpy(&items[k], extra, sizeof(extra));
    k += 2 * nx;
    for (uint32_t i = 0; i < n; i++)
        if (!fl_val_is_kw(&results->u.items[2 * i], FL_KW_VALID)) {
            items[k++] = results->u.items[2 * i];
            items[k++] = results->u.items[2 * i + 1];
        }
    res->nopen = nopen;
    return fl_val_map(a, items, k / 2);
}

/* m with :online, what the online checkers knew while the run went on. */
static fl_val
with_online(struct fl_arena *a, const fl_val *m, const struct fl_online *on)
{
    size_t n = m->kind == FL_V_MAP ? m->n : 0;
    fl_val *items = fl_xcalloc(2 * (n + 1), sizeof(*items));

    if (n)
        memcpy(items, m->u.items, 2 * n * sizeof(*items));
    items[2 * n] = fl_val_kw(fl_kw_intern_cstr("online"));
    items[2 * n + 1] = fl_online_result(on, a);
    fl_val out = fl_val_map(a, items, n + 1);
    free(items);
    return out;
}

/*
 * Pair, check and write results.edn and, through o's hook, reports. st
 * says how the run ended; a run cut short is checked as recorded and
 * marked incomplete.
 */
static int
check_history(struct fl_test *t, struct fl_hist *h, const char *dir,
              const struct fl_run_opts *o, const struct fl_run_status *st,
              const struct fl_online *online, struct fl_run_result *res,
              struct fl_err *err)
{
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
    co.incomplete = st->end != FL_RUN_COMPLETE;
    /* the test's options reach the checkers (Elle's :consistency-models) */
    co.options = &t->options;
    res->end = st->end;
    snprintf(res->end_detail, sizeof(res->end_detail), "%s", st->detail);
    if (!c)
        c = stats = fl_chk_stats_new();
    /* warnings (file:line when analyzing a stored history) go with the
     * progress lines; the verdict is computed anyway */
    if (fl_hist_pair(h, o ? o->progress : NULL, NULL, &cerr) < 0) {
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
    size_t nfw = 0; /* faults a probe saw not as intended */
    r.map = fl_nem_fault_warnings_merge(h, &a, &r.map, &nfw);
    if (nfw)
        fl_warn("%zu fault warning(s): see :fault-warnings in results.edn",
                nfw);
    if (co.incomplete)
        r.map = mark_incomplete(h, st, &a, &r.map, res);
    if (online)
        r.map = with_online(&a, &r.map, online);
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
    /* The anomalies are the caller's to print (once: fl_run_headline). */
    fl_chk_free(stats);
    fl_arena_release(&a);
    return rc;
}

/* ---- the run, phase by phase ---- */

#define ENDED_EARLY_NS FL_NS_PER_S /* "ended early": this much before */

/* One run's state, from its store directory to its verdict. */
struct run {
    struct fl_test *t;
    const struct fl_run_opts *o;
    struct fl_run_result *res;
    FILE *progress;
    bool tty;      /* progress is a terminal: one line, rewritten */
    int stage_len; /* length of the stage line shown on a terminal */
    const char *root;
    char *dir;
    FILE *logf;
    struct fl_hist hist;
    struct fl_hist_writer *w;
    struct fl_interp *in;
    struct fl_cluster cluster;
    struct fl_lock *lock; /* the nodes', held from start to teardown */
    bool have_cluster, os_up, db_up, clients_up, nemesis_up, started;
    struct fl_run_status status;
    int64_t clients_done_ns;  /* when the clients' generator ran out */
    int64_t workload_done_ns; /* when the workload's generator ran out */
    atomic_int phase;         /* the interpreter's phase: 0 workload, 1
                                 healing, 2 final ops, 3 over */
    bool can_heal;            /* the nemesis has a healing generator */
    struct fl_online *online; /* the online checkers, or NULL */
    atomic_bool stop_asked;   /* --stop-on-invalid ended the workload */
    struct fl_schedule_writer *sched; /* schedule.edn */
    struct fl_clock simclock;         /* --deterministic: simulated time */
    bool simclock_on;
};

static int64_t
run_now(const struct run *r)
{
    return fl_clock_now_ns(r->t->env.clock) - r->t->env.origin_ns;
}

/* A line for the person watching (and the log), on a line of its own. */
static void FL_PRINTF(2, 3) say(struct run *r, const char *fmt, ...)
{
    char line[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    fl_info("%s", line);
    if (!r->progress)
        return;
    if (r->in)
        fl_interp_progress_break(r->in);
    if (r->stage_len)
        fputc('\n', r->progress);
    r->stage_len = 0;
    fprintf(r->progress, "faultline: %s\n", line);
    fflush(r->progress);
}

/*
 * What the run is doing once the interpreter is done: on a terminal the
 * progress line is rewritten, elsewhere a plain line each.
 */
static void
stage(struct run *r, const char *what)
{
    char line[128];
    int n;

    fl_info("%s", what);
    if (!r->progress)
        return;
    n = snprintf(line, sizeof(line), "[%6.1fs, %s]",
                 r->started ? (double)run_now(r) / 1e9 : 0.0, what);
    if (r->tty) {
        int pad = r->stage_len > n ? r->stage_len - n : 0;
        fprintf(r->progress, "\r%s%*s", line, pad, "");
        r->stage_len = n;
    } else {
        fprintf(r->progress, "%s\n", line);
    }
    fflush(r->progress);
}

static void
stage_end(struct run *r)
{
    if (r->progress && r->stage_len)
        fputc('\n', r->progress);
    r->stage_len = 0;
}

static const char *
signal_name(int sig)
{
    return sig == SIGTERM ? "SIGTERM" : sig == SIGINT ? "SIGINT" : "a signal";
}

/* The interpreter saw a new interrupt level (on the scheduling thread). */
static void
on_interrupt(void *arg, int level, int outstanding)
{
    struct run *r = arg;
    const char *sig = signal_name(fl_run_last_signal);

    if (level == 1 && r->phase > 0) {
        /* The workload is over: healing and final ops go on. */
        say(r,
            "interrupted (%s) after the workload: finishing healing and "
            "final ops, then checking (interrupt again to skip the final "
            "ops)",
            sig);
        return;
    }
    if (r->status.end == FL_RUN_COMPLETE) {
        r->res->interrupted = true;
        r->status.end = FL_RUN_INTERRUPTED;
        snprintf(r->status.detail, sizeof(r->status.detail),
                 "interrupted by %s at %.1f s of %.1f s%s", sig,
                 (double)run_now(r) / 1e9, (double)r->t->time_limit_ns / 1e9,
                 r->phase > 0 ? " (final ops cut short)" : "");
    }
    if (level == 1) {
        say(r,
            "interrupted (%s): no new ops; %sthen checking what was "
            "recorded (%d ops in flight finish first; interrupt again to "
            "end them now)",
            sig, r->can_heal ? "healing the faults now, " : "", outstanding);
    } else if (level == 2) {
        say(r, "interrupted again: the clients end now (their ops become "
               ":info), the faults are still healed (a third time: quit at "
               "once, leaving faults behind)");
    }
}

static void
run_init(struct run *r, struct fl_test *t, const struct fl_run_opts *o,
         struct fl_run_result *res)
{
    memset(r, 0, sizeof(*r));
    memset(res, 0, sizeof(*res));
    r->t = t;
    r->o = o;
    r->res = res;
    r->progress = o ? o->progress : NULL;
    r->tty = r->progress && isatty(fileno(r->progress));
    r->root = o && o->store_root ? o->store_root : FL_STORE_DEFAULT_ROOT;
    r->clients_done_ns = -1;
    r->workload_done_ns = -1;
    r->status.end = FL_RUN_COMPLETE;
    res->verdict = FL_VERDICT_UNKNOWN;
    res->end = FL_RUN_COMPLETE;
    fl_hist_init(&r->hist);
    if (!t->name)
        fl_test_set_name(t, t->suite ? t->suite->name : "test");
    fl_test_sync_env(t);
}

/* The store directory, faultline.log, test.edn, status.edn, history.edn. */
static int
run_open_store(struct run *r, struct fl_err *err)
{
    struct fl_test *t = r->t;
    struct fl_run_status running = {.end = FL_RUN_RUNNING};
    int rc =
        fl_store_create(r->root, t->name, fl_clock_wall_ns(), &r->dir, err);

    if (rc < 0)
        return rc;
    r->res->store_dir = fl_xstrdup(r->dir);
    t->env.store_dir = r->dir;
    char *logpath = fl_xasprintf("%s/faultline.log", r->dir);
    r->logf = fopen(logpath, "w");
    free(logpath);
    if (r->logf) {
        fl_log_set_file(r->logf);
        fl_log_set_json(t->logging_json);
    }
    fl_info("test %s, seed %" PRIu64 ", store %s", t->name, t->seed, r->dir);
    if (r->progress)
        fprintf(r->progress, "faultline: %s, seed %" PRIu64 ", store %s\n",
                t->name, t->seed, r->dir);
    rc = fl_store_write_test(r->dir, t, err);
    if (rc == 0)
        rc = fl_store_write_status(r->dir, &running, err);
    if (rc < 0)
        return rc;
    char *hpath = fl_xasprintf("%s/history.edn", r->dir);
    r->w = fl_hist_writer_open(hpath, err);
    free(hpath);
    if (!r->w)
        return err && err->code ? err->code : -EIO;
    r->sched = fl_schedule_writer_open(r->dir, t, err);
    if (!r->sched)
        return err && err->code ? err->code : -EIO;
    if (t->replay)
        say(r, "replaying %s: %zu client ops and %zu faults (%zu final ops)",
            t->replay->path,
            fl_schedule_count(t->replay, FL_SCHEDULE_WORKLOAD, false),
            fl_schedule_count(t->replay, FL_SCHEDULE_WORKLOAD, true),
            fl_schedule_count(t->replay, FL_SCHEDULE_FINAL, false));
    return 0;
}

/* Remotes, OS, DB, the time origin, clients and nemesis. */
static int
run_setup(struct run *r, struct fl_err *err)
{
    struct fl_test *t = r->t;
    int rc;

    if (!t->no_remotes) {
        rc = connect_remotes(t, &r->cluster, &r->have_cluster, err);
        fl_test_sync_env(t);
        if (rc < 0)
            return rc;
    }
    if (t->nnodes == 0) {
        /* In-process suites still have one nominal node. */
        fl_test_add_node(t, "n1");
        fl_test_sync_env(t);
    }
    if (t->deterministic) {
        /* Simulated time from the start: clients may read the clock. */
        fl_clock_fake_init(&r->simclock, 0);
        r->simclock_on = true;
        t->env.clock = &r->simclock;
    }
    rc = heal_leftovers(t, r->progress, err);
    if (rc < 0)
        return rc;
    rc = on_nodes(t, os_setup_node, "os setup", err);
    r->os_up = true;
    if (rc < 0)
        return rc;
    rc = on_nodes(t, db_cycle_node, "db setup", err);
    r->db_up = true;
    if (rc == 0 && fl_db_can(t->db, FL_DB_CAP_PRIMARY))
        rc = fl_db_setup_primary(t->db, &t->env, 0, err);
    if (rc < 0)
        return rc;
    t->env.origin_ns = fl_clock_now_ns(t->env.clock);
    r->started = true;
    rc = on_nodes(t, client_setup_node, "client setup", err);
    r->clients_up = true;
    if (rc < 0)
        return rc;
    rc = fl_nemesis_setup(t->nemesis.nemesis, &t->env, err);
    r->nemesis_up = true;
    return rc;
}

/*
 * The workload: the suite's generator, staggered to the rate, beside the
 * nemesis's, under the time limit. Each part notes when it ran out, so
 * that the run can say why the workload ended early.
 */
static struct fl_gen *
main_generator(struct run *r)
{
    struct fl_test *t = r->t;
    struct fl_gen *cg = t->generator, *ng = t->nemesis.generator;

    t->generator = NULL;
    t->nemesis.generator = NULL;
    if (t->replay) {
        /* The recorded ops at their recorded times are the workload. */
        fl_gen_free(cg);
        fl_gen_free(ng);
        struct fl_gen *g =
            fl_schedule_gen(t->replay, FL_SCHEDULE_WORKLOAD, t->concurrency);
        /* As the recorded run, the workload ends at the time limit: ops
           that fell behind their offsets further than that are dropped. */
        return t->time_limit_ns > 0 ? fl_gen_time_limit(t->time_limit_ns, g)
                                    : g;
    }
    if (t->raw_generator) {
        fl_gen_free(ng);
        return cg;
    }
    if (t->faults && ng) {
        /* The user's faults at their offsets replace the random ones. */
        fl_gen_free(ng);
        ng = fl_schedule_fault_gen(t->faults, t->concurrency);
    }
    if (t->rate_hz > 0)
        cg = fl_gen_stagger((int64_t)(1e9 / t->rate_hz), cg);
    cg = fl_gen_note_exhausted(&r->clients_done_ns, cg);
    struct fl_gen *g = ng ? fl_gen_clients_nemesis(cg, ng) : fl_gen_clients(cg);
    g = fl_gen_note_exhausted(&r->workload_done_ns, g);
    return fl_gen_time_limit(t->time_limit_ns, g);
}

/* The workload ran out before its time limit: say so, and when. */
static void
say_if_ended_early(struct run *r)
{
    int64_t limit = r->t->time_limit_ns;

    if (r->t->raw_generator || limit <= 0 || r->res->interrupted)
        return;
    if (r->clients_done_ns >= 0 && r->clients_done_ns < limit - ENDED_EARLY_NS)
        say(r, "clients: generator exhausted at %.1f s of %.1f s",
            (double)r->clients_done_ns / 1e9, (double)limit / 1e9);
    else if (r->workload_done_ns >= 0 &&
             r->workload_done_ns < limit - ENDED_EARLY_NS)
        say(r, "workload: generator exhausted at %.1f s of %.1f s",
            (double)r->workload_done_ns / 1e9, (double)limit / 1e9);
}

/* An online checker found an anomaly (on its own thread). */
static void
on_invalid(void *arg)
{
    struct run *r = arg;

    /* Only the workload stops: healing and final reads are its end. */
    if (r->t->stop_on_invalid && atomic_load(&r->phase) == 0) {
        atomic_store(&r->stop_asked, true);
        if (r->in) /* --deterministic asks stop_sim() instead */
            fl_interp_request_stop(r->in);
    }
}

/* The schedule: every decision, with its phase (the interpreter's hook). */
static void
schedule_event(void *arg, int thread, bool complete, const struct fl_op *op)
{
    struct run *r = arg;

    fl_schedule_writer_record(r->sched, atomic_load(&r->phase),
                              thread < 0 ? FL_SCHEDULE_NEMESIS : thread,
                              complete, op);
}

static struct fl_online *
online_start(struct run *r, struct fl_err *err)
{
    struct fl_online_opts oo = {
        .spec = &r->t->checker_spec, .on_invalid = on_invalid, .arg = r};

    return fl_online_new(&oo, err);
}

static struct fl_interp *
interp_start(struct run *r, struct fl_err *err)
{
    struct fl_test *t = r->t;
    struct fl_interp_opts io;

    memset(&io, 0, sizeof(io));
    io.env = &t->env;
    io.clock = t->env.clock;
    io.concurrency = t->concurrency;
    io.client = &t->client;
    io.nemesis = t->nemesis.nemesis;
    io.op_timeout_ns = t->op_timeout_ns;
    io.seed = t->seed;
    io.hist = &r->hist;
    io.writer = r->w;
    io.stop = &fl_run_interrupts;
    io.stop_level = 1;
    io.abandon_level = 2;
    io.on_stop = on_interrupt;
    io.on_stop_arg = r;
    io.progress = r->progress;
    io.time_limit_ns = t->raw_generator ? 0 : t->time_limit_ns;
    io.perf = t->nemesis.perf;
    io.nperf = t->nemesis.nperf;
    io.online = r->online;
    io.on_event = schedule_event;
    io.on_event_arg = r;
    return fl_interp_new(&io, err);
}

static bool
stopped_invalid(const struct run *r)
{
    return atomic_load(&r->stop_asked);
}

/* The online checkers finish; an anomaly they found is said, and with
   --stop-on-invalid it is why the run ended early. */
static void
online_end(struct run *r)
{
    fl_online_finish(r->online);
    if (!fl_online_invalid(r->online))
        return;
    say(r, "online: %s", fl_online_describe(r->online));
    if (!stopped_invalid(r) || r->status.end != FL_RUN_COMPLETE)
        return;
    r->status.end = FL_RUN_INTERRUPTED;
    snprintf(r->status.detail, sizeof(r->status.detail),
             "stopped on invalid (--stop-on-invalid) at %.1f s of %.1f s: %s",
             (double)run_now(r) / 1e9, (double)r->t->time_limit_ns / 1e9,
             fl_online_describe(r->online));
}

/*
 * The interpreter's three phases. The first interrupt stops the workload
 * and heals at once, while its ops in flight finish; the second ends its
 * client ops at once. Healing runs after both (only a third interrupt,
 * which kills the process, skips it); the final client ops run unless
 * interrupted twice.
 */
/* The final phase: the recorded final ops when replaying, else the
   suite's. */
static struct fl_gen *
final_generator(struct fl_test *t)
{
    struct fl_gen *g = t->final_generator;

    t->final_generator = NULL;
    if (t->replay && fl_schedule_count(t->replay, FL_SCHEDULE_FINAL, false)) {
        fl_gen_free(g);
        return fl_schedule_gen(t->replay, FL_SCHEDULE_FINAL, t->concurrency);
    }
    return g ? fl_gen_clients(g) : NULL;
}

static int
workload_interp(struct run *r, struct fl_gen *const *phase, struct fl_err *err)
{
    /* stop level, abandon level, and stage of each phase */
    static const int stop_at[3] = {1, 3, 2}, abandon_at[3] = {2, 0, 2};
    static const char *const stages[3] = {NULL, "healing", "final ops"};
    int rc = 0;

    r->in = interp_start(r, err);
    if (!r->in)
        return err && err->code ? err->code : -EAGAIN;
    /* Interrupted, the workload heals at once (its ops may hang on a fault). */
    fl_interp_set_heal(r->in, phase[1]);
    for (int p = 0; p < 3 && rc == 0; p++) {
        fl_interp_set_stop_level(r->in, stop_at[p]);
        fl_interp_set_abandon_level(r->in, abandon_at[p]);
        if (p == 1)
            fl_interp_set_heal(r->in, NULL);
        if (p == 2)
            fl_online_final_reads(r->online);
        if (!phase[p] || fl_run_interrupts >= stop_at[p] ||
            (p == 1 && fl_interp_healed(r->in)) ||
            (p == 2 && stopped_invalid(r)))
            continue;
        fl_interp_set_stage(r->in, stages[p]);
        r->phase = p;
        int ret = fl_interp_run(r->in, phase[p], err);
        fl_schedule_writer_flush(r->sched);
        if (ret < 0)
            rc = ret;
        if (p == 0 && ret == FL_INTERP_DONE)
            say_if_ended_early(r);
    }
    fl_interp_progress_final(r->in);
    return rc;
}

static int64_t
thread_cpu_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * FL_NS_PER_S + ts.tv_nsec;
}

/* --deterministic: the workload stops on an interrupt or an anomaly. */
static bool
stop_sim(void *arg)
{
    struct run *r = arg;

    return atomic_load(&r->phase) == 0 &&
           (fl_run_interrupts > 0 || stopped_invalid(r));
}

static int
workload_sim(struct run *r, struct fl_gen *const *phase, struct fl_err *err)
{
    struct fl_simrun_opts so = {
        .t = r->t,
        .hist = &r->hist,
        .writer = r->w,
        .online = r->online,
        .on_event = schedule_event,
        .on_event_arg = r,
        .stop = stop_sim,
        .stop_arg = r,
    };
    struct fl_simrun *sr = fl_simrun_new(&so);
    int64_t t0 = fl_clock_mono_ns(), c0 = thread_cpu_ns();
    int rc = 0;

    for (int p = 0; p < 3 && rc == 0; p++) {
        if (p == 2)
            fl_online_final_reads(r->online);
        if (!phase[p] || (p == 2 && stopped_invalid(r)))
            continue;
        r->phase = p;
        rc = fl_simrun_run(sr, phase[p], err);
        fl_schedule_writer_flush(r->sched);
    }
    double wall = (double)(fl_clock_mono_ns() - t0) / 1e9;
    double cpu = (double)(thread_cpu_ns() - c0) / 1e9;
    /* On a shared machine the CPU time is the measure of the simulator. */
    say(r,
        "deterministic: %zu ops in %.3f s of simulated time, %.3f s wall "
        "(%.0f ops/s), %.3f s CPU (%.0f ops/s)",
        r->hist.n, (double)fl_simrun_now(sr) / 1e9, wall,
        wall > 0 ? (double)r->hist.n / wall : 0.0, cpu,
        cpu > 0 ? (double)r->hist.n / cpu : 0.0);
    fl_simrun_free(sr);
    return rc;
}

/*
 * The interpreter's three phases. The first interrupt stops the workload
 * and heals at once, while its ops in flight finish; the second ends its
 * client ops at once. Healing runs after both (only a third interrupt,
 * which kills the process, skips it); the final client ops run unless
 * interrupted twice.
 */
static int
run_workload(struct run *r, struct fl_err *err)
{
    struct fl_test *t = r->t;
    int rc;

    r->online = online_start(r, err);
    struct fl_gen *phase[3] = {main_generator(r), NULL, final_generator(t)};
    if (t->nemesis.final_generator)
        phase[1] = fl_gen_nemesis(t->nemesis.final_generator);
    t->nemesis.final_generator = NULL;
    /* As Jepsen's interpreter does: a failing generator says where. */
    for (int p = 0; p < 3; p++)
        if (phase[p])
            phase[p] = fl_gen_friendly_exceptions(phase[p]);
    handler_acks = 0;
    r->can_heal = phase[1] != NULL;
    rc = t->deterministic ? workload_sim(r, phase, err)
                          : workload_interp(r, phase, err);
    handler_acks = 1;
    atomic_store(&r->phase, 3); /* over: nothing left to stop */
    online_end(r);
    for (int p = 0; p < 3; p++)
        fl_gen_free(phase[p]);
    return rc;
}

/* Heal, tear down, save the history and logs; runs after any failure. */
static void
run_teardown(struct run *r, int *rc, struct fl_err *err)
{
    struct fl_test *t = r->t;
    struct fl_err terr = FL_ERR_INIT;

    if (r->nemesis_up) {
        if (t->nemesis.nemesis)
            stage(r, "nemesis teardown (healing)");
        if (fl_nemesis_teardown(t->nemesis.nemesis, &t->env, &terr) < 0)
            fl_error("nemesis teardown: %s", terr.msg);
    }
    if (r->in) {
        int stuck = fl_interp_free(r->in, FL_NS_PER_S);
        if (stuck > 0) {
            /* They still use the client and nemesis: never free those. */
            fl_warn("%d workers still stuck in calls; leaking their state",
                    stuck);
            t->client.free_shared = NULL;
            t->nemesis.nemesis = NULL;
            t->leaked = true;
        }
        r->in = NULL;
    }
    if (r->clients_up && !t->leave_db_running) {
        stage(r, "tearing down clients");
        fl_err_clear(&terr);
        if (on_nodes(t, client_teardown_node, "client teardown", &terr) < 0)
            fl_error("%s", terr.msg);
    }
    fl_err_clear(&terr);
    if (fl_hist_writer_close(r->w, &terr) < 0 && *rc == 0)
        *rc = fl_err_set(err, terr.code, "%s", terr.msg);
    r->w = NULL;
    if (r->dir) {
        fl_err_clear(&terr);
        if (fl_store_write_history_txt(r->dir, &r->hist, &terr) < 0)
            fl_error("%s", terr.msg);
    }
    if (r->db_up) {
        if (t->db)
            stage(r, "collecting logs");
        fl_err_clear(&terr);
        on_nodes(t, snarf_node, "log download", &terr);
        if (t->db && !t->leave_db_running)
            stage(r, "tearing down the db");
        fl_err_clear(&terr);
        if (!t->leave_db_running &&
            on_nodes(t, db_teardown_node, "db teardown", &terr) < 0)
            fl_error("%s", terr.msg);
    }
    if (r->os_up) {
        fl_err_clear(&terr);
        if (on_nodes(t, os_teardown_node, "os teardown", &terr) < 0)
            fl_error("%s", terr.msg);
    }
    disconnect_remotes(t);
    fl_lock_free(r->lock); /* the nodes are free; checking needs no lock */
    r->lock = NULL;
    if (r->have_cluster)
        fl_cluster_release(&r->cluster); /* the cluster stays up for reuse */
}

/* Record how the run ended, check it (unless faultline failed), finish. */
static int
run_finish(struct run *r, int rc, struct fl_err *err)
{
    struct fl_err serr = FL_ERR_INIT;

    if (rc < 0) {
        r->status.end = FL_RUN_FRAMEWORK_ERROR;
        snprintf(r->status.detail, sizeof(r->status.detail), "%s",
                 err && err->msg[0] ? err->msg : "faultline failed");
    }
    r->res->end = r->status.end;
    snprintf(r->res->end_detail, sizeof(r->res->end_detail), "%s",
             r->status.detail);
    if (!r->dir)
        return rc;
    /* Written last before checking: results are of a run that ended so. */
    if (fl_store_write_status(r->dir, &r->status, &serr) < 0)
        fl_error("%s", serr.msg);
    if (rc == 0) {
        stage(r, "checking");
        rc = check_history(r->t, &r->hist, r->dir, r->o, &r->status, r->online,
                           r->res, err);
    }
    stage_end(r);
    fl_err_clear(&serr);
    fl_store_finish(r->root, r->dir, &serr);
    int64_t at = fl_online_anomaly_time_ns(r->online);
    if (at >= 0 && stopped_invalid(r))
        say(r,
            "stopped on invalid: results written %.2f s after the first "
            "anomaly (op at %.2f s, run ended at %.2f s)",
            (double)(run_now(r) - at) / 1e9, (double)at / 1e9,
            (double)run_now(r) / 1e9);
    return rc;
}

static void
run_release(struct run *r)
{
    struct fl_err serr = FL_ERR_INIT;

    fl_lock_free(r->lock);
    fl_hist_writer_close(r->w, NULL);
    if (r->logf) {
        fl_log_set_file(NULL);
        fclose(r->logf);
    }
    r->t->env.store_dir = NULL;
    if (fl_schedule_writer_close(r->sched, &serr) < 0)
        fl_error("%s", serr.msg);
    r->sched = NULL;
    if (r->simclock_on) {
        r->t->env.clock = NULL;
        fl_test_sync_env(r->t);
        fl_clock_release(&r->simclock);
    }
    fl_online_free(r->online);
    r->online = NULL;
    free(r->dir);
    fl_hist_release(&r->hist);
}

int
fl_test_run(struct fl_test *t, const struct fl_run_opts *o,
            struct fl_run_result *res, struct fl_err *err)
{
    struct run r;
    int rc;

    run_init(&r, t, o, res);
    /*
     * First, so a refused run leaves nothing behind; held until the nodes
     * are torn down: no second run, cluster down or fault meanwhile.
     */
    r.lock = fl_test_lock(t, err);
    rc = r.lock ? run_open_store(&r, err)
                : (err && err->code ? err->code : -EBUSY);
    if (rc == 0 || r.w) {
        if (rc == 0)
            rc = run_setup(&r, err);
        if (rc == 0)
            rc = run_workload(&r, err);
        run_teardown(&r, &rc, err);
    }
    rc = run_finish(&r, rc, err);
    run_release(&r);
    return rc;
}

int
fl_analyze(struct fl_test *t, const char *dir, const struct fl_run_opts *o,
           struct fl_run_result *res, struct fl_err *err)
{
    struct fl_hist h;
    struct fl_run_status st;
    char *path = fl_xasprintf("%s/history.edn", dir);
    int rc;

    memset(res, 0, sizeof(*res));
    res->verdict = FL_VERDICT_UNKNOWN;
    res->store_dir = fl_xstrdup(dir);
    fl_store_read_status(dir, &st);
    fl_hist_init(&h);
    rc = fl_hist_load(path, FL_HIST_EDN, &h, err);
    if (rc == 0)
        rc = check_history(t, &h, dir, o, &st, NULL, res, err);
    fl_hist_release(&h);
    free(path);
    return rc;
}
