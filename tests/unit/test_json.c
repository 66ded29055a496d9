/* SPDX-License-Identifier: MIT */
/*
 * test_json.c: the JSON encoding of every EDN kind (docs/history-json.md),
 * JSON-lines ops both ways, round trips of awkward values, and malformed
 * JSON input with file:line:col.
 */
#include "util/common.h"

#include "tests/unit/test.h"

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
check_json(struct fl_arena *a, const char *edn, const char *want)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;
    fl_val v = rd(a, edn);
    fl_json_print_val(&sb, &v);
    if (strcmp(sb.buf, want) != 0)
        fl_test_fail(__FILE__, __LINE__, "json of %s: got %s, want %s", edn,
                     sb.buf, want);
    fl_strbuf_release(&sb);
}

static void
test_json_encoding(void)
{
    struct fl_arena a;
    fl_arena_init(&a, 4096);
    check_json(&a, "nil", "null");
    check_json(&a, "true", "true");
    check_json(&a, "-12", "-12");
    check_json(&a, "2.5", "2.5");
    check_json(&a, "3.0", "3.0");
    check_json(&a, "1e100", "1.0E100");
    check_json(&a, "##NaN", "{\"#float\":\"NaN\"}");
    check_json(&a, "##-Inf", "{\"#float\":\"-Inf\"}");
    check_json(&a, "123456789012345678901234N",
               "{\"#bigint\":\"123456789012345678901234\"}");
    check_json(&a, "1.50M", "{\"#bigdec\":\"1.50\"}");
    check_json(&a, "1/3", "{\"#ratio\":[1,3]}");
    check_json(&a, "\"plain \\\"q\\\" \\u0001\"",
               "\"plain \\\"q\\\" \\u0001\"");
    check_json(&a, "\":looks-like-kw\"", "{\"#str\":\":looks-like-kw\"}");
    check_json(&a, "\\x", "{\"#char\":\"x\"}");
    check_json(&a, ":read", "\":read\"");
    check_json(&a, ":a/b", "\":a/b\"");
    check_json(&a, "sym", "{\"#sym\":\"sym\"}");
    check_json(&a, "[1 [2]]", "[1,[2]]");
    check_json(&a, "(1 2)", "{\"#list\":[1,2]}");
    check_json(&a, "#{:x}", "{\"#set\":[\":x\"]}");
    check_json(&a, "{:valid? true, \"s\" 1}", "{\":valid?\":true,\"s\":1}");
    check_json(&a, "{1 2}", "{\"#map\":[[1,2]]}");
    check_json(&a, "{\"#h\" 2}", "{\"#map\":[[\"#h\",2]]}");
    check_json(&a, "{\":k\" 2}", "{\"#map\":[[{\"#str\":\":k\"},2]]}");
    check_json(&a, "#inst \"2020\"", "{\"#tag\":[\"inst\",\"2020\"]}");
    check_json(&a, "{}", "{}");
    fl_arena_release(&a);
}

static void
parse_json_ok(const char *s, struct fl_hist *h)
{
    struct fl_err err = FL_ERR_INIT;
    fl_hist_init(h);
    if (fl_hist_parse(s, strlen(s), "h.jsonl", FL_HIST_AUTO, h, &err) < 0)
        fl_test_fail(__FILE__, __LINE__, "parse: %s", err.msg);
}

static void
test_json_ops(void)
{
    struct fl_hist h;
    parse_json_ok("{\"index\":0,\"time\":5,\"type\":\"invoke\",\"process\":2,"
                  "\"f\":\"cas\",\"value\":[1,2]}\n"
                  "\n"
                  "  {\"type\":\"info\",\"process\":\"nemesis\",\"f\":"
                  "\"start\",\"value\":{\":n1\":[\":n2\"]},\"error\":"
                  "\":boom\",\"#extra\":[[\"s\",1]]}\n"
                  "{\"type\":\"ok\",\"process\":null,\"f\":{\"#str\":\"x y\"}}",
                  &h);
    ASSERT_EQ(h.n, 3);
    ASSERT_EQ(h.ops[0].process, 2);
    ASSERT_EQ(h.ops[0].f, FL_KW_CAS);
    ASSERT_EQ(h.ops[0].time_ns, 5);
    ASSERT_EQ(h.ops[0].value.kind, FL_V_VEC);
    ASSERT_EQ(h.ops[1].process, FL_PROC_NEMESIS);
    ASSERT_EQ(h.ops[1].index, 1);
    ASSERT_EQ(h.lines[1], 3);
    ASSERT_EQ(h.ops[1].value.kind, FL_V_MAP);
    const fl_val *e = fl_op_error(&h.ops[1]);
    ASSERT(e && e->kind == FL_V_KW);
    ASSERT_EQ(h.ops[1].extra->n, 2);
    ASSERT(h.ops[2].flags & FL_OP_NO_PROCESS);
    ASSERT(h.ops[2].flags & FL_OP_F_STRING);

    struct fl_strbuf sb = FL_STRBUF_INIT;
    fl_json_print_op(&sb, &h.ops[1]);
    ASSERT_STR_EQ(sb.buf, "{\"index\":1,\"type\":\"info\",\"process\":"
                          "\"nemesis\",\"f\":\"start\",\"value\":"
                          "{\":n1\":[\":n2\"]},\"error\":\":boom\","
                          "\"#extra\":[[\"s\",1]]}");
    fl_strbuf_reset(&sb);
    fl_json_print_op(&sb, &h.ops[2]);
    ASSERT_STR_EQ(sb.buf, "{\"index\":2,\"type\":\"ok\",\"process\":null,"
                          "\"f\":{\"#str\":\"x y\"},\"value\":null}");
    fl_strbuf_release(&sb);
    fl_hist_release(&h);
}

/* Ops with awkward values survive EDN -> JSON -> EDN. */
static void
test_json_roundtrip(void)
{
    const char *edn =
        "{:type :invoke, :process 0, :f :txn, :value [[:append 1 2] "
        "[:r 1 nil]], :time 3}\n"
        "{:type :ok, :process 0, :f :txn, :value (#{1 2} {1 2} {:a (3)} "
        "\"\\u0000:\" \":x\" \\space \\u00e9 sym 5N 1.5M -2/3 ##NaN ##Inf "
        "1e300 -0.0 #inst \"2020\" #t #u [1]), :error {\"#h\" 1}, "
        ":index 1, :node \"n1\", 7 :seven, \"index\" 1, :#odd 2}\n"
        "{:type :info, :process :nemesis, :f \"str f\", :value nil}\n"
        "{:type :ok}\n";
    struct fl_hist h, j, e;
    struct fl_err err = FL_ERR_INIT;
    char *buf = NULL;
    size_t len = 0;

    fl_hist_init(&h);
    ASSERT_OK(fl_hist_parse(edn, strlen(edn), "r.edn", FL_HIST_EDN, &h, &err));
    FILE *f = open_memstream(&buf, &len);
    ASSERT_OK(fl_json_write_hist(f, &h, &err));
    fclose(f);
    fl_hist_init(&j);
    if (fl_hist_parse(buf, len, "r.jsonl", FL_HIST_AUTO, &j, &err) < 0)
        fl_test_fail(__FILE__, __LINE__, "%s\n%s", err.msg, buf);
    free(buf);
    buf = NULL;
    f = open_memstream(&buf, &len);
    ASSERT_OK(fl_edn_write_hist(f, &j, &err));
    fclose(f);
    fl_hist_init(&e);
    if (fl_hist_parse(buf, len, "r2.edn", FL_HIST_AUTO, &e, &err) < 0)
        fl_test_fail(__FILE__, __LINE__, "%s\n%s", err.msg, buf);
    free(buf);
    ASSERT_EQ(h.n, 4);
    ASSERT_EQ(j.n, 4);
    ASSERT_EQ(e.n, 4);
    for (size_t i = 0; i < h.n; i++) {
        ASSERT(fl_op_equal(&h.ops[i], &j.ops[i]));
        ASSERT(fl_op_equal(&h.ops[i], &e.ops[i]));
    }
    /* And a changed value is noticed. */
    e.ops[1].time_ns++;
    ASSERT(!fl_op_equal(&h.ops[1], &e.ops[1]));
    fl_hist_release(&h);
    fl_hist_release(&j);
    fl_hist_release(&e);
}

struct bad_case {
    const char *in;
    const char *msg;
};

static void
test_json_malformed(void)
{
    static const struct bad_case cases[] = {
        {"{\"type\":\"ok\"}\n{\"type\":", "j:2:8: "},
        {"{\"type\":\"ok\",}", "j:1:14: string or '}' expected"},
        {"{\"type\":\"ok\",\"value\":123456789012345678901234}", "j:1:"},
        {"{\"type\":\"ok\",\"value\":\"\xff\"}", "j:1:"},
        {"{\"type\":\"ok\",\"type\":\"ok\"}", "j:1:"},
        {"{\"process\":1}", "j:1:1: op has no \"type\""},
        {"{\"type\":\"done\"}", "j:1:1: op's \"type\" is not one of"},
        {"{\"type\":\"ok\",\"process\":-3}", "j:1:1: op's \"process\" is out"},
        {"{\"type\":\"ok\",\"process\":1.5}", "j:1:1: op's \"process\" is not"},
        {"{\"type\":\"ok\",\"index\":\"x\"}", "j:1:1: op's \"index\" is not"},
        {"{\"type\":\"ok\",\"f\":3}", "j:1:1: op's \"f\" is not a string"},
        {"{\"type\":\"ok\",\"value\":\": bad\"}",
         "j:1:1: \" bad\" is not a valid keyword name"},
        {"{\"type\":\"ok\",\"value\":\":\"}", "j:1:1: \"\" is not a valid"},
        {"{\"type\":\"ok\",\"value\":{\"#nope\":1}}",
         "j:1:1: unknown or malformed tagged object"},
        {"{\"type\":\"ok\",\"value\":{\"#set\":[1,1]}}",
         "j:1:1: duplicate item in set"},
        {"{\"type\":\"ok\",\"value\":{\"#map\":[[1]]}}", "j:1:1: #map needs"},
        {"{\"type\":\"ok\",\"value\":{\"#ratio\":[1,0]}}",
         "j:1:1: #ratio denominator"},
        {"{\"type\":\"ok\",\"value\":{\"#bigint\":\"12a\"}}",
         "j:1:1: unknown or malformed"},
        {"{\"type\":\"ok\",\"value\":{\"#char\":\"ab\"}}",
         "j:1:1: #char must hold exactly one character"},
        {"{\"type\":\"ok\",\"value\":{\"#sym\":\"nil\"}}",
         "j:1:1: \"nil\" is not a valid symbol"},
        {"{\"type\":\"ok\",\"value\":{\"a\":1,\"#b\":2}}",
         "j:1:1: object key \"#b\" must be written with #map"},
        {"{\"type\":\"ok\",\"#extra\":[[\":value\",1]]}",
         "j:1:1: op's \"#extra\" repeats a fixed field"},
        {"[1]", "j:1:1: expected an op object"},
    };
    for (size_t i = 0; i < FL_ARRAY_SIZE(cases); i++) {
        struct fl_hist h;
        struct fl_err err = FL_ERR_INIT;
        fl_hist_init(&h);
        int rc = fl_hist_parse(cases[i].in, strlen(cases[i].in), "j",
                               FL_HIST_JSON, &h, &err);
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
    /* Deep nesting is refused, not a stack overflow. */
    struct fl_strbuf sb = FL_STRBUF_INIT;
    fl_strbuf_addstr(&sb, "{\"type\":\"ok\",\"value\":");
    for (int i = 0; i < 1000; i++)
        fl_strbuf_addch(&sb, '[');
    for (int i = 0; i < 1000; i++)
        fl_strbuf_addch(&sb, ']');
    fl_strbuf_addch(&sb, '}');
    struct fl_hist h;
    struct fl_err err = FL_ERR_INIT;
    fl_hist_init(&h);
    ASSERT_EQ(fl_hist_parse(sb.buf, sb.len, "j", FL_HIST_JSON, &h, &err),
              FL_EPARSE);
    fl_hist_release(&h);
    fl_strbuf_release(&sb);
}

static const struct fl_test_case json_tests[] = {
    FL_TEST(test_json_encoding),
    FL_TEST(test_json_ops),
    FL_TEST(test_json_roundtrip),
    FL_TEST(test_json_malformed),
    FL_TEST_END,
};

FL_TEST_SUITE(json, json_tests)
