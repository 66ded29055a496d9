/* SPDX-License-Identifier: MIT */
/*
 * xalloc.h: allocation that never returns NULL. On failure it prints a
 * message and aborts (git wrapper.c, tmux xmalloc.c), so callers write no
 * OOM branches. Size arithmetic goes through fl_st_mult/fl_st_add, which
 * abort on overflow (git st_mult).
 */
#ifndef FL_XALLOC_H
#define FL_XALLOC_H

#include <stddef.h>

void *fl_xmalloc(size_t size);
void *fl_xcalloc(size_t nmemb, size_t size);
void *fl_xrealloc(void *ptr, size_t size);
/** Zeroed, aligned to `align` (a power of two); free with free(). */
void *fl_xcalloc_aligned(size_t align, size_t size);
char *fl_xstrdup(const char *s);
char *fl_xstrndup(const char *s, size_t n);
/** printf into a fresh string; caller frees with free(). */
char *fl_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
size_t fl_st_mult(size_t a, size_t b);
size_t fl_st_add(size_t a, size_t b);
/**
 * Ask for transparent huge pages on the 2 MB-aligned part of [p, p+bytes)
 * (advisory; nothing if no whole huge page fits). Big arrays filled once
 * otherwise spend much of their time in page faults.
 */
void fl_advise_hugepages(void *p, size_t bytes);

/*
 * Grow a typed array so that at least n elements fit (git ALLOC_GROW).
 * v is the pointer, alloc the capacity in elements.
 */
#define FL_ALLOC_GROW(v, n, alloc)                                             \
    do {                                                                       \
        if ((n) > (alloc)) {                                                   \
            size_t fl_ag_new_ = (alloc) < 8 ? 8 : (alloc) + (alloc) / 2;       \
            if (fl_ag_new_ < (n))                                              \
                fl_ag_new_ = (n);                                              \
            (v) = fl_xrealloc((v), fl_st_mult(fl_ag_new_, sizeof(*(v))));      \
            (alloc) = fl_ag_new_;                                              \
        }                                                                      \
    } while (0)

#endif
