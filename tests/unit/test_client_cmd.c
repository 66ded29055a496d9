/* SPDX-License-Identifier: MIT */
/*
 * test_client_cmd.c: the JSON-lines client protocol. client_proto: the
 * requests as a client reads them (values in the history's encoding) and
 * every way an answer can be malformed. client_cmd: small sh clients that
 * answer, hang, exit, print garbage, answer twice or answer another op;
 * each misbehaviour is an :info naming the client, and a hung client's
 * whole process group is killed.
 */
#include "util/common.h"

#include "tests/unit/test.h"

#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "history/json.h"
#include "run/client_cmd.h"
#include "run/client_proto.h"
#include "util/arena.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/strbuf.h"

static char *test_nodes[] = {"n1", "n2"};

static struct fl_env
test_env(void)
{
    struct fl_env env;

    memset(&env, 0, sizeof(env));
    env.name = "t";
    env.nodes = test_nodes;
    env.nnodes = 2;
    env.concurrency = 2;
    env.seed = 9;
    return env;
}

/* An invocation of f with value v (process 4, index 17, time 123). */
static struct fl_op
test_op(uint32_t f, fl_val v)
{
    struct fl_op op;

    memset(&op, 0, sizeof(op));
    op.f = f;
    op.value = v;
    op.process = 4;
    op.index = 17;
    op.time_ns = 123;
    op.type = FL_OP_INVOKE;
    return op;
}

static void
test_proto_requests(void)
{
    struct fl_arena a;
    struct fl_strbuf sb = FL_STRBUF_INIT;
    struct fl_env env = test_env();
    fl_val opts[4];

    fl_arena_init(&a, 1024);
    /* An independent cas: [key [old new]], as history.edn holds it. */
    fl_val pair[2] = {fl_val_int(1), fl_val_int(2)};
    fl_val kv[2] = {fl_val_int(3), fl_val_coll(&a, FL_V_VEC, pair, 2)};
    struct fl_op op = test_op(FL_KW_CAS, fl_val_coll(&a, FL_V_VEC, kv, 2));
    fl_client_proto_invoke(&sb, &env, 1, &op);
    ASSERT_STR_EQ(sb.buf,
                  "{\"type\":\"invoke\",\"f\":\"cas\",\"value\":[3,[1,2]],"
                  "\"process\":4,\"node\":\"n2\",\"time\":123,"
                  "\"index\":17}\n");
    /* Keywords and sets keep the history's encoding. */
    fl_strbuf_setlen(&sb, 0);
    fl_val items[2] = {fl_val_kw(FL_KW_READ), fl_val_int(5)};
    op = test_op(FL_KW_READ, fl_val_coll(&a, FL_V_SET, items, 2));
    fl_client_proto_invoke(&sb, &env, 0, &op);
    ASSERT(strstr(sb.buf, "\"value\":{\"#set\":[\":read\",5]}") != NULL);
    /* A txn's micro-ops: [[:append 1 2] [:r 1 nil]]. */
    fl_strbuf_setlen(&sb, 0);
    fl_val m1[3] = {fl_val_kw(fl_kw_intern_cstr("append")), fl_val_int(1),
                    fl_val_int(2)};
    fl_val m2[3] = {fl_val_kw(fl_kw_intern_cstr("r")), fl_val_int(1),
                    fl_val_nil()};
    fl_val mops[2] = {fl_val_coll(&a, FL_V_VEC, m1, 3),
                      fl_val_coll(&a, FL_V_VEC, m2, 3)};
    op = test_op(fl_kw_intern_cstr("txn"), fl_val_coll(&a, FL_V_VEC, mops, 2));
    fl_client_proto_invoke(&sb, &env, 0, &op);
    ASSERT(strstr(sb.buf, "\"f\":\"txn\",\"value\":[[\":append\",1,2],"
                          "[\":r\",1,null]]") != NULL);

    fl_strbuf_setlen(&sb, 0);
    opts[0] = fl_val_kw(fl_kw_intern_cstr("workload"));
    opts[1] = fl_val_str(&a, "set", 3);
    opts[2] = fl_val_kw(fl_kw_intern_cstr("rate"));
    opts[3] = fl_val_float(2.5);
    fl_val o = fl_val_map(&a, opts, 2);
    env.options = &o;
    fl_client_proto_open(&sb, &env, 1, 2000000000LL, 1500000000LL);
    ASSERT_STR_EQ(sb.buf,
                  "{\"type\":\"open\",\"node\":\"n2\",\"nodes\":[\"n1\","
                  "\"n2\"],\"test\":{\"name\":\"t\",\"seed\":9,"
                  "\"concurrency\":2,\"op-timeout-ms\":2000,"
                  "\"answer-timeout-ms\":1500,"
                  "\"store-dir\":null,\"workload\":\"set\","
                  "\"rate\":2.5}}\n");
    fl_strbuf_setlen(&sb, 0);
    fl_client_proto_close(&sb);
    ASSERT_STR_EQ(sb.buf, "{\"type\":\"close\"}\n");
    fl_strbuf_release(&sb);
    fl_arena_release(&a);
}

static int
parse(const char *line, struct fl_arena *a, struct fl_client_proto_reply *r,
      struct fl_err *err)
{
    return fl_client_proto_parse(line, strlen(line), a, r, err);
}

static void
test_proto_answers(void)
{
    struct fl_arena a;
    struct fl_client_proto_reply r;
    struct fl_err err = FL_ERR_INIT;
    struct fl_op op = test_op(FL_KW_READ, fl_val_nil()), out;

    fl_arena_init(&a, 1024);
    ASSERT_OK(parse("{\"type\":\"ok\",\"value\":[3,{\"#set\":[1,2]}]}", &a, &r,
                    &err));
    ASSERT_EQ(r.type, FL_OP_OK);
    ASSERT(r.has_value && r.value.kind == FL_V_VEC && r.value.n == 2);
    ASSERT_EQ(r.value.u.items[1].kind, FL_V_SET);
    ASSERT(r.extra == NULL);

    ASSERT_OK(parse("{\"type\":\"fail\",\"error\":\":cas-mismatch\","
                    "\"retries\":2}",
                    &a, &r, &err));
    ASSERT_EQ(r.type, FL_OP_FAIL);
    ASSERT(!r.has_value);
    out = op;
    out.value = fl_val_int(7);
    fl_client_proto_apply(&r, &out);
    ASSERT_EQ(out.type, FL_OP_FAIL);
    ASSERT_EQ(out.value.u.i, 7); /* no "value": the invocation's stays */
    const fl_val *e = fl_op_error(&out);
    ASSERT(e && e->kind == FL_V_KW);
    ASSERT_STR_EQ(fl_kw_name(e->u.id), "cas-mismatch");
    e = fl_op_get(&out, fl_kw_intern_cstr("retries"));
    ASSERT(e && e->kind == FL_V_INT && e->u.i == 2);

    /* The request echoed back with its type changed is an answer. */
    ASSERT_OK(parse("{\"type\":\"info\",\"f\":\"read\",\"value\":null,"
                    "\"process\":4,\"node\":\"n2\",\"time\":123,\"index\":17}",
                    &a, &r, &err));
    ASSERT_EQ(r.type, FL_OP_INFO);
    ASSERT_OK(fl_client_proto_match(&r, &op, &err));
    ASSERT(r.extra == NULL);

    static const char *const bad[] = {
        "",
        "garbage",
        "[\"type\",\"ok\"]",
        "{\"type\":\"ok\"} {\"type\":\"ok\"}",
        "{\"value\":1}",
        "{\"type\":\"invoke\"}",
        "{\"type\":\"OK\"}",
        "{\"type\":\"ok\",\"type\":\"fail\"}",
        "{\"type\":\"ok\",\"value\":\":\"}",
        "{\"type\":\"ok\",\"value\":{\"#nope\":1}}",
        "{\"type\":\"ok\",\"index\":\"17\"}",
        "{\"type\":\"ok\",\"f\":3}",
        "{\"type\":\"ok\",\"bad name\":1}",
    };
    for (size_t i = 0; i < FL_ARRAY_SIZE(bad); i++) {
        fl_err_clear(&err);
        if (parse(bad[i], &a, &r, &err) != FL_EPARSE)
            fl_test_fail(__FILE__, __LINE__, "accepted %s", bad[i]);
        ASSERT(err.msg[0] != 0);
    }

    /* Answers to another op. */
    ASSERT_OK(parse("{\"type\":\"ok\",\"index\":18}", &a, &r, &err));
    ASSERT_EQ(fl_client_proto_match(&r, &op, &err), FL_EPARSE);
    ASSERT(strstr(err.msg, "index 18, not 17") != NULL);
    ASSERT_OK(parse("{\"type\":\"ok\",\"process\":5}", &a, &r, &err));
    ASSERT_EQ(fl_client_proto_match(&r, &op, &err), FL_EPARSE);
    ASSERT_OK(parse("{\"type\":\"ok\",\"f\":\"write\"}", &a, &r, &err));
    ASSERT_EQ(fl_client_proto_match(&r, &op, &err), FL_EPARSE);
    fl_arena_release(&a);
}

/* ---- subprocesses ---- */

/* Answers open, then runs BODY for each op; close is answered. */
#define SH_CLIENT(body)                                                        \
    "read l; echo '{\"type\":\"ok\"}'; while read l; do case \"$l\" in "       \
    "*'\"close\"'*) echo '{\"type\":\"ok\"}'; exit 0;; esac; " body "; done"

struct cmd_run {
    struct fl_client_seed seed;
    struct fl_client c;
    struct fl_env env;
    struct fl_arena a;
};

static int
cmd_start(struct cmd_run *r, const char *cmd, int64_t op_timeout_ns,
          struct fl_err *err)
{
    memset(r, 0, sizeof(*r));
    r->env = test_env();
    fl_arena_init(&r->a, 1024);
    fl_client_cmd_seed(&r->seed, cmd, op_timeout_ns);
    return fl_client_open_thread(&r->c, &r->seed, &r->env, 1, 3, err);
}

static struct fl_op
cmd_invoke(struct cmd_run *r)
{
    struct fl_err err = FL_ERR_INIT;
    struct fl_op op = test_op(FL_KW_READ, fl_val_nil()), out = op;

    out.type = FL_OP_INFO;
    ASSERT_OK(fl_client_invoke(&r->c, &r->env, &op, &r->a, &out, &err));
    return out;
}

static void
cmd_stop(struct cmd_run *r)
{
    fl_client_close(&r->c, &r->env);
    fl_client_seed_release(&r->seed);
    fl_arena_release(&r->a);
}

/* :error of c, a string, contains want (and names worker 3). */
static void
assert_info(const struct fl_op *c, const char *want)
{
    const fl_val *e = fl_op_error(c);

    ASSERT_EQ(c->type, FL_OP_INFO);
    ASSERT(e && e->kind == FL_V_STR);
    if (!strstr(e->u.s, want) || !strstr(e->u.s, "(worker 3, pid "))
        fl_test_fail(__FILE__, __LINE__, "error \"%s\" lacks \"%s\"", e->u.s,
                     want);
}

static void
test_cmd_answers(void)
{
    struct cmd_run r;
    struct fl_err err = FL_ERR_INIT;

    ASSERT_OK(cmd_start(
        &r, SH_CLIENT("echo '{\"type\":\"ok\",\"value\":[1,2]}'"), 0, &err));
    for (int i = 0; i < 3; i++) {
        struct fl_op c = cmd_invoke(&r);
        ASSERT_EQ(c.type, FL_OP_OK);
        ASSERT(c.value.kind == FL_V_VEC && c.value.n == 2);
        ASSERT(fl_op_error(&c) == NULL);
    }
    cmd_stop(&r);
}

static void
test_cmd_misbehaviours(void)
{
    static const struct {
        const char *body, *want;
    } cases[] = {
        {"exit 5", "exited with status 5 without answering the op"},
        {"echo 'not json'", "malformed answer (not JSON"},
        {"echo '{\"type\":\"ok\",\"index\":3}'",
         "answer to another op (answers index 3, not 17)"},
        {"kill -9 $$", "was killed by signal 9 without answering"},
    };

    for (size_t i = 0; i < FL_ARRAY_SIZE(cases); i++) {
        struct cmd_run r;
        struct fl_err err = FL_ERR_INIT;
        char *cmd = fl_xasprintf(SH_CLIENT("%s"), cases[i].body);
        ASSERT_OK(cmd_start(&r, cmd, 0, &err));
        free(cmd);
        struct fl_op c = cmd_invoke(&r);
        assert_info(&c, cases[i].want);
        cmd_stop(&r);
    }
}

/*
 * A second answer is caught with the first when both are read together,
 * else before the next request is sent (which is then :info, unsent).
 */
static void
test_cmd_answers_twice(void)
{
    struct cmd_run r;
    struct fl_err err = FL_ERR_INIT;

    ASSERT_OK(cmd_start(&r,
                        SH_CLIENT("printf '{\"type\":\"ok\"}\\n'; sleep 0.1; "
                                  "printf '{\"type\":\"ok\"}\\n'"),
                        0, &err));
    struct fl_op c = cmd_invoke(&r);
    ASSERT_EQ(c.type, FL_OP_OK);
    usleep(300000);
    c = cmd_invoke(&r);
    assert_info(&c, "wrote a line with no request pending (an extra answer "
                    "to an earlier op?): \"{\"type\":\"ok\"}\"");
    cmd_stop(&r);

    ASSERT_OK(cmd_start(&r,
                        SH_CLIENT("printf '{\"type\":\"ok\"}\\n"
                                  "{\"type\":\"ok\"}\\n'"),
                        0, &err));
    c = cmd_invoke(&r);
    assert_info(&c, "more than one answer line");
    cmd_stop(&r);
}

/* A hung client is killed with everything it started. */
static void
test_cmd_hang_kills_group(void)
{
    char path[] = "/tmp/fl-client-cmd-XXXXXX";
    int fd = mkstemp(path);
    struct cmd_run r;
    struct fl_err err = FL_ERR_INIT;

    ASSERT(fd >= 0);
    close(fd);
    char *cmd =
        fl_xasprintf(SH_CLIENT("sleep 300 & echo $! > %s; sleep 300"), path);
    ASSERT_OK(cmd_start(&r, cmd, 400 * 1000000LL, &err));
    free(cmd);
    int64_t t0 = fl_clock_mono_ns();
    struct fl_op c = cmd_invoke(&r);
    int64_t dt = fl_clock_mono_ns() - t0;
    assert_info(&c, "no answer to the op within 300 ms; killed");
    ASSERT(dt >= 300 * 1000000LL && dt < 5000 * 1000000LL);
    struct fl_strbuf sb = FL_STRBUF_INIT;
    ASSERT_OK(fl_strbuf_read_file(&sb, path) < 0);
    long pid = strtol(sb.buf, NULL, 10);
    ASSERT(pid > 1);
    /* The background sleep got the group's SIGKILL (a zombie at most). */
    bool gone = false;
    for (int i = 0; i < 200 && !gone; i++) {
        char st[64], line[256];
        snprintf(st, sizeof(st), "/proc/%ld/stat", pid);
        FILE *f = fopen(st, "r");
        gone = !f || !fgets(line, sizeof(line), f) || strstr(line, ") Z ");
        if (f)
            fclose(f);
        if (!gone)
            usleep(10000);
    }
    ASSERT(gone);
    cmd_stop(&r);
    fl_strbuf_release(&sb);
    unlink(path);
}

static void
test_cmd_open(void)
{
    struct cmd_run r;
    struct fl_err err = FL_ERR_INIT;

    ASSERT(cmd_start(&r,
                     "read l; echo '{\"type\":\"fail\",\"error\":\"no "
                     "route\"}'",
                     0, &err) < 0);
    ASSERT(strstr(err.msg, "open answered") != NULL);
    ASSERT(strstr(err.msg, "no route") != NULL);
    cmd_stop(&r);
    fl_err_clear(&err);
    ASSERT(cmd_start(&r, "exec /nonexistent/client", 0, &err) < 0);
    ASSERT(strstr(err.msg, "exited with status") != NULL);
    cmd_stop(&r);
    ASSERT_EQ(fl_client_cmd_timeout_ns(1000000000LL), 750000000LL);
    ASSERT_EQ(fl_client_cmd_timeout_ns(10000000000LL), 9500000000LL);
    ASSERT_EQ(fl_client_cmd_timeout_ns(0), 0);
}

static const struct fl_test_case client_cmd_tests[] = {
    FL_TEST(test_proto_requests),    FL_TEST(test_proto_answers),
    FL_TEST(test_cmd_answers),       FL_TEST(test_cmd_misbehaviours),
    FL_TEST(test_cmd_answers_twice), FL_TEST(test_cmd_hang_kills_group),
    FL_TEST(test_cmd_open),          FL_TEST_END,
};

FL_TEST_SUITE(client_cmd, client_cmd_tests)
