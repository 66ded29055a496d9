/* SPDX-License-Identifier: MIT */
/*
 * faultline-vtime.c: libfaultline-vtime.so, the LD_PRELOAD shim that
 * `faultline maelstrom test --deterministic` loads into every node. The
 * node's clocks show faultline's virtual time (faultline-vtime.h), and its
 * timed waits wait in virtual time: a thread that sleeps or waits with a
 * timeout records its virtual deadline in the shared page and returns when
 * faultline has moved the virtual time past it (or when what it waits for
 * happens). Covered: clock_gettime, gettimeofday, time, nanosleep,
 * clock_nanosleep, usleep, sleep, poll, ppoll, select, pselect,
 * epoll_wait, epoll_pwait, sem_timedwait, sem_clockwait. Not covered:
 * pthread_cond_timedwait (glibc hides a condition's clock), the vDSO read
 * directly (Go), CPU-time clocks. Without $FAULTLINE_VTIME_FILE every call
 * is the real one.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <poll.h>
#include <semaphore.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "faultline-vtime.h"

/* How long a waiting thread sleeps in real time before it looks at the
 * virtual clock again (faultline wakes pure sleeps at once). */
#define POLL_REAL_NS 2000000LL

static struct fl_vtime_page *g_page;
static _Atomic int g_state; /* 0 unknown, 1 mapped, 2 none */

static struct fl_vtime_page *
page(void)
{
    int st = atomic_load(&g_state);
    const char *path;
    void *m = MAP_FAILED;
    int fd;

    if (st)
        return st == 1 ? g_page : NULL;
    path = getenv("FAULTLINE_VTIME_FILE");
    fd = path ? open(path, O_RDWR | O_CLOEXEC) : -1;
    if (fd >= 0) {
        m = mmap(NULL, sizeof(struct fl_vtime_page), PROT_READ | PROT_WRITE,
                 MAP_SHARED, fd, 0);
        close(fd);
    }
    if (m == MAP_FAILED ||
        ((struct fl_vtime_page *)m)->magic != FL_VTIME_MAGIC) {
        atomic_store(&g_state, 2);
        return NULL;
    }
    g_page = m;
    atomic_store(&g_state, 1);
    return g_page;
}

static int64_t
vnow(struct fl_vtime_page *p)
{
    return atomic_load(&p->now);
}

static int64_t
ts_ns(const struct timespec *ts)
{
    return (int64_t)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

static void
ns_ts(int64_t ns, struct timespec *ts)
{
    ts->tv_sec = ns / 1000000000LL;
    ts->tv_nsec = ns % 1000000000LL;
}

/* The virtual clock's base for id, or 0 with *ok false (a real clock). */
static int64_t
vbase(clockid_t id, int *ok)
{
    *ok = 1;
    switch (id) {
    case CLOCK_MONOTONIC:
    case CLOCK_MONOTONIC_RAW:
    case CLOCK_MONOTONIC_COARSE:
    case CLOCK_BOOTTIME:
        return FL_VTIME_MONO_BASE;
    case CLOCK_REALTIME:
    case CLOCK_REALTIME_COARSE:
    case CLOCK_TAI:
        return FL_VTIME_REAL_BASE;
    default:
        *ok = 0;
        return 0;
    }
}

/* ---- clocks ---- */

int
clock_gettime(clockid_t id, struct timespec *ts)
{
    struct fl_vtime_page *p = page();
    int ok;
    int64_t base = vbase(id, &ok);

    if (!p || !ok)
        return (int)syscall(SYS_clock_gettime, id, ts);
    ns_ts(base + vnow(p), ts);
    return 0;
}

int
gettimeofday(struct timeval *tv, void *tz)
{
    struct fl_vtime_page *p = page();
    int64_t ns;

    if (!p)
        return (int)syscall(SYS_gettimeofday, tv, tz);
    ns = FL_VTIME_REAL_BASE + vnow(p);
    tv->tv_sec = ns / 1000000000LL;
    tv->tv_usec = (ns % 1000000000LL) / 1000;
    return 0;
}

time_t
time(time_t *out)
{
    struct fl_vtime_page *p = page();
    time_t t;

    if (!p) {
        struct timespec ts;
        syscall(SYS_clock_gettime, CLOCK_REALTIME, &ts);
        t = ts.tv_sec;
    } else {
        t = (time_t)((FL_VTIME_REAL_BASE + vnow(p)) / 1000000000LL);
    }
    if (out)
        *out = t;
    return t;
}

/* ---- deadlines ---- */

static int
slot_take(struct fl_vtime_page *p, int64_t deadline)
{
    int32_t tid = (int32_t)syscall(SYS_gettid);

    for (int i = 0; i < FL_VTIME_SLOTS; i++) {
        int32_t zero = 0;
        if (!atomic_compare_exchange_strong(&p->slot[i].tid, &zero, -1))
            continue;
        atomic_store(&p->slot[i].deadline, deadline);
        atomic_store(&p->slot[i].tid, tid);
        return i;
    }
    return -1; /* more waiters than slots: faultline will not wake it */
}

static void
slot_put(struct fl_vtime_page *p, int i)
{
    if (i >= 0)
        atomic_store(&p->slot[i].tid, 0);
}

/* Sleep until virtual time deadline: 0, or -1 with errno EINTR. */
static int
vsleep(struct fl_vtime_page *p, int64_t deadline)
{
    int s = slot_take(p, deadline), rc = 0;

    for (;;) {
        uint32_t g = atomic_load(&p->gen);
        if (vnow(p) >= deadline)
            break;
        struct timespec t = {0, 50000000}; /* re-check now and then */
        if (syscall(SYS_futex, &p->gen, FUTEX_WAIT, g, &t, NULL, 0) < 0 &&
            errno == EINTR) {
            rc = -1;
            break;
        }
    }
    slot_put(p, s);
    if (rc < 0)
        errno = EINTR;
    return rc;
}

static void
remain(struct fl_vtime_page *p, int64_t deadline, struct timespec *rem)
{
    int64_t left = deadline - vnow(p);

    if (rem)
        ns_ts(left > 0 ? left : 0, rem);
}

int
nanosleep(const struct timespec *req, struct timespec *rem)
{
    struct fl_vtime_page *p = page();
    int64_t d;

    if (!p)
        return (int)syscall(SYS_nanosleep, req, rem);
    d = vnow(p) + ts_ns(req);
    if (vsleep(p, d) < 0) {
        remain(p, d, rem);
        return -1;
    }
    return 0;
}

int
clock_nanosleep(clockid_t id, int flags, const struct timespec *req,
                struct timespec *rem)
{
    struct fl_vtime_page *p = page();
    int ok;
    int64_t base = vbase(id, &ok), d;

    if (!p || !ok) {
        long r = syscall(SYS_clock_nanosleep, id, flags, req, rem);
        return r < 0 ? errno : 0;
    }
    d = flags & TIMER_ABSTIME ? ts_ns(req) - base : vnow(p) + ts_ns(req);
    if (vsleep(p, d) < 0) {
        if (!(flags & TIMER_ABSTIME))
            remain(p, d, rem);
        return EINTR;
    }
    return 0;
}

int
usleep(useconds_t us)
{
    struct timespec ts = {us / 1000000, (long)(us % 1000000) * 1000};

    return nanosleep(&ts, NULL);
}

unsigned int
sleep(unsigned int s)
{
    struct timespec ts = {s, 0}, rem = {0, 0};

    if (nanosleep(&ts, &rem) < 0)
        return (unsigned int)rem.tv_sec;
    return 0;
}

/* ---- waits for something else, with a timeout ---- */

static int64_t
rel_deadline(struct fl_vtime_page *p, int64_t ns)
{
    return vnow(p) + (ns > 0 ? ns : 0);
}

int
ppoll(struct pollfd *fds, nfds_t n, const struct timespec *tmo,
      const sigset_t *mask)
{
    struct fl_vtime_page *p = page();
    struct timespec step = {0, POLL_REAL_NS};
    int64_t d;
    int s, r;

    if (!p || !tmo || ts_ns(tmo) == 0)
        return (int)syscall(SYS_ppoll, fds, n, tmo, mask, _NSIG / 8);
    d = rel_deadline(p, ts_ns(tmo));
    s = slot_take(p, d);
    do
        r = (int)syscall(SYS_ppoll, fds, n, &step, mask, _NSIG / 8);
    while (r == 0 && vnow(p) < d);
    slot_put(p, s);
    return r;
}

int
poll(struct pollfd *fds, nfds_t n, int ms)
{
    struct timespec t;

    if (ms < 0)
        return ppoll(fds, n, NULL, NULL);
    ns_ts((int64_t)ms * 1000000LL, &t);
    return ppoll(fds, n, &t, NULL);
}

/* pselect6's last argument: the signal mask and its size. */
struct sigdata {
    const sigset_t *ss;
    size_t len;
};

int
pselect(int n, fd_set *rd, fd_set *wr, fd_set *ex, const struct timespec *tmo,
        const sigset_t *mask)
{
    struct fl_vtime_page *p = page();
    struct timespec step;
    struct sigdata sd = {mask, _NSIG / 8};
    fd_set r0, w0, e0;
    int64_t d;
    int s, r;

    if (!p || !tmo || ts_ns(tmo) == 0) {
        struct timespec copy, *t = NULL;
        if (tmo) {
            copy = *tmo;
            t = &copy;
        }
        return (int)syscall(SYS_pselect6, n, rd, wr, ex, t, mask ? &sd : NULL);
    }
    if (rd)
        r0 = *rd;
    if (wr)
        w0 = *wr;
    if (ex)
        e0 = *ex;
    d = rel_deadline(p, ts_ns(tmo));
    s = slot_take(p, d);
    for (;;) {
        if (rd)
            *rd = r0;
        if (wr)
            *wr = w0;
        if (ex)
            *ex = e0;
        ns_ts(POLL_REAL_NS, &step);
        r = (int)syscall(SYS_pselect6, n, rd, wr, ex, &step, mask ? &sd : NULL);
        if (r != 0 || vnow(p) >= d)
            break;
    }
    slot_put(p, s);
    return r;
}

int
select(int n, fd_set *rd, fd_set *wr, fd_set *ex, struct timeval *tv)
{
    struct timespec t;

    if (!tv)
        return pselect(n, rd, wr, ex, NULL, NULL);
    t.tv_sec = tv->tv_sec;
    t.tv_nsec = tv->tv_usec * 1000;
    return pselect(n, rd, wr, ex, &t, NULL);
}

int
epoll_pwait(int ep, struct epoll_event *ev, int max, int ms,
            const sigset_t *mask)
{
    struct fl_vtime_page *p = page();
    int64_t d;
    int s, r;

    if (!p || ms <= 0)
        return (int)syscall(SYS_epoll_pwait, ep, ev, max, ms, mask, _NSIG / 8);
    d = rel_deadline(p, (int64_t)ms * 1000000LL);
    s = slot_take(p, d);
    do
        r = (int)syscall(SYS_epoll_pwait, ep, ev, max,
                         (int)(POLL_REAL_NS / 1000000LL), mask, _NSIG / 8);
    while (r == 0 && vnow(p) < d);
    slot_put(p, s);
    return r;
}

int
epoll_wait(int ep, struct epoll_event *ev, int max, int ms)
{
    return epoll_pwait(ep, ev, max, ms, NULL);
}

/* ---- semaphores (Python's locks with a timeout) ---- */

typedef int (*clockwait_fn)(sem_t *, clockid_t, const struct timespec *);

static clockwait_fn
real_clockwait(void)
{
    static _Atomic(clockwait_fn) fn;
    clockwait_fn f = atomic_load(&fn);

    if (!f) {
        f = (clockwait_fn)dlsym(RTLD_NEXT, "sem_clockwait");
        atomic_store(&fn, f);
    }
    return f;
}

/* Wait for sem until virtual deadline d, in short real waits. */
static int
vsem(struct fl_vtime_page *p, sem_t *sem, int64_t d)
{
    clockwait_fn f = real_clockwait();
    int s = slot_take(p, d), r, e = 0;

    for (;;) {
        struct timespec t;
        syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &t);
        ns_ts(ts_ns(&t) + POLL_REAL_NS, &t);
        r = f(sem, CLOCK_MONOTONIC, &t);
        e = errno;
        if (r == 0 || e != ETIMEDOUT)
            break;
        if (vnow(p) >= d)
            break;
    }
    slot_put(p, s);
    errno = e;
    return r;
}

int
sem_clockwait(sem_t *sem, clockid_t id, const struct timespec *abs)
{
    struct fl_vtime_page *p = page();
    int ok;
    int64_t base = vbase(id, &ok);

    if (!p || !ok || !real_clockwait())
        return real_clockwait() ? real_clockwait()(sem, id, abs)
                                : (errno = ENOSYS, -1);
    return vsem(p, sem, ts_ns(abs) - base);
}

int
sem_timedwait(sem_t *sem, const struct timespec *abs)
{
    return sem_clockwait(sem, CLOCK_REALTIME, abs);
}
