/* SPDX-License-Identifier: MIT */
/*
 * client_cmd.c: the subprocess client of `--client-cmd`. A client is a
 * child in its own process group (fl_proc_spawn) with a socket for its
 * stdin (writes to a dead child give EPIPE, never SIGPIPE), a pipe for its
 * stdout and its stderr appended to a log file in the store. Every request
 * is one line and waits, under a deadline, for one answer line, read
 * through a buffer capped at FL_CLIENT_PROTO_MAX_LINE. Anything but a
 * well-formed answer to this op makes the op :info, kills the whole group
 * and marks the client broken, so the worker's next process gets a fresh
 * subprocess; the history never misses a completion.
 */
#include "util/common.h"

#include "run/client_cmd.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "control/proc.h"
#include "nemesis/nemesis.h"
#include "run/client_proto.h"
#include "util/arena.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/log.h"
#include "util/strbuf.h"

#define CMD_NAME_MAX       60  /* command bytes quoted in errors */
#define CMD_LINE_MAX       200 /* offending-line bytes quoted in errors */
#define CMD_MARGIN_MAX_NS  (500 * 1000000LL)   /* see fl_client_cmd_seed */
#define CMD_OPEN_MIN_NS    (10 * 1000000000LL) /* open: start-up is slow */
#define CMD_OPEN_DFLT_NS   (60 * 1000000000LL) /* open without op timeout */
#define CMD_CLOSE_MAX_NS   (5 * 1000000000LL)  /* answer to close */
#define CMD_EXIT_WAIT_NS   (1000 * 1000000LL)  /* exit after close */
#define CMD_STATUS_WAIT_NS (200 * 1000000LL)   /* exit after EOF */
#define CMD_READ_CHUNK     65536

struct cmd_cfg {
    char *cmd;             /* sh -c command line */
    int64_t timeout_ns;    /* answer deadline; 0 = none */
    int64_t op_timeout_ns; /* the run's --op-timeout; 0 = none */
};

struct cmd_client {
    pid_t pid;             /* process group leader; -1 once reaped */
    int in_fd;             /* our end of its stdin (socket) */
    int out_fd;            /* its stdout (pipe, non-blocking) */
    struct fl_strbuf buf;  /* read from out_fd, not yet consumed */
    struct fl_strbuf req;  /* the request being written */
    struct fl_strbuf name; /* `client "cmd" (worker 3, pid 99)` */
    char *log_path;        /* its stderr, or NULL */
    bool broken;           /* killed: no more requests */
};

/* Why a line could not be had. */
enum cmd_read {
    CMD_READ_OK,
    CMD_READ_TIMEOUT,
    CMD_READ_EOF,
    CMD_READ_TOO_LONG,
    CMD_READ_ERROR,
};

int64_t
fl_client_cmd_timeout_ns(int64_t op_timeout_ns)
{
    if (op_timeout_ns <= 0)
        return 0;
    return op_timeout_ns - FL_MIN(op_timeout_ns / 4, CMD_MARGIN_MAX_NS);
}

static void
cfg_free(void *p)
{
    struct cmd_cfg *cfg = p;

    if (cfg)
        free(cfg->cmd);
    free(cfg);
}

void
fl_client_cmd_seed(struct fl_client_seed *seed, const char *cmd,
                   int64_t op_timeout_ns)
{
    struct cmd_cfg *cfg = fl_xcalloc(1, sizeof(*cfg));

    fl_client_seed_release(seed);
    cfg->cmd = fl_xstrdup(cmd);
    cfg->timeout_ns = fl_client_cmd_timeout_ns(op_timeout_ns);
    cfg->op_timeout_ns = op_timeout_ns;
    seed->type = &fl_client_cmd_type;
    seed->shared = cfg;
    seed->free_shared = cfg_free;
}

/* ---- the subprocess ---- */

/* <store>/clients/<who>.stderr, opened for appending; -1 without a store. */
static int
open_log(struct cmd_client *cc, const struct fl_env *env,
         const struct fl_client *c)
{
    if (!env || !env->store_dir)
        return open("/dev/null", O_WRONLY | O_CLOEXEC);
    char *dir = fl_xasprintf("%s/clients", env->store_dir);
    if (mkdir(dir, 0755) < 0 && errno != EEXIST)
        fl_warn("client-cmd: mkdir %s: %s", dir, strerror(errno));
    if (c->thread >= 0)
        cc->log_path = fl_xasprintf("%s/worker-%d.stderr", dir, c->thread);
    else
        cc->log_path =
            fl_xasprintf("%s/setup-%s.stderr", dir,
                         c->node < env->nnodes ? env->nodes[c->node] : "node");
    free(dir);
    return open(cc->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
}

static void
set_name(struct cmd_client *cc, const struct cmd_cfg *cfg,
         const struct fl_client *c)
{
    size_t n = strlen(cfg->cmd);

    fl_strbuf_setlen(&cc->name, 0);
    fl_strbuf_addf(&cc->name, "client \"%.*s%s\" (",
                   (int)FL_MIN(n, CMD_NAME_MAX), cfg->cmd,
                   n > CMD_NAME_MAX ? "..." : "");
    if (c->thread >= 0)
        fl_strbuf_addf(&cc->name, "worker %d", c->thread);
    else
        fl_strbuf_addstr(&cc->name, "setup");
    fl_strbuf_addf(&cc->name, ", pid %d)", (int)cc->pid);
}

static int
spawn(struct cmd_client *cc, const struct cmd_cfg *cfg,
      const struct fl_env *env, const struct fl_client *c, struct fl_err *err)
{
    int in_sp[2] = {-1, -1}, out_p[2] = {-1, -1};
    int log_fd = open_log(cc, env, c);
    const char *argv[] = {"sh", "-c", cfg->cmd, NULL};
    int rc = 0;

    if (log_fd < 0) {
        rc = fl_err_set(err, -errno, "client-cmd: open %s: %s",
                        cc->log_path ? cc->log_path : "/dev/null",
                        strerror(errno));
        goto out;
    }
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in_sp) < 0 ||
        pipe2(out_p, O_CLOEXEC) < 0) {
        rc = fl_err_set(err, -errno, "client-cmd: pipe: %s", strerror(errno));
        goto out;
    }
    cc->pid = fl_proc_spawn(argv, in_sp[1], out_p[1], log_fd, err);
    if (cc->pid < 0) {
        rc = cc->pid;
        cc->pid = -1;
        goto out;
    }
    cc->in_fd = in_sp[0];
    cc->out_fd = out_p[0];
    in_sp[0] = out_p[0] = -1;
    fcntl(cc->in_fd, F_SETFL, O_NONBLOCK);
    fcntl(cc->out_fd, F_SETFL, O_NONBLOCK);
    set_name(cc, cfg, c);
out:
    for (int i = 0; i < 2; i++) {
        if (in_sp[i] >= 0)
            close(in_sp[i]);
        if (out_p[i] >= 0)
            close(out_p[i]);
    }
    if (log_fd >= 0)
        close(log_fd);
    return rc;
}

/* Kill the group and reap; the client takes no more requests. */
static void
kill_child(struct cmd_client *cc)
{
    if (cc->pid > 0)
        fl_proc_kill(cc->pid);
    cc->pid = -1;
    cc->broken = true;
}

/* True once the child has exited (not reaped: the group stays killable). */
static bool
child_exited(struct cmd_client *cc, int64_t wait_ns, siginfo_t *si)
{
    int64_t deadline = fl_clock_mono_ns() + wait_ns;

    for (;;) {
        memset(si, 0, sizeof(*si));
        if (cc->pid <= 0 ||
            waitid(P_PID, (id_t)cc->pid, si, WEXITED | WNOHANG | WNOWAIT) < 0)
            return true;
        if (si->si_pid == cc->pid)
            return true;
        if (fl_clock_mono_ns() >= deadline)
            return false;
        struct timespec ts = {0, 5 * 1000000L};
        nanosleep(&ts, NULL);
    }
}

/* "exited with status 3", "was killed by signal 9", "closed its stdout". */
static void
describe_exit(struct cmd_client *cc, struct fl_strbuf *sb)
{
    siginfo_t si;

    if (!child_exited(cc, CMD_STATUS_WAIT_NS, &si) || si.si_pid != cc->pid)
        fl_strbuf_addstr(sb, "closed its stdout");
    else if (si.si_code == CLD_EXITED)
        fl_strbuf_addf(sb, "exited with status %d", si.si_status);
    else
        fl_strbuf_addf(sb, "was killed by signal %d", si.si_status);
}

/* ---- lines ---- */

static int64_t
deadline_of(int64_t timeout_ns)
{
    return timeout_ns > 0 ? fl_clock_mono_ns() + timeout_ns : -1;
}

/* Wait for fd to be ready for events until deadline (-1: forever). */
static int
wait_fd(int fd, short events, int64_t deadline)
{
    struct pollfd pf = {fd, events, 0};
    struct timespec ts, *tsp = NULL;

    if (deadline >= 0) {
        int64_t left = FL_MAX(deadline - fl_clock_mono_ns(), 0);
        ts.tv_sec = (time_t)(left / 1000000000LL);
        ts.tv_nsec = (long)(left % 1000000000LL);
        tsp = &ts;
    }
    int n = ppoll(&pf, 1, tsp, NULL);
    if (n < 0)
        return errno == EINTR ? 0 : -errno;
    return n;
}

static int
write_all(struct cmd_client *cc, const char *s, size_t len, int64_t deadline)
{
    size_t off = 0;

    while (off < len) {
        ssize_t w = send(cc->in_fd, s + off, len - off, MSG_NOSIGNAL);
        if (w > 0) {
            off += (size_t)w;
            continue;
        }
        if (w < 0 && errno != EAGAIN && errno != EINTR)
            return -errno;
        if (deadline >= 0 && fl_clock_mono_ns() >= deadline)
            return FL_ELIMIT;
        int n = wait_fd(cc->in_fd, POLLOUT, deadline);
        if (n < 0)
            return n;
    }
    return 0;
}

/* One read into buf: 1 got bytes, 0 EOF, -EAGAIN nothing, <0 error. */
static int
read_some(struct cmd_client *cc)
{
    fl_strbuf_grow(&cc->buf, CMD_READ_CHUNK);
    ssize_t n = read(cc->out_fd, cc->buf.buf + cc->buf.len, CMD_READ_CHUNK);
    if (n > 0) {
        fl_strbuf_setlen(&cc->buf, cc->buf.len + (size_t)n);
        return 1;
    }
    if (n == 0)
        return 0;
    return errno == EINTR ? -EAGAIN : -errno;
}

/* A whole line at the start of buf: its length (no newline) in *len. */
static enum cmd_read
read_line(struct cmd_client *cc, int64_t deadline, size_t *len)
{
    size_t scanned = 0;

    for (;;) {
        char *nl = memchr(cc->buf.buf + scanned, '\n', cc->buf.len - scanned);
        if (nl) {
            *len = (size_t)(nl - cc->buf.buf);
            return *len > FL_CLIENT_PROTO_MAX_LINE ? CMD_READ_TOO_LONG
                                                   : CMD_READ_OK;
        }
        scanned = cc->buf.len;
        if (scanned > FL_CLIENT_PROTO_MAX_LINE)
            return CMD_READ_TOO_LONG;
        int r = read_some(cc);
        if (r == 0)
            return CMD_READ_EOF;
        if (r == 1)
            continue;
        if (r != -EAGAIN)
            return CMD_READ_ERROR;
        if (deadline >= 0 && fl_clock_mono_ns() >= deadline)
            return CMD_READ_TIMEOUT;
        if (wait_fd(cc->out_fd, POLLIN, deadline) < 0)
            return CMD_READ_ERROR;
    }
}

/* Drop the first len bytes and the newline after them. */
static void
consume(struct cmd_client *cc, size_t len)
{
    size_t n = FL_MIN(len + 1, cc->buf.len);

    memmove(cc->buf.buf, cc->buf.buf + n, cc->buf.len - n);
    fl_strbuf_setlen(&cc->buf, cc->buf.len - n);
}

/* `"line"`, capped, with control and non-ASCII bytes as '?'. */
static void
quote_line(struct fl_strbuf *sb, const char *s, size_t len)
{
    size_t n = FL_MIN(len, CMD_LINE_MAX);

    fl_strbuf_addch(sb, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        fl_strbuf_addch(sb, ch < 0x20 || ch >= 0x7f ? '?' : ch);
    }
    fl_strbuf_addch(sb, '"');
    if (len > n)
        fl_strbuf_addf(sb, " (%zu bytes, first %zu shown)", len, n);
}

/* ---- one request, one answer ---- */

/*
 * Failures are described in msg as "indeterminate: client "cmd" (worker t,
 * pid p): what", ready for :error (and the exceptions checker).
 */
static void
fail_begin(struct cmd_client *cc, struct fl_strbuf *msg)
{
    fl_strbuf_setlen(msg, 0);
    fl_strbuf_addf(msg, "indeterminate: %s: ", cc->name.buf);
}

/* Describe a failed read_line into msg, then kill the child. */
static void
read_failed(struct cmd_client *cc, enum cmd_read r, int64_t timeout_ns,
            const char *what, struct fl_strbuf *msg)
{
    fail_begin(cc, msg);
    switch (r) {
    case CMD_READ_TIMEOUT:
        fl_strbuf_addf(msg, "no answer to %s within %" PRId64 " ms; killed",
                       what, timeout_ns / 1000000);
        if (cc->buf.len) {
            fl_strbuf_addstr(msg, "; it wrote, without a newline, ");
            quote_line(msg, cc->buf.buf, cc->buf.len);
        }
        break;
    case CMD_READ_EOF:
        describe_exit(cc, msg);
        fl_strbuf_addf(msg, " without answering %s", what);
        if (cc->buf.len) {
            fl_strbuf_addstr(msg, "; it wrote ");
            quote_line(msg, cc->buf.buf, cc->buf.len);
        }
        break;
    case CMD_READ_TOO_LONG:
        fl_strbuf_addf(msg, "answer to %s longer than %u bytes: ", what,
                       FL_CLIENT_PROTO_MAX_LINE);
        quote_line(msg, cc->buf.buf, cc->buf.len);
        break;
    default:
        fl_strbuf_addf(msg, "reading its stdout: %s", strerror(errno));
        break;
    }
    if (cc->log_path)
        fl_strbuf_addf(msg, " (stderr: %s)", cc->log_path);
    kill_child(cc);
}

/*
 * Write the request in cc->req and read one answer line into *len.
 * Returns 0, or -1 with msg set and the child killed.
 */
static int
exchange(struct cmd_client *cc, int64_t timeout_ns, const char *what,
         size_t *len, struct fl_strbuf *msg)
{
    int64_t deadline = deadline_of(timeout_ns);
    int rc = write_all(cc, cc->req.buf, cc->req.len, deadline);

    if (rc == FL_ELIMIT) {
        read_failed(cc, CMD_READ_TIMEOUT, timeout_ns, what, msg);
        return -1;
    }
    if (rc < 0) {
        /* It closed its stdin: it is gone or going. */
        read_failed(cc, CMD_READ_EOF, timeout_ns, what, msg);
        return -1;
    }
    enum cmd_read r = read_line(cc, deadline, len);
    if (r != CMD_READ_OK) {
        read_failed(cc, r, timeout_ns, what, msg);
        return -1;
    }
    return 0;
}

/* A line (or EOF) that came with no request pending: the client is lost. */
static bool
unsolicited(struct cmd_client *cc, struct fl_strbuf *msg)
{
    int r = cc->buf.len ? 1 : read_some(cc);

    if (r == -EAGAIN)
        return false;
    fail_begin(cc, msg);
    if (r == 0) {
        describe_exit(cc, msg);
        fl_strbuf_addstr(msg, " before this op was sent");
    } else if (r < 0) {
        fl_strbuf_addf(msg, "reading its stdout: %s", strerror(-r));
    } else {
        fl_strbuf_addstr(msg, "wrote a line with no request pending (an "
                              "extra answer to an earlier op?): ");
        char *nl = memchr(cc->buf.buf, '\n', cc->buf.len);
        quote_line(msg, cc->buf.buf,
                   nl ? (size_t)(nl - cc->buf.buf) : cc->buf.len);
    }
    kill_child(cc);
    return true;
}

/* ---- the client type ---- */

static void
cc_free(struct cmd_client *cc)
{
    if (!cc)
        return;
    if (cc->pid > 0)
        fl_proc_kill(cc->pid);
    if (cc->in_fd >= 0)
        close(cc->in_fd);
    if (cc->out_fd >= 0)
        close(cc->out_fd);
    fl_strbuf_release(&cc->buf);
    fl_strbuf_release(&cc->req);
    fl_strbuf_release(&cc->name);
    free(cc->log_path);
    free(cc);
}

/* The answer to open or close must be {"type":"ok"}. */
static int
expect_ok(struct cmd_client *cc, size_t len, const char *what,
          struct fl_strbuf *msg)
{
    struct fl_client_proto_reply r;
    struct fl_arena a;
    struct fl_err perr = FL_ERR_INIT;
    int rc = 0;

    fl_arena_init(&a, 1024);
    if (fl_client_proto_parse(cc->buf.buf, len, &a, &r, &perr) < 0) {
        fail_begin(cc, msg);
        fl_strbuf_addf(msg, "malformed answer to %s (%s): ", what, perr.msg);
        quote_line(msg, cc->buf.buf, len);
        rc = -1;
    } else if (r.type != FL_OP_OK) {
        fail_begin(cc, msg);
        fl_strbuf_addf(msg, "%s answered ", what);
        quote_line(msg, cc->buf.buf, len);
        rc = -1;
    }
    consume(cc, len);
    if (rc < 0)
        kill_child(cc);
    fl_arena_release(&a);
    return rc;
}

static int
cmd_open(struct fl_client *c, const struct fl_env *env, struct fl_err *err)
{
    const struct cmd_cfg *cfg = c->shared;
    struct cmd_client *cc = fl_xcalloc(1, sizeof(*cc));
    struct fl_strbuf msg = FL_STRBUF_INIT;
    /* Starting an interpreter on a loaded machine can take seconds; an op
     * waiting on a slow open still ends at the run's op timeout. */
    int64_t timeout_ns = cfg->timeout_ns
                             ? FL_MAX(cfg->timeout_ns, CMD_OPEN_MIN_NS)
                             : CMD_OPEN_DFLT_NS;
    size_t len;
    int rc;

    cc->pid = -1;
    cc->in_fd = cc->out_fd = -1;
    fl_strbuf_init(&cc->buf, 0);
    fl_strbuf_init(&cc->req, 0);
    fl_strbuf_init(&cc->name, 0);
    rc = spawn(cc, cfg, env, c, err);
    if (rc < 0)
        goto out;
    fl_client_proto_open(&cc->req, env, c->node, cfg->op_timeout_ns,
                         cfg->timeout_ns);
    if (exchange(cc, timeout_ns, "open", &len, &msg) < 0 ||
        expect_ok(cc, len, "open", &msg) < 0) {
        /* Skip "indeterminate: ": a failed open is a :fail of the op. */
        const char *m = msg.buf + strlen("indeterminate: ");
        rc = fl_err_set(err, -EPROTO, "%s", m);
        fl_warn("client-cmd: %s", m);
        goto out;
    }
    fl_debug("client-cmd: %s open on %s", cc->name.buf,
             c->node < env->nnodes ? env->nodes[c->node] : "?");
    c->ctx = cc;
    cc = NULL;
out:
    cc_free(cc);
    fl_strbuf_release(&msg);
    return rc;
}

/* Record msg as the :info completion's :error and log it. */
static void
complete_info(struct fl_op *out, struct fl_arena *a,
              const struct fl_strbuf *msg)
{
    out->type = FL_OP_INFO;
    out->extra = NULL;
    fl_op_set_error(out, a, msg->buf);
    fl_warn("client-cmd: op %" PRId64 " :%s: %s", out->index,
            fl_kw_name(out->f), msg->buf + strlen("indeterminate: "));
}

/* Decode the answer line of len bytes into out; -1 with msg on error. */
static int
take_answer(struct cmd_client *cc, size_t len, const struct fl_op *op,
            struct fl_arena *a, struct fl_op *out, struct fl_strbuf *msg)
{
    struct fl_client_proto_reply r;
    struct fl_err perr = FL_ERR_INIT;
    const char *why = NULL;

    if (fl_client_proto_parse(cc->buf.buf, len, a, &r, &perr) < 0)
        why = "malformed answer";
    else if (fl_client_proto_match(&r, op, &perr) < 0)
        why = "answer to another op";
    else if (cc->buf.len > len + 1)
        why = "more than one answer line";
    if (why) {
        fail_begin(cc, msg);
        fl_strbuf_addstr(msg, why);
        if (perr.msg[0])
            fl_strbuf_addf(msg, " (%s)", perr.msg);
        fl_strbuf_addstr(msg, ": ");
        quote_line(msg, cc->buf.buf, len);
        kill_child(cc);
        return -1;
    }
    fl_client_proto_apply(&r, out);
    consume(cc, len);
    return 0;
}

static int
cmd_invoke(struct fl_client *c, const struct fl_env *env,
           const struct fl_op *op, struct fl_arena *a, struct fl_op *out,
           struct fl_err *err)
{
    const struct cmd_cfg *cfg = c->shared;
    struct cmd_client *cc = c->ctx;
    struct fl_strbuf msg = FL_STRBUF_INIT;
    size_t len;

    FL_UNUSED(err);
    if (cc->broken) {
        /* Not reached: a broken client answered :info, ending the process. */
        fail_begin(cc, &msg);
        fl_strbuf_addstr(&msg, "was killed after an earlier op");
        complete_info(out, a, &msg);
        goto out;
    }
    if (unsolicited(cc, &msg)) {
        complete_info(out, a, &msg);
        goto out;
    }
    fl_strbuf_setlen(&cc->req, 0);
    fl_client_proto_invoke(&cc->req, env, c->node, op);
    if (exchange(cc, cfg->timeout_ns, "the op", &len, &msg) < 0 ||
        take_answer(cc, len, op, a, out, &msg) < 0)
        complete_info(out, a, &msg);
out:
    fl_strbuf_release(&msg);
    return 0;
}

/* Ask a healthy client to close, then make sure its group is gone. */
static void
cmd_close(struct fl_client *c, const struct fl_env *env)
{
    const struct cmd_cfg *cfg = c->shared;
    struct cmd_client *cc = c->ctx;
    struct fl_strbuf msg = FL_STRBUF_INIT;
    size_t len;
    siginfo_t si;

    FL_UNUSED(env);
    if (!cc)
        return;
    if (!cc->broken && cc->pid > 0) {
        int64_t t = cfg->timeout_ns ? FL_MIN(cfg->timeout_ns, CMD_CLOSE_MAX_NS)
                                    : CMD_CLOSE_MAX_NS;
        fl_strbuf_setlen(&cc->req, 0);
        fl_client_proto_close(&cc->req);
        if (exchange(cc, t, "close", &len, &msg) < 0 ||
            expect_ok(cc, len, "close", &msg) < 0)
            fl_warn("client-cmd: %s", msg.buf + strlen("indeterminate: "));
        if (cc->pid > 0) {
            shutdown(cc->in_fd, SHUT_WR);
            if (!child_exited(cc, CMD_EXIT_WAIT_NS, &si))
                fl_warn("client-cmd: %s did not exit after close; killed",
                        cc->name.buf);
        }
    }
    cc_free(cc); /* kills what is left of the group */
    c->ctx = NULL;
    fl_strbuf_release(&msg);
}

const struct fl_client_type fl_client_cmd_type = {
    .name = "client-cmd",
    /* Jepsen's default: a new process gets a new client (subprocess). */
    .reusable = false,
    .open = cmd_open,
    .setup = fl_client_node_noop,
    .invoke = cmd_invoke,
    .teardown = fl_client_node_noop,
    .close = cmd_close,
};
