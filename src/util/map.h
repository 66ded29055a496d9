/* SPDX-License-Identifier: MIT */
/*
 * map.h: open-addressing hash maps with linear probing, hashed with XXH3.
 * struct fl_map maps uint64_t keys to uint64_t values (pointers fit); struct
 * fl_strmap maps byte strings (copied into the map) to uint64_t values.
 * Neither is thread-safe. A zeroed struct is an empty map.
 */
#ifndef FL_MAP_H
#define FL_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fl_map {
    uint64_t *keys; /* cap slots */
    uint64_t *vals; /* cap slots */
    uint8_t *used;  /* cap flags: 0 empty, 1 used, 2 deleted */
    size_t cap;     /* power of two, or 0 */
    size_t n;       /* live entries */
    size_t tomb;    /* deleted slots */
};

uint64_t fl_hash_bytes(const void *p, size_t n);
uint64_t fl_hash_u64(uint64_t x);

void fl_map_init(struct fl_map *m);
void fl_map_release(struct fl_map *m);
/** Returns a pointer to the value slot, or NULL. Valid until the next put. */
uint64_t *fl_map_get(const struct fl_map *m, uint64_t key);
/** Insert or overwrite. Returns true if the key was new. */
bool fl_map_put(struct fl_map *m, uint64_t key, uint64_t val);
/** Remove key; returns true if it was there. */
bool fl_map_del(struct fl_map *m, uint64_t key);
/** Iterate: start with *pos = 0; returns false at the end. */
bool fl_map_next(const struct fl_map *m, size_t *pos, uint64_t *key,
                 uint64_t *val);

struct fl_strmap {
    char **keys;      /* cap slots, each a malloc'd copy or NULL */
    uint32_t *lens;   /* key lengths */
    uint64_t *hashes; /* full hashes */
    uint64_t *vals;
    size_t cap, n;
};

void fl_strmap_init(struct fl_strmap *m);
void fl_strmap_release(struct fl_strmap *m);
uint64_t *fl_strmap_get(const struct fl_strmap *m, const char *key, size_t n);
/** Insert or overwrite; returns true if new. The key is copied. */
bool fl_strmap_put(struct fl_strmap *m, const char *key, size_t n,
                   uint64_t val);
bool fl_strmap_next(const struct fl_strmap *m, size_t *pos, const char **key,
                    size_t *n, uint64_t *val);

#endif
