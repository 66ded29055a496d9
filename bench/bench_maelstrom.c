/* SPDX-License-Identifier: MIT */
/*
 * bench_maelstrom.c: throughput of the Maelstrom network's router. Two (or
 * more, in pairs) nodes of tests/helpers/mael-node flood each other with
 * ping/pong through the simulated network (zero latency), a window of
 * unanswered pings each; the benchmark reports node-to-node messages per
 * second, with and without the message journal.
 *
 *   build/bench/bench_maelstrom [NODE_BINARY [PINGS [WINDOW [PAIRS]]]]
 */
#include "util/common.h"

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include "suites/maelstrom/net.h"
#include "util/clock.h"
#include "util/err.h"

struct flood_arg {
    struct fl_mnet *net;
    int client;
    char from[16], to[16];
    long long count, window;
    int rc;
};

static void *
flood(void *p)
{
    struct flood_arg *a = p;
    struct fl_err err = FL_ERR_INIT;
    json_t *body =
        json_pack("{s:s, s:s, s:I, s:I}", "type", "flood", "to", a->to, "count",
                  (json_int_t)a->count, "window", (json_int_t)a->window);
    json_t *reply = NULL;

    a->rc = fl_mnet_call(a->net, a->client, a->from, body, 600 * FL_NS_PER_S,
                         &reply, &err);
    if (a->rc < 0)
        fprintf(stderr, "flood %s->%s: %s\n", a->from, a->to, err.msg);
    json_decref(reply);
    json_decref(body);
    return NULL;
}

static double
cpu_s(int who)
{
    struct rusage ru;

    getrusage(who, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static int
run(char *bin, long long count, long long window, int pairs, bool journal)
{
    char *argv[] = {bin, NULL};
    char dir[] = "/tmp/fl-bench-maelstrom-XXXXXX";
    struct fl_mnet_opts o = {.nnodes = (size_t)(2 * pairs),
                             .argv = argv,
                             .journal = journal,
                             .seed = 1};
    struct fl_err err = FL_ERR_INIT;
    struct flood_arg *fa = calloc((size_t)pairs, sizeof(*fa));
    pthread_t *th = calloc((size_t)pairs, sizeof(*th));
    struct fl_mnet *net;
    int rc = 0;

    if (!mkdtemp(dir))
        return 1;
    net = fl_mnet_new(&o);
    rc = fl_mnet_start(net, dir, &err);
    for (size_t i = 0; rc == 0 && i < o.nnodes; i++)
        rc = fl_mnet_node_start(net, i, &err);
    if (rc < 0) {
        fprintf(stderr, "bench_maelstrom: %s\n", err.msg);
        goto out;
    }
    int64_t t0 = fl_clock_mono_ns();
    double self0 = cpu_s(RUSAGE_SELF), kids0 = cpu_s(RUSAGE_CHILDREN);
    for (int p = 0; p < pairs; p++) {
        fa[p] =
            (struct flood_arg){.net = net, .count = count, .window = window};
        fa[p].client = fl_mnet_client_new(net);
        snprintf(fa[p].from, sizeof(fa[p].from), "n%d", 2 * p);
        snprintf(fa[p].to, sizeof(fa[p].to), "n%d", 2 * p + 1);
        pthread_create(&th[p], NULL, flood, &fa[p]);
    }
    for (int p = 0; p < pairs; p++) {
        pthread_join(th[p], NULL);
        rc |= fa[p].rc;
    }
    double s = (double)(fl_clock_mono_ns() - t0) / 1e9;
    double self = cpu_s(RUSAGE_SELF) - self0;
    struct fl_mnet_stats st;
    fl_mnet_stats(net, &st);
    fl_mnet_free(net); /* reaps the nodes: their CPU time counts now */
    net = NULL;
    double kids = cpu_s(RUSAGE_CHILDREN) - kids0;
    double n = (double)st.server_recv;
    /* On 2 idle cores: the router thread is one core at most, and
     * router + nodes share two. */
    double est = n / FL_MAX(self, (self + kids) / 2);
    printf("%d pair(s), window %lld, journal %-3s: %.0f node-to-node msgs "
           "in %.2f s = %.0f msgs/s; cpu: router %.2f s, nodes %.2f s; "
           "on 2 idle cores ~%.0f msgs/s\n",
           pairs, window, journal ? "on" : "off", n, s, n / s, self, kids, est);
out:
    fl_mnet_free(net);
    free(fa);
    free(th);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        rc = 1;
    return rc ? 1 : 0;
}

int
main(int argc, char **argv)
{
    char *bin = argc > 1 ? argv[1] : "build/tests/helpers/mael-node";
    long long count = argc > 2 ? strtoll(argv[2], NULL, 10) : 200000;
    long long window = argc > 3 ? strtoll(argv[3], NULL, 10) : 64;
    int pairs = argc > 4 ? (int)strtol(argv[4], NULL, 10) : 1;

    if (access(bin, X_OK) != 0) {
        fprintf(stderr, "bench_maelstrom: %s: not executable (make)\n", bin);
        return 1;
    }
    return run(bin, count, window, pairs, false) |
           run(bin, count, window, pairs, true);
}
