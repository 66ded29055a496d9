/* SPDX-License-Identifier: MIT */
/*
 * counter.c: the counter workload (workload.h): :add of 1..5 (nine ops in
 * ten) and :read, then a final read after healing, checked by Jepsen's
 * counter checker (every read between the acknowledged and the attempted
 * sums).
 */
#include "util/common.h"

#include "workload/workload.h"

#include "checker/workloads.h"
#include "gen/gen.h"
#include "util/rng.h"

static int
counter_op(void *arg, const struct fl_gen_ctx *ctx, struct fl_op *t)
{
    struct fl_rng *rng = fl_gen_ctx_rng(ctx);

    FL_UNUSED(arg);
    if (fl_rng_below(rng, 10) == 0) {
        t->f = FL_KW_READ;
    } else {
        t->f = FL_KW_ADD;
        t->value = fl_val_int(1 + (int64_t)fl_rng_below(rng, 5));
    }
    return FL_GEN_OP;
}

void
fl_wl_counter(struct fl_workload *w)
{
    w->generator = fl_gen_fn(counter_op, NULL, NULL);
    w->final_generator = fl_wl_final_read();
    w->checker = fl_chk_counter_new();
}
