/* SPDX-License-Identifier: MIT */
/*
 * nemesis.c: dispatchers, the noop nemesis, package release, and the
 * helpers clients and nemeses use to put :error and other extra keys on a
 * completion. Extra keys live in one EDN map (struct fl_op.extra) built in
 * the completing thread's arena; setting a key copies the map once, which
 * is fine for the one or two keys a completion carries.
 */
#include "util/common.h"

#include "nemesis/nemesis.h"

#include "util/arena.h"
#include "util/err.h"

struct fl_nemesis *
fl_nemesis_new(const struct fl_nemesis_type *type, void *ctx)
{
    struct fl_nemesis *n = fl_xmalloc(sizeof(*n));

    n->type = type;
    n->ctx = ctx;
    return n;
}

static int
noop_setup(struct fl_nemesis *n, const struct fl_env *env, struct fl_err *err)
{
    FL_UNUSED(n);
    FL_UNUSED(env);
    FL_UNUSED(err);
    return 0;
}

static int
noop_invoke(struct fl_nemesis *n, const struct fl_env *env,
            const struct fl_op *op, struct fl_arena *a, struct fl_op *out,
            struct fl_err *err)
{
    FL_UNUSED(n);
    FL_UNUSED(env);
    FL_UNUSED(op);
    FL_UNUSED(a);
    FL_UNUSED(out);
    FL_UNUSED(err);
    return 0;
}

static size_t
noop_fs(const struct fl_nemesis *n, uint32_t *out, size_t max)
{
    FL_UNUSED(n);
    FL_UNUSED(out);
    FL_UNUSED(max);
    return 0;
}

const struct fl_nemesis_type fl_nemesis_noop_type = {
    .name = "noop",
    .setup = noop_setup,
    .invoke = noop_invoke,
    .teardown = noop_setup,
    .fs = noop_fs,
    .free = NULL,
};

struct fl_nemesis fl_nemesis_noop = {&fl_nemesis_noop_type, NULL};

void
fl_nemesis_free(struct fl_nemesis *n)
{
    if (!n || n == &fl_nemesis_noop)
        return;
    if (n->type->free)
        n->type->free(n);
    free(n);
}

int
fl_nemesis_setup(struct fl_nemesis *n, const struct fl_env *env,
                 struct fl_err *err)
{
    if (!n || !n->type->setup)
        return 0;
    return n->type->setup(n, env, err);
}

int
fl_nemesis_invoke(struct fl_nemesis *n, const struct fl_env *env,
                  const struct fl_op *op, struct fl_arena *a, struct fl_op *out,
                  struct fl_err *err)
{
    if (!n || !n->type->invoke)
        return 0;
    return n->type->invoke(n, env, op, a, out, err);
}

int
fl_nemesis_teardown(struct fl_nemesis *n, const struct fl_env *env,
                    struct fl_err *err)
{
    if (!n || !n->type->teardown)
        return 0;
    return n->type->teardown(n, env, err);
}

size_t
fl_nemesis_fs(const struct fl_nemesis *n, uint32_t *out, size_t max)
{
    if (!n || !n->type->fs)
        return 0;
    return n->type->fs(n, out, max);
}

bool
fl_nemesis_handles(const struct fl_nemesis *n, uint32_t f)
{
    uint32_t buf[64];
    size_t k = fl_nemesis_fs(n, buf, FL_ARRAY_SIZE(buf));

    for (size_t i = 0; i < k && i < FL_ARRAY_SIZE(buf); i++)
        if (buf[i] == f)
            return true;
    return false;
}

void
fl_op_set_extra(struct fl_op *out, struct fl_arena *a, uint32_t kw,
                const fl_val *v)
{
    size_t n = out->extra && out->extra->kind == FL_V_MAP ? out->extra->n : 0;
    fl_val *items = fl_xmalloc(fl_st_mult(2 * (n + 1), sizeof(*items)));
    size_t k = 0;
    fl_val map;

    for (size_t i = 0; i < n; i++) {
        const fl_val *key = &out->extra->u.items[2 * i];
        if (fl_val_is_kw(key, kw))
            continue;
        items[2 * k] = *key;
        items[2 * k + 1] = out->extra->u.items[2 * i + 1];
        k++;
    }
    items[2 * k] = fl_val_kw(kw);
    items[2 * k + 1] = fl_val_copy(a, v);
    k++;
    map = fl_val_map(a, items, k);
    out->extra = fl_arena_memdup(a, &map, sizeof(map));
    free(items);
}

void
fl_op_set_error_val(struct fl_op *out, struct fl_arena *a, const fl_val *v)
{
    fl_op_set_extra(out, a, FL_KW_ERROR, v);
}

void
fl_op_set_error(struct fl_op *out, struct fl_arena *a, const char *msg)
{
    fl_val s = fl_val_str(a, msg, strlen(msg));

    fl_op_set_extra(out, a, FL_KW_ERROR, &s);
}

void
fl_nemesis_package_release(struct fl_nemesis_package *pkg)
{
    if (!pkg)
        return;
    fl_nemesis_free(pkg->nemesis);
    fl_gen_free(pkg->generator);
    fl_gen_free(pkg->final_generator);
    memset(pkg, 0, sizeof(*pkg));
}
