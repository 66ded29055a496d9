/* SPDX-License-Identifier: MIT */
/*
 * remote_dummy.c: the --no-ssh backend. It connects to nothing, runs
 * nothing, and answers every command with exit status 0 and no output, while
 * remembering the command lines so tests can see what would have been run.
 */
#include "util/common.h"

#include <pthread.h>

#include "control/remote.h"

struct dummy {
    pthread_mutex_t mu;
    struct fl_strbuf log; /* command lines, "\n"-separated; under mu */
};

static int
dummy_connect(struct fl_remote *r, struct fl_err *err)
{
    struct dummy *d = fl_xcalloc(1, sizeof(*d));

    FL_UNUSED(err);
    pthread_mutex_init(&d->mu, NULL);
    fl_strbuf_init(&d->log, 0);
    r->ctx = d;
    return 0;
}

static int
dummy_exec(struct fl_remote *r, const struct fl_cmd *c,
           struct fl_cmd_result *res, struct fl_err *err)
{
    struct dummy *d = r->ctx;

    FL_UNUSED(err);
    pthread_mutex_lock(&d->mu);
    if (d->log.len > 0)
        fl_strbuf_addch(&d->log, '\n');
    fl_strbuf_addstr(&d->log, c->cmd);
    pthread_mutex_unlock(&d->mu);
    res->exit_code = 0;
    return 0;
}

static int
dummy_upload(struct fl_remote *r, const char *local_path,
             const char *remote_path, struct fl_err *err)
{
    struct fl_cmd c = {0};
    struct fl_strbuf line = FL_STRBUF_INIT;
    struct fl_cmd_result res = FL_CMD_RESULT_INIT;

    fl_strbuf_addstr(&line, "upload ");
    fl_sh_quote(&line, local_path);
    fl_strbuf_addch(&line, ' ');
    fl_sh_quote(&line, remote_path);
    c.cmd = line.buf;
    dummy_exec(r, &c, &res, err);
    fl_strbuf_release(&line);
    return 0;
}

static int
dummy_download(struct fl_remote *r, const char *remote_path,
               const char *local_path, struct fl_err *err)
{
    struct fl_cmd c = {0};
    struct fl_strbuf line = FL_STRBUF_INIT;
    struct fl_cmd_result res = FL_CMD_RESULT_INIT;

    fl_strbuf_addstr(&line, "download ");
    fl_sh_quote(&line, remote_path);
    fl_strbuf_addch(&line, ' ');
    fl_sh_quote(&line, local_path);
    c.cmd = line.buf;
    dummy_exec(r, &c, &res, err);
    fl_strbuf_release(&line);
    return 0;
}

static void
dummy_disconnect(struct fl_remote *r)
{
    struct dummy *d = r->ctx;

    if (!d)
        return;
    fl_strbuf_release(&d->log);
    pthread_mutex_destroy(&d->mu);
    free(d);
    r->ctx = NULL;
}

void
fl_remote_dummy_log(struct fl_remote *r, struct fl_strbuf *sb)
{
    struct dummy *d;

    if (r->type != &fl_remote_dummy_type)
        return;
    d = r->ctx;
    pthread_mutex_lock(&d->mu);
    fl_strbuf_add(sb, d->log.buf, d->log.len);
    pthread_mutex_unlock(&d->mu);
}

const struct fl_remote_type fl_remote_dummy_type = {
    .name = "dummy",
    .connect = dummy_connect,
    .exec = dummy_exec,
    .upload = dummy_upload,
    .download = dummy_download,
    .disconnect = dummy_disconnect,
};
