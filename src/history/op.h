/* SPDX-License-Identifier: MIT */
/*
 * op.h: one operation of a history (Jepsen's op map), 56 bytes plus its
 * value's arena storage. Invocations and completions are separate ops, tied
 * together by `pair` once fl_hist_pair() has run. Nemesis ops have process
 * FL_PROC_NEMESIS; other non-integer processes are keywords, encoded with
 * FL_PROC_KW().
 */
#ifndef FL_OP_H
#define FL_OP_H

#include "history/val.h"

enum fl_op_type {
    FL_OP_INVOKE,
    FL_OP_OK,
    FL_OP_FAIL,
    FL_OP_INFO,
};

enum fl_op_flags {
    FL_OP_HAS_INDEX = 1 << 0,  /* :index was in the input */
    FL_OP_HAS_TIME = 1 << 1,   /* :time was in the input */
    FL_OP_F_STRING = 1 << 2,   /* :f was a string, not a keyword */
    FL_OP_NO_PROCESS = 1 << 3, /* :process was absent */
    FL_OP_HAS_VALUE = 1 << 4,  /* :value was present (possibly nil) */
};

#define FL_PROC_NEMESIS      (-1)
#define FL_PROC_KW(id)       (-2 - (int32_t)(id))
#define FL_PROC_IS_KW(p)     ((p) <= -2)
#define FL_PROC_KW_ID(p)     ((uint32_t)(-2 - (p)))
#define FL_PROC_IS_CLIENT(p) ((p) >= 0)

struct fl_op {
    int64_t index;       /* :index, or the op's position when absent */
    int64_t time_ns;     /* :time in ns since the run's origin, or -1 */
    fl_val value;        /* :value; nil when absent */
    const fl_val *extra; /* map of :error and any other keys, or NULL */
    int32_t process;     /* >= 0 client, FL_PROC_NEMESIS, FL_PROC_KW(id) */
    int32_t pair;        /* position of the partner op in the hist, or -1 */
    uint32_t f;          /* interned :f keyword id, FL_KW_NONE if absent */
    uint8_t type;        /* enum fl_op_type */
    uint8_t flags;       /* enum fl_op_flags */
    uint16_t pad;        /* 0 */
};

const char *fl_op_type_name(enum fl_op_type t);
/** The :error value, or NULL when the op has none. */
const fl_val *fl_op_error(const struct fl_op *op);
/** Any extra key's value, or NULL. */
const fl_val *fl_op_get(const struct fl_op *op, uint32_t kw);
/**
 * True if a and b carry the same information: index, time, type, process,
 * f (and whether it was a string), value and extra keys (NULL equals an
 * empty map). Presence flags for :index, :time and :value and pair are
 * ignored, so a history equals itself after a write and re-read.
 */
bool fl_op_equal(const struct fl_op *a, const struct fl_op *b);
static inline bool
fl_op_is_client(const struct fl_op *op)
{
    return op->process >= 0;
}

#endif
