/* SPDX-License-Identifier: MIT */
/*
 * test_hist.c: the history container (append, load, format guessing),
 * pairing and its validation rules (docs/history.md), and the streaming
 * writer under concurrent appends.
 */
#include "util/common.h"

#include "tests/unit/test.h"

#include <pthread.h>
#include <unistd.h>

#include "history/edn.h"
#include "history/hist.h"
#include "history/writer.h"
#include "util/err.h"
#include "util/strbuf.h"

static void
parse_ok(const char *s, struct fl_hist *h)
{
    struct fl_err err = FL_ERR_INIT;
    fl_hist_init(h);
    if (fl_hist_parse(s, strlen(s), "p.edn", FL_HIST_AUTO, h, &err) < 0)
        fl_test_fail(__FILE__, __LINE__, "parse: %s", err.msg);
}

static void
test_hist_append(void)
{
    struct fl_hist h;
    fl_hist_init(&h);
    for (int i = 0; i < 10000; i++) {
        struct fl_op op;
        memset(&op, 0, sizeof(op));
        op.index = i;
        op.time_ns = i * 10;
        op.type = i % 2 ? FL_OP_OK : FL_OP_INVOKE;
        op.process = (i / 2) % 7;
        op.f = FL_KW_WRITE;
        fl_val items[2] = {fl_val_int(i), fl_val_str(&h.arena, "v", 1)};
        op.value = fl_val_coll(&h.arena, FL_V_VEC, items, 2);
        ASSERT_EQ(fl_hist_append(&h, &op), i);
    }
    ASSERT_EQ(h.n, 10000);
    ASSERT(h.lines == NULL);
    struct fl_err err = FL_ERR_INIT;
    ASSERT_OK(fl_hist_pair(&h, NULL, NULL, &err));
    ASSERT(h.paired);
    ASSERT_EQ(h.ops[0].pair, 1);
    ASSERT_EQ(h.ops[9999].pair, 9998);
    ASSERT_EQ(h.ops[5000].value.u.items[0].u.i, 5000);
    /* Parsing more ops into a history built by hand keeps both. */
    const char *more = "{:type :invoke :process 0 :f :read}";
    ASSERT_OK(fl_hist_parse(more, strlen(more), "m", FL_HIST_EDN, &h, &err));
    ASSERT_EQ(h.n, 10001);
    ASSERT_EQ(h.lines[0], 0);
    ASSERT_EQ(h.lines[10000], 1);
    ASSERT_EQ(h.ops[10000].index, 10000);
    fl_hist_release(&h);
    fl_hist_release(NULL);
}

static void
test_hist_pair_basic(void)
{
    struct fl_hist h;
    struct fl_err err = FL_ERR_INIT;
    size_t nwarn = 99;
    parse_ok("{:type :invoke, :process 0, :f :write, :value 1}\n"
             "{:type :invoke, :process 1, :f :read, :value nil}\n"
             "{:type :info, :process :nemesis, :f :start}\n"
             "{:type :ok, :process 1, :f :read, :value 1}\n"
             "{:type :info, :process :nemesis, :f :start, :value :done}\n"
             "{:type :info, :process 0, :f :write, :value 1}\n"
             "{:type :invoke, :process 2, :f :read, :value nil}\n",
             &h);
    ASSERT_OK(fl_hist_pair(&h, NULL, &nwarn, &err));
    ASSERT_EQ(nwarn, 0);
    ASSERT_EQ(h.ops[0].pair, 5);
    ASSERT_EQ(h.ops[5].pair, 0);
    ASSERT_EQ(h.ops[1].pair, 3);
    ASSERT_EQ(h.ops[2].pair, 4);
    ASSERT_EQ(h.ops[4].pair, 2);
    ASSERT_EQ(h.ops[6].pair, -1);
    fl_hist_release(&h);
}

struct pair_case {
    const char *in;
    const char *msg; /* error prefix, or NULL for success */
    size_t nwarn;
    const char *warn; /* substring of the warnings */
};

static void
test_hist_pair_rules(void)
{
    static const struct pair_case cases[] = {
        /* Errors. */
        {"{:type :ok :process 0 :f :read}",
         "p.edn:1: :ok completion for process 0 with no open invocation", 0,
         NULL},
        {"{:type :invoke :process 0 :f :read}\n\n"
         "{:type :invoke :process 0 :f :read}",
         "p.edn:3: process 0 invokes while its invocation at op 0 is still "
         "open",
         0, NULL},
        {"{:type :fail :process :nemesis :f :start}",
         "p.edn:1: :fail completion for process :nemesis with no open", 0,
         NULL},
        {"{:type :invoke :process :nemesis :f :start}\n"
         "{:type :invoke :process :nemesis :f :start}",
         "p.edn:2: process :nemesis invokes while", 0, NULL},
        /* Warnings. */
        {"{:type :info :process 0 :f :read}", NULL, 1,
         "p.edn:1: warning: process 0 has an :info completion with no open "
         "invocation"},
        {"{:type :invoke :process 0 :f :read}\n"
         "{:type :info :process 0 :f :read}\n"
         "{:type :invoke :process 0 :f :read}\n"
         "{:type :ok :process 0 :f :read}\n"
         "{:type :invoke :process 0 :f :read}",
         NULL, 1,
         "p.edn:3: warning: process 0 invokes again after an :info "
         "completion"},
        {"{:type :invoke :process 4 :f :read}\n"
         "{:type :ok :process 4 :f :write}",
         NULL, 1,
         "p.edn:2: warning: completion :f :write differs from its "
         "invocation's :read"},
        /* A completion timed before its invocation. */
        {"{:index 0 :time 900 :type :invoke :process 1 :f :read}\n"
         "{:index 1 :time 300 :type :ok :process 1 :f :read}",
         NULL, 1,
         "p.edn:2: warning: completion at :time 300 is before its "
         "invocation's :time 900 (p.edn:1)"},
        /* Equal times and ops without :time are fine. */
        {"{:time 5 :type :invoke :process 1 :f :read}\n"
         "{:time 5 :type :ok :process 1 :f :read}\n"
         "{:time 9 :type :invoke :process 1 :f :read}\n"
         "{:type :ok :process 1 :f :read}",
         NULL, 0, NULL},
        /* A duplicate :index, named with the first op that has it. */
        {"{:index 0 :type :invoke :process 1 :f :read}\n"
         "{:index 1 :type :ok :process 1 :f :read}\n"
         "{:index 1 :type :invoke :process 2 :f :read}\n"
         "{:index 3 :type :ok :process 2 :f :read}",
         NULL, 1, "p.edn:3: warning: duplicate :index 1 (also at p.edn:2)"},
        /* Indexes out of order are fine; a duplicate after them is not. */
        {"{:index 5 :type :invoke :process 1 :f :read}\n"
         "{:index 2 :type :ok :process 1 :f :read}\n"
         "{:index 7 :type :invoke :process 1 :f :read}\n"
         "{:index 9 :type :ok :process 1 :f :read}",
         NULL, 0, NULL},
        {"{:index 5 :type :invoke :process 1 :f :read}\n"
         "{:index 2 :type :ok :process 1 :f :read}\n"
         "{:index 7 :type :invoke :process 1 :f :read}\n"
         "{:index 5 :type :ok :process 1 :f :read}",
         NULL, 1, "p.edn:4: warning: duplicate :index 5 (also at p.edn:1)"},
        /* A process id too large for the dense tables, beside small ones. */
        {"{:type :invoke :process 2000000000 :f :read}\n"
         "{:type :invoke :process 3 :f :read}\n"
         "{:type :info :process 2000000000 :f :read}\n"
         "{:type :info :process 3 :f :read}\n"
         "{:type :invoke :process 2000000000 :f :read}\n"
         "{:type :invoke :process 3 :f :read}",
         NULL, 2,
         "p.edn:5: warning: process 2000000000 invokes again after an :info "
         "completion\np.edn:6: warning: process 3 invokes again"},
        {"{:type :invoke :process 2000000000 :f :read}\n"
         "{:type :invoke :process 2000000000 :f :read}",
         "p.edn:2: process 2000000000 invokes while its invocation at op 0 "
         "is still open",
         0, NULL},
        /* Nemesis :info pairs and a trailing open nemesis op are fine. */
        {"{:type :info :process :nemesis :f :start}\n"
         "{:type :info :process :nemesis :f :start}\n"
         "{:type :info :process :nemesis :f :stop}",
         NULL, 0, NULL},
        /* Ops without :process pair with each other. */
        {"{:type :invoke} {:type :ok} {:type :invoke} {:type :fail}", NULL, 0,
         NULL},
    };
    for (size_t i = 0; i < FL_ARRAY_SIZE(cases); i++) {
        struct fl_hist h;
        struct fl_err err = FL_ERR_INIT;
        size_t nwarn = 0;
        char *wbuf = NULL;
        size_t wlen = 0;
        FILE *w = open_memstream(&wbuf, &wlen);
        parse_ok(cases[i].in, &h);
        int rc = fl_hist_pair(&h, w, &nwarn, &err);
        fclose(w);
        if (cases[i].msg) {
            if (rc != FL_EPARSE)
                fl_test_fail(__FILE__, __LINE__, "case %zu: rc %d", i, rc);
            if (strncmp(err.msg, cases[i].msg, strlen(cases[i].msg)) != 0)
                fl_test_fail(__FILE__, __LINE__,
                             "case %zu: got \"%s\", want \"%s...\"", i, err.msg,
                             cases[i].msg);
            ASSERT(!h.paired);
        } else {
            if (rc != 0)
                fl_test_fail(__FILE__, __LINE__, "case %zu: %s", i, err.msg);
            ASSERT(h.paired);
        }
        if (nwarn != cases[i].nwarn)
            fl_test_fail(__FILE__, __LINE__, "case %zu: %zu warnings:\n%s", i,
                         nwarn, wbuf);
        if (cases[i].warn && !strstr(wbuf, cases[i].warn))
            fl_test_fail(__FILE__, __LINE__, "case %zu: warnings \"%s\"", i,
                         wbuf);
        free(wbuf);
        fl_hist_release(&h);
    }
}

static void
test_hist_pair_no_lines(void)
{
    struct fl_hist h;
    struct fl_op op;
    struct fl_err err = FL_ERR_INIT;
    fl_hist_init(&h);
    memset(&op, 0, sizeof(op));
    op.type = FL_OP_OK;
    op.index = 42;
    fl_hist_append(&h, &op);
    ASSERT_EQ(fl_hist_pair(&h, NULL, NULL, &err), FL_EPARSE);
    ASSERT_STR_EQ(err.msg, "history: op 0 (index 42): :ok completion for "
                           "process 0 with no open invocation");
    h.ops[0].type = 9;
    ASSERT_EQ(fl_hist_pair(&h, NULL, NULL, &err), FL_EPARSE);
    ASSERT(strstr(err.msg, "unknown :type"));
    fl_hist_release(&h);
}

static void
test_hist_load(void)
{
    struct fl_hist h;
    struct fl_err err = FL_ERR_INIT;
    char path[] = "/tmp/fl-test-hist-XXXXXX";
    int fd = mkstemp(path);
    ASSERT(fd >= 0);
    const char *json = "  {\"type\": \"invoke\", \"process\": 0, \"f\": "
                       "\"read\"}\n{\"type\":\"ok\",\"process\":0,\"f\":"
                       "\"read\",\"value\":3}\n";
    ASSERT_EQ(write(fd, json, strlen(json)), (ssize_t)strlen(json));
    close(fd);
    fl_hist_init(&h);
    ASSERT_OK(fl_hist_load(path, FL_HIST_AUTO, &h, &err));
    ASSERT_EQ(h.n, 2);
    ASSERT_EQ(h.ops[1].value.u.i, 3);
    ASSERT_STR_EQ(h.name, path);
    fl_hist_release(&h);
    /* Forcing EDN on JSON input fails with a position. */
    fl_hist_init(&h);
    ASSERT_EQ(fl_hist_load(path, FL_HIST_EDN, &h, &err), FL_EPARSE);
    ASSERT(strstr(err.msg, ":1:10: empty keyword"));
    fl_hist_release(&h);
    unlink(path);
    fl_hist_init(&h);
    ASSERT_EQ(fl_hist_load(path, FL_HIST_AUTO, &h, &err), -ENOENT);
    ASSERT(strstr(err.msg, "No such file"));
    fl_hist_release(&h);
    /* Empty input is an empty history. */
    fl_hist_init(&h);
    ASSERT_OK(fl_hist_parse("", 0, "e", FL_HIST_AUTO, &h, &err));
    ASSERT_OK(fl_hist_parse(" ;c\n", 4, "e", FL_HIST_AUTO, &h, &err));
    ASSERT_OK(fl_hist_parse("\n\n", 2, "e", FL_HIST_JSON, &h, &err));
    ASSERT_EQ(h.n, 0);
    fl_hist_release(&h);
}

#define W_THREADS 4
#define W_OPS     5000

static struct fl_hist_writer *shared_writer;

static void *
writer_worker(void *arg)
{
    int t = (int)(intptr_t)arg;
    struct fl_err err = FL_ERR_INIT;
    for (int i = 0; i < W_OPS; i++) {
        struct fl_op op;
        memset(&op, 0, sizeof(op));
        op.index = t * W_OPS + i;
        op.time_ns = i;
        op.process = t;
        op.type = i % 2 ? FL_OP_OK : FL_OP_INVOKE;
        op.f = FL_KW_WRITE;
        op.value = fl_val_int(i);
        if (fl_hist_writer_append(shared_writer, &op, &err) < 0)
            return (void *)1;
        if (i % 1000 == 0 && fl_hist_writer_flush(shared_writer, &err) < 0)
            return (void *)1;
    }
    return NULL;
}

static void
test_hist_writer(void)
{
    char path[] = "/tmp/fl-test-writer-XXXXXX";
    int fd = mkstemp(path);
    struct fl_err err = FL_ERR_INIT;
    ASSERT(fd >= 0);
    close(fd);
    shared_writer = fl_hist_writer_open(path, &err);
    ASSERT(shared_writer != NULL);
    pthread_t th[W_THREADS];
    for (int t = 0; t < W_THREADS; t++)
        ASSERT_EQ(
            pthread_create(&th[t], NULL, writer_worker, (void *)(intptr_t)t),
            0);
    for (int t = 0; t < W_THREADS; t++) {
        void *ret;
        pthread_join(th[t], &ret);
        ASSERT(ret == NULL);
    }
    /* Flushed data is on disk before close. */
    ASSERT_OK(fl_hist_writer_flush(shared_writer, &err));
    struct fl_hist h;
    fl_hist_init(&h);
    ASSERT_OK(fl_hist_load(path, FL_HIST_EDN, &h, &err));
    ASSERT_EQ(h.n, W_THREADS * W_OPS);
    ASSERT_OK(fl_hist_writer_close(shared_writer, &err));
    ASSERT_OK(fl_hist_writer_close(NULL, &err));
    ASSERT_OK(fl_hist_pair(&h, NULL, NULL, &err));
    int64_t next[W_THREADS] = {0};
    for (size_t i = 0; i < h.n; i++) {
        int p = h.ops[i].process;
        ASSERT(p >= 0 && p < W_THREADS);
        /* Each thread's ops stay in its order. */
        ASSERT_EQ(h.ops[i].value.u.i, next[p]);
        next[p]++;
    }
    fl_hist_release(&h);
    unlink(path);
    ASSERT(fl_hist_writer_open("/nonexistent-dir/x", &err) == NULL);
    ASSERT_EQ(err.code, -ENOENT);
}

/*
 * Lines of 100 KB fill the writer's buffer every few ops, whatever the
 * timing: each op must still be written exactly once, in order, and be
 * on disk after a flush without close.
 */
static void
test_hist_writer_big_lines(void)
{
    char path[] = "/tmp/fl-test-writer-XXXXXX";
    int fd = mkstemp(path);
    struct fl_err err = FL_ERR_INIT;
    struct fl_arena a;
    enum { N = 40, LEN = 100 * 1024 };

    ASSERT(fd >= 0);
    close(fd);
    fl_arena_init(&a, 4096);
    char *big = fl_xmalloc(LEN);
    struct fl_hist_writer *w = fl_hist_writer_open(path, &err);
    ASSERT(w != NULL);
    for (int i = 0; i < N; i++) {
        struct fl_op op;
        memset(&op, 0, sizeof(op));
        memset(big, 'a' + i % 26, LEN);
        op.index = i;
        op.time_ns = i;
        op.process = 0;
        op.type = i % 2 ? FL_OP_OK : FL_OP_INVOKE;
        op.f = FL_KW_WRITE;
        op.value = fl_val_str(&a, big, LEN);
        ASSERT_OK(fl_hist_writer_append(w, &op, &err));
    }
    ASSERT_OK(fl_hist_writer_flush(w, &err));
    struct fl_hist h;
    fl_hist_init(&h);
    ASSERT_OK(fl_hist_load(path, FL_HIST_EDN, &h, &err));
    ASSERT_EQ(h.n, N);
    for (int i = 0; i < N; i++) {
        ASSERT_EQ(h.ops[i].index, i);
        ASSERT_EQ(h.ops[i].value.kind, FL_V_STR);
        ASSERT_EQ(h.ops[i].value.u.s[LEN - 1], 'a' + i % 26);
    }
    ASSERT_OK(fl_hist_writer_close(w, &err));
    fl_hist_release(&h);
    fl_arena_release(&a);
    free(big);
    unlink(path);
}

/*
 * fl_hist_writer_append_n queues a batch in order under one lock, also a
 * batch larger than the writer's ring (it waits for room mid-batch), and
 * mixed with single appends.
 */
static void
test_hist_writer_append_n(void)
{
    char path[] = "/tmp/fl-test-writer-XXXXXX";
    int fd = mkstemp(path);
    struct fl_err err = FL_ERR_INIT;
    enum { N = 70000 }; /* > WRITER_RING (32768) */
    struct fl_op *ops = fl_xcalloc(N, sizeof(*ops));

    ASSERT(fd >= 0);
    close(fd);
    for (int i = 0; i < N; i++) {
        ops[i].index = i;
        ops[i].time_ns = i;
        ops[i].process = i % 7;
        ops[i].type = i % 2 ? FL_OP_OK : FL_OP_INVOKE;
        ops[i].f = FL_KW_WRITE;
        ops[i].value = fl_val_int(i);
    }
    struct fl_hist_writer *w = fl_hist_writer_open(path, &err);
    ASSERT(w != NULL);
    ASSERT_OK(fl_hist_writer_append_n(w, ops, 3, &err));
    ASSERT_OK(fl_hist_writer_append(w, &ops[3], &err));
    ASSERT_OK(fl_hist_writer_append_n(w, ops + 4, N - 4, &err));
    ASSERT_OK(fl_hist_writer_append_n(w, ops, 0, &err));
    ASSERT_OK(fl_hist_writer_close(w, &err));
    struct fl_hist h;
    fl_hist_init(&h);
    ASSERT_OK(fl_hist_load(path, FL_HIST_EDN, &h, &err));
    ASSERT_EQ(h.n, N);
    for (int i = 0; i < N; i++) {
        ASSERT_EQ(h.ops[i].index, i);
        ASSERT_EQ(h.ops[i].process, i % 7);
        ASSERT_EQ(h.ops[i].value.u.i, i);
    }
    fl_hist_release(&h);
    free(ops);
    unlink(path);
}

/* A failed write is reported by the flush and every later append. */
static void
test_hist_writer_full_disk(void)
{
    struct fl_err err = FL_ERR_INIT;
    struct fl_op op;

    if (access("/dev/full", W_OK) != 0)
        FL_SKIP("no writable /dev/full");
    struct fl_hist_writer *w = fl_hist_writer_open("/dev/full", &err);
    ASSERT(w != NULL);
    memset(&op, 0, sizeof(op));
    op.type = FL_OP_INVOKE;
    op.f = FL_KW_WRITE;
    op.value = fl_val_int(1);
    ASSERT_OK(fl_hist_writer_append(w, &op, &err));
    ASSERT(fl_hist_writer_flush(w, &err) < 0);
    ASSERT_EQ(err.code, -ENOSPC);
    ASSERT(strstr(err.msg, "/dev/full") != NULL);
    fl_err_clear(&err);
    ASSERT(fl_hist_writer_append(w, &op, &err) < 0);
    ASSERT_EQ(err.code, -ENOSPC);
    fl_err_clear(&err);
    ASSERT(fl_hist_writer_append_n(w, &op, 1, &err) < 0);
    ASSERT_EQ(err.code, -ENOSPC);
    ASSERT(fl_hist_writer_close(w, &err) < 0);
}

/*
 * A history file too big to be mapped whole (its pages are dropped as the
 * parser goes, hist_int.h) reads exactly as the same bytes in memory, in
 * EDN (two threads) and JSON, and so does its error at the very end, whose
 * line number needs the dropped start again.
 */
static void
test_hist_load_big_drops_pages(void)
{
    static const char *const fmt[] = {
        "{:type :invoke, :f :write, :value [%zu \"%zu\"], :process %zu, "
        ":time %zu, :index %zu}\n",
        "{\"type\":\"invoke\",\"f\":\"write\",\"value\":[%zu,\"%zu\"],"
        "\"process\":%zu,\"time\":%zu,\"index\":%zu}\n"};
    char path[] = "/tmp/fl-test-big-XXXXXX";
    int fd = mkstemp(path);
    ASSERT(fd >= 0);
    close(fd);
    for (int j = 0; j < 2; j++) {
        for (int bad = 0; bad < 2; bad++) {
            struct fl_strbuf sb = FL_STRBUF_INIT;
            for (size_t i = 0; sb.len < (48u << 20); i++)
                fl_strbuf_addf(&sb, fmt[j], i, i * 7, i % 10, i * 100, i);
            if (bad)
                fl_strbuf_addstr(&sb, j ? "{\"type\":}\n" : "{:type}\n");
            FILE *f = fopen(path, "w");
            ASSERT(f && fwrite(sb.buf, 1, sb.len, f) == sb.len);
            ASSERT_EQ(fclose(f), 0);
            enum fl_hist_format hf = j ? FL_HIST_JSON : FL_HIST_EDN;
            struct fl_hist a, b;
            struct fl_err ea = FL_ERR_INIT, eb = FL_ERR_INIT;
            fl_hist_init(&a);
            fl_hist_init(&b);
            int ra = fl_hist_load(path, hf, &a, &ea);
            int rb = fl_hist_parse(sb.buf, sb.len, path, hf, &b, &eb);
            ASSERT_EQ(ra, rb);
            ASSERT_EQ(ra != 0, bad != 0);
            ASSERT_STR_EQ(ea.msg, eb.msg);
            ASSERT_EQ(a.n, b.n);
            for (size_t i = 0; i < a.n; i++)
                if (!fl_op_equal(&a.ops[i], &b.ops[i]) ||
                    a.lines[i] != b.lines[i])
                    fl_test_fail(__FILE__, __LINE__, "op %zu differs", i);
            ASSERT(a.n > 0 || bad);
            fl_hist_release(&a);
            fl_hist_release(&b);
            fl_strbuf_release(&sb);
        }
    }
    unlink(path);
}

static const struct fl_test_case hist_tests[] = {
    FL_TEST(test_hist_append),
    FL_TEST(test_hist_pair_basic),
    FL_TEST(test_hist_pair_rules),
    FL_TEST(test_hist_pair_no_lines),
    FL_TEST(test_hist_load),
    FL_TEST_T(test_hist_load_big_drops_pages, 240), /* ~55 s under TSan */
    FL_TEST(test_hist_writer),
    FL_TEST(test_hist_writer_big_lines),
    FL_TEST(test_hist_writer_append_n),
    FL_TEST(test_hist_writer_full_disk),
    FL_TEST_END,
};

FL_TEST_SUITE(hist, hist_tests)
