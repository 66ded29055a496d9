/* SPDX-License-Identifier: MIT */
/*
 * memkv.h: the self-test suite's in-process key-value store. It exists to
 * test faultline itself (docs/memkv.md), never as a stand-in for a real
 * system: every operation is atomic under one mutex unless a bug is
 * switched on. Bugs: stale-read (register reads may return the value a
 * recent write replaced; bank reads fetch one balance at a time),
 * lost-update (adds, cas, counter increments and transfers are
 * read-modify-write without the lock held across, so concurrent updates
 * overwrite each other). For the queue, lost-update loses enqueues
 * (copy, append, write back) and stale-read hands one element to two
 * dequeuers (a lagging replica's head); for unique ids, lost-update hands
 * out an id twice; for long-fork, stale-read reads a group's keys one at a
 * time in a random order, not from one snapshot.
 */
#ifndef FL_MEMKV_H
#define FL_MEMKV_H

#include <stdbool.h>
#include <stdint.h>

#include "nemesis/nemesis.h"
#include "run/client.h"

enum fl_memkv_bug {
    FL_MEMKV_BUG_NONE,
    FL_MEMKV_BUG_STALE_READ,
    FL_MEMKV_BUG_LOST_UPDATE,
    FL_MEMKV_BUG_PANIC, /* logs a "panic:" line to its node log and goes on */
};

enum fl_memkv_workload {
    FL_MEMKV_REGISTER,
    FL_MEMKV_SET,
    FL_MEMKV_COUNTER,
    FL_MEMKV_BANK,
    FL_MEMKV_QUEUE,      /* :enqueue v, :dequeue, a final :drain */
    FL_MEMKV_UNIQUE_IDS, /* :generate returns a fresh id */
    FL_MEMKV_LONG_FORK,  /* txns [[:w k v]] and group reads [[:r k nil] ...] */
};

#define FL_MEMKV_ACCOUNTS 8
#define FL_MEMKV_TOTAL    100

struct fl_memkv;

/** A fresh store; free with fl_memkv_free(). */
struct fl_memkv *fl_memkv_new(enum fl_memkv_workload w, enum fl_memkv_bug bug,
                              uint64_t seed);
void fl_memkv_free(void *kv);
/*
 * The store's own log, as a node's: <store dir>/memkv/memkv.log (what
 * log-file-pattern scans). The panic bug writes one "panic:" line into it
 * after FL_MEMKV_PANIC_AFTER ops and keeps serving correctly.
 */
#define FL_MEMKV_LOG_NODE    "memkv"
#define FL_MEMKV_LOG_FILE    "memkv.log"
#define FL_MEMKV_PANIC_AFTER 50

/** Parse "none", "stale-read", "lost-update", "panic"; -1 if unknown. */
int fl_memkv_bug_parse(const char *s);

/**
 * The pause fault: while paused, every op waits until resumed, as the
 * requests to a SIGSTOPped node hang. Returns whether kv was paused.
 */
bool fl_memkv_set_paused(struct fl_memkv *kv, bool paused);
/**
 * The nemesis of kv (borrowed: it must outlive the nemesis): :pause and
 * :resume; :start-partition and :stop-partition (a request sent during a
 * partition is lost: its client waits for an answer until the op times
 * out, or until this nemesis's teardown closes the connections). Teardown
 * heals both. Free with fl_nemesis_free().
 */
struct fl_nemesis *fl_memkv_nemesis_new(struct fl_memkv *kv);

/**
 * A test seam: fn(arg) runs in every race window a bug opens (with the
 * store's lock released) in place of the window's pause, so that a unit
 * test lands an op inside the window by construction rather than by
 * timing. Set it before any op runs; NULL restores the pause. Without a
 * bug no window opens and fn is never called.
 */
typedef void fl_memkv_window_fn(void *arg);
void fl_memkv_set_window_hook(struct fl_memkv *kv, fl_memkv_window_fn *fn,
                              void *arg);

/** The client (shared = the struct fl_memkv). */
extern const struct fl_client_type fl_memkv_client_type;

#endif
