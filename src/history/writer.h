/* SPDX-License-Identifier: MIT */
/*
 * writer.h: the streaming on-disk history writer the run uses. Each op is
 * formatted as one history.edn line into a buffer that is written out when
 * it passes a few KB or when fl_hist_writer_flush() is called (the run
 * flushes at least every few milliseconds), so a SIGKILL of faultline loses
 * only what was not yet flushed. Thread-safe.
 */
#ifndef FL_WRITER_H
#define FL_WRITER_H

#include "history/op.h"

struct fl_err;
struct fl_hist_writer;

/** Open path for writing (truncating). Returns NULL and fills err. */
struct fl_hist_writer *fl_hist_writer_open(const char *path,
                                           struct fl_err *err);
int fl_hist_writer_append(struct fl_hist_writer *w, const struct fl_op *op,
                          struct fl_err *err);
int fl_hist_writer_flush(struct fl_hist_writer *w, struct fl_err *err);
/** Flush, fsync and close; accepts NULL. */
int fl_hist_writer_close(struct fl_hist_writer *w, struct fl_err *err);

#endif
