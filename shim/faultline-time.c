/* SPDX-License-Identifier: MIT */
/*
 * faultline-time.c: libfaultline-time.so, an LD_PRELOAD shim that shifts
 * CLOCK_REALTIME (and gettimeofday, time, CLOCK_REALTIME_COARSE, CLOCK_TAI)
 * of the program it is loaded into by an offset read from the file named
 * by $FAULTLINE_CLOCK_FILE: "OFFSET_NS [PERIOD_NS END_MONO_NS]" (with a
 * period, the offset is on during odd periods of CLOCK_MONOTONIC until
 * END_MONO_NS: a strobe). The file is re-read at most every 10 ms, with raw
 * system calls only (no dlsym, no malloc, no stdio), so it works under
 * jemalloc and in any thread; the cached values are atomics. Monotonic
 * clocks are never touched. Go programs read the vDSO directly and are not
 * affected.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define REREAD_NS 10000000LL

static _Atomic int64_t g_offset_ns, g_period_ns, g_end_mono_ns;
static _Atomic int64_t g_next_read_ns = 0;
static _Atomic int g_path_state; /* 0 unknown, 1 set, 2 none */
static char g_path[512];

static int64_t
raw_ns(clockid_t id)
{
    struct timespec ts;

    if (syscall(SYS_clock_gettime, id, &ts) != 0)
        return 0;
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int64_t
parse_i64(const char **p)
{
    int64_t v = 0;
    int neg = 0;

    while (**p == ' ' || **p == '\t')
        (*p)++;
    if (**p == '-' || **p == '+')
        neg = *(*p)++ == '-';
    while (**p >= '0' && **p <= '9')
        v = v * 10 + (*(*p)++ - '0');
    return neg ? -v : v;
}

static void
init_path(void)
{
    const char *e;
    size_t i;

    if (g_path_state != 0)
        return;
    e = getenv("FAULTLINE_CLOCK_FILE");
    if (!e || !*e) {
        g_path_state = 2;
        return;
    }
    for (i = 0; e[i] && i + 1 < sizeof(g_path); i++)
        g_path[i] = e[i];
    g_path[i] = '\0';
    g_path_state = 1;
}

static void
reread(int64_t mono)
{
    char buf[128];
    const char *p = buf;
    long fd, n;

    if (mono < g_next_read_ns)
        return;
    g_next_read_ns = mono + REREAD_NS;
    init_path();
    if (g_path_state != 1)
        return;
    fd = syscall(SYS_openat, AT_FDCWD, g_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return; /* keep the last offset */
    n = syscall(SYS_read, fd, buf, sizeof(buf) - 1);
    syscall(SYS_close, fd);
    if (n <= 0)
        return;
    buf[n] = '\0';
    g_offset_ns = parse_i64(&p);
    g_period_ns = parse_i64(&p);
    g_end_mono_ns = parse_i64(&p);
}

static int64_t
offset_now(void)
{
    int64_t mono = raw_ns(CLOCK_MONOTONIC), period;

    reread(mono);
    period = g_period_ns;
    if (period > 0) {
        if (mono >= g_end_mono_ns)
            return 0;
        return ((mono / period) & 1) ? g_offset_ns : 0;
    }
    return g_offset_ns;
}

static int
is_realtime(clockid_t id)
{
    return id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE ||
           id == CLOCK_TAI;
}

int
clock_gettime(clockid_t id, struct timespec *ts)
{
    int64_t t;

    if (syscall(SYS_clock_gettime, id, ts) != 0)
        return -1;
    if (!is_realtime(id))
        return 0;
    t = (int64_t)ts->tv_sec * 1000000000LL + ts->tv_nsec + offset_now();
    ts->tv_sec = t / 1000000000LL;
    ts->tv_nsec = t % 1000000000LL;
    if (ts->tv_nsec < 0) {
        ts->tv_nsec += 1000000000LL;
        ts->tv_sec--;
    }
    return 0;
}

int
gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
    struct timespec ts;

    (void)tz;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return -1;
    /* glibc declares tv nonnull, yet callers pass NULL for tz only. */
    tv->tv_sec = ts.tv_sec;
    tv->tv_usec = ts.tv_nsec / 1000;
    return 0;
}

time_t
time(time_t *out)
{
    struct timespec ts;
    time_t t;

    clock_gettime(CLOCK_REALTIME, &ts);
    t = ts.tv_sec;
    if (out)
        *out = t;
    return t;
}

int
timespec_get(struct timespec *ts, int base)
{
    if (base != TIME_UTC || clock_gettime(CLOCK_REALTIME, ts) != 0)
        return 0;
    return base;
}
