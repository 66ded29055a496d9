/* SPDX-License-Identifier: MIT */
/*
 * op.c: small accessors for struct fl_op. The op keeps :index, :time,
 * :type, :process, :f and :value in fixed fields; :error and every other
 * key live in the op's extra map, which these helpers search.
 */
#include "util/common.h"

#include "history/op.h"

const char *
fl_op_type_name(enum fl_op_type t)
{
    switch (t) {
    case FL_OP_INVOKE:
        return "invoke";
    case FL_OP_OK:
        return "ok";
    case FL_OP_FAIL:
        return "fail";
    case FL_OP_INFO:
        return "info";
    }
    return "?";
}

const fl_val *
fl_op_error(const struct fl_op *op)
{
    return fl_val_map_get_kw(op->extra, FL_KW_ERROR);
}

const fl_val *
fl_op_get(const struct fl_op *op, uint32_t kw)
{
    if (kw == FL_KW_VALUE)
        return &op->value;
    return fl_val_map_get_kw(op->extra, kw);
}

static bool
extra_equal(const fl_val *a, const fl_val *b)
{
    bool ae = !a || (a->kind == FL_V_MAP && a->n == 0);
    bool be = !b || (b->kind == FL_V_MAP && b->n == 0);
    if (ae || be)
        return ae && be;
    return fl_val_equal(a, b);
}

bool
fl_op_equal(const struct fl_op *a, const struct fl_op *b)
{
    const unsigned keep = FL_OP_F_STRING | FL_OP_NO_PROCESS;
    return a->index == b->index && a->time_ns == b->time_ns &&
           a->type == b->type && a->process == b->process && a->f == b->f &&
           (a->flags & keep) == (b->flags & keep) &&
           fl_val_equal(&a->value, &b->value) &&
           extra_equal(a->extra, b->extra);
}
