/* SPDX-License-Identifier: MIT */
/*
 * queue.c: the queue workload (workload.h): :enqueue of 0, 1, 2, ...
 * (dense and unique: the counter moves on commit) and :dequeue, half each,
 * checked for linearizability against an unordered queue (every dequeued
 * element was enqueued, none twice, none out of thin air; Knossos's
 * unordered-queue, split per element so long histories stay cheap).
 */
#include "util/common.h"

#include "workload/workload.h"

#include "checker/linear/linear.h"
#include "gen/gen.h"
#include "model/model.h"
#include "util/rng.h"

struct queue_gen {
    int64_t next; /* the next element to enqueue */
};

static int
queue_op(struct fl_gen *g, const struct fl_gen_ctx *ctx, struct fl_op *out)
{
    const struct queue_gen *s = g->ctx;

    if (fl_rng_below(fl_gen_ctx_rng(ctx), 2) == 0)
        *out = fl_gen_template(FL_KW_DEQUEUE, fl_val_nil());
    else
        *out = fl_gen_template(FL_KW_ENQUEUE, fl_val_int(s->next));
    return fl_gen_fill_in(ctx, out);
}

static void
queue_commit(struct fl_gen *g, const struct fl_gen_ctx *ctx,
             const struct fl_op *op)
{
    struct queue_gen *s = g->ctx;

    FL_UNUSED(ctx);
    if (op->f == FL_KW_ENQUEUE)
        s->next++;
}

static void *
queue_clone(const struct fl_gen *g)
{
    struct queue_gen *c = fl_xmalloc(sizeof(*c));

    *c = *(const struct queue_gen *)g->ctx;
    return c;
}

static void
queue_free(struct fl_gen *g)
{
    free(g->ctx);
}

static const struct fl_gen_type queue_type = {
    .name = "queue",
    .op = queue_op,
    .commit = queue_commit,
    .update = fl_gen_update_ignore,
    .clone = queue_clone,
    .free = queue_free,
};

void
fl_wl_queue(struct fl_workload *w)
{
    static const struct fl_linear_opts lin = {
        .model = &fl_model_unordered_queue_type,
    };

    w->generator =
        fl_gen_new(&queue_type, fl_xcalloc(1, sizeof(struct queue_gen)));
    w->final_generator = NULL;
    w->checker = fl_chk_linear_new(&lin);
}
