/* SPDX-License-Identifier: MIT */
/*
 * memkv.c: the memkv store and its client. Registers live in a hash map
 * key -> value; each remembers the value it replaced and when, which is
 * what the stale-read bug serves (a lagging replica). The lost-update bug
 * splits each update into a read and a later write with the lock dropped
 * (and the thread paused briefly) in between. The client's error mapping
 * is trivial because nothing here can fail without a bug: a cas whose
 * expected value does not match is :fail, an overdrawing transfer is :fail.
 */
#include "util/common.h"

#include "memkv.h"

#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nemesis/nemesis.h"
#include "util/arena.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/log.h"
#include "util/map.h"
#include "util/rng.h"

#define STALE_LAG_NS  (50 * FL_NS_PER_MS) /* replica lag of stale-read */
#define RACE_PAUSE_US 200                 /* lost-update's race window */
/*
 * lost-update's cas is a read and a later unconditional write, one
 * replication round trip apart, as a client-side compare-and-set over a
 * LAN would be. Only a cas that matched opens the window, so it has to be
 * as wide as a real round trip for concurrent writers to land in it.
 */
#define CAS_RTT_US 1000
/* long-fork's stale-read: the gap between reading two keys of a group,
 * long enough for the group's other write to land in it. */
#define LF_READ_GAP_US 5000

struct reg {
    bool set, prev_set;
    int64_t value, prev;
    int64_t changed_ns; /* when value replaced prev */
};

struct fl_memkv {
    pthread_mutex_t mu;
    enum fl_memkv_workload workload;
    enum fl_memkv_bug bug;
    struct fl_rng rng;  /* protected by mu */
    struct fl_map regs; /* key -> index into r, protected by mu */
    struct reg *r;
    size_t nr, ralloc;
    int64_t *set; /* set elements in insertion order */
    size_t nset, setalloc;
    int64_t counter;
    int64_t accounts[FL_MEMKV_ACCOUNTS];
    /* faults, protected by mu */
    bool paused;            /* pause: ops wait until resumed */
    bool partitioned;       /* partition: requests sent now are lost */
    uint64_t closes;        /* bumped when the nemesis tears down */
    pthread_cond_t changed; /* signalled when a fault ends */
    int64_t *queue;         /* queued values, head at queue[qhead] */
    size_t qhead, qn, qalloc;
    int64_t next_id;
    struct fl_clock *clock;        /* the test's (simulated with
                                      --deterministic); protected by mu */
    FILE *log;                     /* the node log, or NULL; protected by mu */
    int64_t ops;                   /* ops served, protected by mu */
    fl_memkv_window_fn *window_fn; /* test seam: set before any op */
    void *window_arg;
};

struct fl_memkv *
fl_memkv_new(enum fl_memkv_workload w, enum fl_memkv_bug bug, uint64_t seed)
{
    struct fl_memkv *kv = fl_xcalloc(1, sizeof(*kv));

    pthread_mutex_init(&kv->mu, NULL);
    pthread_cond_init(&kv->changed, NULL);
    kv->workload = w;
    kv->bug = bug;
    kv->clock = fl_clock_real();
    fl_rng_seed(&kv->rng, seed ^ 0x6d656d6b76ULL);
    fl_map_init(&kv->regs);
    for (int i = 0; i < FL_MEMKV_ACCOUNTS; i++)
        kv->accounts[i] = FL_MEMKV_TOTAL / FL_MEMKV_ACCOUNTS;
    kv->accounts[0] += FL_MEMKV_TOTAL % FL_MEMKV_ACCOUNTS;
    return kv;
}

void
fl_memkv_free(void *p)
{
    struct fl_memkv *kv = p;

    if (!kv)
        return;
    pthread_mutex_destroy(&kv->mu);
    pthread_cond_destroy(&kv->changed);
    fl_map_release(&kv->regs);
    free(kv->r);
    free(kv->set);
    free(kv->queue);
    if (kv->log)
        fclose(kv->log);
    free(kv);
}

int
fl_memkv_bug_parse(const char *s)
{
    if (strcmp(s, "none") == 0)
        return FL_MEMKV_BUG_NONE;
    if (strcmp(s, "stale-read") == 0)
        return FL_MEMKV_BUG_STALE_READ;
    if (strcmp(s, "lost-update") == 0)
        return FL_MEMKV_BUG_LOST_UPDATE;
    if (strcmp(s, "panic") == 0)
        return FL_MEMKV_BUG_PANIC;
    return -1;
}

/* The register for key, created empty; caller holds mu. */
static struct reg *
reg_get(struct fl_memkv *kv, int64_t key)
{
    uint64_t *slot = fl_map_get(&kv->regs, (uint64_t)key);

    if (slot)
        return &kv->r[*slot];
    FL_ALLOC_GROW(kv->r, kv->nr + 1, kv->ralloc);
    memset(&kv->r[kv->nr], 0, sizeof(kv->r[kv->nr]));
    fl_map_put(&kv->regs, (uint64_t)key, kv->nr);
    return &kv->r[kv->nr++];
}

static void
reg_write(struct fl_memkv *kv, struct reg *r, int64_t v)
{
    r->prev_set = r->set;
    r->prev = r->value;
    r->set = true;
    r->value = v;
    r->changed_ns = fl_clock_now_ns(kv->clock);
}

static bool
coin(struct fl_memkv *kv, int percent)
{
    return (int)fl_rng_below(&kv->rng, 100) < percent;
}

void
fl_memkv_set_window_hook(struct fl_memkv *kv, fl_memkv_window_fn *fn, void *arg)
{
    kv->window_fn = fn;
    kv->window_arg = arg;
}

/*
 * A bug's race window: the lock is dropped while paused (or while the
 * test's hook runs, which lands its op in the window by design).
 */
static void
race_window_us(struct fl_memkv *kv, unsigned pause_us)
{
    if (kv->clock->fake && !kv->window_fn)
        return; /* one thread in simulated time: nobody to race with */
    pthread_mutex_unlock(&kv->mu);
    if (kv->window_fn)
        kv->window_fn(kv->window_arg);
    else
        usleep(pause_us);
    pthread_mutex_lock(&kv->mu);
}

static void
race_window(struct fl_memkv *kv)
{
    race_window_us(kv, RACE_PAUSE_US);
}

static fl_val
tuple(struct fl_arena *a, int64_t key, fl_val v)
{
    fl_val items[2] = {fl_val_int(key), v};

    return fl_val_coll(a, FL_V_VEC, items, 2);
}

/* ---- register: ops on [key value] tuples ---- */

static int
do_register(struct fl_memkv *kv, const struct fl_op *op, struct fl_arena *a,
            struct fl_op *out, struct fl_err *err)
{
    const fl_val *v = &op->value;

    if (!fl_val_is_seq(v) || v->n != 2 || v->u.items[0].kind != FL_V_INT)
        return fl_err_set(err, FL_EMODEL, "memkv: register ops need [k v]");
    int64_t key = v->u.items[0].u.i;
    const fl_val *arg = &v->u.items[1];

    pthread_mutex_lock(&kv->mu);
    struct reg *r = reg_get(kv, key);
    if (op->f == FL_KW_READ) {
        bool set = r->set;
        int64_t val = r->value;
        if (kv->bug == FL_MEMKV_BUG_STALE_READ && r->set &&
            fl_clock_now_ns(kv->clock) - r->changed_ns < STALE_LAG_NS &&
            coin(kv, 50)) {
            set = r->prev_set; /* served by a lagging replica */
            val = r->prev;
        }
        pthread_mutex_unlock(&kv->mu);
        out->type = FL_OP_OK;
        out->value = tuple(a, key, set ? fl_val_int(val) : fl_val_nil());
        return 0;
    }
    if (op->f == FL_KW_WRITE && arg->kind == FL_V_INT) {
        reg_write(kv, r, arg->u.i);
        pthread_mutex_unlock(&kv->mu);
        out->type = FL_OP_OK;
        return 0;
    }
    if (op->f == FL_KW_CAS && fl_val_is_seq(arg) && arg->n == 2 &&
        arg->u.items[0].kind == FL_V_INT && arg->u.items[1].kind == FL_V_INT) {
        bool match = r->set && r->value == arg->u.items[0].u.i;
        if (kv->bug == FL_MEMKV_BUG_LOST_UPDATE && match) {
            /* Check, then set later without checking again. */
            race_window_us(kv, CAS_RTT_US);
            r = reg_get(kv, key);
        }
        if (match)
            reg_write(kv, r, arg->u.items[1].u.i);
        pthread_mutex_unlock(&kv->mu);
        out->type = match ? FL_OP_OK : FL_OP_FAIL;
        return 0;
    }
    pthread_mutex_unlock(&kv->mu);
    return fl_err_set(err, FL_EMODEL, "memkv: bad register op :%s",
                      fl_kw_name(op->f));
}

/* ---- set ---- */

static int
do_set(struct fl_memkv *kv, const struct fl_op *op, struct fl_arena *a,
       struct fl_op *out, struct fl_err *err)
{
    pthread_mutex_lock(&kv->mu);
    if (op->f == FL_KW_ADD && op->value.kind == FL_V_INT) {
        if (kv->bug == FL_MEMKV_BUG_LOST_UPDATE) {
            /* Copy, add, write the copy back: concurrent adds get lost. */
            size_t n = kv->nset;
            int64_t *copy = fl_xmalloc((n + 1) * sizeof(*copy));
            if (n)
                memcpy(copy, kv->set, n * sizeof(*copy));
            copy[n] = op->value.u.i;
            race_window(kv);
            free(kv->set);
            kv->set = copy;
            kv->nset = n + 1;
            kv->setalloc = n + 1;
        } else {
            FL_ALLOC_GROW(kv->set, kv->nset + 1, kv->setalloc);
            kv->set[kv->nset++] = op->value.u.i;
        }
        pthread_mutex_unlock(&kv->mu);
        out->type = FL_OP_OK;
        return 0;
    }
    if (op->f == FL_KW_READ) {
        fl_val *items = fl_xmalloc((kv->nset ? kv->nset : 1) * sizeof(*items));
        for (size_t i = 0; i < kv->nset; i++)
            items[i] = fl_val_int(kv->set[i]);
        size_t n = kv->nset;
        pthread_mutex_unlock(&kv->mu);
        out->type = FL_OP_OK;
        out->value = fl_val_coll(a, FL_V_VEC, items, n);
        free(items);
        return 0;
    }
    pthread_mutex_unlock(&kv->mu);
    return fl_err_set(err, FL_EMODEL, "memkv: bad set op :%s",
                      fl_kw_name(op->f));
}

/* ---- counter ---- */

static int
do_counter(struct fl_memkv *kv, const struct fl_op *op, struct fl_op *out,
           struct fl_err *err)
{
    pthread_mutex_lock(&kv->mu);
    if (op->f == FL_KW_ADD && op->value.kind == FL_V_INT) {
        int64_t v = kv->counter;
        if (kv->bug == FL_MEMKV_BUG_LOST_UPDATE)
            race_window(kv);
        else
            v = kv->counter;
        kv->counter = v + op->value.u.i;
        pthread_mutex_unlock(&kv->mu);
        out->type = FL_OP_OK;
        return 0;
    }
    if (op->f == FL_KW_READ) {
        int64_t v = kv->counter;
        pthread_mutex_unlock(&kv->mu);
        out->type = FL_OP_OK;
        out->value = fl_val_int(v);
        return 0;
    }
    pthread_mutex_unlock(&kv->mu);
    return fl_err_set(err, FL_EMODEL, "memkv: bad counter op :%s",
                      fl_kw_name(op->f));
}

/* ---- bank ---- */

static int64_t
map_int(const fl_val *m, const char *key, int64_t dflt)
{
    const fl_val *v = fl_val_map_get_kw(m, fl_kw_intern_cstr(key));

    return v && v->kind == FL_V_INT ? v->u.i : dflt;
}

static int
do_bank(struct fl_memkv *kv, const struct fl_op *op, struct fl_arena *a,
        struct fl_op *out, struct fl_err *err)
{
    if (op->f == FL_KW_READ) {
        fl_val items[2 * FL_MEMKV_ACCOUNTS];
        pthread_mutex_lock(&kv->mu);
        for (int i = 0; i < FL_MEMKV_ACCOUNTS; i++) {
            items[2 * i] = fl_val_int(i);
            items[2 * i + 1] = fl_val_int(kv->accounts[i]);
            /*
             * Not a snapshot: each account is read on its own, one
             * request after another, and transfers land in between.
             */
            if (kv->bug == FL_MEMKV_BUG_STALE_READ && i + 1 < FL_MEMKV_ACCOUNTS)
                race_window(kv);
        }
        pthread_mutex_unlock(&kv->mu);
        out->type = FL_OP_OK;
        out->value = fl_val_map(a, items, FL_MEMKV_ACCOUNTS);
        return 0;
    }
    if (op->f == FL_KW_TRANSFER && op->value.kind == FL_V_MAP) {
        int64_t from = map_int(&op->value, "from", -1);
        int64_t to = map_int(&op->value, "to", -1);
        int64_t amount = map_int(&op->value, "amount", -1);
        if (from < 0 || from >= FL_MEMKV_ACCOUNTS || to < 0 ||
            to >= FL_MEMKV_ACCOUNTS || amount < 0)
            return fl_err_set(err, FL_EMODEL, "memkv: bad transfer");
        pthread_mutex_lock(&kv->mu);
        int64_t bf = kv->accounts[from], bt = kv->accounts[to];
        if (bf < amount) {
            pthread_mutex_unlock(&kv->mu);
            out->type = FL_OP_FAIL;
            fl_op_set_error(out, a, "insufficient-funds");
            return 0;
        }
        if (kv->bug == FL_MEMKV_BUG_LOST_UPDATE)
            race_window(kv); /* writes back balances read before */
        else
            bt = kv->accounts[to];
        kv->accounts[from] = bf - amount;
        kv->accounts[to] = bt + amount;
        pthread_mutex_unlock(&kv->mu);
        out->type = FL_OP_OK;
        return 0;
    }
    return fl_err_set(err, FL_EMODEL, "memkv: bad bank op :%s",
                      fl_kw_name(op->f));
}

/*
 * The faults, seen by a request: a paused store answers nothing until
 * resumed (a SIGSTOPped node); a request sent during a partition is lost,
 * and its client waits for an answer that never comes (the op times out)
 * until the nemesis's teardown closes the connections: -1 then.
 */
static int
wait_faults(struct fl_memkv *kv)
{
    int rc = 0;

    pthread_mutex_lock(&kv->mu);
    if (kv->partitioned) {
        uint64_t closes = kv->closes;
        while (kv->closes == closes)
            pthread_cond_wait(&kv->changed, &kv->mu);
        rc = -1;
    }
    while (rc == 0 && kv->paused)
        pthread_cond_wait(&kv->changed, &kv->mu);
    pthread_mutex_unlock(&kv->mu);
    return rc;
}

/* ---- queue ---- */

static void
queue_push(struct fl_memkv *kv, int64_t v)
{
    if (kv->qhead > 0 && kv->qhead == kv->qn) {
        kv->qhead = kv->qn = 0; /* empty: start over */
    }
    FL_ALLOC_GROW(kv->queue, kv->qn + 1, kv->qalloc);
    kv->queue[kv->qn++] = v;
}

static int
do_enqueue(struct fl_memkv *kv, const struct fl_op *op, struct fl_op *out)
{
    if (kv->bug == FL_MEMKV_BUG_LOST_UPDATE) {
        /* Read the tail position, append later: a racing enqueue's slot
         * gets overwritten. */
        size_t tail = kv->qn;
        race_window(kv);
        if (tail < kv->qn && tail >= kv->qhead) {
            kv->queue[tail] = op->value.u.i;
            out->type = FL_OP_OK;
            return 0;
        }
    }
    queue_push(kv, op->value.u.i);
    out->type = FL_OP_OK;
    return 0;
}

static int
do_queue(struct fl_memkv *kv, const struct fl_op *op, struct fl_arena *a,
         struct fl_op *out, struct fl_err *err)
{
    int rc = 0;

    pthread_mutex_lock(&kv->mu);
    if (op->f == FL_KW_ENQUEUE && op->value.kind == FL_V_INT) {
        rc = do_enqueue(kv, op, out);
    } else if (op->f == FL_KW_DEQUEUE) {
        if (kv->qhead == kv->qn) {
            out->type = FL_OP_FAIL;
            fl_op_set_error(out, a, "empty");
        } else {
            int64_t v = kv->queue[kv->qhead];
            if (kv->bug == FL_MEMKV_BUG_STALE_READ && coin(kv, 50)) {
                /* The head as a lagging replica saw it: removed one round
                 * trip later, so a concurrent dequeue gets it too. */
                size_t head = kv->qhead;
                race_window_us(kv, CAS_RTT_US);
                if (kv->qhead == head)
                    kv->qhead++;
            } else {
                kv->qhead++;
            }
            out->type = FL_OP_OK;
            out->value = fl_val_int(v);
        }
    } else if (op->f == FL_KW_DRAIN) {
        size_t n = kv->qn - kv->qhead;
        fl_val *items = fl_xcalloc(n ? n : 1, sizeof(*items));
        for (size_t i = 0; i < n; i++)
            items[i] = fl_val_int(kv->queue[kv->qhead + i]);
        kv->qhead = kv->qn;
        out->type = FL_OP_OK;
        out->value = fl_val_coll(a, FL_V_VEC, items, n);
        free(items);
    } else {
        rc = fl_err_set(err, FL_EMODEL, "memkv: bad queue op :%s",
                        fl_kw_name(op->f));
    }
    pthread_mutex_unlock(&kv->mu);
    return rc;
}

/* ---- unique ids ---- */

static int
do_unique_id(struct fl_memkv *kv, struct fl_op *out)
{
    pthread_mutex_lock(&kv->mu);
    int64_t id = kv->next_id;
    if (kv->bug == FL_MEMKV_BUG_LOST_UPDATE)
        race_window(kv); /* read, then write back id + 1 */
    kv->next_id = id + 1;
    pthread_mutex_unlock(&kv->mu);
    out->type = FL_OP_OK;
    out->value = fl_val_int(id);
    return 0;
}

/* ---- long fork: single-key writes, group reads ---- */

static bool
is_mop(const fl_val *m, uint32_t f)
{
    return fl_val_is_seq(m) && m->n == 3 && fl_val_is_kw(&m->u.items[0], f) &&
           m->u.items[1].kind == FL_V_INT;
}

static int
do_long_fork(struct fl_memkv *kv, const struct fl_op *op, struct fl_arena *a,
             struct fl_op *out, struct fl_err *err)
{
    const fl_val *t = &op->value;

    if (op->f != FL_KW_TXN || !fl_val_is_seq(t) || t->n == 0 || t->n > 16)
        return fl_err_set(err, FL_EMODEL, "memkv: long-fork needs :txn");
    fl_val res[16];
    pthread_mutex_lock(&kv->mu);
    for (uint32_t i = 0; i < t->n; i++) {
        const fl_val *m = &t->u.items[i];
        if (is_mop(m, FL_KW_W) && m->u.items[2].kind == FL_V_INT) {
            reg_write(kv, reg_get(kv, m->u.items[1].u.i), m->u.items[2].u.i);
            res[i] = *m;
            continue;
        }
        if (!is_mop(m, FL_KW_R)) {
            pthread_mutex_unlock(&kv->mu);
            return fl_err_set(err, FL_EMODEL, "memkv: bad micro-op");
        }
        if (kv->bug == FL_MEMKV_BUG_STALE_READ && i > 0)
            race_window_us(kv, LF_READ_GAP_US); /* one key per request */
        struct reg *r = reg_get(kv, m->u.items[1].u.i);
        fl_val mop[3] = {m->u.items[0], m->u.items[1],
                         r->set ? fl_val_int(r->value) : fl_val_nil()};
        res[i] = fl_val_coll(a, FL_V_VEC, mop, 3);
    }
    pthread_mutex_unlock(&kv->mu);
    out->type = FL_OP_OK;
    out->value = fl_val_coll(a, FL_V_VEC, res, t->n);
    return 0;
}

/* Open the node log under the run's store dir once; caller holds mu. */
static void
log_open(struct fl_memkv *kv, const struct fl_env *env)
{
    if (kv->log || !env || !env->store_dir)
        return;
    char *dir = fl_xasprintf("%s/%s", env->store_dir, FL_MEMKV_LOG_NODE);
    char *path = fl_xasprintf("%s/%s", dir, FL_MEMKV_LOG_FILE);
    if (mkdir(dir, 0755) == 0 || errno == EEXIST)
        kv->log = fopen(path, "a");
    if (kv->log) {
        fprintf(kv->log, "memkv: store open\n");
        fflush(kv->log);
    }
    free(path);
    free(dir);
}

/* Count an op; the panic bug logs once, as a crashing assertion would. */
static void
log_op(struct fl_memkv *kv)
{
    pthread_mutex_lock(&kv->mu);
    if (++kv->ops == FL_MEMKV_PANIC_AFTER && kv->bug == FL_MEMKV_BUG_PANIC &&
        kv->log) {
        fprintf(kv->log,
                "panic: memkv: replica state diverged after %d ops "
                "(planted bug)\n",
                FL_MEMKV_PANIC_AFTER);
        fflush(kv->log);
    }
    pthread_mutex_unlock(&kv->mu);
}

static int
memkv_open(struct fl_client *c, const struct fl_env *env, struct fl_err *err)
{
    struct fl_memkv *kv = c->shared;

    if (!kv)
        return fl_err_set(err, -EINVAL, "memkv: no store");
    pthread_mutex_lock(&kv->mu);
    log_open(kv, env);
    if (env && env->clock)
        kv->clock = env->clock;
    pthread_mutex_unlock(&kv->mu);
    return 0;
}

static int
memkv_invoke(struct fl_client *c, const struct fl_env *env,
             const struct fl_op *op, struct fl_arena *a, struct fl_op *out,
             struct fl_err *err)
{
    struct fl_memkv *kv = c->shared;

    FL_UNUSED(env);
    if (wait_faults(kv) < 0)
        return fl_err_set(err, -ECONNRESET,
                          "memkv: connection reset (request lost in a "
                          "partition)");
    log_op(kv);
    switch (kv->workload) {
    case FL_MEMKV_REGISTER:
        return do_register(kv, op, a, out, err);
    case FL_MEMKV_SET:
        return do_set(kv, op, a, out, err);
    case FL_MEMKV_COUNTER:
        return do_counter(kv, op, out, err);
    case FL_MEMKV_BANK:
        return do_bank(kv, op, a, out, err);
    case FL_MEMKV_QUEUE:
        return do_queue(kv, op, a, out, err);
    case FL_MEMKV_UNIQUE_IDS:
        return do_unique_id(kv, out);
    case FL_MEMKV_LONG_FORK:
        return do_long_fork(kv, op, a, out, err);
    }
    return fl_err_set(err, FL_EMODEL, "memkv: unknown workload");
}

static void
memkv_close(struct fl_client *c, const struct fl_env *env)
{
    FL_UNUSED(c);
    FL_UNUSED(env);
}

const struct fl_client_type fl_memkv_client_type = {
    .name = "memkv",
    .reusable = true,
    .open = memkv_open,
    .setup = memkv_open,
    .invoke = memkv_invoke,
    .teardown = memkv_open,
    .close = memkv_close,
};

/* ---- the nemesis: pause and partition ---- */

/* Set fault *flag to on; returns what it was. */
static bool
set_fault(struct fl_memkv *kv, bool *flag, bool on)
{
    pthread_mutex_lock(&kv->mu);
    bool was = *flag;
    *flag = on;
    if (!on)
        pthread_cond_broadcast(&kv->changed);
    pthread_mutex_unlock(&kv->mu);
    return was;
}

bool
fl_memkv_set_paused(struct fl_memkv *kv, bool paused)
{
    return set_fault(kv, &kv->paused, paused);
}

/* The faults' :f names: start and stop of each. */
static const char *const fault_fs[][2] = {
    {"pause", "resume"},
    {"start-partition", "stop-partition"},
};

static int
nem_invoke(struct fl_nemesis *n, const struct fl_env *env,
           const struct fl_op *op, struct fl_arena *a, struct fl_op *out,
           struct fl_err *err)
{
    struct fl_memkv *kv = n->ctx;
    const char *f = fl_kw_name(op->f);

    FL_UNUSED(env);
    FL_UNUSED(a);
    for (size_t i = 0; i < FL_ARRAY_SIZE(fault_fs); i++) {
        for (int on = 0; on < 2; on++) {
            if (strcmp(f, fault_fs[i][!on]) != 0)
                continue;
            bool *flag = i == 0 ? &kv->paused : &kv->partitioned;
            bool was = set_fault(kv, flag, on);
            const char *what = was == (bool)on ? "unchanged"
                               : on            ? "started"
                                               : "healed";
            out->value = fl_val_kw(fl_kw_intern_cstr(what));
            return 0;
        }
    }
    return fl_err_set(err, FL_EUSAGE, "memkv nemesis: no fault :%s", f);
}

static int
nem_setup(struct fl_nemesis *n, const struct fl_env *env, struct fl_err *err)
{
    FL_UNUSED(n);
    FL_UNUSED(env);
    FL_UNUSED(err);
    return 0;
}

/* Heal both faults and close the connections of lost requests. */
static int
nem_teardown(struct fl_nemesis *n, const struct fl_env *env, struct fl_err *err)
{
    struct fl_memkv *kv = n->ctx;

    FL_UNUSED(env);
    FL_UNUSED(err);
    pthread_mutex_lock(&kv->mu);
    if (kv->paused || kv->partitioned)
        fl_info("memkv: healed:%s%s", kv->paused ? " resumed the store" : "",
                kv->partitioned ? " ended the partition" : "");
    kv->paused = kv->partitioned = false;
    kv->closes++;
    pthread_cond_broadcast(&kv->changed);
    pthread_mutex_unlock(&kv->mu);
    return 0;
}

static size_t
nem_fs(const struct fl_nemesis *n, uint32_t *out, size_t max)
{
    size_t k = 0;

    FL_UNUSED(n);
    for (size_t i = 0; i < FL_ARRAY_SIZE(fault_fs); i++)
        for (int j = 0; j < 2; j++, k++)
            if (k < max)
                out[k] = fl_kw_intern_cstr(fault_fs[i][j]);
    return k;
}

static const struct fl_nemesis_type nem_type = {
    .name = "memkv",
    .setup = nem_setup,
    .invoke = nem_invoke,
    .teardown = nem_teardown,
    .fs = nem_fs,
    .free = NULL,
};

struct fl_nemesis *
fl_memkv_nemesis_new(struct fl_memkv *kv)
{
    return fl_nemesis_new(&nem_type, kv);
}
