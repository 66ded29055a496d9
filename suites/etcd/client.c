/* SPDX-License-Identifier: MIT */
/*
 * client.c: etcd's v3 JSON gateway (grpc-gateway) over HTTP/1.1 with
 * libcurl. One easy handle per connection object keeps one TCP connection
 * alive across requests, so a worker pays no handshake per op. Keys and
 * values travel base64-encoded; int64 fields come back as JSON strings and
 * false/zero fields are omitted (proto3 JSON). Every response is turned
 * into a completion by fl_etcd_outcome_from(), the one place that decides
 * :ok, :fail or :info.
 */
#include "util/common.h"

#include "suites/etcd/etcd.h"

#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>

#include "history/op.h"
#include "util/base64.h"
#include "util/err.h"

#define ETCD_MAX_BODY_BYTES (8u << 20)

struct fl_etcd_conn {
    CURL *curl;                   /* one easy handle: one connection */
    char *base_url;               /* "http://host:port", no slash */
    int64_t timeout_ms;           /* per request, connect included */
    struct fl_strbuf body;        /* last response body */
    struct fl_strbuf url;         /* scratch: base_url + path */
    struct curl_slist *headers;   /* Content-Type: application/json */
    char errbuf[CURL_ERROR_SIZE]; /* curl's message for the last error */
    bool alive; /* the last transfer left a kept-alive connection */
};

/* ---- response -> completion ---- */

static void outcome_set(struct fl_etcd_outcome *o, int type, const char *error,
                        const char *fmt, ...) FL_PRINTF(4, 5);

static void
outcome_set(struct fl_etcd_outcome *o, int type, const char *error,
            const char *fmt, ...)
{
    va_list ap;

    o->type = type;
    o->error = error;
    va_start(ap, fmt);
    vsnprintf(o->detail, sizeof(o->detail), fmt, ap);
    va_end(ap);
}

static bool
req_is_read(enum fl_etcd_req req)
{
    return req == FL_ETCD_RANGE || req == FL_ETCD_RANGE_PREFIX;
}

/* An int64 that the gateway prints as a JSON string (or, rarely, number). */
static bool
json_int64(const json_t *j, int64_t *out)
{
    if (json_is_integer(j)) {
        *out = json_integer_value(j);
        return true;
    }
    if (!json_is_string(j))
        return false;
    const char *s = json_string_value(j);
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end)
        return false;
    *out = v;
    return true;
}

/* Decode one kv's base64 value as a decimal int64. */
static bool
kv_value(const json_t *kv, int64_t *out)
{
    const json_t *jv = json_object_get(kv, "value");
    struct fl_strbuf sb = FL_STRBUF_INIT;
    bool ok = false;

    /* proto3 JSON omits an empty value; the suite never writes one. */
    if (!json_is_string(jv))
        goto out;
    if (fl_base64_decode(&sb, json_string_value(jv), json_string_length(jv)) !=
        0)
        goto out;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(sb.buf, &end, 10);
    if (errno || end == sb.buf || *end)
        goto out;
    *out = v;
    ok = true;
out:
    fl_strbuf_release(&sb);
    return ok;
}

/* A gRPC error carried by a non-200 reply: definite or not. */
static void
outcome_server_error(enum fl_etcd_req req, long status, const json_t *root,
                     const char *body, struct fl_etcd_outcome *o)
{
    int64_t code = -1;
    const char *msg = NULL;
    int fail = req_is_read(req) ? FL_OP_FAIL : FL_OP_INFO;

    if (json_is_object(root)) {
        json_int64(json_object_get(root, "code"), &code);
        msg = json_string_value(json_object_get(root, "message"));
        if (!msg)
            msg = json_string_value(json_object_get(root, "error"));
    }
    if (!msg) {
        /* Not a gateway error object: a proxy page, "Not Found", ... */
        size_t n = strcspn(body, "\r\n");
        if (status == 404) {
            outcome_set(o, FL_OP_FAIL, "not-found", "HTTP 404: %.*s",
                        (int)FL_MIN(n, (size_t)100), body);
            return;
        }
        outcome_set(o, fail, "http-error", "HTTP %ld: %.*s", status,
                    (int)FL_MIN(n, (size_t)100), body);
        return;
    }
    /*
     * Rejected before any proposal: InvalidArgument (3), PermissionDenied
     * (7), ResourceExhausted (8, "too many requests"), Unauthenticated
     * (16). Everything else (Unknown 2 "context deadline exceeded",
     * Unavailable 14 "request timed out"/"leader changed"/"no leader",
     * DeadlineExceeded 4, ...) may follow a proposal that later commits.
     */
    if (code == 3 || code == 7 || code == 8 || code == 16)
        fail = FL_OP_FAIL;

    const char *kw = "server-error";
    if (strstr(msg, "request timed out"))
        kw = "request-timed-out";
    else if (strstr(msg, "deadline exceeded"))
        kw = "deadline-exceeded";
    else if (strstr(msg, "leader changed"))
        kw = "leader-changed";
    else if (strstr(msg, "no leader"))
        kw = "no-leader";
    else if (strstr(msg, "too many requests"))
        kw = "too-many-requests";
    else if (code == 3)
        kw = "invalid-argument";
    else if (code == 14)
        kw = "unavailable";
    outcome_set(o, fail, kw, "HTTP %ld, code %" PRId64 ": %s", status, code,
                msg);
}

/* A 200 reply: decode it for the request kind. */
static void
outcome_ok_body(enum fl_etcd_req req, const json_t *root,
                struct fl_etcd_outcome *o)
{
    int bad = req_is_read(req) ? FL_OP_FAIL : FL_OP_INFO;
    const json_t *header = json_object_get(root, "header");
    const json_t *kvs = json_object_get(root, "kvs");

    if (!json_is_object(root) || !json_is_object(header)) {
        outcome_set(o, bad, "malformed-response", "no header in 200 reply");
        return;
    }
    json_int64(json_object_get(header, "revision"), &o->revision);
    if (kvs && !json_is_array(kvs)) {
        outcome_set(o, bad, "malformed-response", "kvs is not an array");
        return;
    }
    switch (req) {
    case FL_ETCD_RANGE:
        if (json_array_size(kvs) > 1) {
            outcome_set(o, FL_OP_FAIL, "malformed-response",
                        "%zu kvs for one key", json_array_size(kvs));
            return;
        }
        if (json_array_size(kvs) == 1) {
            if (!kv_value(json_array_get(kvs, 0), &o->value)) {
                outcome_set(o, FL_OP_FAIL, "bad-value",
                            "stored value is not a decimal integer");
                return;
            }
            o->found = true;
        }
        break;
    case FL_ETCD_RANGE_PREFIX:
        for (size_t i = 0; i < json_array_size(kvs); i++) {
            int64_t v;
            if (!kv_value(json_array_get(kvs, i), &v)) {
                outcome_set(o, FL_OP_FAIL, "bad-value",
                            "stored value is not a decimal integer");
                o->values.n = 0;
                return;
            }
            FL_VEC_PUSH(&o->values, v);
        }
        o->found = o->values.n > 0;
        break;
    case FL_ETCD_PUT:
        break;
    case FL_ETCD_CAS:
        /* proto3 omits "succeeded" when it is false. */
        if (!json_is_true(json_object_get(root, "succeeded"))) {
            outcome_set(o, FL_OP_FAIL, "compare-failed",
                        "the compare was false; nothing was written");
            return;
        }
        break;
    }
    o->type = FL_OP_OK;
}

void
fl_etcd_outcome_from(enum fl_etcd_req req, const struct fl_etcd_resp *r,
                     struct fl_etcd_outcome *o)
{
    json_t *root = NULL;
    json_error_t jerr;

    memset(o, 0, sizeof(*o));
    o->revision = -1;

    if (r->curl_code != CURLE_OK) {
        const char *what = curl_easy_strerror((CURLcode)r->curl_code);
        switch (r->curl_code) {
        case CURLE_COULDNT_CONNECT:
            /*
             * On a fresh connection nothing was sent: safe to call :fail
             * even for writes. After a kept-alive one, libcurl may have
             * sent the request there first and retried when it died.
             */
            if (r->reused && !req_is_read(req))
                outcome_set(o, FL_OP_INFO, "connection-lost",
                            "%s (after a kept-alive connection died)", what);
            else
                outcome_set(o, FL_OP_FAIL, "connection-refused", "%s", what);
            break;
        case CURLE_OPERATION_TIMEDOUT:
            outcome_set(o, req_is_read(req) ? FL_OP_FAIL : FL_OP_INFO,
                        "timeout", "%s", what);
            break;
        default:
            outcome_set(o, req_is_read(req) ? FL_OP_FAIL : FL_OP_INFO,
                        "connection-error", "curl error %d: %s", r->curl_code,
                        what);
            break;
        }
        goto out;
    }
    root =
        json_loadb(r->body ? r->body : "", r->body ? r->body_len : 0, 0, &jerr);
    if (r->http_status != 200) {
        outcome_server_error(req, r->http_status, root, r->body ? r->body : "",
                             o);
        goto out;
    }
    if (!root) {
        outcome_set(o, req_is_read(req) ? FL_OP_FAIL : FL_OP_INFO,
                    "malformed-response", "bad JSON at %d:%d: %s", jerr.line,
                    jerr.column, jerr.text);
        goto out;
    }
    outcome_ok_body(req, root, o);
out:
    json_decref(root);
}

void
fl_etcd_outcome_release(struct fl_etcd_outcome *o)
{
    if (!o)
        return;
    FL_VEC_RELEASE(&o->values);
}

/* ---- the connection ---- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void
curl_global(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t
on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    struct fl_etcd_conn *c = ud;
    size_t n = size * nmemb;

    if (c->body.len + n > ETCD_MAX_BODY_BYTES)
        return 0; /* curl reports CURLE_WRITE_ERROR */
    fl_strbuf_add(&c->body, data, n);
    return n;
}

struct fl_etcd_conn *
fl_etcd_conn_new(const char *base_url, int64_t timeout_ms)
{
    struct fl_etcd_conn *c = fl_xcalloc(1, sizeof(*c));

    pthread_once(&curl_once, curl_global);
    c->curl = curl_easy_init();
    if (!c->curl)
        FL_BUG("curl_easy_init failed");
    c->base_url = fl_xstrdup(base_url);
    c->timeout_ms = timeout_ms;
    fl_strbuf_init(&c->body, 0);
    fl_strbuf_init(&c->url, 0);
    c->headers = curl_slist_append(NULL, "Content-Type: application/json");

    CURL *h = c->curl;
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L); /* threads: no SIGALRM */
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     (long)FL_MIN(timeout_ms, (int64_t)2000));
    curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->headers);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
    curl_easy_setopt(h, CURLOPT_PROXY, ""); /* ignore http_proxy */
    curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    return c;
}

void
fl_etcd_conn_free(struct fl_etcd_conn *c)
{
    if (!c)
        return;
    curl_easy_cleanup(c->curl);
    curl_slist_free_all(c->headers);
    fl_strbuf_release(&c->body);
    fl_strbuf_release(&c->url);
    free(c->base_url);
    free(c);
}

const char *
fl_etcd_conn_url(const struct fl_etcd_conn *c)
{
    return c->base_url;
}

static void
conn_request(struct fl_etcd_conn *c, const char *path, const char *json,
             struct fl_etcd_resp *r)
{
    CURL *h = c->curl;
    long status = 0;

    fl_strbuf_reset(&c->body);
    fl_strbuf_reset(&c->url);
    fl_strbuf_addf(&c->url, "%s%s", c->base_url, path);
    c->errbuf[0] = '\0';
    curl_easy_setopt(h, CURLOPT_URL, c->url.buf);
    if (json) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, json);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(json));
    } else {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    }
    r->reused = c->alive;
    CURLcode rc = curl_easy_perform(h);
    if (rc == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    /* libcurl closes the connection after any transport error. */
    c->alive = rc == CURLE_OK;
    r->curl_code = (int)rc;
    r->http_status = status;
    r->body = c->body.buf;
    r->body_len = c->body.len;
}

void
fl_etcd_conn_post(struct fl_etcd_conn *c, const char *path, const char *json,
                  struct fl_etcd_resp *r)
{
    conn_request(c, path, json, r);
}

/* Encode key into a JSON string field value (base64). */
static char *
b64_cstr(const char *s, size_t n)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;
    fl_base64_encode(&sb, s, n);
    return fl_strbuf_detach(&sb, NULL);
}

static char *
b64_int(int64_t v)
{
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%" PRId64, v);
    return b64_cstr(buf, (size_t)n);
}

static void
do_json(struct fl_etcd_conn *c, enum fl_etcd_req req, const char *path,
        json_t *body, struct fl_etcd_outcome *out)
{
    char *json = json_dumps(body, JSON_COMPACT);
    struct fl_etcd_resp r;

    if (!json)
        FL_BUG("json_dumps failed");
    conn_request(c, path, json, &r);
    fl_etcd_outcome_from(req, &r, out);
    if (out->type != FL_OP_OK && c->errbuf[0] && r.curl_code != 0)
        snprintf(out->detail, sizeof(out->detail), "%.150s", c->errbuf);
    free(json);
    json_decref(body);
}

void
fl_etcd_get(struct fl_etcd_conn *c, const char *key, bool serializable,
            struct fl_etcd_outcome *out)
{
    char *k = b64_cstr(key, strlen(key));
    json_t *body = json_pack("{ss}", "key", k);

    if (serializable)
        json_object_set_new(body, "serializable", json_true());
    do_json(c, FL_ETCD_RANGE, "/v3/kv/range", body, out);
    free(k);
}

void
fl_etcd_get_prefix(struct fl_etcd_conn *c, const char *prefix,
                   bool serializable, struct fl_etcd_outcome *out)
{
    size_t n = strlen(prefix);
    char *k = b64_cstr(prefix, n);
    /* range_end = prefix with its last byte incremented (etcd's idiom). */
    char *end = fl_xstrdup(prefix);
    if (n == 0 || (unsigned char)end[n - 1] == 0xff)
        FL_BUG("prefix must be non-empty and not end in 0xff");
    end[n - 1] = (char)((unsigned char)end[n - 1] + 1);
    char *e = b64_cstr(end, n);
    json_t *body = json_pack("{ssss}", "key", k, "range_end", e);

    if (serializable)
        json_object_set_new(body, "serializable", json_true());
    do_json(c, FL_ETCD_RANGE_PREFIX, "/v3/kv/range", body, out);
    free(k);
    free(end);
    free(e);
}

void
fl_etcd_put(struct fl_etcd_conn *c, const char *key, int64_t value,
            struct fl_etcd_outcome *out)
{
    char *k = b64_cstr(key, strlen(key));
    char *v = b64_int(value);

    do_json(c, FL_ETCD_PUT, "/v3/kv/put",
            json_pack("{ssss}", "key", k, "value", v), out);
    free(k);
    free(v);
}

void
fl_etcd_cas(struct fl_etcd_conn *c, const char *key, int64_t expect,
            int64_t value, struct fl_etcd_outcome *out)
{
    char *k = b64_cstr(key, strlen(key));
    char *old = b64_int(expect);
    char *v = b64_int(value);
    json_t *body =
        json_pack("{s:[{s:s,s:s,s:s,s:s}],s:[{s:{s:s,s:s}}]}", "compare",
                  "target", "VALUE", "key", k, "result", "EQUAL", "value", old,
                  "success", "requestPut", "key", k, "value", v);

    do_json(c, FL_ETCD_CAS, "/v3/kv/txn", body, out);
    free(k);
    free(old);
    free(v);
}

/* Member ids are uint64 printed as decimal strings. */
static uint64_t
json_u64(const json_t *j)
{
    if (!json_is_string(j))
        return 0;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(json_string_value(j), &end, 10);
    if (errno || *end)
        return 0;
    return v;
}

uint64_t
fl_etcd_leader_id(struct fl_etcd_conn *c, uint64_t *self_id)
{
    struct fl_etcd_resp r;
    json_t *root = NULL;
    uint64_t leader = 0;

    if (self_id)
        *self_id = 0;
    conn_request(c, "/v3/maintenance/status", "{}", &r);
    if (r.curl_code != 0 || r.http_status != 200)
        return 0;
    root = json_loadb(r.body, r.body_len, 0, NULL);
    if (!root)
        return 0;
    leader = json_u64(json_object_get(root, "leader"));
    if (self_id)
        *self_id = json_u64(
            json_object_get(json_object_get(root, "header"), "member_id"));
    json_decref(root);
    return leader;
}

bool
fl_etcd_healthy(struct fl_etcd_conn *c)
{
    struct fl_etcd_resp r;
    json_t *root = NULL;
    bool ok = false;

    conn_request(c, "/health", NULL, &r);
    if (r.curl_code != 0 || r.http_status != 200)
        return false;
    root = json_loadb(r.body, r.body_len, 0, NULL);
    ok =
        root && json_is_string(json_object_get(root, "health")) &&
        strcmp(json_string_value(json_object_get(root, "health")), "true") == 0;
    json_decref(root);
    return ok;
}
