/* SPDX-License-Identifier: MIT */
/*
 * proc.c: run one child process with stdin fed from memory, stdout and
 * stderr captured up to a cap, and a deadline after which its whole process
 * group is killed. The child gets its own process group so the kill reaches
 * the shell's children too. stdin is a socketpair, not a pipe, so writing to
 * a child that stopped reading gives EPIPE instead of SIGPIPE (the library
 * must not touch the process's signal dispositions).
 */
#include "util/common.h"

#include "control/proc.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "control/control_int.h"
#include "util/err.h"

static int64_t
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read what is available from fd into sb, keeping at most cap bytes. */
static int
drain(int fd, struct fl_strbuf *sb, size_t cap, bool *truncated)
{
    char buf[16384];
    ssize_t n = read(fd, buf, sizeof(buf));

    if (n < 0)
        return (errno == EAGAIN || errno == EINTR) ? 1 : 0;
    if (n == 0)
        return 0;
    if (sb->len < cap) {
        size_t take = FL_MIN((size_t)n, cap - sb->len);
        fl_strbuf_add(sb, buf, take);
        if (take < (size_t)n)
            *truncated = true;
    } else {
        *truncated = true;
    }
    return 1;
}

static void
child_exec(const char *const *argv, int in_fd, int out_fd, int err_fd,
           int (*child_setup)(void *), void *arg)
{
    static const char msg[] = "faultline: could not start command\n";

    setpgid(0, 0);
    if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0)
        _exit(127);
    signal(SIGPIPE, SIG_DFL);
    if (child_setup && child_setup(arg) != 0) {
        ssize_t w = write(2, msg, sizeof(msg) - 1);
        (void)w;
        _exit(127);
    }
    /* Only after setup, which may use fds the parent opened for it. */
    syscall(SYS_close_range, 3U, ~0U, 0U);
    execvp(argv[0], (char *const *)argv);
    {
        ssize_t w = write(2, msg, sizeof(msg) - 1);
        (void)w;
    }
    _exit(127);
}

int
fl_control__run(const char *const *argv, int (*child_setup)(void *arg),
                void *arg, const struct fl_cmd *c, struct fl_cmd_result *res,
                struct fl_err *err)
{
    int in_sp[2] = {-1, -1}, out_p[2] = {-1, -1}, err_p[2] = {-1, -1};
    int pidfd = -1, rc = 0, status = 0;
    pid_t pid = -1;
    size_t in_off = 0, cap = c->max_output;
    int64_t deadline = c->timeout_ms > 0 ? now_ms() + c->timeout_ms : -1;
    int64_t grace_deadline = -1;
    bool out_open = true, err_open = true, exited = false;

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in_sp) < 0 ||
        pipe2(out_p, O_CLOEXEC) < 0 || pipe2(err_p, O_CLOEXEC) < 0) {
        rc = fl_err_set(err, -errno, "pipe: %s", strerror(errno));
        goto out;
    }
    pid = fork();
    if (pid < 0) {
        rc = fl_err_set(err, -errno, "fork: %s", strerror(errno));
        goto out;
    }
    if (pid == 0)
        child_exec(argv, in_sp[1], out_p[1], err_p[1], child_setup, arg);
    setpgid(pid, pid); /* also in the child; whichever runs first */
    close(in_sp[1]);
    close(out_p[1]);
    close(err_p[1]);
    in_sp[1] = out_p[1] = err_p[1] = -1;
    if (!c->in || c->in_len == 0) {
        close(in_sp[0]);
        in_sp[0] = -1;
    } else {
        fcntl(in_sp[0], F_SETFL, O_NONBLOCK);
    }
    fcntl(out_p[0], F_SETFL, O_NONBLOCK);
    fcntl(err_p[0], F_SETFL, O_NONBLOCK);
    pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

    while (!exited || out_open || err_open) {
        struct pollfd pf[4];
        int np = 0, i_in = -1, i_out = -1, i_err = -1, i_pid = -1;
        int64_t now = now_ms(), wait = 1000;

        if (deadline >= 0 && now >= deadline && !exited) {
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            res->timed_out = true;
            waitpid(pid, &status, 0);
            pid = -1;
            rc = fl_err_set(err, FL_ELIMIT,
                            "command timed out after %" PRId64 " ms",
                            c->timeout_ms);
            goto out;
        }
        if (exited) {
            if (grace_deadline < 0)
                grace_deadline = now + 100;
            if (now >= grace_deadline)
                break;
            wait = grace_deadline - now;
        } else if (deadline >= 0) {
            wait = FL_MIN(wait, deadline - now);
        }
        if (in_sp[0] >= 0) {
            pf[np] = (struct pollfd){in_sp[0], POLLOUT, 0};
            i_in = np++;
        }
        if (out_open) {
            pf[np] = (struct pollfd){out_p[0], POLLIN, 0};
            i_out = np++;
        }
        if (err_open) {
            pf[np] = (struct pollfd){err_p[0], POLLIN, 0};
            i_err = np++;
        }
        if (!exited && pidfd >= 0) {
            pf[np] = (struct pollfd){pidfd, POLLIN, 0};
            i_pid = np++;
        } else if (!exited) {
            wait = FL_MIN(wait, 10);
        }
        if (poll(pf, (nfds_t)np, (int)FL_MAX(wait, 0)) < 0 && errno != EINTR) {
            rc = fl_err_set(err, -errno, "poll: %s", strerror(errno));
            goto out;
        }
        if (i_in >= 0 && pf[i_in].revents) {
            ssize_t w = send(in_sp[0], (const char *)c->in + in_off,
                             c->in_len - in_off, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (w > 0)
                in_off += (size_t)w;
            if ((w < 0 && errno != EAGAIN && errno != EINTR) ||
                in_off >= c->in_len) {
                close(in_sp[0]);
                in_sp[0] = -1;
            }
        }
        if (i_out >= 0 && pf[i_out].revents)
            out_open = drain(out_p[0], &res->out, cap, &res->out_truncated);
        if (i_err >= 0 && pf[i_err].revents)
            err_open = drain(err_p[0], &res->err, cap, &res->err_truncated);
        if (!exited && (i_pid < 0 || pf[i_pid].revents)) {
            pid_t w = waitpid(pid, &status, WNOHANG);
            if (w == pid) {
                exited = true;
                pid = -1;
            }
        }
    }
    if (!exited) {
        waitpid(pid, &status, 0);
        pid = -1;
    }
    if (WIFEXITED(status))
        res->exit_code = WEXITSTATUS(status);
    else if (WIFSIGNALED(status))
        res->exit_code = 128 + WTERMSIG(status);
out:
    if (pid > 0) {
        kill(-pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    if (pidfd >= 0)
        close(pidfd);
    for (int i = 0; i < 2; i++) {
        if (in_sp[i] >= 0)
            close(in_sp[i]);
        if (out_p[i] >= 0)
            close(out_p[i]);
        if (err_p[i] >= 0)
            close(err_p[i]);
    }
    return rc;
}

/*
 * posix_spawn, not fork: the run process may be large and threaded, and
 * clients are restarted after every :info; glibc's posix_spawn uses
 * clone(CLONE_VM | CLONE_VFORK), so no page tables are copied.
 */
pid_t
fl_proc_spawn(const char *const *argv, int in_fd, int out_fd, int err_fd,
              struct fl_err *err)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    sigset_t none, dflt;
    pid_t pid = -1;

    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in_fd, 0);
    posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
    posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);
    posix_spawnattr_init(&at);
    sigemptyset(&none);
    sigemptyset(&dflt);
    sigaddset(&dflt, SIGPIPE);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &dflt);
    posix_spawnattr_setpgroup(&at, 0);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP |
                                      POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF);
    int e = posix_spawnp(&pid, argv[0], &fa, &at, (char *const *)argv, environ);
    posix_spawnattr_destroy(&at);
    posix_spawn_file_actions_destroy(&fa);
    if (e != 0)
        return fl_err_set(err, -e, "spawn %s: %s", argv[0], strerror(e));
    return pid;
}

int
fl_proc_kill(pid_t pid)
{
    int status = 0;

    if (pid <= 0)
        return -1;
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return status;
}
