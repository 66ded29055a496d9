/* SPDX-License-Identifier: MIT */
/*
 * db.c: default slots, dispatchers and the noop DB. The dispatchers turn a
 * missing capability into -ENOTSUP with a message naming the DB and the
 * node, so nemeses can report "kill not supported by memkv on n1" instead
 * of crashing on a NULL slot.
 */
#include "util/common.h"

#include "db/db.h"

#include "util/err.h"

void
fl_db_log_files_add(struct fl_db_log_files *files, const char *remote_path,
                    const char *name)
{
    struct fl_db_log_file f;

    if (!name) {
        const char *slash = strrchr(remote_path, '/');
        name = slash ? slash + 1 : remote_path;
    }
    f.remote_path = fl_xstrdup(remote_path);
    f.name = fl_xstrdup(name);
    FL_VEC_PUSH(files, f);
}

void
fl_db_log_files_release(struct fl_db_log_files *files)
{
    for (size_t i = 0; i < files->n; i++) {
        free(files->v[i].remote_path);
        free(files->v[i].name);
    }
    FL_VEC_RELEASE(files);
}

int
fl_db_unsupported(struct fl_db *db, const struct fl_env *env, size_t node,
                  struct fl_err *err)
{
    FL_UNUSED(env);
    FL_UNUSED(node);
    return fl_err_set(err, -ENOTSUP, "not supported by db %s",
                      db ? db->type->name : "(none)");
}

int
fl_db_primaries_unsupported(struct fl_db *db, const struct fl_env *env,
                            struct fl_vec_u32 *out, struct fl_err *err)
{
    FL_UNUSED(env);
    FL_UNUSED(out);
    return fl_err_set(err, -ENOTSUP, "primaries not supported by db %s",
                      db ? db->type->name : "(none)");
}

int
fl_db_log_files_none(struct fl_db *db, const struct fl_env *env, size_t node,
                     struct fl_db_log_files *out, struct fl_err *err)
{
    FL_UNUSED(db);
    FL_UNUSED(env);
    FL_UNUSED(node);
    FL_UNUSED(out);
    FL_UNUSED(err);
    return 0;
}

int
fl_db_node_noop(struct fl_db *db, const struct fl_env *env, size_t node,
                struct fl_err *err)
{
    FL_UNUSED(db);
    FL_UNUSED(env);
    FL_UNUSED(node);
    FL_UNUSED(err);
    return 0;
}

const struct fl_db_type fl_db_noop_type = {
    .name = "noop",
    .caps = 0,
    .setup = fl_db_node_noop,
    .teardown = fl_db_node_noop,
    .kill = fl_db_unsupported,
    .start = fl_db_unsupported,
    .pause = fl_db_unsupported,
    .resume = fl_db_unsupported,
    .setup_primary = fl_db_unsupported,
    .primaries = fl_db_primaries_unsupported,
    .log_files = fl_db_log_files_none,
    .free = NULL,
};

struct fl_db fl_db_noop = {&fl_db_noop_type, NULL};

struct fl_db *
fl_db_new(const struct fl_db_type *type, void *ctx)
{
    struct fl_db *db = fl_xmalloc(sizeof(*db));

    db->type = type;
    db->ctx = ctx;
    return db;
}

void
fl_db_free(struct fl_db *db)
{
    if (!db || db == &fl_db_noop)
        return;
    if (db->type->free)
        db->type->free(db);
    free(db);
}

static const char *
node_name(const struct fl_env *env, size_t node)
{
    if (env && env->nodes && node < env->nnodes)
        return env->nodes[node];
    return "?";
}

static int
dispatch(fl_db_node_fn *fn, unsigned cap, const char *what, struct fl_db *db,
         const struct fl_env *env, size_t node, struct fl_err *err)
{
    int rc;

    if (!db || !fn || (cap && !(db->type->caps & cap)))
        return fl_err_set(err, -ENOTSUP, "%s: %s not supported by db %s",
                          node_name(env, node), what,
                          db ? db->type->name : "(none)");
    rc = fn(db, env, node, err);
    if (rc < 0 && err)
        fl_err_prefix(err, "%s: %s: ", node_name(env, node), what);
    return rc;
}

int
fl_db_setup(struct fl_db *db, const struct fl_env *env, size_t node,
            struct fl_err *err)
{
    if (!db)
        return 0;
    return dispatch(db->type->setup, 0, "setup", db, env, node, err);
}

int
fl_db_teardown(struct fl_db *db, const struct fl_env *env, size_t node,
               struct fl_err *err)
{
    if (!db)
        return 0;
    return dispatch(db->type->teardown, 0, "teardown", db, env, node, err);
}

int
fl_db_kill(struct fl_db *db, const struct fl_env *env, size_t node,
           struct fl_err *err)
{
    return dispatch(db ? db->type->kill : NULL, FL_DB_CAP_KILL, "kill", db, env,
                    node, err);
}

int
fl_db_pid(struct fl_db *db, const struct fl_env *env, size_t node, long *pid,
          struct fl_err *err)
{
    *pid = 0;
    if (!db || !db->type->pid)
        return -ENOTSUP;
    return db->type->pid(db, env, node, pid, err);
}

int
fl_db_start(struct fl_db *db, const struct fl_env *env, size_t node,
            struct fl_err *err)
{
    return dispatch(db ? db->type->start : NULL, FL_DB_CAP_KILL, "start", db,
                    env, node, err);
}

int
fl_db_await(struct fl_db *db, const struct fl_env *env, size_t node,
            struct fl_err *err)
{
    if (!db || !db->type->await)
        return 0;
    return dispatch(db->type->await, 0, "await", db, env, node, err);
}

int
fl_db_pause(struct fl_db *db, const struct fl_env *env, size_t node,
            struct fl_err *err)
{
    return dispatch(db ? db->type->pause : NULL, FL_DB_CAP_PAUSE, "pause", db,
                    env, node, err);
}

int
fl_db_resume(struct fl_db *db, const struct fl_env *env, size_t node,
             struct fl_err *err)
{
    return dispatch(db ? db->type->resume : NULL, FL_DB_CAP_PAUSE, "resume", db,
                    env, node, err);
}

int
fl_db_setup_primary(struct fl_db *db, const struct fl_env *env, size_t node,
                    struct fl_err *err)
{
    return dispatch(db ? db->type->setup_primary : NULL, FL_DB_CAP_PRIMARY,
                    "setup-primary", db, env, node, err);
}

int
fl_db_primaries(struct fl_db *db, const struct fl_env *env,
                struct fl_vec_u32 *out, struct fl_err *err)
{
    if (!db || !db->type->primaries || !(db->type->caps & FL_DB_CAP_PRIMARY))
        return fl_err_set(err, -ENOTSUP, "primaries not supported by db %s",
                          db ? db->type->name : "(none)");
    return db->type->primaries(db, env, out, err);
}

int
fl_db_log_files(struct fl_db *db, const struct fl_env *env, size_t node,
                struct fl_db_log_files *out, struct fl_err *err)
{
    if (!db || !db->type->log_files || !(db->type->caps & FL_DB_CAP_LOG_FILES))
        return 0;
    return db->type->log_files(db, env, node, out, err);
}
