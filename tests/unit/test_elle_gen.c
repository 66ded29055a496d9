/* SPDX-License-Identifier: MIT */
/*
 * test_elle_gen.c: the Elle checker against histories from the simulated
 * store (checker/elle/elle_gen.h): a strict-serializable store must come
 * out valid at 100,000 transactions, and each injected isolation bug must
 * be caught under the anomaly name Elle gives it. Also the corpus files.
 */
#include "util/common.h"

#include "test.h"

#include "checker/elle/elle.h"
#include "checker/elle/elle_gen.h"
#include "history/hist.h"
#include "util/err.h"
#include "util/strbuf.h"

#include <time.h>

#include <sys/stat.h>

static enum fl_verdict
check(const struct fl_hist *h, const char *model, struct fl_strbuf *types,
      struct fl_strbuf *nots)
{
    struct fl_elle_opts o;
    const char *models[1] = {model};
    memset(&o, 0, sizeof(o));
    o.models = model ? models : NULL;
    o.nmodels = model ? 1 : 0;
    struct fl_arena a;
    fl_arena_init(&a, 1 << 16);
    struct fl_chk_result r;
    struct fl_err err = FL_ERR_INIT;
    ASSERT_OK(fl_elle_check(h, &o, &a, &r, &err));
    fl_strbuf_reset(types);
    const fl_val *t =
        fl_val_map_get_kw(&r.map, fl_kw_intern_cstr("anomaly-types"));
    for (uint32_t i = 0; t && i < t->n; i++) {
        fl_strbuf_addch(types, ' ');
        fl_strbuf_addstr(types, fl_kw_name(t->u.items[i].u.id));
    }
    fl_strbuf_addch(types, ' ');
    if (nots) {
        fl_strbuf_reset(nots);
        const fl_val *n = fl_val_map_get_kw(&r.map, fl_kw_intern_cstr("not"));
        for (uint32_t i = 0; n && i < n->n; i++) {
            fl_strbuf_addch(nots, ' ');
            fl_strbuf_addstr(nots, fl_kw_name(n->u.items[i].u.id));
        }
        fl_strbuf_addch(nots, ' ');
    }
    fl_arena_release(&a);
    return r.valid;
}

static void
gen(struct fl_hist *h, enum fl_elle_bug bug, double rate, size_t ntxn,
    uint64_t seed)
{
    struct fl_elle_gen_opts o;
    fl_elle_gen_opts_init(&o);
    o.seed = seed;
    o.ntxn = ntxn;
    o.concurrency = 10;
    o.bug = bug;
    o.bug_rate = rate;
    fl_hist_init(h);
    fl_elle_gen(h, &o);
}

static void
test_elle_gen_serializable_100k(void)
{
    struct fl_elle_gen_opts o;
    struct fl_hist h;
    struct fl_strbuf types = FL_STRBUF_INIT;
    fl_elle_gen_opts_init(&o);
    o.seed = fl_test_seed();
    o.ntxn = 100000;
    o.concurrency = 20;
    o.fail_rate = 0.02;
    o.info_rate = 0.005;
    fl_hist_init(&h);
    fl_elle_gen(&h, &o);
    enum fl_verdict v = check(&h, NULL, &types, NULL);
    if (v != FL_VERDICT_TRUE)
        fprintf(stderr, "seed %llu: types%s\n", (unsigned long long)o.seed,
                types.buf);
    ASSERT_EQ(v, FL_VERDICT_TRUE);
    fl_strbuf_release(&types);
    fl_hist_release(&h);
}

static void
test_elle_gen_aborted_read(void)
{
    struct fl_hist h;
    struct fl_strbuf types = FL_STRBUF_INIT;
    struct fl_elle_gen_opts o;
    fl_elle_gen_opts_init(&o);
    o.seed = fl_test_seed();
    o.ntxn = 2000;
    o.fail_rate = 0.1;
    o.bug = FL_ELLE_BUG_ABORTED_READ;
    o.bug_rate = 0.5;
    fl_hist_init(&h);
    fl_elle_gen(&h, &o);
    ASSERT_EQ(check(&h, "read-committed", &types, NULL), FL_VERDICT_FALSE);
    ASSERT(strstr(types.buf, " G1a ") != NULL);
    fl_strbuf_release(&types);
    fl_hist_release(&h);
}

static void
test_elle_gen_intermediate_read(void)
{
    struct fl_hist h;
    struct fl_strbuf types = FL_STRBUF_INIT;
    gen(&h, FL_ELLE_BUG_INTERMEDIATE, 0.3, 2000, fl_test_seed());
    ASSERT_EQ(check(&h, "read-committed", &types, NULL), FL_VERDICT_FALSE);
    ASSERT(strstr(types.buf, " G1b ") != NULL);
    fl_strbuf_release(&types);
    fl_hist_release(&h);
}

static void
test_elle_gen_lost_update(void)
{
    struct fl_hist h;
    struct fl_strbuf types = FL_STRBUF_INIT;
    gen(&h, FL_ELLE_BUG_LOST_UPDATE, 1.0, 2000, fl_test_seed());
    ASSERT_EQ(check(&h, "cursor-stability", &types, NULL), FL_VERDICT_FALSE);
    ASSERT(strstr(types.buf, " lost-update ") != NULL);
    fl_strbuf_release(&types);
    fl_hist_release(&h);
}

static void
test_elle_gen_write_skew(void)
{
    struct fl_hist h;
    struct fl_strbuf types = FL_STRBUF_INIT, nots = FL_STRBUF_INIT;
    gen(&h, FL_ELLE_BUG_WRITE_SKEW, 1.0, 3000, fl_test_seed());
    /* Snapshot isolation allows write skew and nothing else found here. */
    ASSERT_EQ(check(&h, "snapshot-isolation", &types, NULL), FL_VERDICT_TRUE);
    ASSERT_EQ(check(&h, "serializable", &types, &nots), FL_VERDICT_FALSE);
    ASSERT_STR_EQ(types.buf, " G2-item ");
    ASSERT_STR_EQ(nots.buf, " repeatable-read ");
    fl_strbuf_release(&types);
    fl_strbuf_release(&nots);
    fl_hist_release(&h);
}

static void
test_elle_gen_stale_read(void)
{
    struct fl_hist h;
    struct fl_strbuf types = FL_STRBUF_INIT;
    gen(&h, FL_ELLE_BUG_STALE_READ, 0.5, 2000, fl_test_seed());
    ASSERT_EQ(check(&h, "serializable", &types, NULL), FL_VERDICT_TRUE);
    ASSERT_EQ(check(&h, "strict-serializable", &types, NULL), FL_VERDICT_FALSE);
    ASSERT(strstr(types.buf, "-realtime ") != NULL);
    fl_strbuf_release(&types);
    fl_hist_release(&h);
}

static void
test_elle_gen_dirty_write(void)
{
    struct fl_hist h;
    struct fl_strbuf types = FL_STRBUF_INIT;
    gen(&h, FL_ELLE_BUG_DIRTY_WRITE, 0.02, 2000, fl_test_seed());
    ASSERT_EQ(check(&h, "read-uncommitted", &types, NULL), FL_VERDICT_FALSE);
    ASSERT(strstr(types.buf, " G0 ") != NULL);
    fl_strbuf_release(&types);
    fl_hist_release(&h);
}

/* rw-register: the same store, reads see the last element. */
static enum fl_verdict
check_reg(const struct fl_hist *h, const char *model, bool infer_all,
          struct fl_strbuf *types)
{
    struct fl_elle_opts o;
    const char *models[1] = {model};
    memset(&o, 0, sizeof(o));
    o.workload = FL_ELLE_RW_REGISTER;
    o.models = model ? models : NULL;
    o.nmodels = model ? 1 : 0;
    o.wfr_keys = o.sequential_keys = o.linearizable_keys = infer_all;
    struct fl_arena a;
    fl_arena_init(&a, 1 << 16);
    struct fl_chk_result r;
    ASSERT_OK(fl_elle_check(h, &o, &a, &r, NULL));
    fl_strbuf_reset(types);
    const fl_val *t =
        fl_val_map_get_kw(&r.map, fl_kw_intern_cstr("anomaly-types"));
    for (uint32_t i = 0; t && i < t->n; i++) {
        fl_strbuf_addch(types, ' ');
        fl_strbuf_addstr(types, fl_kw_name(t->u.items[i].u.id));
    }
    fl_strbuf_addch(types, ' ');
    fl_arena_release(&a);
    return r.valid;
}

static void
gen_reg(struct fl_hist *h, enum fl_elle_bug bug, double rate, size_t ntxn)
{
    struct fl_elle_gen_opts o;
    fl_elle_gen_opts_init(&o);
    o.seed = fl_test_seed();
    o.ntxn = ntxn;
    o.concurrency = 10;
    o.registers = true;
    o.fail_rate = 0.05;
    o.info_rate = 0.01;
    o.bug = bug;
    o.bug_rate = rate;
    fl_hist_init(h);
    fl_elle_gen(h, &o);
}

static void
test_elle_gen_register(void)
{
    struct fl_hist h;
    struct fl_strbuf types = FL_STRBUF_INIT;
    /* A correct store: valid with every version-order inference on. */
    gen_reg(&h, FL_ELLE_BUG_NONE, 0, 20000);
    ASSERT_EQ(check_reg(&h, NULL, true, &types), FL_VERDICT_TRUE);
    ASSERT_EQ(check_reg(&h, NULL, false, &types), FL_VERDICT_TRUE);
    fl_hist_release(&h);
    gen_reg(&h, FL_ELLE_BUG_ABORTED_READ, 0.5, 2000);
    ASSERT_EQ(check_reg(&h, "read-committed", false, &types), FL_VERDICT_FALSE);
    ASSERT(strstr(types.buf, " G1a ") != NULL);
    fl_hist_release(&h);
    gen_reg(&h, FL_ELLE_BUG_INTERMEDIATE, 0.3, 2000);
    ASSERT_EQ(check_reg(&h, "read-committed", false, &types), FL_VERDICT_FALSE);
    ASSERT(strstr(types.buf, " G1b ") != NULL);
    fl_hist_release(&h);
    gen_reg(&h, FL_ELLE_BUG_LOST_UPDATE, 1.0, 2000);
    ASSERT_EQ(check_reg(&h, "cursor-stability", false, &types),
              FL_VERDICT_FALSE);
    ASSERT(strstr(types.buf, " lost-update ") != NULL);
    fl_hist_release(&h);
    /* Stale reads contradict the real-time order of versions. */
    gen_reg(&h, FL_ELLE_BUG_STALE_READ, 0.5, 2000);
    ASSERT_EQ(check_reg(&h, "serializable", false, &types), FL_VERDICT_TRUE);
    ASSERT_EQ(check_reg(&h, NULL, true, &types), FL_VERDICT_FALSE);
    fl_strbuf_release(&types);
    fl_hist_release(&h);
}

static bool
load_corpus(struct fl_hist *h, const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/elle/%s", fl_test_corpus(), name);
    struct fl_err err = FL_ERR_INIT;
    fl_hist_init(h);
    if (fl_hist_load(path, FL_HIST_AUTO, h, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return false;
    }
    return true;
}

static void
test_elle_corpus_si_without_g_single(void)
{
    struct fl_hist h;
    ASSERT(load_corpus(&h, "si-without-g-single.edn"));
    struct fl_elle_opts o;
    const char *models[] = {"snapshot-isolation", "repeatable-read"};
    memset(&o, 0, sizeof(o));
    o.models = models;
    o.nmodels = 2;
    struct fl_arena a;
    fl_arena_init(&a, 1 << 16);
    struct fl_chk_result r;
    ASSERT_OK(fl_elle_check(&h, &o, &a, &r, NULL));
    ASSERT_EQ(r.valid, FL_VERDICT_FALSE);
    struct fl_strbuf sb = FL_STRBUF_INIT;
    fl_val_print_edn(
        &sb, fl_val_map_get_kw(&r.map, fl_kw_intern_cstr("anomaly-types")));
    fl_strbuf_addch(&sb, ' ');
    fl_val_print_edn(&sb, fl_val_map_get_kw(&r.map, fl_kw_intern_cstr("not")));
    ASSERT_STR_EQ(sb.buf, "[:G2-item] #{:repeatable-read}");
    fl_strbuf_release(&sb);
    fl_arena_release(&a);
    fl_hist_release(&h);
}

static void
test_elle_corpus_huge_scc(void)
{
    struct fl_hist h;
    ASSERT(load_corpus(&h, "huge-scc.edn"));
    struct fl_elle_opts o;
    memset(&o, 0, sizeof(o));
    o.cycle_search_timeout_ns = 1000000000; /* Elle's default, per search */
    struct fl_arena a;
    fl_arena_init(&a, 1 << 16);
    struct fl_chk_result r;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ASSERT_OK(fl_elle_check(&h, &o, &a, &r, NULL));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) +
               (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    ASSERT(s < 20.0);
    ASSERT_EQ(r.valid, FL_VERDICT_FALSE);
    struct fl_strbuf sb = FL_STRBUF_INIT;
    fl_val_print_edn(&sb, fl_val_map_get_kw(&r.map, fl_kw_intern_cstr("not")));
    ASSERT_STR_EQ(sb.buf, "#{:strong-snapshot-isolation}");
    fl_strbuf_release(&sb);
    fl_arena_release(&a);
    fl_hist_release(&h);
}

static void
test_elle_corpus_huge_scc_timeout(void)
{
    /* With a search budget too small for any concrete cycle, the answer
     * must still be "not strong snapshot isolation", proven by the
     * cycle-exists pass, with :cycle-search-timeout recorded; the pass
     * then prints a real-time cycle of two txns it finds. */
    struct fl_hist h;
    ASSERT(load_corpus(&h, "huge-scc.edn"));
    struct fl_elle_opts o;
    memset(&o, 0, sizeof(o));
    o.cycle_search_timeout_ns = 1;
    struct fl_arena a;
    fl_arena_init(&a, 1 << 16);
    struct fl_chk_result r;
    ASSERT_OK(fl_elle_check(&h, &o, &a, &r, NULL));
    ASSERT_EQ(r.valid, FL_VERDICT_FALSE);
    struct fl_strbuf sb = FL_STRBUF_INIT;
    fl_val_print_edn(
        &sb, fl_val_map_get_kw(&r.map, fl_kw_intern_cstr("anomaly-types")));
    fl_strbuf_addch(&sb, ' ');
    fl_val_print_edn(&sb, fl_val_map_get_kw(&r.map, fl_kw_intern_cstr("not")));
    ASSERT_STR_EQ(sb.buf, "[:G-single-item-realtime :cycle-search-timeout] "
                          "#{:strong-snapshot-isolation}");
    fl_strbuf_release(&sb);
    fl_arena_release(&a);
    fl_hist_release(&h);
}

static const struct fl_test_case elle_gen_tests[] = {
    FL_TEST_T(test_elle_gen_serializable_100k, 120),
    FL_TEST(test_elle_gen_aborted_read),
    FL_TEST(test_elle_gen_intermediate_read),
    FL_TEST(test_elle_gen_lost_update),
    FL_TEST(test_elle_gen_write_skew),
    FL_TEST(test_elle_gen_stale_read),
    FL_TEST(test_elle_gen_dirty_write),
    FL_TEST(test_elle_gen_register),
    FL_TEST(test_elle_corpus_si_without_g_single),
    FL_TEST(test_elle_corpus_huge_scc),
    FL_TEST(test_elle_corpus_huge_scc_timeout),
    FL_TEST_END,
};

FL_TEST_SUITE(elle_gen, elle_gen_tests)
