/* SPDX-License-Identifier: MIT */
/*
 * main.c: the unit test runner. `test-unit [pattern]` runs every test whose
 * "suite/test" name contains pattern, each in a forked child with a timeout
 * (TEST_NOFORK=1 runs them in-process, for gdb). A test passes, fails, or
 * is skipped by FL_SKIP: the child sends the reason through a pipe and exits
 * with SKIP_STATUS. A skip fails where skips are not allowed (FL_NO_SKIP=1,
 * or CI=true unless FL_NO_SKIP says otherwise; tests/lib-runner.sh has the
 * same rule). The last line printed is "N passed, N failed, N skipped".
 */
#include "util/common.h"

#include "tests/unit/test.h"

#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/strbuf.h"

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/lsan_interface.h>
#endif

#define SKIP_STATUS 77

enum result { RES_PASS, RES_FAIL, RES_SKIP };

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

static int skip_fd = -1;      /* child: where fl_test_skip sends its reason */
static jmp_buf *skip_jmp;     /* TEST_NOFORK: where fl_test_skip returns to */
static char skip_reason[512]; /* the reason of the last skip */

void
fl_test_skip(const char *file, int line, const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(skip_reason, sizeof(skip_reason), "%s (%s:%d)", msg, file, line);
    if (skip_jmp)
        longjmp(*skip_jmp, 1);
    if (skip_fd >= 0) {
        ssize_t n = write(skip_fd, skip_reason, strlen(skip_reason));
        (void)n;
    }
    fflush(stdout);
    exit(SKIP_STATUS);
}

/* Why skips are not allowed here, or NULL when they are. */
static const char *
no_skip_reason(void)
{
    const char *no_skip = getenv("FL_NO_SKIP");
    const char *ci = getenv("CI");

    if (no_skip && *no_skip)
        return strcmp(no_skip, "1") == 0 ? "FL_NO_SKIP=1" : NULL;
    return ci && strcmp(ci, "true") == 0 ? "CI=true" : NULL;
}

static bool
is_dir(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The source tree: the working directory, or the parent of the binary's. */
static bool
find_source_tree(struct fl_strbuf *top)
{
    char exe[PATH_MAX];
    ssize_t n;
    bool ok;

    fl_strbuf_reset(top);
    if (access("tests/unit/test.h", F_OK) == 0) {
        fl_strbuf_addstr(top, ".");
        return true;
    }
    n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return false;
    exe[n] = '\0';
    *strrchr(exe, '/') = '\0';
    fl_strbuf_addf(top, "%s/../tests/unit/test.h", exe);
    ok = access(top->buf, F_OK) == 0;
    fl_strbuf_reset(top);
    fl_strbuf_addf(top, "%s/..", exe);
    return ok;
}

const char *
fl_test_corpus(void)
{
    static char abs[PATH_MAX];
    struct fl_strbuf path = FL_STRBUF_INIT;
    const char *env = getenv("FL_CORPUS");

    if (env && *env) {
        if (!is_dir(env))
            fl_test_fail(__FILE__, __LINE__, "FL_CORPUS=%s: no such directory",
                         env);
        return env;
    }
    if (!find_source_tree(&path))
        fl_test_fail(__FILE__, __LINE__,
                     "no corpus: run from the source tree or set FL_CORPUS");
    fl_strbuf_addstr(&path, "/../shared/corpus");
    if (!is_dir(path.buf) || !realpath(path.buf, abs))
        fl_test_fail(__FILE__, __LINE__, "no corpus at %s: set FL_CORPUS",
                     path.buf);
    fl_strbuf_release(&path);
    return abs;
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

static enum result
run_nofork(const struct fl_test_case *c)
{
    jmp_buf jb;

    skip_jmp = &jb;
    if (setjmp(jb)) {
        skip_jmp = NULL;
        return RES_SKIP;
    }
    c->fn();
    skip_jmp = NULL;
    return RES_PASS;
}

static void
run_child(const struct fl_test_case *c, int fd)
{
    skip_fd = fd;
    alarm((unsigned)(c->timeout_s ? c->timeout_s : 60));
    c->fn();
    fflush(stdout);
#ifdef __SANITIZE_ADDRESS__
    /* _exit skips LeakSanitizer's check at exit: what the test leaked is
     * reported here, and fails it (exit 23). */
    __lsan_do_leak_check();
#endif
    _exit(0);
}

/* The result of a child that exited with status: a skip needs its reason. */
static enum result
child_result(int status, int fd)
{
    if (WIFSIGNALED(status)) {
        fprintf(stderr, "  killed by signal %d%s\n", WTERMSIG(status),
                WTERMSIG(status) == SIGALRM ? " (timeout)" : "");
        return RES_FAIL;
    }
    if (!WIFEXITED(status))
        return RES_FAIL;
    if (WEXITSTATUS(status) == 0)
        return RES_PASS;
    if (WEXITSTATUS(status) != SKIP_STATUS)
        return RES_FAIL;
    ssize_t n = read(fd, skip_reason, sizeof(skip_reason) - 1);
    if (n <= 0) {
        fprintf(stderr, "  exited %d without FL_SKIP\n", SKIP_STATUS);
        return RES_FAIL;
    }
    skip_reason[n] = '\0';
    return RES_SKIP;
}

static enum result
run_one(const struct fl_test_case *c, bool nofork)
{
    enum result res = RES_FAIL;
    int fds[2], status;
    pid_t pid;

    skip_reason[0] = '\0';
    if (nofork)
        return run_nofork(c);
    fflush(stdout);
    fflush(stderr);
    /*
     * Close-on-exec and a non-blocking read: a process the test started and
     * left behind must not hold the runner on this pipe.
     */
    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0) {
        perror("pipe2");
        return RES_FAIL;
    }
    pid = fork();
    if (pid < 0) {
        perror("fork");
        goto out;
    }
    if (pid == 0) {
        close(fds[0]);
        run_child(c, fds[1]);
    }
    close(fds[1]);
    fds[1] = -1;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            goto out;
    res = child_result(status, fds[0]);
out:
    close(fds[0]);
    if (fds[1] >= 0)
        close(fds[1]);
    return res;
}

/* Print and count one result; a disallowed skip becomes a failure. */
static void
report(const char *name, double dt, enum result res, int count[3])
{
    const char *why = res == RES_SKIP ? no_skip_reason() : NULL;

    if (why) {
        printf("FAIL %s (%.2fs): skipped (%s), and skips are not allowed "
               "(%s)\n",
               name, dt, skip_reason, why);
        res = RES_FAIL;
    } else if (res == RES_SKIP) {
        printf("skip %s (%.2fs): %s\n", name, dt, skip_reason);
    } else {
        printf("%s %s (%.2fs)\n", res == RES_PASS ? "ok  " : "FAIL", name, dt);
    }
    count[res]++;
}

int
main(int argc, char **argv)
{
    const char *pattern = argc > 1 ? argv[1] : NULL;
    bool nofork = getenv("TEST_NOFORK") != NULL;
    int count[3] = {0, 0, 0};
    char name[256];

    setvbuf(stdout, NULL, _IOLBF, 0);
    for (struct fl_test_suite *s = suites; s; s = s->next) {
        for (const struct fl_test_case *c = s->cases; c->name; c++) {
            snprintf(name, sizeof(name), "%s/%s", s->name, c->name);
            if (pattern && !strstr(name, pattern))
                continue;
            double t0 = now_s();
            enum result res = run_one(c, nofork);
            report(name, now_s() - t0, res, count);
        }
    }
    printf("%d passed, %d failed, %d skipped\n", count[RES_PASS],
           count[RES_FAIL], count[RES_SKIP]);
    return count[RES_FAIL] ? 1 : 0;
}
