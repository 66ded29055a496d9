/* SPDX-License-Identifier: MIT */
/*
 * test_edn.c: the EDN reader (every syntax element, both history shapes,
 * record-tagged ops, malformed input with file:line:col, size and depth
 * limits), the history.edn and history.txt writers, and every file of the
 * shared corpus: parse, pair, and EDN -> JSON -> EDN round trip.
 */
#include "util/common.h"

#include "tests/unit/test.h"

#include <dirent.h>
#include <math.h>
#include <sys/stat.h>

#include "history/edn.h"
#include "history/hist.h"
#include "history/json.h"
#include "util/err.h"
#include "util/strbuf.h"

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
test_edn_scalars(void)
{
    struct fl_arena a;
    fl_arena_init(&a, 4096);
    fl_val v = rd(&a, "  nil ");
    ASSERT_EQ(v.kind, FL_V_NIL);
    v = rd(&a, "true");
    ASSERT(v.kind == FL_V_BOOL && v.u.b);
    v = rd(&a, "false");
    ASSERT(v.kind == FL_V_BOOL && !v.u.b);
    v = rd(&a, "-9223372036854775808");
    ASSERT(v.kind == FL_V_INT && v.u.i == INT64_MIN);
    v = rd(&a, "9223372036854775807");
    ASSERT(v.kind == FL_V_INT && v.u.i == INT64_MAX);
    v = rd(&a, "99999999999999999999N");
    ASSERT(v.kind == FL_V_BIGINT && v.n == 20);
    ASSERT_STR_EQ(v.u.s, "99999999999999999999");
    v = rd(&a, "-2.5e-3");
    ASSERT(v.kind == FL_V_FLOAT && v.u.d == -2.5e-3);
    v = rd(&a, "12.50M");
    ASSERT(v.kind == FL_V_BIGDEC);
    ASSERT_STR_EQ(v.u.s, "12.50");
    v = rd(&a, "7M");
    ASSERT(v.kind == FL_V_BIGDEC);
    v = rd(&a, "##Inf");
    ASSERT(v.kind == FL_V_FLOAT && isinf(v.u.d) && v.u.d > 0);
    v = rd(&a, "##-Inf");
    ASSERT(v.kind == FL_V_FLOAT && isinf(v.u.d) && v.u.d < 0);
    v = rd(&a, "##NaN");
    ASSERT(v.kind == FL_V_FLOAT && isnan(v.u.d));
    v = rd(&a, "22/7");
    ASSERT(v.kind == FL_V_RATIO && v.u.items[0].u.i == 22 &&
           v.u.items[1].u.i == 7);
    v = rd(&a, "\"a\\\"b\\\\c\\n\\t\\r\\b\\f\\u00e9\\ud83d\\ude00\\101\"");
    ASSERT(v.kind == FL_V_STR);
    ASSERT_STR_EQ(v.u.s, "a\"b\\c\n\t\r\b\f\xc3\xa9\xf0\x9f\x98\x80"
                         "A");
    v = rd(&a, "\"multi\nline\"");
    ASSERT_EQ(v.n, 10);
    v = rd(&a, "\"\\u0000x\"");
    ASSERT(v.n == 2 && v.u.s[0] == 0);
    v = rd(&a, "\\c");
    ASSERT(v.kind == FL_V_CHAR && v.u.i == 'c');
    v = rd(&a, "\\newline");
    ASSERT(v.kind == FL_V_CHAR && v.u.i == '\n');
    v = rd(&a, "\\u03bb");
    ASSERT(v.kind == FL_V_CHAR && v.u.i == 0x3bb);
    v = rd(&a, "\\\xce\xbb");
    ASSERT(v.kind == FL_V_CHAR && v.u.i == 0x3bb);
    v = rd(&a, "\\(");
    ASSERT(v.kind == FL_V_CHAR && v.u.i == '(');
    v = rd(&a, ":elle.list-append/init");
    ASSERT(v.kind == FL_V_KW);
    ASSERT_STR_EQ(fl_kw_name(v.u.id), "elle.list-append/init");
    v = rd(&a, ":valid?");
    ASSERT(fl_val_is_kw(&v, FL_KW_VALID));
    v = rd(&a, "foo.bar/baz*");
    ASSERT(v.kind == FL_V_SYM);
    ASSERT_STR_EQ(fl_kw_name(v.u.id), "foo.bar/baz*");
    v = rd(&a, "-");
    ASSERT(v.kind == FL_V_SYM);
    v = rd(&a, "-x");
    ASSERT(v.kind == FL_V_SYM);
    fl_arena_release(&a);
}

static void
test_edn_collections(void)
{
    struct fl_arena a;
    fl_arena_init(&a, 4096);
    fl_val v = rd(&a, "[1, 2,,3 ; comment ]\n 4]");
    ASSERT(v.kind == FL_V_VEC && v.n == 4 && v.u.items[3].u.i == 4);
    v = rd(&a, "(1 #_ 2 3)");
    ASSERT(v.kind == FL_V_LIST && v.n == 2 && v.u.items[1].u.i == 3);
    v = rd(&a, "{:a #_#_ :x :y 1 :b [#{} ()]}");
    ASSERT(v.kind == FL_V_MAP && v.n == 2);
    v = rd(&a, "#{:a :b}");
    ASSERT(v.kind == FL_V_SET && v.n == 2);
    v = rd(&a, "#inst \"1985-04-12T23:20:50.52Z\"");
    ASSERT(v.kind == FL_V_TAGGED && v.u.items[1].kind == FL_V_STR);
    ASSERT_STR_EQ(fl_kw_name(v.u.items[0].u.id), "inst");
    v = rd(&a, "#uuid \"f81d4fae-7dec-11d0-a765-00a0c91e6bf6\"");
    ASSERT(v.kind == FL_V_TAGGED);
    v = rd(&a, "#my.ns.Rec{:a 1}");
    ASSERT(v.kind == FL_V_TAGGED && v.u.items[1].kind == FL_V_MAP);
    v = rd(&a, "[[] {} #{} ()]");
    ASSERT(v.n == 4 && v.u.items[0].n == 0 && v.u.items[1].n == 0);
    fl_arena_release(&a);
}

struct bad_case {
    const char *in;
    const char *msg; /* "t:line:col: text" prefix of the message */
};

static void
test_edn_malformed(void)
{
    static const struct bad_case cases[] = {
        {"", "t:1:1: no value"},
        {"[1 2", "t:1:1: unexpected end of input: '[' is never closed"},
        {"{:a 1", "t:1:1: unexpected end of input"},
        {"(1\n 2]", "t:2:3: unmatched ']' (expected ')' to close the '(' at "
                    "1:1)"},
        {"]", "t:1:1: unmatched ']'"},
        {"\"abc", "t:1:1: unterminated string"},
        {"\"a\\qb\"", "t:1:3: bad escape '\\q'"},
        {"\"\\u12g4\"", "t:1:2: bad \\u escape"},
        {"\"\\ud800\"", "t:1:2: unpaired surrogate"},
        {"\"\xff\"", "t:1:2: invalid UTF-8 in string"},
        {"\"\xc0\xaf\"", "t:1:2: invalid UTF-8 in string"},
        {"\n\n  9223372036854775808", "t:3:3: integer too large"},
        {"-9223372036854775809", "t:1:1: integer too large"},
        {"1.5e", "t:1:1: invalid number"},
        {"12abc", "t:1:1: invalid number"},
        {"007", "t:1:1: invalid number: leading zero"},
        {"1/0", "t:1:1: ratio with zero denominator"},
        {"{:a}", "t:1:1: map literal has an odd number"},
        {"{:a 1 :a 2}", "t:1:1: duplicate key in map"},
        {"#{1 1}", "t:1:1: duplicate item in set"},
        {"#{1 2 3 4 5 6 7 8 9 10 1}", "t:1:1: duplicate item in set"},
        {"::foo", "t:1:1: auto-resolved keyword"},
        {":", "t:1:1: empty keyword"},
        {"\\", "t:1:1: character literal at end of input"},
        {"\\foo", "t:1:1: invalid character literal"},
        {"##Foo", "t:1:1: unknown symbolic value"},
        {"#\"re\"", "t:1:1: unsupported dispatch '#\"'"},
        {"#_", "t:1:1: #_ discard with no form"},
        {"[#_]", "t:1:2: #_ discard with no form"},
        {"#inst", "t:1:1: tag #inst has no value"},
        {"1 2", "t:1:3: unexpected data after the value"},
        {"\x01", "t:1:1: unexpected character"},
        {"[a/]", "t:1:2: symbol ends with '/'"},
        {"#a/ 1", "t:1:1: tag ends with '/'"},
        {"#true 1", "t:1:1: reader tag must be a symbol"},
    };
    struct fl_arena a;
    fl_arena_init(&a, 4096);
    for (size_t i = 0; i < FL_ARRAY_SIZE(cases); i++) {
        fl_val v;
        struct fl_err err = FL_ERR_INIT;
        int rc = fl_edn_parse_value(&a, cases[i].in, strlen(cases[i].in), "t",
                                    &v, &err);
        if (rc != FL_EPARSE)
            fl_test_fail(__FILE__, __LINE__, "case %zu (%s): rc %d", i,
                         cases[i].in, rc);
        if (strncmp(err.msg, cases[i].msg, strlen(cases[i].msg)) != 0)
            fl_test_fail(__FILE__, __LINE__,
                         "case %zu: got \"%s\", want "
                         "\"%s...\"",
                         i, err.msg, cases[i].msg);
    }
    fl_arena_release(&a);
}

static void
test_edn_limits(void)
{
    struct fl_arena a;
    struct fl_err err = FL_ERR_INIT;
    fl_val v;
    size_t n = 100000;
    char *deep = fl_xmalloc(2 * n + 1);

    fl_arena_init(&a, 4096);
    memset(deep, '[', n);
    memset(deep + n, ']', n);
    ASSERT_EQ(fl_edn_parse_value(&a, deep, 2 * n, "t", &v, &err), FL_EPARSE);
    ASSERT(strstr(err.msg, "nesting deeper than"));
    for (size_t i = 0; i < n; i++)
        deep[i] = i % 2 ? '_' : '#';
    ASSERT_EQ(fl_edn_parse_value(&a, deep, n, "t", &v, &err), FL_EPARSE);
    ASSERT(strstr(err.msg, "nesting deeper than"));
    for (size_t i = 0; i < n; i++)
        deep[i] = i % 2 ? 'a' : '#';
    ASSERT_EQ(fl_edn_parse_value(&a, deep, n, "t", &v, &err), FL_EPARSE);
    /* 200 levels is fine. */
    memset(deep, '[', 200);
    memset(deep + 200, ']', 200);
    ASSERT_OK(fl_edn_parse_value(&a, deep, 400, "t", &v, &err));
    free(deep);
    fl_arena_release(&a);
}

/* A 100 MB single line: one op whose value is a huge string. */
static void
test_edn_huge_line(void)
{
    size_t big = 100u << 20;
    struct fl_strbuf sb = FL_STRBUF_INIT;
    struct fl_err err = FL_ERR_INIT;
    struct fl_hist h;

    fl_strbuf_addstr(&sb, "{:type :invoke, :process 0, :f :write, :value \"");
    size_t at = sb.len;
    fl_strbuf_grow(&sb, big + 100);
    memset(sb.buf + at, 'x', big);
    fl_strbuf_setlen(&sb, at + big);
    fl_strbuf_addstr(&sb, "\"} {:type :ok, :process 0, :f :write}");
    fl_hist_init(&h);
    ASSERT_OK(fl_hist_parse(sb.buf, sb.len, "big", FL_HIST_AUTO, &h, &err));
    ASSERT_EQ(h.n, 2);
    ASSERT_EQ(h.ops[0].value.n, big);
    ASSERT_EQ(h.lines[1], 1);
    fl_hist_release(&h);
    /* Truncated: the string never ends. */
    fl_hist_init(&h);
    ASSERT_EQ(fl_hist_parse(sb.buf, at + big, "big", FL_HIST_AUTO, &h, &err),
              FL_EPARSE);
    ASSERT_STR_EQ(err.msg, "big:1:47: unterminated string");
    ASSERT_EQ(h.n, 0);
    fl_hist_release(&h);
    fl_strbuf_release(&sb);
}

static void
parse_hist_ok(const char *s, struct fl_hist *h)
{
    struct fl_err err = FL_ERR_INIT;
    fl_hist_init(h);
    if (fl_hist_parse(s, strlen(s), "h.edn", FL_HIST_AUTO, h, &err) < 0)
        fl_test_fail(__FILE__, __LINE__, "parse: %s", err.msg);
}

static void
test_edn_hist_shapes(void)
{
    const char *seq =
        "{:index 0, :time 10, :type :invoke, :process 0, :f :read, "
        ":value nil}\n"
        "{:index 1, :time 20, :type :ok, :process 0, :f :read, :value 3}\n";
    const char *vec = "; knossos style\n[{:process 0 :type :invoke :f :read "
                      ":value nil :index 0 :time 10}\n"
                      " {:process 0 :type :ok :f :read :value 3 :index 1 "
                      ":time 20}]\n";
    const char *rec = "#jepsen.history.Op{:index 0, :time 10, :type :invoke, "
                      ":process 0, :f :read, :value nil}\n"
                      "#jepsen.history.Op {:index 1, :time 20, :type :ok, "
                      ":process 0, :f :read, :value 3}\n";
    struct fl_hist a, b, c;
    parse_hist_ok(seq, &a);
    parse_hist_ok(vec, &b);
    parse_hist_ok(rec, &c);
    ASSERT_EQ(a.n, 2);
    ASSERT_EQ(b.n, 2);
    ASSERT_EQ(c.n, 2);
    for (size_t i = 0; i < 2; i++) {
        ASSERT(fl_op_equal(&a.ops[i], &b.ops[i]));
        ASSERT(fl_op_equal(&a.ops[i], &c.ops[i]));
    }
    ASSERT_EQ(a.ops[1].type, FL_OP_OK);
    ASSERT_EQ(a.ops[1].value.u.i, 3);
    ASSERT_EQ(a.ops[1].time_ns, 20);
    ASSERT_EQ(a.ops[0].f, FL_KW_READ);
    ASSERT_EQ(a.lines[1], 2);
    ASSERT_EQ(b.lines[0], 2);
    ASSERT_EQ(b.lines[1], 3);
    ASSERT_STR_EQ(a.name, "h.edn");
    fl_hist_release(&a);
    fl_hist_release(&b);
    fl_hist_release(&c);
}

static void
test_edn_op_fields(void)
{
    struct fl_hist h;
    parse_hist_ok("{:type :info, :process :nemesis, :f :start, "
                  ":value \"partitioned\"}\n"
                  "{:type :invoke, :process :other, :f \"str-f\"}\n"
                  "{:type :fail, :process 3, :f :cas, :value [1 2], "
                  ":error [:duplicate \"msg\"], :node \"n1\", \"k\" 1}\n"
                  "{:type :ok}\n",
                  &h);
    ASSERT_EQ(h.n, 4);
    ASSERT_EQ(h.ops[0].process, FL_PROC_NEMESIS);
    ASSERT_EQ(h.ops[0].index, 0);
    ASSERT_EQ(h.ops[0].time_ns, -1);
    ASSERT_EQ(h.ops[0].flags & FL_OP_HAS_INDEX, 0);
    ASSERT_EQ(h.ops[0].f, FL_KW_START);
    ASSERT(FL_PROC_IS_KW(h.ops[1].process));
    ASSERT_STR_EQ(fl_kw_name(FL_PROC_KW_ID(h.ops[1].process)), "other");
    ASSERT(h.ops[1].flags & FL_OP_F_STRING);
    ASSERT_STR_EQ(fl_kw_name(h.ops[1].f), "str-f");
    ASSERT(!(h.ops[1].flags & FL_OP_HAS_VALUE));
    ASSERT_EQ(h.ops[2].index, 2);
    const fl_val *e = fl_op_error(&h.ops[2]);
    ASSERT(e && e->kind == FL_V_VEC && e->n == 2);
    const fl_val *node = fl_op_get(&h.ops[2], fl_kw_intern_cstr("node"));
    ASSERT(node && node->kind == FL_V_STR);
    ASSERT_EQ(h.ops[2].extra->n, 3);
    ASSERT(h.ops[3].flags & FL_OP_NO_PROCESS);
    ASSERT_EQ(h.ops[3].f, FL_KW_NONE);
    ASSERT(fl_op_error(&h.ops[3]) == NULL);

    /* The writer's key order, and the reader reads it back. */
    struct fl_strbuf sb = FL_STRBUF_INIT;
    fl_edn_print_op(&sb, &h.ops[2]);
    ASSERT_STR_EQ(sb.buf, "{:index 2, :type :fail, :process 3, :f :cas, "
                          ":value [1 2], :error [:duplicate \"msg\"], "
                          ":node \"n1\", \"k\" 1}");
    fl_strbuf_reset(&sb);
    fl_edn_print_op(&sb, &h.ops[1]);
    ASSERT_STR_EQ(sb.buf, "{:index 1, :type :invoke, :process :other, "
                          ":f \"str-f\", :value nil}");
    fl_strbuf_reset(&sb);
    fl_edn_print_op(&sb, &h.ops[3]);
    ASSERT_STR_EQ(sb.buf, "{:index 3, :type :ok, :process nil, :f nil, "
                          ":value nil}");
    fl_strbuf_release(&sb);
    fl_hist_release(&h);
}

static void
test_edn_hist_errors(void)
{
    static const struct bad_case cases[] = {
        {"{:index 0 :process 0 :f :read}", "h:1:1: op has no :type"},
        {"\n  {:type :bogus}", "h:2:3: unknown op :type :bogus"},
        {"{:type \"ok\"}", "h:1:1: op's :type is not a keyword"},
        {"{:type :ok :process -1}", "h:1:1: op's :process -1 is out of range"},
        {"{:type :ok :process 1.5}", "h:1:1: op's :process is not an"},
        {"{:type :ok :index :x}", "h:1:1: op's :index is not an integer"},
        {"{:type :ok :time \"x\"}", "h:1:1: op's :time is not an integer"},
        {"{:type :ok :f 12}", "h:1:1: op's :f is not a keyword or string"},
        {"{:type :ok :type :ok}", "h:1:1: duplicate key :type in op"},
        {"{:type :ok :x 1 :x 2}", "h:1:1: duplicate key in op"},
        {"{:type :ok} [1]", "h:1:13: expected an op map"},
        {"[{:type :ok} 5]", "h:1:14: expected an op map"},
        {"[{:type :ok}", "h:1:1: unexpected end of input: '[' is never"},
        {"[{:type :ok}] {:type :ok}", "h:1:15: unexpected data after the"},
        {"{:type :ok}\n{:type :ok :value [1 2}",
         "h:2:23: unmatched '}' (expected ']' to close the '[' at 2:19)"},
        {"#foo", "h:1:1: tag with no value"},
        {"{:type :ok :value 123456789012345678901}",
         "h:1:19: integer too large for 64 bits"},
    };
    for (size_t i = 0; i < FL_ARRAY_SIZE(cases); i++) {
        struct fl_hist h;
        struct fl_err err = FL_ERR_INIT;
        fl_hist_init(&h);
        int rc = fl_hist_parse(cases[i].in, strlen(cases[i].in), "h",
                               FL_HIST_EDN, &h, &err);
        if (rc != FL_EPARSE)
            fl_test_fail(__FILE__, __LINE__, "case %zu (%s): rc %d", i,
                         cases[i].in, rc);
        if (strncmp(err.msg, cases[i].msg, strlen(cases[i].msg)) != 0)
            fl_test_fail(__FILE__, __LINE__,
                         "case %zu: got \"%s\", want "
                         "\"%s...\"",
                         i, err.msg, cases[i].msg);
        ASSERT_EQ(h.n, 0);
        fl_hist_release(&h);
    }
}

static void
test_edn_txt_writer(void)
{
    struct fl_hist h;
    parse_hist_ok("{:type :invoke :process 0 :f :cas :value [1 2]}\n"
                  "{:type :fail :process 0 :f :cas :value [1 2] "
                  ":error \"not found\"}\n"
                  "{:type :info :process :nemesis :f :start :error :boom}\n",
                  &h);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ASSERT_OK(fl_txt_write_hist(f, &h, NULL));
    fclose(f);
    ASSERT_STR_EQ(buf, "0\t:invoke\t:cas\t[1 2]\n"
                       "0\t:fail\t:cas\t[1 2]\tnot found\n"
                       ":nemesis\t:info\t:start\tnil\t:boom\n");
    free(buf);
    fl_hist_release(&h);
}

static void
collect_edn(const char *dir, struct fl_strbuf *list, size_t *n)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    if (!d)
        fl_test_fail(__FILE__, __LINE__, "opendir %s: %s", dir,
                     strerror(errno));
    for (;;) {
        de = readdir(d);
        if (!de)
            break;
        if (de->d_name[0] == '.')
            continue;
        char *path = fl_xasprintf("%s/%s", dir, de->d_name);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            collect_edn(path, list, n);
        } else {
            size_t l = strlen(path);
            if (l > 4 && strcmp(path + l - 4, ".edn") == 0) {
                fl_strbuf_add(list, path, l + 1);
                (*n)++;
            }
        }
        free(path);
    }
    closedir(d);
}

static void
assert_hist_equal(const struct fl_hist *a, const struct fl_hist *b,
                  const char *what)
{
    if (a->n != b->n)
        fl_test_fail(__FILE__, __LINE__, "%s: %zu ops vs %zu", what, a->n,
                     b->n);
    for (size_t i = 0; i < a->n; i++)
        if (!fl_op_equal(&a->ops[i], &b->ops[i]))
            fl_test_fail(__FILE__, __LINE__, "%s: op %zu differs", what, i);
}

static void
write_reparse(const struct fl_hist *h, bool json, struct fl_hist *out,
              const char *what)
{
    char *buf = NULL;
    size_t len = 0;
    struct fl_err err = FL_ERR_INIT;
    FILE *f = open_memstream(&buf, &len);
    if (json)
        ASSERT_OK(fl_json_write_hist(f, h, &err));
    else
        ASSERT_OK(fl_edn_write_hist(f, h, &err));
    fclose(f);
    fl_hist_init(out);
    if (fl_hist_parse(buf, len, what, FL_HIST_AUTO, out, &err) < 0)
        fl_test_fail(__FILE__, __LINE__, "%s: reparse: %s", what, err.msg);
    free(buf);
}

static void
test_edn_corpus(void)
{
    struct fl_strbuf list = FL_STRBUF_INIT;
    size_t n = 0, total_ops = 0;

    collect_edn(fl_test_corpus(), &list, &n);
    ASSERT(n >= 100);
    for (const char *p = list.buf; p < list.buf + list.len;
         p += strlen(p) + 1) {
        struct fl_hist h, j, e, e2;
        struct fl_err err = FL_ERR_INIT;
        size_t nwarn;
        fl_hist_init(&h);
        if (fl_hist_load(p, FL_HIST_AUTO, &h, &err) < 0)
            fl_test_fail(__FILE__, __LINE__, "%s", err.msg);
        if (fl_hist_pair(&h, stderr, &nwarn, &err) < 0)
            fl_test_fail(__FILE__, __LINE__, "%s", err.msg);
        ASSERT(h.n > 0);
        total_ops += h.n;
        /* EDN -> JSON -> EDN, and EDN -> EDN. */
        write_reparse(&h, true, &j, p);
        write_reparse(&j, false, &e, p);
        write_reparse(&h, false, &e2, p);
        assert_hist_equal(&h, &j, p);
        assert_hist_equal(&h, &e, p);
        assert_hist_equal(&h, &e2, p);
        ASSERT_OK(fl_hist_pair(&e, NULL, NULL, &err));
        for (size_t i = 0; i < h.n; i++)
            ASSERT_EQ(h.ops[i].pair, e.ops[i].pair);
        fl_hist_release(&h);
        fl_hist_release(&j);
        fl_hist_release(&e);
        fl_hist_release(&e2);
    }
    ASSERT(total_ops > 50000);
    fl_strbuf_release(&list);
}

static const struct fl_test_case edn_tests[] = {
    FL_TEST(test_edn_scalars),
    FL_TEST(test_edn_collections),
    FL_TEST(test_edn_malformed),
    FL_TEST(test_edn_limits),
    FL_TEST(test_edn_huge_line),
    FL_TEST(test_edn_hist_shapes),
    FL_TEST(test_edn_op_fields),
    FL_TEST(test_edn_hist_errors),
    FL_TEST(test_edn_txt_writer),
    FL_TEST(test_edn_corpus),
    FL_TEST_END,
};

FL_TEST_SUITE(edn, edn_tests)
