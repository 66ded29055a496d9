/* SPDX-License-Identifier: MIT */
/*
 * mutex.c: Knossos's mutex model. The state is one word, 1 when locked.
 * :acquire needs it unlocked and locks it; :release needs it locked and
 * unlocks it. The initial value is nil or false (unlocked) or true.
 */
#include "util/common.h"

#include "model/model.h"
#include "util/err.h"

enum {
    MUTEX_ACQUIRE = 1,
    MUTEX_RELEASE,
};

static int
mutex_init(struct fl_model *m, const fl_val *init, struct fl_vec_u32 *state,
           struct fl_err *err)
{
    FL_UNUSED(m);
    if (init->kind == FL_V_NIL || (init->kind == FL_V_BOOL && !init->u.b)) {
        FL_VEC_PUSH(state, 0);
        return 0;
    }
    if (init->kind == FL_V_BOOL) {
        FL_VEC_PUSH(state, 1);
        return 0;
    }
    return fl_err_set(err, FL_EUSAGE,
                      "model mutex: --init must be nil, false (unlocked) or "
                      "true (locked)");
}

static int
mutex_compile(struct fl_model *m, uint32_t f, const fl_val *value, bool crashed,
              struct fl_vec_u32 *mop, struct fl_err *err)
{
    FL_UNUSED(crashed);
    if (f == FL_KW_ACQUIRE)
        FL_VEC_PUSH(mop, MUTEX_ACQUIRE);
    else if (f == FL_KW_RELEASE)
        FL_VEC_PUSH(mop, MUTEX_RELEASE);
    else
        return fl_model__bad_op(m, f, value, err,
                                "expected :acquire or :release");
    return 0;
}

static bool
mutex_step(const uint32_t *s, size_t ns, const uint32_t *mop, size_t nm,
           struct fl_vec_u32 *out)
{
    FL_UNUSED(ns);
    FL_UNUSED(nm);
    bool acquire = mop[0] == MUTEX_ACQUIRE;
    if ((s[0] != 0) == acquire)
        return false;
    FL_VEC_PUSH(out, acquire ? 1 : 0);
    return true;
}

static enum fl_mop_class
mutex_classify(const uint32_t *mop, size_t nm)
{
    FL_UNUSED(mop);
    FL_UNUSED(nm);
    return FL_MOP_NORMAL;
}

static fl_val
mutex_print(const struct fl_model *m, const uint32_t *s, size_t ns,
            struct fl_arena *a)
{
    FL_UNUSED(m);
    FL_UNUSED(ns);
    fl_val kv[2] = {fl_val_kw(fl_kw_intern_cstr("locked?")),
                    fl_val_bool(s[0] != 0)};
    return fl_val_map(a, kv, 1);
}

static fl_val
mutex_print_op(const struct fl_model *m, const uint32_t *mop, size_t nm,
               struct fl_arena *a)
{
    FL_UNUSED(m);
    FL_UNUSED(nm);
    fl_val v =
        fl_val_kw(mop[0] == MUTEX_ACQUIRE ? FL_KW_ACQUIRE : FL_KW_RELEASE);
    return fl_val_coll(a, FL_V_VEC, &v, 1);
}

const struct fl_model_type fl_model_mutex_type = {
    .name = "mutex",
    .init = mutex_init,
    .compile = mutex_compile,
    .step = mutex_step,
    .classify = mutex_classify,
    .element = fl_model__no_element,
    .equal = fl_model_state_equal,
    .hash = fl_model_state_hash,
    .print = mutex_print,
    .print_op = mutex_print_op,
};
