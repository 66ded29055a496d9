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
bank_check(const struct fl_checker *c, const struct fl_hist *h,
           const struct fl_chk_opts *opts, struct fl_arena *a,
           struct fl_chk_result *out, struct fl_err *err)
{
    const struct bank_cfg *cfg = c->ctx;
    struct bank_group g[BE_N];
    int64_t nreads = 0, nerrors = 0;
    fl_val first_error = fl_val_nil();

    FL_UNUSED(opts);
    memset(g, 0, sizeof(g));
    for (size_t i = 0; i < h->n; i++) {
        const struct fl_op *op = &h->ops[i];
        if (!fl_op_is_client(op) || op->type != FL_OP_OK || op->f != FL_KW_READ)
            continue;
        if (op->value.kind != FL_V_MAP)
            return fl_err_set(err, FL_EMODEL,
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
