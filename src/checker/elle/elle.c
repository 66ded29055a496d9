/* SPDX-License-Identifier: MIT */
/*
 * elle.c: the Elle checker's driver and its checker types. It validates
 * the options, decodes the transactions, runs the workload's inference,
 * adds process and real-time order when the requested models need them,
 * searches cycles, and assembles Elle's result map. Only anomaly types the
 * models prohibit are reported (plus the ones that make the answer
 * :unknown), as Elle does.
 */
#include "util/common.h"

#include "checker/elle/elle_int.h"

#define KW(s) elle__kw(s)

#include <time.h>

/* FL_ELLE_TIMING=1 prints each phase's wall time to stderr. */
static void
phase(const char *name, struct timespec *t)
{
    static int on = -1;
    if (on < 0)
        on = getenv("FL_ELLE_TIMING") != NULL;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (on && name)
        fprintf(stderr, "elle: %-8s %.3f s\n", name,
                (double)(now.tv_sec - t->tv_sec) +
                    (double)(now.tv_nsec - t->tv_nsec) / 1e9);
    *t = now;
}

/* Types that make a result :unknown rather than false. */
static bool
unknown_type(int x)
{
    return x == ELLE_A_EMPTY || x == ELLE_A_TIMEOUT || x == ELLE_A_DUPAPP ||
           x == ELLE_A_DUPW;
}

static bool
needs(const bool *prohibited, const int *types, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (prohibited[types[i]])
            return true;
    return false;
}

static int
cmp_name(const void *x, const void *y)
{
    return strcmp(elle__anom_name(*(const int *)x),
                  elle__anom_name(*(const int *)y));
}

static void
ctx_release(struct elle_ctx *c)
{
    free(c->txns);
    free(c->mops);
    free(c->keys);
    free(c->key_slots);
    free(c->int_key);
    free(c->writes.slots);
    free(c->key_bad);
    elle__graph_release(&c->g);
    for (int x = 0; x < ELLE_NANOM; x++)
        FL_VEC_RELEASE(&c->found[x]);
}

static void
result_map(struct elle_ctx *c, struct fl_chk_result *out)
{
    int types[ELLE_NANOM];
    size_t nt = 0;
    bool reported[ELLE_NANOM];
    bool invalid = false;
    for (int x = 0; x < ELLE_NANOM; x++) {
        reported[x] =
            c->found[x].n > 0 && (c->prohibited[x] || unknown_type(x));
        if (reported[x]) {
            types[nt++] = x;
            invalid |= c->prohibited[x] && !unknown_type(x);
        }
    }
    enum fl_verdict v = invalid ? FL_VERDICT_FALSE
                        : nt    ? FL_VERDICT_UNKNOWN
                                : FL_VERDICT_TRUE;
    out->valid = v;
    fl_val kv[12];
    kv[0] = fl_val_kw(FL_KW_VALID);
    kv[1] = fl_verdict_val(v);
    if (!nt) {
        out->map = fl_val_map(c->a, kv, 1);
        return;
    }
    qsort(types, nt, sizeof(int), cmp_name);
    fl_val tv[ELLE_NANOM], an[2 * ELLE_NANOM];
    for (size_t i = 0; i < nt; i++) {
        int x = types[i];
        tv[i] = KW(elle__anom_name(x));
        an[2 * i] = tv[i];
        an[2 * i + 1] =
            x == ELLE_A_EMPTY
                ? fl_val_bool(true)
                : fl_val_coll(c->a, FL_V_VEC, c->found[x].v, c->found[x].n);
    }
    fl_val not_set, also_not;
    elle__boundary(reported, c->a, &not_set, &also_not);
    kv[2] = KW("anomaly-types");
    kv[3] = fl_val_coll(c->a, FL_V_VEC, tv, nt);
    kv[4] = KW("anomalies");
    kv[5] = fl_val_map(c->a, an, nt);
    kv[6] = KW("not");
    kv[7] = not_set;
    kv[8] = KW("also-not");
    kv[9] = also_not;
    size_t np = 5;
    fl_val dr[2 * ELLE_NANOM];
    size_t nd = 0;
    for (size_t i = 0; i < nt; i++)
        if (c->dropped[types[i]]) {
            dr[2 * nd] = tv[i];
            dr[2 * nd + 1] = fl_val_int((int64_t)c->dropped[types[i]]);
            nd++;
        }
    if (nd) {
        kv[10] = KW("dropped");
        kv[11] = fl_val_map(c->a, dr, nd);
        np++;
    }
    out->map = fl_val_map(c->a, kv, np);
}

int
fl_elle_check(const struct fl_hist *h, const struct fl_elle_opts *o,
              struct fl_arena *a, struct fl_chk_result *out, struct fl_err *err)
{
    static const int proc_types[] = {
        ELLE_A_G0_P,       ELLE_A_G1C_P,     ELLE_A_GSI_ITEM_P,
        ELLE_A_GNA_ITEM_P, ELLE_A_G2_ITEM_P, ELLE_A_CE_SS_PL1,
        ELLE_A_CE_SS_PL2,  ELLE_A_CE_SSSI,   ELLE_A_CE_SSSER,
    };
    static const int rt_types[] = {
        ELLE_A_G0_R,       ELLE_A_G1C_R,     ELLE_A_GSI_ITEM_R,
        ELLE_A_GNA_ITEM_R, ELLE_A_G2_ITEM_R, ELLE_A_CE_S_PL1,
        ELLE_A_CE_S_PL2,   ELLE_A_CE_SSI,    ELLE_A_CE_PLSS,
    };
    struct elle_ctx c;
    int rc;

    memset(&c, 0, sizeof(c));
    c.h = h;
    c.o = o;
    c.a = a;
    c.err = err;
    c.timeout_ns = o->cycle_search_timeout_ns > 0 ? o->cycle_search_timeout_ns
                                                  : 1000000000;
    out->valid = FL_VERDICT_UNKNOWN;
    out->map = fl_val_nil();
    rc = elle__prohibited(o, c.prohibited, err);
    if (rc)
        goto out;
    memcpy(c.search, c.prohibited, sizeof(c.search));
    struct timespec tp;
    phase(NULL, &tp);
    rc = elle__load_txns(&c, err);
    if (rc)
        goto out;
    phase("decode", &tp);
    if (c.nok == 0) {
        elle__add(&c, ELLE_A_EMPTY, fl_val_bool(true));
    } else {
        struct elle_order *ord = elle__order_start(
            &c, needs(c.prohibited, proc_types, FL_ARRAY_SIZE(proc_types)),
            needs(c.prohibited, rt_types, FL_ARRAY_SIZE(rt_types)));
        if (o->workload == FL_ELLE_LIST_APPEND)
            elle__infer_append(&c);
        else
            elle__infer_register(&c);
        phase("infer", &tp);
        elle__order_finish(&c, ord);
        phase("graph", &tp);
        elle__find_cycles(&c);
        phase("cycles", &tp);
    }
    result_map(&c, out);
    rc = elle__write_artifacts(&c, err);
out:
    ctx_release(&c);
    return rc;
}

static int
names_from(const fl_val *v, const char *what, char ***names, size_t *total,
           size_t *n, struct fl_err *err)
{
    if (!v || fl_val_is_nil(v))
        return 0;
    if (!fl_val_is_seq(v) && v->kind != FL_V_SET)
        return fl_err_set(err, FL_EUSAGE, "%s must be a collection", what);
    for (uint32_t i = 0; i < v->n; i++) {
        const fl_val *x = &v->u.items[i];
        if (x->kind != FL_V_KW)
            return fl_err_set(err, FL_EUSAGE, "%s must be keywords", what);
        size_t len = fl_kw_len(x->u.id);
        *names = fl_xrealloc(*names, fl_st_mult(*total + 1, sizeof(char *)));
        (*names)[(*total)++] = fl_xstrndup(fl_kw_name(x->u.id), len);
        (*n)++;
    }
    return 0;
}

int
fl_elle_opts_from_val(struct fl_elle_opts *o, const fl_val *options,
                      char ***names, struct fl_err *err)
{
    *names = NULL;
    if (!options || fl_val_is_nil(options))
        return 0;
    if (options->kind != FL_V_MAP)
        return fl_err_set(err, FL_EUSAGE, "elle options must be a map");
    /* One array: models first, then anomalies; each string malloc'd, the
     * array itself too. */
    char **all = NULL;
    size_t nm = 0, na = 0, total = 0;
    int rc = names_from(
        fl_val_map_get_kw(options, fl_kw_intern_cstr("consistency-models")),
        ":consistency-models", &all, &total, &nm, err);
    if (!rc)
        rc = names_from(
            fl_val_map_get_kw(options, fl_kw_intern_cstr("anomalies")),
            ":anomalies", &all, &total, &na, err);
    if (rc) {
        for (size_t i = 0; i < total; i++)
            free(all[i]);
        free(all);
        return rc;
    }
    /* Elle: an absent :consistency-models means strict-serializable, an
     * explicit nil or empty list means none. */
    static const char *const none[1] = {NULL};
    bool has_models =
        fl_val_map_get_kw(options, fl_kw_intern_cstr("consistency-models"));
    o->models = nm ? (const char *const *)all : has_models ? none : NULL;
    o->nmodels = nm;
    o->anomalies = (const char *const *)(all ? all + nm : NULL);
    o->nanomalies = na;
    const fl_val *t =
        fl_val_map_get_kw(options, fl_kw_intern_cstr("cycle-search-timeout"));
    if (t && t->kind == FL_V_INT && t->u.i > 0)
        o->cycle_search_timeout_ns = t->u.i * 1000000;
    const char *flags[] = {"wfr-keys?", "sequential-keys?",
                           "linearizable-keys?"};
    bool *dst[] = {&o->wfr_keys, &o->sequential_keys, &o->linearizable_keys};
    for (size_t i = 0; i < 3; i++) {
        const fl_val *f =
            fl_val_map_get_kw(options, fl_kw_intern_cstr(flags[i]));
        if (f && f->kind == FL_V_BOOL)
            *dst[i] = f->u.b;
    }
    *names = all;
    return 0;
}

static int
chk_check(const struct fl_checker *ch, const struct fl_hist *h,
          const struct fl_chk_opts *opts, struct fl_arena *a,
          struct fl_chk_result *out, struct fl_err *err)
{
    struct fl_elle_opts o;
    char **names = NULL;
    memset(&o, 0, sizeof(o));
    o.workload = ch->type == &fl_chk_rw_register_type ? FL_ELLE_RW_REGISTER
                                                      : FL_ELLE_LIST_APPEND;
    int rc =
        fl_elle_opts_from_val(&o, opts ? opts->options : NULL, &names, err);
    if (rc)
        return rc;
    o.out_dir = opts ? opts->out_dir : NULL;
    rc = fl_elle_check(h, &o, a, out, err);
    for (size_t i = 0; i < o.nmodels + o.nanomalies; i++)
        free(names[i]);
    free(names);
    return rc;
}

static void
chk_free(struct fl_checker *ch)
{
    FL_UNUSED(ch);
}

const struct fl_checker_type fl_chk_list_append_type = {
    "list-append",
    chk_check,
    chk_free,
};

const struct fl_checker_type fl_chk_rw_register_type = {
    "rw-register",
    chk_check,
    chk_free,
};
