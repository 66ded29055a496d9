/* SPDX-License-Identifier: MIT */
/*
 * workloads.c: what the etcd suite's clients do, and how it is checked.
 * register and set are workload/'s standard ones. register: independent
 * keys r/<k>, each a compare-and-set register, checked key by key. set:
 * unique adds,
 * each element its own key s/<v>, and reads of the whole prefix, checked by
 * the set checker. Reads are linearizable quorum reads unless
 * --serializable-reads asks for etcd's local (possibly stale) reads. The
 * client turns each op into one request and its outcome into a completion.
 */
#include "util/common.h"

#include "suites/etcd/etcd.h"

#include "gen/gen.h"
#include "history/op.h"
#include "history/val.h"
#include "nemesis/nemesis.h"
#include "run/client.h"
#include "util/arena.h"
#include "util/err.h"
#include "util/rng.h"
#include "util/strbuf.h"

#include <unistd.h>

#define FL_ETCD_REFUSED_BACKOFF_US 100000 /* after connection refused */

/* ---- the client ---- */

struct etcd_client {
    struct fl_etcd_conn *conn; /* one persistent connection */
};

static int
client_open(struct fl_client *c, const struct fl_env *env, struct fl_err *err)
{
    const struct fl_etcd_client_cfg *cfg = c->shared;
    struct fl_strbuf url = FL_STRBUF_INIT;
    struct etcd_client *ec;

    if (c->node >= env->nnodes)
        return fl_err_set(err, FL_EUSAGE, "etcd client: no node %zu", c->node);
    fl_etcd_client_url(&url, env->nodes[c->node], cfg->client_port);
    ec = fl_xcalloc(1, sizeof(*ec));
    ec->conn = fl_etcd_conn_new(url.buf, cfg->timeout_ms);
    c->ctx = ec;
    fl_strbuf_release(&url);
    return 0;
}

static void
client_close(struct fl_client *c, const struct fl_env *env)
{
    struct etcd_client *ec = c->ctx;
    FL_UNUSED(env);

    if (!ec)
        return;
    fl_etcd_conn_free(ec->conn);
    free(ec);
    c->ctx = NULL;
}

/* :error [:kw "detail"] for a failed or indeterminate op. */
static void
set_error(struct fl_op *out, struct fl_arena *a,
          const struct fl_etcd_outcome *o)
{
    fl_val items[2] = {fl_val_kw(fl_kw_intern_cstr(o->error)),
                       fl_val_str(a, o->detail, strlen(o->detail))};
    fl_val v = fl_val_coll(a, FL_V_VEC, items, 2);
    fl_op_set_error_val(out, a, &v);
}

void
fl_etcd_complete(const struct fl_etcd_outcome *o, struct fl_arena *a,
                 struct fl_op *out)
{
    out->type = (uint8_t)o->type;
    if (o->type != FL_OP_OK)
        set_error(out, a, o);
}

/*
 * A refused connection fails in microseconds; without a pause a client of
 * a killed member would spin, filling the history with thousands of
 * :fail ops a second. The op is :fail either way, so waiting is safe.
 */
static void
backoff(const struct fl_etcd_outcome *o)
{
    if (o->type == FL_OP_FAIL && o->error &&
        strcmp(o->error, "connection-refused") == 0)
        usleep(FL_ETCD_REFUSED_BACKOFF_US);
}

static bool
is_int(const fl_val *v)
{
    return v && v->kind == FL_V_INT;
}

static int
invoke_register(struct etcd_client *ec, const struct fl_etcd_client_cfg *cfg,
                const struct fl_op *op, struct fl_arena *a, struct fl_op *out,
                struct fl_err *err)
{
    const fl_val *v = &op->value;
    struct fl_etcd_outcome o;
    char key[48];

    if (v->kind != FL_V_VEC || v->n != 2 || !is_int(&v->u.items[0]))
        return fl_err_set(err, FL_EUSAGE,
                          "etcd register: value must be [key value]");
    int64_t k = v->u.items[0].u.i;
    const fl_val *arg = &v->u.items[1];
    snprintf(key, sizeof(key), "r/%" PRId64, k);

    if (op->f == FL_KW_READ) {
        fl_etcd_get(ec->conn, key, cfg->serializable_reads, &o);
        if (o.type == FL_OP_OK) {
            fl_val items[2] = {v->u.items[0],
                               o.found ? fl_val_int(o.value) : fl_val_nil()};
            out->value = fl_val_coll(a, FL_V_VEC, items, 2);
        }
    } else if (op->f == FL_KW_WRITE && is_int(arg)) {
        fl_etcd_put(ec->conn, key, arg->u.i, &o);
    } else if (op->f == FL_KW_CAS && arg->kind == FL_V_VEC && arg->n == 2 &&
               is_int(&arg->u.items[0]) && is_int(&arg->u.items[1])) {
        fl_etcd_cas(ec->conn, key, arg->u.items[0].u.i, arg->u.items[1].u.i,
                    &o);
    } else {
        return fl_err_set(err, FL_EUSAGE, "etcd register: bad op :%s",
                          fl_kw_name(op->f));
    }
    backoff(&o);
    fl_etcd_complete(&o, a, out);
    fl_etcd_outcome_release(&o);
    return 0;
}

static int
invoke_set(struct etcd_client *ec, const struct fl_etcd_client_cfg *cfg,
           const struct fl_op *op, struct fl_arena *a, struct fl_op *out,
           struct fl_err *err)
{
    struct fl_etcd_outcome o;
    char key[48];

    if (op->f == FL_KW_ADD && is_int(&op->value)) {
        snprintf(key, sizeof(key), "s/%" PRId64, op->value.u.i);
        fl_etcd_put(ec->conn, key, op->value.u.i, &o);
    } else if (op->f == FL_KW_READ) {
        fl_etcd_get_prefix(ec->conn, "s/", cfg->serializable_reads, &o);
        if (o.type == FL_OP_OK) {
            fl_val *items = fl_xcalloc(o.values.n + 1, sizeof(fl_val));
            for (size_t i = 0; i < o.values.n; i++)
                items[i] = fl_val_int(o.values.v[i]);
            out->value = fl_val_coll(a, FL_V_SET, items, o.values.n);
            free(items);
        }
    } else {
        return fl_err_set(err, FL_EUSAGE, "etcd set: bad op :%s",
                          fl_kw_name(op->f));
    }
    backoff(&o);
    fl_etcd_complete(&o, a, out);
    fl_etcd_outcome_release(&o);
    return 0;
}

static int
client_invoke(struct fl_client *c, const struct fl_env *env,
              const struct fl_op *op, struct fl_arena *a, struct fl_op *out,
              struct fl_err *err)
{
    const struct fl_etcd_client_cfg *cfg = c->shared;
    FL_UNUSED(env);

    if (cfg->workload == FL_ETCD_WL_SET)
        return invoke_set(c->ctx, cfg, op, a, out, err);
    return invoke_register(c->ctx, cfg, op, a, out, err);
}

const struct fl_client_type fl_etcd_client_type = {
    .name = "etcd-kv",
    /* libcurl reconnects by itself after a timeout or reset. */
    .reusable = true,
    .open = client_open,
    .setup = fl_client_node_noop,
    .invoke = client_invoke,
    .teardown = fl_client_node_noop,
    .close = client_close,
};
