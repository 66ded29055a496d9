/* SPDX-License-Identifier: MIT */
/*
 * etcd-register.c: a complete faultline test of etcd against the installed
 * C API only (docs/own-system.md walks through it): etcd from Debian on
 * every node via the generic daemon DB, a libcurl client of its v3 JSON
 * gateway, the standard register workload (independent CAS registers
 * checked for linearizability), and faultline's faults. --cache-reads plants a
 * bug: reads are answered from what the client last saw.
 *
 *   cc -o etcd-register etcd-register.c \
 *      $(pkg-config --cflags --libs faultline libcurl jansson)
 *   ./etcd-register test --nemesis partition,kill,pause --time-limit 30
 */
#include <faultline.h>

#include <curl/curl.h>
#include <jansson.h>

static const struct fl_suite_opt opts[] = {
    {"data-dir", "DIR", "/var/lib/etcd-register", "members under DIR/<node>"},
    {"cache-reads", NULL, NULL, "planted bug: reads answered from a cache"},
    {NULL, NULL, NULL, NULL},
};

static const struct fl_daemon_db_file etcd_conf[] = {
    {"etcd.yml", "name: '{{node}}'\n"
                 "data-dir: '{{data}}'\n"
                 "listen-client-urls: 'http://0.0.0.0:2379'\n"
                 "advertise-client-urls: 'http://{{node}}:2379'\n"
                 "listen-peer-urls: 'http://0.0.0.0:2380'\n"
                 "initial-advertise-peer-urls: 'http://{{node}}:2380'\n"
                 "initial-cluster: '{{#nodes ,}}{{n}}=http://{{n}}:2380"
                 "{{/nodes}}'\n"
                 "enable-grpc-gateway: true\n"},
    {NULL, NULL},
};

static size_t
on_data(char *p, size_t size, size_t n, void *sb)
{
    fl_strbuf_add(sb, p, size * n);
    return size * n;
}

/* POST body (or GET when NULL) to the node's member through *h (made on
 * first use); the JSON reply, or NULL with *code the curl error. */
static json_t *
call(CURL **h_, const char *node, const char *path, const char *body,
     CURLcode *code)
{
    struct fl_strbuf url = FL_STRBUF_INIT, resp = FL_STRBUF_INIT;
    CURL *h = *h_ ? *h_ : (*h_ = curl_easy_init());
    json_t *j = NULL;

    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 2000L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    fl_strbuf_addf(&url, "http://%s:2379%s", node, path);
    curl_easy_setopt(h, CURLOPT_URL, url.buf);
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    if (body)
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &resp);
    *code = curl_easy_perform(h);
    if (*code == CURLE_OK)
        j = json_loadb(resp.buf, resp.len, 0, NULL);
    fl_strbuf_release(&url);
    fl_strbuf_release(&resp);
    return j;
}

static bool
healthy(const struct fl_env *env, size_t node, void *arg)
{
    CURL *h = NULL;
    CURLcode code;
    json_t *j = call(&h, env->nodes[node], "/health", NULL, &code);
    const char *v = json_string_value(json_object_get(j, "health"));
    bool ok = v && strcmp(v, "true") == 0;

    (void)arg;
    json_decref(j);
    curl_easy_cleanup(h);
    return ok;
}

struct client {
    CURL *h;
    int64_t cache[64]; /* planted bug: 1 + last value seen per key, 0 none */
};

static int
client_open(struct fl_client *c, const struct fl_env *env, struct fl_err *err)
{
    (void)env, (void)err;
    c->ctx = fl_xcalloc(1, sizeof(struct client));
    return 0;
}

static void
client_close(struct fl_client *c, const struct fl_env *env)
{
    struct client *cl = c->ctx;

    (void)env;
    curl_easy_cleanup(cl->h);
    free(cl);
}

static char *
b64_int(const char *fmt, int64_t v)
{
    struct fl_strbuf raw = FL_STRBUF_INIT, out = FL_STRBUF_INIT;

    fl_strbuf_addf(&raw, fmt, v);
    fl_base64_encode(&out, raw.buf, raw.len);
    fl_strbuf_release(&raw);
    return fl_strbuf_detach(&out, NULL);
}

/* The request body for op on key k. */
static char *
request(uint32_t f, int64_t k, const fl_val *v, const char **path)
{
    char *key = b64_int("r%" PRId64, k), *a = NULL, *b = NULL;
    char *body;

    if (f == FL_KW_READ) {
        *path = "/v3/kv/range";
        body = fl_xasprintf("{\"key\":\"%s\"}", key);
    } else if (f == FL_KW_WRITE) {
        *path = "/v3/kv/put";
        a = b64_int("%" PRId64, v->u.i);
        body = fl_xasprintf("{\"key\":\"%s\",\"value\":\"%s\"}", key, a);
    } else {
        *path = "/v3/kv/txn";
        a = b64_int("%" PRId64, v->u.items[0].u.i);
        b = b64_int("%" PRId64, v->u.items[1].u.i);
        body = fl_xasprintf(
            "{\"compare\":[{\"key\":\"%s\",\"target\":\"VALUE\","
            "\"result\":\"EQUAL\",\"value\":\"%s\"}],\"success\":"
            "[{\"requestPut\":{\"key\":\"%s\",\"value\":\"%s\"}}]}",
            key, a, key, b);
    }
    free(key), free(a), free(b);
    return body;
}

/* Map the reply onto the op. Jepsen's rule: :fail only when the op
 * certainly had no effect; a timeout of a write or cas is :info. */
static void
complete(struct client *cl, const struct fl_op *op, int64_t k, json_t *j,
         CURLcode code, struct fl_arena *a, struct fl_op *out)
{
    if (!j) {
        bool refused = code == CURLE_COULDNT_CONNECT;
        out->type = refused || op->f == FL_KW_READ ? FL_OP_FAIL : FL_OP_INFO;
        fl_op_set_error(out, a, curl_easy_strerror(code));
    } else if (json_object_get(j, "error")) {
        out->type = op->f == FL_KW_READ ? FL_OP_FAIL : FL_OP_INFO;
        fl_op_set_error(out, a, json_string_value(json_object_get(j, "error")));
    } else if (op->f == FL_KW_READ) {
        json_t *kv = json_array_get(json_object_get(j, "kvs"), 0);
        const char *b64 = json_string_value(json_object_get(kv, "value"));
        struct fl_strbuf v = FL_STRBUF_INIT;
        bool some = b64 && fl_base64_decode(&v, b64, strlen(b64)) == 0;
        fl_val r[2] = {fl_val_int(k), fl_val_int(strtoll(v.buf, NULL, 10))};
        if (!some)
            r[1] = fl_val_nil();
        out->type = FL_OP_OK;
        out->value = fl_val_coll(a, FL_V_VEC, r, 2);
        cl->cache[k % 64] = some ? r[1].u.i + 1 : 0;
        fl_strbuf_release(&v);
    } else if (op->f == FL_KW_CAS &&
               !json_is_true(json_object_get(j, "succeeded"))) {
        out->type = FL_OP_FAIL;
    } else {
        const fl_val *v = &op->value.u.items[1];
        out->type = FL_OP_OK;
        cl->cache[k % 64] =
            1 + (op->f == FL_KW_CAS ? v->u.items[1].u.i : v->u.i);
    }
}

static int
client_invoke(struct fl_client *c, const struct fl_env *env,
              const struct fl_op *op, struct fl_arena *a, struct fl_op *out,
              struct fl_err *err)
{
    struct client *cl = c->ctx;
    int64_t k = op->value.u.items[0].u.i;
    const char *path;
    CURLcode code;

    (void)err;
    if (op->f == FL_KW_READ && cl->cache[k % 64] > 0 &&
        fl_env_opt_bool(env, "cache-reads", false)) {
        fl_val kv[2] = {fl_val_int(k), fl_val_int(cl->cache[k % 64] - 1)};
        out->type = FL_OP_OK;
        out->value = fl_val_coll(a, FL_V_VEC, kv, 2);
        return 0;
    }
    char *body = request(op->f, k, &op->value.u.items[1], &path);
    json_t *j = call(&cl->h, env->nodes[c->node], path, body, &code);
    complete(cl, op, k, j, code, a, out);
    json_decref(j);
    free(body);
    return 0;
}

static const struct fl_client_type client_type = {
    .name = "etcd-register",
    .open = client_open,
    .invoke = client_invoke,
    .close = client_close,
};

static int
build(struct fl_test *t, struct fl_err *err)
{
    const struct fl_env *env = &t->env;
    struct fl_daemon_db_desc db = {
        .name = "etcd",
        .binary = "etcd",
        .packages = (const char *const[]){"etcd-server", NULL},
        .args =
            (const char *const[]){"--config-file", "{{dir}}/etcd.yml", NULL},
        .files = etcd_conf,
        .dir = fl_env_opt_str(env, "data-dir", NULL),
        .healthy = healthy,
    };
    unsigned faults = 0;

    if (fl_nemesis_faults_parse(fl_env_opt_str(env, "nemesis", "none"), &faults,
                                err) != 0)
        return FL_EUSAGE;
    t->db = fl_daemon_db_new(&db, err);
    if (!t->db)
        return FL_EUSAGE;
    if (fl_env_opt_bool(env, "cache-reads", false))
        fl_test_set_name(t, "etcd-register-cache-reads");
    t->client.type = &client_type;
    struct fl_workload w = {0};
    struct fl_wl_register_opts wo = {.concurrency = t->concurrency,
                                     .threads_per_key =
                                         fl_wl_divisor(t->concurrency, 3),
                                     .ops_per_key = 200};
    if (fl_wl_register(&wo, &w, err) != 0)
        return FL_EUSAGE;
    t->generator = w.generator;
    t->checker = w.checker;
    struct fl_nemesis_opts no = {
        .faults = faults, .interval_ns = t->nemesis_interval_ns, .db = t->db};
    return fl_nemesis_combined(&no, &t->nemesis, err);
}

static const char *const workloads[] = {"register", NULL};
static const char *const nemeses[] = {"none", "partition,kill,pause", "packet",
                                      NULL};

static const struct fl_suite suite = {
    .name = "etcd-register",
    .summary = "etcd through its JSON gateway: linearizable CAS registers",
    .opts = opts,
    .workloads = workloads,
    .nemeses = nemeses,
    .build = build,
};

int
main(int argc, char **argv)
{
    const struct fl_suite *const suites[] = {&suite, NULL};

    curl_global_init(CURL_GLOBAL_DEFAULT);
    return fl_main(argc, argv, suites);
}
