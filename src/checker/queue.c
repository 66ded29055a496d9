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

struct queue_cfg {
    const struct fl_model_type *model;
};

/* The model-based result once the model has rejected `bad`. */
static void
queue_invalid(struct fl_chk__map *m, const struct fl_model *model,
              const uint32_t *s, size_t ns, const struct qop *bad)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;

    fl_strbuf_addf(&sb, "can't dequeue ");
    fl_val_print_edn(&sb, bad->v);
    fl_strbuf_addf(&sb, " (op %" PRId64 ") from ", bad->op->index);
    fl_val q = model->type->print(model, s, ns, m->a);
    fl_val_print_edn(&sb, &q);
    fl_chk__put_valid(m, FL_VERDICT_FALSE);
    fl_chk__put_str(m, "error", sb.buf);
    fl_chk__put(m, "op", fl_val_int(bad->op->index));
    fl_chk__put(m, "value", fl_val_copy(m->a, bad->v));
    fl_chk__put(m, "queue", q);
    fl_strbuf_release(&sb);
}

/* Step the model with one element; false (and the result) if rejected. */
static bool
queue_step(struct fl_model *model, struct fl_vec_u32 *st, uint32_t f,
           const struct qop *q, struct fl_vec_u32 *mop, struct fl_err *err,
           int *rc)
{
    struct fl_vec_u32 next = {0};
    bool ok;

    mop->n = 0;
    *rc = model->type->compile(model, f, q->v, false, mop, err);
    if (*rc)
        return false;
    ok = model->type->step(st->v, st->n, mop->v, mop->n, &next);
    if (ok) {
        FL_VEC_RELEASE(st);
        *st = next;
    } else {
        FL_VEC_RELEASE(&next);
    }
    return ok;
}

static int
queue_check(const struct fl_checker *c, const struct fl_hist *h,
            const struct fl_chk_opts *opts, struct fl_arena *a,
            struct fl_chk_result *out, struct fl_err *err)
{
    const struct queue_cfg *cfg = c->ctx;
    struct fl_model model;
    struct fl_vec_u32 st = {0}, mop = {0};
    struct qop_vec deq = {0};
    struct fl_chk__map m;
    int32_t *pair = fl_chk__pairs(h);
    int64_t nenq = 0, ndeq = 0;
    bool valid = true;
    int rc;

    FL_UNUSED(opts);
    fl_model_init(&model, cfg->model);
    fl_chk__map_init(&m, a);
    rc = model.type->init(&model, &(fl_val){0}, &st, err);
    for (size_t i = 0; i < h->n && rc == 0 && valid; i++) {
        const struct fl_op *op = &h->ops[i];
        if (!fl_op_is_client(op))
            continue;
        if (op->f == FL_KW_ENQUEUE && op->type == FL_OP_INVOKE) {
            if (pair[i] >= 0 && h->ops[pair[i]].type == FL_OP_FAIL)
                continue; /* certainly did not happen */
            struct qop q = {&op->value, op};
            valid = queue_step(&model, &st, FL_KW_ENQUEUE, &q, &mop, err, &rc);
            nenq++;
            if (!valid && rc == 0)
                queue_invalid(&m, &model, st.v, st.n, &q);
            continue;
        }
        if (!is_dequeue(op))
            continue;
        deq.n = 0;
        rc = collect_dequeue(h, op, &deq, err);
        for (size_t k = 0; k < deq.n && rc == 0 && valid; k++) {
            valid = queue_step(&model, &st, FL_KW_DEQUEUE, &deq.v[k], &mop, err,
                               &rc);
            ndeq++;
            if (!valid && rc == 0)
                queue_invalid(&m, &model, st.v, st.n, &deq.v[k]);
        }
    }
    if (rc == 0) {
        if (valid) {
            fl_chk__put_valid(&m, FL_VERDICT_TRUE);
            fl_chk__put(&m, "final-queue",
                        model.type->print(&model, st.v, st.n, a));
        }
        fl_chk__put_kw(&m, "model", cfg->model->name);
        fl_chk__put_int(&m, "enqueue-count", nenq);
        fl_chk__put_int(&m, "dequeue-count", ndeq);
        out->valid = valid ? FL_VERDICT_TRUE : FL_VERDICT_FALSE;
        out->map = fl_chk__map_done(&m);
    }
    free(m.items);
    FL_VEC_RELEASE(&deq);
    FL_VEC_RELEASE(&st);
    FL_VEC_RELEASE(&mop);
    fl_model_release(&model);
    free(pair);
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
