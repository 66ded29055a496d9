/* SPDX-License-Identifier: MIT */
/*
 * model.c: the model registry, value interning and the helpers the model
 * files share. Interning maps equal fl_vals (fl_val_equal) to one uint32
 * id, so model states and compiled ops are plain word arrays that compare
 * with memcmp and hash with XXH3.
 */
#include "util/common.h"

#include "model/model.h"
#include "util/arena.h"
#include "util/err.h"
#include "util/strbuf.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

const struct fl_model_type *const fl_model_types[] = {
    &fl_model_register_type,        &fl_model_cas_register_type,
    &fl_model_mutex_type,           &fl_model_set_type,
    &fl_model_unordered_queue_type, &fl_model_fifo_queue_type,
    &fl_model_multi_register_type,  NULL,
};

const struct fl_model_type *
fl_model_find(const char *name)
{
    for (size_t i = 0; fl_model_types[i]; i++)
        if (strcmp(fl_model_types[i]->name, name) == 0)
            return fl_model_types[i];
    return NULL;
}

void
fl_model_init(struct fl_model *m, const struct fl_model_type *type)
{
    static const fl_val nil = {FL_V_NIL, 0, 0, 0, {.i = 0}};

    memset(m, 0, sizeof(*m));
    m->type = type;
    fl_map_init(&m->by_hash);
    fl_map_init(&m->by_int);
    FL_ALLOC_GROW(m->vals, 1, m->alloc);
    m->chain = fl_xcalloc(m->alloc, sizeof(*m->chain));
    m->vals[0] = &nil;
    m->nvals = 1;
}

void
fl_model_release(struct fl_model *m)
{
    if (!m)
        return;
    free(m->vals);
    free(m->chain);
    fl_map_release(&m->by_hash);
    fl_map_release(&m->by_int);
    memset(m, 0, sizeof(*m));
}

uint32_t
fl_model_intern(struct fl_model *m, const fl_val *v)
{
    if (v->kind == FL_V_NIL)
        return FL_MODEL_NIL;
    if (v->kind == FL_V_INT) {
        uint64_t *iv = fl_map_get(&m->by_int, (uint64_t)v->u.i);
        if (iv)
            return (uint32_t)*iv;
    }
    uint64_t h = fl_val_hash(v);
    uint64_t *slot = fl_map_get(&m->by_hash, h);
    if (slot) {
        for (uint32_t id = (uint32_t)*slot; id; id = m->chain[id])
            if (fl_val_equal(m->vals[id], v))
                return id;
    }
    size_t old = m->alloc;
    FL_ALLOC_GROW(m->vals, m->nvals + 1, m->alloc);
    if (m->alloc != old) {
        m->chain = fl_xrealloc(m->chain, m->alloc * sizeof(*m->chain));
        memset(m->chain + old, 0, (m->alloc - old) * sizeof(*m->chain));
    }
    uint32_t id = (uint32_t)m->nvals++;
    m->vals[id] = v;
    m->chain[id] = slot ? (uint32_t)*slot : 0;
    fl_map_put(&m->by_hash, h, id);
    if (v->kind == FL_V_INT)
        fl_map_put(&m->by_int, (uint64_t)v->u.i, id);
    return id;
}

const fl_val *
fl_model_val(const struct fl_model *m, uint32_t vid)
{
    if (vid >= m->nvals)
        FL_BUG("value id %u out of range", vid);
    return m->vals[vid];
}

bool
fl_model_state_equal(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
    return na == nb && (na == 0 || memcmp(a, b, na * sizeof(*a)) == 0);
}

uint64_t
fl_model_state_hash(const uint32_t *s, size_t ns)
{
    return XXH3_64bits(s, ns * sizeof(*s));
}

void
fl_model__sorted_insert(struct fl_vec_u32 *out, const uint32_t *s, size_t ns,
                        uint32_t x, bool unique)
{
    size_t i = 0;
    FL_VEC_RESERVE(out, ns + 1);
    while (i < ns && s[i] < x)
        out->v[out->n++] = s[i++];
    if (!(unique && i < ns && s[i] == x))
        out->v[out->n++] = x;
    while (i < ns)
        out->v[out->n++] = s[i++];
}

const fl_val *
fl_model__no_element(uint32_t f, const fl_val *value)
{
    FL_UNUSED(f);
    FL_UNUSED(value);
    return NULL;
}

fl_val
fl_model__vids_val(const struct fl_model *m, enum fl_val_kind kind,
                   const uint32_t *v, size_t n, struct fl_arena *a)
{
    fl_val *items = n ? fl_xmalloc(n * sizeof(*items)) : NULL;
    for (size_t i = 0; i < n; i++)
        items[i] = *fl_model_val(m, v[i]);
    fl_val r = fl_val_coll(a, kind, items, n);
    free(items);
    return r;
}

int
fl_model__bad_op(struct fl_model *m, uint32_t f, const fl_val *value,
                 struct fl_err *err, const char *why)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;
    fl_val_print_edn(&sb, value);
    int rc =
        fl_err_set(err, FL_EMODEL, "model %s: op :%s %.80s: %s", m->type->name,
                   f ? fl_kw_name(f) : "(no :f)", sb.buf, why);
    fl_strbuf_release(&sb);
    return rc;
}
