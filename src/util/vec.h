/* SPDX-License-Identifier: MIT */
/*
 * vec.h: typed growable arrays, `struct { T *v; size_t n, alloc; }`, grown
 * with FL_ALLOC_GROW (git ALLOC_GROW). Declare a type once with FL_VEC(name,
 * T); a zeroed struct is an empty vector.
 */
#ifndef FL_VEC_H
#define FL_VEC_H

#include "util/xalloc.h"

#define FL_VEC(name, T)                                                        \
    struct name {                                                              \
        T *v;                                                                  \
        size_t n, alloc;                                                       \
    }

#define FL_VEC_PUSH(vec, x)                                                    \
    do {                                                                       \
        FL_ALLOC_GROW((vec)->v, (vec)->n + 1, (vec)->alloc);                   \
        (vec)->v[(vec)->n++] = (x);                                            \
    } while (0)

#define FL_VEC_RESERVE(vec, extra)                                             \
    FL_ALLOC_GROW((vec)->v, (vec)->n + (extra), (vec)->alloc)

#define FL_VEC_RELEASE(vec)                                                    \
    do {                                                                       \
        free((vec)->v);                                                        \
        (vec)->v = NULL;                                                       \
        (vec)->n = (vec)->alloc = 0;                                           \
    } while (0)

FL_VEC(fl_vec_i64, int64_t);
FL_VEC(fl_vec_u32, uint32_t);
FL_VEC(fl_vec_ptr, void *);

#endif
