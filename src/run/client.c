/* SPDX-License-Identifier: MIT */
/*
 * client.c: client dispatchers and the noop client (Jepsen's client/noop:
 * every op completes :ok). The noop client is what the interpreter
 * benchmark drives and what a test without a client uses.
 */
#include "util/common.h"

#include "run/client.h"

#include "util/err.h"

int
fl_client_node_noop(struct fl_client *c, const struct fl_env *env,
                    struct fl_err *err)
{
    FL_UNUSED(c);
    FL_UNUSED(env);
    FL_UNUSED(err);
    return 0;
}

static int
noop_invoke(struct fl_client *c, const struct fl_env *env,
            const struct fl_op *op, struct fl_arena *a, struct fl_op *out,
            struct fl_err *err)
{
    FL_UNUSED(c);
    FL_UNUSED(env);
    FL_UNUSED(op);
    FL_UNUSED(a);
    FL_UNUSED(err);
    out->type = FL_OP_OK;
    return 0;
}

static void
noop_close(struct fl_client *c, const struct fl_env *env)
{
    FL_UNUSED(c);
    FL_UNUSED(env);
}

const struct fl_client_type fl_client_noop_type = {
    .name = "noop",
    .reusable = true,
    .open = fl_client_node_noop,
    .setup = fl_client_node_noop,
    .invoke = noop_invoke,
    .teardown = fl_client_node_noop,
    .close = noop_close,
};

int
fl_client_open(struct fl_client *c, const struct fl_client_seed *seed,
               const struct fl_env *env, size_t node, struct fl_err *err)
{
    return fl_client_open_thread(c, seed, env, node, -1, err);
}

int
fl_client_open_thread(struct fl_client *c, const struct fl_client_seed *seed,
                      const struct fl_env *env, size_t node, int thread,
                      struct fl_err *err)
{
    c->type = seed && seed->type ? seed->type : &fl_client_noop_type;
    c->shared = seed ? seed->shared : NULL;
    c->ctx = NULL;
    c->node = node;
    c->thread = thread;
    if (!c->type->open)
        return 0;
    return c->type->open(c, env, err);
}

int
fl_client_setup(struct fl_client *c, const struct fl_env *env,
                struct fl_err *err)
{
    if (!c->type->setup)
        return 0;
    return c->type->setup(c, env, err);
}

int
fl_client_invoke(struct fl_client *c, const struct fl_env *env,
                 const struct fl_op *op, struct fl_arena *a, struct fl_op *out,
                 struct fl_err *err)
{
    return c->type->invoke(c, env, op, a, out, err);
}

int
fl_client_teardown(struct fl_client *c, const struct fl_env *env,
                   struct fl_err *err)
{
    if (!c->type->teardown)
        return 0;
    return c->type->teardown(c, env, err);
}

void
fl_client_close(struct fl_client *c, const struct fl_env *env)
{
    if (c->type && c->type->close)
        c->type->close(c, env);
    c->ctx = NULL;
}

void
fl_client_seed_release(struct fl_client_seed *seed)
{
    if (seed->free_shared && seed->shared)
        seed->free_shared(seed->shared);
    seed->type = NULL;
    seed->shared = NULL;
    seed->free_shared = NULL;
}
