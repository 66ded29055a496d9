/* SPDX-License-Identifier: MIT */
/*
 * client.c: the Maelstrom client. Each open client is a fresh client id
 * c<k> (never reused, as in Maelstrom) bound to its worker's node; invoke
 * sends the workload's request through the simulated network and maps the
 * answer as Maelstrom does: a reply -> :ok; a definite error code -> :fail;
 * a timeout, an indefinite or unknown code -> :info, except for reads,
 * which have no effect and so -> :fail.
 */
#include "util/common.h"

#include "mael_int.h"

#include "nemesis/nemesis.h"
#include "util/arena.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/xalloc.h"

struct mclient {
    int id;
    struct fl_mael_cstate st;
};

bool
fl_mael_code_definite(int64_t code)
{
    switch (code) {
    case 1:
    case 10:
    case 11:
    case 12:
    case 14:
    case 20:
    case 21:
    case 22:
    case 30:
        return true;
    default:
        return false;
    }
}

json_t *
fl_mael_val_to_json(const fl_val *v)
{
    json_t *j;

    switch (v->kind) {
    case FL_V_BOOL:
        return json_boolean(v->u.b);
    case FL_V_INT:
        return json_integer(v->u.i);
    case FL_V_FLOAT:
        return json_real(v->u.d);
    case FL_V_STR:
        return json_stringn(v->u.s, v->n);
    case FL_V_KW:
        return json_string(fl_kw_name(v->u.id));
    case FL_V_LIST:
    case FL_V_VEC:
    case FL_V_SET:
        j = json_array();
        for (uint32_t i = 0; i < v->n; i++)
            json_array_append_new(j, fl_mael_val_to_json(&v->u.items[i]));
        return j;
    case FL_V_MAP:
        j = json_object();
        for (uint32_t i = 0; i < v->n; i++) {
            const fl_val *k = &v->u.items[2 * i];
            json_t *kj = fl_mael_val_to_json(k);
            char *ks = json_is_string(kj)
                           ? fl_xstrdup(json_string_value(kj))
                           : json_dumps(kj, JSON_ENCODE_ANY | JSON_COMPACT);
            json_object_set_new(j, ks,
                                fl_mael_val_to_json(&v->u.items[2 * i + 1]));
            free(ks);
            json_decref(kj);
        }
        return j;
    default:
        return json_null();
    }
}

fl_val
fl_mael_json_to_val(struct fl_arena *a, json_t *j)
{
    size_t n, i;
    fl_val *items, v;

    switch (json_typeof(j)) {
    case JSON_TRUE:
        return fl_val_bool(true);
    case JSON_FALSE:
        return fl_val_bool(false);
    case JSON_INTEGER:
        return fl_val_int(json_integer_value(j));
    case JSON_REAL:
        return fl_val_float(json_real_value(j));
    case JSON_STRING:
        return fl_val_str(a, json_string_value(j), json_string_length(j));
    case JSON_ARRAY:
        n = json_array_size(j);
        items = fl_xcalloc(n + 1, sizeof(fl_val));
        for (i = 0; i < n; i++)
            items[i] = fl_mael_json_to_val(a, json_array_get(j, i));
        v = fl_val_coll(a, FL_V_VEC, items, n);
        free(items);
        return v;
    case JSON_OBJECT: {
        const char *key;
        json_t *x;
        n = json_object_size(j);
        items = fl_xcalloc(2 * n + 1, sizeof(fl_val));
        i = 0;
        json_object_foreach(j, key, x)
        {
            items[2 * i] = fl_val_str(a, key, strlen(key));
            items[2 * i + 1] = fl_mael_json_to_val(a, x);
            i++;
        }
        v = fl_val_map(a, items, n);
        free(items);
        return v;
    }
    default:
        return fl_val_nil();
    }
}

static int
mc_open(struct fl_client *c, const struct fl_env *env, struct fl_err *err)
{
    struct mclient *mc = fl_xcalloc(1, sizeof(*mc));

    FL_UNUSED(env);
    FL_UNUSED(err);
    mc->id = -1; /* allocated at the first request, in request order */
    fl_map_init(&mc->st.pos);
    c->ctx = mc;
    return 0;
}

static void
mc_close(struct fl_client *c, const struct fl_env *env)
{
    FL_UNUSED(env);
    if (c->ctx)
        fl_map_release(&((struct mclient *)c->ctx)->st.pos);
    free(c->ctx);
    c->ctx = NULL;
}

/* An error reply: [:error code text] in :error, :fail when definite. */
static void
error_reply(const struct fl_op *op, json_t *reply, struct fl_arena *a,
            struct fl_op *out)
{
    int64_t code = json_integer_value(json_object_get(reply, "code"));
    const char *text = json_string_value(json_object_get(reply, "text"));
    fl_val items[2] = {fl_val_int(code),
                       text ? fl_val_str(a, text, strlen(text)) : fl_val_nil()};

    fl_val e = fl_val_coll(a, FL_V_VEC, items, 2);
    fl_op_set_error_val(out, a, &e);
    if (fl_mael_code_definite(code) || op->f == FL_KW_READ)
        out->type = FL_OP_FAIL;
}

static int
mc_invoke(struct fl_client *c, const struct fl_env *env, const struct fl_op *op,
          struct fl_arena *a, struct fl_op *out, struct fl_err *err)
{
    struct fl_mael_shared *sh = c->shared;
    struct mclient *mc = c->ctx;
    json_t *body = sh->work->encode_st ? sh->work->encode_st(op, &mc->st)
                                       : sh->work->encode(op);
    json_t *reply = NULL;
    int rc;

    if (mc->id < 0)
        mc->id = fl_mnet_client_new(sh->net);
    if (sh->final_after_ns > 0 &&
        fl_clock_now_ns(env->clock) - env->origin_ns >= sh->final_after_ns)
        fl_mnet_client_final(sh->net, mc->id, sh->recovery_ns);
    rc = fl_mnet_call_ordered(sh->net, mc->id, env->nodes[c->node], body,
                              op->index, sh->rpc_timeout_ns, &reply, err);
    json_decref(body);
    if (rc == -ETIMEDOUT) {
        out->type = op->f == FL_KW_READ ? FL_OP_FAIL : FL_OP_INFO;
        out->value = op->value;
        fl_val e = fl_val_kw(FL_KW_TIMED_OUT);
        fl_op_set_error_val(out, a, &e);
        return 0;
    }
    if (rc < 0)
        return rc;
    const char *type = json_string_value(json_object_get(reply, "type"));
    out->value = op->value;
    if (type && strcmp(type, "error") == 0) {
        error_reply(op, reply, a, out);
    } else {
        out->type = FL_OP_OK;
        if (sh->work->decode_st)
            sh->work->decode_st(op, reply, a, out, &mc->st);
        else
            sh->work->decode(op, reply, a, out);
    }
    json_decref(reply);
    return 0;
}

const struct fl_client_type fl_mael_client_type = {
    .name = "maelstrom",
    .reusable = false,
    .open = mc_open,
    .setup = NULL,
    .invoke = mc_invoke,
    .teardown = NULL,
    .close = mc_close,
};
