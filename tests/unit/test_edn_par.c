/* SPDX-License-Identifier: MIT */
/*
 * test_edn_par.c: the EDN reader's two-thread split (edn.c). With the size
 * threshold lowered to zero every history below is read by two threads,
 * and each must come out exactly as one thread reads it: the same ops,
 * values, default indices and source lines, and for bad input the same
 * file:line:col message, wherever the cut falls (inside a multi-line
 * string, after a #_ discard or a comment, in either half's error).
 */
#include "util/common.h"

#include "tests/unit/test.h"

#include "history/edn.h"
#include "history/hist.h"
#include "history/hist_int.h"
#include "util/err.h"
#include "util/strbuf.h"

/* Parse s with the split forced on (par) or off. */
static int
parse_with(const char *s, bool par, struct fl_hist *h, struct fl_err *err)
{
    size_t saved = fl_edn__par_min_bytes;
    fl_edn__par_min_bytes = par ? 0 : SIZE_MAX;
    fl_hist_init(h);
    int rc = fl_edn_parse_hist(s, strlen(s), "t.edn", h, err);
    fl_edn__par_min_bytes = saved;
    return rc;
}

static void
assert_same_hist(const struct fl_hist *a, const struct fl_hist *b)
{
    ASSERT_EQ(a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        const struct fl_op *x = &a->ops[i], *y = &b->ops[i];
        ASSERT_EQ(x->index, y->index);
        ASSERT_EQ(x->time_ns, y->time_ns);
        ASSERT_EQ(x->type, y->type);
        ASSERT_EQ(x->process, y->process);
        ASSERT_EQ(x->f, y->f);
        ASSERT_EQ(x->flags, y->flags);
        ASSERT(fl_val_equal(&x->value, &y->value));
        ASSERT_EQ(x->extra != NULL, y->extra != NULL);
        if (x->extra)
            ASSERT(fl_val_equal(x->extra, y->extra));
        ASSERT_EQ(a->lines[i], b->lines[i]);
    }
}

/* Parse s both ways and require the same history (or the same error). */
static void
check_same(const char *s, int want_rc)
{
    struct fl_hist h1, h2;
    struct fl_err e1 = FL_ERR_INIT, e2 = FL_ERR_INIT;
    int r1 = parse_with(s, false, &h1, &e1);
    int r2 = parse_with(s, true, &h2, &e2);
    ASSERT_EQ(r1, want_rc);
    ASSERT_EQ(r2, want_rc);
    if (r1 == 0)
        assert_same_hist(&h1, &h2);
    else
        ASSERT_STR_EQ(e1.msg, e2.msg);
    fl_hist_release(&h1);
    fl_hist_release(&h2);
}

/* A varied history: n ops, some without :index, with extras, strings. */
static void
gen(struct fl_strbuf *sb, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i % 7 == 3)
            fl_strbuf_addf(sb,
                           "{:time %zu, :type :invoke, :process %zu, "
                           ":f :txn, :value [[:append %zu %zu] [:r 1 "
                           "nil]]}\n",
                           i * 10, i % 5, i % 11, i);
        else if (i % 7 == 5)
            fl_strbuf_addf(sb,
                           "{:index %zu, :type :info, :process :nemesis, "
                           ":f :start, :value \"cut\\n{x}\", :extra "
                           "{:a #{1 2}}}\n",
                           i);
        else
            fl_strbuf_addf(sb,
                           "{:index %zu, :time %zu, :type :ok, :process %zu,"
                           " :f :txn, :value [[:r %zu [1 2 3]]]}\n",
                           i, i * 10, i % 5, i % 3);
    }
}

static void
test_edn_par_same(void)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;
    gen(&sb, 2001);
    check_same(sb.buf, 0);
    /* Pretty-printed ops spanning lines, and blank lines and comments. */
    fl_strbuf_reset(&sb);
    for (int i = 0; i < 400; i++)
        fl_strbuf_addf(&sb,
                       "; op %d\n\n{:type :ok,\n :process %d,\n :value "
                       "[%d\n  %d]}\n",
                       i, i, i, i + 1);
    check_same(sb.buf, 0);
    fl_strbuf_release(&sb);
}

static void
test_edn_par_merged(void)
{
    /* The split really happens: lines and default indices are global. */
    struct fl_strbuf sb = FL_STRBUF_INIT;
    for (int i = 0; i < 1000; i++)
        fl_strbuf_addf(&sb, "{:type :ok, :process 1, :value %d}\n", i);
    struct fl_hist h;
    struct fl_err err = FL_ERR_INIT;
    ASSERT_OK(parse_with(sb.buf, true, &h, &err));
    ASSERT_EQ(h.n, 1000);
    for (size_t i = 0; i < h.n; i++) {
        ASSERT_EQ(h.ops[i].index, (int64_t)i);
        ASSERT_EQ(h.lines[i], i + 1);
        ASSERT_EQ(h.ops[i].value.u.i, (int64_t)i);
    }
    fl_hist_release(&h);
    fl_strbuf_release(&sb);
}

static void
test_edn_par_awkward_cuts(void)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;
    /* One huge multi-line string holding "\n{" lines across the middle. */
    fl_strbuf_addstr(&sb, "{:type :ok, :value 1}\n{:type :info, :value \"");
    for (int i = 0; i < 300; i++)
        fl_strbuf_addstr(&sb, "\n{:type :ok, :value 2}");
    fl_strbuf_addstr(&sb, "\"}\n{:type :ok, :value 3}\n");
    check_same(sb.buf, 0);
    struct fl_hist h;
    struct fl_err err = FL_ERR_INIT;
    ASSERT_OK(parse_with(sb.buf, true, &h, &err));
    ASSERT_EQ(h.n, 3);
    ASSERT_EQ(h.lines[2], 303);
    fl_hist_release(&h);

    /* A #_ discard, then a comment, then the cut: the op after the
     * discard is dropped as one thread drops it. */
    fl_strbuf_reset(&sb);
    for (int i = 0; i < 50; i++)
        fl_strbuf_addf(&sb, "{:type :ok, :value %d}\n", i);
    fl_strbuf_addstr(&sb, "#_\n");
    for (int i = 50; i < 100; i++)
        fl_strbuf_addf(&sb, "{:type :ok, :value %d}\n;c\n", i);
    check_same(sb.buf, 0);
    ASSERT_OK(parse_with(sb.buf, true, &h, &err));
    ASSERT_EQ(h.n, 99);
    fl_hist_release(&h);
    fl_strbuf_release(&sb);
}

static void
test_edn_par_errors(void)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;
    /* An error late in the second half, then one early in the first. */
    gen(&sb, 500);
    fl_strbuf_addstr(&sb, "{:type :ok, :value [1 2}\n");
    gen(&sb, 3);
    check_same(sb.buf, FL_EPARSE);
    struct fl_hist h;
    struct fl_err err = FL_ERR_INIT;
    ASSERT(parse_with(sb.buf, true, &h, &err) < 0);
    ASSERT(strstr(err.msg, "t.edn:501:") != NULL);
    ASSERT_EQ(h.n, 0);
    fl_hist_release(&h);

    fl_strbuf_reset(&sb);
    gen(&sb, 3);
    fl_strbuf_addstr(&sb, "{:type :bogus}\n");
    gen(&sb, 500);
    check_same(sb.buf, FL_EPARSE);
    /* Unterminated string starting in the first half. */
    fl_strbuf_reset(&sb);
    gen(&sb, 100);
    fl_strbuf_addstr(&sb, "{:type :ok, :value \"abc\n");
    gen(&sb, 300);
    check_same(sb.buf, FL_EPARSE);
    fl_strbuf_release(&sb);
}

static const struct fl_test_case edn_par_tests[] = {
    FL_TEST(test_edn_par_same),
    FL_TEST(test_edn_par_merged),
    FL_TEST(test_edn_par_awkward_cuts),
    FL_TEST(test_edn_par_errors),
    FL_TEST_END,
};

FL_TEST_SUITE(edn_par, edn_par_tests)
