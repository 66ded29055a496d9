/* SPDX-License-Identifier: MIT */
/*
 * map.c: open addressing with linear probing. The load factor stays under
 * 3/4 counting tombstones; growth rehashes into a table twice the size.
 */
#include "util/common.h"

#include "util/map.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

uint64_t
fl_hash_bytes(const void *p, size_t n)
{
    return XXH3_64bits(p, n);
}

uint64_t
fl_hash_u64(uint64_t x)
{
    /* splitmix64 finaliser: cheap and well mixed for integer keys. */
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

void
fl_map_init(struct fl_map *m)
{
    memset(m, 0, sizeof(*m));
}

void
fl_map_release(struct fl_map *m)
{
    if (!m)
        return;
    free(m->keys);
    free(m->vals);
    free(m->used);
    fl_map_init(m);
}

static void
map_resize(struct fl_map *m, size_t cap)
{
    struct fl_map old = *m;

    m->keys = fl_xmalloc(fl_st_mult(cap, sizeof(uint64_t)));
    m->vals = fl_xmalloc(fl_st_mult(cap, sizeof(uint64_t)));
    m->used = fl_xcalloc(cap, 1);
    m->cap = cap;
    m->n = m->tomb = 0;
    for (size_t i = 0; i < old.cap; i++)
        if (old.used[i] == 1)
            fl_map_put(m, old.keys[i], old.vals[i]);
    free(old.keys);
    free(old.vals);
    free(old.used);
}

uint64_t *
fl_map_get(const struct fl_map *m, uint64_t key)
{
    if (!m->cap)
        return NULL;
    size_t mask = m->cap - 1;
    for (size_t i = fl_hash_u64(key) & mask;; i = (i + 1) & mask) {
        if (m->used[i] == 0)
            return NULL;
        if (m->used[i] == 1 && m->keys[i] == key)
            return &m->vals[i];
    }
}

bool
fl_map_put(struct fl_map *m, uint64_t key, uint64_t val)
{
    if ((m->n + m->tomb + 1) * 4 >= m->cap * 3)
        map_resize(m, m->cap ? (m->n * 4 >= m->cap ? m->cap * 2 : m->cap) : 16);
    size_t mask = m->cap - 1, tomb = SIZE_MAX;
    for (size_t i = fl_hash_u64(key) & mask;; i = (i + 1) & mask) {
        if (m->used[i] == 1 && m->keys[i] == key) {
            m->vals[i] = val;
            return false;
        }
        if (m->used[i] == 2 && tomb == SIZE_MAX)
            tomb = i;
        if (m->used[i] == 0) {
            if (tomb != SIZE_MAX) {
                i = tomb;
                m->tomb--;
            }
            m->used[i] = 1;
            m->keys[i] = key;
            m->vals[i] = val;
            m->n++;
            return true;
        }
    }
}

bool
fl_map_del(struct fl_map *m, uint64_t key)
{
    uint64_t *v = fl_map_get(m, key);

    if (!v)
        return false;
    m->used[v - m->vals] = 2;
    m->n--;
    m->tomb++;
    return true;
}

bool
fl_map_next(const struct fl_map *m, size_t *pos, uint64_t *key, uint64_t *val)
{
    for (; *pos < m->cap; (*pos)++) {
        if (m->used[*pos] == 1) {
            if (key)
                *key = m->keys[*pos];
            if (val)
                *val = m->vals[*pos];
            (*pos)++;
            return true;
        }
    }
    return false;
}

void
fl_strmap_init(struct fl_strmap *m)
{
    memset(m, 0, sizeof(*m));
}

void
fl_strmap_release(struct fl_strmap *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->cap; i++)
        free(m->keys[i]);
    free(m->keys);
    free(m->lens);
    free(m->hashes);
    free(m->vals);
    fl_strmap_init(m);
}

static size_t
strmap_slot(const struct fl_strmap *m, const char *key, size_t n, uint64_t h)
{
    size_t mask = m->cap - 1;

    for (size_t i = h & mask;; i = (i + 1) & mask) {
        if (!m->keys[i])
            return i;
        if (m->hashes[i] == h && m->lens[i] == n &&
            memcmp(m->keys[i], key, n) == 0)
            return i;
    }
}

static void
strmap_resize(struct fl_strmap *m, size_t cap)
{
    struct fl_strmap old = *m;

    m->keys = fl_xcalloc(cap, sizeof(char *));
    m->lens = fl_xcalloc(cap, sizeof(uint32_t));
    m->hashes = fl_xcalloc(cap, sizeof(uint64_t));
    m->vals = fl_xcalloc(cap, sizeof(uint64_t));
    m->cap = cap;
    for (size_t i = 0; i < old.cap; i++) {
        if (!old.keys[i])
            continue;
        size_t s = strmap_slot(m, old.keys[i], old.lens[i], old.hashes[i]);
        m->keys[s] = old.keys[i];
        m->lens[s] = old.lens[i];
        m->hashes[s] = old.hashes[i];
        m->vals[s] = old.vals[i];
    }
    free(old.keys);
    free(old.lens);
    free(old.hashes);
    free(old.vals);
}

uint64_t *
fl_strmap_get(const struct fl_strmap *m, const char *key, size_t n)
{
    if (!m->cap)
        return NULL;
    size_t s = strmap_slot(m, key, n, fl_hash_bytes(key, n));
    return m->keys[s] ? &m->vals[s] : NULL;
}

bool
fl_strmap_put(struct fl_strmap *m, const char *key, size_t n, uint64_t val)
{
    if ((m->n + 1) * 4 >= m->cap * 3)
        strmap_resize(m, m->cap ? m->cap * 2 : 16);
    if (n > UINT32_MAX)
        FL_BUG("strmap key too long");
    uint64_t h = fl_hash_bytes(key, n);
    size_t s = strmap_slot(m, key, n, h);
    if (m->keys[s]) {
        m->vals[s] = val;
        return false;
    }
    m->keys[s] = fl_xstrndup(key, n);
    m->lens[s] = (uint32_t)n;
    m->hashes[s] = h;
    m->vals[s] = val;
    m->n++;
    return true;
}

bool
fl_strmap_next(const struct fl_strmap *m, size_t *pos, const char **key,
               size_t *n, uint64_t *val)
{
    for (; *pos < m->cap; (*pos)++) {
        if (m->keys[*pos]) {
            if (key)
                *key = m->keys[*pos];
            if (n)
                *n = m->lens[*pos];
            if (val)
                *val = m->vals[*pos];
            (*pos)++;
            return true;
        }
    }
    return false;
}
