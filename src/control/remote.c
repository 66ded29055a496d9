/* SPDX-License-Identifier: MIT */
/*
 * remote.c: the backend-independent half of remotes: option defaults, the
 * cd/sudo wrapping of every command line, the run-and-fail-on-nonzero-exit
 * helpers, file transfer through cat for backends without a faster path,
 * and running a function on all nodes in parallel.
 */
#include "util/common.h"

#include <pthread.h>

#include "control/remote.h"
#include "util/err.h"
#include "util/parse.h"

static const struct fl_remote_type *const remote_types[] = {
    &fl_remote_ssh_type,
    &fl_remote_netns_type,
    &fl_remote_local_type,
    &fl_remote_dummy_type,
};

const struct fl_remote_type *
fl_remote_type_find(const char *name)
{
    for (size_t i = 0; i < FL_ARRAY_SIZE(remote_types); i++)
        if (strcmp(remote_types[i]->name, name) == 0)
            return remote_types[i];
    return NULL;
}

void
fl_cmd_result_release(struct fl_cmd_result *res)
{
    if (!res)
        return;
    fl_strbuf_release(&res->out);
    fl_strbuf_release(&res->err);
    res->exit_code = -1;
    res->timed_out = res->out_truncated = res->err_truncated = false;
}

static char *
dup_or(const char *s, const char *dflt)
{
    if (s)
        return fl_xstrdup(s);
    return dflt ? fl_xstrdup(dflt) : NULL;
}

static void
opts_free(struct fl_remote_opts *o)
{
    free((char *)o->backend);
    free((char *)o->user);
    free((char *)o->private_key);
    free((char *)o->password);
    free((char *)o->known_hosts);
    free((char *)o->sudo_password);
    free((char *)o->netns_prefix);
}

struct fl_remote *
fl_remote_new(const char *node, const struct fl_remote_opts *opts,
              struct fl_err *err)
{
    static const struct fl_remote_opts none;
    const struct fl_remote_type *type;
    struct fl_remote *r;
    const char *backend;

    if (!opts)
        opts = &none;
    backend = opts->backend ? opts->backend : "ssh";
    type = fl_remote_type_find(backend);
    if (!type) {
        fl_err_set(err, FL_EUSAGE, "unknown remote backend '%s'", backend);
        return NULL;
    }
    if (!node || !*node) {
        fl_err_set(err, FL_EUSAGE, "empty node name");
        return NULL;
    }
    if (fl_parse_check_name("node", node, err) != 0 ||
        fl_parse_check_name("--username", opts->user, err) != 0 ||
        fl_parse_check_name("--ssh-private-key", opts->private_key, err) != 0 ||
        fl_parse_check_name("--netns-prefix", opts->netns_prefix, err) != 0)
        return NULL;
    r = fl_xcalloc(1, sizeof(*r));
    r->type = type;
    r->node = fl_xstrdup(node);
    r->opts = *opts;
    r->opts.backend = fl_xstrdup(backend);
    r->opts.user = dup_or(opts->user, "root");
    r->opts.private_key = dup_or(opts->private_key, NULL);
    r->opts.password = dup_or(opts->password, NULL);
    r->opts.known_hosts = dup_or(opts->known_hosts, NULL);
    r->opts.sudo_password = dup_or(opts->sudo_password, NULL);
    r->opts.netns_prefix =
        dup_or(opts->netns_prefix, FL_REMOTE_DEFAULT_NETNS_PREFIX);
    if (r->opts.port <= 0)
        r->opts.port = 22;
    if (r->opts.max_channels <= 0)
        r->opts.max_channels = FL_REMOTE_DEFAULT_MAX_CHANNELS;
    if (r->opts.connect_timeout_ms <= 0)
        r->opts.connect_timeout_ms = 10000;
    if (r->opts.timeout_ms <= 0)
        r->opts.timeout_ms = FL_REMOTE_DEFAULT_TIMEOUT_MS;
    if (r->opts.max_output == 0)
        r->opts.max_output = FL_REMOTE_DEFAULT_MAX_OUTPUT;
    if (r->type->connect(r, err) != 0) {
        fl_err_prefix(err, "%s: ", r->node);
        opts_free(&r->opts);
        free(r->node);
        free(r);
        return NULL;
    }
    return r;
}

void
fl_remote_free(struct fl_remote *r)
{
    if (!r)
        return;
    r->type->disconnect(r);
    opts_free(&r->opts);
    free(r->node);
    free(r);
}

int
fl_remote_exec(struct fl_remote *r, const struct fl_cmd *c,
               struct fl_cmd_result *res, struct fl_err *err)
{
    struct fl_strbuf line = FL_STRBUF_INIT, in = FL_STRBUF_INIT;
    struct fl_cmd eff = *c;
    int rc;

    fl_cmd_result_release(res);
    if (c->dir) {
        fl_strbuf_addstr(&line, "cd ");
        fl_sh_quote(&line, c->dir);
        fl_strbuf_addstr(&line, " || exit 1\n");
    }
    fl_strbuf_addstr(&line, c->cmd ? c->cmd : "");
    if (c->sudo && strcmp(c->sudo, r->opts.user) != 0) {
        struct fl_strbuf s = FL_STRBUF_INIT;

        if (r->opts.sudo_password) {
            fl_strbuf_addstr(&s, "sudo -k -S -p '' -u ");
            fl_strbuf_addstr(&in, r->opts.sudo_password);
            fl_strbuf_addch(&in, '\n');
            if (c->in)
                fl_strbuf_add(&in, c->in, c->in_len);
            eff.in = in.buf;
            eff.in_len = in.len;
        } else {
            fl_strbuf_addstr(&s, "sudo -n -u ");
        }
        fl_sh_quote(&s, c->sudo);
        fl_strbuf_addstr(&s, " -- sh -c ");
        fl_sh_quote(&s, line.buf);
        fl_strbuf_release(&line);
        line = s;
    }
    eff.cmd = line.buf;
    eff.dir = NULL;
    eff.sudo = NULL;
    if (eff.timeout_ms == 0)
        eff.timeout_ms = r->opts.timeout_ms;
    if (eff.max_output == 0)
        eff.max_output = r->opts.max_output;
    rc = r->type->exec(r, &eff, res, err);
    if (rc != 0)
        fl_err_prefix(err, "%s: ", r->node);
    fl_strbuf_release(&line);
    fl_strbuf_release(&in);
    return rc;
}

static int
check_exit(struct fl_remote *r, const char *cmd,
           const struct fl_cmd_result *res, struct fl_err *err)
{
    const char *tail = res->err.buf;
    size_t tl = res->err.len;

    if (res->exit_code == 0)
        return 0;
    if (tl > 300) {
        tail += tl - 300;
        tl = 300;
    }
    while (tl > 0 && (tail[tl - 1] == '\n' || tail[tl - 1] == ' '))
        tl--;
    return fl_err_set(err, FL_EREMOTE, "%s: `%.120s` exited %d: %.*s", r->node,
                      cmd, res->exit_code, (int)tl, tail);
}

int
fl_remote_runv(struct fl_remote *r, const struct fl_cmd *base,
               const char *const *argv, struct fl_cmd_result *res,
               struct fl_err *err)
{
    struct fl_cmd_result local = FL_CMD_RESULT_INIT;
    struct fl_strbuf line = FL_STRBUF_INIT;
    struct fl_cmd c = {0};
    int rc;

    if (base)
        c = *base;
    if (!res)
        res = &local;
    fl_sh_quote_argv(&line, argv, -1);
    c.cmd = line.buf;
    rc = fl_remote_exec(r, &c, res, err);
    if (rc == 0)
        rc = check_exit(r, line.buf, res, err);
    fl_strbuf_release(&line);
    fl_cmd_result_release(&local);
    return rc;
}

static int
run_line(struct fl_remote *r, struct fl_strbuf *out, const char *line,
         struct fl_err *err)
{
    struct fl_cmd_result res = FL_CMD_RESULT_INIT;
    struct fl_cmd c = {.cmd = line};
    int rc = fl_remote_exec(r, &c, &res, err);

    if (rc == 0)
        rc = check_exit(r, line, &res, err);
    if (rc == 0 && out) {
        size_t n = res.out.len;
        if (n > 0 && res.out.buf[n - 1] == '\n')
            n--;
        fl_strbuf_add(out, res.out.buf, n);
    }
    fl_cmd_result_release(&res);
    return rc;
}

int
fl_remote_run(struct fl_remote *r, struct fl_strbuf *out, struct fl_err *err,
              const char *arg0, ...)
{
    struct fl_strbuf line = FL_STRBUF_INIT;
    const char *a;
    va_list ap;
    int rc;

    fl_sh_quote(&line, arg0);
    va_start(ap, arg0);
    while ((a = va_arg(ap, const char *)) != NULL) {
        fl_strbuf_addch(&line, ' ');
        fl_sh_quote(&line, a);
    }
    va_end(ap);
    rc = run_line(r, out, line.buf, err);
    fl_strbuf_release(&line);
    return rc;
}

int
fl_remote_sh(struct fl_remote *r, struct fl_strbuf *out, struct fl_err *err,
             const char *fmt, ...)
{
    struct fl_strbuf line = FL_STRBUF_INIT;
    va_list ap;
    int rc;

    va_start(ap, fmt);
    fl_strbuf_vaddf(&line, fmt, ap);
    va_end(ap);
    rc = run_line(r, out, line.buf, err);
    fl_strbuf_release(&line);
    return rc;
}

#define TRANSFER_MAX ((size_t)1 << 30)

int
fl_remote_upload(struct fl_remote *r, const char *local_path,
                 const char *remote_path, struct fl_err *err)
{
    struct fl_strbuf data = FL_STRBUF_INIT, line = FL_STRBUF_INIT;
    struct fl_cmd_result res = FL_CMD_RESULT_INIT;
    struct fl_cmd c = {0};
    int rc;

    if (r->type->upload)
        return r->type->upload(r, local_path, remote_path, err);
    rc = fl_strbuf_read_file(&data, local_path);
    if (rc != 0) {
        rc = fl_err_set(err, rc, "read %s: %s", local_path, strerror(-rc));
        goto out;
    }
    fl_strbuf_addstr(&line, "cat > ");
    fl_sh_quote(&line, remote_path);
    c.cmd = line.buf;
    c.in = data.buf;
    c.in_len = data.len;
    rc = fl_remote_exec(r, &c, &res, err);
    if (rc == 0)
        rc = check_exit(r, line.buf, &res, err);
out:
    fl_cmd_result_release(&res);
    fl_strbuf_release(&data);
    fl_strbuf_release(&line);
    return rc;
}

int
fl_remote_download(struct fl_remote *r, const char *remote_path,
                   const char *local_path, struct fl_err *err)
{
    struct fl_strbuf line = FL_STRBUF_INIT;
    struct fl_cmd_result res = FL_CMD_RESULT_INIT;
    struct fl_cmd c = {.max_output = TRANSFER_MAX};
    FILE *f = NULL;
    int rc;

    if (r->type->download)
        return r->type->download(r, remote_path, local_path, err);
    fl_strbuf_addstr(&line, "cat ");
    fl_sh_quote(&line, remote_path);
    c.cmd = line.buf;
    rc = fl_remote_exec(r, &c, &res, err);
    if (rc == 0)
        rc = check_exit(r, line.buf, &res, err);
    if (rc == 0 && res.out_truncated)
        rc = fl_err_set(err, FL_ELIMIT, "%s: %s is larger than 1 GiB", r->node,
                        remote_path);
    if (rc != 0)
        goto out;
    f = fopen(local_path, "wb");
    if (!f || fwrite(res.out.buf, 1, res.out.len, f) != res.out.len) {
        rc = fl_err_set(err, -errno, "write %s: %s", local_path,
                        strerror(errno));
        goto out;
    }
out:
    if (f && fclose(f) != 0 && rc == 0)
        rc = fl_err_set(err, -errno, "close %s: %s", local_path,
                        strerror(errno));
    fl_cmd_result_release(&res);
    fl_strbuf_release(&line);
    return rc;
}

struct on_all_job {
    struct fl_remote *r;
    size_t i;
    int (*fn)(struct fl_remote *, size_t, void *, struct fl_err *);
    void *arg;
    int rc;
    struct fl_err err;
    pthread_t th;
    bool started;
};

static void *
on_all_thread(void *p)
{
    struct on_all_job *j = p;

    j->rc = j->fn(j->r, j->i, j->arg, &j->err);
    return NULL;
}

int
fl_remote_on_all(struct fl_remote *const *r, size_t n,
                 int (*fn)(struct fl_remote *r, size_t i, void *arg,
                           struct fl_err *err),
                 void *arg, struct fl_err *err)
{
    struct on_all_job *jobs = fl_xcalloc(n ? n : 1, sizeof(*jobs));
    int rc = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        jobs[i] = (struct on_all_job){.r = r[i], .i = i, .fn = fn, .arg = arg};
        if (pthread_create(&jobs[i].th, NULL, on_all_thread, &jobs[i]) == 0)
            jobs[i].started = true;
        else
            on_all_thread(&jobs[i]);
    }
    for (i = 0; i < n; i++) {
        if (jobs[i].started)
            pthread_join(jobs[i].th, NULL);
        if (jobs[i].rc != 0 && rc == 0) {
            rc = jobs[i].rc;
            if (err) {
                *err = jobs[i].err;
                if (r[i] && !strstr(err->msg, r[i]->node))
                    fl_err_prefix(err, "%s: ", r[i]->node);
            }
        }
    }
    free(jobs);
    return rc;
}
