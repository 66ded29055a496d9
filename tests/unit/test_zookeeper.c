/* SPDX-License-Identifier: MIT */
/*
 * test_zookeeper.c: the ZooKeeper client's outcome mapping (one function
 * decides :ok, :fail or :info for every result code) and the four-letter
 * word probe against a fake server. The suite against real servers is
 * tests/cli/t1220-zookeeper.sh.
 */
#include "util/common.h"

#include "tests/unit/test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zookeeper/zookeeper.h>

#include "history/val.h"
#include "suites/zookeeper/zk.h"
#include "util/arena.h"
#include "util/err.h"

static void
expect(int zrc, bool write, enum fl_op_type type, const char *error)
{
    const char *e = "unset";
    enum fl_op_type got = fl_zk_outcome(zrc, write, &e);

    ASSERT_EQ((int)got, (int)type);
    if (error)
        ASSERT_STR_EQ(e, error);
    else
        ASSERT(e == NULL);
}

/* Definite errors fail; anything that may have been applied is :info. */
static void
test_zk_outcome_writes(void)
{
    expect(ZOK, true, FL_OP_OK, NULL);
    expect(ZBADVERSION, true, FL_OP_FAIL, "bad-version");
    expect(ZNONODE, true, FL_OP_FAIL, "no-node");
    expect(ZNODEEXISTS, true, FL_OP_FAIL, "node-exists");
    expect(FL_ZK_NOT_SENT, true, FL_OP_FAIL, "not-connected");
    expect(FL_ZK_MISMATCH, true, FL_OP_FAIL, "value-mismatch");
    expect(FL_ZK_EMPTY, true, FL_OP_FAIL, "empty");
    expect(ZCONNECTIONLOSS, true, FL_OP_INFO, "connection-loss");
    expect(ZOPERATIONTIMEOUT, true, FL_OP_INFO, "operation-timeout");
    expect(ZSESSIONEXPIRED, true, FL_OP_INFO, "session-expired");
    expect(ZCLOSING, true, FL_OP_INFO, "closing");
    expect(FL_ZK_TIMEOUT, true, FL_OP_INFO, "timeout");
    expect(ZMARSHALLINGERROR, true, FL_OP_INFO, "unknown");
}

/* A read changes nothing: whatever happened, it may end :fail. */
static void
test_zk_outcome_reads(void)
{
    expect(ZOK, false, FL_OP_OK, NULL);
    expect(ZCONNECTIONLOSS, false, FL_OP_FAIL, "connection-loss");
    expect(FL_ZK_TIMEOUT, false, FL_OP_FAIL, "timeout");
    expect(ZSESSIONEXPIRED, false, FL_OP_FAIL, "session-expired");
    expect(ZMARSHALLINGERROR, false, FL_OP_FAIL, "unknown");
}

/* ---- every op against a scripted server ---- */

struct script_case {
    const char *what;
    enum fl_zk_workload wl;
    uint32_t f;
    int64_t arg, arg2;    /* write v, cas [arg arg2], add v */
    const char *value;    /* getData's answer */
    const char *children; /* getChildren's answer */
    enum fl_op_type type; /* how the op must end */
    const char *error;    /* its :error keyword, or NULL */
    int rc[8];            /* the requests' results: the op must send
                           * exactly these requests */
    size_t n;
};

static fl_val
script_value(const struct script_case *c, struct fl_arena *a)
{
    fl_val kv[2] = {fl_val_int(3), fl_val_nil()};

    if (c->wl != FL_ZK_WL_REGISTER)
        return c->f == FL_KW_READ || c->f == FL_KW_DEQUEUE ? fl_val_nil()
                                                           : fl_val_int(c->arg);
    if (c->f == FL_KW_WRITE) {
        kv[1] = fl_val_int(c->arg);
    } else if (c->f == FL_KW_CAS) {
        fl_val ov[2] = {fl_val_int(c->arg), fl_val_int(c->arg2)};
        kv[1] = fl_val_coll(a, FL_V_VEC, ov, 2);
    }
    return fl_val_coll(a, FL_V_VEC, kv, 2);
}

static void
run_script_case(const struct script_case *c)
{
    struct fl_zk_client_cfg cfg = {.workload = c->wl, .sync_reads = true};
    struct fl_zk_script s = {
        .rc = c->rc, .n = c->n, .value = c->value, .children = c->children};
    struct fl_err err = FL_ERR_INIT;
    struct fl_arena a;
    struct fl_op op = {0}, out = {0};

    fl_arena_init(&a, 4096);
    op.type = FL_OP_INVOKE;
    op.f = c->f;
    op.value = script_value(c, &a);
    out = op;
    ASSERT_EQ(fl_zk_invoke_scripted(&cfg, &s, &op, &a, &out, &err), 0);
    if ((int)out.type != (int)c->type || s.next != c->n)
        fprintf(stderr, "  case: %s\n", c->what);
    ASSERT_EQ((int)out.type, (int)c->type);
    ASSERT_EQ(s.next, c->n);
    const fl_val *e = fl_op_error(&out);
    if (c->error) {
        ASSERT(e && e->kind == FL_V_KW);
        ASSERT_STR_EQ(fl_kw_name(e->u.id), c->error);
    } else {
        ASSERT(e == NULL);
    }
    fl_arena_release(&a);
}

#define NRC(...) (sizeof((int[]){__VA_ARGS__}) / sizeof(int))
/* what, workload, f (index into script_f), arg, arg2, getData's value,
 * getChildren's names, the outcome, :error, then the requests' results */
#define C(what, wl, f, a1, a2, val, kids, type, err, ...)                      \
    {                                                                          \
        what, wl, f, a1, a2, val, kids, type, err, {__VA_ARGS__},              \
            NRC(__VA_ARGS__)                                                   \
    }
#define REG  FL_ZK_WL_REGISTER
#define SET  FL_ZK_WL_SET
#define QUE  FL_ZK_WL_QUEUE
#define OK   FL_OP_OK
#define NO   FL_OP_FAIL
#define IDK  FL_OP_INFO
#define LOST ZCONNECTIONLOSS
#define LATE FL_ZK_TIMEOUT

/*
 * How each op ends when its requests end one way or another: :fail only
 * when nothing it sent can have changed the data, :info as soon as a
 * request that writes may have reached the server.
 */
static const struct script_case script_cases[] = {
    C("write acked", REG, 0, 4, 0, NULL, NULL, OK, NULL, ZOK),
    C("write, connection lost after sending", REG, 0, 4, 0, NULL, NULL, IDK,
      "connection-loss", LOST),
    C("write unanswered", REG, 0, 4, 0, NULL, NULL, IDK, "timeout", LATE),
    C("write, session expired", REG, 0, 4, 0, NULL, NULL, IDK,
      "session-expired", ZSESSIONEXPIRED),
    C("write, handle closed", REG, 0, 4, 0, NULL, NULL, IDK, "closing",
      ZCLOSING),
    C("write creates the znode", REG, 0, 4, 0, NULL, NULL, OK, NULL, ZNONODE,
      ZOK),
    C("write, create lost", REG, 0, 4, 0, NULL, NULL, IDK, "connection-loss",
      ZNONODE, LOST),
    C("write, created meanwhile: set again", REG, 0, 4, 0, NULL, NULL, OK, NULL,
      ZNONODE, ZNODEEXISTS, ZOK),
    C("write, second set unanswered", REG, 0, 4, 0, NULL, NULL, IDK, "timeout",
      ZNONODE, ZNODEEXISTS, LATE),
    C("write, create never sent", REG, 0, 4, 0, NULL, NULL, NO, "not-connected",
      ZNONODE, FL_ZK_NOT_SENT),
    C("cas acked", REG, 1, 2, 5, "2", NULL, OK, NULL, ZOK, ZOK),
    C("cas, other value: no setData", REG, 1, 2, 5, "3", NULL, NO,
      "value-mismatch", ZOK),
    C("cas, no znode", REG, 1, 2, 5, NULL, NULL, NO, "no-node", ZNONODE),
    C("cas, getData lost: nothing written", REG, 1, 2, 5, NULL, NULL, NO,
      "connection-loss", LOST),
    C("cas, version changed", REG, 1, 2, 5, "2", NULL, NO, "bad-version", ZOK,
      ZBADVERSION),
    C("cas, setData lost", REG, 1, 2, 5, "2", NULL, IDK, "connection-loss", ZOK,
      LOST),
    C("cas, setData unanswered", REG, 1, 2, 5, "2", NULL, IDK, "timeout", ZOK,
      LATE),
    C("cas, setData never sent", REG, 1, 2, 5, "2", NULL, NO, "not-connected",
      ZOK, FL_ZK_NOT_SENT),
    C("read", REG, 2, 0, 0, "4", NULL, OK, NULL, ZOK, ZOK),
    C("read, no znode: nil", REG, 2, 0, 0, NULL, NULL, OK, NULL, ZOK, ZNONODE),
    C("read, sync lost: no getData", REG, 2, 0, 0, NULL, NULL, NO,
      "connection-loss", LOST),
    C("read, getData unanswered", REG, 2, 0, 0, NULL, NULL, NO, "timeout", ZOK,
      LATE),
    C("add acked", SET, 3, 9, 0, NULL, NULL, OK, NULL, ZOK),
    C("add lost", SET, 3, 9, 0, NULL, NULL, IDK, "connection-loss", LOST),
    C("add never sent", SET, 3, 9, 0, NULL, NULL, NO, "not-connected",
      FL_ZK_NOT_SENT),
    C("set read unanswered", SET, 2, 0, 0, NULL, NULL, NO, "timeout", ZOK,
      LATE),
    C("enqueue, operation timeout", QUE, 4, 9, 0, NULL, NULL, IDK,
      "operation-timeout", ZOPERATIONTIMEOUT),
    C("dequeue", QUE, 5, 0, 0, "7", "q-1\n", OK, NULL, ZOK, ZOK, ZOK, ZOK),
    C("dequeue, empty", QUE, 5, 0, 0, NULL, "", NO, "empty", ZOK, ZOK),
    C("dequeue, delete lost", QUE, 5, 0, 0, "7", "q-1\n", IDK,
      "connection-loss", ZOK, ZOK, ZOK, LOST),
    C("dequeue, first taken by another, second delete unanswered", QUE, 5, 0, 0,
      "7", "q-1\nq-2\n", IDK, "timeout", ZOK, ZOK, ZOK, ZBADVERSION, ZOK, LATE),
    C("dequeue, first gone, second getData lost", QUE, 5, 0, 0, "7",
      "q-1\nq-2\n", NO, "connection-loss", ZOK, ZOK, ZOK, ZNONODE, LOST),
};

/* f of the table: write, cas, read, add, enqueue, dequeue */
static uint32_t
script_f(uint32_t i)
{
    const uint32_t fs[] = {FL_KW_WRITE, FL_KW_CAS,     FL_KW_READ,
                           FL_KW_ADD,   FL_KW_ENQUEUE, FL_KW_DEQUEUE};
    return fs[i];
}

/* Every op against a scripted server: how it ends, and what it sent. */
static void
test_zk_ops_scripted(void)
{
    for (size_t i = 0; i < FL_ARRAY_SIZE(script_cases); i++) {
        struct script_case c = script_cases[i];
        c.f = script_f(c.f);
        run_script_case(&c);
    }
}

/* Nothing listens on port 1 of localhost: no answer, an empty string. */
static void
test_zk_four_letters_no_server(void)
{
    char buf[16] = "junk";

    ASSERT(!fl_zk_four_letters("127.0.0.1", 1, "srvr", buf, sizeof(buf)));
    ASSERT_STR_EQ(buf, "");
}

/* A one-shot server: reads the word, answers what srvr answers, closes. */
static void *
fake_server(void *arg)
{
    int ls = *(int *)arg, c = accept(ls, NULL, NULL);
    char word[8] = {0};
    const char *answer = "Zookeeper version: 3.8.0\nMode: leader\n";

    if (c >= 0) {
        if (read(c, word, 4) == 4 && strcmp(word, "srvr") == 0 &&
            write(c, answer, strlen(answer)) < 0)
            perror("write");
        close(c);
    }
    return NULL;
}

static void
test_zk_four_letters_answer(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    socklen_t len = sizeof(sa);
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    pthread_t th;
    char buf[256];

    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT(ls >= 0);
    ASSERT(bind(ls, (struct sockaddr *)&sa, sizeof(sa)) == 0);
    ASSERT(listen(ls, 1) == 0);
    ASSERT(getsockname(ls, (struct sockaddr *)&sa, &len) == 0);
    ASSERT(pthread_create(&th, NULL, fake_server, &ls) == 0);
    bool ok = fl_zk_four_letters("127.0.0.1", ntohs(sa.sin_port), "srvr", buf,
                                 sizeof(buf));
    pthread_join(th, NULL);
    close(ls);
    ASSERT(ok);
    ASSERT(strstr(buf, "Mode: leader\n"));
}

static const struct fl_test_case zookeeper_tests[] = {
    FL_TEST(test_zk_outcome_writes),
    FL_TEST(test_zk_outcome_reads),
    FL_TEST(test_zk_ops_scripted),
    FL_TEST(test_zk_four_letters_no_server),
    FL_TEST(test_zk_four_letters_answer),
    FL_TEST_END,
};

FL_TEST_SUITE(zookeeper, zookeeper_tests);
