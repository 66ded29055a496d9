/* SPDX-License-Identifier: MIT */
/*
 * xalloc.c: the aborting allocators declared in xalloc.h, and fl_bug().
 */
#include "util/common.h"

#include <sys/mman.h>

static FL_NORETURN void
oom(size_t size)
{
    fprintf(stderr, "faultline: out of memory allocating %zu bytes\n", size);
    abort();
}

void
fl_bug(const char *file, int line, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "faultline: BUG at %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

void *
fl_xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);

    if (!p)
        oom(size);
    return p;
}

void *
fl_xcalloc(size_t nmemb, size_t size)
{
    void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

    if (!p)
        oom(fl_st_mult(nmemb, size));
    return p;
}

void *
fl_xcalloc_aligned(size_t align, size_t size)
{
    void *p = NULL;

    if (align < sizeof(void *))
        align = sizeof(void *);
    size = (size ? size : 1) + align - 1;
    size -= size % align;
    if (posix_memalign(&p, align, size) != 0)
        oom(size);
    memset(p, 0, size);
    return p;
}

void *
fl_xrealloc(void *ptr, size_t size)
{
    void *p = realloc(ptr, size ? size : 1);

    if (!p)
        oom(size);
    return p;
}

char *
fl_xstrdup(const char *s)
{
    return fl_xstrndup(s, strlen(s));
}

char *
fl_xstrndup(const char *s, size_t n)
{
    char *p = fl_xmalloc(fl_st_add(n, 1));

    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *
fl_xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *p = NULL;
    int n;

    va_start(ap, fmt);
    n = vasprintf(&p, fmt, ap);
    va_end(ap);
    if (n < 0)
        oom(0);
    return p;
}

size_t
fl_st_mult(size_t a, size_t b)
{
    size_t r;

    if (__builtin_mul_overflow(a, b, &r))
        FL_BUG("size overflow: %zu * %zu", a, b);
    return r;
}

size_t
fl_st_add(size_t a, size_t b)
{
    size_t r;

    if (__builtin_add_overflow(a, b, &r))
        FL_BUG("size overflow: %zu + %zu", a, b);
    return r;
}

void
fl_advise_hugepages(void *p, size_t bytes)
{
    const uintptr_t huge = 2u << 20;
    uintptr_t s = ((uintptr_t)p + huge - 1) & ~(huge - 1);
    uintptr_t e = ((uintptr_t)p + bytes) & ~(huge - 1);

    if (e > s)
        madvise((void *)s, e - s, MADV_HUGEPAGE);
}
