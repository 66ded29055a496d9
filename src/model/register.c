/* SPDX-License-Identifier: MIT */
/*
 * register.c: Knossos's register and cas-register models (checkers.md 1.3).
 * A read of nil is an unknown read and always legal; any other read must
 * equal the current value. :write sets the value; :cas [old new]
 * (cas-register only) sets new iff the value is old.
 * The state is one value id.
 */
#include "util/common.h"

#include "model/model.h"
#include "util/err.h"

enum {
    REG_READ = 1, /* [REG_READ v] */
    REG_READ_ANY, /* [REG_READ_ANY]: a read of nil */
    REG_WRITE,    /* [REG_WRITE v] */
    REG_CAS,      /* [REG_CAS old new] */
};

static int
reg_init(struct fl_model *m, const fl_val *init, struct fl_vec_u32 *state,
         struct fl_err *err)
{
    FL_UNUSED(err);
    FL_VEC_PUSH(state, fl_model_intern(m, init));
    return 0;
}

static int
reg_compile_common(struct fl_model *m, uint32_t f, const fl_val *value,
                   bool cas_ok, struct fl_vec_u32 *mop, struct fl_err *err)
{
    switch (f) {
    case FL_KW_READ:
        if (fl_val_is_nil(value)) {
            FL_VEC_PUSH(mop, REG_READ_ANY);
        } else {
            FL_VEC_PUSH(mop, REG_READ);
            FL_VEC_PUSH(mop, fl_model_intern(m, value));
        }
        return 0;
    case FL_KW_WRITE:
        FL_VEC_PUSH(mop, REG_WRITE);
        FL_VEC_PUSH(mop, fl_model_intern(m, value));
        return 0;
    case FL_KW_CAS:
        if (!cas_ok)
            return fl_model__bad_op(m, f, value, err,
                                    "a register has no :cas (use "
                                    "--model cas-register)");
        if (!fl_val_is_seq(value) || value->n != 2)
            return fl_model__bad_op(m, f, value, err,
                                    "a :cas value must be [old new]");
        FL_VEC_PUSH(mop, REG_CAS);
        FL_VEC_PUSH(mop, fl_model_intern(m, &value->u.items[0]));
        FL_VEC_PUSH(mop, fl_model_intern(m, &value->u.items[1]));
        return 0;
    default:
        return fl_model__bad_op(m, f, value, err,
                                cas_ok ? "expected :read, :write or :cas"
                                       : "expected :read or :write");
    }
}

static int
reg_compile(struct fl_model *m, uint32_t f, const fl_val *value, bool crashed,
            struct fl_vec_u32 *mop, struct fl_err *err)
{
    FL_UNUSED(crashed);
    return reg_compile_common(m, f, value, false, mop, err);
}

static int
cas_compile(struct fl_model *m, uint32_t f, const fl_val *value, bool crashed,
            struct fl_vec_u32 *mop, struct fl_err *err)
{
    FL_UNUSED(crashed);
    return reg_compile_common(m, f, value, true, mop, err);
}

static bool
reg_step(const uint32_t *s, size_t ns, const uint32_t *mop, size_t nm,
         struct fl_vec_u32 *out)
{
    FL_UNUSED(ns);
    FL_UNUSED(nm);
    uint32_t next = s[0];
    switch (mop[0]) {
    case REG_READ:
        if (s[0] != mop[1])
            return false;
        break;
    case REG_READ_ANY:
        break;
    case REG_WRITE:
        next = mop[1];
        break;
    case REG_CAS:
        if (s[0] != mop[1])
            return false;
        next = mop[2];
        break;
    default:
        FL_BUG("register: bad op code %u", mop[0]);
    }
    FL_VEC_PUSH(out, next);
    return true;
}

static enum fl_mop_class
reg_classify(const uint32_t *mop, size_t nm)
{
    FL_UNUSED(nm);
    if (mop[0] == REG_READ_ANY)
        return FL_MOP_NOOP;
    if (mop[0] == REG_WRITE)
        return FL_MOP_BLIND;
    return mop[0] == REG_READ ? FL_MOP_READONLY : FL_MOP_NORMAL;
}

static fl_val
reg_print(const struct fl_model *m, const uint32_t *s, size_t ns,
          struct fl_arena *a)
{
    FL_UNUSED(ns);
    FL_UNUSED(a);
    return *fl_model_val(m, s[0]);
}

static fl_val
reg_print_op(const struct fl_model *m, const uint32_t *mop, size_t nm,
             struct fl_arena *a)
{
    fl_val items[3];
    size_t n = 1;
    switch (mop[0]) {
    case REG_READ:
    case REG_READ_ANY:
        items[0] = fl_val_kw(FL_KW_READ);
        break;
    case REG_WRITE:
        items[0] = fl_val_kw(FL_KW_WRITE);
        break;
    default:
        items[0] = fl_val_kw(FL_KW_CAS);
        break;
    }
    for (size_t i = 1; i < nm && n < 3; i++)
        items[n++] = *fl_model_val(m, mop[i]);
    if (mop[0] == REG_READ_ANY)
        items[n++] = fl_val_nil();
    return fl_val_coll(a, FL_V_VEC, items, n);
}

const struct fl_model_type fl_model_register_type = {
    .name = "register",
    .init = reg_init,
    .compile = reg_compile,
    .step = reg_step,
    .classify = reg_classify,
    .element = fl_model__no_element,
    .equal = fl_model_state_equal,
    .hash = fl_model_state_hash,
    .print = reg_print,
    .print_op = reg_print_op,
};

const struct fl_model_type fl_model_cas_register_type = {
    .name = "cas-register",
    .init = reg_init,
    .compile = cas_compile,
    .step = reg_step,
    .classify = reg_classify,
    .element = fl_model__no_element,
    .equal = fl_model_state_equal,
    .hash = fl_model_state_hash,
    .print = reg_print,
    .print_op = reg_print_op,
};
