/* SPDX-License-Identifier: MIT */
/*
 * db.c: the simulated network as faultline's DB and partition nemesis.
 * setup starts the router (once) and node i's process with init; teardown
 * and kill SIGKILL it (a killed node comes back with empty state, as after
 * a crash); pause and resume are SIGSTOP and SIGCONT. The partition nemesis
 * takes the same op values as the iptables one (a topology keyword, nil for
 * random halves, or a grudge string) but cuts simulated links.
 */
#include "util/common.h"

#include "mael_int.h"

#include "nemesis/partition.h"
#include "util/err.h"
#include "util/log.h"
#include "util/rng.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

static int
db_setup(struct fl_db *db, const struct fl_env *env, size_t node,
         struct fl_err *err)
{
    int rc = fl_mnet_start(db->ctx, env->store_dir, err);

    return rc < 0 ? rc : fl_mnet_node_start(db->ctx, node, err);
}

static int
db_kill(struct fl_db *db, const struct fl_env *env, size_t node,
        struct fl_err *err)
{
    FL_UNUSED(env);
    return fl_mnet_node_kill(db->ctx, node, err);
}

static int
db_start(struct fl_db *db, const struct fl_env *env, size_t node,
         struct fl_err *err)
{
    FL_UNUSED(env);
    return fl_mnet_node_start(db->ctx, node, err);
}

static int
db_pause(struct fl_db *db, const struct fl_env *env, size_t node,
         struct fl_err *err)
{
    FL_UNUSED(env);
    return fl_mnet_node_pause(db->ctx, node, err);
}

static int
db_resume(struct fl_db *db, const struct fl_env *env, size_t node,
          struct fl_err *err)
{
    FL_UNUSED(env);
    return fl_mnet_node_resume(db->ctx, node, err);
}

static void
db_free(struct fl_db *db)
{
    fl_mnet_free(db->ctx);
}

static const struct fl_db_type mael_db_type = {
    .name = "maelstrom",
    .caps = FL_DB_CAP_KILL | FL_DB_CAP_PAUSE,
    .setup = db_setup,
    .teardown = db_kill,
    .kill = db_kill,
    .start = db_start,
    .pause = db_pause,
    .resume = db_resume,
    .setup_primary = fl_db_unsupported,
    .primaries = fl_db_primaries_unsupported,
    .log_files = fl_db_log_files_none,
    .free = db_free,
};

struct fl_db *
fl_mael_db_new(struct fl_mnet *net)
{
    return fl_db_new(&mael_db_type, net);
}

/* ---- partitions ---- */

struct mpart {
    struct fl_mnet *net;
    struct fl_rng rng;
    uint32_t f_start, f_stop;
};

static int
part_setup(struct fl_nemesis *nem, const struct fl_env *env, struct fl_err *err)
{
    struct mpart *p = nem->ctx;

    FL_UNUSED(err);
    fl_rng_seed(&p->rng, env->seed ^ 0x9a27);
    fl_mnet_partition(p->net, NULL);
    return 0;
}

static int
part_invoke(struct fl_nemesis *nem, const struct fl_env *env,
            const struct fl_op *op, struct fl_arena *a, struct fl_op *out,
            struct fl_err *err)
{
    struct mpart *p = nem->ctx;
    struct fl_grudge g = {0};
    struct fl_strbuf sb = FL_STRBUF_INIT;
    const fl_val *v = &op->value;
    int rc;

    if (op->f == p->f_stop) {
        fl_mnet_partition(p->net, NULL);
        out->value = fl_val_kw(fl_kw_intern_cstr("network-healed"));
        return 0;
    }
    if (v->kind == FL_V_STR)
        rc = fl_grudge_parse(&g, env->nodes, env->nnodes, v->u.s, err);
    else
        rc = fl_grudge_topology(&g, env->nnodes,
                                v->kind == FL_V_KW ? fl_kw_name(v->u.id)
                                                   : "random-halves",
                                &p->rng, NULL, 0, err);
    if (rc < 0)
        return rc;
    fl_mnet_partition(p->net, &g);
    fl_grudge_describe(&g, env->nodes, &sb);
    fl_val items[2] = {fl_val_kw(fl_kw_intern_cstr("isolated")),
                       fl_val_str(a, sb.buf, sb.len)};
    out->value = fl_val_coll(a, FL_V_VEC, items, 2);
    fl_strbuf_release(&sb);
    fl_grudge_release(&g);
    return 0;
}

static int
part_teardown(struct fl_nemesis *nem, const struct fl_env *env,
              struct fl_err *err)
{
    struct mpart *p = nem->ctx;

    FL_UNUSED(env);
    FL_UNUSED(err);
    fl_mnet_partition(p->net, NULL);
    return 0;
}

static size_t
part_fs(const struct fl_nemesis *nem, uint32_t *out, size_t max)
{
    const struct mpart *p = nem->ctx;

    if (max >= 2) {
        out[0] = p->f_start;
        out[1] = p->f_stop;
    }
    return 2;
}

static void
part_free(struct fl_nemesis *nem)
{
    free(nem->ctx);
}

static const struct fl_nemesis_type mael_part_type = {
    .name = "maelstrom-partition",
    .setup = part_setup,
    .invoke = part_invoke,
    .teardown = part_teardown,
    .fs = part_fs,
    .free = part_free,
};

struct fl_nemesis *
fl_mael_partition_new(struct fl_mnet *net)
{
    struct mpart *p = fl_xcalloc(1, sizeof(*p));

    p->net = net;
    p->f_start = fl_kw_intern_cstr("start-partition");
    p->f_stop = fl_kw_intern_cstr("stop-partition");
    return fl_nemesis_new(&mael_part_type, p);
}
