/* SPDX-License-Identifier: MIT */
/*
 * store.c: creating, finishing and finding store directories, and the
 * small files in them (test.edn, history.txt, results.edn). Symlinks are
 * replaced atomically (symlink to a temporary name, then rename), so a
 * reader never sees a missing `latest`.
 */
#include "util/common.h"

#include "run/store.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "history/edn.h"
#include "run/test.h"
#include "util/arena.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/parse.h"
#include "util/strbuf.h"

static int
mkdir_p(const char *path, struct fl_err *err)
{
    char *p = fl_xstrdup(path);
    int rc = 0;

    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0755) < 0 && errno != EEXIST) {
            rc = fl_err_set(err, -errno, "mkdir %s: %s", p, strerror(errno));
            goto out;
        }
        *s = '/';
    }
    if (mkdir(p, 0755) < 0 && errno != EEXIST)
        rc = fl_err_set(err, -errno, "mkdir %s: %s", p, strerror(errno));
out:
    free(p);
    return rc;
}

/* Make link point at target, replacing whatever link was. */
static int
relink(const char *target, const char *link, struct fl_err *err)
{
    char *tmp = fl_xasprintf("%s.tmp%ld", link, (long)getpid());
    int rc = 0;

    unlink(tmp);
    if (symlink(target, tmp) < 0 || rename(tmp, link) < 0) {
        rc = fl_err_set(err, -errno, "symlink %s -> %s: %s", link, target,
                        strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    return rc;
}

int
fl_store_create(const char *root, const char *name, int64_t wall_ns, char **dir,
                struct fl_err *err)
{
    char stamp[32];
    int rc;

    if (fl_parse_check_name("--store", root, err) != 0 ||
        fl_parse_check_name("test name", name, err) != 0)
        return FL_EUSAGE;
    if (!name || !*name || strchr(name, '/') || strcmp(name, ".") == 0 ||
        strcmp(name, "..") == 0)
        return fl_err_set(err, FL_EUSAGE, "bad test name '%s'",
                          name ? name : "");
    fl_clock_format_store(wall_ns, stamp, sizeof(stamp));
    char *d = fl_xasprintf("%s/%s/%s", root, name, stamp);
    /* Two runs in one millisecond: add a suffix rather than share. */
    for (int i = 1; access(d, F_OK) == 0 && i < 100; i++) {
        free(d);
        d = fl_xasprintf("%s/%s/%s-%d", root, name, stamp, i);
    }
    rc = mkdir_p(d, err);
    if (rc < 0) {
        free(d);
        return rc;
    }
    const char *run = strrchr(d, '/') + 1;
    char *target = fl_xasprintf("%s/%s", name, run);
    char *cur = fl_xasprintf("%s/current", root);
    rc = relink(target, cur, err);
    free(target);
    free(cur);
    if (rc < 0) {
        free(d);
        return rc;
    }
    *dir = d;
    return 0;
}

int
fl_store_finish(const char *root, const char *dir, struct fl_err *err)
{
    const char *run = strrchr(dir, '/');
    int rc;

    if (!run)
        return fl_err_set(err, -EINVAL, "bad store dir %s", dir);
    run++;
    /* dir = root/name/run */
    size_t len = (size_t)(run - 1 - dir);
    char *test_dir = fl_xstrndup(dir, len);
    const char *name = strrchr(test_dir, '/');
    name = name ? name + 1 : test_dir;
    char *l1 = fl_xasprintf("%s/latest", test_dir);
    char *t2 = fl_xasprintf("%s/%s", name, run);
    char *l2 = fl_xasprintf("%s/latest", root);
    char *cur = fl_xasprintf("%s/current", root);
    rc = relink(run, l1, err);
    if (rc == 0)
        rc = relink(t2, l2, err);
    unlink(cur);
    free(test_dir);
    free(l1);
    free(t2);
    free(l2);
    free(cur);
    return rc;
}

static int
write_file(const char *dir, const char *file, const struct fl_strbuf *sb,
           struct fl_err *err)
{
    char *path = fl_xasprintf("%s/%s", dir, file);
    FILE *f = fopen(path, "w");
    int rc = 0;

    if (!f) {
        rc = fl_err_set(err, -errno, "open %s: %s", path, strerror(errno));
        goto out;
    }
    if (fwrite(sb->buf, 1, sb->len, f) != sb->len)
        rc = fl_err_set(err, -EIO, "write %s", path);
    if (fclose(f) != 0 && rc == 0)
        rc = fl_err_set(err, -errno, "close %s: %s", path, strerror(errno));
out:
    free(path);
    return rc;
}

static void
add_kv(struct fl_strbuf *sb, const char *key, const fl_val *v)
{
    fl_strbuf_addf(sb, " :%s ", key);
    fl_val_print_edn(sb, v);
    fl_strbuf_addch(sb, '\n');
}

int
fl_store_write_test(const char *dir, const struct fl_test *t,
                    struct fl_err *err)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;
    struct fl_arena a;
    int rc;

    fl_arena_init(&a, 4096);
    fl_val *nodes = fl_xcalloc(t->nnodes ? t->nnodes : 1, sizeof(*nodes));
    for (size_t i = 0; i < t->nnodes; i++)
        nodes[i] = fl_val_str(&a, t->nodes[i], strlen(t->nodes[i]));
    fl_val v;
    fl_strbuf_addstr(&sb, "{");
    v = fl_val_str(&a, t->name ? t->name : "", t->name ? strlen(t->name) : 0);
    add_kv(&sb, "name", &v);
    if (t->suite) {
        v = fl_val_str(&a, t->suite->name, strlen(t->suite->name));
        add_kv(&sb, "suite", &v);
    }
    /* The seed as a string: it is a full 64-bit unsigned value. */
    char seed[32];
    snprintf(seed, sizeof(seed), "%" PRIu64, t->seed);
    v = fl_val_str(&a, seed, strlen(seed));
    add_kv(&sb, "seed", &v);
    v = fl_val_coll(&a, FL_V_VEC, nodes, t->nnodes);
    add_kv(&sb, "nodes", &v);
    v = fl_val_int(t->concurrency);
    add_kv(&sb, "concurrency", &v);
    v = fl_val_int(t->time_limit_ns / 1000000);
    add_kv(&sb, "time-limit-ms", &v);
    v = fl_val_int(t->op_timeout_ns / 1000000);
    add_kv(&sb, "op-timeout-ms", &v);
    v = fl_val_float(t->rate_hz);
    add_kv(&sb, "rate", &v);
    add_kv(&sb, "options", &t->options);
    if (t->checker_spec.kind == FL_V_MAP)
        add_kv(&sb, "checker", &t->checker_spec);
    v = fl_val_int(fl_clock_wall_ns() / 1000000);
    add_kv(&sb, "start-time-ms", &v);
    fl_strbuf_addstr(&sb, "}\n");
    rc = write_file(dir, "test.edn", &sb, err);
    free(nodes);
    fl_arena_release(&a);
    fl_strbuf_release(&sb);
    return rc;
}

int
fl_store_write_history_txt(const char *dir, const struct fl_hist *h,
                           struct fl_err *err)
{
    char *path = fl_xasprintf("%s/history.txt", dir);
    FILE *f = fopen(path, "w");
    int rc;

    if (!f) {
        rc = fl_err_set(err, -errno, "open %s: %s", path, strerror(errno));
        free(path);
        return rc;
    }
    rc = fl_txt_write_hist(f, h, err);
    if (fclose(f) != 0 && rc == 0)
        rc = fl_err_set(err, -errno, "close %s: %s", path, strerror(errno));
    free(path);
    return rc;
}

void
fl_store_print_results(struct fl_strbuf *sb, const fl_val *results)
{
    if (results->kind != FL_V_MAP) {
        fl_val_print_edn(sb, results);
        fl_strbuf_addch(sb, '\n');
        return;
    }
    fl_strbuf_addch(sb, '{');
    for (uint32_t i = 0; i < results->n; i++) {
        if (i)
            fl_strbuf_addstr(sb, "\n ");
        fl_val_print_edn(sb, &results->u.items[2 * i]);
        fl_strbuf_addch(sb, ' ');
        fl_val_print_edn(sb, &results->u.items[2 * i + 1]);
    }
    fl_strbuf_addstr(sb, "}\n");
}

int
fl_store_write_results(const char *dir, const fl_val *results,
                       struct fl_err *err)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;
    int rc;

    fl_store_print_results(&sb, results);
    rc = write_file(dir, "results.edn", &sb, err);
    fl_strbuf_release(&sb);
    return rc;
}

static bool
is_dir(const char *p)
{
    struct stat st;

    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int
fl_store_resolve(const char *root, const char *arg, char **dir,
                 struct fl_err *err)
{
    char *p = arg ? fl_xstrdup(arg) : fl_xasprintf("%s/latest", root);
    char *hist = NULL, *latest = NULL;
    int rc = 0;

    if (!is_dir(p)) {
        rc = fl_err_set(err, -ENOENT, "%s: no such store directory", p);
        goto out;
    }
    hist = fl_xasprintf("%s/history.edn", p);
    if (access(hist, F_OK) != 0) {
        latest = fl_xasprintf("%s/latest", p);
        if (!is_dir(latest)) {
            rc = fl_err_set(err, -ENOENT,
                            "%s: no history.edn (not a run directory)", p);
            goto out;
        }
        free(p);
        p = latest;
        latest = NULL;
    }
    char *real = realpath(p, NULL);
    if (!real) {
        rc = fl_err_set(err, -errno, "%s: %s", p, strerror(errno));
        goto out;
    }
    *dir = real;
out:
    free(p);
    free(hist);
    free(latest);
    return rc;
}

int
fl_store_read_test(const char *dir, struct fl_arena *a, fl_val *out,
                   struct fl_err *err)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;
    char *path = fl_xasprintf("%s/test.edn", dir);
    int rc = fl_strbuf_read_file(&sb, path);

    if (rc < 0)
        rc = fl_err_set(err, rc, "%s: %s", path, strerror(-rc));
    else
        rc = fl_edn_parse_value(a, sb.buf, sb.len, path, out, err);
    if (rc == 0 && out->kind != FL_V_MAP)
        rc = fl_err_set(err, FL_EPARSE, "%s: not an EDN map", path);
    free(path);
    fl_strbuf_release(&sb);
    return rc;
}

/* ---- status.edn ---- */

static const char *const end_names[] = {
    [FL_RUN_COMPLETE] = "complete",
    [FL_RUN_INTERRUPTED] = "interrupted",
    [FL_RUN_FRAMEWORK_ERROR] = "framework-error",
    [FL_RUN_KILLED] = "killed",
    [FL_RUN_RUNNING] = "running",
};

const char *
fl_run_end_name(enum fl_run_end e)
{
    return (size_t)e < FL_ARRAY_SIZE(end_names) ? end_names[e] : "unknown";
}

int
fl_store_write_status(const char *dir, const struct fl_run_status *st,
                      struct fl_err *err)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;
    struct fl_arena a;
    fl_val v;
    int rc;

    fl_arena_init(&a, 1024);
    if (st->end == FL_RUN_RUNNING) {
        fl_strbuf_addf(&sb, "{:status :running, :pid %ld}\n", (long)getpid());
    } else if (st->end == FL_RUN_COMPLETE) {
        fl_strbuf_addstr(&sb, "{:status :complete}\n");
    } else {
        v = fl_val_str(&a, st->detail, strlen(st->detail));
        fl_strbuf_addf(&sb, "{:status :incomplete, :reason :%s, :detail ",
                       fl_run_end_name(st->end));
        fl_val_print_edn(&sb, &v);
        fl_strbuf_addstr(&sb, "}\n");
    }
    /* Replace atomically: a reader sees the old status or the new one. */
    char *tmp = fl_xasprintf("status.edn.tmp%ld", (long)getpid());
    rc = write_file(dir, tmp, &sb, err);
    if (rc == 0) {
        char *from = fl_xasprintf("%s/%s", dir, tmp);
        char *to = fl_xasprintf("%s/status.edn", dir);
        if (rename(from, to) < 0)
            rc = fl_err_set(err, -errno, "rename %s: %s", to, strerror(errno));
        free(from);
        free(to);
    }
    free(tmp);
    fl_arena_release(&a);
    fl_strbuf_release(&sb);
    return rc;
}

static void
status_killed(struct fl_run_status *st, const char *why)
{
    st->end = FL_RUN_KILLED;
    snprintf(st->detail, sizeof(st->detail), "%s", why);
}

void
fl_store_read_status(const char *dir, struct fl_run_status *st)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;
    char *path = fl_xasprintf("%s/status.edn", dir);
    struct fl_arena a;
    fl_val m;

    fl_arena_init(&a, 1024);
    memset(st, 0, sizeof(*st));
    if (fl_strbuf_read_file(&sb, path) < 0) {
        status_killed(st, "no status.edn: the run never recorded its end "
                          "(killed, or faultline crashed)");
        goto out;
    }
    if (fl_edn_parse_value(&a, sb.buf, sb.len, path, &m, NULL) < 0 ||
        m.kind != FL_V_MAP) {
        status_killed(st, "status.edn is unreadable");
        goto out;
    }
    const fl_val *s = fl_val_map_get_kw(&m, fl_kw_intern_cstr("status"));
    const fl_val *r = fl_val_map_get_kw(&m, fl_kw_intern_cstr("reason"));
    const fl_val *d = fl_val_map_get_kw(&m, fl_kw_intern_cstr("detail"));
    const fl_val *pid = fl_val_map_get_kw(&m, fl_kw_intern_cstr("pid"));
    if (s && fl_val_is_kw(s, fl_kw_intern_cstr("complete"))) {
        st->end = FL_RUN_COMPLETE;
        goto out;
    }
    if (s && fl_val_is_kw(s, fl_kw_intern_cstr("running"))) {
        if (pid && pid->kind == FL_V_INT && pid->u.i > 0 &&
            kill((pid_t)pid->u.i, 0) == 0 && pid->u.i != (int64_t)getpid()) {
            st->end = FL_RUN_RUNNING;
            snprintf(st->detail, sizeof(st->detail),
                     "the run (pid %" PRId64 ") is still going", pid->u.i);
        } else {
            status_killed(st, "the run ended without recording its end "
                              "(killed, or faultline crashed)");
        }
        goto out;
    }
    st->end = FL_RUN_FRAMEWORK_ERROR;
    for (int e = FL_RUN_INTERRUPTED; e <= FL_RUN_RUNNING; e++)
        if (r && fl_val_is_kw(r, fl_kw_intern_cstr(fl_run_end_name(e))))
            st->end = (enum fl_run_end)e;
    if (d && d->kind == FL_V_STR)
        snprintf(st->detail, sizeof(st->detail), "%s", d->u.s);
out:
    fl_arena_release(&a);
    fl_strbuf_release(&sb);
    free(path);
}
