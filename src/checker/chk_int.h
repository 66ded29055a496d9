/* SPDX-License-Identifier: MIT */
/*
 * chk_int.h: helpers shared by the workload checkers (set, counter, bank,
 * stats, exceptions, compose, independent): a builder for result maps,
 * invocation/completion pairing that works on a const history, and
 * Jepsen's interval-set strings ("#{1..3 5}").
 */
#ifndef FL_CHK_INT_H
#define FL_CHK_INT_H

#include "checker/checker.h"
#include "util/arena.h"

struct fl_strbuf;

/** A result map under construction; keys are keyword names. */
struct fl_chk__map {
    fl_val *items; /* 2n values, malloc'd until done */
    size_t n, alloc;
    struct fl_arena *a;
};

void fl_chk__map_init(struct fl_chk__map *m, struct fl_arena *a);
void fl_chk__put(struct fl_chk__map *m, const char *key, fl_val v);
void fl_chk__put_int(struct fl_chk__map *m, const char *key, int64_t i);
void fl_chk__put_str(struct fl_chk__map *m, const char *key, const char *s);
void fl_chk__put_kw(struct fl_chk__map *m, const char *key, const char *kw);
void fl_chk__put_valid(struct fl_chk__map *m, enum fl_verdict v);
/** The finished map (in m->a); m is emptied. */
fl_val fl_chk__map_done(struct fl_chk__map *m);
/** A string value in a. */
fl_val fl_chk__str(struct fl_arena *a, const char *s);

/**
 * pair[i] = position of op i's partner (its completion for an invocation,
 * its invocation for a completion) or -1, computed per process like
 * fl_hist_pair but without touching h. Caller frees.
 */
int32_t *fl_chk__pairs(const struct fl_hist *h);

/** Append "#{1..3 5}" for the sorted, deduplicated ints v[0..n). */
void fl_chk__interval_str(struct fl_strbuf *sb, const int64_t *v, size_t n);
/** Sort and deduplicate v in place; returns the new length. */
size_t fl_chk__sort_unique(int64_t *v, size_t n);

/** A heap checker of type with ctx. */
struct fl_checker *fl_chk__new(const struct fl_checker_type *type, void *ctx);
/** type->free for checkers whose ctx is one malloc'd block (or NULL). */
void fl_chk__free_plain(struct fl_checker *c);

/** The :valid? of a result map (true when absent). */
enum fl_verdict fl_chk__verdict_of(const fl_val *result);

/**
 * fl_err_set(err, code, ...) with the op's source ("file:line: ") in front
 * when the history was parsed from a file, so a history that does not fit
 * a checker is reported where it is wrong. op must be one of h's ops.
 * Returns code.
 */
int fl_chk__op_err(struct fl_err *err, int code, const struct fl_hist *h,
                   const struct fl_op *op, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/**
 * Create <out_dir>/independent/<key>/ (Jepsen's per-key artifact dir) and
 * return its path (caller frees), or NULL with err set. The key is written
 * as EDN (strings without quotes); '/' and a leading '.' become '_'.
 */
char *fl_chk__key_dir(const char *out_dir, const fl_val *key,
                      struct fl_err *err);
/** Write v as EDN (one top-level key per line for a map) to dir/name. */
int fl_chk__write_edn(const char *dir, const char *name, const fl_val *v,
                      struct fl_err *err);

/** qsort comparator for pairs of uint64_t (key, then tie-break). */
int fl_chk__cmp_u64_pair(const void *a, const void *b);

#endif
