/* SPDX-License-Identifier: MIT */
/*
 * test_workload.c: the standard workloads under simulated time (gen/sim.h).
 * register: each key stays with one group of threads and ops-per-key ops,
 * values have the shapes the clients and the cas-register model expect;
 * readers only read; bad options name the option; the checker catches a
 * stale read. set: adds are dense and unique, reads in between. counter
 * and bank: the shapes of their ops. list-append and rw-register: run
 * serially against a perfect store, Elle finds them valid, and a store
 * with stale reads invalid.
 */
#include "util/common.h"

#include "tests/unit/test.h"

#include "checker/workloads.h"
#include "gen/gen.h"
#include "gen/sim.h"
#include "history/edn.h"
#include "history/hist.h"
#include "util/arena.h"
#include "util/err.h"
#include "util/strbuf.h"
#include "workload/workload.h"

static void
test_wl_register_gen(void)
{
    struct fl_hist h;
    struct fl_err err = FL_ERR_INIT;
    const int conc = 6, tpk = 3;
    const int64_t per_key = 10;
    int64_t invokes_of[64] = {0};
    int group_of[64];

    for (size_t i = 0; i < FL_ARRAY_SIZE(group_of); i++)
        group_of[i] = -1;
    fl_hist_init(&h);
    struct fl_workload w = {0};
    struct fl_wl_register_opts o = {
        .concurrency = conc, .threads_per_key = tpk, .ops_per_key = per_key};
    ASSERT_OK(fl_wl_register(&o, &w, &err));
    ASSERT(w.checker && !w.final_generator);
    struct fl_gen *g = fl_gen_limit(300, w.generator);
    w.generator = NULL;
    ASSERT_OK(fl_gen_perfect(g, conc, &h, &err));
    fl_gen_free(g);

    size_t invokes = 0;
    int seen_f[3] = {0};
    for (size_t i = 0; i < h.n; i++) {
        const struct fl_op *op = &h.ops[i];
        if (op->type != FL_OP_INVOKE)
            continue;
        invokes++;
        ASSERT(op->value.kind == FL_V_VEC && op->value.n == 2);
        const fl_val *k = &op->value.u.items[0], *v = &op->value.u.items[1];
        ASSERT_EQ(k->kind, FL_V_INT);
        ASSERT(k->u.i >= 0 && k->u.i < 64);
        invokes_of[k->u.i]++;
        /* Every op on a key comes from the same group of threads. */
        int group = (op->process % conc) / tpk;
        if (group_of[k->u.i] < 0)
            group_of[k->u.i] = group;
        ASSERT_EQ(group_of[k->u.i], group);
        if (op->f == FL_KW_READ) {
            ASSERT(fl_val_is_nil(v));
            seen_f[0]++;
        } else if (op->f == FL_KW_WRITE) {
            ASSERT(v->kind == FL_V_INT && v->u.i >= 0 && v->u.i < 5);
            seen_f[1]++;
        } else {
            ASSERT_EQ(op->f, FL_KW_CAS);
            ASSERT(v->kind == FL_V_VEC && v->n == 2);
            seen_f[2]++;
        }
    }
    ASSERT_EQ(invokes, 300);
    for (size_t k = 0; k < 64; k++)
        ASSERT(invokes_of[k] <= per_key);
    ASSERT(invokes_of[0] == per_key && invokes_of[29] == per_key);
    ASSERT(seen_f[0] > 50 && seen_f[1] > 50 && seen_f[2] > 50);
    fl_hist_release(&h);
    fl_workload_release(&w);
}

/* With readers, the first threads of each group never write. */
static void
test_wl_register_readers(void)
{
    struct fl_err err = FL_ERR_INIT;
    struct fl_workload w = {0};
    struct fl_hist h;
    struct fl_wl_register_opts o = {.concurrency = 4,
                                    .threads_per_key = 4,
                                    .ops_per_key = 1000,
                                    .readers = 2,
                                    .values = 3};

    fl_hist_init(&h);
    ASSERT_OK(fl_wl_register(&o, &w, &err));
    struct fl_gen *g = fl_gen_limit(400, w.generator);
    w.generator = NULL;
    ASSERT_OK(fl_gen_perfect(g, 4, &h, &err));
    fl_gen_free(g);
    int writes_by[4] = {0}, reads_by[4] = {0};
    for (size_t i = 0; i < h.n; i++) {
        const struct fl_op *op = &h.ops[i];
        if (op->type != FL_OP_INVOKE)
            continue;
        if (op->f == FL_KW_READ)
            reads_by[op->process % 4]++;
        else
            writes_by[op->process % 4]++;
        if (op->f == FL_KW_WRITE)
            ASSERT(op->value.u.items[1].u.i < 3);
    }
    ASSERT(reads_by[0] > 0 && reads_by[1] > 0);
    ASSERT_EQ(writes_by[0] + writes_by[1], 0);
    ASSERT(writes_by[2] > 0 && writes_by[3] > 0);
    ASSERT_EQ(reads_by[2] + reads_by[3], 0);
    fl_hist_release(&h);
    fl_workload_release(&w);
    fl_workload_release(&w); /* idempotent */
}

static void
test_wl_register_errors(void)
{
    struct fl_err err = FL_ERR_INIT;
    struct fl_workload w = {0};
    struct fl_wl_register_opts o = {
        .concurrency = 6, .threads_per_key = 4, .ops_per_key = 10};

    ASSERT_EQ(fl_wl_register(&o, &w, &err), FL_EUSAGE);
    ASSERT(strstr(err.msg, "--threads-per-key 4 must divide --concurrency 6"));
    o.threads_per_key = 3;
    o.ops_per_key = 0;
    ASSERT_EQ(fl_wl_register(&o, &w, &err), FL_EUSAGE);
    ASSERT(strstr(err.msg, "--ops-per-key"));
    o.ops_per_key = 1;
    o.readers = 3;
    ASSERT_EQ(fl_wl_register(&o, &w, &err), FL_EUSAGE);
    ASSERT(!w.generator && !w.checker);
    ASSERT_EQ(fl_wl_divisor(6, 5), 3);
    ASSERT_EQ(fl_wl_divisor(7, 5), 1);
    ASSERT_EQ(fl_wl_divisor(10, 5), 5);
    ASSERT_EQ(fl_wl_divisor(2, 5), 2);
}

/* The checker: per key, a read of a value overwritten before it began. */
static void
test_wl_register_checker(void)
{
    static const char stale[] =
        "{:index 0 :type :invoke :process 0 :f :write :value [1 3]}\n"
        "{:index 1 :type :ok :process 0 :f :write :value [1 3]}\n"
        "{:index 2 :type :invoke :process 0 :f :write :value [1 4]}\n"
        "{:index 3 :type :ok :process 0 :f :write :value [1 4]}\n"
        "{:index 4 :type :invoke :process 1 :f :read :value [1 nil]}\n"
        "{:index 5 :type :ok :process 1 :f :read :value [1 3]}\n"
        "{:index 6 :type :invoke :process 1 :f :read :value [2 nil]}\n"
        "{:index 7 :type :ok :process 1 :f :read :value [2 nil]}\n";
    struct fl_err err = FL_ERR_INIT;
    struct fl_workload w = {0};
    struct fl_wl_register_opts o = {
        .concurrency = 2, .threads_per_key = 2, .ops_per_key = 10};
    struct fl_hist h;
    struct fl_arena a;
    struct fl_chk_result res;

    fl_hist_init(&h);
    fl_arena_init(&a, 4096);
    ASSERT_OK(fl_wl_register(&o, &w, &err));
    ASSERT_OK(fl_edn_parse_hist(stale, sizeof(stale) - 1, "stale", &h, &err));
    ASSERT_OK(fl_chk_run(w.checker, &h, NULL, &a, &res, &err));
    ASSERT_EQ(res.valid, FL_VERDICT_FALSE);
    fl_arena_release(&a);
    fl_hist_release(&h);
    fl_workload_release(&w);
}

static void
test_wl_set_gen(void)
{
    struct fl_hist h;
    struct fl_err err = FL_ERR_INIT;
    int64_t last = -1, reads = 0, adds = 0;

    fl_hist_init(&h);
    /* The run gives workloads to client threads only; so does this. */
    struct fl_workload w = {0};
    struct fl_wl_set_opts o = {.adds_per_read = 10, .linearizable = true};
    ASSERT_OK(fl_wl_set(&o, &w, &err));
    ASSERT(w.final_generator && w.checker);
    struct fl_gen *g = fl_gen_limit(550, fl_gen_clients(w.generator));
    w.generator = NULL;
    ASSERT_OK(fl_gen_perfect(g, 1, &h, &err));
    fl_gen_free(g);
    for (size_t i = 0; i < h.n; i++) {
        const struct fl_op *op = &h.ops[i];
        if (op->type != FL_OP_INVOKE)
            continue;
        if (op->f == FL_KW_READ) {
            reads++;
            continue;
        }
        ASSERT_EQ(op->f, FL_KW_ADD);
        /* dense: every add used is the next element */
        ASSERT(op->value.kind == FL_V_INT && op->value.u.i == last + 1);
        last = op->value.u.i;
        adds++;
    }
    ASSERT_EQ(adds + reads, 550);
    ASSERT(reads * 20 >= adds && reads * 4 <= adds);
    fl_hist_release(&h);
    fl_workload_release(&w);
    o.adds_per_read = 0;
    ASSERT_EQ(fl_wl_set(&o, &w, &err), FL_EUSAGE);
    ASSERT(strstr(err.msg, "--adds-per-read"));
}

/* Reads fail (:fail, :info) before the one at fail_until_ns. */
static void
fail_reads_until(void *arg, const struct fl_op *inv, struct fl_arena *a,
                 struct fl_op *c)
{
    FL_UNUSED(a);
    if (inv->time_ns < *(const int64_t *)arg)
        c->type = inv->index % 4 ? FL_OP_FAIL : FL_OP_INFO;
}

/* The final read is retried a second apart until one is :ok, and gives
 * up after a minute of failures. */
static void
test_wl_final_read_retries(void)
{
    struct fl_err err = FL_ERR_INIT;
    struct fl_hist h;
    int64_t fail_until = 2500000000LL;
    struct fl_gen_sim_opts o = {.concurrency = 3,
                                .latency_ns = 1000000,
                                .complete = fail_reads_until,
                                .arg = &fail_until};
    struct fl_gen *g = fl_gen_clients(fl_wl_final_read());
    size_t reads = 0, oks = 0;

    fl_hist_init(&h);
    ASSERT_OK(fl_gen_simulate(g, &o, &h, &err));
    fl_gen_free(g);
    for (size_t i = 0; i < h.n; i++) {
        ASSERT_EQ(h.ops[i].f, FL_KW_READ);
        reads += h.ops[i].type == FL_OP_INVOKE;
        oks += h.ops[i].type == FL_OP_OK;
    }
    /* at 0, 1 and 2 s failed, at 3 s ok, then no more */
    ASSERT_EQ(reads, 4);
    ASSERT_EQ(oks, 1);
    ASSERT_EQ(h.ops[h.n - 1].type, FL_OP_OK);
    ASSERT_EQ(h.ops[h.n - 1].time_ns, 3001000000LL);
    fl_hist_release(&h);

    fail_until = INT64_MAX;
    fl_hist_init(&h);
    g = fl_gen_clients(fl_wl_final_read());
    ASSERT_OK(fl_gen_simulate(g, &o, &h, &err));
    fl_gen_free(g);
    ASSERT_EQ(h.n, 2 * (FL_WL_FINAL_READ_NS / FL_WL_FINAL_READ_GAP_NS));
    ASSERT(h.ops[h.n - 1].time_ns < FL_WL_FINAL_READ_NS + 1000000000LL);
    fl_hist_release(&h);
}

/* counter: adds of 1..5 and reads; bank: transfers between two distinct
 * accounts of 1..5, reads; both end with one final read. */
static void
test_wl_counter_bank_gen(void)
{
    struct fl_err err = FL_ERR_INIT;
    struct fl_workload w = {0};
    struct fl_hist h;
    int reads = 0, adds = 0, transfers = 0;

    fl_hist_init(&h);
    fl_wl_counter(&w);
    ASSERT(w.final_generator && w.checker);
    struct fl_gen *g = fl_gen_limit(300, fl_gen_clients(w.generator));
    w.generator = NULL;
    ASSERT_OK(fl_gen_perfect(g, 2, &h, &err));
    fl_gen_free(g);
    for (size_t i = 0; i < h.n; i++) {
        const struct fl_op *op = &h.ops[i];
        if (op->type != FL_OP_INVOKE)
            continue;
        if (op->f == FL_KW_READ) {
            reads++;
            continue;
        }
        ASSERT_EQ(op->f, FL_KW_ADD);
        ASSERT(op->value.u.i >= 1 && op->value.u.i <= 5);
        adds++;
    }
    ASSERT(reads > 5 && adds > 200);
    fl_workload_release(&w);
    fl_hist_release(&h);

    struct fl_wl_bank_opts bo = {.accounts = 3, .total = 30};
    fl_hist_init(&h);
    ASSERT_OK(fl_wl_bank(&bo, &w, &err));
    g = fl_gen_limit(300, fl_gen_clients(w.generator));
    w.generator = NULL;
    ASSERT_OK(fl_gen_perfect(g, 2, &h, &err));
    fl_gen_free(g);
    const fl_val from = fl_val_kw(fl_kw_intern_cstr("from"));
    const fl_val to = fl_val_kw(fl_kw_intern_cstr("to"));
    const fl_val amount = fl_val_kw(fl_kw_intern_cstr("amount"));
    for (size_t i = 0; i < h.n; i++) {
        const struct fl_op *op = &h.ops[i];
        if (op->type != FL_OP_INVOKE || op->f == FL_KW_READ)
            continue;
        ASSERT_EQ(op->f, FL_KW_TRANSFER);
        const fl_val *a = fl_val_map_get(&op->value, &from);
        const fl_val *b = fl_val_map_get(&op->value, &to);
        const fl_val *n = fl_val_map_get(&op->value, &amount);
        ASSERT(a && b && n && a->u.i != b->u.i);
        ASSERT(a->u.i >= 0 && a->u.i < 3 && b->u.i >= 0 && b->u.i < 3);
        ASSERT(n->u.i >= 1 && n->u.i <= 5);
        transfers++;
    }
    ASSERT(transfers > 200);
    fl_workload_release(&w);
    fl_hist_release(&h);
    bo.accounts = 1;
    ASSERT_EQ(fl_wl_bank(&bo, &w, &err), FL_EUSAGE);
    ASSERT(strstr(err.msg, "1 accounts"));
}

/*
 * Run the txn workload's ops one at a time against a perfect store and
 * write the history as EDN; stale makes reads miss the last write of the
 * key (a stale read Elle must catch under strict serializability).
 */
#define STORE_KEYS 512
static void
serial_txns(bool list_append, bool stale, struct fl_strbuf *edn)
{
    struct fl_err err = FL_ERR_INIT;
    struct fl_workload w = {0};
    struct fl_wl_txn_opts o = {.list_append = list_append,
                               .key_count = 3,
                               .max_txn_length = 4,
                               .max_writes_per_key = 8};
    struct fl_hist h;
    static int64_t vals[STORE_KEYS][64];
    static size_t len[STORE_KEYS];
    int64_t index = 0;

    memset(len, 0, sizeof(len));
    fl_hist_init(&h);
    ASSERT_OK(fl_wl_txn(&o, &w, &err));
    struct fl_gen *g = fl_gen_limit(300, fl_gen_clients(w.generator));
    w.generator = NULL;
    ASSERT_OK(fl_gen_perfect(g, 1, &h, &err));
    fl_gen_free(g);
    for (size_t i = 0; i < h.n; i++) {
        const struct fl_op *op = &h.ops[i];
        if (op->type != FL_OP_INVOKE)
            continue;
        ASSERT_EQ(op->f, FL_KW_TXN);
        ASSERT(op->value.n >= 1 && op->value.n <= 4);
        fl_strbuf_addf(edn,
                       "{:index %" PRId64 " :time %" PRId64
                       " :type :invoke :process 0 :f :txn :value [",
                       index, index);
        struct fl_strbuf ok = FL_STRBUF_INIT;
        for (uint32_t m = 0; m < op->value.n; m++) {
            const fl_val *mo = op->value.u.items[m].u.items;
            int64_t k = mo[1].u.i;
            ASSERT(k >= 0 && k < STORE_KEYS);
            bool read = mo[0].u.id == FL_KW_R;
            const char *f = read ? "r" : list_append ? "append" : "w";
            fl_strbuf_addf(edn, "[:%s %" PRId64 " %s]", f, k,
                           read ? "nil" : "");
            if (!read) {
                ASSERT_EQ(mo[2].u.i, (int64_t)len[k] + 1); /* unique */
                fl_strbuf_setlen(edn, edn->len - 1);
                fl_strbuf_addf(edn, "%" PRId64 "]", mo[2].u.i);
                fl_strbuf_addf(&ok, "[:%s %" PRId64 " %" PRId64 "]", f, k,
                               mo[2].u.i);
                ASSERT(len[k] < 64);
                vals[k][len[k]++] = mo[2].u.i;
                continue;
            }
            size_t n = len[k] - (stale && len[k] > 1 ? 1 : 0);
            fl_strbuf_addf(&ok, "[:r %" PRId64 " ", k);
            if (n == 0) {
                fl_strbuf_addstr(&ok, "nil]");
            } else if (!list_append) {
                fl_strbuf_addf(&ok, "%" PRId64 "]", vals[k][n - 1]);
            } else {
                fl_strbuf_addch(&ok, '[');
                for (size_t j = 0; j < n; j++)
                    fl_strbuf_addf(&ok, "%s%" PRId64, j ? " " : "", vals[k][j]);
                fl_strbuf_addstr(&ok, "]]");
            }
        }
        fl_strbuf_addf(edn,
                       "]}\n{:index %" PRId64 " :time %" PRId64
                       " :type :ok :process 0 :f :txn :value [%s]}\n",
                       index + 1, index + 1, ok.buf);
        index += 2;
        fl_strbuf_release(&ok);
    }
    /* keys were retired after 8 writes: more than the 3 first ones used */
    ASSERT(len[3] > 0 && len[0] == 8);
    fl_hist_release(&h);
    fl_workload_release(&w);
}

static enum fl_verdict
check_txns(bool list_append, bool stale)
{
    struct fl_err err = FL_ERR_INIT;
    struct fl_strbuf edn = FL_STRBUF_INIT;
    struct fl_workload w = {0};
    struct fl_wl_txn_opts o = {.list_append = list_append,
                               .key_count = 3,
                               .max_txn_length = 4,
                               .max_writes_per_key = 8};
    struct fl_hist h;
    struct fl_arena a;
    struct fl_chk_result res;

    serial_txns(list_append, stale, &edn);
    fl_hist_init(&h);
    fl_arena_init(&a, 4096);
    ASSERT_OK(fl_edn_parse_hist(edn.buf, edn.len, "txns", &h, &err));
    ASSERT_OK(fl_wl_txn(&o, &w, &err));
    ASSERT_OK(fl_chk_run(w.checker, &h, NULL, &a, &res, &err));
    fl_workload_release(&w);
    fl_arena_release(&a);
    fl_hist_release(&h);
    fl_strbuf_release(&edn);
    return res.valid;
}

static void
test_wl_txn(void)
{
    struct fl_err err = FL_ERR_INIT;
    struct fl_workload w = {0};
    struct fl_wl_txn_opts o = {.list_append = true, .key_count = 0};

    ASSERT_EQ(check_txns(true, false), FL_VERDICT_TRUE);
    ASSERT_EQ(check_txns(true, true), FL_VERDICT_FALSE);
    ASSERT_EQ(check_txns(false, false), FL_VERDICT_TRUE);
    ASSERT_EQ(check_txns(false, true), FL_VERDICT_FALSE);
    ASSERT_EQ(fl_wl_txn(&o, &w, &err), FL_EUSAGE);
    ASSERT(strstr(err.msg, "--key-count"));
    o.key_count = 3;
    ASSERT_EQ(fl_wl_txn(&o, &w, &err), FL_EUSAGE);
    ASSERT(strstr(err.msg, "--max-txn-length"));
    o.max_txn_length = 2;
    ASSERT_EQ(fl_wl_txn(&o, &w, &err), FL_EUSAGE);
    ASSERT(strstr(err.msg, "--max-writes-per-key"));
}

/* queue: dense unique enqueues and dequeues; the checker rejects an
 * element dequeued twice. */
static void
test_wl_queue(void)
{
    static const char twice[] =
        "{:index 0 :type :invoke :process 0 :f :enqueue :value 0}\n"
        "{:index 1 :type :ok :process 0 :f :enqueue :value 0}\n"
        "{:index 2 :type :invoke :process 0 :f :dequeue :value nil}\n"
        "{:index 3 :type :ok :process 0 :f :dequeue :value 0}\n"
        "{:index 4 :type :invoke :process 1 :f :dequeue :value nil}\n"
        "{:index 5 :type :ok :process 1 :f :dequeue :value 0}\n";
    struct fl_err err = FL_ERR_INIT;
    struct fl_workload w = {0};
    struct fl_hist h;
    struct fl_arena a;
    struct fl_chk_result res;
    int64_t next = 0;
    int deq = 0;

    fl_hist_init(&h);
    fl_wl_queue(&w);
    struct fl_gen *g = fl_gen_limit(200, fl_gen_clients(w.generator));
    w.generator = NULL;
    ASSERT_OK(fl_gen_perfect(g, 2, &h, &err));
    fl_gen_free(g);
    for (size_t i = 0; i < h.n; i++) {
        const struct fl_op *op = &h.ops[i];
        if (op->type != FL_OP_INVOKE)
            continue;
        if (op->f == FL_KW_DEQUEUE) {
            deq++;
            continue;
        }
        ASSERT_EQ(op->f, FL_KW_ENQUEUE);
        ASSERT_EQ(op->value.u.i, next++);
    }
    ASSERT(deq > 50 && next > 50);
    fl_hist_release(&h);
    fl_hist_init(&h);
    fl_arena_init(&a, 4096);
    ASSERT_OK(fl_edn_parse_hist(twice, sizeof(twice) - 1, "twice", &h, &err));
    ASSERT_OK(fl_chk_run(w.checker, &h, NULL, &a, &res, &err));
    ASSERT_EQ(res.valid, FL_VERDICT_FALSE);
    fl_hist_release(&h);
    fl_hist_init(&h);
    /* The same without the second dequeue (its two lines). */
    size_t once = (size_t)(strstr(twice, "{:index 4") - twice);
    ASSERT_OK(fl_edn_parse_hist(twice, once, "once", &h, &err));
    ASSERT_OK(fl_chk_run(w.checker, &h, NULL, &a, &res, &err));
    ASSERT_EQ(res.valid, FL_VERDICT_TRUE);
    fl_arena_release(&a);
    fl_hist_release(&h);
    fl_workload_release(&w);
}

static const struct fl_test_case workload_tests[] = {
    FL_TEST(test_wl_register_gen),
    FL_TEST(test_wl_register_readers),
    FL_TEST(test_wl_register_errors),
    FL_TEST(test_wl_register_checker),
    FL_TEST(test_wl_set_gen),
    FL_TEST(test_wl_counter_bank_gen),
    FL_TEST(test_wl_final_read_retries),
    FL_TEST(test_wl_txn),
    FL_TEST(test_wl_queue),
    FL_TEST_END,
};

FL_TEST_SUITE(workload, workload_tests);
