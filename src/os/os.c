/* SPDX-License-Identifier: MIT */
/*
 * os.c: option lookups on struct fl_env and the noop OS. Options are an EDN
 * map with keyword keys, built by the CLI (or a test) before the run; the
 * lookups here accept strings and keywords so suites need not care which
 * the CLI produced.
 */
#include "util/common.h"

#include "os/os.h"

#include "util/clock.h"
#include "util/err.h"
#include "util/parse.h"

static const fl_val *
opt_get(const struct fl_env *env, const char *name)
{
    if (!env || !env->options)
        return NULL;
    return fl_val_map_get_kw(env->options, fl_kw_intern_cstr(name));
}

const char *
fl_env_opt_str(const struct fl_env *env, const char *name, const char *dflt)
{
    const fl_val *v = opt_get(env, name);

    if (!v)
        return dflt;
    if (v->kind == FL_V_STR)
        return v->u.s;
    if (v->kind == FL_V_KW)
        return fl_kw_name(v->u.id);
    return dflt;
}

int64_t
fl_env_opt_int(const struct fl_env *env, const char *name, int64_t dflt)
{
    const fl_val *v = opt_get(env, name);

    if (!v || v->kind != FL_V_INT)
        return dflt;
    return v->u.i;
}

int
fl_env_opt_int_in(const struct fl_env *env, const char *name, int64_t dflt,
                  int64_t min, int64_t max, int64_t *out, struct fl_err *err)
{
    const fl_val *v = opt_get(env, name);
    int64_t i = dflt;

    if (v && v->kind == FL_V_INT) {
        i = v->u.i;
    } else if (v && v->kind == FL_V_STR) {
        if (fl_parse_int64(v->u.s, min, max, &i, err) != 0) {
            fl_err_prefix(err, "--%s: ", name);
            return FL_EUSAGE;
        }
    } else if (v && v->kind != FL_V_NIL) {
        return fl_err_set(err, FL_EUSAGE, "--%s: not an integer", name);
    }
    if (i < min || i > max)
        return fl_err_set(err, FL_EUSAGE,
                          "--%s: %" PRId64 " is outside %" PRId64 "..%" PRId64,
                          name, i, min, max);
    *out = i;
    return 0;
}

int
fl_env_opt_duration_ms(const struct fl_env *env, const char *name,
                       int64_t dflt_ms, int64_t min_ms, int64_t max_ms,
                       int64_t *out, struct fl_err *err)
{
    const fl_val *v = opt_get(env, name);
    int64_t ms = dflt_ms, ns;

    if (v && v->kind == FL_V_INT) {
        ms = v->u.i > INT64_MAX / 1000 || v->u.i < 0 ? -1 : v->u.i * 1000;
    } else if (v && v->kind == FL_V_STR) {
        if (fl_parse_duration_ns(v->u.s, &ns, err) != 0)
            return fl_err_set(err, FL_EUSAGE, "--%s: '%s' is not a duration",
                              name, v->u.s);
        ms = ns / FL_NS_PER_MS;
    } else if (v && v->kind != FL_V_NIL) {
        return fl_err_set(err, FL_EUSAGE, "--%s: not a duration", name);
    }
    if (ms < min_ms || ms > max_ms)
        return fl_err_set(err, FL_EUSAGE,
                          "--%s: %" PRId64 " ms is outside %" PRId64
                          "..%" PRId64 " ms",
                          name, ms, min_ms, max_ms);
    *out = ms;
    return 0;
}

bool
fl_env_opt_bool(const struct fl_env *env, const char *name, bool dflt)
{
    const fl_val *v = opt_get(env, name);

    if (!v)
        return dflt;
    if (v->kind == FL_V_BOOL)
        return v->u.b;
    return v->kind != FL_V_NIL;
}

static int
os_noop_node(struct fl_os *os, const struct fl_env *env, size_t node,
             struct fl_err *err)
{
    FL_UNUSED(os);
    FL_UNUSED(env);
    FL_UNUSED(node);
    FL_UNUSED(err);
    return 0;
}

const struct fl_os_type fl_os_noop_type = {
    .name = "noop",
    .setup = os_noop_node,
    .teardown = os_noop_node,
    .free = NULL,
};

struct fl_os fl_os_noop = {&fl_os_noop_type, NULL};

int
fl_os_setup(struct fl_os *os, const struct fl_env *env, size_t node,
            struct fl_err *err)
{
    if (!os || !os->type->setup)
        return 0;
    return os->type->setup(os, env, node, err);
}

int
fl_os_teardown(struct fl_os *os, const struct fl_env *env, size_t node,
               struct fl_err *err)
{
    if (!os || !os->type->teardown)
        return 0;
    return os->type->teardown(os, env, node, err);
}

void
fl_os_free(struct fl_os *os)
{
    if (!os || os == &fl_os_noop)
        return;
    if (os->type->free)
        os->type->free(os);
    free(os);
}
