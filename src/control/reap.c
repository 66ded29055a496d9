/* SPDX-License-Identifier: MIT */
/*
 * reap.c: the daemon reaper (reap.h). Registered daemons are pidfds in a
 * small table under mu; one detached thread polls them (and wakes every
 * 100 ms to pick up new ones) and reaps each with waitid(P_PIDFD) once it
 * exits. The thread lives as long as the process; it holds no lock while
 * it polls.
 */
#include "util/common.h"

#include "control/reap.h"

#include <poll.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/err.h"
#include "util/xalloc.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

#define REAP_POLL_MS 100

static pthread_mutex_t reap_mu = PTHREAD_MUTEX_INITIALIZER;
static int *reap_fds;     /* pidfds of registered daemons; under reap_mu */
static size_t reap_n;     /* under reap_mu */
static size_t reap_alloc; /* under reap_mu */
static bool reap_started; /* the thread runs; under reap_mu */
static int reap_init_rc;  /* fl_reap_init()'s outcome, set once */
static int reap_init_errno;

static pthread_once_t reap_once = PTHREAD_ONCE_INIT;

static void
reap_init_once(void)
{
    if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) {
        reap_init_rc = -1;
        reap_init_errno = errno;
    }
}

int
fl_reap_init(struct fl_err *err)
{
    pthread_once(&reap_once, reap_init_once);
    if (reap_init_rc != 0)
        return fl_err_set(err, -reap_init_errno,
                          "prctl(PR_SET_CHILD_SUBREAPER): %s",
                          strerror(reap_init_errno));
    return 0;
}

/* Reap (or drop: not our child) every exited daemon among fds. */
static void
reap_exited(const struct pollfd *pf, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        siginfo_t si = {0};
        if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        int r =
            waitid((idtype_t)P_PIDFD, (id_t)pf[i].fd, &si, WEXITED | WNOHANG);
        if (r == 0 && si.si_pid == 0)
            continue; /* not exited after all */
        if (r != 0 && errno != ECHILD)
            continue;
        /* reaped, or exited as another process's child: done with it */
        pthread_mutex_lock(&reap_mu);
        for (size_t k = 0; k < reap_n; k++) {
            if (reap_fds[k] == pf[i].fd) {
                reap_fds[k] = reap_fds[--reap_n];
                break;
            }
        }
        pthread_mutex_unlock(&reap_mu);
        close(pf[i].fd);
    }
}

static void *
reap_thread(void *arg)
{
    struct pollfd *pf = NULL;
    size_t alloc = 0;

    FL_UNUSED(arg);
    for (;;) {
        size_t n;
        pthread_mutex_lock(&reap_mu);
        n = reap_n;
        FL_ALLOC_GROW(pf, n + 1, alloc);
        for (size_t i = 0; i < n; i++)
            pf[i] = (struct pollfd){reap_fds[i], POLLIN, 0};
        pthread_mutex_unlock(&reap_mu);
        if (poll(pf, (nfds_t)n, REAP_POLL_MS) > 0)
            reap_exited(pf, n);
    }
    return NULL;
}

int
fl_reap_daemon(pid_t pid, struct fl_err *err)
{
    pthread_t t;
    pthread_attr_t at;
    int fd, rc = 0;

    fd = (int)syscall(SYS_pidfd_open, pid, 0); /* close-on-exec */
    if (fd < 0)
        return fl_err_set(err, -errno, "pidfd_open %ld: %s", (long)pid,
                          strerror(errno));
    pthread_mutex_lock(&reap_mu);
    FL_ALLOC_GROW(reap_fds, reap_n + 1, reap_alloc);
    reap_fds[reap_n++] = fd;
    if (!reap_started) {
        pthread_attr_init(&at);
        pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&t, &at, reap_thread, NULL) == 0)
            reap_started = true;
        else
            rc = fl_err_set(err, -EAGAIN, "reaper thread: cannot start");
        pthread_attr_destroy(&at);
    }
    pthread_mutex_unlock(&reap_mu);
    return rc;
}

size_t
fl_reap_pending(void)
{
    size_t n;

    pthread_mutex_lock(&reap_mu);
    n = reap_n;
    pthread_mutex_unlock(&reap_mu);
    return n;
}
