/* SPDX-License-Identifier: MIT */
/*
 * interpreter.c: the scheduling loop (Jepsen's interpreter, §2.5 of
 * reference/jepsen.md). Each turn handles every queued completion first,
 * then times out hung ops, then asks the generator for one op: exhausted
 * means wait for what is in flight, pending means wait at most 1 ms, a
 * future op means wait until its time (or a completion), and a due op is
 * stamped, journaled and handed to its thread's worker. Time is relative
 * to env->origin_ns. Sleep and log ops never reach a worker: the scheduler
 * keeps the thread busy until the sleep ends, or logs at once.
 */
#include "util/common.h"

#include "run/interpreter.h"
#include "run/run_int.h"

#include <sched.h>
#include <unistd.h>

#include "history/edn.h"
#include "util/err.h"
#include "util/log.h"
#include "util/strbuf.h"

#define PENDING_NS             (1 * FL_NS_PER_MS) /* max pending interval */
#define PROGRESS_TTY_NS        (FL_NS_PER_S / 2)
#define PROGRESS_FILE_NS       (5 * FL_NS_PER_S)    /* plain lines: a log */
#define POLL_NS                (100 * FL_NS_PER_MS) /* see wait_until() */
#define NEMESIS_MIN_TIMEOUT_NS (120 * FL_NS_PER_S)
#define POOL_INITIAL_MAX       64 /* pool threads started up front */
#define GROW_CHECK_NS          (20 * FL_NS_PER_US) /* see housekeeping() */

struct tslot {
    struct fl_run__worker *w; /* current worker of this thread */
    uint64_t seq;             /* seq of the op in flight, 0 = none */
    uint64_t sent;            /* ops sent to w, this one included */
    struct fl_op op;          /* the op in flight, for a timeout */
    int64_t sleep_until;      /* a sleep op: when it ends, else -1 */
    struct fl_op sleep_op;    /* the sleep op itself */
};

/* Timeouts expire in dispatch order (one timeout for every op). */
struct tq_entry {
    int thread;
    uint64_t seq;
    int64_t deadline;
};

struct fl_interp {
    struct fl_interp_opts o;
    struct fl_clock *clock;
    struct fl_gen_threads th;
    struct tslot *slots;
    struct fl_run__queue *queue;
    struct fl_run__shared *shared;
    struct fl_rng rng, rng_nem;
    struct fl_gen_ctx ctx;
    struct fl_err gen_err;
    uint64_t next_seq;
    int outstanding; /* ops in flight, sleeps included */
    int nsleeping;
    uint64_t nem_seq; /* nemesis op in flight with a deadline */
    int64_t nem_deadline;
    struct tq_entry *tq; /* ring buffer of timeouts */
    size_t tq_head, tq_n, tq_cap;
    bool spin;         /* scheduler spins before sleeping */
    int64_t next_grow; /* when housekeeping next looks at the pool */
    struct fl_interp_stats st;
    int64_t last_progress;
    uint64_t progress_ops; /* completions at the last progress line */
    double progress_rate;  /* the rate it showed */
    bool tty;
    bool *fault_on; /* per perf region */
    int progress_len;
    const char *stage;    /* what the run is doing, for the progress line */
    bool force_progress;  /* print the progress line at the next turn */
    struct fl_gen *heal;  /* run instead once stopped (borrowed), or NULL */
    bool healed;          /* heal was switched to */
    int noticed;          /* the stop level last reported to on_stop */
    atomic_bool stop_now; /* fl_interp_request_stop() */
};

static int64_t
now_rel(struct fl_interp *in)
{
    return fl_clock_now_ns(in->clock) - in->o.env->origin_ns;
}

void
fl_interp_get_stats(const struct fl_interp *in, struct fl_interp_stats *out)
{
    *out = in->st;
    out->pool_threads = fl_run__pool_started(in->shared);
}

int
fl_interp_abandoned(struct fl_interp *in)
{
    return atomic_load(&in->shared->abandoned);
}

static void
key_done(void *arg, int64_t key)
{
    fl_online_key_done(arg, key);
}

struct fl_interp *
fl_interp_new(const struct fl_interp_opts *o, struct fl_err *err)
{
    struct fl_interp *in = fl_xcalloc_aligned(64, sizeof(*in));

    in->o = *o;
    in->clock = o->clock ? o->clock : fl_clock_real();
    fl_gen_threads_init(&in->th, o->concurrency);
    in->slots = fl_xcalloc((size_t)in->th.nthreads, sizeof(*in->slots));
    in->queue = fl_run__queue_new(in->th.nthreads);
    /* The scheduler spins a little before sleeping on a multi-core box. */
    in->spin = sysconf(_SC_NPROCESSORS_ONLN) > 1;
    /*
     * As many pool threads as test threads, up to POOL_INITIAL_MAX: ops of
     * an in-process client then really run side by side, as they would
     * with a thread each; past that the pool grows when calls block.
     */
    in->shared = fl_run__pool_start(
        in->th.nthreads, FL_MIN(in->th.nthreads, POOL_INITIAL_MAX), err);
    if (!in->shared) {
        fl_gen_threads_release(&in->th);
        fl_run__queue_free(in->queue);
        free(in->slots);
        free(in);
        return NULL;
    }
    fl_rng_seed(&in->rng, o->seed);
    fl_rng_fork(&in->rng, &in->rng_nem);
    in->tq_cap = 64;
    in->tq = fl_xmalloc(in->tq_cap * sizeof(*in->tq));
    in->fault_on = fl_xcalloc(o->nperf ? o->nperf : 1, sizeof(bool));
    in->tty = o->progress && isatty(fileno(o->progress));
    in->ctx.arena = &o->hist->arena;
    in->ctx.env = o->env;
    in->ctx.err = &in->gen_err;
    if (o->online) {
        in->ctx.key_done = key_done;
        in->ctx.key_done_arg = o->online;
    }
    for (int t = 0; t < in->th.nthreads; t++) {
        bool nem = t == o->concurrency;
        in->slots[t].sleep_until = -1;
        in->slots[t].w = fl_run__worker_new(t, nem, o->env, o->client,
                                            o->nemesis, in->queue, in->shared);
    }
    in->last_progress = now_rel(in);
    return in;
}

int
fl_interp_free(struct fl_interp *in, int64_t grace_ns)
{
    if (!in)
        return 0;
    /*
     * Ops still in flight (a failed run) are abandoned like timed-out
     * ones, so that no pool thread touches the completion queue after
     * this; workers with nothing in flight are ours to free.
     */
    for (int t = 0; t < in->th.nthreads; t++) {
        struct tslot *s = &in->slots[t];
        if (s->seq && s->sleep_until < 0 &&
            fl_run__worker_abandon(s->w, s->sent))
            s->w = NULL;
    }
    int stuck = fl_run__pool_stop(in->shared, grace_ns);
    for (int t = 0; t < in->th.nthreads; t++)
        fl_run__worker_free(in->slots[t].w);
    fl_run__queue_free(in->queue);
    free(in->tq);
    free(in->slots);
    free(in->fault_on);
    fl_gen_threads_release(&in->th);
    free(in);
    return stuck;
}

static void
tq_push(struct fl_interp *in, int thread, uint64_t seq, int64_t deadline)
{
    if (in->tq_n == in->tq_cap) {
        struct tq_entry *n = fl_xmalloc(2 * in->tq_cap * sizeof(*n));
        for (size_t i = 0; i < in->tq_n; i++)
            n[i] = in->tq[(in->tq_head + i) % in->tq_cap];
        free(in->tq);
        in->tq = n;
        in->tq_head = 0;
        in->tq_cap *= 2;
    }
    in->tq[(in->tq_head + in->tq_n) % in->tq_cap] =
        (struct tq_entry){thread, seq, deadline};
    in->tq_n++;
}

/* Drop timeout entries of ops that already completed. */
static void
tq_trim(struct fl_interp *in)
{
    while (in->tq_n) {
        struct tq_entry *e = &in->tq[in->tq_head];
        if (in->slots[e->thread].seq == e->seq)
            return;
        in->tq_head = (in->tq_head + 1) % in->tq_cap;
        in->tq_n--;
    }
}

/* The earliest time something is due: a timeout or the end of a sleep. */
static int64_t
next_deadline(struct fl_interp *in)
{
    int64_t d = INT64_MAX;

    tq_trim(in);
    if (in->tq_n)
        d = in->tq[in->tq_head].deadline;
    if (in->nem_seq && in->nem_deadline < d)
        d = in->nem_deadline;
    if (in->nsleeping)
        for (int t = 0; t < in->th.nthreads; t++)
            if (in->slots[t].sleep_until >= 0 && in->slots[t].sleep_until < d)
                d = in->slots[t].sleep_until;
    return d;
}

/* --log-level debug: every op into faultline.log, as history.edn has it. */
static void
log_op(const struct fl_op *op)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;

    if (!fl_log_enabled(FL_LOG_DEBUG))
        return;
    fl_edn_print_op(&sb, op);
    fl_debug("op %s", sb.buf);
    fl_strbuf_release(&sb);
}

static int
journal(struct fl_interp *in, struct fl_op *op, struct fl_err *err)
{
    op->index = (int64_t)in->o.hist->n;
    op->flags |= FL_OP_HAS_INDEX | FL_OP_HAS_TIME | FL_OP_HAS_VALUE;
    op->pair = -1;
    log_op(op);
    fl_hist_append(in->o.hist, op);
    if (in->o.online)
        fl_online_push(in->o.online, op);
    if (in->o.writer)
        return fl_hist_writer_append(in->o.writer, op, err);
    return 0;
}

static void
ctx_now(struct fl_interp *in, int64_t now)
{
    fl_gen_threads_ctx(&in->th, now, &in->ctx);
}

static void
track_faults(struct fl_interp *in, uint32_t f)
{
    for (size_t i = 0; i < in->o.nperf; i++) {
        const struct fl_nemesis_perf *p = &in->o.perf[i];
        for (int k = 0; k < 4 && p->start[k]; k++)
            if (p->start[k] == f)
                in->fault_on[i] = true;
        for (int k = 0; k < 4 && p->stop[k]; k++)
            if (p->stop[k] == f)
                in->fault_on[i] = false;
    }
}

/* Process one completion c of thread t at time now. */
static int
complete(struct fl_interp *in, struct fl_gen *g, struct fl_op *c, int t,
         int64_t now, struct fl_err *err)
{
    struct tslot *s = &in->slots[t];
    bool client = t < in->th.concurrency;

    s->seq = 0;
    if (!client)
        in->nem_seq = 0;
    in->outstanding--;
    c->time_ns = now;
    fl_gen_threads_free(&in->th, t);
    ctx_now(in, now);
    in->ctx.rng = &in->rng;
    in->ctx.rng_nemesis = &in->rng_nem;
    if (c->type == FL_GEN_OP_SLEEP || c->type == FL_GEN_OP_LOG) {
        fl_gen_update(g, &in->ctx, c);
        return 0;
    }
    /* Values move from the worker's arena into the history's. */
    c->value = fl_val_copy(&in->o.hist->arena, &c->value);
    if (c->extra) {
        fl_val x = fl_val_copy(&in->o.hist->arena, c->extra);
        c->extra = fl_arena_memdup(&in->o.hist->arena, &x, sizeof(x));
    }
    fl_gen_update(g, &in->ctx, c);
    if (client) {
        if (c->type == FL_OP_OK)
            in->st.ok++;
        else if (c->type == FL_OP_FAIL)
            in->st.fail++;
        else
            in->st.info++;
        if (c->type == FL_OP_INFO)
            fl_gen_threads_crash(&in->th, t);
    } else {
        in->st.nemesis++;
        track_faults(in, c->f);
        fl_info("nemesis :%s done", fl_kw_name(c->f));
        if (in->o.on_event)
            in->o.on_event(in->o.on_event_arg, -1, true, c);
    }
    return journal(in, c, err);
}

/* Handle queued completions; *nowp is the time they were stamped with. */
static int
drain(struct fl_interp *in, struct fl_gen *g, int64_t *nowp, struct fl_err *err)
{
    struct fl_op op;
    int64_t now = -1;
    int rc = 0;

    /* Timed-out ops queue nothing (see fl_run__worker_abandon). */
    while (rc == 0 && fl_run__queue_pop(in->queue, &op)) {
        if (now < 0)
            now = now_rel(in);
        rc = complete(in, g, &op, op.pair, now, err);
    }
    *nowp = now;
    return rc;
}

/*
 * Give up on thread t's op in flight: record it :info with :error why
 * ("timeout", "interrupted") and give the thread a fresh worker.
 */
static int
give_up(struct fl_interp *in, struct fl_gen *g, int t, const char *why,
        int64_t now, struct fl_err *err)
{
    struct tslot *s = &in->slots[t];
    struct fl_op c = s->op;

    if (t == in->th.concurrency)
        in->nem_seq = 0;
    if (!fl_run__worker_abandon(s->w, s->sent))
        return 0; /* its completion is already queued */
    c.type = FL_OP_INFO;
    c.extra = NULL;
    fl_op_set_error(&c, &in->o.hist->arena, why);
    if (strcmp(why, "timeout") == 0) {
        fl_warn("%s op :%s on thread %d timed out; abandoning its worker",
                t == in->th.concurrency ? "nemesis" : "client", fl_kw_name(c.f),
                t);
        in->st.timeouts++;
    } else {
        fl_info("%s op :%s on thread %d: %s; abandoning its worker",
                t == in->th.concurrency ? "nemesis" : "client", fl_kw_name(c.f),
                t, why);
    }
    s->w =
        fl_run__worker_new(t, t == in->th.concurrency, in->o.env, in->o.client,
                           in->o.nemesis, in->queue, in->shared);
    s->sent = 0;
    return complete(in, g, &c, t, now, err);
}

/* Time out hung ops and end sleeps that are due. */
static int
expire(struct fl_interp *in, struct fl_gen *g, int64_t now, struct fl_err *err)
{
    int rc = 0;

    if (in->nsleeping) {
        for (int t = 0; t < in->th.nthreads && rc == 0; t++) {
            struct tslot *s = &in->slots[t];
            if (s->sleep_until < 0 || s->sleep_until > now)
                continue;
            struct fl_op c = s->sleep_op;
            s->sleep_until = -1;
            in->nsleeping--;
            rc = complete(in, g, &c, t, now, err);
        }
    }
    for (;;) {
        tq_trim(in);
        if (!in->tq_n || in->tq[in->tq_head].deadline > now || rc)
            break;
        struct tq_entry e = in->tq[in->tq_head];
        in->tq_head = (in->tq_head + 1) % in->tq_cap;
        in->tq_n--;
        rc = give_up(in, g, e.thread, "timeout", now, err);
    }
    if (rc == 0 && in->nem_seq && now >= in->nem_deadline)
        rc = give_up(in, g, in->th.concurrency, "timeout", now, err);
    return rc;
}

/*
 * End every client op in flight now: each is recorded :info with :error
 * "interrupted" (its effect is unknown) and sleeps end. The nemesis op in
 * flight is waited for: a fault half applied must be healed after it.
 */
static int
abandon_clients(struct fl_interp *in, struct fl_gen *g, int64_t now,
                struct fl_err *err)
{
    int rc = 0;

    for (int t = 0; t < in->th.concurrency && rc == 0; t++) {
        struct tslot *s = &in->slots[t];
        if (!s->seq)
            continue;
        if (s->sleep_until >= 0) {
            struct fl_op c = s->sleep_op;
            s->sleep_until = -1;
            in->nsleeping--;
            rc = complete(in, g, &c, t, now, err);
            continue;
        }
        rc = give_up(in, g, t, "interrupted", now, err);
    }
    return rc;
}

#define SCHED_QUICK_SPINS 256                 /* see wait_until() */
#define SCHED_SPIN_NS     (5 * FL_NS_PER_US)  /* spin, then yield */
#define SCHED_ACTIVE_NS   (50 * FL_NS_PER_US) /* then sleep */

/* Wait for a completion until deadline (relative time). */
static void
wait_until(struct fl_interp *in, int64_t deadline)
{
    /*
     * With a fast client the next completion is a microsecond or two
     * away: wait for it before any clock reading or bookkeeping (a due
     * deadline is then met at most SCHED_QUICK_SPINS pauses late).
     */
    for (int i = 0; in->spin && !in->clock->fake && i < SCHED_QUICK_SPINS;
         i++) {
        if ((i & 3) == 0 && fl_run__queue_ready(in->queue))
            return;
        FL_CPU_RELAX();
    }
    int64_t d = next_deadline(in);
    int64_t grow = fl_run__pool_grow(in->shared, fl_clock_mono_ns());

    if (d < deadline)
        deadline = d;
    if (grow != INT64_MAX) {
        int64_t now = now_rel(in);
        if (now + grow < deadline)
            deadline = now + grow;
    }
    if (in->clock->fake) {
        /* A fake clock only moves when told: jump to the deadline. */
        if (fl_run__queue_ready(in->queue))
            return;
        if (in->clock->driven && in->outstanding > in->nsleeping) {
            usleep(100); /* the ops in flight move it */
            return;
        }
        int64_t step = deadline - now_rel(in);
        if (step > 0 && deadline != INT64_MAX)
            fl_clock_advance(in->clock, step);
        else
            usleep(100);
        return;
    }
    /*
     * Wait actively a little: spin, then yield, which runs a pool thread
     * that shares this CPU at once instead of after a futex round trip.
     * With a fast client the pool keeps its few awake threads on the
     * other CPUs, and a yield (a system call) only comes back late: spin
     * all the while.
     */
    int64_t t0 = fl_clock_mono_ns(), waited = 0;
    int64_t spin =
        fl_run__pool_fast(in->shared) ? SCHED_ACTIVE_NS : SCHED_SPIN_NS;
    for (int i = 0; in->spin; i++) {
        if (fl_run__queue_ready(in->queue))
            return;
        if ((i & 31) == 0)
            waited = fl_clock_mono_ns() - t0;
        if (waited < spin) {
            FL_CPU_RELAX();
            continue;
        }
        if (waited > SCHED_ACTIVE_NS)
            break;
        waited = fl_clock_mono_ns() - t0;
        sched_yield();
    }
    int64_t left = deadline == INT64_MAX ? FL_NS_PER_S : deadline - now_rel(in);
    if (left <= 0)
        return;
    /* Notice a stop request, and keep the progress line going, while
     * nothing completes (ops hung on a paused node). */
    if ((in->o.stop || in->o.progress) && left > POLL_NS)
        left = POLL_NS;
    fl_run__queue_sleep(in->queue, left);
}

static void
progress(struct fl_interp *in, int64_t now, bool final)
{
    FILE *f = in->o.progress;
    int64_t every = in->tty ? PROGRESS_TTY_NS : PROGRESS_FILE_NS;
    char line[512];
    int n;

    if (!f ||
        (!final && !in->force_progress && now - in->last_progress < every))
        return;
    in->force_progress = false;
    uint64_t done = in->st.ok + in->st.fail + in->st.info;
    double dt = (double)(now - in->last_progress) / 1e9;
    /* Over a short interval (a forced or final line) the rate is noise. */
    double rate =
        dt >= 0.2 ? (double)(done - in->progress_ops) / dt : in->progress_rate;
    n = snprintf(line, sizeof(line), "[%6.1fs", (double)now / 1e9);
    if (in->stage) {
        n += snprintf(line + n, sizeof(line) - (size_t)n, ", %s", in->stage);
    } else if (in->o.time_limit_ns > 0 && now >= in->o.time_limit_ns) {
        n += snprintf(line + n, sizeof(line) - (size_t)n,
                      ", waiting for %d ops", in->outstanding);
    } else if (in->o.time_limit_ns > 0) {
        double left = (double)(in->o.time_limit_ns - now) / 1e9;
        n += snprintf(line + n, sizeof(line) - (size_t)n, ", %5.1fs left",
                      left > 0 ? left : 0);
    }
    n +=
        snprintf(line + n, sizeof(line) - (size_t)n,
                 "] %8.0f ops/s  ok %" PRIu64 " fail %" PRIu64 " info %" PRIu64,
                 rate, in->st.ok, in->st.fail, in->st.info);
    bool any = false;
    for (size_t i = 0; i < in->o.nperf && n < (int)sizeof(line) - 40; i++) {
        if (!in->fault_on[i])
            continue;
        n += snprintf(line + n, sizeof(line) - (size_t)n, "%s%s",
                      any ? "," : "  faults: ", in->o.perf[i].name);
        any = true;
    }
    if (!any && in->o.nperf)
        n += snprintf(line + n, sizeof(line) - (size_t)n, "  faults: none");
    if (fl_online_invalid(in->o.online))
        n += snprintf(line + n, sizeof(line) - (size_t)n, "  invalid so far");
    if (in->tty) {
        int pad = in->progress_len > n ? in->progress_len - n : 0;
        fprintf(f, "\r%s%*s", line, pad, "");
        if (final)
            fputc('\n', f);
        in->progress_len = n;
    } else {
        fprintf(f, "%s\n", line);
    }
    fflush(f);
    if (dt >= 0.2) {
        in->last_progress = now;
        in->progress_ops = done;
        in->progress_rate = rate;
    }
}

/* CLOCK_MONOTONIC at relative time now, for the pool. */
static int64_t
mono_at(const struct fl_interp *in, int64_t now)
{
    return in->clock->fake ? fl_clock_mono_ns() : now + in->o.env->origin_ns;
}

/* The writer flushes history.edn on its own, within milliseconds. */
static void
housekeeping(struct fl_interp *in, int64_t now)
{
    /* Even asking costs a cache miss on the ring's head: every 20 us. */
    if (now >= in->next_grow) {
        fl_run__pool_grow(in->shared, mono_at(in, now));
        in->next_grow = now + GROW_CHECK_NS;
        fl_online_tick(in->o.online, mono_at(in, now));
    }
    progress(in, now, false);
}

static int
dispatch(struct fl_interp *in, struct fl_gen *g, struct fl_op *op,
         struct fl_rng *scratch, struct fl_rng *scratch_nem, int64_t now,
         struct fl_err *err)
{
    int t = fl_gen_threads_thread_of(&in->th, op->process);
    struct tslot *s;
    int rc = 0;

    if (t < 0 || !fl_gen_bit(in->th.free, t))
        return fl_err_set(err, FL_EUSAGE,
                          "generator chose process %" PRId32
                          " whose thread is busy or unknown",
                          op->process);
    s = &in->slots[t];
    fl_gen_commit(g, &in->ctx, op);
    in->rng = *scratch;
    in->rng_nem = *scratch_nem;
    op->time_ns = now;
    if (t == in->th.concurrency && op->type == FL_OP_INVOKE)
        op->type = FL_OP_INFO; /* nemesis ops are :info both ways */
    if (op->type != FL_GEN_OP_SLEEP && op->type != FL_GEN_OP_LOG) {
        rc = journal(in, op, err);
        if (t < in->th.concurrency)
            in->st.invokes++;
        if (in->o.on_event)
            in->o.on_event(in->o.on_event_arg, t < in->th.concurrency ? t : -1,
                           false, op);
    }
    fl_gen_threads_busy(&in->th, t);
    in->outstanding++;
    s->seq = ++in->next_seq;
    ctx_now(in, now);
    in->ctx.rng = &in->rng;
    in->ctx.rng_nemesis = &in->rng_nem;
    fl_gen_update(g, &in->ctx, op);
    if (op->type == FL_GEN_OP_LOG) {
        fl_info("%s", op->value.kind == FL_V_STR ? op->value.u.s : "");
        struct fl_op c = *op;
        int rc2 = complete(in, g, &c, t, now, err);
        return rc ? rc : rc2;
    }
    if (op->type == FL_GEN_OP_SLEEP) {
        s->sleep_op = *op;
        s->sleep_until = now + (op->value.kind == FL_V_INT ? op->value.u.i : 0);
        in->nsleeping++;
        return rc;
    }
    if (in->o.op_timeout_ns > 0 && t < in->th.concurrency)
        tq_push(in, t, s->seq, now + in->o.op_timeout_ns);
    if (in->o.op_timeout_ns > 0 && t == in->th.concurrency) {
        /* Faults take longer than client ops (SSH, restarts). */
        in->nem_seq = s->seq;
        in->nem_deadline =
            now + FL_MAX(in->o.op_timeout_ns, NEMESIS_MIN_TIMEOUT_NS);
    }
    s->op = *op;
    s->sent++;
    fl_run__worker_send(s->w, op, mono_at(in, now));
    return rc;
}

/*
 * The stop flag: set by a signal handler, or by another thread (tests, an
 * embedding program); read atomically so neither is a data race.
 */
static int
stop_read(const struct fl_interp *in)
{
    return __atomic_load_n(in->o.stop, __ATOMIC_RELAXED);
}

static bool
stop_requested(const struct fl_interp *in)
{
    int level = in->o.stop_level > 0 ? in->o.stop_level : 1;

    return (in->o.stop && stop_read(in) >= level) ||
           (level == 1 && atomic_load(&in->stop_now));
}

static bool
abandon_requested(const struct fl_interp *in)
{
    return in->o.stop && in->o.abandon_level > 0 &&
           stop_read(in) >= in->o.abandon_level;
}

/* Tell the caller, once per level, that a stop request was seen. */
static void
notice_stop(struct fl_interp *in)
{
    int level = in->o.stop ? stop_read(in) : 0;

    if (level <= in->noticed)
        return;
    in->noticed = level;
    if (in->o.on_stop)
        in->o.on_stop(in->o.on_stop_arg, level, in->outstanding);
}

void
fl_interp_request_stop(struct fl_interp *in)
{
    atomic_store(&in->stop_now, true);
}

void
fl_interp_set_stop_level(struct fl_interp *in, int level)
{
    in->o.stop_level = level;
}

void
fl_interp_set_abandon_level(struct fl_interp *in, int level)
{
    in->o.abandon_level = level;
}

void
fl_interp_set_heal(struct fl_interp *in, struct fl_gen *heal)
{
    in->heal = heal;
    in->healed = false;
}

bool
fl_interp_healed(const struct fl_interp *in)
{
    return in->healed;
}

void
fl_interp_set_stage(struct fl_interp *in, const char *stage)
{
    if (stage && stage != in->stage)
        in->force_progress = true; /* show it at once */
    in->stage = stage;
}

void
fl_interp_progress_break(struct fl_interp *in)
{
    if (in->tty && in->progress_len && in->o.progress)
        fputc('\n', in->o.progress);
    in->progress_len = 0;
}

int
fl_interp_run(struct fl_interp *in, struct fl_gen *g, struct fl_err *err)
{
    int rc = 0, first_rc = 0;
    bool failed = false, healing = false;

    fl_err_clear(&in->gen_err);
    for (;;) {
        /* One clock reading per turn: the completions' stamp, or now. An
         * invoke stamped a little early only widens its op's interval. */
        int64_t now;
        rc = drain(in, g, &now, err);
        if (now < 0)
            now = now_rel(in);
        if (rc == 0)
            rc = expire(in, g, now, err);
        if (rc == 0)
            housekeeping(in, now);
        if (rc < 0 && !failed) {
            failed = true;
            first_rc = rc;
        }
        notice_stop(in);
        if (rc == 0 && !failed && abandon_requested(in)) {
            rc = abandon_clients(in, g, now, err);
            if (rc < 0) {
                failed = true;
                first_rc = rc;
            }
        }
        bool stop = stop_requested(in);
        if (stop && !failed && in->heal) {
            /* Heal at once, while the ops in flight finish. */
            g = in->heal;
            in->heal = NULL;
            in->healed = healing = true;
            fl_interp_set_stage(in, "healing");
        }
        if (failed || (stop && !healing)) {
            if (in->outstanding == 0)
                break;
            wait_until(in, INT64_MAX);
            continue;
        }

        struct fl_rng scratch = in->rng, scratch_nem = in->rng_nem;
        struct fl_op op;
        ctx_now(in, now);
        in->ctx.rng = &scratch;
        in->ctx.rng_nemesis = &scratch_nem;
        in->st.asks++;
        int res = fl_gen_op(g, &in->ctx, &op);
        if (res == FL_GEN_ERROR) {
            first_rc =
                fl_err_set(err, in->gen_err.code ? in->gen_err.code : FL_EUSAGE,
                           "generator: %s", in->gen_err.msg);
            failed = true;
            continue;
        }
        if (res == FL_GEN_EXHAUSTED) {
            if (in->outstanding == 0)
                break;
            wait_until(in, INT64_MAX);
            continue;
        }
        if (res == FL_GEN_PENDING) {
            wait_until(in, now + PENDING_NS);
            continue;
        }
        if (op.time_ns > now) {
            wait_until(in, op.time_ns);
            continue;
        }
        rc = dispatch(in, g, &op, &scratch, &scratch_nem, now, err);
        if (rc < 0 && !failed) {
            failed = true;
            first_rc = rc;
        }
    }
    if (in->o.writer) {
        struct fl_err ferr = FL_ERR_INIT;
        int frc = fl_hist_writer_flush(in->o.writer, &ferr);
        if (frc < 0 && !failed) {
            first_rc = frc;
            if (err)
                *err = ferr;
            failed = true;
        }
    }
    if (failed)
        return first_rc < 0 ? first_rc : FL_EUSAGE;
    return stop_requested(in) ? FL_INTERP_STOPPED : FL_INTERP_DONE;
}

void
fl_interp_progress_final(struct fl_interp *in)
{
    int64_t now = now_rel(in);

    /* A plain line just printed says it all already. */
    if (in->tty || now - in->last_progress > PROGRESS_TTY_NS)
        progress(in, now, true);
    in->progress_len = 0; /* the line ended */
}
