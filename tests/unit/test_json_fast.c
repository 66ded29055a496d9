/* SPDX-License-Identifier: MIT */
/*
 * test_json_fast.c: the fast JSON-lines reader against the jansson reader
 * (fl_json__fast off): on the whole corpus written as JSON, on hand-made
 * edge cases, and on random histories of every value kind, clean and with
 * random byte damage. Both must give the same return code, the same error
 * message (file:line:col) and the same ops, printed byte for byte.
 */
#include "util/common.h"

#include "tests/unit/test.h"

#include <dirent.h>
#include <sys/stat.h>

#include "history/edn.h"
#include "history/hist.h"
#include "history/hist_int.h"
#include "history/json.h"
#include "util/err.h"
#include "util/rng.h"
#include "util/strbuf.h"

struct parsed {
    int rc;
    struct fl_err err;
    struct fl_strbuf edn; /* the ops printed as EDN, with their lines */
    size_t n;
};

static void
parse_with(const char *buf, size_t len, bool fast, bool par, struct parsed *out)
{
    struct fl_hist h;
    size_t par_min = fl_edn__par_min_bytes;

    fl_hist_init(&h);
    if (par)
        fl_edn__par_min_bytes = 1;
    memset(out, 0, sizeof(*out));
    fl_strbuf_init(&out->edn, 0);
    out->err = (struct fl_err)FL_ERR_INIT;
    fl_json__fast = fast;
    out->rc = fl_json_parse_hist(buf, len, "d.jsonl", &h, &out->err);
    fl_json__fast = true;
    fl_edn__par_min_bytes = par_min;
    out->n = h.n;
    for (size_t i = 0; i < h.n; i++) {
        fl_strbuf_addf(&out->edn, "%u ", h.lines ? h.lines[i] : 0);
        fl_edn_print_op(&out->edn, &h.ops[i]);
        /* kinds and flags the EDN text would not show */
        fl_strbuf_addf(&out->edn, " %u %d\n", h.ops[i].flags,
                       h.ops[i].value.kind);
    }
    fl_hist_release(&h);
}

static void
same(const struct parsed *a, const struct parsed *b, const char *buf,
     size_t len, const char *what, const char *how)
{
    if (a->rc != b->rc || strcmp(a->err.msg, b->err.msg) != 0 || a->n != b->n ||
        strcmp(a->edn.buf, b->edn.buf) != 0)
        fl_test_fail(__FILE__, __LINE__,
                     "%s: %s rc %d \"%s\" (%zu ops), jansson rc %d \"%s\" "
                     "(%zu ops)\ninput: %.*s\nfast: %.300s\njansson: %.300s",
                     what, how, a->rc, a->err.msg, a->n, b->rc, b->err.msg,
                     b->n, (int)FL_MIN(len, 600), buf, a->edn.buf, b->edn.buf);
}

/*
 * Parse buf the fast way (one thread, and two threads split at the middle
 * line) and through jansson alone (one thread); fail with the input on any
 * difference.
 */
static void
same_both_ways(const char *buf, size_t len, const char *what)
{
    struct parsed a, p, b;

    parse_with(buf, len, true, false, &a);
    parse_with(buf, len, true, true, &p);
    parse_with(buf, len, false, false, &b);
    same(&a, &b, buf, len, what, "fast");
    same(&p, &b, buf, len, what, "fast, two threads");
    fl_strbuf_release(&a.edn);
    fl_strbuf_release(&p.edn);
    fl_strbuf_release(&b.edn);
}

static const char *
corpus_dir(void)
{
    return fl_test_corpus();
}

static void
corpus_walk(const char *dir, size_t *files)
{
    DIR *d = opendir(dir);
    struct dirent *de;

    if (!d)
        fl_test_fail(__FILE__, __LINE__, "opendir %s", dir);
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char *path = fl_xasprintf("%s/%s", dir, de->d_name);
        struct stat st;
        size_t l = strlen(path);
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            corpus_walk(path, files);
        } else if (l > 4 && strcmp(path + l - 4, ".edn") == 0) {
            struct fl_hist h;
            struct fl_err err = FL_ERR_INIT;
            fl_hist_init(&h);
            if (fl_hist_load(path, FL_HIST_EDN, &h, &err) == 0) {
                struct fl_strbuf sb = FL_STRBUF_INIT;
                for (size_t i = 0; i < h.n; i++) {
                    fl_json_print_op(&sb, &h.ops[i]);
                    fl_strbuf_addch(&sb, '\n');
                }
                same_both_ways(sb.buf, sb.len, path);
                (*files)++;
                fl_strbuf_release(&sb);
            }
            fl_hist_release(&h);
        }
        free(path);
    }
    closedir(d);
}

static void
test_json_fast_corpus(void)
{
    size_t files = 0;

    corpus_walk(corpus_dir(), &files);
    ASSERT(files >= 100);
}

static void
test_json_fast_edge_cases(void)
{
    static const char *const lines[] = {
        "{\"type\":\"ok\",\"value\":-0}",
        "{\"type\":\"ok\",\"value\":[1.5,-0.0,1E5,2e-3,1.0e+2,0.5]}",
        "{\"type\":\"ok\",\"value\":1e400}",
        "{\"type\":\"ok\",\"value\":1e-400}",
        "{\"type\":\"ok\",\"value\":-1e-400}",
        "{\"type\":\"ok\",\"value\":123456789012345678}",
        "{\"type\":\"ok\",\"value\":1234567890123456789}",
        "{\"type\":\"ok\",\"value\":9223372036854775807}",
        "{\"type\":\"ok\",\"value\":-9223372036854775808}",
        "{\"type\":\"ok\",\"value\":9223372036854775808}",
        "{\"type\":\"ok\",\"value\":01}",
        "{\"type\":\"ok\",\"value\":1.}",
        "{\"type\":\"ok\",\"value\":.5}",
        "{\"type\":\"ok\",\"value\":-}",
        "{\"type\":\"ok\",\"value\":1e}",
        "{\"type\":\"ok\",\"value\":+1}",
        "{\"type\":\"ok\",\"value\":nul}",
        "{\"type\":\"ok\",\"value\":nullx}",
        "{\"type\":\"ok\",\"value\":truex}",
        "{\"type\":\"ok\",\"value\":[1,]}",
        "{\"type\":\"ok\",\"value\":[,1]}",
        "{\"type\":\"ok\",\"value\":{\"a\":1,\"a\":2}}",
        "{\"type\":\"ok\",\"value\":{\"a\":1,\"\\u0061\":2}}",
        "{\"type\":\"ok\",\"value\":{\":a\":1,\"a\":2}}",
        "{\"type\":\"ok\",\"value\":{\":a\":1,\":a\":2}}",
        "{\"type\":\"ok\",\"value\":{\"\":1}}",
        "{\"type\":\"ok\",\"value\":{\"#set\":[1,2]}}",
        "{\"type\":\"ok\",\"value\":\"a\\\"b\\u00e9\\n\"}",
        "{\"type\":\"ok\",\"value\":\"caf\xc3\xa9\"}",
        "{\"type\":\"ok\",\"value\":\"\x7f\"}",
        "{\"type\":\"ok\",\"value\":\"tab\there\"}",
        "{\"type\":\"ok\",\"value\":\":ok\",\"error\":\":timed-out\"}",
        "{\"type\":\"ok\",\"value\":\":\"}",
        "{\"type\":\"ok\",\"value\":\"::a\"}",
        "{\"type\":\"ok\",\"value\":\":a b\"}",
        "{\"type\":\"ok\",\"#x\":1}",
        "{\"type\":\"ok\",\"error\":1,\"error\":2}",
        "{\"type\":\"ok\",\"type\":\"ok\"}",
        "{\"type\":\"OK\"}",
        "{\"type\":\"invoke\",\"process\":\"nemesis\",\"f\":\"start\"}",
        "{\"type\":\"invoke\",\"process\":\"a b\"}",
        "{\"type\":\"invoke\",\"process\":null,\"f\":null}",
        "{\"type\":\"invoke\",\"process\":2147483647}",
        "{\"type\":\"invoke\",\"process\":2147483648}",
        "{\"type\":\"invoke\",\"process\":-1}",
        "{\"type\":\"invoke\",\"process\":1.0}",
        "{\"type\":\"invoke\",\"index\":1.0}",
        "{\"type\":\"invoke\",\"time\":-5,\"index\":7}",
        "{\"type\":\"invoke\",\"f\":{\"#str\":\"read\"}}",
        "{\"type\":\"invoke\",\"f\":\"nil\"}",
        "{\"type\":\"invoke\",\"#extra\":[[1,2]]}",
        "{}",
        "[]",
        "{\"type\":\"ok\"} x",
        "{\"type\":\"ok\"}}",
        "  {\"type\" : \"ok\" , \"value\" : [ 1 , { } , [ ] ] }  \r",
        "{\"type\":\"ok\",\"value\":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}",
        "{\"type\":\"ok\"\x01}",
        "{\"type\":\"ok\",\"value\":\"\\u0000\"}",
    };
    for (size_t i = 0; i < FL_ARRAY_SIZE(lines); i++)
        same_both_ways(lines[i], strlen(lines[i]), lines[i]);
    /* nesting at and past the limit of 256 levels */
    for (int depth = 250; depth < 260; depth++) {
        struct fl_strbuf sb = FL_STRBUF_INIT;
        fl_strbuf_addstr(&sb, "{\"type\":\"ok\",\"value\":");
        for (int i = 0; i < depth; i++)
            fl_strbuf_addstr(&sb, i % 2 ? "{\"k\":" : "[");
        fl_strbuf_addch(&sb, '1');
        for (int i = depth; i-- > 0;)
            fl_strbuf_addch(&sb, i % 2 ? '}' : ']');
        fl_strbuf_addch(&sb, '}');
        same_both_ways(sb.buf, sb.len, "deep");
        fl_strbuf_release(&sb);
    }
}

/* A random value of any kind EDN has, d levels deep at most. */
static fl_val
rand_val(struct fl_rng *r, struct fl_arena *a, int d)
{
    static const char *const strs[] = {
        "",        "a",           ":kw",    "x y",    "caf\xc3\xa9",
        "q\"uote", "back\\slash", "nl\nnl", "#hash",  ":",
        "tab\t",   "\x7f",        "read",   "nemesis"};
    static const char *const names[] = {"a",   "read", "ns/key", "x-y?",
                                        "<=>", "nil",  "a.b",    "valid?"};
    uint64_t k = fl_rng_below(r, d > 0 ? 16 : 10);
    switch (k) {
    case 0:
        return fl_val_nil();
    case 1:
        return fl_val_bool(fl_rng_below(r, 2));
    case 2:
        return fl_val_int((int64_t)fl_rng_next(r) >> fl_rng_below(r, 64));
    case 3:
        return fl_val_int((int64_t)fl_rng_below(r, 100) - 50);
    case 4: {
        double x = (double)((int64_t)fl_rng_next(r) >> 11) /
                   (double)(1ull << fl_rng_below(r, 60));
        return fl_val_float(fl_rng_below(r, 4) ? x : x * 1e300);
    }
    case 5: {
        const char *s = strs[fl_rng_below(r, FL_ARRAY_SIZE(strs))];
        return fl_val_str(a, s, strlen(s));
    }
    case 6:
    case 7:
        return fl_val_kw(
            fl_kw_intern_cstr(names[fl_rng_below(r, FL_ARRAY_SIZE(names))]));
    case 8: {
        fl_val v = fl_val_str(a, "123456789012345678901234567890", 30);
        v.kind = FL_V_BIGINT;
        return v;
    }
    case 9:
        return fl_val_sym(fl_kw_intern_cstr("sym"));
    default: {
        size_t n = fl_rng_below(r, 5);
        fl_val items[10];
        bool map = k >= 13;
        for (size_t i = 0; i < (map ? 2 * n : n); i++) {
            if (map && i % 2 == 0) {
                /* keyword keys, sometimes a string (any of strs) */
                const char *ks = strs[fl_rng_below(r, FL_ARRAY_SIZE(strs))];
                items[i] = fl_rng_below(r, 4) ? fl_val_kw(fl_kw_intern_cstr(
                                                    names[fl_rng_below(r, 8)]))
                                              : fl_val_str(a, ks, strlen(ks));
            } else {
                items[i] = rand_val(r, a, d - 1);
            }
        }
        if (map) {
            /* keys unique: drop repeats */
            size_t m = 0;
            for (size_t i = 0; i < n; i++) {
                bool dup = false;
                for (size_t j = 0; j < m; j++)
                    dup |= fl_val_equal(&items[2 * j], &items[2 * i]);
                if (!dup) {
                    items[2 * m] = items[2 * i];
                    items[2 * m + 1] = items[2 * i + 1];
                    m++;
                }
            }
            return fl_val_map(a, items, m);
        }
        enum fl_val_kind kinds[] = {FL_V_VEC, FL_V_VEC, FL_V_LIST};
        return fl_val_coll(a, kinds[fl_rng_below(r, 3)], items, n);
    }
    }
}

static void
rand_history(struct fl_rng *r, struct fl_arena *a, struct fl_strbuf *sb)
{
    size_t n = 1 + fl_rng_below(r, 6);
    for (size_t i = 0; i < n; i++) {
        struct fl_op op;
        memset(&op, 0, sizeof(op));
        op.index = (int64_t)i;
        op.time_ns = fl_rng_below(r, 4) ? (int64_t)i * 10 : -1;
        op.type = (uint8_t)fl_rng_below(r, 4);
        op.process =
            fl_rng_below(r, 5) ? (int32_t)fl_rng_below(r, 7) : FL_PROC_NEMESIS;
        op.f = fl_kw_intern_cstr(fl_rng_below(r, 2) ? "read" : "write");
        op.value = rand_val(r, a, 3);
        op.pair = -1;
        if (fl_rng_below(r, 4) == 0) {
            fl_val x[2] = {fl_val_kw(fl_kw_intern_cstr("error")),
                           rand_val(r, a, 1)};
            fl_val *m = fl_arena_alloc(a, sizeof(*m));
            *m = fl_val_map(a, x, 1);
            op.extra = m;
        }
        fl_json_print_op(sb, &op);
        fl_strbuf_addch(sb, '\n');
    }
}

/* Damage: a few random bytes changed, inserted or deleted. */
static void
damage(struct fl_rng *r, struct fl_strbuf *sb)
{
    static const char junk[] = "{}[]\",:\\ \t0123456789-+.eEtrufalsn#\x01\x80"
                               "\xc3\xa9u";
    size_t k = 1 + fl_rng_below(r, 3);
    for (size_t i = 0; i < k && sb->len; i++) {
        size_t at = fl_rng_below(r, sb->len);
        char c = junk[fl_rng_below(r, sizeof(junk) - 1)];
        switch (fl_rng_below(r, 3)) {
        case 0:
            sb->buf[at] = c;
            break;
        case 1:
            memmove(sb->buf + at, sb->buf + at + 1, sb->len - at - 1);
            fl_strbuf_setlen(sb, sb->len - 1);
            break;
        default: {
            fl_strbuf_addch(sb, 0);
            memmove(sb->buf + at + 1, sb->buf + at, sb->len - at - 1);
            sb->buf[at] = c;
        }
        }
    }
}

static void
test_json_fast_random(void)
{
    struct fl_rng r;
    const char *env = getenv("FL_JSON_FUZZ_N");
    size_t n = env ? strtoull(env, NULL, 10) : 20000;

    fl_rng_seed(&r, 20261205);
    for (size_t i = 0; i < n; i++) {
        struct fl_arena a;
        struct fl_strbuf sb = FL_STRBUF_INIT;
        fl_arena_init(&a, 0);
        rand_history(&r, &a, &sb);
        if (i % 2)
            damage(&r, &sb);
        same_both_ways(sb.buf, sb.len, "random");
        fl_strbuf_release(&sb);
        fl_arena_release(&a);
    }
}

static const struct fl_test_case json_fast_tests[] = {
    FL_TEST(test_json_fast_corpus),
    FL_TEST(test_json_fast_edge_cases),
    FL_TEST(test_json_fast_random),
    FL_TEST_END,
};

FL_TEST_SUITE(json_fast, json_fast_tests)
