/* SPDX-License-Identifier: MIT */
/*
 * val.c: fl_val constructors, the process-wide keyword table, and Clojure's
 * equality, hashing, ordering and printing for EDN values. The keyword table
 * is append-only: names live in chunks that never move, so fl_kw_name() reads
 * without a lock, and only fl_kw_intern() takes the mutex. Equality is
 * defined as fl_val_compare() == 0 (with fast paths), so the two always
 * agree, and fl_val_hash() is built to match them.
 */
#include "util/common.h"

#include "history/val.h"

#include <math.h>
#include <pthread.h>

#include "history/hist_int.h"
#include "util/arena.h"
#include "util/map.h"
#include "util/strbuf.h"

/* Keyword table: KW_CHUNK entries per chunk, chunks allocated on demand. */
#define KW_CHUNK_BITS 12
#define KW_CHUNK      (1u << KW_CHUNK_BITS)
#define KW_MAX_CHUNKS (1u << 18)

struct kw_entry {
    const char *name; /* NUL-terminated, never freed */
    size_t len;
};

static struct kw_entry *kw_chunks[KW_MAX_CHUNKS];
static uint32_t kw_count;         /* published with release stores */
static struct fl_strmap kw_index; /* name -> id, protected by kw_mu */
static struct fl_arena kw_names;  /* name storage, protected by kw_mu */
static pthread_mutex_t kw_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t kw_once = PTHREAD_ONCE_INIT;

static const char *const kw_fixed_names[] = {
#define FL_KW_NAME_(name, str) str,
    FL_KW_LIST(FL_KW_NAME_)
#undef FL_KW_NAME_
};

/* Caller holds kw_mu. */
static uint32_t
kw_add_locked(const char *name, size_t n)
{
    uint32_t id = __atomic_load_n(&kw_count, __ATOMIC_RELAXED);
    uint32_t chunk = id >> KW_CHUNK_BITS;

    if (chunk >= KW_MAX_CHUNKS)
        FL_BUG("keyword table full (%u names)", id);
    if (!kw_chunks[chunk])
        kw_chunks[chunk] = fl_xcalloc(KW_CHUNK, sizeof(struct kw_entry));
    struct kw_entry *e = &kw_chunks[chunk][id & (KW_CHUNK - 1)];
    e->name = fl_arena_strndup(&kw_names, name, n);
    e->len = n;
    fl_strmap_put(&kw_index, name, n, id);
    __atomic_store_n(&kw_count, id + 1, __ATOMIC_RELEASE);
    return id;
}

static void
kw_seed(void)
{
    pthread_mutex_lock(&kw_mu);
    fl_arena_init(&kw_names, 16384);
    fl_strmap_init(&kw_index);
    for (size_t i = 0; i < FL_ARRAY_SIZE(kw_fixed_names); i++)
        kw_add_locked(kw_fixed_names[i], strlen(kw_fixed_names[i]));
    pthread_mutex_unlock(&kw_mu);
}

uint32_t
fl_kw_intern(const char *name, size_t n)
{
    pthread_once(&kw_once, kw_seed);
    pthread_mutex_lock(&kw_mu);
    uint64_t *slot = fl_strmap_get(&kw_index, name, n);
    uint32_t id = slot ? (uint32_t)*slot : kw_add_locked(name, n);
    pthread_mutex_unlock(&kw_mu);
    return id;
}

uint32_t
fl_kw_intern_cstr(const char *name)
{
    return fl_kw_intern(name, strlen(name));
}

static const struct kw_entry *
kw_entry(uint32_t id)
{
    if (id < FL_KW_NFIXED)
        return NULL;
    pthread_once(&kw_once, kw_seed);
    if (id >= __atomic_load_n(&kw_count, __ATOMIC_ACQUIRE))
        FL_BUG("unknown keyword id %u", id);
    return &kw_chunks[id >> KW_CHUNK_BITS][id & (KW_CHUNK - 1)];
}

const char *
fl_kw_name(uint32_t id)
{
    if (id < FL_KW_NFIXED)
        return kw_fixed_names[id];
    return kw_entry(id)->name;
}

size_t
fl_kw_len(uint32_t id)
{
    if (id < FL_KW_NFIXED)
        return strlen(kw_fixed_names[id]);
    return kw_entry(id)->len;
}

/* Constructors */

fl_val
fl_val_sym(uint32_t id)
{
    fl_val v = {FL_V_SYM, 0, 0, 0, {.id = id}};
    return v;
}

fl_val
fl_val_str(struct fl_arena *a, const char *s, size_t n)
{
    fl_val v = {FL_V_STR, 0, 0, (uint32_t)n, {.s = NULL}};
    if (n > UINT32_MAX)
        FL_BUG("string of %zu bytes", n);
    v.u.s = fl_arena_strndup(a, s, n);
    return v;
}

fl_val
fl_val_coll(struct fl_arena *a, enum fl_val_kind kind, const fl_val *items,
            size_t n)
{
    fl_val v = {(uint8_t)kind, 0, 0, (uint32_t)n, {.items = NULL}};
    if (n > UINT32_MAX)
        FL_BUG("collection of %zu items", n);
    if (n)
        v.u.items = fl_arena_memdup(a, items, fl_st_mult(n, sizeof(fl_val)));
    return v;
}

fl_val
fl_val_map(struct fl_arena *a, const fl_val *items, size_t npairs)
{
    fl_val v = {FL_V_MAP, 0, 0, (uint32_t)npairs, {.items = NULL}};
    if (npairs > UINT32_MAX / 2)
        FL_BUG("map of %zu pairs", npairs);
    if (npairs)
        v.u.items =
            fl_arena_memdup(a, items, fl_st_mult(2 * npairs, sizeof(fl_val)));
    return v;
}

static size_t
val_nitems(const fl_val *v)
{
    switch (v->kind) {
    case FL_V_LIST:
    case FL_V_VEC:
    case FL_V_SET:
        return v->n;
    case FL_V_MAP:
        return 2 * (size_t)v->n;
    case FL_V_RATIO:
    case FL_V_TAGGED:
        return 2;
    default:
        return 0;
    }
}

fl_val
fl_val_copy(struct fl_arena *a, const fl_val *v)
{
    fl_val out = *v;

    switch (v->kind) {
    case FL_V_STR:
    case FL_V_BIGINT:
    case FL_V_BIGDEC:
        out.u.s = fl_arena_strndup(a, v->u.s, v->n);
        break;
    case FL_V_LIST:
    case FL_V_VEC:
    case FL_V_SET:
    case FL_V_MAP:
    case FL_V_RATIO:
    case FL_V_TAGGED: {
        size_t n = val_nitems(v);
        if (!n) {
            out.u.items = NULL;
            break;
        }
        fl_val *items = fl_arena_alloc(a, fl_st_mult(n, sizeof(fl_val)));
        for (size_t i = 0; i < n; i++)
            items[i] = fl_val_copy(a, &v->u.items[i]);
        out.u.items = items;
        break;
    }
    default:
        break;
    }
    return out;
}

/* Ordering */

/* Kinds that compare equal to each other share a rank. */
static int
kind_rank(uint8_t kind)
{
    switch (kind) {
    case FL_V_NIL:
        return 0;
    case FL_V_BOOL:
        return 1;
    case FL_V_INT:
    case FL_V_BIGINT:
        return 2;
    case FL_V_FLOAT:
        return 3;
    case FL_V_BIGDEC:
        return 4;
    case FL_V_RATIO:
        return 5;
    case FL_V_CHAR:
        return 6;
    case FL_V_STR:
        return 7;
    case FL_V_SYM:
        return 8;
    case FL_V_KW:
        return 9;
    case FL_V_LIST:
    case FL_V_VEC:
        return 10;
    case FL_V_MAP:
        return 11;
    case FL_V_SET:
        return 12;
    case FL_V_TAGGED:
        return 13;
    default:
        return 14;
    }
}

/* A canonical decimal form of an integer: sign flag and digits w/o zeros. */
struct dec {
    bool neg;
    const char *d;
    size_t n;
    char buf[24];
};

static void
dec_of(const fl_val *v, struct dec *out)
{
    const char *s;
    size_t n;

    if (v->kind == FL_V_INT) {
        int len = snprintf(out->buf, sizeof(out->buf), "%" PRId64, v->u.i);
        s = out->buf;
        n = (size_t)len;
    } else {
        s = v->u.s;
        n = v->n;
    }
    out->neg = false;
    if (n && (*s == '-' || *s == '+')) {
        out->neg = *s == '-';
        s++;
        n--;
    }
    while (n > 1 && *s == '0') {
        s++;
        n--;
    }
    if (n == 1 && *s == '0')
        out->neg = false;
    out->d = s;
    out->n = n;
}

static int
int_compare(const fl_val *a, const fl_val *b)
{
    if (a->kind == FL_V_INT && b->kind == FL_V_INT)
        return a->u.i < b->u.i ? -1 : a->u.i > b->u.i;
    struct dec x, y;
    dec_of(a, &x);
    dec_of(b, &y);
    if (x.neg != y.neg)
        return x.neg ? -1 : 1;
    int mag;
    if (x.n != y.n)
        mag = x.n < y.n ? -1 : 1;
    else {
        int c = memcmp(x.d, y.d, x.n);
        mag = c < 0 ? -1 : c > 0;
    }
    return x.neg ? -mag : mag;
}

static int
float_compare(double a, double b)
{
    bool an = isnan(a), bn = isnan(b);
    if (an || bn)
        return an - bn;
    return a < b ? -1 : a > b;
}

static int
bytes_compare(const char *a, size_t an, const char *b, size_t bn)
{
    int c = memcmp(a, b, FL_MIN(an, bn));
    if (c)
        return c < 0 ? -1 : 1;
    return an < bn ? -1 : an > bn;
}

static int
seq_compare(const fl_val *a, size_t an, const fl_val *b, size_t bn)
{
    for (size_t i = 0; i < an && i < bn; i++) {
        int c = fl_val_compare(&a[i], &b[i]);
        if (c)
            return c;
    }
    return an < bn ? -1 : an > bn;
}

static int
cmp_item(const void *x, const void *y)
{
    return fl_val_compare(x, y);
}

/* Map pairs sort by key only (keys are unique), then compare by value. */
static int
cmp_pair(const void *x, const void *y)
{
    return fl_val_compare(x, y);
}

/* Compare maps or sets regardless of item order, by sorting copies. */
static int
unordered_compare(const fl_val *a, const fl_val *b, bool map)
{
    if (a->n != b->n)
        return a->n < b->n ? -1 : 1;
    size_t n = a->n, w = map ? 2 : 1;
    if (n == 0)
        return 0;
    fl_val stack[32];
    fl_val *x = stack, *y = stack + 16;
    if (n * w > 16) {
        x = fl_xmalloc(fl_st_mult(2 * n * w, sizeof(fl_val)));
        y = x + n * w;
    }
    memcpy(x, a->u.items, n * w * sizeof(fl_val));
    memcpy(y, b->u.items, n * w * sizeof(fl_val));
    qsort(x, n, w * sizeof(fl_val), map ? cmp_pair : cmp_item);
    qsort(y, n, w * sizeof(fl_val), map ? cmp_pair : cmp_item);
    int c = seq_compare(x, n * w, y, n * w);
    if (x != stack)
        free(x);
    return c;
}

int
fl_val_compare(const fl_val *a, const fl_val *b)
{
    int ra = kind_rank(a->kind), rb = kind_rank(b->kind);
    if (ra != rb)
        return ra < rb ? -1 : 1;
    switch (a->kind) {
    case FL_V_NIL:
        return 0;
    case FL_V_BOOL:
        return (int)a->u.b - (int)b->u.b;
    case FL_V_INT:
    case FL_V_BIGINT:
        return int_compare(a, b);
    case FL_V_FLOAT:
        return float_compare(a->u.d, b->u.d);
    case FL_V_BIGDEC:
    case FL_V_STR:
        return bytes_compare(a->u.s, a->n, b->u.s, b->n);
    case FL_V_CHAR:
        return a->u.i < b->u.i ? -1 : a->u.i > b->u.i;
    case FL_V_KW:
    case FL_V_SYM:
        if (a->u.id == b->u.id)
            return 0;
        return bytes_compare(fl_kw_name(a->u.id), fl_kw_len(a->u.id),
                             fl_kw_name(b->u.id), fl_kw_len(b->u.id));
    case FL_V_LIST:
    case FL_V_VEC:
        return seq_compare(a->u.items, a->n, b->u.items, b->n);
    case FL_V_RATIO:
    case FL_V_TAGGED:
        return seq_compare(a->u.items, 2, b->u.items, 2);
    case FL_V_MAP:
        return unordered_compare(a, b, true);
    case FL_V_SET:
        return unordered_compare(a, b, false);
    default:
        return 0;
    }
}

/* Small maps and sets: match every item of a in b without sorting. */
static bool
unordered_equal_small(const fl_val *a, const fl_val *b, bool map)
{
    size_t w = map ? 2 : 1;
    for (size_t i = 0; i < a->n; i++) {
        const fl_val *k = &a->u.items[i * w];
        size_t j;
        for (j = 0; j < b->n; j++)
            if (fl_val_equal(k, &b->u.items[j * w]))
                break;
        if (j == b->n)
            return false;
        if (map && !fl_val_equal(k + 1, &b->u.items[j * w + 1]))
            return false;
    }
    return true;
}

bool
fl_val_equal(const fl_val *a, const fl_val *b)
{
    if (a->kind == b->kind) {
        switch (a->kind) {
        case FL_V_NIL:
            return true;
        case FL_V_BOOL:
            return a->u.b == b->u.b;
        case FL_V_INT:
            return a->u.i == b->u.i;
        case FL_V_KW:
        case FL_V_SYM:
            return a->u.id == b->u.id;
        case FL_V_STR:
            return a->n == b->n && memcmp(a->u.s, b->u.s, a->n) == 0;
        case FL_V_VEC:
        case FL_V_LIST:
            if (a->n != b->n)
                return false;
            for (size_t i = 0; i < a->n; i++)
                if (!fl_val_equal(&a->u.items[i], &b->u.items[i]))
                    return false;
            return true;
        case FL_V_MAP:
        case FL_V_SET:
            if (a->n != b->n)
                return false;
            /* Keys are unique, so one-way inclusion is enough. */
            if (a->n <= 8)
                return unordered_equal_small(a, b, a->kind == FL_V_MAP);
            break;
        default:
            break;
        }
    }
    return fl_val_compare(a, b) == 0;
}

/* Hashing */

#define H_SEQ 0x9e3779b97f4a7c15ull
#define H_MAP 0xc2b2ae3d27d4eb4full
#define H_SET 0x165667b19e3779f9ull
#define H_KW  0x27d4eb2f165667c5ull
#define H_SYM 0x85ebca77c2b2ae63ull
#define H_STR 0x94d049bb133111ebull
#define H_NIL 0x2545f4914f6cdd1dull

static uint64_t
mix(uint64_t h, uint64_t x)
{
    return fl_hash_u64(h ^ (x + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2)));
}

uint64_t
fl_val_hash(const fl_val *v)
{
    switch (v->kind) {
    case FL_V_NIL:
        return H_NIL;
    case FL_V_BOOL:
        return fl_hash_u64(v->u.b ? 0x51 : 0x50);
    case FL_V_INT:
        return fl_hash_u64((uint64_t)v->u.i);
    case FL_V_BIGINT: {
        /* A bigint that fits in 64 bits hashes like the int. */
        struct dec d;
        dec_of(v, &d);
        if (d.n <= 18) {
            int64_t x = 0;
            for (size_t i = 0; i < d.n; i++)
                x = x * 10 + (d.d[i] - '0');
            return fl_hash_u64((uint64_t)(d.neg ? -x : x));
        }
        if (d.n == 19) {
            /* Might still fit: compare against INT64 limits textually. */
            const char *lim =
                d.neg ? "9223372036854775808" : "9223372036854775807";
            if (memcmp(d.d, lim, 19) <= 0) {
                uint64_t x = 0;
                for (size_t i = 0; i < 19; i++)
                    x = x * 10 + (uint64_t)(d.d[i] - '0');
                return fl_hash_u64(d.neg ? (uint64_t)0 - x : x);
            }
        }
        return mix(fl_hash_bytes(d.d, d.n), d.neg);
    }
    case FL_V_FLOAT: {
        double d = v->u.d;
        uint64_t bits;
        if (isnan(d))
            return 0x7ff8;
        if (d == 0)
            d = 0;
        memcpy(&bits, &d, sizeof(bits));
        return mix(0xf10a7, bits);
    }
    case FL_V_BIGDEC:
        return mix(0xbd, fl_hash_bytes(v->u.s, v->n));
    case FL_V_STR:
        return mix(H_STR, fl_hash_bytes(v->u.s, v->n));
    case FL_V_CHAR:
        return mix(0xc4a2, (uint64_t)v->u.i);
    case FL_V_KW:
        return mix(H_KW, v->u.id);
    case FL_V_SYM:
        return mix(H_SYM, v->u.id);
    case FL_V_LIST:
    case FL_V_VEC: {
        uint64_t h = H_SEQ;
        for (size_t i = 0; i < v->n; i++)
            h = mix(h, fl_val_hash(&v->u.items[i]));
        return h;
    }
    case FL_V_RATIO:
    case FL_V_TAGGED: {
        uint64_t h = v->kind;
        for (size_t i = 0; i < 2; i++)
            h = mix(h, fl_val_hash(&v->u.items[i]));
        return h;
    }
    case FL_V_MAP: {
        uint64_t h = 0;
        for (size_t i = 0; i < v->n; i++)
            h += mix(fl_val_hash(&v->u.items[2 * i]),
                     fl_val_hash(&v->u.items[2 * i + 1]));
        return mix(H_MAP, h);
    }
    case FL_V_SET: {
        uint64_t h = 0;
        for (size_t i = 0; i < v->n; i++)
            h += fl_hash_u64(fl_val_hash(&v->u.items[i]));
        return mix(H_SET, h);
    }
    default:
        return 0;
    }
}

bool
fl_val__has_dups(const fl_val *items, size_t n, size_t stride)
{
    if (n < 2)
        return false;
    if (n <= 8) {
        for (size_t i = 0; i < n; i++)
            for (size_t j = i + 1; j < n; j++)
                if (fl_val_equal(&items[i * stride], &items[j * stride]))
                    return true;
        return false;
    }
    fl_val *tmp = fl_xmalloc(fl_st_mult(n, sizeof(fl_val)));
    for (size_t i = 0; i < n; i++)
        tmp[i] = items[i * stride];
    qsort(tmp, n, sizeof(fl_val), cmp_item);
    bool dup = false;
    for (size_t i = 1; i < n && !dup; i++)
        dup = fl_val_compare(&tmp[i - 1], &tmp[i]) == 0;
    free(tmp);
    return dup;
}

const fl_val *
fl_val_map_get(const fl_val *m, const fl_val *key)
{
    if (m->kind != FL_V_MAP)
        return NULL;
    for (size_t i = 0; i < m->n; i++)
        if (fl_val_equal(&m->u.items[2 * i], key))
            return &m->u.items[2 * i + 1];
    return NULL;
}

const fl_val *
fl_val_map_get_kw(const fl_val *m, uint32_t kw)
{
    if (!m || m->kind != FL_V_MAP)
        return NULL;
    for (size_t i = 0; i < m->n; i++) {
        const fl_val *k = &m->u.items[2 * i];
        if (k->kind == FL_V_KW && k->u.id == kw)
            return k + 1;
    }
    return NULL;
}

/* Printing */

static void
put_utf8(struct fl_strbuf *sb, uint32_t cp)
{
    char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xc0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xe0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        b[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        b[0] = (char)(0xf0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        b[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    fl_strbuf_add(sb, b, n);
}

static void
print_str(struct fl_strbuf *sb, const char *s, size_t n)
{
    fl_strbuf_grow(sb, n + 2);
    fl_strbuf_addch(sb, '"');
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        if (c == '"')
            esc = "\\\"";
        else if (c == '\\')
            esc = "\\\\";
        else if (c == '\n')
            esc = "\\n";
        else if (c == '\t')
            esc = "\\t";
        else if (c == '\r')
            esc = "\\r";
        else if (c >= 0x20 && c != 0x7f)
            continue;
        fl_strbuf_add(sb, s + run, i - run);
        run = i + 1;
        if (esc)
            fl_strbuf_addstr(sb, esc);
        else
            fl_strbuf_addf(sb, "\\u%04x", c);
    }
    fl_strbuf_add(sb, s + run, n - run);
    fl_strbuf_addch(sb, '"');
}

static void
print_char(struct fl_strbuf *sb, int64_t cp)
{
    static const struct {
        int64_t cp;
        const char *name;
    } names[] = {{'\n', "newline"}, {' ', "space"},     {'\t', "tab"},
                 {'\r', "return"},  {'\f', "formfeed"}, {'\b', "backspace"}};

    for (size_t i = 0; i < FL_ARRAY_SIZE(names); i++) {
        if (names[i].cp == cp) {
            fl_strbuf_addf(sb, "\\%s", names[i].name);
            return;
        }
    }
    if (cp > 0x20 && cp < 0x7f) {
        fl_strbuf_addch(sb, '\\');
        fl_strbuf_addch(sb, (int)cp);
    } else if (cp < 0x10000) {
        fl_strbuf_addf(sb, "\\u%04x", (unsigned)cp);
    } else {
        fl_strbuf_addch(sb, '\\');
        put_utf8(sb, (uint32_t)cp);
    }
}

/*
 * The shortest text that reads back as the same finite double, in Java's
 * Double.toString shapes as Clojure prints them: "1000.0", "0.001",
 * "1.0E7", "1.5E-4".
 */
size_t
fl_val__fmt_double(double d, char *buf, size_t n)
{
    double ad = fabs(d);
    if (ad == 0 || (ad >= 1e-3 && ad < 1e7)) {
        for (int dec = 1; dec <= 20; dec++) {
            snprintf(buf, n, "%.*f", dec, d);
            if (strtod(buf, NULL) == d)
                break;
        }
        return strlen(buf);
    }
    char tmp[48];
    for (int prec = 0; prec <= 17; prec++) {
        snprintf(tmp, sizeof(tmp), "%.*e", prec, d);
        if (strtod(tmp, NULL) == d)
            break;
    }
    char *e = strchr(tmp, 'e');
    *e = 0;
    int exp = (int)strtol(e + 1, NULL, 10);
    snprintf(buf, n, "%s%sE%d", tmp, strchr(tmp, '.') ? "" : ".0", exp);
    return strlen(buf);
}

static void
print_float(struct fl_strbuf *sb, double d)
{
    if (isnan(d)) {
        fl_strbuf_addstr(sb, "##NaN");
        return;
    }
    if (isinf(d)) {
        fl_strbuf_addstr(sb, d < 0 ? "##-Inf" : "##Inf");
        return;
    }
    char buf[48];
    fl_strbuf_add(sb, buf, fl_val__fmt_double(d, buf, sizeof(buf)));
}

void
fl_val_print_edn(struct fl_strbuf *sb, const fl_val *v)
{
    switch (v->kind) {
    case FL_V_NIL:
        fl_strbuf_add(sb, "nil", 3);
        break;
    case FL_V_BOOL:
        fl_strbuf_addstr(sb, v->u.b ? "true" : "false");
        break;
    case FL_V_INT: /* not snprintf: history.edn's writer's hot path */
        fl_strbuf_add_i64(sb, v->u.i);
        break;
    case FL_V_BIGINT:
        fl_strbuf_add(sb, v->u.s, v->n);
        fl_strbuf_addch(sb, 'N');
        break;
    case FL_V_FLOAT:
        print_float(sb, v->u.d);
        break;
    case FL_V_BIGDEC:
        fl_strbuf_add(sb, v->u.s, v->n);
        fl_strbuf_addch(sb, 'M');
        break;
    case FL_V_RATIO:
        /* Parts are ints or bigints; a bigint part has no N here. */
        for (size_t i = 0; i < 2; i++) {
            const fl_val *x = &v->u.items[i];
            if (i)
                fl_strbuf_addch(sb, '/');
            if (x->kind == FL_V_BIGINT)
                fl_strbuf_add(sb, x->u.s, x->n);
            else
                fl_val_print_edn(sb, x);
        }
        break;
    case FL_V_STR:
        print_str(sb, v->u.s, v->n);
        break;
    case FL_V_CHAR:
        print_char(sb, v->u.i);
        break;
    case FL_V_KW:
        fl_strbuf_addch(sb, ':');
        fl_strbuf_add(sb, fl_kw_name(v->u.id), fl_kw_len(v->u.id));
        break;
    case FL_V_SYM:
        fl_strbuf_add(sb, fl_kw_name(v->u.id), fl_kw_len(v->u.id));
        break;
    case FL_V_LIST:
    case FL_V_VEC:
    case FL_V_SET: {
        const char *open = v->kind == FL_V_LIST  ? "("
                           : v->kind == FL_V_VEC ? "["
                                                 : "#{";
        fl_strbuf_addstr(sb, open);
        for (size_t i = 0; i < v->n; i++) {
            if (i)
                fl_strbuf_addch(sb, ' ');
            fl_val_print_edn(sb, &v->u.items[i]);
        }
        fl_strbuf_addch(sb, v->kind == FL_V_LIST  ? ')'
                            : v->kind == FL_V_VEC ? ']'
                                                  : '}');
        break;
    }
    case FL_V_MAP:
        fl_strbuf_addch(sb, '{');
        for (size_t i = 0; i < v->n; i++) {
            if (i)
                fl_strbuf_add(sb, ", ", 2);
            fl_val_print_edn(sb, &v->u.items[2 * i]);
            fl_strbuf_addch(sb, ' ');
            fl_val_print_edn(sb, &v->u.items[2 * i + 1]);
        }
        fl_strbuf_addch(sb, '}');
        break;
    case FL_V_TAGGED:
        fl_strbuf_addch(sb, '#');
        fl_val_print_edn(sb, &v->u.items[0]);
        fl_strbuf_addch(sb, ' ');
        fl_val_print_edn(sb, &v->u.items[1]);
        break;
    default:
        FL_BUG("bad fl_val kind %d", v->kind);
    }
}
