/* SPDX-License-Identifier: MIT */
/*
 * stats.c: Jepsen's stats checker. Counts client completions overall and
 * per :f; a function that never once completed :ok makes the result
 * :unknown (something is wrong with the test, not necessarily the system).
 */
#include "util/common.h"

#include "checker/chk_int.h"
#include "checker/workloads.h"

#include "util/err.h"

struct fcount {
    uint32_t f;
    int64_t n, ok, fail, info;
};

/* :valid? and the four counts, in that order. */
static void
put_counts(struct fl_chk__map *m, int64_t n, int64_t ok, int64_t fail,
           int64_t info, enum fl_verdict v)
{
    fl_chk__put_valid(m, v);
    fl_chk__put_int(m, "count", n);
    fl_chk__put_int(m, "ok-count", ok);
    fl_chk__put_int(m, "fail-count", fail);
    fl_chk__put_int(m, "info-count", info);
}

static fl_val
counts_map(struct fl_arena *a, int64_t n, int64_t ok, int64_t fail,
           int64_t info, enum fl_verdict v)
{
    struct fl_chk__map m;

    fl_chk__map_init(&m, a);
    put_counts(&m, n, ok, fail, info, v);
    return fl_chk__map_done(&m);
}

static int
stats_check(const struct fl_checker *c, const struct fl_hist *h,
            const struct fl_chk_opts *opts, struct fl_arena *a,
            struct fl_chk_result *out, struct fl_err *err)
{
    struct fcount *fc = NULL;
    size_t nf = 0, alloc = 0;
    int64_t n = 0, ok = 0, fail = 0, info = 0;
    enum fl_verdict verdict = FL_VERDICT_TRUE;

    FL_UNUSED(c);
    FL_UNUSED(opts);
    FL_UNUSED(err);
    for (size_t i = 0; i < h->n; i++) {
        const struct fl_op *op = &h->ops[i];
        if (!fl_op_is_client(op) || op->type == FL_OP_INVOKE)
            continue;
        size_t k = 0;
        while (k < nf && fc[k].f != op->f)
            k++;
        if (k == nf) {
            FL_ALLOC_GROW(fc, nf + 1, alloc);
            memset(&fc[nf], 0, sizeof(fc[nf]));
            fc[nf++].f = op->f;
        }
        n++;
        fc[k].n++;
        if (op->type == FL_OP_OK) {
            ok++;
            fc[k].ok++;
        } else if (op->type == FL_OP_FAIL) {
            fail++;
            fc[k].fail++;
        } else {
            info++;
            fc[k].info++;
        }
    }
    fl_val *items = fl_xcalloc(2 * (nf ? nf : 1), sizeof(*items));
    for (size_t k = 0; k < nf; k++) {
        enum fl_verdict v = fc[k].ok > 0 ? FL_VERDICT_TRUE : FL_VERDICT_UNKNOWN;
        verdict = fl_verdict_merge(verdict, v);
        items[2 * k] = fl_val_kw(fc[k].f);
        items[2 * k + 1] =
            counts_map(a, fc[k].n, fc[k].ok, fc[k].fail, fc[k].info, v);
    }
    struct fl_chk__map m;
    fl_chk__map_init(&m, a);
    put_counts(&m, n, ok, fail, info, verdict);
    fl_chk__put(&m, "by-f", fl_val_map(a, items, nf));
    out->map = fl_chk__map_done(&m);
    out->valid = verdict;
    free(items);
    free(fc);
    return 0;
}

static const struct fl_checker_type stats_type = {
    .name = "stats",
    .check = stats_check,
    .free = fl_chk__free_plain,
};

struct fl_checker *
fl_chk_stats_new(void)
{
    return fl_chk__new(&stats_type, NULL);
}

int
fl_chk_run(const struct fl_checker *c, const struct fl_hist *h,
           const struct fl_chk_opts *opts, struct fl_arena *a,
           struct fl_chk_result *out, struct fl_err *err)
{
    struct fl_chk_opts none;

    if (!opts) {
        memset(&none, 0, sizeof(none));
        opts = &none;
    }
    return c->type->check(c, h, opts, a, out, err);
}

void
fl_chk_free(struct fl_checker *c)
{
    if (c && c->type->free)
        c->type->free(c);
}
