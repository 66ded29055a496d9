/* SPDX-License-Identifier: MIT */
/*
 * test_hosts.c: the hosts file without the resolver (util/hosts.h): lookup
 * with comments, tabs, several names and case; block edits that keep every
 * line they did not write, keep the mode, replace the file by rename and
 * leave it alone when nothing changes; many processes editing one file at
 * once (clusters of several users of one machine) lose neither each
 * other's blocks nor the lines that were there before (an unlocked
 * read-modify-write once emptied /etc/hosts).
 */
#include "util/common.h"

#include "tests/unit/test.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/err.h"
#include "util/hosts.h"
#include "util/strbuf.h"

static void
write_str(const char *path, const char *s)
{
    FILE *f = fopen(path, "w");

    ASSERT(f != NULL);
    ASSERT(fputs(s, f) >= 0);
    ASSERT(fclose(f) == 0);
}

static void
assert_file(const char *path, const char *want)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;

    ASSERT_OK(fl_strbuf_read_file(&sb, path));
    ASSERT_STR_EQ(sb.buf, want);
    fl_strbuf_release(&sb);
}

static void
test_hosts_lookup(void)
{
    char dir[] = "/tmp/fl-hosts-XXXXXX", path[64], addr[64];
    struct fl_err err = FL_ERR_INIT;

    ASSERT(mkdtemp(dir) != NULL);
    snprintf(path, sizeof(path), "%s/hosts", dir);
    write_str(path, "# 10.0.0.9 gone\n"
                    "127.0.0.1\tlocalhost  Alpha # alpha-comment\n"
                    "10.0.0.2 beta\n"
                    "10.0.0.3 beta\n"
                    "::1 six");
    ASSERT_OK(fl_hosts_lookup(path, "alpha", addr, sizeof(addr), &err));
    ASSERT_STR_EQ(addr, "127.0.0.1");
    ASSERT_OK(fl_hosts_lookup(path, "beta", addr, sizeof(addr), &err));
    ASSERT_STR_EQ(addr, "10.0.0.2");
    ASSERT_OK(fl_hosts_lookup(path, "six", addr, sizeof(addr), &err));
    ASSERT_STR_EQ(addr, "::1");
    ASSERT_EQ(fl_hosts_lookup(path, "gone", addr, sizeof(addr), &err), -ENOENT);
    ASSERT_EQ(fl_hosts_lookup(path, "alpha-comment", addr, sizeof(addr), &err),
              -ENOENT);
    ASSERT_EQ(fl_hosts_lookup(path, "127.0.0.1", addr, sizeof(addr), &err),
              -ENOENT);
    unlink(path);
    ASSERT_EQ(fl_hosts_lookup(path, "alpha", addr, sizeof(addr), &err),
              -ENOENT);
    rmdir(dir);
}

static void
test_hosts_block(void)
{
    char dir[] = "/tmp/fl-hosts-XXXXXX", path[64];
    struct fl_err err = FL_ERR_INIT;
    const char *ours = "10.9.0.11 n1\n10.9.0.12 n2\n";
    const char *block = "#B x\n10.9.0.11 n1\n10.9.0.12 n2\n#E x\n";
    struct stat a, b;

    ASSERT(mkdtemp(dir) != NULL);
    snprintf(path, sizeof(path), "%s/hosts", dir);
    /* A missing file is empty; the block is appended. */
    ASSERT_OK(fl_hosts_set_block(path, "#B x", "#E x", ours, block, &err));
    assert_file(path, block);
    ASSERT_OK(fl_hosts_set_block(path, "#B x", "#E x", ours, NULL, &err));
    assert_file(path, "");
    /* No newline at the end of someone's last line; mode 0604 kept. */
    write_str(path, "127.0.0.1 localhost");
    ASSERT(chmod(path, 0604) == 0);
    ASSERT_OK(fl_hosts_set_block(path, "#B x", "#E x", ours, block, &err));
    assert_file(path, "127.0.0.1 localhost\n#B x\n10.9.0.11 n1\n"
                      "10.9.0.12 n2\n#E x\n");
    ASSERT(stat(path, &a) == 0);
    ASSERT_EQ(a.st_mode & 07777, 0604);
    /* Unchanged: the file is not replaced. */
    ASSERT_OK(fl_hosts_set_block(path, "#B x", "#E x", ours, block, &err));
    ASSERT(stat(path, &b) == 0);
    ASSERT_EQ(a.st_ino, b.st_ino);
    /* Edited meanwhile: a line inside, another block, no end marker. */
    write_str(path, "127.0.0.1 localhost\n#B x\n10.9.0.11 n1\nmine inside\n"
                    "10.9.0.12 n2\n#B y\n10.9.0.11 n1\n#E y\nlast\n");
    ASSERT_OK(fl_hosts_set_block(path, "#B x", "#E x", ours, NULL, &err));
    assert_file(path, "127.0.0.1 localhost\nmine inside\n#B y\n10.9.0.11 n1\n"
                      "#E y\nlast\n");
    ASSERT(stat(path, &b) == 0);
    ASSERT(a.st_ino != b.st_ino); /* renamed over */
    ASSERT_EQ(b.st_mode & 07777, 0604);
    unlink(path);
    rmdir(dir);
}

#define WRITERS 6
#define ROUNDS  150

/* Writer w's block, its markers and its lines. */
static void
writer_block(int w, struct fl_strbuf *begin, struct fl_strbuf *end,
             struct fl_strbuf *ours, struct fl_strbuf *block)
{
    fl_strbuf_reset(begin);
    fl_strbuf_reset(end);
    fl_strbuf_reset(ours);
    fl_strbuf_reset(block);
    fl_strbuf_addf(begin, "# faultline cluster begin: /run/w%d", w);
    fl_strbuf_addf(end, "# faultline cluster end: /run/w%d", w);
    fl_strbuf_addf(ours, "10.9.%d.11 w%dn1\n", w, w);
    fl_strbuf_addf(block, "%s\n%s%s\n", begin->buf, ours->buf, end->buf);
}

/* A child: up, down, ..., ending up. Exits 0 or 2. */
static void
writer(const char *path, int w)
{
    struct fl_strbuf b = FL_STRBUF_INIT, e = FL_STRBUF_INIT;
    struct fl_strbuf ours = FL_STRBUF_INIT, block = FL_STRBUF_INIT;
    struct fl_err err = FL_ERR_INIT;

    writer_block(w, &b, &e, &ours, &block);
    for (int r = 0; r <= ROUNDS; r++)
        if (fl_hosts_set_block(path, b.buf, e.buf, ours.buf,
                               r % 2 == 0 ? block.buf : NULL, &err) != 0)
            _exit(2);
    _exit(0);
}

static void
test_hosts_block_concurrent(void)
{
    char dir[] = "/tmp/fl-hosts-XXXXXX", path[64];
    struct fl_strbuf sb = FL_STRBUF_INIT, line = FL_STRBUF_INIT;
    pid_t pids[WRITERS];

    ASSERT(mkdtemp(dir) != NULL);
    snprintf(path, sizeof(path), "%s/hosts", dir);
    write_str(path, "127.0.0.1 localhost\n::1 localhost\n");
    for (int w = 0; w < WRITERS; w++) {
        pids[w] = fork();
        ASSERT(pids[w] >= 0);
        if (pids[w] == 0)
            writer(path, w);
    }
    for (int w = 0; w < WRITERS; w++) {
        int st;
        ASSERT(waitpid(pids[w], &st, 0) == pids[w]);
        ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    ASSERT_OK(fl_strbuf_read_file(&sb, path));
    ASSERT(strncmp(sb.buf, "127.0.0.1 localhost\n::1 localhost\n", 34) == 0);
    for (int w = 0; w < WRITERS; w++) {
        fl_strbuf_reset(&line);
        fl_strbuf_addf(&line, "\n10.9.%d.11 w%dn1\n", w, w);
        if (!strstr(sb.buf, line.buf))
            fl_test_fail(__FILE__, __LINE__, "block of writer %d lost:\n%s", w,
                         sb.buf);
    }
    unlink(path);
    rmdir(dir);
    fl_strbuf_release(&sb);
    fl_strbuf_release(&line);
}

static const struct fl_test_case hosts_tests[] = {
    FL_TEST(test_hosts_lookup),
    FL_TEST(test_hosts_block),
    FL_TEST(test_hosts_block_concurrent),
    FL_TEST_END,
};

FL_TEST_SUITE(hosts, hosts_tests);
