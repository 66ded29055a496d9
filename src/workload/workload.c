/* SPDX-License-Identifier: MIT */
/*
 * workload.c: what the standard workloads share (workload.h); each
 * workload is its own file.
 */
#include "util/common.h"

#include "workload/workload.h"

#include "checker/workloads.h"
#include "gen/gen.h"

void
fl_workload_release(struct fl_workload *w)
{
    fl_gen_free(w->generator);
    fl_gen_free(w->final_generator);
    fl_chk_free(w->checker);
    w->generator = w->final_generator = NULL;
    w->checker = NULL;
}

void
fl_workload_take_gens(struct fl_workload *w, struct fl_gen **generator,
                      struct fl_gen **final_generator)
{
    *generator = w->generator;
    *final_generator = w->final_generator;
    w->generator = w->final_generator = NULL;
    fl_workload_release(w);
}

struct fl_gen *
fl_wl_final_read(void)
{
    struct fl_gen *read = fl_gen_invoke(FL_KW_READ, fl_val_nil());

    return fl_gen_until_ok(fl_gen_time_limit(
        FL_WL_FINAL_READ_NS,
        fl_gen_delay(FL_WL_FINAL_READ_GAP_NS, fl_gen_repeat(-1, read))));
}

int
fl_wl_divisor(int concurrency, int max)
{
    for (int d = FL_MIN(max, concurrency); d > 1; d--)
        if (concurrency % d == 0)
            return d;
    return 1;
}
