/* SPDX-License-Identifier: MIT */
/*
 * test_checkers.c: the workload checkers (set, set-full, counter, bank,
 * stats, unhandled-exceptions, compose, independent) on small histories
 * built in memory, valid and invalid, with the result keys Jepsen uses.
 */
#include "util/common.h"

#include "tests/unit/test.h"

#include "checker/chk_int.h"
#include "checker/workloads.h"
#include "history/edn.h"
#include "history/hist.h"
#include "nemesis/nemesis.h"
#include "util/err.h"
#include "util/strbuf.h"

struct hb {
    struct fl_hist h;
    int64_t t;
};

static void
hb_init(struct hb *b)
{
    fl_hist_init(&b->h);
    b->t = 0;
}

static void
op(struct hb *b, int type, int32_t p, uint32_t f, fl_val v)
{
    struct fl_op o;

    memset(&o, 0, sizeof(o));
    o.index = (int64_t)b->h.n;
    o.time_ns = b->t;
    b->t += 10;
    o.type = (uint8_t)type;
    o.process = p;
    o.f = f;
    o.value = v;
    o.pair = -1;
    fl_hist_append(&b->h, &o);
}

static fl_val
ints(struct hb *b, const int64_t *v, size_t n)
{
    fl_val items[64];

    for (size_t i = 0; i < n; i++)
        items[i] = fl_val_int(v[i]);
    return fl_val_coll(&b->h.arena, FL_V_VEC, items, n);
}

/* Check and return the result map rendered as EDN (caller frees). */
static char *
run(struct fl_checker *c, struct hb *b, struct fl_arena *a,
    enum fl_verdict want)
{
    struct fl_chk_result r;
    struct fl_err err = FL_ERR_INIT;
    struct fl_strbuf sb = FL_STRBUF_INIT;

    ASSERT_OK(fl_hist_pair(&b->h, NULL, NULL, &err));
    ASSERT_OK(fl_chk_run(c, &b->h, NULL, a, &r, &err));
    fl_val_print_edn(&sb, &r.map);
    if (r.valid != want)
        fl_test_fail(__FILE__, __LINE__, "verdict %d, want %d: %s", r.valid,
                     want, sb.buf);
    ASSERT_EQ(fl_chk__verdict_of(&r.map), want);
    return fl_strbuf_detach(&sb, NULL);
}

#define HAS(s, sub)                                                            \
    do {                                                                       \
        if (!strstr((s), (sub)))                                               \
            fl_test_fail(__FILE__, __LINE__, "'%s' not in %s", (sub), (s));    \
    } while (0)

static void
test_chk_interval_str(void)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;
    int64_t v[] = {7, 1, 2, 3, 5, 3, 9, 10};
    size_t n = fl_chk__sort_unique(v, 8);

    ASSERT_EQ(n, 7);
    fl_chk__interval_str(&sb, v, n);
    ASSERT_STR_EQ(sb.buf, "#{1..3 5 7 9..10}");
    fl_strbuf_reset(&sb);
    fl_chk__interval_str(&sb, v, 0);
    ASSERT_STR_EQ(sb.buf, "#{}");
    fl_strbuf_release(&sb);
}

static void
test_chk_set(void)
{
    struct hb b;
    struct fl_arena a;
    struct fl_checker *c = fl_chk_set_new();

    fl_arena_init(&a, 4096);
    hb_init(&b);
    for (int i = 0; i < 6; i++) {
        op(&b, FL_OP_INVOKE, i % 3, FL_KW_ADD, fl_val_int(i));
        op(&b, i == 5 ? FL_OP_INFO : FL_OP_OK, i % 3, FL_KW_ADD, fl_val_int(i));
        if (i == 5)
            continue;
    }
    /* 4 acknowledged but missing, 5 crashed but present, 9 never added */
    op(&b, FL_OP_INVOKE, 7, FL_KW_READ, fl_val_nil());
    op(&b, FL_OP_OK, 7, FL_KW_READ, ints(&b, (int64_t[]){0, 1, 2, 3, 5, 9}, 6));
    char *s = run(c, &b, &a, FL_VERDICT_FALSE);
    HAS(s, ":lost \"#{4}\"");
    HAS(s, ":recovered \"#{5}\"");
    HAS(s, ":unexpected \"#{9}\"");
    HAS(s, ":attempt-count 6");
    HAS(s, ":acknowledged-count 5");
    free(s);
    fl_hist_release(&b.h);

    /* Never read: unknown. */
    hb_init(&b);
    op(&b, FL_OP_INVOKE, 0, FL_KW_ADD, fl_val_int(1));
    op(&b, FL_OP_OK, 0, FL_KW_ADD, fl_val_int(1));
    s = run(c, &b, &a, FL_VERDICT_UNKNOWN);
    HAS(s, "never read");
    free(s);
    fl_hist_release(&b.h);

    /* All there: valid. */
    hb_init(&b);
    op(&b, FL_OP_INVOKE, 0, FL_KW_ADD, fl_val_int(1));
    op(&b, FL_OP_OK, 0, FL_KW_ADD, fl_val_int(1));
    op(&b, FL_OP_INVOKE, 0, FL_KW_READ, fl_val_nil());
    op(&b, FL_OP_OK, 0, FL_KW_READ, ints(&b, (int64_t[]){1}, 1));
    free(run(c, &b, &a, FL_VERDICT_TRUE));
    fl_hist_release(&b.h);
    fl_chk_free(c);
    fl_arena_release(&a);
}

/* Check b with opts (incomplete run) and return the map as EDN. */
static char *
run_cut_short(struct fl_checker *c, struct hb *b, struct fl_arena *a,
              enum fl_verdict want)
{
    struct fl_chk_opts o;
    struct fl_chk_result r;
    struct fl_err err = FL_ERR_INIT;
    struct fl_strbuf sb = FL_STRBUF_INIT;

    memset(&o, 0, sizeof(o));
    o.incomplete = true;
    ASSERT_OK(fl_hist_pair(&b->h, NULL, NULL, &err));
    ASSERT_OK(fl_chk_run(c, &b->h, &o, a, &r, &err));
    fl_val_print_edn(&sb, &r.map);
    if (r.valid != want)
        fl_test_fail(__FILE__, __LINE__, "verdict %d, want %d: %s", r.valid,
                     want, sb.buf);
    return fl_strbuf_detach(&sb, NULL);
}

/*
 * A run cut short (killed) has no final read: the last read began before
 * the last adds were acknowledged. Those adds are never-read, not lost
 * (Jepsen's semantics), and the result says the run was cut short; an add
 * acknowledged before that read began and missing from it is still lost.
 */
static void
test_chk_set_cut_short(void)
{
    struct hb b;
    struct fl_arena a;
    struct fl_checker *c = fl_chk_set_new();

    fl_arena_init(&a, 4096);
    hb_init(&b);
    op(&b, FL_OP_INVOKE, 0, FL_KW_ADD, fl_val_int(1));
    op(&b, FL_OP_OK, 0, FL_KW_ADD, fl_val_int(1));
    op(&b, FL_OP_INVOKE, 9, FL_KW_READ, fl_val_nil());
    op(&b, FL_OP_INVOKE, 0, FL_KW_ADD, fl_val_int(2));
    op(&b, FL_OP_OK, 0, FL_KW_ADD, fl_val_int(2));
    op(&b, FL_OP_OK, 9, FL_KW_READ, ints(&b, (int64_t[]){1}, 1));
    op(&b, FL_OP_INVOKE, 0, FL_KW_ADD, fl_val_int(3));
    op(&b, FL_OP_OK, 0, FL_KW_ADD, fl_val_int(3));
    op(&b, FL_OP_INVOKE, 0, FL_KW_ADD, fl_val_int(4)); /* killed here */
    char *s = run_cut_short(c, &b, &a, FL_VERDICT_TRUE);
    HAS(s, ":lost \"#{}\"");
    HAS(s, ":never-read \"#{2..3}\"");
    HAS(s, ":never-read-count 2");
    HAS(s, ":incomplete true");
    free(s);
    /* The same history from a complete run: 2 and 3 are lost. */
    s = run(c, &b, &a, FL_VERDICT_FALSE);
    HAS(s, ":lost \"#{2..3}\"");
    free(s);
    fl_hist_release(&b.h);

    /* An add acknowledged before the read began and missing: lost. */
    hb_init(&b);
    op(&b, FL_OP_INVOKE, 0, FL_KW_ADD, fl_val_int(1));
    op(&b, FL_OP_OK, 0, FL_KW_ADD, fl_val_int(1));
    op(&b, FL_OP_INVOKE, 9, FL_KW_READ, fl_val_nil());
    op(&b, FL_OP_INVOKE, 0, FL_KW_ADD, fl_val_int(2));
    op(&b, FL_OP_OK, 0, FL_KW_ADD, fl_val_int(2));
    op(&b, FL_OP_OK, 9, FL_KW_READ, ints(&b, (int64_t[]){2}, 1));
    s = run_cut_short(c, &b, &a, FL_VERDICT_FALSE);
    HAS(s, ":lost \"#{1}\"");
    HAS(s, ":incomplete true");
    free(s);
    fl_hist_release(&b.h);

    /* set-full says so too (its never-read already covers this). */
    struct fl_checker *full = fl_chk_set_full_new(false);
    hb_init(&b);
    op(&b, FL_OP_INVOKE, 9, FL_KW_READ, fl_val_nil());
    op(&b, FL_OP_INVOKE, 0, FL_KW_ADD, fl_val_int(2));
    op(&b, FL_OP_OK, 0, FL_KW_ADD, fl_val_int(2));
    op(&b, FL_OP_OK, 9, FL_KW_READ, ints(&b, (int64_t[]){0}, 0));
    s = run_cut_short(full, &b, &a, FL_VERDICT_TRUE);
    HAS(s, ":never-read \"#{2}\"");
    HAS(s, ":incomplete true");
    free(s);
    fl_hist_release(&b.h);
    fl_chk_free(full);
    fl_chk_free(c);
    fl_arena_release(&a);
}

static void
test_chk_set_full(void)
{
    struct hb b;
    struct fl_arena a;
    struct fl_checker *plain = fl_chk_set_full_new(false);
    struct fl_checker *lin = fl_chk_set_full_new(true);

    fl_arena_init(&a, 4096);
    hb_init(&b);
    op(&b, FL_OP_INVOKE, 0, FL_KW_ADD, fl_val_int(1));
    op(&b, FL_OP_OK, 0, FL_KW_ADD, fl_val_int(1));
    /* a read after the add misses 1 (stale), a later one has it */
    op(&b, FL_OP_INVOKE, 1, FL_KW_READ, fl_val_nil());
    op(&b, FL_OP_OK, 1, FL_KW_READ, ints(&b, NULL, 0));
    op(&b, FL_OP_INVOKE, 1, FL_KW_READ, fl_val_nil());
    op(&b, FL_OP_OK, 1, FL_KW_READ, ints(&b, (int64_t[]){1}, 1));
    char *s = run(plain, &b, &a, FL_VERDICT_TRUE);
    HAS(s, ":stale-count 1");
    HAS(s, ":stable-count 1");
    free(s);
    free(run(lin, &b, &a, FL_VERDICT_FALSE));
    /* then 2 is added, seen once, and gone from the last read: lost */
    op(&b, FL_OP_INVOKE, 0, FL_KW_ADD, fl_val_int(2));
    op(&b, FL_OP_OK, 0, FL_KW_ADD, fl_val_int(2));
    op(&b, FL_OP_INVOKE, 1, FL_KW_READ, fl_val_nil());
    op(&b, FL_OP_OK, 1, FL_KW_READ, ints(&b, (int64_t[]){1, 2}, 2));
    op(&b, FL_OP_INVOKE, 1, FL_KW_READ, fl_val_nil());
    op(&b, FL_OP_OK, 1, FL_KW_READ, ints(&b, (int64_t[]){1}, 1));
    /* 3 is added after the last read: never read */
    op(&b, FL_OP_INVOKE, 0, FL_KW_ADD, fl_val_int(3));
    op(&b, FL_OP_OK, 0, FL_KW_ADD, fl_val_int(3));
    s = run(plain, &b, &a, FL_VERDICT_FALSE);
    HAS(s, ":lost \"#{2}\"");
    HAS(s, ":never-read \"#{3}\"");
    free(s);
    fl_hist_release(&b.h);
    fl_chk_free(plain);
    fl_chk_free(lin);
    fl_arena_release(&a);
}

static void
test_chk_counter(void)
{
    struct hb b;
    struct fl_arena a;
    struct fl_checker *c = fl_chk_counter_new();

    fl_arena_init(&a, 4096);
    hb_init(&b);
    op(&b, FL_OP_INVOKE, 0, FL_KW_ADD, fl_val_int(3));
    op(&b, FL_OP_OK, 0, FL_KW_ADD, fl_val_int(3));
    op(&b, FL_OP_INVOKE, 0, FL_KW_ADD, fl_val_int(2));
    op(&b, FL_OP_INVOKE, 1, FL_KW_READ, fl_val_nil());
    op(&b, FL_OP_OK, 1, FL_KW_READ, fl_val_int(5)); /* in [3, 5] */
    op(&b, FL_OP_FAIL, 0, FL_KW_ADD, fl_val_int(2));
    op(&b, FL_OP_INVOKE, 1, FL_KW_READ, fl_val_nil());
    op(&b, FL_OP_OK, 1, FL_KW_READ, fl_val_int(3)); /* in [3, 3] */
    char *s = run(c, &b, &a, FL_VERDICT_TRUE);
    HAS(s, ":reads [[3 5 5] [3 3 3]]");
    free(s);
    op(&b, FL_OP_INVOKE, 1, FL_KW_READ, fl_val_nil());
    op(&b, FL_OP_OK, 1, FL_KW_READ, fl_val_int(2)); /* below 3: lost add */
    s = run(c, &b, &a, FL_VERDICT_FALSE);
    HAS(s, ":errors [[3 2 3]]");
    free(s);
    fl_hist_release(&b.h);
    fl_chk_free(c);
    fl_arena_release(&a);
}

static fl_val
balances(struct hb *b, const int64_t *v, size_t n)
{
    fl_val items[32];

    for (size_t i = 0; i < n; i++) {
        items[2 * i] = fl_val_int((int64_t)i);
        items[2 * i + 1] = fl_val_int(v[i]);
    }
    return fl_val_map(&b->h.arena, items, n);
}

static void
test_chk_bank(void)
{
    struct hb b;
    struct fl_arena a;
    struct fl_checker *c = fl_chk_bank_new(3, 30, false);

    fl_arena_init(&a, 4096);
    hb_init(&b);
    op(&b, FL_OP_INVOKE, 0, FL_KW_READ, fl_val_nil());
    op(&b, FL_OP_OK, 0, FL_KW_READ, balances(&b, (int64_t[]){10, 10, 10}, 3));
    free(run(c, &b, &a, FL_VERDICT_TRUE));
    op(&b, FL_OP_INVOKE, 0, FL_KW_READ, fl_val_nil());
    op(&b, FL_OP_OK, 0, FL_KW_READ, balances(&b, (int64_t[]){10, 15, 10}, 3));
    op(&b, FL_OP_INVOKE, 0, FL_KW_READ, fl_val_nil());
    op(&b, FL_OP_OK, 0, FL_KW_READ, balances(&b, (int64_t[]){-5, 25, 10}, 3));
    op(&b, FL_OP_INVOKE, 0, FL_KW_READ, fl_val_nil());
    op(&b, FL_OP_OK, 0, FL_KW_READ,
       balances(&b, (int64_t[]){10, 10, 0, 10}, 4));
    char *s = run(c, &b, &a, FL_VERDICT_FALSE);
    HAS(s, ":read-count 4");
    HAS(s, ":error-count 3");
    HAS(s, ":wrong-total {:count 1");
    HAS(s, ":total 35");
    HAS(s, ":negative-value {:count 1");
    HAS(s, ":unexpected-key {:count 1");
    HAS(s, ":first-error {:type :wrong-total, :index 3");
    free(s);
    fl_hist_release(&b.h);
    fl_chk_free(c);
    fl_arena_release(&a);
}

static void
test_chk_stats_exceptions_compose(void)
{
    struct hb b;
    struct fl_arena a;

    fl_arena_init(&a, 4096);
    hb_init(&b);
    op(&b, FL_OP_INVOKE, 0, FL_KW_READ, fl_val_nil());
    op(&b, FL_OP_OK, 0, FL_KW_READ, fl_val_int(1));
    op(&b, FL_OP_INVOKE, 0, FL_KW_WRITE, fl_val_int(2));
    op(&b, FL_OP_INFO, 0, FL_KW_WRITE, fl_val_int(2));
    fl_op_set_error(&b.h.ops[3], &b.h.arena, "indeterminate: socket closed");
    op(&b, FL_OP_INVOKE, 1, FL_KW_WRITE, fl_val_int(3));
    op(&b, FL_OP_INFO, 1, FL_KW_WRITE, fl_val_int(3));
    fl_op_set_error(&b.h.ops[5], &b.h.arena, "indeterminate: socket closed");
    op(&b, FL_OP_INFO, FL_PROC_NEMESIS, FL_KW_START, fl_val_nil());
    op(&b, FL_OP_INFO, FL_PROC_NEMESIS, FL_KW_START, fl_val_nil());

    struct fl_checker *st = fl_chk_stats_new();
    char *s = run(st, &b, &a, FL_VERDICT_UNKNOWN); /* no :ok write */
    HAS(s, ":count 3");
    HAS(s, ":info-count 2");
    HAS(s, ":write {:valid? :unknown");
    free(s);
    fl_chk_free(st);

    struct fl_checker *ex = fl_chk_exceptions_new();
    s = run(ex, &b, &a, FL_VERDICT_TRUE);
    HAS(s, ":class \"indeterminate: socket closed\", :count 2");
    free(s);
    fl_chk_free(ex);

    const char *names[] = {"stats", "exceptions", "set"};
    struct fl_checker *cs[] = {fl_chk_stats_new(), fl_chk_exceptions_new(),
                               fl_chk_set_new()};
    struct fl_checker *comp = fl_chk_compose_new(names, cs, 3);
    s = run(comp, &b, &a, FL_VERDICT_UNKNOWN);
    HAS(s, ":stats {:valid? :unknown");
    HAS(s, ":exceptions {:valid? true");
    HAS(s, ":set {:valid? :unknown");
    free(s);
    fl_chk_free(comp);
    fl_hist_release(&b.h);
    fl_arena_release(&a);
}

static fl_val
kv(struct hb *b, int64_t k, fl_val v)
{
    fl_val items[2] = {fl_val_int(k), v};

    return fl_val_coll(&b->h.arena, FL_V_VEC, items, 2);
}

static void
test_chk_independent(void)
{
    struct hb b;
    struct fl_arena a;
    struct fl_checker *c = fl_chk_independent_new(fl_chk_counter_new());

    fl_arena_init(&a, 4096);
    hb_init(&b);
    /* key 1 fine, key 2 reads a value no add explains */
    op(&b, FL_OP_INVOKE, 0, FL_KW_ADD, kv(&b, 1, fl_val_int(1)));
    op(&b, FL_OP_INVOKE, 1, FL_KW_ADD, kv(&b, 2, fl_val_int(1)));
    op(&b, FL_OP_OK, 0, FL_KW_ADD, kv(&b, 1, fl_val_int(1)));
    op(&b, FL_OP_OK, 1, FL_KW_ADD, kv(&b, 2, fl_val_int(1)));
    op(&b, FL_OP_INVOKE, 0, FL_KW_READ, kv(&b, 1, fl_val_nil()));
    op(&b, FL_OP_OK, 0, FL_KW_READ, kv(&b, 1, fl_val_int(1)));
    op(&b, FL_OP_INVOKE, 1, FL_KW_READ, kv(&b, 2, fl_val_nil()));
    op(&b, FL_OP_OK, 1, FL_KW_READ, kv(&b, 2, fl_val_int(7)));
    char *s = run(c, &b, &a, FL_VERDICT_FALSE);
    HAS(s, ":failures [2]");
    HAS(s, ":key-count 2");
    HAS(s, "1 {:valid? true");
    free(s);
    fl_hist_release(&b.h);

    /* A value that is not a tuple is an error, not a verdict. */
    hb_init(&b);
    op(&b, FL_OP_INVOKE, 0, FL_KW_READ, fl_val_int(3));
    struct fl_chk_result r;
    struct fl_err err = FL_ERR_INIT;
    ASSERT(fl_chk_run(c, &b.h, NULL, &a, &r, &err) < 0);
    HAS(err.msg, "[key value]");
    fl_hist_release(&b.h);
    fl_chk_free(c);
    fl_arena_release(&a);
}

/*
 * The generic independent checker checks keys fewest ops first and stops
 * at the first invalid one: the keys after it are :not-checked, unless
 * the options say :all-keys? true.
 */
static void
test_chk_independent_early_stop(void)
{
    struct hb b;
    struct fl_arena a;
    struct fl_checker *c = fl_chk_independent_new(fl_chk_counter_new());

    fl_arena_init(&a, 4096);
    hb_init(&b);
    /* key 3 (many ops, valid) first in the history; key 2 reads 7 */
    for (int i = 0; i < 5; i++) {
        op(&b, FL_OP_INVOKE, 0, FL_KW_ADD, kv(&b, 3, fl_val_int(1)));
        op(&b, FL_OP_OK, 0, FL_KW_ADD, kv(&b, 3, fl_val_int(1)));
    }
    op(&b, FL_OP_INVOKE, 1, FL_KW_ADD, kv(&b, 2, fl_val_int(1)));
    op(&b, FL_OP_OK, 1, FL_KW_ADD, kv(&b, 2, fl_val_int(1)));
    op(&b, FL_OP_INVOKE, 1, FL_KW_READ, kv(&b, 2, fl_val_nil()));
    op(&b, FL_OP_OK, 1, FL_KW_READ, kv(&b, 2, fl_val_int(7)));
    char *s = run(c, &b, &a, FL_VERDICT_FALSE);
    HAS(s, ":failures [2]");
    HAS(s, ":not-checked 1");
    HAS(s, "3 {:valid? :unknown, :cause :not-checked}");
    free(s);

    struct fl_chk_result r;
    struct fl_err err = FL_ERR_INIT;
    struct fl_strbuf sb = FL_STRBUF_INIT;
    fl_val opts;
    const char *o = "{:all-keys? true}";
    ASSERT_OK(fl_edn_parse_value(&a, o, strlen(o), "o", &opts, &err));
    struct fl_chk_opts co = {.options = &opts};
    ASSERT_OK(fl_chk_run(c, &b.h, &co, &a, &r, &err));
    fl_val_print_edn(&sb, &r.map);
    ASSERT_EQ(r.valid, FL_VERDICT_FALSE);
    HAS(sb.buf, "3 {:valid? true");
    ASSERT(strstr(sb.buf, "not-checked") == NULL);
    fl_strbuf_release(&sb);
    fl_hist_release(&b.h);
    fl_chk_free(c);
    fl_arena_release(&a);
}

static const struct fl_test_case checker_tests[] = {
    FL_TEST(test_chk_interval_str),
    FL_TEST(test_chk_set),
    FL_TEST(test_chk_set_full),
    FL_TEST(test_chk_set_cut_short),
    FL_TEST(test_chk_counter),
    FL_TEST(test_chk_bank),
    FL_TEST(test_chk_stats_exceptions_compose),
    FL_TEST(test_chk_independent),
    FL_TEST(test_chk_independent_early_stop),
    FL_TEST_END,
};

FL_TEST_SUITE(workload_checkers, checker_tests)
