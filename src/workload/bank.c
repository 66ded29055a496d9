/* SPDX-License-Identifier: MIT */
/*
 * bank.c: the bank workload (workload.h): :transfer {:from a :to b
 * :amount 1..5} between two distinct accounts (four ops in five) and :read
 * of every balance, then a final read, checked by Jepsen's bank checker
 * (every read holds all accounts, sums to the total, nothing negative
 * unless allowed).
 */
#include "util/common.h"

#include "workload/workload.h"

#include "checker/workloads.h"
#include "gen/gen.h"
#include "util/err.h"
#include "util/rng.h"

static int
bank_op(void *arg, const struct fl_gen_ctx *ctx, struct fl_op *t)
{
    const struct fl_wl_bank_opts *o = arg;
    struct fl_rng *rng = fl_gen_ctx_rng(ctx);
    uint64_t n = (uint64_t)o->accounts;

    if (fl_rng_below(rng, 5) == 0) {
        t->f = FL_KW_READ;
        return FL_GEN_OP;
    }
    int64_t from = (int64_t)fl_rng_below(rng, n);
    int64_t to = (int64_t)fl_rng_below(rng, n - 1);
    if (to >= from)
        to++;
    fl_val items[6] = {
        fl_val_kw(fl_kw_intern_cstr("from")),
        fl_val_int(from),
        fl_val_kw(fl_kw_intern_cstr("to")),
        fl_val_int(to),
        fl_val_kw(fl_kw_intern_cstr("amount")),
        fl_val_int(1 + (int64_t)fl_rng_below(rng, 5)),
    };
    t->f = FL_KW_TRANSFER;
    t->value = fl_val_map(ctx->arena, items, 3);
    return FL_GEN_OP;
}

int
fl_wl_bank(const struct fl_wl_bank_opts *o, struct fl_workload *w,
           struct fl_err *err)
{
    struct fl_wl_bank_opts *arg;

    if (o->accounts < 2 || o->total < 0)
        return fl_err_set(err, FL_EUSAGE,
                          "bank: needs at least 2 accounts and a total >= 0 "
                          "(%d accounts, total %" PRId64 ")",
                          o->accounts, o->total);
    arg = fl_xmalloc(sizeof(*arg));
    *arg = *o;
    w->generator = fl_gen_fn(bank_op, arg, free);
    w->final_generator = fl_wl_final_read();
    w->checker = fl_chk_bank_new(o->accounts, o->total, o->negative_ok);
    return 0;
}
