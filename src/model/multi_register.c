/* SPDX-License-Identifier: MIT */
/*
 * multi_register.c: Knossos's multi-register model: a map of registers
 * changed by :txn ops whose value is a sequence of [:read k v] and
 * [:write k v] micro-ops, applied in order. A read of nil is unknown and
 * always legal; a missing key reads as nil. The state is the sorted array
 * of (key id, value id) pairs whose value is not nil, so it is canonical.
 */
#include "util/common.h"

#include "model/model.h"
#include "util/err.h"

enum {
    MR_TXN = 1, /* [MR_TXN (MR_READ|MR_WRITE k v)...] */
    MR_READ = 1,
    MR_WRITE = 2,
};

/* Set key k to v (nil removes it) in the pair array out->v[base..n). */
static void
mr_put(struct fl_vec_u32 *out, size_t base, uint32_t k, uint32_t v)
{
    size_t i = base;
    while (i < out->n && out->v[i] < k)
        i += 2;
    if (i < out->n && out->v[i] == k) {
        if (v != FL_MODEL_NIL) {
            out->v[i + 1] = v;
            return;
        }
        memmove(out->v + i, out->v + i + 2, (out->n - i - 2) * sizeof(*out->v));
        out->n -= 2;
        return;
    }
    if (v == FL_MODEL_NIL)
        return;
    FL_VEC_RESERVE(out, 2);
    memmove(out->v + i + 2, out->v + i, (out->n - i) * sizeof(*out->v));
    out->v[i] = k;
    out->v[i + 1] = v;
    out->n += 2;
}

static uint32_t
mr_get(const uint32_t *s, size_t ns, uint32_t k)
{
    for (size_t i = 0; i < ns && s[i] <= k; i += 2)
        if (s[i] == k)
            return s[i + 1];
    return FL_MODEL_NIL;
}

static int
mr_init(struct fl_model *m, const fl_val *init, struct fl_vec_u32 *state,
        struct fl_err *err)
{
    if (init->kind == FL_V_NIL)
        return 0;
    if (init->kind != FL_V_MAP)
        return fl_err_set(err, FL_EUSAGE,
                          "model multi-register: --init must be a map such "
                          "as {:x 0 :y 0}");
    size_t base = state->n;
    for (uint32_t i = 0; i < init->n; i++)
        mr_put(state, base, fl_model_intern(m, &init->u.items[2 * i]),
               fl_model_intern(m, &init->u.items[2 * i + 1]));
    return 0;
}

static int
mr_compile(struct fl_model *m, uint32_t f, const fl_val *value, bool crashed,
           struct fl_vec_u32 *mop, struct fl_err *err)
{
    FL_UNUSED(crashed);
    if (f != FL_KW_TXN)
        return fl_model__bad_op(m, f, value, err, "expected :txn");
    if (!fl_val_is_seq(value))
        return fl_model__bad_op(m, f, value, err,
                                "a :txn value must be a vector of "
                                "[:read k v] / [:write k v]");
    FL_VEC_PUSH(mop, MR_TXN);
    for (uint32_t i = 0; i < value->n; i++) {
        const fl_val *mo = &value->u.items[i];
        if (!fl_val_is_seq(mo) || mo->n != 3 || mo->u.items[0].kind != FL_V_KW)
            return fl_model__bad_op(m, f, value, err,
                                    "each micro-op must be [:read k v] or "
                                    "[:write k v]");
        uint32_t mf = mo->u.items[0].u.id;
        uint32_t code;
        if (mf == FL_KW_READ || mf == FL_KW_R)
            code = MR_READ;
        else if (mf == FL_KW_WRITE || mf == FL_KW_W)
            code = MR_WRITE;
        else
            return fl_model__bad_op(m, f, value, err,
                                    "micro-ops must be :read or :write");
        if (code == MR_READ && fl_val_is_nil(&mo->u.items[2]))
            continue;
        FL_VEC_PUSH(mop, code);
        FL_VEC_PUSH(mop, fl_model_intern(m, &mo->u.items[1]));
        FL_VEC_PUSH(mop, fl_model_intern(m, &mo->u.items[2]));
    }
    return 0;
}

static bool
mr_step(const uint32_t *s, size_t ns, const uint32_t *mop, size_t nm,
        struct fl_vec_u32 *out)
{
    size_t base = out->n;
    FL_VEC_RESERVE(out, ns);
    if (ns)
        memcpy(out->v + base, s, ns * sizeof(*s));
    out->n += ns;
    for (size_t i = 1; i + 3 <= nm; i += 3) {
        uint32_t code = mop[i], k = mop[i + 1], v = mop[i + 2];
        if (code == MR_READ) {
            if (mr_get(out->v + base, out->n - base, k) != v) {
                out->n = base;
                return false;
            }
        } else {
            mr_put(out, base, k, v);
        }
    }
    return true;
}

static enum fl_mop_class
mr_classify(const uint32_t *mop, size_t nm)
{
    if (nm == 1)
        return FL_MOP_NOOP;
    for (size_t i = 1; i + 3 <= nm; i += 3)
        if (mop[i] == MR_WRITE)
            return FL_MOP_NORMAL;
    return FL_MOP_READONLY;
}

static fl_val
mr_print(const struct fl_model *m, const uint32_t *s, size_t ns,
         struct fl_arena *a)
{
    fl_val *items = ns ? fl_xmalloc(ns * sizeof(*items)) : NULL;
    for (size_t i = 0; i < ns; i++)
        items[i] = *fl_model_val(m, s[i]);
    fl_val r = fl_val_map(a, items, ns / 2);
    free(items);
    return r;
}

static fl_val
mr_print_op(const struct fl_model *m, const uint32_t *mop, size_t nm,
            struct fl_arena *a)
{
    size_t n = (nm - 1) / 3;
    fl_val *items = fl_xmalloc((n + 1) * sizeof(*items));
    for (size_t i = 0; i < n; i++) {
        const uint32_t *mo = mop + 1 + 3 * i;
        fl_val t[3] = {fl_val_kw(mo[0] == MR_READ ? FL_KW_READ : FL_KW_WRITE),
                       *fl_model_val(m, mo[1]), *fl_model_val(m, mo[2])};
        items[i] = fl_val_coll(a, FL_V_VEC, t, 3);
    }
    fl_val txn[2] = {fl_val_kw(FL_KW_TXN), fl_val_coll(a, FL_V_VEC, items, n)};
    free(items);
    return fl_val_coll(a, FL_V_VEC, txn, 2);
}

const struct fl_model_type fl_model_multi_register_type = {
    .name = "multi-register",
    .init = mr_init,
    .compile = mr_compile,
    .step = mr_step,
    .classify = mr_classify,
    .element = fl_model__no_element,
    .equal = fl_model_state_equal,
    .hash = fl_model_state_hash,
    .print = mr_print,
    .print_op = mr_print_op,
};
