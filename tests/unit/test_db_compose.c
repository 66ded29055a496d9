/* SPDX-License-Identifier: MIT */
/*
 * test_db_compose.c: a composed DB calls its parts in order (setup, start,
 * resume) or in reverse (teardown, kill, pause), skips parts without the
 * capability, stops a setup at the first failing part, takes primaries
 * from the first part that knows them and frees every part.
 */
#include "test.h"

#include "db/compose.h"
#include "db/db.h"
#include "util/err.h"
#include "util/strbuf.h"

static struct fl_strbuf calls = FL_STRBUF_INIT;
static int frees;

/* Each fake part's ctx is its name; "bad" fails its setup. */
#define FAKE(slot)                                                             \
    static int fake_##slot(struct fl_db *db, const struct fl_env *env,         \
                           size_t node, struct fl_err *err)                    \
    {                                                                          \
        FL_UNUSED(env);                                                        \
        fl_strbuf_addf(&calls, "%s:%s:%zu ", (char *)db->ctx, #slot, node);    \
        if (strcmp(#slot, "setup") == 0 && strcmp(db->ctx, "bad") == 0)        \
            return fl_err_set(err, -EIO, "broken");                            \
        return 0;                                                              \
    }
FAKE(setup)
FAKE(teardown)
FAKE(kill)
FAKE(start)
FAKE(pause)
FAKE(resume)

static int
fake_primaries(struct fl_db *db, const struct fl_env *env,
               struct fl_vec_u32 *out, struct fl_err *err)
{
    FL_UNUSED(env);
    FL_UNUSED(err);
    FL_VEC_PUSH(out, (uint32_t)strlen(db->ctx));
    return 0;
}

static void
fake_free(struct fl_db *db)
{
    frees++;
    free(db->ctx);
}

static const struct fl_db_type full_type = {
    .name = "full",
    .caps = FL_DB_CAP_KILL | FL_DB_CAP_PAUSE | FL_DB_CAP_PRIMARY,
    .setup = fake_setup,
    .teardown = fake_teardown,
    .kill = fake_kill,
    .start = fake_start,
    .pause = fake_pause,
    .resume = fake_resume,
    .setup_primary = fl_db_node_noop,
    .primaries = fake_primaries,
    .log_files = fl_db_log_files_none,
    .free = fake_free,
};

static const struct fl_db_type plain_type = {
    .name = "plain",
    .caps = FL_DB_CAP_KILL,
    .setup = fake_setup,
    .teardown = fake_teardown,
    .kill = fake_kill,
    .start = fake_start,
    .pause = fl_db_unsupported,
    .resume = fl_db_unsupported,
    .setup_primary = fl_db_unsupported,
    .primaries = fl_db_primaries_unsupported,
    .log_files = fl_db_log_files_none,
    .free = fake_free,
};

static void
test_db_compose_order_and_caps(void)
{
    char *names[] = {"n1", "n2"};
    struct fl_env env = {.nodes = names, .nnodes = 2};
    struct fl_err err = FL_ERR_INIT;
    struct fl_vec_u32 prim = {0};
    struct fl_db *parts[] = {fl_db_new(&plain_type, fl_xstrdup("a")),
                             fl_db_new(&full_type, fl_xstrdup("bbb"))};
    struct fl_db *db = fl_db_compose_new("sys", parts, 2);

    frees = 0;
    fl_strbuf_reset(&calls);
    ASSERT_STR_EQ(db->type->name, "sys");
    ASSERT(fl_db_can(db, FL_DB_CAP_KILL) && fl_db_can(db, FL_DB_CAP_PAUSE));
    ASSERT_OK(fl_db_setup(db, &env, 1, &err));
    ASSERT_OK(fl_db_kill(db, &env, 1, &err));
    ASSERT_OK(fl_db_start(db, &env, 1, &err));
    ASSERT_OK(fl_db_pause(db, &env, 0, &err));
    ASSERT_OK(fl_db_resume(db, &env, 0, &err));
    ASSERT_OK(fl_db_teardown(db, &env, 0, &err));
    ASSERT_STR_EQ(calls.buf, "a:setup:1 bbb:setup:1 bbb:kill:1 a:kill:1 "
                             "a:start:1 bbb:start:1 bbb:pause:0 "
                             "bbb:resume:0 bbb:teardown:0 a:teardown:0 ");
    ASSERT_OK(fl_db_primaries(db, &env, &prim, &err));
    ASSERT_EQ(prim.n, 1);
    ASSERT_EQ(prim.v[0], 3); /* from the part that knows primaries */
    FL_VEC_RELEASE(&prim);
    fl_db_free(db);
    ASSERT_EQ(frees, 2);
}

static void
test_db_compose_setup_stops_at_failure(void)
{
    char *names[] = {"n1"};
    struct fl_env env = {.nodes = names, .nnodes = 1};
    struct fl_err err = FL_ERR_INIT;
    struct fl_db *parts[] = {fl_db_new(&plain_type, fl_xstrdup("bad")),
                             fl_db_new(&full_type, fl_xstrdup("late"))};
    struct fl_db *db = fl_db_compose_new("sys", parts, 2);

    fl_strbuf_reset(&calls);
    ASSERT_EQ(fl_db_setup(db, &env, 0, &err), -EIO);
    ASSERT(strstr(err.msg, "plain: broken"));
    ASSERT_STR_EQ(calls.buf, "bad:setup:0 ");
    fl_db_free(db);
    fl_strbuf_release(&calls);
}

static const struct fl_test_case db_compose_tests[] = {
    FL_TEST(test_db_compose_order_and_caps),
    FL_TEST(test_db_compose_setup_stops_at_failure),
    FL_TEST_END,
};

FL_TEST_SUITE(db_compose, db_compose_tests);
