/* SPDX-License-Identifier: MIT */
/*
 * long_fork.c: Jepsen's long-fork checker (jepsen.tests.long-fork). Write
 * transactions write one key once ([[:w k v]]); read transactions read a
 * group of keys ([[:r k1 v1] [:r k2 v2] ...]). Under snapshot isolation the
 * :ok reads of one group are totally ordered by which writes they saw: of
 * two reads, one must have seen everything the other saw. Two reads where
 * each saw a write the other missed are a long fork (allowed by parallel
 * snapshot isolation, not by SI). A key written twice makes the analysis
 * meaningless: :unknown. Reads of one group that saw different non-nil
 * values for one key, or reads whose size is not the group size, do not fit
 * the workload: an error. Within a group, reads that saw the same keys are
 * equal, so only the distinct sets of seen keys are compared pairwise.
 */
#include "util/common.h"

#include "checker/chk_int.h"
#include "checker/workloads.h"

#include "util/err.h"
#include "util/vec.h"

#define LF_MAX_FORKS 32 /* forks listed in the result (all are counted) */

struct lf_cfg {
    int group_size; /* 0: any, but every read of a group has the same keys */
};

struct lf_read {
    const struct fl_op *op;
    fl_val *kv; /* n pairs key, value, sorted by key */
    uint32_t n;
};

static bool
is_read_mop(const fl_val *m)
{
    return fl_val_is_seq(m) && m->n == 3 && m->u.items[0].kind == FL_V_KW &&
           (m->u.items[0].u.id == FL_KW_R || m->u.items[0].u.id == FL_KW_READ);
}

static bool
is_write_mop(const fl_val *m)
{
    return fl_val_is_seq(m) && m->n == 3 && m->u.items[0].kind == FL_V_KW &&
           (m->u.items[0].u.id == FL_KW_W || m->u.items[0].u.id == FL_KW_WRITE);
}

static bool
is_read_txn(const fl_val *v)
{
    if (!fl_val_is_seq(v) || v->n == 0)
        return false;
    for (uint32_t i = 0; i < v->n; i++)
        if (!is_read_mop(&v->u.items[i]))
            return false;
    return true;
}

static bool
is_write_txn(const fl_val *v)
{
    return fl_val_is_seq(v) && v->n == 1 && is_write_mop(&v->u.items[0]);
}

static int
kv_cmp(const void *pa, const void *pb)
{
    return fl_val_compare(pa, pb); /* the key, first of each pair */
}

static int
read_cmp(const void *pa, const void *pb)
{
    const struct lf_read *a = pa, *b = pb;

    if (a->n != b->n)
        return a->n < b->n ? -1 : 1;
    for (uint32_t i = 0; i < a->n; i++) {
        int c = fl_val_compare(&a->kv[2 * i], &b->kv[2 * i]);
        if (c)
            return c;
    }
    return a->op->index < b->op->index ? -1 : a->op->index > b->op->index;
}

static bool
same_keys(const struct lf_read *a, const struct lf_read *b)
{
    if (a->n != b->n)
        return false;
    for (uint32_t i = 0; i < a->n; i++)
        if (!fl_val_equal(&a->kv[2 * i], &b->kv[2 * i]))
            return false;
    return true;
}

/*
 * Compare two reads of one group: -1 if a saw a superset of b's writes, 1
 * if b did, 0 if equal, 2 if neither (a fork). Distinct non-nil values for
 * one key return -2 with err set: each key is written once.
 */
static int
read_compare(const struct fl_hist *h, const struct lf_read *a,
             const struct lf_read *b, struct fl_err *err)
{
    int res = 0;

    for (uint32_t i = 0; i < a->n; i++) {
        const fl_val *va = &a->kv[2 * i + 1], *vb = &b->kv[2 * i + 1];
        if (fl_val_equal(va, vb))
            continue;
        if (!fl_val_is_nil(va) && !fl_val_is_nil(vb)) {
            fl_chk__op_err(err, FL_EMODEL, h, b->op,
                           "long-fork: ops %" PRId64 " and %" PRId64 " read "
                           "different values of one key; each key must be "
                           "written once",
                           a->op->index, b->op->index);
            return -2;
        }
        int dir = fl_val_is_nil(vb) ? -1 : 1;
        if (res == -dir)
            return 2;
        res = dir;
    }
    return res;
}

static fl_val
op_summary(struct fl_arena *a, const struct fl_op *op)
{
    struct fl_chk__map m;

    fl_chk__map_init(&m, a);
    fl_chk__put_int(&m, "index", op->index);
    fl_chk__put_int(&m, "process", op->process);
    if (op->time_ns >= 0)
        fl_chk__put_int(&m, "time", op->time_ns);
    fl_chk__put(&m, "value", fl_val_copy(a, &op->value));
    return fl_chk__map_done(&m);
}

/* The :ok read txns, their pairs sorted by key; FL_EMODEL on a bad size. */
static int
lf_reads(const struct fl_hist *h, int group_size, struct lf_read **out,
         size_t *nout, struct fl_err *err)
{
    FL_VEC(, struct lf_read) rs = {0};
    int rc = 0;

    for (size_t i = 0; i < h->n && rc == 0; i++) {
        const struct fl_op *op = &h->ops[i];
        if (!fl_op_is_client(op) || op->type != FL_OP_OK ||
            !is_read_txn(&op->value))
            continue;
        if (group_size && op->value.n != (uint32_t)group_size) {
            rc = fl_chk__op_err(err, FL_EMODEL, h, op,
                                "long-fork: op %" PRId64 " read %u keys; every "
                                "read should read a group of %d",
                                op->index, op->value.n, group_size);
            break;
        }
        struct lf_read r = {op, fl_xcalloc(2 * op->value.n, sizeof(fl_val)),
                            op->value.n};
        for (uint32_t k = 0; k < r.n; k++) {
            r.kv[2 * k] = op->value.u.items[k].u.items[1];
            r.kv[2 * k + 1] = op->value.u.items[k].u.items[2];
        }
        qsort(r.kv, r.n, 2 * sizeof(fl_val), kv_cmp);
        FL_VEC_PUSH(&rs, r);
    }
    *out = rs.v;
    *nout = rs.n;
    return rc;
}

/* The first key written twice, or NULL. */
static const fl_val *
multiple_writes(const struct fl_hist *h)
{
    FL_VEC(, fl_val) keys = {0};
    const fl_val *dup = NULL;

    for (size_t i = 0; i < h->n; i++) {
        const struct fl_op *op = &h->ops[i];
        if (fl_op_is_client(op) && op->type == FL_OP_INVOKE &&
            is_write_txn(&op->value))
            FL_VEC_PUSH(&keys, op->value.u.items[0].u.items[1]);
    }
    if (keys.n)
        qsort(keys.v, keys.n, sizeof(*keys.v), kv_cmp);
    for (size_t i = 1; i < keys.n && !dup; i++)
        if (fl_val_equal(&keys.v[i - 1], &keys.v[i]))
            for (size_t j = 0; j < h->n && !dup; j++) {
                const fl_val *v = &h->ops[j].value;
                if (is_write_txn(v) &&
                    fl_val_equal(&v->u.items[0].u.items[1], &keys.v[i]))
                    dup = &v->u.items[0].u.items[1];
            }
    FL_VEC_RELEASE(&keys);
    return dup;
}

struct lf_stats {
    int64_t early, late, forks;
    FL_VEC(, fl_val) listed;
};

/* Each key of a group must have one non-nil value across its reads. */
static int
lf_values_agree(const struct fl_hist *h, const struct lf_read *r, size_t n,
                struct fl_err *err)
{
    for (uint32_t k = 0; n && k < r[0].n; k++) {
        const struct lf_read *first = NULL;
        for (size_t i = 0; i < n; i++) {
            const fl_val *v = &r[i].kv[2 * k + 1];
            if (fl_val_is_nil(v))
                continue;
            if (!first)
                first = &r[i];
            else if (read_compare(h, first, &r[i], err) == -2)
                return FL_EMODEL;
        }
    }
    return 0;
}

/* Order reads by which keys they saw (nil or not), then by index. */
static int
lf_nil_cmp(const void *pa, const void *pb)
{
    const struct lf_read *a = *(const struct lf_read *const *)pa;
    const struct lf_read *b = *(const struct lf_read *const *)pb;

    for (uint32_t k = 0; k < a->n; k++) {
        bool na = fl_val_is_nil(&a->kv[2 * k + 1]);
        bool nb = fl_val_is_nil(&b->kv[2 * k + 1]);
        if (na != nb)
            return na ? -1 : 1;
    }
    return a->op->index < b->op->index ? -1 : a->op->index > b->op->index;
}

static bool
lf_same_seen(const struct lf_read *a, const struct lf_read *b)
{
    for (uint32_t k = 0; k < a->n; k++)
        if (fl_val_is_nil(&a->kv[2 * k + 1]) !=
            fl_val_is_nil(&b->kv[2 * k + 1]))
            return false;
    return true;
}

/*
 * The forks of one group. Once every key has one value, a read is just the
 * set of keys it saw; reads that saw the same set are equal, so only the
 * distinct sets are compared pairwise (at most 2^group-size of them), and
 * a fork between two sets counts every pair of their reads, as comparing
 * all reads pairwise (Jepsen) would. Listed: the first read of each set.
 */
static int
lf_group(const struct fl_hist *h, const struct lf_read *r, size_t n,
         struct fl_arena *a, struct lf_stats *st, struct fl_err *err)
{
    const struct lf_read **by = NULL;
    size_t *start = NULL, nc = 0;
    int rc = lf_values_agree(h, r, n, err);

    if (rc || n < 2)
        return rc;
    by = fl_xmalloc(fl_st_mult(n, sizeof(*by)));
    start = fl_xmalloc(fl_st_mult(n + 1, sizeof(*start)));
    for (size_t i = 0; i < n; i++)
        by[i] = &r[i];
    qsort(by, n, sizeof(*by), lf_nil_cmp);
    for (size_t i = 0; i < n; i++)
        if (i == 0 || !lf_same_seen(by[i - 1], by[i]))
            start[nc++] = i;
    start[nc] = n;
    for (size_t i = 0; i < nc; i++) {
        for (size_t j = i + 1; j < nc; j++) {
            const struct lf_read *x = by[start[i]], *y = by[start[j]];
            if (read_compare(h, x, y, err) != 2)
                continue;
            st->forks += (int64_t)((start[i + 1] - start[i]) *
                                   (start[j + 1] - start[j]));
            if (st->listed.n >= LF_MAX_FORKS)
                continue;
            if (y->op->index < x->op->index) {
                const struct lf_read *t = x;
                x = y;
                y = t;
            }
            fl_val pair[2] = {op_summary(a, x->op), op_summary(a, y->op)};
            FL_VEC_PUSH(&st->listed, fl_val_coll(a, FL_V_VEC, pair, 2));
        }
    }
    free(by);
    free(start);
    return 0;
}

static void
count_early_late(const struct lf_read *r, struct lf_stats *st)
{
    uint32_t nils = 0;

    for (uint32_t k = 0; k < r->n; k++)
        nils += fl_val_is_nil(&r->kv[2 * k + 1]);
    st->early += nils == r->n;
    st->late += nils == 0;
}

static int
lf_check(const struct fl_checker *c, const struct fl_hist *h,
         const struct fl_chk_opts *opts, struct fl_arena *a,
         struct fl_chk_result *out, struct fl_err *err)
{
    const struct lf_cfg *cfg = c->ctx;
    struct lf_read *r = NULL;
    size_t nr = 0;
    struct lf_stats st = {0};
    struct fl_chk__map m;
    int rc;

    FL_UNUSED(opts);
    fl_chk__map_init(&m, a);
    const fl_val *dup = multiple_writes(h);
    rc = lf_reads(h, cfg->group_size, &r, &nr, err);
    if (rc)
        goto out;
    if (nr)
        qsort(r, nr, sizeof(*r), read_cmp);
    for (size_t i = 0; i < nr && rc == 0 && !dup;) {
        size_t j = i + 1;
        while (j < nr && same_keys(&r[i], &r[j]))
            j++;
        rc = lf_group(h, r + i, j - i, a, &st, err);
        i = j;
    }
    if (rc)
        goto out;
    for (size_t i = 0; i < nr; i++)
        count_early_late(&r[i], &st);
    enum fl_verdict v = dup        ? FL_VERDICT_UNKNOWN
                        : st.forks ? FL_VERDICT_FALSE
                                   : FL_VERDICT_TRUE;
    fl_chk__put_valid(&m, v);
    if (dup) {
        fl_val e[2] = {fl_val_kw(fl_kw_intern_cstr("multiple-writes")),
                       fl_val_copy(a, dup)};
        fl_chk__put(&m, "error", fl_val_coll(a, FL_V_VEC, e, 2));
    }
    fl_chk__put_int(&m, "reads-count", (int64_t)nr);
    fl_chk__put_int(&m, "early-read-count", st.early);
    fl_chk__put_int(&m, "late-read-count", st.late);
    fl_chk__put_int(&m, "fork-count", st.forks);
    fl_chk__put(&m, "forks",
                fl_val_coll(a, FL_V_VEC, st.listed.v, st.listed.n));
    out->valid = v;
    out->map = fl_chk__map_done(&m);
out:
    free(m.items);
    for (size_t i = 0; i < nr; i++)
        free(r[i].kv);
    free(r);
    FL_VEC_RELEASE(&st.listed);
    return rc;
}

static const struct fl_checker_type long_fork_type = {
    .name = "long-fork",
    .check = lf_check,
    .free = fl_chk__free_plain,
};

struct fl_checker *
fl_chk_long_fork_new(int group_size)
{
    struct lf_cfg *cfg = fl_xmalloc(sizeof(*cfg));

    cfg->group_size = group_size > 0 ? group_size : 0;
    return fl_chk__new(&long_fork_type, cfg);
}
