/* SPDX-License-Identifier: MIT */
/*
 * timeshim.c: the paths of the time shim and of a node's clock file.
 */
#include "util/common.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control/cluster.h"
#include "control/timeshim.h"
#include "util/err.h"
#include "util/strbuf.h"

char *
fl_time_shim_clock_file(const char *state_dir, const char *node)
{
    return fl_xasprintf("%s/clock/%s",
                        state_dir ? state_dir : FL_CLUSTER_DEFAULT_STATE_DIR,
                        node);
}

char *
fl_time_shim_clock_dir(const char *state_dir)
{
    char *dir;

    if (!state_dir)
        state_dir = FL_CLUSTER_DEFAULT_STATE_DIR;
    mkdir(state_dir, 0700);
    chmod(state_dir, 0711);
    dir = fl_xasprintf("%s/clock", state_dir);
    mkdir(dir, 0755);
    return dir;
}

/* "no time shim at SO" into err, with why; always FL_EUSAGE. */
static int
no_shim(struct fl_err *err, const char *so, int e)
{
    return fl_err_set(err, FL_EUSAGE,
                      "no time shim at %s: %s (build it, or set "
                      "FAULTLINE_TIME_SO)",
                      so, strerror(e));
}

/* A copy of so that user can read, <clock dir>/<node>-libfaultline-time.so
 * (0644). */
static char *
copy_for_user(const char *so, const char *state_dir, const char *node,
              struct fl_err *err)
{
    char *dir = fl_time_shim_clock_dir(state_dir);
    char *copy = fl_xasprintf("%s/%s-libfaultline-time.so", dir, node);
    struct fl_strbuf sb = FL_STRBUF_INIT;
    int rc = fl_strbuf_read_file(&sb, so);

    if (rc < 0)
        rc = no_shim(err, so, -rc);
    if (rc == 0)
        rc = fl_strbuf_write_file(&sb, copy, err);
    if (rc == 0 && chmod(copy, 0644) != 0)
        rc = fl_err_set(err, -errno, "chmod %s: %s", copy, strerror(errno));
    fl_strbuf_release(&sb);
    free(dir);
    if (rc != 0) {
        free(copy);
        return NULL;
    }
    return copy;
}

char *
fl_time_shim_for(const char *state_dir, const char *node, const char *user,
                 struct fl_err *err)
{
    char *so = fl_time_shim_path(), *out = NULL;

    if (user && strcmp(user, "root") != 0)
        out = copy_for_user(so, state_dir, node, err);
    else if (access(so, R_OK) == 0)
        out = fl_xstrdup(so);
    else
        no_shim(err, so, errno);
    free(so);
    return out;
}

/* $env, else build/lib/NAME next to the running program, else
 * PREFIX/lib/faultline/NAME. */
static char *
shim_path(const char *env, const char *name)
{
    const char *e = getenv(env);
    char exe[4096];
    ssize_t n;

    if (e && *e)
        return fl_xstrdup(e);
    n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n > 0) {
        char *slash;
        exe[n] = '\0';
        slash = strrchr(exe, '/');
        if (slash) {
            /* The build tree keeps it in build/lib/, an installed
             * faultline in PREFIX/lib/faultline/ (make install). */
            char *build, *installed;
            *slash = '\0';
            build = fl_xasprintf("%s/lib/%s", exe, name);
            installed = fl_xasprintf("%s/../lib/faultline/%s", exe, name);
            if (access(build, R_OK) != 0 && access(installed, R_OK) == 0) {
                free(build);
                return installed;
            }
            free(installed);
            return build;
        }
    }
    return fl_xstrdup(name);
}

char *
fl_time_shim_path(void)
{
    return shim_path("FAULTLINE_TIME_SO", "libfaultline-time.so");
}

char *
fl_vtime_shim_path(void)
{
    return shim_path("FAULTLINE_VTIME_SO", "libfaultline-vtime.so");
}
