/* SPDX-License-Identifier: MIT */
/*
 * bench_interp.c: interpreter throughput with the noop client: the
 * generator, scheduler, worker hand-off, history append and (with -w) the
 * history.edn writer, without any client cost. Jepsen's interpreter does
 * 20,000-50,000 ops/s; the targets are 1,000,000 ops/s with 10 threads and
 * 200,000 with 1,000. With -o an online checker (run/online.h: the
 * counter, rechecking the growing history on its own thread) gets every
 * op, as in a run with online checking. Usage: bench_interp [-w] [-o]
 * [-t threads] [seconds-per-case].
 */

#include "util/common.h"

#include <unistd.h>

#include "gen/gen.h"
#include "history/edn.h"
#include "history/hist.h"
#include "history/writer.h"
#include "run/interpreter.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/parse.h"

/* Apart, as in a real run: pool threads read the env, the scheduler
 * writes the history's header at every op. */
static struct fl_env env;
static _Alignas(64) struct fl_hist h;

/* CPU time of the calling thread (the scheduler), ns. */
static int64_t
thread_cpu_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The scheduling thread's CPU ns per op of the last case: unlike ops/s,
 * it hardly depends on what else the machine runs. */
static double sched_ns_per_op;

static double
run_case(int threads, double secs, bool write, bool online)
{
    struct fl_interp_opts o;
    struct fl_err err = FL_ERR_INIT;
    struct fl_interp_stats st;
    struct fl_hist_writer *w = NULL;
    char *nodes[] = {"n1"};
    char path[] = "/tmp/bench_interp_XXXXXX";

    memset(&env, 0, sizeof(env));
    env.nodes = nodes;
    env.nnodes = 1;
    env.clock = fl_clock_real();
    fl_hist_init(&h);
    if (write) {
        int fd = mkstemp(path);
        if (fd >= 0)
            close(fd);
        w = fl_hist_writer_open(path, &err);
    }
    memset(&o, 0, sizeof(o));
    o.env = &env;
    o.concurrency = threads;
    o.hist = &h;
    o.writer = w;
    o.seed = 1;
    struct fl_arena a;
    fl_val spec;
    fl_arena_init(&a, 0);
    if (online) {
        fl_edn_parse_value(&a, "{:counter {}}", 13, "spec", &spec, &err);
        struct fl_online_opts oo = {.spec = &spec};
        o.online = fl_online_new(&oo, &err);
    }
    struct fl_interp *in = fl_interp_new(&o, &err);
    if (!in) {
        fprintf(stderr, "bench_interp: %s\n", err.msg);
        exit(1);
    }
    struct fl_gen *g = fl_gen_clients(fl_gen_time_limit(
        (int64_t)(secs * 1e9),
        fl_gen_repeat(-1, fl_gen_invoke(FL_KW_WRITE, fl_val_int(1)))));
    env.origin_ns = fl_clock_now_ns(fl_clock_real());
    int64_t t0 = fl_clock_now_ns(fl_clock_real());
    int64_t c0 = thread_cpu_ns();
    if (fl_interp_run(in, g, &err) < 0) {
        fprintf(stderr, "bench_interp: %s\n", err.msg);
        exit(1);
    }
    int64_t t1 = fl_clock_now_ns(fl_clock_real());
    int64_t c1 = thread_cpu_ns();
    fl_interp_get_stats(in, &st);
    sched_ns_per_op = st.ok ? (double)(c1 - c0) / (double)st.ok : 0;
    fl_interp_free(in, 0);
    fl_online_free(o.online);
    fl_arena_release(&a);
    fl_gen_free(g);
    fl_hist_writer_close(w, NULL);
    if (write)
        unlink(path);
    fl_hist_release(&h);
    return (double)st.ok / ((double)(t1 - t0) / 1e9);
}

int
main(int argc, char **argv)
{
    static const int cases[] = {10, 100, 1000};
    double secs = 1.0;
    bool write = false, online = false;
    int64_t only = 0;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-w") == 0) {
            write = true;
        } else if (strcmp(argv[i], "-o") == 0) {
            online = true;
        } else if (strcmp(argv[i], "-t") == 0 && i + 1 < argc) {
            if (fl_parse_int64(argv[++i], 1, 100000, &only, NULL) < 0) {
                fprintf(stderr, "bench_interp: bad -t %s\n", argv[i]);
                return 254;
            }
        } else if (fl_parse_double(argv[i], &secs, NULL) < 0 || secs <= 0) {
            fprintf(stderr,
                    "usage: bench_interp [-w] [-o] [-t threads] [seconds]\n");
            return 254;
        }
    }
    printf("interpreter, noop client, %s history.edn writer, %s online "
           "checker:\n",
           write ? "with" : "without", online ? "with" : "without");
    if (only) {
        double r = run_case((int)only, secs, write, online);
        printf("  %5d threads: %10.0f ops/s, scheduler %6.0f CPU ns/op\n",
               (int)only, r, sched_ns_per_op);
        return 0;
    }
    for (size_t i = 0; i < FL_ARRAY_SIZE(cases); i++) {
        double r = run_case(cases[i], secs, write, online);
        printf("  %5d threads: %10.0f ops/s, scheduler %6.0f CPU ns/op\n",
               cases[i], r, sched_ns_per_op);
    }
    return 0;
}
