/* SPDX-License-Identifier: MIT */
/*
 * report_mkstore.c: builds a run directory for report tests without a real
 * run: a simulated register workload on five processes with a nemesis
 * schedule (partition, kill/start, pause/resume, clock bump with
 * :clock-offsets) whose periods visibly slow ops down or make them :info.
 * Writes history.edn, history.txt, results.edn and faultline.log, then calls
 * fl_report_write() unless --no-report. Deterministic for a given --seed.
 *
 *   report_mkstore RUN-DIR [--ops N] [--seconds S] [--seed X]
 *                  [--valid true|false|unknown] [--no-report]
 *                  [--no-history]   (history.edn/txt left empty: faster)
 *                  [--timeline-only] (no plots: faster)
 */

#include "util/common.h"

#include "checker/perf.h"
#include "history/hist.h"
#include "report/report.h"
#include "util/arena.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/parse.h"
#include "util/rng.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <math.h>
#include <sys/stat.h>

#define CONC 5

struct ev {
    struct fl_op op; /* index filled after sorting */
    uint64_t seq;    /* tie-break: creation order */
};

struct gen {
    struct ev *v;
    size_t n, alloc;
    struct fl_hist *h;
    struct fl_rng rng;
};

struct fault {
    double start_s, end_s;
    const char *on, *off;
};

static const struct fault faults[] = {
    {0.15, 0.30, "start-partition", "stop-partition"},
    {0.40, 0.52, "kill", "start"},
    {0.60, 0.68, "pause", "resume"},
    {0.75, 0.88, "bump-clock", "reset-clock"},
};

static double
urand(struct fl_rng *r)
{
    return fl_rng_double(r);
}

static void
push(struct gen *g, int64_t t, int32_t proc, const char *f, uint8_t type,
     fl_val value, const fl_val *extra)
{
    FL_ALLOC_GROW(g->v, g->n + 1, g->alloc);
    struct ev *e = &g->v[g->n];
    memset(e, 0, sizeof(*e));
    e->op.time_ns = t;
    e->op.process = proc;
    e->op.f = fl_kw_intern_cstr(f);
    e->op.type = type;
    e->op.value = value;
    e->op.extra = extra;
    e->op.pair = -1;
    e->op.flags = FL_OP_HAS_INDEX | FL_OP_HAS_TIME | FL_OP_HAS_VALUE;
    e->seq = g->n++;
}

static int
cmp_ev(const void *x, const void *y)
{
    const struct ev *a = x, *b = y;

    if (a->op.time_ns != b->op.time_ns)
        return a->op.time_ns < b->op.time_ns ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* which fault (index) is active at fraction x of the run, or -1 */
static int
fault_at(double x)
{
    for (size_t i = 0; i < FL_ARRAY_SIZE(faults); i++)
        if (x >= faults[i].start_s && x < faults[i].end_s)
            return (int)i;
    return -1;
}

static void
gen_clients(struct gen *g, int64_t dur_ns, size_t nops)
{
    size_t pairs = nops / 2, per = pairs / CONC;
    struct fl_arena *a = &g->h->arena;

    for (int t = 0; t < CONC; t++) {
        size_t mine = per + ((size_t)t < pairs % CONC ? 1 : 0);
        double interval = (double)dur_ns / (double)(mine ? mine : 1);
        int32_t proc = t;
        int64_t prev_end = 0;

        for (size_t k = 0; k < mine; k++) {
            int64_t now = (int64_t)((double)k * interval +
                                    urand(&g->rng) * interval * 0.5);
            if (now <= prev_end)
                now = prev_end + 1000;
            double x = (double)now / (double)dur_ns, u = urand(&g->rng);
            int fault = fault_at(x);
            double lat_ms = 0.2 + 2.0 * -log(1.0 - urand(&g->rng) * 0.999);
            const char *f = u < 0.5 ? "read" : u < 0.8 ? "write" : "cas";
            int64_t v = (int64_t)(urand(&g->rng) * 5);
            fl_val inv = fl_val_nil(), comp;
            uint8_t type = FL_OP_OK;

            if (fault == 0 || fault == 2)
                lat_ms *= 8; /* partition and pause hurt */
            if (fault == 0 && urand(&g->rng) < 0.3) {
                type = FL_OP_INFO;
                lat_ms = 50;
            } else if (fault == 1 && t == 1) {
                type = FL_OP_FAIL; /* the killed node refuses */
                lat_ms = 0.1;
            }
            if (f[0] == 'w') {
                inv = fl_val_int(v);
            } else if (f[0] == 'c') {
                fl_val pairv[2] = {fl_val_int(v), fl_val_int((v + 1) % 5)};
                inv = fl_val_coll(a, FL_V_VEC, pairv, 2);
                if (type == FL_OP_OK && urand(&g->rng) < 0.4)
                    type = FL_OP_FAIL;
            }
            comp = f[0] == 'r' && type == FL_OP_OK ? fl_val_int(v) : inv;
            prev_end = now + (int64_t)(lat_ms * 1e6);
            push(g, now, proc, f, FL_OP_INVOKE, inv, NULL);
            push(g, prev_end, proc, f, type, comp, NULL);
            if (type == FL_OP_INFO)
                proc += CONC;
        }
    }
}

static void
gen_nemesis(struct gen *g, int64_t dur_ns)
{
    struct fl_arena *a = &g->h->arena;
    uint32_t kw_off = fl_kw_intern_cstr("clock-offsets");

    for (size_t i = 0; i < FL_ARRAY_SIZE(faults); i++) {
        int64_t on = (int64_t)(faults[i].start_s * (double)dur_ns);
        int64_t off = (int64_t)(faults[i].end_s * (double)dur_ns);
        const fl_val *extra_on = NULL, *extra_off = NULL;

        if (strstr(faults[i].on, "clock")) {
            fl_val m[6];
            for (int n = 0; n < 3; n++) {
                char name[4] = {'n', (char)('1' + n), 0, 0};
                m[2 * n] = fl_val_str(a, name, 2);
                m[2 * n + 1] = fl_val_float(0.25 * (n + 1));
            }
            fl_val offs = fl_val_map(a, m, 3);
            fl_val e[2] = {fl_val_kw(kw_off), offs};
            fl_val em = fl_val_map(a, e, 1);
            extra_on = fl_arena_memdup(a, &em, sizeof(em));
            for (int n = 0; n < 3; n++)
                m[2 * n + 1] = fl_val_float(0.0);
            offs = fl_val_map(a, m, 3);
            e[1] = offs;
            em = fl_val_map(a, e, 1);
            extra_off = fl_arena_memdup(a, &em, sizeof(em));
        }
        fl_val node = fl_val_str(a, "n2", 2);
        push(g, on, FL_PROC_NEMESIS, faults[i].on, FL_OP_INFO, fl_val_nil(),
             NULL);
        push(g, on + 2 * FL_NS_PER_MS, FL_PROC_NEMESIS, faults[i].on,
             FL_OP_INFO, node, extra_on);
        push(g, off, FL_PROC_NEMESIS, faults[i].off, FL_OP_INFO, fl_val_nil(),
             NULL);
        push(g, off + 2 * FL_NS_PER_MS, FL_PROC_NEMESIS, faults[i].off,
             FL_OP_INFO, node, extra_off);
    }
}

static void
print_op(struct fl_strbuf *sb, const struct fl_op *op)
{
    fl_strbuf_addf(sb,
                   "{:index %" PRId64 ", :time %" PRId64 ", :type :%s, "
                   ":process ",
                   op->index, op->time_ns, fl_op_type_name(op->type));
    if (op->process == FL_PROC_NEMESIS)
        fl_strbuf_addstr(sb, ":nemesis");
    else
        fl_strbuf_addf(sb, "%" PRId32, op->process);
    fl_strbuf_addf(sb, ", :f :%s, :value ", fl_kw_name(op->f));
    fl_val_print_edn(sb, &op->value);
    if (op->extra) {
        const fl_val *m = op->extra;

        for (uint32_t i = 0; i < m->n; i++) {
            fl_strbuf_addstr(sb, ", ");
            fl_val_print_edn(sb, &m->u.items[2 * i]);
            fl_strbuf_addch(sb, ' ');
            fl_val_print_edn(sb, &m->u.items[2 * i + 1]);
        }
    }
    fl_strbuf_addstr(sb, "}\n");
}

static int
write_text(const char *dir, const char *name, const struct fl_strbuf *sb)
{
    struct fl_strbuf path = FL_STRBUF_INIT;
    FILE *f;
    int rc = 0;

    fl_strbuf_addf(&path, "%s/%s", dir, name);
    f = fopen(path.buf, "w");
    if (!f || fwrite(sb->buf, 1, sb->len, f) != sb->len)
        rc = -1;
    if (f && fclose(f) != 0)
        rc = -1;
    if (rc)
        fprintf(stderr, "report_mkstore: cannot write %s\n", path.buf);
    fl_strbuf_release(&path);
    return rc;
}

int
main(int argc, char **argv)
{
    char *dir = NULL;
    const char *valid = "true";
    int64_t nops = 4000, seconds = 40, seed = 1;
    bool report = true, history = true, plots = true;
    struct fl_err err = FL_ERR_INIT;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool more = i + 1 < argc;

        if (strcmp(a, "--ops") == 0 && more) {
            if (fl_parse_int64(argv[++i], 2, INT32_MAX, &nops, &err) != 0)
                goto usage;
        } else if (strcmp(a, "--seconds") == 0 && more) {
            if (fl_parse_int64(argv[++i], 1, 1000000, &seconds, &err) != 0)
                goto usage;
        } else if (strcmp(a, "--seed") == 0 && more) {
            if (fl_parse_int64(argv[++i], INT64_MIN, INT64_MAX, &seed, &err) !=
                0)
                goto usage;
        } else if (strcmp(a, "--valid") == 0 && more) {
            valid = argv[++i];
        } else if (strcmp(a, "--no-report") == 0) {
            report = false;
        } else if (strcmp(a, "--no-history") == 0) {
            history = false;
        } else if (strcmp(a, "--timeline-only") == 0) {
            plots = false;
        } else if (a[0] != '-' && !dir) {
            dir = argv[i];
        } else {
            goto usage;
        }
    }
    if (!dir)
        goto usage;
    for (char *q = strchr(dir + 1, '/'); q; q = strchr(q + 1, '/')) {
        *q = '\0'; /* mkdir -p */
        if (mkdir(dir, 0755) != 0 && errno != EEXIST)
            break;
        *q = '/';
    }
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "report_mkstore: mkdir %s: %s\n", dir, strerror(errno));
        return 1;
    }

    struct fl_hist h;
    struct gen g;
    fl_hist_init(&h);
    memset(&g, 0, sizeof(g));
    g.h = &h;
    fl_rng_seed(&g.rng, (uint64_t)seed);
    int64_t dur_ns = seconds * FL_NS_PER_S;
    gen_clients(&g, dur_ns, (size_t)nops);
    gen_nemesis(&g, dur_ns);
    qsort(g.v, g.n, sizeof(*g.v), cmp_ev);

    struct fl_strbuf edn = FL_STRBUF_INIT, txt = FL_STRBUF_INIT;
    for (size_t i = 0; i < g.n; i++) {
        g.v[i].op.index = (int64_t)i;
        fl_hist_append(&h, &g.v[i].op);
        if (!history)
            continue;
        print_op(&edn, &g.v[i].op);
        const struct fl_op *op = &g.v[i].op;
        if (op->process == FL_PROC_NEMESIS)
            fl_strbuf_addstr(&txt, ":nemesis");
        else
            fl_strbuf_addf(&txt, "%" PRId32, op->process);
        fl_strbuf_addf(&txt, "\t:%s\t:%s\t", fl_op_type_name(op->type),
                       fl_kw_name(op->f));
        fl_val_print_edn(&txt, &op->value);
        fl_strbuf_addch(&txt, '\n');
    }

    struct fl_arena ra;
    fl_arena_init(&ra, 0);
    fl_val perf, vv;
    fl_perf_compute(&h, &ra, &perf);
    if (strcmp(valid, "true") == 0)
        vv = fl_val_bool(true);
    else if (strcmp(valid, "false") == 0)
        vv = fl_val_bool(false);
    else
        vv = fl_val_kw(FL_KW_UNKNOWN);
    fl_val items[6] = {fl_val_kw(FL_KW_VALID), vv,
                       fl_val_kw(fl_kw_intern_cstr("anomaly-types")),
                       fl_val_nil()};
    size_t npairs = 2;
    if (strcmp(valid, "false") == 0) {
        fl_val kinds[2] = {fl_val_kw(fl_kw_intern_cstr("G1c")),
                           fl_val_kw(fl_kw_intern_cstr("lost-update"))};
        items[3] = fl_val_coll(&ra, FL_V_VEC, kinds, 2);
    } else {
        items[3] = fl_val_coll(&ra, FL_V_VEC, NULL, 0);
    }
    fl_val res = fl_val_map(&ra, items, npairs);
    res = fl_perf_merge(&ra, &res, &perf);
    struct fl_strbuf rs = FL_STRBUF_INIT, log = FL_STRBUF_INIT;
    fl_val_print_edn(&rs, &res);
    fl_strbuf_addch(&rs, '\n');
    fl_strbuf_addf(&log, "report_mkstore: %zu ops, seed %" PRId64 "\n", g.n,
                   seed);

    int rc = write_text(dir, "history.edn", &edn) ||
             write_text(dir, "history.txt", &txt) ||
             write_text(dir, "results.edn", &rs) ||
             write_text(dir, "faultline.log", &log);
    struct fl_strbuf tl = FL_STRBUF_INIT;
    fl_strbuf_addf(&tl, "%s/timeline.html", dir);
    if (!rc && report && !plots &&
        fl_report_timeline(tl.buf, &h, NULL, &err) != 0) {
        fprintf(stderr, "report_mkstore: %s\n", err.msg);
        rc = 1;
    }
    fl_strbuf_release(&tl);
    if (!rc && report && plots && fl_report_write(dir, &h, &res, &err) != 0) {
        fprintf(stderr, "report_mkstore: %s\n", err.msg);
        rc = 1;
    }
    fl_strbuf_release(&rs);
    fl_strbuf_release(&log);
    fl_strbuf_release(&edn);
    fl_strbuf_release(&txt);
    fl_arena_release(&ra);
    free(g.v);
    fl_hist_release(&h);
    return rc ? 1 : 0;
usage:
    fprintf(stderr, "usage: report_mkstore RUN-DIR [--ops N] [--seconds S] "
                    "[--seed X] [--valid true|false|unknown] [--no-report] "
                    "[--no-history] [--timeline-only]\n");
    return 254;
}
