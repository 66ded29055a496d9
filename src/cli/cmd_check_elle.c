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
    "\n"
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
    if (rc < 0 && fl_cli_too_large(&err, json)) {
        *v = FL_VERDICT_UNKNOWN;
        rc = 0;
        goto out;
    }
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
    for (size_t i = 0; names && i < o->nmodels + o->nanomalies; i++)
        free(names[i]);
    free(names);
    fl_arena_release(&a);
    fl_hist_release(&h);
    return rc;
}

enum {
    O_MODELS = 1000,
    O_ANOMALIES,
    O_OUT,
    O_TIMEOUT,
    O_NO_RENDER,
    O_WFR,
    O_SEQUENTIAL,
    O_LINEARIZABLE,
    O_JSON,
};

static const struct option longopts[] = {
    FL_CLI_OPT_HELP,
    {"consistency-models", required_argument, NULL, O_MODELS},
    {"anomalies", required_argument, NULL, O_ANOMALIES},
    {"out", required_argument, NULL, O_OUT},
    {"cycle-search-timeout", required_argument, NULL, O_TIMEOUT},
    {"no-render", no_argument, NULL, O_NO_RENDER},
    {"wfr-keys", no_argument, NULL, O_WFR},
    {"sequential-keys", no_argument, NULL, O_SEQUENTIAL},
    {"linearizable-keys", no_argument, NULL, O_LINEARIZABLE},
    {"json", no_argument, NULL, O_JSON},
    FL_CLI_OPT_END,
};

struct elle_args {
    struct fl_elle_opts o;
    const char *models[64], *anoms[64];
    char *mbuf, *abuf; /* the split lists (owned) */
    bool json;
    bool given; /* an option of the analysis: test.edn's are not used */
};

/* One option into ea. Returns 0 or an exit code. */
static int
parse_one(const struct fl_cli_parser *p, int ch, struct elle_args *ea)
{
    int64_t ms;

    switch (ch) {
    case O_MODELS:
        ea->given = true;
        free(ea->mbuf);
        ea->mbuf = fl_xstrdup(optarg);
        ea->o.nmodels =
            split_names(ea->mbuf, ea->models, FL_ARRAY_SIZE(ea->models));
        ea->o.models = ea->models;
        return 0;
    case O_ANOMALIES:
        ea->given = true;
        free(ea->abuf);
        ea->abuf = fl_xstrdup(optarg);
        ea->o.nanomalies =
            split_names(ea->abuf, ea->anoms, FL_ARRAY_SIZE(ea->anoms));
        ea->o.anomalies = ea->anoms;
        return 0;
    case O_OUT:
        ea->o.out_dir = optarg;
        return 0;
    case O_TIMEOUT:
        ea->given = true;
        if (fl_cli_opt_int(p, 1, INT64_C(1) << 40, &ms) != 0)
            return FL_EXIT_USAGE;
        ea->o.cycle_search_timeout_ns = ms * 1000000;
        return 0;
    case O_NO_RENDER:
        ea->o.no_render = true;
        return 0;
    case O_WFR:
        ea->given = true;
        ea->o.wfr_keys = true;
        return 0;
    case O_SEQUENTIAL:
        ea->given = true;
        ea->o.sequential_keys = true;
        return 0;
    case O_LINEARIZABLE:
        ea->given = true;
        ea->o.linearizable_keys = true;
        return 0;
    case O_JSON:
        ea->json = true;
        return 0;
    default:
        FL_BUG("option %d not handled", ch);
    }
}

/* Every named model and anomaly must be known before any file is read. */
static int
check_names(const struct elle_args *ea)
{
    for (size_t i = 0; i < ea->o.nmodels; i++)
        if (!fl_elle_model_known(ea->models[i]))
            return fl_cli_usage_error(
                usage_text, "unknown consistency model '%s'", ea->models[i]);
    for (size_t i = 0; i < ea->o.nanomalies; i++)
        if (!fl_elle_anomaly_known(ea->anoms[i]))
            return fl_cli_usage_error(usage_text, "unknown anomaly type '%s'",
                                      ea->anoms[i]);
    return 0;
}

int
fl_cmd_check_elle(int argc, char **argv)
{
    struct fl_cli_parser p = {.usage = usage_text, .opts = longopts};
    struct elle_args ea;
    int ch, ret = 0;

    memset(&ea, 0, sizeof(ea));
    ea.o.workload = strcmp(argv[0], "rw-register") == 0 ? FL_ELLE_RW_REGISTER
                                                        : FL_ELLE_LIST_APPEND;
    while (ret == 0 && (ch = fl_cli_getopt(argc, argv, &p)) >= 0)
        ret = parse_one(&p, ch, &ea);
    if (ch == FL_CLI_OPT_EXIT)
        ret = p.exit_code;
    if (ret != 0 || ch == FL_CLI_OPT_EXIT)
        goto out;
    ret = check_names(&ea);
    if (ret)
        goto out;
    if (optind >= argc) {
        ret = fl_cli_usage_error(usage_text, "no history file given");
        goto out;
    }
    enum fl_verdict all = FL_VERDICT_TRUE;
    for (int i = optind; i < argc; i++) {
        enum fl_verdict v = FL_VERDICT_TRUE;
        int rc = check_file(argv[i], &ea.o, ea.given, ea.json, &v);
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
    free(ea.mbuf);
    free(ea.abuf);
    return ret;
}
