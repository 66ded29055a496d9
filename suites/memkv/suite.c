/* SPDX-License-Identifier: MIT */
/*
 * suite.c: `faultline test memkv`, the self-test suite: the standard
 * workloads register (independent cas-registers, linearizability), set
 * (adds and reads, set and set-full), counter, bank and queue (queue and
 * total-queue; workload/), and memkv's own unique-ids and long-fork,
 * against the in-process store of memkv.c with the bug chosen by --bug.
 * Checkers are built from the EDN spec recorded in test.edn
 * (checker/registry.h), each with stats, exceptions and the node log's
 * panics. It needs no nodes and no root, so the CLI tests run it;
 * docs/memkv.md says what it is for.
 */
#include "util/common.h"

#include "memkv.h"

#include "gen/gen.h"
#include "run/test.h"
#include "util/clock.h"
#include "util/err.h"
#include "workload/workload.h"

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

static int
build_register(struct fl_test *t, struct fl_err *err)
{
    struct fl_wl_register_opts o = {0};
    struct fl_workload w = {0};
    int rc =
        fl_wl_register_opts_env(&t->env, t->concurrency,
                                fl_wl_divisor(t->concurrency, 5), 100, &o, err);

    if (rc != 0)
        return rc;
    /* Half the threads of a key only read: the stale-read bug shows when
     * a reader keeps a value the writers have moved past. */
    o.readers = o.threads_per_key / 2;
    rc = fl_wl_register(&o, &w, err);
    if (rc != 0)
        return rc;
    fl_workload_take_gens(&w, &t->generator, &t->final_generator);
    return fl_test_set_checker(
        t,
        "{:linearizable {:model :cas-register :independent? true}" MEMKV_COMMON,
        err);
}

/* ---- set ---- */

static int
build_set(struct fl_test *t, struct fl_err *err)
{
    struct fl_wl_set_opts o = {.adds_per_read = 49};
    struct fl_workload w = {0};
    int rc = fl_wl_set(&o, &w, err);

    if (rc != 0)
        return rc;
    fl_workload_take_gens(&w, &t->generator, &t->final_generator);
    return fl_test_set_checker(t, "{:set {} :set-full {}" MEMKV_COMMON, err);
}

/* ---- counter and bank ---- */

static int
build_counter(struct fl_test *t, struct fl_err *err)
{
    struct fl_workload w = {0};

    fl_wl_counter(&w);
    fl_workload_take_gens(&w, &t->generator, &t->final_generator);
    return fl_test_set_checker(t, "{:counter {}" MEMKV_COMMON, err);
}

static int
build_bank(struct fl_test *t, struct fl_err *err)
{
    char spec[256];
    struct fl_wl_bank_opts o = {.accounts = FL_MEMKV_ACCOUNTS,
                                .total = FL_MEMKV_TOTAL};
    struct fl_workload w = {0};
    int rc = fl_wl_bank(&o, &w, err);

    if (rc != 0)
        return rc;
    fl_workload_take_gens(&w, &t->generator, &t->final_generator);
    snprintf(spec, sizeof(spec), "{:bank {:accounts %d :total %d}" MEMKV_COMMON,
             FL_MEMKV_ACCOUNTS, FL_MEMKV_TOTAL);
    return fl_test_set_checker(t, spec, err);
}

/* ---- queue ---- */

static int
build_queue(struct fl_test *t, struct fl_err *err)
{
    struct fl_workload w = {0};

    fl_wl_queue(&w);
    fl_workload_take_gens(&w, &t->generator, &t->final_generator);
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

/* The next fresh key to write; it moves on when a write is used. */
struct lf_gen {
    int64_t next;
};

static void *
lf_gen_clone(const struct fl_gen *g)
{
    struct lf_gen *c = fl_xmalloc(sizeof(*c));

    *c = *(const struct lf_gen *)g->ctx;
    return c;
}

static void
lf_gen_free(struct fl_gen *g)
{
    free(g->ctx);
}

/*
 * Writes of fresh keys 0, 1, 2, ... and reads of the group of the newest
 * key or of the key about to be written (Jepsen reads other active groups
 * too), so reads race with both writes of a group.
 */
static int
lf_gen_op(struct fl_gen *g, const struct fl_gen_ctx *ctx, struct fl_op *out)
{
    struct lf_gen *s = g->ctx;
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
    struct lf_gen *s = g->ctx;

    FL_UNUSED(ctx);
    if (op->value.n == 1)
        s->next++;
}

static const struct fl_gen_type lf_gen_type = {
    .name = "memkv-long-fork",
    .op = lf_gen_op,
    .commit = lf_gen_commit,
    .update = fl_gen_update_ignore,
    .clone = lf_gen_clone,
    .free = lf_gen_free,
};

static int
build_long_fork(struct fl_test *t, struct fl_err *err)
{
    char spec[256];

    t->generator =
        fl_gen_new(&lf_gen_type, fl_xcalloc(1, sizeof(struct lf_gen)));
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
    if (fl_env_opt_bool(env, "deterministic", false) &&
        strcmp(nem, "none") != 0)
        return fl_err_set(err, FL_EUSAGE,
                          "--nemesis %s with --deterministic: memkv's faults "
                          "hold a request until they end, which one "
                          "simulated thread cannot wait for; use --nemesis "
                          "none",
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
