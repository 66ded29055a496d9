/* SPDX-License-Identifier: MIT */
/*
 * cmd_analyze.c: `faultline analyze [STORE-DIR]`: re-check a stored run
 * (default: the latest), also one cut short by a crash or SIGKILL. The
 * test is rebuilt from the run's test.edn (suite, options, seed) and its
 * checker from test.edn's :checker spec, so the same checkers run again
 * (also for a suite this build does not know); results.edn is rewritten
 * and the exit code is the verdict.
 */
#include "util/common.h"

#include "cli/cli.h"
#include "cli/cli_opt.h"
#include "cli/test_args.h"

#include "run/store.h"
#include "suites/maelstrom/maelstrom.h"
#include "util/arena.h"
#include "util/err.h"
#include "util/log.h"

static const char usage[] =
    "usage: faultline analyze [--store ROOT] [--shrink] [STORE-DIR]\n\n"
    "Re-check a stored run: STORE-DIR is a run directory\n"
    "(store/<test>/<time>), a test directory (its latest run) or, by\n"
    "default, ROOT/latest. The suite, options, seed and checker (:checker)\n"
    "come from the run's test.edn; results.edn is rewritten. Exit code:\n"
    "0 valid, 1 invalid, 2 unknown, 254 bad arguments, 255 faultline\n"
    "failed.\n\n"
    "options:\n"
    "      --store ROOT       store root (store)\n"
    "      --log-level LEVEL  debug, info, warn or error (warn)\n"
    "      --shrink           when invalid, also write STORE-DIR/shrunk.edn,\n"
    "                         the smallest history that fails the same way\n"
    "                         (see faultline shrink; sizes on stderr)\n"
    "      --shrink-time-limit S  bound the shrinking (60s)\n"
    "  -h, --help             this help\n";

enum { O_STORE = 1000, O_LOG_LEVEL, O_SHRINK, O_SHRINK_TIME };

static const struct option longopts[] = {
    FL_CLI_OPT_HELP,
    {"store", required_argument, NULL, O_STORE},
    {"log-level", required_argument, NULL, O_LOG_LEVEL},
    {"shrink", no_argument, NULL, O_SHRINK},
    {"shrink-time-limit", required_argument, NULL, O_SHRINK_TIME},
    FL_CLI_OPT_END,
};

static const fl_val *
get(const fl_val *m, const char *key)
{
    return fl_val_map_get_kw(m, fl_kw_intern_cstr(key));
}

/* A registered suite, or maelstrom's (not one of `faultline test`'s). */
static const struct fl_suite *
find_suite(const char *name)
{
    if (strcmp(name, fl_maelstrom_suite.name) == 0)
        return &fl_maelstrom_suite;
    return fl_suite_find(name);
}

/* Rebuild the test that made the run from its test.edn. */
static int
rebuild(const char *dir, struct fl_test *t)
{
    struct fl_arena a;
    struct fl_err err = FL_ERR_INIT;
    fl_val te;
    int rc = 0;

    fl_arena_init(&a, 4096);
    if (fl_store_read_test(dir, &a, &te, &err) < 0) {
        fprintf(stderr, "faultline analyze: %s\n", err.msg);
        rc = FL_EXIT_FAILED;
        goto out;
    }
    const fl_val *suite = get(&te, "suite");
    const fl_val *spec = get(&te, "checker");
    bool known = suite && suite->kind == FL_V_STR && find_suite(suite->u.s);
    if (!known && !spec) {
        fprintf(stderr, "faultline analyze: %s/test.edn: unknown suite\n", dir);
        rc = FL_EXIT_FAILED;
        goto out;
    }
    t->suite = known ? find_suite(suite->u.s) : NULL;
    const fl_val *v = get(&te, "name");
    if (v && v->kind == FL_V_STR)
        fl_test_set_name(t, v->u.s);
    v = get(&te, "seed");
    if (v && v->kind == FL_V_STR)
        t->seed = strtoull(v->u.s, NULL, 10);
    v = get(&te, "concurrency");
    if (v && v->kind == FL_V_INT)
        t->concurrency = (int)v->u.i;
    v = get(&te, "nodes");
    if (v && fl_val_is_seq(v))
        for (uint32_t i = 0; i < v->n; i++)
            if (v->u.items[i].kind == FL_V_STR)
                fl_test_add_node(t, v->u.items[i].u.s);
    v = get(&te, "options");
    if (v && v->kind == FL_V_MAP)
        for (uint32_t i = 0; i < v->n; i++)
            if (v->u.items[2 * i].kind == FL_V_KW)
                fl_test_set_opt(t, fl_kw_name(v->u.items[2 * i].u.id),
                                &v->u.items[2 * i + 1]);
    t->no_remotes = true; /* checking touches no node */
    fl_test_sync_env(t);
    if (t->suite && t->suite->build(t, &err) < 0) {
        fprintf(stderr, "faultline analyze: %s: %s\n", t->suite->name, err.msg);
        rc = FL_EXIT_FAILED;
        goto out;
    }
    /* The checker the run recorded, even if the suite has changed since. */
    if (spec && fl_test_set_checker_val(t, spec, &err) < 0) {
        fprintf(stderr, "faultline analyze: %s/test.edn: :checker: %s\n", dir,
                err.msg);
        rc = FL_EXIT_FAILED;
    }
out:
    fl_arena_release(&a);
    return rc;
}

/* analyze --shrink: DIR/shrunk.edn from DIR/history.edn. */
static void
shrink_run(const struct fl_test *t, const char *dir, int64_t limit_ns)
{
    char *in = fl_xasprintf("%s/history.edn", dir);
    char *out = fl_xasprintf("%s/shrunk.edn", dir);

    if (fl_cli_shrink(t->checker, in, out, limit_ns) == FL_EXIT_INVALID)
        fprintf(stderr, "faultline analyze: shrunk history: %s\n", out);
    free(out);
    free(in);
}

int
fl_cmd_analyze(int argc, char **argv)
{
    const char *root = "store", *arg = NULL;
    struct fl_err err = FL_ERR_INIT;
    struct fl_run_result res;
    struct fl_test t;
    struct fl_cli_parser p = {.usage = usage, .opts = longopts};
    enum fl_log_level level = FL_LOG_WARN;
    char *dir = NULL;
    bool shrink = false;
    int64_t shrink_ns = 60 * INT64_C(1000000000);
    int ch, rc;

    while ((ch = fl_cli_getopt(argc, argv, &p)) != -1) {
        if (ch == FL_CLI_OPT_EXIT)
            return p.exit_code;
        if (ch == O_STORE)
            root = optarg;
        else if (ch == O_SHRINK)
            shrink = true;
        else if (ch == O_SHRINK_TIME) {
            if (fl_cli_opt_duration(&p, &shrink_ns))
                return FL_EXIT_USAGE;
        } else if (fl_cli_log_level(&p, &level) != 0)
            return FL_EXIT_USAGE;
    }
    if (optind < argc)
        arg = argv[optind];
    if (optind + 1 < argc)
        return fl_cli_usage_error(usage, "analyze: unexpected argument '%s'",
                                  argv[optind + 1]);
    fl_log_set_level(level);
    if (fl_store_resolve(root, arg, &dir, &err) < 0) {
        fprintf(stderr, "faultline analyze: %s\n", err.msg);
        return FL_EXIT_USAGE;
    }
    fl_test_init(&t);
    rc = rebuild(dir, &t);
    if (rc) {
        fl_test_release(&t);
        free(dir);
        return rc;
    }
    struct fl_run_opts ro = fl_cli_run_opts(NULL);
    rc = fl_analyze(&t, dir, &ro, &res, &err);
    if (rc < 0) {
        fprintf(stderr, "faultline analyze: %s\n", err.msg);
        rc = err.code == FL_EPARSE ? FL_EXIT_USAGE : FL_EXIT_FAILED;
    } else {
        fl_cli_print_verdict(&res);
        rc = fl_verdict_exit_code(res.verdict);
        if (shrink && res.verdict == FL_VERDICT_FALSE && t.checker)
            shrink_run(&t, dir, shrink_ns);
    }
    fl_run_result_release(&res);
    fl_test_release(&t);
    free(dir);
    return rc;
}
