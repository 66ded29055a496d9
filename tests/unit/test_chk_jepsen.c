/* SPDX-License-Identifier: MIT */
/*
 * test_chk_jepsen.c: the checkers added after Jepsen's checker.clj and
 * jepsen.tests.long-fork (queue, total-queue, unique-ids, long-fork,
 * log-file-pattern, concurrency-limit, bank's inference) and the registry,
 * on hand-made EDN histories with the verdicts Jepsen gives.
 */
#include "util/common.h"

#include "tests/unit/test.h"

#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checker/chk_int.h"
#include "checker/registry.h"
#include "checker/workloads.h"
#include "history/edn.h"
#include "history/hist.h"
#include "model/model.h"
#include "util/err.h"
#include "util/rng.h"
#include "util/strbuf.h"
#include "util/vec.h"

#define HAS(s, sub)                                                            \
    do {                                                                       \
        if (!strstr((s), (sub)))                                               \
            fl_test_fail(__FILE__, __LINE__, "'%s' not in %s", (sub), (s));    \
    } while (0)

/*
 * Check the EDN history text with c; assert the verdict and return the
 * result map as EDN (caller frees). c is freed.
 */
static char *
check_edn(struct fl_checker *c, const char *edn, enum fl_verdict want)
{
    struct fl_hist h;
    struct fl_arena a;
    struct fl_err err = FL_ERR_INIT;
    struct fl_chk_result r;
    struct fl_strbuf sb = FL_STRBUF_INIT;

    fl_hist_init(&h);
    fl_arena_init(&a, 4096);
    if (fl_hist_parse(edn, strlen(edn), "t.edn", FL_HIST_EDN, &h, &err) < 0 ||
        fl_hist_pair(&h, NULL, NULL, &err) < 0)
        fl_test_fail(__FILE__, __LINE__, "bad history: %s", err.msg);
    if (fl_chk_run(c, &h, NULL, &a, &r, &err) < 0)
        fl_test_fail(__FILE__, __LINE__, "check failed: %s", err.msg);
    fl_val_print_edn(&sb, &r.map);
    if (r.valid != want)
        fl_test_fail(__FILE__, __LINE__, "verdict %d, want %d: %s", r.valid,
                     want, sb.buf);
    ASSERT_EQ(fl_chk__verdict_of(&r.map), want);
    fl_chk_free(c);
    fl_arena_release(&a);
    fl_hist_release(&h);
    return fl_strbuf_detach(&sb, NULL);
}

/* The check must fail (the history does not fit); returns err.msg copy. */
static char *
check_err(struct fl_checker *c, const char *edn)
{
    struct fl_hist h;
    struct fl_arena a;
    struct fl_err err = FL_ERR_INIT;
    struct fl_chk_result r;

    fl_hist_init(&h);
    fl_arena_init(&a, 4096);
    ASSERT_OK(fl_hist_parse(edn, strlen(edn), "t.edn", FL_HIST_EDN, &h, &err));
    ASSERT(fl_chk_run(c, &h, NULL, &a, &r, &err) < 0);
    fl_chk_free(c);
    fl_arena_release(&a);
    fl_hist_release(&h);
    return fl_xstrdup(err.msg);
}

#define INV(p, f, v)  "{:type :invoke :process " #p " :f :" #f " :value " v "}\n"
#define OK(p, f, v)   "{:type :ok :process " #p " :f :" #f " :value " v "}\n"
#define FAIL(p, f, v) "{:type :fail :process " #p " :f :" #f " :value " v "}\n"
#define INFO(p, f, v) "{:type :info :process " #p " :f :" #f " :value " v "}\n"

/* Jepsen's checker_test queue-test cases. */
static void
test_queue(void)
{
    const struct fl_model_type *uq = &fl_model_unordered_queue_type;
    char *s;

    free(check_edn(fl_chk_queue_new(uq), "", FL_VERDICT_TRUE));
    /* possible enqueue but no dequeue */
    free(
        check_edn(fl_chk_queue_new(uq), INV(1, enqueue, "1"), FL_VERDICT_TRUE));
    /* definite enqueue but no dequeue */
    s = check_edn(fl_chk_queue_new(uq),
                  INV(1, enqueue, "1") OK(1, enqueue, "1"), FL_VERDICT_TRUE);
    HAS(s, ":final-queue [1]");
    free(s);
    /* concurrent enqueue/dequeue */
    free(check_edn(fl_chk_queue_new(uq),
                   INV(2, dequeue, "nil") INV(1, enqueue, "1")
                       OK(2, dequeue, "1") OK(1, enqueue, "1"),
                   FL_VERDICT_TRUE));
    /* dequeue but no enqueue */
    s = check_edn(fl_chk_queue_new(uq),
                  INV(1, dequeue, "nil") OK(1, dequeue, "1"), FL_VERDICT_FALSE);
    HAS(s, ":error \"can't dequeue 1");
    free(s);
    /* a duplicate: one enqueue, two dequeues of it */
    s = check_edn(fl_chk_queue_new(uq),
                  INV(1, enqueue, "7") OK(1, enqueue, "7")
                      INV(1, dequeue, "nil") OK(1, dequeue, "7")
                          INV(2, dequeue, "nil") OK(2, dequeue, "7"),
                  FL_VERDICT_FALSE);
    HAS(s, ":op 5");
    free(s);
    /* a failed enqueue certainly did not happen */
    free(check_edn(fl_chk_queue_new(uq),
                   INV(1, enqueue, "3") FAIL(1, enqueue, "3")
                       INV(1, dequeue, "nil") OK(1, dequeue, "3"),
                   FL_VERDICT_FALSE));
    /* fifo: out of order is invalid there, fine unordered */
    const char *swapped = INV(1, enqueue, "1") OK(1, enqueue, "1")
        INV(1, enqueue, "2") OK(1, enqueue, "2") INV(1, dequeue, "nil")
            OK(1, dequeue, "2") INV(1, drain, "nil") OK(1, drain, "[1]");
    free(check_edn(fl_chk_queue_new(uq), swapped, FL_VERDICT_TRUE));
    free(check_edn(fl_chk_queue_new(&fl_model_fifo_queue_type), swapped,
                   FL_VERDICT_FALSE));
    /* a crashed drain cannot be accounted for */
    s = check_err(fl_chk_queue_new(uq),
                  INV(1, drain, "nil") INFO(1, drain, "nil"));
    HAS(s, "crashed :drain");
    free(s);
}

/*
 * The queue checker splits the unordered queue by element and runs the
 * FIFO queue as a deque; both must agree with stepping the model's whole
 * state op by op (the obvious, slow way) on random histories: the same
 * verdict and the same first bad op.
 */
static int64_t
slow_queue_bad(const struct fl_model_type *type, const struct fl_hist *h)
{
    struct fl_model m;
    struct fl_vec_u32 st = {0}, mop = {0}, next = {0};
    int64_t bad = -1;

    fl_model_init(&m, type);
    ASSERT_OK(type->init(&m, &(fl_val){0}, &st, NULL));
    for (size_t i = 0; i < h->n && bad < 0; i++) {
        const struct fl_op *op = &h->ops[i];
        bool enq = op->f == FL_KW_ENQUEUE && op->type == FL_OP_INVOKE &&
                   !(op->pair >= 0 && h->ops[op->pair].type == FL_OP_FAIL);
        bool deq = op->f == FL_KW_DEQUEUE && op->type == FL_OP_OK;
        if (!enq && !deq)
            continue;
        mop.n = next.n = 0;
        ASSERT_OK(type->compile(&m, op->f, &op->value, false, &mop, NULL));
        if (!type->step(st.v, st.n, mop.v, mop.n, &next)) {
            bad = op->index;
            break;
        }
        struct fl_vec_u32 t = st;
        st = next;
        next = t;
    }
    FL_VEC_RELEASE(&st);
    FL_VEC_RELEASE(&mop);
    FL_VEC_RELEASE(&next);
    fl_model_release(&m);
    return bad;
}

/* One random queue op on process p: invocation into inv, completion into
 * done (so a caller can nest another op between them). */
static void
random_queue_op(struct fl_rng *rng, int p, struct fl_strbuf *inv,
                struct fl_strbuf *done)
{
    int v = (int)fl_rng_below(rng, 4), what = (int)fl_rng_below(rng, 10);

    if (what < 5) {
        fl_strbuf_addf(inv, INV(% d, enqueue, "%d"), p, v);
        if (what == 0)
            fl_strbuf_addf(done, FAIL(% d, enqueue, "%d"), p, v);
        else
            fl_strbuf_addf(done, OK(% d, enqueue, "%d"), p, v);
    } else {
        fl_strbuf_addf(inv, INV(% d, dequeue, "nil"), p);
        fl_strbuf_addf(done, OK(% d, dequeue, "%d"), p, v);
    }
}

static void
test_queue_matches_model(void)
{
    struct fl_rng rng;
    const struct fl_model_type *types[2] = {&fl_model_unordered_queue_type,
                                            &fl_model_fifo_queue_type};
    int invalid = 0;

    fl_rng_seed(&rng, fl_test_seed());
    for (int iter = 0; iter < 1000; iter++) {
        const struct fl_model_type *type = types[iter % 2];
        struct fl_strbuf sb = FL_STRBUF_INIT, i1 = FL_STRBUF_INIT,
                         d1 = FL_STRBUF_INIT;
        int nops = 1 + (int)fl_rng_below(&rng, 10);
        for (int i = 0; i < nops; i++) {
            fl_strbuf_reset(&i1);
            fl_strbuf_reset(&d1);
            random_queue_op(&rng, 0, &i1, &d1);
            fl_strbuf_addstr(&sb, i1.buf);
            if (fl_rng_below(&rng, 3) == 0) /* another op inside this one */
                random_queue_op(&rng, 1, &sb, &sb);
            fl_strbuf_addstr(&sb, d1.buf);
        }
        struct fl_hist h;
        struct fl_arena a;
        struct fl_err err = FL_ERR_INIT;
        struct fl_chk_result r;
        struct fl_checker *c = fl_chk_queue_new(type);
        fl_hist_init(&h);
        fl_arena_init(&a, 1024);
        ASSERT_OK(fl_hist_parse(sb.buf, sb.len, "q", FL_HIST_EDN, &h, &err));
        ASSERT_OK(fl_hist_pair(&h, NULL, NULL, &err));
        ASSERT_OK(fl_chk_run(c, &h, NULL, &a, &r, &err));
        int64_t bad = slow_queue_bad(type, &h);
        const fl_val *opv = fl_val_map_get_kw(&r.map, fl_kw_intern_cstr("op"));
        if ((bad < 0) != (r.valid == FL_VERDICT_TRUE) ||
            (bad >= 0 && (!opv || opv->u.i != bad)))
            fl_test_fail(__FILE__, __LINE__,
                         "%s: model says bad op %lld, checker %s on\n%s",
                         type->name, (long long)bad,
                         r.valid == FL_VERDICT_TRUE ? "valid" : "invalid",
                         sb.buf);
        invalid += bad >= 0;
        fl_chk_free(c);
        fl_arena_release(&a);
        fl_hist_release(&h);
        fl_strbuf_release(&sb);
        fl_strbuf_release(&i1);
        fl_strbuf_release(&d1);
    }
    /* both verdicts were exercised */
    ASSERT(invalid > 100 && invalid < 900);
}

/* Jepsen's total-queue, worked through its multiset formulas. */
static void
test_total_queue(void)
{
    char *s;

    s = check_edn(fl_chk_total_queue_new(),
                  INV(1, enqueue, "1") OK(1, enqueue, "1")   /* lost */
                  INV(2, enqueue, "2") INFO(2, enqueue, "2") /* recovered */
                  INV(3, enqueue, "3") OK(3, enqueue, "3")   /* ok */
                  INV(4, dequeue, "nil") OK(4, dequeue, "2")
                      INV(4, dequeue, "nil") OK(4, dequeue, "3")
                          INV(4, dequeue, "nil") OK(4, dequeue, "3") /* dup */
                  INV(4, drain, "nil") OK(4, drain, "[9]"), /* unexpected */
                  FL_VERDICT_FALSE);
    HAS(s, ":attempt-count 3");
    HAS(s, ":acknowledged-count 2");
    HAS(s, ":ok-count 2");
    HAS(s, ":lost-count 1, :lost [1], :lost-ops [1]");
    HAS(s, ":unexpected-count 1, :unexpected [9], :unexpected-ops [13]");
    HAS(s, ":duplicated-count 1, :duplicated [3]");
    HAS(s, ":recovered-count 1, :recovered [2]");
    free(s);
    /* Duplicates alone do not make it invalid (Jepsen's :valid?). */
    s = check_edn(fl_chk_total_queue_new(),
                  INV(1, enqueue, "1") OK(1, enqueue, "1")
                      INV(1, dequeue, "nil") OK(1, dequeue, "1")
                          INV(1, dequeue, "nil") OK(1, dequeue, "1"),
                  FL_VERDICT_TRUE);
    HAS(s, ":duplicated [1]");
    free(s);
    /* an empty dequeue (nil) is not an element */
    free(check_edn(fl_chk_total_queue_new(),
                   INV(1, dequeue, "nil") OK(1, dequeue, "nil"),
                   FL_VERDICT_TRUE));
}

static void
test_unique_ids(void)
{
    char *s;

    s = check_edn(fl_chk_unique_ids_new(),
                  INV(0, generate, "nil") OK(0, generate, "1")
                      INV(1, generate, "nil") OK(1, generate, "3")
                          INV(0, generate, "nil") INFO(0, generate, "nil"),
                  FL_VERDICT_TRUE);
    HAS(s, ":attempted-count 3");
    HAS(s, ":acknowledged-count 2");
    HAS(s, ":duplicated-count 0, :duplicated {}");
    HAS(s, ":range [1 3]");
    free(s);
    s = check_edn(fl_chk_unique_ids_new(),
                  INV(0, generate, "nil") OK(0, generate, "2")
                      INV(1, generate, "nil") OK(1, generate, "1")
                          INV(2, generate, "nil") OK(2, generate, "2")
                              INV(0, generate, "nil") OK(0, generate, "2")
                                  INV(0, generate, "nil") OK(0, generate, "5"),
                  FL_VERDICT_FALSE);
    HAS(s, ":duplicated-count 1, :duplicated {2 3}");
    HAS(s, ":duplicated-ops {2 [1 5 7]}");
    HAS(s, ":range [1 5]");
    free(s);
    /* one id twice is enough */
    s = check_edn(fl_chk_unique_ids_new(),
                  INV(0, generate, "nil") OK(0, generate, ":a")
                      INV(1, generate, "nil") OK(1, generate, ":a"),
                  FL_VERDICT_FALSE);
    HAS(s, ":duplicated {:a 2}");
    free(s);
}

#define W(p, k) INV(p, txn, "[[:w :" #k " 1]]") OK(p, txn, "[[:w :" #k " 1]]")
#define RD(p, a, b)                                                            \
    INV(p, txn, "[[:r :x nil] [:r :y nil]]")                                   \
    OK(p, txn, "[[:r :x " a "] [:r :y " b "]]")

static void
test_long_fork(void)
{
    char *s;

    /* The docstring's example: T3 sees y not x, T4 sees x not y. */
    s = check_edn(fl_chk_long_fork_new(2),
                  W(0, x) W(1, y) RD(2, "nil", "1") RD(3, "1", "nil"),
                  FL_VERDICT_FALSE);
    HAS(s, ":fork-count 1");
    HAS(s, ":forks [[{:index");
    HAS(s, ":value [[:r :x nil] [:r :y 1]]");
    HAS(s, ":value [[:r :x 1] [:r :y nil]]");
    HAS(s, ":reads-count 2");
    free(s);
    /* Ordered reads (early, partial, late) are fine; keys in any order. */
    s = check_edn(fl_chk_long_fork_new(2),
                  W(0, x) RD(2, "nil", "nil") RD(3, "1", "nil")
                      INV(4, txn, "[[:r :y nil] [:r :x nil]]")
                          OK(4, txn, "[[:r :y 1] [:r :x 1]]") W(1, y),
                  FL_VERDICT_TRUE);
    HAS(s, ":early-read-count 1");
    HAS(s, ":late-read-count 1");
    free(s);
    /* A key written twice: unknown, as Jepsen says. */
    s = check_edn(fl_chk_long_fork_new(2), W(0, x) W(1, x) RD(2, "1", "nil"),
                  FL_VERDICT_UNKNOWN);
    HAS(s, ":error [:multiple-writes :x]");
    free(s);
    /* Two values for one key, or the wrong group size: not this workload. */
    s = check_err(fl_chk_long_fork_new(2), RD(2, "1", "nil") RD(3, "2", "nil"));
    HAS(s, "different values");
    free(s);
    s = check_err(fl_chk_long_fork_new(3), RD(2, "1", "nil"));
    HAS(s, "group of 3");
    free(s);
}

/* Fork counts against comparing every pair of reads (Jepsen's way). */
static void
test_long_fork_counts_pairs(void)
{
    struct fl_rng rng;

    fl_rng_seed(&rng, fl_test_seed() + 1);
    for (int iter = 0; iter < 300; iter++) {
        int nk = 2 + (int)fl_rng_below(&rng, 2),
            nr = (int)fl_rng_below(&rng, 9);
        unsigned seen[8];
        struct fl_strbuf sb = FL_STRBUF_INIT;
        for (int i = 0; i < nr; i++) {
            seen[i] = (unsigned)fl_rng_below(&rng, 1u << nk);
            fl_strbuf_addf(&sb, "{:type :invoke :process %d :f :txn :value [",
                           i);
            for (int k = 0; k < nk; k++)
                fl_strbuf_addf(&sb, "[:r %d nil]", k);
            fl_strbuf_addf(&sb, "]}\n{:type :ok :process %d :f :txn :value [",
                           i);
            for (int k = 0; k < nk; k++)
                fl_strbuf_addf(&sb, "[:r %d %s]", k,
                               seen[i] >> k & 1 ? "1" : "nil");
            fl_strbuf_addstr(&sb, "]}\n");
        }
        int64_t want = 0;
        for (int i = 0; i < nr; i++)
            for (int j = i + 1; j < nr; j++)
                want += (seen[i] & ~seen[j]) && (seen[j] & ~seen[i]);
        char *s = check_edn(fl_chk_long_fork_new(nk), sb.buf,
                            want ? FL_VERDICT_FALSE : FL_VERDICT_TRUE);
        char count[48];
        snprintf(count, sizeof(count), ":fork-count %lld,", (long long)want);
        HAS(s, count);
        free(s);
        fl_strbuf_release(&sb);
    }
}

static void
write_file(const char *dir, const char *name, const char *text)
{
    char *p = fl_xasprintf("%s/%s", dir, name);
    FILE *f = fopen(p, "w");

    ASSERT(f);
    fputs(text, f);
    fclose(f);
    free(p);
}

static void
test_log_pattern(void)
{
    char dir[] = "/tmp/fl-logpat-XXXXXX";
    struct fl_err err = FL_ERR_INIT;
    char *s;

    ASSERT(mkdtemp(dir) != NULL);
    char *n1 = fl_xasprintf("%s/n1", dir), *n2 = fl_xasprintf("%s/n2", dir);
    char *ind = fl_xasprintf("%s/independent", dir);
    ASSERT_OK(mkdir(n1, 0755));
    ASSERT_OK(mkdir(n2, 0755));
    ASSERT_OK(mkdir(ind, 0755));
    write_file(n1, "db.log", "starting\npanic: boom\nok\n");
    write_file(n2, "db.log", "all fine\n");
    write_file(n2, "other.log", "fatal error here\n");
    write_file(ind, "db.log", "panic in an artifact dir is not a node's\n");

    s = check_edn(
        fl_chk_log_pattern_new("panic|fatal", "db.log", dir, NULL, 0, &err), "",
        FL_VERDICT_FALSE);
    HAS(s, ":count 1");
    HAS(s, "{:node \"n1\", :file \"db.log\", :line-number 2, :line \"panic: "
           "boom\"}");
    free(s);
    /* every file of every node */
    s = check_edn(
        fl_chk_log_pattern_new("panic|fatal", NULL, dir, NULL, 0, &err), "",
        FL_VERDICT_FALSE);
    HAS(s, ":count 2");
    HAS(s, ":file \"other.log\"");
    free(s);
    /* only n2's db.log: clean */
    const char *nodes[] = {"n2"};
    free(check_edn(
        fl_chk_log_pattern_new("panic|fatal", "db.log", dir, nodes, 1, &err),
        "", FL_VERDICT_TRUE));
    ASSERT(fl_chk_log_pattern_new("(", NULL, dir, NULL, 0, &err) == NULL);
    HAS(err.msg, "bad pattern");
    char *cmd = fl_xasprintf("rm -rf %s", dir);
    ASSERT_OK(system(cmd));
    free(cmd);
    free(n1);
    free(n2);
    free(ind);
}

/* ---- concurrency-limit ---- */

static int probe_running, probe_max;
static size_t probe_limit_seen;
static pthread_mutex_t probe_mu = PTHREAD_MUTEX_INITIALIZER;

static int
probe_check(const struct fl_checker *c, const struct fl_hist *h,
            const struct fl_chk_opts *opts, struct fl_arena *a,
            struct fl_chk_result *out, struct fl_err *err)
{
    FL_UNUSED(c);
    FL_UNUSED(h);
    FL_UNUSED(err);
    pthread_mutex_lock(&probe_mu);
    probe_running++;
    if (probe_running > probe_max)
        probe_max = probe_running;
    probe_limit_seen = opts->memory_limit_bytes;
    pthread_mutex_unlock(&probe_mu);
    usleep(20000);
    pthread_mutex_lock(&probe_mu);
    probe_running--;
    pthread_mutex_unlock(&probe_mu);
    fl_val items[2] = {fl_val_kw(FL_KW_VALID), fl_val_bool(true)};
    out->map = fl_val_map(a, items, 1);
    out->valid = FL_VERDICT_TRUE;
    return 0;
}

static const struct fl_checker_type probe_type = {
    .name = "probe",
    .check = probe_check,
    .free = fl_chk__free_plain,
};

static struct fl_checker *limited;

static void *
probe_thread(void *arg)
{
    struct fl_hist h;
    struct fl_arena a;
    struct fl_chk_result r;

    FL_UNUSED(arg);
    fl_hist_init(&h);
    fl_arena_init(&a, 256);
    ASSERT_OK(fl_chk_run(limited, &h, NULL, &a, &r, NULL));
    fl_arena_release(&a);
    fl_hist_release(&h);
    return NULL;
}

static void
test_concurrency_limit(void)
{
    pthread_t t[6];

    for (int lim = 1; lim <= 2; lim++) {
        probe_max = 0;
        limited = fl_chk_concurrency_limit_new(lim, (size_t)64 << 20,
                                               fl_chk__new(&probe_type, NULL));
        for (int i = 0; i < 6; i++)
            ASSERT_OK(pthread_create(&t[i], NULL, probe_thread, NULL));
        for (int i = 0; i < 6; i++)
            pthread_join(t[i], NULL);
        ASSERT_EQ(probe_max, lim);
        ASSERT_EQ(probe_limit_seen, ((size_t)64 << 20) / (size_t)lim);
        fl_chk_free(limited);
    }
}

/*
 * A linearizability search that needs more than the bound answers
 * :unknown with the cause and the bound, instead of growing. (Concurrent
 * crashed writes no longer make the configurations explode, so this uses
 * a history whose search tables alone need more than 1 MB: 40,000 ops,
 * crashed writes among them, and a read of a value never written.)
 */
static void
test_concurrency_limit_memory(void)
{
    struct fl_strbuf h = FL_STRBUF_INIT;
    struct fl_err err = FL_ERR_INIT;

    for (int i = 0; i < 10000; i++) {
        fl_strbuf_addf(&h, INV(% d, write, "%d") INV(% d, write, "%d"), 2 * i,
                       i, 2 * i + 1, i + 1);
        fl_strbuf_addf(&h, OK(% d, write, "%d") INFO(% d, write, "%d"), 2 * i,
                       i, 2 * i + 1, i + 1);
    }
    fl_strbuf_addf(&h, INV(0, read, "nil") OK(0, read, "-1"));
    fl_val opts;
    struct fl_arena a;
    fl_arena_init(&a, 256);
    const char *o = "{:model :register :memory-limit-mb 1}";
    ASSERT_OK(fl_edn_parse_value(&a, o, strlen(o), "opts", &opts, &err));
    struct fl_checker *c = fl_chk_kind_find("linearizable")->build(&opts, &err);
    ASSERT(c);
    char *s = check_edn(c, h.buf, FL_VERDICT_UNKNOWN);
    HAS(s, ":cause :out-of-memory");
    HAS(s, ":memory-limit-bytes 1048576");
    free(s);
    fl_arena_release(&a);
    fl_strbuf_release(&h);
}

static void
test_bank_inferred(void)
{
    const char *h = INV(0, read, "nil") OK(0, read, "{0 50 1 50}")
        INV(0, transfer, "{:from 0 :to 1 :amount 5}")
            OK(0, transfer, "{:from 0 :to 1 :amount 5}") INV(0, read, "nil")
                OK(0, read, "{0 45 1 55}") INV(0, read, "nil")
                    OK(0, read, "{0 45 1 58}");
    char *s = check_edn(fl_chk_bank_new(0, FL_CHK_BANK_INFER, false), h,
                        FL_VERDICT_FALSE);
    HAS(s, ":inferred-accounts 2");
    HAS(s, ":inferred-total 100");
    HAS(s, ":wrong-total {:count 1");
    free(s);
    /* a tie between totals: the earliest read's wins */
    s = check_edn(fl_chk_bank_new(0, FL_CHK_BANK_INFER, false),
                  INV(0, read, "nil") OK(0, read, "{0 50 1 50}")
                      INV(0, read, "nil") OK(0, read, "{0 50 1 53}"),
                  FL_VERDICT_FALSE);
    HAS(s, ":inferred-total 100");
    free(s);
    /* told a total that no read has: every read is wrong */
    s = check_edn(fl_chk_bank_new(2, 90, false), h, FL_VERDICT_FALSE);
    HAS(s, ":wrong-total {:count 3");
    free(s);
}

static void
test_registry(void)
{
    struct fl_arena a;
    struct fl_err err = FL_ERR_INIT;
    fl_val spec;
    const char *text =
        "{:total-queue {} :stats {} :queue {:model :fifo-queue}}";

    fl_arena_init(&a, 256);
    ASSERT_OK(fl_edn_parse_value(&a, text, strlen(text), "s", &spec, &err));
    struct fl_checker *c = fl_chk_from_spec(&spec, &err);
    ASSERT(c);
    char *s = check_edn(c, INV(1, enqueue, "1") OK(1, enqueue, "1"),
                        FL_VERDICT_FALSE);
    HAS(s, ":total-queue {:valid? false");
    HAS(s, ":queue {:valid? true");
    free(s);
    text = "{:queue {:model :register}}";
    ASSERT_OK(fl_edn_parse_value(&a, text, strlen(text), "s", &spec, &err));
    ASSERT(fl_chk_from_spec(&spec, &err) == NULL);
    HAS(err.msg, "unordered-queue or fifo-queue");
    text = "{:nope {}}";
    ASSERT_OK(fl_edn_parse_value(&a, text, strlen(text), "s", &spec, &err));
    ASSERT(fl_chk_from_spec(&spec, &err) == NULL);
    HAS(err.msg, "unknown checker 'nope'");
    for (const struct fl_chk_kind *k = fl_chk_kinds; k->name; k++)
        ASSERT(k->summary && k->build);
    fl_arena_release(&a);
}

/*
 * Specs name linearizability :linearizable, the kind's own name; older
 * test.edn files of memkv and external runs say :linear, which still reads
 * as the same kind with the same options.
 */
static void
test_registry_spec_names(void)
{
    struct fl_arena a;
    struct fl_err err = FL_ERR_INIT;
    fl_val spec;
    const char *specs[] = {
        "{:stats {} :linearizable {:model :cas-register :independent? true}}",
        "{:stats {} :linear {:model :cas-register :independent? true}}",
        "{:stats {} \"linearizable\" {:model :cas-register}}",
    };

    fl_arena_init(&a, 256);
    ASSERT_STR_EQ(fl_chk_spec_kind("linear")->name, "linearizable");
    ASSERT_STR_EQ(fl_chk_spec_kind("linearizable")->name, "linearizable");
    ASSERT_STR_EQ(fl_chk_spec_kind("bank")->name, "bank");
    ASSERT(fl_chk_spec_kind("lin") == NULL);
    for (size_t i = 0; i < FL_ARRAY_SIZE(specs); i++) {
        ASSERT_OK(fl_edn_parse_value(&a, specs[i], strlen(specs[i]), "s", &spec,
                                     &err));
        const fl_val *o = fl_chk_spec_options(&spec, "linearizable");
        ASSERT(o);
        ASSERT_STR_EQ(fl_chk_opt_name(o, "model", NULL), "cas-register");
        ASSERT(fl_chk_spec_options(&spec, "stats"));
        ASSERT(fl_chk_spec_options(&spec, "bank") == NULL);
        ASSERT(fl_chk_spec_options(&spec, "linear") == NULL);
        struct fl_checker *c = fl_chk_from_spec(&spec, &err);
        ASSERT(c);
        fl_chk_free(c);
    }
    ASSERT(fl_chk_spec_options(NULL, "linearizable") == NULL);
    fl_arena_release(&a);
}

static void
test_looks_independent(void)
{
    struct fl_hist h;
    struct fl_err err = FL_ERR_INIT;
    const char *ind = INV(0, read, "[3 nil]") OK(0, read, "[3 1]")
        INV(1, cas, "[3 [1 2]]") OK(1, cas, "[3 [1 2]]");
    const char *plain = INV(0, read, "nil") OK(0, read, "1")
        INV(1, cas, "[1 2]") OK(1, cas, "[1 2]");

    fl_hist_init(&h);
    ASSERT_OK(fl_hist_parse(ind, strlen(ind), "i", FL_HIST_EDN, &h, &err));
    ASSERT(fl_chk_looks_independent(&h));
    fl_hist_release(&h);
    fl_hist_init(&h);
    ASSERT_OK(fl_hist_parse(plain, strlen(plain), "p", FL_HIST_EDN, &h, &err));
    ASSERT(!fl_chk_looks_independent(&h));
    fl_hist_release(&h);
}

/* independent/<key>/results.edn from the generic independent checker. */
static void
test_independent_key_dirs(void)
{
    char dir[] = "/tmp/fl-indep-XXXXXX";
    const char *edn = INV(0, add, "[1 1]") OK(0, add, "[1 1]")
        INV(0, read, "[1 nil]") OK(0, read, "[1 1]") INV(1, add, "[\"a/b\" 1]")
            OK(1, add, "[\"a/b\" 1]") INV(1, read, "[\"a/b\" nil]")
                OK(1, read, "[\"a/b\" 7]");
    struct fl_hist h;
    struct fl_arena a;
    struct fl_err err = FL_ERR_INIT;
    struct fl_chk_result r;
    struct fl_chk_opts o = {0};
    struct fl_strbuf sb = FL_STRBUF_INIT;
    struct fl_checker *c = fl_chk_independent_new(fl_chk_counter_new());

    ASSERT(mkdtemp(dir) != NULL);
    fl_hist_init(&h);
    fl_arena_init(&a, 4096);
    ASSERT_OK(fl_hist_parse(edn, strlen(edn), "t.edn", FL_HIST_EDN, &h, &err));
    o.out_dir = dir;
    ASSERT_OK(fl_chk_run(c, &h, &o, &a, &r, &err));
    ASSERT_EQ(r.valid, FL_VERDICT_FALSE);
    char *p = fl_xasprintf("%s/independent/1/results.edn", dir);
    ASSERT(fl_strbuf_read_file(&sb, p) >= 0);
    HAS(sb.buf, "{:valid? true");
    free(p);
    /* a '/' in a key cannot make a directory level */
    p = fl_xasprintf("%s/independent/a_b/results.edn", dir);
    fl_strbuf_reset(&sb);
    ASSERT(fl_strbuf_read_file(&sb, p) >= 0);
    HAS(sb.buf, "{:valid? false");
    free(p);
    char *cmd = fl_xasprintf("rm -rf %s", dir);
    ASSERT_OK(system(cmd));
    free(cmd);
    fl_strbuf_release(&sb);
    fl_chk_free(c);
    fl_arena_release(&a);
    fl_hist_release(&h);
}

static const struct fl_test_case jepsen_checker_tests[] = {
    FL_TEST(test_independent_key_dirs),
    FL_TEST(test_queue),
    FL_TEST(test_queue_matches_model),
    FL_TEST(test_total_queue),
    FL_TEST(test_unique_ids),
    FL_TEST(test_long_fork),
    FL_TEST(test_long_fork_counts_pairs),
    FL_TEST(test_log_pattern),
    FL_TEST(test_concurrency_limit),
    FL_TEST(test_concurrency_limit_memory),
    FL_TEST(test_bank_inferred),
    FL_TEST(test_registry),
    FL_TEST(test_registry_spec_names),
    FL_TEST(test_looks_independent),
    FL_TEST_END,
};

FL_TEST_SUITE(jepsen_checkers, jepsen_checker_tests)
