/* SPDX-License-Identifier: MIT */
/*
 * cluster.c: build and destroy the local cluster (cluster.h). The state file
 * is append-only and every resource is written to it, fsynced, *before* it
 * is created, so a crash at any point leaves a file that lists a superset of
 * what exists; fl_cluster_down() then removes each listed thing if it is
 * still there and ignores the ones that are not. It never removes anything
 * the file does not name, and the hosts block is recognised by its markers.
 */
#include "util/common.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "control/cluster.h"
#include "control/control_int.h"
#include "util/err.h"
#include "util/strbuf.h"

#define STATE_FILE "cluster.state"
/* Markers name the state dir, so two clusters never touch each other's. */
#define HOSTS_BEGIN                                                            \
    "# faultline cluster begin (removed by faultline cluster down): "
#define HOSTS_END    "# faultline cluster end: "
#define ROUTE_METRIC "4000"

static const char *
state_dir_or_default(const char *d)
{
    return d && *d ? d : FL_CLUSTER_DEFAULT_STATE_DIR;
}

/* Run argv (no shell) on this machine; nonzero exit is an error. */
static int
sys_runv(const char *const *argv, struct fl_strbuf *out, struct fl_err *err)
{
    struct fl_cmd c = {.timeout_ms = 20000, .max_output = 1 << 20};
    struct fl_cmd_result res = FL_CMD_RESULT_INIT;
    int rc = fl_control__run(argv, NULL, NULL, &c, &res, err);

    if (rc == 0 && res.exit_code != 0) {
        struct fl_strbuf line = FL_STRBUF_INIT;

        fl_sh_quote_argv(&line, argv, -1);
        while (res.err.len > 0 && res.err.buf[res.err.len - 1] == '\n')
            fl_strbuf_setlen(&res.err, res.err.len - 1);
        rc = fl_err_set(err, FL_EREMOTE, "`%.100s` exited %d: %.120s", line.buf,
                        res.exit_code, res.err.buf);
        fl_strbuf_release(&line);
    }
    if (rc == 0 && out)
        fl_strbuf_add(out, res.out.buf, res.out.len);
    fl_cmd_result_release(&res);
    return rc;
}

#define SYS(err, ...)                                                          \
    sys_runv((const char *const[]){__VA_ARGS__, NULL}, NULL, err)

static bool
link_exists(const char *name)
{
    char *p = fl_xasprintf("/sys/class/net/%s", name);
    bool ok = access(p, F_OK) == 0;

    free(p);
    return ok;
}

static bool
netns_exists(const char *ns)
{
    char *p = fl_xasprintf("/run/netns/%s", ns);
    bool ok = access(p, F_OK) == 0;

    free(p);
    return ok;
}

/* --- state file ----------------------------------------------------- */

static int
state_append(const char *dir, const char *line, struct fl_err *err)
{
    char *path = fl_xasprintf("%s/" STATE_FILE, dir);
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    size_t len = strlen(line);
    int rc = 0;

    if (fd < 0 || write(fd, line, len) != (ssize_t)len ||
        write(fd, "\n", 1) != 1 || fsync(fd) != 0)
        rc = fl_err_set(err, -errno, "write %s: %s", path, strerror(errno));
    if (fd >= 0)
        close(fd);
    free(path);
    return rc;
}

static int state_appendf(const char *dir, struct fl_err *err, const char *fmt,
                         ...) __attribute__((format(printf, 3, 4)));

static int
state_appendf(const char *dir, struct fl_err *err, const char *fmt, ...)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;
    va_list ap;
    int rc;

    va_start(ap, fmt);
    fl_strbuf_vaddf(&sb, fmt, ap);
    va_end(ap);
    rc = state_append(dir, sb.buf, err);
    fl_strbuf_release(&sb);
    return rc;
}

int
fl_cluster_note(const char *state_dir, const char *kind, const char *value,
                struct fl_err *err)
{
    if (strchr(value, '\n') || strchr(kind, ' '))
        return fl_err_set(err, -EINVAL, "bad state entry");
    return state_appendf(state_dir_or_default(state_dir), err, "%s %s", kind,
                         value);
}

/* One parsed state file: the lines, split into kind and value. */
struct state {
    size_t n, alloc;
    char **kind, **value;
};

static void
state_release(struct state *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->kind[i]);
        free(s->value[i]);
    }
    free(s->kind);
    free(s->value);
    memset(s, 0, sizeof(*s));
}

static int
state_read(const char *dir, struct state *s, struct fl_err *err)
{
    char *path = fl_xasprintf("%s/" STATE_FILE, dir);
    struct fl_strbuf sb = FL_STRBUF_INIT;
    int rc = fl_strbuf_read_file(&sb, path);
    char *p, *nl;

    memset(s, 0, sizeof(*s));
    if (rc != 0) {
        rc = fl_err_set(err, rc, "no local cluster is up (%s: %s)", path,
                        strerror(-rc));
        goto out;
    }
    for (p = sb.buf; *p; p = nl + 1) {
        char *sp;

        nl = strchr(p, '\n');
        if (!nl)
            break; /* a torn last line: ignore it */
        *nl = '\0';
        sp = strchr(p, ' ');
        FL_ALLOC_GROW(s->kind, s->n + 1, s->alloc);
        s->value = fl_xrealloc(s->value, s->alloc * sizeof(char *));
        s->kind[s->n] = sp ? fl_xstrndup(p, (size_t)(sp - p)) : fl_xstrdup(p);
        s->value[s->n] = fl_xstrdup(sp ? sp + 1 : "");
        s->n++;
    }
out:
    fl_strbuf_release(&sb);
    free(path);
    return rc;
}

static const char *
state_get(const struct state *s, const char *kind)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->kind[i], kind) == 0)
            return s->value[i];
    return NULL;
}

/* --- /etc/hosts blocks ---------------------------------------------- */

/*
 * Rewrite path without our marked block, then append block (may be NULL).
 * Every faultline process on the machine (each cluster, each user) rewrites
 * the same /etc/hosts in place: an exclusive flock on the file from the
 * read to the end of the write keeps one from reading another's truncated
 * file and writing it back empty.
 */
int
fl_control__hosts_rewrite(const char *path, const char *dir, const char *block,
                          struct fl_err *err)
{
    struct fl_strbuf in = FL_STRBUF_INIT, out = FL_STRBUF_INIT;
    char *begin = fl_xasprintf(HOSTS_BEGIN "%s", dir);
    char *end = fl_xasprintf(HOSTS_END "%s", dir);
    bool inside = false;
    char *p, *nl;
    FILE *f = NULL;
    int lock = open(path, O_RDONLY | O_CLOEXEC);

    if (lock >= 0)
        while (flock(lock, LOCK_EX) < 0 && errno == EINTR)
            ;
    int rc = fl_strbuf_read_file(&in, path);

    if (rc != 0 && rc != -ENOENT) {
        rc = fl_err_set(err, rc, "read %s: %s", path, strerror(-rc));
        goto out;
    }
    rc = 0;
    for (p = in.buf; *p; p = nl ? nl + 1 : p + strlen(p)) {
        size_t len;

        nl = strchr(p, '\n');
        len = nl ? (size_t)(nl - p) : strlen(p);
        if (len == strlen(begin) && !memcmp(p, begin, len)) {
            inside = true;
            continue;
        }
        if (inside) {
            if (len == strlen(end) && !memcmp(p, end, len))
                inside = false;
            continue;
        }
        fl_strbuf_add(&out, p, len);
        fl_strbuf_addch(&out, '\n');
        if (!nl)
            break;
    }
    if (block)
        fl_strbuf_addstr(&out, block);
    if (out.len == in.len && !memcmp(out.buf, in.buf, in.len))
        goto out; /* nothing of ours there */
    /* In place, not rename: /etc/hosts may be a bind mount. */
    f = fopen(path, "w");
    if (!f || fwrite(out.buf, 1, out.len, f) != out.len) {
        rc = fl_err_set(err, -errno, "write %s: %s", path, strerror(errno));
        goto out;
    }
out:
    if (f && fclose(f) != 0 && rc == 0)
        rc = fl_err_set(err, -errno, "close %s: %s", path, strerror(errno));
    if (lock >= 0)
        close(lock); /* releases the flock */
    fl_strbuf_release(&in);
    fl_strbuf_release(&out);
    free(begin);
    free(end);
    return rc;
}

/* --- processes and mounts ------------------------------------------- */

/* SIGKILL every process whose network namespace is ns; returns how many
 * were left after waiting (0 = all gone). */
static int
kill_netns_procs(const char *ns, bool do_kill)
{
    char *p = fl_xasprintf("/run/netns/%s", ns);
    struct stat nst;
    int left = 0;

    if (stat(p, &nst) != 0) {
        free(p);
        return 0;
    }
    free(p);
    for (int round = 0; round < 100; round++) {
        DIR *d = opendir("/proc");
        struct dirent *de;

        left = 0;
        while (d && (de = readdir(d)) != NULL) {
            char path[64];
            struct stat st;
            int pid = 0;

            for (const char *c = de->d_name; *c; c++) {
                if (*c < '0' || *c > '9') {
                    pid = 0;
                    break;
                }
                pid = pid * 10 + (*c - '0');
            }
            if (pid <= 1 || pid == getpid())
                continue;
            snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
            if (stat(path, &st) != 0 || st.st_ino != nst.st_ino ||
                st.st_dev != nst.st_dev)
                continue;
            left++;
            if (do_kill)
                kill(pid, SIGKILL);
        }
        if (d)
            closedir(d);
        if (left == 0 || !do_kill)
            break;
        usleep(50000);
    }
    return left;
}

/* The start time of pid (field 22 of /proc/pid/stat), or 0. */
static unsigned long long
proc_start_time(int pid)
{
    char path[64];
    struct fl_strbuf sb = FL_STRBUF_INIT;
    unsigned long long t = 0;
    char *p;

    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    if (fl_strbuf_read_file(&sb, path) == 0 &&
        (p = strrchr(sb.buf, ')')) != NULL) {
        int field = 2;
        for (; *p && field < 22; p++)
            if (*p == ' ')
                field++;
        t = strtoull(p, NULL, 10);
    }
    fl_strbuf_release(&sb);
    return t;
}

static void
kill_noted_pid(const char *value)
{
    int pid = 0;
    unsigned long long st = 0;

    if (sscanf(value, "%d %llu", &pid, &st) < 1 || pid <= 1)
        return;
    /* Only if it is the same process we noted (pids are reused). */
    if (st != 0 && proc_start_time(pid) != st)
        return;
    kill(pid, SIGKILL);
}

static bool
is_mounted(const char *path)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;
    bool found = false;
    char *line, *save = NULL;

    if (fl_strbuf_read_file(&sb, "/proc/self/mounts") != 0)
        return false;
    for (line = strtok_r(sb.buf, "\n", &save); line && !found;
         line = strtok_r(NULL, "\n", &save)) {
        char *a = strchr(line, ' '), *b;
        if (!a)
            continue;
        b = strchr(a + 1, ' ');
        if (b && (size_t)(b - a - 1) == strlen(path) &&
            !memcmp(a + 1, path, strlen(path)))
            found = true;
    }
    fl_strbuf_release(&sb);
    return found;
}

/* --- down ----------------------------------------------------------- */

static void
keep_first(struct fl_err *err, int *rc, int r2, const struct fl_err *e2)
{
    if (r2 != 0 && *rc == 0) {
        *rc = r2;
        if (err)
            *err = *e2;
    }
}

static void
rm_rf_ours(const char *dir)
{
    /* Files of the state dir and of its subdirectories, one level deep. */
    DIR *d = opendir(dir);
    struct dirent *de;

    while (d && (de = readdir(d)) != NULL) {
        char *p;
        if (de->d_name[0] == '.')
            continue;
        p = fl_xasprintf("%s/%s", dir, de->d_name);
        if (unlink(p) != 0) {
            DIR *d2 = opendir(p);
            struct dirent *e2;
            while (d2 && (e2 = readdir(d2)) != NULL) {
                char *q;
                if (e2->d_name[0] == '.')
                    continue;
                q = fl_xasprintf("%s/%s", p, e2->d_name);
                unlink(q);
                free(q);
            }
            if (d2)
                closedir(d2);
            rmdir(p);
        }
        free(p);
    }
    if (d)
        closedir(d);
}

int
fl_cluster_down(const char *state_dir, struct fl_err *err)
{
    const char *dir = state_dir_or_default(state_dir);
    struct state s;
    struct fl_err e = FL_ERR_INIT;
    int rc = 0, r2;
    char *path;
    size_t i;

    r2 = state_read(dir, &s, &e);
    if (r2 == -ENOENT) {
        rmdir(dir);
        return 0;
    }
    if (r2 != 0)
        return fl_err_set(err, r2, "%s", e.msg);
    /* Processes first (they hold mounts and namespaces), newest first. */
    for (i = s.n; i-- > 0;)
        if (strcmp(s.kind[i], "pid") == 0)
            kill_noted_pid(s.value[i]);
    for (i = s.n; i-- > 0;)
        if (strcmp(s.kind[i], "netns") == 0 &&
            kill_netns_procs(s.value[i], true) != 0)
            keep_first(err, &rc,
                       fl_err_set(&e, -EBUSY, "processes in %s would not die",
                                  s.value[i]),
                       &e);
    for (i = s.n; i-- > 0;) {
        if (strcmp(s.kind[i], "mount") == 0 && is_mounted(s.value[i]) &&
            umount2(s.value[i], MNT_DETACH) != 0)
            keep_first(err, &rc,
                       fl_err_set(&e, -errno, "umount %s: %s", s.value[i],
                                  strerror(errno)),
                       &e);
    }
    for (i = s.n; i-- > 0;) {
        const char *k = s.kind[i], *v = s.value[i];

        if (strcmp(k, "veth") == 0 && link_exists(v)) {
            r2 = SYS(&e, "ip", "link", "del", v);
            keep_first(err, &rc, r2, &e);
        } else if (strcmp(k, "netns") == 0 && netns_exists(v)) {
            r2 = SYS(&e, "ip", "netns", "del", v);
            keep_first(err, &rc, r2, &e);
        } else if (strcmp(k, "etc") == 0) {
            char *h = fl_xasprintf("%s/hosts", v);
            char *n = fl_xasprintf("%s/hostname", v);
            unlink(h);
            unlink(n);
            rmdir(v);
            free(h);
            free(n);
        }
    }
    for (i = s.n; i-- > 0;) {
        const char *k = s.kind[i], *v = s.value[i];

        if (strcmp(k, "bridge") == 0 && link_exists(v)) {
            r2 = SYS(&e, "ip", "link", "del", v);
            keep_first(err, &rc, r2, &e);
        } else if (strcmp(k, "hosts") == 0) {
            r2 = fl_control__hosts_rewrite(v, dir, NULL, &e);
            keep_first(err, &rc, r2, &e);
        } else if (strcmp(k, "dir") == 0) {
            rmdir(v); /* only if empty: others may use it by now */
        } else if (strcmp(k, "file") == 0) {
            unlink(v);
        } else if (strcmp(k, "node") == 0) {
            /* The packet shaper's pidfile (nemesis/packet.c names it). */
            char *sp = strchr(v, ' ');
            char *pf = fl_xasprintf("/tmp/faultline-shaper-%.*s.pid",
                                    sp ? (int)(sp - v) : (int)strlen(v), v);
            unlink(pf);
            free(pf);
        }
    }
    /* The blackhole route goes last, once no bridge route remains. */
    for (i = s.n; i-- > 0;) {
        struct fl_strbuf out = FL_STRBUF_INIT;

        if (strcmp(s.kind[i], "route") != 0)
            continue;
        if (sys_runv((const char *const[]){"ip", "route", "show", "exact",
                                           s.value[i], "table", "main", NULL},
                     &out, &e) == 0 &&
            strstr(out.buf, "blackhole")) {
            r2 = SYS(&e, "ip", "route", "del", "blackhole", s.value[i],
                     "metric", ROUTE_METRIC);
            keep_first(err, &rc, r2, &e);
        }
        fl_strbuf_release(&out);
    }
    if (rc == 0) {
        path = fl_xasprintf("%s/" STATE_FILE, dir);
        unlink(path);
        free(path);
        rm_rf_ours(dir);
        rmdir(dir);
    }
    state_release(&s);
    return rc;
}

/* --- load ----------------------------------------------------------- */

void
fl_cluster_release(struct fl_cluster *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        free(c->nodes[i]);
        free(c->addrs[i]);
    }
    free(c->nodes);
    free(c->addrs);
    free(c->state_dir);
    free(c->bridge);
    free(c->subnet);
    free(c->control_addr);
    free(c->netns_prefix);
    memset(c, 0, sizeof(*c));
}

static char *
config_get(const char *config, const char *key)
{
    size_t kl = strlen(key);
    const char *p = config;

    while (p && *p) {
        if (!strncmp(p, key, kl) && p[kl] == '=') {
            const char *e = strchr(p, ' ');
            return e ? fl_xstrndup(p + kl + 1, (size_t)(e - p - kl - 1))
                     : fl_xstrdup(p + kl + 1);
        }
        p = strchr(p, ' ');
        if (p)
            p++;
    }
    return NULL;
}

int
fl_cluster_load(const char *state_dir, struct fl_cluster *c, struct fl_err *err)
{
    const char *dir = state_dir_or_default(state_dir);
    struct state s;
    const char *config;
    int rc = state_read(dir, &s, err);
    size_t alloc = 0;

    memset(c, 0, sizeof(*c));
    if (rc != 0)
        return rc;
    config = state_get(&s, "config");
    if (!config || !state_get(&s, "ready")) {
        rc = fl_err_set(err, -ENOENT,
                        "the local cluster in %s is not complete (run "
                        "`faultline cluster down`, then up)",
                        dir);
        goto out;
    }
    c->state_dir = fl_xstrdup(dir);
    c->bridge = config_get(config, "bridge");
    c->subnet = config_get(config, "subnet");
    c->netns_prefix = config_get(config, "netns_prefix");
    c->control_addr = config_get(config, "control");
    for (size_t i = 0; i < s.n; i++) {
        char *sp;
        if (strcmp(s.kind[i], "node") != 0 || !(sp = strchr(s.value[i], ' ')))
            continue;
        FL_ALLOC_GROW(c->nodes, c->n + 1, alloc);
        c->addrs = fl_xrealloc(c->addrs, alloc * sizeof(char *));
        c->nodes[c->n] = fl_xstrndup(s.value[i], (size_t)(sp - s.value[i]));
        c->addrs[c->n] = fl_xstrdup(sp + 1);
        c->n++;
    }
    if (!c->bridge || !c->subnet || !c->netns_prefix || !c->control_addr ||
        c->n == 0) {
        fl_cluster_release(c);
        rc = fl_err_set(err, FL_EPARSE, "%s/" STATE_FILE ": malformed", dir);
    }
out:
    state_release(&s);
    return rc;
}

const char *
fl_cluster_addr(const struct fl_cluster *c, const char *node)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->nodes[i], node) == 0)
            return c->addrs[i];
    return NULL;
}

/* --- up ------------------------------------------------------------- */

static bool
name_ok(const char *s, size_t max)
{
    size_t n = strlen(s);

    if (n == 0 || n > max || s[0] == '-')
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
              (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
            return false;
    }
    return true;
}

/* Parse "a.b.c.0/24" into the 3-octet prefix "a.b.c". */
static int
subnet_prefix(const char *subnet, char *pre, size_t len, struct fl_err *err)
{
    struct in_addr a;
    char buf[32];
    const char *slash = strchr(subnet, '/');
    uint32_t h;

    if (!slash || strcmp(slash, "/24") != 0 ||
        (size_t)(slash - subnet) >= sizeof(buf))
        return fl_err_set(err, FL_EUSAGE, "subnet '%s': need a.b.c.0/24",
                          subnet);
    memcpy(buf, subnet, (size_t)(slash - subnet));
    buf[slash - subnet] = '\0';
    if (inet_pton(AF_INET, buf, &a) != 1 || (ntohl(a.s_addr) & 0xff) != 0)
        return fl_err_set(err, FL_EUSAGE, "subnet '%s': need a.b.c.0/24",
                          subnet);
    h = ntohl(a.s_addr);
    snprintf(pre, len, "%u.%u.%u", h >> 24, (h >> 16) & 0xff, (h >> 8) & 0xff);
    return 0;
}

int
fl_cluster_supported(struct fl_err *err)
{
    pid_t pid;
    int status = 0;

    if (geteuid() != 0)
        return fl_err_set(err, -EPERM, "the local cluster needs root"), 0;
    if (access("/proc/self/ns/net", F_OK) != 0)
        return fl_err_set(err, -ENOSYS, "no network namespaces"), 0;
    pid = fork();
    if (pid == 0)
        _exit(unshare(CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWUTS) == 0 ? 0 : 1);
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0)
        return fl_err_set(err, -ENOSYS, "cannot create namespaces here"), 0;
    {
        const char *argv[] = {"ip", "-V", NULL};
        if (sys_runv(argv, NULL, err) != 0)
            return fl_err_set(err, -ENOSYS, "iproute2 (ip) is missing"), 0;
    }
    return 1;
}

static int
write_file(const char *path, const char *data, struct fl_err *err)
{
    FILE *f = fopen(path, "w");
    int rc = 0;

    if (!f || fputs(data, f) < 0)
        rc = fl_err_set(err, -errno, "write %s: %s", path, strerror(errno));
    if (f && fclose(f) != 0 && rc == 0)
        rc = fl_err_set(err, -errno, "close %s: %s", path, strerror(errno));
    return rc;
}

static int
cluster_create(const struct fl_cluster_opts *o, const char *dir,
               struct fl_err *err)
{
    const char *subnet = o->subnet ? o->subnet : FL_CLUSTER_DEFAULT_SUBNET;
    const char *bridge = o->bridge ? o->bridge : FL_CLUSTER_DEFAULT_BRIDGE;
    const char *prefix =
        o->node_prefix ? o->node_prefix : FL_CLUSTER_DEFAULT_PREFIX;
    const char *nsp =
        o->netns_prefix ? o->netns_prefix : FL_REMOTE_DEFAULT_NETNS_PREFIX;
    int n = o->nodes > 0 ? o->nodes : FL_CLUSTER_DEFAULT_NODES;
    struct fl_strbuf hosts = FL_STRBUF_INIT, block = FL_STRBUF_INIT,
                     out = FL_STRBUF_INIT;
    char pre[32], ctl[48];
    int rc, i;

    if (n > FL_CLUSTER_MAX_NODES)
        return fl_err_set(err, FL_EUSAGE, "--nodes %d: at most %d", n,
                          FL_CLUSTER_MAX_NODES);
    if (!name_ok(bridge, 10) || !name_ok(prefix, 20) ||
        (*nsp && !name_ok(nsp, 20)))
        return fl_err_set(err, FL_EUSAGE,
                          "bridge (<= 10 chars), node and namespace prefixes "
                          "must be made of [A-Za-z0-9_-]");
    rc = subnet_prefix(subnet, pre, sizeof(pre), err);
    if (rc != 0)
        return rc;
    snprintf(ctl, sizeof(ctl), "%s.1", pre);
    if (link_exists(bridge))
        return fl_err_set(err, -EEXIST,
                          "interface %s exists but is not ours (no state "
                          "in %s); choose another --bridge",
                          bridge, dir);
    rc = sys_runv((const char *const[]){"ip", "route", "show", "exact", subnet,
                                        "table", "main", NULL},
                  &out, err);
    if (rc == 0 && out.len > 0)
        rc = fl_err_set(err, -EEXIST,
                        "a route for %s already exists; choose another "
                        "--subnet",
                        subnet);
    for (i = 1; rc == 0 && i <= n; i++) {
        char *ns = fl_xasprintf("%s%s%d", nsp, prefix, i);
        if (netns_exists(ns))
            rc = fl_err_set(err, -EEXIST,
                            "namespace %s exists but is not "
                            "ours",
                            ns);
        free(ns);
    }
    if (rc != 0)
        goto out;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        rc = fl_err_set(err, -errno, "mkdir %s: %s", dir, strerror(errno));
        goto out;
    }
    rc = state_appendf(dir, err,
                       "config nodes=%d subnet=%s bridge=%s prefix=%s "
                       "netns_prefix=%s control=%s",
                       n, subnet, bridge, prefix, nsp, ctl);
    /* The blackhole first: from now on no node packet can leave. */
    if (rc == 0)
        rc = state_appendf(dir, err, "route %s", subnet);
    if (rc == 0)
        rc = SYS(err, "ip", "route", "add", "blackhole", subnet, "metric",
                 ROUTE_METRIC);
    if (rc == 0)
        rc = state_appendf(dir, err, "bridge %s", bridge);
    if (rc == 0)
        rc = SYS(err, "ip", "link", "add", bridge, "type", "bridge");
    if (rc == 0) {
        char *a = fl_xasprintf("%s/24", ctl);
        rc = SYS(err, "ip", "addr", "add", a, "dev", bridge);
        free(a);
    }
    if (rc == 0)
        rc = SYS(err, "ip", "link", "set", bridge, "up");
    if (rc != 0)
        goto out;

    fl_strbuf_addf(&hosts, "127.0.0.1 localhost\n%s control\n", ctl);
    fl_strbuf_addf(&block, HOSTS_BEGIN "%s\n", dir);
    for (i = 1; i <= n; i++) {
        fl_strbuf_addf(&hosts, "%s.%d %s%d\n", pre, 10 + i, prefix, i);
        fl_strbuf_addf(&block, "%s.%d %s%d\n", pre, 10 + i, prefix, i);
    }
    fl_strbuf_addf(&block, HOSTS_END "%s\n", dir);

    for (i = 1; rc == 0 && i <= n; i++) {
        char *node = fl_xasprintf("%s%d", prefix, i);
        char *ns = fl_xasprintf("%s%s", nsp, node);
        char *veth = fl_xasprintf("%sv%d", bridge, i);
        char *addr = fl_xasprintf("%s.%d/24", pre, 10 + i);
        char *etc = fl_xasprintf("/etc/netns/%s", ns);
        char *hp = fl_xasprintf("%s/hosts", etc);
        char *hn = fl_xasprintf("%s/hostname", etc);
        char *hnv = fl_xasprintf("%s\n", node);

        rc = state_appendf(dir, err, "netns %s", ns);
        if (rc == 0)
            rc = SYS(err, "ip", "netns", "add", ns);
        if (rc == 0)
            rc = state_appendf(dir, err, "veth %s", veth);
        if (rc == 0)
            rc = SYS(err, "ip", "link", "add", veth, "type", "veth", "peer",
                     "name", "eth0", "netns", ns);
        if (rc == 0)
            rc = SYS(err, "ip", "link", "set", veth, "master", bridge, "up");
        if (rc == 0)
            rc = SYS(err, "ip", "-n", ns, "addr", "add", addr, "dev", "eth0");
        if (rc == 0)
            rc = SYS(err, "ip", "-n", ns, "link", "set", "eth0", "up");
        if (rc == 0)
            rc = SYS(err, "ip", "-n", ns, "link", "set", "lo", "up");
        if (rc == 0)
            rc = state_appendf(dir, err, "etc %s", etc);
        if (rc == 0 && access("/etc/netns", F_OK) != 0) {
            /* Ours to remove again (when empty) on down. */
            rc = state_append(dir, "dir /etc/netns", err);
            if (rc == 0 && mkdir("/etc/netns", 0755) != 0 && errno != EEXIST)
                rc = fl_err_set(err, -errno, "mkdir /etc/netns: %s",
                                strerror(errno));
        }
        if (rc == 0 && mkdir(etc, 0755) != 0 && errno != EEXIST)
            rc = fl_err_set(err, -errno, "mkdir %s: %s", etc, strerror(errno));
        if (rc == 0)
            rc = write_file(hp, hosts.buf, err);
        if (rc == 0)
            rc = write_file(hn, hnv, err);
        if (rc == 0)
            rc = state_appendf(dir, err, "node %s %s.%d", node, pre, 10 + i);
        free(node);
        free(ns);
        free(veth);
        free(addr);
        free(etc);
        free(hp);
        free(hn);
        free(hnv);
    }
    if (rc == 0)
        rc = state_append(dir, "hosts /etc/hosts", err);
    if (rc == 0)
        rc = fl_control__hosts_rewrite("/etc/hosts", dir, block.buf, err);
    if (rc == 0)
        rc = state_append(dir, "ready", err);
out:
    fl_strbuf_release(&hosts);
    fl_strbuf_release(&block);
    fl_strbuf_release(&out);
    return rc;
}

int
fl_cluster_up(const struct fl_cluster_opts *opts, struct fl_cluster *c,
              struct fl_err *err)
{
    static const struct fl_cluster_opts none;
    const char *dir;
    char *path;
    int rc;

    if (!opts)
        opts = &none;
    dir = state_dir_or_default(opts->state_dir);
    memset(c, 0, sizeof(*c));
    if (!fl_cluster_supported(err))
        return err ? err->code : -EPERM;
    path = fl_xasprintf("%s/" STATE_FILE, dir);
    if (access(path, F_OK) == 0) {
        free(path);
        rc = fl_cluster_load(dir, c, err);
        if (rc != 0)
            return rc;
        if ((opts->nodes > 0 && (size_t)opts->nodes != c->n) ||
            (opts->subnet && strcmp(opts->subnet, c->subnet) != 0)) {
            rc = fl_err_set(err, -EEXIST,
                            "a different local cluster (%zu nodes, %s) is "
                            "up; run `faultline cluster down` first",
                            c->n, c->subnet);
            fl_cluster_release(c);
        }
        return rc;
    }
    free(path);
    rc = cluster_create(opts, dir, err);
    if (rc != 0) {
        struct fl_err e2 = FL_ERR_INIT;
        fl_cluster_down(dir, &e2);
        return rc;
    }
    return fl_cluster_load(dir, c, err);
}

/* --- status --------------------------------------------------------- */

int
fl_cluster_status(const char *state_dir, struct fl_strbuf *out,
                  struct fl_err *err)
{
    struct fl_cluster c;
    int rc = fl_cluster_load(state_dir, &c, err);

    if (rc != 0)
        return rc;
    fl_strbuf_addf(out,
                   "cluster: %zu nodes, subnet %s, bridge %s (%s), "
                   "control %s, state %s\n",
                   c.n, c.subnet, c.bridge,
                   link_exists(c.bridge) ? "up" : "MISSING", c.control_addr,
                   c.state_dir);
    for (size_t i = 0; i < c.n; i++) {
        char *ns = fl_xasprintf("%s%s", c.netns_prefix, c.nodes[i]);
        bool ok = netns_exists(ns);

        fl_strbuf_addf(out, "%-6s %-15s netns %-10s %s", c.nodes[i], c.addrs[i],
                       ns, ok ? "up" : "MISSING");
        if (ok)
            fl_strbuf_addf(out, ", %d processes", kill_netns_procs(ns, false));
        fl_strbuf_addch(out, '\n');
        free(ns);
    }
    fl_cluster_release(&c);
    return 0;
}
