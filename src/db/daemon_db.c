/* SPDX-License-Identifier: MIT */
/*
 * daemon_db.c: the generic daemon DB (daemon_db.h). The description is
 * copied at creation and read-only afterwards, so every node's thread uses
 * it without a lock (os/debian serialises installs on the machine). Every path
 * is <dir>/<node>/..., so daemons of a local cluster (one filesystem) never
 * share a file.
 */
#include "util/common.h"

#include "db/daemon_db.h"

#include <signal.h>
#include <unistd.h>

#include "control/daemon.h"
#include "control/escape.h"
#include "control/remote.h"
#include "control/timeshim.h"
#include "db/db.h"
#include "os/debian.h"
#include "os/os.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/log.h"
#include "util/strbuf.h"

struct ddb_file {
    char *name, *tmpl;
};

struct ddb {
    char *name, *binary, *dir, *installed_path, *user; /* user: or NULL */
    char **packages, **args, **logs, **init, **env,
        **stale;            /* NULL-term., owned */
    struct ddb_file *files; /* nfiles of them */
    size_t nfiles;
    struct fl_daemon_db_desc desc; /* probes, port, timeouts, arg */
    pthread_mutex_t install_mu;    /* serialises the machine-wide install */
    bool installed;                /* protected by install_mu */
};

static char **
dup_list(const char *const *l)
{
    size_t n = 0;
    char **out;

    while (l && l[n])
        n++;
    out = fl_xcalloc(n + 1, sizeof(*out));
    for (size_t i = 0; i < n; i++)
        out[i] = fl_xstrdup(l[i]);
    return out;
}

static void
free_list(char **l)
{
    for (size_t i = 0; l && l[i]; i++)
        free(l[i]);
    free(l);
}

/* ---- templates ---- */

static int
expand_opt(struct fl_strbuf *out, const struct fl_env *env, const char *key,
           struct fl_err *err)
{
    const char *s = fl_env_opt_str(env, key, NULL);
    int64_t i;

    if (s) {
        fl_strbuf_addstr(out, s);
        return 0;
    }
    i = fl_env_opt_int(env, key, INT64_MIN);
    if (i == INT64_MIN)
        return fl_err_set(err, FL_EUSAGE, "option :%s is not set", key);
    fl_strbuf_addf(out, "%" PRId64, i);
    return 0;
}

static int expand_in(struct fl_strbuf *out, const char *t, size_t len,
                     const struct fl_env *env, size_t node, const char *dir,
                     long each, struct fl_err *err);

/* {{#nodes SEP}}body{{/nodes}} at t (past "{{#nodes"); *used = its length */
static int
expand_nodes(struct fl_strbuf *out, const char *t, const char *key_end,
             const struct fl_env *env, size_t node, const char *dir,
             size_t *used, struct fl_err *err)
{
    const char *sep = t + (*t == ' ');
    const char *body = key_end + 2;
    const char *end = strstr(body, "{{/nodes}}");
    int rc = 0;

    if (!end)
        return fl_err_set(err, FL_EUSAGE, "{{#nodes}} without {{/nodes}}");
    for (size_t i = 0; rc == 0 && i < env->nnodes; i++) {
        if (i)
            fl_strbuf_add(out, sep, (size_t)(key_end - sep));
        rc = expand_in(out, body, (size_t)(end - body), env, node, dir, (long)i,
                       err);
    }
    *used = (size_t)(end + strlen("{{/nodes}}") - t);
    return rc;
}

static int
expand_key(struct fl_strbuf *out, const char *key, const struct fl_env *env,
           size_t node, const char *dir, long each, struct fl_err *err)
{
    if (strcmp(key, "node") == 0)
        fl_strbuf_addstr(out, env->nodes[node]);
    else if (strcmp(key, "first") == 0)
        fl_strbuf_addstr(out, env->nodes[0]);
    else if (strcmp(key, "index") == 0)
        fl_strbuf_addf(out, "%zu", node + 1);
    else if (strcmp(key, "dir") == 0)
        fl_strbuf_addf(out, "%s/%s", dir, env->nodes[node]);
    else if (strcmp(key, "data") == 0)
        fl_strbuf_addf(out, "%s/%s/data", dir, env->nodes[node]);
    else if (strncmp(key, "opt:", 4) == 0)
        return expand_opt(out, env, key + 4, err);
    else if (each >= 0 && strcmp(key, "n") == 0)
        fl_strbuf_addstr(out, env->nodes[each]);
    else if (each >= 0 && strcmp(key, "i") == 0)
        fl_strbuf_addf(out, "%ld", each + 1);
    else
        return fl_err_set(err, FL_EUSAGE, "unknown placeholder {{%s}}", key);
    return 0;
}

static int
expand_in(struct fl_strbuf *out, const char *t, size_t len,
          const struct fl_env *env, size_t node, const char *dir, long each,
          struct fl_err *err)
{
    const char *end = t + len;
    int rc = 0;

    while (rc == 0 && t < end) {
        const char *open = strstr(t, "{{");
        if (!open || open >= end) {
            fl_strbuf_add(out, t, (size_t)(end - t));
            break;
        }
        fl_strbuf_add(out, t, (size_t)(open - t));
        const char *close = strstr(open + 2, "}}");
        if (!close || close >= end)
            return fl_err_set(err, FL_EUSAGE, "unclosed {{ in template");
        if (strncmp(open + 2, "#nodes", 6) == 0 && each < 0) {
            size_t used = 0;
            rc = expand_nodes(out, open + 8, close, env, node, dir, &used, err);
            t = open + 8 + used;
            continue;
        }
        char *key = fl_xstrndup(open + 2, (size_t)(close - open - 2));
        rc = expand_key(out, key, env, node, dir, each, err);
        free(key);
        t = close + 2;
    }
    return rc;
}

int
fl_daemon_db_expand(struct fl_strbuf *out, const char *tmpl,
                    const struct fl_env *env, size_t node, const char *dir,
                    struct fl_err *err)
{
    return expand_in(out, tmpl, strlen(tmpl), env, node, dir, -1, err);
}

/* ---- paths, remotes, install ---- */

void
fl_daemon_db_path(struct fl_strbuf *out, const struct fl_db *db,
                  const char *node, const char *file)
{
    const struct ddb *d = db->ctx;

    fl_strbuf_addf(out, "%s/%s%s%s", d->dir, node, file ? "/" : "",
                   file ? file : "");
}

static void
own_path(struct fl_strbuf *out, const struct ddb *d, const char *node,
         const char *ext)
{
    fl_strbuf_reset(out);
    fl_strbuf_addf(out, "%s/%s/%s%s", d->dir, node, d->name, ext);
}

/* Node names end up in paths, configs and URLs: a host name's alphabet. */
static bool
node_name_ok(const char *s)
{
    if (!*s || strlen(s) > 253)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9') || *s == '-' || *s == '.' || *s == '_'))
            return false;
    return true;
}

static struct fl_remote *
remote_of(const struct ddb *d, const struct fl_env *env, size_t node,
          struct fl_err *err)
{
    if (!env->remotes || node >= env->nnodes || !env->remotes[node]) {
        fl_err_set(err, FL_EUSAGE, "%s: node %zu has no remote", d->name, node);
        return NULL;
    }
    return env->remotes[node];
}

static int
install_on(struct ddb *d, struct fl_remote *r, struct fl_err *err)
{
    struct fl_strbuf q = FL_STRBUF_INIT;
    int rc;

    fl_sh_quote(&q, d->installed_path ? d->installed_path : d->binary);
    rc = fl_remote_sh(
        r, NULL, NULL,
        d->installed_path ? "test -e %s" : "command -v %s >/dev/null", q.buf);
    if (rc != 0 && d->packages[0]) {
        fl_info("%s: %s not found; installing with apt-get", r->node,
                d->installed_path ? d->installed_path : d->binary);
        rc = fl_debian_install_node(r, (const char *const *)d->packages, err);
    } else if (rc != 0) {
        rc = fl_err_set(err, FL_EREMOTE, "%s: %s is not installed", r->node,
                        d->installed_path ? d->installed_path : d->binary);
    }
    fl_strbuf_release(&q);
    return rc;
}

/* ---- lifecycle ---- */

static int
write_file(struct fl_remote *r, const char *path, const struct fl_strbuf *s,
           struct fl_err *err)
{
    struct fl_strbuf line = FL_STRBUF_INIT;
    struct fl_cmd_result res = FL_CMD_RESULT_INIT;
    int rc;

    fl_strbuf_addstr(&line, "cat > ");
    fl_sh_quote(&line, path);
    struct fl_cmd c = {
        .cmd = line.buf, .in = s->buf, .in_len = s->len, .timeout_ms = 30000};
    rc = fl_remote_exec(r, &c, &res, err);
    if (rc == 0 && res.exit_code != 0)
        rc = fl_err_set(err, FL_EREMOTE, "%s: write %s: exit %d: %.120s",
                        r->node, path, res.exit_code, res.err.buf);
    fl_cmd_result_release(&res);
    fl_strbuf_release(&line);
    return rc;
}

/* <dir>/<node> and everything in it to d->user; data/ private to it. */
static int
own_dir(struct ddb *d, struct fl_remote *r, const char *node,
        struct fl_err *err)
{
    struct fl_strbuf dir = FL_STRBUF_INIT, q = FL_STRBUF_INIT;
    struct fl_strbuf u = FL_STRBUF_INIT;
    int rc;

    fl_strbuf_addf(&dir, "%s/%s", d->dir, node);
    fl_sh_quote(&q, dir.buf);
    fl_sh_quote(&u, d->user);
    rc = fl_remote_sh(r, NULL, err, "chown -R %s: %s && chmod 700 %s/data",
                      u.buf, q.buf, q.buf);
    fl_strbuf_release(&dir);
    fl_strbuf_release(&q);
    fl_strbuf_release(&u);
    return rc;
}

/* The words of tmpl (NULL-terminated templates) expanded for node. */
static int
expand_argv(struct ddb *d, const char *const *tmpl, const struct fl_env *env,
            size_t node, struct fl_strbuf *out, struct fl_err *err)
{
    int rc = 0;

    for (size_t i = 0; rc == 0 && tmpl[i]; i++) {
        struct fl_strbuf a = FL_STRBUF_INIT;
        rc = fl_daemon_db_expand(&a, tmpl[i], env, node, d->dir, err);
        if (rc != 0)
            fl_err_prefix(err, "%s: word %zu: ", d->name, i + 1);
        fl_strbuf_addch(out, ' ');
        fl_sh_quote(out, a.buf);
        fl_strbuf_release(&a);
    }
    return rc;
}

/* Run d->init as d->user when <dir>/<node>/data is empty. */
static int
run_init(struct ddb *d, const struct fl_env *env, size_t node,
         struct fl_remote *r, struct fl_err *err)
{
    struct fl_strbuf cmd = FL_STRBUF_INIT, q = FL_STRBUF_INIT;
    struct fl_strbuf log = FL_STRBUF_INIT;
    int rc;

    bool own = d->desc.init_fn != NULL;

    if (!d->init[0] && !own)
        return 0;
    fl_strbuf_addf(&q, "%s/%s/data", d->dir, env->nodes[node]);
    fl_strbuf_reset(&cmd);
    fl_strbuf_addstr(&cmd, "[ -n \"$(ls -A ");
    fl_sh_quote(&cmd, q.buf);
    fl_strbuf_addstr(&cmd, ")\" ] && exit 0\ncd ");
    fl_sh_quote(&cmd, q.buf);
    fl_strbuf_addstr(&cmd, "/.. || exit 1\n");
    if (d->user) {
        fl_strbuf_addstr(&cmd, "setpriv --reuid=");
        fl_sh_quote(&cmd, d->user);
        fl_strbuf_addstr(&cmd, " --regid=$(id -g ");
        fl_sh_quote(&cmd, d->user);
        fl_strbuf_addstr(&cmd, ") --init-groups");
    }
    if (own) {
        struct fl_strbuf line = FL_STRBUF_INIT;
        own = d->desc.init_fn(env, node, d->desc.arg, &line) == 0;
        if (own) {
            fl_strbuf_addstr(&cmd, " sh -c ");
            fl_sh_quote(&cmd, line.buf);
        }
        fl_strbuf_release(&line);
    }
    rc = own ? 0
             : expand_argv(d, (const char *const *)d->init, env, node, &cmd,
                           err);
    own_path(&log, d, env->nodes[node], ".log");
    fl_strbuf_addstr(&cmd, " >> ");
    fl_sh_quote(&cmd, log.buf);
    fl_strbuf_addstr(&cmd, " 2>&1");
    if (rc == 0)
        rc = fl_remote_sh(r, NULL, err, "%s", cmd.buf);
    if (rc != 0)
        fl_err_prefix(err, "%s: %s init (see %s): ", env->nodes[node], d->name,
                      log.buf);
    fl_strbuf_release(&cmd);
    fl_strbuf_release(&q);
    fl_strbuf_release(&log);
    return rc;
}

static int
write_files(struct ddb *d, const struct fl_env *env, size_t node,
            struct fl_remote *r, struct fl_err *err)
{
    struct fl_strbuf path = FL_STRBUF_INIT, text = FL_STRBUF_INIT;
    const char *me = env->nodes[node];
    int rc;

    fl_strbuf_addf(&path, "%s/%s/data", d->dir, me);
    rc = fl_debian_ensure_dir(r, path.buf, NULL, err);
    if (rc == 0 && d->user)
        rc = own_dir(d, r, me, err);
    for (size_t i = 0; rc == 0 && i < d->nfiles; i++) {
        fl_strbuf_reset(&text);
        rc = fl_daemon_db_expand(&text, d->files[i].tmpl, env, node, d->dir,
                                 err);
        if (rc != 0) {
            fl_err_prefix(err, "%s: %s: ", d->name, d->files[i].name);
            break;
        }
        fl_strbuf_reset(&path);
        fl_strbuf_addf(&path, "%s/%s/%s", d->dir, me, d->files[i].name);
        rc = write_file(r, path.buf, &text, err);
    }
    fl_strbuf_release(&path);
    fl_strbuf_release(&text);
    return rc;
}

/*
 * The daemon's extra environment for node: the description's templates,
 * then the time shim on a local cluster node. NULL-terminated, owned.
 */
static char **
daemon_env(struct ddb *d, const struct fl_env *env, size_t node,
           struct fl_remote *r, struct fl_err *err)
{
    size_t n = 0, k = 0;
    char **out;
    int rc = 0;

    while (d->env[n])
        n++;
    out = fl_xcalloc(n + 3, sizeof(*out));
    for (; rc == 0 && k < n; k++) {
        struct fl_strbuf e = FL_STRBUF_INIT;
        rc = fl_daemon_db_expand(&e, d->env[k], env, node, d->dir, err);
        if (rc != 0)
            fl_err_prefix(err, "%s: environment %zu: ", d->name, k + 1);
        out[k] = fl_strbuf_detach(&e, NULL);
    }
    if (rc == 0 && d->desc.time_shim && r->type == &fl_remote_netns_type) {
        const char *state = fl_env_opt_str(env, "cluster-state-dir", NULL);
        char *so = fl_time_shim_for(state, env->nodes[node], d->user, err);
        char *file = fl_time_shim_clock_file(state, env->nodes[node]);

        if (!so) {
            rc = FL_EUSAGE;
            fl_err_prefix(
                err, "%s: clock faults would not reach the daemon: ", d->name);
        } else {
            out[k++] = fl_xasprintf("LD_PRELOAD=%s", so);
        }
        out[k++] = fl_xasprintf("FAULTLINE_CLOCK_FILE=%s", file);
        free(so);
        free(file);
    }
    if (rc != 0) {
        free_list(out);
        return NULL;
    }
    return out;
}

/* Remove d->stale of node (the daemon is not running). */
static int
remove_stale(struct ddb *d, const struct fl_env *env, size_t node,
             struct fl_remote *r, struct fl_err *err)
{
    struct fl_strbuf cmd = FL_STRBUF_INIT, path = FL_STRBUF_INIT;
    int rc = 0;

    for (size_t i = 0; d->stale[i]; i++) {
        fl_strbuf_reset(&path);
        fl_strbuf_addf(&path, "%s/%s/%s", d->dir, env->nodes[node],
                       d->stale[i]);
        fl_strbuf_addstr(&cmd, cmd.len ? " " : "rm -f ");
        fl_sh_quote(&cmd, path.buf);
    }
    if (cmd.len)
        rc = fl_remote_sh(r, NULL, err, "%s", cmd.buf);
    fl_strbuf_release(&cmd);
    fl_strbuf_release(&path);
    return rc;
}

static int
start_daemon(struct ddb *d, const struct fl_env *env, size_t node,
             struct fl_remote *r, struct fl_err *err)
{
    struct fl_strbuf pid = FL_STRBUF_INIT, log = FL_STRBUF_INIT;
    struct fl_strbuf dir = FL_STRBUF_INIT;
    size_t n = 0;
    int rc = 0;

    while (d->args[n])
        n++;
    char **argv = fl_xcalloc(n + 2, sizeof(*argv));
    argv[0] = fl_xstrdup(d->binary);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct fl_strbuf a = FL_STRBUF_INIT;
        rc = fl_daemon_db_expand(&a, d->args[i], env, node, d->dir, err);
        if (rc != 0)
            fl_err_prefix(err, "%s: argument %zu: ", d->name, i + 1);
        argv[i + 1] = fl_strbuf_detach(&a, NULL);
    }
    own_path(&pid, d, env->nodes[node], ".pid");
    own_path(&log, d, env->nodes[node], ".log");
    fl_strbuf_addf(&dir, "%s/%s", d->dir, env->nodes[node]);
    char **envv = rc == 0 ? daemon_env(d, env, node, r, err) : NULL;
    if (rc == 0 && !envv)
        rc = FL_EUSAGE;
    struct fl_daemon_opts o = {.pidfile = pid.buf,
                               .logfile = log.buf,
                               .chdir = dir.buf,
                               .env = (const char *const *)envv,
                               .user = d->user};
    if (rc == 0 && fl_daemon_running(r, pid.buf, NULL) != 1) {
        rc = remove_stale(d, env, node, r, err);
        if (rc == 0)
            rc = run_init(d, env, node, r, err);
    }
    if (rc == 0)
        rc = fl_daemon_start(r, &o, (const char *const *)argv, err);
    if (rc > 0)
        rc = 0; /* already running */
    free_list(argv);
    free_list(envv);
    fl_strbuf_release(&pid);
    fl_strbuf_release(&log);
    fl_strbuf_release(&dir);
    return rc;
}

static bool
probe_healthy(struct ddb *d, const struct fl_env *env, size_t node,
              struct fl_remote *r)
{
    if (d->desc.healthy)
        return d->desc.healthy(env, node, d->desc.arg);
    if (d->desc.port > 0)
        return fl_await_tcp_port(r, NULL, d->desc.port, 100, NULL) == 0;
    return true; /* running is all we can ask */
}

/* The last line of the node's log, for an error message. */
static void
log_tail(struct ddb *d, struct fl_remote *r, const char *log,
         struct fl_strbuf *out)
{
    struct fl_strbuf q = FL_STRBUF_INIT;

    FL_UNUSED(d);
    fl_sh_quote(&q, log);
    if (fl_remote_sh(r, out, NULL, "tail -n 1 %s 2>/dev/null", q.buf) != 0)
        fl_strbuf_reset(out);
    fl_strbuf_release(&q);
}

/*
 * How long the kill nemesis's :start waits for a restarted node at most: its
 * health may need a quorum that other faults keep away, and the fault
 * schedule should not stall for a whole start timeout.
 */
#define DDB_RESTART_WAIT_MS 10000

static int
await_for(struct fl_db *db, const struct fl_env *env, size_t node,
          int64_t timeout_ms, struct fl_err *err)
{
    struct ddb *d = db->ctx;
    struct fl_remote *r = remote_of(d, env, node, err);
    struct fl_strbuf pid = FL_STRBUF_INIT, log = FL_STRBUF_INIT;
    struct fl_strbuf tail = FL_STRBUF_INIT;
    int64_t deadline = fl_clock_mono_ms() + timeout_ms;
    const char *why = NULL;
    int rc = 0;

    if (!r)
        return FL_EUSAGE;
    own_path(&pid, d, env->nodes[node], ".pid");
    own_path(&log, d, env->nodes[node], ".log");
    while (!probe_healthy(d, env, node, r)) {
        if (fl_daemon_running(r, pid.buf, NULL) == 0)
            why = "exited";
        else if (fl_clock_mono_ms() >= deadline)
            why = "not healthy";
        if (why)
            break;
        usleep(200000);
    }
    if (why) {
        log_tail(d, r, log.buf, &tail);
        rc = fl_err_set(err, strcmp(why, "exited") ? FL_ELIMIT : FL_EREMOTE,
                        "%s: %s %s%s (timeout %" PRId64
                        " ms); its log %s ends: %.300s",
                        env->nodes[node], d->name, why,
                        strcmp(why, "exited") ? "" : " while starting",
                        timeout_ms, log.buf, tail.len ? tail.buf : "(empty)");
    }
    fl_strbuf_release(&pid);
    fl_strbuf_release(&log);
    fl_strbuf_release(&tail);
    return rc;
}

int
fl_daemon_db_await(struct fl_db *db, const struct fl_env *env, size_t node,
                   struct fl_err *err)
{
    struct ddb *d = db->ctx;

    return await_for(db, env, node, d->desc.start_timeout_ms, err);
}

static int
db_await_restart(struct fl_db *db, const struct fl_env *env, size_t node,
                 struct fl_err *err)
{
    struct ddb *d = db->ctx;

    return await_for(db, env, node,
                     FL_MIN(d->desc.start_timeout_ms, DDB_RESTART_WAIT_MS),
                     err);
}

static int
db_setup(struct fl_db *db, const struct fl_env *env, size_t node,
         struct fl_err *err)
{
    struct ddb *d = db->ctx;
    struct fl_remote *r = remote_of(d, env, node, err);
    int rc;

    if (!r)
        return FL_EUSAGE;
    for (size_t i = 0; i < env->nnodes; i++)
        if (!node_name_ok(env->nodes[i]))
            return fl_err_set(err, FL_EUSAGE,
                              "%s: node name '%s' is not a host name", d->name,
                              env->nodes[i]);
    rc = install_on(d, r, err);
    if (rc == 0)
        rc = write_files(d, env, node, r, err);
    if (rc == 0)
        rc = start_daemon(d, env, node, r, err);
    if (rc == 0)
        rc = fl_daemon_db_await(db, env, node, err);
    if (rc == 0)
        fl_info("%s: %s up and healthy", env->nodes[node], d->name);
    return rc;
}

static int
kill_node(struct ddb *d, const struct fl_env *env, size_t node,
          struct fl_remote *r, struct fl_err *err)
{
    struct fl_strbuf pid = FL_STRBUF_INIT;
    int rc;

    own_path(&pid, d, env->nodes[node], ".pid");
    /* SIGKILL also ends a SIGSTOPped daemon left by an interrupted run. */
    rc =
        d->desc.process_tree
            ? fl_daemon_stop_tree(r, pid.buf, SIGKILL, d->desc.stop_timeout_ms,
                                  err)
            : fl_daemon_stop(r, pid.buf, SIGKILL, d->desc.stop_timeout_ms, err);
    fl_strbuf_release(&pid);
    return rc;
}

static int
remove_dir(struct ddb *d, const struct fl_env *env, size_t node,
           const char *sub, struct fl_remote *r, struct fl_err *err)
{
    struct fl_strbuf dir = FL_STRBUF_INIT, q = FL_STRBUF_INIT;
    int rc;

    fl_strbuf_addf(&dir, "%s/%s%s", d->dir, env->nodes[node], sub);
    fl_sh_quote(&q, dir.buf);
    rc = fl_remote_sh(r, NULL, err, "rm -rf %s", q.buf);
    fl_strbuf_release(&dir);
    fl_strbuf_release(&q);
    return rc;
}

/* Kill the daemon on node, then remove <dir>/<node><sub>. */
static int
kill_and_remove(struct fl_db *db, const struct fl_env *env, size_t node,
                const char *sub, struct fl_err *err)
{
    struct ddb *d = db->ctx;
    struct fl_remote *r = remote_of(d, env, node, err);
    int rc;

    if (!r)
        return FL_EUSAGE;
    rc = kill_node(d, env, node, r, err);
    if (rc == 0)
        rc = remove_dir(d, env, node, sub, r, err);
    return rc;
}

static int
db_teardown(struct fl_db *db, const struct fl_env *env, size_t node,
            struct fl_err *err)
{
    return kill_and_remove(db, env, node, "", err);
}

int
fl_daemon_db_wipe(struct fl_db *db, const struct fl_env *env, size_t node,
                  struct fl_err *err)
{
    return kill_and_remove(db, env, node, "/data", err);
}

static int
db_kill(struct fl_db *db, const struct fl_env *env, size_t node,
        struct fl_err *err)
{
    struct ddb *d = db->ctx;
    struct fl_remote *r = remote_of(d, env, node, err);

    return r ? kill_node(d, env, node, r, err) : FL_EUSAGE;
}

static int
db_start(struct fl_db *db, const struct fl_env *env, size_t node,
         struct fl_err *err)
{
    struct ddb *d = db->ctx;
    struct fl_remote *r = remote_of(d, env, node, err);

    return r ? start_daemon(d, env, node, r, err) : FL_EUSAGE;
}

static int
signal_node(struct fl_db *db, const struct fl_env *env, size_t node, int sig,
            struct fl_err *err)
{
    struct ddb *d = db->ctx;
    struct fl_remote *r = remote_of(d, env, node, err);
    struct fl_strbuf pid = FL_STRBUF_INIT;
    int rc;

    if (!r)
        return FL_EUSAGE;
    own_path(&pid, d, env->nodes[node], ".pid");
    rc = d->desc.process_tree ? fl_daemon_signal_tree(r, pid.buf, sig, err)
                              : fl_daemon_signal(r, pid.buf, sig, err);
    if (rc == -ESRCH) {
        /* Killed by another fault: nothing to pause or resume (Jepsen's
         * killall -STOP does nothing either). */
        fl_debug("%s: %s not running; SIG%s skipped", env->nodes[node], d->name,
                 sig == SIGSTOP ? "STOP" : "CONT");
        fl_err_clear(err);
        rc = 0;
    }
    fl_strbuf_release(&pid);
    return rc;
}

static int
db_pause(struct fl_db *db, const struct fl_env *env, size_t node,
         struct fl_err *err)
{
    return signal_node(db, env, node, SIGSTOP, err);
}

static int
db_resume(struct fl_db *db, const struct fl_env *env, size_t node,
          struct fl_err *err)
{
    return signal_node(db, env, node, SIGCONT, err);
}

static int
db_primaries(struct fl_db *db, const struct fl_env *env, struct fl_vec_u32 *out,
             struct fl_err *err)
{
    struct ddb *d = db->ctx;

    FL_UNUSED(err);
    for (size_t i = 0; d->desc.primary && i < env->nnodes; i++)
        if (d->desc.primary(env, i, d->desc.arg))
            FL_VEC_PUSH(out, (uint32_t)i);
    return 0;
}

/* The store keeps a node's files flat: "data/myid" lands as "data_myid". */
static void
add_flat(struct fl_db_log_files *out, const char *path, const char *name)
{
    char *flat = fl_xstrdup(name);

    for (char *c = flat; *c; c++)
        if (*c == '/')
            *c = '_';
    fl_db_log_files_add(out, path, flat);
    free(flat);
}

static int
db_log_files(struct fl_db *db, const struct fl_env *env, size_t node,
             struct fl_db_log_files *out, struct fl_err *err)
{
    struct ddb *d = db->ctx;
    struct fl_strbuf p = FL_STRBUF_INIT, name = FL_STRBUF_INIT;

    FL_UNUSED(err);
    own_path(&p, d, env->nodes[node], ".log");
    fl_strbuf_addf(&name, "%s.log", d->name);
    fl_db_log_files_add(out, p.buf, name.buf);
    for (size_t i = 0; i < d->nfiles; i++) {
        fl_strbuf_reset(&p);
        fl_strbuf_addf(&p, "%s/%s/%s", d->dir, env->nodes[node],
                       d->files[i].name);
        add_flat(out, p.buf, d->files[i].name);
    }
    for (size_t i = 0; d->logs[i]; i++) {
        fl_strbuf_reset(&p);
        fl_strbuf_addf(&p, "%s/%s/%s", d->dir, env->nodes[node], d->logs[i]);
        add_flat(out, p.buf, d->logs[i]);
    }
    fl_strbuf_release(&p);
    fl_strbuf_release(&name);
    return 0;
}

static void
db_free(struct fl_db *db)
{
    struct ddb *d = db->ctx;

    if (!d)
        return;
    if (d->desc.free_arg)
        d->desc.free_arg(d->desc.arg);
    free(d->name);
    free(d->binary);
    free(d->dir);
    free(d->user);
    free_list(d->init);
    free_list(d->env);
    free_list(d->packages);
    free_list(d->args);
    free_list(d->logs);
    free_list(d->stale);
    free(d->installed_path);
    for (size_t i = 0; i < d->nfiles; i++) {
        free(d->files[i].name);
        free(d->files[i].tmpl);
    }
    free(d->files);
    free(d);
}

/* The pid in node's pidfile, 0 when there is none. */
static int
db_pid(struct fl_db *db, const struct fl_env *env, size_t node, long *pid,
       struct fl_err *err)
{
    struct ddb *d = db->ctx;
    struct fl_remote *r = remote_of(d, env, node, err);
    struct fl_strbuf path = FL_STRBUF_INIT, cmd = FL_STRBUF_INIT,
                     out = FL_STRBUF_INIT;
    int rc;

    *pid = 0;
    if (!r)
        return FL_EUSAGE;
    own_path(&path, d, env->nodes[node], ".pid");
    fl_strbuf_addstr(&cmd, "cat ");
    fl_sh_quote(&cmd, path.buf);
    fl_strbuf_addstr(&cmd, " 2>/dev/null || true");
    rc = fl_remote_sh(r, &out, err, "%s", cmd.buf);
    if (rc == 0 && out.len)
        *pid = strtol(out.buf, NULL, 10);
    fl_strbuf_release(&path);
    fl_strbuf_release(&cmd);
    fl_strbuf_release(&out);
    return rc;
}

static const struct fl_db_type daemon_db_type = {
    .name = "daemon",
    .caps = FL_DB_CAP_KILL | FL_DB_CAP_PAUSE | FL_DB_CAP_PRIMARY |
            FL_DB_CAP_LOG_FILES,
    .setup = db_setup,
    .teardown = db_teardown,
    .kill = db_kill,
    .start = db_start,
    .pause = db_pause,
    .resume = db_resume,
    .setup_primary = fl_db_node_noop,
    .primaries = db_primaries,
    .log_files = db_log_files,
    .pid = db_pid,
    .await = db_await_restart,
    .free = db_free,
};

struct fl_db *
fl_daemon_db_new(const struct fl_daemon_db_desc *desc, struct fl_err *err)
{
    struct ddb *d;

    if (!desc->name || !*desc->name || !desc->binary || !*desc->binary ||
        !desc->dir || desc->dir[0] != '/') {
        fl_err_set(err, FL_EUSAGE,
                   "daemon db: needs a name, a binary and an absolute dir "
                   "(dir '%s')",
                   desc->dir ? desc->dir : "(none)");
        return NULL;
    }
    d = fl_xcalloc(1, sizeof(*d));
    d->desc = *desc;
    d->name = fl_xstrdup(desc->name);
    d->binary = fl_xstrdup(desc->binary);
    d->dir = fl_xstrdup(desc->dir);
    d->user = desc->user ? fl_xstrdup(desc->user) : NULL;
    d->init = dup_list(desc->init);
    d->env = dup_list(desc->env);
    d->desc.env = NULL;
    d->desc.user = NULL;
    d->desc.init = NULL;
    d->packages = dup_list(desc->packages);
    d->args = dup_list(desc->args);
    d->logs = dup_list(desc->logs);
    d->stale = dup_list(desc->stale);
    d->desc.stale = NULL;
    d->installed_path = desc->installed ? fl_xstrdup(desc->installed) : NULL;
    while (desc->files && desc->files[d->nfiles].name)
        d->nfiles++;
    d->files = fl_xcalloc(d->nfiles + 1, sizeof(*d->files));
    for (size_t i = 0; i < d->nfiles; i++) {
        d->files[i].name = fl_xstrdup(desc->files[i].name);
        d->files[i].tmpl = fl_xstrdup(desc->files[i].tmpl);
    }
    if (d->desc.start_timeout_ms <= 0)
        d->desc.start_timeout_ms = 60000;
    if (d->desc.stop_timeout_ms <= 0)
        d->desc.stop_timeout_ms = 10000;
    return fl_db_new(&daemon_db_type, d);
}
