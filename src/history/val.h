/* SPDX-License-Identifier: MIT */
/*
 * val.h: fl_val, the immutable EDN value every op carries (like jq's jv, a
 * small by-value type). Scalars live inside the 16-byte struct; strings and
 * collections point into an arena owned by whoever built them (usually a
 * struct fl_hist), and are never freed one by one. Keywords and symbols are
 * interned process-wide into uint32 ids, so comparing :f with FL_KW_READ is
 * one integer compare. Ownership rule: an fl_val never owns anything; the
 * arena it was built in does.
 */
#ifndef FL_VAL_H
#define FL_VAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fl_arena;
struct fl_strbuf;

enum fl_val_kind {
    FL_V_NIL,
    FL_V_BOOL,   /* u.b */
    FL_V_INT,    /* u.i */
    FL_V_BIGINT, /* u.s, n: decimal digits with optional '-', no 'N' */
    FL_V_FLOAT,  /* u.d; FL_V_FLAG_INF/NAN printed as ##Inf etc. */
    FL_V_BIGDEC, /* u.s, n: the literal without 'M' */
    FL_V_RATIO,  /* u.items[0] numerator, [1] denominator; n = 2 */
    FL_V_STR,    /* u.s, n bytes of UTF-8, NUL-terminated in the arena */
    FL_V_CHAR,   /* u.i: Unicode code point */
    FL_V_KW,     /* u.id: interned name without ':' ("read", "a/b") */
    FL_V_SYM,    /* u.id: interned name */
    FL_V_LIST,   /* u.items, n items */
    FL_V_VEC,    /* u.items, n items */
    FL_V_MAP,    /* u.items, 2n items: k0 v0 k1 v1 ..., n pairs */
    FL_V_SET,    /* u.items, n items */
    FL_V_TAGGED, /* u.items[0] a FL_V_SYM tag, [1] the value; n = 2 */
};

typedef struct fl_val {
    uint8_t kind;  /* enum fl_val_kind */
    uint8_t flags; /* reserved, 0 */
    uint16_t pad;  /* 0 */
    uint32_t n;    /* length in bytes or items (pairs for maps) */
    union {
        bool b;
        int64_t i;
        double d;
        const char *s;
        const struct fl_val *items;
        uint32_t id;
    } u;
} fl_val;

/*
 * Keywords with fixed ids, interned in this order at start-up so they are
 * compile-time constants. Id 0 is FL_KW_NONE, meaning "absent".
 */
#define FL_KW_LIST(X)                                                          \
    X(NONE, "")                                                                \
    X(INVOKE, "invoke")                                                        \
    X(OK, "ok")                                                                \
    X(FAIL, "fail")                                                            \
    X(INFO, "info")                                                            \
    X(NEMESIS, "nemesis")                                                      \
    X(TYPE, "type")                                                            \
    X(F, "f")                                                                  \
    X(VALUE, "value")                                                          \
    X(PROCESS, "process")                                                      \
    X(TIME, "time")                                                            \
    X(INDEX, "index")                                                          \
    X(ERROR, "error")                                                          \
    X(READ, "read")                                                            \
    X(WRITE, "write")                                                          \
    X(CAS, "cas")                                                              \
    X(TXN, "txn")                                                              \
    X(APPEND, "append")                                                        \
    X(R, "r")                                                                  \
    X(W, "w")                                                                  \
    X(ACQUIRE, "acquire")                                                      \
    X(RELEASE, "release")                                                      \
    X(ADD, "add")                                                              \
    X(ENQUEUE, "enqueue")                                                      \
    X(DEQUEUE, "dequeue")                                                      \
    X(DRAIN, "drain")                                                          \
    X(TRANSFER, "transfer")                                                    \
    X(TIMED_OUT, "timed-out")                                                  \
    X(VALID, "valid?")                                                         \
    X(UNKNOWN, "unknown")                                                      \
    X(START, "start")                                                          \
    X(STOP, "stop")

enum fl_kw_fixed {
#define FL_KW_ENUM_(name, str) FL_KW_##name,
    FL_KW_LIST(FL_KW_ENUM_)
#undef FL_KW_ENUM_
        FL_KW_NFIXED
};

/** Intern a keyword or symbol name (without ':'); thread-safe. */
uint32_t fl_kw_intern(const char *name, size_t n);
uint32_t fl_kw_intern_cstr(const char *name);
/** The name for id; valid for the life of the process. */
const char *fl_kw_name(uint32_t id);
size_t fl_kw_len(uint32_t id);

static inline fl_val
fl_val_nil(void)
{
    fl_val v = {FL_V_NIL, 0, 0, 0, {.i = 0}};
    return v;
}

static inline fl_val
fl_val_bool(bool b)
{
    fl_val v = {FL_V_BOOL, 0, 0, 0, {.b = b}};
    return v;
}

static inline fl_val
fl_val_int(int64_t i)
{
    fl_val v = {FL_V_INT, 0, 0, 0, {.i = i}};
    return v;
}

static inline fl_val
fl_val_float(double d)
{
    fl_val v = {FL_V_FLOAT, 0, 0, 0, {.d = d}};
    return v;
}

static inline fl_val
fl_val_kw(uint32_t id)
{
    fl_val v = {FL_V_KW, 0, 0, 0, {.id = id}};
    return v;
}

static inline bool
fl_val_is_nil(const fl_val *v)
{
    return v->kind == FL_V_NIL;
}

static inline bool
fl_val_is_kw(const fl_val *v, uint32_t id)
{
    return v->kind == FL_V_KW && v->u.id == id;
}

/** True for vectors and lists (Jepsen treats both as sequences). */
static inline bool
fl_val_is_seq(const fl_val *v)
{
    return v->kind == FL_V_VEC || v->kind == FL_V_LIST;
}

fl_val fl_val_sym(uint32_t id);
/** A string copied into a (n bytes, NUL added). */
fl_val fl_val_str(struct fl_arena *a, const char *s, size_t n);
/** A collection of kind VEC, LIST or SET whose n items are copied into a. */
fl_val fl_val_coll(struct fl_arena *a, enum fl_val_kind kind,
                   const fl_val *items, size_t n);
/** A map of npairs pairs, items k0 v0 k1 v1 ... copied into a. */
fl_val fl_val_map(struct fl_arena *a, const fl_val *items, size_t npairs);
/** Deep copy of v into a (so it outlives v's arena). */
fl_val fl_val_copy(struct fl_arena *a, const fl_val *v);

/**
 * Deep equality with Clojure's semantics for the cases histories use:
 * lists equal vectors with the same items, maps and sets ignore order,
 * integers equal bigints of the same value, floats compare by value.
 */
bool fl_val_equal(const fl_val *a, const fl_val *b);
/** Hash consistent with fl_val_equal. */
uint64_t fl_val_hash(const fl_val *v);
/** A total order (kind first, then value) for sorting and sets. */
int fl_val_compare(const fl_val *a, const fl_val *b);
/** Value of key in map m, or NULL when m is not a map or lacks key. */
const fl_val *fl_val_map_get(const fl_val *m, const fl_val *key);
const fl_val *fl_val_map_get_kw(const fl_val *m, uint32_t kw);
/** Print v as EDN (the way Clojure's prn would). */
void fl_val_print_edn(struct fl_strbuf *sb, const fl_val *v);

#endif
