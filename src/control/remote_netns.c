/* SPDX-License-Identifier: MIT */
/*
 * remote_netns.c: the backend for nodes of the local cluster. A command for
 * node nX runs with sh -c inside network namespace <prefix>nX, entered the
 * way `ip netns exec` enters it (a private mount namespace with
 * every file of /etc/netns/<ns> bind-mounted over /etc and a fresh /sys), plus
 * its own UTS namespace whose hostname is the node's name. Everything is
 * prepared before fork; the child only makes syscalls. Files are moved with
 * cat.
 */
#include "util/common.h"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include "control/control_int.h"
#include "util/err.h"

int
fl_netns_enter_init(struct fl_netns_enter *e, const char *ns,
                    const char *hostname, struct fl_err *err)
{
    char *path = fl_xasprintf("/run/netns/%s", ns);
    char *etc = fl_xasprintf("/etc/netns/%s", ns);
    DIR *d;
    struct dirent *de;
    size_t alloc = 0;

    memset(e, 0, sizeof(*e));
    e->hostname = hostname;
    e->ns_name = ns;
    e->netns_fd = open(path, O_RDONLY | O_CLOEXEC);
    if (e->netns_fd < 0) {
        int rc = fl_err_set(err, -errno, "network namespace %s: %s", ns,
                            strerror(errno));
        free(path);
        free(etc);
        return rc;
    }
    d = opendir(etc);
    while (d && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        FL_ALLOC_GROW(e->bind_src, e->n_binds + 1, alloc);
        e->bind_dst = fl_xrealloc(e->bind_dst, alloc * sizeof(char *));
        e->bind_src[e->n_binds] = fl_xasprintf("%s/%s", etc, de->d_name);
        e->bind_dst[e->n_binds] = fl_xasprintf("/etc/%s", de->d_name);
        e->n_binds++;
    }
    if (d)
        closedir(d);
    free(path);
    free(etc);
    return 0;
}

void
fl_netns_enter_release(struct fl_netns_enter *e)
{
    if (e->netns_fd >= 0)
        close(e->netns_fd);
    for (size_t i = 0; i < e->n_binds; i++) {
        free(e->bind_src[i]);
        free(e->bind_dst[i]);
    }
    free(e->bind_src);
    free(e->bind_dst);
    memset(e, 0, sizeof(*e));
    e->netns_fd = -1;
}

/* Report which step failed; only write(2), as we are between fork and exec. */
static int
child_fail(const char *what)
{
    const char *e = strerror(errno); /* reads a static table on glibc */
    ssize_t w;

    w = write(2, "faultline: enter node: ", 23);
    w = write(2, what, strlen(what));
    w = write(2, ": ", 2);
    w = write(2, e, strlen(e));
    w = write(2, "\n", 1);
    (void)w;
    return -1;
}

int
fl_netns_enter_child(void *arg)
{
    struct fl_netns_enter *e = arg;

    if (setns(e->netns_fd, CLONE_NEWNET) != 0)
        return child_fail("setns");
    if (unshare(CLONE_NEWNS | CLONE_NEWUTS) != 0)
        return child_fail("unshare");
    if (mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) != 0)
        return child_fail("mount --make-rslave /");
    /* A /sys that shows this namespace's interfaces, as ip netns exec. */
    if (umount2("/sys", MNT_DETACH) == 0)
        mount(e->ns_name, "/sys", "sysfs", 0, NULL);
    for (size_t i = 0; i < e->n_binds; i++)
        if (mount(e->bind_src[i], e->bind_dst[i], NULL, MS_BIND, NULL) != 0)
            return child_fail(e->bind_dst[i]);
    if (e->hostname && sethostname(e->hostname, strlen(e->hostname)) != 0)
        return child_fail("sethostname");
    if (chdir("/") != 0)
        return child_fail("chdir /");
    return 0;
}

struct netns_ctx {
    char *ns; /* namespace name: prefix + node */
};

static int
netns_connect(struct fl_remote *r, struct fl_err *err)
{
    struct netns_ctx *x = fl_xcalloc(1, sizeof(*x));
    char *path;
    int rc = 0;

    x->ns = fl_xasprintf("%s%s", r->opts.netns_prefix, r->node);
    path = fl_xasprintf("/run/netns/%s", x->ns);
    if (strchr(r->node, '/') || access(path, F_OK) != 0) {
        rc = fl_err_set(err, -ENOENT,
                        "no network namespace %s (is the local cluster up? "
                        "try `faultline cluster up`)",
                        x->ns);
        free(x->ns);
        free(x);
    } else {
        r->ctx = x;
    }
    free(path);
    return rc;
}

static int
netns_exec(struct fl_remote *r, const struct fl_cmd *c,
           struct fl_cmd_result *res, struct fl_err *err)
{
    struct netns_ctx *x = r->ctx;
    struct fl_netns_enter e;
    const char *argv[] = {"/bin/sh", "-c", c->cmd, NULL};
    int rc;

    rc = fl_netns_enter_init(&e, x->ns, r->node, err);
    if (rc != 0)
        return rc;
    rc = fl_control__run(argv, fl_netns_enter_child, &e, c, res, err);
    fl_netns_enter_release(&e);
    return rc;
}

static void
netns_disconnect(struct fl_remote *r)
{
    struct netns_ctx *x = r->ctx;

    if (!x)
        return;
    free(x->ns);
    free(x);
    r->ctx = NULL;
}

const struct fl_remote_type fl_remote_netns_type = {
    .name = "netns",
    .connect = netns_connect,
    .exec = netns_exec,
    .disconnect = netns_disconnect,
};
