/* SPDX-License-Identifier: MIT */
/*
 * online.c: the online checkers' thread (online.h). The interpreter only
 * copies ops into a chunk of its own and queues full chunks under a mutex
 * (chunks are recycled, so no memory is touched twice); everything else (the
 * growing history, the checks, the bisection to the first bad op)
 * happens on the online thread.
 */
#include "util/common.h"

#include "run/online.h"

#include <pthread.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "checker/registry.h"
#include "checker/shrink.h"
#include "checker/workloads.h"
#include "history/hist.h"
#include "util/arena.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/log.h"
#include "util/vec.h"

#define TICK_NS        (100 * FL_NS_PER_MS)
#define MIN_PERIOD_NS  (100 * FL_NS_PER_MS)
#define CHECK_LIMIT_NS (10 * FL_NS_PER_S)  /* one online check at most */
#define FLUSH_OPS      4096                /* hand over a batch this big */
#define FLUSH_NS       (10 * FL_NS_PER_MS) /* or this old */

enum policy {
    POL_PREFIX, /* any prefix's anomaly is the run's */
    POL_FINAL,  /* judged once the final reads began */
    POL_KEY,    /* independent: each key once its generator finished */
};

struct entry {
    const char *name; /* the spec's name (borrowed from the spec) */
    struct fl_checker *c;
    enum policy pol;
    size_t checked_n;  /* history length at the last check */
    int64_t next_ns;   /* mono time of the next prefix check */
    int64_t period_ns; /* between prefix checks: 10x a check's cost */
};

/* A batch of ops handed from the interpreter to the online thread. */
struct chunk {
    struct chunk *next;
    size_t n;
    struct fl_op ops[FLUSH_OPS];
};
FL_VEC(entry_vec, struct entry);

struct fl_online {
    struct fl_online_opts o;
    struct entry_vec entries;
    pthread_t th;
    bool started, finished;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    /* the interpreter's thread: ops not yet handed over */
    struct chunk *local; /* being filled, or NULL */
    int64_t flushed_ns;  /* mono time of the last hand-over */
    /* under mu */
    struct chunk *full, **full_tail; /* handed over, in order */
    struct chunk *spare;             /* emptied, for reuse */
    struct fl_vec_i64 keys_in;
    bool final_in, quit;
    /* the online thread's own */
    struct fl_hist h;       /* every op so far (values borrowed) */
    struct fl_vec_i64 keys; /* finished keys not yet checked */
    bool final;
    int64_t keys_checked, checks;
    /* the first anomaly (written once by the online thread) */
    atomic_bool invalid;
    const char *found_by;
    uint32_t anomaly;
    int64_t key;           /* its key (POL_KEY), or -1 */
    int64_t op_index;      /* the op that made the history invalid */
    int64_t op_time_ns;    /* when it completed, ns since origin, or -1 */
    int64_t found_time_ns; /* the newest op's time when found */
    char desc[256];
};

/* ---- setup ---- */

static bool
wants_key(const fl_val *opts)
{
    const fl_val *v = fl_chk_opt(opts, "independent?");

    if (!v)
        v = fl_chk_opt(opts, "independent");
    return v && v->kind == FL_V_BOOL && v->u.b;
}

/* The policy for checker name with opts; false: not online. */
static bool
policy_of(const char *name, const fl_val *opts, enum policy *pol)
{
    if (strcmp(name, "counter") == 0 || strcmp(name, "unique-ids") == 0) {
        *pol = POL_PREFIX;
        return true;
    }
    /* An inferred total is a vote of all reads: not known early. */
    if (strcmp(name, "bank") == 0 &&
        (fl_chk_opt(opts, "total") || fl_chk_opt(opts, "total-amount"))) {
        *pol = POL_PREFIX;
        return true;
    }
    if (strcmp(name, "set") == 0 || strcmp(name, "set-full") == 0) {
        *pol = POL_FINAL;
        return true;
    }
    const struct fl_chk_kind *k = fl_chk_spec_kind(name);
    if (k && strcmp(k->name, "linearizable") == 0 && wants_key(opts)) {
        *pol = POL_KEY;
        return true;
    }
    return false;
}

static void
add_entries(struct fl_online *on)
{
    const fl_val *spec = on->o.spec;
    struct fl_arena a;

    fl_arena_init(&a, 0);
    for (uint32_t i = 0; spec && spec->kind == FL_V_MAP && i < spec->n; i++) {
        const fl_val *k = &spec->u.items[2 * i], *opts = k + 1;
        struct fl_err err = FL_ERR_INIT;
        struct entry e = {0};
        if (k->kind != FL_V_KW && k->kind != FL_V_STR)
            continue;
        e.name = k->kind == FL_V_KW ? fl_kw_name(k->u.id) : k->u.s;
        if (!policy_of(e.name, opts, &e.pol))
            continue;
        fl_val one = fl_val_map(&a, spec->u.items + 2 * i, 1);
        e.c = fl_chk_from_spec(&one, &err);
        if (!e.c)
            continue; /* the end-of-run check will say why */
        e.period_ns = MIN_PERIOD_NS;
        FL_VEC_PUSH(&on->entries, e);
    }
    fl_arena_release(&a);
}

/* ---- checks ---- */

/* The first n ops of h, as a history view (nothing owned). */
static struct fl_hist
view(const struct fl_hist *h, size_t n)
{
    struct fl_hist v = *h;

    v.n = n;
    v.lines = NULL;
    v.paired = false;
    return v;
}

/* Is h invalid for c? The anomaly type into *anomaly when it is. */
static bool
invalid(struct fl_online *on, const struct fl_checker *c,
        const struct fl_hist *h, uint32_t *anomaly)
{
    /* A history cut anywhere; a check that runs long is given up (the
       end-of-run check still answers). */
    struct fl_chk_opts co = {.incomplete = true,
                             .time_limit_ns = CHECK_LIMIT_NS};
    struct fl_err err = FL_ERR_INIT;
    struct fl_chk_result res;
    struct fl_arena a;
    bool bad = false;

    fl_arena_init(&a, 0);
    on->checks++;
    if (fl_chk_run(c, h, &co, &a, &res, &err) == 0 &&
        res.valid == FL_VERDICT_FALSE) {
        uint32_t ids[4] = {0};
        fl_shrink_anomalies(&res.map, ids, FL_ARRAY_SIZE(ids));
        *anomaly = ids[0];
        bad = true;
    }
    fl_arena_release(&a);
    return bad;
}

/* The shortest invalid prefix of h (invalid as a whole): its last op. */
static size_t
bisect(struct fl_online *on, const struct fl_checker *c,
       const struct fl_hist *h)
{
    size_t lo = 0, hi = h->n; /* prefix lo is valid, hi invalid */
    uint32_t an;

    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        struct fl_hist v = view(h, mid);
        if (invalid(on, c, &v, &an))
            hi = mid;
        else
            lo = mid;
    }
    return hi - 1;
}

static void
found(struct fl_online *on, const struct entry *e, const struct fl_hist *h,
      uint32_t anomaly, int64_t key)
{
    on->found_by = e->name;
    on->anomaly = anomaly;
    on->key = key;
    on->found_time_ns = on->h.n ? on->h.ops[on->h.n - 1].time_ns : -1;
    atomic_store(&on->invalid, true);
    if (on->o.on_invalid)
        on->o.on_invalid(on->o.arg);
    /* After the stop was asked for: which op made it invalid. A set's
       prefixes are not judged (no final read yet): its op is the last. */
    size_t at = e->pol == POL_FINAL ? h->n - 1 : bisect(on, e->c, h);
    on->op_index = h->ops[at].index;
    on->op_time_ns = h->ops[at].time_ns;
    int n = snprintf(on->desc, sizeof(on->desc), "%s: :%s", e->name,
                     anomaly ? fl_kw_name(anomaly) : "invalid");
    if (key >= 0)
        n += snprintf(on->desc + n, sizeof(on->desc) - (size_t)n,
                      " on key %" PRId64, key);
    snprintf(on->desc + n, sizeof(on->desc) - (size_t)n,
             " at op %" PRId64 " (%.3f s)", on->op_index,
             (double)on->op_time_ns / 1e9);
}

/* The ops of key (client ops with [key value] tuples) into out. */
static void
key_ops(const struct fl_hist *h, int64_t key, struct fl_hist *out)
{
    for (size_t i = 0; i < h->n; i++) {
        const struct fl_op *op = &h->ops[i];
        const fl_val *v = &op->value;
        if (fl_op_is_client(op) && v->kind == FL_V_VEC && v->n == 2 &&
            v->u.items[0].kind == FL_V_INT && v->u.items[0].u.i == key)
            fl_hist_append(out, op);
    }
}

static void
check_keys(struct fl_online *on, struct entry *e)
{
    for (size_t k = 0; k < on->keys.n && !atomic_load(&on->invalid); k++) {
        struct fl_hist kh;
        uint32_t an = 0;
        fl_hist_init(&kh);
        key_ops(&on->h, on->keys.v[k], &kh);
        on->keys_checked++;
        if (kh.n && invalid(on, e->c, &kh, &an))
            found(on, e, &kh, an, on->keys.v[k]);
        fl_hist_release(&kh);
    }
}

static void
check_prefix(struct fl_online *on, struct entry *e, bool force)
{
    int64_t now = fl_clock_mono_ns();
    uint32_t an = 0;

    if (on->h.n == e->checked_n || (!force && now < e->next_ns))
        return;
    if (e->pol == POL_FINAL && !on->final)
        return;
    e->checked_n = on->h.n;
    if (invalid(on, e->c, &on->h, &an)) {
        found(on, e, &on->h, an, -1);
        return;
    }
    /* Rechecking a growing history: keep it to a tenth of a core. */
    int64_t took = fl_clock_mono_ns() - now;
    e->period_ns = FL_MAX(MIN_PERIOD_NS, 10 * took);
    e->next_ns = fl_clock_mono_ns() + e->period_ns;
}

static void
tick(struct fl_online *on, bool force)
{
    for (size_t i = 0; i < on->entries.n && !atomic_load(&on->invalid); i++) {
        struct entry *e = &on->entries.v[i];
        if (e->pol == POL_KEY)
            check_keys(on, e);
        else
            check_prefix(on, e, force);
    }
    on->keys.n = 0;
}

/* ---- the thread ---- */

/* Take what the interpreter queued (under mu); returns the chunks. */
static struct chunk *
take_inbox(struct fl_online *on)
{
    struct chunk *c = on->full;

    on->full = NULL;
    on->full_tail = &on->full;
    for (size_t i = 0; i < on->keys_in.n; i++)
        FL_VEC_PUSH(&on->keys, on->keys_in.v[i]);
    on->keys_in.n = 0;
    on->final |= on->final_in;
    return c;
}

/* Append the chunks' ops to the history; give the chunks back. */
static void
absorb(struct fl_online *on, struct chunk *c)
{
    struct chunk *last = NULL;

    for (struct chunk *k = c; k; k = k->next) {
        for (size_t i = 0; i < k->n; i++)
            fl_hist_append(&on->h, &k->ops[i]);
        k->n = 0;
        last = k;
    }
    if (!last)
        return;
    pthread_mutex_lock(&on->mu);
    last->next = on->spare;
    on->spare = c;
    pthread_mutex_unlock(&on->mu);
}

static void *
online_main(void *arg)
{
    struct fl_online *on = arg;
    bool quit = false;

    /* Below the interpreter and its workers when cores are scarce. */
    if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10) < 0)
        fl_debug("online checker: setpriority: %s", strerror(errno));
    while (!quit) {
        pthread_mutex_lock(&on->mu);
        if (!on->quit && on->keys_in.n == 0)
            fl_cond_wait_until(&on->cv, &on->mu, fl_clock_mono_ns() + TICK_NS);
        quit = on->quit;
        struct chunk *c = take_inbox(on);
        pthread_mutex_unlock(&on->mu);
        absorb(on, c);
        tick(on, quit);
    }
    return NULL;
}

struct fl_online *
fl_online_new(const struct fl_online_opts *o, struct fl_err *err)
{
    struct fl_online *on = fl_xcalloc(1, sizeof(*on));

    on->o = *o;
    on->full_tail = &on->full;
    on->key = -1;
    on->op_index = -1;
    on->op_time_ns = -1;
    fl_hist_init(&on->h);
    add_entries(on);
    if (on->entries.n == 0) {
        fl_online_free(on);
        return NULL;
    }
    pthread_mutex_init(&on->mu, NULL);
    fl_cond_init_monotonic(&on->cv);
    if (pthread_create(&on->th, NULL, online_main, on) != 0) {
        fl_err_set(err, -EAGAIN, "online checker: cannot start a thread");
        fl_online_free(on);
        return NULL;
    }
    on->started = true;
    return on;
}

/* Hand the chunk being filled over (the interpreter's thread only). */
static void
flush(struct fl_online *on)
{
    struct chunk *c = on->local;

    if (!c || c->n == 0)
        return;
    pthread_mutex_lock(&on->mu);
    c->next = NULL;
    *on->full_tail = c;
    on->full_tail = &c->next;
    on->local = on->spare;
    if (on->spare) {
        on->spare = on->spare->next;
        on->local->next = NULL;
    }
    pthread_mutex_unlock(&on->mu);
}

void
fl_online_push(struct fl_online *on, const struct fl_op *op)
{
    if (!on->local)
        on->local = fl_xcalloc(1, sizeof(*on->local));
    on->local->ops[on->local->n++] = *op;
    /* A lock per chunk, not per op: the interpreter must not slow. */
    if (on->local->n == FLUSH_OPS)
        flush(on);
}

void
fl_online_tick(struct fl_online *on, int64_t mono_ns)
{
    if (on && on->local && on->local->n &&
        mono_ns - on->flushed_ns >= FLUSH_NS) {
        on->flushed_ns = mono_ns;
        flush(on);
    }
}

void
fl_online_key_done(struct fl_online *on, int64_t key)
{
    flush(on); /* the key's ops first */
    pthread_mutex_lock(&on->mu);
    FL_VEC_PUSH(&on->keys_in, key);
    pthread_cond_signal(&on->cv);
    pthread_mutex_unlock(&on->mu);
}

void
fl_online_final_reads(struct fl_online *on)
{
    if (!on)
        return;
    flush(on);
    pthread_mutex_lock(&on->mu);
    on->final_in = true;
    pthread_mutex_unlock(&on->mu);
}

bool
fl_online_invalid(const struct fl_online *on)
{
    return on && atomic_load(&on->invalid);
}

void
fl_online_finish(struct fl_online *on)
{
    if (!on || !on->started || on->finished)
        return;
    flush(on);
    pthread_mutex_lock(&on->mu);
    on->quit = true;
    pthread_cond_signal(&on->cv);
    pthread_mutex_unlock(&on->mu);
    pthread_join(on->th, NULL);
    on->finished = true;
}

static void
put(fl_val *items, size_t *n, const char *key, fl_val v)
{
    items[2 * *n] = fl_val_kw(fl_kw_intern_cstr(key));
    items[2 * *n + 1] = v;
    (*n)++;
}

fl_val
fl_online_result(const struct fl_online *on, struct fl_arena *a)
{
    fl_val items[2 * 16];
    size_t n = 0;
    bool bad = atomic_load(&on->invalid);

    put(items, &n, "valid?", fl_val_bool(!bad));
    if (bad) {
        put(items, &n, "checker",
            fl_val_str(a, on->found_by, strlen(on->found_by)));
        put(items, &n, "anomaly",
            fl_val_kw(on->anomaly ? on->anomaly
                                  : fl_kw_intern_cstr("invalid")));
        if (on->key >= 0)
            put(items, &n, "key", fl_val_int(on->key));
        put(items, &n, "op-index", fl_val_int(on->op_index));
        put(items, &n, "op-time-ms", fl_val_int(on->op_time_ns / 1000000));
        put(items, &n, "found-ms", fl_val_int(on->found_time_ns / 1000000));
        put(items, &n, "description",
            fl_val_str(a, on->desc, strlen(on->desc)));
    }
    fl_val names[8];
    size_t nn = 0;
    for (size_t i = 0; i < on->entries.n && nn < FL_ARRAY_SIZE(names); i++)
        names[nn++] =
            fl_val_str(a, on->entries.v[i].name, strlen(on->entries.v[i].name));
    put(items, &n, "checkers", fl_val_coll(a, FL_V_VEC, names, nn));
    put(items, &n, "keys-checked", fl_val_int(on->keys_checked));
    put(items, &n, "checks", fl_val_int(on->checks));
    return fl_val_map(a, items, n);
}

int64_t
fl_online_anomaly_time_ns(const struct fl_online *on)
{
    return on && atomic_load(&on->invalid) ? on->op_time_ns : -1;
}

const char *
fl_online_describe(const struct fl_online *on)
{
    return on ? on->desc : "";
}

static void
free_chunks(struct chunk *c)
{
    while (c) {
        struct chunk *next = c->next;
        free(c);
        c = next;
    }
}

void
fl_online_free(struct fl_online *on)
{
    if (!on)
        return;
    fl_online_finish(on);
    for (size_t i = 0; i < on->entries.n; i++)
        fl_chk_free(on->entries.v[i].c);
    FL_VEC_RELEASE(&on->entries);
    free_chunks(on->full);
    free_chunks(on->spare);
    free(on->local);
    FL_VEC_RELEASE(&on->keys_in);
    FL_VEC_RELEASE(&on->keys);
    if (on->started) {
        pthread_mutex_destroy(&on->mu);
        pthread_cond_destroy(&on->cv);
    }
    fl_hist_release(&on->h);
    free(on);
}
