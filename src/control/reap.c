/* SPDX-License-Identifier: MIT */
/*
 * reap.c: the daemon reaper (reap.h). Registered daemons are pidfds in a
 * small table under reap_mu; one detached thread polls them (and wakes
 * every 100 ms to pick up new ones) and reaps each with waitid(P_PIDFD)
 * once it exits. The thread lives as long as the process; it holds no lock
 * while it polls.
 */
#include "util/common.h"

#include "control/reap.h"

#include <poll.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/err.h"
#include "util/xalloc.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

#define REAP_POLL_MS 100
/*
 * How long an exited process that is not (yet) our child is kept: a
 * daemon's child that dies before the daemon is the daemon's zombie until
 * the daemon is gone too, and only then ours.
 */
#define REAP_ADOPT_MS 5000

struct reap_entry {
    int fd;            /* pidfd */
    int64_t exited_ms; /* when it was seen exited, not ours; 0: running */
};

static pthread_mutex_t reap_mu = PTHREAD_MUTEX_INITIALIZER;
static struct reap_entry *reap_v; /* registered processes; under reap_mu */
static size_t reap_n;             /* under reap_mu */
static size_t reap_alloc;         /* under reap_mu */
static bool reap_started;         /* the thread runs; under reap_mu */
static int reap_init_rc;          /* fl_reap_init()'s outcome, set once */
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

/*
 * Try to reap entry e (its process has exited): true when done with it,
 * reaped, or not our child for longer than REAP_ADOPT_MS. Under reap_mu.
 */
static bool
reap_try(struct reap_entry *e, int64_t now_ms)
{
    siginfo_t si = {0};
    int r = waitid((idtype_t)P_PIDFD, (id_t)e->fd, &si, WEXITED | WNOHANG);

    if (r == 0 && si.si_pid != 0)
        return true;
    if (r == 0 || errno != ECHILD)
        return false; /* not exited after all, or try again */
    if (e->exited_ms == 0)
        e->exited_ms = now_ms;
    return now_ms - e->exited_ms > REAP_ADOPT_MS;
}

/* One round: poll the running ones, then reap what has exited. */
static void
reap_round(struct pollfd **pf, size_t *alloc)
{
    size_t n = 0;

    pthread_mutex_lock(&reap_mu);
    FL_ALLOC_GROW(*pf, reap_n + 1, *alloc);
    for (size_t i = 0; i < reap_n; i++)
        if (reap_v[i].exited_ms == 0)
            (*pf)[n++] = (struct pollfd){reap_v[i].fd, POLLIN, 0};
    pthread_mutex_unlock(&reap_mu);
    poll(*pf, (nfds_t)n, REAP_POLL_MS);
    pthread_mutex_lock(&reap_mu);
    int64_t now = fl_clock_mono_ms();
    for (size_t i = 0; i < reap_n;) {
        bool ready = reap_v[i].exited_ms != 0;
        for (size_t k = 0; !ready && k < n; k++)
            ready = (*pf)[k].fd == reap_v[i].fd && (*pf)[k].revents;
        if (ready && reap_try(&reap_v[i], now)) {
            close(reap_v[i].fd);
            reap_v[i] = reap_v[--reap_n];
        } else {
            i++;
        }
    }
    pthread_mutex_unlock(&reap_mu);
}

static void *
reap_thread(void *arg)
{
    struct pollfd *pf = NULL;
    size_t alloc = 0;

    FL_UNUSED(arg);
    for (;;)
        reap_round(&pf, &alloc);
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
    FL_ALLOC_GROW(reap_v, reap_n + 1, reap_alloc);
    reap_v[reap_n++] = (struct reap_entry){fd, 0};
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
