/* SPDX-License-Identifier: MIT */
/*
 * test_external.c: the external suite's DB of shell commands, run for real
 * through the local remote: each command sees its node in FAULTLINE_NODE,
 * setup runs --db-setup then --db-start, caps follow the commands given, a
 * failing command is an error naming the option, the node, the status and
 * stderr, --db-logs lists the files its glob matches and --db-primary
 * picks the nodes where it exits 0.
 */
#include "util/common.h"

#include "tests/unit/test.h"

#include <unistd.h>

#include "control/remote.h"
#include "suites/external/external.h"
#include "util/err.h"
#include "util/strbuf.h"

struct ext_env {
    char dir[64];
    char *nodes[2];
    struct fl_remote *remotes[2];
    struct fl_env env;
};

static void
ext_env_init(struct ext_env *e)
{
    struct fl_remote_opts o = {.backend = "local"};
    struct fl_err err = FL_ERR_INIT;

    memset(e, 0, sizeof(*e));
    snprintf(e->dir, sizeof(e->dir), "/tmp/fl-ext-XXXXXX");
    ASSERT(mkdtemp(e->dir) != NULL);
    e->nodes[0] = "a";
    e->nodes[1] = "b";
    for (int i = 0; i < 2; i++) {
        e->remotes[i] = fl_remote_new("localhost", &o, &err);
        ASSERT(e->remotes[i] != NULL);
    }
    e->env.nodes = e->nodes;
    e->env.nnodes = 2;
    e->env.remotes = e->remotes;
}

static void
ext_env_release(struct ext_env *e)
{
    struct fl_strbuf cmd = FL_STRBUF_INIT;

    fl_strbuf_addf(&cmd, "rm -rf %s", e->dir);
    ASSERT_OK(system(cmd.buf));
    for (int i = 0; i < 2; i++)
        fl_remote_free(e->remotes[i]);
    fl_strbuf_release(&cmd);
}

static char *
read_file(const char *dir, const char *name)
{
    struct fl_strbuf sb = FL_STRBUF_INIT, path = FL_STRBUF_INIT;

    fl_strbuf_addf(&path, "%s/%s", dir, name);
    if (fl_strbuf_read_file(&sb, path.buf) < 0)
        fl_strbuf_addstr(&sb, "(missing)");
    fl_strbuf_release(&path);
    return fl_strbuf_detach(&sb, NULL);
}

static void
test_external_db_lifecycle(void)
{
    struct ext_env e;
    struct fl_err err = FL_ERR_INIT;

    ext_env_init(&e);
    char *setup = fl_xasprintf("echo \"$FAULTLINE_NODE $FAULTLINE_NODE_INDEX "
                               "$FAULTLINE_NODES\" > %s/setup-$FAULTLINE_NODE",
                               e.dir);
    char *start = fl_xasprintf("echo up >> %s/start-$FAULTLINE_NODE; "
                               "echo log > %s/$FAULTLINE_NODE.log",
                               e.dir, e.dir);
    char *logs = fl_xasprintf("%s/$FAULTLINE_NODE.log %s/none*", e.dir, e.dir);
    struct fl_external_db_cfg cfg = {
        .setup = setup,
        .start = start,
        .kill = "echo 'boom' >&2; exit 3",
        .logs = logs,
        .primary = "[ \"$FAULTLINE_NODE\" = b ]",
        .timeout_ms = 10000,
    };
    struct fl_db *db = fl_external_db_new(&cfg);

    ASSERT(fl_db_can(db, FL_DB_CAP_KILL));
    ASSERT(!fl_db_can(db, FL_DB_CAP_PAUSE));
    ASSERT(fl_db_can(db, FL_DB_CAP_PRIMARY));
    ASSERT(fl_db_can(db, FL_DB_CAP_LOG_FILES));
    ASSERT_OK(fl_db_teardown(db, &e.env, 0, &err)); /* none given: noop */
    ASSERT_OK(fl_db_setup(db, &e.env, 1, &err));
    char *s = read_file(e.dir, "setup-b");
    ASSERT_STR_EQ(s, "b 1 a b\n");
    free(s);
    s = read_file(e.dir, "start-b");
    ASSERT_STR_EQ(s, "up\n");
    free(s);

    ASSERT_EQ(fl_db_kill(db, &e.env, 0, &err), FL_EREMOTE);
    ASSERT(strstr(err.msg, "--db-kill on a: exit 3: boom") != NULL);

    struct fl_db_log_files files = {0};
    ASSERT_OK(fl_db_log_files(db, &e.env, 1, &files, &err));
    ASSERT_EQ(files.n, 1);
    ASSERT_STR_EQ(files.v[0].name, "b.log");
    fl_db_log_files_release(&files);

    struct fl_vec_u32 prim = {0};
    ASSERT_OK(fl_db_primaries(db, &e.env, &prim, &err));
    ASSERT_EQ(prim.n, 1);
    ASSERT_EQ(prim.v[0], 1);
    FL_VEC_RELEASE(&prim);

    fl_db_free(db);
    free(setup);
    free(start);
    free(logs);
    ext_env_release(&e);
}

static void
test_external_db_caps(void)
{
    struct fl_external_db_cfg none = {0}, pause = {.pause = "x", .resume = "y"};
    struct fl_external_db_cfg half = {.kill = "x"};

    ASSERT(!fl_external_db_any(&none));
    ASSERT(fl_external_db_any(&half));
    struct fl_db *db = fl_external_db_new(&half);
    ASSERT(!fl_db_can(db, FL_DB_CAP_KILL)); /* no --db-start to come back */
    fl_db_free(db);
    db = fl_external_db_new(&pause);
    ASSERT(fl_db_can(db, FL_DB_CAP_PAUSE));
    ASSERT(!fl_db_can(db, FL_DB_CAP_LOG_FILES));
    fl_db_free(db);
}

static const struct fl_test_case external_tests[] = {
    FL_TEST(test_external_db_lifecycle),
    FL_TEST(test_external_db_caps),
    FL_TEST_END,
};

FL_TEST_SUITE(external, external_tests)
