/* SPDX-License-Identifier: MIT */
/*
 * gen.h: generators, Jepsen's pure description of which operations to run,
 * when, and on which threads (jepsen.generator; reference/jepsen.md §2).
 * A generator is a state machine behind a const vtable. The interpreter (or
 * a test, or the simulator in gen/sim.h) asks it for the next op with
 * fl_gen_op(); the answer is an op, FL_GEN_PENDING (nothing yet, ask again
 * later) or FL_GEN_EXHAUSTED (never anything again). fl_gen_op() only
 * proposes: the state does not advance until the caller uses the op and
 * calls fl_gen_commit() with it (this is Jepsen's `[op gen']`, where the
 * interpreter keeps gen' only when it uses op). Every invocation and
 * completion is then reported with fl_gen_update(). Generators never read
 * the wall clock and never start threads: time, the free threads and the
 * random stream come in through struct fl_gen_ctx, so a whole schedule can
 * be simulated with a fake clock.
 *
 * Threads and processes: a run has `concurrency` client threads 0..c-1 and
 * one nemesis thread, numbered c in contexts. Thread t starts as process t;
 * when one of its ops completes :info the thread continues as process t+c
 * (then t+2c, ...). The nemesis thread's process is FL_PROC_NEMESIS.
 *
 * Ownership: every constructor takes ownership of the generators passed to
 * it (NULL is the empty generator, always exhausted, and is accepted
 * everywhere). Values in op templates must outlive the generator (put them
 * in an arena the test owns, or use scalars). Ops returned by fl_gen_op()
 * carry values allocated in ctx->arena. Generators are not thread-safe: one
 * thread drives a generator tree.
 */
#ifndef FL_GEN_H
#define FL_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "history/op.h"
#include "util/rng.h"

struct fl_arena;
struct fl_env;
struct fl_err;
struct fl_gen;
struct fl_strbuf;

/** Results of fl_gen_op(). */
enum fl_gen_res {
    FL_GEN_ERROR = -1,    /* a bug in the generator; ctx->err says what */
    FL_GEN_EXHAUSTED = 0, /* nil: no more ops, ever */
    FL_GEN_PENDING = 1,   /* :pending: nothing now, maybe later */
    FL_GEN_OP = 2,        /* *out holds the next op */
};

/*
 * Op types beyond enum fl_op_type that only generators produce: the worker
 * handles them itself and they are never written to the history.
 * FL_GEN_OP_SLEEP: the thread sleeps value (int, ns). FL_GEN_OP_LOG: the
 * worker logs value (a string).
 */
#define FL_GEN_OP_SLEEP 16
#define FL_GEN_OP_LOG   17

/** In an op template: "pick a free process" / "use the context's time". */
#define FL_GEN_PROC_ANY INT32_MIN
#define FL_GEN_TIME_NOW INT64_MIN

/**
 * The context a generator sees (jepsen.generator.context). Thread sets are
 * bitsets of nwords 64-bit words over threads 0..nthreads-1; `all` is the
 * set of threads this generator may use (combinators such as
 * fl_gen_on_threads narrow it), `free` the subset that is idle. Filtered
 * contexts share thread_proc and the rngs with their parent.
 */
struct fl_gen_ctx {
    int64_t time_ns;            /* now, ns since the run's origin */
    int concurrency;            /* client threads c; thread c = nemesis */
    int nthreads;               /* c + 1 */
    int nwords;                 /* words in each bitset */
    const uint64_t *all;        /* threads visible here */
    const uint64_t *free;       /* free threads visible here (subset) */
    const int32_t *thread_proc; /* process of each thread, nthreads long */
    int next_thread;            /* round-robin cursor for fair choice */
    struct fl_rng *rng;         /* random stream for client generators */
    struct fl_rng *rng_nemesis; /* random stream for nemesis-only contexts */
    struct fl_arena *arena;     /* where generated op values go */
    const struct fl_env *env;   /* the test, or NULL in unit tests */
    struct fl_err *err;         /* filled when a generator fails */
    void *user;                 /* for user generators (cycle workloads) */
    /* told when fl_gen_independent() finishes a key (its generator ran
       out and all its ops completed), for online checking; NULL: no one */
    void (*key_done)(void *arg, int64_t key);
    void *key_done_arg;
};

static inline bool
fl_gen_bit(const uint64_t *set, int i)
{
    return (set[i >> 6] >> (i & 63)) & 1;
}

/** Thread of process p (c for FL_PROC_NEMESIS), or -1. */
int fl_gen_ctx_thread_of(const struct fl_gen_ctx *ctx, int32_t process);
/** Process currently on thread t. */
int32_t fl_gen_ctx_process_of(const struct fl_gen_ctx *ctx, int thread);
bool fl_gen_ctx_thread_free(const struct fl_gen_ctx *ctx, int thread);
int fl_gen_ctx_all_count(const struct fl_gen_ctx *ctx);
int fl_gen_ctx_free_count(const struct fl_gen_ctx *ctx);
/**
 * A free process, chosen fairly: the first free thread at or after the
 * round-robin cursor (which the interpreter moves past each thread it
 * hands an op to). FL_GEN_PROC_ANY when no thread is free.
 */
int32_t fl_gen_ctx_some_free_process(const struct fl_gen_ctx *ctx);
/**
 * The random stream generators in this context draw from: rng_nemesis when
 * the context shows only the nemesis thread, else rng. Draws made while
 * proposing an op are undone when the op is not used, so the same seed
 * gives the same ops however often the interpreter had to ask.
 */
struct fl_rng *fl_gen_ctx_rng(const struct fl_gen_ctx *ctx);

/**
 * A thread filter: a bitset over a context's threads, built once per
 * combinator (Jepsen's make-thread-filter). fl_gen_ctx_filter() fills *out
 * as ctx restricted to f, using f's buffers (valid until f is used again).
 */
struct fl_gen_filter {
    int nthreads;   /* threads the bitsets were built for, 0 = not yet */
    int nwords;     /* words per bitset */
    uint64_t *mask; /* threads passing the predicate */
    uint64_t *all;  /* scratch: ctx->all & mask */
    uint64_t *free; /* scratch: ctx->free & mask */
};

typedef bool fl_gen_thread_pred(void *arg, int thread, int concurrency);

void fl_gen_filter_build(struct fl_gen_filter *f, const struct fl_gen_ctx *ctx,
                         fl_gen_thread_pred *pred, void *arg);
void fl_gen_ctx_filter(const struct fl_gen_ctx *ctx, struct fl_gen_filter *f,
                       struct fl_gen_ctx *out);
void fl_gen_filter_release(struct fl_gen_filter *f);

/**
 * The mutable thread/process table behind a context, owned by whoever
 * drives the generator (the interpreter, or the simulator). Threads are
 * 0..concurrency-1 for clients and concurrency for the nemesis.
 */
struct fl_gen_threads {
    int concurrency;      /* client threads */
    int nthreads;         /* concurrency + 1 */
    int nwords;           /* words per bitset */
    uint64_t *all;        /* every thread */
    uint64_t *free;       /* idle threads */
    int32_t *thread_proc; /* process of each thread */
    int nfree;            /* idle thread count */
    int next_thread;      /* round-robin cursor */
};

void fl_gen_threads_init(struct fl_gen_threads *s, int concurrency);
void fl_gen_threads_release(struct fl_gen_threads *s);
/** Thread t took an op: mark it busy and move the cursor past it. */
void fl_gen_threads_busy(struct fl_gen_threads *s, int thread);
void fl_gen_threads_free(struct fl_gen_threads *s, int thread);
/** A client op of thread t completed :info: t continues as process + c. */
void fl_gen_threads_crash(struct fl_gen_threads *s, int thread);
/** Thread of process p in s, or -1. */
int fl_gen_threads_thread_of(const struct fl_gen_threads *s, int32_t p);
/**
 * Fill ctx from s at time_ns (rng, rng_nemesis, arena, env, err and user
 * are left as they are).
 */
void fl_gen_threads_ctx(const struct fl_gen_threads *s, int64_t time_ns,
                        struct fl_gen_ctx *ctx);

/**
 * The generator plug-in. op proposes without changing observable state (it
 * may drop sub-generators that are exhausted, since they stay exhausted);
 * commit advances the state as if op had been used, and is only ever called
 * right after the op call that produced that op, with the same ctx; update
 * sees every invocation and completion. clone deep-copies the current
 * state (for cycle, each-thread, each-process).
 */
struct fl_gen_type {
    const char *name;
    int (*op)(struct fl_gen *g, const struct fl_gen_ctx *ctx,
              struct fl_op *out);
    void (*commit)(struct fl_gen *g, const struct fl_gen_ctx *ctx,
                   const struct fl_op *op);
    void (*update)(struct fl_gen *g, const struct fl_gen_ctx *ctx,
                   const struct fl_op *event);
    void *(*clone)(const struct fl_gen *g); /* returns a copy of ctx */
    void (*free)(struct fl_gen *g);         /* frees ctx and children */
    /*
     * Optional: append "(name params children...)" to sb, describing
     * children with fl_gen_describe(child, sb, depth - 1). NULL: "(name)".
     */
    void (*describe)(const struct fl_gen *g, struct fl_strbuf *sb, int depth);
};

struct fl_gen {
    const struct fl_gen_type *type;
    void *ctx; /* owned by the generator */
};

/** Wrap a type and its state (owned) as a generator. */
struct fl_gen *fl_gen_new(const struct fl_gen_type *type, void *ctx);
/** Default slots: update that ignores events, commit that does nothing. */
void fl_gen_update_ignore(struct fl_gen *g, const struct fl_gen_ctx *ctx,
                          const struct fl_op *event);
void fl_gen_commit_nothing(struct fl_gen *g, const struct fl_gen_ctx *ctx,
                           const struct fl_op *op);

/** Ask g for its next op (NULL g: exhausted). */
int fl_gen_op(struct fl_gen *g, const struct fl_gen_ctx *ctx,
              struct fl_op *out);
/** Use the op the last fl_gen_op(g, ctx, ...) call returned. */
void fl_gen_commit(struct fl_gen *g, const struct fl_gen_ctx *ctx,
                   const struct fl_op *op);
/** Report an invocation or completion (ctx time = the event's time). */
void fl_gen_update(struct fl_gen *g, const struct fl_gen_ctx *ctx,
                   const struct fl_op *event);
/** A deep copy of g's current state; NULL for NULL. */
struct fl_gen *fl_gen_clone(const struct fl_gen *g);
void fl_gen_free(struct fl_gen *g);

/**
 * Append a one-line description of g's tree to sb, Clojure-style:
 * "(limit 100 (stagger 1ms (fn)))". Levels below depth print as "...",
 * and lists of more than 10 generators are cut short (Jepsen prints
 * generators with *print-length* 10). NULL prints "nil".
 */
void fl_gen_describe(const struct fl_gen *g, struct fl_strbuf *sb, int depth);
/**
 * Append a description of ctx to sb: the time, the free threads and the
 * process of each visible thread (at most 16 threads are listed).
 */
void fl_gen_ctx_describe(const struct fl_gen_ctx *ctx, struct fl_strbuf *sb);

/**
 * Fill in an op template as Jepsen's fill-in-op does: a free process if
 * process is FL_GEN_PROC_ANY, ctx time if time_ns is FL_GEN_TIME_NOW.
 * Returns FL_GEN_PENDING when no thread is free, else FL_GEN_OP.
 */
int fl_gen_fill_in(const struct fl_gen_ctx *ctx, struct fl_op *op);

/** An op template: invoke f with value, any free process, now. */
struct fl_op fl_gen_template(uint32_t f, fl_val value);

/* ---- leaves ---- */

/** One op (Jepsen's op map): tmpl filled in by fl_gen_fill_in(). */
struct fl_gen *fl_gen_once_op(const struct fl_op *tmpl);
/** Shorthand: one invocation of f with value. */
struct fl_gen *fl_gen_invoke(uint32_t f, fl_val value);

/**
 * A function generator: an infinite stream (Jepsen's 0/2-arity function)
 * whose every op is a template fn writes into *tmpl (already set to
 * fl_gen_template(FL_KW_NONE, nil)). fn returns FL_GEN_OP, or
 * FL_GEN_EXHAUSTED to end the stream. fn may draw from fl_gen_ctx_rng(ctx)
 * and allocate values in ctx->arena. free_arg (may be NULL) frees arg.
 */
typedef int fl_gen_op_fn(void *arg, const struct fl_gen_ctx *ctx,
                         struct fl_op *tmpl);
struct fl_gen *fl_gen_fn(fl_gen_op_fn *fn, void *arg, void (*free_arg)(void *));

/**
 * A function returning generators: make is called for a generator, which
 * runs until exhausted, then make is called again; make returning NULL ends
 * it. (Jepsen's function returning a generator.)
 */
typedef struct fl_gen *fl_gen_make_fn(void *arg, const struct fl_gen_ctx *ctx);
struct fl_gen *fl_gen_lazy(fl_gen_make_fn *make, void *arg,
                           void (*free_arg)(void *));

/** {:type :sleep :value dt}: the receiving thread sleeps dt_ns. */
struct fl_gen *fl_gen_sleep(int64_t dt_ns);
/** {:type :log :value msg}: the receiving worker logs msg (copied). */
struct fl_gen *fl_gen_log(const char *msg);

/* ---- sequencing ---- */

/** The gens in order; NULL entries are skipped. Takes the array's gens. */
struct fl_gen *fl_gen_seq(struct fl_gen *const *gens, size_t n);
#define FL_GEN_SEQ(...)                                                        \
    fl_gen_seq((struct fl_gen *const[]){__VA_ARGS__},                          \
               sizeof((struct fl_gen *const[]){__VA_ARGS__}) /                 \
                   sizeof(struct fl_gen *))
/** Same as fl_gen_seq (Jepsen's concat). */
#define FL_GEN_CONCAT(...) FL_GEN_SEQ(__VA_ARGS__)

/** At most n ops of g. */
struct fl_gen *fl_gen_limit(int64_t n, struct fl_gen *g);
/** limit 1. */
struct fl_gen *fl_gen_once(struct fl_gen *g);
/**
 * g's next op again and again without advancing g (n times, or forever
 * when n < 0). Updates still reach g.
 */
struct fl_gen *fl_gen_repeat(int64_t n, struct fl_gen *g);
/** When g is exhausted, start over from a copy of g as it was (n times, or
 * forever when n < 0). */
struct fl_gen *fl_gen_cycle(int64_t n, struct fl_gen *g);

/* ---- transforming ---- */

/** Rewrite each op with fn (in place). Pending/exhausted pass through. */
typedef void fl_gen_map_fn(void *arg, const struct fl_gen_ctx *ctx,
                           struct fl_op *op);
struct fl_gen *fl_gen_map(fl_gen_map_fn *fn, void *arg,
                          void (*free_arg)(void *), struct fl_gen *g);
/**
 * Rename :f of ops from[i] -> to[i] (n pairs, copied); events passed to
 * g's update are renamed back.
 */
struct fl_gen *fl_gen_f_map(const uint32_t *from, const uint32_t *to, size_t n,
                            struct fl_gen *g);
/** Drop ops for which pred is false. */
typedef bool fl_gen_pred_fn(void *arg, const struct fl_op *op);
struct fl_gen *fl_gen_filter(fl_gen_pred_fn *pred, void *arg,
                             void (*free_arg)(void *), struct fl_gen *g);
/**
 * Replace g's update: fn(arg, inner, ctx, event) is called instead, and
 * may call fl_gen_update(inner, ...) itself.
 */
typedef void fl_gen_update_fn(void *arg, struct fl_gen *inner,
                              const struct fl_gen_ctx *ctx,
                              const struct fl_op *event);
struct fl_gen *fl_gen_on_update(fl_gen_update_fn *fn, void *arg,
                                void (*free_arg)(void *), struct fl_gen *g);

/* ---- threads ---- */

/**
 * Restrict g to the threads for which pred(arg, thread, concurrency) holds
 * (thread == concurrency is the nemesis): g sees only those threads, and
 * only their events.
 */
struct fl_gen *fl_gen_on_threads(fl_gen_thread_pred *pred, void *arg,
                                 void (*free_arg)(void *), struct fl_gen *g);
/** g on client threads only. */
struct fl_gen *fl_gen_clients(struct fl_gen *g);
/** g on the nemesis thread only. */
struct fl_gen *fl_gen_nemesis(struct fl_gen *g);
/** any(clients(client_gen), nemesis(nemesis_gen)). */
struct fl_gen *fl_gen_clients_nemesis(struct fl_gen *client_gen,
                                      struct fl_gen *nemesis_gen);
/**
 * An independent copy of g for every thread, each seeing a context with
 * only its thread. Exhausted when all copies are.
 */
struct fl_gen *fl_gen_each_thread(struct fl_gen *g);
/** A fresh copy of g for every process (a thread that crashed and got a
 * new process starts over). */
struct fl_gen *fl_gen_each_process(struct fl_gen *g);
/**
 * The first counts[0] threads of the context (in thread order) run gens[0],
 * the next counts[1] run gens[1], ...; all other threads run dflt. Ties
 * between simultaneous ops are weighted by the ranges' sizes. Takes gens[]
 * and dflt.
 */
struct fl_gen *fl_gen_reserve(const int *counts, struct fl_gen *const *gens,
                              size_t n, struct fl_gen *dflt);
/** Only while at most n distinct processes have been seen. */
struct fl_gen *fl_gen_process_limit(int n, struct fl_gen *g);
/** Pending while n or more of g's threads are busy. */
struct fl_gen *fl_gen_concurrency_limit(int n, struct fl_gen *g);

/* ---- choice ---- */

/** Whichever op comes soonest (ties: random, weighted); updates go to all. */
struct fl_gen *fl_gen_any(struct fl_gen *const *gens, size_t n);
#define FL_GEN_ANY(...)                                                        \
    fl_gen_any((struct fl_gen *const[]){__VA_ARGS__},                          \
               sizeof((struct fl_gen *const[]){__VA_ARGS__}) /                 \
                   sizeof(struct fl_gen *))
/** Like any, but exhausted as soon as any gen is. */
struct fl_gen *fl_gen_shortest_any(struct fl_gen *const *gens, size_t n);
/** A uniformly random gen per op; ignores updates. */
struct fl_gen *fl_gen_mix(struct fl_gen *const *gens, size_t n);
#define FL_GEN_MIX(...)                                                        \
    fl_gen_mix((struct fl_gen *const[]){__VA_ARGS__},                          \
               sizeof((struct fl_gen *const[]){__VA_ARGS__}) /                 \
                   sizeof(struct fl_gen *))
/** a, b, a, b ... until either is exhausted; ignores updates. */
struct fl_gen *fl_gen_flip_flop(struct fl_gen *a, struct fl_gen *b);
/**
 * gens[0] for dts_ns[0], then gens[1] for dts_ns[1], ..., cyclically from
 * the first op's time. State persists across cycles; updates go to all.
 */
struct fl_gen *fl_gen_cycle_times(const int64_t *dts_ns,
                                  struct fl_gen *const *gens, size_t n);

/* ---- time ---- */

/** Only ops before (time of g's first op + dt_ns). */
struct fl_gen *fl_gen_time_limit(int64_t dt_ns, struct fl_gen *g);
/** Ops at uniformly random intervals in [0, 2 dt_ns), in total. */
struct fl_gen *fl_gen_stagger(int64_t dt_ns, struct fl_gen *g);
/** Ops dt_ns apart in total, catching up when behind. */
struct fl_gen *fl_gen_delay(int64_t dt_ns, struct fl_gen *g);

/* ---- synchronisation ---- */

/** Pending until all of the context's threads are free, then g. */
struct fl_gen *fl_gen_synchronize(struct fl_gen *g);
/** Each gen synchronized, in order. */
struct fl_gen *fl_gen_phases(struct fl_gen *const *gens, size_t n);
#define FL_GEN_PHASES(...)                                                     \
    fl_gen_phases((struct fl_gen *const[]){__VA_ARGS__},                       \
                  sizeof((struct fl_gen *const[]){__VA_ARGS__}) /              \
                      sizeof(struct fl_gen *))
/** b, then (synchronized) a: Jepsen's (then a b). */
struct fl_gen *fl_gen_then(struct fl_gen *a, struct fl_gen *b);
/** g until one of its own ops completes :ok. */
struct fl_gen *fl_gen_until_ok(struct fl_gen *g);

/* ---- checks ---- */

/**
 * Check every op g emits (type, time, process, the process's thread free);
 * a bad op makes fl_gen_op() return FL_GEN_ERROR with ctx->err filled.
 */
struct fl_gen *fl_gen_validate(struct fl_gen *g);

/**
 * Jepsen's friendly-exceptions: when g fails (FL_GEN_ERROR), ctx->err is
 * rewritten to say what failed, in which generator (fl_gen_describe) and
 * in which context (fl_gen_ctx_describe), keeping the original code. The
 * message starts with the original error so it survives the 255-character
 * limit of struct fl_err; when the whole text does not fit it is also
 * logged at error level. fl_gen_update() has no error channel, so an
 * update that fails records it in ctx->err: friendly-exceptions clears
 * ctx->err before passing an event on, and if the update left an error
 * there it restores the caller's ctx->err and reports the failure (with
 * the event) from its next fl_gen_op() call.
 */
struct fl_gen *fl_gen_friendly_exceptions(struct fl_gen *g);

/**
 * A trace sink: receives one line (no newline) per call traced.
 */
typedef void fl_gen_trace_fn(void *arg, const char *line);
/**
 * Jepsen's trace: log every fl_gen_op() (with its result), fl_gen_commit()
 * and fl_gen_update() call that reaches g, each line starting with name
 * (copied) and showing the context, then pass the call on unchanged. Lines
 * go to the log at info level.
 */
struct fl_gen *fl_gen_trace(const char *name, struct fl_gen *g);
/** fl_gen_trace() with the lines sent to sink(arg, line) instead. */
struct fl_gen *fl_gen_trace_to(const char *name, fl_gen_trace_fn *sink,
                               void *arg, void (*free_arg)(void *),
                               struct fl_gen *g);

/**
 * g unchanged, except that the first time g answers exhausted, *at_ns
 * (borrowed; the caller sets it to -1 first) gets the context's time: the
 * run says when a workload ran out before its time limit. Clones share
 * at_ns.
 */
struct fl_gen *fl_gen_note_exhausted(int64_t *at_ns, struct fl_gen *g);

/* ---- caching ---- */

/**
 * Jepsen's cache (0.3.13): for generators whose op is expensive to compute
 * (a function doing I/O, a big search). When an op of g is proposed but
 * not used (its time is in the future, another generator's op came first,
 * no thread was free for it), the same op is proposed again for period_ns
 * after it was computed instead of asking g again; each time it is reused
 * its process is refreshed to a free process (fairly, as fill-in does)
 * and its time to now, unless g scheduled it later. After period_ns, or
 * once the op is used, g is asked again. Updates reach g as usual. The
 * process is chosen again, so g must not care which thread gets its op
 * (put thread-bound combinators such as each-thread or reserve outside
 * the cache, not inside). Values of cached ops stay in ctx->arena.
 */
struct fl_gen *fl_gen_cache(int64_t period_ns, struct fl_gen *g);

/* ---- independent keys (jepsen.independent) ---- */

/**
 * Jepsen's independent/concurrent-generator: client threads are split into
 * groups of n (concurrency must be a multiple of n); each group works on
 * one key at a time, running make(arg, key) for keys 0, 1, 2, ... handed
 * out in order across groups, with every op's value wrapped as [key value]
 * (a vector in ctx->arena). A key's generator ending moves its group to
 * the next key; max_keys (< 0: unlimited) bounds the keys used.
 */
typedef struct fl_gen *fl_gen_key_fn(void *arg, int64_t key);
struct fl_gen *fl_gen_independent(int n, int64_t max_keys, fl_gen_key_fn *make,
                                  void *arg, void (*free_arg)(void *));

#endif
