/* SPDX-License-Identifier: MIT */
/*
 * test_online.c: the online checkers (run/online.h) fed op by op as the
 * interpreter feeds them: prefix checkers find an anomaly and bisect it to
 * its op, set checkers wait for the final reads, independent
 * linearizability checks a key only once it is finished.
 */
#include "util/common.h"

#include "tests/unit/test.h"

#include "history/edn.h"
#include "history/hist.h"
#include "run/online.h"
#include "util/arena.h"
#include "util/err.h"
#include "util/strbuf.h"

struct fed {
    struct fl_arena a;
    struct fl_hist h;
    fl_val spec;
    int calls;
};

static void
count_call(void *arg)
{
    struct fed *f = arg;

    f->calls++;
}

static struct fl_online *
start(struct fed *f, const char *spec, const char *hist)
{
    struct fl_err err = FL_ERR_INIT;

    memset(f, 0, sizeof(*f));
    fl_arena_init(&f->a, 0);
    fl_hist_init(&f->h);
    ASSERT_OK(
        fl_edn_parse_value(&f->a, spec, strlen(spec), "spec", &f->spec, &err));
    ASSERT_OK(fl_hist_parse(hist, strlen(hist), "h", FL_HIST_EDN, &f->h, &err));
    struct fl_online_opts o = {
        .spec = &f->spec, .on_invalid = count_call, .arg = f};
    struct fl_online *on = fl_online_new(&o, &err);
    ASSERT(on);
    for (size_t i = 0; i < f->h.n; i++)
        fl_online_push(on, &f->h.ops[i]);
    return on;
}

static char *
result(struct fed *f, struct fl_online *on)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;
    fl_val m = fl_online_result(on, &f->a);

    fl_val_print_edn(&sb, &m);
    return fl_strbuf_detach(&sb, NULL);
}

static void
done(struct fed *f, struct fl_online *on, char *s)
{
    free(s);
    fl_online_free(on);
    fl_hist_release(&f->h);
    fl_arena_release(&f->a);
}

#define HAS(s, sub)                                                            \
    do {                                                                       \
        if (!strstr((s), (sub)))                                               \
            fl_test_fail(__FILE__, __LINE__, "'%s' not in %s", (sub), (s));    \
    } while (0)

static const char counter_hist[] =
    "[{:index 0 :time 0 :type :invoke :process 0 :f :add :value 5}"
    " {:index 1 :time 10 :type :ok :process 0 :f :add :value 5}"
    " {:index 2 :time 20 :type :invoke :process 1 :f :read :value nil}"
    " {:index 3 :time 30 :type :ok :process 1 :f :read :value 5}"
    " {:index 4 :time 40 :type :invoke :process 0 :f :add :value 2}"
    " {:index 5 :time 50 :type :ok :process 0 :f :add :value 2}"
    " {:index 6 :time 60 :type :invoke :process 1 :f :read :value nil}"
    " {:index 7 :time 70 :type :ok :process 1 :f :read :value 3}"
    " {:index 8 :time 80 :type :invoke :process 1 :f :read :value nil}"
    " {:index 9 :time 90 :type :ok :process 1 :f :read :value 7}]";

static void
test_online_counter_bisects(void)
{
    struct fed f;
    struct fl_online *on =
        start(&f, "{:counter {} :stats {} :perf {}}", counter_hist);

    fl_online_finish(on);
    ASSERT(fl_online_invalid(on));
    ASSERT_EQ(f.calls, 1);
    /* the read of 3 after 7 was acknowledged: op 7, at 70 ns */
    ASSERT_EQ(fl_online_anomaly_time_ns(on), 70);
    char *s = result(&f, on);
    HAS(s, ":valid? false");
    HAS(s, ":checker \"counter\"");
    HAS(s, ":anomaly :read-too-low");
    HAS(s, ":op-index 7");
    HAS(s, ":checkers [\"counter\"]");
    HAS(fl_online_describe(on), "counter: :read-too-low at op 7");
    done(&f, on, s);
}

static void
test_online_valid_and_none(void)
{
    struct fed f;
    struct fl_err err = FL_ERR_INIT;
    /* the same history without the bad read */
    struct fl_online *on =
        start(&f, "{:counter {}}",
              "[{:index 0 :time 0 :type :invoke :process 0 :f :add :value 5}"
              " {:index 1 :time 10 :type :ok :process 0 :f :add :value 5}"
              " {:index 2 :time 20 :type :invoke :process 1 :f :read}"
              " {:index 3 :time 30 :type :ok :process 1 :f :read :value 5}]");

    fl_online_finish(on);
    ASSERT(!fl_online_invalid(on));
    ASSERT_EQ(f.calls, 0);
    ASSERT_EQ(fl_online_anomaly_time_ns(on), -1);
    char *s = result(&f, on);
    HAS(s, ":valid? true");
    done(&f, on, s);

    /* no checker that works online: nothing starts */
    fl_val spec;
    struct fl_arena a;
    fl_arena_init(&a, 0);
    ASSERT_OK(
        fl_edn_parse_value(&a, "{:stats {} :perf {}}", 20, "s", &spec, &err));
    struct fl_online_opts o = {.spec = &spec};
    ASSERT(fl_online_new(&o, &err) == NULL);
    ASSERT_EQ(err.code, 0);
    /* bank with an inferred total is not online either */
    ASSERT_OK(
        fl_edn_parse_value(&a, "{:bank {:accounts 3}}", 21, "s", &spec, &err));
    ASSERT(fl_online_new(&o, &err) == NULL);
    fl_arena_release(&a);
}

static const char set_hist[] =
    "[{:index 0 :time 0 :type :invoke :process 0 :f :add :value 1}"
    " {:index 1 :time 10 :type :ok :process 0 :f :add :value 1}"
    " {:index 2 :time 20 :type :invoke :process 0 :f :add :value 2}"
    " {:index 3 :time 30 :type :ok :process 0 :f :add :value 2}"
    " {:index 4 :time 40 :type :invoke :process 1 :f :read :value nil}"
    " {:index 5 :time 50 :type :ok :process 1 :f :read :value [1]}]";

static void
test_online_set_waits_for_final_reads(void)
{
    struct fed f;
    struct fl_online *on = start(&f, "{:set {}}", set_hist);

    fl_online_finish(on);
    ASSERT(!fl_online_invalid(on)); /* no final read yet */
    done(&f, on, NULL);

    on = start(&f, "{:set {}}", set_hist);
    fl_online_final_reads(on);
    fl_online_finish(on);
    ASSERT(fl_online_invalid(on));
    char *s = result(&f, on);
    HAS(s, ":anomaly :lost");
    HAS(s, ":op-index 5"); /* the final read */
    done(&f, on, s);
}

static const char keys_hist[] =
    "[{:index 0 :time 0 :type :invoke :process 0 :f :write :value [0 1]}"
    " {:index 1 :time 10 :type :ok :process 0 :f :write :value [0 1]}"
    " {:index 2 :time 20 :type :invoke :process 0 :f :read :value [0 nil]}"
    " {:index 3 :time 30 :type :ok :process 0 :f :read :value [0 1]}"
    " {:index 4 :time 40 :type :invoke :process 1 :f :write :value [1 1]}"
    " {:index 5 :time 50 :type :ok :process 1 :f :write :value [1 1]}"
    " {:index 6 :time 60 :type :invoke :process 1 :f :read :value [1 nil]}"
    " {:index 7 :time 70 :type :ok :process 1 :f :read :value [1 9]}]";

static void
test_online_keys_when_done(void)
{
    static const char spec[] =
        "{:linear {:model :cas-register :independent? true}}";
    struct fed f;
    struct fl_online *on = start(&f, spec, keys_hist);

    /* key 0 is fine; key 1 is bad but its generator has not finished */
    fl_online_key_done(on, 0);
    fl_online_finish(on);
    ASSERT(!fl_online_invalid(on));
    char *s = result(&f, on);
    HAS(s, ":keys-checked 1");
    done(&f, on, s);

    on = start(&f, spec, keys_hist);
    fl_online_key_done(on, 1);
    fl_online_finish(on);
    ASSERT(fl_online_invalid(on));
    s = result(&f, on);
    HAS(s, ":anomaly :nonlinearizable");
    HAS(s, ":key 1");
    HAS(s, ":op-index 7");
    done(&f, on, s);
}

static const struct fl_test_case online_tests[] = {
    FL_TEST(test_online_counter_bisects),
    FL_TEST(test_online_valid_and_none),
    FL_TEST(test_online_set_waits_for_final_reads),
    FL_TEST(test_online_keys_when_done),
    FL_TEST_END,
};

FL_TEST_SUITE(online, online_tests)
