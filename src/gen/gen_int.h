/* SPDX-License-Identifier: MIT */
/*
 * gen_int.h: helpers shared by the generator files (gen.c, combinators in
 * gen_threads.c and gen_time.c), not part of the public interface.
 */
#ifndef FL_GEN_INT_H
#define FL_GEN_INT_H

#include "gen/gen.h"

#include "util/strbuf.h"

/** Soonest-op reduction (Jepsen's soonest-op-map) over candidates. */
struct fl_gen__soonest {
    int idx;        /* chosen candidate, -1 = none yet */
    int res;        /* FL_GEN_PENDING or FL_GEN_OP when idx >= 0 */
    int64_t weight; /* accumulated weight of ties */
    struct fl_op op;
};

void fl_gen__soonest_init(struct fl_gen__soonest *s);
/**
 * Fold candidate idx (result res, op when res is FL_GEN_OP, weight w) into
 * s. Equal times are broken at random (rng), in proportion to weights.
 */
void fl_gen__soonest_add(struct fl_gen__soonest *s, int idx, int res,
                         const struct fl_op *op, int64_t w, struct fl_rng *rng);

/** Clone an array of n generators. */
struct fl_gen **fl_gen__clone_array(struct fl_gen *const *gens, size_t n);
void fl_gen__free_array(struct fl_gen **gens, size_t n);

/*
 * One child: the clone and free of a generator whose state is size bytes
 * of plain data plus one child generator at child_off (limit, repeat,
 * time-limit, concurrency-limit, ...): clone copies the bytes and clones
 * the child, free frees both. Wrappers with more to copy write their own.
 */
void *fl_gen__clone1(const void *state, size_t size, size_t child_off);
void fl_gen__free1(void *state, size_t child_off);
/** "(head child)": fl_gen__describe_list() of one child. */
void fl_gen__describe1(struct fl_strbuf *sb, const char *head,
                       const struct fl_gen *child, int depth);

/** Children listed per generator in descriptions (Jepsen's print-length). */
#define FL_GEN__DESCRIBE_MAX 10

/** Append a duration: "1s", "250ms", "20us" or "7ns". */
void fl_gen__describe_dt(struct fl_strbuf *sb, int64_t ns);
/**
 * Append "(head g0 g1 ...)" describing n children at depth - 1; more than
 * FL_GEN__DESCRIBE_MAX are cut short with "...". head may carry params.
 */
void fl_gen__describe_list(struct fl_strbuf *sb, const char *head,
                           struct fl_gen *const *gens, size_t n, int depth);

#endif
