/* SPDX-License-Identifier: MIT */
/*
 * cmd_check_kinds.c: `faultline check KIND [options] FILE...` for the
 * checkers of checker/registry.h (set, set-full, counter, bank, queue,
 * total-queue, unique-ids, long-fork, stats, exceptions, perf,
 * log-file-pattern) and `check timeline`. The command turns its flags into
 * the checker's EDN options, on top of the options the run recorded in
 * test.edn when the history sits in a store directory, loads and pairs
 * each file, runs the checker and prints one result map per file. perf and
 * timeline also write their pictures (report/) into --out.
 */
#include "util/common.h"

#include "cli/cli.h"
#include "cli/cli_opt.h"

#include <sys/stat.h>

#include "checker/registry.h"
#include "checker/workloads.h"
#include "history/edn.h"
#include "history/hist.h"
#include "report/report.h"
#include "util/arena.h"
#include "util/err.h"
#include "util/strbuf.h"

static const char usage_fmt[] =
    "usage: faultline check %s [options] %s...\n"
    "\n"
    "%s\n"
    "\n"
    "%s"
    "  --options EDN       checker options as an EDN map ({:total 100})\n"
    "  --out DIR           write artifacts (plots, pictures) into DIR\n"
    "  --json              print JSON instead of EDN\n"
    "\n"
    "A history in a store directory (beside its test.edn) is checked with\n"
    "the options the run recorded for this checker; flags override them.\n"
    "\n"
    "Exit: 0 valid, 1 invalid, 2 unknown, 254 bad arguments or input.\n";

/* A flag of one kind: --flag [ARG] sets option key (int, string or true). */
struct kflag {
    const char *kind, *flag, *key;
    char type; /* 'i' integer, 's' string, 'b' boolean, 'n' repeated string */
    const char *help;
};

static const struct kflag kflags[] = {
    {"set-full", "--linearizable", "linearizable?", 'b',
     "stale reads are failures too"},
    {"bank", "--total", "total", 'i',
     "the total of all accounts (default: "
     "the sum most reads agree on)"},
    {"bank", "--accounts", "accounts", 'i',
     "accounts 0..N-1 (default: the keys of the first read)"},
    {"bank", "--negative-ok", "negative-balances?", 'b',
     "negative balances are allowed"},
    {"queue", "--model", "model", 's',
     "unordered-queue (default) or fifo-queue"},
    {"long-fork", "--group-size", "group-size", 'i',
     "keys per read (default: any, same keys per group)"},
    {"log-file-pattern", "--pattern", "pattern", 's',
     "POSIX extended regex, e.g. 'panic|fatal' (required)"},
    {"log-file-pattern", "--file", "file", 's',
     "only this file of each node directory (default: all)"},
    {"log-file-pattern", "--node", "nodes", 'n',
     "only this node directory (repeatable; default: all)"},
};

static void
usage_of(const char *kind, const char *summary, struct fl_strbuf *sb)
{
    struct fl_strbuf fl = FL_STRBUF_INIT;
    bool dirs = strcmp(kind, "log-file-pattern") == 0;

    for (size_t i = 0; i < FL_ARRAY_SIZE(kflags); i++) {
        if (strcmp(kflags[i].kind, kind) != 0)
            continue;
        char left[40];
        snprintf(left, sizeof(left), "%s%s", kflags[i].flag,
                 kflags[i].type == 'b' ? "" : " X");
        fl_strbuf_addf(&fl, "  %-19s %s\n", left, kflags[i].help);
    }
    fl_strbuf_addf(sb, usage_fmt, kind, dirs ? "STORE-DIR" : "FILE", summary,
                   fl.buf);
    fl_strbuf_release(&fl);
}

struct copts {
    const char *kind;
    const char *usage;
    const char *out_dir;
    bool json;
    fl_val flags;      /* options from flags (a map in a) */
    const fl_val *edn; /* --options, or NULL */
    struct fl_arena *a;
};

/* Add key -> v to the map m (replacing), in a. */
static fl_val
map_assoc(struct fl_arena *a, const fl_val *m, const char *key, fl_val v)
{
    uint32_t id = fl_kw_intern_cstr(key);
    size_t n = m && m->kind == FL_V_MAP ? m->n : 0;
    fl_val *items = fl_xcalloc(2 * (n + 1), sizeof(*items));
    size_t k = 0;

    for (size_t i = 0; i < n; i++) {
        if (fl_val_is_kw(&m->u.items[2 * i], id))
            continue;
        items[2 * k] = m->u.items[2 * i];
        items[2 * k + 1] = m->u.items[2 * i + 1];
        k++;
    }
    items[2 * k] = fl_val_kw(id);
    items[2 * k + 1] = v;
    fl_val out = fl_val_map(a, items, k + 1);
    free(items);
    return out;
}

/* Every entry of over assoc'ed onto base. */
static fl_val
map_merge(struct fl_arena *a, const fl_val *base, const fl_val *over)
{
    fl_val m = base && base->kind == FL_V_MAP ? *base : fl_val_map(a, NULL, 0);

    for (uint32_t i = 0; over && over->kind == FL_V_MAP && i < over->n; i++)
        if (over->u.items[2 * i].kind == FL_V_KW)
            m = map_assoc(a, &m, fl_kw_name(over->u.items[2 * i].u.id),
                          over->u.items[2 * i + 1]);
    return m;
}

/* Kind flag f with optarg into o->flags. Returns 0 or an exit code. */
static int
take_flag(struct copts *o, const struct fl_cli_parser *p, const struct kflag *f)
{
    const char *val = optarg;
    fl_val v;

    if (f->type == 'b') {
        v = fl_val_bool(true);
    } else if (f->type == 'i') {
        int64_t i;
        if (fl_cli_opt_int(p, INT64_MIN + 1, INT64_MAX, &i) != 0)
            return FL_EXIT_USAGE;
        v = fl_val_int(i);
    } else if (f->type == 'n') {
        const fl_val *old =
            fl_val_map_get_kw(&o->flags, fl_kw_intern_cstr(f->key));
        size_t n = old ? old->n : 0;
        fl_val *items = fl_xcalloc(n + 1, sizeof(*items));
        for (size_t i = 0; i < n; i++)
            items[i] = old->u.items[i];
        items[n] = fl_val_str(o->a, val, strlen(val));
        v = fl_val_coll(o->a, FL_V_VEC, items, n + 1);
        free(items);
    } else {
        v = fl_val_str(o->a, val, strlen(val));
    }
    o->flags = map_assoc(o->a, &o->flags, f->key, v);
    return 0;
}

static int
exit_for(int rc)
{
    return rc == FL_EPARSE || rc == FL_EMODEL || rc == FL_EUSAGE ||
                   rc == -ENOENT || rc == -EISDIR || rc == -EACCES ||
                   rc == -ENOTDIR
               ? FL_EXIT_USAGE
               : FL_EXIT_FAILED;
}

static void
print_result(const struct copts *o, const char *path, bool with_name, fl_val m)
{
    if (with_name) {
        fl_val items[2] = {fl_val_kw(fl_kw_intern_cstr("file")),
                           fl_val_str(o->a, path, strlen(path))};
        fl_val f = fl_val_map(o->a, items, 1);
        m = map_merge(o->a, &f, &m);
    }
    fl_cli_print_val(&m, o->json);
}

/* The pictures of perf and timeline, into out. */
static int
write_pictures(const struct copts *o, const char *out, const struct fl_hist *h,
               struct fl_err *err)
{
    if (!out)
        return 0;
    if (mkdir(out, 0755) < 0 && errno != EEXIST)
        return fl_err_set(err, -errno, "%s: %s", out, strerror(errno));
    if (strcmp(o->kind, "timeline") == 0) {
        char *p = fl_xasprintf("%s/timeline.html", out);
        int rc = fl_report_timeline(p, h, h->name, err);
        free(p);
        return rc;
    }
    bool rendered = false;
    int rc = fl_report_plots(out, h, &rendered, err);
    if (rc == 0 && !rendered)
        fprintf(stderr, "faultline: no gnuplot: plots not rendered\n");
    return rc;
}

/* timeline: not a checker; always valid once written. */
static int
timeline_result(const struct copts *o, const char *out, const struct fl_hist *h,
                struct fl_chk_result *res, struct fl_err *err)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;
    int rc;

    if (!out)
        return fl_err_set(err, FL_EUSAGE, "timeline needs --out DIR");
    rc = write_pictures(o, out, h, err);
    if (rc)
        return rc;
    fl_strbuf_addf(&sb, "%s/timeline.html", out);
    fl_val items[6] = {fl_val_kw(FL_KW_VALID),
                       fl_val_bool(true),
                       fl_val_kw(fl_kw_intern_cstr("ops")),
                       fl_val_int((int64_t)h->n),
                       fl_val_kw(fl_kw_intern_cstr("timeline")),
                       fl_val_str(o->a, sb.buf, sb.len)};
    res->map = fl_val_map(o->a, items, 3);
    res->valid = FL_VERDICT_TRUE;
    fl_strbuf_release(&sb);
    return 0;
}

/*
 * Where a file's artifacts go: --out itself for one file, DIR/<file name
 * without its extension> for several (caller frees; NULL without --out).
 */
static char *
out_dir_for(const struct copts *o, const char *path, bool several)
{
    if (!o->out_dir)
        return NULL;
    if (!several)
        return fl_xstrdup(o->out_dir);
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    const char *dot = strrchr(base, '.');
    size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    if (mkdir(o->out_dir, 0755) < 0 && errno != EEXIST)
        fprintf(stderr, "faultline: %s: %s\n", o->out_dir, strerror(errno));
    return fl_xasprintf("%s/%.*s", o->out_dir, (int)n, base);
}

/*
 * Build the kind's checker from test.edn's options under --options under
 * the flags, and run it on h (perf also draws its plots into out). The
 * checker is returned in *cp, to be freed once the result is printed.
 */
static int
run_checker(const struct copts *o, const char *path, const char *out,
            const struct fl_hist *h, const struct fl_chk_opts *co,
            struct fl_chk_result *res, struct fl_checker **cp,
            struct fl_err *err)
{
    bool logs = strcmp(o->kind, "log-file-pattern") == 0;
    /* A store dir's test.edn is inside it, a history's beside it. */
    char *beside =
        logs ? fl_xasprintf("%s/history.edn", path) : fl_xstrdup(path);
    const fl_val *rec = fl_cli_recorded_options(beside, o->kind, o->a);
    fl_val opts = map_merge(o->a, rec, o->edn);
    struct fl_checker *c;
    int rc;

    free(beside);
    opts = map_merge(o->a, &opts, &o->flags);
    c = fl_chk_kind_find(o->kind)->build(&opts, err);
    rc = c ? fl_chk_run(c, h, co, o->a, res, err) : FL_EUSAGE;
    *cp = c;
    /* Plots never decide the verdict: a plot that fails is a warning. */
    struct fl_err perr = FL_ERR_INIT;
    if (rc == 0 && strcmp(o->kind, "perf") == 0 &&
        write_pictures(o, out, h, &perr) < 0)
        fprintf(stderr, "faultline: warning: plots: %s\n", perr.msg);
    return rc;
}

static int
check_one(const struct copts *o, const char *path, bool with_name,
          enum fl_verdict *v)
{
    char *out = out_dir_for(o, path, with_name);
    bool logs = strcmp(o->kind, "log-file-pattern") == 0;
    struct fl_err err = FL_ERR_INIT;
    struct fl_checker *c = NULL;
    struct fl_chk_result res;
    struct fl_chk_opts co;
    struct fl_hist h;
    size_t nwarn = 0;
    int rc = 0;

    fl_hist_init(&h);
    memset(&co, 0, sizeof(co));
    co.out_dir = logs ? path : out;
    if (!logs) {
        rc = fl_hist_load(path, FL_HIST_AUTO, &h, &err);
        if (rc < 0 && fl_cli_too_large(&err, o->json)) {
            *v = FL_VERDICT_UNKNOWN;
            rc = 0;
            goto out;
        }
        if (rc == 0)
            rc = fl_hist_pair(&h, stderr, &nwarn, &err);
    }
    if (rc == 0 && strcmp(o->kind, "timeline") == 0) {
        rc = timeline_result(o, out, &h, &res, &err);
    } else if (rc == 0) {
        rc = run_checker(o, path, out, &h, &co, &res, &c, &err);
    }
    if (rc) {
        fprintf(stderr, "faultline: %s\n", err.msg);
        goto out;
    }
    print_result(o, path, with_name, res.map);
    *v = res.valid;
out:
    free(out);
    fl_chk_free(c);
    fl_hist_release(&h);
    return rc;
}

enum { O_OPTIONS = 1000, O_OUT, O_JSON, O_KFLAG = 1100 };

/* The options of every kind, then kind's own flags (vals O_KFLAG + i). */
static void
options_of(const char *kind, struct option *opts)
{
    static const struct option common[] = {
        FL_CLI_OPT_HELP,
        {"options", required_argument, NULL, O_OPTIONS},
        {"out", required_argument, NULL, O_OUT},
        {"json", no_argument, NULL, O_JSON},
    };
    size_t n = 0;

    for (size_t i = 0; i < FL_ARRAY_SIZE(common); i++)
        opts[n++] = common[i];
    for (size_t i = 0; i < FL_ARRAY_SIZE(kflags); i++)
        if (strcmp(kflags[i].kind, kind) == 0)
            opts[n++] = (struct option){
                kflags[i].flag + 2, /* without "--" */
                kflags[i].type == 'b' ? no_argument : required_argument, NULL,
                O_KFLAG + (int)i};
    opts[n] = (struct option)FL_CLI_OPT_END;
}

/* One option into o. Returns 0 or an exit code. */
static int
parse_one(const struct fl_cli_parser *p, int ch, struct copts *o)
{
    struct fl_err err = FL_ERR_INIT;
    fl_val *m;

    switch (ch) {
    case O_OUT:
        o->out_dir = optarg;
        return 0;
    case O_JSON:
        o->json = true;
        return 0;
    case O_OPTIONS:
        m = fl_arena_alloc(o->a, sizeof(*m));
        if (fl_edn_parse_value(o->a, optarg, strlen(optarg), "--options", m,
                               &err) ||
            m->kind != FL_V_MAP)
            return fl_cli_bad_value(p, "%s",
                                    err.code ? err.msg : "not an EDN map");
        o->edn = m;
        return 0;
    default:
        if (ch < O_KFLAG || ch >= O_KFLAG + (int)FL_ARRAY_SIZE(kflags))
            FL_BUG("option %d not handled", ch);
        return take_flag(o, p, &kflags[ch - O_KFLAG]);
    }
}

/*
 * Parse argv's options into o; the files are argv[optind..]. Returns
 * false when the command is done (--help, a bad option: *ret says how).
 */
static bool
parse_args(int argc, char **argv, struct copts *o, int *ret)
{
    struct option opts[FL_ARRAY_SIZE(kflags) + 5];
    struct fl_cli_parser p = {.usage = o->usage, .opts = opts};
    int ch;

    options_of(o->kind, opts);
    *ret = 0;
    while (*ret == 0 && (ch = fl_cli_getopt(argc, argv, &p)) >= 0)
        *ret = parse_one(&p, ch, o);
    if (ch == FL_CLI_OPT_EXIT)
        *ret = p.exit_code;
    if (*ret != 0 || ch == FL_CLI_OPT_EXIT)
        return false;
    if (optind >= argc) {
        *ret = fl_cli_usage_error(o->usage, "no %s given",
                                  strcmp(o->kind, "log-file-pattern") == 0
                                      ? "store directory"
                                      : "history file");
        return false;
    }
    return true;
}

int
fl_cmd_check_kind(int argc, char **argv)
{
    const struct fl_chk_kind *kind = fl_chk_kind_find(argv[0]);
    struct fl_strbuf usage = FL_STRBUF_INIT;
    struct fl_arena a;
    struct copts o;
    int ret;

    fl_arena_init(&a, 4096);
    memset(&o, 0, sizeof(o));
    o.kind = argv[0];
    o.a = &a;
    o.flags = fl_val_map(&a, NULL, 0);
    usage_of(o.kind,
             kind ? kind->summary
                  : "writes DIR/timeline.html (one column per process) for "
                    "any history",
             &usage);
    o.usage = usage.buf;
    if (!parse_args(argc, argv, &o, &ret))
        goto out;
    enum fl_verdict all = FL_VERDICT_TRUE;
    int nfiles = argc - optind;
    for (int i = optind; i < argc; i++) {
        enum fl_verdict v = FL_VERDICT_TRUE;
        int rc = check_one(&o, argv[i], nfiles > 1, &v);
        if (rc) {
            ret = exit_for(rc);
            goto out;
        }
        all = fl_verdict_merge(all, v);
    }
    ret = fl_verdict_exit_code(all);
out:
    fl_strbuf_release(&usage);
    fl_arena_release(&a);
    return ret;
}
