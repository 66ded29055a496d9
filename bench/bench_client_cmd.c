/* SPDX-License-Identifier: MIT */
/*
 * bench_client_cmd.c: what `--client-cmd` costs per op: interpreter
 * throughput with a subprocess client per worker that answers every op at
 * once, over the JSON-lines protocol (one write and one read of a line
 * per op, and the client's own parsing). Cases: the C no-op client
 * (tests/helpers/fl-noop-client) and a Python one (bench/noop-client.py),
 * and for scale the in-process noop client. Usage: bench_client_cmd
 * [-t threads] [seconds-per-case] (default 10 threads, 3 s), run from the
 * top of the tree after `make helpers`.
 */

#include "util/common.h"

#include <unistd.h>

#include "gen/gen.h"
#include "history/hist.h"
#include "run/client_cmd.h"
#include "run/interpreter.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/parse.h"

static struct fl_env env;
static _Alignas(64) struct fl_hist h;

/* ops/s with cmd as the client (NULL: the in-process noop client). */
static double
run_case(const char *cmd, int threads, double secs)
{
    struct fl_interp_opts o;
    struct fl_err err = FL_ERR_INIT;
    struct fl_interp_stats st;
    struct fl_client_seed seed = {0};
    char *nodes[] = {"n1"};

    memset(&env, 0, sizeof(env));
    env.nodes = nodes;
    env.nnodes = 1;
    env.concurrency = threads;
    env.clock = fl_clock_real();
    fl_hist_init(&h);
    if (cmd)
        fl_client_cmd_seed(&seed, cmd, 10 * 1000000000LL);
    memset(&o, 0, sizeof(o));
    o.env = &env;
    o.concurrency = threads;
    o.client = &seed;
    o.hist = &h;
    o.seed = 1;
    o.op_timeout_ns = 10 * 1000000000LL;
    struct fl_interp *in = fl_interp_new(&o, &err);
    if (!in) {
        fprintf(stderr, "bench_client_cmd: %s\n", err.msg);
        exit(1);
    }
    struct fl_gen *g = fl_gen_clients(fl_gen_time_limit(
        (int64_t)(secs * 1e9),
        fl_gen_repeat(-1, fl_gen_invoke(FL_KW_WRITE, fl_val_int(1)))));
    env.origin_ns = fl_clock_now_ns(fl_clock_real());
    int64_t t0 = fl_clock_now_ns(fl_clock_real());
    if (fl_interp_run(in, g, &err) < 0) {
        fprintf(stderr, "bench_client_cmd: %s\n", err.msg);
        exit(1);
    }
    int64_t t1 = fl_clock_now_ns(fl_clock_real());
    fl_interp_get_stats(in, &st);
    fl_interp_free(in, 0);
    fl_gen_free(g);
    fl_client_seed_release(&seed);
    fl_hist_release(&h);
    if (st.info || st.fail)
        fprintf(stderr,
                "bench_client_cmd: %" PRIu64 " :info, %" PRIu64
                " :fail (client broken?)\n",
                st.info, st.fail);
    /* The first op of each worker includes the client's start-up. */
    return (double)st.ok / ((double)(t1 - t0) / 1e9);
}

int
main(int argc, char **argv)
{
    const char *o_dir = getenv("O") ? getenv("O") : "build";
    double secs = 3.0;
    int64_t threads = 10;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-t") == 0 && i + 1 < argc) {
            if (fl_parse_int64(argv[++i], 1, 10000, &threads, NULL) < 0) {
                fprintf(stderr, "bench_client_cmd: bad -t %s\n", argv[i]);
                return 254;
            }
        } else if (fl_parse_double(argv[i], &secs, NULL) < 0 || secs <= 0) {
            fprintf(stderr, "usage: bench_client_cmd [-t threads] [seconds]\n");
            return 254;
        }
    }
    char *c_cmd = fl_xasprintf("exec %s/tests/helpers/fl-noop-client", o_dir);
    if (access(c_cmd + 5, X_OK) != 0) {
        fprintf(stderr, "bench_client_cmd: %s missing (make helpers)\n",
                c_cmd + 5);
        return 1;
    }
    printf("--client-cmd, %d workers, %.1f s per case:\n", (int)threads, secs);
    printf("  in-process noop client: %10.0f ops/s\n",
           run_case(NULL, (int)threads, secs));
    printf("  C no-op client:         %10.0f ops/s\n",
           run_case(c_cmd, (int)threads, secs));
    printf("  Python no-op client:    %10.0f ops/s\n",
           run_case("exec python3 bench/noop-client.py", (int)threads, secs));
    free(c_cmd);
    return 0;
}
