/* SPDX-License-Identifier: MIT */
/*
 * test_etcd_workload.c: the etcd suite's generators under simulated time
 * (gen/sim.h): the register workload keeps each key to one group of
 * threads and to ops-per-key ops, with [key value] values of the shapes
 * the client and the cas-register model expect; the set workload adds
 * unique elements and reads in between.
 */
#include "util/common.h"

#include "tests/unit/test.h"

#include "gen/gen.h"
#include "gen/sim.h"
#include "history/hist.h"
#include "suites/etcd/etcd.h"
#include "util/err.h"

static void
test_etcd_register_gen(void)
{
    struct fl_hist h;
    struct fl_err err = FL_ERR_INIT;
    const int conc = 6, tpk = 3;
    const int64_t per_key = 10;
    int64_t invokes_of[64] = {0};
    int group_of[64];

    for (size_t i = 0; i < FL_ARRAY_SIZE(group_of); i++)
        group_of[i] = -1;
    fl_hist_init(&h);
    struct fl_gen *g = fl_gen_limit(300, fl_etcd_register_gen(tpk, per_key));
    ASSERT_OK(fl_gen_perfect(g, conc, &h, &err));
    fl_gen_free(g);

    size_t invokes = 0;
    int seen_f[3] = {0};
    for (size_t i = 0; i < h.n; i++) {
        const struct fl_op *op = &h.ops[i];
        if (op->type != FL_OP_INVOKE)
            continue;
        invokes++;
        ASSERT(op->value.kind == FL_V_VEC && op->value.n == 2);
        const fl_val *k = &op->value.u.items[0], *v = &op->value.u.items[1];
        ASSERT_EQ(k->kind, FL_V_INT);
        ASSERT(k->u.i >= 0 && k->u.i < 64);
        invokes_of[k->u.i]++;
        /* Every op on a key comes from the same group of threads. */
        int group = (op->process % conc) / tpk;
        if (group_of[k->u.i] < 0)
            group_of[k->u.i] = group;
        ASSERT_EQ(group_of[k->u.i], group);
        if (op->f == FL_KW_READ) {
            ASSERT(fl_val_is_nil(v));
            seen_f[0]++;
        } else if (op->f == FL_KW_WRITE) {
            ASSERT(v->kind == FL_V_INT && v->u.i >= 0 && v->u.i < 5);
            seen_f[1]++;
        } else {
            ASSERT_EQ(op->f, FL_KW_CAS);
            ASSERT(v->kind == FL_V_VEC && v->n == 2);
            seen_f[2]++;
        }
    }
    ASSERT_EQ(invokes, 300);
    for (size_t k = 0; k < 64; k++)
        ASSERT(invokes_of[k] <= per_key);
    ASSERT(invokes_of[0] == per_key && invokes_of[29] == per_key);
    ASSERT(seen_f[0] > 50 && seen_f[1] > 50 && seen_f[2] > 50);
    fl_hist_release(&h);
}

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
    FL_TEST(test_etcd_register_gen),
    FL_TEST(test_etcd_set_gen),
    FL_TEST_END,
};

FL_TEST_SUITE(etcd_workload, etcd_workload_tests);
