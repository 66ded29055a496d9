/* SPDX-License-Identifier: MIT */
/*
 * set.c: Jepsen's set and set-full checkers over :add (an integer element)
 * and :read (a set or vector of integers) ops. set compares the last :ok
 * read with what was attempted and acknowledged; in a run cut short
 * (opts->incomplete) that read need not be a final one, and an add
 * acknowledged after it began that it misses is never-read, not lost. set-full
 * follows each element through every read that began after it was known to
 * exist (acknowledged, or seen by a read): it is lost when the last such read
 * misses it, stale when a read misses it but a later one has it again, and
 * never read when no read began after it was known.
 */
#include "util/common.h"

#include "checker/chk_int.h"
#include "checker/workloads.h"

#include "util/err.h"
#include "util/strbuf.h"
#include "util/vec.h"

/* Sorted integer sets. */

/* The integers of a read's value into v (sorted, with duplicates counted). */
static int
read_elems(const struct fl_op *op, struct fl_vec_i64 *v, size_t *dups,
           struct fl_err *err)
{
    const fl_val *val = &op->value;

    v->n = 0;
    if (val->kind == FL_V_NIL) {
        *dups = 0;
        return 0;
    }
    if (val->kind != FL_V_SET && !fl_val_is_seq(val))
        return fl_err_set(err, FL_EMODEL,
                          "set checker: op %" PRId64
                          ": a :read must return a set or a vector",
                          op->index);
    for (uint32_t i = 0; i < val->n; i++) {
        if (val->u.items[i].kind != FL_V_INT)
            return fl_err_set(err, FL_EMODEL,
                              "set checker: op %" PRId64
                              ": elements must be integers",
                              op->index);
        FL_VEC_PUSH(v, val->u.items[i].u.i);
    }
    size_t before = v->n;
    v->n = fl_chk__sort_unique(v->v, v->n);
    *dups = before - v->n;
    return 0;
}

static bool
has(const int64_t *v, size_t n, int64_t x)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && v[lo] == x;
}

static fl_val
interval_val(struct fl_arena *a, const int64_t *v, size_t n)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;

    fl_chk__interval_str(&sb, v, n);
    fl_val s = fl_val_str(a, sb.buf, sb.len);
    fl_strbuf_release(&sb);
    return s;
}

static int
add_value(const struct fl_op *op, int64_t *x, struct fl_err *err)
{
    if (op->value.kind != FL_V_INT)
        return fl_err_set(err, FL_EMODEL,
                          "set checker: op %" PRId64
                          ": :add needs an integer element",
                          op->index);
    *x = op->value.u.i;
    return 0;
}

static int
set_check(const struct fl_checker *c, const struct fl_hist *h,
          const struct fl_chk_opts *opts, struct fl_arena *a,
          struct fl_chk_result *out, struct fl_err *err)
{
    struct fl_vec_i64 attempts = {0}, adds = {0}, final = {0};
    struct fl_vec_i64 ok = {0}, lost = {0}, unexpected = {0}, recovered = {0};
    struct fl_vec_i64 late = {0}, never = {0};
    const struct fl_op *last_read = NULL;
    bool cut_short = opts && opts->incomplete;
    int32_t *pair = cut_short ? fl_chk__pairs(h) : NULL;
    struct fl_chk__map m;
    size_t dups;
    int rc = 0;

    FL_UNUSED(c);
    for (size_t i = 0; i < h->n && rc == 0; i++) {
        const struct fl_op *op = &h->ops[i];
        int64_t x = 0;
        if (!fl_op_is_client(op))
            continue;
        if (op->f == FL_KW_ADD && op->type == FL_OP_INVOKE) {
            rc = add_value(op, &x, err);
            if (rc == 0)
                FL_VEC_PUSH(&attempts, x);
        } else if (op->f == FL_KW_ADD && op->type == FL_OP_OK) {
            rc = add_value(op, &x, err);
            if (rc == 0)
                FL_VEC_PUSH(&adds, x);
        } else if (op->f == FL_KW_READ && op->type == FL_OP_OK) {
            last_read = op;
        }
    }
    /* Cut short: adds acknowledged after the last read began. */
    int64_t read_inv = INT64_MAX;
    if (cut_short && last_read) {
        size_t li = (size_t)(last_read - h->ops);
        read_inv =
            pair[li] >= 0 ? h->ops[pair[li]].time_ns : last_read->time_ns;
        for (size_t i = 0; i < h->n && rc == 0; i++) {
            const struct fl_op *op = &h->ops[i];
            int64_t x = 0;
            if (fl_op_is_client(op) && op->f == FL_KW_ADD &&
                op->type == FL_OP_OK && op->time_ns > read_inv &&
                add_value(op, &x, err) == 0)
                FL_VEC_PUSH(&late, x);
        }
        late.n = fl_chk__sort_unique(late.v, late.n);
    }
    if (rc < 0)
        goto out;
    fl_chk__map_init(&m, a);
    if (!last_read) {
        fl_chk__put_valid(&m, FL_VERDICT_UNKNOWN);
        fl_chk__put_str(&m, "error", "Set was never read");
        out->map = fl_chk__map_done(&m);
        out->valid = FL_VERDICT_UNKNOWN;
        goto out;
    }
    rc = read_elems(last_read, &final, &dups, err);
    if (rc < 0) {
        free(m.items);
        goto out;
    }
    attempts.n = fl_chk__sort_unique(attempts.v, attempts.n);
    adds.n = fl_chk__sort_unique(adds.v, adds.n);
    for (size_t i = 0; i < final.n; i++) {
        if (has(attempts.v, attempts.n, final.v[i])) {
            FL_VEC_PUSH(&ok, final.v[i]);
            if (!has(adds.v, adds.n, final.v[i]))
                FL_VEC_PUSH(&recovered, final.v[i]);
        } else {
            FL_VEC_PUSH(&unexpected, final.v[i]);
        }
    }
    for (size_t i = 0; i < adds.n; i++) {
        if (has(final.v, final.n, adds.v[i]))
            continue;
        if (has(late.v, late.n, adds.v[i]))
            FL_VEC_PUSH(&never, adds.v[i]);
        else
            FL_VEC_PUSH(&lost, adds.v[i]);
    }
    enum fl_verdict v =
        lost.n || unexpected.n ? FL_VERDICT_FALSE : FL_VERDICT_TRUE;
    fl_chk__put_valid(&m, v);
    fl_chk__put_int(&m, "attempt-count", (int64_t)attempts.n);
    fl_chk__put_int(&m, "acknowledged-count", (int64_t)adds.n);
    fl_chk__put_int(&m, "ok-count", (int64_t)ok.n);
    fl_chk__put_int(&m, "lost-count", (int64_t)lost.n);
    fl_chk__put_int(&m, "recovered-count", (int64_t)recovered.n);
    fl_chk__put_int(&m, "unexpected-count", (int64_t)unexpected.n);
    fl_chk__put(&m, "ok", interval_val(a, ok.v, ok.n));
    fl_chk__put(&m, "lost", interval_val(a, lost.v, lost.n));
    fl_chk__put(&m, "unexpected", interval_val(a, unexpected.v, unexpected.n));
    fl_chk__put(&m, "recovered", interval_val(a, recovered.v, recovered.n));
    if (cut_short) {
        /* Jepsen: an add no read followed is not lost, only unknown. */
        fl_chk__put(&m, "incomplete", fl_val_bool(true));
        fl_chk__put_int(&m, "never-read-count", (int64_t)never.n);
        fl_chk__put(&m, "never-read", interval_val(a, never.v, never.n));
    }
    out->map = fl_chk__map_done(&m);
    out->valid = v;
out:
    FL_VEC_RELEASE(&attempts);
    FL_VEC_RELEASE(&adds);
    FL_VEC_RELEASE(&final);
    FL_VEC_RELEASE(&ok);
    FL_VEC_RELEASE(&lost);
    FL_VEC_RELEASE(&unexpected);
    FL_VEC_RELEASE(&recovered);
    FL_VEC_RELEASE(&late);
    FL_VEC_RELEASE(&never);
    free(pair);
    return rc;
}

static const struct fl_checker_type set_type = {
    .name = "set",
    .check = set_check,
    .free = fl_chk__free_plain,
};

struct fl_checker *
fl_chk_set_new(void)
{
    return fl_chk__new(&set_type, NULL);
}

/* ---- set-full ---- */

struct sread {
    int64_t inv_ns, done_ns;
    struct fl_vec_i64 elems;
};

struct selem {
    int64_t x;
    int64_t known_ns; /* INT64_MAX: not known */
};

static int
cmp_elem(const void *a, const void *b)
{
    const struct selem *x = a, *y = b;

    return x->x < y->x ? -1 : x->x > y->x;
}

static int
set_full_check(const struct fl_checker *c, const struct fl_hist *h,
               const struct fl_chk_opts *opts, struct fl_arena *a,
               struct fl_chk_result *out, struct fl_err *err)
{
    bool linearizable = *(const bool *)c->ctx;
    int32_t *pair = fl_chk__pairs(h);
    struct sread *reads = NULL;
    size_t nreads = 0, ralloc = 0, dup_total = 0;
    struct selem *el = NULL;
    size_t nel = 0, ealloc = 0;
    struct fl_vec_i64 lost = {0}, stale = {0}, never = {0};
    int64_t stable = 0, worst_stale_ns = 0, worst_stale = 0;
    int rc = 0;

    for (size_t i = 0; i < h->n && rc == 0; i++) {
        const struct fl_op *op = &h->ops[i];
        if (!fl_op_is_client(op) || op->type != FL_OP_OK)
            continue;
        if (op->f == FL_KW_ADD) {
            int64_t x = 0;
            rc = add_value(op, &x, err);
            if (rc < 0)
                break;
            FL_ALLOC_GROW(el, nel + 1, ealloc);
            el[nel++] = (struct selem){x, op->time_ns};
        } else if (op->f == FL_KW_READ) {
            size_t dups;
            FL_ALLOC_GROW(reads, nreads + 1, ralloc);
            struct sread *r = &reads[nreads];
            memset(r, 0, sizeof(*r));
            r->inv_ns = pair[i] >= 0 ? h->ops[pair[i]].time_ns : op->time_ns;
            r->done_ns = op->time_ns;
            rc = read_elems(op, &r->elems, &dups, err);
            nreads++;
            dup_total += dups;
            /* An element a read saw is known from that read's end. */
            for (size_t k = 0; k < r->elems.n && rc == 0; k++) {
                FL_ALLOC_GROW(el, nel + 1, ealloc);
                el[nel++] = (struct selem){r->elems.v[k], op->time_ns};
            }
        }
    }
    if (rc < 0)
        goto out;
    /* One entry per element with its earliest known time. */
    if (nel)
        qsort(el, nel, sizeof(*el), cmp_elem);
    size_t k = 0;
    for (size_t i = 0; i < nel; i++) {
        if (k && el[k - 1].x == el[i].x) {
            if (el[i].known_ns < el[k - 1].known_ns)
                el[k - 1].known_ns = el[i].known_ns;
            continue;
        }
        el[k++] = el[i];
    }
    nel = k;
    for (size_t i = 0; i < nel; i++) {
        int64_t known = el[i].known_ns, last_absent_done = INT64_MIN;
        int64_t first_absent_inv = INT64_MAX;
        bool seen_after = false, last_present = false;
        int64_t last_inv = INT64_MIN;
        for (size_t r = 0; r < nreads; r++) {
            if (reads[r].inv_ns < known)
                continue;
            bool p = has(reads[r].elems.v, reads[r].elems.n, el[i].x);
            seen_after = true;
            if (reads[r].inv_ns >= last_inv) {
                last_inv = reads[r].inv_ns;
                last_present = p;
            }
            if (!p) {
                if (reads[r].inv_ns < first_absent_inv)
                    first_absent_inv = reads[r].inv_ns;
                if (reads[r].done_ns > last_absent_done)
                    last_absent_done = reads[r].done_ns;
            }
        }
        if (!seen_after) {
            FL_VEC_PUSH(&never, el[i].x);
        } else if (!last_present) {
            FL_VEC_PUSH(&lost, el[i].x);
        } else {
            stable++;
            if (first_absent_inv != INT64_MAX) {
                FL_VEC_PUSH(&stale, el[i].x);
                int64_t d = last_absent_done - known;
                if (d > worst_stale_ns) {
                    worst_stale_ns = d;
                    worst_stale = el[i].x;
                }
            }
        }
    }
    enum fl_verdict v = lost.n || (linearizable && stale.n) ? FL_VERDICT_FALSE
                                                            : FL_VERDICT_TRUE;
    if (nreads == 0)
        v = FL_VERDICT_UNKNOWN;
    struct fl_chk__map m;
    fl_chk__map_init(&m, a);
    fl_chk__put_valid(&m, v);
    fl_chk__put_int(&m, "attempt-count", (int64_t)nel);
    fl_chk__put_int(&m, "read-count", (int64_t)nreads);
    fl_chk__put_int(&m, "stable-count", stable);
    fl_chk__put_int(&m, "lost-count", (int64_t)lost.n);
    fl_chk__put(&m, "lost", interval_val(a, lost.v, lost.n));
    fl_chk__put_int(&m, "never-read-count", (int64_t)never.n);
    fl_chk__put(&m, "never-read", interval_val(a, never.v, never.n));
    fl_chk__put_int(&m, "stale-count", (int64_t)stale.n);
    fl_chk__put(&m, "stale", interval_val(a, stale.v, stale.n));
    if (stale.n) {
        struct fl_chk__map w;
        fl_chk__map_init(&w, a);
        fl_chk__put_int(&w, "element", worst_stale);
        fl_chk__put(&w, "outcome", fl_val_kw(fl_kw_intern_cstr("stable")));
        fl_chk__put(&w, "stable-latency",
                    fl_val_float((double)worst_stale_ns / 1e6));
        fl_chk__put(&m, "worst-stale", fl_chk__map_done(&w));
    }
    fl_chk__put_int(&m, "duplicated-count", (int64_t)dup_total);
    if (opts && opts->incomplete)
        fl_chk__put(&m, "incomplete", fl_val_bool(true));
    if (nreads == 0)
        fl_chk__put_str(&m, "error", "Set was never read");
    out->map = fl_chk__map_done(&m);
    out->valid = v;
out:
    for (size_t r = 0; r < nreads; r++)
        FL_VEC_RELEASE(&reads[r].elems);
    free(reads);
    free(el);
    free(pair);
    FL_VEC_RELEASE(&lost);
    FL_VEC_RELEASE(&stale);
    FL_VEC_RELEASE(&never);
    return rc;
}

static const struct fl_checker_type set_full_type = {
    .name = "set-full",
    .check = set_full_check,
    .free = fl_chk__free_plain,
};

struct fl_checker *
fl_chk_set_full_new(bool linearizable)
{
    bool *lin = fl_xmalloc(sizeof(*lin));

    *lin = linearizable;
    return fl_chk__new(&set_full_type, lin);
}
