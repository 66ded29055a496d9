/* SPDX-License-Identifier: MIT */
/*
 * arena.h: a bump allocator (git mem-pool.h). Objects are never freed one by
 * one; fl_arena_release() frees them all at once. Memory is 16-byte aligned
 * and never moves, so pointers into an arena stay valid until release. Not
 * thread-safe: give each thread its own arena.
 */
#ifndef FL_ARENA_H
#define FL_ARENA_H

#include <stddef.h>

struct fl_arena_block;

struct fl_arena {
    struct fl_arena_block *head; /* newest block, or NULL */
    char *next;                  /* next free byte in head */
    char *end;                   /* end of head's usable space */
    size_t block_bytes;          /* size of ordinary blocks */
    size_t total_bytes;          /* bytes malloc'd for blocks */
};

#define FL_ARENA_INIT                                                          \
    {                                                                          \
        NULL, NULL, NULL, 0, 0                                                 \
    }

void fl_arena_init(struct fl_arena *a, size_t block_bytes);
void fl_arena_release(struct fl_arena *a);
/** size bytes, 16-byte aligned, uninitialised. Aborts on OOM. */
void *fl_arena_alloc(struct fl_arena *a, size_t size);
/** size bytes, 8-byte aligned (strings and small arrays pack tighter). */
void *fl_arena_alloc_packed(struct fl_arena *a, size_t size);
void *fl_arena_calloc(struct fl_arena *a, size_t n, size_t size);
void *fl_arena_memdup(struct fl_arena *a, const void *p, size_t size);
/** Copy of s[0..n) plus a NUL. */
char *fl_arena_strndup(struct fl_arena *a, const char *s, size_t n);
/**
 * Move every block of from into a (pointers into them stay valid and are
 * now freed with a); from is left empty. a keeps allocating from its own
 * current block. For merging what two threads built in their own arenas.
 */
void fl_arena_adopt(struct fl_arena *a, struct fl_arena *from);

#endif
