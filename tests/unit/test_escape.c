/* SPDX-License-Identifier: MIT */
/*
 * test_escape.c: shell quoting (control/escape.c): exact forms for simple
 * cases, and round trips of hostile and random strings through a real
 * /bin/sh (and bash when present) via the local remote.
 */
#include "util/common.h"

#include "tests/unit/test.h"

#include <unistd.h>

#include "control/escape.h"
#include "control/remote.h"
#include "util/err.h"
#include "util/rng.h"
#include "util/strbuf.h"

static void
check_quote(const char *in, const char *want)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;

    fl_sh_quote(&sb, in);
    ASSERT_STR_EQ(sb.buf, want);
    fl_strbuf_release(&sb);
}

static void
test_escape_forms(void)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;
    const char *argv[] = {"echo", "a b", "", "x", NULL};

    check_quote("abc", "abc");
    check_quote("/var/lib/etcd-1.2_x@h:p,q=r+s%",
                "/var/lib/etcd-1.2_x@h:p,q=r+s%");
    check_quote("", "''");
    check_quote(NULL, "''");
    check_quote("a b", "'a b'");
    check_quote("it's", "'it'\\''s'");
    check_quote("'", "''\\'''");
    check_quote("-rf", "'-rf'");
    check_quote("~root", "'~root'");
    check_quote("$(id)", "'$(id)'");
    check_quote("a\nb", "'a\nb'");
    check_quote("*", "'*'");
    fl_sh_quote_argv(&sb, argv, -1);
    ASSERT_STR_EQ(sb.buf, "echo 'a b' '' x");
    fl_strbuf_reset(&sb);
    fl_sh_quote_argv(&sb, argv, 2);
    ASSERT_STR_EQ(sb.buf, "echo 'a b'");
    fl_strbuf_reset(&sb);
    ASSERT_EQ(fl_sh_quote_mem(&sb, "a\0b", 3), -EINVAL);
    ASSERT_EQ(sb.len, 0);
    ASSERT_OK(fl_sh_quote_mem(&sb, "a b", 3));
    ASSERT_STR_EQ(sb.buf, "'a b'");
    fl_strbuf_release(&sb);
}

/* printf '%s\0' WORD... through shell sh must give back exactly ss[]. */
static void
round_trip(struct fl_remote *r, const char *sh, char **ss, size_t n)
{
    struct fl_strbuf line = FL_STRBUF_INIT, inner = FL_STRBUF_INIT;
    struct fl_cmd_result res = FL_CMD_RESULT_INIT;
    struct fl_err err = FL_ERR_INIT;
    struct fl_cmd c = {0};
    size_t off = 0;

    for (size_t i = 0; i < n; i++) {
        fl_strbuf_addstr(&inner, "printf '%s\\0' ");
        fl_sh_quote(&inner, ss[i]);
        fl_strbuf_addch(&inner, '\n');
    }
    /* Quoted twice: once for the outer sh -c, once for the shell tested. */
    fl_strbuf_addstr(&line, sh);
    fl_strbuf_addstr(&line, " -c ");
    fl_sh_quote(&line, inner.buf);
    c.cmd = line.buf;
    ASSERT_OK(fl_remote_exec(r, &c, &res, &err));
    ASSERT_EQ(res.exit_code, 0);
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(ss[i]);
        ASSERT(off + len < res.out.len + 1);
        if (memcmp(res.out.buf + off, ss[i], len) != 0 ||
            res.out.buf[off + len] != '\0')
            fl_test_fail(__FILE__, __LINE__,
                         "%s: string %zu came back "
                         "changed",
                         sh, i);
        off += len + 1;
    }
    ASSERT_EQ(off, res.out.len);
    fl_cmd_result_release(&res);
    fl_strbuf_release(&line);
    fl_strbuf_release(&inner);
}

static void
test_escape_hostile(void)
{
    static const char *const hostile[] = {
        "",
        " ",
        "'",
        "''",
        "\"",
        "\\",
        "\\'",
        "$HOME",
        "${IFS}",
        "$(touch /tmp/pwned)",
        "`id`",
        "a;b",
        "a&&b",
        "a|b",
        "a>b",
        "<x",
        "*",
        "?",
        "[a-z]",
        "~",
        "-n",
        "--",
        "-e \\n",
        "\n",
        "\t\r",
        "a\nb'c\"d$e`f\\g",
        "!!",
        "#x",
        "n1; rm -rf /",
        "%s%n",
        "\xff\xfe",
        "\xc3\xbc"
        "n"
        "\xc3\xaf"
        "c",
        "{a,b}",
        "(x)",
    };
    struct fl_remote_opts o = {.backend = "local"};
    struct fl_err err = FL_ERR_INIT;
    struct fl_remote *r = fl_remote_new("local", &o, &err);
    struct fl_rng rng;
    const char *shells[] = {"/bin/sh", "/bin/bash"};
    char *ss[FL_ARRAY_SIZE(hostile) + 200];
    size_t n = 0;

    ASSERT(r != NULL);
    fl_rng_seed(&rng, 42);
    for (size_t i = 0; i < FL_ARRAY_SIZE(hostile); i++)
        ss[n++] = fl_xstrdup(hostile[i]);
    for (int i = 0; i < 200; i++) {
        char s[64];
        size_t len = (size_t)fl_rng_below(&rng, sizeof(s) - 1);
        for (size_t j = 0; j < len; j++)
            s[j] = (char)(1 + fl_rng_below(&rng, 255));
        s[len] = '\0';
        ss[n++] = fl_xstrdup(s);
    }
    /* Both are essential Debian packages: a missing one is a failure. */
    for (size_t k = 0; k < FL_ARRAY_SIZE(shells); k++) {
        ASSERT(access(shells[k], X_OK) == 0);
        round_trip(r, shells[k], ss, n);
    }
    ASSERT(access("/tmp/pwned", F_OK) != 0);
    for (size_t i = 0; i < n; i++)
        free(ss[i]);
    fl_remote_free(r);
}

static const struct fl_test_case escape_tests[] = {
    FL_TEST(test_escape_forms),
    FL_TEST(test_escape_hostile),
    FL_TEST_END,
};

FL_TEST_SUITE(escape, escape_tests);
