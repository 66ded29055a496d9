/* SPDX-License-Identifier: MIT */
/*
 * test_hosts.c: the hosts file without the resolver (util/hosts.h): lookup
 * with comments, tabs, several names and case; block edits that keep every
 * line they did not write, keep the mode, replace the file by rename and
 * leave it alone when nothing changes.
 */
#include "util/common.h"

#include "tests/unit/test.h"

#include <sys/stat.h>
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

static const struct fl_test_case hosts_tests[] = {
    FL_TEST(test_hosts_lookup),
    FL_TEST(test_hosts_block),
    FL_TEST_END,
};

FL_TEST_SUITE(hosts, hosts_tests);
