/* SPDX-License-Identifier: MIT */
/*
 * clock.c: the real (CLOCK_MONOTONIC) and fake clocks.
 */
#include "util/common.h"

#include "util/clock.h"

#include <time.h>

static struct fl_clock real_clock = {false, 0, PTHREAD_MUTEX_INITIALIZER,
                                     false};

struct fl_clock *
fl_clock_real(void)
{
    return &real_clock;
}

void
fl_clock_fake_init(struct fl_clock *c, int64_t start_ns)
{
    c->fake = true;
    c->driven = false;
    c->fake_ns = start_ns;
    pthread_mutex_init(&c->mu, NULL);
}

void
fl_clock_release(struct fl_clock *c)
{
    if (c && c != &real_clock)
        pthread_mutex_destroy(&c->mu);
}

static int64_t
ts_ns(const struct timespec *ts)
{
    return (int64_t)ts->tv_sec * FL_NS_PER_S + ts->tv_nsec;
}

int64_t
fl_clock_now_ns(struct fl_clock *c)
{
    struct timespec ts;
    int64_t t;

    if (!c->fake) {
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts_ns(&ts);
    }
    pthread_mutex_lock(&c->mu);
    t = c->fake_ns;
    pthread_mutex_unlock(&c->mu);
    return t;
}

void
fl_clock_advance(struct fl_clock *c, int64_t delta_ns)
{
    if (!c->fake)
        FL_BUG("advancing the real clock");
    if (delta_ns < 0)
        FL_BUG("clock moved backwards by %" PRId64 " ns", -delta_ns);
    pthread_mutex_lock(&c->mu);
    c->fake_ns += delta_ns;
    pthread_mutex_unlock(&c->mu);
}

void
fl_clock_advance_to(struct fl_clock *c, int64_t t_ns)
{
    if (!c->fake)
        FL_BUG("advancing the real clock");
    pthread_mutex_lock(&c->mu);
    if (c->fake_ns < t_ns)
        c->fake_ns = t_ns;
    pthread_mutex_unlock(&c->mu);
}

void
fl_clock_sleep_ns(struct fl_clock *c, int64_t ns)
{
    struct timespec ts;

    if (ns <= 0)
        return;
    if (c->fake) {
        fl_clock_advance(c, ns);
        return;
    }
    ts.tv_sec = ns / FL_NS_PER_S;
    ts.tv_nsec = ns % FL_NS_PER_S;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

int64_t
fl_clock_mono_ms(void)
{
    return fl_clock_now_ns(&real_clock) / FL_NS_PER_MS;
}

int64_t
fl_clock_mono_ns(void)
{
    return fl_clock_now_ns(&real_clock);
}

int64_t
fl_clock_wall_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return ts_ns(&ts);
}

void
fl_cond_init_monotonic(pthread_cond_t *cond)
{
    pthread_condattr_t attr;

    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(cond, &attr);
    pthread_condattr_destroy(&attr);
}

int
fl_cond_wait_until(pthread_cond_t *cond, pthread_mutex_t *mu,
                   int64_t deadline_ns)
{
    struct timespec ts;

    ts.tv_sec = deadline_ns / FL_NS_PER_S;
    ts.tv_nsec = deadline_ns % FL_NS_PER_S;
    return pthread_cond_timedwait(cond, mu, &ts);
}

void
fl_clock_format_store(int64_t wall_ns, char *buf, size_t len)
{
    time_t secs = (time_t)(wall_ns / FL_NS_PER_S);
    struct tm tm;
    char tmp[32];

    gmtime_r(&secs, &tm);
    strftime(tmp, sizeof(tmp), "%Y%m%dT%H%M%S", &tm);
    snprintf(buf, len, "%s.%03dZ", tmp,
             (int)((wall_ns % FL_NS_PER_S) / FL_NS_PER_MS));
}
