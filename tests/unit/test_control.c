/* SPDX-License-Identifier: MIT */
/*
 * test_control.c: remotes through the local and dummy backends (exit
 * codes, stdin, stderr, output caps, timeouts that kill the whole process
 * group, cd, sudo wrapping, parallel runs, transfers) and the daemon
 * helpers (start, running, signal, stop, grepkill, await-tcp-port).
 */
#include "util/common.h"

#include "tests/unit/test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "control/daemon.h"
#include "control/reap.h"
#include "control/remote.h"
#include "util/err.h"
#include "util/rng.h"
#include "util/strbuf.h"

static struct fl_remote *
local(void)
{
    struct fl_remote_opts o = {.backend = "local"};
    struct fl_err err = FL_ERR_INIT;
    struct fl_remote *r = fl_remote_new("self", &o, &err);

    ASSERT(r != NULL);
    return r;
}

static void
test_control_exec(void)
{
    struct fl_remote *r = local();
    struct fl_cmd_result res = FL_CMD_RESULT_INIT;
    struct fl_err err = FL_ERR_INIT;
    struct fl_strbuf out = FL_STRBUF_INIT;
    struct fl_cmd c = {
        .cmd = "cat; echo oops >&2; exit 7", .in = "hello\n", .in_len = 6};

    ASSERT_OK(fl_remote_exec(r, &c, &res, &err));
    ASSERT_EQ(res.exit_code, 7);
    ASSERT_STR_EQ(res.out.buf, "hello\n");
    ASSERT_STR_EQ(res.err.buf, "oops\n");
    ASSERT(!res.timed_out && !res.out_truncated);

    /* A signal shows as 128 + N. */
    c = (struct fl_cmd){.cmd = "kill -9 $$"};
    ASSERT_OK(fl_remote_exec(r, &c, &res, &err));
    ASSERT_EQ(res.exit_code, 128 + 9);

    /* Nonzero exit is an error for run, naming node, command and stderr. */
    ASSERT_EQ(
        fl_remote_run(r, &out, &err, "sh", "-c", "echo bad >&2; exit 3", NULL),
        FL_EREMOTE);
    ASSERT(strstr(err.msg, "self") && strstr(err.msg, "exited 3") &&
           strstr(err.msg, "bad"));
    ASSERT_OK(fl_remote_run(r, &out, &err, "echo", "a b", "$x", NULL));
    ASSERT_STR_EQ(out.buf, "a b $x");
    fl_strbuf_reset(&out);
    ASSERT_OK(fl_remote_sh(r, &out, &err, "printf '%%s' %d", 42));
    ASSERT_STR_EQ(out.buf, "42");

    /* cd, quoted. */
    c = (struct fl_cmd){.cmd = "pwd", .dir = "/tmp"};
    ASSERT_OK(fl_remote_exec(r, &c, &res, &err));
    ASSERT_STR_EQ(res.out.buf, "/tmp\n");
    c = (struct fl_cmd){.cmd = "pwd", .dir = "/no such dir"};
    ASSERT_OK(fl_remote_exec(r, &c, &res, &err));
    ASSERT_EQ(res.exit_code, 1);

    /* Large stdin goes through whole. */
    {
        size_t n = 1 << 20;
        char *big = fl_xmalloc(n);
        memset(big, 'x', n);
        c = (struct fl_cmd){.cmd = "wc -c", .in = big, .in_len = n};
        ASSERT_OK(fl_remote_exec(r, &c, &res, &err));
        ASSERT_EQ(strtol(res.out.buf, NULL, 10), (long)n);
        free(big);
    }
    /* A command that does not read its stdin does not hang or kill us. */
    {
        size_t n = 4 << 20;
        char *big = fl_xcalloc(n, 1);
        c = (struct fl_cmd){.cmd = "exit 0", .in = big, .in_len = n};
        ASSERT_OK(fl_remote_exec(r, &c, &res, &err));
        ASSERT_EQ(res.exit_code, 0);
        free(big);
    }
    fl_cmd_result_release(&res);
    fl_strbuf_release(&out);
    fl_remote_free(r);
}

static int64_t
ms_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
test_control_caps_and_timeouts(void)
{
    struct fl_remote *r = local();
    struct fl_cmd_result res = FL_CMD_RESULT_INIT;
    struct fl_err err = FL_ERR_INIT;
    struct fl_cmd c = {.cmd =
                           "head -c 100000 /dev/zero; head -c 50 /dev/zero >&2",
                       .max_output = 1000};
    int64_t t0;

    ASSERT_OK(fl_remote_exec(r, &c, &res, &err));
    ASSERT_EQ(res.out.len, 1000);
    ASSERT(res.out_truncated);
    ASSERT_EQ(res.err.len, 50);
    ASSERT(!res.err_truncated);

    /* The timeout kills the shell and its children (the process group). */
    t0 = ms_now();
    c = (struct fl_cmd){.cmd = "sleep 30 & sleep 30; wait", .timeout_ms = 300};
    ASSERT_EQ(fl_remote_exec(r, &c, &res, &err), FL_ELIMIT);
    ASSERT(res.timed_out);
    ASSERT(ms_now() - t0 < 5000);
    ASSERT(strstr(err.msg, "timed out"));

    /* A background daemon holding no pipes does not delay completion. */
    t0 = ms_now();
    c = (struct fl_cmd){.cmd = "sleep 2 >/dev/null 2>&1 </dev/null & echo ok",
                        .timeout_ms = 5000};
    ASSERT_OK(fl_remote_exec(r, &c, &res, &err));
    ASSERT_STR_EQ(res.out.buf, "ok\n");
    ASSERT(ms_now() - t0 < 1500);
    /* One that keeps stdout open is cut off 100 ms after the shell exits. */
    t0 = ms_now();
    c = (struct fl_cmd){.cmd = "sleep 2 & echo ok", .timeout_ms = 5000};
    ASSERT_OK(fl_remote_exec(r, &c, &res, &err));
    ASSERT(ms_now() - t0 < 1500);
    fl_cmd_result_release(&res);
    fl_remote_free(r);
}

static void
test_control_dummy_and_sudo(void)
{
    struct fl_remote_opts o = {.backend = "dummy", .user = "admin"};
    struct fl_err err = FL_ERR_INIT;
    struct fl_remote *r = fl_remote_new("n1", &o, &err);
    struct fl_cmd_result res = FL_CMD_RESULT_INIT;
    struct fl_strbuf log = FL_STRBUF_INIT;
    struct fl_cmd c = {.cmd = "id -u", .dir = "/var/x y", .sudo = "root"};

    ASSERT(r != NULL);
    ASSERT_OK(fl_remote_exec(r, &c, &res, &err));
    ASSERT_EQ(res.exit_code, 0);
    ASSERT_OK(fl_remote_run(r, NULL, &err, "touch", "it's", NULL));
    ASSERT_OK(fl_remote_upload(r, "/etc/hostname", "/tmp/h", &err));
    fl_remote_dummy_log(r, &log);
    ASSERT_STR_EQ(log.buf,
                  "sudo -n -u root -- sh -c 'cd '\\''/var/x y'\\'' || exit 1\n"
                  "id -u'\n"
                  "touch 'it'\\''s'\n"
                  "upload /etc/hostname /tmp/h");
    fl_remote_free(r);
    fl_strbuf_release(&log);

    /* Bad backends and node names are refused. */
    o.backend = "telnet";
    ASSERT(fl_remote_new("n1", &o, &err) == NULL);
    ASSERT_EQ(err.code, FL_EUSAGE);
    o.backend = "netns";
    o.netns_prefix = "no-such-prefix-";
    ASSERT(fl_remote_new("n1", &o, &err) == NULL);
    ASSERT(strstr(err.msg, "cluster up"));
    ASSERT(fl_remote_new("../x", &o, &err) == NULL);
    fl_cmd_result_release(&res);
}

static int
on_all_fn(struct fl_remote *r, size_t i, void *arg, struct fl_err *err)
{
    int *hits = arg;

    __atomic_add_fetch(&hits[i], 1, __ATOMIC_SEQ_CST);
    if (i == 2)
        return fl_remote_run(r, NULL, err, "false", NULL);
    return 0;
}

static void
test_control_on_all_and_transfer(void)
{
    struct fl_remote *rs[4];
    int hits[4] = {0};
    struct fl_err err = FL_ERR_INIT;
    char dir[] = "/tmp/fl-test-XXXXXX";
    char *a, *b;
    struct fl_strbuf x = FL_STRBUF_INIT, y = FL_STRBUF_INIT;
    FILE *f;

    for (int i = 0; i < 4; i++)
        rs[i] = local();
    ASSERT_EQ(fl_remote_on_all(rs, 4, on_all_fn, hits, &err), FL_EREMOTE);
    for (int i = 0; i < 4; i++)
        ASSERT_EQ(hits[i], 1);
    ASSERT(strstr(err.msg, "false"));

    ASSERT(mkdtemp(dir) != NULL);
    a = fl_xasprintf("%s/a", dir);
    b = fl_xasprintf("%s/b c", dir);
    f = fopen(a, "wb");
    for (int i = 0; i < 70000; i++)
        fputc(i * 7 % 256, f);
    fclose(f);
    ASSERT_OK(fl_remote_upload(rs[0], a, b, &err));
    ASSERT_OK(fl_strbuf_read_file(&x, a));
    ASSERT_OK(fl_strbuf_read_file(&y, b));
    ASSERT_EQ(x.len, y.len);
    ASSERT(memcmp(x.buf, y.buf, x.len) == 0);
    unlink(a);
    ASSERT_OK(fl_remote_download(rs[1], b, a, &err));
    fl_strbuf_reset(&y);
    ASSERT_OK(fl_strbuf_read_file(&y, a));
    ASSERT_EQ(x.len, y.len);
    ASSERT(fl_remote_download(rs[1], "/no/such/file", a, &err) != 0);
    unlink(a);
    unlink(b);
    rmdir(dir);
    free(a);
    free(b);
    fl_strbuf_release(&x);
    fl_strbuf_release(&y);
    for (int i = 0; i < 4; i++)
        fl_remote_free(rs[i]);
}

static void
test_control_daemon(void)
{
    struct fl_remote *r = local();
    struct fl_err err = FL_ERR_INIT;
    char dir[] = "/tmp/fl-daemon-XXXXXX";
    char *pidfile, *log, *token;
    struct fl_rng rng;
    struct fl_strbuf sb = FL_STRBUF_INIT;
    const char *argv[4];
    struct fl_daemon_opts o = {0};

    ASSERT(mkdtemp(dir) != NULL);
    fl_rng_seed(&rng, fl_rng_os_seed());
    pidfile = fl_xasprintf("%s/d.pid", dir);
    log = fl_xasprintf("%s/d.log", dir);
    /* A unique token so grepkill can only match our process. */
    token = fl_xasprintf("%" PRIu64, fl_rng_next(&rng) >> 8);
    argv[0] = "sh";
    argv[1] = "-c";
    argv[2] =
        fl_xasprintf("echo started; while :; do sleep 0.1; done # %s", token);
    argv[3] = NULL;
    o.pidfile = pidfile;
    o.logfile = log;
    o.chdir = dir;

    ASSERT_EQ(fl_daemon_running(r, pidfile, &err), 0);
    ASSERT_EQ(fl_daemon_start(r, &o, argv, &err), 0);
    ASSERT_EQ(fl_daemon_running(r, pidfile, &err), 1);
    ASSERT_EQ(fl_daemon_start(r, &o, argv, &err), 1);
    ASSERT_OK(fl_daemon_signal(r, pidfile, SIGSTOP, &err));
    ASSERT_OK(fl_daemon_signal(r, pidfile, SIGCONT, &err));
    usleep(200000);
    ASSERT_OK(fl_strbuf_read_file(&sb, log));
    ASSERT(strstr(sb.buf, "faultline starting"));
    ASSERT(strstr(sb.buf, "started"));
    ASSERT_OK(fl_daemon_stop(r, pidfile, SIGTERM, 2000, &err));
    ASSERT_EQ(fl_daemon_running(r, pidfile, &err), 0);
    ASSERT(access(pidfile, F_OK) != 0);
    ASSERT_EQ(fl_daemon_signal(r, pidfile, SIGTERM, &err), -ESRCH);
    ASSERT_OK(fl_daemon_stop(r, pidfile, SIGTERM, 2000, &err));

    /* grepkill hits the matching process only, never its own shell. */
    ASSERT_EQ(fl_daemon_start(r, &o, argv, &err), 0);
    usleep(100000);
    ASSERT_EQ(fl_grepkill(r, token, SIGKILL, &err), 1);
    usleep(200000);
    ASSERT_EQ(fl_daemon_running(r, pidfile, &err), 0);
    ASSERT_EQ(fl_grepkill(r, token, SIGKILL, &err), 0);
    ASSERT(fl_grepkill(r, "a\nb", SIGKILL, &err) < 0);

    /* await-tcp-port: open, and a closed port times out. */
    {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in sa = {.sin_family = AF_INET,
                                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t len = sizeof(sa);
        ASSERT(bind(s, (struct sockaddr *)&sa, sizeof(sa)) == 0);
        ASSERT(listen(s, 4) == 0);
        getsockname(s, (struct sockaddr *)&sa, &len);
        ASSERT_OK(fl_await_tcp_port(r, NULL, ntohs(sa.sin_port), 3000, &err));
        close(s);
        ASSERT_EQ(
            fl_await_tcp_port(r, "127.0.0.1", ntohs(sa.sin_port), 300, &err),
            FL_ELIMIT);
    }
    unlink(log);
    rmdir(dir);
    free(pidfile);
    free(log);
    free(token);
    free((char *)argv[2]);
    fl_strbuf_release(&sb);
    fl_remote_free(r);
}

/* The PPid: line of /proc/PID/status, or -1 when there is no such process. */
static long
ppid_of(long pid)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;
    char *path = fl_xasprintf("/proc/%ld/status", pid);
    const char *p;
    long ppid = -1;

    if (fl_strbuf_read_file(&sb, path) == 0) {
        p = strstr(sb.buf, "\nPPid:");
        if (p)
            ppid = strtol(p + 7, NULL, 10);
    }
    fl_strbuf_release(&sb);
    free(path);
    return ppid;
}

/*
 * A daemon started on this machine is adopted by us (child subreaper) and
 * reaped once killed: no zombie is left, whatever pid 1 does.
 */
static void
test_control_daemon_reaped(void)
{
    struct fl_remote *r = local();
    struct fl_err err = FL_ERR_INIT;
    char dir[] = "/tmp/fl-reap-XXXXXX";
    struct fl_strbuf sb = FL_STRBUF_INIT;
    const char *argv[] = {"sleep", "300", NULL};
    struct fl_daemon_opts o = {0};
    long pid;
    int i;

    ASSERT(mkdtemp(dir) != NULL);
    char *pidfile = fl_xasprintf("%s/d.pid", dir);
    o.pidfile = pidfile;
    o.chdir = dir;
    for (int round = 0; round < 2; round++) {
        ASSERT_EQ(fl_daemon_start(r, &o, argv, &err), 0);
        fl_strbuf_reset(&sb);
        ASSERT_OK(fl_strbuf_read_file(&sb, pidfile));
        pid = strtol(sb.buf, NULL, 10);
        ASSERT(pid > 0);
        ASSERT_EQ(ppid_of(pid), (long)getpid());
        ASSERT_EQ(fl_reap_pending(), 1);
        ASSERT_OK(fl_daemon_stop(r, pidfile, SIGKILL, 2000, &err));
        for (i = 0; i < 100 && ppid_of(pid) != -1; i++)
            usleep(20000);
        ASSERT_EQ(ppid_of(pid), -1); /* gone, not a zombie */
        for (i = 0; i < 100 && fl_reap_pending() != 0; i++)
            usleep(20000);
        ASSERT_EQ(fl_reap_pending(), 0);
    }
    unlink(pidfile);
    rmdir(dir);
    free(pidfile);
    fl_strbuf_release(&sb);
    fl_remote_free(r);
}

static const struct fl_test_case control_tests[] = {
    FL_TEST(test_control_exec),
    FL_TEST(test_control_caps_and_timeouts),
    FL_TEST(test_control_dummy_and_sudo),
    FL_TEST(test_control_on_all_and_transfer),
    FL_TEST(test_control_daemon),
    FL_TEST(test_control_daemon_reaped),
    FL_TEST_END,
};

FL_TEST_SUITE(control, control_tests);
