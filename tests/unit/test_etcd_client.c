/* SPDX-License-Identifier: MIT */
/*
 * test_etcd_client.c: the etcd suite's response -> completion mapping,
 * driven by responses recorded from a real etcd 3.4.23 gateway (a single
 * member, and a 3-member cluster with two members SIGSTOPped to lose
 * quorum), and its base64. The live test at the end talks to a throwaway
 * single-member etcd on loopback and skips when /usr/bin/etcd is missing.
 */
#include "util/common.h"

#include "tests/unit/test.h"

#include <curl/curl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "history/op.h"
#include "run/client.h"
#include "suites/etcd/etcd.h"
#include "util/arena.h"
#include "util/err.h"

/* ---- recorded bodies (etcd 3.4.23, v3 gateway) ---- */

#define HDR_R1                                                                 \
    "{\"header\":{\"cluster_id\":\"15118495548433857066\",\"member_id\":"      \
    "\"13668033151171901709\",\"revision\":\"1\",\"raft_term\":\"2\"}"
#define HDR_R2                                                                 \
    "{\"header\":{\"cluster_id\":\"15118495548433857066\",\"member_id\":"      \
    "\"13668033151171901709\",\"revision\":\"2\",\"raft_term\":\"2\"}"
#define HDR_R3                                                                 \
    "{\"header\":{\"cluster_id\":\"15118495548433857066\",\"member_id\":"      \
    "\"13668033151171901709\",\"revision\":\"3\",\"raft_term\":\"2\"}"

static const char rec_range_missing[] = HDR_R1 "}";
static const char rec_put[] = HDR_R2 "}";
static const char rec_range_present[] =
    HDR_R2 ",\"kvs\":[{\"key\":\"azE=\",\"create_revision\":\"2\","
           "\"mod_revision\":\"2\",\"version\":\"1\",\"value\":\"Mw==\"}],"
           "\"count\":\"1\"}";
static const char rec_cas_ok[] =
    HDR_R3 ",\"succeeded\":true,\"responses\":[{\"response_put\":"
           "{\"header\":{\"revision\":\"3\"}}}]}";
/* A false compare: proto3 JSON omits "succeeded" altogether. */
static const char rec_cas_failed[] = HDR_R3 "}";
static const char rec_bad_json[] =
    "{\"error\":\"unexpected EOF\",\"message\":\"unexpected EOF\",\"code\":3}";
static const char rec_no_key[] =
    "{\"error\":\"etcdserver: key is not provided\",\"message\":\"etcdserver: "
    "key is not provided\",\"code\":3}";
/* Quorum lost (2 of 3 members stopped): HTTP 503 after 7 s. */
static const char rec_timed_out[] =
    "{\"error\":\"etcdserver: request timed out\",\"message\":\"etcdserver: "
    "request timed out\",\"code\":14}";
/* Same, for a txn or a later put: HTTP 500. */
static const char rec_deadline[] =
    "{\"error\":\"context deadline exceeded\",\"message\":\"context deadline "
    "exceeded\",\"code\":2}";
static const char rec_not_found[] = "Not Found\n";
static const char rec_prefix[] =
    HDR_R3 ",\"kvs\":[{\"key\":\"cy8x\",\"create_revision\":\"2\","
           "\"mod_revision\":\"2\",\"version\":\"1\",\"value\":\"MQ==\"},"
           "{\"key\":\"cy8xMg==\",\"create_revision\":\"3\",\"mod_revision\":"
           "\"3\",\"version\":\"1\",\"value\":\"MTI=\"}],\"count\":\"2\"}";

static void
map(enum fl_etcd_req req, int curl_code, long status, const char *body,
    struct fl_etcd_outcome *o)
{
    struct fl_etcd_resp r = {curl_code, status, body, strlen(body), false};
    fl_etcd_outcome_from(req, &r, o);
}

static void
test_etcd_map_reads(void)
{
    struct fl_etcd_outcome o;

    map(FL_ETCD_RANGE, 0, 200, rec_range_missing, &o);
    ASSERT_EQ(o.type, FL_OP_OK);
    ASSERT(!o.found);
    ASSERT(o.error == NULL);
    ASSERT_EQ(o.revision, 1);

    map(FL_ETCD_RANGE, 0, 200, rec_range_present, &o);
    ASSERT_EQ(o.type, FL_OP_OK);
    ASSERT(o.found);
    ASSERT_EQ(o.value, 3);
    ASSERT_EQ(o.revision, 2);

    map(FL_ETCD_RANGE_PREFIX, 0, 200, rec_prefix, &o);
    ASSERT_EQ(o.type, FL_OP_OK);
    ASSERT_EQ(o.values.n, 2);
    ASSERT_EQ(o.values.v[0], 1);
    ASSERT_EQ(o.values.v[1], 12);
    fl_etcd_outcome_release(&o);

    map(FL_ETCD_RANGE_PREFIX, 0, 200, rec_range_missing, &o);
    ASSERT_EQ(o.type, FL_OP_OK);
    ASSERT_EQ(o.values.n, 0);
    fl_etcd_outcome_release(&o);
}

static void
test_etcd_map_writes_ok(void)
{
    struct fl_etcd_outcome o;

    map(FL_ETCD_PUT, 0, 200, rec_put, &o);
    ASSERT_EQ(o.type, FL_OP_OK);
    ASSERT_EQ(o.revision, 2);
    map(FL_ETCD_CAS, 0, 200, rec_cas_ok, &o);
    ASSERT_EQ(o.type, FL_OP_OK);
    ASSERT_EQ(o.revision, 3);
}

static void
test_etcd_map_cas_failed_is_fail(void)
{
    struct fl_etcd_outcome o;

    map(FL_ETCD_CAS, 0, 200, rec_cas_failed, &o);
    ASSERT_EQ(o.type, FL_OP_FAIL);
    ASSERT_STR_EQ(o.error, "compare-failed");
    /* "succeeded": false spelled out is just as false. */
    map(FL_ETCD_CAS, 0, 200, HDR_R3 ",\"succeeded\":false}", &o);
    ASSERT_EQ(o.type, FL_OP_FAIL);
}

static void
test_etcd_map_timeouts_are_info_for_writes(void)
{
    struct fl_etcd_outcome o;

    /* The server's own timeout: the put was proposed and may commit (the
     * recorded one did, once quorum came back). */
    map(FL_ETCD_PUT, 0, 503, rec_timed_out, &o);
    ASSERT_EQ(o.type, FL_OP_INFO);
    ASSERT_STR_EQ(o.error, "request-timed-out");
    map(FL_ETCD_CAS, 0, 500, rec_deadline, &o);
    ASSERT_EQ(o.type, FL_OP_INFO);
    ASSERT_STR_EQ(o.error, "deadline-exceeded");
    /* Reads have no effect: a failed read is :fail. */
    map(FL_ETCD_RANGE, 0, 503, rec_timed_out, &o);
    ASSERT_EQ(o.type, FL_OP_FAIL);
    ASSERT_STR_EQ(o.error, "request-timed-out");

    /* Our own timeout (curl 28) and a reset connection. */
    map(FL_ETCD_PUT, CURLE_OPERATION_TIMEDOUT, 0, "", &o);
    ASSERT_EQ(o.type, FL_OP_INFO);
    ASSERT_STR_EQ(o.error, "timeout");
    map(FL_ETCD_CAS, CURLE_RECV_ERROR, 0, "", &o);
    ASSERT_EQ(o.type, FL_OP_INFO);
    ASSERT_STR_EQ(o.error, "connection-error");
    map(FL_ETCD_PUT, CURLE_GOT_NOTHING, 0, "", &o);
    ASSERT_EQ(o.type, FL_OP_INFO);
    map(FL_ETCD_RANGE, CURLE_OPERATION_TIMEDOUT, 0, "", &o);
    ASSERT_EQ(o.type, FL_OP_FAIL);
    map(FL_ETCD_RANGE_PREFIX, CURLE_SEND_ERROR, 0, "", &o);
    ASSERT_EQ(o.type, FL_OP_FAIL);
}

static void
test_etcd_map_definite_errors_are_fail(void)
{
    struct fl_etcd_outcome o;

    /* Refused on a fresh connection: the request never left. */
    map(FL_ETCD_PUT, CURLE_COULDNT_CONNECT, 0, "", &o);
    ASSERT_EQ(o.type, FL_OP_FAIL);
    ASSERT_STR_EQ(o.error, "connection-refused");
    /*
     * Refused after a kept-alive connection: libcurl may have sent the
     * write on the old connection, lost it to a SIGKILLed member before
     * the reply, and retried on a new one. Seen in a real run: the write
     * was refused "after 0 ms" yet a read had already returned its value.
     */
    struct fl_etcd_resp r = {CURLE_COULDNT_CONNECT, 0, "", 0, true};
    fl_etcd_outcome_from(FL_ETCD_CAS, &r, &o);
    ASSERT_EQ(o.type, FL_OP_INFO);
    ASSERT_STR_EQ(o.error, "connection-lost");
    fl_etcd_outcome_from(FL_ETCD_RANGE, &r, &o);
    ASSERT_EQ(o.type, FL_OP_FAIL);
    /* Rejected by validation before any proposal (gRPC code 3). */
    map(FL_ETCD_PUT, 0, 400, rec_bad_json, &o);
    ASSERT_EQ(o.type, FL_OP_FAIL);
    ASSERT_STR_EQ(o.error, "invalid-argument");
    map(FL_ETCD_PUT, 0, 400, rec_no_key, &o);
    ASSERT_EQ(o.type, FL_OP_FAIL);
    ASSERT(strstr(o.detail, "key is not provided"));
    map(FL_ETCD_CAS, 0, 404, rec_not_found, &o);
    ASSERT_EQ(o.type, FL_OP_FAIL);
    ASSERT_STR_EQ(o.error, "not-found");
    map(FL_ETCD_PUT, 0, 429,
        "{\"error\":\"etcdserver: too many requests\",\"message\":"
        "\"etcdserver: too many requests\",\"code\":8}",
        &o);
    ASSERT_EQ(o.type, FL_OP_FAIL);
    ASSERT_STR_EQ(o.error, "too-many-requests");
}

static void
test_etcd_map_unknown_and_malformed(void)
{
    struct fl_etcd_outcome o;

    /* Unknown server errors on writes stay :info. */
    map(FL_ETCD_PUT, 0, 503,
        "{\"error\":\"etcdserver: leader changed\",\"message\":\"etcdserver: "
        "leader changed\",\"code\":14}",
        &o);
    ASSERT_EQ(o.type, FL_OP_INFO);
    ASSERT_STR_EQ(o.error, "leader-changed");
    map(FL_ETCD_PUT, 0, 502, "<html>bad gateway</html>", &o);
    ASSERT_EQ(o.type, FL_OP_INFO);
    ASSERT_STR_EQ(o.error, "http-error");
    /* A 200 that is not the gateway's JSON. */
    map(FL_ETCD_PUT, 0, 200, "{\"header\":", &o);
    ASSERT_EQ(o.type, FL_OP_INFO);
    ASSERT_STR_EQ(o.error, "malformed-response");
    map(FL_ETCD_RANGE, 0, 200, "[]", &o);
    ASSERT_EQ(o.type, FL_OP_FAIL);
    ASSERT_STR_EQ(o.error, "malformed-response");
    map(FL_ETCD_RANGE, 0, 200, HDR_R2 ",\"kvs\":{}}", &o);
    ASSERT_EQ(o.type, FL_OP_FAIL);
    /* A value that is not ours (not a decimal integer) */
    map(FL_ETCD_RANGE, 0, 200,
        HDR_R2 ",\"kvs\":[{\"key\":\"azE=\",\"value\":\"eHl6\"}]}", &o);
    ASSERT_EQ(o.type, FL_OP_FAIL);
    ASSERT_STR_EQ(o.error, "bad-value");
    map(FL_ETCD_RANGE, 0, 200,
        HDR_R2 ",\"kvs\":[{\"key\":\"azE=\",\"value\":\"!!\"}]}", &o);
    ASSERT_EQ(o.type, FL_OP_FAIL);
}

/* ---- live: a throwaway single-member etcd on loopback ---- */

static pid_t
start_etcd(const char *dir, int client_port, int peer_port)
{
    char name[64], data[512], curl[64], purl[64], cl[160], log[512];
    snprintf(name, sizeof(name), "t%d", client_port);
    snprintf(data, sizeof(data), "%s/data", dir);
    snprintf(log, sizeof(log), "%s/etcd.log", dir);
    snprintf(curl, sizeof(curl), "http://127.0.0.1:%d", client_port);
    snprintf(purl, sizeof(purl), "http://127.0.0.1:%d", peer_port);
    snprintf(cl, sizeof(cl), "%s=%s", name, purl);
    pid_t pid = fork();
    if (pid == 0) {
        FILE *f = freopen(log, "w", stderr);
        if (!f)
            _exit(127);
        if (dup2(fileno(stderr), 1) < 0)
            _exit(127);
        execl("/usr/bin/etcd", "etcd", "--name", name, "--data-dir", data,
              "--listen-client-urls", curl, "--advertise-client-urls", curl,
              "--listen-peer-urls", purl, "--initial-advertise-peer-urls", purl,
              "--initial-cluster", cl, (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* The client plug-in end to end: ops in, completions out. */
static fl_val
vec2(struct fl_arena *a, fl_val x, fl_val y)
{
    fl_val items[2] = {x, y};
    return fl_val_coll(a, FL_V_VEC, items, 2);
}

static void
plugin_invoke(struct fl_client *c, struct fl_env *env, struct fl_arena *a,
              uint32_t f, fl_val value, struct fl_op *out)
{
    struct fl_op op = {0};
    struct fl_err err = FL_ERR_INIT;

    op.f = f;
    op.value = value;
    op.type = FL_OP_INVOKE;
    op.process = 0;
    *out = op;
    out->type = FL_OP_INFO;
    ASSERT_OK(fl_client_invoke(c, env, &op, a, out, &err));
}

static void
plugin_ops(int port)
{
    struct fl_etcd_client_cfg cfg = {FL_ETCD_WL_REGISTER, port, 2000, false};
    struct fl_client_seed seed = {&fl_etcd_client_type, &cfg, NULL};
    char *nodes[] = {"127.0.0.1"};
    struct fl_env env;
    struct fl_client c;
    struct fl_err err = FL_ERR_INIT;
    struct fl_arena a;
    struct fl_op out;
    struct fl_strbuf sb = FL_STRBUF_INIT;

    memset(&env, 0, sizeof(env));
    env.nodes = nodes;
    env.nnodes = 1;
    fl_arena_init(&a, 0);
    ASSERT_OK(fl_client_open(&c, &seed, &env, 0, &err));
    plugin_invoke(&c, &env, &a, FL_KW_WRITE,
                  vec2(&a, fl_val_int(7), fl_val_int(2)), &out);
    ASSERT_EQ(out.type, FL_OP_OK);
    plugin_invoke(&c, &env, &a, FL_KW_READ,
                  vec2(&a, fl_val_int(7), fl_val_nil()), &out);
    ASSERT_EQ(out.type, FL_OP_OK);
    fl_val_print_edn(&sb, &out.value);
    ASSERT_STR_EQ(sb.buf, "[7 2]");
    plugin_invoke(
        &c, &env, &a, FL_KW_CAS,
        vec2(&a, fl_val_int(7), vec2(&a, fl_val_int(1), fl_val_int(3))), &out);
    ASSERT_EQ(out.type, FL_OP_FAIL);
    fl_strbuf_reset(&sb);
    fl_val_print_edn(&sb, fl_op_error(&out));
    ASSERT(strncmp(sb.buf, "[:compare-failed ", 17) == 0);
    plugin_invoke(
        &c, &env, &a, FL_KW_CAS,
        vec2(&a, fl_val_int(7), vec2(&a, fl_val_int(2), fl_val_int(3))), &out);
    ASSERT_EQ(out.type, FL_OP_OK);
    plugin_invoke(&c, &env, &a, FL_KW_READ,
                  vec2(&a, fl_val_int(8), fl_val_nil()), &out);
    fl_strbuf_reset(&sb);
    fl_val_print_edn(&sb, &out.value);
    ASSERT_STR_EQ(sb.buf, "[8 nil]");
    /* A malformed op is the caller's bug: an error, not a completion. */
    struct fl_op bad = {0};
    bad.f = FL_KW_READ;
    bad.value = fl_val_int(1);
    ASSERT(fl_client_invoke(&c, &env, &bad, &a, &out, &err) != 0);
    fl_client_close(&c, &env);
    fl_strbuf_release(&sb);
    fl_arena_release(&a);
}

static void
test_etcd_live_single_member(void)
{
    if (access("/usr/bin/etcd", X_OK) != 0)
        FL_SKIP("/usr/bin/etcd not installed");
    char dir[] = "/tmp/fl-etcd-test-XXXXXX";
    ASSERT(mkdtemp(dir));
    /* Ports derived from the pid so parallel runs do not collide. */
    int port = 30000 + (int)(getpid() % 10000) * 2;
    pid_t pid = start_etcd(dir, port, port + 1);
    ASSERT(pid > 0);
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
    struct fl_etcd_conn *c = fl_etcd_conn_new(url, 2000);
    bool up = false;
    for (int i = 0; i < 100 && !up; i++) {
        up = fl_etcd_healthy(c);
        if (!up)
            usleep(100000);
    }
    ASSERT(up);

    struct fl_etcd_outcome o;
    fl_etcd_get(c, "r/1", false, &o);
    ASSERT_EQ(o.type, FL_OP_OK);
    ASSERT(!o.found);
    fl_etcd_put(c, "r/1", 3, &o);
    ASSERT_EQ(o.type, FL_OP_OK);
    fl_etcd_get(c, "r/1", true, &o);
    ASSERT_EQ(o.type, FL_OP_OK);
    ASSERT(o.found);
    ASSERT_EQ(o.value, 3);
    fl_etcd_cas(c, "r/1", 2, 5, &o);
    ASSERT_EQ(o.type, FL_OP_FAIL);
    ASSERT_STR_EQ(o.error, "compare-failed");
    fl_etcd_cas(c, "r/1", 3, 5, &o);
    ASSERT_EQ(o.type, FL_OP_OK);
    fl_etcd_get(c, "r/1", false, &o);
    ASSERT_EQ(o.value, 5);
    /* cas on a missing key: compare against a missing value is false */
    fl_etcd_cas(c, "r/2", 0, 1, &o);
    ASSERT_EQ(o.type, FL_OP_FAIL);
    fl_etcd_put(c, "s/1", 1, &o);
    fl_etcd_put(c, "s/12", 12, &o);
    fl_etcd_put(c, "t/9", 9, &o);
    fl_etcd_get_prefix(c, "s/", false, &o);
    ASSERT_EQ(o.type, FL_OP_OK);
    ASSERT_EQ(o.values.n, 2);
    ASSERT_EQ(o.values.v[0] + o.values.v[1], 13);
    fl_etcd_outcome_release(&o);
    plugin_ops(port);
    uint64_t self = 0;
    uint64_t leader = fl_etcd_leader_id(c, &self);
    ASSERT(leader != 0);
    ASSERT_U64_EQ(leader, self);

    /*
     * Kill it: the first write after a kept-alive connection is :info
     * (libcurl may have sent it before noticing), later ones are refused
     * on fresh connections (:fail); reads fail (:fail).
     */
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    fl_etcd_put(c, "r/1", 7, &o);
    ASSERT_EQ(o.type, FL_OP_INFO);
    ASSERT_STR_EQ(o.error, "connection-lost");
    fl_etcd_put(c, "r/1", 7, &o);
    ASSERT_EQ(o.type, FL_OP_FAIL);
    ASSERT_STR_EQ(o.error, "connection-refused");
    fl_etcd_get(c, "r/1", false, &o);
    ASSERT_EQ(o.type, FL_OP_FAIL);
    fl_etcd_conn_free(c);

    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    ASSERT_EQ(system(cmd), 0);
}

static const struct fl_test_case etcd_client_tests[] = {
    FL_TEST(test_etcd_map_reads),
    FL_TEST(test_etcd_map_writes_ok),
    FL_TEST(test_etcd_map_cas_failed_is_fail),
    FL_TEST(test_etcd_map_timeouts_are_info_for_writes),
    FL_TEST(test_etcd_map_definite_errors_are_fail),
    FL_TEST(test_etcd_map_unknown_and_malformed),
    FL_TEST_T(test_etcd_live_single_member, 30),
    FL_TEST_END,
};

FL_TEST_SUITE(etcd_client, etcd_client_tests);
