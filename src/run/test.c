/* SPDX-License-Identifier: MIT */
/*
 * test.c: struct fl_test's lifecycle and options, and suite lookup. The
 * options map is rebuilt on every set (tests have a few dozen options at
 * most), always in t->arena, so an fl_env can point at it for the whole
 * run.
 */
#include "util/common.h"

#include "run/test.h"

#include "checker/registry.h"
#include "checker/workloads.h"
#include "history/edn.h"
#include "run/schedule.h"
#include "util/clock.h"
#include "util/err.h"

void
fl_test_init(struct fl_test *t)
{
    memset(t, 0, sizeof(*t));
    fl_arena_init(&t->arena, 16384);
    t->options = fl_val_map(&t->arena, NULL, 0);
    t->concurrency = 1;
    t->time_limit_ns = 60 * 1000000000LL;
}

void
fl_test_release(struct fl_test *t)
{
    if (t->leaked) {
        /* Stuck workers read the env, options and plug-ins; the process
         * is about to exit, so leave them be. */
        memset(t, 0, sizeof(*t));
        return;
    }
    free(t->name);
    for (size_t i = 0; i < t->nnodes; i++)
        free(t->nodes[i]);
    free(t->nodes);
    fl_os_free(t->os);
    fl_db_free(t->db);
    fl_client_seed_release(&t->client);
    fl_nemesis_package_release(&t->nemesis);
    fl_gen_free(t->generator);
    fl_gen_free(t->final_generator);
    fl_schedule_free(t->replay);
    fl_schedule_free(t->faults);
    /* A checker type's free releases its ctx and the checker itself. */
    if (t->checker && t->checker->type->free)
        t->checker->type->free(t->checker);
    fl_arena_release(&t->arena);
    memset(t, 0, sizeof(*t));
}

void
fl_test_set_name(struct fl_test *t, const char *name)
{
    free(t->name);
    t->name = fl_xstrdup(name);
    t->env.name = t->name;
}

void
fl_test_add_node(struct fl_test *t, const char *node)
{
    t->nodes = fl_xrealloc(t->nodes, (t->nnodes + 1) * sizeof(*t->nodes));
    t->nodes[t->nnodes++] = fl_xstrdup(node);
    t->env.nodes = t->nodes;
    t->env.nnodes = t->nnodes;
}

void
fl_test_set_opt(struct fl_test *t, const char *key, const fl_val *v)
{
    size_t n = t->options.kind == FL_V_MAP ? t->options.n : 0;
    fl_val *items = fl_xmalloc(fl_st_mult(2 * (n + 1), sizeof(*items)));
    uint32_t kw = fl_kw_intern_cstr(key);
    size_t k = 0;
    bool replaced = false;

    for (size_t i = 0; i < n; i++) {
        items[2 * k] = t->options.u.items[2 * i];
        items[2 * k + 1] = t->options.u.items[2 * i + 1];
        if (fl_val_is_kw(&items[2 * k], kw)) {
            items[2 * k + 1] = fl_val_copy(&t->arena, v);
            replaced = true;
        }
        k++;
    }
    if (!replaced) {
        items[2 * k] = fl_val_kw(kw);
        items[2 * k + 1] = fl_val_copy(&t->arena, v);
        k++;
    }
    t->options = fl_val_map(&t->arena, items, k);
    t->env.options = &t->options;
    free(items);
}

void
fl_test_set_opt_str(struct fl_test *t, const char *key, const char *s)
{
    fl_val v = fl_val_str(&t->arena, s, strlen(s));

    fl_test_set_opt(t, key, &v);
}

void
fl_test_set_opt_int(struct fl_test *t, const char *key, int64_t i)
{
    fl_val v = fl_val_int(i);

    fl_test_set_opt(t, key, &v);
}

void
fl_test_set_opt_bool(struct fl_test *t, const char *key, bool b)
{
    fl_val v = fl_val_bool(b);

    fl_test_set_opt(t, key, &v);
}

void
fl_test_sync_env(struct fl_test *t)
{
    t->env.name = t->name;
    t->env.nodes = t->nodes;
    t->env.nnodes = t->nnodes;
    t->env.db = t->db;
    t->env.concurrency = t->concurrency;
    t->env.seed = t->seed;
    t->env.options = &t->options;
    t->env.leave_db_running = t->leave_db_running;
    if (!t->env.clock)
        t->env.clock = fl_clock_real();
}

static const struct fl_suite *const no_suites[] = {NULL};
static const struct fl_suite *const *registered = no_suites;

void
fl_suite_register(const struct fl_suite *const *suites)
{
    registered = suites ? suites : no_suites;
}

const struct fl_suite *const *
fl_suite_list(void)
{
    return registered;
}

const struct fl_suite *
fl_suite_find(const char *name)
{
    for (size_t i = 0; name && registered[i]; i++)
        if (strcmp(registered[i]->name, name) == 0)
            return registered[i];
    return NULL;
}

bool
fl_suite_has(const char *const *list, const char *name)
{
    if (!list || !name)
        return false;
    for (size_t i = 0; list[i]; i++)
        if (strcmp(list[i], name) == 0)
            return true;
    return false;
}

int
fl_test_set_checker_val(struct fl_test *t, const fl_val *spec,
                        struct fl_err *err)
{
    struct fl_checker *c = fl_chk_from_spec(spec, err);

    if (!c)
        return FL_EUSAGE;
    fl_chk_free(t->checker);
    t->checker = c;
    t->checker_spec = fl_val_copy(&t->arena, spec);
    return 0;
}

int
fl_test_set_checker(struct fl_test *t, const char *spec_edn, struct fl_err *err)
{
    fl_val spec;
    int rc = fl_edn_parse_value(&t->arena, spec_edn, strlen(spec_edn),
                                "checker spec", &spec, err);

    if (rc)
        return rc;
    return fl_test_set_checker_val(t, &spec, err);
}
