/* SPDX-License-Identifier: MIT */
/*
 * writer.c: the streaming history.edn writer. Ops are formatted under the
 * writer's mutex into one buffer that goes to the file descriptor with
 * write(2) once it passes FL_WRITER_FLUSH_BYTES or on an explicit flush, so
 * a crash loses at most the unflushed tail and never a partial line that
 * was already flushed. Workers call append concurrently; formatting is
 * cheap next to the ops themselves.
 */
#include "util/common.h"

#include "history/writer.h"

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include "history/edn.h"
#include "util/err.h"
#include "util/strbuf.h"

#define FL_WRITER_FLUSH_BYTES 8192

struct fl_hist_writer {
    pthread_mutex_t mu;
    int fd;               /* protected by mu */
    struct fl_strbuf buf; /* unwritten lines, protected by mu */
    char *path;
    int failed; /* sticky error code, protected by mu */
};

struct fl_hist_writer *
fl_hist_writer_open(const char *path, struct fl_err *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        fl_err_set(err, -errno, "open %s: %s", path, strerror(errno));
        return NULL;
    }
    struct fl_hist_writer *w = fl_xcalloc(1, sizeof(*w));
    pthread_mutex_init(&w->mu, NULL);
    w->fd = fd;
    fl_strbuf_init(&w->buf, 2 * FL_WRITER_FLUSH_BYTES);
    w->path = fl_xstrdup(path);
    return w;
}

/* Caller holds w->mu. */
static int
flush_locked(struct fl_hist_writer *w, struct fl_err *err)
{
    if (w->failed)
        return fl_err_set(err, w->failed, "write %s: %s", w->path,
                          strerror(-w->failed));
    size_t off = 0;
    while (off < w->buf.len) {
        ssize_t n = write(w->fd, w->buf.buf + off, w->buf.len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            w->failed = n < 0 ? -errno : -EIO;
            return fl_err_set(err, w->failed, "write %s: %s", w->path,
                              strerror(-w->failed));
        }
        off += (size_t)n;
    }
    fl_strbuf_reset(&w->buf);
    return 0;
}

int
fl_hist_writer_append(struct fl_hist_writer *w, const struct fl_op *op,
                      struct fl_err *err)
{
    int rc = 0;
    pthread_mutex_lock(&w->mu);
    fl_edn_print_op(&w->buf, op);
    fl_strbuf_addch(&w->buf, '\n');
    if (w->buf.len >= FL_WRITER_FLUSH_BYTES)
        rc = flush_locked(w, err);
    pthread_mutex_unlock(&w->mu);
    return rc;
}

int
fl_hist_writer_flush(struct fl_hist_writer *w, struct fl_err *err)
{
    pthread_mutex_lock(&w->mu);
    int rc = flush_locked(w, err);
    pthread_mutex_unlock(&w->mu);
    return rc;
}

int
fl_hist_writer_close(struct fl_hist_writer *w, struct fl_err *err)
{
    if (!w)
        return 0;
    int rc = fl_hist_writer_flush(w, err);
    if (fsync(w->fd) != 0 && rc == 0 && errno != EINVAL)
        rc = fl_err_set(err, -errno, "fsync %s: %s", w->path, strerror(errno));
    if (close(w->fd) != 0 && rc == 0)
        rc = fl_err_set(err, -errno, "close %s: %s", w->path, strerror(errno));
    pthread_mutex_destroy(&w->mu);
    fl_strbuf_release(&w->buf);
    free(w->path);
    free(w);
    return rc;
}
