/* SPDX-License-Identifier: MIT */
/*
 * test_gen.c: generators under simulated time. Each test runs a generator
 * through fl_gen_simulate() (the interpreter's schedule with a fake clock)
 * and compares the whole schedule, one "time process type f value" line per
 * op, with the one Jepsen's semantics give.
 */
#include "util/common.h"

#include "tests/unit/test.h"

#include "gen/gen.h"
#include "gen/sim.h"
#include "history/hist.h"
#include "util/err.h"
#include "util/strbuf.h"

#define MS 1000000LL

static uint32_t kw_a, kw_b;

static void
kws(void)
{
    kw_a = fl_kw_intern_cstr("a");
    kw_b = fl_kw_intern_cstr("b");
}

/* The schedule as text: "time process type f value" per op. */
static char *
sched(const struct fl_hist *h, int64_t unit)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;

    for (size_t i = 0; i < h->n; i++) {
        const struct fl_op *op = &h->ops[i];
        fl_strbuf_addf(&sb, "%" PRId64 " ", op->time_ns / unit);
        if (op->process == FL_PROC_NEMESIS)
            fl_strbuf_addstr(&sb, "n");
        else
            fl_strbuf_addf(&sb, "%" PRId32, op->process);
        fl_strbuf_addf(&sb, " %s %s ", fl_op_type_name(op->type),
                       fl_kw_name(op->f));
        fl_val_print_edn(&sb, &op->value);
        fl_strbuf_addch(&sb, '\n');
    }
    return fl_strbuf_detach(&sb, NULL);
}

struct sim_case {
    int concurrency;
    int64_t latency;
    int64_t unit;
    uint64_t seed;
    fl_gen_sim_complete_fn *complete;
    void *arg;
};

/* Simulate g (freed) and compare the schedule with want. */
static void
check_sched(struct fl_gen *g, const struct sim_case *c, const char *want)
{
    struct fl_hist h;
    struct fl_err err = FL_ERR_INIT;
    struct fl_gen_sim_opts o;

    memset(&o, 0, sizeof(o));
    o.concurrency = c->concurrency;
    o.latency_ns = c->latency;
    o.seed = c->seed;
    o.complete = c->complete;
    o.arg = c->arg;
    fl_hist_init(&h);
    int rc = fl_gen_simulate(g, &o, &h, &err);
    if (rc != 0)
        fl_test_fail(__FILE__, __LINE__, "simulate: %s", err.msg);
    char *got = sched(&h, c->unit ? c->unit : 1);
    ASSERT_STR_EQ(got, want);
    free(got);
    fl_hist_release(&h);
    fl_gen_free(g);
}

static struct fl_gen *
rep(uint32_t f, int64_t v)
{
    return fl_gen_repeat(-1, fl_gen_invoke(f, fl_val_int(v)));
}

static void
test_gen_single_op(void)
{
    struct sim_case c = {.concurrency = 2, .latency = 10};

    check_sched(fl_gen_invoke(FL_KW_WRITE, fl_val_int(1)), &c,
                "0 0 invoke write 1\n"
                "10 0 ok write 1\n");
    /* A template pinned to a time and a process keeps them. */
    struct fl_op t = fl_gen_template(FL_KW_READ, fl_val_nil());
    t.time_ns = 5;
    t.process = 1;
    check_sched(fl_gen_once_op(&t), &c,
                "5 1 invoke read nil\n"
                "15 1 ok read nil\n");
    check_sched(NULL, &c, "");
}

static void
test_gen_fair_and_completions_first(void)
{
    struct sim_case c = {.concurrency = 2, .latency = 10};

    /* Round-robin choice of free threads; completions before new ops. */
    check_sched(
        fl_gen_clients(fl_gen_limit(
            3, fl_gen_repeat(-1, fl_gen_invoke(FL_KW_READ, fl_val_nil())))),
        &c,
        "0 0 invoke read nil\n"
        "0 1 invoke read nil\n"
        "10 0 ok read nil\n"
        "10 1 ok read nil\n"
        "10 0 invoke read nil\n"
        "20 0 ok read nil\n");
    /* Without clients, the nemesis thread is a free thread like any other. */
    check_sched(fl_gen_limit(3, rep(FL_KW_READ, 0)), &c,
                "0 0 invoke read 0\n"
                "0 1 invoke read 0\n"
                "0 n info read 0\n"
                "10 0 ok read 0\n"
                "10 1 ok read 0\n"
                "10 n info read 0\n");
}

static void
info_first(void *arg, const struct fl_op *inv, struct fl_arena *a,
           struct fl_op *c)
{
    FL_UNUSED(arg);
    FL_UNUSED(a);
    if (inv->index == 0 || inv->index == 5)
        c->type = FL_OP_INFO;
}

static void
test_gen_info_renumbers_process(void)
{
    struct sim_case c = {
        .concurrency = 2, .latency = 10, .complete = info_first};

    check_sched(fl_gen_clients(fl_gen_limit(5, rep(FL_KW_WRITE, 1))), &c,
                "0 0 invoke write 1\n"
                "0 1 invoke write 1\n"
                "10 0 info write 1\n"
                "10 1 ok write 1\n"
                "10 2 invoke write 1\n"
                "10 1 invoke write 1\n"
                "20 2 ok write 1\n"
                "20 1 info write 1\n"
                "20 2 invoke write 1\n"
                "30 2 ok write 1\n");
}

static void
test_gen_seq_limit_once(void)
{
    struct sim_case c = {.concurrency = 1, .latency = 10};

    kws();
    check_sched(fl_gen_clients(FL_GEN_SEQ(fl_gen_once(rep(kw_a, 1)), NULL,
                                          fl_gen_limit(2, rep(kw_b, 2)),
                                          fl_gen_limit(0, rep(kw_a, 3)))),
                &c,
                "0 0 invoke a 1\n"
                "10 0 ok a 1\n"
                "10 0 invoke b 2\n"
                "20 0 ok b 2\n"
                "20 0 invoke b 2\n"
                "30 0 ok b 2\n");
}

static void
test_gen_repeat_and_cycle(void)
{
    struct sim_case c = {.concurrency = 1, .latency = 1};

    kws();
    /* repeat n re-emits the first op of a sequence without advancing. */
    check_sched(fl_gen_clients(fl_gen_repeat(
                    3, FL_GEN_SEQ(fl_gen_invoke(kw_a, fl_val_int(1)),
                                  fl_gen_invoke(kw_b, fl_val_int(2))))),
                &c,
                "0 0 invoke a 1\n1 0 ok a 1\n"
                "1 0 invoke a 1\n2 0 ok a 1\n"
                "2 0 invoke a 1\n3 0 ok a 1\n");
    /* cycle restarts the sequence from its original state. */
    check_sched(fl_gen_clients(fl_gen_cycle(
                    2, FL_GEN_SEQ(fl_gen_invoke(kw_a, fl_val_int(1)),
                                  fl_gen_invoke(kw_b, fl_val_int(2))))),
                &c,
                "0 0 invoke a 1\n1 0 ok a 1\n"
                "1 0 invoke b 2\n2 0 ok b 2\n"
                "2 0 invoke a 1\n3 0 ok a 1\n"
                "3 0 invoke b 2\n4 0 ok b 2\n");
    /* An empty generator cycled forever ends instead of spinning. */
    check_sched(fl_gen_cycle(-1, FL_GEN_SEQ(NULL)), &c, "");
}

static void
add100(void *arg, const struct fl_gen_ctx *ctx, struct fl_op *op)
{
    FL_UNUSED(arg);
    FL_UNUSED(ctx);
    op->value = fl_val_int(op->value.u.i + 100);
}

static bool
even(void *arg, const struct fl_op *op)
{
    FL_UNUSED(arg);
    return op->value.u.i % 2 == 0;
}

static void
test_gen_map_f_map_filter(void)
{
    struct sim_case c = {.concurrency = 1, .latency = 1};
    uint32_t from[] = {FL_KW_READ}, to[] = {FL_KW_WRITE};

    check_sched(fl_gen_clients(fl_gen_map(add100, NULL, NULL,
                                          fl_gen_limit(1, rep(FL_KW_READ, 1)))),
                &c, "0 0 invoke read 101\n1 0 ok read 101\n");
    check_sched(fl_gen_clients(fl_gen_f_map(
                    from, to, 1, fl_gen_limit(1, rep(FL_KW_READ, 1)))),
                &c, "0 0 invoke write 1\n1 0 ok write 1\n");
    check_sched(fl_gen_clients(fl_gen_filter(
                    even, NULL, NULL,
                    FL_GEN_SEQ(fl_gen_invoke(FL_KW_READ, fl_val_int(1)),
                               fl_gen_invoke(FL_KW_READ, fl_val_int(2)),
                               fl_gen_invoke(FL_KW_READ, fl_val_int(3)),
                               fl_gen_invoke(FL_KW_READ, fl_val_int(4)),
                               fl_gen_invoke(FL_KW_READ, fl_val_int(5))))),
                &c,
                "0 0 invoke read 2\n1 0 ok read 2\n"
                "1 0 invoke read 4\n2 0 ok read 4\n");
}

struct counter {
    int invokes, oks;
};

static void
count_updates(void *arg, struct fl_gen *inner, const struct fl_gen_ctx *ctx,
              const struct fl_op *event)
{
    struct counter *k = arg;

    if (event->type == FL_OP_INVOKE)
        k->invokes++;
    else if (event->type == FL_OP_OK)
        k->oks++;
    fl_gen_update(inner, ctx, event);
}

static void
test_gen_on_update(void)
{
    struct sim_case c = {.concurrency = 2, .latency = 1};
    struct counter k = {0, 0};

    kws();
    check_sched(fl_gen_clients(fl_gen_on_update(count_updates, &k, NULL,
                                                fl_gen_limit(3, rep(kw_a, 0)))),
                &c,
                "0 0 invoke a 0\n0 1 invoke a 0\n1 0 ok a 0\n1 1 ok a 0\n"
                "1 0 invoke a 0\n2 0 ok a 0\n");
    ASSERT_EQ(k.invokes, 3);
    ASSERT_EQ(k.oks, 3);
}

static void
test_gen_clients_nemesis_any(void)
{
    struct sim_case c = {.concurrency = 1, .latency = 10};
    struct fl_op t = fl_gen_template(FL_KW_START, fl_val_nil());

    t.time_ns = 5;
    check_sched(fl_gen_clients_nemesis(fl_gen_limit(2, rep(FL_KW_READ, 0)),
                                       fl_gen_once_op(&t)),
                &c,
                "0 0 invoke read 0\n"
                "5 n info start nil\n"
                "10 0 ok read 0\n"
                "10 0 invoke read 0\n"
                "15 n info start nil\n"
                "20 0 ok read 0\n");
}

static struct fl_gen *
at(uint32_t f, int64_t v, int64_t time_ns)
{
    struct fl_op t = fl_gen_template(f, fl_val_int(v));

    t.time_ns = time_ns;
    return fl_gen_once_op(&t);
}

static void
test_gen_shortest_any(void)
{
    struct sim_case c = {.concurrency = 4, .latency = 0};

    /* Ends as soon as the second generator is exhausted. */
    check_sched(fl_gen_clients(fl_gen_shortest_any(
                    (struct fl_gen *[]){fl_gen_delay(10, rep(FL_KW_READ, 0)),
                                        FL_GEN_SEQ(at(FL_KW_WRITE, 1, 15),
                                                   at(FL_KW_WRITE, 2, 25))},
                    2)),
                &c,
                "0 0 invoke read 0\n0 0 ok read 0\n"
                "10 1 invoke read 0\n10 1 ok read 0\n"
                "15 2 invoke write 1\n15 2 ok write 1\n"
                "20 3 invoke read 0\n20 3 ok read 0\n"
                "25 0 invoke write 2\n25 0 ok write 2\n");
    /* any keeps going until both are. */
    check_sched(fl_gen_clients(FL_GEN_ANY(
                    fl_gen_limit(2, fl_gen_delay(10, rep(FL_KW_READ, 0))),
                    at(FL_KW_WRITE, 1, 3))),
                &c,
                "0 0 invoke read 0\n0 0 ok read 0\n"
                "3 1 invoke write 1\n3 1 ok write 1\n"
                "10 2 invoke read 0\n10 2 ok read 0\n");
}

/* Expected times of a stagger: each gap drawn from the client stream. */
static void
test_gen_stagger_total_rate(void)
{
    struct fl_hist h;
    struct fl_err err = FL_ERR_INIT;
    struct fl_gen_sim_opts o;
    struct fl_rng rng, nem;
    int64_t dt = 10 * MS, t = 0;
    const int n = 2000;

    kws();
    memset(&o, 0, sizeof(o));
    o.concurrency = 10;
    o.latency_ns = 3 * MS;
    o.seed = 42;
    fl_hist_init(&h);
    struct fl_gen *g =
        fl_gen_clients(fl_gen_limit(n, fl_gen_stagger(dt, rep(kw_a, 1))));
    ASSERT_OK(fl_gen_simulate(g, &o, &h, &err));
    fl_gen_free(g);
    /* The simulator forks the nemesis stream off the client stream first. */
    fl_rng_seed(&rng, 42);
    fl_rng_fork(&rng, &nem);
    int k = 0;
    for (size_t i = 0; i < h.n; i++) {
        if (h.ops[i].type != FL_OP_INVOKE)
            continue;
        ASSERT_EQ(h.ops[i].time_ns, t);
        t += (int64_t)fl_rng_below(&rng, (uint64_t)(2 * dt));
        k++;
    }
    ASSERT_EQ(k, n);
    /* A total rate: n ops over about n * dt, whatever the concurrency. */
    double mean = (double)h.ops[h.n - 2].time_ns / (n - 1);
    ASSERT(mean > 0.95 * (double)dt && mean < 1.05 * (double)dt);
    fl_hist_release(&h);
}

static void
slow_first(void *arg, const struct fl_op *inv, struct fl_arena *a,
           struct fl_op *c)
{
    FL_UNUSED(arg);
    FL_UNUSED(a);
    c->time_ns = inv->time_ns + (inv->index == 0 ? 35 : 0);
}

static void
test_gen_delay_catches_up(void)
{
    struct sim_case c = {.concurrency = 1, .complete = slow_first};

    kws();
    check_sched(fl_gen_clients(fl_gen_limit(6, fl_gen_delay(10, rep(kw_a, 0)))),
                &c,
                "0 0 invoke a 0\n35 0 ok a 0\n"
                "35 0 invoke a 0\n35 0 ok a 0\n"
                "35 0 invoke a 0\n35 0 ok a 0\n"
                "35 0 invoke a 0\n35 0 ok a 0\n"
                "40 0 invoke a 0\n40 0 ok a 0\n"
                "50 0 invoke a 0\n50 0 ok a 0\n");
    /* Exactly dt apart in total across threads. */
    struct sim_case c4 = {.concurrency = 4, .latency = 25};
    check_sched(fl_gen_clients(fl_gen_limit(5, fl_gen_delay(10, rep(kw_a, 0)))),
                &c4,
                "0 0 invoke a 0\n10 1 invoke a 0\n20 2 invoke a 0\n"
                "25 0 ok a 0\n30 3 invoke a 0\n35 1 ok a 0\n"
                "40 0 invoke a 0\n45 2 ok a 0\n55 3 ok a 0\n65 0 ok a 0\n");
}

static void
test_gen_time_limit(void)
{
    struct sim_case c = {.concurrency = 1};

    kws();
    check_sched(
        fl_gen_clients(fl_gen_time_limit(25, fl_gen_delay(10, rep(kw_a, 0)))),
        &c,
        "0 0 invoke a 0\n0 0 ok a 0\n"
        "10 0 invoke a 0\n10 0 ok a 0\n"
        "20 0 invoke a 0\n20 0 ok a 0\n");
    /* The limit counts from the first op, not from time zero. */
    check_sched(fl_gen_clients(fl_gen_time_limit(
                    10, FL_GEN_SEQ(at(kw_a, 1, 100), at(kw_a, 2, 109),
                                   at(kw_a, 3, 110)))),
                &c,
                "100 0 invoke a 1\n100 0 ok a 1\n"
                "109 0 invoke a 2\n109 0 ok a 2\n");
}

/* Ops of one key for the etcd-shaped workload below. */
static struct fl_gen *
limit3_key_gen(void *arg, int64_t key)
{
    FL_UNUSED(arg);
    return fl_gen_limit(3, rep(kw_a, key));
}

/* The last client invocation in h, or -1. */
static int64_t
last_client_invoke(const struct fl_hist *h)
{
    int64_t t = -1;

    for (size_t i = 0; i < h->n; i++)
        if (h->ops[i].type == FL_OP_INVOKE &&
            h->ops[i].process != FL_PROC_NEMESIS)
            t = h->ops[i].time_ns;
    return t;
}

/*
 * The run's main generator with etcd's shape: independent keys under a
 * total rate, a fault every few seconds, all under one time limit. The
 * clients keep going to the limit even when their generator is pending
 * (a key's threads still busy, or every thread busy) at a moment when the
 * nemesis's next op lies beyond the cutoff: that op is not the end of
 * the workload, only of the nemesis.
 */
static void
test_gen_time_limit_waits_for_pending_clients(void)
{
    struct fl_gen_sim_opts o;
    struct fl_err err = FL_ERR_INIT;
    struct fl_hist h;

    kws();
    for (uint64_t seed = 1; seed <= 5; seed++) {
        struct fl_gen *nem = fl_gen_stagger(
            4000 * MS, fl_gen_flip_flop(rep(FL_KW_START, 0), rep(kw_b, 0)));
        struct fl_gen *cl = fl_gen_stagger(
            MS, fl_gen_independent(2, -1, limit3_key_gen, NULL, NULL));
        struct fl_gen *g =
            fl_gen_time_limit(20000 * MS, fl_gen_clients_nemesis(cl, nem));
        memset(&o, 0, sizeof(o));
        o.concurrency = 4;
        o.latency_ns = 5 * MS;
        o.seed = seed;
        fl_hist_init(&h);
        ASSERT_EQ(fl_gen_simulate(g, &o, &h, &err), 0);
        int64_t last = last_client_invoke(&h);
        if (last < 19900 * MS)
            fl_test_fail(__FILE__, __LINE__,
                         "seed %" PRIu64 ": clients ended at %.3f s of 20 s",
                         seed, (double)last / 1e9);
        fl_hist_release(&h);
        fl_gen_free(g);
    }
}

/* note-exhausted records when its generator ran out, and only then. */
static void
test_gen_note_exhausted(void)
{
    struct fl_hist h;
    struct fl_err err = FL_ERR_INIT;
    struct fl_gen_sim_opts o;
    int64_t at = -1, never = -1, third_a = -1;
    int na = 0;

    kws();
    memset(&o, 0, sizeof(o));
    o.concurrency = 1;
    o.latency_ns = 10;
    struct fl_gen *g = fl_gen_clients(fl_gen_time_limit(
        100,
        FL_GEN_ANY(
            fl_gen_note_exhausted(&at, fl_gen_limit(3, rep(kw_a, 0))),
            fl_gen_note_exhausted(&never, fl_gen_delay(40, rep(kw_b, 0))))));
    fl_hist_init(&h);
    ASSERT_OK(fl_gen_simulate(g, &o, &h, &err));
    for (size_t i = 0; i < h.n; i++)
        if (h.ops[i].type == FL_OP_INVOKE && h.ops[i].f == kw_a && ++na == 3)
            third_a = h.ops[i].time_ns;
    ASSERT_EQ(na, 3);
    /* a ran out right after its third op, before the time limit ... */
    ASSERT(at >= third_a && at <= third_a + 10);
    /* ... and b never did: the time limit ended the workload. */
    ASSERT_EQ(never, -1);
    fl_hist_release(&h);
    fl_gen_free(g);
}

static void
all_info(void *arg, const struct fl_op *inv, struct fl_arena *a,
         struct fl_op *c)
{
    FL_UNUSED(arg);
    FL_UNUSED(inv);
    FL_UNUSED(a);
    c->type = FL_OP_INFO;
}

static void
test_gen_each_process_and_process_limit(void)
{
    struct sim_case c = {
        .concurrency = 1, .latency = 10, .complete = info_first};

    kws();
    /* A crashed thread's new process starts a fresh copy. */
    check_sched(fl_gen_clients(fl_gen_each_process(fl_gen_once(rep(kw_a, 0)))),
                &c,
                "0 0 invoke a 0\n10 0 info a 0\n"
                "10 1 invoke a 0\n20 1 ok a 0\n");
    /* each-thread does not start over for the new process. */
    check_sched(fl_gen_clients(fl_gen_each_thread(fl_gen_once(rep(kw_a, 0)))),
                &c, "0 0 invoke a 0\n10 0 info a 0\n");
    struct sim_case ci = {
        .concurrency = 1, .latency = 10, .complete = all_info};
    check_sched(fl_gen_clients(fl_gen_process_limit(2, rep(kw_a, 0))), &ci,
                "0 0 invoke a 0\n10 0 info a 0\n"
                "10 1 invoke a 0\n20 1 info a 0\n");
}

static void
test_gen_each_thread(void)
{
    struct fl_hist h;
    struct fl_err err = FL_ERR_INIT;
    int per[3] = {0, 0, 0};

    kws();
    fl_hist_init(&h);
    struct fl_gen *g = fl_gen_clients(
        fl_gen_each_thread(FL_GEN_SEQ(fl_gen_invoke(kw_a, fl_val_int(1)),
                                      fl_gen_invoke(kw_b, fl_val_int(2)))));
    ASSERT_OK(fl_gen_perfect(g, 3, &h, &err));
    fl_gen_free(g);
    ASSERT_EQ(h.n, 12);
    for (size_t i = 0; i < h.n; i++) {
        const struct fl_op *op = &h.ops[i];
        if (op->type != FL_OP_INVOKE)
            continue;
        ASSERT(op->process >= 0 && op->process < 3);
        /* Each thread runs its own copy: a then b. */
        ASSERT_EQ(op->f, per[op->process] == 0 ? kw_a : kw_b);
        per[op->process]++;
    }
    ASSERT_EQ(per[0] + per[1] + per[2], 6);
    fl_hist_release(&h);
}

static void
test_gen_reserve(void)
{
    struct fl_hist h;
    struct fl_err err = FL_ERR_INIT;
    struct fl_gen_sim_opts o;
    int na = 0, nb = 0;

    kws();
    memset(&o, 0, sizeof(o));
    o.concurrency = 4;
    o.seed = 7;
    fl_hist_init(&h);
    int counts[] = {3};
    struct fl_gen *ga = rep(kw_a, 0);
    struct fl_gen *g = fl_gen_clients(
        fl_gen_limit(4000, fl_gen_reserve(counts, &ga, 1, rep(kw_b, 0))));
    ASSERT_OK(fl_gen_simulate(g, &o, &h, &err));
    fl_gen_free(g);
    for (size_t i = 0; i < h.n; i++) {
        const struct fl_op *op = &h.ops[i];
        if (op->type != FL_OP_INVOKE)
            continue;
        if (op->f == kw_a) {
            ASSERT(op->process % 4 < 3);
            na++;
        } else {
            ASSERT_EQ(op->process % 4, 3);
            nb++;
        }
    }
    /* Simultaneous ops are chosen in proportion to the ranges' sizes. */
    ASSERT_EQ(na + nb, 4000);
    ASSERT(na > 2850 && na < 3150);
    fl_hist_release(&h);
}

static void
test_gen_concurrency_limit(void)
{
    struct sim_case c = {.concurrency = 3, .latency = 10};

    kws();
    check_sched(fl_gen_clients(
                    fl_gen_concurrency_limit(1, fl_gen_limit(3, rep(kw_a, 0)))),
                &c,
                "0 0 invoke a 0\n10 0 ok a 0\n"
                "10 1 invoke a 0\n20 1 ok a 0\n"
                "20 2 invoke a 0\n30 2 ok a 0\n");
}

static void
by_process(void *arg, const struct fl_op *inv, struct fl_arena *a,
           struct fl_op *c)
{
    FL_UNUSED(arg);
    FL_UNUSED(a);
    c->time_ns = inv->time_ns + (inv->process == 1 ? 30 : 10);
}

static void
test_gen_synchronize_phases_then(void)
{
    struct sim_case c = {.concurrency = 2, .complete = by_process};
    const char *want = "0 0 invoke a 0\n0 1 invoke a 0\n"
                       "10 0 ok a 0\n10 0 invoke a 0\n20 0 ok a 0\n"
                       "30 1 ok a 0\n30 1 invoke b 0\n60 1 ok b 0\n";

    kws();
    check_sched(fl_gen_clients(FL_GEN_PHASES(fl_gen_limit(3, rep(kw_a, 0)),
                                             fl_gen_limit(1, rep(kw_b, 0)))),
                &c, want);
    check_sched(fl_gen_clients(fl_gen_then(fl_gen_limit(1, rep(kw_b, 0)),
                                           fl_gen_limit(3, rep(kw_a, 0)))),
                &c, want);
    /* Without the barrier, b starts as soon as a thread is free. */
    check_sched(fl_gen_clients(FL_GEN_SEQ(fl_gen_limit(3, rep(kw_a, 0)),
                                          fl_gen_limit(1, rep(kw_b, 0)))),
                &c,
                "0 0 invoke a 0\n0 1 invoke a 0\n"
                "10 0 ok a 0\n10 0 invoke a 0\n20 0 ok a 0\n"
                "20 0 invoke b 0\n30 0 ok b 0\n30 1 ok a 0\n");
}

static void
fail_two(void *arg, const struct fl_op *inv, struct fl_arena *a,
         struct fl_op *c)
{
    FL_UNUSED(arg);
    FL_UNUSED(a);
    if (inv->index == 0)
        c->type = FL_OP_FAIL;
    else if (inv->index == 2)
        c->type = FL_OP_INFO;
}

static void
test_gen_until_ok(void)
{
    struct sim_case c = {.concurrency = 1, .latency = 1, .complete = fail_two};

    kws();
    /* :fail and :info keep it going; the first :ok of its own ends it. */
    check_sched(fl_gen_clients(fl_gen_until_ok(rep(kw_a, 0))), &c,
                "0 0 invoke a 0\n1 0 fail a 0\n"
                "1 0 invoke a 0\n2 0 info a 0\n"
                "2 1 invoke a 0\n3 1 ok a 0\n");
}

static void
test_gen_flip_flop(void)
{
    struct sim_case c = {.concurrency = 1, .latency = 1};

    kws();
    check_sched(fl_gen_clients(fl_gen_flip_flop(rep(kw_a, 0),
                                                fl_gen_limit(2, rep(kw_b, 0)))),
                &c,
                "0 0 invoke a 0\n1 0 ok a 0\n1 0 invoke b 0\n2 0 ok b 0\n"
                "2 0 invoke a 0\n3 0 ok a 0\n3 0 invoke b 0\n4 0 ok b 0\n"
                "4 0 invoke a 0\n5 0 ok a 0\n");
}

static void
test_gen_cycle_times(void)
{
    struct sim_case c = {.concurrency = 1, .unit = MS};
    int64_t dts[] = {10 * MS, 20 * MS};

    kws();
    check_sched(
        fl_gen_clients(fl_gen_time_limit(
            60 * MS,
            fl_gen_delay(
                5 * MS,
                fl_gen_cycle_times(
                    dts, (struct fl_gen *[]){rep(kw_a, 0), rep(kw_b, 0)}, 2)))),
        &c,
        "0 0 invoke a 0\n0 0 ok a 0\n5 0 invoke a 0\n5 0 ok a 0\n"
        "10 0 invoke b 0\n10 0 ok b 0\n15 0 invoke b 0\n15 0 ok b 0\n"
        "20 0 invoke b 0\n20 0 ok b 0\n25 0 invoke b 0\n25 0 ok b 0\n"
        "30 0 invoke a 0\n30 0 ok a 0\n35 0 invoke a 0\n35 0 ok a 0\n"
        "40 0 invoke b 0\n40 0 ok b 0\n45 0 invoke b 0\n45 0 ok b 0\n"
        "50 0 invoke b 0\n50 0 ok b 0\n55 0 invoke b 0\n55 0 ok b 0\n");
}

static void
test_gen_sleep_log(void)
{
    struct sim_case c = {.concurrency = 1, .latency = 10};

    kws();
    /* Sleep and log occupy the thread but are not recorded. */
    check_sched(fl_gen_clients(FL_GEN_SEQ(fl_gen_invoke(kw_a, fl_val_int(1)),
                                          fl_gen_sleep(100), fl_gen_log("hi"),
                                          fl_gen_invoke(kw_b, fl_val_int(2)))),
                &c,
                "0 0 invoke a 1\n10 0 ok a 1\n"
                "110 0 invoke b 2\n120 0 ok b 2\n");
}

static void
test_gen_validate(void)
{
    struct fl_hist h;
    struct fl_err err = FL_ERR_INIT;

    kws();
    struct fl_op t = fl_gen_template(kw_a, fl_val_nil());
    t.process = 0;
    fl_hist_init(&h);
    struct fl_gen *g = fl_gen_clients(
        fl_gen_validate(FL_GEN_SEQ(fl_gen_once_op(&t), fl_gen_once_op(&t))));
    ASSERT(fl_gen_perfect(g, 2, &h, &err) < 0);
    ASSERT(strstr(err.msg, "not free") != NULL);
    ASSERT_EQ(h.n, 1);
    fl_gen_free(g);
    fl_hist_release(&h);
}

static struct fl_gen *
key_gen(void *arg, int64_t key)
{
    FL_UNUSED(arg);
    return fl_gen_limit(2, rep(FL_KW_WRITE, key * 10));
}

static void
test_gen_independent(void)
{
    struct fl_hist h;
    struct fl_err err = FL_ERR_INIT;
    int per_key[3] = {0, 0, 0}, group[3] = {-1, -1, -1};

    fl_hist_init(&h);
    struct fl_gen *g =
        fl_gen_clients(fl_gen_independent(2, 3, key_gen, NULL, NULL));
    ASSERT_OK(fl_gen_perfect(g, 4, &h, &err));
    fl_gen_free(g);
    ASSERT_EQ(h.n, 12);
    for (size_t i = 0; i < h.n; i++) {
        const struct fl_op *op = &h.ops[i];
        ASSERT_EQ(op->value.kind, FL_V_VEC);
        ASSERT_EQ(op->value.n, 2);
        int64_t k = op->value.u.items[0].u.i;
        ASSERT(k >= 0 && k < 3);
        ASSERT_EQ(op->value.u.items[1].u.i, k * 10);
        if (op->type != FL_OP_INVOKE)
            continue;
        per_key[k]++;
        int gr = (op->process % 4) / 2;
        if (group[k] < 0)
            group[k] = gr;
        ASSERT_EQ(group[k], gr); /* one group works on a key */
    }
    ASSERT_EQ(per_key[0], 2);
    ASSERT_EQ(per_key[1], 2);
    ASSERT_EQ(per_key[2], 2);
    ASSERT(group[0] != group[1]);
    fl_hist_release(&h);
}

struct keys_seen {
    const struct fl_hist *h;
    int times[3];
    size_t ops_then[3]; /* the key's ops in the history when told */
};

static void
note_key_done(void *arg, int64_t key)
{
    struct keys_seen *ks = arg;

    ASSERT(key >= 0 && key < 3);
    ks->times[key]++;
    for (size_t i = 0; i < ks->h->n; i++)
        if (ks->h->ops[i].value.u.items[0].u.i == key)
            ks->ops_then[key]++;
}

/* The independent generator says when a key is done: once, with all of
   its ops completed (online checking relies on it). */
static void
test_gen_independent_key_done(void)
{
    struct fl_hist h;
    struct fl_err err = FL_ERR_INIT;
    struct keys_seen ks = {.h = &h};
    struct fl_gen_sim_opts so = {.concurrency = 4,
                                 .latency_ns = 10,
                                 .key_done = note_key_done,
                                 .key_done_arg = &ks};

    fl_hist_init(&h);
    struct fl_gen *g =
        fl_gen_clients(fl_gen_independent(2, 3, key_gen, NULL, NULL));
    ASSERT_OK(fl_gen_simulate(g, &so, &h, &err));
    fl_gen_free(g);
    ASSERT_EQ(h.n, 12);
    for (int k = 0; k < 3; k++) {
        ASSERT_EQ(ks.times[k], 1);
        ASSERT_EQ(ks.ops_then[k], 4);
    }
    fl_hist_release(&h);
}

static struct fl_gen *
make_two(void *arg, const struct fl_gen_ctx *ctx)
{
    FL_UNUSED(arg);
    FL_UNUSED(ctx);
    return fl_gen_limit(2, rep(kw_a, 1));
}

static int
random_value(void *arg, const struct fl_gen_ctx *ctx, struct fl_op *t)
{
    int *left = arg;

    if (*left == 0)
        return FL_GEN_EXHAUSTED;
    t->f = kw_b;
    t->value = fl_val_int((int64_t)fl_rng_below(fl_gen_ctx_rng(ctx), 1000));
    return FL_GEN_OP;
}

static void
test_gen_fn_and_lazy(void)
{
    struct sim_case c = {.concurrency = 1, .latency = 1};

    kws();
    check_sched(
        fl_gen_clients(fl_gen_limit(3, fl_gen_lazy(make_two, NULL, NULL))), &c,
        "0 0 invoke a 1\n1 0 ok a 1\n1 0 invoke a 1\n2 0 ok a 1\n"
        "2 0 invoke a 1\n3 0 ok a 1\n");

    /*
     * Draws made for ops that were proposed but not used (the thread was
     * busy) are undone: the values are exactly the stream's first draws.
     */
    struct fl_hist h;
    struct fl_err err = FL_ERR_INIT;
    struct fl_gen_sim_opts o;
    struct fl_rng rng, nem;
    int left = 1;

    memset(&o, 0, sizeof(o));
    o.concurrency = 1;
    o.latency_ns = 5 * MS; /* forces pending asks between ops */
    o.seed = 99;
    fl_hist_init(&h);
    struct fl_gen *g =
        fl_gen_clients(fl_gen_limit(50, fl_gen_fn(random_value, &left, NULL)));
    ASSERT_OK(fl_gen_simulate(g, &o, &h, &err));
    fl_gen_free(g);
    fl_rng_seed(&rng, 99);
    fl_rng_fork(&rng, &nem);
    ASSERT_EQ(h.n, 100);
    for (size_t i = 0; i < h.n; i += 2)
        ASSERT_EQ(h.ops[i].value.u.i, (int64_t)fl_rng_below(&rng, 1000));
    fl_hist_release(&h);
    /* A function returning "exhausted" ends the stream. */
    left = 0;
    check_sched(fl_gen_fn(random_value, &left, NULL), &c, "");
}

static char *
run_mix(uint64_t seed, int *na)
{
    struct fl_hist h;
    struct fl_err err = FL_ERR_INIT;
    struct fl_gen_sim_opts o;

    memset(&o, 0, sizeof(o));
    o.concurrency = 3;
    o.latency_ns = 7;
    o.seed = seed;
    fl_hist_init(&h);
    struct fl_gen *g = fl_gen_clients(fl_gen_limit(
        1000, fl_gen_stagger(5, FL_GEN_MIX(rep(kw_a, 0), rep(kw_b, 0)))));
    ASSERT_OK(fl_gen_simulate(g, &o, &h, &err));
    fl_gen_free(g);
    *na = 0;
    for (size_t i = 0; i < h.n; i++)
        if (h.ops[i].type == FL_OP_INVOKE && h.ops[i].f == kw_a)
            (*na)++;
    char *s = sched(&h, 1);
    fl_hist_release(&h);
    return s;
}

static void
test_gen_mix_seeded(void)
{
    int na1, na2, na3;

    kws();
    char *s1 = run_mix(5, &na1), *s2 = run_mix(5, &na2), *s3 = run_mix(6, &na3);
    ASSERT_STR_EQ(s1, s2); /* same seed, same schedule */
    ASSERT(strcmp(s1, s3) != 0);
    ASSERT(na1 > 420 && na1 < 580);
    ASSERT(na3 > 420 && na3 < 580);
    free(s1);
    free(s2);
    free(s3);
    /* Exhausted generators drop out of the mix. */
    struct sim_case c = {.concurrency = 1, .latency = 1};
    check_sched(fl_gen_clients(FL_GEN_MIX(fl_gen_limit(2, rep(kw_a, 0)))), &c,
                "0 0 invoke a 0\n1 0 ok a 0\n1 0 invoke a 0\n2 0 ok a 0\n");
}

static void
test_gen_clone_independent(void)
{
    kws();
    struct fl_gen *g = fl_gen_clients(fl_gen_limit(2, rep(kw_a, 0)));
    struct fl_gen *c = fl_gen_clone(g);
    struct sim_case sc = {.concurrency = 1, .latency = 1};
    const char *two =
        "0 0 invoke a 0\n1 0 ok a 0\n1 0 invoke a 0\n2 0 ok a 0\n";

    check_sched(g, &sc, two);
    check_sched(c, &sc, two);
}

/* ---- describe, friendly-exceptions, trace, cache ---- */

static int
counting_fn(void *arg, const struct fl_gen_ctx *ctx, struct fl_op *t)
{
    int *calls = arg;

    FL_UNUSED(ctx);
    t->f = kw_a;
    t->value = fl_val_int(++*calls);
    return FL_GEN_OP;
}

static char *
describe(const struct fl_gen *g, int depth)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;

    fl_gen_describe(g, &sb, depth);
    return fl_strbuf_detach(&sb, NULL);
}

static void
test_gen_describe(void)
{
    int calls = 0;

    kws();
    struct fl_gen *g = fl_gen_clients(fl_gen_limit(
        100,
        fl_gen_stagger(MS, FL_GEN_MIX(rep(kw_a, 1),
                                      fl_gen_fn(counting_fn, &calls, NULL)))));
    char *d = describe(g, 10);
    ASSERT_STR_EQ(d, "(clients (limit 100 (stagger 1ms (mix (repeat {:f :a, "
                     ":value 1}) (fn)))))");
    free(d);
    d = describe(g, 2);
    ASSERT_STR_EQ(d, "(clients (limit 100 ...))");
    free(d);
    fl_gen_free(g);

    /* Long lists are cut after 10, as Jepsen's *print-length*. */
    struct fl_gen *gs[12];
    for (int i = 0; i < 12; i++)
        gs[i] = fl_gen_invoke(kw_b, fl_val_int(i));
    g = FL_GEN_ANY(fl_gen_seq(gs, 12), NULL, fl_gen_sleep(3 * MS),
                   fl_gen_time_limit(2000000000, fl_gen_then(NULL, NULL)));
    d = describe(g, 3);
    ASSERT_STR_EQ(d, "(any (seq {:f :b, :value 0} {:f :b, :value 1} {:f :b, "
                     ":value 2} {:f :b, :value 3} {:f :b, :value 4} {:f :b, "
                     ":value 5} {:f :b, :value 6} {:f :b, :value 7} {:f :b, "
                     ":value 8} {:f :b, :value 9} ...) (sleep 3000000) "
                     "(time-limit 2s (seq)))");
    free(d);
    fl_gen_free(g);
    d = describe(NULL, 1);
    ASSERT_STR_EQ(d, "nil");
    free(d);
}

/* An op pinned to process 0 twice: the second finds thread 0 busy. */
static struct fl_gen *
twice_on_p0(void)
{
    struct fl_op t = fl_gen_template(kw_a, fl_val_nil());

    t.process = 0;
    return fl_gen_validate(FL_GEN_SEQ(fl_gen_once_op(&t), fl_gen_once_op(&t)));
}

/* Fails (in ctx->err) on the second :ok it sees. */
static void
fail_on_ok(void *arg, struct fl_gen *inner, const struct fl_gen_ctx *ctx,
           const struct fl_op *event)
{
    int *oks = arg;

    if (event->type == FL_OP_OK && ++*oks == 2)
        fl_err_set(ctx->err, FL_EMODEL, "second ok");
    fl_gen_update(inner, ctx, event);
}

static void
test_gen_friendly_exceptions(void)
{
    struct fl_hist h;
    struct fl_err err = FL_ERR_INIT;
    struct sim_case c = {.concurrency = 2, .latency = 10};
    const char *ops = "0 0 invoke a 1\n0 1 invoke a 1\n"
                      "10 0 ok a 1\n10 1 ok a 1\n";

    kws();
    /* A failing op names the generator and the context. */
    fl_hist_init(&h);
    struct fl_gen *g =
        fl_gen_friendly_exceptions(fl_gen_clients(twice_on_p0()));
    ASSERT(fl_gen_perfect(g, 2, &h, &err) < 0);
    ASSERT_EQ(err.code, FL_EUSAGE);
    ASSERT_STR_EQ(err.msg,
                  "generator threw when asked for an op: invalid op from "
                  "generator: process's thread is not free (process 0, "
                  "time 0, f :a); generator (clients (validate (seq {:f :a, "
                  ":value nil, :process 0}))); context time 0 ns, 2 of 3 "
                  "threads free: 0=p0(busy) 1=p1 nemesis");
    ASSERT_EQ(h.n, 1);
    fl_gen_free(g);
    fl_hist_release(&h);

    /*
     * An update has no error channel: the failure it leaves in ctx->err
     * is reported, with the event, by the next op.
     */
    int oks = 0;
    fl_hist_init(&h);
    g = fl_gen_friendly_exceptions(
        fl_gen_clients(fl_gen_on_update(fail_on_ok, &oks, NULL, rep(kw_a, 7))));
    ASSERT(fl_gen_perfect(g, 1, &h, &err) < 0);
    ASSERT_EQ(err.code, FL_EMODEL);
    ASSERT_STR_EQ(err.msg, "generator threw when updated with ok p0 :a 7 "
                           "@20: second ok; generator (clients (on-update "
                           "(repeat {:f :a, :value 7}))); context time 20 "
                           "ns, 2 of 2 threads free: 0=p0 nemesis");
    ASSERT_EQ(h.n, 4);
    fl_gen_free(g);
    fl_hist_release(&h);

    /* A generator that does not fail runs exactly as without the wrapper. */
    check_sched(fl_gen_friendly_exceptions(
                    fl_gen_clients(fl_gen_limit(2, rep(kw_a, 1)))),
                &c, ops);
}

static void
collect_line(void *arg, const char *line)
{
    struct fl_strbuf *sb = arg;

    fl_strbuf_addf(sb, "%s\n", line);
}

static void
test_gen_trace(void)
{
    struct fl_strbuf lines = FL_STRBUF_INIT;
    struct sim_case c = {.concurrency = 1, .latency = 10};

    kws();
    /* The schedule is unchanged and every call is logged in order. */
    check_sched(fl_gen_clients(fl_gen_trace_to("w", collect_line, &lines, NULL,
                                               fl_gen_limit(2, rep(kw_a, 1)))),
                &c,
                "0 0 invoke a 1\n10 0 ok a 1\n"
                "10 0 invoke a 1\n20 0 ok a 1\n");
    ASSERT_STR_EQ(
        lines.buf,
        "w op [time 0 ns, 1 of 1 threads free: 0=p0] -> invoke p0 :a 1 @0\n"
        "w commit [time 0 ns, 1 of 1 threads free: 0=p0] invoke p0 :a 1 @0\n"
        "w update [time 0 ns, 0 of 1 threads free: 0=p0(busy)] invoke p0 :a "
        "1 @0\n"
        "w op [time 0 ns, 0 of 1 threads free: 0=p0(busy)] -> pending\n"
        "w update [time 10 ns, 1 of 1 threads free: 0=p0] ok p0 :a 1 @10\n"
        "w op [time 10 ns, 1 of 1 threads free: 0=p0] -> invoke p0 :a 1 @10\n"
        "w commit [time 10 ns, 1 of 1 threads free: 0=p0] invoke p0 :a 1 "
        "@10\n"
        "w update [time 10 ns, 0 of 1 threads free: 0=p0(busy)] invoke p0 "
        ":a 1 @10\n"
        "w op [time 10 ns, 0 of 1 threads free: 0=p0(busy)] -> exhausted\n"
        "w update [time 20 ns, 1 of 1 threads free: 0=p0] ok p0 :a 1 @20\n"
        "w op [time 20 ns, 1 of 1 threads free: 0=p0] -> exhausted\n");
    fl_strbuf_release(&lines);

    /* The default sink logs; a clone shares it. */
    struct fl_gen *g = fl_gen_trace("log", rep(kw_a, 1));
    struct fl_gen *g2 = fl_gen_clone(g);
    char *d = describe(g2, 4);
    ASSERT_STR_EQ(d, "(trace log (repeat {:f :a, :value 1}))");
    free(d);
    fl_gen_free(g);
    fl_gen_free(g2);
}

/* limit 3 of delay 100 ns of cache(period) of a counting function. */
static char *
cache_sched(int64_t period, int *calls)
{
    struct fl_hist h;
    struct fl_err err = FL_ERR_INIT;

    *calls = 0;
    fl_hist_init(&h);
    struct fl_gen *g = fl_gen_clients(fl_gen_limit(
        3, fl_gen_delay(100, fl_gen_cache(period, fl_gen_fn(counting_fn, calls,
                                                            NULL)))));
    ASSERT_OK(fl_gen_perfect(g, 2, &h, &err));
    fl_gen_free(g);
    char *s = sched(&h, 1);
    fl_hist_release(&h);
    return s;
}

static void
test_gen_cache(void)
{
    struct sim_case c = {.concurrency = 2, .latency = 10};
    int calls;

    kws();
    /*
     * Each op after the first is proposed at once with a time 100 ns on,
     * and asked for again when a completion comes in (t+10) and when its
     * time comes (t+100): without a cache, every ask calls the function.
     */
    char *s = cache_sched(0, &calls);
    ASSERT_STR_EQ(s, "0 0 invoke a 1\n10 0 ok a 1\n"
                     "100 1 invoke a 4\n110 1 ok a 4\n"
                     "200 0 invoke a 7\n210 0 ok a 7\n");
    ASSERT_EQ(calls, 7);
    free(s);
    /* Cached for longer than the delay: computed once, refreshed to the
     * process that is free and the time it is used. */
    s = cache_sched(1000, &calls);
    ASSERT_STR_EQ(s, "0 0 invoke a 1\n10 0 ok a 1\n"
                     "100 1 invoke a 2\n110 1 ok a 2\n"
                     "200 0 invoke a 3\n210 0 ok a 3\n");
    ASSERT_EQ(calls, 3);
    free(s);
    /* Cached for 50 ns: reused at t+10, computed again at t+100. */
    s = cache_sched(50, &calls);
    ASSERT_STR_EQ(s, "0 0 invoke a 1\n10 0 ok a 1\n"
                     "100 1 invoke a 3\n110 1 ok a 3\n"
                     "200 0 invoke a 5\n210 0 ok a 5\n");
    ASSERT_EQ(calls, 5);
    free(s);

    /* An op that expires unused is not lost, nor run twice. */
    for (int64_t period = 0; period <= 1000; period += 5) {
        check_sched(
            fl_gen_clients(fl_gen_delay(
                100,
                fl_gen_cache(period,
                             FL_GEN_SEQ(fl_gen_invoke(kw_a, fl_val_int(1)),
                                        fl_gen_invoke(kw_a, fl_val_int(2)),
                                        fl_gen_invoke(kw_b, fl_val_int(3)))))),
            &c,
            "0 0 invoke a 1\n10 0 ok a 1\n"
            "100 1 invoke a 2\n110 1 ok a 2\n"
            "200 0 invoke b 3\n210 0 ok b 3\n");
    }
    /*
     * A reused op goes to whichever process is free now, at the time it is
     * asked for; with no thread free the cache is pending.
     */
    struct fl_gen_threads th;
    struct fl_gen_ctx ctx;
    struct fl_rng rng;
    struct fl_op op;
    struct fl_gen *g = fl_gen_cache(1000, fl_gen_fn(counting_fn, &calls, NULL));
    calls = 0;
    memset(&ctx, 0, sizeof(ctx));
    fl_rng_seed(&rng, 1);
    ctx.rng = ctx.rng_nemesis = &rng;
    fl_gen_threads_init(&th, 1);
    fl_gen_threads_ctx(&th, 0, &ctx);
    ASSERT_EQ(fl_gen_op(g, &ctx, &op), FL_GEN_OP);
    ASSERT_EQ(op.process, 0);
    fl_gen_threads_busy(&th, 0);
    fl_gen_threads_busy(&th, 1);
    fl_gen_threads_ctx(&th, 5, &ctx);
    ASSERT_EQ(fl_gen_op(g, &ctx, &op), FL_GEN_PENDING);
    fl_gen_threads_free(&th, 1);
    fl_gen_threads_ctx(&th, 7, &ctx);
    ASSERT_EQ(fl_gen_op(g, &ctx, &op), FL_GEN_OP);
    ASSERT_EQ(op.process, FL_PROC_NEMESIS);
    ASSERT_EQ(op.time_ns, 7);
    ASSERT_EQ(op.value.u.i, 1);
    ASSERT_EQ(calls, 1);
    /* A clone (cycle, each-thread) carries the cached op with it. */
    struct fl_gen *g2 = fl_gen_clone(g);
    ASSERT_EQ(fl_gen_op(g2, &ctx, &op), FL_GEN_OP);
    ASSERT_EQ(op.value.u.i, 1);
    fl_gen_commit(g2, &ctx, &op);
    ASSERT_EQ(fl_gen_op(g2, &ctx, &op), FL_GEN_OP);
    ASSERT_EQ(op.value.u.i, 2);
    ASSERT_EQ(calls, 2);
    fl_gen_free(g2);
    char *d = describe(g, 3);
    ASSERT_STR_EQ(d, "(cache 1us (fn))");
    free(d);
    fl_gen_threads_release(&th);
    fl_gen_free(g);
}

static const struct fl_test_case gen_tests[] = {
    FL_TEST(test_gen_single_op),
    FL_TEST(test_gen_fair_and_completions_first),
    FL_TEST(test_gen_info_renumbers_process),
    FL_TEST(test_gen_seq_limit_once),
    FL_TEST(test_gen_repeat_and_cycle),
    FL_TEST(test_gen_map_f_map_filter),
    FL_TEST(test_gen_on_update),
    FL_TEST(test_gen_clients_nemesis_any),
    FL_TEST(test_gen_shortest_any),
    FL_TEST(test_gen_stagger_total_rate),
    FL_TEST(test_gen_delay_catches_up),
    FL_TEST(test_gen_time_limit),
    FL_TEST(test_gen_time_limit_waits_for_pending_clients),
    FL_TEST(test_gen_note_exhausted),
    FL_TEST(test_gen_each_process_and_process_limit),
    FL_TEST(test_gen_each_thread),
    FL_TEST(test_gen_reserve),
    FL_TEST(test_gen_concurrency_limit),
    FL_TEST(test_gen_synchronize_phases_then),
    FL_TEST(test_gen_until_ok),
    FL_TEST(test_gen_flip_flop),
    FL_TEST(test_gen_cycle_times),
    FL_TEST(test_gen_sleep_log),
    FL_TEST(test_gen_validate),
    FL_TEST(test_gen_independent),
    FL_TEST(test_gen_independent_key_done),
    FL_TEST(test_gen_fn_and_lazy),
    FL_TEST(test_gen_mix_seeded),
    FL_TEST(test_gen_clone_independent),
    FL_TEST(test_gen_describe),
    FL_TEST(test_gen_friendly_exceptions),
    FL_TEST(test_gen_trace),
    FL_TEST(test_gen_cache),
    FL_TEST_END,
};

FL_TEST_SUITE(gen, gen_tests)
