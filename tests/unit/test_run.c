/* SPDX-License-Identifier: MIT */
/*
 * test_run.c: the interpreter and workers with real threads and fake
 * clients: every op is journaled and paired, :info renumbers processes, a
 * hung client op times out as :info while the run goes on, client errors
 * become :info with the message, a failed open becomes :fail [:no-client].
 */
#include "util/common.h"

#include "tests/unit/test.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <unistd.h>

#include "gen/gen.h"
#include "history/hist.h"
#include "run/interpreter.h"
#include "run/run_int.h"
#include "util/err.h"

struct fake {
    int mode; /* what invoke does */
    atomic_int invokes;
    atomic_int opens, closes;
    atomic_int hang_release; /* set to let hung invokes return */
    atomic_int inflight, max_inflight;
};

enum {
    FAKE_OK,
    FAKE_HANG_FIRST,
    FAKE_ERROR_ODD,
    FAKE_OPEN_FAILS,
    FAKE_MIXED,
    FAKE_SLOW,
    FAKE_SLEEP
};

static int
fake_open(struct fl_client *c, const struct fl_env *env, struct fl_err *err)
{
    struct fake *f = c->shared;

    FL_UNUSED(env);
    atomic_fetch_add(&f->opens, 1);
    if (f->mode == FAKE_OPEN_FAILS)
        return fl_err_set(err, -ECONNREFUSED, "connection refused");
    return 0;
}

static int
fake_invoke(struct fl_client *c, const struct fl_env *env,
            const struct fl_op *op, struct fl_arena *a, struct fl_op *out,
            struct fl_err *err)
{
    struct fake *f = c->shared;
    int n = atomic_fetch_add(&f->invokes, 1);

    FL_UNUSED(env);
    FL_UNUSED(a);
    if (f->mode == FAKE_HANG_FIRST && n == 0) {
        while (!atomic_load(&f->hang_release))
            usleep(1000);
    }
    if (f->mode == FAKE_ERROR_ODD && op->value.u.i % 2 == 1)
        return fl_err_set(err, -EIO, "socket closed");
    if (f->mode == FAKE_SLOW || f->mode == FAKE_SLEEP) {
        int now = atomic_fetch_add(&f->inflight, 1) + 1;
        int max = atomic_load(&f->max_inflight);
        while (now > max &&
               !atomic_compare_exchange_weak(&f->max_inflight, &max, now))
            ;
        if (f->mode == FAKE_SLEEP)
            usleep(20000);
        /* FAKE_SLOW blocks until every thread's op is in a call (or 5 s). */
        for (int i = 0; f->mode == FAKE_SLOW && i < 5000 &&
                        atomic_load(&f->max_inflight) < 200;
             i++)
            usleep(1000);
        atomic_fetch_sub(&f->inflight, 1);
    }
    if (f->mode == FAKE_MIXED && op->value.u.i % 7 == 0)
        usleep(200);
    else if (f->mode == FAKE_MIXED && op->value.u.i % 5 == 0)
        sched_yield();
    out->type = FL_OP_OK;
    return 0;
}

static void
fake_close(struct fl_client *c, const struct fl_env *env)
{
    struct fake *f = c->shared;

    FL_UNUSED(env);
    atomic_fetch_add(&f->closes, 1);
}

static const struct fl_client_type fake_type = {
    .name = "fake",
    .reusable = false,
    .open = fake_open,
    .invoke = fake_invoke,
    .close = fake_close,
};

struct run_env {
    struct fl_env env;
    char *nodes[2];
    struct fl_hist hist;
    struct fl_client_seed seed;
    struct fake fake;
};

static void
env_init(struct run_env *r, int mode)
{
    memset(r, 0, sizeof(*r));
    r->nodes[0] = "n1";
    r->nodes[1] = "n2";
    r->env.nodes = r->nodes;
    r->env.nnodes = 2;
    r->env.clock = fl_clock_real();
    r->env.origin_ns = fl_clock_now_ns(fl_clock_real());
    fl_hist_init(&r->hist);
    r->fake.mode = mode;
    r->seed.type = &fake_type;
    r->seed.shared = &r->fake;
}

static struct fl_interp *
start(struct run_env *r, int concurrency, int64_t timeout_ns)
{
    struct fl_interp_opts o;
    struct fl_err err = FL_ERR_INIT;

    memset(&o, 0, sizeof(o));
    o.env = &r->env;
    o.concurrency = concurrency;
    o.client = &r->seed;
    o.op_timeout_ns = timeout_ns;
    o.seed = 1;
    o.hist = &r->hist;
    struct fl_interp *in = fl_interp_new(&o, &err);
    ASSERT(in != NULL);
    return in;
}

static struct fl_gen *
counter_gen(int n)
{
    /* n writes with values 0..n-1 */
    struct fl_gen **gs = fl_xcalloc((size_t)n, sizeof(*gs));
    for (int i = 0; i < n; i++)
        gs[i] = fl_gen_invoke(FL_KW_WRITE, fl_val_int(i));
    struct fl_gen *g = fl_gen_clients(fl_gen_seq(gs, (size_t)n));
    free(gs);
    return g;
}

static void
test_interp_runs_all_ops(void)
{
    struct run_env r;
    struct fl_err err = FL_ERR_INIT;
    struct fl_interp_stats st;

    env_init(&r, FAKE_OK);
    struct fl_interp *in = start(&r, 5, 0);
    struct fl_gen *g = counter_gen(1000);
    ASSERT_EQ(fl_interp_run(in, g, &err), FL_INTERP_DONE);
    fl_interp_get_stats(in, &st);
    ASSERT_EQ(st.invokes, 1000);
    ASSERT_EQ(st.ok, 1000);
    ASSERT_EQ(r.hist.n, 2000);
    ASSERT_OK(fl_hist_pair(&r.hist, NULL, NULL, &err));
    for (size_t i = 0; i < r.hist.n; i++) {
        ASSERT_EQ(r.hist.ops[i].index, (int64_t)i);
        ASSERT(r.hist.ops[i].process >= 0 && r.hist.ops[i].process < 5);
        if (i)
            ASSERT(r.hist.ops[i].time_ns >= r.hist.ops[i - 1].time_ns);
    }
    /* Reusable is false but no process changed: one open per thread. */
    fl_interp_free(in, 0);
    ASSERT_EQ(atomic_load(&r.fake.opens), 5);
    ASSERT_EQ(atomic_load(&r.fake.closes), 5);
    fl_gen_free(g);
    fl_hist_release(&r.hist);
}

static void
test_interp_timeout_abandons_worker(void)
{
    struct run_env r;
    struct fl_err err = FL_ERR_INIT;
    struct fl_interp_stats st;

    env_init(&r, FAKE_HANG_FIRST);
    struct fl_interp *in = start(&r, 2, 50 * FL_NS_PER_MS);
    /* 20 ops 5 ms apart: the run goes on well past the timeout. */
    struct fl_gen *g = fl_gen_delay(5 * FL_NS_PER_MS, counter_gen(20));
    int64_t t0 = fl_clock_now_ns(fl_clock_real());
    ASSERT_EQ(fl_interp_run(in, g, &err), FL_INTERP_DONE);
    int64_t took = fl_clock_now_ns(fl_clock_real()) - t0;
    ASSERT(took < 2 * FL_NS_PER_S);
    fl_interp_get_stats(in, &st);
    ASSERT_EQ(st.timeouts, 1);
    ASSERT_EQ(st.info, 1);
    ASSERT_EQ(st.ok, 19);
    ASSERT_EQ(fl_interp_abandoned(in), 1);
    /* The timed-out op is :info with :error "timeout", and its thread
     * went on as process t + 2. */
    bool saw_timeout = false, saw_p2 = false;
    for (size_t i = 0; i < r.hist.n; i++) {
        const struct fl_op *op = &r.hist.ops[i];
        if (op->type == FL_OP_INFO) {
            const fl_val *e = fl_op_error(op);
            ASSERT(e && e->kind == FL_V_STR && strcmp(e->u.s, "timeout") == 0);
            saw_timeout = true;
        }
        if (op->process >= 2)
            saw_p2 = true;
    }
    ASSERT(saw_timeout);
    ASSERT(saw_p2);
    ASSERT_OK(fl_hist_pair(&r.hist, NULL, NULL, &err));
    atomic_store(&r.fake.hang_release, 1);
    ASSERT_EQ(fl_interp_free(in, FL_NS_PER_S), 0);
    fl_gen_free(g);
    fl_hist_release(&r.hist);
}

static void
test_interp_errors_become_info(void)
{
    struct run_env r;
    struct fl_err err = FL_ERR_INIT;
    struct fl_interp_stats st;

    env_init(&r, FAKE_ERROR_ODD);
    struct fl_interp *in = start(&r, 3, 0);
    struct fl_gen *g = counter_gen(10);
    ASSERT_EQ(fl_interp_run(in, g, &err), FL_INTERP_DONE);
    fl_interp_get_stats(in, &st);
    ASSERT_EQ(st.info, 5);
    ASSERT_EQ(st.ok, 5);
    for (size_t i = 0; i < r.hist.n; i++) {
        const struct fl_op *op = &r.hist.ops[i];
        if (op->type != FL_OP_INFO)
            continue;
        const fl_val *e = fl_op_error(op);
        ASSERT(e && e->kind == FL_V_STR);
        ASSERT_STR_EQ(e->u.s, "indeterminate: socket closed");
    }
    fl_interp_free(in, 0);
    /* Not reusable: every new process opened a new client. */
    ASSERT(atomic_load(&r.fake.opens) > 3);
    fl_gen_free(g);
    fl_hist_release(&r.hist);

    env_init(&r, FAKE_OPEN_FAILS);
    in = start(&r, 2, 0);
    g = counter_gen(4);
    ASSERT_EQ(fl_interp_run(in, g, &err), FL_INTERP_DONE);
    fl_interp_get_stats(in, &st);
    ASSERT_EQ(st.fail, 4);
    size_t k = 0;
    while (k < r.hist.n && r.hist.ops[k].type != FL_OP_FAIL)
        k++;
    ASSERT(k < r.hist.n);
    const fl_val *e = fl_op_error(&r.hist.ops[k]);
    ASSERT(e && e->kind == FL_V_VEC && e->n == 2);
    ASSERT_STR_EQ(fl_kw_name(e->u.items[0].u.id), "no-client");
    fl_interp_free(in, 0);
    fl_gen_free(g);
    fl_hist_release(&r.hist);
}

static void
test_interp_nemesis_and_stop(void)
{
    struct run_env r;
    struct fl_err err = FL_ERR_INIT;
    volatile sig_atomic_t stop = 0;
    struct fl_interp_opts o;

    env_init(&r, FAKE_OK);
    memset(&o, 0, sizeof(o));
    o.env = &r.env;
    o.concurrency = 2;
    o.client = &r.seed;
    o.hist = &r.hist;
    o.stop = &stop;
    struct fl_interp *in = fl_interp_new(&o, &err);
    ASSERT(in != NULL);
    /* An endless workload plus nemesis ops every 5 ms; stop after 100 ms. */
    struct fl_gen *g = fl_gen_clients_nemesis(
        fl_gen_delay(
            FL_NS_PER_MS / 10,
            fl_gen_repeat(-1, fl_gen_invoke(FL_KW_READ, fl_val_nil()))),
        fl_gen_delay(
            5 * FL_NS_PER_MS,
            fl_gen_repeat(-1, fl_gen_invoke(FL_KW_START, fl_val_nil()))));
    int64_t t0 = fl_clock_now_ns(fl_clock_real());
    /* Run in two slices: a time-limited one, then one that is stopped (as
     * the SIGINT handler would) before it starts. */
    struct fl_gen *lim = fl_gen_time_limit(100 * FL_NS_PER_MS, g);
    ASSERT_EQ(fl_interp_run(in, lim, &err), FL_INTERP_DONE);
    ASSERT(fl_clock_now_ns(fl_clock_real()) - t0 < FL_NS_PER_S);
    size_t nem = 0;
    for (size_t i = 0; i < r.hist.n; i++)
        if (r.hist.ops[i].process == FL_PROC_NEMESIS) {
            ASSERT_EQ(r.hist.ops[i].type, FL_OP_INFO);
            nem++;
        }
    ASSERT(nem >= 20 && nem % 2 == 0);
    ASSERT_OK(fl_hist_pair(&r.hist, NULL, NULL, &err));
    stop = 1;
    struct fl_gen *more = fl_gen_clients(
        fl_gen_repeat(-1, fl_gen_invoke(FL_KW_READ, fl_val_nil())));
    ASSERT_EQ(fl_interp_run(in, more, &err), FL_INTERP_STOPPED);
    fl_interp_free(in, 0);
    fl_gen_free(lim);
    fl_gen_free(more);
    fl_hist_release(&r.hist);
}

/* Every value 0..n-1 was invoked once and completed :ok once. */
static void
assert_each_once(const struct fl_hist *h, int n)
{
    unsigned char *inv = fl_xcalloc((size_t)n, 1),
                  *ok = fl_xcalloc((size_t)n, 1);

    for (size_t i = 0; i < h->n; i++) {
        const struct fl_op *op = &h->ops[i];
        ASSERT(op->value.kind == FL_V_INT);
        ASSERT(op->value.u.i >= 0 && op->value.u.i < n);
        if (op->type == FL_OP_INVOKE)
            inv[op->value.u.i]++;
        else if (op->type == FL_OP_OK)
            ok[op->value.u.i]++;
        else
            ASSERT(!"unexpected completion type");
    }
    for (int v = 0; v < n; v++) {
        ASSERT_EQ(inv[v], 1);
        ASSERT_EQ(ok[v], 1);
    }
    free(inv);
    free(ok);
}

/*
 * Run g (n writes of 0..n-1) with the mixed fake client at concurrency
 * c: every value must be invoked once and completed :ok once.
 */
static void
run_mixed(int c, struct fl_gen *g, int n)
{
    struct run_env r;
    struct fl_interp_stats st;
    struct fl_err err = FL_ERR_INIT;

    env_init(&r, FAKE_MIXED);
    struct fl_interp *in = start(&r, c, 10 * FL_NS_PER_S);
    ASSERT_EQ(fl_interp_run(in, g, &err), FL_INTERP_DONE);
    fl_interp_get_stats(in, &st);
    ASSERT_EQ(st.ok, (uint64_t)n);
    ASSERT_EQ(st.timeouts, 0);
    ASSERT_OK(fl_hist_pair(&r.hist, NULL, NULL, &err));
    assert_each_once(&r.hist, n);
    ASSERT_EQ(fl_interp_free(in, 0), 0);
    fl_gen_free(g);
    fl_hist_release(&r.hist);
}

/*
 * The hand-off under stress: fast, yielding and sleeping ops mixed over
 * many threads, then phases that switch between back-to-back ops and
 * ops milliseconds apart, so workers move between waiting actively,
 * sleeping, being woken by the scheduler and being woken by each other.
 * A lost wake hangs the run (and the test's timeout catches it).
 */
static void
test_interp_handoff_stress(void)
{
    static const int conc[] = {1, 3, 64, 300};
    int n = 6000;

    for (size_t k = 0; k < FL_ARRAY_SIZE(conc); k++) {
        struct fl_gen *parts[3];
        struct fl_gen **gs = fl_xcalloc((size_t)n, sizeof(*gs));
        for (int i = 0; i < n; i++)
            gs[i] = fl_gen_invoke(FL_KW_WRITE, fl_val_int(i));
        parts[0] = fl_gen_seq(gs, 2500);
        parts[1] = fl_gen_delay(FL_NS_PER_MS, fl_gen_seq(gs + 2500, 40));
        parts[2] = fl_gen_seq(gs + 2540, (size_t)n - 2540);
        free(gs);
        run_mixed(conc[k], fl_gen_clients(fl_gen_seq(parts, 3)), n);
    }
}

/*
 * Pool threads that stall between copying a queued op and taking it
 * (fl_run__test_pop_yield): meanwhile other threads take and finish ops,
 * and the scheduler reuses ring entries. A thread must then fail its CAS
 * and look again, never run an op it copied from a reused entry (that
 * runs a worker's op twice, or one op on two threads). Taking before
 * copying fails here at once: "thread 1 is already free".
 */
static void
test_interp_ring_reuse_while_taking(void)
{
    static const int conc[] = {2, 8, 64};

    atomic_store(&fl_run__test_pop_yield, true);
    for (size_t k = 0; k < FL_ARRAY_SIZE(conc); k++)
        run_mixed(conc[k], counter_gen(6000), 6000);
    atomic_store(&fl_run__test_pop_yield, false);
}

/*
 * Calls that block with 200 client threads, each until all 200 are
 * inside a call at once (or 5 s pass): the pool starts 64 threads and
 * must grow until every thread's op runs, as with a thread per client.
 */
static void
test_interp_pool_grows_for_blocking_calls(void)
{
    struct run_env r;
    struct fl_err err = FL_ERR_INIT;
    struct fl_interp_stats st;

    env_init(&r, FAKE_SLOW);
    struct fl_interp *in = start(&r, 200, 10 * FL_NS_PER_S);
    struct fl_gen *g = counter_gen(400);
    int64_t t0 = fl_clock_now_ns(fl_clock_real());
    ASSERT_EQ(fl_interp_run(in, g, &err), FL_INTERP_DONE);
    int64_t took = fl_clock_now_ns(fl_clock_real()) - t0;
    fl_interp_get_stats(in, &st);
    ASSERT_EQ(st.ok, 400);
    ASSERT_EQ(atomic_load(&r.fake.max_inflight), 200);
    ASSERT(took < 4 * FL_NS_PER_S);
    ASSERT(st.pool_threads >= 200 && st.pool_threads <= 202);
    ASSERT_EQ(fl_interp_free(in, 0), 0);
    fl_gen_free(g);
    fl_hist_release(&r.hist);
}

/*
 * Steady blocking calls (20 ms each, a slow network round trip), one
 * started every 50 us by 200 threads: some call is always fresh, and
 * still the pool must grow past its first 64 threads until about every
 * thread has its op in a call, as with a thread per client.
 */
static void
test_interp_pool_grows_under_steady_load(void)
{
    struct run_env r;
    struct fl_err err = FL_ERR_INIT;
    struct fl_interp_stats st;

    env_init(&r, FAKE_SLEEP);
    struct fl_interp *in = start(&r, 200, 10 * FL_NS_PER_S);
    struct fl_gen *g = fl_gen_delay(50 * FL_NS_PER_US, counter_gen(2000));
    ASSERT_EQ(fl_interp_run(in, g, &err), FL_INTERP_DONE);
    fl_interp_get_stats(in, &st);
    ASSERT_EQ(st.ok, 2000);
    ASSERT(atomic_load(&r.fake.max_inflight) >= 150);
    ASSERT(st.pool_threads > 150 && st.pool_threads <= 202);
    ASSERT_EQ(fl_interp_free(in, 0), 0);
    fl_gen_free(g);
    fl_hist_release(&r.hist);
}

struct stopper {
    volatile sig_atomic_t *stop;
    int levels_seen[3];
};

static void *
stopper_main(void *arg)
{
    struct stopper *s = arg;

    usleep(100 * 1000);
    __atomic_store_n(s->stop, 1, __ATOMIC_RELAXED);
    usleep(300 * 1000);
    __atomic_store_n(s->stop, 2, __ATOMIC_RELAXED);
    return NULL;
}

static void
count_stop(void *arg, int level, int outstanding)
{
    struct stopper *s = arg;

    FL_UNUSED(outstanding);
    if (level >= 1 && level <= 2)
        s->levels_seen[level]++;
}

/*
 * An interrupt while a client op hangs (on a fault): the first (stop
 * level 1) is reported at once and switches to the healing generator,
 * which runs while the op still hangs; the second (abandon level 2) ends
 * the hung op at once as :info "interrupted", and the run returns.
 */
static void
test_interp_interrupt_heals_then_abandons(void)
{
    struct run_env r;
    struct fl_err err = FL_ERR_INIT;
    volatile sig_atomic_t stop = 0;
    struct stopper st = {.stop = &stop};
    struct fl_interp_opts o;
    pthread_t tid;

    env_init(&r, FAKE_HANG_FIRST);
    memset(&o, 0, sizeof(o));
    o.env = &r.env;
    o.concurrency = 2;
    o.client = &r.seed;
    o.hist = &r.hist;
    o.stop = &stop;
    o.stop_level = 1;
    o.abandon_level = 2;
    o.on_stop = count_stop;
    o.on_stop_arg = &st;
    struct fl_interp *in = fl_interp_new(&o, &err);
    ASSERT(in != NULL);
    uint32_t heal_f = fl_kw_intern_cstr("heal");
    struct fl_gen *heal = fl_gen_nemesis(fl_gen_invoke(heal_f, fl_val_nil()));
    struct fl_gen *g = fl_gen_clients(fl_gen_delay(
        FL_NS_PER_MS,
        fl_gen_repeat(-1, fl_gen_invoke(FL_KW_READ, fl_val_nil()))));
    fl_interp_set_heal(in, heal);
    ASSERT_EQ(pthread_create(&tid, NULL, stopper_main, &st), 0);
    int64_t t0 = fl_clock_now_ns(fl_clock_real());
    ASSERT_EQ(fl_interp_run(in, g, &err), FL_INTERP_STOPPED);
    int64_t took = fl_clock_now_ns(fl_clock_real()) - t0;
    pthread_join(tid, NULL);
    ASSERT(took < 2 * FL_NS_PER_S);
    ASSERT(fl_interp_healed(in));
    ASSERT_EQ(st.levels_seen[1], 1);
    ASSERT_EQ(st.levels_seen[2], 1);
    /* The heal completed before the hung op was given up. */
    int64_t healed_at = -1, given_up_at = -1;
    for (size_t i = 0; i < r.hist.n; i++) {
        const struct fl_op *op = &r.hist.ops[i];
        if (op->process == FL_PROC_NEMESIS && op->f == heal_f)
            healed_at = (int64_t)i; /* the last: its completion */
        const fl_val *e = fl_op_error(op);
        if (op->type == FL_OP_INFO && op->process != FL_PROC_NEMESIS && e &&
            e->kind == FL_V_STR && strcmp(e->u.s, "interrupted") == 0) {
            ASSERT_EQ(given_up_at, -1); /* only the hung op */
            given_up_at = (int64_t)i;
        }
    }
    ASSERT(healed_at >= 0);
    ASSERT(given_up_at > healed_at);
    ASSERT_OK(fl_hist_pair(&r.hist, NULL, NULL, &err));
    atomic_store(&r.fake.hang_release, 1);
    ASSERT_EQ(fl_interp_free(in, FL_NS_PER_S), 0);
    fl_gen_free(g);
    fl_gen_free(heal);
    fl_hist_release(&r.hist);
}

static const struct fl_test_case run_tests[] = {
    FL_TEST_T(test_interp_pool_grows_under_steady_load, 60),
    FL_TEST_T(test_interp_pool_grows_for_blocking_calls, 60),
    FL_TEST_T(test_interp_handoff_stress, 120),
    FL_TEST_T(test_interp_ring_reuse_while_taking, 120),
    FL_TEST(test_interp_runs_all_ops),
    FL_TEST(test_interp_timeout_abandons_worker),
    FL_TEST(test_interp_errors_become_info),
    FL_TEST(test_interp_nemesis_and_stop),
    FL_TEST(test_interp_interrupt_heals_then_abandons),
    FL_TEST_END,
};

FL_TEST_SUITE(interp, run_tests)
