/* SPDX-License-Identifier: MIT */
/*
 * etcd_client.c: raw speed of the etcd suite's client, with no framework
 * around it: N sequential put/get/cas requests over one persistent
 * connection, timed per request. Compare its mean latency with the
 * latencies of the same ops in a `faultline test etcd` history to see what
 * the framework adds per op. Usage: etcd_client [URL [N]]; without a URL it
 * starts a throwaway single-member etcd on loopback (needs /usr/bin/etcd).
 */
#include "util/common.h"

#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "history/op.h"
#include "suites/etcd/etcd.h"
#include "util/err.h"
#include "util/parse.h"

static int64_t
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
    char url[128] = "";
    char dir[] = "/tmp/fl-etcd-bench-XXXXXX";
    pid_t pid = 0;
    int64_t n = 2000;
    int rc = 1;

    if (argc > 1)
        snprintf(url, sizeof(url), "%s", argv[1]);
    if (argc > 2 && fl_parse_int64(argv[2], 1, 10000000, &n, NULL) != 0) {
        fprintf(stderr, "etcd_client: bad N '%s'\n", argv[2]);
        return 254;
    }
    if (!url[0]) {
        if (!mkdtemp(dir))
            return 255;
        int port = 31000 + (int)(getpid() % 5000) * 2;
        char curl[64], purl[64], cl[160], data[128];
        snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
        snprintf(curl, sizeof(curl), "http://127.0.0.1:%d", port);
        snprintf(purl, sizeof(purl), "http://127.0.0.1:%d", port + 1);
        snprintf(cl, sizeof(cl), "b=%s", purl);
        snprintf(data, sizeof(data), "%s/data", dir);
        pid = fork();
        if (pid == 0) {
            if (!freopen("/dev/null", "w", stderr))
                _exit(127);
            execl("/usr/bin/etcd", "etcd", "--name", "b", "--data-dir", data,
                  "--listen-client-urls", curl, "--advertise-client-urls", curl,
                  "--listen-peer-urls", purl, "--initial-advertise-peer-urls",
                  purl, "--initial-cluster", cl, (char *)NULL);
            _exit(127);
        }
    }
    struct fl_etcd_conn *c = fl_etcd_conn_new(url, 5000);
    for (int i = 0; i < 100 && !fl_etcd_healthy(c); i++)
        usleep(100000);
    if (!fl_etcd_healthy(c)) {
        fprintf(stderr, "etcd_client: %s is not healthy\n", url);
        goto out;
    }
    int64_t *lat = fl_xcalloc((size_t)n, sizeof(int64_t));
    int64_t t0 = now_ns(), errors = 0;
    for (int64_t i = 0; i < n; i++) {
        struct fl_etcd_outcome o;
        int64_t s = now_ns();
        switch (i % 3) {
        case 0:
            fl_etcd_put(c, "bench", i, &o);
            break;
        case 1:
            fl_etcd_get(c, "bench", false, &o);
            break;
        default:
            fl_etcd_cas(c, "bench", i - 2, i, &o);
            break;
        }
        lat[i] = now_ns() - s;
        errors += o.type == FL_OP_INFO;
        fl_etcd_outcome_release(&o);
    }
    int64_t total = now_ns() - t0;
    qsort(lat, (size_t)n, sizeof(int64_t), cmp_i64);
    printf("etcd_client: %" PRId64 " requests (put/get/cas) to %s over one "
           "connection\n",
           n, url);
    printf("  %.0f ops/s, mean %.3f ms, p50 %.3f ms, p99 %.3f ms, %" PRId64
           " indeterminate\n",
           (double)n * 1e9 / (double)total, (double)total / (double)n / 1e6,
           (double)lat[n / 2] / 1e6, (double)lat[n * 99 / 100] / 1e6, errors);
    free(lat);
    rc = 0;
out:
    fl_etcd_conn_free(c);
    if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            rc = 1;
    }
    return rc;
}
