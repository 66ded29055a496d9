/* SPDX-License-Identifier: MIT */
/*
 * cmd_test.c: `faultline test SUITE [options]`: Jepsen's test command.
 * Parses the options (shared with test-all and analyze, test_args.h), lets
 * the suite build the test, runs it --test-count times and exits with the
 * verdict: 0 valid, 1 invalid (at the first invalid run), 2 unknown, 254
 * bad arguments, 255 when faultline itself failed.
 */
#include "util/common.h"

#include "cli/cli.h"
#include "cli/cli_opt.h"
#include "cli/test_args.h"

#include <getopt.h>

#include "control/lock.h"
#include "report/report.h"
#include "run/client_cmd.h"
#include "run/schedule.h"
#include "run/test.h"
#include "util/err.h"
#include "util/log.h"
#include "util/parse.h"
#include "util/rng.h"
#include "util/strbuf.h"

enum {
    O_NODE = 'n',
    O_NODES = 1000,
    O_NODES_FILE,
    O_CONCURRENCY,
    O_TIME_LIMIT,
    O_TEST_COUNT,
    O_LEAVE,
    O_STOP_INVALID,
    O_JSON,
    O_LOG_LEVEL,
    O_SEED,
    O_RATE,
    O_WORKLOAD,
    O_NEMESIS,
    O_NEM_INTERVAL,
    O_STORE,
    O_OP_TIMEOUT,
    O_STATE_DIR,
    O_CLIENT_CMD,
    O_REPLAY,
    O_DETERMINISTIC,
    O_NEM_SCHEDULE,
    O_SUITE_BASE = 2000,
};

static const struct option base_opts[] = {
    FL_CLI_OPT_HELP,
    {"node", required_argument, NULL, O_NODE},
    {"nodes", required_argument, NULL, O_NODES},
    {"nodes-file", required_argument, NULL, O_NODES_FILE},
    FL_CLI_SSH_OPTIONS,
    {"concurrency", required_argument, NULL, O_CONCURRENCY},
    {"time-limit", required_argument, NULL, O_TIME_LIMIT},
    {"test-count", required_argument, NULL, O_TEST_COUNT},
    {"leave-db-running", no_argument, NULL, O_LEAVE},
    {"stop-on-invalid", no_argument, NULL, O_STOP_INVALID},
    {"logging-json", no_argument, NULL, O_JSON},
    {"log-level", required_argument, NULL, O_LOG_LEVEL},
    {"seed", required_argument, NULL, O_SEED},
    {"rate", required_argument, NULL, O_RATE},
    {"workload", required_argument, NULL, O_WORKLOAD},
    {"nemesis", required_argument, NULL, O_NEMESIS},
    {"nemesis-interval", required_argument, NULL, O_NEM_INTERVAL},
    {"store", required_argument, NULL, O_STORE},
    {"op-timeout", required_argument, NULL, O_OP_TIMEOUT},
    {"state-dir", required_argument, NULL, O_STATE_DIR},
    {"client-cmd", required_argument, NULL, O_CLIENT_CMD},
    {"replay", required_argument, NULL, O_REPLAY},
    {"deterministic", no_argument, NULL, O_DETERMINISTIC},
    {"nemesis-schedule", required_argument, NULL, O_NEM_SCHEDULE},
};

static void
print_suite_usage(FILE *f, const struct fl_suite *s)
{
    fprintf(f, "\n%s options:\n", s->name);
    for (size_t i = 0; s->opts && s->opts[i].name; i++) {
        char left[64];
        snprintf(left, sizeof(left), "--%s%s%s", s->opts[i].name,
                 s->opts[i].arg ? " " : "",
                 s->opts[i].arg ? s->opts[i].arg : "");
        fprintf(f, "      %-25s%s", left, s->opts[i].help);
        if (s->opts[i].dflt)
            fprintf(f, " (%s)", s->opts[i].dflt);
        fputc('\n', f);
    }
    fprintf(f, "  workloads:");
    for (size_t i = 0; s->workloads && s->workloads[i]; i++)
        fprintf(f, " %s", s->workloads[i]);
    fprintf(f, "\n  nemeses:");
    for (size_t i = 0; s->nemeses && s->nemeses[i]; i++)
        fprintf(f, " %s", s->nemeses[i]);
    fputc('\n', f);
}

void
fl_cli_test_usage(FILE *f, const char *cmd, const struct fl_suite *s)
{
    fprintf(f,
            "usage: faultline %s SUITE [options]\n\n"
            "Run a test suite%s and check the history; the exit code is the\n"
            "verdict (0 valid, 1 invalid, 2 unknown, 254 bad arguments, 255\n"
            "faultline failed).\n\n",
            cmd,
            strcmp(cmd, "test-all") == 0 ? " once per workload and nemesis"
                                         : "");
    fprintf(f, "suites:\n");
    for (const struct fl_suite *const *p = fl_suite_list(); *p; p++)
        fprintf(f, "  %-10s %s\n", (*p)->name, (*p)->summary);
    fprintf(
        f,
        "\noptions (--opt VALUE or --opt=VALUE):\n"
        "  -n, --node HOST            add a node (repeatable)\n"
        "      --nodes A,B,C          add comma-separated nodes\n"
        "      --nodes-file FILE      add nodes, one per line\n"
        "                             (no nodes: the local cluster n1..n5)\n"
        "      --state-dir DIR        no nodes: the local cluster that is up\n"
        "                             in DIR (faultline cluster up)\n" FL_CLI_SSH_HELP
        "      --concurrency N|Nn     client threads; Nn = N per node (1n)\n"
        "      --time-limit SECONDS   length of the workload phase (60)\n"
        "      --test-count N         run the test N times (1)\n"
        "      --leave-db-running     skip DB and client teardown\n"
        "      --stop-on-invalid      end the workload as soon as an online\n"
        "                             checker finds an anomaly, heal, check\n"
        "      --logging-json         faultline.log as JSON lines\n"
        "      --log-level LEVEL      debug, info, warn or error (warn): on\n"
        "                             stderr; faultline.log gets info and\n"
        "                             above, with debug also every op\n"
        "      --seed N               random seed (default: random, "
        "printed)\n"
        "      --rate HZ              total client op rate (suite default)\n"
        "      --workload NAME        the suite's workload\n"
        "      --nemesis NAME         faults to inject (suite specific)\n"
        "      --nemesis-interval SECONDS  mean time between faults (10)\n"
        "      --nemesis-schedule FILE  the faults at the offsets FILE\n"
        "                             gives (schedule.edn's lines), not\n"
        "                             at random (docs/replay.md)\n"
        "      --store DIR            store root (store)\n"
        "      --op-timeout SECONDS   a hung op becomes :info after this "
        "(10)\n"
        "      --client-cmd CMD       run the client as `sh -c CMD`, one per\n"
        "                             worker, over JSON lines\n"
        "                             (docs/client-protocol.md)\n"
        "      --replay STOREDIR      run a recorded test again: its options\n"
        "                             (test.edn; later ones override), its\n"
        "                             ops and faults at their offsets\n"
        "                             (schedule.edn; docs/replay.md)\n"
        "      --deterministic        in-process suites: one thread,\n"
        "                             simulated time; one seed, one history\n"
        "  -h, --help                 this help\n");
    if (s)
        print_suite_usage(f, s);
}

static void
add_node(struct fl_test_args *a, const char *n, size_t len)
{
    while (len && (*n == ' ' || *n == '\t')) {
        n++;
        len--;
    }
    while (len &&
           (n[len - 1] == ' ' || n[len - 1] == '\t' || n[len - 1] == '\r'))
        len--;
    if (!len)
        return;
    a->nodes = fl_xrealloc(a->nodes, (a->nnodes + 1) * sizeof(*a->nodes));
    a->nodes[a->nnodes++] = fl_xstrndup(n, len);
}

static void
add_node_list(struct fl_test_args *a, const char *s, char sep)
{
    while (*s) {
        const char *e = strchr(s, sep);
        size_t len = e ? (size_t)(e - s) : strlen(s);
        add_node(a, s, len);
        s += len;
        if (*s)
            s++;
    }
}

/* Phase 1: Jepsen's defaults. */
static void
args_init(struct fl_test_args *a)
{
    memset(a, 0, sizeof(*a));
    a->time_limit_ns = 60 * 1000000000LL;
    a->test_count = 1;
    a->op_timeout_ns = 10 * 1000000000LL;
    a->nemesis_interval_ns = 10 * 1000000000LL;
    a->store = "store";
    a->log_level = FL_LOG_WARN;
}

/*
 * Phase 2: the suite, argv[1]. Without one only --help is fine. Returns 0,
 * 1 after --help, or FL_EXIT_USAGE after the error.
 */
static int
find_suite(int argc, char **argv, struct fl_test_args *a)
{
    const char *cmd = argv[0];

    if (argc < 2 || argv[1][0] == '-') {
        if (fl_cli_wants_help(argc, argv, "")) {
            fl_cli_test_usage(stdout, cmd, NULL);
            return 1;
        }
        fprintf(stderr, "faultline %s: name a SUITE first\n\n", cmd);
        fl_cli_test_usage(stderr, cmd, NULL);
        return FL_EXIT_USAGE;
    }
    a->suite = fl_suite_find(argv[1]);
    if (!a->suite) {
        fprintf(stderr,
                "faultline %s: unknown suite '%s'\n(see 'faultline %s "
                "--help')\n",
                cmd, argv[1], cmd);
        return FL_EXIT_USAGE;
    }
    return 0;
}

/* Phase 3: the option table, the base options and the suite's. */
static struct option *
build_opts(struct fl_test_args *a, size_t *nsuite)
{
    size_t nbase = FL_ARRAY_SIZE(base_opts), n = 0;
    struct option *opts;

    while (a->suite->opts && a->suite->opts[n].name)
        n++;
    opts = fl_xcalloc(nbase + n + 1, sizeof(*opts));
    memcpy(opts, base_opts, sizeof(base_opts));
    for (size_t i = 0; i < n; i++) {
        opts[nbase + i].name = a->suite->opts[i].name;
        opts[nbase + i].has_arg =
            a->suite->opts[i].arg ? required_argument : no_argument;
        opts[nbase + i].val = O_SUITE_BASE + (int)i;
    }
    a->opt_names = fl_xcalloc(n + 1, sizeof(char *));
    a->opt_values = fl_xcalloc(n + 1, sizeof(char *));
    *nsuite = n;
    return opts;
}

static int
parse_nodes_file(const struct fl_cli_parser *p, struct fl_test_args *a)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;
    int r = fl_strbuf_read_file(&sb, optarg);

    if (r == 0)
        add_node_list(a, sb.buf, '\n');
    fl_strbuf_release(&sb);
    return r < 0 ? fl_cli_bad_value(p, "%s", strerror(-r)) : 0;
}

static int
parse_concurrency(const struct fl_cli_parser *p, struct fl_test_args *a)
{
    size_t len = strlen(optarg);
    bool per_node = len > 1 && optarg[len - 1] == 'n';
    char *num = fl_xstrndup(optarg, per_node ? len - 1 : len);
    int64_t n;
    int r = fl_parse_int64(num, 1, 100000, &n, NULL);

    free(num);
    if (r < 0)
        return fl_cli_bad_value(p, "must be N or Nn with N >= 1");
    free(a->concurrency);
    a->concurrency = fl_xstrdup(optarg);
    return 0;
}

static int
parse_seed(const struct fl_cli_parser *p, struct fl_test_args *a)
{
    char *end;
    unsigned long long s;

    errno = 0;
    s = strtoull(optarg, &end, 10);
    if (errno || end == optarg || *end || optarg[0] == '-')
        return fl_cli_bad_value(p, "must be a non-negative integer");
    a->seed = s;
    a->seed_given = true;
    return 0;
}

static int
parse_rate(const struct fl_cli_parser *p, struct fl_test_args *a)
{
    struct fl_err err = FL_ERR_INIT;

    if (fl_parse_double(optarg, &a->rate_hz, &err) < 0)
        return fl_cli_bad_value(p, "%s", err.msg);
    a->rate_given = true;
    return 0;
}

int
fl_cli_log_level(const struct fl_cli_parser *p, enum fl_log_level *out)
{
    static const char *const names[] = {"debug", "info", "warn", "error"};

    for (size_t i = 0; i < FL_ARRAY_SIZE(names); i++)
        if (strcmp(optarg, names[i]) == 0) {
            *out = (enum fl_log_level)i;
            return 0;
        }
    return fl_cli_bad_value(p, "debug, info, warn or error");
}

/* A suite option: name and value kept for fl_cli_test_build(). */
static void
add_suite_opt(struct fl_test_args *a, int i)
{
    size_t k = a->nopts++;

    a->opt_names[k] = a->suite->opts[i].name;
    a->opt_values[k] = a->suite->opts[i].arg ? optarg : "true";
}

/* Phase 4, per option: one option's value into a. Returns 0 or an exit. */
static int
parse_one(const struct fl_cli_parser *p, int ch, size_t nsuite,
          struct fl_test_args *a)
{
    int r = fl_cli_ssh_opt(p, ch, &a->ssh);

    if (r)
        return r == 1 ? 0 : r;
    switch (ch) {
    case O_NODE:
        add_node(a, optarg, strlen(optarg));
        return 0;
    case O_NODES:
        add_node_list(a, optarg, ',');
        return 0;
    case O_NODES_FILE:
        return parse_nodes_file(p, a);
    case O_CONCURRENCY:
        return parse_concurrency(p, a);
    case O_TIME_LIMIT:
        return fl_cli_opt_duration(p, &a->time_limit_ns);
    case O_OP_TIMEOUT:
        return fl_cli_opt_duration(p, &a->op_timeout_ns);
    case O_NEM_INTERVAL:
        return fl_cli_opt_duration(p, &a->nemesis_interval_ns);
    case O_TEST_COUNT:
        return fl_cli_opt_int(p, 1, 1000000, &a->test_count);
    case O_SEED:
        return parse_seed(p, a);
    case O_RATE:
        return parse_rate(p, a);
    case O_LOG_LEVEL:
        return fl_cli_log_level(p, &a->log_level);
    case O_WORKLOAD:
        a->workload = optarg;
        return 0;
    case O_NEMESIS:
        a->nemesis = optarg;
        return 0;
    case O_STORE:
        a->store = optarg;
        return 0;
    case O_STATE_DIR:
        a->state_dir = optarg;
        return 0;
    case O_CLIENT_CMD:
        if (!*optarg)
            return fl_cli_bad_value(p, "empty command");
        a->client_cmd = optarg;
        return 0;
    case O_LEAVE:
        a->leave_db_running = true;
        return 0;
    case O_STOP_INVALID:
        a->stop_on_invalid = true;
        return 0;
    case O_JSON:
        a->logging_json = true;
        return 0;
    case O_REPLAY:
        a->replay = optarg;
        return 0;
    case O_DETERMINISTIC:
        a->deterministic = true;
        return 0;
    case O_NEM_SCHEDULE:
        a->faults = optarg;
        return 0;
    default:
        if (ch >= O_SUITE_BASE && ch < O_SUITE_BASE + (int)nsuite) {
            add_suite_opt(a, ch - O_SUITE_BASE);
            return 0;
        }
        FL_BUG("option %d not handled", ch);
    }
}

/* Phase 5: what only the whole command line can tell. */
static int
check_args(const struct fl_cli_parser *p, int argc, char **argv,
           const struct fl_test_args *a)
{
    if (optind < argc)
        return fl_cli_usage_error(p->usage, "unexpected argument '%s'",
                                  argv[optind]);
    if (a->workload && a->suite->workloads &&
        !fl_suite_has(a->suite->workloads, a->workload))
        return fl_cli_usage_error(p->usage,
                                  "--workload %s: not a workload of this suite",
                                  a->workload);
    if (a->state_dir && a->nnodes)
        return fl_cli_usage_error(p->usage,
                                  "--state-dir names a local cluster: give "
                                  "no --node/--nodes/--nodes-file with it");
    return 0;
}

/* The full help of `faultline CMD SUITE`, as a string (caller frees). */
static char *
usage_string(const char *cmd, const struct fl_suite *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    if (!f)
        return fl_xstrdup("");
    fl_cli_test_usage(f, cmd, s);
    fclose(f);
    return buf;
}

int
fl_cli_test_parse(int argc, char **argv, struct fl_test_args *a)
{
    char *hint = fl_xasprintf("(see 'faultline %s --help')\n", argv[0]);
    struct fl_cli_parser p = {.usage = hint, .shortopts = "n:"};
    struct option *opts = NULL;
    size_t nsuite = 0;
    int ch = 0, rc;

    args_init(a);
    rc = find_suite(argc, argv, a);
    if (rc)
        goto out;
    opts = build_opts(a, &nsuite);
    p.opts = opts;
    p.help = usage_string(argv[0], a->suite);
    /* argv + 1: the suite is the "command" of its options */
    while (rc == 0 && (ch = fl_cli_getopt(argc - 1, argv + 1, &p)) >= 0)
        rc = parse_one(&p, ch, nsuite, a);
    if (ch == FL_CLI_OPT_EXIT)
        rc = p.exit_code == 0 ? 1 : p.exit_code; /* 1: --help */
    if (rc == 0)
        rc = check_args(&p, argc - 1, argv + 1, a);
out:
    free((char *)p.help);
    free(opts);
    free(hint);
    return rc;
}

void
fl_cli_test_args_release(struct fl_test_args *a)
{
    for (size_t i = 0; i < a->nnodes; i++)
        free(a->nodes[i]);
    free(a->nodes);
    free(a->concurrency);
    free(a->opt_names);
    free(a->opt_values);
    memset(a, 0, sizeof(*a));
}

/* Set a suite option, as an integer when it looks like one. */
static void
set_suite_opt(struct fl_test *t, const char *name, const char *v)
{
    int64_t i;

    if (strcmp(v, "true") == 0)
        fl_test_set_opt_bool(t, name, true);
    else if (fl_parse_int64(v, INT64_MIN, INT64_MAX, &i, NULL) == 0)
        fl_test_set_opt_int(t, name, i);
    else
        fl_test_set_opt_str(t, name, v);
}

/*
 * --nemesis-schedule: can the nemesis --nemesis built run every fault of
 * the file? Says why not (a fault due an hour into the run would
 * otherwise fail only then).
 */
static bool
schedule_unrunnable(const char *file, const struct fl_test *t)
{
    const struct fl_schedule_entry *e;

    if (!t->nemesis.generator) {
        fprintf(stderr,
                "faultline: --nemesis-schedule %s: no nemesis to run it "
                "(give --nemesis with the faults it uses)\n",
                file);
        return true;
    }
    e = fl_schedule_unhandled(t->faults, t->nemesis.nemesis);
    if (e) {
        fprintf(stderr,
                "faultline: --nemesis-schedule %s: :f :%s (at %.3f s) is "
                "not a fault of this --nemesis\n",
                file, fl_kw_name(e->f), (double)e->at_ns / 1e9);
        return true;
    }
    return false;
}

int
fl_cli_test_build(const struct fl_test_args *a, const char *workload,
                  const char *nemesis, struct fl_test *t)
{
    const struct fl_suite *s = a->suite;
    struct fl_err err = FL_ERR_INIT;

    t->suite = s;
    for (size_t i = 0; i < a->nnodes; i++)
        fl_test_add_node(t, a->nodes[i]);
    /* Concurrency: N, or N per node ("1n" by default). Without nodes the
     * local cluster has 5 (in-process suites pretend the same). */
    size_t nodes = a->nnodes ? a->nnodes : 5;
    const char *cs = a->concurrency ? a->concurrency : "1n";
    size_t len = strlen(cs);
    int64_t n = 1;
    char *num = fl_xstrndup(cs, cs[len - 1] == 'n' ? len - 1 : len);
    fl_parse_int64(num, 1, 100000, &n, NULL);
    free(num);
    if (cs[len - 1] == 'n')
        n *= (int64_t)nodes;
    t->concurrency = (int)n;
    t->seed = a->seed_given ? a->seed : fl_rng_os_seed();
    t->time_limit_ns = a->time_limit_ns;
    t->op_timeout_ns = a->op_timeout_ns;
    t->nemesis_interval_ns = a->nemesis_interval_ns;
    t->rate_hz = a->rate_given ? a->rate_hz : 0;
    t->leave_db_running = a->leave_db_running;
    t->stop_on_invalid = a->stop_on_invalid;
    t->logging_json = a->logging_json;
    t->no_remotes = s->in_process;
    fl_log_set_level(a->log_level);
    t->remote_opts = a->ssh;
    if (!t->remote_opts.backend && a->nnodes)
        t->remote_opts.backend = "ssh";
    workload = workload ? workload : a->workload;
    if (!workload && s->workloads)
        workload = s->workloads[0];
    nemesis = nemesis ? nemesis : a->nemesis;
    if (workload)
        fl_test_set_opt_str(t, "workload", workload);
    if (nemesis)
        fl_test_set_opt_str(t, "nemesis", nemesis);
    if (a->state_dir)
        fl_test_set_opt_str(t, "cluster-state-dir", a->state_dir);
    if (a->rate_given)
        fl_test_set_opt(t, "rate",
                        &(fl_val){FL_V_FLOAT, 0, 0, 0, {.d = a->rate_hz}});
    fl_test_set_opt_int(t, "time-limit-ms", a->time_limit_ns / 1000000);
    fl_test_set_opt_int(t, "nemesis-interval-ms",
                        a->nemesis_interval_ns / 1000000);
    if (a->client_cmd)
        fl_test_set_opt_str(t, "client-cmd", a->client_cmd);
    for (size_t i = 0; s->opts && s->opts[i].name; i++) {
        const char *v = s->opts[i].dflt;
        for (size_t k = 0; k < a->nopts; k++)
            if (strcmp(a->opt_names[k], s->opts[i].name) == 0)
                v = a->opt_values[k];
        if (v)
            set_suite_opt(t, s->opts[i].name, v);
    }
    if (fl_cli_test_replay_setup(a, t) < 0)
        return FL_EXIT_USAGE;
    fl_test_sync_env(t);
    if (s->build(t, &err) < 0) {
        fprintf(stderr, "faultline: %s: %s\n", s->name, err.msg);
        return err.code == FL_EUSAGE ? FL_EXIT_USAGE : FL_EXIT_FAILED;
    }
    if (t->faults && schedule_unrunnable(a->faults, t))
        return FL_EXIT_USAGE;
    /* Any suite's ops can go to a client in another language. */
    if (a->client_cmd && t->client.type != &fl_client_cmd_type)
        fl_client_cmd_seed(&t->client, a->client_cmd, t->op_timeout_ns);
    fl_test_sync_env(t);
    return 0;
}

/* The run's report hook: report/ sits above run/, so the CLI plugs it in. */
static int
write_report(void *arg, const char *store_dir, const struct fl_hist *h,
             const fl_val *results, struct fl_err *err)
{
    FL_UNUSED(arg);
    return fl_report_write(store_dir, h, results, err);
}

struct fl_run_opts
fl_cli_run_opts(const char *store_root)
{
    struct fl_run_opts ro = {
        .store_root = store_root,
        .progress = stderr,
        .report = write_report,
        .report_arg = NULL,
    };

    return ro;
}

void
fl_cli_print_verdict(const struct fl_run_result *r)
{
    bool cut = r->end != FL_RUN_COMPLETE;

    if (cut)
        printf("INCOMPLETE: the run was cut short (%s: %s); %zu "
               "invocation(s) never completed. The verdict covers only what "
               "was recorded.\n",
               fl_run_end_name(r->end), r->end_detail, r->nopen);
    switch (r->verdict) {
    case FL_VERDICT_TRUE:
        printf("%s\nverdict: valid\n",
               cut ? "No anomalies in what was recorded."
                   : "Everything looks good!");
        break;
    case FL_VERDICT_FALSE:
        printf("Analysis invalid!\nverdict: invalid\n");
        break;
    default:
        printf("Errors occurred during analysis, but no anomalies found.\n"
               "verdict: unknown\n");
        break;
    }
    if (r->store_dir)
        printf("store: %s\n", r->store_dir);
    if (cut)
        printf("ops: %zu (incomplete: %s)\n", r->nops, fl_run_end_name(r->end));
    else
        printf("ops: %zu\n", r->nops);
    if (r->headline[0])
        printf("anomalies:\n%s", r->headline);
    fflush(stdout);
}

static int
cmd_test(int argc, char **argv)
{
    struct fl_test_args a;
    struct fl_lock *lock = NULL;
    int rc = fl_cli_test_parse(argc, argv, &a);
    int exit_code = FL_EXIT_VALID;

    if (rc == 1) {
        fl_cli_test_args_release(&a);
        return 0;
    }
    if (rc) {
        fl_cli_test_args_release(&a);
        return rc;
    }
    fl_run_install_signals();
    for (int64_t i = 0; i < a.test_count; i++) {
        struct fl_test t;
        struct fl_run_result res;
        struct fl_err err = FL_ERR_INIT;
        struct fl_run_opts ro = fl_cli_run_opts(a.store);

        fl_test_init(&t);
        rc = fl_cli_test_build(&a, NULL, NULL, &t);
        if (rc) {
            fl_test_release(&t);
            exit_code = rc;
            break;
        }
        /* One lock for all --test-count runs: nobody gets in between. */
        if (!lock && !(lock = fl_test_lock(&t, &err))) {
            memset(&res, 0, sizeof(res));
            rc = err.code;
        } else {
            rc = fl_test_run(&t, &ro, &res, &err);
        }
        if (rc < 0) {
            fprintf(stderr, "faultline: test failed: %s\n", err.msg);
            if (res.store_dir)
                fprintf(stderr, "store: %s\n", res.store_dir);
            fl_run_result_release(&res);
            fl_test_release(&t);
            exit_code = err.code == FL_EUSAGE ? FL_EXIT_USAGE : FL_EXIT_FAILED;
            break;
        }
        fl_cli_print_verdict(&res);
        int code = fl_verdict_exit_code(res.verdict);
        fl_run_result_release(&res);
        fl_test_release(&t);
        if (code != FL_EXIT_VALID) {
            exit_code = code;
            break;
        }
        if (fl_run_interrupts)
            break;
    }
    fl_lock_free(lock);
    fl_cli_test_args_release(&a);
    return exit_code;
}

int
fl_cmd_test(int argc, char **argv)
{
    char **rargv = NULL;
    int rargc = 0;
    int rc = fl_cli_replay_argv(argc, argv, &rargc, &rargv);

    if (rc)
        return rc;
    rc = rargv ? cmd_test(rargc, rargv) : cmd_test(argc, argv);
    fl_cli_replay_argv_free(rargv);
    return rc;
}
