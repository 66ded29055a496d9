/* SPDX-License-Identifier: MIT */
/*
 * perf.c: latency quantiles and throughput per :f and outcome (Jepsen's
 * checker/perf statistics, without the pictures, which live in report/).
 * One pass pairs invocations with completions, a second collects
 * (group, latency) samples, one sort orders them, and quantiles are read off
 * each group's slice by nearest rank, as Jepsen's util/quantiles does.
 */
#include "util/common.h"

#include "checker/perf.h"

#include "util/arena.h"
#include "util/map.h"
#include "util/xalloc.h"

const double fl_perf_quantiles[FL_PERF_NQ] = {0.0, 0.5, 0.95, 0.99, 1.0};

int32_t *
fl_perf_pairs(const struct fl_hist *h)
{
    int32_t *pair = fl_xmalloc(fl_st_mult(h->n ? h->n : 1, sizeof(*pair)));
    struct fl_map open;

    if (h->paired) {
        for (size_t i = 0; i < h->n; i++)
            pair[i] = h->ops[i].pair;
        return pair;
    }
    for (size_t i = 0; i < h->n; i++)
        pair[i] = -1;
    fl_map_init(&open);
    for (size_t i = 0; i < h->n; i++) {
        const struct fl_op *op = &h->ops[i];
        uint64_t key = (uint64_t)(int64_t)op->process;
        uint64_t *at = fl_map_get(&open, key);

        if (op->type == FL_OP_INVOKE || (op->type == FL_OP_INFO && !at)) {
            /* A second invocation abandons the first (left unpaired). */
            fl_map_put(&open, key, i);
            continue;
        }
        if (!at)
            continue;
        pair[i] = (int32_t)*at;
        pair[*at] = (int32_t)i;
        fl_map_del(&open, key);
    }
    fl_map_release(&open);
    return pair;
}

struct sample {
    uint32_t group;     /* index into groups */
    int64_t latency_ns; /* completion time - invocation time */
};

struct group {
    uint32_t f;   /* :f keyword id */
    uint8_t type; /* outcome: FL_OP_OK, FL_OP_FAIL, FL_OP_INFO */
    size_t first; /* first sample in sorted order */
    size_t n;     /* samples */
};

static int
cmp_sample(const void *x, const void *y)
{
    const struct sample *a = x, *b = y;

    if (a->group != b->group)
        return a->group < b->group ? -1 : 1;
    if (a->latency_ns != b->latency_ns)
        return a->latency_ns < b->latency_ns ? -1 : 1;
    return 0;
}

static fl_val
kw(const char *name)
{
    return fl_val_kw(fl_kw_intern_cstr(name));
}

static fl_val
stats_map(struct fl_arena *a, const struct sample *s, size_t n,
          double duration_s)
{
    fl_val q[2 * FL_PERF_NQ];
    fl_val items[6];

    for (size_t i = 0; i < FL_PERF_NQ; i++) {
        size_t k = (size_t)(fl_perf_quantiles[i] * (double)n);

        if (k >= n)
            k = n - 1;
        q[2 * i] = fl_val_float(fl_perf_quantiles[i]);
        q[2 * i + 1] = fl_val_float((double)s[k].latency_ns / 1e6);
    }
    items[0] = kw("count");
    items[1] = fl_val_int((int64_t)n);
    items[2] = kw("rate");
    items[3] = fl_val_float(duration_s > 0 ? (double)n / duration_s : 0.0);
    items[4] = kw("latency-ms");
    items[5] = fl_val_map(a, q, FL_PERF_NQ);
    return fl_val_map(a, items, 3);
}

int
fl_perf_compute(const struct fl_hist *h, struct fl_arena *a, fl_val *out)
{
    int32_t *pair = fl_perf_pairs(h);
    struct sample *s = NULL;
    struct group *g = NULL;
    size_t ns = 0, ng = 0, galloc = 0, salloc = 0;
    struct fl_map gidx;
    int64_t tmin = INT64_MAX, tmax = INT64_MIN;

    fl_map_init(&gidx);
    for (size_t i = 0; i < h->n; i++) {
        const struct fl_op *op = &h->ops[i];

        if (op->time_ns >= 0) {
            tmin = FL_MIN(tmin, op->time_ns);
            tmax = FL_MAX(tmax, op->time_ns);
        }
        if (!fl_op_is_client(op) || op->type == FL_OP_INVOKE || pair[i] < 0 ||
            (size_t)pair[i] > i)
            continue;
        const struct fl_op *inv = &h->ops[pair[i]];
        if (op->time_ns < 0 || inv->time_ns < 0)
            continue;
        uint64_t key = ((uint64_t)op->f << 2) | op->type;
        uint64_t *gi = fl_map_get(&gidx, key);
        if (!gi) {
            FL_ALLOC_GROW(g, ng + 1, galloc);
            g[ng] = (struct group){op->f, op->type, 0, 0};
            fl_map_put(&gidx, key, ng);
            gi = fl_map_get(&gidx, key);
            ng++;
        }
        FL_ALLOC_GROW(s, ns + 1, salloc);
        s[ns].group = (uint32_t)*gi;
        s[ns].latency_ns = op->time_ns - inv->time_ns;
        ns++;
        g[*gi].n++;
    }
    if (ns)
        qsort(s, ns, sizeof(*s), cmp_sample);
    for (size_t i = 0, at = 0; i < ng; i++) {
        /* groups were numbered in first-seen order, samples sorted by it */
        g[i].first = at;
        at += g[i].n;
    }

    double duration_s = tmax > tmin ? (double)(tmax - tmin) / 1e9 : 0.0;
    /* by-f: one map per distinct f, each with up to three outcomes */
    fl_val *fitems = fl_xcalloc(2 * (ng ? ng : 1), sizeof(*fitems));
    size_t nf = 0;
    bool *done = fl_xcalloc(ng ? ng : 1, sizeof(*done));
    for (size_t i = 0; i < ng; i++) {
        fl_val oitems[6];
        size_t no = 0;

        if (done[i])
            continue;
        for (size_t j = i; j < ng; j++) {
            if (done[j] || g[j].f != g[i].f)
                continue;
            done[j] = true;
            oitems[2 * no] = fl_val_kw(g[j].type == FL_OP_OK     ? FL_KW_OK
                                       : g[j].type == FL_OP_FAIL ? FL_KW_FAIL
                                                                 : FL_KW_INFO);
            oitems[2 * no + 1] =
                stats_map(a, s + g[j].first, g[j].n, duration_s);
            no++;
        }
        fitems[2 * nf] = fl_val_kw(g[i].f);
        fitems[2 * nf + 1] = fl_val_map(a, oitems, no);
        nf++;
    }

    fl_val items[12];
    size_t np = 0;
    items[2 * np] = fl_val_kw(FL_KW_VALID);
    items[2 * np++ + 1] = fl_val_bool(true);
    items[2 * np] = kw("duration-s");
    items[2 * np++ + 1] = fl_val_float(duration_s);
    items[2 * np] = kw("count");
    items[2 * np++ + 1] = fl_val_int((int64_t)ns);
    items[2 * np] = kw("rate");
    items[2 * np++ + 1] =
        fl_val_float(duration_s > 0 ? (double)ns / duration_s : 0.0);
    items[2 * np] = kw("by-f");
    items[2 * np++ + 1] = fl_val_map(a, fitems, nf);
    *out = fl_val_map(a, items, np);

    free(done);
    free(fitems);
    fl_map_release(&gidx);
    free(g);
    free(s);
    free(pair);
    return 0;
}

fl_val
fl_perf_merge(struct fl_arena *a, const fl_val *results, const fl_val *perf)
{
    uint32_t perf_kw = fl_kw_intern_cstr("perf");
    fl_val *items;
    size_t n = 0, np = 0;
    bool replaced = false;
    fl_val out;

    if (results && results->kind == FL_V_MAP)
        np = results->n;
    items = fl_xcalloc(2 * (np + 1), sizeof(*items));
    for (size_t i = 0; i < np; i++) {
        items[2 * n] = results->u.items[2 * i];
        items[2 * n + 1] = results->u.items[2 * i + 1];
        if (fl_val_is_kw(&items[2 * n], perf_kw)) {
            items[2 * n + 1] = *perf;
            replaced = true;
        }
        n++;
    }
    if (!replaced) {
        items[2 * n] = fl_val_kw(perf_kw);
        items[2 * n + 1] = *perf;
        n++;
    }
    out = fl_val_map(a, items, n);
    free(items);
    return out;
}

static int
perf_check(const struct fl_checker *c, const struct fl_hist *h,
           const struct fl_chk_opts *opts, struct fl_arena *a,
           struct fl_chk_result *out, struct fl_err *err)
{
    FL_UNUSED(c);
    FL_UNUSED(opts);
    FL_UNUSED(err);
    out->valid = FL_VERDICT_TRUE;
    return fl_perf_compute(h, a, &out->map);
}

static void
perf_free(struct fl_checker *c)
{
    FL_UNUSED(c);
}

const struct fl_checker_type fl_chk_perf_type = {
    .name = "perf",
    .check = perf_check,
    .free = perf_free,
};
