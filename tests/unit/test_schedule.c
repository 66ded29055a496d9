/* SPDX-License-Identifier: MIT */
/*
 * test_schedule.c: schedule.edn (run/schedule.h): what the writer records
 * reads back, a partition's recorded grudge becomes the replay's target,
 * malformed lines are errors naming file and line, and the replay
 * generator, run in simulated time, gives every thread its recorded ops
 * in order and no earlier than their offsets.
 */
#include "test.h"

#include <unistd.h>

#include "gen/sim.h"
#include "history/edn.h"
#include "run/schedule.h"
#include "run/test.h"
#include "util/err.h"
#include "util/strbuf.h"

static struct fl_op
op_at(int64_t at, int32_t process, uint32_t f, fl_val v, uint8_t type)
{
    struct fl_op op = fl_gen_template(f, v);

    op.time_ns = at;
    op.process = process;
    op.type = type;
    return op;
}

/* A schedule of two threads and one partition, written to dir. */
static void
write_schedule(const char *dir, struct fl_arena *a)
{
    struct fl_test t;
    struct fl_err err = FL_ERR_INIT;
    uint32_t start = fl_kw_intern_cstr("start-partition");
    struct fl_schedule_writer *w;

    fl_test_init(&t);
    fl_test_set_name(&t, "unit");
    t.seed = 99;
    t.concurrency = 2;
    w = fl_schedule_writer_open(dir, &t, &err);
    ASSERT(w != NULL);
    for (int i = 0; i < 6; i++) {
        struct fl_op op =
            op_at(1000 * i, i % 2, FL_KW_WRITE, fl_val_int(i), FL_OP_INVOKE);
        fl_schedule_writer_record(w, FL_SCHEDULE_WORKLOAD, i % 2, false, &op);
        op.type = FL_OP_OK; /* completions of clients are not recorded */
        fl_schedule_writer_record(w, FL_SCHEDULE_WORKLOAD, i % 2, true, &op);
    }
    struct fl_op nem = op_at(2500, FL_PROC_NEMESIS, start,
                             fl_val_kw(fl_kw_intern_cstr("one")), FL_OP_INFO);
    fl_schedule_writer_record(w, FL_SCHEDULE_WORKLOAD, FL_SCHEDULE_NEMESIS,
                              false, &nem);
    fl_val g;
    const char *grudge = "[:isolated {\"n1\" [\"n2\" \"n3\"], \"n2\" [\"n1\"], "
                         "\"n3\" [\"n1\"]}]";
    ASSERT_OK(fl_edn_parse_value(a, grudge, strlen(grudge), "g", &g, &err));
    nem.value = g;
    nem.time_ns = 2600;
    fl_schedule_writer_record(w, FL_SCHEDULE_WORKLOAD, FL_SCHEDULE_NEMESIS,
                              true, &nem);
    /* A kill of :majority that killed n1 and n3 replays as [n1 n3]. */
    nem = op_at(3500, FL_PROC_NEMESIS, fl_kw_intern_cstr("kill"),
                fl_val_kw(fl_kw_intern_cstr("majority")), FL_OP_INFO);
    fl_schedule_writer_record(w, FL_SCHEDULE_WORKLOAD, FL_SCHEDULE_NEMESIS,
                              false, &nem);
    const char *killed = "[\"n1\" \"n3\"]";
    ASSERT_OK(fl_edn_parse_value(a, killed, strlen(killed), "k", &g, &err));
    nem.value = g;
    nem.time_ns = 3600;
    fl_schedule_writer_record(w, FL_SCHEDULE_WORKLOAD, FL_SCHEDULE_NEMESIS,
                              true, &nem);
    ASSERT_OK(fl_schedule_writer_close(w, &err));
    fl_test_release(&t);
}

static void
test_schedule_roundtrip(void)
{
    char dir[] = "/tmp/fl-sched-XXXXXX";
    struct fl_err err = FL_ERR_INIT;
    struct fl_arena a;
    struct fl_schedule *s;

    ASSERT(mkdtemp(dir) != NULL);
    fl_arena_init(&a, 0);
    write_schedule(dir, &a);
    ASSERT_OK(fl_schedule_load(dir, &s, &err));
    ASSERT_U64_EQ(s->seed, 99);
    ASSERT_EQ(s->concurrency, 2);
    ASSERT_EQ(s->n, 10); /* 6 invocations, 2 faults and their completions */
    ASSERT_EQ(fl_schedule_count(s, FL_SCHEDULE_WORKLOAD, false), 6);
    ASSERT_EQ(fl_schedule_count(s, FL_SCHEDULE_WORKLOAD, true), 2);
    ASSERT_EQ(s->e[3].thread, 1);
    ASSERT_EQ(s->e[3].at_ns, 3000);
    ASSERT_EQ(s->e[3].value.u.i, 3);
    ASSERT_EQ(s->e[6].thread, FL_SCHEDULE_NEMESIS);
    ASSERT(!s->e[6].complete && s->e[7].complete);
    /* The replay asks for the grudge the completion recorded. */
    ASSERT_EQ(s->e[6].replay_value.kind, FL_V_STR);
    ASSERT_STR_EQ(s->e[6].replay_value.u.s, "n2,n3>n1;n1>n2;n1>n3");
    ASSERT(fl_val_is_kw(&s->e[6].value, fl_kw_intern_cstr("one")));
    ASSERT_EQ(s->e[8].replay_value.kind, FL_V_VEC);
    ASSERT_EQ(s->e[8].replay_value.n, 2);
    ASSERT_STR_EQ(s->e[8].replay_value.u.items[1].u.s, "n3");
    fl_schedule_free(s);
    char *p = fl_xasprintf("%s/schedule.edn", dir);
    unlink(p);
    free(p);
    rmdir(dir);
    fl_arena_release(&a);
}

/* Load text as dir/schedule.edn; the error message, or NULL. */
static char *
load_error(const char *text)
{
    char dir[] = "/tmp/fl-sched-XXXXXX";
    struct fl_err err = FL_ERR_INIT;
    struct fl_schedule *s = NULL;
    char *path, *msg = NULL;
    FILE *f;

    ASSERT(mkdtemp(dir) != NULL);
    path = fl_xasprintf("%s/schedule.edn", dir);
    if (text) {
        f = fopen(path, "w");
        ASSERT(f != NULL);
        fputs(text, f);
        fclose(f);
    }
    if (fl_schedule_load(dir, &s, &err) < 0) {
        /* the path varies: keep what follows it */
        const char *m = strstr(err.msg, "schedule.edn");
        msg = fl_xstrdup(m ? m : err.msg);
    }
    fl_schedule_free(s);
    unlink(path);
    rmdir(dir);
    free(path);
    return msg;
}

#define HEADER "{:schedule 1, :seed 1, :concurrency 2}\n"

static void
test_schedule_errors(void)
{
    static const struct {
        const char *text, *want;
    } cases[] = {
        {NULL, "schedule.edn: No such file or directory"},
        {"", "schedule.edn: empty (no header)"},
        {"{:seed 1}\n", "schedule.edn:1: not a schedule"},
        {"{:schedule 2, :seed 1, :concurrency 2}\n",
         "schedule.edn:1: schedule version 2"},
        {"{:schedule 1, :seed 1}\n", "schedule.edn:1: the header needs"},
        {HEADER "\n{:phase :workload, :at -1, :thread 0, :process 0, "
                ":event :invoke, :f :read}\n",
         "schedule.edn:3: :at must be"},
        {HEADER "{:phase :later, :at 1}\n", "schedule.edn:2: :phase must be"},
        {HEADER "{:phase :final, :at 1, :thread 0, :event :invoke, :f :r}\n",
         "schedule.edn:2: :thread must be"},
        {HEADER "{:phase :final, :at 1, :thread :nemesis, :event :x, :f :r}\n",
         "schedule.edn:2: :event must be"},
        {HEADER "{:phase :final, :at 1, :thread :nemesis, :event :invoke}\n",
         "schedule.edn:2: :f must be"},
        {HEADER "{:phase :final, :at 1\n", "schedule.edn:2:"},
        {HEADER "[1 2]\n", "schedule.edn:2: an entry must be a map"},
    };

    for (size_t i = 0; i < FL_ARRAY_SIZE(cases); i++) {
        char *msg = load_error(cases[i].text);
        if (!msg || strncmp(msg, cases[i].want, strlen(cases[i].want)) != 0)
            fl_test_fail(__FILE__, __LINE__,
                         "case %zu: got \"%s\", want \"%s\"", i,
                         msg ? msg : "(no error)", cases[i].want);
        free(msg);
    }
}

/* The replay in simulated time: streams per thread and offsets kept. */
static void
replay_on(const struct fl_schedule *s, int concurrency, struct fl_hist *h)
{
    struct fl_err err = FL_ERR_INIT;
    struct fl_gen *g = fl_schedule_gen(s, FL_SCHEDULE_WORKLOAD, concurrency);
    struct fl_gen_sim_opts o = {
        .concurrency = concurrency, .seed = 1, .latency_ns = 1500};

    fl_hist_init(h);
    ASSERT_OK(fl_gen_simulate(g, &o, h, &err));
    fl_gen_free(g);
}

static void
test_schedule_replay_gen(void)
{
    char dir[] = "/tmp/fl-sched-XXXXXX";
    struct fl_err err = FL_ERR_INIT;
    struct fl_arena a;
    struct fl_schedule *s;
    struct fl_hist h;
    int64_t expect[2] = {0, 1}; /* next value per thread */

    ASSERT(mkdtemp(dir) != NULL);
    fl_arena_init(&a, 0);
    write_schedule(dir, &a);
    ASSERT_OK(fl_schedule_load(dir, &s, &err));
    replay_on(s, 2, &h);
    int n = 0, nem = 0;
    for (size_t i = 0; i < h.n; i++) {
        const struct fl_op *op = &h.ops[i];
        if (op->process == FL_PROC_NEMESIS) {
            nem += op->type == FL_OP_INFO && op->value.kind == FL_V_STR;
            continue;
        }
        if (op->type != FL_OP_INVOKE)
            continue;
        int t = op->process % 2;
        ASSERT_EQ(op->value.u.i, expect[t]);
        expect[t] += 2;
        /* no earlier than recorded; 1.5 us latency delays thread ops */
        ASSERT(op->time_ns >= 1000 * op->value.u.i);
        n++;
    }
    ASSERT_EQ(n, 6);
    ASSERT(nem >= 1);
    fl_hist_release(&h);
    /* One thread: both recorded threads' ops, merged in time order. */
    replay_on(s, 1, &h);
    int64_t next = 0;
    for (size_t i = 0; i < h.n; i++)
        if (h.ops[i].type == FL_OP_INVOKE && h.ops[i].process >= 0)
            ASSERT_EQ(h.ops[i].value.u.i, next++);
    ASSERT_EQ(next, 6);
    fl_hist_release(&h);
    fl_schedule_free(s);
    char *p = fl_xasprintf("%s/schedule.edn", dir);
    unlink(p);
    free(p);
    rmdir(dir);
    fl_arena_release(&a);
}

/*
 * A seed past INT64_MAX reads back (an EDN bigint in the header), and the
 * same file as a fault schedule (--nemesis-schedule) gives the nemesis
 * its recorded faults, no earlier than recorded, and the clients nothing.
 */
static void
test_schedule_faults(void)
{
    char dir[] = "/tmp/fl-sched-XXXXXX";
    struct fl_err err = FL_ERR_INIT;
    struct fl_schedule_writer *w;
    struct fl_schedule *s;
    struct fl_test t;
    struct fl_hist h;

    ASSERT(mkdtemp(dir) != NULL);
    fl_test_init(&t);
    t.seed = UINT64_MAX - 58;
    t.concurrency = 2;
    w = fl_schedule_writer_open(dir, &t, &err);
    ASSERT(w != NULL);
    struct fl_op op = op_at(10, 0, FL_KW_READ, fl_val_nil(), FL_OP_INVOKE);
    fl_schedule_writer_record(w, FL_SCHEDULE_WORKLOAD, 0, false, &op);
    op = op_at(5000, FL_PROC_NEMESIS, fl_kw_intern_cstr("start-partition"),
               fl_val_str(&t.arena, "n1|n2", 5), FL_OP_INFO);
    fl_schedule_writer_record(w, FL_SCHEDULE_WORKLOAD, FL_SCHEDULE_NEMESIS,
                              false, &op);
    ASSERT_OK(fl_schedule_writer_close(w, &err));
    fl_test_release(&t);
    ASSERT_OK(fl_schedule_load(dir, &s, &err));
    ASSERT_U64_EQ(s->seed, UINT64_MAX - 58);
    fl_schedule_free(s);

    char *p = fl_xasprintf("%s/schedule.edn", dir);
    ASSERT_OK(fl_schedule_load_faults(p, &s, &err));
    struct fl_gen *g = fl_schedule_fault_gen(s, 2);
    struct fl_gen_sim_opts o = {.concurrency = 2, .seed = 1, .latency_ns = 1};
    fl_hist_init(&h);
    ASSERT_OK(fl_gen_simulate(g, &o, &h, &err));
    fl_gen_free(g);
    int nem = 0;
    for (size_t i = 0; i < h.n; i++) {
        ASSERT_EQ(h.ops[i].process, FL_PROC_NEMESIS);
        if (nem++ == 0)
            ASSERT(h.ops[i].time_ns >= 5000);
    }
    ASSERT_EQ(nem, 2); /* the fault and its completion */
    fl_hist_release(&h);
    fl_schedule_free(s);
    unlink(p);
    free(p);
    rmdir(dir);
}

static const struct fl_test_case schedule_tests[] = {
    FL_TEST(test_schedule_roundtrip),
    FL_TEST(test_schedule_errors),
    FL_TEST(test_schedule_replay_gen),
    FL_TEST(test_schedule_faults),
    FL_TEST_END,
};

FL_TEST_SUITE(schedule, schedule_tests)
