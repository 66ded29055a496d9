/* SPDX-License-Identifier: MIT */
/*
 * cmd_shrink.c: `faultline shrink --checker KIND [options] FILE`, a thin
 * client of checker/shrink.h. The checker is built by checker/registry.h
 * from the options the run recorded in test.edn beside FILE, under
 * --options, under the flags (the flags of `faultline check KIND`, turned
 * into the registry's option keys). The minimal history goes to stdout as
 * EDN (or --out FILE); its size against the original, the anomaly type
 * kept and the checker's result for it go to stderr. `analyze --shrink`
 * calls fl_cli_shrink() with the run's own checker.
 */
#include "util/common.h"

#include "cli/cli.h"
#include "cli/cli_opt.h"

#include "checker/registry.h"
#include "checker/shrink.h"
#include "checker/workloads.h"
#include "history/edn.h"
#include "util/arena.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/parse.h"
#include "util/strbuf.h"

static const char usage_text[] =
    "usage: faultline shrink --checker KIND [options] FILE\n"
    "\n"
    "Reduce a history that KIND finds invalid to a small one that KIND\n"
    "finds invalid with the same anomaly type (delta debugging: nemesis\n"
    "ops, then keys, processes and single operations; invocations stay\n"
    "paired and :index is renumbered). The minimal history is written as\n"
    "EDN to stdout (or --out FILE); sizes and the checker's result for it\n"
    "go to stderr.\n"
    "\n"
    "  --checker KIND              any kind of `faultline check`\n"
    "  --time-limit S              bound the whole search (default 60s);\n"
    "                              the smallest failure so far is kept\n"
    "  --out FILE                  write the minimal history to FILE\n"
    "  --options EDN               the checker's options as an EDN map\n"
    "checker options, as `faultline check KIND` takes them:\n"
    "  --model M --init EDN --independent --memory-limit MB\n"
    "                              linearizable\n"
    "  --consistency-models M,... --anomalies A,...\n"
    "  --cycle-search-timeout MS   list-append, rw-register\n"
    "  --linearizable              set-full\n"
    "  --total N --accounts N --negative-ok   bank\n"
    "  --group-size N              long-fork\n"
    "\n"
    "A history beside a run's test.edn is checked with the options the run\n"
    "recorded for KIND; flags override them.\n"
    "Exit: 1 when a smaller failing history was written (the anomaly\n"
    "holds), 254 bad arguments or input or a history that is not invalid,\n"
    "255 faultline failed.\n";

/* A flag that becomes a checker option: 's' string, 'i' integer, 'b'
   true, 'k' comma list of keywords, 'e' an EDN value. */
struct sflag {
    const char *flag, *key;
    char type;
};

static const struct sflag sflags[] = {
    {"model", "model", 's'},
    {"init", "init", 'e'},
    {"independent", "independent?", 'b'},
    {"memory-limit", "memory-limit-mb", 'i'},
    {"consistency-models", "consistency-models", 'k'},
    {"anomalies", "anomalies", 'k'},
    {"cycle-search-timeout", "cycle-search-timeout", 'i'},
    {"linearizable", "linearizable?", 'b'},
    {"total", "total", 'i'},
    {"accounts", "accounts", 'i'},
    {"negative-ok", "negative-balances?", 'b'},
    {"group-size", "group-size", 'i'},
    {"wfr-keys", "wfr-keys?", 'b'},
    {"sequential-keys", "sequential-keys?", 'b'},
    {"linearizable-keys", "linearizable-keys?", 'b'},
};

enum {
    O_CHECKER = 1000,
    O_TIME_LIMIT,
    O_OUT,
    O_OPTIONS,
    O_FLAG = 1100, /* + index into sflags */
};

struct sargs {
    const char *kind, *out;
    int64_t time_limit_ns;
    const fl_val *edn; /* --options, or NULL */
    fl_val flags;      /* options from flags */
    struct fl_arena *a;
};

/* key -> v onto the map m (replacing), in a. */
static fl_val
assoc(struct fl_arena *a, const fl_val *m, uint32_t key, fl_val v)
{
    size_t n = m && m->kind == FL_V_MAP ? m->n : 0, k = 0;
    fl_val *items = fl_xcalloc(2 * (n + 1), sizeof(*items));

    for (size_t i = 0; i < n; i++) {
        if (fl_val_is_kw(&m->u.items[2 * i], key))
            continue;
        items[2 * k] = m->u.items[2 * i];
        items[2 * k + 1] = m->u.items[2 * i + 1];
        k++;
    }
    items[2 * k] = fl_val_kw(key);
    items[2 * k + 1] = v;
    fl_val out = fl_val_map(a, items, k + 1);
    free(items);
    return out;
}

/* over's entries onto base. */
static fl_val
merge(struct fl_arena *a, const fl_val *base, const fl_val *over)
{
    fl_val m = base && base->kind == FL_V_MAP ? *base : fl_val_map(a, NULL, 0);

    for (uint32_t i = 0; over && over->kind == FL_V_MAP && i < over->n; i++)
        if (over->u.items[2 * i].kind == FL_V_KW)
            m = assoc(a, &m, over->u.items[2 * i].u.id,
                      over->u.items[2 * i + 1]);
    return m;
}

/* "a,b,:c" as a vector of keywords. */
static fl_val
kw_list(struct fl_arena *a, const char *s)
{
    fl_val items[64];
    size_t n = 0;

    while (*s && n < FL_ARRAY_SIZE(items)) {
        const char *end = strchr(s, ',');
        size_t len = end ? (size_t)(end - s) : strlen(s);
        const char *p = *s == ':' ? s + 1 : s;
        size_t plen = *s == ':' ? len - 1 : len;
        if (plen)
            items[n++] = fl_val_kw(fl_kw_intern(p, plen));
        s += len + (end ? 1 : 0);
    }
    return fl_val_coll(a, FL_V_VEC, items, n);
}

static int
take_flag(const struct fl_cli_parser *p, struct sargs *sa,
          const struct sflag *f)
{
    struct fl_err err = FL_ERR_INIT;
    fl_val v;
    int64_t i;

    switch (f->type) {
    case 'b':
        v = fl_val_bool(true);
        break;
    case 'i':
        if (fl_cli_opt_int(p, INT64_MIN + 1, INT64_MAX, &i))
            return FL_EXIT_USAGE;
        v = fl_val_int(i);
        break;
    case 'k':
        v = kw_list(sa->a, optarg);
        break;
    case 'e':
        if (fl_edn_parse_value(sa->a, optarg, strlen(optarg), p->opt, &v, &err))
            return fl_cli_bad_value(p, "%s", err.msg);
        break;
    default:
        v = fl_val_str(sa->a, optarg, strlen(optarg));
    }
    sa->flags = assoc(sa->a, &sa->flags, fl_kw_intern_cstr(f->key), v);
    return 0;
}

static int
parse_one(const struct fl_cli_parser *p, int ch, struct sargs *sa)
{
    struct fl_err err = FL_ERR_INIT;

    if (ch >= O_FLAG && ch < O_FLAG + (int)FL_ARRAY_SIZE(sflags))
        return take_flag(p, sa, &sflags[ch - O_FLAG]);
    switch (ch) {
    case O_CHECKER:
        sa->kind = optarg;
        return 0;
    case O_OUT:
        sa->out = optarg;
        return 0;
    case O_TIME_LIMIT:
        return fl_cli_opt_duration(p, &sa->time_limit_ns);
    case O_OPTIONS: {
        fl_val *m = fl_arena_alloc(sa->a, sizeof(*m));
        if (fl_edn_parse_value(sa->a, optarg, strlen(optarg), "--options", m,
                               &err) ||
            m->kind != FL_V_MAP)
            return fl_cli_bad_value(p, "%s",
                                    err.code ? err.msg : "not an EDN map");
        sa->edn = m;
        return 0;
    }
    default:
        FL_BUG("option %d not handled", ch);
    }
    return 0;
}

/* Write the minimal history to path (or stdout). */
static int
write_hist(const char *path, const struct fl_hist *h, struct fl_err *err)
{
    FILE *f = path ? fopen(path, "w") : stdout;
    int rc;

    if (!f)
        return fl_err_set(err, -errno, "%s: %s", path, strerror(errno));
    rc = fl_edn_write_hist(f, h, err);
    if (path && fclose(f) != 0 && rc == 0)
        rc = fl_err_set(err, -errno, "%s: %s", path, strerror(errno));
    if (!path)
        fflush(stdout);
    return rc;
}

static void
report(const char *path, const struct fl_shrink_result *r, int64_t took_ns)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;

    fprintf(stderr,
            "faultline shrink: %s: %zu ops -> %zu ops (%zu checks, %.1f s%s); "
            "anomaly :%s\n",
            path, r->orig_ops, r->ops, r->checks, (double)took_ns / 1e9,
            r->timed_out ? ", time limit reached" : "", fl_kw_name(r->anomaly));
    fl_val_print_edn(&sb, &r->check.map);
    fprintf(stderr, "faultline shrink: the checker says: %s\n", sb.buf);
    fl_strbuf_release(&sb);
}

int
fl_cli_shrink(const struct fl_checker *c, const char *path, const char *out,
              int64_t time_limit_ns)
{
    struct fl_shrink_opts so = {.time_limit_ns = time_limit_ns};
    struct fl_err err = FL_ERR_INIT;
    struct fl_shrink_result r;
    struct fl_hist h;
    struct fl_arena a;
    int64_t t0 = fl_clock_mono_ns();
    int rc;

    fl_hist_init(&h);
    fl_hist_init(&r.hist);
    fl_arena_init(&a, 0);
    rc = fl_hist_load(path, FL_HIST_AUTO, &h, &err);
    if (rc == 0)
        rc = fl_hist_pair(&h, stderr, NULL, &err);
    if (rc == 0)
        rc = fl_shrink(c, &h, &so, &a, &r, &err);
    if (rc == 0)
        rc = write_hist(out, &r.hist, &err);
    if (rc < 0) {
        fprintf(stderr, "faultline shrink: %s\n", err.msg);
        rc = rc == -ENOENT || rc == -EACCES || rc == -EISDIR ||
                     rc == FL_EPARSE || rc == FL_EUSAGE || rc == FL_EMODEL
                 ? FL_EXIT_USAGE
                 : FL_EXIT_FAILED;
        goto out;
    }
    report(path, &r, fl_clock_mono_ns() - t0);
    rc = fl_verdict_exit_code(r.check.valid);
out:
    fl_arena_release(&a);
    fl_hist_release(&r.hist);
    fl_hist_release(&h);
    return rc;
}

/* The getopt table: fixed options, then one entry per sflags flag. */
static struct option *
make_longopts(void)
{
    static const struct option fixed[] = {
        FL_CLI_OPT_HELP,
        {"checker", required_argument, NULL, O_CHECKER},
        {"time-limit", required_argument, NULL, O_TIME_LIMIT},
        {"out", required_argument, NULL, O_OUT},
        {"options", required_argument, NULL, O_OPTIONS},
    };
    size_t nf = FL_ARRAY_SIZE(fixed), n = nf + FL_ARRAY_SIZE(sflags);
    struct option *o = fl_xcalloc(n + 1, sizeof(*o));

    memcpy(o, fixed, sizeof(fixed));
    for (size_t i = 0; i < FL_ARRAY_SIZE(sflags); i++) {
        o[nf + i].name = sflags[i].flag;
        o[nf + i].has_arg =
            sflags[i].type == 'b' ? no_argument : required_argument;
        o[nf + i].val = O_FLAG + (int)i;
    }
    return o;
}

/* The checker: test.edn's options under --options under the flags. */
static struct fl_checker *
build_checker(const struct sargs *sa, const char *path, struct fl_err *err)
{
    const struct fl_chk_kind *k = fl_chk_kind_find(sa->kind);
    const fl_val *rec = fl_cli_recorded_options(path, sa->kind, sa->a);
    fl_val opts = merge(sa->a, rec, sa->edn);

    opts = merge(sa->a, &opts, &sa->flags);
    return k->build(&opts, err);
}

int
fl_cmd_shrink(int argc, char **argv)
{
    struct option *longopts = make_longopts();
    struct fl_cli_parser p = {.usage = usage_text, .opts = longopts};
    struct fl_err err = FL_ERR_INIT;
    struct fl_checker *c = NULL;
    struct fl_arena a;
    struct sargs sa = {.time_limit_ns = 60 * INT64_C(1000000000), .a = &a};
    int ch, ret = 0;

    fl_arena_init(&a, 0);
    sa.flags = fl_val_map(&a, NULL, 0);
    while (ret == 0 && (ch = fl_cli_getopt(argc, argv, &p)) >= 0)
        ret = parse_one(&p, ch, &sa);
    if (ch == FL_CLI_OPT_EXIT)
        ret = p.exit_code;
    if (ret != 0 || ch == FL_CLI_OPT_EXIT)
        goto out;
    if (!sa.kind || !fl_chk_kind_find(sa.kind)) {
        ret = sa.kind ? fl_cli_usage_error(
                            usage_text, "--checker: unknown kind '%s'", sa.kind)
                      : fl_cli_usage_error(usage_text, "--checker is required");
        goto out;
    }
    if (optind + 1 != argc) {
        ret = fl_cli_usage_error(usage_text, "give one history file");
        goto out;
    }
    c = build_checker(&sa, argv[optind], &err);
    if (!c) {
        ret = fl_cli_usage_error(usage_text, "%s", err.msg);
        goto out;
    }
    ret = fl_cli_shrink(c, argv[optind], sa.out, sa.time_limit_ns);
out:
    fl_chk_free(c);
    fl_arena_release(&a);
    free(longopts);
    return ret;
}
