/* SPDX-License-Identifier: MIT */
/*
 * hosts.c: reading and editing the hosts file (hosts.h). Lines are
 * compared whole, so an edit never touches a line it did not write; the
 * new file is complete on disk (fsync) before the rename makes it the
 * hosts file, so a crash leaves either the old or the new file. A hosts
 * file that is a bind mount (containers) cannot be renamed over; it is
 * then rewritten in place, the best that can be done there.
 */
#include "util/common.h"

#include "util/hosts.h"

#include <fcntl.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"
#include "util/strbuf.h"

const char *
fl_hosts_path(void)
{
    const char *e = getenv("FAULTLINE_HOSTS_FILE");

    return e && *e ? e : "/etc/hosts";
}

/* Does line (len bytes) name name? Fills addr with its address if so. */
static bool
line_names(const char *line, size_t len, const char *name, char *addr,
           size_t alen)
{
    const char *p = line, *e = line + len, *tok, *hash = memchr(line, '#', len);
    size_t tl, nlen = strlen(name);
    bool first = true;

    if (hash)
        e = hash;
    while (p < e) {
        while (p < e && (*p == ' ' || *p == '\t' || *p == '\r'))
            p++;
        tok = p;
        while (p < e && *p != ' ' && *p != '\t' && *p != '\r')
            p++;
        tl = (size_t)(p - tok);
        if (tl == 0)
            break;
        if (first) {
            if (tl >= alen)
                return false;
            memcpy(addr, tok, tl);
            addr[tl] = '\0';
            first = false;
        } else if (tl == nlen && strncasecmp(tok, name, nlen) == 0) {
            return true;
        }
    }
    return false;
}

int
fl_hosts_lookup(const char *path, const char *name, char *addr, size_t len,
                struct fl_err *err)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;
    int rc = fl_strbuf_read_file(&sb, path);
    const char *p, *nl;

    if (rc != 0) {
        rc = fl_err_set(err, rc, "read %s: %s", path, strerror(-rc));
        goto out;
    }
    rc = -ENOENT;
    for (p = sb.buf; *p; p = nl ? nl + 1 : p + strlen(p)) {
        nl = strchr(p, '\n');
        if (line_names(p, nl ? (size_t)(nl - p) : strlen(p), name, addr, len)) {
            rc = 0;
            break;
        }
    }
out:
    fl_strbuf_release(&sb);
    return rc;
}

/*
 * Is line (len bytes) one of the newline-separated lines of list not yet
 * taken? Takes it (used[k] for the k-th line): each line we wrote is
 * removed once, so an equal line of someone else's stays.
 */
static bool
take_line(const char *list, bool *used, const char *line, size_t len)
{
    const char *p, *nl;
    size_t k = 0;

    for (p = list; p && *p; p = nl ? nl + 1 : NULL, k++) {
        nl = strchr(p, '\n');
        size_t l = nl ? (size_t)(nl - p) : strlen(p);
        if (!used[k] && l == len && memcmp(p, line, len) == 0) {
            used[k] = true;
            return true;
        }
    }
    return false;
}

static bool
line_is(const char *line, size_t len, const char *s)
{
    return s && strlen(s) == len && memcmp(line, s, len) == 0;
}

/* in without our marked block's lines, plus block. */
static void
hosts_filter(const struct fl_strbuf *in, const char *begin, const char *end,
             const char *ours, const char *block, struct fl_strbuf *out)
{
    bool inside = false;
    bool *used = fl_xcalloc(ours ? strlen(ours) + 1 : 1, sizeof(bool));
    const char *p, *nl;

    for (p = in->buf; *p; p = nl ? nl + 1 : p + strlen(p)) {
        nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);

        if (line_is(p, len, begin)) {
            inside = true;
            continue;
        }
        if (line_is(p, len, end)) {
            inside = false;
            continue;
        }
        if (inside && take_line(ours, used, p, len))
            continue;
        fl_strbuf_add(out, p, len);
        if (nl || block)
            fl_strbuf_addch(out, '\n');
    }
    if (block)
        fl_strbuf_addstr(out, block);
    free(used);
}

/*
 * Open and flock path, the file that is at path once locked; -1 if none.
 * Each editor replaces the file by rename, so the file locked may be gone
 * from path by the time the lock is ours: lock the new one then, however
 * often (every retry means another editor finished; giving up after a few
 * and editing unlocked lost other clusters' blocks under contention).
 */
static int
lock_hosts(const char *path)
{
    for (;;) {
        struct stat a, b;
        int fd = open(path, O_RDONLY | O_CLOEXEC);

        if (fd < 0)
            return -1;
        if (flock(fd, LOCK_EX) != 0) {
            int e = errno;
            close(fd);
            if (e == EINTR)
                continue;
            return -1; /* no flock here (ENOLCK): edit unlocked */
        }
        if (fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino &&
            a.st_dev == b.st_dev)
            return fd;
        close(fd); /* replaced while we waited: lock the new one */
    }
}

static int
write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Replace path by data: temp file beside it, same mode and owner, rename. */
static int
replace_file(const char *path, const struct fl_strbuf *data, struct fl_err *err)
{
    struct stat st;
    char *tmp;
    const char *slash = strrchr(path, '/');
    int fd, rc = 0;

    if (stat(path, &st) != 0) {
        st.st_mode = 0644;
        st.st_uid = geteuid();
        st.st_gid = getegid();
    }
    tmp = slash ? fl_xasprintf("%.*s/.%s.faultline-XXXXXX", (int)(slash - path),
                               path, slash + 1)
                : fl_xasprintf(".%s.faultline-XXXXXX", path);
    fd = mkstemp(tmp);
    if (fd < 0) {
        rc = fl_err_set(err, -errno, "create %s: %s", tmp, strerror(errno));
        goto out;
    }
    if (fchmod(fd, st.st_mode & 07777) != 0 ||
        (fchown(fd, st.st_uid, st.st_gid) != 0 && errno != EPERM) ||
        write_all(fd, data->buf, data->len) != 0 || fsync(fd) != 0) {
        rc = fl_err_set(err, -errno, "write %s: %s", tmp, strerror(errno));
        close(fd);
        unlink(tmp);
        goto out;
    }
    close(fd);
    if (rename(tmp, path) == 0)
        goto out;
    rc = -errno;
    unlink(tmp);
    if (rc != -EBUSY && rc != -EXDEV) {
        rc = fl_err_set(err, rc, "rename %s: %s", path, strerror(-rc));
        goto out;
    }
    /* A bind-mounted hosts file: only an in-place write reaches it. */
    fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
    rc = fd >= 0 && write_all(fd, data->buf, data->len) == 0 && fsync(fd) == 0
             ? 0
             : fl_err_set(err, -errno, "write %s: %s", path, strerror(errno));
    if (fd >= 0)
        close(fd);
out:
    free(tmp);
    return rc;
}

int
fl_hosts_set_block(const char *path, const char *begin, const char *end,
                   const char *ours, const char *block, struct fl_err *err)
{
    struct fl_strbuf in = FL_STRBUF_INIT, out = FL_STRBUF_INIT;
    int lock = lock_hosts(path);
    int rc = fl_strbuf_read_file(&in, path);

    if (rc != 0 && rc != -ENOENT) {
        rc = fl_err_set(err, rc, "read %s: %s", path, strerror(-rc));
        goto out;
    }
    hosts_filter(&in, begin, end, ours, block, &out);
    rc = 0;
    if (out.len != in.len || memcmp(out.buf, in.buf, in.len) != 0)
        rc = replace_file(path, &out, err);
out:
    if (lock >= 0)
        close(lock);
    fl_strbuf_release(&in);
    fl_strbuf_release(&out);
    return rc;
}
