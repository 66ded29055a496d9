/* SPDX-License-Identifier: MIT */
/*
 * test_val.c: keyword interning (fixed ids, thread safety), fl_val
 * equality, hashing, ordering, copying and EDN printing.
 */
#include "util/common.h"

#include "tests/unit/test.h"

#include <pthread.h>

#include "history/edn.h"
#include "history/val.h"
#include "util/arena.h"
#include "util/err.h"
#include "util/strbuf.h"

/* Parse one EDN value into a (tests only use well-formed input here). */
static fl_val
rd(struct fl_arena *a, const char *s)
{
    fl_val v;
    struct fl_err err = FL_ERR_INIT;
    if (fl_edn_parse_value(a, s, strlen(s), "t", &v, &err) < 0)
        fl_test_fail(__FILE__, __LINE__, "parse %s: %s", s, err.msg);
    return v;
}

static void
test_kw_fixed_ids(void)
{
    ASSERT_EQ(fl_kw_intern_cstr("invoke"), FL_KW_INVOKE);
    ASSERT_EQ(fl_kw_intern_cstr("read"), FL_KW_READ);
    ASSERT_EQ(fl_kw_intern_cstr("valid?"), FL_KW_VALID);
    ASSERT_EQ(fl_kw_intern_cstr("stop"), FL_KW_STOP);
    ASSERT_EQ(fl_kw_intern("timed-out", 9), FL_KW_TIMED_OUT);
    ASSERT_STR_EQ(fl_kw_name(FL_KW_NEMESIS), "nemesis");
    ASSERT_EQ(fl_kw_len(FL_KW_ACQUIRE), 7);
    ASSERT_STR_EQ(fl_kw_name(FL_KW_NONE), "");
    uint32_t id = fl_kw_intern_cstr("elle.list-append/init");
    ASSERT(id >= FL_KW_NFIXED);
    ASSERT_EQ(fl_kw_intern("elle.list-append/initXYZ", 21), id);
    ASSERT_STR_EQ(fl_kw_name(id), "elle.list-append/init");
    ASSERT_EQ(fl_kw_len(id), 21);
}

#define KW_THREADS 4
#define KW_NAMES   3001 /* prime, so every stride is a permutation */

static uint32_t kw_ids[KW_THREADS][KW_NAMES];

static void *
kw_worker(void *arg)
{
    int t = (int)(intptr_t)arg;
    char name[32];
    for (int i = 0; i < KW_NAMES; i++) {
        /* Each thread walks the names in a different order. */
        int k = (i * (2 * t + 1)) % KW_NAMES;
        int n = snprintf(name, sizeof(name), "thr-kw-%d", k);
        kw_ids[t][k] = fl_kw_intern(name, (size_t)n);
    }
    return NULL;
}

static void
test_kw_threads(void)
{
    pthread_t th[KW_THREADS];
    for (int t = 0; t < KW_THREADS; t++)
        ASSERT_EQ(pthread_create(&th[t], NULL, kw_worker, (void *)(intptr_t)t),
                  0);
    for (int t = 0; t < KW_THREADS; t++)
        pthread_join(th[t], NULL);
    char name[32];
    for (int k = 0; k < KW_NAMES; k++) {
        for (int t = 1; t < KW_THREADS; t++)
            ASSERT_EQ(kw_ids[t][k], kw_ids[0][k]);
        snprintf(name, sizeof(name), "thr-kw-%d", k);
        ASSERT_STR_EQ(fl_kw_name(kw_ids[0][k]), name);
        for (int j = 0; j < k && j < 50; j++)
            ASSERT_NE(kw_ids[0][j], kw_ids[0][k]);
    }
}

static void
check_eq(struct fl_arena *a, const char *x, const char *y, bool want)
{
    fl_val u = rd(a, x), v = rd(a, y);
    if (fl_val_equal(&u, &v) != want)
        fl_test_fail(__FILE__, __LINE__, "equal(%s, %s) != %d", x, y, want);
    if ((fl_val_compare(&u, &v) == 0) != want)
        fl_test_fail(__FILE__, __LINE__, "compare(%s, %s) == 0 != %d", x, y,
                     want);
    if (want && fl_val_hash(&u) != fl_val_hash(&v))
        fl_test_fail(__FILE__, __LINE__, "hash(%s) != hash(%s)", x, y);
}

static void
test_val_equal(void)
{
    struct fl_arena a;
    fl_arena_init(&a, 4096);
    check_eq(&a, "[1 2 3]", "(1 2 3)", true);
    check_eq(&a, "[1 2 3]", "[1 2]", false);
    check_eq(&a, "{:a 1 :b [2 3]}", "{:b (2 3), :a 1}", true);
    check_eq(&a, "{:a 1 :b 2}", "{:a 1 :b 3}", false);
    check_eq(&a, "{:a 1 :b 2}", "{:a 1 :c 2}", false);
    check_eq(&a, "#{1 2 3}", "#{3 1 2}", true);
    check_eq(&a, "#{1 2 3}", "[1 2 3]", false);
    check_eq(&a, "5", "5N", true);
    check_eq(&a, "-5", "-5N", true);
    check_eq(&a, "0", "-0N", true);
    check_eq(&a, "9223372036854775807", "9223372036854775807N", true);
    check_eq(&a, "-9223372036854775808", "-9223372036854775808N", true);
    check_eq(&a, "9223372036854775808N", "9223372036854775808N", true);
    check_eq(&a, "9223372036854775808N", "9223372036854775809N", false);
    check_eq(&a, "1", "1.0", false);
    check_eq(&a, "0.0", "-0.0", true);
    check_eq(&a, "##NaN", "##NaN", true);
    check_eq(&a, "##Inf", "##-Inf", false);
    check_eq(&a, "1.5M", "1.5M", true);
    check_eq(&a, "1/3", "1/3", true);
    check_eq(&a, "1/3", "2/3", false);
    check_eq(&a, ":a", ":b", false);
    check_eq(&a, ":a", "a", false);
    check_eq(&a, "\"a\"", "\\a", false);
    check_eq(&a, "#inst \"2020\"", "#inst \"2020\"", true);
    check_eq(&a, "#inst \"2020\"", "#uuid \"2020\"", false);
    check_eq(&a, "nil", "false", false);
    /* Big sets and maps take the sorting path. */
    check_eq(&a, "#{1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20}",
             "#{20 19 18 17 16 15 14 13 12 11 10 9 8 7 6 5 4 3 2 1}", true);
    check_eq(&a, "#{1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20}",
             "#{20 19 18 17 16 15 14 13 12 11 10 9 8 7 6 5 4 3 2 21}", false);
    check_eq(&a, "{1 :a 2 :b 3 :c 4 :d 5 :e 6 :f 7 :g 8 :h 9 :i 10 :j}",
             "{10 :j 9 :i 8 :h 7 :g 6 :f 5 :e 4 :d 3 :c 2 :b 1 :a}", true);
    check_eq(&a, "{1 :a 2 :b 3 :c 4 :d 5 :e 6 :f 7 :g 8 :h 9 :i 10 :j}",
             "{10 :j 9 :i 8 :h 7 :g 6 :f 5 :e 4 :d 3 :c 2 :b 1 :z}", false);
    fl_arena_release(&a);
}

static int
qcmp(const void *x, const void *y)
{
    return fl_val_compare(x, y);
}

static void
test_val_compare_order(void)
{
    struct fl_arena a;
    const char *src[] = {"nil",    "true",   "false", "-3",    "7",
                         "100N",   "2.5",    "##NaN", "1.0M",  "1/2",
                         "\\x",    "\"s\"",  "\"r\"", "sym",   ":kw",
                         ":a/b",   "[1 2]",  "[1]",   "(0 9)", "{:a 1}",
                         "#{1 2}", "#t [1]", "#{}",   "[]",    "{}"};
    fl_val v[FL_ARRAY_SIZE(src)];

    fl_arena_init(&a, 4096);
    for (size_t i = 0; i < FL_ARRAY_SIZE(src); i++)
        v[i] = rd(&a, src[i]);
    qsort(v, FL_ARRAY_SIZE(src), sizeof(fl_val), qcmp);
    for (size_t i = 0; i + 1 < FL_ARRAY_SIZE(src); i++) {
        ASSERT(fl_val_compare(&v[i], &v[i + 1]) < 0);
        ASSERT(fl_val_compare(&v[i + 1], &v[i]) > 0);
        for (size_t j = i + 1; j < FL_ARRAY_SIZE(src); j++)
            ASSERT(fl_val_compare(&v[i], &v[j]) < 0);
    }
    /* Numbers order by value across int and bigint. */
    fl_val x = rd(&a, "-100000000000000000000N"), y = rd(&a, "-5"),
           z = rd(&a, "100000000000000000000N");
    ASSERT(fl_val_compare(&x, &y) < 0);
    ASSERT(fl_val_compare(&y, &z) < 0);
    ASSERT(fl_val_compare(&z, &x) > 0);
    fl_arena_release(&a);
}

static void
check_print(struct fl_arena *a, const char *in, const char *want)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;
    fl_val v = rd(a, in);
    fl_val_print_edn(&sb, &v);
    if (strcmp(sb.buf, want) != 0)
        fl_test_fail(__FILE__, __LINE__, "print %s: got %s, want %s", in,
                     sb.buf, want);
    fl_strbuf_release(&sb);
}

static void
test_val_print(void)
{
    struct fl_arena a;
    fl_arena_init(&a, 4096);
    check_print(&a, "nil", "nil");
    check_print(&a, "true", "true");
    check_print(&a, "-42", "-42");
    check_print(&a, "+42", "42");
    check_print(&a, "123456789012345678901234567890N",
                "123456789012345678901234567890N");
    check_print(&a, "1.5", "1.5");
    check_print(&a, "3.0", "3.0");
    check_print(&a, "1e3", "1000.0");
    check_print(&a, "0.1", "0.1");
    check_print(&a, "1e7", "1.0E7");
    check_print(&a, "-1.5e-4", "-1.5E-4");
    check_print(&a, "0.001", "0.001");
    check_print(&a, "123456.789", "123456.789");
    check_print(&a, "1.7976931348623157e308", "1.7976931348623157E308");
    check_print(&a, "5e-324", "5.0E-324");
    check_print(&a, "0.0", "0.0");
    check_print(&a, "-0.0", "-0.0");
    check_print(&a, "1.25M", "1.25M");
    check_print(&a, "##Inf", "##Inf");
    check_print(&a, "##-Inf", "##-Inf");
    check_print(&a, "##NaN", "##NaN");
    check_print(&a, "-1/3", "-1/3");
    check_print(&a, "\"a\\\"b\\\\c\\nd\\te\\r\"", "\"a\\\"b\\\\c\\nd\\te\\r\"");
    check_print(&a, "\"\\u0001\\u00e9\"", "\"\\u0001\u00e9\"");
    check_print(&a, "\\a", "\\a");
    check_print(&a, "\\newline", "\\newline");
    check_print(&a, "\\space", "\\space");
    check_print(&a, "\\u00e9", "\\u00e9");
    check_print(&a, ":elle.list-append/init", ":elle.list-append/init");
    check_print(&a, "foo/bar", "foo/bar");
    check_print(&a, "[1 (2 3) #{4}]", "[1 (2 3) #{4}]");
    check_print(&a, "{:a 1, :b {:c nil}}", "{:a 1, :b {:c nil}}");
    check_print(&a, "#inst \"2024-01-01T00:00:00Z\"",
                "#inst \"2024-01-01T00:00:00Z\"");
    check_print(&a, "#jepsen.history.Op{:index 1}",
                "#jepsen.history.Op {:index 1}");
    fl_arena_release(&a);
}

static void
test_val_copy_and_get(void)
{
    struct fl_arena a, b;
    fl_arena_init(&a, 4096);
    fl_arena_init(&b, 4096);
    fl_val v = rd(&a, "{:k \"str\" :v [1 #{2} {:x 3N}] 7 #t 1/2}");
    fl_val c = fl_val_copy(&b, &v);
    ASSERT(fl_val_equal(&v, &c));
    ASSERT(c.u.items != v.u.items);
    fl_arena_release(&a);
    /* The copy lives on after the source arena is gone. */
    struct fl_strbuf sb = FL_STRBUF_INIT;
    fl_val_print_edn(&sb, &c);
    ASSERT_STR_EQ(sb.buf, "{:k \"str\", :v [1 #{2} {:x 3N}], 7 #t 1/2}");
    const fl_val *k = fl_val_map_get_kw(&c, fl_kw_intern_cstr("k"));
    ASSERT(k && k->kind == FL_V_STR);
    fl_val seven = fl_val_int(7);
    const fl_val *t = fl_val_map_get(&c, &seven);
    ASSERT(t && t->kind == FL_V_TAGGED);
    ASSERT(fl_val_map_get_kw(&c, FL_KW_READ) == NULL);
    ASSERT(fl_val_map_get(&seven, &seven) == NULL);
    fl_val items[2] = {fl_val_int(1), fl_val_kw(FL_KW_OK)};
    fl_val m = fl_val_map(&b, items, 1);
    ASSERT_EQ(fl_val_map_get(&m, &items[0])->u.id, FL_KW_OK);
    fl_val s = fl_val_str(&b, "hello", 3);
    ASSERT_STR_EQ(s.u.s, "hel");
    fl_val l = fl_val_coll(&b, FL_V_LIST, items, 2);
    fl_strbuf_reset(&sb);
    fl_val_print_edn(&sb, &l);
    ASSERT_STR_EQ(sb.buf, "(1 :ok)");
    fl_strbuf_release(&sb);
    fl_arena_release(&b);
}

/* Integers as Clojure prints them, into buffers of every fill level. */
static void
test_val_print_ints(void)
{
    static const int64_t ints[] = {
        0, 7, -1, 10, -10, 1234567890123, INT64_MAX, INT64_MIN};
    struct fl_strbuf sb = FL_STRBUF_INIT;
    char want[64];

    for (size_t pre = 0; pre < 40; pre++) {
        for (size_t i = 0; i < FL_ARRAY_SIZE(ints); i++) {
            fl_val v = fl_val_int(ints[i]);
            fl_strbuf_reset(&sb);
            for (size_t k = 0; k < pre; k++)
                fl_strbuf_addch(&sb, 'x');
            fl_val_print_edn(&sb, &v);
            snprintf(want, sizeof(want), "%" PRId64, ints[i]);
            ASSERT_EQ(sb.len, pre + strlen(want));
            ASSERT_STR_EQ(sb.buf + pre, want);
            ASSERT(sb.alloc > sb.len && sb.buf[sb.len] == 0);
        }
    }
    fl_strbuf_release(&sb);
}

static const struct fl_test_case val_tests[] = {
    FL_TEST(test_kw_fixed_ids),     FL_TEST(test_kw_threads),
    FL_TEST(test_val_equal),        FL_TEST(test_val_compare_order),
    FL_TEST(test_val_print),        FL_TEST(test_val_print_ints),
    FL_TEST(test_val_copy_and_get), FL_TEST_END,
};

FL_TEST_SUITE(val, val_tests)
