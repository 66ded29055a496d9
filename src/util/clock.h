/* SPDX-License-Identifier: MIT */
/*
 * clock.h: every wait and every "now" in faultline goes through a struct
 * fl_clock, so tests can swap the real clock for a fake one and simulate a
 * whole run's schedule deterministically. The real clock reads
 * CLOCK_MONOTONIC; the fake one only moves when told to (or when something
 * sleeps on it, which advances it instantly). Times are int64 nanoseconds.
 * Both clocks are thread-safe.
 */
#ifndef FL_CLOCK_H
#define FL_CLOCK_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct fl_clock {
    bool fake;          /* false: CLOCK_MONOTONIC */
    int64_t fake_ns;    /* current fake time, protected by mu */
    pthread_mutex_t mu; /* protects fake_ns */
    bool driven;        /* fake, and moved by whatever serves the ops too
                           (maelstrom --deterministic's network): the
                           interpreter moves it only while no op is in
                           flight, instead of jumping to ops' timeouts */
};

#define FL_NS_PER_US 1000LL
#define FL_NS_PER_MS 1000000LL
#define FL_NS_PER_S  1000000000LL

/** The process-wide real clock. */
struct fl_clock *fl_clock_real(void);
/** A fake clock starting at start_ns. Release with fl_clock_release(). */
void fl_clock_fake_init(struct fl_clock *c, int64_t start_ns);
void fl_clock_release(struct fl_clock *c);
int64_t fl_clock_now_ns(struct fl_clock *c);
/** Move a fake clock forward by delta_ns (>= 0); BUG on the real clock. */
void fl_clock_advance(struct fl_clock *c, int64_t delta_ns);
/** Move a fake clock forward to t_ns if it is behind (never back). */
void fl_clock_advance_to(struct fl_clock *c, int64_t t_ns);
/** Sleep for ns; on a fake clock this advances it and returns at once. */
void fl_clock_sleep_ns(struct fl_clock *c, int64_t ns);
/** CLOCK_MONOTONIC in milliseconds, for timeouts outside any fl_clock. */
int64_t fl_clock_mono_ms(void);
/** CLOCK_MONOTONIC in nanoseconds, likewise (cheap: vDSO). */
int64_t fl_clock_mono_ns(void);
/** CLOCK_REALTIME in ns since the epoch, for timestamps only. */
int64_t fl_clock_wall_ns(void);
/** Initialise a condition variable that waits on CLOCK_MONOTONIC. */
void fl_cond_init_monotonic(pthread_cond_t *cond);
/**
 * Wait on cond until deadline_ns (CLOCK_MONOTONIC). Returns 0 when woken,
 * ETIMEDOUT at the deadline.
 */
int fl_cond_wait_until(pthread_cond_t *cond, pthread_mutex_t *mu,
                       int64_t deadline_ns);
/**
 * Format a wall time as Jepsen's store does, "20261126T054748.123Z" (UTC).
 * buf must hold at least 24 bytes.
 */
void fl_clock_format_store(int64_t wall_ns, char *buf, size_t len);

#endif
