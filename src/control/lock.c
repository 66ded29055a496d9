/* SPDX-License-Identifier: MIT */
/*
 * lock.c: node and cluster locks (lock.h). Each lock file is flock()ed
 * without waiting; the holder writes "PID COMMAND LINE" into it. A lock
 * file may be unlinked while held (cluster down removes its state dir), so
 * after taking the flock the file must still be the one at the path, else
 * the lock is on a dead inode and is taken again. The files this process
 * holds are kept in one list, so that nested takers share one flock (two
 * open file descriptions in one process would exclude each other). A
 * forked child shares its parent's flocks but is not their holder: it
 * takes its own (and is refused while the parent holds them).
 */
#include "util/common.h"

#include "control/lock.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control/cluster.h"
#include "util/err.h"
#include "util/log.h"
#include "util/parse.h"
#include "util/strbuf.h"

/* One lock file this process holds. */
struct held {
    char *path;        /* owned */
    int fd;            /* open, flock()ed, O_CLOEXEC */
    int refs;          /* takers that have not released it */
    pid_t pid;         /* the process that took it (not a forked child) */
    struct held *next; /* protected by held_mu */
};

struct fl_lock {
    size_t n;
    struct held **v; /* n entries of the held list, each counted once */
};

static pthread_mutex_t held_mu = PTHREAD_MUTEX_INITIALIZER;
static struct held *held_list; /* protected by held_mu */

/* "PID ARGV0 ARGV1 ...", control characters replaced, capped. */
static void
describe_self(struct fl_strbuf *sb)
{
    struct fl_strbuf cmd = FL_STRBUF_INIT;

    fl_strbuf_addf(sb, "%d", (int)getpid());
    if (fl_strbuf_read_file(&cmd, "/proc/self/cmdline") == 0) {
        size_t len = cmd.len > 400 ? 400 : cmd.len;
        while (len > 0 && cmd.buf[len - 1] == '\0')
            len--;
        fl_strbuf_addch(sb, ' ');
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)cmd.buf[i];
            fl_strbuf_addch(sb, c == 0                    ? ' '
                                : (c < 0x20 || c == 0x7f) ? '?'
                                                          : c);
        }
    }
    fl_strbuf_addch(sb, '\n');
    fl_strbuf_release(&cmd);
}

/* Fill err: what is held by the process recorded in fd's file. */
static int
busy(int fd, const char *what, struct fl_err *err)
{
    char buf[512];
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
    char *sp, *nl;
    long pid;

    if (n <= 0)
        return fl_err_set(err, -EBUSY,
                          "%s is in use by another faultline process", what);
    buf[n] = '\0';
    nl = strchr(buf, '\n');
    if (nl)
        *nl = '\0';
    pid = strtol(buf, &sp, 10);
    sp = *sp == ' ' ? sp + 1 : "?";
    return fl_err_set(err, -EBUSY, "%s is in use by pid %ld (%.100s%s)", what,
                      pid, sp, strlen(sp) > 100 ? "..." : "");
}

/* Open and flock path; 0 with *fd_out, or -EBUSY/-errno with err. */
static int
take_file(const char *path, const char *what, int *fd_out, struct fl_err *err)
{
    for (int tries = 0; tries < 20; tries++) {
        struct stat a, b;
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);

        if (fd < 0)
            return fl_err_set(err, -errno, "lock %s: %s", path,
                              strerror(errno));
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            int rc = errno == EWOULDBLOCK
                         ? busy(fd, what, err)
                         : fl_err_set(err, -errno, "lock %s: %s", path,
                                      strerror(errno));
            close(fd);
            return rc;
        }
        if (fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
            a.st_ino == b.st_ino) {
            *fd_out = fd;
            return 0;
        }
        close(fd); /* unlinked meanwhile: that lock protects nothing */
    }
    return fl_err_set(err, -EBUSY, "lock %s: the file keeps changing", path);
}

static void
record_holder(int fd)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;

    describe_self(&sb);
    /* The lock holds anyway; only a refused caller's message is poorer. */
    if (ftruncate(fd, 0) != 0 ||
        pwrite(fd, sb.buf, sb.len, 0) != (ssize_t)sb.len)
        fl_warn("lock: cannot record the holder: %s", strerror(errno));
    fl_strbuf_release(&sb);
}

/* Is path h's file ("dir/lock" and "dir//lock" are one lock)? */
static bool
same_file(const struct held *h, const char *path)
{
    struct stat a, b;

    if (strcmp(h->path, path) == 0)
        return true;
    return fstat(h->fd, &a) == 0 && stat(path, &b) == 0 &&
           a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* Take (or count again) the lock file path; NULL with err if held. */
static struct held *
held_take(const char *path, const char *what, struct fl_err *err)
{
    struct held *h;
    int fd;

    pthread_mutex_lock(&held_mu);
    for (h = held_list; h; h = h->next)
        if (h->pid == getpid() && same_file(h, path))
            break;
    if (h) {
        h->refs++;
    } else if (take_file(path, what, &fd, err) == 0) {
        record_holder(fd);
        h = fl_xcalloc(1, sizeof(*h));
        h->path = fl_xstrdup(path);
        h->fd = fd;
        h->refs = 1;
        h->pid = getpid();
        h->next = held_list;
        held_list = h;
    }
    pthread_mutex_unlock(&held_mu);
    return h;
}

static void
held_put(struct held *h)
{
    struct held **pp;

    pthread_mutex_lock(&held_mu);
    if (--h->refs == 0) {
        for (pp = &held_list; *pp && *pp != h; pp = &(*pp)->next)
            ;
        if (*pp)
            *pp = h->next;
        /* Say nobody holds it (a file in a removed dir is gone anyway). */
        if (ftruncate(h->fd, 0) != 0 && errno != ENOENT)
            fl_warn("lock %s: %s", h->path, strerror(errno));
        close(h->fd);
        free(h->path);
        free(h);
    }
    pthread_mutex_unlock(&held_mu);
}

void
fl_lock_free(struct fl_lock *l)
{
    if (!l)
        return;
    for (size_t i = l->n; i-- > 0;)
        held_put(l->v[i]);
    free(l->v);
    free(l);
}

static struct fl_lock *
lock_one(const char *path, const char *what, struct fl_err *err)
{
    struct held *h = held_take(path, what, err);
    struct fl_lock *l;

    if (!h)
        return NULL;
    l = fl_xcalloc(1, sizeof(*l));
    l->v = fl_xcalloc(1, sizeof(*l->v));
    l->v[0] = h;
    l->n = 1;
    return l;
}

struct fl_lock *
fl_lock_cluster(const char *state_dir, struct fl_err *err)
{
    const char *dir =
        state_dir && *state_dir ? state_dir : FL_CLUSTER_DEFAULT_STATE_DIR;
    struct fl_lock *l = NULL;
    char *path, *what;

    if (fl_parse_check_name("state dir", dir, err) != 0)
        return NULL;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        fl_err_set(err, -errno, "mkdir %s: %s", dir, strerror(errno));
        return NULL;
    }
    path = fl_xasprintf("%s/lock", dir);
    what = fl_xasprintf("the local cluster in %s", dir);
    l = lock_one(path, what, err);
    free(path);
    free(what);
    return l;
}

static const char *
lock_dir(void)
{
    static char dir[64];

    if (geteuid() == 0)
        return FL_LOCK_DIR;
    snprintf(dir, sizeof(dir), "/tmp/faultline-locks-%u", (unsigned)geteuid());
    return dir;
}

char *
fl_lock_node_path(const char *name)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;

    /* Any byte outside [A-Za-z0-9._-] is %XX: names become file names. */
    fl_strbuf_addf(&sb, "%s/node-", lock_dir());
    for (const char *p = name; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            (c >= '0' && c <= '9') || c == '-' || c == '_' ||
            (c == '.' && p != name))
            fl_strbuf_addch(&sb, (char)c);
        else
            fl_strbuf_addf(&sb, "%%%02X", c);
    }
    fl_strbuf_addstr(&sb, ".lock");
    return fl_strbuf_detach(&sb, NULL);
}

static int
make_lock_dir(struct fl_err *err)
{
    const char *dir = lock_dir();
    struct stat st;

    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return fl_err_set(err, -errno, "mkdir %s: %s", dir, strerror(errno));
    /* In /tmp someone else could have made it first. */
    if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid())
        return fl_err_set(err, -EACCES, "lock dir %s is not ours", dir);
    return 0;
}

struct fl_lock *
fl_lock_nodes(char *const *names, size_t n, struct fl_err *err)
{
    struct fl_lock *l = fl_xcalloc(1, sizeof(*l));

    l->v = fl_xcalloc(n ? n : 1, sizeof(*l->v));
    for (size_t i = 0; i < n; i++)
        if (fl_parse_check_name("node", names[i], err) != 0)
            goto fail; /* before any file is made */
    if (n > 0 && make_lock_dir(err) != 0)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        char *path, *what;
        struct held *h;
        bool dup = false;

        path = fl_lock_node_path(names[i]);
        what = fl_xasprintf("node %s", names[i]);
        for (size_t k = 0; k < l->n; k++)
            dup = dup || strcmp(l->v[k]->path, path) == 0;
        h = dup ? NULL : held_take(path, what, err);
        free(path);
        free(what);
        if (dup)
            continue;
        if (!h)
            goto fail;
        l->v[l->n++] = h;
    }
    return l;
fail:
    fl_lock_free(l);
    return NULL;
}
