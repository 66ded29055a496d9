/* SPDX-License-Identifier: MIT */
/*
 * arena.c: bump allocation out of a list of malloc'd blocks. Requests larger
 * than a quarter block get a block of their own, so big values do not waste
 * the tail of the current block.
 */
#include "util/common.h"

#include "util/arena.h"

struct fl_arena_block {
    struct fl_arena_block *next;
    size_t size;
    max_align_t data[];
};

#define DEFAULT_BLOCK (256 * 1024)

void
fl_arena_init(struct fl_arena *a, size_t block_bytes)
{
    memset(a, 0, sizeof(*a));
    a->block_bytes = block_bytes ? block_bytes : DEFAULT_BLOCK;
}

void
fl_arena_release(struct fl_arena *a)
{
    struct fl_arena_block *b, *next;

    if (!a)
        return;
    for (b = a->head; b; b = next) {
        next = b->next;
        free(b);
    }
    fl_arena_init(a, a->block_bytes);
}

static void *
alloc_aligned(struct fl_arena *a, size_t size, size_t align)
{
    struct fl_arena_block *b;
    uintptr_t p;

    if (!a->block_bytes)
        a->block_bytes = DEFAULT_BLOCK;
    if (a->next) {
        p = ((uintptr_t)a->next + align - 1) & ~(uintptr_t)(align - 1);
        if (p + size <= (uintptr_t)a->end && p + size >= p) {
            a->next = (char *)(p + size);
            return (void *)p;
        }
    }
    if (size > a->block_bytes / 4) {
        /* A big object gets its own block, linked behind the head. */
        b = fl_xmalloc(fl_st_add(sizeof(*b), size));
        b->size = size;
        a->total_bytes += size + sizeof(*b);
        if (a->head) {
            b->next = a->head->next;
            a->head->next = b;
        } else {
            b->next = NULL;
            a->head = b;
            a->next = a->end = (char *)b->data + size;
        }
        return b->data;
    }
    b = fl_xmalloc(sizeof(*b) + a->block_bytes);
    b->size = a->block_bytes;
    b->next = a->head;
    a->head = b;
    a->total_bytes += a->block_bytes + sizeof(*b);
    a->next = (char *)b->data + size;
    a->end = (char *)b->data + a->block_bytes;
    return b->data;
}

void *
fl_arena_alloc(struct fl_arena *a, size_t size)
{
    return alloc_aligned(a, size ? size : 1, 16);
}

void *
fl_arena_alloc_packed(struct fl_arena *a, size_t size)
{
    return alloc_aligned(a, size ? size : 1, 8);
}

void *
fl_arena_calloc(struct fl_arena *a, size_t n, size_t size)
{
    size_t bytes = fl_st_mult(n, size);
    void *p = fl_arena_alloc(a, bytes);

    memset(p, 0, bytes);
    return p;
}

void *
fl_arena_memdup(struct fl_arena *a, const void *src, size_t size)
{
    void *p = fl_arena_alloc_packed(a, size);

    if (size)
        memcpy(p, src, size);
    return p;
}

char *
fl_arena_strndup(struct fl_arena *a, const char *s, size_t n)
{
    char *p = fl_arena_alloc_packed(a, fl_st_add(n, 1));

    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void
fl_arena_adopt(struct fl_arena *a, struct fl_arena *from)
{
    struct fl_arena_block *tail;

    if (!from->head)
        return;
    if (!a->head) {
        a->head = from->head;
        a->next = from->next;
        a->end = from->end;
    } else {
        /* Behind a's head, so a keeps filling its current block. */
        for (tail = from->head; tail->next; tail = tail->next)
            ;
        tail->next = a->head->next;
        a->head->next = from->head;
    }
    a->total_bytes += from->total_bytes;
    fl_arena_init(from, from->block_bytes);
}
