/* SPDX-License-Identifier: MIT */
/*
 * writer.h: the streaming on-disk history writer the run uses. Appending
 * copies the op into a ring; a thread of the writer's own formats each op
 * as one history.edn line and writes the lines out within a few
 * milliseconds (or at once on fl_hist_writer_flush()), so a SIGKILL of
 * faultline loses only the last few milliseconds. An op's values (and
 * extra keys) must stay valid until the op is flushed or the writer is
 * closed: the run's history arena keeps them. Thread-safe; each thread's
 * ops stay in its order.
 */
#ifndef FL_WRITER_H
#define FL_WRITER_H

#include "history/op.h"

struct fl_err;
struct fl_hist_writer;

/** Open path for writing (truncating). Returns NULL and fills err. */
struct fl_hist_writer *fl_hist_writer_open(const char *path,
                                           struct fl_err *err);
/** Queue op; fails once a write has failed (the error is sticky). */
int fl_hist_writer_append(struct fl_hist_writer *w, const struct fl_op *op,
                          struct fl_err *err);
/** Queue ops[0..n) under one lock (one appender's batch), in order. */
int fl_hist_writer_append_n(struct fl_hist_writer *w, const struct fl_op *ops,
                            size_t n, struct fl_err *err);
/** Wait until every op appended before the call is written out. */
int fl_hist_writer_flush(struct fl_hist_writer *w, struct fl_err *err);
/** Flush, fsync and close; accepts NULL. */
int fl_hist_writer_close(struct fl_hist_writer *w, struct fl_err *err);

#endif
