/* SPDX-License-Identifier: MIT */
/*
 * cmd_history.c: `faultline history stats FILE` summarises a history (ops by
 * type and by :f, processes, time span, open invocations, pairing
 * warnings) and `faultline history convert --to edn|json|txt FILE` rewrites
 * it in another format. Bad input exits 254 with file:line:col.
 */
#include "util/common.h"

#include "cli/cli.h"
#include "cli/cli_opt.h"

#include <unistd.h>

#include "history/edn.h"
#include "history/hist.h"
#include "history/json.h"
#include "util/err.h"
#include "util/map.h"

static const char history_usage[] =
    "usage: faultline history stats [--from edn|json] FILE\n"
    "       faultline history convert --to edn|json|txt [--from edn|json]\n"
    "                                 [-o|--output OUT] FILE\n"
    "\n"
    "stats    print op counts by type and :f, processes, time span, open\n"
    "         invocations and pairing warnings (warnings go to stderr)\n"
    "convert  write FILE as history.edn (one op per line), JSON lines\n"
    "         (docs/history-json.md) or history.txt, to OUT or stdout\n"
    "--from   input format; by default it is guessed from the content\n"
    "\n"
    "Exit status: 0 ok, 254 bad arguments or malformed history, 255 on\n"
    "write errors.\n";

static int
parse_from(const char *s, enum fl_hist_format *fmt)
{
    if (strcmp(s, "edn") == 0)
        *fmt = FL_HIST_EDN;
    else if (strcmp(s, "json") == 0)
        *fmt = FL_HIST_JSON;
    else
        return fl_cli_usage_error(history_usage, "unknown --from format '%s'",
                                  s);
    return 0;
}

struct f_count {
    uint32_t f;
    size_t by_type[4];
    size_t total;
};

static int
cmp_f_count(const void *a, const void *b)
{
    const struct f_count *x = a, *y = b;
    if (x->total != y->total)
        return x->total < y->total ? 1 : -1;
    return strcmp(fl_kw_name(x->f), fl_kw_name(y->f));
}

static void
print_stats(const char *path, const struct fl_hist *h, size_t nwarn)
{
    size_t by_type[4] = {0}, open = 0, clients = 0, others = 0;
    int64_t tmin = INT64_MAX, tmax = INT64_MIN;
    int32_t pmax = -1;
    struct fl_map fidx, procs;
    struct f_count *fc = NULL;
    size_t nf = 0, af = 0;

    fl_map_init(&fidx);
    fl_map_init(&procs);
    for (size_t i = 0; i < h->n; i++) {
        const struct fl_op *op = &h->ops[i];
        by_type[op->type]++;
        uint64_t *slot = fl_map_get(&fidx, op->f);
        if (!slot) {
            FL_ALLOC_GROW(fc, nf + 1, af);
            memset(&fc[nf], 0, sizeof(fc[nf]));
            fc[nf].f = op->f;
            fl_map_put(&fidx, op->f, nf);
            slot = fl_map_get(&fidx, op->f);
            nf++;
        }
        fc[*slot].by_type[op->type]++;
        fc[*slot].total++;
        if (!(op->flags & FL_OP_NO_PROCESS) &&
            fl_map_put(&procs, (uint64_t)(int64_t)op->process, 1)) {
            if (fl_op_is_client(op)) {
                clients++;
                pmax = FL_MAX(pmax, op->process);
            } else {
                others++;
            }
        }
        if (op->time_ns >= 0) {
            tmin = FL_MIN(tmin, op->time_ns);
            tmax = FL_MAX(tmax, op->time_ns);
        }
        if (op->type == FL_OP_INVOKE && op->pair < 0)
            open++;
    }
    printf("history: %s\n", path);
    printf("ops: %zu\n", h->n);
    for (int t = 0; t < 4; t++)
        printf("  %-7s %zu\n", fl_op_type_name((enum fl_op_type)t), by_type[t]);
    qsort(fc, nf, sizeof(*fc), cmp_f_count);
    printf("f: %zu distinct\n", nf);
    for (size_t i = 0; i < nf; i++) {
        if (fc[i].f == FL_KW_NONE)
            printf("  (none)");
        else
            printf("  :%s", fl_kw_name(fc[i].f));
        printf(" %zu (invoke %zu, ok %zu, fail %zu, info %zu)\n", fc[i].total,
               fc[i].by_type[0], fc[i].by_type[1], fc[i].by_type[2],
               fc[i].by_type[3]);
    }
    printf("processes: %zu (%zu clients", clients + others, clients);
    if (clients)
        printf(", highest id %" PRId32, pmax);
    printf(", %zu other", others);
    size_t pos = 0;
    uint64_t key, val;
    bool first = true;
    while (others && fl_map_next(&procs, &pos, &key, &val)) {
        int32_t p = (int32_t)(int64_t)key;
        if (p >= 0)
            continue;
        const char *name =
            p == FL_PROC_NEMESIS ? "nemesis" : fl_kw_name(FL_PROC_KW_ID(p));
        printf("%s:%s", first ? ": " : " ", name);
        first = false;
    }
    printf(")\n");
    if (tmin <= tmax)
        printf("time: %" PRId64 " .. %" PRId64 " ns (%.3f s)\n", tmin, tmax,
               (double)(tmax - tmin) / 1e9);
    else
        printf("time: none\n");
    printf("open invocations: %zu\n", open);
    printf("warnings: %zu\n", nwarn);
    free(fc);
    fl_map_release(&fidx);
    fl_map_release(&procs);
}

enum { O_FROM = 1000, O_TO, O_OUT };

static const struct option longopts[] = {
    FL_CLI_OPT_HELP,
    {"from", required_argument, NULL, O_FROM},
    {"to", required_argument, NULL, O_TO},
    {"output", required_argument, NULL, O_OUT},
    FL_CLI_OPT_END,
};

struct history_args {
    enum fl_hist_format from;
    const char *to, *out, *path;
};

/*
 * Options and the one FILE of `history stats|convert` (argv[0]); --to and
 * -o only for convert. Returns 0, or an exit code (also 0 after --help:
 * then *done is set).
 */
static int
parse_args(int argc, char **argv, struct history_args *ha, bool *done)
{
    bool convert = strcmp(argv[0], "convert") == 0;
    struct fl_cli_parser p = {.usage = history_usage,
                              .opts = longopts,
                              .shortopts = convert ? "o:" : ""};
    int ch, rc;

    while ((ch = fl_cli_getopt(argc, argv, &p)) != -1) {
        if (ch == FL_CLI_OPT_EXIT) {
            *done = true;
            return p.exit_code;
        }
        if (ch == O_FROM) {
            rc = parse_from(optarg, &ha->from);
            if (rc)
                return rc;
        } else if (!convert) {
            return fl_cli_usage_error(history_usage,
                                      "%s is for history convert", p.opt);
        } else if (ch == O_TO) {
            ha->to = optarg;
        } else {
            ha->out = optarg;
        }
    }
    if (optind >= argc)
        return fl_cli_usage_error(history_usage, "%s needs a FILE", argv[0]);
    if (optind + 1 < argc)
        return fl_cli_usage_error(history_usage, "more than one FILE");
    ha->path = argv[optind];
    return 0;
}

static int
cmd_stats(int argc, char **argv)
{
    struct history_args ha = {.from = FL_HIST_AUTO};
    struct fl_hist h;
    struct fl_err err = FL_ERR_INIT;
    bool done = false;
    int rc = parse_args(argc, argv, &ha, &done);

    if (rc || done)
        return rc;
    fl_hist_init(&h);
    size_t nwarn = 0;
    if (fl_hist_load(ha.path, ha.from, &h, &err) < 0 ||
        fl_hist_pair(&h, stderr, &nwarn, &err) < 0) {
        fprintf(stderr, "faultline: %s\n", err.msg);
        rc = FL_EXIT_USAGE;
        goto out;
    }
    print_stats(ha.path, &h, nwarn);
    rc = fflush(stdout) == 0 ? FL_EXIT_VALID : FL_EXIT_FAILED;
out:
    fl_hist_release(&h);
    return rc;
}

static int
cmd_convert(int argc, char **argv)
{
    struct history_args ha = {.from = FL_HIST_AUTO};
    struct fl_hist h;
    struct fl_err err = FL_ERR_INIT;
    FILE *out = NULL;
    const char *to, *outpath;
    bool done = false;
    int rc = parse_args(argc, argv, &ha, &done);

    if (rc || done)
        return rc;
    to = ha.to;
    outpath = ha.out;
    if (!to)
        return fl_cli_usage_error(history_usage, "convert needs --to");
    if (strcmp(to, "edn") && strcmp(to, "json") && strcmp(to, "txt"))
        return fl_cli_usage_error(history_usage, "unknown --to format '%s'",
                                  to);
    fl_hist_init(&h);
    if (fl_hist_load(ha.path, ha.from, &h, &err) < 0) {
        fprintf(stderr, "faultline: %s\n", err.msg);
        rc = FL_EXIT_USAGE;
        goto done;
    }
    out = outpath ? fopen(outpath, "w") : stdout;
    if (!out) {
        fprintf(stderr, "faultline: %s: %s\n", outpath, strerror(errno));
        rc = FL_EXIT_FAILED;
        goto done;
    }
    if (to[0] == 'e')
        rc = fl_edn_write_hist(out, &h, &err);
    else if (to[0] == 'j')
        rc = fl_json_write_hist(out, &h, &err);
    else
        rc = fl_txt_write_hist(out, &h, &err);
    if (outpath && fclose(out) != 0 && rc == 0)
        rc = fl_err_set(&err, -errno, "close %s: %s", outpath, strerror(errno));
    if (rc < 0) {
        fprintf(stderr, "faultline: %s\n", err.msg);
        if (outpath)
            unlink(outpath);
        rc = FL_EXIT_FAILED;
    } else {
        rc = FL_EXIT_VALID;
    }
done:
    fl_hist_release(&h);
    return rc;
}

int
fl_cmd_history(int argc, char **argv)
{
    if (argc < 2)
        return fl_cli_usage_error(history_usage, "history needs a command");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(history_usage, stdout);
        return FL_EXIT_VALID;
    }
    if (strcmp(argv[1], "stats") == 0)
        return cmd_stats(argc - 1, argv + 1);
    if (strcmp(argv[1], "convert") == 0)
        return cmd_convert(argc - 1, argv + 1);
    return fl_cli_usage_error(history_usage, "unknown history command '%s'",
                              argv[1]);
}
