/* SPDX-License-Identifier: MIT */
/*
 * test_replay.c: `faultline test SUITE --replay STOREDIR` and
 * --deterministic on the command line (docs/replay.md). The recorded
 * test.edn becomes arguments put before the user's, so that the usual
 * parser checks them and any option given again overrides its recorded
 * value; the recorded schedule.edn becomes the test's replay.
 */
#include "util/common.h"

#include "cli/cli.h"
#include "cli/test_args.h"

#include "run/schedule.h"
#include "run/store.h"
#include "util/err.h"
#include "util/strbuf.h"

/* The --replay argument in argv[2..], or NULL. */
static const char *
find_replay(int argc, char **argv)
{
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--replay") == 0)
            return i + 1 < argc ? argv[i + 1] : NULL;
        if (strncmp(argv[i], "--replay=", 9) == 0)
            return argv[i] + 9;
    }
    return NULL;
}

static bool
has_nodes(int argc, char **argv)
{
    static const char *const opts[] = {"-n", "--node", "--nodes",
                                       "--nodes-file"};

    for (int i = 2; i < argc; i++)
        for (size_t k = 0; k < FL_ARRAY_SIZE(opts); k++) {
            size_t n = strlen(opts[k]);
            if (strncmp(argv[i], opts[k], n) == 0 &&
                (argv[i][n] == '\0' || argv[i][n] == '='))
                return true;
        }
    return false;
}

struct args {
    char **v;
    size_t n, alloc;
};

static void
push(struct args *a, char *s)
{
    FL_ALLOC_GROW(a->v, a->n + 2, a->alloc);
    a->v[a->n++] = s;
    a->v[a->n] = NULL;
}

/* v as an argument: strings as they are, anything else as EDN. */
static char *
val_arg(const fl_val *v)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;

    if (v->kind == FL_V_STR)
        return fl_xstrdup(v->u.s);
    if (v->kind == FL_V_KW)
        return fl_xstrdup(fl_kw_name(v->u.id));
    fl_val_print_edn(&sb, v);
    return fl_strbuf_detach(&sb, NULL);
}

/* --name VALUE from map m's :key, when it has one. */
static void
push_opt(struct args *a, const fl_val *m, const char *key, const char *name,
         const char *unit)
{
    const fl_val *v = fl_val_map_get_kw(m, fl_kw_intern_cstr(key));

    if (!v || fl_val_is_nil(v))
        return;
    if (v->kind == FL_V_BOOL) {
        if (v->u.b)
            push(a, fl_xasprintf("--%s", name));
        return;
    }
    char *s = val_arg(v);
    push(a, fl_xasprintf("--%s=%s%s", name, s, unit));
    free(s);
}

static void
push_nodes(struct args *a, const fl_val *test)
{
    const fl_val *nodes = fl_val_map_get_kw(test, fl_kw_intern_cstr("nodes"));
    struct fl_strbuf sb = FL_STRBUF_INIT;

    for (uint32_t i = 0; nodes && fl_val_is_seq(nodes) && i < nodes->n; i++)
        if (nodes->u.items[i].kind == FL_V_STR)
            fl_strbuf_addf(&sb, "%s%s", sb.len ? "," : "",
                           nodes->u.items[i].u.s);
    if (sb.len)
        push(a, fl_xasprintf("--nodes=%s", sb.buf));
    fl_strbuf_release(&sb);
}

/* The recorded options of the suite (which must be argv[1]) as arguments. */
static int
recorded_args(const char *dir, const fl_val *test, int argc, char **argv,
              struct args *a)
{
    const fl_val *suite = fl_val_map_get_kw(test, fl_kw_intern_cstr("suite"));
    const fl_val *opts = fl_val_map_get_kw(test, fl_kw_intern_cstr("options"));
    const struct fl_suite *s = fl_suite_find(argv[1]);

    if (!suite || suite->kind != FL_V_STR || strcmp(suite->u.s, argv[1]) != 0)
        return fl_cli_usage_error(
            NULL,
            "--replay %s: %s/test.edn is a run of suite %s, "
            "not %s",
            dir, dir, suite && suite->kind == FL_V_STR ? suite->u.s : "(none)",
            argv[1]);
    push_opt(a, test, "seed", "seed", "");
    push_opt(a, test, "concurrency", "concurrency", "");
    push_opt(a, test, "time-limit-ms", "time-limit", "ms");
    push_opt(a, test, "op-timeout-ms", "op-timeout", "ms");
    push_opt(a, test, "rate", "rate", "");
    if (!has_nodes(argc, argv))
        push_nodes(a, test);
    if (!opts || opts->kind != FL_V_MAP)
        return 0;
    push_opt(a, opts, "workload", "workload", "");
    push_opt(a, opts, "nemesis", "nemesis", "");
    push_opt(a, opts, "nemesis-interval-ms", "nemesis-interval", "ms");
    push_opt(a, opts, "client-cmd", "client-cmd", "");
    push_opt(a, opts, "deterministic", "deterministic", "");
    for (size_t i = 0; s && s->opts && s->opts[i].name; i++)
        push_opt(a, opts, s->opts[i].name, s->opts[i].name, "");
    return 0;
}

int
fl_cli_replay_argv(int argc, char **argv, int *out_argc, char ***out_argv)
{
    const char *dir = argc > 2 ? find_replay(argc, argv) : NULL;
    struct fl_err err = FL_ERR_INIT;
    struct fl_arena arena;
    struct args a = {0};
    fl_val test;
    int rc;

    *out_argv = NULL;
    *out_argc = 0;
    if (!dir || !fl_suite_find(argv[1]))
        return 0; /* the parser says what is wrong */
    fl_arena_init(&arena, 0);
    rc = fl_store_read_test(dir, &arena, &test, &err);
    if (rc < 0) {
        rc = fl_cli_usage_error(NULL,
                                "--replay %s: %s (not the store directory of a "
                                "run?)",
                                dir, err.msg);
        goto out;
    }
    push(&a, fl_xstrdup(argv[0]));
    push(&a, fl_xstrdup(argv[1]));
    rc = recorded_args(dir, &test, argc, argv, &a);
    for (int i = 2; rc == 0 && i < argc; i++)
        push(&a, fl_xstrdup(argv[i]));
out:
    fl_arena_release(&arena);
    if (rc) {
        fl_cli_replay_argv_free(a.v);
        return rc;
    }
    *out_argv = a.v;
    *out_argc = (int)a.n;
    return 0;
}

void
fl_cli_replay_argv_free(char **argv)
{
    for (size_t i = 0; argv && argv[i]; i++)
        free(argv[i]);
    free(argv);
}

/* --nemesis-schedule FILE: loaded into t->faults. */
static int
fault_schedule_setup(const struct fl_test_args *a, struct fl_test *t)
{
    struct fl_err err = FL_ERR_INIT;
    const char *other = a->replay ? "--replay (its faults are recorded)"
                        : a->deterministic ? "--deterministic"
                                           : NULL;

    if (other) {
        fprintf(stderr, "faultline: --nemesis-schedule: not with %s\n", other);
        return -1;
    }
    if (fl_schedule_load_faults(a->faults, &t->faults, &err) < 0) {
        fprintf(stderr, "faultline: --nemesis-schedule: %s\n", err.msg);
        return -1;
    }
    char *abs = realpath(a->faults, NULL);
    fl_test_set_opt_str(t, "nemesis-schedule", abs ? abs : a->faults);
    free(abs);
    return 0;
}

int
fl_cli_test_replay_setup(const struct fl_test_args *a, struct fl_test *t)
{
    struct fl_err err = FL_ERR_INIT;

    if (a->deterministic && !a->suite->in_process) {
        fprintf(stderr,
                "faultline: --deterministic: suite %s runs against real "
                "nodes, whose time and threads faultline cannot simulate; "
                "only in-process suites (memkv) can\n",
                a->suite->name);
        return -1;
    }
    if (a->deterministic && a->client_cmd) {
        fprintf(stderr, "faultline: --deterministic: --client-cmd runs the "
                        "client as a program of its own, outside simulated "
                        "time\n");
        return -1;
    }
    t->deterministic = a->deterministic;
    if (a->deterministic)
        fl_test_set_opt_bool(t, "deterministic", true);
    if (a->faults && fault_schedule_setup(a, t) < 0)
        return -1;
    if (!a->replay)
        return 0;
    if (fl_schedule_load(a->replay, &t->replay, &err) < 0) {
        fprintf(stderr, "faultline: --replay %s: %s\n", a->replay, err.msg);
        return -1;
    }
    fl_test_set_opt_str(t, "replay", a->replay);
    return 0;
}
