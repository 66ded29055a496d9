/* SPDX-License-Identifier: MIT */
/*
 * test_pg.c: the PostgreSQL suite's outcome mapping (fl_pg_outcome_from):
 * nothing commits before COMMIT is sent, SQLSTATE class 40 is a rollback,
 * an unknown COMMIT is :info unless the transaction wrote nothing.
 */
#include "util/common.h"

#include "tests/unit/test.h"

#include "history/op.h"
#include "suites/postgres/pg.h"
#include "util/err.h"

static struct fl_pg_outcome
map(enum fl_pg_phase ph, enum fl_pg_status st, const char *ss, bool ro)
{
    struct fl_pg_outcome o;

    fl_pg_outcome_from(ph, st, ss, ro, &o);
    return o;
}

static void
test_pg_commit_ok(void)
{
    struct fl_pg_outcome o = map(FL_PG_COMMIT, FL_PG_DONE, NULL, false);

    ASSERT_EQ(o.type, FL_OP_OK);
    ASSERT(o.error == NULL);
    o = map(FL_PG_COMMIT, FL_PG_DONE, NULL, true);
    ASSERT_EQ(o.type, FL_OP_OK);
}

static void
test_pg_before_commit_is_fail(void)
{
    static const enum fl_pg_status sts[] = {FL_PG_SQL_ERROR, FL_PG_LOST,
                                            FL_PG_TIMEOUT, FL_PG_REFUSED};
    struct fl_pg_outcome o;

    for (size_t i = 0; i < FL_ARRAY_SIZE(sts); i++) {
        o = map(FL_PG_BODY, sts[i], sts[i] == FL_PG_SQL_ERROR ? "57P01" : NULL,
                false);
        ASSERT_EQ(o.type, FL_OP_FAIL);
        o = map(FL_PG_CONNECT, sts[i], NULL, false);
        ASSERT_EQ(o.type, FL_OP_FAIL);
        ASSERT_STR_EQ(o.error, "connect-failed");
    }
    o = map(FL_PG_BODY, FL_PG_LOST, NULL, false);
    ASSERT_STR_EQ(o.error, "connection-lost");
    o = map(FL_PG_BODY, FL_PG_TIMEOUT, NULL, false);
    ASSERT_STR_EQ(o.error, "timeout");
    o = map(FL_PG_BODY, FL_PG_REFUSED, NULL, false);
    ASSERT_STR_EQ(o.error, "refused");
}

static void
test_pg_class_40_is_fail_even_at_commit(void)
{
    struct fl_pg_outcome o = map(FL_PG_COMMIT, FL_PG_SQL_ERROR, "40001", false);

    ASSERT_EQ(o.type, FL_OP_FAIL);
    ASSERT_STR_EQ(o.error, "serialization-failure");
    o = map(FL_PG_COMMIT, FL_PG_SQL_ERROR, "40P01", false);
    ASSERT_EQ(o.type, FL_OP_FAIL);
    ASSERT_STR_EQ(o.error, "deadlock");
    o = map(FL_PG_BODY, FL_PG_SQL_ERROR, "40001", false);
    ASSERT_EQ(o.type, FL_OP_FAIL);
    o = map(FL_PG_COMMIT, FL_PG_SQL_ERROR, "40002", false);
    ASSERT_EQ(o.type, FL_OP_FAIL);
    ASSERT_STR_EQ(o.error, "sql-error");
}

static void
test_pg_unknown_commit_is_info(void)
{
    struct fl_pg_outcome o = map(FL_PG_COMMIT, FL_PG_LOST, NULL, false);

    ASSERT_EQ(o.type, FL_OP_INFO);
    ASSERT_STR_EQ(o.error, "connection-lost");
    o = map(FL_PG_COMMIT, FL_PG_TIMEOUT, NULL, false);
    ASSERT_EQ(o.type, FL_OP_INFO);
    ASSERT_STR_EQ(o.error, "timeout");
    /* admin shutdown or crash during COMMIT: may or may not be durable */
    o = map(FL_PG_COMMIT, FL_PG_SQL_ERROR, "57P01", false);
    ASSERT_EQ(o.type, FL_OP_INFO);
    o = map(FL_PG_COMMIT, FL_PG_SQL_ERROR, "08006", false);
    ASSERT_EQ(o.type, FL_OP_INFO);
    o = map(FL_PG_COMMIT, FL_PG_SQL_ERROR, NULL, false);
    ASSERT_EQ(o.type, FL_OP_INFO);
}

static void
test_pg_read_only_never_info(void)
{
    struct fl_pg_outcome o = map(FL_PG_COMMIT, FL_PG_LOST, NULL, true);

    ASSERT_EQ(o.type, FL_OP_FAIL);
    o = map(FL_PG_COMMIT, FL_PG_SQL_ERROR, "57P01", true);
    ASSERT_EQ(o.type, FL_OP_FAIL);
}

static void
test_pg_isolation_models(void)
{
    const char *sql = NULL, *models = NULL;
    struct fl_err err = FL_ERR_INIT;

    ASSERT_OK(fl_pg_isolation("serializable", &sql, &models, &err));
    ASSERT_STR_EQ(sql, "SERIALIZABLE");
    ASSERT_STR_EQ(models, "serializable");
    /* PostgreSQL's snapshot isolation and Adya's PL-2.99 both: test_elle's
     * test_elle_pg_repeatable_read_models shows what each adds */
    ASSERT_OK(fl_pg_isolation("repeatable-read", &sql, &models, &err));
    ASSERT_STR_EQ(sql, "REPEATABLE READ");
    ASSERT_STR_EQ(models, "snapshot-isolation,repeatable-read");
    ASSERT_OK(fl_pg_isolation("read-committed", &sql, &models, &err));
    ASSERT_STR_EQ(sql, "READ COMMITTED");
    ASSERT_STR_EQ(models, "read-committed");
    ASSERT(fl_pg_isolation("snapshot", &sql, &models, &err) == FL_EUSAGE);
    ASSERT(strstr(err.msg, "--isolation snapshot") != NULL);
}

static const struct fl_test_case pg_tests[] = {
    FL_TEST(test_pg_commit_ok),
    FL_TEST(test_pg_before_commit_is_fail),
    FL_TEST(test_pg_class_40_is_fail_even_at_commit),
    FL_TEST(test_pg_unknown_commit_is_info),
    FL_TEST(test_pg_read_only_never_info),
    FL_TEST(test_pg_isolation_models),
    FL_TEST_END,
};

FL_TEST_SUITE(pg, pg_tests);
