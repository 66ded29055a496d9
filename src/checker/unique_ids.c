/* SPDX-License-Identifier: MIT */
/*
 * unique_ids.c: Jepsen's unique-ids checker. Every :ok :generate must
 * return an id no other :ok :generate returned. The result counts the
 * attempts and acknowledgements, lists the most repeated ids (at most 48,
 * as Jepsen does) with how often each came back and the ops that returned
 * them, and gives the [lowest highest] range of the ids.
 */
#include "util/common.h"

#include "checker/chk_int.h"
#include "checker/workloads.h"

#include "util/err.h"
#include "util/vec.h"

#define UID_MAX_DUPS   48 /* duplicated ids listed (Jepsen's cap) */
#define UID_MAX_DUPOPS 8  /* ops listed per duplicated id */

struct uid {
    fl_val v;
    int64_t index;
};

static int
uid_cmp(const void *pa, const void *pb)
{
    const struct uid *a = pa, *b = pb;
    int c = fl_val_compare(&a->v, &b->v);

    if (c)
        return c;
    return a->index < b->index ? -1 : a->index > b->index;
}

struct dup {
    size_t first, count; /* run in the sorted ids */
};

static int
dup_cmp(const void *pa, const void *pb)
{
    const struct dup *a = pa, *b = pb;

    if (a->count != b->count)
        return a->count < b->count ? 1 : -1; /* most repeated first */
    return a->first < b->first ? -1 : a->first > b->first;
}

/* {id count} for the top duplicates, and {id [op indices]} beside it. */
static void
put_dups(struct fl_chk__map *m, const struct uid *ids, struct dup *d, size_t nd)
{
    size_t n = nd < UID_MAX_DUPS ? nd : UID_MAX_DUPS;
    fl_val *counts = fl_xcalloc(2 * (n ? n : 1), sizeof(*counts));
    fl_val *ops = fl_xcalloc(2 * (n ? n : 1), sizeof(*ops));
    fl_val idx[UID_MAX_DUPOPS];

    if (nd)
        qsort(d, nd, sizeof(*d), dup_cmp);
    for (size_t i = 0; i < n; i++) {
        const struct uid *u = &ids[d[i].first];
        size_t k = d[i].count < UID_MAX_DUPOPS ? d[i].count : UID_MAX_DUPOPS;
        for (size_t j = 0; j < k; j++)
            idx[j] = fl_val_int(u[j].index);
        counts[2 * i] = ops[2 * i] = fl_val_copy(m->a, &u->v);
        counts[2 * i + 1] = fl_val_int((int64_t)d[i].count);
        ops[2 * i + 1] = fl_val_coll(m->a, FL_V_VEC, idx, k);
    }
    fl_chk__put(m, "duplicated", fl_val_map(m->a, counts, n));
    fl_chk__put(m, "duplicated-ops", fl_val_map(m->a, ops, n));
    free(counts);
    free(ops);
}

static int
uid_check(const struct fl_checker *c, const struct fl_hist *h,
          const struct fl_chk_opts *opts, struct fl_arena *a,
          struct fl_chk_result *out, struct fl_err *err)
{
    FL_VEC(, struct uid) ids = {0};
    FL_VEC(, struct dup) dups = {0};
    int64_t attempted = 0;
    uint32_t gen = fl_kw_intern_cstr("generate");

    FL_UNUSED(c);
    FL_UNUSED(opts);
    FL_UNUSED(err);
    for (size_t i = 0; i < h->n; i++) {
        const struct fl_op *op = &h->ops[i];
        if (!fl_op_is_client(op) || op->f != gen)
            continue;
        if (op->type == FL_OP_INVOKE)
            attempted++;
        else if (op->type == FL_OP_OK)
            FL_VEC_PUSH(&ids, ((struct uid){op->value, op->index}));
    }
    if (ids.n)
        qsort(ids.v, ids.n, sizeof(*ids.v), uid_cmp);
    for (size_t i = 0; i < ids.n;) {
        size_t j = i + 1;
        while (j < ids.n && fl_val_equal(&ids.v[j].v, &ids.v[i].v))
            j++;
        if (j - i > 1)
            FL_VEC_PUSH(&dups, ((struct dup){i, j - i}));
        i = j;
    }
    bool valid = dups.n == 0;
    struct fl_chk__map m;
    fl_chk__map_init(&m, a);
    fl_chk__put_valid(&m, valid ? FL_VERDICT_TRUE : FL_VERDICT_FALSE);
    fl_chk__put_int(&m, "attempted-count", attempted);
    fl_chk__put_int(&m, "acknowledged-count", (int64_t)ids.n);
    fl_chk__put_int(&m, "duplicated-count", (int64_t)dups.n);
    put_dups(&m, ids.v, dups.v, dups.n);
    if (ids.n) {
        fl_val range[2] = {fl_val_copy(a, &ids.v[0].v),
                           fl_val_copy(a, &ids.v[ids.n - 1].v)};
        fl_chk__put(&m, "range", fl_val_coll(a, FL_V_VEC, range, 2));
    } else {
        fl_chk__put(&m, "range", fl_val_nil());
    }
    out->valid = valid ? FL_VERDICT_TRUE : FL_VERDICT_FALSE;
    out->map = fl_chk__map_done(&m);
    FL_VEC_RELEASE(&ids);
    FL_VEC_RELEASE(&dups);
    return 0;
}

static const struct fl_checker_type unique_ids_type = {
    .name = "unique-ids",
    .check = uid_check,
    .free = fl_chk__free_plain,
};

struct fl_checker *
fl_chk_unique_ids_new(void)
{
    return fl_chk__new(&unique_ids_type, NULL);
}
