/* SPDX-License-Identifier: MIT */
/*
 * strbuf.h: a growable byte string (git strbuf.h). buf is never NULL and is
 * always NUL-terminated, so it can be passed to C string functions at any
 * time; len does not count the NUL. Embedded NULs are allowed.
 */
#ifndef FL_STRBUF_H
#define FL_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct fl_err;

struct fl_strbuf {
    size_t alloc; /* bytes allocated, 0 when buf points at the static "" */
    size_t len;   /* bytes used, excluding the NUL */
    char *buf;
};

extern char fl_strbuf_slopbuf[];
#define FL_STRBUF_INIT                                                         \
    {                                                                          \
        0, 0, fl_strbuf_slopbuf                                                \
    }

void fl_strbuf_init(struct fl_strbuf *sb, size_t hint);
void fl_strbuf_release(struct fl_strbuf *sb);
/** Hand the buffer over; caller frees with free(). sb is re-initialised. */
char *fl_strbuf_detach(struct fl_strbuf *sb, size_t *len);
void fl_strbuf_grow(struct fl_strbuf *sb, size_t extra);
void fl_strbuf_setlen(struct fl_strbuf *sb, size_t len);
#define fl_strbuf_reset(sb) fl_strbuf_setlen(sb, 0)
void fl_strbuf_add(struct fl_strbuf *sb, const void *data, size_t len);
void fl_strbuf_addstr(struct fl_strbuf *sb, const char *s);
void fl_strbuf_addch(struct fl_strbuf *sb, int c);
/** Append v in decimal (what "%" PRId64 prints, without printf's cost). */
void fl_strbuf_add_i64(struct fl_strbuf *sb, int64_t v);
void fl_strbuf_addf(struct fl_strbuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void fl_strbuf_vaddf(struct fl_strbuf *sb, const char *fmt, va_list ap);
/** Read all of fd (or a FILE) into sb; returns 0 or -errno. */
int fl_strbuf_read_file(struct fl_strbuf *sb, const char *path);

/** Append n bytes of s with &<>"' escaped for XML, HTML and SVG text. */
void fl_strbuf_add_xml(struct fl_strbuf *sb, const char *s, size_t n);

/**
 * Write sb to path atomically (path.tmp, then rename); 0, or <0 with err
 * naming the file.
 */
int fl_strbuf_write_file(const struct fl_strbuf *sb, const char *path,
                         struct fl_err *err);

#endif
