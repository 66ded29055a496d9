/* SPDX-License-Identifier: MIT */
/*
 * rng.c: xoshiro256** by Blackman and Vigna (2018), seeded with splitmix64.
 */
#include "util/common.h"

#include "util/rng.h"

#include <math.h>
#include <sys/random.h>
#include <time.h>

static uint64_t
splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void
fl_rng_seed(struct fl_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed);
}

static inline uint64_t
rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t
fl_rng_next(struct fl_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t
fl_rng_below(struct fl_rng *r, uint64_t n)
{
    unsigned __int128 m;
    uint64_t l;

    if (n == 0)
        FL_BUG("fl_rng_below(0)");
    m = (unsigned __int128)fl_rng_next(r) * n;
    l = (uint64_t)m;
    if (l < n) {
        uint64_t t = -n % n;
        while (l < t) {
            m = (unsigned __int128)fl_rng_next(r) * n;
            l = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

int64_t
fl_rng_range(struct fl_rng *r, int64_t lo, int64_t hi)
{
    uint64_t span = (uint64_t)hi - (uint64_t)lo + 1;

    if (hi < lo)
        FL_BUG("fl_rng_range: %" PRId64 " > %" PRId64, lo, hi);
    if (span == 0)
        return (int64_t)fl_rng_next(r);
    return (int64_t)((uint64_t)lo + fl_rng_below(r, span));
}

double
fl_rng_double(struct fl_rng *r)
{
    return (double)(fl_rng_next(r) >> 11) * 0x1.0p-53;
}

double
fl_rng_exp(struct fl_rng *r, double mean)
{
    return -mean * log1p(-fl_rng_double(r));
}

void
fl_rng_fork(struct fl_rng *r, struct fl_rng *child)
{
    fl_rng_seed(child, fl_rng_next(r));
}

uint64_t
fl_rng_os_seed(void)
{
    uint64_t seed;
    struct timespec ts;

    if (getrandom(&seed, sizeof(seed), 0) == (ssize_t)sizeof(seed))
        return seed;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000007ULL ^ (uint64_t)ts.tv_nsec;
}
