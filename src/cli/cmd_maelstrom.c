/* SPDX-License-Identifier: MIT */
/*
 * cmd_maelstrom.c: `faultline maelstrom test -w WORKLOAD --bin PROGRAM
 * [ARGS...] [options]`: Maelstrom's command line (same option names and
 * defaults), parsed into struct fl_maelstrom_opts; suites/maelstrom builds
 * the test and the run layer runs it. Exit codes as `faultline test`.
 */
#include "util/common.h"

#include "cli/cli.h"
#include "cli/test_args.h"

#include <getopt.h>

#include "report/report.h"
#include "run/run.h"
#include "suites/maelstrom/maelstrom.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/parse.h"
#include "util/rng.h"

static const char usage_text[] =
    "usage: faultline maelstrom test -w WORKLOAD --bin PROGRAM [ARGS...] "
    "[options]\n"
    "       faultline maelstrom serve [options]  (faultline serve)\n\n"
    "Run a Maelstrom workload against PROGRAM, one process per node (n0..),\n"
    "over a simulated network; exit 0 valid, 1 invalid, 2 unknown, 254 bad\n"
    "arguments, 255 faultline failed. docs/maelstrom.md has the details.\n\n"
    "Maelstrom's options:\n"
    "  -w, --workload W        echo, unique-ids, broadcast, g-set, g-counter,\n"
    "                          pn-counter, lin-kv (default), txn-list-append,\n"
    "                          txn-rw-register, kafka\n"
    "  --bin PROGRAM           the node binary; extra arguments go to it\n"
    "  --node-count N          nodes n0..n{N-1} (default 5)\n"
    "  --time-limit S          seconds of requests (default 60)\n"
    "  --rate R                requests per second, all clients (default 5)\n"
    "  --concurrency N|Nn      clients, or N per node (default 1n)\n"
    "  --latency MS            mean node-to-node latency (default 0)\n"
    "  --latency-dist D        constant (default), uniform, exponential\n"
    "  --nemesis F,..          partition, kill, pause (default none)\n"
    "  --nemesis-interval S    mean seconds between faults (default 10)\n"
    "  --topology T            broadcast: grid (default), line, tree2, tree3,\n"
    "                          tree4, total\n"
    "  --availability A        fraction of ok ops required, or total\n"
    "  --key-count N           keys (lin-kv: unlimited, txn: 10, kafka: 8)\n"
    "  --max-txn-length N      txn: micro-ops per txn (default 4)\n"
    "  --max-writes-per-key N  txn: writes per key; lin-kv: ops/key 2N (16)\n"
    "  --consistency-models M  txn: what Elle checks (strict-serializable)\n"
    "  --log-stderr            also copy node stderr to this terminal\n"
    "  --seed N                seed of every random choice\n"
    "  --test-count N          run N times, stop at the first invalid\n"
    "  --store DIR             store root (default store)\n\n"
    "Beyond Maelstrom:\n"
    "  --loss P                drop node-to-node messages with probability P\n"
    "  --link-latency nA-nB=MS,...  per-link mean latency\n"
    "  --recovery-time S       wait before final reads (default 10)\n"
    "  --rpc-timeout S         client request timeout (default 5)\n"
    "  --no-journal            no messages.jsonl, no message timeline\n"
    "  --deterministic         run in virtual time: nodes see a virtual\n"
    "                          clock (their timers too), one event at a\n"
    "                          time; with --concurrency 1 the history and\n"
    "                          the messages are a function of the seed\n"
    "                          (docs/maelstrom.md)\n";

enum {
    O_WORKLOAD = 'w',
    O_HELP = 'h',
    O_BIN = 1000,
    O_NODES,
    O_TIME,
    O_RATE,
    O_CONC,
    O_LAT,
    O_DIST,
    O_NEM,
    O_NEMI,
    O_TOPO,
    O_AVAIL,
    O_KEYS,
    O_TXNLEN,
    O_WPK,
    O_MODELS,
    O_LOGERR,
    O_LOGNET,
    O_SEED,
    O_COUNT,
    O_STORE,
    O_LOSS,
    O_LINKS,
    O_RECOVERY,
    O_RPC,
    O_NOJOURNAL,
    O_DETERMINISTIC,
};

static const struct option opts[] = {
    {"workload", required_argument, NULL, O_WORKLOAD},
    {"help", no_argument, NULL, O_HELP},
    {"bin", required_argument, NULL, O_BIN},
    {"node-count", required_argument, NULL, O_NODES},
    {"time-limit", required_argument, NULL, O_TIME},
    {"rate", required_argument, NULL, O_RATE},
    {"concurrency", required_argument, NULL, O_CONC},
    {"latency", required_argument, NULL, O_LAT},
    {"latency-dist", required_argument, NULL, O_DIST},
    {"nemesis", required_argument, NULL, O_NEM},
    {"nemesis-interval", required_argument, NULL, O_NEMI},
    {"topology", required_argument, NULL, O_TOPO},
    {"availability", required_argument, NULL, O_AVAIL},
    {"key-count", required_argument, NULL, O_KEYS},
    {"max-txn-length", required_argument, NULL, O_TXNLEN},
    {"max-writes-per-key", required_argument, NULL, O_WPK},
    {"consistency-models", required_argument, NULL, O_MODELS},
    {"log-stderr", no_argument, NULL, O_LOGERR},
    {"log-net-send", no_argument, NULL, O_LOGNET},
    {"log-net-recv", no_argument, NULL, O_LOGNET},
    {"seed", required_argument, NULL, O_SEED},
    {"test-count", required_argument, NULL, O_COUNT},
    {"store", required_argument, NULL, O_STORE},
    {"loss", required_argument, NULL, O_LOSS},
    {"link-latency", required_argument, NULL, O_LINKS},
    {"recovery-time", required_argument, NULL, O_RECOVERY},
    {"rpc-timeout", required_argument, NULL, O_RPC},
    {"no-journal", no_argument, NULL, O_NOJOURNAL},
    {"deterministic", no_argument, NULL, O_DETERMINISTIC},
    {NULL, 0, NULL, 0},
};

struct margs {
    struct fl_maelstrom_opts o;
    const char *bin;
    int64_t test_count;
    const char *store;
};

/* Seconds (or milliseconds with ms) as a double into ns. */
static int
seconds(const char *opt, const char *v, double unit_ns, int64_t *out)
{
    double d;

    if (fl_parse_double(v, &d, NULL) < 0 || d < 0 || d > 1e7)
        return fl_cli_usage_error(usage_text, "%s %s: expected a number >= 0",
                                  opt, v);
    *out = (int64_t)(d * unit_ns);
    return 0;
}

static int
integer(const char *opt, const char *v, int64_t min, int64_t max, int64_t *out)
{
    if (fl_parse_int64(v, min, max, out, NULL) < 0)
        return fl_cli_usage_error(
            usage_text, "%s %s: expected an integer in %" PRId64 "..%" PRId64,
            opt, v, min, max);
    return 0;
}

static int
fraction(const char *opt, const char *v, double *out)
{
    if (fl_parse_double(v, out, NULL) < 0 || *out < 0)
        return fl_cli_usage_error(usage_text, "%s %s: expected a number >= 0",
                                  opt, v);
    return 0;
}

static int
parse_one(struct margs *m, int c, const char *v)
{
    struct fl_maelstrom_opts *o = &m->o;
    int64_t i = 0;
    int rc = 0;

    switch (c) {
    case O_WORKLOAD:
        o->workload = v;
        break;
    case O_BIN:
        m->bin = v;
        break;
    case O_NODES:
        rc = integer("--node-count", v, 1, 1000, &i);
        o->node_count = (int)i;
        break;
    case O_TIME:
        rc = seconds("--time-limit", v, 1e9, &o->time_limit_ns);
        break;
    case O_RATE:
        rc = fraction("--rate", v, &o->rate);
        break;
    case O_CONC:
        o->concurrency = v;
        break;
    case O_LAT:
        rc = seconds("--latency", v, 1e6, &o->latency_ns);
        break;
    case O_DIST:
        o->latency_dist = v;
        break;
    case O_NEM:
        o->nemesis = v;
        break;
    case O_NEMI:
        rc = seconds("--nemesis-interval", v, 1e9, &o->nemesis_interval_ns);
        break;
    case O_TOPO:
        o->topology = v;
        break;
    case O_AVAIL:
        o->availability = v;
        break;
    case O_KEYS:
        rc = integer("--key-count", v, 1, 1 << 20, &o->key_count);
        break;
    case O_TXNLEN:
        rc = integer("--max-txn-length", v, 1, 1000, &o->max_txn_length);
        break;
    case O_WPK:
        rc = integer("--max-writes-per-key", v, 1, 1 << 20,
                     &o->max_writes_per_key);
        break;
    case O_MODELS:
        o->consistency_models = v;
        break;
    case O_LOGERR:
        o->log_stderr = true;
        break;
    case O_LOGNET:
        break; /* the journal always has every message */
    case O_SEED:
        rc = integer("--seed", v, 0, INT64_MAX, &i);
        o->seed = (uint64_t)i;
        break;
    case O_COUNT:
        rc = integer("--test-count", v, 1, 10000, &m->test_count);
        break;
    case O_STORE:
        m->store = v;
        break;
    case O_LOSS:
        rc = fraction("--loss", v, &o->loss);
        break;
    case O_LINKS:
        o->link_latency = v;
        break;
    case O_RECOVERY:
        rc = seconds("--recovery-time", v, 1e9, &o->recovery_ns);
        break;
    case O_RPC:
        rc = seconds("--rpc-timeout", v, 1e9, &o->rpc_timeout_ns);
        break;
    case O_DETERMINISTIC:
        o->deterministic = true;
        break;
    case O_NOJOURNAL:
        o->no_journal = true;
        break;
    default:
        rc = fl_cli_usage_error(usage_text, "unknown option");
        break;
    }
    return rc;
}

static void
defaults(struct margs *m)
{
    memset(m, 0, sizeof(*m));
    m->o.workload = "lin-kv";
    m->o.node_count = 5;
    m->o.time_limit_ns = 60 * FL_NS_PER_S;
    m->o.rate = 5;
    m->o.nemesis_interval_ns = 10 * FL_NS_PER_S;
    m->o.recovery_ns = 10 * FL_NS_PER_S;
    m->o.rpc_timeout_ns = 5 * FL_NS_PER_S;
    m->o.seed = fl_rng_os_seed() & INT64_MAX;
    m->test_count = 1;
}

static int
parse(int argc, char **argv, struct margs *m)
{
    int c, rc = 0;

    defaults(m);
    optind = 1;
    opterr = 0;
    while (rc == 0 && (c = getopt_long(argc, argv, "+w:h", opts, NULL)) != -1) {
        if (c == '?' || c == ':')
            return fl_cli_usage_error(usage_text, "bad option '%s'",
                                      argv[optind - 1]);
        rc = parse_one(m, c, optarg);
        /* Arguments after --bin PROGRAM that are not options go to it. */
        while (rc == 0 && c == O_BIN && optind < argc && argv[optind][0] != '-')
            optind++;
    }
    if (rc)
        return rc;
    if (optind < argc)
        return fl_cli_usage_error(usage_text, "unexpected argument '%s'",
                                  argv[optind]);
    if (!m->bin)
        return fl_cli_usage_error(usage_text, "--bin PROGRAM is required");
    return 0;
}

/* argv of the node: the last --bin's value and the plain words after it. */
static char **
node_argv(int argc, char **argv, const char *bin)
{
    char **out = fl_xcalloc((size_t)argc + 1, sizeof(char *));
    int at = -1;
    size_t n = 0;

    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--bin") == 0)
            at = i + 2;
        else if (strncmp(argv[i], "--bin=", 6) == 0)
            at = i + 1;
    out[n++] = (char *)bin;
    for (int k = at; k > 0 && k < argc && argv[k][0] != '-'; k++)
        out[n++] = argv[k];
    return out;
}

static int
write_report(void *arg, const char *store_dir, const struct fl_hist *h,
             const fl_val *results, struct fl_err *err)
{
    FL_UNUSED(arg);
    return fl_report_write(store_dir, h, results, err);
}

static int
run_once(struct margs *m, int64_t i)
{
    struct fl_test t;
    struct fl_run_result res;
    struct fl_err err = FL_ERR_INIT;
    struct fl_run_opts ro = {m->store, stderr, write_report, NULL};
    int code;

    fl_test_init(&t);
    uint64_t base = m->o.seed;

    m->o.seed = base + (uint64_t)i;
    if (fl_maelstrom_build(&m->o, &t, &err) < 0) {
        fl_test_release(&t);
        return fl_cli_usage_error(NULL, "maelstrom: %s", err.msg);
    }
    if (fl_test_run(&t, &ro, &res, &err) < 0) {
        fprintf(stderr, "faultline: maelstrom test failed: %s\n", err.msg);
        if (res.store_dir)
            fprintf(stderr, "store: %s\n", res.store_dir);
        fl_run_result_release(&res);
        fl_test_release(&t);
        return FL_EXIT_FAILED;
    }
    fl_cli_print_verdict(&res);
    code = fl_verdict_exit_code(res.verdict);
    fl_run_result_release(&res);
    fl_test_release(&t);
    m->o.seed = base;
    return code;
}

int
fl_cmd_maelstrom(int argc, char **argv)
{
    struct margs m;
    int rc;

    if (argc < 2 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "--help") == 0) {
        fputs(usage_text, argc < 2 ? stderr : stdout);
        return argc < 2 ? FL_EXIT_USAGE : 0;
    }
    if (strcmp(argv[1], "serve") == 0) /* Maelstrom's serve: the web UI */
        return fl_cmd_serve(argc - 1, argv + 1);
    if (strcmp(argv[1], "test") != 0)
        return fl_cli_usage_error(usage_text,
                                  "maelstrom: unknown command '%s' (test, "
                                  "serve)",
                                  argv[1]);
    if (fl_cli_wants_help(argc - 1, argv + 1, usage_text))
        return 0;
    rc = parse(argc - 1, argv + 1, &m);
    if (rc)
        return rc;
    m.o.argv = node_argv(argc - 1, argv + 1, m.bin);
    fl_run_install_signals();
    for (int64_t i = 0; i < m.test_count && rc == 0; i++) {
        rc = run_once(&m, i);
        if (fl_run_interrupts)
            break;
    }
    free(m.o.argv);
    return rc;
}
