/* SPDX-License-Identifier: MIT */
/*
 * set.c: Knossos's set model. The state is the sorted array of the value
 * ids added so far. :add v adds v; :read S must equal the whole set (S may
 * be a set or a sequence; duplicates are ignored); a read of nil is an
 * unknown read and always legal. Sets cannot be split by element because a
 * read observes every element at one instant.
 */
#include "util/common.h"

#include "model/model.h"
#include "util/err.h"

enum {
    SET_ADD = 1, /* [SET_ADD v] */
    SET_READ,    /* [SET_READ v...] sorted unique */
    SET_READ_ANY,
};

static int
set_init(struct fl_model *m, const fl_val *init, struct fl_vec_u32 *state,
         struct fl_err *err)
{
    if (init->kind == FL_V_NIL)
        return 0;
    if (init->kind != FL_V_SET && !fl_val_is_seq(init))
        return fl_err_set(err, FL_EUSAGE,
                          "model set: --init must be nil or a set");
    struct fl_vec_u32 tmp = {0};
    for (uint32_t i = 0; i < init->n; i++) {
        tmp.n = 0;
        fl_model__sorted_insert(&tmp, state->v, state->n,
                                fl_model_intern(m, &init->u.items[i]), true);
        state->n = 0;
        FL_VEC_RESERVE(state, tmp.n);
        memcpy(state->v, tmp.v, tmp.n * sizeof(*tmp.v));
        state->n = tmp.n;
    }
    FL_VEC_RELEASE(&tmp);
    return 0;
}

static int
set_compile(struct fl_model *m, uint32_t f, const fl_val *value, bool crashed,
            struct fl_vec_u32 *mop, struct fl_err *err)
{
    FL_UNUSED(crashed);
    if (f == FL_KW_ADD) {
        FL_VEC_PUSH(mop, SET_ADD);
        FL_VEC_PUSH(mop, fl_model_intern(m, value));
        return 0;
    }
    if (f != FL_KW_READ)
        return fl_model__bad_op(m, f, value, err, "expected :add or :read");
    if (fl_val_is_nil(value)) {
        FL_VEC_PUSH(mop, SET_READ_ANY);
        return 0;
    }
    if (value->kind != FL_V_SET && !fl_val_is_seq(value))
        return fl_model__bad_op(m, f, value, err,
                                "a :read value must be a set or nil");
    struct fl_vec_u32 acc = {0}, tmp = {0};
    for (uint32_t i = 0; i < value->n; i++) {
        tmp.n = 0;
        fl_model__sorted_insert(&tmp, acc.v, acc.n,
                                fl_model_intern(m, &value->u.items[i]), true);
        struct fl_vec_u32 t = acc;
        acc = tmp;
        tmp = t;
    }
    FL_VEC_PUSH(mop, SET_READ);
    FL_VEC_RESERVE(mop, acc.n);
    for (size_t i = 0; i < acc.n; i++)
        mop->v[mop->n++] = acc.v[i];
    FL_VEC_RELEASE(&acc);
    FL_VEC_RELEASE(&tmp);
    return 0;
}

static bool
set_step(const uint32_t *s, size_t ns, const uint32_t *mop, size_t nm,
         struct fl_vec_u32 *out)
{
    switch (mop[0]) {
    case SET_ADD:
        fl_model__sorted_insert(out, s, ns, mop[1], true);
        return true;
    case SET_READ:
        if (!fl_model_state_equal(s, ns, mop + 1, nm - 1))
            return false;
        break;
    case SET_READ_ANY:
        break;
    default:
        FL_BUG("set: bad op code %u", mop[0]);
    }
    FL_VEC_RESERVE(out, ns);
    if (ns)
        memcpy(out->v + out->n, s, ns * sizeof(*s));
    out->n += ns;
    return true;
}

static enum fl_mop_class
set_classify(const uint32_t *mop, size_t nm)
{
    FL_UNUSED(nm);
    if (mop[0] == SET_READ_ANY)
        return FL_MOP_NOOP;
    return mop[0] == SET_READ ? FL_MOP_READONLY : FL_MOP_NORMAL;
}

static fl_val
set_print(const struct fl_model *m, const uint32_t *s, size_t ns,
          struct fl_arena *a)
{
    return fl_model__vids_val(m, FL_V_SET, s, ns, a);
}

static fl_val
set_print_op(const struct fl_model *m, const uint32_t *mop, size_t nm,
             struct fl_arena *a)
{
    fl_val items[2];
    if (mop[0] == SET_ADD) {
        items[0] = fl_val_kw(FL_KW_ADD);
        items[1] = *fl_model_val(m, mop[1]);
    } else {
        items[0] = fl_val_kw(FL_KW_READ);
        items[1] = mop[0] == SET_READ_ANY
                       ? fl_val_nil()
                       : fl_model__vids_val(m, FL_V_SET, mop + 1, nm - 1, a);
    }
    return fl_val_coll(a, FL_V_VEC, items, 2);
}

const struct fl_model_type fl_model_set_type = {
    .name = "set",
    .init = set_init,
    .compile = set_compile,
    .step = set_step,
    .classify = set_classify,
    .element = fl_model__no_element,
    .equal = fl_model_state_equal,
    .hash = fl_model_state_hash,
    .print = set_print,
    .print_op = set_print_op,
};
