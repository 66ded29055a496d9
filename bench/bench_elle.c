/* SPDX-License-Identifier: MIT */
/*
 * bench_elle.c: the Elle checker at scale. Generates a list-append history
 * from the simulated strict-serializable store (default 1,000,000 txns,
 * concurrency 50, 1-5 micro-ops, exponential key choice), writes it as
 * history.edn, then in a child process parses it with fl_hist_load and
 * checks it for strict-serializable, reporting wall time and the child's
 * peak RSS (parse + check only). Target: < 5 s and < 2 GB on 2 cores.
 *
 *   build/bench/bench_elle [-n TXNS] [-c CONCURRENCY] [-k FILE] [-b BUG]
 *   build/bench/bench_elle -r FILE     (check a kept history again)
 */
#include "util/common.h"

#include "checker/elle/elle.h"
#include "checker/elle/elle_gen.h"
#include "history/edn.h"
#include "history/hist.h"
#include "util/err.h"
#include "util/parse.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds (user + system) this process has used: wall time is
 * meaningless on a shared, loaded machine. */
static double
cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static int
run_check(const char *path)
{
    struct fl_hist h;
    struct fl_err err = FL_ERR_INIT;
    double t0 = now_s(), c0 = cpu_s();
    fl_hist_init(&h);
    if (fl_hist_load(path, FL_HIST_AUTO, &h, &err) != 0) {
        fprintf(stderr, "bench_elle: %s\n", err.msg);
        return 2;
    }
    double t1 = now_s(), c1 = cpu_s();
    struct fl_elle_opts o;
    memset(&o, 0, sizeof(o));
    struct fl_arena a;
    fl_arena_init(&a, 0);
    struct fl_chk_result r;
    if (fl_elle_check(&h, &o, &a, &r, &err) != 0) {
        fprintf(stderr, "bench_elle: %s\n", err.msg);
        return 2;
    }
    double t2 = now_s(), c2 = cpu_s();
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("ops %zu\nparse_s %.3f\ncheck_s %.3f\ntotal_s %.3f\n"
           "parse_cpu_s %.3f\ncheck_cpu_s %.3f\ntotal_cpu_s %.3f\n"
           "peak_rss_mb %.1f\nhist_arena_mb %.1f\nvalid %s\n",
           h.n, t1 - t0, t2 - t1, t2 - t0, c1 - c0, c2 - c1, c2 - c0,
           (double)ru.ru_maxrss / 1024.0,
           (double)h.arena.total_bytes / (1024.0 * 1024.0),
           r.valid == FL_VERDICT_TRUE    ? "true"
           : r.valid == FL_VERDICT_FALSE ? "false"
                                         : "unknown");
    fflush(stdout);
    fl_arena_release(&a);
    fl_hist_release(&h);
    return r.valid == FL_VERDICT_TRUE ? 0 : 1;
}

int
main(int argc, char **argv)
{
    struct fl_elle_gen_opts o;
    struct fl_err err = FL_ERR_INIT;
    const char *keep = NULL, *reuse = NULL;
    int64_t n = 1000000, c = 50, bug = 0;
    int opt;

    while ((opt = getopt(argc, argv, "n:c:k:b:r:")) != -1) {
        switch (opt) {
        case 'n':
            if (fl_parse_int64(optarg, 1, INT64_C(100000000), &n, &err))
                goto usage;
            break;
        case 'c':
            if (fl_parse_int64(optarg, 1, 10000, &c, &err))
                goto usage;
            break;
        case 'k':
            keep = optarg;
            break;
        case 'r':
            reuse = optarg;
            break;
        case 'b':
            if (fl_parse_int64(optarg, 0, FL_ELLE_BUG_DIRTY_WRITE, &bug, &err))
                goto usage;
            break;
        default:
            goto usage;
        }
    }
    if (reuse) {
        /* Parse and check only, in this process (no generation). */
        return run_check(reuse);
    }
    fl_elle_gen_opts_init(&o);
    o.ntxn = (size_t)n;
    o.concurrency = (int)c;
    o.fail_rate = 0.01;
    o.info_rate = 0.001;
    o.bug = (enum fl_elle_bug)bug;
    o.bug_rate = 0.01;

    char tmp[] = "/tmp/bench-elle-XXXXXX";
    char path[512];
    if (keep) {
        snprintf(path, sizeof(path), "%s", keep);
    } else {
        if (!mkdtemp(tmp)) {
            perror("mkdtemp");
            return 2;
        }
        snprintf(path, sizeof(path), "%s/history.edn", tmp);
    }
    double t0 = now_s();
    struct fl_hist h;
    fl_hist_init(&h);
    fl_elle_gen(&h, &o);
    FILE *f = fopen(path, "w");
    if (!f || fl_edn_write_hist(f, &h, &err) != 0) {
        fprintf(stderr, "bench_elle: write %s: %s\n", path, err.msg);
        return 2;
    }
    fclose(f);
    printf("txns %lld\nconcurrency %lld\ngen_write_s %.3f\n", (long long)n,
           (long long)c, now_s() - t0);
    fl_hist_release(&h);
    fflush(stdout);

    pid_t pid = fork();
    if (pid == 0)
        _exit(run_check(path));
    int st = 0;
    waitpid(pid, &st, 0);
    if (!keep) {
        unlink(path);
        rmdir(tmp);
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 2;
usage:
    fprintf(stderr, "usage: bench_elle [-n TXNS] [-c CONCURRENCY] [-k FILE] "
                    "[-b BUG] | -r FILE\n");
    return 254;
}
