/* SPDX-License-Identifier: MIT */
/*
 * test_faults.c: the nemesis library's pure parts: grudges and every
 * topology's invariants for 1..9 nodes, the explicit grudge syntax and its
 * errors, target selection, --nemesis parsing, the combined package's
 * shape, and clock offset files.
 */
#include "util/common.h"

#include "tests/unit/test.h"

#include <sys/stat.h>
#include <unistd.h>

#include "control/remote.h"
#include "db/db.h"
#include "gen/gen.h"
#include "gen/sim.h"
#include "history/hist.h"
#include "nemesis/clock.h"
#include "nemesis/combined.h"
#include "nemesis/nemesis_int.h"
#include "nemesis/partition.h"
#include "os/os.h"
#include "util/arena.h"
#include "util/err.h"
#include "util/rng.h"
#include "util/strbuf.h"

static char *names[] = {"n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8", "n9"};

/* Nodes a TCP connection from i reaches (itself included). */
static size_t
sees(const struct fl_grudge *g, size_t i)
{
    size_t k = 0;

    for (size_t j = 0; j < g->n; j++)
        k += !fl_grudge_cut(g, i, j);
    return k;
}

/* Number of nodes cut off from everyone in comp with node 0's side, etc. */
static void
check_split(const struct fl_grudge *g, size_t want_small)
{
    size_t n = g->n, small = 0;

    /* A clean split: "cut" is an equivalence of two classes. */
    for (size_t i = 0; i < n; i++) {
        size_t s = sees(g, i);
        ASSERT(s == want_small || s == n - want_small);
        if (s == want_small)
            small++;
        for (size_t j = 0; j < n; j++)
            ASSERT_EQ(fl_grudge_drops(g, i, j), fl_grudge_drops(g, j, i));
    }
    if (want_small * 2 != n)
        ASSERT_EQ(small, want_small);
}

static void
test_faults_topologies(void)
{
    struct fl_rng rng;
    struct fl_err err = FL_ERR_INIT;

    fl_rng_seed(&rng, 7);
    for (size_t n = 2; n <= 9; n++) {
        struct fl_grudge g;

        ASSERT_OK(fl_grudge_topology(&g, n, "halves", &rng, NULL, 0, &err));
        check_split(&g, n / 2);
        /* halves is not random: the first half is cut off. */
        ASSERT_EQ(sees(&g, 0), n / 2);
        fl_grudge_release(&g);

        ASSERT_OK(
            fl_grudge_topology(&g, n, "random-halves", &rng, NULL, 0, &err));
        check_split(&g, n / 2);
        fl_grudge_release(&g);
        ASSERT_OK(fl_grudge_topology(&g, n, "majority", &rng, NULL, 0, &err));
        check_split(&g, n / 2);
        fl_grudge_release(&g);
        ASSERT_OK(fl_grudge_topology(&g, n, "one", &rng, NULL, 0, &err));
        check_split(&g, 1);
        ASSERT_EQ(fl_grudge_count(&g), 2 * (n - 1));
        fl_grudge_release(&g);

        ASSERT_OK(
            fl_grudge_topology(&g, n, "minority-third", &rng, NULL, 0, &err));
        ASSERT_EQ(fl_grudge_count(&g),
                  2 * ((n + 2) / 3 - 1) * (n - ((n + 2) / 3 - 1)));
        fl_grudge_release(&g);

        if (n >= 3) {
            ASSERT_OK(fl_grudge_topology(&g, n, "bridge", &rng, NULL, 0, &err));
            size_t bridges = 0;
            for (size_t i = 0; i < n; i++)
                if (sees(&g, i) == n)
                    bridges++;
            ASSERT_EQ(bridges, 1);
            ASSERT(fl_grudge_count(&g) > 0);
            fl_grudge_release(&g);

            /* Every node hears a majority; no two hear the same set. */
            ASSERT_OK(fl_grudge_topology(&g, n, "majorities-ring", &rng, NULL,
                                         0, &err));
            for (size_t i = 0; i < n; i++) {
                size_t hears = 0;
                for (size_t j = 0; j < n; j++)
                    hears += !fl_grudge_drops(&g, i, j);
                ASSERT(hears >= n / 2 + 1);
                ASSERT(hears < n);
                for (size_t k = i + 1; k < n; k++) {
                    bool same = true;
                    for (size_t j = 0; j < n; j++)
                        if (fl_grudge_drops(&g, i, j) !=
                            fl_grudge_drops(&g, k, j))
                            same = false;
                    ASSERT(!same);
                }
            }
            fl_grudge_release(&g);
        }
        {
            uint32_t prim[2] = {0, (uint32_t)n - 1};
            ASSERT_OK(
                fl_grudge_topology(&g, n, "primaries", &rng, prim, 2, &err));
            ASSERT_EQ(sees(&g, 0), 1);
            ASSERT_EQ(sees(&g, n - 1), 1);
            if (n > 3)
                ASSERT_EQ(sees(&g, 1), n - 2);
            fl_grudge_release(&g);
        }
    }
    {
        struct fl_grudge g;
        ASSERT_EQ(fl_grudge_topology(&g, 1, "one", &rng, NULL, 0, &err),
                  FL_EUSAGE);
        fl_grudge_release(&g);
        ASSERT_EQ(fl_grudge_topology(&g, 5, "sideways", &rng, NULL, 0, &err),
                  FL_EUSAGE);
        ASSERT(strstr(err.msg, "sideways"));
        fl_grudge_release(&g);
        ASSERT_EQ(fl_grudge_topology(&g, 5, "primaries", &rng, NULL, 0, &err),
                  FL_EUSAGE);
        fl_grudge_release(&g);
    }
    /* The same seed gives the same grudge. */
    {
        struct fl_grudge a, b;
        struct fl_rng r1, r2;
        fl_rng_seed(&r1, 99);
        fl_rng_seed(&r2, 99);
        ASSERT_OK(
            fl_grudge_topology(&a, 7, "majorities-ring", &r1, NULL, 0, &err));
        ASSERT_OK(
            fl_grudge_topology(&b, 7, "majorities-ring", &r2, NULL, 0, &err));
        ASSERT(memcmp(a.drop, b.drop, 49) == 0);
        fl_grudge_release(&a);
        fl_grudge_release(&b);
    }
}

static void
test_faults_grudge_parse(void)
{
    struct fl_grudge g;
    struct fl_err err = FL_ERR_INIT;
    struct fl_strbuf sb = FL_STRBUF_INIT;

    ASSERT_OK(fl_grudge_parse(&g, names, 5, "n1,n2|n3,n4,n5", &err));
    ASSERT_EQ(fl_grudge_count(&g), 12);
    ASSERT(fl_grudge_cut(&g, 0, 2) && !fl_grudge_cut(&g, 0, 1) &&
           !fl_grudge_cut(&g, 3, 4));
    fl_grudge_describe(&g, names, &sb);
    ASSERT_STR_EQ(sb.buf, "n1 drops n3,n4,n5; n2 drops n3,n4,n5; n3 drops "
                          "n1,n2; n4 drops n1,n2; n5 drops n1,n2");
    fl_grudge_release(&g);

    /* One-way, several clauses, spaces; nodes not named stay connected. */
    ASSERT_OK(fl_grudge_parse(&g, names, 5, "n1 > n2 ; n3|n4", &err));
    ASSERT(fl_grudge_drops(&g, 1, 0) && !fl_grudge_drops(&g, 0, 1));
    ASSERT(fl_grudge_drops(&g, 2, 3) && fl_grudge_drops(&g, 3, 2));
    ASSERT_EQ(fl_grudge_count(&g), 3);
    ASSERT_EQ(sees(&g, 4), 5);
    fl_grudge_release(&g);

    ASSERT_OK(fl_grudge_parse(&g, names, 3, "", &err));
    fl_strbuf_reset(&sb);
    fl_grudge_describe(&g, names, &sb);
    ASSERT_STR_EQ(sb.buf, "none");
    fl_grudge_release(&g);

    ASSERT_EQ(fl_grudge_parse(&g, names, 3, "n1|n9", &err), FL_EUSAGE);
    ASSERT(strstr(err.msg, "n9"));
    ASSERT_EQ(fl_grudge_parse(&g, names, 3, "n1,n2", &err), FL_EUSAGE);
    ASSERT_EQ(fl_grudge_parse(&g, names, 3, "n1>", &err), 0);
    fl_grudge_release(&g);
    ASSERT_EQ(fl_grudge_parse(&g, names, 3, "$(id)|n1", &err), FL_EUSAGE);
    fl_strbuf_release(&sb);
}

static void
test_faults_targets_and_package(void)
{
    struct fl_env env = {.name = "t", .nodes = names, .nnodes = 5};
    struct fl_rng rng;
    struct fl_err err = FL_ERR_INIT;
    bool mask[5];
    fl_val v;
    unsigned faults;
    struct fl_nemesis_package pkg;
    struct fl_nemesis_opts o = {0};
    uint32_t fs[32];

    fl_rng_seed(&rng, 3);
    v = fl_val_kw(fl_kw_intern_cstr("one"));
    ASSERT_EQ(fl_nem_targets(&env, &v, &rng, mask, &err), 1);
    v = fl_val_kw(fl_kw_intern_cstr("minority"));
    ASSERT_EQ(fl_nem_targets(&env, &v, &rng, mask, &err), 2);
    v = fl_val_kw(fl_kw_intern_cstr("majority"));
    ASSERT_EQ(fl_nem_targets(&env, &v, &rng, mask, &err), 3);
    v = fl_val_kw(fl_kw_intern_cstr("all"));
    ASSERT_EQ(fl_nem_targets(&env, &v, &rng, mask, &err), 5);
    v = fl_val_nil();
    for (int i = 0; i < 20; i++) {
        int k = fl_nem_targets(&env, &v, &rng, mask, &err);
        ASSERT(k >= 1 && k <= 5);
    }
    v = fl_val_kw(fl_kw_intern_cstr("primaries"));
    ASSERT(fl_nem_targets(&env, &v, &rng, mask, &err) < 0);
    v = fl_val_kw(fl_kw_intern_cstr("everyone"));
    ASSERT_EQ(fl_nem_targets(&env, &v, &rng, mask, &err), FL_EUSAGE);

    ASSERT_OK(fl_nemesis_faults_parse("partition,clock", &faults, &err));
    ASSERT_EQ(faults, FL_FAULT_PARTITION | FL_FAULT_CLOCK);
    ASSERT_OK(fl_nemesis_faults_parse("all", &faults, &err));
    ASSERT_EQ(faults, FL_FAULT_ALL);
    ASSERT_OK(fl_nemesis_faults_parse("none", &faults, &err));
    ASSERT_EQ(faults, 0);
    ASSERT_EQ(fl_nemesis_faults_parse("partition,flood", &faults, &err),
              FL_EUSAGE);
    ASSERT(strstr(err.msg, "flood"));

    /* With a DB that cannot be killed or paused, those faults drop out. */
    o.faults = FL_FAULT_ALL;
    o.db = &fl_db_noop;
    ASSERT_OK(fl_nemesis_combined(&o, &pkg, &err));
    ASSERT(pkg.nemesis && pkg.generator && pkg.final_generator);
    size_t nfs = fl_nemesis_fs(pkg.nemesis, fs, 32);
    ASSERT_EQ(nfs, 8); /* partition 2 + packet 2 + clock 4 */
    ASSERT(
        fl_nemesis_handles(pkg.nemesis, fl_kw_intern_cstr("start-partition")));
    ASSERT(!fl_nemesis_handles(pkg.nemesis, fl_kw_intern_cstr("kill")));
    ASSERT(pkg.nperf >= 5);
    fl_nemesis_package_release(&pkg);

    /* Partition topologies of one's choosing; an unknown one is named. */
    o.faults = FL_FAULT_PARTITION;
    o.partition_targets = "primaries,majority";
    ASSERT_OK(fl_nemesis_combined(&o, &pkg, &err));
    fl_nemesis_package_release(&pkg);
    o.partition_targets = "majority,nowhere";
    ASSERT_EQ(fl_nemesis_combined(&o, &pkg, &err), FL_EUSAGE);
    ASSERT(strstr(err.msg, "'nowhere'"));
    o.partition_targets = ",";
    ASSERT_EQ(fl_nemesis_combined(&o, &pkg, &err), FL_EUSAGE);
    o.partition_targets = NULL;

    o.faults = 0;
    ASSERT_OK(fl_nemesis_combined(&o, &pkg, &err));
    ASSERT(pkg.generator == NULL);
    fl_nemesis_package_release(&pkg);

    /* Two nemeses claiming the same :f are refused. */
    {
        struct fl_nemesis *parts[2] = {fl_nem_partition_new(),
                                       fl_nem_partition_new()};
        ASSERT(fl_nem_compose(parts, 2, &err) == NULL);
        ASSERT(strstr(err.msg, "start-partition"));
    }
}

static void
test_faults_clock_files(void)
{
    char dir[] = "/tmp/fl-clock-XXXXXX";
    struct fl_remote_opts o = {.backend = "dummy"};
    struct fl_err err = FL_ERR_INIT;
    struct fl_remote *r[2];
    int64_t off[2];
    char *path;
    struct fl_strbuf sb = FL_STRBUF_INIT;

    ASSERT(mkdtemp(dir) != NULL);
    r[0] = fl_remote_new("n1", &o, &err);
    r[1] = fl_remote_new("n2", &o, &err);
    ASSERT_OK(fl_clock_bump(r[0], dir, 5000000000LL, &err));
    ASSERT_OK(fl_clock_bump(r[0], dir, -2000000000LL, &err));
    ASSERT_OK(fl_clock_offsets(r, 2, dir, off, &err));
    ASSERT_EQ(off[0], 3000000000LL);
    ASSERT_EQ(off[1], 0);
    path = fl_clock_file(dir, "n1");
    ASSERT_OK(fl_strbuf_read_file(&sb, path));
    ASSERT_STR_EQ(sb.buf, "3000000000\n");
    /* A strobe that already ended reads as offset 0. */
    ASSERT_OK(fl_clock_strobe(r[1], dir, 1000000, 1000000, 0, &err));
    ASSERT_OK(fl_clock_offsets(r, 2, dir, off, &err));
    ASSERT_EQ(off[1], 0);
    ASSERT_OK(fl_clock_reset(r, 2, dir, &err));
    ASSERT_OK(fl_clock_offsets(r, 2, dir, off, &err));
    ASSERT_EQ(off[0], 0);
    unlink(path);
    free(path);
    path = fl_clock_file(dir, "n2");
    unlink(path);
    free(path);
    path = fl_xasprintf("%s/clock", dir);
    rmdir(path);
    free(path);
    rmdir(dir);
    fl_strbuf_release(&sb);
    fl_remote_free(r[0]);
    fl_remote_free(r[1]);
}

/* A DB that counts kills and starts per node. */
static int fake_killed[5], fake_starts[5];

static int
fake_kill(struct fl_db *db, const struct fl_env *env, size_t node,
          struct fl_err *err)
{
    FL_UNUSED(db);
    FL_UNUSED(env);
    FL_UNUSED(err);
    fake_killed[node]++;
    return 0;
}

static int
fake_start(struct fl_db *db, const struct fl_env *env, size_t node,
           struct fl_err *err)
{
    FL_UNUSED(db);
    FL_UNUSED(env);
    FL_UNUSED(err);
    fake_starts[node]++;
    return 0;
}

static const struct fl_db_type fake_db_type = {
    .name = "fake",
    .caps = FL_DB_CAP_KILL,
    .setup = fl_db_node_noop,
    .teardown = fl_db_node_noop,
    .kill = fake_kill,
    .start = fake_start,
    .pause = fl_db_unsupported,
    .resume = fl_db_unsupported,
    .setup_primary = fl_db_unsupported,
    .primaries = fl_db_primaries_unsupported,
    .log_files = fl_db_log_files_none,
};

static void
test_faults_kill_nemesis(void)
{
    struct fl_db db = {&fake_db_type, NULL};
    struct fl_env env = {
        .name = "t", .nodes = names, .nnodes = 5, .db = &db, .seed = 1};
    struct fl_nemesis *k = fl_nem_kill_new(), *p = fl_nem_pause_new();
    struct fl_err err = FL_ERR_INIT;
    struct fl_arena a;
    struct fl_op op = {0}, out;
    int killed = 0;

    fl_arena_init(&a, 4096);
    ASSERT_OK(fl_nemesis_setup(k, &env, &err));
    ASSERT(fl_nemesis_setup(p, &env, &err) != 0); /* no pause capability */
    op.f = fl_kw_intern_cstr("kill");
    op.value = fl_val_kw(fl_kw_intern_cstr("majority"));
    out = op;
    ASSERT_OK(fl_nemesis_invoke(k, &env, &op, &a, &out, &err));
    ASSERT_EQ(out.value.kind, FL_V_VEC);
    ASSERT_EQ(out.value.n, 3);
    for (int i = 0; i < 5; i++)
        killed += fake_killed[i];
    ASSERT_EQ(killed, 3);
    /* Teardown starts exactly the nodes still down. */
    ASSERT_OK(fl_nemesis_teardown(k, &env, &err));
    for (int i = 0; i < 5; i++)
        ASSERT_EQ(fake_starts[i], fake_killed[i]);
    /* :start :all after teardown starts nothing more. */
    op.f = FL_KW_START;
    op.value = fl_val_kw(fl_kw_intern_cstr("all"));
    out = op;
    ASSERT_OK(fl_nemesis_invoke(k, &env, &op, &a, &out, &err));
    ASSERT_EQ(out.value.n, 0);
    fl_nemesis_free(k);
    fl_nemesis_free(p);
    fl_arena_release(&a);
}

/*
 * A DB whose n2 is not healthy in time and whose n3 exits at restart; await
 * sees how many nodes are started.
 */
static int awaited_started[5];

static int
fake_await(struct fl_db *db, const struct fl_env *env, size_t node,
           struct fl_err *err)
{
    FL_UNUSED(db);
    FL_UNUSED(env);
    for (int i = 0; i < 5; i++)
        awaited_started[node] += fake_starts[i];
    if (node == 1)
        return fl_err_set(err, FL_ELIMIT, "n2: fake not healthy (no leader)");
    if (node == 2)
        return fl_err_set(err, FL_EREMOTE, "n3: fake exited while starting");
    return 0;
}

/*
 * :start waits for health once every target is started (a quorum can
 * form), and records :healthy {node bool}, plus a warning for a node whose
 * restart failed (not for one merely not healthy in time).
 */
static void
test_faults_kill_start_awaits(void)
{
    struct fl_db_type type = fake_db_type;
    struct fl_db db = {&type, NULL};
    struct fl_env env = {
        .name = "t", .nodes = names, .nnodes = 5, .db = &db, .seed = 1};
    struct fl_nemesis *k = fl_nem_kill_new();
    struct fl_err err = FL_ERR_INIT;
    struct fl_arena a;
    struct fl_op op = {0}, out;
    const fl_val *h, *w;

    type.await = fake_await;
    memset(fake_killed, 0, sizeof(fake_killed));
    memset(fake_starts, 0, sizeof(fake_starts));
    fl_arena_init(&a, 4096);
    ASSERT_OK(fl_nemesis_setup(k, &env, &err));
    op.f = fl_kw_intern_cstr("kill");
    op.value = fl_val_kw(fl_kw_intern_cstr("all"));
    out = op;
    ASSERT_OK(fl_nemesis_invoke(k, &env, &op, &a, &out, &err));
    ASSERT(fl_op_get(&out, fl_kw_intern_cstr("healthy")) == NULL);
    op.f = FL_KW_START;
    out = op;
    ASSERT_OK(fl_nemesis_invoke(k, &env, &op, &a, &out, &err));
    ASSERT_EQ(out.value.n, 5);
    for (int i = 0; i < 5; i++)
        ASSERT_EQ(awaited_started[i], 5); /* all started before any wait */
    h = fl_op_get(&out, fl_kw_intern_cstr("healthy"));
    ASSERT(h != NULL && h->kind == FL_V_MAP);
    ASSERT_EQ(h->n, 5);
    for (int i = 0; i < 5; i++) {
        fl_val key = fl_val_str(&a, names[i], strlen(names[i]));
        const fl_val *v = fl_val_map_get(h, &key);
        ASSERT(v != NULL && v->kind == FL_V_BOOL);
        ASSERT_EQ(v->u.b, i != 1 && i != 2);
    }
    w = fl_op_get(&out, fl_kw_intern_cstr("fault-warnings"));
    ASSERT(w != NULL && w->n == 1);
    ASSERT(memmem(w->u.items[0].u.s, w->u.items[0].n, "n3: fake exited", 15) !=
           NULL); /* n2 may need a quorum: no warning */
    fl_nemesis_free(k);
    fl_arena_release(&a);
}

/* --nemesis and --nemesis-targets into the package options. */
static void
test_faults_opts_env(void)
{
    struct fl_arena a;
    struct fl_env env = {0};
    struct fl_err err = FL_ERR_INIT;
    struct fl_nemesis_opts o = {.targets = "one"};
    fl_val kv[4], opts;

    fl_arena_init(&a, 4096);
    opts = fl_val_map(&a, kv, 0);
    env.options = &opts;
    ASSERT_OK(fl_nemesis_opts_env(&env, "kill,pause", &o, &err));
    ASSERT_EQ(o.faults, FL_FAULT_KILL | FL_FAULT_PAUSE);
    ASSERT_STR_EQ(o.targets, "one"); /* absent: left alone */
    kv[0] = fl_val_kw(fl_kw_intern_cstr("nemesis"));
    kv[1] = fl_val_str(&a, "partition", 9);
    kv[2] = fl_val_kw(fl_kw_intern_cstr("nemesis-targets"));
    kv[3] = fl_val_str(&a, "majority", 8);
    opts = fl_val_map(&a, kv, 2);
    ASSERT_OK(fl_nemesis_opts_env(&env, "kill", &o, &err));
    ASSERT_EQ(o.faults, FL_FAULT_PARTITION);
    ASSERT_STR_EQ(o.targets, "majority");
    kv[1] = fl_val_str(&a, "partition,explode", 17);
    opts = fl_val_map(&a, kv, 2);
    ASSERT_EQ(fl_nemesis_opts_env(&env, "kill", &o, &err), FL_EUSAGE);
    ASSERT(strstr(err.msg, "--nemesis: ") == err.msg);
    ASSERT(strstr(err.msg, "explode") != NULL);
    fl_arena_release(&a);
}

static void
test_faults_package_schedule(void)
{
    struct fl_db db = {&fake_db_type, NULL};
    struct fl_nemesis_opts o = {.faults = FL_FAULT_PARTITION | FL_FAULT_KILL,
                                .interval_ns = 1000000000LL,
                                .db = &db};
    struct fl_nemesis_package pkg;
    struct fl_err err = FL_ERR_INIT;
    struct fl_hist h;
    struct fl_gen *g;
    struct fl_gen_sim_opts so = {
        .concurrency = 2, .seed = 5, .latency_ns = 1000000};
    uint32_t sp = fl_kw_intern_cstr("start-partition"),
             stp = fl_kw_intern_cstr("stop-partition"),
             kill = fl_kw_intern_cstr("kill");
    size_t inv = 0, nsp = 0, nstp = 0, nkill = 0, nstart = 0;
    uint32_t last_part = 0;

    ASSERT_OK(fl_nemesis_combined(&o, &pkg, &err));
    g = fl_gen_nemesis(fl_gen_time_limit(20000000000LL, pkg.generator));
    pkg.generator = NULL;
    fl_hist_init(&h);
    ASSERT_OK(fl_gen_simulate(g, &so, &h, &err));
    for (size_t i = 0; i < h.n; i++) {
        const struct fl_op *op = &h.ops[i];
        ASSERT_EQ(op->process, FL_PROC_NEMESIS);
        /* Nemesis ops are :info at both ends; one thread, so they pair up
         * in order: count the invocations, the even ones. */
        if (i % 2 != 0)
            continue;
        inv++;
        if (op->f == sp || op->f == stp) {
            /* Each fault's stream alternates start and stop. */
            ASSERT(op->f != last_part);
            last_part = op->f;
            nsp += op->f == sp;
            nstp += op->f == stp;
        }
        nkill += op->f == kill;
        nstart += op->f == FL_KW_START;
    }
    /* Two faults, one op per ~1 s each, for 20 s. */
    ASSERT(inv >= 20 && inv <= 60);
    ASSERT(nsp >= 5 && nstp >= 5 && nkill >= 5 && nstart >= 5);
    fl_gen_free(g);
    fl_hist_release(&h);

    /* The final generator heals every fault, once. */
    fl_hist_init(&h);
    g = fl_gen_nemesis(pkg.final_generator);
    pkg.final_generator = NULL;
    ASSERT_OK(fl_gen_simulate(g, &so, &h, &err));
    ASSERT_EQ(h.n, 4);
    ASSERT_EQ(h.ops[0].f, stp);
    ASSERT_EQ(h.ops[2].f, FL_KW_START);
    fl_gen_free(g);
    fl_hist_release(&h);
    fl_nemesis_package_release(&pkg);
}

/* :fault-warnings of nemesis completions end up in the results, prefixed. */
static void
test_faults_warnings_merge(void)
{
    struct fl_hist h;
    struct fl_arena a;
    struct fl_op op = {.process = FL_PROC_NEMESIS,
                       .pair = -1,
                       .type = FL_OP_INFO,
                       .time_ns = -1};
    fl_val res, kv[2], m;
    const fl_val *w;
    size_t count = 9;

    fl_hist_init(&h);
    fl_arena_init(&a, 4096);
    kv[0] = fl_val_kw(FL_KW_VALID);
    kv[1] = fl_val_bool(true);
    res = fl_val_map(&a, kv, 1);
    op.f = fl_kw_intern_cstr("kill");
    op.index = 3;
    fl_hist_append(&h, &op);
    m = fl_nem_fault_warnings_merge(&h, &a, &res, &count);
    ASSERT_EQ(count, 0);
    ASSERT(fl_val_map_get_kw(&m, fl_kw_intern_cstr("fault-warnings")) == NULL);
    fl_nem__warn(&op, &h.arena, "n1: process 7 is running");
    fl_nem__warn(&op, &h.arena, "n2: process 8 is running");
    op.index = 4;
    fl_hist_append(&h, &op);
    m = fl_nem_fault_warnings_merge(&h, &a, &res, &count);
    ASSERT_EQ(count, 2);
    w = fl_val_map_get_kw(&m, fl_kw_intern_cstr("fault-warnings"));
    ASSERT(w && w->kind == FL_V_VEC && w->n == 2);
    ASSERT_STR_EQ(w->u.items[0].u.s, "op 4 :kill: n1: process 7 is running");
    ASSERT_STR_EQ(w->u.items[1].u.s, "op 4 :kill: n2: process 8 is running");
    ASSERT(fl_val_map_get_kw(&m, FL_KW_VALID) != NULL);
    fl_arena_release(&a);
    fl_hist_release(&h);
}

static const struct fl_test_case faults_tests[] = {
    FL_TEST(test_faults_package_schedule),
    FL_TEST(test_faults_warnings_merge),
    FL_TEST(test_faults_kill_nemesis),
    FL_TEST(test_faults_kill_start_awaits),
    FL_TEST(test_faults_opts_env),
    FL_TEST(test_faults_topologies),
    FL_TEST(test_faults_grudge_parse),
    FL_TEST(test_faults_targets_and_package),
    FL_TEST(test_faults_clock_files),
    FL_TEST_END,
};

FL_TEST_SUITE(faults, faults_tests);
