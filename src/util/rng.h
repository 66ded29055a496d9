/* SPDX-License-Identifier: MIT */
/*
 * rng.h: seeded, reproducible pseudo-random numbers (xoshiro256**, seeded
 * through splitmix64). The same seed gives the same sequence on every
 * machine. Not thread-safe: each thread or generator owns its state, and
 * fl_rng_fork() derives an independent stream.
 */
#ifndef FL_RNG_H
#define FL_RNG_H

#include <stdint.h>

struct fl_rng {
    uint64_t s[4];
};

void fl_rng_seed(struct fl_rng *r, uint64_t seed);
uint64_t fl_rng_next(struct fl_rng *r);
/** Uniform in [0, n); n > 0. Unbiased (Lemire). */
uint64_t fl_rng_below(struct fl_rng *r, uint64_t n);
/** Uniform in [lo, hi]. */
int64_t fl_rng_range(struct fl_rng *r, int64_t lo, int64_t hi);
/** Uniform double in [0, 1). */
double fl_rng_double(struct fl_rng *r);
/** Exponentially distributed with the given mean. */
double fl_rng_exp(struct fl_rng *r, double mean);
/** A new generator whose stream is independent of r's. Advances r. */
void fl_rng_fork(struct fl_rng *r, struct fl_rng *child);
/** A seed from the OS, for when the user gave none. */
uint64_t fl_rng_os_seed(void);

#endif
