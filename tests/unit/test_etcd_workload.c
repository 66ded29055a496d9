/* SPDX-License-Identifier: MIT */
/*
 * test_etcd_workload.c: the etcd suite's generators under simulated time
 * (gen/sim.h): the set workload adds unique elements and reads in
 * between. (The register workload is workload/'s: test_workload.c.)
 */
#include "util/common.h"

#include "tests/unit/test.h"

#include "gen/gen.h"
#include "gen/sim.h"
#include "history/hist.h"
#include "suites/etcd/etcd.h"
#include "util/err.h"

static void
test_etcd_set_gen(void)
{
    struct fl_hist h;
    struct fl_err err = FL_ERR_INIT;
    int64_t last = -1, reads = 0, adds = 0;

    fl_hist_init(&h);
    /* The run gives workloads to client threads only; so does this. */
    struct fl_gen *g = fl_gen_limit(550, fl_gen_clients(fl_etcd_set_gen(10)));
    ASSERT_OK(fl_gen_perfect(g, 1, &h, &err));
    fl_gen_free(g);
    for (size_t i = 0; i < h.n; i++) {
        const struct fl_op *op = &h.ops[i];
        if (op->type != FL_OP_INVOKE)
            continue;
        if (op->f == FL_KW_READ) {
            reads++;
            continue;
        }
        ASSERT_EQ(op->f, FL_KW_ADD);
        ASSERT(op->value.kind == FL_V_INT && op->value.u.i > last);
        last = op->value.u.i;
        adds++;
    }
    ASSERT_EQ(adds + reads, 550);
    ASSERT(reads * 20 >= adds && reads * 4 <= adds);
    fl_hist_release(&h);
}

static const struct fl_test_case etcd_workload_tests[] = {
    FL_TEST(test_etcd_set_gen),
    FL_TEST_END,
};

FL_TEST_SUITE(etcd_workload, etcd_workload_tests);
