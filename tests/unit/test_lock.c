/* SPDX-License-Identifier: MIT */
/*
 * test_lock.c: node and cluster locks (control/lock.h) across processes: a
 * lock held by a child refuses the parent at once, naming the child's pid;
 * node sets exclude each other when they share one node; a SIGKILLed
 * holder releases; a program the holder execs does not hold it; locks
 * nest within one process.
 */
#include "util/common.h"

#include "tests/unit/test.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "control/lock.h"
#include "util/err.h"

/* Fork a child that takes the node lock on a,b (or the cluster lock on
 * dir when dir is set), reports on a pipe, then execs sleep when do_exec
 * (the lock must die with the exec) or waits. */
static pid_t
holder(const char *dir, char *const *nodes, size_t n, bool do_exec)
{
    int p[2];
    char c = 0;
    pid_t pid;

    ASSERT(pipe(p) == 0);
    pid = fork();
    ASSERT(pid >= 0);
    if (pid == 0) {
        struct fl_lock *l =
            dir ? fl_lock_cluster(dir, NULL) : fl_lock_nodes(nodes, n, NULL);
        c = l ? 'y' : 'n';
        if (write(p[1], &c, 1) != 1)
            _exit(1);
        if (do_exec)
            execlp("sleep", "sleep", "30", (char *)NULL);
        pause();
        _exit(0);
    }
    close(p[1]);
    ASSERT(read(p[0], &c, 1) == 1);
    close(p[0]);
    ASSERT_EQ(c, 'y');
    for (int i = 0; do_exec && i < 200; i++) {
        char path[64], comm[32] = "";
        FILE *f;
        snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
        f = fopen(path, "r");
        if (f && fgets(comm, sizeof(comm), f) && !strcmp(comm, "sleep\n"))
            i = 200; /* exec done */
        if (f)
            fclose(f);
        usleep(10000);
    }
    return pid;
}

static void
reap(pid_t pid)
{
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

static void
test_lock_nodes_overlap(void)
{
    char a[64], b[64], c[64];
    char *ab[] = {a, b}, *bc[] = {b, c}, *conly[] = {c};
    struct fl_err err = FL_ERR_INIT;
    struct fl_lock *l;
    char want[160];
    pid_t pid;

    snprintf(a, sizeof(a), "lk%d-a", (int)getpid());
    snprintf(b, sizeof(b), "lk%d-b.example", (int)getpid());
    snprintf(c, sizeof(c), "lk%d-c", (int)getpid());
    pid = holder(NULL, ab, 2, false);
    l = fl_lock_nodes(bc, 2, &err);
    ASSERT(l == NULL);
    ASSERT_EQ(err.code, -EBUSY);
    snprintf(want, sizeof(want), "node %s is in use by pid %d (", b, (int)pid);
    ASSERT(strstr(err.msg, want) != NULL);
    /* All or none: c was not kept locked by the failed attempt. */
    l = fl_lock_nodes(conly, 1, &err);
    ASSERT(l != NULL);
    fl_lock_free(l);
    /* A SIGKILLed holder releases everything at once. */
    reap(pid);
    l = fl_lock_nodes(bc, 2, &err);
    ASSERT(l != NULL);
    fl_lock_free(l);
    for (int i = 0; i < 3; i++) {
        char *path = fl_lock_node_path((char *[]){a, b, c}[i]);
        unlink(path);
        free(path);
    }
}

static void
test_lock_cluster_exec_and_nesting(void)
{
    char dir[] = "/tmp/fl-lock-XXXXXX";
    struct fl_err err = FL_ERR_INIT;
    struct fl_lock *l1, *l2, *l3;
    pid_t pid;
    char path[64];

    ASSERT(mkdtemp(dir) != NULL);
    /* The holder execs sleep: the lock goes with the exec (O_CLOEXEC). */
    pid = holder(dir, NULL, 0, true);
    l1 = fl_lock_cluster(dir, &err);
    ASSERT(l1 != NULL);
    /* Nested in one process: counted, not refused, however spelt. */
    snprintf(path, sizeof(path), "%s/", dir);
    l2 = fl_lock_cluster(path, &err);
    ASSERT(l2 != NULL);
    fl_lock_free(l2);
    reap(pid);
    pid = fork();
    ASSERT(pid >= 0);
    if (pid == 0)
        _exit(fl_lock_cluster(dir, NULL) == NULL ? 0 : 1);
    {
        int st = 0;
        ASSERT(waitpid(pid, &st, 0) == pid);
        ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0); /* l1 still holds */
    }
    fl_lock_free(l1);
    l3 = fl_lock_cluster(dir, &err);
    ASSERT(l3 != NULL);
    fl_lock_free(l3);
    ASSERT(fl_lock_cluster("/tmp/x\ny", &err) == NULL);
    ASSERT_EQ(err.code, FL_EUSAGE);
    snprintf(path, sizeof(path), "%s/lock", dir);
    unlink(path);
    rmdir(dir);
}

static const struct fl_test_case lock_tests[] = {
    FL_TEST(test_lock_nodes_overlap),
    FL_TEST(test_lock_cluster_exec_and_nesting),
    FL_TEST_END,
};

FL_TEST_SUITE(lock, lock_tests);
