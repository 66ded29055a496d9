/* SPDX-License-Identifier: MIT */
/*
 * independent.c: Jepsen's independent/checker. Ops whose value is a
 * [key value] tuple are split into one history per key (values
 * unwrapped; nemesis ops, which have no key, are left out), the inner
 * checker runs on each, and the per-key results are merged.
 * Keys are listed in first-seen order; :failures names the invalid ones.
 * Keys are checked fewest ops first, and the first invalid one decides
 * the verdict: the keys after it are not checked ({:valid? :unknown
 * :cause :not-checked}, counted in :not-checked) unless the options say
 * :all-keys? true.
 */
#include "util/common.h"

#include "checker/chk_int.h"
#include "checker/registry.h"
#include "checker/workloads.h"

#include "util/err.h"
#include "util/map.h"

struct keyhist {
    fl_val key;
    struct fl_hist h;
};

/* Keys cheapest (fewest ops) first, so an invalid one is found early. */
static size_t *
key_order(const struct keyhist *keys, size_t nk)
{
    uint64_t *kv = fl_xmalloc((2 * nk + 1) * sizeof(*kv));
    size_t *order = fl_xmalloc((nk + 1) * sizeof(*order));

    for (size_t k = 0; k < nk; k++) {
        kv[2 * k] = keys[k].h.n;
        kv[2 * k + 1] = k;
    }
    qsort(kv, nk, 2 * sizeof(*kv), fl_chk__cmp_u64_pair);
    for (size_t k = 0; k < nk; k++)
        order[k] = (size_t)kv[2 * k + 1];
    free(kv);
    return order;
}

/* :all-keys? true in the checker's options: check keys after a failure. */
static bool
all_keys(const struct fl_chk_opts *opts)
{
    const fl_val *v =
        opts && opts->options ? fl_chk_opt(opts->options, "all-keys?") : NULL;

    return v && v->kind == FL_V_BOOL && v->u.b;
}

static void
not_checked_result(struct fl_arena *a, struct fl_chk_result *r)
{
    struct fl_chk__map e;

    fl_chk__map_init(&e, a);
    fl_chk__put_valid(&e, FL_VERDICT_UNKNOWN);
    fl_chk__put(&e, "cause", fl_val_kw(fl_kw_intern_cstr("not-checked")));
    r->map = fl_chk__map_done(&e);
    r->valid = FL_VERDICT_UNKNOWN;
}

/* The inner checker on one key's history; an error is an :unknown. */
static void
check_key(const struct fl_checker *inner, struct fl_hist *kh,
          const struct fl_chk_opts *opts, const char *kdir, struct fl_arena *a,
          struct fl_chk_result *r)
{
    struct fl_err kerr = FL_ERR_INIT;
    struct fl_chk_opts ko = {0};

    if (opts)
        ko = *opts;
    if (kdir)
        ko.out_dir = kdir;
    if (fl_hist_pair(kh, NULL, NULL, &kerr) < 0 ||
        inner->type->check(inner, kh, &ko, a, r, &kerr) < 0) {
        struct fl_chk__map e;
        fl_chk__map_init(&e, a);
        fl_chk__put_valid(&e, FL_VERDICT_UNKNOWN);
        fl_chk__put_str(&e, "error", kerr.msg);
        r->map = fl_chk__map_done(&e);
        r->valid = FL_VERDICT_UNKNOWN;
    }
}

static int
indep_check(const struct fl_checker *c, const struct fl_hist *h,
            const struct fl_chk_opts *opts, struct fl_arena *a,
            struct fl_chk_result *out, struct fl_err *err)
{
    const struct fl_checker *inner = c->ctx;
    struct keyhist *keys = NULL;
    size_t nk = 0, alloc = 0;
    struct fl_map idx; /* value hash -> first key position */
    int rc = 0;

    fl_map_init(&idx);
    for (size_t i = 0; i < h->n; i++) {
        const struct fl_op *op = &h->ops[i];
        if (!fl_op_is_client(op))
            continue;
        const fl_val *v = &op->value;
        if (!fl_val_is_seq(v) || v->n != 2) {
            if (op->type == FL_OP_INVOKE || v->kind != FL_V_NIL) {
                rc = fl_err_set(err, FL_EPARSE,
                                "independent checker: op %" PRId64
                                " has no [key value] tuple",
                                op->index);
                goto out;
            }
            continue; /* a crashed op's nil completion: no key */
        }
        const fl_val *key = &v->u.items[0];
        uint64_t hash = fl_val_hash(key);
        uint64_t *slot = fl_map_get(&idx, hash);
        size_t k = slot ? (size_t)*slot : nk;
        while (k < nk && !fl_val_equal(&keys[k].key, key))
            k++;
        if (k == nk) {
            FL_ALLOC_GROW(keys, nk + 1, alloc);
            keys[nk].key = *key;
            fl_hist_init(&keys[nk].h);
            if (!slot)
                fl_map_put(&idx, hash, nk);
            nk++;
        }
        struct fl_op sub = *op;
        sub.value = v->u.items[1];
        sub.pair = -1;
        fl_hist_append(&keys[k].h, &sub);
    }
    enum fl_verdict verdict = FL_VERDICT_TRUE;
    fl_val *results = fl_xcalloc(2 * (nk ? nk : 1), sizeof(*results));
    fl_val *failures = fl_xcalloc(nk ? nk : 1, sizeof(*failures));
    size_t *order = key_order(keys, nk);
    size_t nfail = 0, not_checked = 0;
    bool all = all_keys(opts);
    for (size_t i = 0; i < nk; i++) {
        size_t k = order[i];
        struct fl_chk_result r;
        char *kdir = NULL;
        /* Each key's artifacts go to independent/<key>/, as in Jepsen. */
        if (opts && opts->out_dir) {
            kdir = fl_chk__key_dir(opts->out_dir, &keys[k].key, err);
            if (!kdir) {
                rc = err->code;
                break;
            }
        }
        if (verdict == FL_VERDICT_FALSE && !all) {
            not_checked_result(a, &r);
            not_checked++;
        } else {
            check_key(inner, &keys[k].h, opts, kdir, a, &r);
        }
        verdict = fl_verdict_merge(verdict, r.valid);
        if (kdir)
            rc = fl_chk__write_edn(kdir, "results.edn", &r.map, err);
        free(kdir);
        if (rc)
            break;
        results[2 * k] = fl_val_copy(a, &keys[k].key);
        results[2 * k + 1] = r.map;
    }
    free(order);
    if (rc) {
        free(results);
        free(failures);
        goto out;
    }
    for (size_t k = 0; k < nk; k++) {
        const fl_val *ok = fl_val_map_get_kw(&results[2 * k + 1], FL_KW_VALID);
        if (ok && ok->kind == FL_V_BOOL && !ok->u.b)
            failures[nfail++] = results[2 * k];
    }
    struct fl_chk__map m;
    fl_chk__map_init(&m, a);
    fl_chk__put_valid(&m, verdict);
    fl_chk__put_int(&m, "key-count", (int64_t)nk);
    if (not_checked)
        fl_chk__put_int(&m, "not-checked", (int64_t)not_checked);
    fl_chk__put(&m, "failures", fl_val_coll(a, FL_V_VEC, failures, nfail));
    fl_chk__put(&m, "results", fl_val_map(a, results, nk));
    out->map = fl_chk__map_done(&m);
    out->valid = verdict;
    free(results);
    free(failures);
out:
    for (size_t k = 0; k < nk; k++)
        fl_hist_release(&keys[k].h);
    free(keys);
    fl_map_release(&idx);
    return rc;
}

static void
indep_free(struct fl_checker *c)
{
    fl_chk_free(c->ctx);
    free(c);
}

static const struct fl_checker_type independent_type = {
    .name = "independent",
    .check = indep_check,
    .free = indep_free,
};

struct fl_checker *
fl_chk_independent_new(struct fl_checker *inner)
{
    return fl_chk__new(&independent_type, inner);
}

bool
fl_chk_looks_independent(const struct fl_hist *h)
{
    size_t tuples = 0, reads = 0;

    for (size_t i = 0; i < h->n; i++) {
        const struct fl_op *op = &h->ops[i];
        const fl_val *v = &op->value;
        if (!fl_op_is_client(op) || fl_val_is_nil(v))
            continue;
        if (!fl_val_is_seq(v) || v->n != 2)
            return false;
        tuples++;
        /* A plain register read carries nil or a scalar, never a pair. */
        if (op->f == FL_KW_READ)
            reads++;
    }
    return tuples > 0 && reads > 0;
}
