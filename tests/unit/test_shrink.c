/* SPDX-License-Identifier: MIT */
/*
 * test_shrink.c: delta debugging of failing histories (checker/shrink.h):
 * the answer is small, fails the checker with the same anomaly type, and
 * every candidate the search keeps is well formed with a dense :index.
 */
#include "util/common.h"

#include "tests/unit/test.h"

#include "checker/linear/linear.h"
#include "checker/shrink.h"
#include "checker/workloads.h"
#include "history/edn.h"
#include "model/model.h"
#include "util/err.h"
#include "util/strbuf.h"

struct seen {
    size_t kept, last_n;
    bool bad;
};

static void
on_keep(void *arg, const struct fl_hist *h)
{
    struct seen *s = arg;
    struct fl_err why = FL_ERR_INIT;

    if (!fl_shrink_well_formed(h, &why)) {
        fprintf(stderr, "candidate not well formed: %s\n", why.msg);
        s->bad = true;
    }
    if (s->kept && h->n >= s->last_n)
        s->bad = true; /* a kept candidate must be smaller */
    s->kept++;
    s->last_n = h->n;
}

static void
parse(const char *text, struct fl_hist *h)
{
    struct fl_err err = FL_ERR_INIT;

    fl_hist_init(h);
    ASSERT_OK(fl_hist_parse(text, strlen(text), "test", FL_HIST_EDN, h, &err));
}

/* Shrink h with c; asserts the answer fails with anomaly and is small. */
static void
shrink_ok(const struct fl_checker *c, const struct fl_hist *h,
          const char *anomaly, size_t max_ops, const char *must_have)
{
    struct seen seen = {0};
    struct fl_shrink_opts o = {.on_keep = on_keep, .arg = &seen};
    struct fl_shrink_result r;
    struct fl_arena a;
    struct fl_err err = FL_ERR_INIT;
    uint32_t ids[16];

    fl_arena_init(&a, 0);
    fl_hist_init(&r.hist);
    ASSERT_OK(fl_shrink(c, h, &o, &a, &r, &err));
    ASSERT(!seen.bad);
    ASSERT(seen.kept > 0);
    ASSERT(fl_shrink_well_formed(&r.hist, NULL));
    ASSERT_EQ(r.check.valid, FL_VERDICT_FALSE);
    ASSERT_STR_EQ(fl_kw_name(r.anomaly), anomaly);
    size_t n = fl_shrink_anomalies(&r.check.map, ids, 16);
    bool found = false;
    for (size_t i = 0; i < n; i++)
        found |= ids[i] == r.anomaly;
    ASSERT(found);
    if (r.ops > max_ops)
        fl_test_fail(__FILE__, __LINE__, "%zu ops, want <= %zu", r.ops,
                     max_ops);
    ASSERT_EQ(r.orig_ops, h->n);
    if (must_have) {
        struct fl_strbuf sb = FL_STRBUF_INIT;
        for (size_t i = 0; i < r.hist.n; i++)
            fl_edn_print_op(&sb, &r.hist.ops[i]);
        if (!strstr(sb.buf, must_have))
            fl_test_fail(__FILE__, __LINE__, "'%s' not in %s", must_have,
                         sb.buf);
        fl_strbuf_release(&sb);
    }
    fl_hist_release(&r.hist);
    fl_arena_release(&a);
}

/* A register history: writes of 0..19 and reads of the value just
   written by 5 processes, a nemesis, and one stale read (process 9 reads
   1 at the end). */
static void
register_history(struct fl_strbuf *sb)
{
    int idx = 0;

    fl_strbuf_addstr(sb, "[");
    fl_strbuf_addf(sb,
                   "{:index %d :type :info :process :nemesis "
                   ":f :start :value nil}\n",
                   idx++);
    for (int i = 0; i < 40; i++) {
        int p = i % 5, v = i / 2;
        const char *f = i % 2 ? "read" : "write";
        fl_strbuf_addf(sb,
                       "{:index %d :type :invoke :process %d :f :%s "
                       ":value %s}\n",
                       idx++, p, f, i % 2 ? "nil" : "X");
        fl_strbuf_addf(sb,
                       "{:index %d :type :ok :process %d :f :%s "
                       ":value %d}\n",
                       idx++, p, f, v);
    }
    fl_strbuf_addf(sb,
                   "{:index %d :type :info :process :nemesis "
                   ":f :start :value nil}\n",
                   idx++);
    fl_strbuf_addf(sb,
                   "{:index %d :type :invoke :process 9 :f :read "
                   ":value nil}\n",
                   idx++);
    fl_strbuf_addf(sb, "{:index %d :type :ok :process 9 :f :read :value 1}]",
                   idx++);
}

static void
fix_writes(struct fl_hist *h)
{
    /* a write's invocation carries the value its completion has */
    for (size_t i = 0; i + 1 < h->n; i++)
        if (h->ops[i].type == FL_OP_INVOKE && h->ops[i].f == FL_KW_WRITE)
            h->ops[i].value = h->ops[i + 1].value;
}

static void
test_shrink_register(void)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;
    struct fl_linear_opts lo = {0};
    struct fl_hist h;
    fl_val zero = fl_val_int(0);

    register_history(&sb);
    for (char *x = strchr(sb.buf, 'X'); x; x = strchr(x, 'X'))
        *x = '0';
    parse(sb.buf, &h);
    fix_writes(&h);
    lo.model = fl_model_find("register");
    lo.init = &zero;
    struct fl_checker *c = fl_chk_linear_new(&lo);
    ASSERT(h.n > 80);
    /* the stale read of 1 keeps the write of 1 that explains it */
    shrink_ok(c, &h, "nonlinearizable", 6,
              ":f :write, :value 1}{:index 1, :type :ok");
    fl_chk_free(c);
    fl_hist_release(&h);
    fl_strbuf_release(&sb);
}

static void
test_shrink_set_lost(void)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;
    struct fl_hist h;
    int idx = 0;

    fl_strbuf_addstr(&sb, "[");
    for (int i = 0; i < 60; i++) {
        fl_strbuf_addf(&sb,
                       "{:index %d :type :invoke :process %d :f :add "
                       ":value %d}\n",
                       idx++, i % 4, i);
        fl_strbuf_addf(&sb,
                       "{:index %d :type %s :process %d :f :add "
                       ":value %d}\n",
                       idx++, i % 7 ? ":ok" : ":info", i % 4, i);
    }
    fl_strbuf_addf(&sb,
                   "{:index %d :type :invoke :process 20 :f :read "
                   ":value nil}\n{:index %d :type :ok :process 20 "
                   ":f :read :value [",
                   idx, idx + 1);
    for (int i = 0; i < 60; i++)
        if (i != 33)
            fl_strbuf_addf(&sb, "%d ", i);
    fl_strbuf_addstr(&sb, "]}]");
    parse(sb.buf, &h);
    struct fl_checker *c = fl_chk_set_new();
    shrink_ok(c, &h, "lost", 4, ":f :add, :value 33");
    fl_chk_free(c);
    fl_hist_release(&h);
    fl_strbuf_release(&sb);
}

static void
test_shrink_independent_keys(void)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;
    struct fl_linear_opts lo = {0};
    struct fl_hist h;
    int idx = 0;

    fl_strbuf_addstr(&sb, "[");
    for (int k = 0; k < 12; k++)
        for (int i = 0; i < 6; i++) {
            int p = (k * 6 + i) % 3;
            fl_strbuf_addf(&sb,
                           "{:index %d :type :invoke :process %d "
                           ":f :write :value [%d %d]}\n",
                           idx++, p, k, i);
            fl_strbuf_addf(&sb,
                           "{:index %d :type :ok :process %d "
                           ":f :write :value [%d %d]}\n",
                           idx++, p, k, i);
            fl_strbuf_addf(&sb,
                           "{:index %d :type :invoke :process %d "
                           ":f :read :value [%d nil]}\n",
                           idx++, p, k);
            /* key 7 reads a value that was never the latest */
            fl_strbuf_addf(&sb,
                           "{:index %d :type :ok :process %d "
                           ":f :read :value [%d %d]}\n",
                           idx++, p, k, k == 7 && i == 4 ? 1 : i);
        }
    fl_strbuf_addstr(&sb, "]");
    parse(sb.buf, &h);
    lo.model = fl_model_find("register");
    lo.independent = true;
    struct fl_checker *c = fl_chk_linear_new(&lo);
    shrink_ok(c, &h, "nonlinearizable", 6, ":value [7 1]");
    fl_chk_free(c);
    fl_hist_release(&h);
    fl_strbuf_release(&sb);
}

static void
test_shrink_valid_refused(void)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;
    struct fl_shrink_opts o = {0};
    struct fl_shrink_result r;
    struct fl_err err = FL_ERR_INIT;
    struct fl_arena a;
    struct fl_hist h;

    fl_arena_init(&a, 0);
    fl_strbuf_addstr(&sb, "[{:index 0 :type :invoke :process 0 :f :add "
                          ":value 1} {:index 1 :type :ok :process 0 :f :add "
                          ":value 1} {:index 2 :type :invoke :process 1 :f "
                          ":read :value nil} {:index 3 :type :ok :process 1 "
                          ":f :read :value [1]}]");
    parse(sb.buf, &h);
    struct fl_checker *c = fl_chk_set_new();
    fl_hist_init(&r.hist);
    ASSERT_EQ(fl_shrink(c, &h, &o, &a, &r, &err), FL_EUSAGE);
    ASSERT(strstr(err.msg, "valid"));
    fl_hist_release(&r.hist);
    fl_chk_free(c);
    fl_hist_release(&h);
    fl_strbuf_release(&sb);
    fl_arena_release(&a);
}

static void
test_shrink_anomalies(void)
{
    static const char *const cases[][2] = {
        {"{:valid? false :anomaly-types [:G1c :G-single]}", ":G1c :G-single"},
        {"{:valid? false :lost-count 2 :unexpected-count 0 :stale-count 1}",
         ":lost :stale"},
        {"{:valid? false :errors {:wrong-total {:count 1}}}", ":wrong-total"},
        {"{:valid? false :errors [{:op 1}]}", ":errors"},
        {"{:valid? false :errors [[3 1 5] [0 9 4]]}",
         ":read-too-low :read-too-high"},
        {"{:valid? false :results {1 {:valid? true} 2 {:valid? false "
         ":duplicated-count 3}}}",
         ":duplicated"},
        {"{:valid? false :set {:valid? false :lost-count 1} :stats "
         "{:valid? true}}",
         ":lost"},
        {"{:valid? false :op {:index 3}}", ":invalid"},
        {"{:valid? false :results {0 {:valid? false :analyzer :wgl}}}",
         ":nonlinearizable"},
        {"{:valid? true}", ""},
    };
    struct fl_arena a;
    struct fl_err err = FL_ERR_INIT;

    fl_arena_init(&a, 0);
    for (size_t k = 0; k < FL_ARRAY_SIZE(cases); k++) {
        fl_val m;
        uint32_t ids[8];
        struct fl_strbuf sb = FL_STRBUF_INIT;
        ASSERT_OK(fl_edn_parse_value(&a, cases[k][0], strlen(cases[k][0]), "t",
                                     &m, &err));
        size_t n = fl_shrink_anomalies(&m, ids, 8);
        for (size_t i = 0; i < n; i++)
            fl_strbuf_addf(&sb, "%s:%s", i ? " " : "", fl_kw_name(ids[i]));
        ASSERT_STR_EQ(sb.buf, cases[k][1]);
        fl_strbuf_release(&sb);
    }
    fl_arena_release(&a);
}

static void
test_shrink_well_formed(void)
{
    struct fl_hist h;
    struct fl_err why = FL_ERR_INIT;

    parse("[{:index 0 :type :invoke :process 0 :f :read :value nil}"
          " {:index 2 :type :ok :process 0 :f :read :value 1}]",
          &h);
    ASSERT(!fl_shrink_well_formed(&h, &why));
    ASSERT(strstr(why.msg, ":index"));
    fl_hist_release(&h);
    parse("[{:index 0 :type :ok :process 0 :f :read :value 1}]", &h);
    ASSERT(!fl_shrink_well_formed(&h, NULL));
    fl_hist_release(&h);
    parse("[{:index 0 :type :invoke :process 0 :f :read :value nil}"
          " {:index 1 :type :invoke :process 0 :f :read :value nil}]",
          &h);
    ASSERT(!fl_shrink_well_formed(&h, NULL));
    fl_hist_release(&h);
}

static const struct fl_test_case shrink_tests[] = {
    FL_TEST(test_shrink_register),
    FL_TEST(test_shrink_set_lost),
    FL_TEST(test_shrink_independent_keys),
    FL_TEST(test_shrink_valid_refused),
    FL_TEST(test_shrink_anomalies),
    FL_TEST(test_shrink_well_formed),
    FL_TEST_END,
};

FL_TEST_SUITE(shrink, shrink_tests)
