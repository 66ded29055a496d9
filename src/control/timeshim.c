/* SPDX-License-Identifier: MIT */
/*
 * timeshim.c: the paths of the time shim and of a node's clock file.
 */
#include "util/common.h"

#include <unistd.h>

#include "control/cluster.h"
#include "control/timeshim.h"

char *
fl_time_shim_clock_file(const char *state_dir, const char *node)
{
    return fl_xasprintf("%s/clock/%s",
                        state_dir ? state_dir : FL_CLUSTER_DEFAULT_STATE_DIR,
                        node);
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
