/* SPDX-License-Identifier: MIT */
/*
 * queue.c: Knossos's unordered-queue and fifo-queue models. The
 * unordered queue's state is the sorted multiset of queued value ids;
 * :dequeue v needs v queued. Its ops touch one value each and legality
 * depends only on that value's count, so it is a product of independent
 * per-value counters and splits by element (Horn & Kroening's
 * P-compositionality). Removing an element never makes a later op legal, so
 * a crashed dequeue can always be assumed not to have happened (class
 * FL_MOP_SHRINKS). The fifo queue's state is the sequence; :dequeue v needs
 * v at the head, and a crashed dequeue whose value is unknown (nil) may
 * remove whatever is at the head.
 */
#include "util/common.h"

#include "model/model.h"
#include "util/err.h"

enum {
    Q_ENQ = 1,  /* [Q_ENQ v] */
    Q_DEQ,      /* [Q_DEQ v] */
    Q_DEQ_HEAD, /* [Q_DEQ_HEAD]: fifo, crashed dequeue of unknown value */
};

static int
q_init(struct fl_model *m, const fl_val *init, struct fl_vec_u32 *state,
       bool sorted, struct fl_err *err)
{
    if (init->kind == FL_V_NIL)
        return 0;
    if (!fl_val_is_seq(init) && !(sorted && init->kind == FL_V_SET))
        return fl_err_set(err, FL_EUSAGE,
                          "queue models: --init must be nil or a vector");
    for (uint32_t i = 0; i < init->n; i++)
        FL_VEC_PUSH(state, fl_model_intern(m, &init->u.items[i]));
    if (sorted) {
        for (size_t i = 1; i < state->n; i++) {
            uint32_t x = state->v[i];
            size_t j = i;
            for (; j > 0 && state->v[j - 1] > x; j--)
                state->v[j] = state->v[j - 1];
            state->v[j] = x;
        }
    }
    return 0;
}

static int
uq_init(struct fl_model *m, const fl_val *init, struct fl_vec_u32 *state,
        struct fl_err *err)
{
    return q_init(m, init, state, true, err);
}

static int
fq_init(struct fl_model *m, const fl_val *init, struct fl_vec_u32 *state,
        struct fl_err *err)
{
    return q_init(m, init, state, false, err);
}

static int
q_compile(struct fl_model *m, uint32_t f, const fl_val *value, bool crashed,
          bool fifo, struct fl_vec_u32 *mop, struct fl_err *err)
{
    if (f == FL_KW_ENQUEUE) {
        FL_VEC_PUSH(mop, Q_ENQ);
        FL_VEC_PUSH(mop, fl_model_intern(m, value));
        return 0;
    }
    if (f != FL_KW_DEQUEUE)
        return fl_model__bad_op(m, f, value, err,
                                "expected :enqueue or :dequeue");
    if (fifo && crashed && fl_val_is_nil(value)) {
        FL_VEC_PUSH(mop, Q_DEQ_HEAD);
        return 0;
    }
    FL_VEC_PUSH(mop, Q_DEQ);
    FL_VEC_PUSH(mop, fl_model_intern(m, value));
    return 0;
}

static int
uq_compile(struct fl_model *m, uint32_t f, const fl_val *value, bool crashed,
           struct fl_vec_u32 *mop, struct fl_err *err)
{
    return q_compile(m, f, value, crashed, false, mop, err);
}

static int
fq_compile(struct fl_model *m, uint32_t f, const fl_val *value, bool crashed,
           struct fl_vec_u32 *mop, struct fl_err *err)
{
    return q_compile(m, f, value, crashed, true, mop, err);
}

static bool
uq_step(const uint32_t *s, size_t ns, const uint32_t *mop, size_t nm,
        struct fl_vec_u32 *out)
{
    FL_UNUSED(nm);
    if (mop[0] == Q_ENQ) {
        fl_model__sorted_insert(out, s, ns, mop[1], false);
        return true;
    }
    size_t i = 0;
    while (i < ns && s[i] < mop[1])
        i++;
    if (i == ns || s[i] != mop[1])
        return false;
    FL_VEC_RESERVE(out, ns);
    for (size_t j = 0; j < ns; j++)
        if (j != i)
            out->v[out->n++] = s[j];
    return true;
}

static bool
fq_step(const uint32_t *s, size_t ns, const uint32_t *mop, size_t nm,
        struct fl_vec_u32 *out)
{
    FL_UNUSED(nm);
    FL_VEC_RESERVE(out, ns + 1);
    if (mop[0] == Q_ENQ) {
        if (ns)
            memcpy(out->v + out->n, s, ns * sizeof(*s));
        out->n += ns;
        out->v[out->n++] = mop[1];
        return true;
    }
    if (ns == 0 || (mop[0] == Q_DEQ && s[0] != mop[1]))
        return false;
    if (ns > 1)
        memcpy(out->v + out->n, s + 1, (ns - 1) * sizeof(*s));
    out->n += ns - 1;
    return true;
}

static enum fl_mop_class
uq_classify(const uint32_t *mop, size_t nm)
{
    FL_UNUSED(nm);
    return mop[0] == Q_DEQ ? FL_MOP_SHRINKS : FL_MOP_NORMAL;
}

static enum fl_mop_class
fq_classify(const uint32_t *mop, size_t nm)
{
    FL_UNUSED(mop);
    FL_UNUSED(nm);
    return FL_MOP_NORMAL;
}

static const fl_val *
uq_element(uint32_t f, const fl_val *value)
{
    if (f == FL_KW_ENQUEUE || f == FL_KW_DEQUEUE)
        return value;
    return NULL;
}

static fl_val
q_print(const struct fl_model *m, const uint32_t *s, size_t ns,
        struct fl_arena *a)
{
    return fl_model__vids_val(m, FL_V_VEC, s, ns, a);
}

static fl_val
q_print_op(const struct fl_model *m, const uint32_t *mop, size_t nm,
           struct fl_arena *a)
{
    FL_UNUSED(nm);
    fl_val items[2] = {
        fl_val_kw(mop[0] == Q_ENQ ? FL_KW_ENQUEUE : FL_KW_DEQUEUE),
        mop[0] == Q_DEQ_HEAD ? fl_val_nil() : *fl_model_val(m, mop[1])};
    return fl_val_coll(a, FL_V_VEC, items, 2);
}

const struct fl_model_type fl_model_unordered_queue_type = {
    .name = "unordered-queue",
    .init = uq_init,
    .compile = uq_compile,
    .step = uq_step,
    .classify = uq_classify,
    .element = uq_element,
    .equal = fl_model_state_equal,
    .hash = fl_model_state_hash,
    .print = q_print,
    .print_op = q_print_op,
};

const struct fl_model_type fl_model_fifo_queue_type = {
    .name = "fifo-queue",
    .init = fq_init,
    .compile = fq_compile,
    .step = fq_step,
    .classify = fq_classify,
    .element = fl_model__no_element,
    .equal = fl_model_state_equal,
    .hash = fl_model_state_hash,
    .print = q_print,
    .print_op = q_print_op,
};
