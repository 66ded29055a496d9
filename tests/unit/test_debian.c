/* SPDX-License-Identifier: MIT */
/*
 * test_debian.c: os/debian: the apt command line (services kept from
 * starting by a policy-rc.d that is removed again, only when something is
 * missing, values quoted), seen through the dummy remote; the installed
 * check against this machine's dpkg with a fake apt-get on PATH; dirs;
 * and the OS plug-in.
 */
#include "test.h"

#include <sys/stat.h>
#include <unistd.h>

#include "control/remote.h"
#include "os/debian.h"
#include "os/os.h"
#include "util/err.h"
#include "util/strbuf.h"

static void
test_debian_install_command(void)
{
    struct fl_err err = FL_ERR_INIT;
    struct fl_strbuf log = FL_STRBUF_INIT;
    struct fl_remote *r =
        fl_remote_new("n1", &(struct fl_remote_opts){.backend = "dummy"}, &err);
    const char *pkgs[] = {"etcd-server", "it's", NULL};

    ASSERT(r);
    /* The dummy answers nothing, so the packages look missing. */
    ASSERT_OK(fl_debian_install(r, pkgs, &err));
    fl_remote_dummy_log(r, &log);
    ASSERT(strstr(log.buf, "dpkg-query"));
    ASSERT(strstr(log.buf, "exit 101"));
    ASSERT(strstr(log.buf, "/usr/sbin/policy-rc.d"));
    ASSERT(strstr(log.buf, "rm -f /usr/sbin/policy-rc.d"));
    ASSERT(strstr(log.buf, "apt-get install -y -q etcd-server 'it'\\''s'"));
    ASSERT(strstr(log.buf, "apt-get update"));
    /* Nothing to install: no command at all (the log does not grow). */
    size_t before = log.len;
    fl_strbuf_reset(&log);
    ASSERT_OK(fl_debian_install(r, (const char *const[]){NULL}, &err));
    fl_remote_dummy_log(r, &log);
    ASSERT_EQ(log.len, before);

    /* The OS plug-in installs on every node it is set up on. */
    struct fl_os *os = fl_os_debian_new(pkgs);
    struct fl_remote *rs[] = {r};
    char *nodes[] = {"n1"};
    struct fl_env env = {.nodes = nodes, .nnodes = 1, .remotes = rs};
    ASSERT_OK(fl_os_setup(os, &env, 0, &err));
    fl_remote_dummy_log(r, &log);
    ASSERT(strstr(log.buf, "'it'\\''s'"));
    ASSERT_OK(fl_os_teardown(os, &env, 0, &err));
    fl_os_free(os);
    fl_strbuf_release(&log);
    fl_remote_free(r);
}

/* Installed packages make no apt call; a missing one does, and its
 * failure names the node and the packages. apt-get is a fake on PATH. */
static void
test_debian_install_local(void)
{
    struct fl_err err = FL_ERR_INIT;
    struct fl_strbuf sb = FL_STRBUF_INIT;
    char dir[64], path[128], calls[128];

    if (access("/usr/bin/dpkg-query", X_OK) != 0)
        FL_SKIP("no dpkg-query");
    snprintf(dir, sizeof(dir), "/tmp/fl-deb-%d", (int)getpid());
    snprintf(calls, sizeof(calls), "%s/calls", dir);
    ASSERT(mkdir(dir, 0755) == 0);
    snprintf(path, sizeof(path), "%s/apt-get", dir);
    FILE *f = fopen(path, "w");
    ASSERT(f);
    fprintf(f, "#!/bin/sh\necho \"$*\" >> %s\nexit 100\n", calls);
    fclose(f);
    chmod(path, 0755);
    fl_strbuf_addf(&sb, "%s:%s", dir, getenv("PATH"));
    setenv("PATH", sb.buf, 1); /* this test runs in its own fork */
    struct fl_remote *r =
        fl_remote_new("me", &(struct fl_remote_opts){.backend = "local"}, &err);
    ASSERT_OK(
        fl_debian_install(r, (const char *const[]){"coreutils", NULL}, &err));
    ASSERT(access(calls, F_OK) != 0); /* installed: apt never ran */
    /* Only when no policy-rc.d would be created on this machine. */
    if (access("/usr/sbin/policy-rc.d", F_OK) == 0) {
        ASSERT_EQ(fl_debian_install(
                      r, (const char *const[]){"fl-no-such-pkg", NULL}, &err),
                  FL_EREMOTE);
        ASSERT(strstr(err.msg, "apt-get install fl-no-such-pkg: me: "));
        fl_strbuf_reset(&sb);
        ASSERT_OK(fl_strbuf_read_file(&sb, calls));
        ASSERT(strstr(sb.buf, "install -y -q fl-no-such-pkg"));
    }
    /* ensure_dir is mkdir -p, and idempotent. */
    fl_strbuf_reset(&sb);
    fl_strbuf_addf(&sb, "%s/a/b c", dir);
    ASSERT_OK(fl_debian_ensure_dir(r, sb.buf, NULL, &err));
    ASSERT_OK(fl_debian_ensure_dir(r, sb.buf, NULL, &err));
    struct stat st;
    ASSERT(stat(sb.buf, &st) == 0 && S_ISDIR(st.st_mode));
    fl_strbuf_reset(&sb);
    fl_strbuf_addf(&sb, "rm -rf %s", dir);
    ASSERT(system(sb.buf) == 0);
    fl_remote_free(r);
    fl_strbuf_release(&sb);
}

static const struct fl_test_case debian_tests[] = {
    FL_TEST(test_debian_install_command),
    FL_TEST(test_debian_install_local),
    FL_TEST_END,
};

FL_TEST_SUITE(debian, debian_tests);
