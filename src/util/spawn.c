/* SPDX-License-Identifier: MIT */
/*
 * spawn.c: local tools through posix_spawn (spawn.h). posix_spawn uses
 * vfork-like clone on glibc, so starting gnuplot from a run with hundreds
 * of threads and a large heap costs no copy of either.
 */
#include "util/common.h"

#include "util/spawn.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include "util/err.h"

extern char **environ;

static void
file_actions(posix_spawn_file_actions_t *fa, const struct fl_spawn_opts *o)
{
    posix_spawn_file_actions_addopen(fa, 0, "/dev/null", O_RDONLY, 0);
    if (o && o->out_file)
        posix_spawn_file_actions_addopen(fa, 1, o->out_file,
                                         O_WRONLY | O_CREAT | O_TRUNC, 0644);
    else if (o && o->out_fd > 0)
        posix_spawn_file_actions_adddup2(fa, o->out_fd, 1);
    else
        posix_spawn_file_actions_addopen(fa, 1, "/dev/null", O_WRONLY, 0);
    if (o && o->err_to_out)
        posix_spawn_file_actions_adddup2(fa, 1, 2);
    else
        posix_spawn_file_actions_addopen(fa, 2, "/dev/null", O_WRONLY, 0);
    if (o && o->chdir)
        posix_spawn_file_actions_addchdir_np(fa, o->chdir);
}

int
fl_spawn(const char *const *argv, const struct fl_spawn_opts *o, pid_t *pid,
         struct fl_err *err)
{
    posix_spawn_file_actions_t fa;
    int e;

    posix_spawn_file_actions_init(&fa);
    file_actions(&fa, o);
    e = posix_spawnp(pid, argv[0], &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (e != 0)
        return fl_err_set(err, -e, "spawn %s: %s", argv[0], strerror(e));
    return 0;
}

int
fl_spawn_wait(pid_t pid)
{
    int status;

    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -errno;
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

int
fl_spawn_run(const char *const *argv, const struct fl_spawn_opts *o,
             struct fl_err *err)
{
    pid_t pid;
    int rc = fl_spawn(argv, o, &pid, err);

    if (rc < 0)
        return rc;
    rc = fl_spawn_wait(pid);
    if (rc < 0)
        fl_err_set(err, rc, "wait for %s: %s", argv[0], strerror(-rc));
    return rc;
}
