/* SPDX-License-Identifier: MIT */
/*
 * queue.c: Jepsen's queue checkers. `queue` is model-based: it assumes every
 * enqueue that did not :fail took effect and only :ok dequeues did, and
 * steps a queue model (model/queue.c: unordered-queue or fifo-queue) in
 * history order; a dequeue the model cannot explain makes it invalid.
 * `total-queue` compares multisets: what was attempted, acknowledged and
 * dequeued, giving :lost, :unexpected, :duplicated and :recovered values.
 * Both expand an :ok :drain (a collection) into one dequeue per element,
 * and both read an :ok :dequeue of nil as "the queue was empty".
 */
#include "util/common.h"

#include "checker/chk_int.h"
#include "checker/workloads.h"

#include "model/model.h"
#include "util/err.h"
#include "util/strbuf.h"
#include "util/vec.h"

/* How many ops each :lost / :unexpected / :duplicated list shows at most. */
#define QUEUE_MAX_OPS 32

/* ---- shared: the dequeues of a history ---- */

struct qop {
    const fl_val *v;        /* the element, in the history (the model
                               interns it by pointer) */
    const struct fl_op *op; /* the op that carried it */
};

FL_VEC(qop_vec, struct qop);

/*
 * Append every element an :ok :dequeue or :ok :drain removed to out. A
 * crashed (:info) drain removed an unknown part of the queue, which neither
 * checker can account for: returns FL_EMODEL with err naming it.
 */
static int
collect_dequeue(const struct fl_hist *h, const struct fl_op *op,
                struct qop_vec *out, struct fl_err *err)
{
    if (op->f == FL_KW_DRAIN && op->type == FL_OP_INFO)
        return fl_chk__op_err(err, FL_EMODEL, h, op,
                              "op %" PRId64 ": a crashed :drain removed an "
                              "unknown part of the queue",
                              op->index);
    if (op->type != FL_OP_OK)
        return 0;
    if (op->f == FL_KW_DEQUEUE) {
        if (!fl_val_is_nil(&op->value))
            FL_VEC_PUSH(out, ((struct qop){&op->value, op}));
        return 0;
    }
    if (!fl_val_is_seq(&op->value) && op->value.kind != FL_V_SET &&
        !fl_val_is_nil(&op->value))
        return fl_chk__op_err(err, FL_EMODEL, h, op,
                              "op %" PRId64 ": an :ok :drain must return a "
                              "collection of elements",
                              op->index);
    for (uint32_t i = 0; i < op->value.n && !fl_val_is_nil(&op->value); i++)
        FL_VEC_PUSH(out, ((struct qop){&op->value.u.items[i], op}));
    return 0;
}

static bool
is_dequeue(const struct fl_op *op)
{
    return fl_op_is_client(op) &&
           (op->f == FL_KW_DEQUEUE || op->f == FL_KW_DRAIN);
}

/* ---- queue: model-based ---- */

/*
 * Stepping one model state through the whole history costs O(queue) per
 * op (each step copies the state), hopeless for a queue of 10^5 elements.
 * The unordered queue is a product of independent per-value counters (its
 * element() says so), so each value's ops are stepped through the model on
 * their own, in history order: O(n log n) for the sort, tiny states. The
 * FIFO queue cannot be split; its state is a sequence, so it is run as a
 * deque, which is what stepping fl_model_fifo_queue_type does (the unit
 * tests compare the two on random histories). Other models are stepped
 * whole.
 */

#define QUEUE_SHOW 1000 /* elements of a queue printed in a result */

struct queue_cfg {
    const struct fl_model_type *model;
};

struct qev {
    const fl_val *v;        /* the element (in the history) */
    const struct fl_op *op; /* the op: enqueue invocation or dequeue */
    uint32_t f;             /* FL_KW_ENQUEUE or FL_KW_DEQUEUE */
};

FL_VEC(qev_vec, struct qev);

/*
 * The events the queue checker steps, in history order: every enqueue
 * that did not :fail (at its invocation) and every element an :ok
 * dequeue or drain removed.
 */
static int
queue_events(const struct fl_hist *h, struct qev_vec *ev, struct fl_err *err)
{
    int32_t *pair = fl_chk__pairs(h);
    struct qop_vec deq = {0};
    int rc = 0;

    for (size_t i = 0; i < h->n && rc == 0; i++) {
        const struct fl_op *op = &h->ops[i];
        if (!fl_op_is_client(op))
            continue;
        if (op->f == FL_KW_ENQUEUE && op->type == FL_OP_INVOKE) {
            if (pair[i] >= 0 && h->ops[pair[i]].type == FL_OP_FAIL)
                continue; /* certainly did not happen */
            FL_VEC_PUSH(ev, ((struct qev){&op->value, op, FL_KW_ENQUEUE}));
        } else if (is_dequeue(op)) {
            deq.n = 0;
            rc = collect_dequeue(h, op, &deq, err);
            for (size_t k = 0; k < deq.n; k++)
                FL_VEC_PUSH(
                    ev, ((struct qev){deq.v[k].v, deq.v[k].op, FL_KW_DEQUEUE}));
        }
    }
    FL_VEC_RELEASE(&deq);
    free(pair);
    return rc;
}

/* Step state st with event e; *ok false when the model rejects it. */
static int
step_one(struct fl_model *m, struct fl_vec_u32 *st, const struct qev *e,
         bool *ok, struct fl_err *err)
{
    struct fl_vec_u32 mop = {0}, next = {0};
    int rc = m->type->compile(m, e->f, e->v, false, &mop, err);

    *ok = false;
    if (rc == 0)
        *ok = m->type->step(st->v, st->n, mop.v, mop.n, &next);
    if (*ok) {
        FL_VEC_RELEASE(st);
        *st = next;
    } else {
        FL_VEC_RELEASE(&next);
    }
    FL_VEC_RELEASE(&mop);
    return rc;
}

struct qix {
    const fl_val *v; /* the element */
    size_t seq;      /* its event's position in history order */
};

static int
qix_cmp(const void *pa, const void *pb)
{
    const struct qix *a = pa, *b = pb;
    int c = fl_val_compare(a->v, b->v);

    return c ? c : (a->seq > b->seq) - (a->seq < b->seq);
}

/* Per element: the first event (in history order) the model rejects. */
static int
run_split(struct fl_model *m, const struct qev *ev, size_t n, size_t *bad,
          struct fl_err *err)
{
    struct qix *ix = fl_xmalloc(fl_st_mult(n ? n : 1, sizeof(*ix)));
    int rc = 0;

    for (size_t i = 0; i < n; i++)
        ix[i] = (struct qix){ev[i].v, i};
    qsort(ix, n, sizeof(*ix), qix_cmp);
    *bad = SIZE_MAX;
    for (size_t i = 0; i < n && rc == 0;) {
        struct fl_vec_u32 st = {0};
        bool ok = true;
        size_t j = i;
        rc = m->type->init(m, &(fl_val){0}, &st, err);
        for (; j < n && fl_val_equal(ix[j].v, ix[i].v); j++) {
            if (rc == 0 && ok)
                rc = step_one(m, &st, &ev[ix[j].seq], &ok, err);
            if (rc == 0 && !ok && ix[j].seq < *bad)
                *bad = ix[j].seq;
        }
        FL_VEC_RELEASE(&st);
        i = j;
    }
    free(ix);
    return rc;
}

/* The whole state through the model (models that cannot be split). */
static int
run_whole(struct fl_model *m, const struct qev *ev, size_t n, size_t *bad,
          struct fl_err *err)
{
    struct fl_vec_u32 st = {0};
    bool ok = true;
    int rc = m->type->init(m, &(fl_val){0}, &st, err);

    *bad = SIZE_MAX;
    for (size_t i = 0; i < n && rc == 0 && ok; i++) {
        rc = step_one(m, &st, &ev[i], &ok, err);
        if (rc == 0 && !ok)
            *bad = i;
    }
    FL_VEC_RELEASE(&st);
    return rc;
}

/* The FIFO queue as a deque: enqueue at the tail, dequeue the head only. */
static size_t
run_fifo(const struct qev *ev, size_t n, const fl_val ***q, size_t *head,
         size_t *tail)
{
    const fl_val **d = fl_xmalloc(fl_st_mult(n ? n : 1, sizeof(*d)));
    size_t h = 0, t = 0, bad = SIZE_MAX;

    for (size_t i = 0; i < n && bad == SIZE_MAX; i++) {
        if (ev[i].f == FL_KW_ENQUEUE)
            d[t++] = ev[i].v;
        else if (h < t && fl_val_equal(d[h], ev[i].v))
            h++;
        else
            bad = i;
    }
    *q = d;
    *head = h;
    *tail = t;
    return bad;
}

static int
val_cmp(const void *a, const void *b)
{
    return fl_val_compare(*(const fl_val *const *)a, *(const fl_val *const *)b);
}

/*
 * The unordered queue after ev[0..n): values enqueued more often than
 * dequeued, with repeats, sorted. Caller frees *out.
 */
static size_t
multiset_queue(const struct qev *ev, size_t n, const fl_val ***out)
{
    const fl_val **enq = fl_xmalloc(fl_st_mult(n ? n : 1, sizeof(*enq)));
    const fl_val **deq = fl_xmalloc(fl_st_mult(n ? n : 1, sizeof(*deq)));
    size_t ne = 0, nd = 0, k = 0;

    for (size_t i = 0; i < n; i++) {
        if (ev[i].f == FL_KW_ENQUEUE)
            enq[ne++] = ev[i].v;
        else
            deq[nd++] = ev[i].v;
    }
    qsort(enq, ne, sizeof(*enq), val_cmp);
    qsort(deq, nd, sizeof(*deq), val_cmp);
    /* enq minus deq, as multisets, in place into enq */
    for (size_t i = 0, j = 0; i < ne; i++) {
        while (j < nd && fl_val_compare(deq[j], enq[i]) < 0)
            j++;
        if (j < nd && fl_val_equal(deq[j], enq[i]))
            j++;
        else
            enq[k++] = enq[i];
    }
    free(deq);
    *out = enq;
    return k;
}

/* A queue's contents as a vector (at most QUEUE_SHOW elements). */
static fl_val
queue_val(struct fl_arena *a, const fl_val *const *q, size_t n)
{
    size_t k = n < QUEUE_SHOW ? n : QUEUE_SHOW;
    fl_val *items = fl_xcalloc(k ? k : 1, sizeof(*items));

    for (size_t i = 0; i < k; i++)
        items[i] = fl_val_copy(a, q[i]);
    fl_val v = fl_val_coll(a, FL_V_VEC, items, k);
    free(items);
    return v;
}

static void
put_invalid(struct fl_chk__map *m, const struct qev *bad, fl_val q, size_t qn)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;

    fl_strbuf_addstr(&sb, "can't dequeue ");
    fl_val_print_edn(&sb, bad->v);
    fl_strbuf_addf(&sb, " (op %" PRId64 ") from ", bad->op->index);
    if (qn <= 32) {
        fl_val_print_edn(&sb, &q);
    } else {
        fl_strbuf_addf(&sb, "a queue of %zu elements", qn);
    }
    fl_chk__put_valid(m, FL_VERDICT_FALSE);
    fl_chk__put_str(m, "error", sb.buf);
    fl_chk__put(m, "op", fl_val_int(bad->op->index));
    fl_chk__put(m, "value", fl_val_copy(m->a, bad->v));
    fl_chk__put(m, "queue", q);
    fl_chk__put_int(m, "queue-count", (int64_t)qn);
    fl_strbuf_release(&sb);
}

static int
queue_check(const struct fl_checker *c, const struct fl_hist *h,
            const struct fl_chk_opts *opts, struct fl_arena *a,
            struct fl_chk_result *out, struct fl_err *err)
{
    const struct queue_cfg *cfg = c->ctx;
    bool fifo = cfg->model == &fl_model_fifo_queue_type;
    struct qev_vec ev = {0};
    struct fl_model model;
    const fl_val **q = NULL;
    size_t bad = SIZE_MAX, qh = 0, qt = 0, nenq = 0;
    int rc;

    FL_UNUSED(opts);
    fl_model_init(&model, cfg->model);
    rc = queue_events(h, &ev, err);
    if (rc == 0 && fifo)
        bad = run_fifo(ev.v, ev.n, &q, &qh, &qt);
    else if (rc == 0 && cfg->model->element(FL_KW_ENQUEUE, &(fl_val){0}))
        rc = run_split(&model, ev.v, ev.n, &bad, err);
    else if (rc == 0)
        rc = run_whole(&model, ev.v, ev.n, &bad, err);
    if (rc)
        goto out;
    if (!fifo)
        qt = multiset_queue(ev.v, bad == SIZE_MAX ? ev.n : bad, &q);
    for (size_t i = 0; i < ev.n; i++)
        nenq += ev.v[i].f == FL_KW_ENQUEUE;
    struct fl_chk__map m;
    fl_chk__map_init(&m, a);
    fl_val qv = queue_val(a, q + qh, qt - qh);
    if (bad != SIZE_MAX) {
        put_invalid(&m, &ev.v[bad], qv, qt - qh);
    } else {
        fl_chk__put_valid(&m, FL_VERDICT_TRUE);
        fl_chk__put(&m, "final-queue", qv);
        fl_chk__put_int(&m, "final-queue-count", (int64_t)(qt - qh));
    }
    fl_chk__put_kw(&m, "model", cfg->model->name);
    fl_chk__put_int(&m, "enqueue-count", (int64_t)nenq);
    fl_chk__put_int(&m, "dequeue-count", (int64_t)(ev.n - nenq));
    out->valid = bad == SIZE_MAX ? FL_VERDICT_TRUE : FL_VERDICT_FALSE;
    out->map = fl_chk__map_done(&m);
out:
    free(q);
    FL_VEC_RELEASE(&ev);
    fl_model_release(&model);
    return rc;
}

static const struct fl_checker_type queue_type = {
    .name = "queue",
    .check = queue_check,
    .free = fl_chk__free_plain,
};

struct fl_checker *
fl_chk_queue_new(const struct fl_model_type *model)
{
    struct queue_cfg *cfg = fl_xmalloc(sizeof(*cfg));

    cfg->model = model ? model : &fl_model_unordered_queue_type;
    return fl_chk__new(&queue_type, cfg);
}

/* ---- total-queue: multisets ---- */

enum { TQ_ATTEMPT, TQ_ACK, TQ_DEQ };

struct tq_item {
    fl_val v;
    const struct fl_op *op;
    int kind; /* TQ_* */
};

static int
tq_cmp(const void *pa, const void *pb)
{
    const struct tq_item *a = pa, *b = pb;
    int c = fl_val_compare(&a->v, &b->v);

    if (c)
        return c;
    if (a->kind != b->kind)
        return a->kind - b->kind;
    return a->op->index < b->op->index ? -1 : a->op->index > b->op->index;
}

/* One outcome: its values (with repeats) and up to QUEUE_MAX_OPS ops. */
struct tq_bag {
    FL_VEC(, fl_val) vals;
    FL_VEC(, fl_val) ops;
};

static void
bag_add(struct tq_bag *b, const fl_val *v, int64_t times,
        const struct tq_item *items, size_t n, int kind)
{
    for (int64_t t = 0; t < times; t++)
        FL_VEC_PUSH(&b->vals, *v);
    for (size_t i = 0; i < n && times > 0; i++) {
        if (items[i].kind != kind || b->ops.n >= QUEUE_MAX_OPS)
            continue;
        fl_val idx = fl_val_int(items[i].op->index);
        FL_VEC_PUSH(&b->ops, idx);
    }
}

static void
bag_put(struct fl_chk__map *m, const char *name, struct tq_bag *b)
{
    char key[64];

    snprintf(key, sizeof(key), "%s-count", name);
    fl_chk__put_int(m, key, (int64_t)b->vals.n);
    fl_chk__put(m, name, fl_val_coll(m->a, FL_V_VEC, b->vals.v, b->vals.n));
    if (b->ops.n) {
        snprintf(key, sizeof(key), "%s-ops", name);
        fl_chk__put(m, key, fl_val_coll(m->a, FL_V_VEC, b->ops.v, b->ops.n));
    }
    FL_VEC_RELEASE(&b->vals);
    FL_VEC_RELEASE(&b->ops);
}

static int
tq_gather(const struct fl_hist *h, struct tq_item **out, size_t *nout,
          struct fl_err *err)
{
    FL_VEC(, struct tq_item) items = {0};
    struct qop_vec deq = {0};
    int rc = 0;

    for (size_t i = 0; i < h->n && rc == 0; i++) {
        const struct fl_op *op = &h->ops[i];
        if (!fl_op_is_client(op))
            continue;
        if (op->f == FL_KW_ENQUEUE &&
            (op->type == FL_OP_INVOKE || op->type == FL_OP_OK)) {
            int kind = op->type == FL_OP_INVOKE ? TQ_ATTEMPT : TQ_ACK;
            FL_VEC_PUSH(&items, ((struct tq_item){op->value, op, kind}));
        } else if (is_dequeue(op)) {
            deq.n = 0;
            rc = collect_dequeue(h, op, &deq, err);
            for (size_t k = 0; k < deq.n; k++)
                FL_VEC_PUSH(&items, ((struct tq_item){*deq.v[k].v, deq.v[k].op,
                                                      TQ_DEQ}));
        }
    }
    FL_VEC_RELEASE(&deq);
    if (rc == 0 && items.n)
        qsort(items.v, items.n, sizeof(*items.v), tq_cmp);
    *out = items.v;
    *nout = items.n;
    return rc;
}

static int
tq_check(const struct fl_checker *c, const struct fl_hist *h,
         const struct fl_chk_opts *opts, struct fl_arena *a,
         struct fl_chk_result *out, struct fl_err *err)
{
    struct tq_item *it = NULL;
    size_t n = 0;
    struct tq_bag lost = {0}, unexp = {0}, dup = {0}, rec = {0};
    int64_t nattempt = 0, nack = 0, nok = 0;
    int rc;

    FL_UNUSED(c);
    FL_UNUSED(opts);
    rc = tq_gather(h, &it, &n, err);
    if (rc)
        goto out;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        int64_t cnt[3] = {0, 0, 0};
        while (j < n && fl_val_equal(&it[j].v, &it[i].v))
            cnt[it[j++].kind]++;
        int64_t at = cnt[TQ_ATTEMPT], ack = cnt[TQ_ACK], d = cnt[TQ_DEQ];
        int64_t ok = d < at ? d : at;
        nattempt += at;
        nack += ack;
        nok += ok;
        if (at == 0)
            bag_add(&unexp, &it[i].v, d, it + i, j - i, TQ_DEQ);
        else if (d > at)
            bag_add(&dup, &it[i].v, d - at, it + i, j - i, TQ_DEQ);
        if (ack > d)
            bag_add(&lost, &it[i].v, ack - d, it + i, j - i, TQ_ACK);
        if (ok > ack)
            bag_add(&rec, &it[i].v, ok - ack, it + i, j - i, TQ_DEQ);
        i = j;
    }
    bool valid = lost.vals.n == 0 && unexp.vals.n == 0;
    struct fl_chk__map m;
    fl_chk__map_init(&m, a);
    fl_chk__put_valid(&m, valid ? FL_VERDICT_TRUE : FL_VERDICT_FALSE);
    fl_chk__put_int(&m, "attempt-count", nattempt);
    fl_chk__put_int(&m, "acknowledged-count", nack);
    fl_chk__put_int(&m, "ok-count", nok);
    bag_put(&m, "lost", &lost);
    bag_put(&m, "unexpected", &unexp);
    bag_put(&m, "duplicated", &dup);
    bag_put(&m, "recovered", &rec);
    out->valid = valid ? FL_VERDICT_TRUE : FL_VERDICT_FALSE;
    out->map = fl_chk__map_done(&m);
out:
    FL_VEC_RELEASE(&lost.vals);
    FL_VEC_RELEASE(&lost.ops);
    FL_VEC_RELEASE(&unexp.vals);
    FL_VEC_RELEASE(&unexp.ops);
    FL_VEC_RELEASE(&dup.vals);
    FL_VEC_RELEASE(&dup.ops);
    FL_VEC_RELEASE(&rec.vals);
    FL_VEC_RELEASE(&rec.ops);
    free(it);
    return rc;
}

static const struct fl_checker_type total_queue_type = {
    .name = "total-queue",
    .check = tq_check,
    .free = fl_chk__free_plain,
};

struct fl_checker *
fl_chk_total_queue_new(void)
{
    return fl_chk__new(&total_queue_type, NULL);
}
