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

#include "suites/zookeeper/zk.h"

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
    FL_TEST(test_zk_four_letters_no_server),
    FL_TEST(test_zk_four_letters_answer),
    FL_TEST_END,
};

FL_TEST_SUITE(zookeeper, zookeeper_tests);
