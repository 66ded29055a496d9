/* SPDX-License-Identifier: MIT */
/*
 * hist_int.h: helpers shared by the history module's parsers (edn.c,
 * json.c) and hist.c, not part of the public API.
 */
#ifndef FL_HIST_INT_H
#define FL_HIST_INT_H

#include "history/hist.h"

/**
 * EDN histories at least this long are read by two threads (edn.c); the
 * unit tests lower it to exercise the split on small inputs.
 */
extern size_t fl_edn__par_min_bytes;

/**
 * fl_kw_intern() through a small per-thread cache of recent names (no lock
 * on a hit); the readers intern every :f and keyword through it.
 */
uint32_t fl_hist__intern_cached(const char *name, size_t n);

/**
 * JSON lines are read by a fast reader, which hands any line it does not
 * take exactly as jansson would (escapes, non-ASCII, errors, tagged
 * objects, ...) to the jansson reader; false sends every line there (the
 * differential tests compare the two).
 */
extern bool fl_json__fast;

#define FL_HIST_DROP_BYTES ((size_t)8 << 20)

int fl_hist__progress_slow(struct fl_hist *h, const char *buf, size_t *done,
                           size_t pos, struct fl_err *err);

/**
 * A parser calls this as it goes, pos being how far it has read buf, and
 * *done (starting where it started) how far this last did its work. Every
 * FL_HIST_DROP_BYTES of input it
 *  - checks the memory the history holds against its budget
 *    (fl_hist_memory_budget()): over it, it returns FL_ELIMIT with err
 *    set ("history too large for memory"), and the parser stops;
 *  - when h->src_mapped, drops the pages of buf behind pos (values are
 *    copies, and the mapping is private and never written, so a page read
 *    again, by an error message, comes back from the file) and reads in
 *    those ahead, so a history costs the memory of its ops, not of its
 *    file as well.
 */
static inline int
fl_hist__progress(struct fl_hist *h, const char *buf, size_t *done, size_t pos,
                  struct fl_err *err)
{
    if (pos - *done < FL_HIST_DROP_BYTES)
        return 0;
    return fl_hist__progress_slow(h, buf, done, pos, err);
}

/**
 * Append the ops of part (read by a second thread from the line numbered
 * line0 on) to h as if one thread had read them: lines shifted, default
 * :index values shifted by h->n, part's arena adopted. part is left empty
 * of values; release it as usual.
 */
void fl_hist__adopt(struct fl_hist *h, struct fl_hist *part, uint32_t line0);

/** Append op and record its source line (1-based) in h->lines. */
size_t fl_hist__append_line(struct fl_hist *h, const struct fl_op *op,
                            uint32_t line);
/** Make room for extra more ops (and their lines) without reallocating. */
void fl_hist__reserve(struct fl_hist *h, size_t extra);
/**
 * Before parsing len bytes into h: pick an arena block size that fits the
 * input (small histories should not cost a megabyte) and reserve ops.
 */
void fl_hist__prepare(struct fl_hist *h, size_t len, size_t ops_hint);
/** Trim h->ops and h->lines to exactly h->n entries. */
void fl_hist__shrink(struct fl_hist *h);
/** Replace h->name with a copy of name (NULL clears it). */
void fl_hist__set_name(struct fl_hist *h, const char *name);

/**
 * Format a finite double as the shortest text that reads back equal, the
 * way Clojure prints it ("1000.0", "1.0E10"); returns the length.
 */
size_t fl_val__fmt_double(double d, char *buf, size_t n);

/** True if two of the n items (every stride-th fl_val) are equal. */
bool fl_val__has_dups(const fl_val *items, size_t n, size_t stride);

#endif
