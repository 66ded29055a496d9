/* SPDX-License-Identifier: MIT */
/*
 * cmd_check_linear.c: `faultline check linearizable`, a thin client of
 * checker/linear/linear.h. It loads each file, checks it against the model
 * and prints the result map (EDN, or JSON with --json), one line per file
 * (with :file added when there are several). The exit code is the merged
 * verdict (false > unknown > true), or 254 for bad arguments, unreadable or
 * malformed input and ops that do not fit the model.
 */
#include "util/common.h"

#include "checker/linear/linear.h"
#include "checker/registry.h"
#include "checker/workloads.h"
#include "cli/cli.h"
#include "cli/cli_opt.h"
#include "history/edn.h"
#include "util/arena.h"
#include "util/err.h"

#include <pthread.h>

static const char usage_text[] =
    "usage: faultline check linearizable --model MODEL [--init EDN]\n"
    "         [--independent [--all-keys]] [--time-limit SECONDS]\n"
    "         [--memory-limit MB] [--threads N] [--json] [--out DIR] FILE...\n"
    "\n"
    "  --model MODEL       register, cas-register, mutex, set,\n"
    "                      unordered-queue, fifo-queue, multi-register\n"
    "                      (default: the model test.edn beside FILE names)\n"
    "  --init EDN          initial value (default nil): 0, {:x 0 :y 0}\n"
    "  --independent       values are [key value] tuples; check each key\n"
    "  --all-keys          search every key even when one is already\n"
    "                      invalid (default: the first invalid key stops\n"
    "                      the others, reported :cause :not-checked)\n"
    "  --time-limit S      give up with :unknown after S seconds (or\n"
    "                      a duration: 500ms, 2m)\n"
    "  --memory-limit MB   give up with :unknown above MB of search memory\n"
    "                      (default: half the physical memory)\n"
    "  --threads N         search threads (default: one per core)\n"
    "  --json              print JSON instead of EDN\n"
    "  --out DIR           write DIR/linear.svg for an invalid history\n"
    "\n"
    "Exit: 0 valid, 1 invalid, 2 unknown, 254 bad arguments or input.\n";

/*
 * Fill what the user did not say from the run's test.edn beside path
 * ({:checker {:linearizable {:model ... :independent? ...}}}).
 */
static void
recorded_defaults(const char *path, struct fl_linear_opts *o, bool model_given,
                  bool indep_given, struct fl_arena *a)
{
    const fl_val *rec = fl_cli_recorded_options(path, "linearizable", a);
    const char *m = fl_chk_opt_name(rec, "model", NULL);

    if (!rec)
        return;
    if (!model_given && m && fl_model_find(m))
        o->model = fl_model_find(m);
    const fl_val *ind = fl_chk_opt(rec, "independent?");
    if (!indep_given && ind && ind->kind == FL_V_BOOL)
        o->independent = ind->u.b;
}

/* fl_hist_pair() for its warnings only, on a thread of its own. */
static void *
pair_main(void *arg)
{
    struct fl_err perr = FL_ERR_INIT;

    fl_hist_pair(arg, stderr, NULL, &perr);
    return NULL;
}

/*
 * Pairing writes only the ops' pair fields, which the checker never
 * reads (it pairs on its own, with Knossos's rules, and reports a
 * history it cannot pair), so on a big history the warnings pass runs
 * beside the checker's own single-threaded preprocessing instead of
 * before it (unless --threads 1).
 */
static int
pair_and_check(const char *path, struct fl_hist *h,
               const struct fl_linear_opts *o, struct fl_arena *a,
               struct fl_chk_result *res, struct fl_err *err)
{
    pthread_t t;
    bool beside = o->threads != 1 && h->n >= 100000 &&
                  pthread_create(&t, NULL, pair_main, h) == 0;
    int rc;

    if (!beside)
        pair_main(h);
    if (!o->independent && fl_chk_looks_independent(h))
        fprintf(stderr,
                "faultline: warning: %s: values look like [key value] "
                "tuples (jepsen.independent); without --independent the "
                "whole history is checked as one object\n",
                path);
    rc = fl_linear_check(h, o, a, res, err);
    if (beside)
        pthread_join(t, NULL);
    return rc;
}

static int
check_file(const char *path, const struct fl_linear_opts *given,
           bool indep_given, bool json, bool with_name, enum fl_verdict *v)
{
    struct fl_linear_opts lo = *given, *o = &lo;
    struct fl_hist h;
    struct fl_arena a;
    struct fl_err err = FL_ERR_INIT;
    struct fl_chk_result res;
    int rc;

    fl_hist_init(&h);
    fl_arena_init(&a, 0);
    recorded_defaults(path, o, given->model != NULL, indep_given, &a);
    rc = fl_hist_load(path, FL_HIST_AUTO, &h, &err);
    if (rc < 0 && fl_cli_too_large(&err, json)) {
        *v = FL_VERDICT_UNKNOWN;
        rc = 0;
        goto out;
    }
    if (rc == 0 && !o->model)
        rc = fl_err_set(&err, FL_EUSAGE,
                        "%s: --model is required (no "
                        "test.edn beside it names one)",
                        path);
    if (rc == 0)
        rc = pair_and_check(path, &h, o, &a, &res, &err);
    if (rc) {
        fprintf(stderr, "faultline: %s\n", err.msg);
        goto out;
    }
    fl_val m = res.map;
    if (with_name) {
        fl_val *items = fl_xmalloc((2 * m.n + 2) * sizeof(*items));
        items[0] = fl_val_kw(fl_kw_intern_cstr("file"));
        items[1] = fl_val_str(&a, path, strlen(path));
        memcpy(items + 2, m.u.items, 2 * m.n * sizeof(*items));
        m = fl_val_map(&a, items, m.n + 1);
        free(items);
    }
    fl_cli_print_val(&m, json);
    *v = res.valid;
out:
    fl_arena_release(&a);
    fl_hist_release(&h);
    return rc;
}

enum {
    O_MODEL = 1000,
    O_INIT,
    O_INDEPENDENT,
    O_ALL_KEYS,
    O_TIME_LIMIT,
    O_MEMORY_LIMIT,
    O_THREADS,
    O_JSON,
    O_OUT,
};

static const struct option longopts[] = {
    FL_CLI_OPT_HELP,
    {"model", required_argument, NULL, O_MODEL},
    {"init", required_argument, NULL, O_INIT},
    {"independent", no_argument, NULL, O_INDEPENDENT},
    {"all-keys", no_argument, NULL, O_ALL_KEYS},
    {"time-limit", required_argument, NULL, O_TIME_LIMIT},
    {"memory-limit", required_argument, NULL, O_MEMORY_LIMIT},
    {"threads", required_argument, NULL, O_THREADS},
    {"json", no_argument, NULL, O_JSON},
    {"out", required_argument, NULL, O_OUT},
    FL_CLI_OPT_END,
};

struct linear_args {
    struct fl_linear_opts o;
    const char *model, *init;
    bool json;
};

/* One option into la. Returns 0 or an exit code. */
static int
parse_one(const struct fl_cli_parser *p, int ch, struct linear_args *la)
{
    int64_t n;
    int rc = 0;

    switch (ch) {
    case O_MODEL:
        la->model = optarg;
        break;
    case O_INIT:
        la->init = optarg;
        break;
    case O_INDEPENDENT:
        la->o.independent = true;
        break;
    case O_ALL_KEYS:
        la->o.all_keys = true;
        break;
    case O_JSON:
        la->json = true;
        break;
    case O_OUT:
        la->o.out_dir = optarg;
        break;
    case O_TIME_LIMIT:
        rc = fl_cli_opt_duration(p, &la->o.time_limit_ns);
        break;
    case O_MEMORY_LIMIT:
        rc = fl_cli_opt_int(p, 1, INT64_C(1) << 30, &n);
        la->o.memory_limit_bytes = (size_t)n << 20;
        break;
    case O_THREADS:
        rc = fl_cli_opt_int(p, 1, 256, &n);
        la->o.threads = (int)n;
        break;
    default:
        FL_BUG("option %d not handled", ch);
    }
    return rc;
}

/* The model and --init, checked before any file is read. */
static int
resolve_model(struct linear_args *la, struct fl_arena *a, fl_val *init_val)
{
    struct fl_err err = FL_ERR_INIT;

    /* no --model: test.edn beside each file may name one (check_file) */
    la->o.model = la->model ? fl_model_find(la->model) : NULL;
    if (la->model && !la->o.model)
        return fl_cli_usage_error(usage_text, "unknown model '%s'", la->model);
    if (la->init) {
        if (fl_edn_parse_value(a, la->init, strlen(la->init), "--init",
                               init_val, &err))
            return fl_cli_usage_error(usage_text, "--init: %s", err.msg);
        la->o.init = init_val;
    }
    return 0;
}

int
fl_cmd_check_linear(int argc, char **argv)
{
    struct fl_cli_parser p = {.usage = usage_text, .opts = longopts};
    struct linear_args la = {0};
    struct fl_arena a;
    fl_val init_val;
    int ch, ret = 0;

    fl_arena_init(&a, 0);
    while (ret == 0 && (ch = fl_cli_getopt(argc, argv, &p)) >= 0)
        ret = parse_one(&p, ch, &la);
    if (ch == FL_CLI_OPT_EXIT)
        ret = p.exit_code;
    if (ret != 0 || ch == FL_CLI_OPT_EXIT)
        goto out;
    ret = resolve_model(&la, &a, &init_val);
    if (ret)
        goto out;
    if (optind >= argc) {
        ret = fl_cli_usage_error(usage_text, "no history file given");
        goto out;
    }
    /* Never run the machine out of memory: :unknown instead. */
    if (!la.o.memory_limit_bytes)
        la.o.memory_limit_bytes = fl_chk_default_memory_bytes();

    enum fl_verdict all = FL_VERDICT_TRUE;
    bool failed = false;
    int nfiles = argc - optind;
    for (int i = optind; i < argc; i++) {
        enum fl_verdict v = FL_VERDICT_TRUE;
        if (check_file(argv[i], &la.o, la.o.independent, la.json, nfiles > 1,
                       &v))
            failed = true;
        else
            all = fl_verdict_merge(all, v);
    }
    ret = failed ? FL_EXIT_USAGE : fl_verdict_exit_code(all);
out:
    fl_arena_release(&a);
    return ret;
}
