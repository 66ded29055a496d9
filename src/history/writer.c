/* SPDX-License-Identifier: MIT */
/*
 * writer.c: the streaming history.edn writer. Appenders copy each op into
 * a ring; a writer thread of its own formats the ops into a buffer and
 * writes it with write(2) once it passes WRITER_BUF_BYTES, once its oldest
 * line has waited WRITER_LAG_NS, or when a flush asks. So the thread that
 * appends (the run's scheduler) pays for a copy, not for EDN formatting or
 * system calls, and a crash loses at most the last few milliseconds and
 * never a partial line that was already written. The ops' values must
 * stay valid until the op is written (the run's history arena keeps them
 * for the whole run).
 */
#include "util/common.h"

#include "history/writer.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "history/edn.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/futex.h"
#include "util/strbuf.h"

#define WRITER_RING       (1u << 15)         /* ops queued, at most */
#define WRITER_BUF_BYTES  (256 * 1024)       /* write(2) past this */
#define WRITER_LAG_NS     (2 * FL_NS_PER_MS) /* or when a line is this old */
#define WRITER_IDLE_NS    (1 * FL_NS_PER_MS) /* idle thread looks this often */
#define WRITER_FREE_EVERY 256                /* ops formatted per done store */

struct fl_hist_writer {
    /* appenders */
    _Alignas(64) pthread_mutex_t mu; /* one appender at a time */
    size_t done_seen;                /* last value of done read (under mu) */
    atomic_size_t tail;              /* ops queued */
    /* the writer thread */
    _Alignas(64) atomic_size_t done; /* ops formatted: their slots are free */
    atomic_size_t written;           /* ops whose lines are written out */
    atomic_uint wgen;                /* futex: bumped after each write */
    /* rarely written */
    _Alignas(64) atomic_size_t want; /* a flush waits for written >= want */
    atomic_uint kick;                /* futex: wakes the writer thread */
    atomic_int flushers;             /* threads waiting in a flush */
    atomic_int failed;               /* sticky -errno of a failed write */
    atomic_bool stop;
    struct fl_op *ring;
    int fd;
    struct fl_strbuf buf; /* the writer thread's */
    char *path;
    pthread_t thread;
};

static void
kick(struct fl_hist_writer *w)
{
    atomic_fetch_add(&w->kick, 1);
    fl_futex_wake(&w->kick, INT32_MAX);
}

/* Write the buffer out: ops before d are then on disk (writer thread). */
static void
write_out(struct fl_hist_writer *w, size_t d)
{
    size_t off = 0;

    while (off < w->buf.len && !atomic_load(&w->failed)) {
        ssize_t n = write(w->fd, w->buf.buf + off, w->buf.len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            atomic_store(&w->failed, n < 0 ? -errno : -EIO);
        else
            off += (size_t)n;
    }
    fl_strbuf_reset(&w->buf);
    atomic_store_explicit(&w->written, d, memory_order_release);
    atomic_fetch_add(&w->wgen, 1);
    if (atomic_load(&w->flushers))
        fl_futex_wake(&w->wgen, INT32_MAX);
}

static void *
writer_main(void *arg)
{
    struct fl_hist_writer *w = arg;
    size_t d = 0;
    int64_t oldest = 0; /* when the buffer's first line was formatted */

    for (;;) {
        size_t t = atomic_load_explicit(&w->tail, memory_order_acquire);
        if (t != d) {
            if (!w->buf.len)
                oldest = fl_clock_mono_ns();
            while (d != t && w->buf.len < WRITER_BUF_BYTES) {
                /* After a failed write, ops are dropped: appends fail. */
                if (!atomic_load_explicit(&w->failed, memory_order_relaxed)) {
                    fl_edn_print_op(&w->buf, &w->ring[d & (WRITER_RING - 1)]);
                    fl_strbuf_addch(&w->buf, '\n');
                }
                if (++d % WRITER_FREE_EVERY == 0)
                    atomic_store_explicit(&w->done, d, memory_order_release);
            }
            atomic_store_explicit(&w->done, d, memory_order_release);
        }
        int64_t now = fl_clock_mono_ns();
        if (w->buf.len >= WRITER_BUF_BYTES ||
            (w->buf.len && now - oldest >= WRITER_LAG_NS) ||
            atomic_load(&w->want) > atomic_load(&w->written)) {
            write_out(w, d);
            continue;
        }
        if (atomic_load_explicit(&w->tail, memory_order_acquire) != d)
            continue;
        if (atomic_load(&w->stop)) {
            write_out(w, d);
            break;
        }
        unsigned k = atomic_load(&w->kick);
        if (atomic_load(&w->tail) != d || atomic_load(&w->stop) ||
            atomic_load(&w->want) > atomic_load(&w->written))
            continue;
        int64_t nap = WRITER_IDLE_NS;
        if (w->buf.len && oldest + WRITER_LAG_NS - now < nap)
            nap = FL_MAX(oldest + WRITER_LAG_NS - now, 1);
        fl_futex_wait(&w->kick, k, nap);
    }
    return NULL;
}

static void
writer_free(struct fl_hist_writer *w)
{
    pthread_mutex_destroy(&w->mu);
    fl_strbuf_release(&w->buf);
    free(w->ring);
    free(w->path);
    free(w);
}

struct fl_hist_writer *
fl_hist_writer_open(const char *path, struct fl_err *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        fl_err_set(err, -errno, "open %s: %s", path, strerror(errno));
        return NULL;
    }
    struct fl_hist_writer *w = fl_xcalloc_aligned(64, sizeof(*w));
    pthread_mutex_init(&w->mu, NULL);
    w->fd = fd;
    w->ring = fl_xcalloc(WRITER_RING, sizeof(*w->ring));
    fl_strbuf_init(&w->buf, WRITER_BUF_BYTES + 4096);
    w->path = fl_xstrdup(path);
    int rc = pthread_create(&w->thread, NULL, writer_main, w);
    if (rc != 0) {
        fl_err_set(err, -rc, "%s: start the writer thread: %s", path,
                   strerror(rc));
        close(fd);
        writer_free(w);
        return NULL;
    }
    return w;
}

static int
failed_err(struct fl_hist_writer *w, struct fl_err *err)
{
    int f = atomic_load(&w->failed);

    return fl_err_set(err, f, "write %s: %s", w->path, strerror(-f));
}

/* Queue one op; the caller holds w->mu. */
static int
append_locked(struct fl_hist_writer *w, const struct fl_op *op)
{
    size_t t = atomic_load_explicit(&w->tail, memory_order_relaxed);

    if (t - w->done_seen >= WRITER_RING) {
        /* Full: the disk is behind. Wait for room (acquire: the writer
         * thread is done reading the slot we reuse). */
        for (;;) {
            w->done_seen = atomic_load_explicit(&w->done, memory_order_acquire);
            if (t - w->done_seen < WRITER_RING || atomic_load(&w->failed))
                break;
            kick(w);
            usleep(100);
        }
        if (atomic_load(&w->failed))
            return -1;
    }
    w->ring[t & (WRITER_RING - 1)] = *op;
    atomic_store_explicit(&w->tail, t + 1, memory_order_release);
    return 0;
}

int
fl_hist_writer_append(struct fl_hist_writer *w, const struct fl_op *op,
                      struct fl_err *err)
{
    int rc;

    if (atomic_load_explicit(&w->failed, memory_order_relaxed))
        return failed_err(w, err);
    pthread_mutex_lock(&w->mu);
    rc = append_locked(w, op);
    pthread_mutex_unlock(&w->mu);
    return rc == 0 ? 0 : failed_err(w, err);
}

int
fl_hist_writer_append_n(struct fl_hist_writer *w, const struct fl_op *ops,
                        size_t n, struct fl_err *err)
{
    int rc = 0;

    if (atomic_load_explicit(&w->failed, memory_order_relaxed))
        return failed_err(w, err);
    pthread_mutex_lock(&w->mu);
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = append_locked(w, &ops[i]);
    pthread_mutex_unlock(&w->mu);
    return rc == 0 ? 0 : failed_err(w, err);
}

int
fl_hist_writer_flush(struct fl_hist_writer *w, struct fl_err *err)
{
    size_t t = atomic_load_explicit(&w->tail, memory_order_acquire);
    size_t want = atomic_load(&w->want);

    while (want < t && !atomic_compare_exchange_weak(&w->want, &want, t))
        ;
    atomic_fetch_add(&w->flushers, 1);
    kick(w);
    for (;;) {
        unsigned g = atomic_load(&w->wgen);
        if (atomic_load_explicit(&w->written, memory_order_acquire) >= t ||
            atomic_load(&w->failed))
            break;
        fl_futex_wait(&w->wgen, g, WRITER_IDLE_NS);
    }
    atomic_fetch_sub(&w->flushers, 1);
    if (atomic_load(&w->failed))
        return failed_err(w, err);
    return 0;
}

int
fl_hist_writer_close(struct fl_hist_writer *w, struct fl_err *err)
{
    if (!w)
        return 0;
    int rc = fl_hist_writer_flush(w, err);
    atomic_store(&w->stop, true);
    kick(w);
    pthread_join(w->thread, NULL);
    if (fsync(w->fd) != 0 && rc == 0 && errno != EINVAL)
        rc = fl_err_set(err, -errno, "fsync %s: %s", w->path, strerror(errno));
    if (close(w->fd) != 0 && rc == 0)
        rc = fl_err_set(err, -errno, "close %s: %s", w->path, strerror(errno));
    writer_free(w);
    return rc;
}
