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

int
fl_wl_divisor(int concurrency, int max)
{
    for (int d = FL_MIN(max, concurrency); d > 1; d--)
        if (concurrency % d == 0)
            return d;
    return 1;
}
