/* SPDX-License-Identifier: MIT */
/*
 * client_proto.c: the JSON-lines client protocol's messages. Requests are
 * printed straight into a strbuf with the history's value encoding;
 * answers go through jansson (64-bit integers, duplicate members
 * rejected, nothing after the object). The parser trusts nothing: every
 * member is checked, and an answer that cannot be an op's completion is
 * an error that the caller turns into :info.
 */
#include "util/common.h"

#include "run/client_proto.h"

#include <jansson.h>

#include "history/json.h"
#include "util/arena.h"
#include "util/err.h"
#include "util/strbuf.h"

#define PROTO_MAX_EXTRA 32 /* extra members of an answer */

/* A JSON string, with the history's encoding of strings. */
static void
print_str(struct fl_strbuf *sb, const char *s)
{
    fl_val v = {FL_V_STR, 0, 0, (uint32_t)strlen(s), {.s = s}};

    fl_json_print_val(sb, &v);
}

static void
print_nodes(struct fl_strbuf *sb, const struct fl_env *env)
{
    fl_strbuf_addch(sb, '[');
    for (size_t i = 0; i < env->nnodes; i++) {
        if (i)
            fl_strbuf_addch(sb, ',');
        print_str(sb, env->nodes[i]);
    }
    fl_strbuf_addch(sb, ']');
}

static bool
has_opt(const struct fl_env *env, const char *name)
{
    return env->options &&
           fl_val_map_get_kw(env->options, fl_kw_intern_cstr(name));
}

/* {"name":..,"seed":..,<options>}: option keys without their ':'. */
static void
print_test(struct fl_strbuf *sb, const struct fl_env *env,
           int64_t op_timeout_ns, int64_t answer_timeout_ns)
{
    const fl_val *o = env->options;

    fl_strbuf_addch(sb, '{');
    print_str(sb, "name");
    fl_strbuf_addch(sb, ':');
    print_str(sb, env->name ? env->name : "");
    fl_strbuf_addf(sb, ",\"seed\":%" PRIu64 ",\"concurrency\":%d", env->seed,
                   env->concurrency);
    if (!has_opt(env, "op-timeout-ms"))
        fl_strbuf_addf(sb, ",\"op-timeout-ms\":%" PRId64,
                       op_timeout_ns / 1000000);
    fl_strbuf_addf(sb, ",\"answer-timeout-ms\":%" PRId64,
                   answer_timeout_ns / 1000000);
    fl_strbuf_addstr(sb, ",\"store-dir\":");
    if (env->store_dir)
        print_str(sb, env->store_dir);
    else
        fl_strbuf_addstr(sb, "null");
    for (uint32_t i = 0; o && o->kind == FL_V_MAP && i < o->n; i++) {
        const fl_val *k = &o->u.items[2 * i];
        if (k->kind != FL_V_KW)
            continue;
        const char *name = fl_kw_name(k->u.id);
        if (!strcmp(name, "name") || !strcmp(name, "seed") ||
            !strcmp(name, "concurrency") || !strcmp(name, "store-dir") ||
            !strcmp(name, "answer-timeout-ms"))
            continue;
        fl_strbuf_addch(sb, ',');
        print_str(sb, name);
        fl_strbuf_addch(sb, ':');
        fl_json_print_val(sb, &o->u.items[2 * i + 1]);
    }
    fl_strbuf_addch(sb, '}');
}

void
fl_client_proto_open(struct fl_strbuf *sb, const struct fl_env *env,
                     size_t node, int64_t op_timeout_ns,
                     int64_t answer_timeout_ns)
{
    fl_strbuf_addstr(sb, "{\"type\":\"open\",\"node\":");
    print_str(sb, node < env->nnodes ? env->nodes[node] : "");
    fl_strbuf_addstr(sb, ",\"nodes\":");
    print_nodes(sb, env);
    fl_strbuf_addstr(sb, ",\"test\":");
    print_test(sb, env, op_timeout_ns, answer_timeout_ns);
    fl_strbuf_addstr(sb, "}\n");
}

void
fl_client_proto_invoke(struct fl_strbuf *sb, const struct fl_env *env,
                       size_t node, const struct fl_op *op)
{
    fl_strbuf_addstr(sb, "{\"type\":\"invoke\",\"f\":");
    print_str(sb, fl_kw_name(op->f));
    fl_strbuf_addstr(sb, ",\"value\":");
    fl_json_print_val(sb, &op->value);
    fl_strbuf_addf(sb, ",\"process\":%" PRId32 ",\"node\":", op->process);
    print_str(sb, node < env->nnodes ? env->nodes[node] : "");
    fl_strbuf_addf(sb, ",\"time\":%" PRId64 ",\"index\":%" PRId64 "}\n",
                   op->time_ns, op->index);
}

void
fl_client_proto_close(struct fl_strbuf *sb)
{
    fl_strbuf_addstr(sb, "{\"type\":\"close\"}\n");
}

static int
parse_type(json_t *x, struct fl_client_proto_reply *r, struct fl_err *err)
{
    static const char *const names[] = {"ok", "fail", "info"};
    static const uint8_t types[] = {FL_OP_OK, FL_OP_FAIL, FL_OP_INFO};
    const char *s = json_is_string(x) ? json_string_value(x) : "";

    for (size_t i = 0; i < FL_ARRAY_SIZE(names); i++)
        if (strcmp(s, names[i]) == 0) {
            r->type = types[i];
            return 0;
        }
    return fl_err_set(err, FL_EPARSE,
                      "\"type\" must be \"ok\", \"fail\" or \"info\"");
}

static int
parse_echo(const char *key, json_t *x, struct fl_client_proto_reply *r,
           struct fl_err *err)
{
    if (key[0] == 'f') {
        if (!json_is_string(x) || json_string_length(x) == 0)
            return fl_err_set(err, FL_EPARSE, "\"f\" is not a name");
        r->f = fl_kw_intern(json_string_value(x), json_string_length(x));
        return 0;
    }
    if (!json_is_integer(x))
        return fl_err_set(err, FL_EPARSE, "\"%s\" is not an integer", key);
    if (key[0] == 'i') {
        r->has_index = true;
        r->index = json_integer_value(x);
    } else {
        r->has_process = true;
        r->process = json_integer_value(x);
    }
    return 0;
}

/* Member key: value as an extra key of the completion (key a keyword). */
static int
parse_extra(const char *key, json_t *x, struct fl_arena *a, fl_val *kv,
            struct fl_err *err)
{
    size_t n = strlen(key);
    char *kw = fl_xmalloc(n + 2);
    int rc;

    kw[0] = ':';
    memcpy(kw + 1, key, n + 1);
    json_t *ks = json_stringn(kw, n + 1);
    free(kw);
    rc = ks ? fl_json_to_val(ks, a, "member name", &kv[0], err)
            : fl_err_set(err, FL_EPARSE, "member name is not UTF-8");
    json_decref(ks);
    if (rc == 0 && kv[0].kind != FL_V_KW)
        rc = fl_err_set(err, FL_EPARSE, "bad member name");
    if (rc == 0)
        rc = fl_json_to_val(x, a, key, &kv[1], err);
    return rc;
}

static int
parse_members(json_t *o, struct fl_arena *a, struct fl_client_proto_reply *r,
              struct fl_err *err)
{
    fl_val extra[2 * PROTO_MAX_EXTRA];
    size_t nextra = 0;
    bool has_type = false;
    const char *key;
    json_t *x;
    int rc = 0;

    json_object_foreach(o, key, x)
    {
        if (strcmp(key, "type") == 0) {
            rc = parse_type(x, r, err);
            has_type = true;
        } else if (strcmp(key, "value") == 0) {
            rc = fl_json_to_val(x, a, "value", &r->value, err);
            r->has_value = true;
        } else if (!strcmp(key, "index") || !strcmp(key, "process") ||
                   !strcmp(key, "f")) {
            rc = parse_echo(key, x, r, err);
        } else if (!strcmp(key, "node") || !strcmp(key, "time")) {
            continue; /* an echo of the request: nothing to check */
        } else if (nextra == FL_ARRAY_SIZE(extra)) {
            rc = fl_err_set(err, FL_EPARSE, "more than %d members",
                            PROTO_MAX_EXTRA);
        } else {
            rc = parse_extra(key, x, a, &extra[nextra], err);
            nextra += 2;
        }
        if (rc < 0)
            return rc;
    }
    if (!has_type)
        return fl_err_set(err, FL_EPARSE, "no \"type\" member");
    if (nextra) {
        fl_val *m = fl_arena_alloc(a, sizeof(*m));
        *m = fl_val_map(a, extra, nextra / 2);
        r->extra = m;
    }
    return 0;
}

int
fl_client_proto_parse(const char *line, size_t len, struct fl_arena *a,
                      struct fl_client_proto_reply *r, struct fl_err *err)
{
    json_error_t je;
    json_t *o;
    int rc;

    memset(r, 0, sizeof(*r));
    r->value = fl_val_nil();
    if (len > FL_CLIENT_PROTO_MAX_LINE)
        return fl_err_set(err, FL_EPARSE, "line longer than %u bytes",
                          FL_CLIENT_PROTO_MAX_LINE);
    o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
    if (!o)
        return fl_err_set(err, FL_EPARSE, "not JSON (column %d: %s)", je.column,
                          je.text);
    if (json_is_object(o))
        rc = parse_members(o, a, r, err);
    else
        rc = fl_err_set(err, FL_EPARSE, "not a JSON object");
    json_decref(o);
    return rc;
}

int
fl_client_proto_match(const struct fl_client_proto_reply *r,
                      const struct fl_op *op, struct fl_err *err)
{
    if (r->has_index && r->index != op->index)
        return fl_err_set(err, FL_EPARSE,
                          "answers index %" PRId64 ", not %" PRId64, r->index,
                          op->index);
    if (r->has_process && r->process != op->process)
        return fl_err_set(err, FL_EPARSE,
                          "answers process %" PRId64 ", not %" PRId32,
                          r->process, op->process);
    if (r->f != FL_KW_NONE && r->f != op->f)
        return fl_err_set(err, FL_EPARSE, "answers f %s, not %s",
                          fl_kw_name(r->f), fl_kw_name(op->f));
    return 0;
}

void
fl_client_proto_apply(const struct fl_client_proto_reply *r, struct fl_op *out)
{
    out->type = r->type;
    if (r->has_value)
        out->value = r->value;
    out->extra = r->extra;
}
