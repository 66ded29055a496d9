/* SPDX-License-Identifier: MIT */
/*
 * client.c: the ZooKeeper client on libzookeeper_mt (Jepsen's zookeeper
 * client, with versions for compare-and-set). One session per open client,
 * to its own node only. Every request is asynchronous and waited for at
 * most the request timeout, so a paused or cut-off node never hangs a
 * worker; the completion is shared by refcount with the library's thread,
 * which may answer after we gave up. fl_zk_outcome() is the one place that
 * decides :ok, :fail or :info.
 *
 * register: key k is the znode /fl-r-<k> holding a decimal value. read =
 * sync + getData (NONODE reads nil); --no-sync reads without the sync.
 * write = setData, or create when the znode is missing. cas [old new] =
 * getData, then setData with the version read: BADVERSION is a definite
 * :fail. set: add v creates the sequential znode /fl-set/e<v>-<seq>; read =
 * sync + getChildren /fl-set, the elements parsed from the names.
 */
#include "util/common.h"

#include "suites/zookeeper/zk.h"

#include <pthread.h>
#include <time.h>
#include <unistd.h>
#include <zookeeper/zookeeper.h>

#include "history/val.h"
#include "nemesis/nemesis.h"
#include "os/os.h"
#include "run/client.h"
#include "util/arena.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/log.h"
#include "util/strbuf.h"

#define SET_DIR   "/fl-set"
#define QUEUE_DIR "/fl-queue"

/* ---- outcomes ---- */

static const struct {
    int zrc;
    const char *name;
    enum fl_op_type write, read;
} outcomes[] = {
    {ZOK, NULL, FL_OP_OK, FL_OP_OK},
    {ZBADVERSION, "bad-version", FL_OP_FAIL, FL_OP_FAIL},
    {ZNONODE, "no-node", FL_OP_FAIL, FL_OP_FAIL},
    {ZNODEEXISTS, "node-exists", FL_OP_FAIL, FL_OP_FAIL},
    {FL_ZK_NOT_SENT, "not-connected", FL_OP_FAIL, FL_OP_FAIL},
    {FL_ZK_MISMATCH, "value-mismatch", FL_OP_FAIL, FL_OP_FAIL},
    {FL_ZK_EMPTY, "empty", FL_OP_FAIL, FL_OP_FAIL},
    {ZINVALIDSTATE, "invalid-state", FL_OP_FAIL, FL_OP_FAIL},
    {ZCONNECTIONLOSS, "connection-loss", FL_OP_INFO, FL_OP_FAIL},
    {ZOPERATIONTIMEOUT, "operation-timeout", FL_OP_INFO, FL_OP_FAIL},
    {ZSESSIONEXPIRED, "session-expired", FL_OP_INFO, FL_OP_FAIL},
    {ZCLOSING, "closing", FL_OP_INFO, FL_OP_FAIL},
    {FL_ZK_TIMEOUT, "timeout", FL_OP_INFO, FL_OP_FAIL},
};

enum fl_op_type
fl_zk_outcome(int zrc, bool write, const char **error)
{
    for (size_t i = 0; i < FL_ARRAY_SIZE(outcomes); i++)
        if (outcomes[i].zrc == zrc) {
            *error = outcomes[i].name;
            return write ? outcomes[i].write : outcomes[i].read;
        }
    *error = "unknown"; /* e.g. ZMARSHALLINGERROR: who knows */
    return write ? FL_OP_INFO : FL_OP_FAIL;
}

/* ---- one request, waited for with a deadline ---- */

struct req {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int refs; /* the waiter and the library */
    bool done;
    int rc;
    char data[64];
    int data_len;
    struct Stat stat;
    struct fl_strbuf children; /* names, '\n'-separated */
};

static struct req *
req_new(void)
{
    struct req *r = fl_xcalloc(1, sizeof(*r));
    pthread_condattr_t ca;

    /* Deadlines on the monotonic clock: wall-clock steps do not move them. */
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, &ca);
    pthread_condattr_destroy(&ca);
    r->refs = 2;
    r->data_len = -1;
    r->children = (struct fl_strbuf)FL_STRBUF_INIT;
    return r;
}

static void
req_put(struct req *r)
{
    pthread_mutex_lock(&r->mu);
    bool last = --r->refs == 0;
    pthread_mutex_unlock(&r->mu);
    if (!last)
        return;
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cv);
    fl_strbuf_release(&r->children);
    free(r);
}

static void
req_done(struct req *r, int rc)
{
    pthread_mutex_lock(&r->mu);
    r->rc = rc;
    r->done = true;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
    req_put(r);
}

static void
on_data(int rc, const char *v, int len, const struct Stat *st, const void *d)
{
    struct req *r = (struct req *)d;

    if (rc == ZOK && v && len >= 0) {
        r->data_len = len < (int)sizeof(r->data) ? len : -2;
        if (r->data_len >= 0)
            memcpy(r->data, v, (size_t)len);
    }
    if (rc == ZOK && st)
        r->stat = *st;
    req_done(r, rc);
}

static void
on_stat(int rc, const struct Stat *st, const void *d)
{
    struct req *r = (struct req *)d;

    if (rc == ZOK && st)
        r->stat = *st;
    req_done(r, rc);
}

static void
on_string(int rc, const char *v, const void *d)
{
    FL_UNUSED(v);
    req_done((struct req *)d, rc);
}

static void
on_void(int rc, const void *d)
{
    req_done((struct req *)d, rc);
}

static void
on_strings(int rc, const struct String_vector *s, const void *d)
{
    struct req *r = (struct req *)d;

    for (int i = 0; rc == ZOK && s && i < s->count; i++)
        fl_strbuf_addf(&r->children, "%s\n", s->data[i]);
    req_done(r, rc);
}

/* Wait for r (sent with zrc); returns the request's result code. */
static int
req_wait(struct req *r, int zrc, int64_t timeout_ms)
{
    struct timespec dl;
    int rc;

    if (zrc != ZOK) {
        /* Refused before queueing (bad state or arguments): never sent,
         * and no callback. Anything else may have been queued: the
         * library's reference stays, at worst a small leak. */
        if (zrc == ZINVALIDSTATE || zrc == ZBADARGUMENTS) {
            r->refs = 1;
            return FL_ZK_NOT_SENT;
        }
        return zrc;
    }
    clock_gettime(CLOCK_MONOTONIC, &dl);
    dl.tv_sec += timeout_ms / 1000;
    dl.tv_nsec += (timeout_ms % 1000) * 1000000L;
    if (dl.tv_nsec >= 1000000000L) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&r->mu);
    while (!r->done && pthread_cond_timedwait(&r->cv, &r->mu, &dl) == 0)
        ;
    rc = r->done ? r->rc : FL_ZK_TIMEOUT;
    pthread_mutex_unlock(&r->mu);
    return rc;
}

/* ---- the session ---- */

struct zk {
    zhandle_t *zh;
    char *host; /* node:port */
    const struct fl_zk_client_cfg *cfg;
    int64_t down_since;          /* mono ms the session was first seen not
                                  * connected; 0 while connected */
    struct fl_zk_script *script; /* tests: answers instead of a server */
};

static const char *
state_name(int state)
{
    if (state == ZOO_CONNECTED_STATE)
        return "connected";
    if (state == ZOO_EXPIRED_SESSION_STATE)
        return "expired";
    if (state == ZOO_AUTH_FAILED_STATE)
        return "auth-failed";
    if (state == ZOO_CONNECTING_STATE || state == ZOO_ASSOCIATING_STATE)
        return "connecting";
    return "not-connected";
}

/* Session events (the library's thread): logged, so that a run's
 * faultline.log says when each client lost and regained its server. */
static void
watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
    const char *host = ctx;
    const clientid_t *id = zh ? zoo_client_id(zh) : NULL;
    FL_UNUSED(path);

    if (type == ZOO_SESSION_EVENT)
        fl_info("zookeeper: %s: session 0x%llx %s", host,
                id ? (unsigned long long)id->client_id : 0ULL,
                state_name(state));
}

static bool
is_dead(zhandle_t *zh)
{
    int s = zoo_state(zh);

    return s == ZOO_EXPIRED_SESSION_STATE || s == ZOO_AUTH_FAILED_STATE;
}

/*
 * Drop a session that cannot come back: expired, or not connected for
 * longer than the session timeout (the ensemble has expired it by now,
 * or the library is stuck in a connection attempt that nobody answers;
 * a fresh handle connects at once). Nothing is lost: every request still
 * pending on it has already ended :info or :fail.
 */
static void
drop_dead_session(struct zk *z, int64_t now)
{
    const char *why = NULL;

    if (!z->zh)
        return;
    if (is_dead(z->zh))
        why = state_name(zoo_state(z->zh));
    else if (z->down_since && now - z->down_since > z->cfg->session_timeout_ms)
        why = "not connected for longer than the session timeout";
    if (!why)
        return;
    fl_info("zookeeper: %s: new session (%s)", z->host, why);
    zookeeper_close(z->zh);
    z->zh = NULL;
}

/*
 * A connected session, waiting for it at most wait_ms: a dead one is
 * replaced, a missing one opened. false: nothing can be sent now.
 */
static bool
connected(struct zk *z, int64_t wait_ms)
{
    int64_t now = fl_clock_mono_ms(), deadline = now + wait_ms;

    for (;;) {
        if (z->zh && zoo_state(z->zh) == ZOO_CONNECTED_STATE) {
            z->down_since = 0;
            return true;
        }
        if (!z->down_since)
            z->down_since = now;
        drop_dead_session(z, now);
        if (!z->zh) {
            z->zh = zookeeper_init(z->host, watcher,
                                   (int)z->cfg->session_timeout_ms, NULL,
                                   z->host, 0);
            z->down_since = now;
        }
        if (now >= deadline)
            return false;
        usleep(20000);
        now = fl_clock_mono_ms();
    }
}

/*
 * The next scripted result for request r, as if the server had answered:
 * a getData gets the script's value, a getChildren its children. Only
 * reached in tests (fl_zk_invoke_scripted).
 */
static int
scripted(struct zk *z, struct req *r)
{
    struct fl_zk_script *s = z->script;
    int rc = s->next < s->n ? s->rc[s->next] : FL_ZK_TIMEOUT;

    s->next++;
    r->refs = 1; /* no library holds it */
    r->stat.version = 7;
    if (rc == ZOK && s->value && strlen(s->value) < sizeof(r->data)) {
        r->data_len = (int)strlen(s->value);
        memcpy(r->data, s->value, (size_t)r->data_len);
    }
    if (rc == ZOK && s->children)
        fl_strbuf_addstr(&r->children, s->children);
    return rc;
}

static int
zk_get(struct zk *z, const char *path, struct req **out)
{
    struct req *r = req_new();
    int rc = z->script ? scripted(z, r)
                       : req_wait(r, zoo_aget(z->zh, path, 0, on_data, r),
                                  z->cfg->timeout_ms);

    *out = r;
    return rc;
}

static int
zk_sync(struct zk *z, const char *path)
{
    struct req *r = req_new();
    int rc = z->script ? scripted(z, r)
                       : req_wait(r, zoo_async(z->zh, path, on_string, r),
                                  z->cfg->timeout_ms);

    req_put(r);
    return rc;
}

static int
zk_set(struct zk *z, const char *path, int64_t v, int version, struct Stat *st)
{
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%" PRId64, v);
    struct req *r = req_new();
    int rc =
        z->script
            ? scripted(z, r)
            : req_wait(r, zoo_aset(z->zh, path, buf, n, version, on_stat, r),
                       z->cfg->timeout_ms);

    if (rc == ZOK && st)
        *st = r->stat;
    req_put(r);
    return rc;
}

static int
zk_create(struct zk *z, const char *path, int64_t v, int mode)
{
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%" PRId64, v);
    struct req *r = req_new();
    int rc =
        z->script
            ? scripted(z, r)
            : req_wait(r,
                       zoo_acreate(z->zh, path, buf, n, &ZOO_OPEN_ACL_UNSAFE,
                                   mode, on_string, r),
                       z->cfg->timeout_ms);

    req_put(r);
    return rc;
}

static int
zk_children(struct zk *z, const char *path, struct req **out)
{
    struct req *r = req_new();
    int rc = z->script
                 ? scripted(z, r)
                 : req_wait(r, zoo_aget_children(z->zh, path, 0, on_strings, r),
                            z->cfg->timeout_ms);

    *out = r;
    return rc;
}

static int
zk_delete(struct zk *z, const char *path, int version)
{
    struct req *r = req_new();
    int rc = z->script
                 ? scripted(z, r)
                 : req_wait(r, zoo_adelete(z->zh, path, version, on_void, r),
                            z->cfg->timeout_ms);

    req_put(r);
    return rc;
}

/* ---- ops ---- */

/* Complete out for zrc; value only on :ok. */
static void
complete(struct fl_op *out, struct fl_arena *a, int zrc, bool write)
{
    const char *e = NULL;

    out->type = (uint8_t)fl_zk_outcome(zrc, write, &e);
    if (e) {
        fl_val v = fl_val_kw(fl_kw_intern_cstr(e));
        fl_op_set_error_val(out, a, &v);
    }
}

/* The register's value in r (decimal), or nil for anything else. */
static fl_val
reg_value(const struct req *r)
{
    char buf[sizeof(r->data) + 1];
    char *end;

    if (r->data_len <= 0)
        return fl_val_nil();
    memcpy(buf, r->data, (size_t)r->data_len);
    buf[r->data_len] = '\0';
    long long v = strtoll(buf, &end, 10);
    return *end ? fl_val_nil() : fl_val_int(v);
}

static void
reg_read(struct zk *z, const char *path, const fl_val *key, struct fl_arena *a,
         struct fl_op *out)
{
    struct req *r = NULL;
    int rc = z->cfg->sync_reads ? zk_sync(z, path) : ZOK;

    if (rc == ZOK)
        rc = zk_get(z, path, &r);
    if (rc == ZOK || rc == ZNONODE) {
        fl_val items[2] = {*key, rc == ZOK ? reg_value(r) : fl_val_nil()};
        out->value = fl_val_coll(a, FL_V_VEC, items, 2);
        rc = ZOK;
    }
    if (r)
        req_put(r);
    complete(out, a, rc, false);
}

/*
 * :leader-clock-skew on an acknowledged setData: the znode's mtime, which
 * the leader stamps from its JVM's System.currentTimeMillis(), minus the
 * control's real time now, in seconds. Near zero (minus the latency)
 * unless the leader's clock is shifted: it shows clock faults reaching the
 * JVM.
 */
static void
note_skew(struct fl_op *out, struct fl_arena *a, const struct Stat *st)
{
    struct timespec now;

    clock_gettime(CLOCK_REALTIME, &now);
    int64_t ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
    fl_val v = fl_val_float((double)(st->mtime - ms) / 1000.0);
    fl_op_set_extra(out, a, fl_kw_intern_cstr("leader-clock-skew"), &v);
}

static void
reg_write(struct zk *z, const char *path, int64_t v, struct fl_arena *a,
          struct fl_op *out)
{
    struct Stat st = {0};
    int rc = zk_set(z, path, v, -1, &st);

    if (rc == ZNONODE)
        rc = zk_create(z, path, v, 0);
    if (rc == ZNODEEXISTS) /* created meanwhile by another writer */
        rc = zk_set(z, path, v, -1, &st);
    complete(out, a, rc, true);
    if (rc == ZOK && st.mtime)
        note_skew(out, a, &st);
}

static void
reg_cas(struct zk *z, const char *path, int64_t old, int64_t new,
        struct fl_arena *a, struct fl_op *out)
{
    struct req *r = NULL;
    struct Stat st = {0};
    int rc = zk_get(z, path, &r);
    bool write = false;

    if (rc == ZOK) {
        fl_val cur = reg_value(r);
        if (cur.kind != FL_V_INT || cur.u.i != old) {
            rc = FL_ZK_MISMATCH; /* not the value expected: no write */
        } else {
            write = true;
            rc = zk_set(z, path, new, r->stat.version, &st);
        }
    }
    if (r)
        req_put(r);
    complete(out, a, rc, write);
    if (rc == ZOK && st.mtime)
        note_skew(out, a, &st);
}

static bool
is_int(const fl_val *v)
{
    return v && v->kind == FL_V_INT;
}

static int
invoke_register(struct zk *z, const struct fl_op *op, struct fl_arena *a,
                struct fl_op *out, struct fl_err *err)
{
    const fl_val *v = &op->value;
    char path[64];

    if (v->kind != FL_V_VEC || v->n != 2 || !is_int(&v->u.items[0]))
        return fl_err_set(err, FL_EUSAGE,
                          "zookeeper register: value must be [key value]");
    const fl_val *arg = &v->u.items[1];
    snprintf(path, sizeof(path), "/fl-r-%" PRId64, v->u.items[0].u.i);
    if (op->f == FL_KW_READ)
        reg_read(z, path, &v->u.items[0], a, out);
    else if (op->f == FL_KW_WRITE && is_int(arg))
        reg_write(z, path, arg->u.i, a, out);
    else if (op->f == FL_KW_CAS && arg->kind == FL_V_VEC && arg->n == 2 &&
             is_int(&arg->u.items[0]) && is_int(&arg->u.items[1]))
        reg_cas(z, path, arg->u.items[0].u.i, arg->u.items[1].u.i, a, out);
    else
        return fl_err_set(err, FL_EUSAGE, "zookeeper register: bad op :%s",
                          fl_kw_name(op->f));
    return 0;
}

/* The elements named by children "e<v>-<seq>" into a set value. */
static fl_val
set_value(const struct req *r, struct fl_arena *a)
{
    size_t n = 0, cap = 16;
    fl_val *items = fl_xcalloc(cap, sizeof(*items));
    const char *p = r->children.buf;

    while (p && *p) {
        char *end;
        long long v = p[0] == 'e' ? strtoll(p + 1, &end, 10) : 0;
        if (p[0] == 'e' && *end == '-') {
            if (n == cap)
                items = fl_xrealloc(items, (cap *= 2) * sizeof(*items));
            items[n++] = fl_val_int(v);
        }
        p = strchr(p, '\n');
        p = p ? p + 1 : NULL;
    }
    fl_val out = fl_val_coll(a, FL_V_SET, items, n);
    free(items);
    return out;
}

static int
invoke_set(struct zk *z, const struct fl_op *op, struct fl_arena *a,
           struct fl_op *out, struct fl_err *err)
{
    char path[64];

    if (op->f == FL_KW_ADD && is_int(&op->value)) {
        snprintf(path, sizeof(path), SET_DIR "/e%" PRId64 "-", op->value.u.i);
        complete(out, a, zk_create(z, path, op->value.u.i, ZOO_SEQUENCE), true);
    } else if (op->f == FL_KW_READ) {
        struct req *r = NULL;
        int rc = z->cfg->sync_reads ? zk_sync(z, SET_DIR) : ZOK;
        if (rc == ZOK)
            rc = zk_children(z, SET_DIR, &r);
        if (rc == ZOK)
            out->value = set_value(r, a);
        if (r)
            req_put(r);
        complete(out, a, rc, false);
    } else {
        return fl_err_set(err, FL_EUSAGE, "zookeeper set: bad op :%s",
                          fl_kw_name(op->f));
    }
    return 0;
}

static int
cmp_str(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* The child names in r, oldest first (sequence numbers sort as text). */
static char **
sorted_children(struct req *r, size_t *n)
{
    char **v = NULL, *save = NULL;
    size_t cap = 0;

    *n = 0;
    for (char *t = strtok_r(r->children.buf, "\n", &save); t;
         t = strtok_r(NULL, "\n", &save)) {
        if (*n == cap)
            v = fl_xrealloc(v, (cap = cap ? 2 * cap : 16) * sizeof(*v));
        v[(*n)++] = t;
    }
    if (*n)
        qsort(v, *n, sizeof(*v), cmp_str);
    return v;
}

/*
 * Take the oldest element: getData, then delete with the version read. A
 * child gone (NONODE) or changed (BADVERSION) was certainly not taken by
 * us: try the next. Only the delete writes, so only its doubt is :info.
 */
static int
take(struct zk *z, char **names, size_t n, fl_val *out, bool *wrote)
{
    char path[128];

    for (size_t i = 0; i < n; i++) {
        struct req *d = NULL;
        snprintf(path, sizeof(path), QUEUE_DIR "/%s", names[i]);
        *wrote = false;
        int rc = zk_get(z, path, &d);
        if (rc == ZOK) {
            fl_val v = reg_value(d);
            rc = zk_delete(z, path, d->stat.version);
            *wrote = true;
            if (rc == ZOK)
                *out = v;
        }
        if (d)
            req_put(d);
        if (rc != ZNONODE && rc != ZBADVERSION)
            return rc;
    }
    return FL_ZK_EMPTY;
}

static void
dequeue(struct zk *z, struct fl_arena *a, struct fl_op *out)
{
    struct req *kids = NULL;
    char **names = NULL;
    size_t n = 0;
    bool wrote = false;
    int rc = z->cfg->sync_reads ? zk_sync(z, QUEUE_DIR) : ZOK;

    if (rc == ZOK)
        rc = zk_children(z, QUEUE_DIR, &kids);
    if (rc == ZOK) {
        names = sorted_children(kids, &n);
        rc = take(z, names, n, &out->value, &wrote);
    }
    free(names);
    if (kids)
        req_put(kids);
    complete(out, a, rc, wrote && rc != FL_ZK_EMPTY);
}

static int
invoke_queue(struct zk *z, const struct fl_op *op, struct fl_arena *a,
             struct fl_op *out, struct fl_err *err)
{
    char path[64];

    if (op->f == FL_KW_ENQUEUE && is_int(&op->value)) {
        snprintf(path, sizeof(path), QUEUE_DIR "/q-");
        complete(out, a, zk_create(z, path, op->value.u.i, ZOO_SEQUENCE), true);
    } else if (op->f == FL_KW_DEQUEUE) {
        dequeue(z, a, out);
    } else {
        return fl_err_set(err, FL_EUSAGE, "zookeeper queue: bad op :%s",
                          fl_kw_name(op->f));
    }
    return 0;
}

static int
invoke_op(struct zk *z, const struct fl_op *op, struct fl_arena *a,
          struct fl_op *out, struct fl_err *err)
{
    if (z->cfg->workload == FL_ZK_WL_SET)
        return invoke_set(z, op, a, out, err);
    if (z->cfg->workload == FL_ZK_WL_QUEUE)
        return invoke_queue(z, op, a, out, err);
    return invoke_register(z, op, a, out, err);
}

int
fl_zk_invoke_scripted(const struct fl_zk_client_cfg *cfg,
                      struct fl_zk_script *script, const struct fl_op *op,
                      struct fl_arena *a, struct fl_op *out, struct fl_err *err)
{
    struct zk z = {.cfg = cfg, .script = script};

    script->next = 0;
    return invoke_op(&z, op, a, out, err);
}

/* ---- the client type ---- */

static pthread_once_t log_once = PTHREAD_ONCE_INIT;

/* The library logs every reconnect to stderr; keep its errors only, and
 * those out of the run's output. */
static void
quiet_library(void)
{
    FILE *f = fopen("/dev/null", "we");

    zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
    if (f)
        zoo_set_log_stream(f);
}

static int
client_open(struct fl_client *c, const struct fl_env *env, struct fl_err *err)
{
    const struct fl_zk_client_cfg *cfg = c->shared;
    struct zk *z;

    if (c->node >= env->nnodes)
        return fl_err_set(err, FL_EUSAGE, "zookeeper client: no node %zu",
                          c->node);
    pthread_once(&log_once, quiet_library);
    z = fl_xcalloc(1, sizeof(*z));
    z->cfg = cfg;
    z->host = fl_xasprintf("%s:%d", env->nodes[c->node], cfg->client_port);
    c->ctx = z;
    return 0;
}

static void
client_close(struct fl_client *c, const struct fl_env *env)
{
    struct zk *z = c->ctx;
    FL_UNUSED(env);

    if (!z)
        return;
    if (z->zh)
        zookeeper_close(z->zh);
    free(z->host);
    free(z);
    c->ctx = NULL;
}

/* The set's parent znode, created once (by whichever node gets there). */
static int
client_setup(struct fl_client *c, const struct fl_env *env, struct fl_err *err)
{
    struct zk *z = c->ctx;
    int64_t deadline = fl_clock_mono_ms() + 60000;
    int rc = FL_ZK_NOT_SENT;
    FL_UNUSED(env);

    const char *dir = z->cfg->workload == FL_ZK_WL_SET     ? SET_DIR
                      : z->cfg->workload == FL_ZK_WL_QUEUE ? QUEUE_DIR
                                                           : NULL;
    if (!dir)
        return 0;
    while (rc != ZOK && rc != ZNODEEXISTS && fl_clock_mono_ms() < deadline)
        if (connected(z, z->cfg->timeout_ms))
            rc = zk_create(z, dir, 0, 0);
    if (rc == ZOK || rc == ZNODEEXISTS)
        return 0;
    return fl_err_set(err, FL_EREMOTE, "zookeeper: create %s on %s: %s", dir,
                      z->host, rc > 0 ? "timeout" : zerror(rc));
}

static int
client_invoke(struct fl_client *c, const struct fl_env *env,
              const struct fl_op *op, struct fl_arena *a, struct fl_op *out,
              struct fl_err *err)
{
    struct zk *z = c->ctx;
    FL_UNUSED(env);

    if (!connected(z, z->cfg->timeout_ms)) {
        complete(out, a, FL_ZK_NOT_SENT, true);
        return 0;
    }
    return invoke_op(z, op, a, out, err);
}

const struct fl_client_type fl_zk_client_type = {
    .name = "zookeeper",
    /* The session survives connection loss; an expired one is replaced. */
    .reusable = true,
    .open = client_open,
    .setup = client_setup,
    .invoke = client_invoke,
    .teardown = fl_client_node_noop,
    .close = client_close,
};
