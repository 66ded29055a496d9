/* SPDX-License-Identifier: MIT */
/*
 * counter.c: Jepsen's counter checker. Walking the history in order, the
 * lower bound is the sum of adds that completed :ok and the upper bound
 * the sum of adds invoked and not known to have failed; a read is correct
 * when its value lies between the lower bound when it was invoked and the
 * upper bound when it completed.
 */
#include "util/common.h"

#include "checker/chk_int.h"
#include "checker/workloads.h"

#include "util/err.h"
#include "util/map.h"

#define MAX_LISTED 64 /* reads and errors listed in the result */

static fl_val
triple(struct fl_arena *a, int64_t lo, const fl_val *v, int64_t hi)
{
    fl_val items[3] = {fl_val_int(lo), fl_val_copy(a, v), fl_val_int(hi)};

    return fl_val_coll(a, FL_V_VEC, items, 3);
}

static int
counter_check(const struct fl_checker *c, const struct fl_hist *h,
              const struct fl_chk_opts *opts, struct fl_arena *a,
              struct fl_chk_result *out, struct fl_err *err)
{
    struct fl_map pending; /* process -> lower bound at read invocation */
    int32_t *pair = fl_chk__pairs(h);
    int64_t lower = 0, upper = 0, nreads = 0, nerrors = 0;
    fl_val *reads = NULL, *errors = NULL;
    size_t nr = 0, ne = 0, ra = 0, ea = 0;
    int rc = 0;

    FL_UNUSED(c);
    FL_UNUSED(opts);
    fl_map_init(&pending);
    for (size_t i = 0; i < h->n; i++) {
        const struct fl_op *op = &h->ops[i];
        if (!fl_op_is_client(op))
            continue;
        if (op->f == FL_KW_ADD) {
            const fl_val *v = &op->value;
            if (v->kind != FL_V_INT || v->u.i < 0) {
                rc = fl_err_set(err, FL_EMODEL,
                                "counter checker: op %" PRId64
                                ": :add needs a non-negative integer",
                                op->index);
                goto out;
            }
            if (op->type == FL_OP_INVOKE)
                upper += v->u.i;
            else if (op->type == FL_OP_OK)
                lower += v->u.i;
            else if (op->type == FL_OP_FAIL)
                upper -= v->u.i;
        } else if (op->f == FL_KW_READ) {
            if (op->type == FL_OP_INVOKE) {
                fl_map_put(&pending, (uint64_t)i, (uint64_t)lower);
            } else if (op->type == FL_OP_OK) {
                uint64_t *lo = pair[i] >= 0
                                   ? fl_map_get(&pending, (uint64_t)pair[i])
                                   : NULL;
                int64_t l = lo ? (int64_t)*lo : 0;
                nreads++;
                bool bad = op->value.kind != FL_V_INT || op->value.u.i < l ||
                           op->value.u.i > upper;
                if (nr < MAX_LISTED) {
                    FL_ALLOC_GROW(reads, nr + 1, ra);
                    reads[nr++] = triple(a, l, &op->value, upper);
                }
                if (bad) {
                    nerrors++;
                    if (ne < MAX_LISTED) {
                        FL_ALLOC_GROW(errors, ne + 1, ea);
                        errors[ne++] = triple(a, l, &op->value, upper);
                    }
                }
            }
        }
    }
    enum fl_verdict v = nerrors ? FL_VERDICT_FALSE : FL_VERDICT_TRUE;
    struct fl_chk__map m;
    fl_chk__map_init(&m, a);
    fl_chk__put_valid(&m, v);
    fl_chk__put_int(&m, "read-count", nreads);
    fl_chk__put_int(&m, "error-count", nerrors);
    fl_chk__put(&m, "reads", fl_val_coll(a, FL_V_VEC, reads, nr));
    fl_chk__put(&m, "errors", fl_val_coll(a, FL_V_VEC, errors, ne));
    out->map = fl_chk__map_done(&m);
    out->valid = v;
out:
    free(reads);
    free(errors);
    free(pair);
    fl_map_release(&pending);
    return rc;
}

static const struct fl_checker_type counter_type = {
    .name = "counter",
    .check = counter_check,
    .free = fl_chk__free_plain,
};

struct fl_checker *
fl_chk_counter_new(void)
{
    return fl_chk__new(&counter_type, NULL);
}
