/* SPDX-License-Identifier: MIT */
/*
 * main.c: the unit test runner. `test-unit [pattern]` runs every test whose
 * "suite/test" name contains pattern, each in a forked child with a timeout
 * (TEST_NOFORK=1 runs them in-process, for gdb). The last line printed is
 * "N passed, N failed".
 */
#include "util/common.h"

#include "tests/unit/test.h"

#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static struct fl_test_suite *suites;

void
fl_test_register(struct fl_test_suite *s)
{
    /* Keep registration order stable: append at the tail. */
    struct fl_test_suite **p = &suites;

    while (*p)
        p = &(*p)->next;
    s->next = NULL;
    *p = s;
}

void
fl_test_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "  %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
    exit(1);
}

uint64_t
fl_test_seed(void)
{
    const char *s = getenv("FL_TEST_SEED");

    return s ? strtoull(s, NULL, 0) : 0x5eed5eedULL;
}

static double
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
run_one(const struct fl_test_case *c, bool nofork)
{
    int status;
    pid_t pid;

    if (nofork) {
        c->fn();
        return 0;
    }
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid < 0) {
        perror("fork");
        return 1;
    }
    if (pid == 0) {
        alarm((unsigned)(c->timeout_s ? c->timeout_s : 60));
        c->fn();
        fflush(stdout);
        _exit(0);
    }
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return 1;
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) {
        fprintf(stderr, "  killed by signal %d%s\n", WTERMSIG(status),
                WTERMSIG(status) == SIGALRM ? " (timeout)" : "");
        return 128 + WTERMSIG(status);
    }
    return 1;
}

int
main(int argc, char **argv)
{
    const char *pattern = argc > 1 ? argv[1] : NULL;
    bool nofork = getenv("TEST_NOFORK") != NULL;
    int passed = 0, failed = 0;
    char name[256];

    setvbuf(stdout, NULL, _IOLBF, 0);
    for (struct fl_test_suite *s = suites; s; s = s->next) {
        for (const struct fl_test_case *c = s->cases; c->name; c++) {
            snprintf(name, sizeof(name), "%s/%s", s->name, c->name);
            if (pattern && !strstr(name, pattern))
                continue;
            double t0 = now_s();
            int rc = run_one(c, nofork);
            double dt = now_s() - t0;
            if (rc == 0) {
                passed++;
                printf("ok   %s (%.2fs)\n", name, dt);
            } else {
                failed++;
                printf("FAIL %s (%.2fs)\n", name, dt);
            }
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
