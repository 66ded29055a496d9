/* SPDX-License-Identifier: MIT */
/*
 * register.c: the register workload (workload.h). Each group of
 * threads_per_key threads works on one key at a time (fl_gen_independent)
 * for ops_per_key ops: reads, writes and cas ops in equal parts, drawn from
 * the generator context's rng so a seed gives the same schedule; with
 * readers > 0 that many threads of each group only read (memkv's stale-read
 * bug needs a reader that never writes).
 */
#include "util/common.h"

#include "workload/workload.h"

#include "checker/linear/linear.h"
#include "checker/workloads.h"
#include "gen/gen.h"
#include "model/model.h"
#include "os/os.h"
#include "util/err.h"
#include "util/rng.h"

struct reg {
    struct fl_wl_register_opts o; /* values defaulted */
};

static int
value_op(uint32_t f, const struct reg *r, const struct fl_gen_ctx *ctx,
         struct fl_op *t)
{
    struct fl_rng *rng = fl_gen_ctx_rng(ctx);
    uint64_t n = (uint64_t)r->o.values;

    t->f = f;
    if (f == FL_KW_WRITE) {
        t->value = fl_val_int((int64_t)fl_rng_below(rng, n));
    } else {
        fl_val pair[2] = {fl_val_int((int64_t)fl_rng_below(rng, n)),
                          fl_val_int((int64_t)fl_rng_below(rng, n))};
        t->value = fl_val_coll(ctx->arena, FL_V_VEC, pair, 2);
    }
    return FL_GEN_OP;
}

/* read, write or cas, a third each */
static int
any_op(void *arg, const struct fl_gen_ctx *ctx, struct fl_op *t)
{
    switch (fl_rng_below(fl_gen_ctx_rng(ctx), 3)) {
    case 0:
        t->f = FL_KW_READ;
        t->value = fl_val_nil();
        return FL_GEN_OP;
    case 1:
        return value_op(FL_KW_WRITE, arg, ctx, t);
    default:
        return value_op(FL_KW_CAS, arg, ctx, t);
    }
}

/* write or cas, half each (for the threads that are not readers) */
static int
update_op(void *arg, const struct fl_gen_ctx *ctx, struct fl_op *t)
{
    uint32_t f = fl_rng_below(fl_gen_ctx_rng(ctx), 2) ? FL_KW_CAS : FL_KW_WRITE;

    return value_op(f, arg, ctx, t);
}

static struct fl_gen *
key_gen(void *arg, int64_t key)
{
    struct reg *r = arg;
    struct fl_gen *g;

    FL_UNUSED(key);
    if (r->o.readers == 0) {
        g = fl_gen_fn(any_op, r, NULL);
    } else {
        struct fl_gen *reads =
            fl_gen_repeat(-1, fl_gen_invoke(FL_KW_READ, fl_val_nil()));
        g = fl_gen_reserve(&r->o.readers, &reads, 1,
                           fl_gen_fn(update_op, r, NULL));
    }
    return fl_gen_limit(r->o.ops_per_key, g);
}

int
fl_wl_register_opts_env(const struct fl_env *env, int concurrency, int dflt_tpk,
                        int64_t dflt_ops, struct fl_wl_register_opts *o,
                        struct fl_err *err)
{
    int64_t tpk, ops;
    int rc;

    rc = fl_env_opt_int_in(env, "ops-per-key", dflt_ops, 1, INT32_MAX, &ops,
                           err);
    if (rc == 0)
        rc = fl_env_opt_int_in(env, "threads-per-key", dflt_tpk, 1,
                               FL_MAX(concurrency, 1), &tpk, err);
    if (rc != 0)
        return rc;
    o->concurrency = concurrency;
    o->threads_per_key = (int)tpk;
    o->ops_per_key = ops;
    return 0;
}

static int
check_opts(const struct fl_wl_register_opts *o, struct fl_err *err)
{
    if (o->threads_per_key < 1 || o->concurrency < 1 ||
        o->concurrency % o->threads_per_key != 0)
        return fl_err_set(err, FL_EUSAGE,
                          "--threads-per-key %d must divide --concurrency %d",
                          o->threads_per_key, o->concurrency);
    if (o->ops_per_key < 1)
        return fl_err_set(err, FL_EUSAGE, "--ops-per-key must be positive");
    if (o->readers < 0 || o->readers >= o->threads_per_key)
        return fl_err_set(err, FL_EUSAGE,
                          "register: %d readers leave no writer among %d "
                          "threads per key",
                          o->readers, o->threads_per_key);
    if (o->values < 0)
        return fl_err_set(err, FL_EUSAGE, "register: negative value count");
    return 0;
}

int
fl_wl_register(const struct fl_wl_register_opts *o, struct fl_workload *w,
               struct fl_err *err)
{
    static const struct fl_linear_opts lin = {
        .model = &fl_model_cas_register_type,
        .init = NULL, /* a key nobody wrote reads nil */
        .independent = true,
    };
    struct reg *r;
    int rc = check_opts(o, err);

    if (rc != 0)
        return rc;
    r = fl_xcalloc(1, sizeof(*r));
    r->o = *o;
    if (r->o.values == 0)
        r->o.values = 5;
    w->generator = fl_gen_independent(o->threads_per_key, -1, key_gen, r, free);
    w->final_generator = NULL;
    w->checker = fl_chk_linear_new(&lin);
    return 0;
}
