/* SPDX-License-Identifier: MIT */
/*
 * fl-netprobe.c: a small network and process probe for the local-cluster
 * integration tests (tests/cli/t04xx). Every mode is bounded in time and in
 * packets sent:
 *   serve PORT SECS               accept TCP and echo UDP on PORT for SECS
 *   probe PORT TIMEOUT_MS HOST... connect to each HOST at once; print 1/0
 *   udpping HOST PORT COUNT INTERVAL_MS
 *                                 COUNT UDP echoes; print loss and RTTs
 *   ticker FILE SECS              write an increasing counter to FILE
 *                                 every 10 ms for at most SECS
 *   clock COUNT INTERVAL_MS       print time(), gettimeofday() and
 *                                 clock_gettime(REALTIME) seconds
 */
#include "util/common.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static double
mono(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long
num(const char *s)
{
    char *end;
    long v = strtol(s, &end, 10);

    if (*s == '\0' || *end != '\0') {
        fprintf(stderr, "fl-netprobe: bad number '%s'\n", s);
        exit(2);
    }
    return v;
}

static int
resolve(const char *host, int port, struct sockaddr_in *sa)
{
    struct addrinfo hints = {.ai_family = AF_INET}, *ai = NULL;

    if (getaddrinfo(host, NULL, &hints, &ai) != 0 || !ai)
        return -1;
    *sa = *(struct sockaddr_in *)ai->ai_addr;
    sa->sin_port = htons((uint16_t)port);
    freeaddrinfo(ai);
    return 0;
}

static int
serve(int port, long secs)
{
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)port)};
    int one = 1, t = socket(AF_INET, SOCK_STREAM, 0),
        u = socket(AF_INET, SOCK_DGRAM, 0);
    double end = mono() + (double)secs;

    setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(t, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        listen(t, 64) != 0 ||
        bind(u, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        perror("fl-netprobe: bind");
        return 1;
    }
    while (mono() < end) {
        struct pollfd pf[2] = {{t, POLLIN, 0}, {u, POLLIN, 0}};

        if (poll(pf, 2, 200) <= 0)
            continue;
        if (pf[0].revents) {
            int c = accept(t, NULL, NULL);
            if (c >= 0)
                close(c);
        }
        if (pf[1].revents) {
            char buf[2048];
            struct sockaddr_in from;
            socklen_t fl = sizeof(from);
            ssize_t n =
                recvfrom(u, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
            if (n > 0)
                sendto(u, buf, (size_t)n, 0, (struct sockaddr *)&from, fl);
        }
    }
    return 0;
}

static int
probe(int port, long timeout_ms, int n, char **hosts)
{
    int fds[256];
    int ok[256] = {0};
    double end = mono() + (double)timeout_ms / 1000;

    if (n > 256)
        n = 256;
    for (int i = 0; i < n; i++) {
        struct sockaddr_in sa;

        fds[i] = -1;
        if (resolve(hosts[i], port, &sa) != 0)
            continue;
        fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        if (connect(fds[i], (struct sockaddr *)&sa, sizeof(sa)) == 0)
            ok[i] = 1;
        else if (errno != EINPROGRESS) {
            close(fds[i]);
            fds[i] = -1;
        }
    }
    for (;;) {
        struct pollfd pf[256];
        int np = 0, idx[256];
        double left = end - mono();

        for (int i = 0; i < n; i++)
            if (fds[i] >= 0 && !ok[i]) {
                pf[np] = (struct pollfd){fds[i], POLLOUT, 0};
                idx[np++] = i;
            }
        if (np == 0 || left <= 0)
            break;
        if (poll(pf, (nfds_t)np, (int)(left * 1000) + 1) <= 0)
            continue;
        for (int k = 0; k < np; k++) {
            int i = idx[k], e = 0;
            socklen_t el = sizeof(e);
            if (!pf[k].revents)
                continue;
            getsockopt(fds[i], SOL_SOCKET, SO_ERROR, &e, &el);
            if (e == 0)
                ok[i] = 1;
            close(fds[i]);
            fds[i] = -1;
        }
    }
    for (int i = 0; i < n; i++) {
        printf("%s%d", i ? " " : "", ok[i]);
        if (fds[i] >= 0)
            close(fds[i]);
    }
    printf("\n");
    return 0;
}

static int
udpping(const char *host, int port, long count, long interval_ms)
{
    struct sockaddr_in sa;
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    double *sent_at, sum = 0, mn = 1e9, mx = 0;
    char *got;
    long recv_n = 0, dups = 0;
    double end;

    if (count <= 0 || count > 100000 || resolve(host, port, &sa) != 0) {
        fprintf(stderr, "fl-netprobe: bad udpping arguments\n");
        return 2;
    }
    sent_at = calloc((size_t)count, sizeof(double));
    got = calloc((size_t)count, 1);
    connect(u, (struct sockaddr *)&sa, sizeof(sa));
    for (long i = 0; i <= count; i++) {
        double next = mono() + (double)interval_ms / 1000;

        if (i < count) {
            uint32_t seq = (uint32_t)i;
            sent_at[i] = mono();
            send(u, &seq, sizeof(seq), 0);
        }
        /* The last round waits for delayed echoes: 0.3 s more than the
         * slowest round trip seen. */
        end = i < count ? next : mono() + 0.3 + 2 * mx / 1000;
        for (;;) {
            struct pollfd pf = {u, POLLIN, 0};
            double left = end - mono();
            uint32_t seq;

            if (left <= 0 || poll(&pf, 1, (int)(left * 1000) + 1) <= 0)
                break;
            if (recv(u, &seq, sizeof(seq), 0) != sizeof(seq) ||
                seq >= (uint32_t)count)
                continue;
            if (got[seq]) {
                dups++;
                continue;
            }
            got[seq] = 1;
            recv_n++;
            double rtt = (mono() - sent_at[seq]) * 1000;
            sum += rtt;
            mn = rtt < mn ? rtt : mn;
            mx = rtt > mx ? rtt : mx;
        }
    }
    printf("sent %ld recv %ld dup %ld loss_pct %.1f rtt_avg_ms %.2f "
           "rtt_min_ms %.2f rtt_max_ms %.2f\n",
           count, recv_n, dups,
           100.0 * (double)(count - recv_n) / (double)count,
           recv_n ? sum / (double)recv_n : 0, recv_n ? mn : 0, mx);
    free(sent_at);
    free(got);
    close(u);
    return 0;
}

static int
ticker(const char *path, long secs)
{
    double end = mono() + (double)secs;
    long n = 0;

    while (mono() < end) {
        char buf[32], tmp[4096];
        int fd, len = snprintf(buf, sizeof(buf), "%ld\n", ++n);

        /* Atomically, so a reader never sees an empty file. */
        snprintf(tmp, sizeof(tmp), "%s.tmp", path);
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            if (write(fd, buf, (size_t)len) < 0)
                perror("write");
            close(fd);
            rename(tmp, path);
        }
        usleep(10000);
    }
    return 0;
}

static int
clockprint(long count, long interval_ms)
{
    for (long i = 0; i < count; i++) {
        struct timeval tv;
        struct timespec ts;

        gettimeofday(&tv, NULL);
        clock_gettime(CLOCK_REALTIME, &ts);
        printf("%lld %lld %lld\n", (long long)time(NULL), (long long)tv.tv_sec,
               (long long)ts.tv_sec);
        fflush(stdout);
        if (i + 1 < count)
            usleep((useconds_t)interval_ms * 1000);
    }
    return 0;
}

int
main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "serve"))
        return serve((int)num(argv[2]), num(argv[3]));
    if (argc >= 5 && !strcmp(argv[1], "probe"))
        return probe((int)num(argv[2]), num(argv[3]), argc - 4, argv + 4);
    if (argc == 6 && !strcmp(argv[1], "udpping"))
        return udpping(argv[2], (int)num(argv[3]), num(argv[4]), num(argv[5]));
    if (argc == 4 && !strcmp(argv[1], "ticker"))
        return ticker(argv[2], num(argv[3]));
    if (argc == 4 && !strcmp(argv[1], "clock"))
        return clockprint(num(argv[2]), num(argv[3]));
    fprintf(stderr,
            "usage: fl-netprobe serve|probe|udpping|ticker|clock ...\n");
    return 2;
}
