/* SPDX-License-Identifier: MIT */
/*
 * services.c: the services of services.h. lin-kv and seq-kv share one
 * versioned store: every write gets the next global version, and each key
 * keeps its (version, value) history. lin-kv always reads the newest
 * state; seq-kv reads the state at a version drawn between the caller's
 * last observed version and the newest (so a caller never goes back in
 * time, and a write or cas of its own brings it up to date). cas is
 * decided against the newest state in both. lww-kv keeps five replicas of
 * {key: (timestamp, value)}; each request goes to a random replica, and
 * one random pair of replicas merges (last write wins) every few requests.
 */
#include "util/common.h"

#include "services.h"

#include "util/map.h"
#include "util/rng.h"
#include "util/vec.h"
#include "util/xalloc.h"

#define LWW_REPLICAS 5

const char *const fl_msvc_names[FL_MSVC_COUNT] = {"lin-kv", "seq-kv", "lww-kv",
                                                  "lin-tso"};

struct ver {
    uint64_t v;
    json_t *val; /* owned */
};

struct vkey {
    struct ver *vs;
    size_t n, alloc;
};

/* A versioned key-value store. */
struct vstore {
    struct fl_strmap idx; /* canonical key text -> index into keys */
    struct vkey *keys;
    size_t nkeys, akeys;
    uint64_t latest;
    struct fl_map seen; /* caller address -> version observed */
};

struct lww_ent {
    uint64_t ts;
    json_t *val;
};

struct lww_rep {
    struct fl_strmap idx; /* key text -> index into ents */
    struct lww_ent *ents;
    size_t nents, aents;
};

struct fl_msvc {
    struct vstore lin, seq;
    struct lww_rep lww[LWW_REPLICAS];
    uint64_t lww_clock;
    int64_t tso;
    struct fl_rng rng;
};

struct fl_msvc *
fl_msvc_new(uint64_t seed)
{
    struct fl_msvc *s = fl_xcalloc(1, sizeof(*s));

    fl_strmap_init(&s->lin.idx);
    fl_strmap_init(&s->seq.idx);
    fl_map_init(&s->lin.seen);
    fl_map_init(&s->seq.seen);
    for (int r = 0; r < LWW_REPLICAS; r++)
        fl_strmap_init(&s->lww[r].idx);
    fl_rng_seed(&s->rng, seed ^ 0x73657276696365ull);
    return s;
}

static void
vstore_release(struct vstore *st)
{
    for (size_t k = 0; k < st->nkeys; k++) {
        for (size_t i = 0; i < st->keys[k].n; i++)
            json_decref(st->keys[k].vs[i].val);
        free(st->keys[k].vs);
    }
    free(st->keys);
    fl_strmap_release(&st->idx);
    fl_map_release(&st->seen);
}

void
fl_msvc_free(struct fl_msvc *s)
{
    if (!s)
        return;
    vstore_release(&s->lin);
    vstore_release(&s->seq);
    for (int r = 0; r < LWW_REPLICAS; r++) {
        for (size_t i = 0; i < s->lww[r].nents; i++)
            json_decref(s->lww[r].ents[i].val);
        free(s->lww[r].ents);
        fl_strmap_release(&s->lww[r].idx);
    }
    free(s);
}

/* ---- replies ---- */

static json_t *
reply(json_t *req, const char *type)
{
    json_t *r = json_object();

    json_object_set_new(r, "type", json_string(type));
    json_object_set(r, "in_reply_to", json_object_get(req, "msg_id"));
    return r;
}

static json_t *
error(json_t *req, int code, const char *text)
{
    json_t *r = reply(req, "error");

    json_object_set_new(r, "code", json_integer(code));
    json_object_set_new(r, "text", json_string(text));
    return r;
}

static json_t *
ok_type(json_t *req)
{
    char buf[64];

    snprintf(buf, sizeof(buf), "%s_ok",
             json_string_value(json_object_get(req, "type")));
    return reply(req, buf);
}

/* ---- the versioned store ---- */

static struct vkey *
vkey(struct vstore *st, const char *key, bool create)
{
    uint64_t *ix = fl_strmap_get(&st->idx, key, strlen(key));

    if (ix)
        return &st->keys[*ix];
    if (!create)
        return NULL;
    FL_ALLOC_GROW(st->keys, st->nkeys + 1, st->akeys);
    memset(&st->keys[st->nkeys], 0, sizeof(struct vkey));
    fl_strmap_put(&st->idx, key, strlen(key), st->nkeys);
    return &st->keys[st->nkeys++];
}

/* The value of k at version v (borrowed), or NULL. */
static json_t *
value_at(const struct vkey *k, uint64_t v)
{
    if (!k)
        return NULL;
    for (size_t i = k->n; i > 0; i--)
        if (k->vs[i - 1].v <= v)
            return k->vs[i - 1].val;
    return NULL;
}

static void
observe(struct vstore *st, int caller, uint64_t v)
{
    fl_map_put(&st->seen, (uint64_t)caller, v);
}

static void
put(struct vstore *st, struct vkey *k, int caller, json_t *val)
{
    struct ver nv = {++st->latest, json_incref(val)};

    FL_ALLOC_GROW(k->vs, k->n + 1, k->alloc);
    k->vs[k->n++] = nv;
    observe(st, caller, st->latest);
}

static uint64_t
read_version(struct fl_msvc *s, struct vstore *st, int caller, bool stale)
{
    uint64_t *seen = fl_map_get(&st->seen, (uint64_t)caller);
    uint64_t lo = seen ? *seen : 0, v = st->latest;

    if (stale && st->latest > lo)
        v = lo + fl_rng_below(&s->rng, st->latest - lo + 1);
    observe(st, caller, v);
    return v;
}

static json_t *
kv_handle(struct fl_msvc *s, struct vstore *st, bool stale, int caller,
          json_t *req, const char *type, const char *key)
{
    struct vkey *k = vkey(st, key, false);

    if (strcmp(type, "read") == 0) {
        json_t *v = value_at(k, read_version(s, st, caller, stale));
        if (!v)
            return error(req, 20, "key does not exist");
        json_t *r = ok_type(req);
        json_object_set(r, "value", v);
        return r;
    }
    if (strcmp(type, "write") == 0) {
        json_t *v = json_object_get(req, "value");
        if (!v)
            return error(req, 12, "write needs a value");
        put(st, vkey(st, key, true), caller, v);
        return ok_type(req);
    }
    json_t *from = json_object_get(req, "from"),
           *to = json_object_get(req, "to");
    if (!from || !to)
        return error(req, 12, "cas needs from and to");
    json_t *cur = value_at(k, st->latest);
    observe(st, caller, st->latest);
    if (!cur && !json_is_true(json_object_get(req, "create_if_not_exists")))
        return error(req, 20, "key does not exist");
    if (cur && !json_equal(cur, from)) {
        char *c = json_dumps(cur, JSON_ENCODE_ANY | JSON_COMPACT);
        char *f = json_dumps(from, JSON_ENCODE_ANY | JSON_COMPACT);
        char text[256];
        snprintf(text, sizeof(text), "current value %s is not %s", c, f);
        free(c);
        free(f);
        return error(req, 22, text);
    }
    put(st, vkey(st, key, true), caller, to);
    return ok_type(req);
}

/* ---- lww-kv ---- */

static struct lww_ent *
lww_ent(struct fl_msvc *s, int r, const char *key, bool create)
{
    struct lww_rep *rep = &s->lww[r];
    uint64_t *ix = fl_strmap_get(&rep->idx, key, strlen(key));

    if (ix)
        return &rep->ents[*ix];
    if (!create)
        return NULL;
    FL_ALLOC_GROW(rep->ents, rep->nents + 1, rep->aents);
    rep->ents[rep->nents] = (struct lww_ent){0, NULL};
    fl_strmap_put(&rep->idx, key, strlen(key), rep->nents);
    return &rep->ents[rep->nents++];
}

static void
lww_set(struct lww_ent *e, uint64_t ts, json_t *val)
{
    if (ts <= e->ts)
        return;
    json_decref(e->val);
    e->val = json_incref(val);
    e->ts = ts;
}

static void
lww_gossip(struct fl_msvc *s)
{
    int a = (int)fl_rng_below(&s->rng, LWW_REPLICAS);
    int b = (int)fl_rng_below(&s->rng, LWW_REPLICAS);
    size_t pos = 0, n;
    const char *key;
    uint64_t ix;

    while (fl_strmap_next(&s->lww[a].idx, &pos, &key, &n, &ix)) {
        struct lww_ent *src = &s->lww[a].ents[ix];
        char *k = fl_xstrndup(key, n);
        lww_set(lww_ent(s, b, k, true), src->ts, src->val);
        free(k);
    }
}

static json_t *
lww_handle(struct fl_msvc *s, json_t *req, const char *type, const char *key)
{
    int r = (int)fl_rng_below(&s->rng, LWW_REPLICAS);
    struct lww_ent *e = lww_ent(s, r, key, false);

    if (fl_rng_below(&s->rng, 4) == 0)
        lww_gossip(s);
    if (strcmp(type, "read") == 0) {
        if (!e || !e->val)
            return error(req, 20, "key does not exist");
        json_t *rep = ok_type(req);
        json_object_set(rep, "value", e->val);
        return rep;
    }
    json_t *to =
        json_object_get(req, strcmp(type, "write") == 0 ? "value" : "to");
    if (!to)
        return error(req, 12, "missing value");
    if (strcmp(type, "cas") == 0) {
        json_t *from = json_object_get(req, "from");
        if ((!e || !e->val) &&
            !json_is_true(json_object_get(req, "create_if_not_exists")))
            return error(req, 20, "key does not exist");
        if (e && e->val && (!from || !json_equal(e->val, from)))
            return error(req, 22, "precondition failed");
    }
    lww_set(lww_ent(s, r, key, true), ++s->lww_clock, to);
    return ok_type(req);
}

/* ---- dispatch ---- */

json_t *
fl_msvc_handle(struct fl_msvc *s, enum fl_msvc_kind kind, int caller,
               json_t *body)
{
    const char *type = json_string_value(json_object_get(body, "type"));
    json_t *key, *r;
    char *ks;

    if (!json_object_get(body, "msg_id"))
        return NULL;
    if (!type)
        return error(body, 12, "no type");
    if (kind == FL_MSVC_LIN_TSO) {
        if (strcmp(type, "ts") != 0)
            return error(body, 10, "lin-tso only knows ts");
        r = ok_type(body);
        json_object_set_new(r, "ts", json_integer(++s->tso));
        return r;
    }
    if (strcmp(type, "read") != 0 && strcmp(type, "write") != 0 &&
        strcmp(type, "cas") != 0)
        return error(body, 10, "kv services know read, write and cas");
    key = json_object_get(body, "key");
    if (!key)
        return error(body, 12, "no key");
    ks = json_dumps(key, JSON_ENCODE_ANY | JSON_COMPACT | JSON_SORT_KEYS);
    if (kind == FL_MSVC_LWW_KV)
        r = lww_handle(s, body, type, ks);
    else if (kind == FL_MSVC_SEQ_KV)
        r = kv_handle(s, &s->seq, true, caller, body, type, ks);
    else
        r = kv_handle(s, &s->lin, false, caller, body, type, ks);
    free(ks);
    return r;
}
