/* SPDX-License-Identifier: MIT */
/*
 * registry.c: the table of checker kinds (registry.h) and their builders
 * from EDN options. Checkers whose options must outlive the builder's
 * arguments (the linearizability model's initial value, Elle's option
 * map) are wrapped in a small holder that owns a copy in its own arena.
 * Linearizability is always built inside concurrency-limit, so a search
 * too big for the machine answers :unknown instead of exhausting memory.
 */
#include "util/common.h"

#include "checker/registry.h"

#include "checker/chk_int.h"
#include "checker/elle/elle.h"
#include "checker/linear/linear.h"
#include "checker/perf.h"
#include "checker/workloads.h"
#include "model/model.h"
#include "util/err.h"

/* ---- option access ---- */

const fl_val *
fl_chk_opt(const fl_val *m, const char *key)
{
    if (!m || m->kind != FL_V_MAP)
        return NULL;
    return fl_val_map_get_kw(m, fl_kw_intern_cstr(key));
}

const char *
fl_chk_opt_name(const fl_val *m, const char *key, const char *dflt)
{
    const fl_val *v = fl_chk_opt(m, key);

    if (v && v->kind == FL_V_STR)
        return v->u.s;
    if (v && (v->kind == FL_V_KW || v->kind == FL_V_SYM))
        return fl_kw_name(v->u.id);
    return dflt;
}

static int
opt_int(const fl_val *m, const char *key, int64_t lo, int64_t hi, int64_t *out,
        struct fl_err *err)
{
    const fl_val *v = fl_chk_opt(m, key);

    if (!v || v->kind == FL_V_NIL)
        return 0;
    if (v->kind != FL_V_INT || v->u.i < lo || v->u.i > hi)
        return fl_err_set(err, FL_EUSAGE,
                          ":%s must be an integer from %" PRId64 " to %" PRId64,
                          key, lo, hi);
    *out = v->u.i;
    return 0;
}

static bool
opt_bool(const fl_val *m, const char *key)
{
    const fl_val *v = fl_chk_opt(m, key);

    return v && !(v->kind == FL_V_NIL || (v->kind == FL_V_BOOL && !v->u.b));
}

/* ---- the holder: owns options for an inner checker ---- */

struct hold {
    struct fl_checker *inner;
    struct fl_arena a;
    fl_val options;            /* given to inner as opts->options, or nil */
    struct fl_linear_opts lin; /* when inner is a linear checker */
};

static int
hold_check(const struct fl_checker *c, const struct fl_hist *h,
           const struct fl_chk_opts *opts, struct fl_arena *a,
           struct fl_chk_result *out, struct fl_err *err)
{
    const struct hold *hd = c->ctx;
    struct fl_chk_opts o;

    if (opts)
        o = *opts;
    else
        memset(&o, 0, sizeof(o));
    if (hd->options.kind == FL_V_MAP)
        o.options = &hd->options;
    return hd->inner->type->check(hd->inner, h, &o, a, out, err);
}

static void
hold_free(struct fl_checker *c)
{
    struct hold *hd = c->ctx;

    fl_chk_free(hd->inner);
    fl_arena_release(&hd->a);
    free(hd);
    free(c);
}

static const struct fl_checker_type hold_type = {
    .name = "holder",
    .check = hold_check,
    .free = hold_free,
};

static struct hold *
hold_new(const fl_val *opts)
{
    struct hold *hd = fl_xcalloc(1, sizeof(*hd));

    fl_arena_init(&hd->a, 1024);
    hd->options = opts ? fl_val_copy(&hd->a, opts) : fl_val_nil();
    return hd;
}

/* ---- builders ---- */

static struct fl_checker *
b_set(const fl_val *o, struct fl_err *err)
{
    FL_UNUSED(o);
    FL_UNUSED(err);
    return fl_chk_set_new();
}

static struct fl_checker *
b_set_full(const fl_val *o, struct fl_err *err)
{
    FL_UNUSED(err);
    return fl_chk_set_full_new(opt_bool(o, "linearizable?") ||
                               opt_bool(o, "linearizable"));
}

static struct fl_checker *
b_counter(const fl_val *o, struct fl_err *err)
{
    FL_UNUSED(o);
    FL_UNUSED(err);
    return fl_chk_counter_new();
}

static struct fl_checker *
b_bank(const fl_val *o, struct fl_err *err)
{
    int64_t total = FL_CHK_BANK_INFER, n = 0;
    const fl_val *acc = fl_chk_opt(o, "accounts");

    if (opt_int(o, "total", INT64_MIN + 1, INT64_MAX, &total, err) ||
        opt_int(o, "total-amount", INT64_MIN + 1, INT64_MAX, &total, err))
        return NULL;
    if (acc && fl_val_is_seq(acc)) {
        /* Jepsen's :accounts is a list; ours are 0..n-1. */
        for (uint32_t i = 0; i < acc->n; i++)
            if (acc->u.items[i].kind != FL_V_INT ||
                acc->u.items[i].u.i != (int64_t)i) {
                fl_err_set(err, FL_EUSAGE,
                           ":accounts must be 0..n-1 (or a count)");
                return NULL;
            }
        n = acc->n;
    } else if (opt_int(o, "accounts", 1, 1 << 20, &n, err)) {
        return NULL;
    }
    return fl_chk_bank_new((int)n, total,
                           opt_bool(o, "negative-balances?") ||
                               opt_bool(o, "negative-ok"));
}

static struct fl_checker *
b_queue(const fl_val *o, struct fl_err *err)
{
    const char *name = fl_chk_opt_name(o, "model", "unordered-queue");
    const struct fl_model_type *m = fl_model_find(name);

    if (m != &fl_model_unordered_queue_type && m != &fl_model_fifo_queue_type) {
        fl_err_set(err, FL_EUSAGE,
                   "queue: :model must be unordered-queue or fifo-queue, not "
                   "'%s'",
                   name);
        return NULL;
    }
    return fl_chk_queue_new(m);
}

static struct fl_checker *
b_total_queue(const fl_val *o, struct fl_err *err)
{
    FL_UNUSED(o);
    FL_UNUSED(err);
    return fl_chk_total_queue_new();
}

static struct fl_checker *
b_unique_ids(const fl_val *o, struct fl_err *err)
{
    FL_UNUSED(o);
    FL_UNUSED(err);
    return fl_chk_unique_ids_new();
}

static struct fl_checker *
b_long_fork(const fl_val *o, struct fl_err *err)
{
    int64_t n = 0;

    if (opt_int(o, "group-size", 1, 1 << 16, &n, err))
        return NULL;
    return fl_chk_long_fork_new((int)n);
}

static struct fl_checker *
b_stats(const fl_val *o, struct fl_err *err)
{
    FL_UNUSED(o);
    FL_UNUSED(err);
    return fl_chk_stats_new();
}

static struct fl_checker *
b_exceptions(const fl_val *o, struct fl_err *err)
{
    FL_UNUSED(o);
    FL_UNUSED(err);
    return fl_chk_exceptions_new();
}

/*
 * The perf and Elle checker types keep nothing per instance and free
 * nothing (their free is a no-op), so they are shared static instances.
 */
static struct fl_checker perf_checker = {&fl_chk_perf_type, NULL};
static struct fl_checker list_append_checker = {&fl_chk_list_append_type, NULL};
static struct fl_checker rw_register_checker = {&fl_chk_rw_register_type, NULL};

static struct fl_checker *
b_perf(const fl_val *o, struct fl_err *err)
{
    FL_UNUSED(o);
    FL_UNUSED(err);
    return &perf_checker;
}

static struct fl_checker *
b_linear(const fl_val *o, struct fl_err *err)
{
    const char *name = fl_chk_opt_name(o, "model", NULL);
    const struct fl_model_type *m = name ? fl_model_find(name) : NULL;
    int64_t limit = 1, mb = 0;

    if (!m) {
        fl_err_set(err, FL_EUSAGE, "linearizable: %s model '%s'",
                   name ? "unknown" : "no", name ? name : ":model");
        return NULL;
    }
    if (opt_int(o, "concurrency-limit", 1, 1024, &limit, err) ||
        opt_int(o, "memory-limit-mb", 1, INT64_C(1) << 30, &mb, err))
        return NULL;
    struct hold *hd = hold_new(NULL);
    const fl_val *init = fl_chk_opt(o, "init");
    hd->lin.model = m;
    hd->lin.independent =
        opt_bool(o, "independent?") || opt_bool(o, "independent");
    hd->lin.all_keys = opt_bool(o, "all-keys?");
    if (init) {
        fl_val *iv = fl_arena_alloc(&hd->a, sizeof(*iv));
        *iv = fl_val_copy(&hd->a, init);
        hd->lin.init = iv;
    }
    hd->inner = fl_chk_linear_new(&hd->lin);
    return fl_chk_concurrency_limit_new((int)limit, (size_t)mb << 20,
                                        fl_chk__new(&hold_type, hd));
}

static struct fl_checker *
b_elle(struct fl_checker *elle, const fl_val *o, struct fl_err *err)
{
    struct fl_elle_opts eo;
    char **names = NULL;

    /* Reject bad options now, not at check time. */
    memset(&eo, 0, sizeof(eo));
    int rc = fl_elle_opts_from_val(&eo, o, &names, err);
    for (size_t i = 0; rc == 0 && i < eo.nmodels + eo.nanomalies; i++)
        free(names[i]);
    free(names);
    if (rc < 0)
        return NULL;
    struct hold *hd = hold_new(o);
    hd->inner = elle;
    return fl_chk__new(&hold_type, hd);
}

static struct fl_checker *
b_list_append(const fl_val *o, struct fl_err *err)
{
    return b_elle(&list_append_checker, o, err);
}

static struct fl_checker *
b_rw_register(const fl_val *o, struct fl_err *err)
{
    return b_elle(&rw_register_checker, o, err);
}

static struct fl_checker *
b_log_pattern(const fl_val *o, struct fl_err *err)
{
    const char *pat = fl_chk_opt_name(o, "pattern", NULL);
    const fl_val *nodes = fl_chk_opt(o, "nodes");
    const char *names[256];
    size_t n = 0;

    if (!pat) {
        fl_err_set(err, FL_EUSAGE, "log-file-pattern: no :pattern");
        return NULL;
    }
    for (uint32_t i = 0; nodes && fl_val_is_seq(nodes) && i < nodes->n &&
                         n < FL_ARRAY_SIZE(names);
         i++)
        if (nodes->u.items[i].kind == FL_V_STR)
            names[n++] = nodes->u.items[i].u.s;
    return fl_chk_log_pattern_new(pat, fl_chk_opt_name(o, "file", NULL),
                                  fl_chk_opt_name(o, "dir", NULL),
                                  n ? names : NULL, n, err);
}

const struct fl_chk_kind fl_chk_kinds[] = {
    {"set", "a set of :add ops and a final :read (lost, unexpected)", b_set},
    {"set-full", "every element through every read (lost, stale, never read)",
     b_set_full},
    {"counter", ":add n and :read: reads between acknowledged and attempted",
     b_counter},
    {"bank", "transfers: every read sums to the total, no negatives", b_bank},
    {"queue", "every dequeue explained by a queue model (unordered, fifo)",
     b_queue},
    {"total-queue", "what goes in comes out (lost, duplicated, unexpected)",
     b_total_queue},
    {"unique-ids", ":generate returns distinct ids", b_unique_ids},
    {"long-fork", "group reads agree on the order of single writes",
     b_long_fork},
    {"stats", "completion counts by :f; unknown if an :f never succeeded",
     b_stats},
    {"exceptions", ":info ops caused by client errors, grouped", b_exceptions},
    {"perf", "latency quantiles and throughput (plots with --out)", b_perf},
    {"linearizable", "linearizability against a model (Knossos, WGL)",
     b_linear},
    {"list-append", "transactional anomalies of list appends (Elle)",
     b_list_append},
    {"rw-register", "transactional anomalies of register txns (Elle)",
     b_rw_register},
    {"log-file-pattern", "node log lines matching a regex are failures",
     b_log_pattern},
    {NULL, NULL, NULL},
};

const struct fl_chk_kind *
fl_chk_kind_find(const char *name)
{
    for (const struct fl_chk_kind *k = fl_chk_kinds; k->name; k++)
        if (strcmp(k->name, name) == 0)
            return k;
    return NULL;
}

const struct fl_chk_kind *
fl_chk_spec_kind(const char *name)
{
    /* Runs of the memkv and external suites recorded linearizability as
     * :linear until the spec used the kind's own name: their stores say
     * so still. */
    return fl_chk_kind_find(strcmp(name, "linear") == 0 ? "linearizable"
                                                        : name);
}

const fl_val *
fl_chk_spec_options(const fl_val *spec, const char *kind)
{
    for (uint32_t i = 0; spec && spec->kind == FL_V_MAP && i < spec->n; i++) {
        const fl_val *k = &spec->u.items[2 * i];
        const char *name = k->kind == FL_V_STR  ? k->u.s
                           : k->kind == FL_V_KW ? fl_kw_name(k->u.id)
                                                : NULL;
        const struct fl_chk_kind *sk = name ? fl_chk_spec_kind(name) : NULL;
        if (sk && strcmp(sk->name, kind) == 0)
            return k + 1;
    }
    return NULL;
}

struct fl_checker *
fl_chk_from_spec(const fl_val *spec, struct fl_err *err)
{
    const char *names[64];
    struct fl_checker *cs[64];
    size_t n = 0;

    if (!spec || spec->kind != FL_V_MAP || spec->n == 0 ||
        spec->n > FL_ARRAY_SIZE(names)) {
        fl_err_set(err, FL_EUSAGE, ":checker must be a map {name options}");
        return NULL;
    }
    for (uint32_t i = 0; i < spec->n; i++) {
        const fl_val *k = &spec->u.items[2 * i];
        const char *name = k->kind == FL_V_STR  ? k->u.s
                           : k->kind == FL_V_KW ? fl_kw_name(k->u.id)
                                                : "?";
        const struct fl_chk_kind *kind = fl_chk_spec_kind(name);
        struct fl_checker *c =
            kind ? kind->build(&spec->u.items[2 * i + 1], err) : NULL;
        if (!kind)
            fl_err_set(err, FL_EUSAGE, "unknown checker '%s'", name);
        if (!c) {
            while (n)
                fl_chk_free(cs[--n]);
            return NULL;
        }
        names[n] = name;
        cs[n++] = c;
    }
    if (n == 1)
        return cs[0];
    return fl_chk_compose_new(names, cs, n);
}
