/* SPDX-License-Identifier: MIT */
/*
 * nemesis_int.h: what the nemesis files share: a per-nemesis seeded rng,
 * node-string helpers and the process nemesis both kill.c and pause.c are
 * made of (one :f that disrupts DB processes on targets, one that undoes
 * it, and teardown undoing whatever is still disrupted).
 */
#ifndef FL_NEMESIS_INT_H
#define FL_NEMESIS_INT_H

#include "db/db.h"
#include "nemesis/nemesis.h"

/** A process nemesis: f_on disrupts with on(), f_off undoes with off(). */
struct fl_nem__proc {
    const char *name;     /* "kill", "pause" */
    uint32_t f_on, f_off; /* :kill/:start, :pause/:resume */
    unsigned cap;         /* FL_DB_CAP_KILL / FL_DB_CAP_PAUSE */
    int (*on)(struct fl_db *, const struct fl_env *, size_t, struct fl_err *);
    int (*off)(struct fl_db *, const struct fl_env *, size_t, struct fl_err *);
    /**
     * Fault verification: is the DB's process, in /proc state st ('R', 'S',
     * 'T', ...; 0: gone), as intended after on() (on) or off()?
     */
    bool (*as_intended)(bool on, char st);
    /**
     * Optional: after off() on every target, wait until each is healthy
     * again (fl_db_await); the outcome is :healthy {node bool} in the
     * completion, and a warning for a node that is not.
     */
    int (*await)(struct fl_db *, const struct fl_env *, size_t,
                 struct fl_err *);
};

struct fl_nemesis *fl_nem__proc_new(const struct fl_nem__proc *p);

/** Seed for a nemesis's own rng, derived from the run's seed and a salt. */
uint64_t fl_nem__seed(const struct fl_env *env, uint64_t salt);

/** Fault verification: are env's nodes real (not the dummy remotes)? */
bool fl_nem__observable(const struct fl_env *env);

/**
 * Fault verification: append msg to out's :fault-warnings vector (an
 * observation that disagrees with the fault's intent) and log it.
 */
void fl_nem__warn(struct fl_op *out, struct fl_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
