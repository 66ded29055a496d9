/* SPDX-License-Identifier: MIT */
/*
 * plot.c: the latency and rate plots, drawn by gnuplot as Jepsen's
 * checker/perf does. Data goes into .dat files (blocks separated by two
 * blank lines, one block per series, selected with `index`) and one
 * plots.gp script that renders PNG and SVG; both stay in the run directory
 * so a user can restyle and re-run them. Nemesis periods are shaded and
 * listed in the legend by fault. gnuplot missing is a warning, not an error.
 */
#include "util/common.h"

#include "report/report_int.h"

#include "checker/perf.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/log.h"
#include "util/map.h"
#include "util/spawn.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PLOT_MAX_RAW_POINTS 100000 /* per plot; more are strided */
#define PLOT_SIZE           "1000,450"

struct sample {
    int64_t inv_ns;  /* invocation time */
    int64_t comp_ns; /* completion time */
    uint32_t fi;     /* index into fnames */
    uint8_t type;    /* FL_OP_OK, FL_OP_FAIL or FL_OP_INFO */
};

struct clock_pt {
    int64_t t_ns;  /* op time */
    uint32_t node; /* index into nodes */
    double off_s;  /* offset in seconds */
};

struct bank_pt {
    int64_t t_ns;  /* completion time of a read */
    int64_t total; /* the sum of its balances */
};

struct plot_ctx {
    const char *dir;
    struct bank_pt *b; /* bank reads ({account balance} maps of ints) */
    size_t nb, balloc;
    bool transfers;   /* the history has :transfer ops: a bank test */
    struct sample *s; /* completed client ops, in completion order */
    size_t ns, salloc;
    uint32_t *fkw; /* distinct :f keyword ids */
    size_t nf, falloc;
    struct clock_pt *c; /* :clock-offsets points */
    size_t nc, calloc;
    char **nodes; /* distinct node names of clock points */
    size_t nnodes, nalloc;
    struct fl_report_regions regions;
    int64_t t0_ns, t1_ns; /* history span */
    int64_t bucket_ns;    /* quantile and rate bucket width */
};

static const char *const outcome_name[] = {"invoke", "ok", "fail", "info"};
static const char *const outcome_color[] = {"#888888", "#3a8fe0", "#e8197d",
                                            "#f09a00"};
static const char *const q_colors[] = {"#2ca02c", "#ff7f0e", "#d62728",
                                       "#6a3d9a"};
static const int point_types[] = {7, 5, 9, 11, 13, 15, 1, 2, 3, 4, 6, 8};

static pthread_once_t gnuplot_once = PTHREAD_ONCE_INIT;
static bool gnuplot_found;
static pthread_mutex_t warn_mu = PTHREAD_MUTEX_INITIALIZER;
static bool warned_missing;

static void
find_gnuplot(void)
{
    const char *path = getenv("PATH");
    struct fl_strbuf sb = FL_STRBUF_INIT;

    if (!path)
        path = "/usr/bin:/bin";
    while (*path) {
        const char *end = strchr(path, ':');
        size_t n = end ? (size_t)(end - path) : strlen(path);

        fl_strbuf_reset(&sb);
        fl_strbuf_add(&sb, n ? path : ".", n ? n : 1);
        fl_strbuf_addstr(&sb, "/gnuplot");
        if (access(sb.buf, X_OK) == 0) {
            gnuplot_found = true;
            break;
        }
        path += n;
        if (*path == ':')
            path++;
    }
    fl_strbuf_release(&sb);
}

bool
fl_report_have_gnuplot(void)
{
    pthread_once(&gnuplot_once, find_gnuplot);
    return gnuplot_found;
}

/* history times are ns since the run's origin; plots show seconds */
static double
sec(int64_t t_ns)
{
    return (double)t_ns / 1e9;
}

/* A bucket of 1, 2 or 5 times a power of ten giving about 60 buckets. */
static int64_t
nice_bucket(int64_t span_ns)
{
    int64_t target = span_ns / 60, b = FL_NS_PER_MS;

    for (;;) {
        if (b >= target)
            return b;
        if (2 * b >= target)
            return 2 * b;
        if (5 * b >= target)
            return 5 * b;
        b *= 10;
    }
}

static uint32_t
f_index(struct plot_ctx *p, struct fl_map *fmap, uint32_t f)
{
    uint64_t *at = fl_map_get(fmap, f);

    if (at)
        return (uint32_t)*at;
    FL_ALLOC_GROW(p->fkw, p->nf + 1, p->falloc);
    p->fkw[p->nf] = f;
    fl_map_put(fmap, f, p->nf);
    return (uint32_t)p->nf++;
}

static uint32_t
node_index(struct plot_ctx *p, const char *name)
{
    for (size_t i = 0; i < p->nnodes; i++)
        if (strcmp(p->nodes[i], name) == 0)
            return (uint32_t)i;
    FL_ALLOC_GROW(p->nodes, p->nnodes + 1, p->nalloc);
    p->nodes[p->nnodes] = fl_xstrdup(name);
    return (uint32_t)p->nnodes++;
}

static void
collect_clock(struct plot_ctx *p, const struct fl_op *op, uint32_t kw_off)
{
    const fl_val *m = fl_op_get(op, kw_off);
    struct fl_strbuf sb = FL_STRBUF_INIT;

    if (!m || m->kind != FL_V_MAP || op->time_ns < 0)
        return;
    for (uint32_t i = 0; i < m->n; i++) {
        const fl_val *k = &m->u.items[2 * i], *v = &m->u.items[2 * i + 1];
        double off;

        if (v->kind == FL_V_INT)
            off = (double)v->u.i;
        else if (v->kind == FL_V_FLOAT)
            off = v->u.d;
        else
            continue;
        fl_strbuf_reset(&sb);
        if (k->kind == FL_V_STR)
            fl_strbuf_add(&sb, k->u.s, k->n);
        else if (k->kind == FL_V_KW || k->kind == FL_V_SYM)
            fl_strbuf_addstr(&sb, fl_kw_name(k->u.id));
        else
            fl_val_print_edn(&sb, k);
        FL_ALLOC_GROW(p->c, p->nc + 1, p->calloc);
        p->c[p->nc++] =
            (struct clock_pt){op->time_ns, node_index(p, sb.buf), off};
    }
    fl_strbuf_release(&sb);
}

/* An ok :read whose value maps accounts to integer balances. */
static void
collect_bank(struct plot_ctx *p, const struct fl_op *op)
{
    int64_t total = 0;

    if (op->type != FL_OP_OK || op->f != FL_KW_READ ||
        op->value.kind != FL_V_MAP || op->value.n == 0)
        return;
    for (uint32_t i = 0; i < op->value.n; i++) {
        const fl_val *v = &op->value.u.items[2 * i + 1];
        if (v->kind != FL_V_INT)
            return;
        total += v->u.i;
    }
    FL_ALLOC_GROW(p->b, p->nb + 1, p->balloc);
    p->b[p->nb++] = (struct bank_pt){op->time_ns, total};
}

static void
collect(struct plot_ctx *p, const struct fl_hist *h, const int32_t *pair)
{
    struct fl_map fmap;
    uint32_t kw_off = fl_kw_intern_cstr("clock-offsets");

    fl_map_init(&fmap);
    for (size_t i = 0; i < h->n; i++) {
        const struct fl_op *op = &h->ops[i];

        if (op->extra)
            collect_clock(p, op, kw_off);
        if (!fl_op_is_client(op) || op->type == FL_OP_INVOKE || pair[i] < 0 ||
            (size_t)pair[i] > i)
            continue;
        int64_t inv = h->ops[pair[i]].time_ns;
        if (inv < 0 || op->time_ns < 0)
            continue;
        p->transfers |= op->f == FL_KW_TRANSFER;
        collect_bank(p, op);
        FL_ALLOC_GROW(p->s, p->ns + 1, p->salloc);
        p->s[p->ns++] = (struct sample){inv, op->time_ns,
                                        f_index(p, &fmap, op->f), op->type};
    }
    fl_map_release(&fmap);
}

static FILE *
open_in(const struct plot_ctx *p, const char *name, struct fl_strbuf *path,
        struct fl_err *err)
{
    FILE *f;

    fl_strbuf_reset(path);
    fl_strbuf_addf(path, "%s/%s", p->dir, name);
    f = fopen(path->buf, "w");
    if (!f)
        fl_err_set(err, -errno, "open %s: %s", path->buf, strerror(errno));
    return f;
}

static int
close_file(FILE *f, const char *path, struct fl_err *err)
{
    bool bad = ferror(f) != 0;

    if (fclose(f) != 0 || bad)
        return fl_err_set(err, -EIO, "write %s failed", path);
    return 0;
}

/* latency-raw.dat: block (f, outcome): invocation time s, latency ms */
static int
write_raw(const struct plot_ctx *p, bool *present, struct fl_err *err)
{
    struct fl_strbuf path = FL_STRBUF_INIT;
    FILE *f = open_in(p, "latency-raw.dat", &path, err);
    int rc = 0;

    if (!f) {
        rc = err ? err->code : -EIO;
        goto out;
    }
    fprintf(f, "# faultline latency-raw: one block per (f, outcome)\n"
               "# columns: invocation time (s), latency (ms)\n");
    for (size_t fi = 0; fi < p->nf; fi++) {
        for (int t = FL_OP_OK; t <= FL_OP_INFO; t++) {
            size_t blk = fi * 3 + (size_t)(t - FL_OP_OK);

            fprintf(f, "# f=%s outcome=%s\n", fl_kw_name(p->fkw[fi]),
                    outcome_name[t]);
            present[blk] = false;
            for (size_t i = 0; i < p->ns; i++) {
                const struct sample *s = &p->s[i];

                if (s->fi != fi || s->type != t)
                    continue;
                present[blk] = true;
                fprintf(f, "%.6f %.6f\n", sec(s->inv_ns),
                        (double)(s->comp_ns - s->inv_ns) / 1e6);
            }
            if (!present[blk])
                fprintf(f, "NaN NaN\n");
            fprintf(f, "\n\n");
        }
    }
    rc = close_file(f, path.buf, err);
out:
    fl_strbuf_release(&path);
    return rc;
}

struct lat {
    uint32_t fi;
    int64_t bucket;
    int64_t lat_ns;
};

static int
cmp_lat(const void *x, const void *y)
{
    const struct lat *a = x, *b = y;

    if (a->fi != b->fi)
        return a->fi < b->fi ? -1 : 1;
    if (a->bucket != b->bucket)
        return a->bucket < b->bucket ? -1 : 1;
    if (a->lat_ns != b->lat_ns)
        return a->lat_ns < b->lat_ns ? -1 : 1;
    return 0;
}

static const double plot_q[4] = {0.5, 0.95, 0.99, 1.0};

/* latency-quantiles.dat: block (f, quantile): bucket middle s, latency ms */
static int
write_quantiles(const struct plot_ctx *p, struct fl_err *err)
{
    struct fl_strbuf path = FL_STRBUF_INIT;
    struct lat *l = fl_xmalloc(fl_st_mult(p->ns ? p->ns : 1, sizeof(*l)));
    FILE *f = open_in(p, "latency-quantiles.dat", &path, err);
    int rc = 0;

    if (!f) {
        rc = err ? err->code : -EIO;
        goto out;
    }
    for (size_t i = 0; i < p->ns; i++)
        l[i] =
            (struct lat){p->s[i].fi, (p->s[i].inv_ns - p->t0_ns) / p->bucket_ns,
                         p->s[i].comp_ns - p->s[i].inv_ns};
    if (p->ns)
        qsort(l, p->ns, sizeof(*l), cmp_lat);
    fprintf(f,
            "# faultline latency-quantiles: one block per (f, quantile)\n"
            "# bucket width %.3f s by invocation time\n"
            "# columns: bucket middle (s), latency (ms)\n",
            (double)p->bucket_ns / 1e9);
    size_t start = 0;
    for (size_t fi = 0; fi < p->nf; fi++) {
        size_t end = start;

        while (end < p->ns && l[end].fi == fi)
            end++;
        for (size_t qi = 0; qi < FL_ARRAY_SIZE(plot_q); qi++) {
            fprintf(f, "# f=%s quantile=%g\n", fl_kw_name(p->fkw[fi]),
                    plot_q[qi]);
            for (size_t i = start; i < end;) {
                size_t j = i;

                while (j < end && l[j].bucket == l[i].bucket)
                    j++;
                size_t n = j - i, k = (size_t)(plot_q[qi] * (double)n);
                if (k >= n)
                    k = n - 1;
                double mid = (double)(p->t0_ns + l[i].bucket * p->bucket_ns +
                                      p->bucket_ns / 2);
                fprintf(f, "%.6f %.6f\n", mid / 1e9,
                        (double)l[i + k].lat_ns / 1e6);
                i = j;
            }
            if (start == end)
                fprintf(f, "NaN NaN\n");
            fprintf(f, "\n\n");
        }
        start = end;
    }
    rc = close_file(f, path.buf, err);
out:
    free(l);
    fl_strbuf_release(&path);
    return rc;
}

/* rate.dat: block (f, outcome): bucket middle s, completions per second */
static int
write_rate(const struct plot_ctx *p, const bool *present, struct fl_err *err)
{
    struct fl_strbuf path = FL_STRBUF_INIT;
    size_t nb = (size_t)((p->t1_ns - p->t0_ns) / p->bucket_ns) + 1;
    size_t *count = fl_xcalloc(nb, sizeof(*count));
    FILE *f = open_in(p, "rate.dat", &path, err);
    int rc = 0;

    if (!f) {
        rc = err ? err->code : -EIO;
        goto out;
    }
    fprintf(f,
            "# faultline rate: one block per (f, outcome)\n"
            "# bucket width %.3f s by completion time\n"
            "# columns: bucket middle (s), completions per second\n",
            (double)p->bucket_ns / 1e9);
    for (size_t fi = 0; fi < p->nf; fi++) {
        for (int t = FL_OP_OK; t <= FL_OP_INFO; t++) {
            fprintf(f, "# f=%s outcome=%s\n", fl_kw_name(p->fkw[fi]),
                    outcome_name[t]);
            if (!present[fi * 3 + (size_t)(t - FL_OP_OK)]) {
                fprintf(f, "NaN NaN\n\n\n");
                continue;
            }
            memset(count, 0, nb * sizeof(*count));
            for (size_t i = 0; i < p->ns; i++)
                if (p->s[i].fi == fi && p->s[i].type == t)
                    count[(p->s[i].comp_ns - p->t0_ns) / p->bucket_ns]++;
            for (size_t b = 0; b < nb; b++) {
                double mid = (double)(p->t0_ns + (int64_t)b * p->bucket_ns +
                                      p->bucket_ns / 2);
                fprintf(f, "%.6f %.3f\n", mid / 1e9,
                        (double)count[b] * 1e9 / (double)p->bucket_ns);
            }
            fprintf(f, "\n\n");
        }
    }
    rc = close_file(f, path.buf, err);
out:
    free(count);
    fl_strbuf_release(&path);
    return rc;
}

/* clock-offset.dat: block per node: time s, offset s */
static int
write_clock(const struct plot_ctx *p, struct fl_err *err)
{
    struct fl_strbuf path = FL_STRBUF_INIT;
    FILE *f = open_in(p, "clock-offset.dat", &path, err);
    int rc = 0;

    if (!f) {
        rc = err ? err->code : -EIO;
        goto out;
    }
    fprintf(f, "# faultline clock offsets (:clock-offsets), block per node\n"
               "# columns: time (s), offset (s)\n");
    for (size_t n = 0; n < p->nnodes; n++) {
        fprintf(f, "# node=%s\n", p->nodes[n]);
        for (size_t i = 0; i < p->nc; i++)
            if (p->c[i].node == n)
                fprintf(f, "%.6f %.6f\n", sec(p->c[i].t_ns), p->c[i].off_s);
        fprintf(f, "\n\n");
    }
    rc = close_file(f, path.buf, err);
out:
    fl_strbuf_release(&path);
    return rc;
}

/* bank.dat: time s, total of the read (Jepsen's bank plot) */
static int
write_bank(const struct plot_ctx *p, struct fl_err *err)
{
    struct fl_strbuf path = FL_STRBUF_INIT;
    FILE *f = open_in(p, "bank.dat", &path, err);
    int rc = 0;

    if (!f) {
        rc = err ? err->code : -EIO;
        goto out;
    }
    fprintf(f, "# faultline bank reads: the sum of every balance\n"
               "# columns: time (s), total\n");
    for (size_t i = 0; i < p->nb; i++)
        fprintf(f, "%.6f %" PRId64 "\n", sec(p->b[i].t_ns), p->b[i].total);
    rc = close_file(f, path.buf, err);
out:
    fl_strbuf_release(&path);
    return rc;
}

/* gnuplot string literal: double quotes, with " and \ escaped */
static void
gp_str(struct fl_strbuf *sb, const char *s)
{
    fl_strbuf_addch(sb, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fl_strbuf_addch(sb, '\\');
        if ((unsigned char)*s >= 0x20)
            fl_strbuf_addch(sb, *s);
    }
    fl_strbuf_addch(sb, '"');
}

/* gnuplot title "<f> <what>" for one series */
static void
gp_title(struct fl_strbuf *sb, const char *f, const char *what)
{
    struct fl_strbuf title = FL_STRBUF_INIT;

    fl_strbuf_addf(&title, "%s %s", f, what);
    gp_str(sb, title.buf);
    fl_strbuf_release(&title);
}

static void
gp_regions(const struct plot_ctx *p, struct fl_strbuf *sb)
{
    int obj = 1;

    for (size_t i = 0; i < p->regions.n; i++) {
        const struct fl_report_region *g = &p->regions.v[i];
        const char *col = g->color;

        if (g->event) {
            fl_strbuf_addf(sb,
                           "set arrow from %.6f, graph 0 to %.6f, graph 1 "
                           "nohead lc rgb \"%s\" lw 1.5 dt 2 back\n",
                           sec(g->start_ns), sec(g->start_ns), col);
            continue;
        }
        fl_strbuf_addf(sb,
                       "set object %d rect from %.6f, graph 0 to %.6f, "
                       "graph 1 fc rgb \"%s\" fs transparent solid 0.4 "
                       "noborder behind\n",
                       obj++, sec(g->start_ns), sec(g->end_ns), col);
        if (p->regions.n <= 40) {
            fl_strbuf_addf(sb, "set label ");
            gp_str(sb, g->label);
            fl_strbuf_addf(sb,
                           " at %.6f, graph %.2f left font \",8\" "
                           "tc rgb \"#555555\" front\n",
                           sec(g->start_ns), 0.96 - 0.05 * (g->kind % 8));
        }
    }
}

/* legend entries for the fault kinds: invisible boxes with titles */
static void
gp_region_keys(const struct plot_ctx *p, struct fl_strbuf *sb)
{
    for (int k = 0; k < p->regions.nkinds; k++) {
        for (size_t i = 0; i < p->regions.n; i++) {
            const struct fl_report_region *g = &p->regions.v[i];

            if (g->kind != k)
                continue;
            fl_strbuf_addf(sb,
                           ", NaN with boxes fs transparent solid 0.4 "
                           "noborder lc rgb \"%s\" title ",
                           g->color);
            gp_str(sb, g->label);
            break;
        }
    }
}

static void
gp_begin(const struct plot_ctx *p, struct fl_strbuf *sb, const char *name,
         const char *title, const char *ylabel, bool logy)
{
    fl_strbuf_addf(sb,
                   "\n# ---- %s ----\nreset\n"
                   "set terminal pngcairo size " PLOT_SIZE
                   " font \"sans,9\" noenhanced\n"
                   "set output \"%s.png\"\n",
                   name, name);
    fl_strbuf_addstr(sb, "set title ");
    gp_str(sb, title);
    fl_strbuf_addf(sb,
                   "\nset xlabel \"time (s)\"\nset ylabel \"%s\"\n"
                   "set key outside right top\nset grid\nset format x \"%%g\"\n"
                   "set xrange [%.6f:%.6f]\n",
                   ylabel, sec(p->t0_ns), sec(p->t1_ns));
    if (logy)
        fl_strbuf_addstr(sb, "set logscale y\n");
    gp_regions(p, sb);
}

static void
gp_end(struct fl_strbuf *sb, const char *name)
{
    fl_strbuf_addf(sb,
                   "\nset terminal svg size " PLOT_SIZE
                   " dynamic font \"sans,9\" noenhanced\n"
                   "set output \"%s.svg\"\nreplot\nunset output\n",
                   name);
}

static void
gp_script(const struct plot_ctx *p, const bool *present, struct fl_strbuf *sb)
{
    size_t stride = p->ns / PLOT_MAX_RAW_POINTS + 1;
    bool first;

    fl_strbuf_addstr(sb, "# plots.gp: written by faultline. Re-render with "
                         "`gnuplot plots.gp` in this directory.\n"
                         "set datafile missing \"NaN\"\n");
    if (!p->ns)
        goto clock;

    gp_begin(p, sb, "latency-raw", "latency of every operation", "latency (ms)",
             true);
    if (stride > 1)
        fl_strbuf_addf(sb, "# %zu ops: every %zu-th point is drawn\n", p->ns,
                       stride);
    fl_strbuf_addstr(sb, "plot ");
    first = true;
    for (size_t fi = 0; fi < p->nf; fi++) {
        for (int t = FL_OP_OK; t <= FL_OP_INFO; t++) {
            size_t blk = fi * 3 + (size_t)(t - FL_OP_OK);
            if (!present[blk])
                continue;
            fl_strbuf_addf(sb,
                           "%s\"latency-raw.dat\" index %zu every %zu "
                           "with points pt %d ps 0.5 lc rgb \"%s\" title ",
                           first ? "" : ", \\\n     ", blk, stride,
                           point_types[fi % FL_ARRAY_SIZE(point_types)],
                           outcome_color[t]);
            gp_title(sb, fl_kw_name(p->fkw[fi]), outcome_name[t]);
            first = false;
        }
    }
    gp_region_keys(p, sb);
    gp_end(sb, "latency-raw");

    gp_begin(p, sb, "latency-quantiles", "latency quantiles", "latency (ms)",
             true);
    fl_strbuf_addstr(sb, "plot ");
    first = true;
    for (size_t fi = 0; fi < p->nf; fi++) {
        for (size_t qi = 0; qi < FL_ARRAY_SIZE(plot_q); qi++) {
            fl_strbuf_addf(
                sb,
                "%s\"latency-quantiles.dat\" index %zu with "
                "linespoints pt %d ps 0.6 lc rgb \"%s\" title ",
                first ? "" : ", \\\n     ", fi * FL_ARRAY_SIZE(plot_q) + qi,
                point_types[fi % FL_ARRAY_SIZE(point_types)], q_colors[qi]);
            gp_title(sb, fl_kw_name(p->fkw[fi]),
                     qi == 3   ? "max"
                     : qi == 0 ? "0.5"
                     : qi == 1 ? "0.95"
                               : "0.99");
            first = false;
        }
    }
    gp_region_keys(p, sb);
    gp_end(sb, "latency-quantiles");

    gp_begin(p, sb, "rate", "throughput", "completions per second", false);
    fl_strbuf_addstr(sb, "set yrange [0:*]\nplot ");
    first = true;
    for (size_t fi = 0; fi < p->nf; fi++) {
        for (int t = FL_OP_OK; t <= FL_OP_INFO; t++) {
            size_t blk = fi * 3 + (size_t)(t - FL_OP_OK);
            if (!present[blk])
                continue;
            fl_strbuf_addf(sb,
                           "%s\"rate.dat\" index %zu with linespoints "
                           "pt %d ps 0.5 lc rgb \"%s\" title ",
                           first ? "" : ", \\\n     ", blk,
                           point_types[fi % FL_ARRAY_SIZE(point_types)],
                           outcome_color[t]);
            gp_title(sb, fl_kw_name(p->fkw[fi]), outcome_name[t]);
            first = false;
        }
    }
    gp_region_keys(p, sb);
    gp_end(sb, "rate");

    if (p->transfers && p->nb) {
        gp_begin(p, sb, "bank", "bank: total of every read", "total", false);
        fl_strbuf_addstr(sb, "plot \"bank.dat\" with points pt 7 ps 0.6 "
                             "lc rgb \"#3a8fe0\" title \"read total\"");
        gp_region_keys(p, sb);
        gp_end(sb, "bank");
    }

clock:
    if (!p->nnodes)
        return;
    gp_begin(p, sb, "clock-offset", "clock offsets", "offset (s)", false);
    fl_strbuf_addstr(sb, "plot ");
    for (size_t n = 0; n < p->nnodes; n++) {
        fl_strbuf_addf(sb,
                       "%s\"clock-offset.dat\" index %zu with steps "
                       "lw 1.5 title ",
                       n ? ", \\\n     " : "", n);
        gp_str(sb, p->nodes[n]);
    }
    gp_region_keys(p, sb);
    gp_end(sb, "clock-offset");
}

/* Run gnuplot plots.gp in dir; its messages go to dir/gnuplot.log. */
static int
run_gnuplot(const char *dir, struct fl_err *err)
{
    struct fl_strbuf log = FL_STRBUF_INIT;
    const char *argv[] = {"gnuplot", "plots.gp", NULL};
    int rc;

    fl_strbuf_addf(&log, "%s/gnuplot.log", dir);
    struct fl_spawn_opts o = {
        .out_file = log.buf, .err_to_out = true, .chdir = dir};
    rc = fl_spawn_run(argv, &o, err);
    if (rc < 0)
        goto out;
    if (rc != 0) {
        rc = fl_err_set(err, FL_EREMOTE, "gnuplot failed (exit %d), see %s", rc,
                        log.buf);
        goto out;
    }
    struct stat st;
    if (stat(log.buf, &st) == 0 && st.st_size == 0)
        unlink(log.buf);
out:
    fl_strbuf_release(&log);
    return rc;
}

int
fl_report_plots(const char *dir, const struct fl_hist *h, bool *rendered,
                struct fl_err *err)
{
    struct plot_ctx p;
    struct fl_strbuf script = FL_STRBUF_INIT, path = FL_STRBUF_INIT;
    int32_t *pair = fl_perf_pairs(h);
    bool *present = NULL;
    int rc = 0;

    memset(&p, 0, sizeof(p));
    p.dir = dir;
    if (rendered)
        *rendered = false;
    fl_report_span(h, &p.t0_ns, &p.t1_ns);
    if (p.t0_ns < 0)
        goto out; /* no times, nothing to plot */
    if (p.t1_ns <= p.t0_ns)
        p.t1_ns = p.t0_ns + 1;
    p.bucket_ns = nice_bucket(p.t1_ns - p.t0_ns);
    collect(&p, h, pair);
    fl_report_regions(h, pair, &p.regions);
    present = fl_xcalloc(p.nf * 3 + 1, sizeof(*present));

    if (p.ns) {
        rc = write_raw(&p, present, err);
        if (!rc)
            rc = write_quantiles(&p, err);
        if (!rc)
            rc = write_rate(&p, present, err);
    }
    if (!rc && p.nnodes)
        rc = write_clock(&p, err);
    if (!rc && p.transfers && p.nb)
        rc = write_bank(&p, err);
    if (rc)
        goto out;
    if (!p.ns && !p.nnodes)
        goto out;
    gp_script(&p, present, &script);
    fl_strbuf_addf(&path, "%s/plots.gp", dir);
    rc = fl_strbuf_write_file(&script, path.buf, err);
    if (rc)
        goto out;
    if (!fl_report_have_gnuplot()) {
        pthread_mutex_lock(&warn_mu);
        if (!warned_missing)
            fl_warn("gnuplot not found: plots not rendered (data and "
                    "plots.gp are in %s)",
                    dir);
        warned_missing = true;
        pthread_mutex_unlock(&warn_mu);
        goto out;
    }
    rc = run_gnuplot(dir, err);
    if (!rc && rendered)
        *rendered = true;
out:
    for (size_t i = 0; i < p.nnodes; i++)
        free(p.nodes[i]);
    free(p.nodes);
    free(p.c);
    free(p.b);
    free(p.s);
    free(p.fkw);
    free(present);
    fl_report_regions_release(&p.regions);
    free(pair);
    fl_strbuf_release(&script);
    fl_strbuf_release(&path);
    return rc;
}
