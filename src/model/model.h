/* SPDX-License-Identifier: MIT */
/*
 * model.h: sequential models for the linearizability checker (Knossos's
 * knossos.model, checkers.md 1.3). A model state is a canonical array of
 * uint32 words, so two states are equal iff their arrays are equal, and an
 * op is compiled once into a "mop", an array [code, args...] whose args are
 * value ids. Value ids come from the struct fl_model the op was compiled
 * with, which interns fl_vals (borrowed, not copied: the values must outlive
 * the model); id 0 is always nil. A struct fl_model is not thread-safe; the
 * checker gives each partition its own.
 */
#ifndef FL_MODEL_H
#define FL_MODEL_H

#include "history/val.h"
#include "util/map.h"
#include "util/vec.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fl_arena;
struct fl_err;
struct fl_model;

/* Value id of nil in every model. */
#define FL_MODEL_NIL 0u

/* How the search may treat an op before searching (see fl_model_type). */
enum fl_mop_class {
    FL_MOP_NORMAL,   /* must be searched */
    FL_MOP_NOOP,     /* always legal and never changes the state: drop */
    FL_MOP_READONLY, /* never changes the state (may be illegal) */
    FL_MOP_SHRINKS,  /* optional effect only removes possibilities (see
                        unordered-queue dequeues): drop when crashed */
    FL_MOP_BLIND,    /* always legal, and the state after it does not
                        depend on the state before (a register's write) */
};

struct fl_model_type {
    const char *name; /* "register", "cas-register", ... */
    /**
     * Parse the initial value (nil when the user gave none) into a state
     * appended to *state. Returns 0, or FL_EUSAGE with err set.
     */
    int (*init)(struct fl_model *m, const fl_val *init,
                struct fl_vec_u32 *state, struct fl_err *err);
    /**
     * Compile an op (:f f, :value value) into a mop appended to *mop.
     * crashed is true for :info or never-completed ops (their value is the
     * invocation's). Returns 0, or FL_EMODEL when the op does not belong to
     * this model (a :cas on a register, a :cas whose value is not a pair).
     */
    int (*compile)(struct fl_model *m, uint32_t f, const fl_val *value,
                   bool crashed, struct fl_vec_u32 *mop, struct fl_err *err);
    /**
     * Apply mop to state s[0..ns). Returns false when the op is illegal in
     * s; otherwise appends the (canonical) new state to *out. Pure.
     */
    bool (*step)(const uint32_t *s, size_t ns, const uint32_t *mop, size_t nm,
                 struct fl_vec_u32 *out);
    /** The class of a compiled op (enum fl_mop_class). */
    enum fl_mop_class (*classify)(const uint32_t *mop, size_t nm);
    /**
     * P-compositionality by element: the element an op touches when the
     * model is a product of independent per-element objects (the
     * unordered-queue's values), or NULL when it cannot be split.
     */
    const fl_val *(*element)(uint32_t f, const fl_val *value);
    bool (*equal)(const uint32_t *a, size_t na, const uint32_t *b, size_t nb);
    uint64_t (*hash)(const uint32_t *s, size_t ns);
    /** The state as an EDN value in a (for result maps). */
    fl_val (*print)(const struct fl_model *m, const uint32_t *s, size_t ns,
                    struct fl_arena *a);
    /** A short description of mop (":read 3") into a, for messages. */
    fl_val (*print_op)(const struct fl_model *m, const uint32_t *mop, size_t nm,
                       struct fl_arena *a);
};

struct fl_model {
    const struct fl_model_type *type;
    const fl_val **vals;   /* vid -> value (borrowed) */
    uint32_t *chain;       /* vid -> next vid with the same hash, or 0 */
    size_t nvals, alloc;   /* used and allocated vids */
    struct fl_map by_hash; /* fl_val_hash -> first vid */
    struct fl_map by_int;  /* integer value -> vid (the common case) */
};

extern const struct fl_model_type fl_model_register_type;
extern const struct fl_model_type fl_model_cas_register_type;
extern const struct fl_model_type fl_model_mutex_type;
extern const struct fl_model_type fl_model_set_type;
extern const struct fl_model_type fl_model_unordered_queue_type;
extern const struct fl_model_type fl_model_fifo_queue_type;
extern const struct fl_model_type fl_model_multi_register_type;

/** The model type called name, or NULL. */
const struct fl_model_type *fl_model_find(const char *name);
/** Every model type, NULL-terminated (for usage messages). */
extern const struct fl_model_type *const fl_model_types[];

void fl_model_init(struct fl_model *m, const struct fl_model_type *type);
void fl_model_release(struct fl_model *m);
/** The id of v (equal values get equal ids); v is borrowed. */
uint32_t fl_model_intern(struct fl_model *m, const fl_val *v);
/** The value of id. */
const fl_val *fl_model_val(const struct fl_model *m, uint32_t vid);

/* Default equal/hash for canonical word arrays. */
bool fl_model_state_equal(const uint32_t *a, size_t na, const uint32_t *b,
                          size_t nb);
uint64_t fl_model_state_hash(const uint32_t *s, size_t ns);

/* Helpers shared by the model files. */
void fl_model__sorted_insert(struct fl_vec_u32 *out, const uint32_t *s,
                             size_t ns, uint32_t x, bool unique);
/** An element() for models that cannot be split by element: NULL. */
const fl_val *fl_model__no_element(uint32_t f, const fl_val *value);
fl_val fl_model__vids_val(const struct fl_model *m, enum fl_val_kind kind,
                          const uint32_t *v, size_t n, struct fl_arena *a);
int fl_model__bad_op(struct fl_model *m, uint32_t f, const fl_val *value,
                     struct fl_err *err, const char *why);

#endif
