/* SPDX-License-Identifier: MIT */
/*
 * test_cluster_hosts.c: the /etc/hosts blocks of the local cluster, on a
 * file of the test's own: a rewrite replaces only its own block, and many
 * processes rewriting the same file at once (clusters of several users of
 * one machine) lose neither each other's blocks nor the lines that were
 * there before (the unlocked read-modify-write once emptied /etc/hosts).
 */
#include "util/common.h"

#include "tests/unit/test.h"

#include <sys/wait.h>
#include <unistd.h>

#include "control/control_int.h"
#include "util/err.h"
#include "util/strbuf.h"

#define WRITERS 6
#define ROUNDS  150

static void
block_of(struct fl_strbuf *sb, int w)
{
    fl_strbuf_reset(sb);
    fl_strbuf_addf(sb,
                   "# faultline cluster begin (removed by faultline cluster "
                   "down): /run/w%d\n10.9.%d.11 w%dn1\n# faultline cluster "
                   "end: /run/w%d\n",
                   w, w, w, w);
}

static void
test_cluster_hosts_concurrent(void)
{
    struct fl_err err = FL_ERR_INIT;
    struct fl_strbuf sb = FL_STRBUF_INIT, dir = FL_STRBUF_INIT;
    char path[64];
    pid_t pids[WRITERS];

    snprintf(path, sizeof(path), "/tmp/fl-hosts-%d", (int)getpid());
    FILE *f = fopen(path, "w");
    ASSERT(f);
    fputs("127.0.0.1 localhost\n::1 localhost\n", f);
    fclose(f);
    /* One rewrite: the block goes in, and out again. */
    block_of(&sb, 99);
    ASSERT_OK(fl_control__hosts_rewrite(path, "/run/w99", sb.buf, &err));
    ASSERT_OK(fl_control__hosts_rewrite(path, "/run/w99", NULL, &err));
    fl_strbuf_reset(&sb);
    ASSERT_OK(fl_strbuf_read_file(&sb, path));
    ASSERT_STR_EQ(sb.buf, "127.0.0.1 localhost\n::1 localhost\n");

    for (int w = 0; w < WRITERS; w++) {
        pids[w] = fork();
        ASSERT(pids[w] >= 0);
        if (pids[w] > 0)
            continue;
        fl_strbuf_reset(&dir);
        fl_strbuf_addf(&dir, "/run/w%d", w);
        for (int r = 0; r < ROUNDS; r++) {
            block_of(&sb, w);
            /* up, down, ..., ending up */
            if (fl_control__hosts_rewrite(path, dir.buf,
                                          r % 2 == 0 ? sb.buf : NULL, &err))
                _exit(2);
        }
        block_of(&sb, w);
        _exit(fl_control__hosts_rewrite(path, dir.buf, sb.buf, &err) ? 2 : 0);
    }
    for (int w = 0; w < WRITERS; w++) {
        int st;
        ASSERT(waitpid(pids[w], &st, 0) == pids[w]);
        ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    fl_strbuf_reset(&sb);
    ASSERT_OK(fl_strbuf_read_file(&sb, path));
    ASSERT(strncmp(sb.buf, "127.0.0.1 localhost\n::1 localhost\n", 34) == 0);
    for (int w = 0; w < WRITERS; w++) {
        fl_strbuf_reset(&dir);
        fl_strbuf_addf(&dir, "w%dn1\n", w);
        if (!strstr(sb.buf, dir.buf))
            fl_test_fail(__FILE__, __LINE__, "block of writer %d lost:\n%s", w,
                         sb.buf);
    }
    unlink(path);
    fl_strbuf_release(&sb);
    fl_strbuf_release(&dir);
}

static const struct fl_test_case cluster_hosts_tests[] = {
    FL_TEST(test_cluster_hosts_concurrent),
    FL_TEST_END,
};

FL_TEST_SUITE(cluster_hosts, cluster_hosts_tests);
