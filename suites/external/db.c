/* SPDX-License-Identifier: MIT */
/*
 * db.c: the external suite's DB, a lifecycle made of the user's shell
 * commands. Each runs on its node through the node's remote (netns, SSH)
 * with FAULTLINE_NODE, FAULTLINE_NODE_INDEX and FAULTLINE_NODES exported,
 * under a timeout; a nonzero exit is an error naming the option, the node,
 * the status and the end of stderr. setup runs --db-setup then --db-start;
 * teardown runs --db-teardown (it must be idempotent: the run also calls it
 * before setup).
 */
#include "util/common.h"

#include "suites/external/external.h"

#include "control/escape.h"
#include "control/remote.h"
#include "util/err.h"
#include "util/strbuf.h"

#define EXT_ERR_TAIL 200 /* stderr bytes quoted in an error */

struct ext_db {
    struct fl_db_type type;        /* ext_db_type with this DB's caps */
    struct fl_external_db_cfg cfg; /* strings owned */
};

bool
fl_external_db_any(const struct fl_external_db_cfg *c)
{
    return c->setup || c->teardown || c->start || c->kill || c->pause ||
           c->resume || c->logs || c->primary;
}

/* The command line: the node's identity exported, then the user's cmd. */
static void
script(struct fl_strbuf *sb, const struct fl_env *env, size_t node,
       const char *cmd)
{
    struct fl_strbuf nodes = FL_STRBUF_INIT;

    for (size_t i = 0; i < env->nnodes; i++) {
        if (i)
            fl_strbuf_addch(&nodes, ' ');
        fl_strbuf_addstr(&nodes, env->nodes[i]);
    }
    fl_strbuf_addstr(sb, "FAULTLINE_NODE=");
    fl_sh_quote(sb, env->nodes[node]);
    fl_strbuf_addf(sb, " FAULTLINE_NODE_INDEX=%zu FAULTLINE_NODES=", node);
    fl_sh_quote(sb, nodes.buf);
    fl_strbuf_addstr(sb, "; export FAULTLINE_NODE FAULTLINE_NODE_INDEX "
                         "FAULTLINE_NODES\n");
    fl_strbuf_addstr(sb, cmd);
    fl_strbuf_release(&nodes);
}

/*
 * Run option opt's cmd on node. Returns 0 with *status its exit status
 * (and its stdout in out, if not NULL); a nonzero status is an error
 * unless status_ok.
 */
static int
run_cmd(const struct ext_db *d, const struct fl_env *env, size_t node,
        const char *opt, const char *cmd, bool status_ok, struct fl_strbuf *out,
        int *status, struct fl_err *err)
{
    struct fl_strbuf line = FL_STRBUF_INIT;
    struct fl_cmd_result res = FL_CMD_RESULT_INIT;
    struct fl_cmd c = {.timeout_ms = d->cfg.timeout_ms};
    int rc;

    if (!env->remotes || !env->remotes[node]) {
        rc = fl_err_set(err, -ENOTSUP, "--%s: no remote for node %s", opt,
                        env->nodes[node]);
        goto out;
    }
    script(&line, env, node, cmd);
    c.cmd = line.buf;
    rc = fl_remote_exec(env->remotes[node], &c, &res, err);
    if (rc < 0) {
        fl_err_prefix(err, "--%s on %s: ", opt, env->nodes[node]);
        goto out;
    }
    if (status)
        *status = res.exit_code;
    if (res.exit_code != 0 && !status_ok) {
        size_t n = res.err.len, k = FL_MIN(n, (size_t)EXT_ERR_TAIL);
        rc = fl_err_set(err, FL_EREMOTE, "--%s on %s: exit %d%s%.*s", opt,
                        env->nodes[node], res.exit_code, k ? ": " : "", (int)k,
                        res.err.buf + n - k);
        goto out;
    }
    if (out)
        fl_strbuf_add(out, res.out.buf, res.out.len);
out:
    fl_cmd_result_release(&res);
    fl_strbuf_release(&line);
    return rc;
}

/* Run opt's cmd if given; a missing one does nothing. */
static int
run_opt(struct fl_db *db, const struct fl_env *env, size_t node,
        const char *opt, const char *cmd, struct fl_err *err)
{
    if (!cmd)
        return 0;
    return run_cmd(db->ctx, env, node, opt, cmd, false, NULL, NULL, err);
}

static int
ext_setup(struct fl_db *db, const struct fl_env *env, size_t node,
          struct fl_err *err)
{
    const struct ext_db *d = db->ctx;
    int rc = run_opt(db, env, node, "db-setup", d->cfg.setup, err);

    if (rc == 0)
        rc = run_opt(db, env, node, "db-start", d->cfg.start, err);
    return rc;
}

static int
ext_teardown(struct fl_db *db, const struct fl_env *env, size_t node,
             struct fl_err *err)
{
    const struct ext_db *d = db->ctx;

    return run_opt(db, env, node, "db-teardown", d->cfg.teardown, err);
}

static int
ext_kill(struct fl_db *db, const struct fl_env *env, size_t node,
         struct fl_err *err)
{
    const struct ext_db *d = db->ctx;

    return run_opt(db, env, node, "db-kill", d->cfg.kill, err);
}

static int
ext_start(struct fl_db *db, const struct fl_env *env, size_t node,
          struct fl_err *err)
{
    const struct ext_db *d = db->ctx;

    return run_opt(db, env, node, "db-start", d->cfg.start, err);
}

static int
ext_pause(struct fl_db *db, const struct fl_env *env, size_t node,
          struct fl_err *err)
{
    const struct ext_db *d = db->ctx;

    return run_opt(db, env, node, "db-pause", d->cfg.pause, err);
}

static int
ext_resume(struct fl_db *db, const struct fl_env *env, size_t node,
           struct fl_err *err)
{
    const struct ext_db *d = db->ctx;

    return run_opt(db, env, node, "db-resume", d->cfg.resume, err);
}

/* Nodes where --db-primary exits 0. */
static int
ext_primaries(struct fl_db *db, const struct fl_env *env,
              struct fl_vec_u32 *out, struct fl_err *err)
{
    const struct ext_db *d = db->ctx;

    for (size_t i = 0; i < env->nnodes; i++) {
        int status = -1;
        int rc = run_cmd(d, env, i, "db-primary", d->cfg.primary, true, NULL,
                         &status, err);
        if (rc < 0)
            return rc;
        if (status == 0)
            FL_VEC_PUSH(out, (uint32_t)i);
    }
    return 0;
}

/* The files --db-logs's glob matches on node, one per line. */
static int
ext_log_files(struct fl_db *db, const struct fl_env *env, size_t node,
              struct fl_db_log_files *out, struct fl_err *err)
{
    const struct ext_db *d = db->ctx;
    struct fl_strbuf cmd = FL_STRBUF_INIT, list = FL_STRBUF_INIT;
    int rc;

    /* The glob is the user's, unquoted on purpose: the shell expands it. */
    fl_strbuf_addf(&cmd,
                   "for f in %s; do [ -f \"$f\" ] && echo \"$f\"; done; "
                   "true",
                   d->cfg.logs);
    rc = run_cmd(d, env, node, "db-logs", cmd.buf, false, &list, NULL, err);
    for (char *s = list.buf; rc == 0 && *s;) {
        char *nl = strchrnul(s, '\n');
        if (nl > s && s[0] == '/') {
            char *path = fl_xstrndup(s, (size_t)(nl - s));
            fl_db_log_files_add(out, path, NULL);
            free(path);
        }
        s = *nl ? nl + 1 : nl;
    }
    fl_strbuf_release(&cmd);
    fl_strbuf_release(&list);
    return rc;
}

static void
ext_free(struct fl_db *db)
{
    struct ext_db *d = db->ctx;

    if (!d)
        return;
    free((char *)d->cfg.setup);
    free((char *)d->cfg.teardown);
    free((char *)d->cfg.start);
    free((char *)d->cfg.kill);
    free((char *)d->cfg.pause);
    free((char *)d->cfg.resume);
    free((char *)d->cfg.logs);
    free((char *)d->cfg.primary);
    free(d);
}

static char *
dup_opt(const char *s)
{
    return s ? fl_xstrdup(s) : NULL;
}

/* The template; each DB copies it and sets caps from its commands. */
static const struct fl_db_type ext_db_type = {
    .name = "external",
    .caps = 0,
    .setup = ext_setup,
    .teardown = ext_teardown,
    .kill = ext_kill,
    .start = ext_start,
    .pause = ext_pause,
    .resume = ext_resume,
    .setup_primary = fl_db_node_noop,
    .primaries = ext_primaries,
    .log_files = ext_log_files,
    .free = ext_free,
};

struct fl_db *
fl_external_db_new(const struct fl_external_db_cfg *cfg)
{
    struct ext_db *d = fl_xcalloc(1, sizeof(*d));
    struct fl_external_db_cfg *c = &d->cfg;

    d->type = ext_db_type;
    c->setup = dup_opt(cfg->setup);
    c->teardown = dup_opt(cfg->teardown);
    c->start = dup_opt(cfg->start);
    c->kill = dup_opt(cfg->kill);
    c->pause = dup_opt(cfg->pause);
    c->resume = dup_opt(cfg->resume);
    c->logs = dup_opt(cfg->logs);
    c->primary = dup_opt(cfg->primary);
    c->timeout_ms = cfg->timeout_ms;
    if (c->kill && c->start)
        d->type.caps |= FL_DB_CAP_KILL;
    if (c->pause && c->resume)
        d->type.caps |= FL_DB_CAP_PAUSE;
    if (c->primary)
        d->type.caps |= FL_DB_CAP_PRIMARY;
    if (c->logs)
        d->type.caps |= FL_DB_CAP_LOG_FILES;
    return fl_db_new(&d->type, d);
}
