/* SPDX-License-Identifier: MIT */
/*
 * client.c: the Redis client (hiredis). Each worker asks the Sentinels,
 * its own node's first, for the current primary (SENTINEL
 * get-master-addr-by-name), connects there, checks with ROLE that it is a
 * master, and keeps the connection until an error; then the next op asks
 * again, which is how clients follow a failover. Ops: set (SADD/SMEMBERS),
 * register (GET/SET, compare-and-set by a Lua script) and queue
 * (RPUSH/LPOP, drain by MULTI LRANGE DEL). With --wait N every write is
 * followed by WAIT N. fl_redis_op_type() is the one mapping of outcomes.
 */
#include "util/common.h"

#include "suites/redis/redis.h"

#include <hiredis/hiredis.h>
#include <unistd.h>

#include "history/val.h"
#include "nemesis/nemesis.h"
#include "util/arena.h"
#include "util/err.h"

#define NO_PRIMARY_BACKOFF_US 100000

static const char cas_script[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then "
    "redis.call('SET', KEYS[1], ARGV[2]) return 1 else return 0 end";

enum fl_op_type
fl_redis_op_type(const struct fl_redis_status *s, bool mutates,
                 const char **why)
{
    *why = NULL;
    if (!s->sent) {
        *why = "no-primary";
        return FL_OP_FAIL;
    }
    if (s->err_reply) {
        *why = "refused"; /* Redis executed nothing */
        return FL_OP_FAIL;
    }
    if (s->conn_err) {
        *why = mutates ? "indeterminate" : "connection";
        return mutates ? FL_OP_INFO : FL_OP_FAIL;
    }
    if (s->wait_short) {
        *why = "wait-short";
        return FL_OP_INFO;
    }
    return FL_OP_OK;
}

redisContext *
fl_redis_connect(const char *host, int port, int64_t timeout_ms)
{
    struct timeval tv = {.tv_sec = timeout_ms / 1000,
                         .tv_usec = (timeout_ms % 1000) * 1000};
    redisContext *c = redisConnectWithTimeout(host, port, tv);

    if (c && !c->err && redisSetTimeout(c, tv) == REDIS_OK)
        return c;
    if (c)
        redisFree(c);
    return NULL;
}

struct rclient {
    redisContext *conn; /* to the primary, or NULL */
};

static bool
is_master(redisContext *c)
{
    redisReply *r = redisCommand(c, "ROLE");
    bool ok = r && r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
              r->element[0]->type == REDIS_REPLY_STRING &&
              strcmp(r->element[0]->str, "master") == 0;

    freeReplyObject(r);
    return ok;
}

/* The primary one Sentinel names, connected and confirmed, or NULL. */
static redisContext *
primary_from(const struct fl_redis_cfg *cfg, const char *sentinel)
{
    redisContext *s =
        fl_redis_connect(sentinel, cfg->sentinel_port, cfg->timeout_ms);
    redisContext *c = NULL;
    redisReply *r;

    if (!s)
        return NULL;
    r = redisCommand(s, "SENTINEL get-master-addr-by-name %s",
                     FL_REDIS_MASTER_NAME);
    if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
        r->element[0]->type == REDIS_REPLY_STRING &&
        r->element[1]->type == REDIS_REPLY_STRING)
        c = fl_redis_connect(r->element[0]->str,
                             (int)strtol(r->element[1]->str, NULL, 10),
                             cfg->timeout_ms);
    freeReplyObject(r);
    redisFree(s);
    if (c && !is_master(c)) {
        redisFree(c);
        c = NULL;
    }
    return c;
}

/* Connect to the primary unless connected: each Sentinel in turn. */
static bool
ensure_primary(struct fl_client *c, const struct fl_env *env)
{
    const struct fl_redis_cfg *cfg = c->shared;
    struct rclient *rc = c->ctx;

    for (size_t k = 0; !rc->conn && k < env->nnodes; k++)
        rc->conn = primary_from(cfg, env->nodes[(c->node + k) % env->nnodes]);
    return rc->conn != NULL;
}

static void
drop(struct rclient *rc)
{
    if (rc->conn)
        redisFree(rc->conn);
    rc->conn = NULL;
}

/*
 * Run one command (argv form) on the primary and fill st; the reply (NULL
 * on error) is the caller's. Drops the connection on any error so the next
 * op asks the Sentinels again.
 */
static redisReply *
run(struct rclient *rc, struct fl_redis_status *st, int argc, const char **argv)
{
    redisReply *r = redisCommandArgv(rc->conn, argc, argv, NULL);

    st->sent = true;
    if (!r) {
        st->conn_err = true;
        drop(rc);
        return NULL;
    }
    if (r->type == REDIS_REPLY_ERROR) {
        st->err_reply = "error";
        drop(rc);
    }
    return r;
}

/* WAIT for cfg->wait replicas after a write that went through. */
static void
run_wait(struct rclient *rc, const struct fl_redis_cfg *cfg,
         struct fl_redis_status *st)
{
    char n[16], ms[24];
    const char *argv[] = {"WAIT", n, ms};
    redisReply *r;

    if (cfg->wait <= 0 || st->err_reply || st->conn_err)
        return;
    snprintf(n, sizeof(n), "%d", cfg->wait);
    snprintf(ms, sizeof(ms), "%" PRId64, cfg->wait_timeout_ms);
    r = run(rc, st, 3, argv);
    /* The write is applied either way: anything but enough acks is short. */
    if (r && (r->type != REDIS_REPLY_INTEGER || r->integer < cfg->wait))
        st->wait_short = true;
    st->err_reply = NULL;
    freeReplyObject(r);
}

static fl_val
int_of(const redisReply *r)
{
    if (r->type == REDIS_REPLY_STRING)
        return fl_val_int(strtoll(r->str, NULL, 10));
    return fl_val_nil();
}

/* A vector or set of the integers in an array reply. */
static fl_val
ints_of(struct fl_arena *a, const redisReply *r, enum fl_val_kind kind)
{
    size_t n = r->type == REDIS_REPLY_ARRAY ? r->elements : 0;
    fl_val *items = fl_xcalloc(n + 1, sizeof(*items));
    fl_val v;

    for (size_t i = 0; i < n; i++)
        items[i] = int_of(r->element[i]);
    v = fl_val_coll(a, kind, items, n);
    free(items);
    return v;
}

static bool
is_int(const fl_val *v)
{
    return v && v->kind == FL_V_INT;
}

static int
do_set(struct rclient *rc, const struct fl_redis_cfg *cfg,
       const struct fl_op *op, struct fl_arena *a, struct fl_op *out,
       struct fl_redis_status *st)
{
    char v[24];
    redisReply *r;

    if (op->f == FL_KW_ADD && is_int(&op->value)) {
        const char *argv[] = {"SADD", "s", v};
        snprintf(v, sizeof(v), "%" PRId64, op->value.u.i);
        freeReplyObject(run(rc, st, 3, argv));
        run_wait(rc, cfg, st);
        return 1;
    }
    if (op->f != FL_KW_READ)
        return -1;
    const char *argv[] = {"SMEMBERS", "s"};
    r = run(rc, st, 2, argv);
    if (r && r->type == REDIS_REPLY_ARRAY)
        out->value = ints_of(a, r, FL_V_SET);
    freeReplyObject(r);
    return 0;
}

/* [k v] with v the reply's integer, or nil. */
static fl_val
pair(struct fl_arena *a, fl_val k, fl_val v)
{
    fl_val items[2] = {k, v};
    return fl_val_coll(a, FL_V_VEC, items, 2);
}

static int
do_register(struct rclient *rc, const struct fl_redis_cfg *cfg,
            const struct fl_op *op, struct fl_arena *a, struct fl_op *out,
            struct fl_redis_status *st)
{
    const fl_val *v = &op->value;
    char key[32], x[24], y[24];
    redisReply *r;

    if (v->kind != FL_V_VEC || v->n != 2 || !is_int(&v->u.items[0]))
        return -1;
    const fl_val *arg = &v->u.items[1];
    snprintf(key, sizeof(key), "r%" PRId64, v->u.items[0].u.i);
    if (op->f == FL_KW_READ) {
        const char *argv[] = {"GET", key};
        r = run(rc, st, 2, argv);
        if (r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_NIL))
            out->value = pair(a, v->u.items[0], int_of(r));
        freeReplyObject(r);
        return 0;
    }
    if (op->f == FL_KW_WRITE && is_int(arg)) {
        const char *argv[] = {"SET", key, x};
        snprintf(x, sizeof(x), "%" PRId64, arg->u.i);
        freeReplyObject(run(rc, st, 3, argv));
        run_wait(rc, cfg, st);
        return 1;
    }
    if (op->f != FL_KW_CAS || arg->kind != FL_V_VEC || arg->n != 2 ||
        !is_int(&arg->u.items[0]) || !is_int(&arg->u.items[1]))
        return -1;
    const char *argv[] = {"EVAL", cas_script, "1", key, x, y};
    snprintf(x, sizeof(x), "%" PRId64, arg->u.items[0].u.i);
    snprintf(y, sizeof(y), "%" PRId64, arg->u.items[1].u.i);
    r = run(rc, st, 6, argv);
    bool swapped = r && r->type == REDIS_REPLY_INTEGER && r->integer == 1;
    freeReplyObject(r);
    if (swapped)
        run_wait(rc, cfg, st);
    else if (r && !st->err_reply)
        return 2; /* the value differed: certainly no effect */
    return 1;
}

static int
do_queue(struct rclient *rc, const struct fl_redis_cfg *cfg,
         const struct fl_op *op, struct fl_arena *a, struct fl_op *out,
         struct fl_redis_status *st)
{
    char v[24];
    redisReply *r;

    if (op->f == FL_KW_ENQUEUE && is_int(&op->value)) {
        const char *argv[] = {"RPUSH", "q", v};
        snprintf(v, sizeof(v), "%" PRId64, op->value.u.i);
        freeReplyObject(run(rc, st, 3, argv));
        run_wait(rc, cfg, st);
        return 1;
    }
    if (op->f == FL_KW_DEQUEUE) {
        const char *argv[] = {"LPOP", "q"};
        r = run(rc, st, 2, argv);
        bool empty = r && r->type == REDIS_REPLY_NIL;
        if (r && r->type == REDIS_REPLY_STRING)
            out->value = int_of(r);
        freeReplyObject(r);
        if (empty)
            return 2;
        run_wait(rc, cfg, st);
        return 1;
    }
    if (op->f != FL_KW_DRAIN)
        return -1;
    /* Atomic: what is read is what is removed. */
    const char *multi[] = {"MULTI"}, *range[] = {"LRANGE", "q", "0", "-1"};
    const char *del[] = {"DEL", "q"}, *exec[] = {"EXEC"};
    freeReplyObject(run(rc, st, 1, multi));
    if (rc->conn)
        freeReplyObject(run(rc, st, 4, range));
    if (rc->conn)
        freeReplyObject(run(rc, st, 2, del));
    if (!rc->conn)
        return 0; /* lost before EXEC: nothing ran */
    r = run(rc, st, 1, exec);
    if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 2)
        out->value = ints_of(a, r->element[0], FL_V_VEC);
    else if (r && !st->err_reply)
        st->err_reply = "exec"; /* aborted */
    freeReplyObject(r);
    run_wait(rc, cfg, st);
    return 1;
}

static void
complete(const struct fl_redis_status *st, bool mutates, struct fl_arena *a,
         struct fl_op *out)
{
    const char *why;

    out->type = (uint8_t)fl_redis_op_type(st, mutates, &why);
    if (why)
        fl_op_set_error(out, a, why);
}

static int
client_invoke(struct fl_client *c, const struct fl_env *env,
              const struct fl_op *op, struct fl_arena *a, struct fl_op *out,
              struct fl_err *err)
{
    const struct fl_redis_cfg *cfg = c->shared;
    struct rclient *rc = c->ctx;
    struct fl_redis_status st = {0};
    int m = 0;

    if (op->f == FL_KW_DRAIN)
        drop(rc); /* the final drain asks the Sentinels afresh */
    if (!ensure_primary(c, env)) {
        usleep(NO_PRIMARY_BACKOFF_US); /* no spinning while none is known */
        complete(&st, false, a, out);
        return 0;
    }
    if (cfg->workload == FL_REDIS_WL_SET)
        m = do_set(rc, cfg, op, a, out, &st);
    else if (cfg->workload == FL_REDIS_WL_REGISTER)
        m = do_register(rc, cfg, op, a, out, &st);
    else
        m = do_queue(rc, cfg, op, a, out, &st);
    if (m < 0)
        return fl_err_set(err, FL_EUSAGE, "redis client: bad op :%s",
                          fl_kw_name(op->f));
    if (m == 2) {
        out->type = FL_OP_FAIL; /* cas mismatch, empty queue */
        return 0;
    }
    complete(&st, m == 1, a, out);
    return 0;
}

static int
client_open(struct fl_client *c, const struct fl_env *env, struct fl_err *err)
{
    FL_UNUSED(env);
    FL_UNUSED(err);
    c->ctx = fl_xcalloc(1, sizeof(struct rclient));
    return 0;
}

static void
client_close(struct fl_client *c, const struct fl_env *env)
{
    FL_UNUSED(env);
    if (!c->ctx)
        return;
    drop(c->ctx);
    free(c->ctx);
    c->ctx = NULL;
}

const struct fl_client_type fl_redis_client_type = {
    .name = "redis",
    .reusable = true, /* reconnects by itself after an error */
    .open = client_open,
    .invoke = client_invoke,
    .close = client_close,
};
