/* SPDX-License-Identifier: MIT */
/*
 * lazyfs_db.c: a DB with its data dir on the lazy filesystem (file.c).
 * The wrapper owns the inner DB and forwards every slot to it, adding the
 * mount before setup, the loss of unfsynced writes after kill, and the
 * unmount inside teardown (after the kill, before the inner teardown wipes
 * the directory the mount sits in).
 */
#include "util/common.h"

#include "nemesis/lazyfs_db.h"

#include "control/remote.h"
#include "db/daemon_db.h"
#include "db/db.h"
#include "nemesis/file.h"
#include "nemesis/nemesis.h"
#include "util/err.h"
#include "util/log.h"
#include "util/strbuf.h"

struct lzdb {
    struct fl_db_type type; /* inner's caps, our slots */
    struct fl_db *inner;
    char *root, *tmpl;
};

/* The node's lazy mount point into out, and its remote; NULL on error. */
static struct fl_remote *
mount_point(struct lzdb *l, const struct fl_env *env, size_t node,
            struct fl_strbuf *out, struct fl_err *err)
{
    if (!env->remotes || !env->remotes[node]) {
        fl_err_set(err, -ENOTSUP, "lazyfs: needs remote nodes");
        return NULL;
    }
    if (fl_daemon_db_expand(out, l->tmpl, env, node, l->root, err) != 0)
        return NULL;
    return env->remotes[node];
}

static int
lz_setup(struct fl_db *db, const struct fl_env *env, size_t node,
         struct fl_err *err)
{
    struct lzdb *l = db->ctx;
    struct fl_strbuf dir = FL_STRBUF_INIT;
    struct fl_remote *r = mount_point(l, env, node, &dir, err);
    int rc = r ? 0 : FL_EUSAGE;

    if (rc == 0)
        rc = fl_lazyfs_mount(r, dir.buf, fl_nem_local_state_dir(env), err);
    if (rc == 0)
        fl_info("%s: lazyfs mounted at %s", env->nodes[node], dir.buf);
    if (rc == 0)
        rc = l->inner->type->setup(l->inner, env, node, err);
    fl_strbuf_release(&dir);
    return rc;
}

static int
lz_teardown(struct fl_db *db, const struct fl_env *env, size_t node,
            struct fl_err *err)
{
    struct lzdb *l = db->ctx;
    struct fl_strbuf dir = FL_STRBUF_INIT;
    struct fl_remote *r = mount_point(l, env, node, &dir, err);
    int rc = r ? 0 : FL_EUSAGE;

    /* the daemon holds files open in the mount: stop it first; go on
     * after a failure (leave no mount behind), keeping the first error */
    if (rc == 0 && fl_db_can(l->inner, FL_DB_CAP_KILL))
        rc = l->inner->type->kill(l->inner, env, node, err);
    if (r) {
        struct fl_err e = FL_ERR_INIT;
        int r2 = fl_lazyfs_umount(r, dir.buf, rc == 0 ? err : &e);
        rc = rc == 0 ? r2 : rc;
    }
    if (rc == 0)
        rc = l->inner->type->teardown(l->inner, env, node, err);
    fl_strbuf_release(&dir);
    return rc;
}

/* Kill, then lose what was not fsynced: the machine crashed. */
static int
lz_kill(struct fl_db *db, const struct fl_env *env, size_t node,
        struct fl_err *err)
{
    struct lzdb *l = db->ctx;
    struct fl_strbuf dir = FL_STRBUF_INIT;
    struct fl_remote *r = mount_point(l, env, node, &dir, err);
    int rc = r ? 0 : FL_EUSAGE;

    if (rc == 0)
        rc = l->inner->type->kill(l->inner, env, node, err);
    if (rc == 0)
        rc = fl_lazyfs_lose(r, dir.buf, err);
    fl_strbuf_release(&dir);
    return rc;
}

#define FORWARD(slot)                                                          \
    static int lz_##slot(struct fl_db *db, const struct fl_env *env,           \
                         size_t node, struct fl_err *err)                      \
    {                                                                          \
        struct lzdb *l = db->ctx;                                              \
        return l->inner->type->slot(l->inner, env, node, err);                 \
    }
FORWARD(start)
FORWARD(pause)
FORWARD(resume)
FORWARD(setup_primary)
#undef FORWARD

static int
lz_primaries(struct fl_db *db, const struct fl_env *env, struct fl_vec_u32 *out,
             struct fl_err *err)
{
    struct lzdb *l = db->ctx;

    return l->inner->type->primaries(l->inner, env, out, err);
}

static int
lz_log_files(struct fl_db *db, const struct fl_env *env, size_t node,
             struct fl_db_log_files *out, struct fl_err *err)
{
    struct lzdb *l = db->ctx;

    return l->inner->type->log_files(l->inner, env, node, out, err);
}

static int
lz_pid(struct fl_db *db, const struct fl_env *env, size_t node, long *pid,
       struct fl_err *err)
{
    struct lzdb *l = db->ctx;

    return fl_db_pid(l->inner, env, node, pid, err);
}

static void
lz_free(struct fl_db *db)
{
    struct lzdb *l = db->ctx;

    fl_db_free(l->inner);
    free(l->root);
    free(l->tmpl);
    free(l);
}

struct fl_db *
fl_lazyfs_db_new(struct fl_db *inner, const char *root, const char *dir_tmpl)
{
    struct lzdb *l = fl_xcalloc(1, sizeof(*l));

    l->inner = inner;
    l->root = fl_xstrdup(root);
    l->tmpl = fl_xstrdup(dir_tmpl);
    l->type = (struct fl_db_type){
        .name = inner->type->name,
        .caps = inner->type->caps,
        .setup = lz_setup,
        .teardown = lz_teardown,
        .kill =
            (inner->type->caps & FL_DB_CAP_KILL) ? lz_kill : fl_db_unsupported,
        .start = lz_start,
        .pause = lz_pause,
        .resume = lz_resume,
        .setup_primary = lz_setup_primary,
        .primaries = lz_primaries,
        .log_files = lz_log_files,
        .pid = inner->type->pid ? lz_pid : NULL,
        .free = lz_free,
    };
    return fl_db_new(&l->type, l);
}
