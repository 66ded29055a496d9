/* SPDX-License-Identifier: MIT */
/*
 * test_util.c: strbuf, arena, map, rng, clock, parse, err, base64 and
 * spawn.
 */
#include "util/common.h"

#include <sys/stat.h>
#include <unistd.h>

#include "tests/unit/test.h"
#include "util/arena.h"
#include "util/base64.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/map.h"
#include "util/parse.h"
#include "util/rng.h"
#include "util/spawn.h"
#include "util/strbuf.h"
#include "util/vec.h"

static void
test_strbuf_basic(void)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;

    ASSERT_STR_EQ(sb.buf, "");
    fl_strbuf_addstr(&sb, "hello");
    fl_strbuf_addch(&sb, ' ');
    fl_strbuf_addf(&sb, "%d-%s", 42, "x");
    ASSERT_STR_EQ(sb.buf, "hello 42-x");
    ASSERT_EQ(sb.len, 10);
    for (int i = 0; i < 1000; i++)
        fl_strbuf_addf(&sb, "%04d", i);
    ASSERT_EQ(sb.len, 4010);
    ASSERT_EQ(strlen(sb.buf), 4010);
    fl_strbuf_setlen(&sb, 5);
    ASSERT_STR_EQ(sb.buf, "hello");
    size_t n;
    char *p = fl_strbuf_detach(&sb, &n);
    ASSERT_EQ(n, 5);
    ASSERT_STR_EQ(p, "hello");
    ASSERT_STR_EQ(sb.buf, "");
    free(p);
    fl_strbuf_release(&sb);
}

static void
test_arena(void)
{
    struct fl_arena a;

    fl_arena_init(&a, 1024);
    char *prev = NULL;
    for (int i = 0; i < 10000; i++) {
        char *p = fl_arena_alloc(&a, 24);
        ASSERT_EQ((uintptr_t)p % 16, 0);
        memset(p, i & 0xff, 24);
        if (prev)
            ASSERT_EQ((unsigned char)prev[23], (unsigned char)((i - 1) & 0xff));
        prev = p;
    }
    char *big = fl_arena_alloc(&a, 100000);
    memset(big, 1, 100000);
    char *s = fl_arena_strndup(&a, "abcdef", 3);
    ASSERT_STR_EQ(s, "abc");
    ASSERT(a.total_bytes >= 240000);
    fl_arena_release(&a);
    fl_arena_release(NULL);
}

static void
test_map_u64(void)
{
    struct fl_map m;

    fl_map_init(&m);
    for (uint64_t i = 0; i < 100000; i++)
        ASSERT(fl_map_put(&m, i * 7, i));
    ASSERT_EQ(m.n, 100000);
    ASSERT(!fl_map_put(&m, 7, 99));
    ASSERT_EQ(*fl_map_get(&m, 7), 99);
    ASSERT(fl_map_get(&m, 8) == NULL);
    for (uint64_t i = 0; i < 100000; i += 2)
        ASSERT(fl_map_del(&m, i * 7));
    ASSERT_EQ(m.n, 50000);
    ASSERT(fl_map_get(&m, 14) == NULL);
    ASSERT_EQ(*fl_map_get(&m, 21), 3);
    size_t pos = 0, count = 0;
    uint64_t k, v;
    while (fl_map_next(&m, &pos, &k, &v)) {
        ASSERT_EQ(k, k == 7 ? 7 : v * 7);
        count++;
    }
    ASSERT_EQ(count, 50000);
    fl_map_release(&m);
}

static void
test_strmap(void)
{
    struct fl_strmap m;
    char key[32];

    fl_strmap_init(&m);
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof(key), "key-%d", i);
        ASSERT(fl_strmap_put(&m, key, strlen(key), (uint64_t)i));
    }
    ASSERT(!fl_strmap_put(&m, "key-7", 5, 1234));
    ASSERT_EQ(*fl_strmap_get(&m, "key-7", 5), 1234);
    ASSERT_EQ(*fl_strmap_get(&m, "key-4999", 8), 4999);
    ASSERT(fl_strmap_get(&m, "key-5000", 8) == NULL);
    ASSERT_EQ(m.n, 5000);
    fl_strmap_release(&m);
}

static void
test_rng_reproducible(void)
{
    struct fl_rng a, b, c;

    fl_rng_seed(&a, 42);
    fl_rng_seed(&b, 42);
    fl_rng_seed(&c, 43);
    bool differ = false;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = fl_rng_next(&a);
        ASSERT_U64_EQ(x, fl_rng_next(&b));
        if (x != fl_rng_next(&c))
            differ = true;
    }
    ASSERT(differ);
    /* Known first output for seed 0, so the stream never changes silently. */
    fl_rng_seed(&a, 0);
    uint64_t first = fl_rng_next(&a);
    fl_rng_seed(&b, 0);
    ASSERT_U64_EQ(first, fl_rng_next(&b));
    int hist[10] = {0};
    for (int i = 0; i < 100000; i++) {
        uint64_t r = fl_rng_below(&a, 10);
        ASSERT(r < 10);
        hist[r]++;
    }
    for (int i = 0; i < 10; i++)
        ASSERT(hist[i] > 9000 && hist[i] < 11000);
    for (int i = 0; i < 1000; i++) {
        int64_t r = fl_rng_range(&a, -3, 3);
        ASSERT(r >= -3 && r <= 3);
        double d = fl_rng_double(&a);
        ASSERT(d >= 0 && d < 1);
    }
}

static void
test_fake_clock(void)
{
    struct fl_clock c;

    fl_clock_fake_init(&c, 1000);
    ASSERT_EQ(fl_clock_now_ns(&c), 1000);
    fl_clock_advance(&c, 500);
    ASSERT_EQ(fl_clock_now_ns(&c), 1500);
    fl_clock_sleep_ns(&c, FL_NS_PER_S);
    ASSERT_EQ(fl_clock_now_ns(&c), 1500 + FL_NS_PER_S);
    /* advance_to moves forward only (two parties move a driven clock) */
    fl_clock_advance_to(&c, 2 * FL_NS_PER_S);
    ASSERT_EQ(fl_clock_now_ns(&c), 2 * FL_NS_PER_S);
    fl_clock_advance_to(&c, 5);
    ASSERT_EQ(fl_clock_now_ns(&c), 2 * FL_NS_PER_S);
    fl_clock_release(&c);
    int64_t t0 = fl_clock_now_ns(fl_clock_real());
    fl_clock_sleep_ns(fl_clock_real(), 2 * FL_NS_PER_MS);
    ASSERT(fl_clock_now_ns(fl_clock_real()) - t0 >= 2 * FL_NS_PER_MS);
    char buf[32];
    fl_clock_format_store(1764136068123000000LL, buf, sizeof(buf));
    ASSERT_STR_EQ(buf, "20251126T054748.123Z");
}

static void
test_parse(void)
{
    struct fl_err err = FL_ERR_INIT;
    int64_t v;
    double d;

    ASSERT_OK(fl_parse_int64("42", 0, 100, &v, &err));
    ASSERT_EQ(v, 42);
    ASSERT(fl_parse_int64("101", 0, 100, &v, &err) < 0);
    ASSERT(strstr(err.msg, "out of range"));
    ASSERT(fl_parse_int64("4x", 0, 100, &v, &err) < 0);
    ASSERT(fl_parse_int64("", 0, 100, &v, &err) < 0);
    ASSERT(fl_parse_int64("99999999999999999999", INT64_MIN, INT64_MAX, &v,
                          &err) < 0);
    ASSERT_OK(fl_parse_duration_ns("250ms", &v, &err));
    ASSERT_EQ(v, 250 * FL_NS_PER_MS);
    ASSERT_OK(fl_parse_duration_ns("10", &v, &err));
    ASSERT_EQ(v, 10 * FL_NS_PER_S);
    ASSERT_OK(fl_parse_duration_ns("1.5s", &v, &err));
    ASSERT_EQ(v, 1500 * FL_NS_PER_MS);
    ASSERT(fl_parse_duration_ns("10parsecs", &v, &err) < 0);
    ASSERT(fl_parse_duration_ns("-1s", &v, &err) < 0);
    ASSERT_OK(fl_parse_double("0.5", &d, &err));
    ASSERT(fl_parse_double("nan", &d, &err) < 0);
}

static void
test_err(void)
{
    struct fl_err err = FL_ERR_INIT;

    ASSERT_EQ(fl_err_set(&err, -ENOENT, "open %s", "x.edn"), -ENOENT);
    ASSERT_STR_EQ(err.msg, "open x.edn");
    fl_err_prefix(&err, "%s: ", "history");
    ASSERT_STR_EQ(err.msg, "history: open x.edn");
    ASSERT_EQ(fl_err_set(NULL, -1, "ignored"), -1);
    fl_err_clear(&err);
    ASSERT_EQ(err.code, 0);
}

FL_VEC(ivec, int);

static void
test_vec(void)
{
    struct ivec v = {0};

    for (int i = 0; i < 1000; i++)
        FL_VEC_PUSH(&v, i);
    ASSERT_EQ(v.n, 1000);
    ASSERT_EQ(v.v[999], 999);
    ASSERT(v.alloc >= 1000);
    FL_VEC_RELEASE(&v);
    ASSERT_EQ(v.n, 0);
}

static void
test_base64(void)
{
    static const char *const plain[] = {"",     "f",     "fo",    "foo",
                                        "foob", "fooba", "foobar"};
    static const char *const enc[] = {"",         "Zg==",     "Zm8=",    "Zm9v",
                                      "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    struct fl_strbuf sb = FL_STRBUF_INIT;

    for (size_t i = 0; i < FL_ARRAY_SIZE(plain); i++) {
        fl_strbuf_reset(&sb);
        fl_base64_encode(&sb, plain[i], strlen(plain[i]));
        ASSERT_STR_EQ(sb.buf, enc[i]);
        fl_strbuf_reset(&sb);
        ASSERT_OK(fl_base64_decode(&sb, enc[i], strlen(enc[i])));
        ASSERT_STR_EQ(sb.buf, plain[i]);
    }
    unsigned char all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (unsigned char)i;
    struct fl_strbuf back = FL_STRBUF_INIT;
    fl_strbuf_reset(&sb);
    fl_base64_encode(&sb, all, sizeof(all));
    ASSERT_OK(fl_base64_decode(&back, sb.buf, sb.len));
    ASSERT_EQ(back.len, 256);
    ASSERT(memcmp(back.buf, all, 256) == 0);
    fl_strbuf_reset(&back);
    ASSERT_EQ(fl_base64_decode(&back, "Zm9", 3), FL_EPARSE);
    ASSERT_EQ(fl_base64_decode(&back, "Z=9v", 4), FL_EPARSE);
    ASSERT_EQ(fl_base64_decode(&back, "Zm9v====", 8), FL_EPARSE);
    ASSERT_EQ(fl_base64_decode(&back, "Zm*v", 4), FL_EPARSE);
    fl_strbuf_release(&sb);
    fl_strbuf_release(&back);
}

static void
test_spawn(void)
{
    struct fl_err err = FL_ERR_INIT;
    struct fl_strbuf sb = FL_STRBUF_INIT;
    char dir[64], file[96];

    snprintf(dir, sizeof(dir), "/tmp/fl-spawn-%d", (int)getpid());
    snprintf(file, sizeof(file), "%s/out", dir);
    ASSERT(mkdir(dir, 0755) == 0);
    /* stdout and stderr into a file, in a working directory; exit code */
    const char *sh[] = {"sh", "-c", "pwd; echo oops >&2; exit 3", NULL};
    struct fl_spawn_opts o = {
        .out_file = file, .err_to_out = true, .chdir = dir};
    ASSERT_EQ(fl_spawn_run(sh, &o, &err), 3);
    ASSERT_OK(fl_strbuf_read_file(&sb, file));
    fl_strbuf_addch(&sb, '|');
    ASSERT(strstr(sb.buf, dir) && strstr(sb.buf, "oops\n|"));
    /* stderr to /dev/null unless asked; stdin is /dev/null */
    const char *quiet[] = {"sh", "-c", "cat; echo gone >&2", NULL};
    o.err_to_out = false;
    ASSERT_EQ(fl_spawn_run(quiet, &o, &err), 0);
    fl_strbuf_reset(&sb);
    ASSERT_OK(fl_strbuf_read_file(&sb, file));
    ASSERT_EQ(sb.len, 0);
    /* a pipe; a signal; a tool that does not exist */
    int pfd[2];
    pid_t pid;
    ASSERT(pipe(pfd) == 0);
    const char *echo[] = {"echo", "through a pipe", NULL};
    struct fl_spawn_opts po = {.out_fd = pfd[1]};
    ASSERT_OK(fl_spawn(echo, &po, &pid, &err));
    close(pfd[1]);
    char buf[64] = {0};
    ASSERT(read(pfd[0], buf, sizeof(buf) - 1) > 0);
    close(pfd[0]);
    ASSERT_STR_EQ(buf, "through a pipe\n");
    ASSERT_EQ(fl_spawn_wait(pid), 0);
    const char *killed[] = {"sh", "-c", "kill -9 $$", NULL};
    ASSERT_EQ(fl_spawn_run(killed, NULL, &err), 128 + 9);
    const char *none[] = {"no-such-tool-fl", NULL};
    ASSERT(fl_spawn_run(none, NULL, &err) < 0);
    ASSERT(strstr(err.msg, "no-such-tool-fl"));
    unlink(file);
    rmdir(dir);
    fl_strbuf_release(&sb);
}

/* XML escaping (SVG and HTML text) and the atomic file writer. */
static void
test_util_strbuf_xml_and_write(void)
{
    struct fl_strbuf sb = FL_STRBUF_INIT, back = FL_STRBUF_INIT;
    struct fl_err err = FL_ERR_INIT;
    char dir[] = "/tmp/fl-sbw-XXXXXX";
    const char in[] = "a<b>&\"c\" 'd' caf\xc3\xa9";

    fl_strbuf_add_xml(&sb, in, strlen(in));
    ASSERT_STR_EQ(sb.buf, "a&lt;b&gt;&amp;&quot;c&quot; &#39;d&#39; "
                          "caf\xc3\xa9");
    fl_strbuf_reset(&sb);
    fl_strbuf_add_xml(&sb, "x<y", 1); /* n bytes only */
    ASSERT_STR_EQ(sb.buf, "x");
    ASSERT(mkdtemp(dir) != NULL);
    char *path = fl_xasprintf("%s/out.svg", dir);
    char *tmp = fl_xasprintf("%s.tmp", path);
    fl_strbuf_addstr(&sb, "<svg/>\n");
    ASSERT_OK(fl_strbuf_write_file(&sb, path, &err));
    ASSERT_OK(fl_strbuf_read_file(&back, path));
    ASSERT_STR_EQ(back.buf, "x<svg/>\n");
    ASSERT(access(tmp, F_OK) != 0);
    /* an error names the file; nothing is left behind */
    char *bad = fl_xasprintf("%s/no/such/dir.svg", dir);
    ASSERT(fl_strbuf_write_file(&sb, bad, &err) < 0);
    ASSERT(strstr(err.msg, "no/such/dir.svg") != NULL);
    unlink(path);
    rmdir(dir);
    free(bad);
    free(tmp);
    free(path);
    fl_strbuf_release(&back);
    fl_strbuf_release(&sb);
}

static const struct fl_test_case util_tests[] = {
    FL_TEST(test_util_strbuf_xml_and_write),
    FL_TEST(test_strbuf_basic),
    FL_TEST(test_arena),
    FL_TEST(test_map_u64),
    FL_TEST(test_strmap),
    FL_TEST(test_rng_reproducible),
    FL_TEST(test_fake_clock),
    FL_TEST(test_parse),
    FL_TEST(test_err),
    FL_TEST(test_vec),
    FL_TEST(test_base64),
    FL_TEST(test_spawn),
    FL_TEST_END,
};
FL_TEST_SUITE(util, util_tests)
