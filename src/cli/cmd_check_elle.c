/* SPDX-License-Identifier: MIT */
/*
 * cmd_check_elle.c: `faultline check list-append|rw-register`, the Elle
 * transactional checker (checker/elle/elle.h). argv[0] names the workload.
 * Each FILE is loaded, paired and checked; the result map is printed as
 * one EDN (or JSON) line per file and the exit code is the merged verdict.
 */
#include "util/common.h"

#include "cli/cli.h"
#include "cli/cli_opt.h"

#include "checker/elle/elle.h"
#include "history/hist.h"
#include "util/err.h"
#include "util/parse.h"

static const char usage_text[] =
    "usage: faultline check list-append|rw-register [options] FILE...\n"
    "\n"
    "Elle's analysis of a transactional history: infers version orders,\n"
    "builds the ww/wr/rw, process and real-time dependency graph and reports\n"
    "isolation anomalies and the weakest consistency models they rule out.\n"
    "\n"
    "  --consistency-models M,...  models to check (default\n"
    "                              strict-serializable; '' for none)\n"
    "  --anomalies A,...           anomaly types to prohibit as well\n"
    "  --cycle-search-timeout MS   per component and anomaly (default 1000)\n"
    "  --out DIR                   write <type>.txt and a .dot per cycle\n"
    "  --no-render                 do not run dot(1) on the .dot files\n"
    "  --wfr-keys                  rw-register: writes follow reads\n"
    "  --sequential-keys           rw-register: per-key process order\n"
    "  --linearizable-keys         rw-register: per-key real-time order\n"
    "  --json                      print JSON instead of EDN\n"
    "\n"
    "Without options of the analysis, a history beside a run's test.edn is\n"
    "checked with the options the run recorded (its :checker).\n"
    "Exit: 0 valid, 1 invalid, 2 unknown, 254 bad arguments or input.\n";

/* Split a comma list in place into out (at most max names). */
static size_t
split_names(char *s, const char **out, size_t max)
{
    size_t n = 0;
    for (char *p = s; p && *p && n < max;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        if (*p == ':')
            p++;
        if (*p)
            out[n++] = p;
        p = comma ? comma + 1 : NULL;
    }
    return n;
}

/*
 * Options the run recorded in test.edn beside path, for a command line
 * that gave no Elle options of its own. *names is freed by the caller.
 */
static int
recorded_elle_opts(const char *path, struct fl_elle_opts *o, bool given,
                   char ***names, struct fl_arena *a, struct fl_err *err)
{
    const char *kind =
        o->workload == FL_ELLE_RW_REGISTER ? "rw-register" : "list-append";
    const fl_val *rec = given ? NULL : fl_cli_recorded_options(path, kind, a);
    struct fl_elle_opts r = *o;

    if (!rec)
        return 0;
    int rc = fl_elle_opts_from_val(&r, rec, names, err);
    if (rc == 0) {
        r.out_dir = o->out_dir;
        r.no_render = o->no_render;
        *o = r;
    }
    return rc;
}

static int
check_file(const char *path, const struct fl_elle_opts *opts, bool given,
           bool json, enum fl_verdict *v)
{
    struct fl_elle_opts lo = *opts, *o = &lo;
    struct fl_hist h;
    struct fl_arena a;
    struct fl_err err = FL_ERR_INIT;
    struct fl_chk_result res;
    size_t nwarn = 0;
    char **names = NULL;
    int rc;

    fl_hist_init(&h);
    fl_arena_init(&a, 0);
    rc = recorded_elle_opts(path, o, given, &names, &a, &err);
    if (rc == 0)
        rc = fl_hist_load(path, FL_HIST_AUTO, &h, &err);
    if (rc == 0)
        rc = fl_hist_pair(&h, stderr, &nwarn, &err);
    if (rc == 0)
        rc = fl_elle_check(&h, o, &a, &res, &err);
    if (rc) {
        fprintf(stderr, "faultline: %s\n", err.msg);
        goto out;
    }
    fl_cli_print_val(&res.map, json);
    *v = res.valid;
out:
    free(names);
    fl_arena_release(&a);
    fl_hist_release(&h);
    return rc;
}

int
fl_cmd_check_elle(int argc, char **argv)
{
    struct fl_elle_opts o;
    struct fl_err err = FL_ERR_INIT;
    const char *models[64], *anoms[64];
    char *mbuf = NULL, *abuf = NULL;
    bool json = false, given = false;
    int nfiles = 0, ret = FL_EXIT_USAGE;
    char **files = fl_xcalloc((size_t)argc + 1, sizeof(*files));

    memset(&o, 0, sizeof(o));
    o.workload = strcmp(argv[0], "rw-register") == 0 ? FL_ELLE_RW_REGISTER
                                                     : FL_ELLE_LIST_APPEND;
    if (fl_cli_wants_help(argc, argv, usage_text)) {
        ret = 0;
        goto out;
    }
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *val = NULL;
        bool takes = fl_cli_opt_is(arg, "--consistency-models") ||
                     fl_cli_opt_is(arg, "--anomalies") ||
                     fl_cli_opt_is(arg, "--out") ||
                     fl_cli_opt_is(arg, "--cycle-search-timeout");
        if (takes) {
            ret = fl_cli_opt_need(argc, argv, &i, usage_text, &val);
            if (ret)
                goto out;
        }
        if (fl_cli_opt_is(arg, "--consistency-models")) {
            given = true;
            free(mbuf);
            mbuf = fl_xstrdup(val);
            o.nmodels = split_names(mbuf, models, FL_ARRAY_SIZE(models));
            o.models = models;
        } else if (fl_cli_opt_is(arg, "--anomalies")) {
            given = true;
            free(abuf);
            abuf = fl_xstrdup(val);
            o.nanomalies = split_names(abuf, anoms, FL_ARRAY_SIZE(anoms));
            o.anomalies = anoms;
        } else if (fl_cli_opt_is(arg, "--out")) {
            o.out_dir = val;
        } else if (fl_cli_opt_is(arg, "--cycle-search-timeout")) {
            given = true;
            int64_t ms;
            if (fl_parse_int64(val, 1, INT64_C(1) << 40, &ms, &err)) {
                ret = fl_cli_usage_error(usage_text,
                                         "--cycle-search-timeout: %s", err.msg);
                goto out;
            }
            o.cycle_search_timeout_ns = ms * 1000000;
        } else if (strcmp(arg, "--no-render") == 0) {
            o.no_render = true;
        } else if (strcmp(arg, "--wfr-keys") == 0) {
            given = true;
            o.wfr_keys = true;
        } else if (strcmp(arg, "--sequential-keys") == 0) {
            given = true;
            o.sequential_keys = true;
        } else if (strcmp(arg, "--linearizable-keys") == 0) {
            given = true;
            o.linearizable_keys = true;
        } else if (strcmp(arg, "--json") == 0) {
            json = true;
        } else {
            ret = fl_cli_opt_file(argc, argv, &i, files, &nfiles, usage_text);
            if (ret)
                goto out;
        }
    }
    for (size_t i = 0; i < o.nmodels; i++)
        if (!fl_elle_model_known(models[i])) {
            ret = fl_cli_usage_error(
                usage_text, "unknown consistency model '%s'", models[i]);
            goto out;
        }
    for (size_t i = 0; i < o.nanomalies; i++)
        if (!fl_elle_anomaly_known(anoms[i])) {
            ret = fl_cli_usage_error(usage_text, "unknown anomaly type '%s'",
                                     anoms[i]);
            goto out;
        }
    if (nfiles == 0) {
        ret = fl_cli_usage_error(usage_text, "no history file given");
        goto out;
    }
    enum fl_verdict all = FL_VERDICT_TRUE;
    for (int i = 0; i < nfiles; i++) {
        enum fl_verdict v = FL_VERDICT_TRUE;
        int rc = check_file(files[i], &o, given, json, &v);
        if (rc) {
            ret = rc == FL_EPARSE || rc == FL_EMODEL || rc == FL_EUSAGE ||
                          rc == -ENOENT || rc == -EISDIR || rc == -EACCES
                      ? FL_EXIT_USAGE
                      : FL_EXIT_FAILED;
            goto out;
        }
        all = fl_verdict_merge(all, v);
    }
    ret = fl_verdict_exit_code(all);
out:
    free(mbuf);
    free(abuf);
    free(files);
    return ret;
}
