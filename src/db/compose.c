/* SPDX-License-Identifier: MIT */
/*
 * compose.c: several DBs as one (compose.h). Each slot loops over the
 * parts that have the capability; the composite's caps are the union.
 */
#include "util/common.h"

#include "db/compose.h"

#include "db/db.h"
#include "util/err.h"

struct compose {
    struct fl_db_type type; /* named after the system; slots below */
    char *name;
    struct fl_db **parts;
    size_t n;
};

/* Call slot fn of every part that has cap (0: all), in order or reversed. */
static int
each(struct fl_db *db, const struct fl_env *env, size_t node, unsigned cap,
     size_t slot, bool reverse, struct fl_err *err)
{
    struct compose *c = db->ctx;
    int rc = 0;

    for (size_t k = 0; k < c->n; k++) {
        struct fl_db *p = c->parts[reverse ? c->n - 1 - k : k];
        fl_db_node_fn *fn = *(fl_db_node_fn **)((char *)p->type + slot);
        struct fl_err e = FL_ERR_INIT;
        int r;

        if ((cap && !fl_db_can(p, (enum fl_db_caps)cap)) || !fn)
            continue;
        r = fn(p, env, node, &e);
        if (r < 0 && rc == 0) {
            rc = r;
            fl_err_set(err, r, "%s: %s", p->type->name, e.msg);
            if (!reverse)
                break; /* setup, start: a later part needs this one */
        }
    }
    return rc;
}

#define SLOT(f) offsetof(struct fl_db_type, f)

static int
c_setup(struct fl_db *db, const struct fl_env *env, size_t node,
        struct fl_err *err)
{
    return each(db, env, node, 0, SLOT(setup), false, err);
}

static int
c_teardown(struct fl_db *db, const struct fl_env *env, size_t node,
           struct fl_err *err)
{
    return each(db, env, node, 0, SLOT(teardown), true, err);
}

static int
c_kill(struct fl_db *db, const struct fl_env *env, size_t node,
       struct fl_err *err)
{
    return each(db, env, node, FL_DB_CAP_KILL, SLOT(kill), true, err);
}

static int
c_start(struct fl_db *db, const struct fl_env *env, size_t node,
        struct fl_err *err)
{
    return each(db, env, node, FL_DB_CAP_KILL, SLOT(start), false, err);
}

static int
c_await(struct fl_db *db, const struct fl_env *env, size_t node,
        struct fl_err *err)
{
    return each(db, env, node, FL_DB_CAP_KILL, SLOT(await), false, err);
}

static int
c_pause(struct fl_db *db, const struct fl_env *env, size_t node,
        struct fl_err *err)
{
    return each(db, env, node, FL_DB_CAP_PAUSE, SLOT(pause), true, err);
}

static int
c_resume(struct fl_db *db, const struct fl_env *env, size_t node,
         struct fl_err *err)
{
    return each(db, env, node, FL_DB_CAP_PAUSE, SLOT(resume), false, err);
}

static int
c_setup_primary(struct fl_db *db, const struct fl_env *env, size_t node,
                struct fl_err *err)
{
    return each(db, env, node, FL_DB_CAP_PRIMARY, SLOT(setup_primary), false,
                err);
}

static int
c_primaries(struct fl_db *db, const struct fl_env *env, struct fl_vec_u32 *out,
            struct fl_err *err)
{
    struct compose *c = db->ctx;

    for (size_t k = 0; k < c->n; k++)
        if (fl_db_can(c->parts[k], FL_DB_CAP_PRIMARY))
            return fl_db_primaries(c->parts[k], env, out, err);
    return fl_db_primaries_unsupported(db, env, out, err);
}

static int
c_log_files(struct fl_db *db, const struct fl_env *env, size_t node,
            struct fl_db_log_files *out, struct fl_err *err)
{
    struct compose *c = db->ctx;
    int rc = 0;

    for (size_t k = 0; rc == 0 && k < c->n; k++)
        if (fl_db_can(c->parts[k], FL_DB_CAP_LOG_FILES))
            rc = fl_db_log_files(c->parts[k], env, node, out, err);
    return rc;
}

static void
c_free(struct fl_db *db)
{
    struct compose *c = db->ctx;

    for (size_t k = 0; k < c->n; k++)
        fl_db_free(c->parts[k]);
    free(c->parts);
    free(c->name);
    free(c);
}

struct fl_db *
fl_db_compose_new(const char *name, struct fl_db *const *parts, size_t n)
{
    struct compose *c = fl_xcalloc(1, sizeof(*c));
    struct fl_db *db;

    if (n < 1)
        FL_BUG("fl_db_compose_new: no parts");
    c->name = fl_xstrdup(name);
    c->parts = fl_xcalloc(n, sizeof(*c->parts));
    c->n = n;
    for (size_t k = 0; k < n; k++) {
        c->parts[k] = parts[k];
        c->type.caps |= parts[k]->type->caps;
    }
    c->type = (struct fl_db_type){
        .name = c->name,
        .caps = c->type.caps,
        .setup = c_setup,
        .teardown = c_teardown,
        .kill = c_kill,
        .start = c_start,
        .await = c_await,
        .pause = c_pause,
        .resume = c_resume,
        .setup_primary = c_setup_primary,
        .primaries = c_primaries,
        .log_files = c_log_files,
        .free = c_free,
    };
    db = fl_db_new(&c->type, c);
    return db;
}
