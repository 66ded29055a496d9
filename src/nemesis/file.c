/* SPDX-License-Identifier: MIT */
/*
 * file.c: disk faults. The lazy filesystem (`faultline fault _lazyfs
 * BACKING MOUNT`) is a FUSE passthrough to BACKING in which file data
 * written but not yet fsynced lives only in memory, in 4 KiB pages per
 * file, together with the file's logical size; fsync (or fdatasync) writes
 * the file's pages through and fsyncs the backing file. Writing "lose" to
 * the control file MOUNT/.faultline-lazyfs drops every unsynced page, as a
 * power cut would; "checkpoint" writes everything through. Metadata
 * operations (create, rename, unlink, mkdir, chmod) go straight through. It
 * runs single-threaded, so its tables need no locks. Bitflip and truncate
 * act on files with a small sh/dd script on the node.
 */
#define _FILE_OFFSET_BITS 64
#include "util/common.h"

#define FUSE_USE_VERSION 31
#include <dirent.h>
#include <fcntl.h>
#include <fuse.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "control/cluster.h"
#include "control/daemon.h"
#include "control/remote.h"
#include "nemesis/file.h"
#include "nemesis/nemesis_int.h"
#include "nemesis/packet.h"
#include "util/arena.h"
#include "util/err.h"
#include "util/rng.h"
#include "util/strbuf.h"

#define PAGE     4096
#define CTL_NAME "/.faultline-lazyfs"

/* ---- the lazy filesystem ---- */

struct lz_page {
    uint64_t index;
    unsigned char data[PAGE];
};

struct lz_file {
    char *path;   /* relative to the mount, "/a/b" */
    int64_t size; /* logical size including unsynced writes */
    struct lz_page **pages;
    size_t n, alloc;
    struct lz_file *next;
};

static struct {
    char *backing;
    struct lz_file *files;
    uint64_t lost_pages, synced_pages;
} lz;

static char *
real_path(const char *path)
{
    return fl_xasprintf("%s%s", lz.backing, path);
}

static struct lz_file *
lz_find(const char *path)
{
    for (struct lz_file *f = lz.files; f; f = f->next)
        if (strcmp(f->path, path) == 0)
            return f;
    return NULL;
}

static void
lz_drop(struct lz_file *f)
{
    struct lz_file **pp;

    for (pp = &lz.files; *pp && *pp != f; pp = &(*pp)->next)
        ;
    if (*pp)
        *pp = f->next;
    for (size_t i = 0; i < f->n; i++)
        free(f->pages[i]);
    free(f->pages);
    free(f->path);
    free(f);
}

static struct lz_file *
lz_get(const char *path)
{
    struct lz_file *f = lz_find(path);
    struct stat st;
    char *rp;

    if (f)
        return f;
    f = fl_xcalloc(1, sizeof(*f));
    f->path = fl_xstrdup(path);
    rp = real_path(path);
    f->size = stat(rp, &st) == 0 ? st.st_size : 0;
    free(rp);
    f->next = lz.files;
    lz.files = f;
    return f;
}

static struct lz_page *
lz_page(struct lz_file *f, uint64_t index, bool create)
{
    struct lz_page *p;
    char *rp;
    int fd;

    for (size_t i = 0; i < f->n; i++)
        if (f->pages[i]->index == index)
            return f->pages[i];
    if (!create)
        return NULL;
    p = fl_xcalloc(1, sizeof(*p));
    p->index = index;
    /* Start from what is on disk, within the logical size. */
    rp = real_path(f->path);
    fd = open(rp, O_RDONLY);
    if (fd >= 0) {
        int64_t off = (int64_t)index * PAGE;
        if (off < f->size) {
            ssize_t r = pread(
                fd, p->data, (size_t)FL_MIN((int64_t)PAGE, f->size - off), off);
            (void)r;
        }
        close(fd);
    }
    free(rp);
    FL_ALLOC_GROW(f->pages, f->n + 1, f->alloc);
    f->pages[f->n++] = p;
    return p;
}

/* Write f's pages and size through to the backing file, then fsync it. */
static int
lz_sync(struct lz_file *f)
{
    char *rp = real_path(f->path);
    int fd = open(rp, O_WRONLY), rc = 0;

    free(rp);
    if (fd < 0)
        return -errno;
    for (size_t i = 0; i < f->n && rc == 0; i++) {
        int64_t off = (int64_t)f->pages[i]->index * PAGE;
        if (off >= f->size)
            continue;
        size_t len = (size_t)FL_MIN((int64_t)PAGE, f->size - off);
        if (pwrite(fd, f->pages[i]->data, len, off) != (ssize_t)len)
            rc = -errno;
    }
    if (rc == 0 && ftruncate(fd, f->size) != 0)
        rc = -errno;
    if (rc == 0 && fsync(fd) != 0)
        rc = -errno;
    close(fd);
    if (rc == 0) {
        lz.synced_pages += f->n;
        lz_drop(f);
    }
    return rc;
}

static void
lz_control(const char *cmd, size_t len)
{
    if (len >= 4 && memcmp(cmd, "lose", 4) == 0) {
        while (lz.files) {
            lz.lost_pages += lz.files->n;
            lz_drop(lz.files);
        }
    } else if (len >= 10 && memcmp(cmd, "checkpoint", 10) == 0) {
        struct lz_file *f = lz.files, *next;
        for (; f; f = next) {
            next = f->next;
            lz_sync(f);
        }
    }
}

static int
lz_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
    char *rp;
    struct lz_file *f;
    int rc = 0;

    FL_UNUSED(fi);
    if (strcmp(path, CTL_NAME) == 0) {
        memset(st, 0, sizeof(*st));
        st->st_mode = S_IFREG | 0666;
        st->st_nlink = 1;
        return 0;
    }
    rp = real_path(path);
    if (lstat(rp, st) != 0)
        rc = -errno;
    free(rp);
    if (rc == 0 && (f = lz_find(path)) != NULL) {
        st->st_size = f->size;
        st->st_blocks = (f->size + 511) / 512;
    }
    return rc;
}

static int
lz_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
           struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
    char *rp = real_path(path);
    DIR *d = opendir(rp);
    struct dirent *de;

    FL_UNUSED(off);
    FL_UNUSED(fi);
    FL_UNUSED(flags);
    free(rp);
    if (!d)
        return -errno;
    while ((de = readdir(d)) != NULL) {
        struct stat st = {.st_ino = de->d_ino, .st_mode = de->d_type << 12};
        if (fill(buf, de->d_name, &st, 0, 0))
            break;
    }
    closedir(d);
    return 0;
}

static int
lz_open(const char *path, struct fuse_file_info *fi)
{
    char *rp;
    int fd;

    if (strcmp(path, CTL_NAME) == 0)
        return 0;
    rp = real_path(path);
    fd = open(rp, fi->flags & ~(O_TRUNC | O_APPEND | O_CREAT | O_EXCL));
    free(rp);
    if (fd < 0)
        return -errno;
    close(fd);
    if (fi->flags & O_TRUNC)
        lz_get(path)->size = 0;
    return 0;
}

static int
lz_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
    char *rp = real_path(path);
    int fd = open(rp, O_CREAT | O_WRONLY | (fi->flags & O_EXCL), mode);

    free(rp);
    if (fd < 0)
        return -errno;
    close(fd);
    if (fi->flags & O_TRUNC)
        lz_get(path)->size = 0;
    return 0;
}

static int
lz_read(const char *path, char *buf, size_t size, off_t off,
        struct fuse_file_info *fi)
{
    struct lz_file *f;
    char *rp;
    int fd;
    ssize_t got;

    FL_UNUSED(fi);
    if (strcmp(path, CTL_NAME) == 0) {
        char msg[128];
        int n = snprintf(msg, sizeof(msg),
                         "lost_pages %" PRIu64 " synced_pages %" PRIu64 "\n",
                         lz.lost_pages, lz.synced_pages);
        if (off >= n)
            return 0;
        size = FL_MIN(size, (size_t)(n - off));
        memcpy(buf, msg + off, size);
        return (int)size;
    }
    f = lz_find(path);
    rp = real_path(path);
    fd = open(rp, O_RDONLY);
    free(rp);
    if (fd < 0)
        return -errno;
    if (f && off >= f->size) {
        close(fd);
        return 0;
    }
    if (f)
        size = (size_t)FL_MIN((int64_t)size, f->size - off);
    got = pread(fd, buf, size, off);
    close(fd);
    if (got < 0)
        return -errno;
    if (!f)
        return (int)got;
    /* Past the backing end but within the logical size: zeros, then
     * overlay the unsynced pages. */
    if ((size_t)got < size)
        memset(buf + got, 0, size - (size_t)got);
    for (size_t i = 0; i < f->n; i++) {
        int64_t ps = (int64_t)f->pages[i]->index * PAGE, pe = ps + PAGE;
        int64_t s = FL_MAX(ps, (int64_t)off);
        int64_t e = FL_MIN(pe, (int64_t)off + (int64_t)size);
        if (s < e)
            memcpy(buf + (s - off), f->pages[i]->data + (s - ps),
                   (size_t)(e - s));
    }
    return (int)size;
}

static int
lz_write(const char *path, const char *buf, size_t size, off_t off,
         struct fuse_file_info *fi)
{
    struct lz_file *f;
    size_t done = 0;

    FL_UNUSED(fi);
    if (strcmp(path, CTL_NAME) == 0) {
        lz_control(buf, size);
        return (int)size;
    }
    f = lz_get(path);
    while (done < size) {
        int64_t pos = (int64_t)off + (int64_t)done;
        struct lz_page *p = lz_page(f, (uint64_t)pos / PAGE, true);
        size_t in = (size_t)(pos % PAGE);
        size_t n = FL_MIN(size - done, (size_t)PAGE - in);
        memcpy(p->data + in, buf + done, n);
        done += n;
    }
    if ((int64_t)off + (int64_t)size > f->size)
        f->size = (int64_t)off + (int64_t)size;
    return (int)size;
}

static int
lz_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
    struct lz_file *f = lz_find(path);
    char *rp;
    int fd, rc = 0;

    FL_UNUSED(datasync);
    FL_UNUSED(fi);
    if (f)
        return lz_sync(f);
    rp = real_path(path);
    fd = open(rp, O_RDONLY);
    free(rp);
    if (fd >= 0) {
        if (fsync(fd) != 0)
            rc = -errno;
        close(fd);
    }
    return rc;
}

static int
lz_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
    struct lz_file *f = lz_get(path);

    FL_UNUSED(fi);
    f->size = size;
    /* Zero the tail of a partial last page so a later extension reads 0. */
    for (size_t i = 0; i < f->n; i++) {
        int64_t ps = (int64_t)f->pages[i]->index * PAGE;
        if (ps < size && ps + PAGE > size)
            memset(f->pages[i]->data + (size - ps), 0,
                   (size_t)(ps + PAGE - size));
    }
    return 0;
}

static int
lz_unlink(const char *path)
{
    char *rp = real_path(path);
    int rc = unlink(rp) == 0 ? 0 : -errno;
    struct lz_file *f = lz_find(path);

    free(rp);
    if (rc == 0 && f)
        lz_drop(f);
    return rc;
}

static int
lz_rename(const char *from, const char *to, unsigned int flags)
{
    char *a = real_path(from), *b = real_path(to);
    int rc = flags ? -EINVAL : rename(a, b) == 0 ? 0 : -errno;
    struct lz_file *f;

    free(a);
    free(b);
    if (rc == 0) {
        if ((f = lz_find(to)) != NULL)
            lz_drop(f);
        if ((f = lz_find(from)) != NULL) {
            free(f->path);
            f->path = fl_xstrdup(to);
        }
    }
    return rc;
}

static int
lz_mkdir(const char *path, mode_t mode)
{
    char *rp = real_path(path);
    int rc = mkdir(rp, mode) == 0 ? 0 : -errno;

    free(rp);
    return rc;
}

static int
lz_rmdir(const char *path)
{
    char *rp = real_path(path);
    int rc = rmdir(rp) == 0 ? 0 : -errno;

    free(rp);
    return rc;
}

static int
lz_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
    char *rp = real_path(path);
    int rc = chmod(rp, mode) == 0 ? 0 : -errno;

    FL_UNUSED(fi);
    free(rp);
    return rc;
}

static int
lz_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
    char *rp = real_path(path);
    int rc = lchown(rp, uid, gid) == 0 ? 0 : -errno;

    FL_UNUSED(fi);
    free(rp);
    return rc;
}

static int
lz_utimens(const char *path, const struct timespec tv[2],
           struct fuse_file_info *fi)
{
    char *rp = real_path(path);
    int rc = utimensat(AT_FDCWD, rp, tv, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : -errno;

    FL_UNUSED(fi);
    free(rp);
    return rc;
}

static int
lz_statfs(const char *path, struct statvfs *st)
{
    FL_UNUSED(path);
    return statvfs(lz.backing, st) == 0 ? 0 : -errno;
}

static int
lz_flush(const char *path, struct fuse_file_info *fi)
{
    FL_UNUSED(path);
    FL_UNUSED(fi);
    return 0;
}

static const struct fuse_operations lz_ops = {
    .getattr = lz_getattr,
    .readdir = lz_readdir,
    .open = lz_open,
    .create = lz_create,
    .read = lz_read,
    .write = lz_write,
    .fsync = lz_fsync,
    .truncate = lz_truncate,
    .unlink = lz_unlink,
    .rename = lz_rename,
    .mkdir = lz_mkdir,
    .rmdir = lz_rmdir,
    .chmod = lz_chmod,
    .chown = lz_chown,
    .utimens = lz_utimens,
    .statfs = lz_statfs,
    .flush = lz_flush,
};

int
fl_lazyfs_main(int argc, char **argv)
{
    char *fargv[8];
    char real[PATH_MAX];
    int fargc = 0;

    if (argc != 2) {
        fprintf(stderr, "usage: faultline fault _lazyfs BACKING MOUNT\n");
        return 254;
    }
    if (!realpath(argv[0], real)) {
        fprintf(stderr, "faultline lazyfs: %s: %s\n", argv[0], strerror(errno));
        return 255;
    }
    lz.backing = fl_xstrdup(real);
    fargv[fargc++] = "faultline-lazyfs";
    fargv[fargc++] = "-f";
    fargv[fargc++] = "-s";
    fargv[fargc++] = "-o";
    fargv[fargc++] = "fsname=faultline-lazyfs,allow_other";
    fargv[fargc++] = argv[1];
    fargv[fargc] = NULL;
    return fuse_main(fargc, fargv, &lz_ops, NULL) == 0 ? 0 : 255;
}

/* ---- driving it on a node ---- */

/* Commands for a netns node run in the root mount namespace (the FUSE
 * mount must be visible to every later command on the node). */
static struct fl_remote *
mount_remote(struct fl_remote *r, struct fl_err *err)
{
    struct fl_remote_opts o = {.backend = "local"};

    if (r->type != &fl_remote_netns_type)
        return r;
    return fl_remote_new(r->node, &o, err);
}

static char *
lz_pidfile(const char *dir)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;

    fl_strbuf_addstr(&sb, "/tmp/faultline-lazyfs");
    for (const char *p = dir; *p; p++)
        fl_strbuf_addch(&sb, (*p == '/' || *p == ' ') ? '_' : *p);
    fl_strbuf_addstr(&sb, ".pid");
    return fl_strbuf_detach(&sb, NULL);
}

int
fl_lazyfs_mount(struct fl_remote *r, const char *dir, const char *state_dir,
                struct fl_err *err)
{
    struct fl_remote *m = mount_remote(r, err);
    char *bin = NULL, *pidfile = lz_pidfile(dir), *backing = NULL;
    struct fl_strbuf s = FL_STRBUF_INIT;
    int rc = 0;

    if (!m) {
        rc = err ? err->code : -EINVAL;
        goto out;
    }
    if (dir[0] != '/') {
        rc = fl_err_set(err, FL_EUSAGE, "lazyfs: %s is not absolute", dir);
        goto out;
    }
    bin = fl_helper_binary();
    if (!bin) {
        rc = fl_err_set(err, -ENOENT,
                        "lazyfs: cannot find the faultline "
                        "binary (set FAULTLINE_BIN)");
        goto out;
    }
    if (m->type == &fl_remote_ssh_type) {
        /* Ship this binary over (same architecture and libraries). */
        rc = fl_remote_sh(m, NULL, err, "mkdir -p /tmp/faultline-bin");
        if (rc == 0)
            rc = fl_remote_upload(m, bin, "/tmp/faultline-bin/faultline", err);
        if (rc == 0)
            rc = fl_remote_sh(m, NULL, err,
                              "chmod 755 /tmp/faultline-bin/faultline");
        free(bin);
        bin = fl_xstrdup("/tmp/faultline-bin/faultline");
        if (rc != 0)
            goto out;
    }
    backing = fl_xasprintf("%s.lazy-data", dir);
    fl_strbuf_addstr(&s, "mkdir -p ");
    fl_sh_quote(&s, dir);
    fl_strbuf_addch(&s, ' ');
    fl_sh_quote(&s, backing);
    rc = fl_remote_sh(m, NULL, err, "%s", s.buf);
    if (rc == 0 && state_dir)
        rc = fl_cluster_note(state_dir, "mount", dir, err);
    if (rc == 0 && state_dir)
        rc = fl_cluster_note(state_dir, "file", pidfile, err);
    if (rc == 0) {
        const char *argv[] = {bin, "fault", "_lazyfs", backing, dir, NULL};
        struct fl_daemon_opts o = {.pidfile = pidfile,
                                   .logfile = "/tmp/faultline-lazyfs.log"};
        rc = fl_daemon_start(m, &o, argv, err);
        if (rc == 1)
            rc = fl_err_set(err, -EEXIST, "lazyfs: already mounted at %s", dir);
    }
    /* Wait (bounded) until the mount answers. */
    for (int i = 0; rc == 0 && i < 100; i++) {
        struct fl_strbuf q = FL_STRBUF_INIT;
        fl_strbuf_addstr(&q, "test -e ");
        fl_sh_quote(&q, dir);
        fl_strbuf_addstr(&q, "/.faultline-lazyfs");
        int r2 = fl_remote_sh(m, NULL, NULL, "%s", q.buf);
        fl_strbuf_release(&q);
        if (r2 == 0)
            break;
        if (i == 99)
            rc =
                fl_err_set(err, FL_ELIMIT, "lazyfs at %s did not come up", dir);
        usleep(50000);
    }
out:
    if (m && m != r)
        fl_remote_free(m);
    fl_strbuf_release(&s);
    free(bin);
    free(pidfile);
    free(backing);
    return rc;
}

int
fl_lazyfs_lose(struct fl_remote *r, const char *dir, struct fl_err *err)
{
    struct fl_strbuf s = FL_STRBUF_INIT;
    int rc;

    fl_strbuf_addstr(&s, "test -e ");
    fl_sh_quote(&s, dir);
    fl_strbuf_addstr(&s, "/.faultline-lazyfs || { echo 'not a lazy mount' "
                         ">&2; exit 1; }\necho lose > ");
    fl_sh_quote(&s, dir);
    fl_strbuf_addstr(&s, "/.faultline-lazyfs");
    rc = fl_remote_sh(r, NULL, err, "%s", s.buf);
    fl_strbuf_release(&s);
    return rc;
}

int
fl_lazyfs_umount(struct fl_remote *r, const char *dir, struct fl_err *err)
{
    struct fl_remote *m = mount_remote(r, err);
    struct fl_strbuf s = FL_STRBUF_INIT;
    char *pidfile = lz_pidfile(dir);
    int rc;

    if (!m) {
        free(pidfile);
        return err ? err->code : -EINVAL;
    }
    fl_strbuf_addstr(&s, "if grep -q \" $(printf %s ");
    fl_sh_quote(&s, dir);
    fl_strbuf_addstr(&s, ") fuse\" /proc/mounts; then fusermount3 -u ");
    fl_sh_quote(&s, dir);
    fl_strbuf_addstr(&s, " 2>/dev/null || umount -l ");
    fl_sh_quote(&s, dir);
    fl_strbuf_addstr(&s, "; fi");
    rc = fl_remote_sh(m, NULL, err, "%s", s.buf);
    if (rc == 0)
        rc = fl_daemon_stop(m, pidfile, SIGTERM, 3000, err);
    if (m != r)
        fl_remote_free(m);
    fl_strbuf_release(&s);
    free(pidfile);
    return rc;
}

/* Is dir one of the newline-separated lines of list? */
static bool
listed(const char *list, const char *dir, size_t len)
{
    for (const char *p = list; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t l = nl ? (size_t)(nl - p) : strlen(p);
        if (l == len && memcmp(p, dir, len) == 0)
            return true;
        p = nl ? nl + 1 : NULL;
    }
    return false;
}

int
fl_lazyfs_heal_leftovers(struct fl_remote *r, const char *only,
                         struct fl_strbuf *report, struct fl_err *err)
{
    struct fl_remote *m;
    struct fl_strbuf out = FL_STRBUF_INIT;
    int rc;

    /* Local nodes share this machine's mounts: only this cluster's. */
    if (r->type == &fl_remote_netns_type && !only)
        return 0;
    m = mount_remote(r, err);
    if (!m)
        return err ? err->code : -EINVAL;
    rc = fl_remote_sh(m, &out, err, "%s",
                      "awk '$1 == \"faultline-lazyfs\" { print $2 }' "
                      "/proc/mounts");
    for (char *p = out.buf; rc == 0 && *p;) {
        char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char *dir = fl_xstrndup(p, len);

        if (len > 0 && (!only || listed(only, dir, len))) {
            rc = fl_lazyfs_umount(r, dir, err);
            if (rc == 0)
                fl_strbuf_addf(report, "lazyfs: mount %s unmounted\n", dir);
        }
        free(dir);
        p = nl ? nl + 1 : p + len;
    }
    if (m != r)
        fl_remote_free(m);
    fl_strbuf_release(&out);
    return rc;
}

int
fl_file_bitflip(struct fl_remote *r, const char *path, double p, uint64_t seed,
                struct fl_err *err)
{
    struct fl_strbuf out = FL_STRBUF_INIT, s = FL_STRBUF_INIT;
    struct fl_rng rng;
    int64_t size, flips = 0;
    int rc;

    if (p < 0 || p > 1)
        return fl_err_set(err, FL_EUSAGE, "bitflip: probability 0..1");
    fl_strbuf_addstr(&s, "stat -c %s ");
    fl_sh_quote(&s, path);
    rc = fl_remote_sh(r, &out, err, "%s", s.buf);
    if (rc != 0)
        goto out;
    size = strtoll(out.buf, NULL, 10);
    fl_rng_seed(&rng, seed);
    fl_strbuf_reset(&s);
    fl_strbuf_addstr(&s, "f=");
    fl_sh_quote(&s, path);
    fl_strbuf_addch(&s, '\n');
    /* Expected flips = 8 * size * p; draw positions, bounded at 10000. */
    int64_t want = (int64_t)(8.0 * (double)size * p + fl_rng_double(&rng));
    for (int64_t i = 0; i < want && i < 10000 && size > 0; i++) {
        int64_t at = (int64_t)fl_rng_below(&rng, (uint64_t)size);
        int bit = (int)fl_rng_below(&rng, 8);
        fl_strbuf_addf(&s,
                       "b=$(dd if=\"$f\" bs=1 skip=%" PRId64 " count=1 "
                       "2>/dev/null | od -An -tu1 | tr -d ' ')\n"
                       "printf \"$(printf '\\\\%%03o' $(( b ^ %d )))\" | "
                       "dd of=\"$f\" bs=1 seek=%" PRId64 " count=1 "
                       "conv=notrunc 2>/dev/null\n",
                       at, 1 << bit, at);
        flips++;
    }
    rc = fl_remote_sh(r, NULL, err, "%s", s.buf);
out:
    fl_strbuf_release(&out);
    fl_strbuf_release(&s);
    return rc == 0 ? (int)flips : rc;
}

int
fl_file_truncate(struct fl_remote *r, const char *path, int64_t drop_bytes,
                 struct fl_err *err)
{
    struct fl_strbuf s = FL_STRBUF_INIT;
    int rc;

    if (drop_bytes < 0)
        return fl_err_set(err, FL_EUSAGE, "truncate: negative size");
    fl_strbuf_addf(&s, "truncate -c -s -%" PRId64 " ", drop_bytes);
    fl_sh_quote(&s, path);
    rc = fl_remote_sh(r, NULL, err, "%s", s.buf);
    fl_strbuf_release(&s);
    return rc;
}

/* ---- the file nemesis ---- */

struct file_nem {
    uint32_t f_flip, f_trunc, f_lose;
    char *path, *lazy;
    struct fl_rng rng;
};

static int
fn_setup(struct fl_nemesis *nem, const struct fl_env *env, struct fl_err *err)
{
    struct file_nem *f = nem->ctx;

    fl_rng_seed(&f->rng, fl_nem__seed(env, 0xf11e));
    if (!env->remotes)
        return fl_err_set(err, -ENOTSUP, "file faults need remote nodes");
    return 0;
}

static int
fn_invoke(struct fl_nemesis *nem, const struct fl_env *env,
          const struct fl_op *op, struct fl_arena *a, struct fl_op *out,
          struct fl_err *err)
{
    struct file_nem *f = nem->ctx;
    bool *mask = fl_xcalloc(env->nnodes ? env->nnodes : 1, sizeof(bool));
    bool *done = fl_xcalloc(env->nnodes ? env->nnodes : 1, sizeof(bool));
    int rc = fl_nem_targets(env, &op->value, &f->rng, mask, err);

    if (rc < 0)
        goto out;
    rc = 0;
    for (size_t i = 0; i < env->nnodes && rc == 0; i++) {
        if (!mask[i])
            continue;
        if (op->f == f->f_lose && f->lazy)
            rc = fl_lazyfs_lose(env->remotes[i], f->lazy, err);
        else if (op->f == f->f_flip && f->path)
            rc = fl_file_bitflip(env->remotes[i], f->path, 0.0001,
                                 fl_rng_next(&f->rng), err) < 0
                     ? err->code
                     : 0;
        else if (op->f == f->f_trunc && f->path)
            rc = fl_file_truncate(env->remotes[i], f->path,
                                  (int64_t)fl_rng_below(&f->rng, 64) + 1, err);
        else
            rc = fl_err_set(err, -ENOTSUP, "file fault :%s not configured",
                            fl_kw_name(op->f));
        done[i] = rc == 0;
    }
    out->value = fl_nem_nodes_val(env, done, a);
out:
    free(mask);
    free(done);
    return rc;
}

static int
fn_teardown(struct fl_nemesis *nem, const struct fl_env *env,
            struct fl_err *err)
{
    /* Lost data and flipped bits are not "healed"; nothing stays active. */
    FL_UNUSED(nem);
    FL_UNUSED(env);
    FL_UNUSED(err);
    return 0;
}

static size_t
fn_fs(const struct fl_nemesis *nem, uint32_t *out, size_t max)
{
    const struct file_nem *f = nem->ctx;

    if (max >= 3) {
        out[0] = f->f_flip;
        out[1] = f->f_trunc;
        out[2] = f->f_lose;
    }
    return 3;
}

static void
fn_free(struct fl_nemesis *nem)
{
    struct file_nem *f = nem->ctx;

    if (f) {
        free(f->path);
        free(f->lazy);
    }
    free(f);
}

static const struct fl_nemesis_type file_type = {
    .name = "file",
    .setup = fn_setup,
    .invoke = fn_invoke,
    .teardown = fn_teardown,
    .fs = fn_fs,
    .free = fn_free,
};

struct fl_nemesis *
fl_nem_file_new(const char *file_path, const char *lazyfs_dir)
{
    struct file_nem *f = fl_xcalloc(1, sizeof(*f));

    f->f_flip = fl_kw_intern_cstr("bitflip");
    f->f_trunc = fl_kw_intern_cstr("truncate");
    f->f_lose = fl_kw_intern_cstr("lose-unfsynced-writes");
    f->path = file_path ? fl_xstrdup(file_path) : NULL;
    f->lazy = lazyfs_dir ? fl_xstrdup(lazyfs_dir) : NULL;
    return fl_nemesis_new(&file_type, f);
}
