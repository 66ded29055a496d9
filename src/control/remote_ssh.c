/* SPDX-License-Identifier: MIT */
/*
 * remote_ssh.c: the SSH backend, on libssh. One connection per node; any
 * number of threads may run commands on it at once, each on its own
 * channel, at most max_channels at a time (a counting semaphore), with every
 * libssh call on the session made under one mutex (a libssh session is not
 * thread-safe) and channels read without blocking. Host keys are trusted on
 * first use and recorded in known_hosts (a changed key is refused), checked
 * strictly (unknown refused), or not at all (with a warning). Auth tries
 * the key file, then ssh-agent, then the default keys, then the password.
 * When the connection breaks, the next command reconnects with backoff;
 * a command is never re-run once its channel was opened.
 */
#include "util/common.h"

#include <libssh/libssh.h>
#include <pthread.h>
#include <semaphore.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "control/remote.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/log.h"

struct ssh_ctx {
    pthread_mutex_t mu; /* every libssh call on s */
    ssh_session s;      /* under mu; NULL when disconnected */
    sem_t channels;     /* free channel slots */
    char *known_hosts;  /* owned */
};

static pthread_once_t ssh_once = PTHREAD_ONCE_INIT;

static void
ssh_global_init(void)
{
    ssh_init();
}

static void
sleep_ms(int64_t ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};

    nanosleep(&ts, NULL);
}

static int
check_host_key(struct fl_remote *r, ssh_session s, const char *kh,
               struct fl_err *err)
{
    enum ssh_known_hosts_e st;

    if (r->opts.host_key_mode == FL_HOST_KEY_OFF) {
        static int warned;
        if (!warned) {
            warned = 1;
            fl_warn("--no-host-key-checking: SSH host keys are not "
                    "verified; a man in the middle would go unnoticed");
        }
        return 0;
    }
    st = ssh_session_is_known_server(s);
    switch (st) {
    case SSH_KNOWN_HOSTS_OK:
        return 0;
    case SSH_KNOWN_HOSTS_CHANGED:
    case SSH_KNOWN_HOSTS_OTHER:
        return fl_err_set(err, FL_EREMOTE,
                          "host key for %s changed (or is of another type) "
                          "since it was recorded in %s: refusing to connect",
                          r->node, kh);
    case SSH_KNOWN_HOSTS_UNKNOWN:
    case SSH_KNOWN_HOSTS_NOT_FOUND:
        if (r->opts.host_key_mode == FL_HOST_KEY_STRICT)
            return fl_err_set(err, FL_EREMOTE,
                              "unknown host key for %s (not in %s) and "
                              "--strict-host-key-checking is on",
                              r->node, kh);
        if (ssh_session_update_known_hosts(s) != SSH_OK)
            return fl_err_set(err, FL_EREMOTE,
                              "cannot record %s's key in "
                              "%s: %s",
                              r->node, kh, ssh_get_error(s));
        fl_info("ssh: trusting %s's host key on first use (recorded in %s)",
                r->node, kh);
        return 0;
    default:
        return fl_err_set(err, FL_EREMOTE, "host key check for %s: %s", r->node,
                          ssh_get_error(s));
    }
}

static int
authenticate(struct fl_remote *r, ssh_session s, struct fl_err *err)
{
    int rc;

    if (r->opts.private_key) {
        ssh_key key = NULL;
        if (ssh_pki_import_privkey_file(r->opts.private_key, NULL, NULL, NULL,
                                        &key) != SSH_OK)
            return fl_err_set(err, FL_EREMOTE, "cannot read key %s",
                              r->opts.private_key);
        rc = ssh_userauth_publickey(s, NULL, key);
        ssh_key_free(key);
        if (rc == SSH_AUTH_SUCCESS)
            return 0;
    }
    if (getenv("SSH_AUTH_SOCK") &&
        ssh_userauth_agent(s, NULL) == SSH_AUTH_SUCCESS)
        return 0;
    if (!r->opts.private_key &&
        ssh_userauth_publickey_auto(s, NULL, NULL) == SSH_AUTH_SUCCESS)
        return 0;
    if (r->opts.password &&
        ssh_userauth_password(s, NULL, r->opts.password) == SSH_AUTH_SUCCESS)
        return 0;
    return fl_err_set(err, FL_EREMOTE,
                      "authentication as %s failed (key%s%s): %s", r->opts.user,
                      getenv("SSH_AUTH_SOCK") ? ", agent" : "",
                      r->opts.password ? ", password" : "", ssh_get_error(s));
}

/* Open a new session into x->s; call with x->mu held. */
static int
session_open(struct fl_remote *r, struct ssh_ctx *x, struct fl_err *err)
{
    ssh_session s = ssh_new();
    long timeout_s = (long)((r->opts.connect_timeout_ms + 999) / 1000);
    unsigned int port = (unsigned int)r->opts.port;
    int rc = 0;

    if (!s)
        return fl_err_set(err, -ENOMEM, "ssh_new failed");
    ssh_options_set(s, SSH_OPTIONS_HOST, r->node);
    ssh_options_set(s, SSH_OPTIONS_USER, r->opts.user);
    ssh_options_set(s, SSH_OPTIONS_PORT, &port);
    ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &timeout_s);
    ssh_options_set(s, SSH_OPTIONS_KNOWNHOSTS, x->known_hosts);
    if (ssh_connect(s) != SSH_OK) {
        rc = fl_err_set(err, FL_EREMOTE, "ssh connect to %s:%d: %s", r->node,
                        r->opts.port, ssh_get_error(s));
        goto out;
    }
    rc = check_host_key(r, s, x->known_hosts, err);
    if (rc == 0)
        rc = authenticate(r, s, err);
out:
    if (rc != 0) {
        ssh_disconnect(s);
        ssh_free(s);
    } else {
        x->s = s;
    }
    return rc;
}

/* (Re)connect with backoff: 100, 200, 400, 800 ms. Call with mu held. */
static int
ensure_session(struct fl_remote *r, struct ssh_ctx *x, struct fl_err *err)
{
    int rc = 0;

    if (x->s && ssh_is_connected(x->s))
        return 0;
    if (x->s) {
        ssh_free(x->s);
        x->s = NULL;
    }
    for (int attempt = 0; attempt < 5; attempt++) {
        if (attempt > 0)
            sleep_ms(100LL << (attempt - 1));
        rc = session_open(r, x, err);
        /* A refused host key or failed auth will not get better. */
        if (rc == 0 || strstr(err ? err->msg : "", "host key") ||
            strstr(err ? err->msg : "", "authentication"))
            break;
    }
    return rc;
}

static int
ssh_connect_(struct fl_remote *r, struct fl_err *err)
{
    struct ssh_ctx *x = fl_xcalloc(1, sizeof(*x));
    const char *home = getenv("HOME");
    int rc;

    pthread_once(&ssh_once, ssh_global_init);
    pthread_mutex_init(&x->mu, NULL);
    sem_init(&x->channels, 0, (unsigned)r->opts.max_channels);
    if (r->opts.known_hosts) {
        x->known_hosts = fl_xstrdup(r->opts.known_hosts);
    } else {
        char *dir = fl_xasprintf("%s/.ssh", home ? home : "/root");
        mkdir(dir, 0700);
        x->known_hosts = fl_xasprintf("%s/known_hosts", dir);
        free(dir);
    }
    r->ctx = x;
    pthread_mutex_lock(&x->mu);
    rc = ensure_session(r, x, err);
    pthread_mutex_unlock(&x->mu);
    if (rc != 0) {
        sem_destroy(&x->channels);
        pthread_mutex_destroy(&x->mu);
        free(x->known_hosts);
        free(x);
        r->ctx = NULL;
    }
    return rc;
}

static void
take(ssh_channel ch, int is_stderr, struct fl_strbuf *sb, size_t cap,
     bool *trunc, bool *got)
{
    char buf[16384];
    int n;

    while ((n = ssh_channel_read_nonblocking(ch, buf, sizeof(buf), is_stderr)) >
           0) {
        *got = true;
        if (sb->len < cap) {
            size_t t = FL_MIN((size_t)n, cap - sb->len);
            fl_strbuf_add(sb, buf, t);
            if (t < (size_t)n)
                *trunc = true;
        } else {
            *trunc = true;
        }
    }
}

static int
ssh_exec_(struct fl_remote *r, const struct fl_cmd *c,
          struct fl_cmd_result *res, struct fl_err *err)
{
    struct ssh_ctx *x = r->ctx;
    ssh_channel ch = NULL;
    int64_t deadline =
        c->timeout_ms > 0 ? fl_clock_mono_ms() + c->timeout_ms : -1;
    size_t in_off = 0;
    bool eof_sent = false;
    int rc = 0;

    sem_wait(&x->channels);
    pthread_mutex_lock(&x->mu);
    rc = ensure_session(r, x, err);
    if (rc == 0) {
        ch = ssh_channel_new(x->s);
        if (!ch || ssh_channel_open_session(ch) != SSH_OK) {
            /* The connection may have died since: one fresh try. */
            if (ch)
                ssh_channel_free(ch);
            ch = NULL;
            ssh_disconnect(x->s);
            rc = ensure_session(r, x, err);
            if (rc == 0) {
                ch = ssh_channel_new(x->s);
                if (!ch || ssh_channel_open_session(ch) != SSH_OK)
                    rc = fl_err_set(err, FL_EREMOTE, "ssh channel: %s",
                                    ssh_get_error(x->s));
            }
        }
    }
    if (rc == 0 && ssh_channel_request_exec(ch, c->cmd) != SSH_OK)
        rc = fl_err_set(err, FL_EREMOTE, "ssh exec: %s", ssh_get_error(x->s));
    pthread_mutex_unlock(&x->mu);

    while (rc == 0) {
        bool got = false, done;

        pthread_mutex_lock(&x->mu);
        if (!eof_sent) {
            if (c->in && in_off < c->in_len) {
                uint32_t chunk =
                    (uint32_t)FL_MIN(c->in_len - in_off, (size_t)32768);
                int w =
                    ssh_channel_write(ch, (const char *)c->in + in_off, chunk);
                if (w > 0)
                    in_off += (size_t)w;
                else if (w < 0)
                    in_off = c->in_len;
            }
            if (!c->in || in_off >= c->in_len) {
                ssh_channel_send_eof(ch);
                eof_sent = true;
            }
        }
        take(ch, 0, &res->out, c->max_output, &res->out_truncated, &got);
        take(ch, 1, &res->err, c->max_output, &res->err_truncated, &got);
        done = ssh_channel_is_eof(ch) || ssh_channel_is_closed(ch);
        if (done) {
            take(ch, 0, &res->out, c->max_output, &res->out_truncated, &got);
            take(ch, 1, &res->err, c->max_output, &res->err_truncated, &got);
            res->exit_code = ssh_channel_get_exit_status(ch);
            if (res->exit_code < 0)
                rc = fl_err_set(err, FL_EREMOTE,
                                "ssh: lost the connection "
                                "(exit status unknown)");
        }
        pthread_mutex_unlock(&x->mu);
        if (done)
            break;
        if (deadline >= 0 && fl_clock_mono_ms() >= deadline) {
            res->timed_out = true;
            rc = fl_err_set(err, FL_ELIMIT,
                            "command timed out after %" PRId64 " ms",
                            c->timeout_ms);
            break;
        }
        if (!got)
            sleep_ms(1);
    }
    if (ch) {
        pthread_mutex_lock(&x->mu);
        ssh_channel_close(ch);
        ssh_channel_free(ch);
        pthread_mutex_unlock(&x->mu);
    }
    sem_post(&x->channels);
    return rc;
}

static void
ssh_disconnect_(struct fl_remote *r)
{
    struct ssh_ctx *x = r->ctx;

    if (!x)
        return;
    if (x->s) {
        ssh_disconnect(x->s);
        ssh_free(x->s);
    }
    sem_destroy(&x->channels);
    pthread_mutex_destroy(&x->mu);
    free(x->known_hosts);
    free(x);
    r->ctx = NULL;
}

const struct fl_remote_type fl_remote_ssh_type = {
    .name = "ssh",
    .connect = ssh_connect_,
    .exec = ssh_exec_,
    .disconnect = ssh_disconnect_,
};
