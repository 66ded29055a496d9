/* SPDX-License-Identifier: MIT */
/*
 * bank.c: Jepsen's bank checker. Transfers move money between accounts, so
 * every :ok read (a map account -> balance) must show exactly the known
 * accounts, no nil balances, the configured total and, unless allowed, no
 * negative balance. Errors are grouped by type with the first, the worst
 * (furthest from the total) and the last example.
 */
#include "util/common.h"

#include "checker/chk_int.h"
#include "checker/workloads.h"

#include "util/err.h"
#include "util/vec.h"

struct bank_cfg {
    int naccounts;
    int64_t total;
    bool negative_ok;
};

enum bank_err { BE_UNEXPECTED_KEY, BE_NIL, BE_TOTAL, BE_NEGATIVE, BE_N };

static const char *const bank_err_names[BE_N] = {
    "unexpected-key", "nil-balance", "wrong-total", "negative-value"};

struct bank_group {
    int64_t count;
    fl_val first, worst, last;
    int64_t worst_score;
};

static fl_val
err_entry(struct fl_arena *a, const struct fl_op *op, const char *type,
          fl_val detail_key, fl_val detail)
{
    struct fl_chk__map m;

    fl_chk__map_init(&m, a);
    fl_chk__put_kw(&m, "type", type);
    fl_chk__put_int(&m, "index", op->index);
    fl_chk__put_int(&m, "process", op->process);
    if (detail_key.kind == FL_V_KW)
        fl_chk__put(&m, fl_kw_name(detail_key.u.id), detail);
    fl_chk__put(&m, "value", fl_val_copy(a, &op->value));
    return fl_chk__map_done(&m);
}

static void
note(struct bank_group *g, fl_val e, int64_t score)
{
    if (g->count == 0) {
        g->first = e;
        g->worst = e;
        g->worst_score = score;
    } else if (score > g->worst_score) {
        g->worst = e;
        g->worst_score = score;
    }
    g->last = e;
    g->count++;
}

static int
cmp_i64(const void *pa, const void *pb)
{
    int64_t x = *(const int64_t *)pa, y = *(const int64_t *)pb;

    return x < y ? -1 : x > y;
}

/* How often x occurs in the sorted s[0..n). */
static size_t
count_in(const int64_t *s, size_t n, int64_t x)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t c = 0;
    while (lo + c < n && s[lo + c] == x)
        c++;
    return c;
}

/* The value most of v[0..n) share, the earliest on a tie; 0 if n == 0. */
static int64_t
most_common(const int64_t *v, size_t n)
{
    int64_t *s = fl_xmalloc(fl_st_mult(n ? n : 1, sizeof(*s)));
    size_t bestn = 0;
    int64_t best = 0;

    if (n)
        memcpy(s, v, n * sizeof(*s));
    qsort(s, n, sizeof(*s), cmp_i64);
    for (size_t i = 0; i < n; i++) {
        size_t c = count_in(s, n, v[i]);
        if (c > bestn) {
            bestn = c;
            best = v[i];
        }
    }
    free(s);
    return best;
}

/*
 * Accounts and total read from the history itself, for a history with no
 * test map beside it: the accounts are the keys of the first :ok read
 * (0..max key), the total the sum most :ok reads agree on (the earliest
 * on a tie). A bug that shifts money changes a few totals, not the most
 * common one, so the reads that disagree are still reported.
 */
static void
bank_infer(const struct fl_hist *h, struct bank_cfg *cfg, bool *inferred)
{
    FL_VEC(, int64_t) sums = {0};
    bool need_accounts = cfg->naccounts <= 0;

    for (size_t i = 0; i < h->n; i++) {
        const struct fl_op *op = &h->ops[i];
        if (!fl_op_is_client(op) || op->type != FL_OP_OK ||
            op->f != FL_KW_READ || op->value.kind != FL_V_MAP)
            continue;
        int64_t sum = 0;
        for (uint32_t k = 0; k < op->value.n; k++) {
            const fl_val *key = &op->value.u.items[2 * k];
            const fl_val *bal = &op->value.u.items[2 * k + 1];
            if (need_accounts && key->kind == FL_V_INT &&
                key->u.i >= cfg->naccounts && key->u.i < INT32_MAX)
                cfg->naccounts = (int)key->u.i + 1;
            sum += bal->kind == FL_V_INT ? bal->u.i : 0;
        }
        need_accounts = false;
        FL_VEC_PUSH(&sums, sum);
    }
    if (cfg->total == FL_CHK_BANK_INFER)
        cfg->total = most_common(sums.v, sums.n);
    FL_VEC_RELEASE(&sums);
    *inferred = true;
}

static int
bank_check(const struct fl_checker *c, const struct fl_hist *h,
           const struct fl_chk_opts *opts, struct fl_arena *a,
           struct fl_chk_result *out, struct fl_err *err)
{
    struct bank_cfg eff = *(const struct bank_cfg *)c->ctx;
    const struct bank_cfg *cfg = &eff;
    bool inferred = false;
    struct bank_group g[BE_N];
    int64_t nreads = 0, nerrors = 0;
    fl_val first_error = fl_val_nil();

    FL_UNUSED(opts);
    memset(g, 0, sizeof(g));
    if (eff.naccounts <= 0 || eff.total == FL_CHK_BANK_INFER)
        bank_infer(h, &eff, &inferred);
    for (size_t i = 0; i < h->n; i++) {
        const struct fl_op *op = &h->ops[i];
        if (!fl_op_is_client(op) || op->type != FL_OP_OK || op->f != FL_KW_READ)
            continue;
        if (op->value.kind != FL_V_MAP)
            return fl_chk__op_err(err, FL_EMODEL, h, op,
                                  "bank checker: op %" PRId64
                                  ": a :read must return a map",
                                  op->index);
        nreads++;
        int64_t sum = 0;
        bool nil = false, before = nerrors > 0;
        for (uint32_t k = 0; k < op->value.n; k++) {
            const fl_val *key = &op->value.u.items[2 * k];
            const fl_val *bal = &op->value.u.items[2 * k + 1];
            if (key->kind != FL_V_INT || key->u.i < 0 ||
                key->u.i >= cfg->naccounts) {
                note(&g[BE_UNEXPECTED_KEY],
                     err_entry(a, op, "unexpected-key",
                               fl_val_kw(fl_kw_intern_cstr("key")),
                               fl_val_copy(a, key)),
                     0);
                nerrors++;
            }
            if (bal->kind != FL_V_INT) {
                nil = true;
                continue;
            }
            sum += bal->u.i;
            if (bal->u.i < 0 && !cfg->negative_ok) {
                note(&g[BE_NEGATIVE],
                     err_entry(a, op, "negative-value",
                               fl_val_kw(fl_kw_intern_cstr("negative")), *bal),
                     -bal->u.i);
                nerrors++;
            }
        }
        if (nil) {
            note(&g[BE_NIL],
                 err_entry(a, op, "nil-balance", fl_val_nil(), fl_val_nil()),
                 0);
            nerrors++;
        } else if (sum != cfg->total) {
            note(&g[BE_TOTAL],
                 err_entry(a, op, "wrong-total",
                           fl_val_kw(fl_kw_intern_cstr("total")),
                           fl_val_int(sum)),
                 sum > cfg->total ? sum - cfg->total : cfg->total - sum);
            nerrors++;
        }
        if (!before && nerrors > 0) {
            /* This read is the first bad one: report its first error. */
            for (int t = 0; t < BE_N; t++) {
                if (g[t].count) {
                    first_error = g[t].first;
                    break;
                }
            }
        }
    }
    fl_val items[2 * BE_N];
    size_t n = 0;
    for (int t = 0; t < BE_N; t++) {
        if (!g[t].count)
            continue;
        struct fl_chk__map m;
        fl_chk__map_init(&m, a);
        fl_chk__put_int(&m, "count", g[t].count);
        fl_chk__put(&m, "first", g[t].first);
        fl_chk__put(&m, "worst", g[t].worst);
        fl_chk__put(&m, "last", g[t].last);
        items[2 * n] = fl_val_kw(fl_kw_intern_cstr(bank_err_names[t]));
        items[2 * n + 1] = fl_chk__map_done(&m);
        n++;
    }
    enum fl_verdict v = nerrors ? FL_VERDICT_FALSE : FL_VERDICT_TRUE;
    if (nreads == 0)
        v = FL_VERDICT_UNKNOWN;
    struct fl_chk__map m;
    fl_chk__map_init(&m, a);
    fl_chk__put_valid(&m, v);
    fl_chk__put_int(&m, "read-count", nreads);
    fl_chk__put_int(&m, "error-count", nerrors);
    if (nerrors)
        fl_chk__put(&m, "first-error", first_error);
    fl_chk__put(&m, "errors", fl_val_map(a, items, n));
    if (inferred) {
        /* Say where the expectations came from, so nobody trusts blindly. */
        fl_chk__put_int(&m, "inferred-accounts", cfg->naccounts);
        fl_chk__put_int(&m, "inferred-total", cfg->total);
    }
    if (nreads == 0)
        fl_chk__put_str(&m, "error", "No reads completed");
    out->map = fl_chk__map_done(&m);
    out->valid = v;
    return 0;
}

static const struct fl_checker_type bank_type = {
    .name = "bank",
    .check = bank_check,
    .free = fl_chk__free_plain,
};

struct fl_checker *
fl_chk_bank_new(int naccounts, int64_t total, bool negative_ok)
{
    struct bank_cfg *cfg = fl_xmalloc(sizeof(*cfg));

    cfg->naccounts = naccounts;
    cfg->total = total;
    cfg->negative_ok = negative_ok;
    return fl_chk__new(&bank_type, cfg);
}
