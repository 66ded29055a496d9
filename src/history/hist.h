/* SPDX-License-Identifier: MIT */
/*
 * hist.h: a history, an array of ops in the order they happened plus the
 * arena their values live in. Millions of ops fit: each op is 56 bytes, the
 * values are packed in the arena, and nothing is malloc'd per op. Checkers
 * take a const struct fl_hist * and never modify it.
 */
#ifndef FL_HIST_H
#define FL_HIST_H

#include "history/op.h"
#include "util/arena.h"

#include <stdio.h>

struct fl_err;

struct fl_hist {
    struct fl_op *ops;     /* n ops in order */
    size_t n, alloc;       /* used and allocated ops */
    uint32_t *lines;       /* source line of each op (parsers), or NULL */
    struct fl_arena arena; /* values of all ops */
    char *name;            /* source file for messages, or NULL; owned */
    bool paired;           /* fl_hist_pair() has filled op.pair */
    bool src_mapped;       /* internal: the parser reads a read-only file
                              mapping (fl_hist_load), whose pages it may
                              drop once read */
    size_t budget_bytes;   /* internal: fl_hist_memory_budget() of the
                              parse in progress, 0: not asked yet */
};

void fl_hist_init(struct fl_hist *h);
void fl_hist_release(struct fl_hist *h);
/**
 * Append a copy of op. op->value and op->extra must live in h->arena (or be
 * scalars). Returns the new op's position.
 */
size_t fl_hist_append(struct fl_hist *h, const struct fl_op *op);

/**
 * The most memory (bytes) a history being parsed may take, ops and values:
 * FAULTLINE_MEMORY_MB from the environment when set (a positive number of
 * megabytes; anything else is ignored), else half the memory
 * available when asked (MemAvailable, or the cgroup's memory.max less its
 * use when lower), so the checker keeps room for its own work. A parse that
 * would go over it fails with FL_ELIMIT ("history too large for memory")
 * instead of the machine running out of memory; the check commands report
 * that as :valid? :unknown, :cause :out-of-memory.
 */
size_t fl_hist_memory_budget(void);

enum fl_hist_format {
    FL_HIST_AUTO, /* guess from the content: '{' then '"' means JSON */
    FL_HIST_EDN,
    FL_HIST_JSON, /* JSON lines, see docs/history-json.md */
};

struct fl_hist_warning_sink;

/**
 * Read a whole history file (EDN in either shape, or JSON lines) into h,
 * which must be initialised. On error returns a negative code and err names
 * file:line:col. Ops are not paired yet.
 */
int fl_hist_load(const char *path, enum fl_hist_format fmt, struct fl_hist *h,
                 struct fl_err *err);
/** The same, from memory; name is used in messages. */
int fl_hist_parse(const char *buf, size_t len, const char *name,
                  enum fl_hist_format fmt, struct fl_hist *h,
                  struct fl_err *err);

/**
 * Pair every invocation with its completion, per process, and validate.
 * Hard errors (returns negative, err names file:line): a completion with no
 * open invocation for its process, a second invocation while one is open,
 * an op whose :type is missing or unknown. Warnings (written to warn if not
 * NULL, one line each, and counted in *nwarn): a client process invoking
 * again after an :info completion, a completion whose :f differs from its
 * invocation's, a completion whose :time is before its invocation's, two
 * ops with the same :index (the verdict is still computed; messages name
 * file:line). Invocations left open have pair = -1. docs/history.md lists
 * every case. Jepsen/Knossos leniency: a completion for a process with no
 * open invocation whose type is :info is a warning, not an error (old logs).
 */
int fl_hist_pair(struct fl_hist *h, FILE *warn, size_t *nwarn,
                 struct fl_err *err);

#endif
