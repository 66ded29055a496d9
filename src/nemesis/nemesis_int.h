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
};

struct fl_nemesis *fl_nem__proc_new(const struct fl_nem__proc *p);

/** Seed for a nemesis's own rng, derived from the run's seed and a salt. */
uint64_t fl_nem__seed(const struct fl_env *env, uint64_t salt);

#endif
