/* SPDX-License-Identifier: MIT */
/*
 * suite.c: `faultline test memkv`, the self-test suite: workloads register
 * (independent cas-registers, linearizability), set (adds and reads, set
 * and set-full), counter and bank, against the in-process store of
 * memkv.c with the bug chosen by --bug, plus queue (queue and
 * total-queue), unique-ids and long-fork. Checkers are built from the
 * EDN spec recorded in test.edn (checker/registry.h). It needs no nodes and no
 * root, so the CLI tests run it; docs/memkv.md says what it is for.
 */
#include "util/common.h"

#include "memkv.h"

#include "checker/linear/linear.h"
#include "checker/workloads.h"
#include "gen/gen.h"
#include "run/test.h"
#include "util/arena.h"
#include "util/clock.h"
#include "util/err.h"

static const char *const memkv_workloads[] = {
    "register", "set",        "counter",   "bank",
    "queue",    "unique-ids", "long-fork", NULL};
/*
 * test-all runs memkv without faults; --nemesis also takes the faults of
 * the self-tests (docs/memkv.md), whose exact schedule makes a short run
 * wait out a whole fault.
 */
static const char *const memkv_nemeses[] = {"none", NULL};
static const char *const memkv_faults[] = {"none", "pause", "partition", NULL};

static const struct fl_suite_opt memkv_opts[] = {
    {"bug", "BUG", "none", "none, stale-read, lost-update or panic"},
    {"threads-per-key", "N", NULL,
     "register: threads per key (default: a divisor of the concurrency "
     "up to 5)"},
    {"ops-per-key", "N", "100", "register: ops per key"},
    {NULL, NULL, NULL, NULL},
};

/*
 * Checkers every workload gets besides its own: stats, exceptions, and the
 * store's node log scanned for panics (the panic bug plants one).
 */
#define MEMKV_COMMON                                                           \
    " :stats {} :exceptions {}"                                                \
    " :log-file-pattern {:pattern \"panic|fatal\" :file \"memkv.log\"}}"

/* ---- register ---- */

struct reg_cfg {
    int threads_per_key, readers;
    int64_t ops_per_key;
};

static int
reg_write_or_cas(void *arg, const struct fl_gen_ctx *ctx, struct fl_op *t)
{
    struct fl_rng *rng = fl_gen_ctx_rng(ctx);

    FL_UNUSED(arg);
    if (fl_rng_below(rng, 3) == 0) {
        t->f = FL_KW_WRITE;
        t->value = fl_val_int((int64_t)fl_rng_below(rng, 5));
    } else {
        fl_val pair[2];
        pair[0] = fl_val_int((int64_t)fl_rng_below(rng, 5));
        pair[1] = fl_val_int((int64_t)fl_rng_below(rng, 5));
        t->f = FL_KW_CAS;
        t->value = fl_val_coll(ctx->arena, FL_V_VEC, pair, 2);
    }
    return FL_GEN_OP;
}

static struct fl_gen *
reg_key_gen(void *arg, int64_t key)
{
    const struct reg_cfg *cfg = arg;
    struct fl_gen *reads =
        fl_gen_repeat(-1, fl_gen_invoke(FL_KW_READ, fl_val_nil()));
    struct fl_gen *writes = fl_gen_fn(reg_write_or_cas, NULL, NULL);

    FL_UNUSED(key);
    if (cfg->readers == 0) /* one thread per key: it reads and writes */
        return fl_gen_limit(cfg->ops_per_key, FL_GEN_MIX(reads, writes));
    return fl_gen_limit(cfg->ops_per_key,
                        fl_gen_reserve(&cfg->readers, &reads, 1, writes));
}

static int
build_register(struct fl_test *t, struct fl_err *err)
{
    const struct fl_env *env = &t->env;
    struct reg_cfg *cfg = fl_xcalloc(1, sizeof(*cfg));
    int tpk = (int)fl_env_opt_int(env, "threads-per-key", 0);

    if (tpk == 0) {
        tpk = 1;
        for (int d = 5; d >= 1; d--)
            if (t->concurrency % d == 0) {
                tpk = d;
                break;
            }
    }
    if (tpk < 1 || tpk > t->concurrency || t->concurrency % tpk != 0) {
        free(cfg);
        return fl_err_set(err, FL_EUSAGE,
                          "--threads-per-key %d must divide --concurrency %d",
                          tpk, t->concurrency);
    }
    cfg->threads_per_key = tpk;
    cfg->readers = tpk / 2;
    cfg->ops_per_key = fl_env_opt_int(env, "ops-per-key", 100);
    if (cfg->ops_per_key < 1) {
        free(cfg);
        return fl_err_set(err, FL_EUSAGE, "--ops-per-key must be positive");
    }
    t->generator = fl_gen_independent(tpk, -1, reg_key_gen, cfg, free);

    return fl_test_set_checker(
        t, "{:linear {:model :cas-register :independent? true}" MEMKV_COMMON,
        err);
}

/* ---- set ---- */

/* Adds of 0, 1, 2, ... with an occasional read; the counter advances only
 * when an add is used, so values are dense and the same for a seed. */
struct set_gen {
    int64_t next;
};

static int
set_gen_op(struct fl_gen *g, const struct fl_gen_ctx *ctx, struct fl_op *out)
{
    struct set_gen *s = g->ctx;

    if (fl_rng_below(fl_gen_ctx_rng(ctx), 50) == 0)
        *out = fl_gen_template(FL_KW_READ, fl_val_nil());
    else
        *out = fl_gen_template(FL_KW_ADD, fl_val_int(s->next));
    return fl_gen_fill_in(ctx, out);
}

static void
set_gen_commit(struct fl_gen *g, const struct fl_gen_ctx *ctx,
               const struct fl_op *op)
{
    struct set_gen *s = g->ctx;

    FL_UNUSED(ctx);
    if (op->f == FL_KW_ADD)
        s->next++;
}

static void *
set_gen_clone(const struct fl_gen *g)
{
    struct set_gen *c = fl_xmalloc(sizeof(*c));

    *c = *(const struct set_gen *)g->ctx;
    return c;
}

static void
set_gen_free(struct fl_gen *g)
{
    free(g->ctx);
}

static const struct fl_gen_type set_gen_type = {
    .name = "memkv-set",
    .op = set_gen_op,
    .commit = set_gen_commit,
    .update = fl_gen_update_ignore,
    .clone = set_gen_clone,
    .free = set_gen_free,
};

static int
build_set(struct fl_test *t, struct fl_err *err)
{
    t->generator =
        fl_gen_new(&set_gen_type, fl_xcalloc(1, sizeof(struct set_gen)));
    t->final_generator = fl_gen_invoke(FL_KW_READ, fl_val_nil());
    return fl_test_set_checker(t, "{:set {} :set-full {}" MEMKV_COMMON, err);
}

/* ---- counter ---- */

static int
counter_op(void *arg, const struct fl_gen_ctx *ctx, struct fl_op *t)
{
    struct fl_rng *rng = fl_gen_ctx_rng(ctx);

    FL_UNUSED(arg);
    if (fl_rng_below(rng, 10) == 0) {
        t->f = FL_KW_READ;
    } else {
        t->f = FL_KW_ADD;
        t->value = fl_val_int(1 + (int64_t)fl_rng_below(rng, 5));
    }
    return FL_GEN_OP;
}

static int
build_counter(struct fl_test *t, struct fl_err *err)
{
    t->generator = fl_gen_fn(counter_op, NULL, NULL);
    t->final_generator = fl_gen_invoke(FL_KW_READ, fl_val_nil());
    return fl_test_set_checker(t, "{:counter {}" MEMKV_COMMON, err);
}

/* ---- bank ---- */

static int
bank_op(void *arg, const struct fl_gen_ctx *ctx, struct fl_op *t)
{
    struct fl_rng *rng = fl_gen_ctx_rng(ctx);

    FL_UNUSED(arg);
    if (fl_rng_below(rng, 5) == 0) {
        t->f = FL_KW_READ;
        return FL_GEN_OP;
    }
    int64_t from = (int64_t)fl_rng_below(rng, FL_MEMKV_ACCOUNTS);
    int64_t to = (int64_t)fl_rng_below(rng, FL_MEMKV_ACCOUNTS - 1);
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

static int
build_bank(struct fl_test *t, struct fl_err *err)
{
    char spec[256];

    t->generator = fl_gen_fn(bank_op, NULL, NULL);
    t->final_generator = fl_gen_invoke(FL_KW_READ, fl_val_nil());
    snprintf(spec, sizeof(spec), "{:bank {:accounts %d :total %d}" MEMKV_COMMON,
             FL_MEMKV_ACCOUNTS, FL_MEMKV_TOTAL);
    return fl_test_set_checker(t, spec, err);
}

/* ---- queue ---- */

/* Enqueues of 0, 1, 2, ... (dense, like the set's adds) and dequeues. */
static int
queue_gen_op(struct fl_gen *g, const struct fl_gen_ctx *ctx, struct fl_op *out)
{
    struct set_gen *s = g->ctx;

    if (fl_rng_below(fl_gen_ctx_rng(ctx), 5) < 2)
        *out = fl_gen_template(FL_KW_DEQUEUE, fl_val_nil());
    else
        *out = fl_gen_template(FL_KW_ENQUEUE, fl_val_int(s->next));
    return fl_gen_fill_in(ctx, out);
}

static void
queue_gen_commit(struct fl_gen *g, const struct fl_gen_ctx *ctx,
                 const struct fl_op *op)
{
    struct set_gen *s = g->ctx;

    FL_UNUSED(ctx);
    if (op->f == FL_KW_ENQUEUE)
        s->next++;
}

static const struct fl_gen_type queue_gen_type = {
    .name = "memkv-queue",
    .op = queue_gen_op,
    .commit = queue_gen_commit,
    .update = fl_gen_update_ignore,
    .clone = set_gen_clone,
    .free = set_gen_free,
};

static int
build_queue(struct fl_test *t, struct fl_err *err)
{
    t->generator =
        fl_gen_new(&queue_gen_type, fl_xcalloc(1, sizeof(struct set_gen)));
    /* What goes in must come out: drain it after the main phase. */
    t->final_generator = fl_gen_invoke(FL_KW_DRAIN, fl_val_nil());
    return fl_test_set_checker(t, "{:queue {} :total-queue {}" MEMKV_COMMON,
                               err);
}

/* ---- unique ids ---- */

static int
build_unique_ids(struct fl_test *t, struct fl_err *err)
{
    t->generator = fl_gen_repeat(
        -1, fl_gen_invoke(fl_kw_intern_cstr("generate"), fl_val_nil()));
    return fl_test_set_checker(t, "{:unique-ids {}" MEMKV_COMMON, err);
}

/* ---- long fork ---- */

#define LF_GROUP 2 /* keys per group read */

/*
 * Writes of fresh keys 0, 1, 2, ... and reads of the group of the newest
 * key or of the key about to be written (Jepsen reads other active groups
 * too), so reads race with both writes of a group.
 */
static int
lf_gen_op(struct fl_gen *g, const struct fl_gen_ctx *ctx, struct fl_op *out)
{
    struct set_gen *s = g->ctx;
    struct fl_rng *rng = fl_gen_ctx_rng(ctx);
    fl_val mops[LF_GROUP];

    if (s->next == 0 || fl_rng_below(rng, 2) == 0) {
        fl_val w[3] = {fl_val_kw(FL_KW_W), fl_val_int(s->next), fl_val_int(1)};
        mops[0] = fl_val_coll(ctx->arena, FL_V_VEC, w, 3);
        *out = fl_gen_template(FL_KW_TXN,
                               fl_val_coll(ctx->arena, FL_V_VEC, mops, 1));
        return fl_gen_fill_in(ctx, out);
    }
    int64_t key = fl_rng_below(rng, 2) ? s->next : s->next - 1;
    int64_t base = key / LF_GROUP * LF_GROUP;
    int64_t first = (int64_t)fl_rng_below(rng, LF_GROUP); /* shuffled */
    for (int i = 0; i < LF_GROUP; i++) {
        fl_val r[3] = {fl_val_kw(FL_KW_R),
                       fl_val_int(base + (first + i) % LF_GROUP), fl_val_nil()};
        mops[i] = fl_val_coll(ctx->arena, FL_V_VEC, r, 3);
    }
    *out = fl_gen_template(FL_KW_TXN,
                           fl_val_coll(ctx->arena, FL_V_VEC, mops, LF_GROUP));
    return fl_gen_fill_in(ctx, out);
}

static void
lf_gen_commit(struct fl_gen *g, const struct fl_gen_ctx *ctx,
              const struct fl_op *op)
{
    struct set_gen *s = g->ctx;

    FL_UNUSED(ctx);
    if (op->value.n == 1)
        s->next++;
}

static const struct fl_gen_type lf_gen_type = {
    .name = "memkv-long-fork",
    .op = lf_gen_op,
    .commit = lf_gen_commit,
    .update = fl_gen_update_ignore,
    .clone = set_gen_clone,
    .free = set_gen_free,
};

static int
build_long_fork(struct fl_test *t, struct fl_err *err)
{
    char spec[256];

    t->generator =
        fl_gen_new(&lf_gen_type, fl_xcalloc(1, sizeof(struct set_gen)));
    snprintf(spec, sizeof(spec), "{:long-fork {:group-size %d}" MEMKV_COMMON,
             LF_GROUP);
    return fl_test_set_checker(t, spec, err);
}

/* ---- the nemesis: pause or partition ---- */

/* The colours of these faults everywhere (nemesis/combined.c). */
static struct fl_nemesis_perf memkv_perf[2] = {
    {"pause", {0}, {0}, "#A0B1E9"},
    {"partition", {0}, {0}, "#E9DCA0"},
};

/*
 * --nemesis pause or partition: the fault starts at the start, ends after
 * --nemesis-interval, starts again after another, and so on. The
 * schedule is exact (delay, not stagger): self-tests need to know when a
 * fault is on. Healing ends it.
 */
static void
build_nemesis(struct fl_test *t, struct fl_memkv *kv, bool partition)
{
    const char *fs[2][2] = {{"pause", "resume"},
                            {"start-partition", "stop-partition"}};
    uint32_t on = fl_kw_intern_cstr(fs[partition][0]);
    uint32_t off = fl_kw_intern_cstr(fs[partition][1]);
    int64_t dt =
        t->nemesis_interval_ns > 0 ? t->nemesis_interval_ns : 10 * FL_NS_PER_S;

    memkv_perf[partition].start[0] = on;
    memkv_perf[partition].stop[0] = off;
    t->nemesis.nemesis = fl_memkv_nemesis_new(kv);
    t->nemesis.generator = fl_gen_delay(
        dt,
        fl_gen_flip_flop(fl_gen_repeat(-1, fl_gen_invoke(on, fl_val_nil())),
                         fl_gen_repeat(-1, fl_gen_invoke(off, fl_val_nil()))));
    t->nemesis.final_generator = fl_gen_invoke(off, fl_val_nil());
    t->nemesis.perf = &memkv_perf[partition];
    t->nemesis.nperf = 1;
}

static int
memkv_build(struct fl_test *t, struct fl_err *err)
{
    const struct fl_env *env;
    enum fl_memkv_workload w;
    int rc;

    fl_test_sync_env(t);
    env = &t->env;
    const char *wl = fl_env_opt_str(env, "workload", "register");
    const char *bugs = fl_env_opt_str(env, "bug", "none");
    const char *nem = fl_env_opt_str(env, "nemesis", "none");
    int bug = fl_memkv_bug_parse(bugs);
    if (bug < 0)
        return fl_err_set(err, FL_EUSAGE,
                          "--bug %s: expected none, stale-read, lost-update "
                          "or panic",
                          bugs);
    if (!fl_suite_has(memkv_faults, nem))
        return fl_err_set(err, FL_EUSAGE,
                          "--nemesis %s: memkv runs in-process and has only "
                          "its own faults (none, pause or partition)",
                          nem);
    if (strcmp(wl, "register") == 0)
        w = FL_MEMKV_REGISTER;
    else if (strcmp(wl, "set") == 0)
        w = FL_MEMKV_SET;
    else if (strcmp(wl, "counter") == 0)
        w = FL_MEMKV_COUNTER;
    else if (strcmp(wl, "bank") == 0)
        w = FL_MEMKV_BANK;
    else if (strcmp(wl, "queue") == 0)
        w = FL_MEMKV_QUEUE;
    else if (strcmp(wl, "unique-ids") == 0)
        w = FL_MEMKV_UNIQUE_IDS;
    else if (strcmp(wl, "long-fork") == 0)
        w = FL_MEMKV_LONG_FORK;
    else
        return fl_err_set(err, FL_EUSAGE,
                          "--workload %s: memkv has register, set, counter, "
                          "bank, queue, unique-ids and long-fork",
                          wl);
    if (!t->name) {
        char name[64];
        snprintf(name, sizeof(name), "memkv-%s", wl);
        fl_test_set_name(t, name);
    }
    if (!fl_val_map_get_kw(&t->options, fl_kw_intern_cstr("rate")))
        t->rate_hz = 1000;
    t->no_remotes = true;
    t->client.type = &fl_memkv_client_type;
    t->client.shared = fl_memkv_new(w, (enum fl_memkv_bug)bug, t->seed);
    t->client.free_shared = fl_memkv_free;
    if (strcmp(nem, "none") != 0)
        build_nemesis(t, t->client.shared, strcmp(nem, "partition") == 0);
    switch (w) {
    case FL_MEMKV_REGISTER:
        rc = build_register(t, err);
        break;
    case FL_MEMKV_SET:
        rc = build_set(t, err);
        break;
    case FL_MEMKV_COUNTER:
        rc = build_counter(t, err);
        break;
    case FL_MEMKV_BANK:
        rc = build_bank(t, err);
        break;
    case FL_MEMKV_QUEUE:
        rc = build_queue(t, err);
        break;
    case FL_MEMKV_UNIQUE_IDS:
        rc = build_unique_ids(t, err);
        break;
    default:
        rc = build_long_fork(t, err);
        break;
    }
    return rc;
}

const struct fl_suite fl_suite_memkv = {
    .name = "memkv",
    .summary = "in-process key-value store with switchable bugs (self-test)",
    .opts = memkv_opts,
    .workloads = memkv_workloads,
    .nemeses = memkv_nemeses,
    .in_process = true,
    .build = memkv_build,
};
