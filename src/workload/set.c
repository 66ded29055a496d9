/* SPDX-License-Identifier: MIT */
/*
 * set.c: the set workload (workload.h): adds of 0, 1, 2, ... with a read
 * of the whole set now and then (one in adds_per_read + 1 ops, drawn from
 * the generator context's rng), and one final read after healing. The
 * counter advances only when an add is committed, so the elements are
 * dense and the same for a seed.
 */
#include "util/common.h"

#include "workload/workload.h"

#include "checker/workloads.h"
#include "gen/gen.h"
#include "util/err.h"
#include "util/rng.h"

struct set_gen {
    int64_t next;          /* the next element to add */
    int64_t adds_per_read; /* mean adds between two reads */
};

static int
set_op(struct fl_gen *g, const struct fl_gen_ctx *ctx, struct fl_op *out)
{
    struct set_gen *s = g->ctx;
    uint64_t n = (uint64_t)s->adds_per_read + 1;

    if (fl_rng_below(fl_gen_ctx_rng(ctx), n) == 0)
        *out = fl_gen_template(FL_KW_READ, fl_val_nil());
    else
        *out = fl_gen_template(FL_KW_ADD, fl_val_int(s->next));
    return fl_gen_fill_in(ctx, out);
}

static void
set_commit(struct fl_gen *g, const struct fl_gen_ctx *ctx,
           const struct fl_op *op)
{
    struct set_gen *s = g->ctx;

    FL_UNUSED(ctx);
    if (op->f == FL_KW_ADD)
        s->next++;
}

static void *
set_clone(const struct fl_gen *g)
{
    struct set_gen *c = fl_xmalloc(sizeof(*c));

    *c = *(const struct set_gen *)g->ctx;
    return c;
}

static void
set_free(struct fl_gen *g)
{
    free(g->ctx);
}

static const struct fl_gen_type set_type = {
    .name = "set",
    .op = set_op,
    .commit = set_commit,
    .update = fl_gen_update_ignore,
    .clone = set_clone,
    .free = set_free,
};

int
fl_wl_set(const struct fl_wl_set_opts *o, struct fl_workload *w,
          struct fl_err *err)
{
    struct set_gen *s;

    if (o->adds_per_read < 1)
        return fl_err_set(err, FL_EUSAGE, "--adds-per-read must be positive");
    s = fl_xcalloc(1, sizeof(*s));
    s->adds_per_read = o->adds_per_read;
    w->generator = fl_gen_new(&set_type, s);
    w->final_generator = fl_wl_final_read();
    w->checker = fl_chk_set_full_new(o->linearizable);
    return 0;
}
