/* SPDX-License-Identifier: MIT */
/*
 * schedule.h: a run's schedule (docs/replay.md), recorded as
 * <store>/schedule.edn while the run goes on, and read back by
 * `faultline test ... --replay STOREDIR`: the seed, every client
 * invocation the generator decided on (phase, time offset, thread,
 * process, :f, :value), every nemesis op with its offset and what it
 * targeted, and what each nemesis op reported on completion. A replay
 * runs the recorded ops instead of the suite's generators: thread t gets
 * the recorded ops of thread t in order, each no earlier than its offset,
 * and the nemesis its ops at theirs.
 */
#ifndef FL_RUN_SCHEDULE_H
#define FL_RUN_SCHEDULE_H

#include <stdbool.h>
#include <stdint.h>

#include "gen/gen.h"
#include "history/op.h"
#include "util/arena.h"

struct fl_err;
struct fl_nemesis;
struct fl_test;

/* The phases of a run (run.c's phases), as recorded. */
enum fl_schedule_phase {
    FL_SCHEDULE_WORKLOAD = 0,
    FL_SCHEDULE_HEALING = 1,
    FL_SCHEDULE_FINAL = 2,
};

#define FL_SCHEDULE_NEMESIS (-1) /* the thread of nemesis entries */

struct fl_schedule_entry {
    int phase;  /* enum fl_schedule_phase */
    int thread; /* client thread, or FL_SCHEDULE_NEMESIS */
    int32_t process;
    bool complete; /* a nemesis completion (what the fault did) */
    int64_t at_ns; /* ns since the run's origin */
    uint32_t f;
    fl_val value; /* in the schedule's arena */
    /* what a replay invokes: value, or for a nemesis op the concrete
       targets its completion recorded, where the nemesis takes them (a
       partition's grudge as "a,b>c;...") */
    fl_val replay_value;
};

struct fl_schedule {
    char *path; /* the file it was read from (owned) */
    uint64_t seed;
    int concurrency; /* client threads of the recorded run */
    struct fl_schedule_entry *e;
    size_t n, alloc;
    struct fl_arena arena;
};

/** Writes schedule.edn as the run goes (one per run). */
struct fl_schedule_writer;

/**
 * Create dir/schedule.edn and write its header (t's seed, concurrency,
 * name and suite). Returns NULL with err filled when it cannot.
 */
struct fl_schedule_writer *fl_schedule_writer_open(const char *dir,
                                                   const struct fl_test *t,
                                                   struct fl_err *err);
/**
 * Record op, dispatched on thread (a client thread, or
 * FL_SCHEDULE_NEMESIS) in phase, or completed there when complete:
 * client invocations, nemesis invocations and nemesis completions (client
 * completions are ignored). A copy: op's values must stay valid until the
 * next flush (the run's history arena keeps them). NULL w: nothing.
 */
void fl_schedule_writer_record(struct fl_schedule_writer *w, int phase,
                               int thread, bool complete,
                               const struct fl_op *op);
/**
 * Format and write what was recorded since the last flush (the run
 * flushes at the end of every phase). Write errors are kept for
 * fl_schedule_writer_close(). NULL w: nothing.
 */
void fl_schedule_writer_flush(struct fl_schedule_writer *w);
/** Flush, close and free; returns the first write error (err filled), or
    0. */
int fl_schedule_writer_close(struct fl_schedule_writer *w, struct fl_err *err);

/**
 * Read dir/schedule.edn. Returns 0 with *out set (caller frees with
 * fl_schedule_free()), or FL_EUSAGE/FL_EPARSE with err naming the file
 * (and line) when it is missing or malformed.
 */
int fl_schedule_load(const char *dir, struct fl_schedule **out,
                     struct fl_err *err);
/**
 * Read a fault schedule (--nemesis-schedule FILE): schedule.edn's format,
 * the header optional; only its :workload nemesis invocations are used
 * (fl_schedule_fault_gen), and there must be one. Returns as
 * fl_schedule_load().
 */
int fl_schedule_load_faults(const char *file, struct fl_schedule **out,
                            struct fl_err *err);
/**
 * The first :workload fault of s that nemesis n does not run (it is not
 * among fl_nemesis_fs()), or NULL when n runs them all.
 */
const struct fl_schedule_entry *
fl_schedule_unhandled(const struct fl_schedule *s, const struct fl_nemesis *n);
void fl_schedule_free(struct fl_schedule *s);
/** Recorded client invocations (or nemesis invocations) of phase. */
size_t fl_schedule_count(const struct fl_schedule *s, int phase, bool nemesis);
/**
 * A generator that replays phase of s (borrowed; it must outlive the
 * generator) on a run with concurrency client threads: thread t gets the
 * recorded ops of the recorded threads t, t + concurrency, ... in their
 * recorded order, each with its recorded offset as its :time (so it
 * waits for it), on whatever process thread t has then; the nemesis
 * thread gets the recorded nemesis invocations. Exhausted when all are
 * used. Caller frees with fl_gen_free().
 */
struct fl_gen *fl_schedule_gen(const struct fl_schedule *s, int phase,
                               int concurrency);
/**
 * The nemesis side of fl_schedule_gen() alone: s's :workload nemesis
 * invocations at their offsets, for a run whose clients follow their
 * own generators (--nemesis-schedule). Exhausted after the last.
 */
struct fl_gen *fl_schedule_fault_gen(const struct fl_schedule *s,
                                     int concurrency);

#endif
