/* SPDX-License-Identifier: MIT */
/*
 * context.c: the generator context (jepsen.generator.context): thread
 * bitsets, the thread <-> process table, fair choice of a free process and
 * thread filters. Processes are numbered so that thread t only ever runs
 * processes t, t+c, t+2c, ..., which makes process -> thread a modulo
 * instead of a map. The round-robin cursor makes the choice of a free
 * thread fair and deterministic: a fast thread cannot starve the others.
 */
#include "util/common.h"

#include "gen/gen.h"

void
fl_gen_threads_init(struct fl_gen_threads *s, int concurrency)
{
    if (concurrency < 0)
        FL_BUG("negative concurrency %d", concurrency);
    s->concurrency = concurrency;
    s->nthreads = concurrency + 1;
    s->nwords = (s->nthreads + 63) / 64;
    s->all = fl_xcalloc((size_t)s->nwords, sizeof(uint64_t));
    s->free = fl_xcalloc((size_t)s->nwords, sizeof(uint64_t));
    s->thread_proc = fl_xcalloc((size_t)s->nthreads, sizeof(int32_t));
    for (int t = 0; t < s->nthreads; t++) {
        s->all[t >> 6] |= 1ULL << (t & 63);
        s->free[t >> 6] |= 1ULL << (t & 63);
        s->thread_proc[t] = t < concurrency ? t : FL_PROC_NEMESIS;
    }
    s->nfree = s->nthreads;
    s->next_thread = 0;
}

void
fl_gen_threads_release(struct fl_gen_threads *s)
{
    free(s->all);
    free(s->free);
    free(s->thread_proc);
    memset(s, 0, sizeof(*s));
}

void
fl_gen_threads_busy(struct fl_gen_threads *s, int t)
{
    uint64_t bit = 1ULL << (t & 63);

    if (!(s->free[t >> 6] & bit))
        FL_BUG("thread %d is already busy", t);
    s->free[t >> 6] &= ~bit;
    s->nfree--;
    s->next_thread = (t + 1) % s->nthreads;
}

void
fl_gen_threads_free(struct fl_gen_threads *s, int t)
{
    uint64_t bit = 1ULL << (t & 63);

    if (s->free[t >> 6] & bit)
        FL_BUG("thread %d is already free", t);
    s->free[t >> 6] |= bit;
    s->nfree++;
}

void
fl_gen_threads_crash(struct fl_gen_threads *s, int t)
{
    if (t < s->concurrency)
        s->thread_proc[t] += s->concurrency;
}

int
fl_gen_threads_thread_of(const struct fl_gen_threads *s, int32_t p)
{
    if (p == FL_PROC_NEMESIS)
        return s->concurrency;
    if (p < 0 || s->concurrency == 0)
        return -1;
    return (int)(p % s->concurrency);
}

void
fl_gen_threads_ctx(const struct fl_gen_threads *s, int64_t time_ns,
                   struct fl_gen_ctx *ctx)
{
    ctx->time_ns = time_ns;
    ctx->concurrency = s->concurrency;
    ctx->nthreads = s->nthreads;
    ctx->nwords = s->nwords;
    ctx->all = s->all;
    ctx->free = s->free;
    ctx->thread_proc = s->thread_proc;
    ctx->next_thread = s->next_thread;
}

int
fl_gen_ctx_thread_of(const struct fl_gen_ctx *ctx, int32_t p)
{
    if (p == FL_PROC_NEMESIS)
        return ctx->concurrency;
    if (p < 0 || ctx->concurrency == 0)
        return -1;
    return (int)(p % ctx->concurrency);
}

int32_t
fl_gen_ctx_process_of(const struct fl_gen_ctx *ctx, int thread)
{
    return ctx->thread_proc[thread];
}

bool
fl_gen_ctx_thread_free(const struct fl_gen_ctx *ctx, int thread)
{
    if (thread < 0 || thread >= ctx->nthreads)
        return false;
    return fl_gen_bit(ctx->free, thread);
}

static int
popcount_set(const uint64_t *set, int nwords)
{
    int n = 0;

    for (int i = 0; i < nwords; i++)
        n += __builtin_popcountll(set[i]);
    return n;
}

int
fl_gen_ctx_all_count(const struct fl_gen_ctx *ctx)
{
    return popcount_set(ctx->all, ctx->nwords);
}

int
fl_gen_ctx_free_count(const struct fl_gen_ctx *ctx)
{
    return popcount_set(ctx->free, ctx->nwords);
}

/* First set bit at or after `from` (< nbits), or -1. */
static int
next_set_bit(const uint64_t *set, int nbits, int from)
{
    int nwords = (nbits + 63) / 64;

    if (from >= nbits)
        return -1;
    int w = from >> 6;
    uint64_t word = set[w] & (~0ULL << (from & 63));

    for (;;) {
        if (word) {
            int i = (w << 6) + __builtin_ctzll(word);
            return i < nbits ? i : -1;
        }
        if (++w >= nwords)
            return -1;
        word = set[w];
    }
}

int32_t
fl_gen_ctx_some_free_process(const struct fl_gen_ctx *ctx)
{
    int t = next_set_bit(ctx->free, ctx->nthreads, ctx->next_thread);

    if (t < 0)
        t = next_set_bit(ctx->free, ctx->nthreads, 0);
    if (t < 0)
        return FL_GEN_PROC_ANY;
    return ctx->thread_proc[t];
}

struct fl_rng *
fl_gen_ctx_rng(const struct fl_gen_ctx *ctx)
{
    int nem = ctx->nthreads - 1;

    if (ctx->rng_nemesis && fl_gen_bit(ctx->all, nem)) {
        bool only = true;
        for (int i = 0; i < ctx->nwords && only; i++) {
            uint64_t w = ctx->all[i];
            if (i == nem >> 6)
                w &= ~(1ULL << (nem & 63));
            only = w == 0;
        }
        if (only)
            return ctx->rng_nemesis;
    }
    return ctx->rng;
}

void
fl_gen_filter_build(struct fl_gen_filter *f, const struct fl_gen_ctx *ctx,
                    fl_gen_thread_pred *pred, void *arg)
{
    if (f->nthreads == ctx->nthreads)
        return;
    fl_gen_filter_release(f);
    f->nthreads = ctx->nthreads;
    f->nwords = ctx->nwords;
    f->mask = fl_xcalloc((size_t)f->nwords, sizeof(uint64_t));
    f->all = fl_xcalloc((size_t)f->nwords, sizeof(uint64_t));
    f->free = fl_xcalloc((size_t)f->nwords, sizeof(uint64_t));
    for (int t = 0; t < ctx->nthreads; t++)
        if (pred(arg, t, ctx->concurrency))
            f->mask[t >> 6] |= 1ULL << (t & 63);
}

void
fl_gen_ctx_filter(const struct fl_gen_ctx *ctx, struct fl_gen_filter *f,
                  struct fl_gen_ctx *out)
{
    *out = *ctx;
    for (int i = 0; i < f->nwords; i++) {
        f->all[i] = ctx->all[i] & f->mask[i];
        f->free[i] = ctx->free[i] & f->mask[i];
    }
    out->all = f->all;
    out->free = f->free;
}

void
fl_gen_filter_release(struct fl_gen_filter *f)
{
    free(f->mask);
    free(f->all);
    free(f->free);
    memset(f, 0, sizeof(*f));
}
