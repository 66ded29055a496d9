/* SPDX-License-Identifier: MIT */
/*
 * bench_linear.c: timing and memory of the linearizability checker. It
 * checks the whole Knossos corpus (load time excluded), then generated
 * histories of simulated cas-registers (each op takes effect at a random
 * instant inside its interval, so the histories are linearizable and the
 * search must prove it): many independent keys, and single keys with 5-20
 * processes and crashed ops. Prints one line per case with wall time, the
 * search's own peak bytes and the process's peak RSS.
 *
 *   build/bench/bench_linear [--quick] [--ops N] [--keys K] [--procs C]
 *                            [--crash FRACTION] [--threads T] [--seed S]
 *                            [--corrupt]   (last :ok read made invalid)
 *   build/bench/bench_linear --crashed-writes K [--corrupt] [--seed S]
 *
 * --crashed-writes is the search's exponential case: K writes of distinct
 * values on one register, all invoked at once and never completed, while
 * one process reads K/2 of the values (in random order) one after the
 * other; with --corrupt the last read sees again a value read before with
 * another in between, which no linearization allows. 20 s time limit.
 */
#include "util/common.h"

#include "checker/linear/linear.h"
#include "history/edn.h"
#include "history/hist.h"
#include "util/arena.h"
#include "util/err.h"
#include "util/rng.h"
#include "util/strbuf.h"

#include <sys/resource.h>
#include <time.h>

static int64_t
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static double
cpu_ms(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3 +
           ru.ru_stime.tv_sec * 1e3 + ru.ru_stime.tv_usec / 1e3;
}

static long
peak_rss_mb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024;
}

struct sim_op {
    int32_t inv; /* history position of the invocation */
    int key;
    uint32_t f;
    int64_t a, b; /* write value / cas old new */
    int64_t res;  /* read result */
    bool applied;
};

/*
 * nops ops on nkeys cas-registers (initial value 0) by nprocs processes;
 * a fraction crash of them complete :info (the process is then replaced).
 */
static void
generate(struct fl_hist *h, size_t nops, int nkeys, int nprocs, double crash,
         bool independent, uint64_t seed)
{
    struct fl_rng r;
    int64_t *reg = fl_xcalloc(nkeys, sizeof(*reg));
    struct sim_op *open = fl_xcalloc(nprocs, sizeof(*open));
    int32_t *proc = fl_xmalloc(nprocs * sizeof(*proc));
    bool *busy = fl_xcalloc(nprocs, sizeof(*busy));
    size_t started = 0, done = 0;
    int32_t next_proc = nprocs;
    uint64_t crash_below = (uint64_t)(crash * 1e6);
    fl_rng_seed(&r, seed);
    for (int p = 0; p < nprocs; p++)
        proc[p] = p;
    while (done < nops) {
        int p = (int)fl_rng_below(&r, nprocs);
        struct sim_op *o = &open[p];
        struct fl_op op;
        memset(&op, 0, sizeof(op));
        op.index = (int64_t)h->n;
        op.time_ns = (int64_t)h->n * 1000;
        op.pair = -1;
        op.process = proc[p];
        if (!busy[p]) {
            if (started >= nops)
                continue;
            started++;
            busy[p] = true;
            memset(o, 0, sizeof(*o));
            o->key = (int)fl_rng_below(&r, nkeys);
            uint64_t c = fl_rng_below(&r, 10);
            o->f = c < 5 ? FL_KW_READ : c < 8 ? FL_KW_WRITE : FL_KW_CAS;
            o->a = (int64_t)fl_rng_below(&r, 5);
            o->b = (int64_t)fl_rng_below(&r, 5);
            op.type = FL_OP_INVOKE;
        } else if (!o->applied && fl_rng_below(&r, 2)) {
            /* the linearization point */
            o->applied = true;
            int64_t *v = &reg[o->key];
            if (o->f == FL_KW_READ)
                o->res = *v;
            else if (o->f == FL_KW_WRITE)
                *v = o->a;
            else if (*v == o->a)
                *v = o->b;
            else
                o->res = -1; /* cas failed */
            continue;
        } else {
            if (!o->applied)
                continue;
            busy[p] = false;
            done++;
            bool crashed = fl_rng_below(&r, 1000000) < crash_below;
            op.type = crashed                             ? FL_OP_INFO
                      : o->res == -1 && o->f == FL_KW_CAS ? FL_OP_FAIL
                                                          : FL_OP_OK;
            if (crashed)
                proc[p] = next_proc++;
        }
        op.f = o->f;
        fl_val v = fl_val_nil();
        if (o->f == FL_KW_WRITE) {
            v = fl_val_int(o->a);
        } else if (o->f == FL_KW_CAS) {
            fl_val ab[2] = {fl_val_int(o->a), fl_val_int(o->b)};
            v = fl_val_coll(&h->arena, FL_V_VEC, ab, 2);
        } else if (op.type == FL_OP_OK) {
            v = fl_val_int(o->res);
        }
        if (independent) {
            fl_val kv[2] = {fl_val_int(o->key), v};
            v = fl_val_coll(&h->arena, FL_V_VEC, kv, 2);
        }
        op.value = v;
        fl_hist_append(h, &op);
    }
    free(reg);
    free(open);
    free(proc);
    free(busy);
}

/* Make the last :ok read return a value nobody wrote: invalid. */
static void
corrupt_last_read(struct fl_hist *h)
{
    for (size_t i = h->n; i-- > 0;) {
        struct fl_op *op = &h->ops[i];
        if (op->type != FL_OP_OK || op->f != FL_KW_READ)
            continue;
        if (fl_val_is_seq(&op->value)) {
            fl_val kv[2] = {op->value.u.items[0], fl_val_int(99)};
            op->value = fl_val_coll(&h->arena, FL_V_VEC, kv, 2);
        } else {
            op->value = fl_val_int(99);
        }
        return;
    }
}

static void
add_op(struct fl_hist *h, int type, int32_t proc, uint32_t f, int64_t v,
       bool nil)
{
    struct fl_op op;
    memset(&op, 0, sizeof(op));
    op.index = (int64_t)h->n;
    op.time_ns = (int64_t)h->n * 1000;
    op.pair = -1;
    op.process = proc;
    op.type = (uint8_t)type;
    op.f = f;
    op.value = nil ? fl_val_nil() : fl_val_int(v);
    fl_hist_append(h, &op);
}

static void
generate_crashed_writes(struct fl_hist *h, int k, bool corrupt, uint64_t seed)
{
    struct fl_rng r;
    int64_t *vals = fl_xmalloc((k + 1) * sizeof(*vals));
    int nreads = k / 2 > 2 ? k / 2 : 2;

    fl_rng_seed(&r, seed);
    for (int i = 0; i < k; i++)
        vals[i] = i + 1;
    for (int i = k - 1; i > 0; i--) {
        int j = (int)fl_rng_below(&r, (uint64_t)i + 1);
        int64_t t = vals[i];
        vals[i] = vals[j];
        vals[j] = t;
    }
    for (int i = 0; i < k; i++)
        add_op(h, FL_OP_INVOKE, i, FL_KW_WRITE, i + 1, false);
    for (int i = 0; i < nreads; i++) {
        int64_t v = corrupt && i == nreads - 1 ? vals[0] : vals[i];
        add_op(h, FL_OP_INVOKE, k, FL_KW_READ, 0, true);
        add_op(h, FL_OP_OK, k, FL_KW_READ, v, false);
    }
    free(vals);
}

static const fl_val *
stat(const fl_val *m, const char *k)
{
    const fl_val *s = fl_val_map_get_kw(m, fl_kw_intern_cstr("stats"));
    return s ? fl_val_map_get_kw(s, fl_kw_intern_cstr(k)) : NULL;
}

static int64_t time_limit_s = 120;

static int
run_case(const char *name, struct fl_hist *h, bool independent, int threads,
         int64_t gen_ns)
{
    struct fl_arena a;
    struct fl_err err = FL_ERR_INIT;
    struct fl_chk_result res;
    fl_val zero = fl_val_int(0);
    struct fl_linear_opts o = {.model = &fl_model_cas_register_type,
                               .init = &zero,
                               .independent = independent,
                               .threads = threads,
                               .time_limit_ns = time_limit_s * 1000000000};
    fl_arena_init(&a, 0);
    double c0 = cpu_ms();
    int64_t t0 = now_ns();
    if (fl_linear_check(h, &o, &a, &res, &err)) {
        fprintf(stderr, "bench_linear: %s\n", err.msg);
        return 1;
    }
    int64_t t1 = now_ns();
    double c1 = cpu_ms();
    const fl_val *peak = stat(&res.map, "peak-search-bytes");
    const fl_val *cr = stat(&res.map, "crashed-ops");
    const fl_val *cf = stat(&res.map, "configs");
    printf("%-38s %8zu events %6.0f ms check (cpu %6.0f ms)  %5.0f ms gen  "
           "valid? %-5s crashed %-5" PRId64 " configs %-8" PRId64
           " search %5.1f MB  rss %4ld MB\n",
           name, h->n, (t1 - t0) / 1e6, c1 - c0, gen_ns / 1e6,
           res.valid == FL_VERDICT_TRUE    ? "true"
           : res.valid == FL_VERDICT_FALSE ? "false"
                                           : "unknown",
           cr ? cr->u.i : 0, cf ? cf->u.i : 0,
           peak ? peak->u.i / 1048576.0 : 0.0, peak_rss_mb());
    fl_arena_release(&a);
    return res.valid == FL_VERDICT_TRUE ? 0 : 1;
}

static int
bench_corpus(const char *dir)
{
    static const char *const sub[] = {"cas-register/good", "cas-register/bad"};
    struct fl_hist hs[200];
    const char *kinds[200];
    size_t n = 0;
    for (size_t s = 0; s < FL_ARRAY_SIZE(sub); s++) {
        struct fl_strbuf cmd = FL_STRBUF_INIT;
        fl_strbuf_addf(&cmd, "ls %s/knossos/%s/*.edn 2>/dev/null", dir, sub[s]);
        FILE *ls = popen(cmd.buf, "r");
        char line[4096];
        while (ls && fgets(line, sizeof(line), ls) && n < 190) {
            line[strcspn(line, "\n")] = 0;
            struct fl_err err = FL_ERR_INIT;
            fl_hist_init(&hs[n]);
            if (fl_hist_load(line, FL_HIST_AUTO, &hs[n], &err)) {
                fprintf(stderr, "bench_linear: %s\n", err.msg);
                return 1;
            }
            kinds[n++] = sub[s];
        }
        if (ls)
            pclose(ls);
        fl_strbuf_release(&cmd);
    }
    if (n == 0) {
        fprintf(stderr, "bench_linear: no corpus under %s\n", dir);
        return 1;
    }
    fl_val zero = fl_val_int(0);
    struct fl_linear_opts o = {
        .model = &fl_model_cas_register_type, .init = &zero, .threads = 1};
    int bad = 0;
    int64_t best = INT64_MAX;
    for (int rep = 0; rep < 5; rep++) {
        int64_t t0 = now_ns();
        for (size_t i = 0; i < n; i++) {
            struct fl_arena a;
            struct fl_chk_result res;
            fl_arena_init(&a, 0);
            if (fl_linear_check(&hs[i], &o, &a, &res, NULL))
                bad++;
            bool want = strstr(kinds[i], "good") != NULL;
            if ((res.valid == FL_VERDICT_TRUE) != want)
                bad++;
            fl_arena_release(&a);
        }
        int64_t t = now_ns() - t0;
        if (t < best)
            best = t;
    }
    printf("%-34s %9zu files  %6.2f ms check (best of 5, 1 thread), "
           "%d wrong\n",
           "knossos cas-register corpus", n, best / 1e6, bad);
    for (size_t i = 0; i < n; i++)
        fl_hist_release(&hs[i]);
    return bad != 0;
}

int
main(int argc, char **argv)
{
    bool quick = false, corrupt = false;
    size_t ops = 0;
    int keys = 0, procs = 0, threads = 0, cwrites = 0;
    double crash = -1;
    uint64_t seed = 1;
    const char *corpus = getenv("FL_CORPUS");
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0)
            quick = true;
        else if (strcmp(argv[i], "--ops") == 0 && i + 1 < argc)
            ops = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--keys") == 0 && i + 1 < argc)
            keys = (int)strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--procs") == 0 && i + 1 < argc)
            procs = (int)strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--crash") == 0 && i + 1 < argc)
            crash = strtod(argv[++i], NULL);
        else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
            threads = (int)strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--crashed-writes") == 0 && i + 1 < argc)
            cwrites = (int)strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--corrupt") == 0)
            corrupt = true;
        else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 10);
        else {
            fprintf(stderr, "usage: bench_linear [--quick] [--ops N] "
                            "[--keys K] [--procs C] [--crash F] "
                            "[--threads T] [--seed S] [--corrupt]\n");
            return 2;
        }
    }
    int rc = 0;
    if (cwrites > 0) {
        struct fl_hist h;
        char name[128];
        fl_hist_init(&h);
        generate_crashed_writes(&h, cwrites, corrupt, seed);
        snprintf(name, sizeof(name), "%d crashed writes%s", cwrites,
                 corrupt ? ", invalid" : "");
        time_limit_s = 20;
        rc = run_case(name, &h, false, 1, 0);
        fl_hist_release(&h);
        return corrupt ? rc == 0 : rc;
    }
    if (ops) {
        struct fl_hist h;
        char name[128];
        fl_hist_init(&h);
        int64_t t0 = now_ns();
        generate(&h, ops, keys ? keys : 1, procs ? procs : 10,
                 crash >= 0 ? crash : 0.02, keys > 1, seed);
        if (corrupt)
            corrupt_last_read(&h);
        snprintf(name, sizeof(name), "custom %zu ops %d keys %d procs%s", ops,
                 keys ? keys : 1, procs ? procs : 10, corrupt ? " bad" : "");
        rc |= run_case(name, &h, keys > 1, threads, now_ns() - t0);
        fl_hist_release(&h);
        return rc;
    }
    rc |= bench_corpus(corpus ? corpus : "../shared/corpus");
    static const int single_procs[] = {5, 10, 15, 20};
    for (size_t i = 0; i < FL_ARRAY_SIZE(single_procs); i++) {
        struct fl_hist h;
        char name[128];
        size_t n = quick ? 2000 : 20000;
        fl_hist_init(&h);
        int64_t t0 = now_ns();
        generate(&h, n, 1, single_procs[i], 0.02, false, seed + i);
        snprintf(name, sizeof(name), "single key, %d procs, 2%% crashed",
                 single_procs[i]);
        rc |= run_case(name, &h, false, threads, now_ns() - t0);
        fl_hist_release(&h);
    }
    {
        struct fl_hist h;
        size_t n = quick ? 100000 : 1000000;
        fl_hist_init(&h);
        int64_t t0 = now_ns();
        generate(&h, n, quick ? 100 : 1000, 20, 0.02, true, seed);
        rc |= run_case(quick ? "100k ops, 100 keys, 20 procs"
                             : "1M ops, 1000 keys, 20 procs, 2% crash",
                       &h, true, threads, now_ns() - t0);
        fl_hist_release(&h);
    }
    return rc;
}
