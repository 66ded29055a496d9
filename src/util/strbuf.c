/* SPDX-License-Identifier: MIT */
/*
 * strbuf.c: growable strings; see strbuf.h for the invariants.
 */
#include "util/common.h"

#include "util/strbuf.h"

#include <fcntl.h>
#include <unistd.h>

#include "util/err.h"

char fl_strbuf_slopbuf[1];

void
fl_strbuf_init(struct fl_strbuf *sb, size_t hint)
{
    sb->alloc = sb->len = 0;
    sb->buf = fl_strbuf_slopbuf;
    if (hint)
        fl_strbuf_grow(sb, hint);
}

void
fl_strbuf_release(struct fl_strbuf *sb)
{
    if (!sb)
        return;
    if (sb->alloc)
        free(sb->buf);
    fl_strbuf_init(sb, 0);
}

char *
fl_strbuf_detach(struct fl_strbuf *sb, size_t *len)
{
    char *res;

    fl_strbuf_grow(sb, 0);
    res = sb->buf;
    if (len)
        *len = sb->len;
    fl_strbuf_init(sb, 0);
    return res;
}

void
fl_strbuf_grow(struct fl_strbuf *sb, size_t extra)
{
    bool fresh = !sb->alloc;
    size_t need = fl_st_add(fl_st_add(sb->len, extra), 1);

    if (fresh)
        sb->buf = NULL;
    FL_ALLOC_GROW(sb->buf, need, sb->alloc);
    if (fresh)
        sb->buf[0] = '\0';
}

void
fl_strbuf_setlen(struct fl_strbuf *sb, size_t len)
{
    if (len > (sb->alloc ? sb->alloc - 1 : 0))
        FL_BUG("strbuf_setlen beyond allocation");
    sb->len = len;
    if (sb->alloc)
        sb->buf[len] = '\0';
}

void
fl_strbuf_add(struct fl_strbuf *sb, const void *data, size_t len)
{
    if (len >= sb->alloc - sb->len) /* no room for len + NUL (or no buf) */
        fl_strbuf_grow(sb, len);
    memcpy(sb->buf + sb->len, data, len);
    sb->len += len;
    sb->buf[sb->len] = '\0';
}

void
fl_strbuf_addstr(struct fl_strbuf *sb, const char *s)
{
    fl_strbuf_add(sb, s, strlen(s));
}

void
fl_strbuf_addch(struct fl_strbuf *sb, int c)
{
    if (sb->alloc - sb->len < 2)
        fl_strbuf_grow(sb, 1);
    sb->buf[sb->len++] = (char)c;
    sb->buf[sb->len] = '\0';
}

void
fl_strbuf_add_i64(struct fl_strbuf *sb, int64_t v)
{
    char buf[24], *e = buf + sizeof(buf), *s = e;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

    do {
        *--s = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--s = '-';
    fl_strbuf_add(sb, s, (size_t)(e - s));
}

void
fl_strbuf_vaddf(struct fl_strbuf *sb, const char *fmt, va_list ap)
{
    va_list cp;
    int n;

    if (!sb->alloc)
        fl_strbuf_grow(sb, 64);
    va_copy(cp, ap);
    n = vsnprintf(sb->buf + sb->len, sb->alloc - sb->len, fmt, cp);
    va_end(cp);
    if (n < 0)
        FL_BUG("vsnprintf failed");
    if ((size_t)n >= sb->alloc - sb->len) {
        fl_strbuf_grow(sb, (size_t)n);
        n = vsnprintf(sb->buf + sb->len, sb->alloc - sb->len, fmt, ap);
    }
    sb->len += (size_t)n;
}

void
fl_strbuf_addf(struct fl_strbuf *sb, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fl_strbuf_vaddf(sb, fmt, ap);
    va_end(ap);
}

int
fl_strbuf_read_file(struct fl_strbuf *sb, const char *path)
{
    FILE *f = fopen(path, "rb");
    int rc = 0;

    if (!f)
        return -errno;
    for (;;) {
        size_t n;

        fl_strbuf_grow(sb, 65536);
        n = fread(sb->buf + sb->len, 1, sb->alloc - sb->len - 1, f);
        sb->len += n;
        sb->buf[sb->len] = '\0';
        if (n == 0) {
            if (ferror(f))
                rc = -EIO;
            break;
        }
    }
    fclose(f);
    return rc;
}

void
fl_strbuf_add_xml(struct fl_strbuf *sb, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (s[i]) {
        case '&':
            fl_strbuf_addstr(sb, "&amp;");
            break;
        case '<':
            fl_strbuf_addstr(sb, "&lt;");
            break;
        case '>':
            fl_strbuf_addstr(sb, "&gt;");
            break;
        case '"':
            fl_strbuf_addstr(sb, "&quot;");
            break;
        case '\'':
            fl_strbuf_addstr(sb, "&#39;");
            break;
        default:
            fl_strbuf_addch(sb, s[i]);
        }
    }
}

int
fl_strbuf_write_file(const struct fl_strbuf *sb, const char *path,
                     struct fl_err *err)
{
    struct fl_strbuf tmp = FL_STRBUF_INIT;
    int fd = -1, rc = 0;

    fl_strbuf_addf(&tmp, "%s.tmp", path);
    fd = open(tmp.buf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        rc = fl_err_set(err, -errno, "open %s: %s", tmp.buf, strerror(errno));
        goto out;
    }
    for (size_t off = 0; off < sb->len;) {
        ssize_t w = write(fd, sb->buf + off, sb->len - off);

        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            rc = fl_err_set(err, -errno, "write %s: %s", tmp.buf,
                            strerror(errno));
            goto out;
        }
        off += (size_t)w;
    }
    if (close(fd) != 0) {
        fd = -1;
        rc = fl_err_set(err, -errno, "close %s: %s", tmp.buf, strerror(errno));
        goto out;
    }
    fd = -1;
    if (rename(tmp.buf, path) != 0)
        rc = fl_err_set(err, -errno, "rename %s: %s", path, strerror(errno));
out:
    if (fd >= 0)
        close(fd);
    if (rc)
        unlink(tmp.buf);
    fl_strbuf_release(&tmp);
    return rc;
}
