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
#include "util/parse.h"

static const char usage_text[] =
    "usage: faultline check linearizable --model MODEL [--init EDN]\n"
    "         [--independent] [--time-limit SECONDS] [--memory-limit MB]\n"
    "         [--threads N] [--json] [--out DIR] FILE...\n"
    "\n"
    "  --model MODEL       register, cas-register, mutex, set,\n"
    "                      unordered-queue, fifo-queue, multi-register\n"
    "                      (default: the model test.edn beside FILE names)\n"
    "  --init EDN          initial value (default nil): 0, {:x 0 :y 0}\n"
    "  --independent       values are [key value] tuples; check each key\n"
    "  --time-limit S      give up with :unknown after S seconds\n"
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

    if (!rec)
        rec = fl_cli_recorded_options(path, "linear", a);
    const char *m = fl_chk_opt_name(rec, "model", NULL);

    if (!rec)
        return;
    if (!model_given && m && fl_model_find(m))
        o->model = fl_model_find(m);
    const fl_val *ind = fl_chk_opt(rec, "independent?");
    if (!indep_given && ind && ind->kind == FL_V_BOOL)
        o->independent = ind->u.b;
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
    if (rc == 0 && !o->model)
        rc = fl_err_set(&err, FL_EUSAGE,
                        "%s: --model is required (no "
                        "test.edn beside it names one)",
                        path);
    if (rc == 0 && !o->independent && fl_chk_looks_independent(&h))
        fprintf(stderr,
                "faultline: warning: %s: values look like [key value] tuples "
                "(jepsen.independent); without --independent the whole "
                "history is checked as one object\n",
                path);
    if (rc == 0)
        rc = fl_linear_check(&h, o, &a, &res, &err);
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

int
fl_cmd_check_linear(int argc, char **argv)
{
    struct fl_linear_opts o;
    struct fl_arena a;
    struct fl_err err = FL_ERR_INIT;
    const char *model = NULL, *init = NULL;
    fl_val init_val;
    bool json = false;
    int nfiles = 0, ret = FL_EXIT_USAGE;
    char **files = fl_xcalloc(argc + 1, sizeof(*files));

    memset(&o, 0, sizeof(o));
    fl_arena_init(&a, 0);
    if (fl_cli_wants_help(argc, argv, usage_text)) {
        ret = 0;
        goto out;
    }
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *val = NULL;
        bool takes =
            fl_cli_opt_is(arg, "--model") || fl_cli_opt_is(arg, "--init") ||
            fl_cli_opt_is(arg, "--time-limit") ||
            fl_cli_opt_is(arg, "--memory-limit") ||
            fl_cli_opt_is(arg, "--threads") || fl_cli_opt_is(arg, "--out");
        if (takes) {
            ret = fl_cli_opt_need(argc, argv, &i, usage_text, &val);
            if (ret)
                goto out;
        }
        if (fl_cli_opt_is(arg, "--model")) {
            model = val;
        } else if (fl_cli_opt_is(arg, "--init")) {
            init = val;
        } else if (strcmp(arg, "--independent") == 0) {
            o.independent = true;
        } else if (strcmp(arg, "--json") == 0) {
            json = true;
        } else if (fl_cli_opt_is(arg, "--out")) {
            o.out_dir = val;
        } else if (fl_cli_opt_is(arg, "--time-limit")) {
            double s;
            if (fl_parse_double(val, &s, &err) || s > 1e9) {
                ret = fl_cli_usage_error(usage_text,
                                         "--time-limit: bad number '%s'", val);
                goto out;
            }
            o.time_limit_ns = (int64_t)(s * 1e9);
            if (o.time_limit_ns == 0)
                o.time_limit_ns = 1;
        } else if (fl_cli_opt_is(arg, "--memory-limit")) {
            int64_t mb;
            if (fl_parse_int64(val, 1, INT64_C(1) << 30, &mb, &err)) {
                ret = fl_cli_usage_error(usage_text, "--memory-limit: %s",
                                         err.msg);
                goto out;
            }
            o.memory_limit_bytes = (size_t)mb << 20;
        } else if (fl_cli_opt_is(arg, "--threads")) {
            int64_t t;
            if (fl_parse_int64(val, 1, 256, &t, &err)) {
                ret = fl_cli_usage_error(usage_text, "--threads: %s", err.msg);
                goto out;
            }
            o.threads = (int)t;
        } else {
            ret = fl_cli_opt_file(argc, argv, &i, files, &nfiles, usage_text);
            if (ret)
                goto out;
        }
    }
    o.model = model ? fl_model_find(model) : NULL;
    if (model && !o.model) {
        ret = fl_cli_usage_error(usage_text, "unknown model '%s'", model);
        goto out;
    }
    if (nfiles == 0) {
        ret = fl_cli_usage_error(usage_text, "no history file given");
        goto out;
    }
    /* Never run the machine out of memory: :unknown instead. */
    if (!o.memory_limit_bytes)
        o.memory_limit_bytes = fl_chk_default_memory_bytes();
    if (init) {
        if (fl_edn_parse_value(&a, init, strlen(init), "--init", &init_val,
                               &err)) {
            ret = fl_cli_usage_error(usage_text, "--init: %s", err.msg);
            goto out;
        }
        o.init = &init_val;
    }

    enum fl_verdict all = FL_VERDICT_TRUE;
    bool failed = false;
    for (int i = 0; i < nfiles; i++) {
        enum fl_verdict v = FL_VERDICT_TRUE;
        if (check_file(files[i], &o, o.independent, json, nfiles > 1, &v))
            failed = true;
        else
            all = fl_verdict_merge(all, v);
    }
    ret = failed ? FL_EXIT_USAGE : fl_verdict_exit_code(all);
out:
    free(files);
    fl_arena_release(&a);
    return ret;
}
