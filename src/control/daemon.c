/* SPDX-License-Identifier: MIT */
/*
 * daemon.c: daemon helpers as short sh scripts run on the node. Values are
 * always quoted with fl_sh_quote; a grepkill pattern goes in on stdin so that
 * it never appears in the command line of the shell doing the killing
 * (which pgrep -f would otherwise match). A zombie counts as dead.
 */
#include "util/common.h"

#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "control/daemon.h"
#include "control/reap.h"
#include "control/remote.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/log.h"

/* sh function: alive PID -> status 0 if PID runs and is not a zombie. */
#define ALIVE_FN                                                               \
    "alive() { [ -n \"$1\" ] && [ -d /proc/$1 ] && "                           \
    "! grep -q '^State:[[:space:]]*Z' /proc/$1/status 2>/dev/null; }\n"

/*
 * sh functions: tree PID lists PID and its descendants; anyalive PIDS...
 * is status 0 while one of them runs.
 */
#define TREE_FN                                                                \
    "tree() { echo \"$1\"; for c in $(pgrep -P \"$1\" 2>/dev/null); do "       \
    "tree \"$c\"; done; }\n"                                                   \
    "anyalive() { for x; do alive \"$x\" && return 0; done; return 1; }\n"

/* Whether r's processes are this machine's (same pid namespace). */
static bool
on_this_machine(const struct fl_remote *r)
{
    return r->type == &fl_remote_local_type || r->type == &fl_remote_netns_type;
}

/*
 * A daemon started on this machine is an orphan of ours (we are a child
 * subreaper): have it reaped when it exits, so a killed one is no zombie.
 * out is the start script's stdout, the daemon's pid.
 */
static void
reap_later(struct fl_remote *r, const char *out)
{
    struct fl_err e = FL_ERR_INIT;
    char *end;
    long pid = strtol(out, &end, 10);

    if (pid <= 0 || (*end && *end != '\n') ||
        fl_reap_daemon((pid_t)pid, &e) != 0)
        fl_debug("%s: daemon %s not registered for reaping: %s", r->node, out,
                 e.msg[0] ? e.msg : "no pid");
}

int
fl_daemon_start(struct fl_remote *r, const struct fl_daemon_opts *o,
                const char *const *argv, struct fl_err *err)
{
    struct fl_strbuf s = FL_STRBUF_INIT, words = FL_STRBUF_INIT;
    struct fl_cmd_result res = FL_CMD_RESULT_INIT;
    struct fl_cmd c = {0};
    const char *log = o->logfile ? o->logfile : "/dev/null";
    struct fl_err e = FL_ERR_INIT;
    char *marker = NULL;
    int rc;

    if (!o->pidfile || !argv || !argv[0])
        return fl_err_set(err, FL_EUSAGE, "daemon: pidfile and argv needed");
    fl_sh_quote_argv(&words, argv, -1);
    fl_strbuf_addstr(&s, ALIVE_FN "p=");
    fl_sh_quote(&s, o->pidfile);
    fl_strbuf_addstr(&s, "\nl=");
    fl_sh_quote(&s, log);
    fl_strbuf_addstr(&s, "\nif [ -f \"$p\" ] && alive \"$(cat \"$p\")\"; "
                         "then exit 3; fi\ncd ");
    fl_sh_quote(&s, o->chdir ? o->chdir : "/");
    fl_strbuf_addstr(&s, " || exit 1\necho \"faultline starting $(date -u "
                         "+%Y-%m-%dT%H:%M:%SZ): \"");
    fl_sh_quote(&s, words.buf);
    fl_strbuf_addstr(&s, " >> \"$l\" || exit 1\nsetsid ");
    if (o->user) {
        /* setpriv execs: the pidfile names the daemon itself */
        fl_strbuf_addstr(&s, "setpriv --reuid=");
        fl_sh_quote(&s, o->user);
        fl_strbuf_addstr(&s, " --regid=$(id -g ");
        fl_sh_quote(&s, o->user);
        fl_strbuf_addstr(&s, ") --init-groups ");
    }
    fl_strbuf_addstr(&s, "env ");
    /* The mark a later run finds a leftover of a killed run by. */
    marker = fl_xasprintf(FL_DAEMON_MARK "=%s", r->node);
    fl_sh_quote(&s, marker);
    fl_strbuf_addch(&s, ' ');
    if (o->env && o->env[0]) {
        fl_sh_quote_argv(&s, o->env, -1);
        fl_strbuf_addch(&s, ' ');
    }
    fl_strbuf_addstr(&s, words.buf);
    fl_strbuf_addstr(&s, " >> \"$l\" 2>&1 < /dev/null &\n"
                         "echo $! > \"$p\" || exit 1\necho $!\n");
    c.cmd = s.buf;
    c.timeout_ms = 30000;
    if (on_this_machine(r) && fl_reap_init(&e) != 0)
        fl_warn("%s: %s; killed daemons stay zombies", r->node, e.msg);
    rc = fl_remote_exec(r, &c, &res, err);
    if (rc == 0 && res.exit_code == 0 && on_this_machine(r))
        reap_later(r, res.out.buf);
    if (rc == 0 && res.exit_code == 3)
        rc = 1;
    else if (rc == 0 && res.exit_code != 0)
        rc = fl_err_set(err, FL_EREMOTE, "%s: start %s: exit %d: %.150s",
                        r->node, argv[0], res.exit_code, res.err.buf);
    fl_cmd_result_release(&res);
    fl_strbuf_release(&s);
    fl_strbuf_release(&words);
    free(marker);
    return rc;
}

/*
 * Before a tree is killed on this machine: have its processes reaped too,
 * as each becomes our orphan when its parent dies.
 */
static void
reap_tree_later(struct fl_remote *r, const char *pidfile)
{
    struct fl_strbuf q = FL_STRBUF_INIT, out = FL_STRBUF_INIT;

    fl_sh_quote(&q, pidfile);
    if (fl_remote_sh(r, &out, NULL, TREE_FN "[ -f %s ] && tree \"$(cat %s)\"",
                     q.buf, q.buf) == 0) {
        for (const char *l = out.buf; *l;) {
            const char *nl = strchrnul(l, '\n');
            long pid = strtol(l, NULL, 10);
            if (pid > 0)
                fl_reap_daemon((pid_t)pid, NULL);
            l = *nl ? nl + 1 : nl;
        }
    }
    fl_strbuf_release(&q);
    fl_strbuf_release(&out);
}

static int
stop(struct fl_remote *r, const char *pidfile, int sig, int64_t timeout_ms,
     bool tree, struct fl_err *err)
{
    struct fl_strbuf s = FL_STRBUF_INIT;
    struct fl_cmd_result res = FL_CMD_RESULT_INIT;
    struct fl_cmd c = {0};
    int64_t tries = timeout_ms / 50 + 1;
    int rc;

    if (tree && on_this_machine(r))
        reap_tree_later(r, pidfile);
    fl_strbuf_addf(&s, ALIVE_FN TREE_FN "p=");
    fl_sh_quote(&s, pidfile);
    fl_strbuf_addf(&s,
                   "\n[ -f \"$p\" ] || exit 0\npid=$(cat \"$p\")\n"
                   "if alive \"$pid\"; then %sall=%s\n"
                   "  kill -%d $all 2>/dev/null; kill -CONT $all "
                   "2>/dev/null\n"
                   "  i=0; while anyalive $all && [ $i -lt %" PRId64 " ]; "
                   "do sleep 0.05; i=$((i+1)); done\n"
                   "  if anyalive $all; then kill -9 $all 2>/dev/null; "
                   "while anyalive $all; do sleep 0.05; done; fi\n"
                   /* a zombie still holds its pid: a restart may take it
                    * for a live server (PostgreSQL's lock file) */
                   "  i=0; for x in $all; do while [ -d /proc/$x ] && "
                   "[ $i -lt 100 ]; do sleep 0.02; i=$((i+1)); done; done\n"
                   "fi\nrm -f \"$p\"\n",
                   /* a stopped root forks no child the walk misses
                    * (a new backend would outlive its postmaster) */
                   tree ? "kill -STOP \"$pid\" 2>/dev/null; " : "",
                   tree ? "$(tree \"$pid\")" : "$pid", sig, tries);
    c.cmd = s.buf;
    c.timeout_ms = timeout_ms + 30000;
    rc = fl_remote_exec(r, &c, &res, err);
    if (rc == 0 && res.exit_code != 0)
        rc = fl_err_set(err, FL_EREMOTE, "%s: stop %s: exit %d: %.150s",
                        r->node, pidfile, res.exit_code, res.err.buf);
    fl_cmd_result_release(&res);
    fl_strbuf_release(&s);
    return rc;
}

int
fl_daemon_stop(struct fl_remote *r, const char *pidfile, int sig,
               int64_t timeout_ms, struct fl_err *err)
{
    return stop(r, pidfile, sig, timeout_ms, false, err);
}

int
fl_daemon_stop_tree(struct fl_remote *r, const char *pidfile, int sig,
                    int64_t timeout_ms, struct fl_err *err)
{
    return stop(r, pidfile, sig, timeout_ms, true, err);
}

static int
signal_pid(struct fl_remote *r, const char *pidfile, int sig, bool tree,
           struct fl_err *err)
{
    struct fl_strbuf s = FL_STRBUF_INIT;
    struct fl_cmd_result res = FL_CMD_RESULT_INIT;
    struct fl_cmd c = {0};
    int rc;

    fl_strbuf_addstr(&s, ALIVE_FN TREE_FN "p=");
    fl_sh_quote(&s, pidfile);
    /* the daemon first: a stopped daemon forks no child we would miss */
    fl_strbuf_addf(&s,
                   "\npid=$(cat \"$p\" 2>/dev/null)\n"
                   "alive \"$pid\" || exit 3\nkill -%d \"$pid\"\n",
                   sig);
    if (tree)
        fl_strbuf_addf(&s, "kill -%d $(tree \"$pid\") 2>/dev/null; true\n",
                       sig);
    c.cmd = s.buf;
    c.timeout_ms = 30000;
    rc = fl_remote_exec(r, &c, &res, err);
    if (rc == 0 && res.exit_code == 3)
        rc = fl_err_set(err, -ESRCH, "%s: %s: not running", r->node, pidfile);
    else if (rc == 0 && res.exit_code != 0)
        rc = fl_err_set(err, FL_EREMOTE, "%s: kill -%d: exit %d: %.150s",
                        r->node, sig, res.exit_code, res.err.buf);
    fl_cmd_result_release(&res);
    fl_strbuf_release(&s);
    return rc;
}

int
fl_daemon_signal(struct fl_remote *r, const char *pidfile, int sig,
                 struct fl_err *err)
{
    return signal_pid(r, pidfile, sig, false, err);
}

int
fl_daemon_signal_tree(struct fl_remote *r, const char *pidfile, int sig,
                      struct fl_err *err)
{
    return signal_pid(r, pidfile, sig, true, err);
}

int
fl_daemon_running(struct fl_remote *r, const char *pidfile, struct fl_err *err)
{
    struct fl_strbuf s = FL_STRBUF_INIT;
    struct fl_cmd_result res = FL_CMD_RESULT_INIT;
    struct fl_cmd c = {0};
    int rc;

    fl_strbuf_addstr(&s, ALIVE_FN "p=");
    fl_sh_quote(&s, pidfile);
    fl_strbuf_addstr(&s, "\nalive \"$(cat \"$p\" 2>/dev/null)\" && exit 0; "
                         "exit 3\n");
    c.cmd = s.buf;
    c.timeout_ms = 30000;
    rc = fl_remote_exec(r, &c, &res, err);
    if (rc == 0)
        rc = res.exit_code == 0 ? 1 : res.exit_code == 3 ? 0 : FL_EREMOTE;
    if (rc == FL_EREMOTE)
        fl_err_set(err, rc, "%s: checking %s: exit %d", r->node, pidfile,
                   res.exit_code);
    fl_cmd_result_release(&res);
    fl_strbuf_release(&s);
    return rc;
}

int
fl_grepkill(struct fl_remote *r, const char *pattern, int sig,
            struct fl_err *err)
{
    struct fl_strbuf s = FL_STRBUF_INIT, in = FL_STRBUF_INIT;
    struct fl_cmd_result res = FL_CMD_RESULT_INIT;
    struct fl_cmd c = {0};
    int rc;

    if (!pattern || !*pattern || strchr(pattern, '\n'))
        return fl_err_set(err, FL_EUSAGE, "grepkill: bad pattern");
    fl_strbuf_addf(&in, "%s\n", pattern);
    /* Same network namespace as this shell = same node. */
    fl_strbuf_addf(&s,
                   "IFS= read -r pat\nme=$(readlink /proc/$$/ns/net)\n"
                   "n=0\nfor p in $(pgrep -f -- \"$pat\"); do\n"
                   "  [ \"$p\" = $$ ] && continue\n"
                   "  [ \"$(readlink /proc/$p/ns/net 2>/dev/null)\" = "
                   "\"$me\" ] || continue\n"
                   "  kill -%d \"$p\" 2>/dev/null && n=$((n+1))\n"
                   "done\necho $n\n",
                   sig);
    c.cmd = s.buf;
    c.in = in.buf;
    c.in_len = in.len;
    c.timeout_ms = 30000;
    rc = fl_remote_exec(r, &c, &res, err);
    if (rc == 0 && res.exit_code != 0)
        rc = fl_err_set(err, FL_EREMOTE, "%s: grepkill: exit %d: %.150s",
                        r->node, res.exit_code, res.err.buf);
    else if (rc == 0)
        rc = (int)strtol(res.out.buf, NULL, 10);
    fl_cmd_result_release(&res);
    fl_strbuf_release(&s);
    fl_strbuf_release(&in);
    return rc;
}

int
fl_await_tcp_port(struct fl_remote *r, const char *host, int port,
                  int64_t timeout_ms, struct fl_err *err)
{
    struct fl_strbuf s = FL_STRBUF_INIT;
    struct fl_cmd_result res = FL_CMD_RESULT_INIT;
    struct fl_cmd c = {.timeout_ms = 5000};
    int64_t deadline = fl_clock_mono_ms() + timeout_ms;
    int rc = 0;

    if (port <= 0 || port > 65535)
        return fl_err_set(err, FL_EUSAGE, "bad port %d", port);
    fl_strbuf_addstr(&s, "h=");
    fl_sh_quote(&s, host ? host : "127.0.0.1");
    fl_strbuf_addf(&s,
                   "\nif command -v bash >/dev/null 2>&1; then "
                   "exec bash -c 'exec 3<>/dev/tcp/\"$0\"/\"$1\"' "
                   "\"$h\" %d 2>/dev/null; "
                   "else exec nc -z -w 2 \"$h\" %d; fi\n",
                   port, port);
    c.cmd = s.buf;
    for (;;) {
        struct fl_err e = FL_ERR_INIT;
        int r2 = fl_remote_exec(r, &c, &res, &e);

        if (r2 == 0 && res.exit_code == 0)
            break;
        if (r2 != 0 && r2 != FL_ELIMIT) {
            rc = fl_err_set(err, r2, "%s", e.msg);
            break;
        }
        if (fl_clock_mono_ms() >= deadline) {
            rc = fl_err_set(
                err, FL_ELIMIT, "%s: port %s:%d not open after %" PRId64 " ms",
                r->node, host ? host : "127.0.0.1", port, timeout_ms);
            break;
        }
        nanosleep(&(struct timespec){0, 100 * 1000000L}, NULL);
    }
    fl_cmd_result_release(&res);
    fl_strbuf_release(&s);
    return rc;
}
