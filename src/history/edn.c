/* SPDX-License-Identifier: MIT */
/*
 * edn.c: the EDN reader and the history.edn / history.txt writers. The
 * reader is a hand-written recursive-descent scanner over the whole buffer:
 * byte classes come from a table, collection items are gathered on one
 * shared scratch stack and copied into the arena once the collection
 * closes, top-level op maps never touch the arena except for their extra
 * keys, and keywords are interned through a small per-parse cache. Errors
 * longjmp out of the scanner with "file:line:col: message"; nesting depth
 * and collection sizes are capped so hostile input fails cleanly.
 */
#include "util/common.h"

#include "history/edn.h"

#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <sys/mman.h>

#include "history/hist_int.h"
#include "util/err.h"
#include "util/map.h"
#include "util/parse.h"
#include "util/strbuf.h"

#define EDN_MAX_DEPTH   256
#define EDN_MAX_ITEMS   (1u << 24) /* per collection */
#define KW_CACHE_SIZE   1024
#define DEDUP_MAX_ITEMS 64 /* longer vectors are not looked up */

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

enum {
    C_WS = 1 << 0,    /* whitespace, including ',' */
    C_DELIM = 1 << 1, /* ends a token */
    C_SYM = 1 << 2,   /* may appear in a symbol or keyword */
    C_DIGIT = 1 << 3,
    C_STR = 1 << 4,  /* needs attention inside a string */
    C_SKIP = 1 << 5, /* may start whitespace, a comment or a #_ discard */
};

static uint8_t cls[256];

__attribute__((constructor)) static void
edn_init_classes(void)
{
    for (int c = 0; c < 256; c++) {
        uint8_t k = 0;
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',' ||
            c == '\f' || c == '\v')
            k |= C_WS | C_DELIM | C_SKIP;
        if (c == ';' || c == '#')
            k |= C_SKIP;
        if (strchr("()[]{}\";", c) && c)
            k |= C_DELIM;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            (c >= '0' && c <= '9') || (c && strchr(".*+!-_?$%&=<>/:#'", c)) ||
            c >= 0x80)
            k |= C_SYM;
        if (c >= '0' && c <= '9')
            k |= C_DIGIT;
        if (c == '"' || c == '\\' || c == '\n' || c >= 0x80)
            k |= C_STR;
        cls[c] = k;
    }
}

struct kw_cache_ent {
    uint64_t word;    /* names of up to 8 bytes, packed little-endian */
    const char *name; /* fl_kw_name(id), stable */
    uint32_t len, id;
};

struct prs {
    const unsigned char *p, *end, *buf;
    const unsigned char *line_start;
    uint32_t line;
    int depth;
    const char *name;
    struct fl_arena *a;
    struct fl_err *err;
    jmp_buf jb;
    fl_val *stk; /* scratch stack of collection items */
    size_t nstk, astk;
    const char *arena_end; /* end of the arena block last prefaulted */
    fl_val *dedup;         /* recent small vectors, by content hash */
    size_t dedup_mask;     /* slots - 1; dedup is NULL when off */
    size_t dropped;        /* input read and dropped (hist_int.h) */
    bool limit_hit;        /* stopped by the memory budget: FL_ELIMIT */
};

/*
 * Keyword ids never change and names never move, so one cache per thread
 * stays valid across parses and costs nothing to set up.
 */
static __thread struct kw_cache_ent kwc[KW_CACHE_SIZE];

/* Line and column of at; rescans from the start for earlier lines. */
static void
pos_of(const struct prs *p, const unsigned char *at, uint32_t *line,
       size_t *col)
{
    uint32_t l = p->line;
    const unsigned char *ls = p->line_start;
    if (at < ls) {
        l = 1;
        ls = p->buf;
        for (const unsigned char *q = p->buf; q < at; q++)
            if (*q == '\n') {
                l++;
                ls = q + 1;
            }
    }
    *line = l;
    *col = (size_t)(at - ls) + 1;
}

FL_NORETURN FL_PRINTF(3, 4) static void perr_at(struct prs *p,
                                                const unsigned char *at,
                                                const char *fmt, ...)
{
    uint32_t line;
    size_t col;
    pos_of(p, at, &line, &col);
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fl_err_set(p->err, FL_EPARSE, "%s:%u:%zu: %s", p->name, line, col, msg);
    longjmp(p->jb, 1);
}

#define PERR(ps, ...) perr_at((ps), (ps)->p, __VA_ARGS__)

static void parse_value(struct prs *p, fl_val *out);

static inline bool
is_close(unsigned char c)
{
    return c == ')' || c == ']' || c == '}';
}

static inline void
newline_at(struct prs *p, const unsigned char *q)
{
    p->line++;
    p->line_start = q + 1;
}

static void
skip_ws_slow(struct prs *p)
{
    for (;;) {
        const unsigned char *q = p->p, *end = p->end;
        while (q < end && (cls[*q] & C_WS)) {
            if (*q == '\n')
                newline_at(p, q);
            q++;
        }
        p->p = q;
        if (q == end)
            return;
        if (*q == ';') {
            const unsigned char *nl = memchr(q, '\n', (size_t)(end - q));
            p->p = nl ? nl : end;
            continue;
        }
        if (*q == '#' && q + 1 < end && q[1] == '_') {
            fl_val tmp;
            if (++p->depth > EDN_MAX_DEPTH)
                perr_at(p, q, "nesting deeper than %d", EDN_MAX_DEPTH);
            p->p = q + 2;
            skip_ws_slow(p);
            if (p->p == p->end || is_close(*p->p))
                perr_at(p, q, "#_ discard with no form to discard");
            parse_value(p, &tmp);
            p->depth--;
            continue;
        }
        return;
    }
}

/*
 * Items are mostly separated by " " or ", ": step over those inline and
 * call out only for newlines, comments, discards and longer runs.
 */
static inline void
skip_ws(struct prs *p)
{
    const unsigned char *q = p->p, *end = p->end;
    if (q < end && *q == ',')
        q++;
    if (q < end && *q == ' ')
        q++;
    p->p = q;
    if (q < end && !(cls[*q] & C_SKIP))
        return;
    skip_ws_slow(p);
}

static size_t
stk_push(struct prs *p, const fl_val *v)
{
    if (p->nstk == p->astk)
        FL_ALLOC_GROW(p->stk, p->nstk + 1, p->astk);
    p->stk[p->nstk] = *v;
    return p->nstk++;
}

/* Decode one UTF-8 sequence at q (q < end); returns its length, 0 if bad. */
static size_t
utf8_decode(const unsigned char *q, const unsigned char *end, uint32_t *cp)
{
    unsigned char c = q[0];
    size_t n;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xe0) == 0xc0) {
        n = 2;
        v = c & 0x1f;
        min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
        n = 3;
        v = c & 0x0f;
        min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
        n = 4;
        v = c & 0x07;
        min = 0x10000;
    } else {
        return 0;
    }
    if ((size_t)(end - q) < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((q[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (q[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return n;
}

static size_t
utf8_encode(uint32_t cp, unsigned char *o)
{
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    } else if (cp < 0x800) {
        o[0] = (unsigned char)(0xc0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3f));
        return 2;
    } else if (cp < 0x10000) {
        o[0] = (unsigned char)(0xe0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (unsigned char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (unsigned char)(0xf0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
    o[3] = (unsigned char)(0x80 | (cp & 0x3f));
    return 4;
}

/* Four hex digits at q (bounds checked); -1 if malformed. */
static int32_t
hex4(const unsigned char *q, const unsigned char *end)
{
    if (end - q < 4)
        return -1;
    int32_t v = 0;
    for (int i = 0; i < 4; i++) {
        int h = fl_parse_hex_digit(q[i]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* The string starting at p->p (the opening quote). */
static void
parse_string(struct prs *p, fl_val *out)
{
    const unsigned char *start = p->p + 1, *q = start, *end = p->end;
    bool escapes = false;

    for (;;) {
        while (q < end && !(cls[*q] & C_STR))
            q++;
        if (q == end)
            perr_at(p, start - 1, "unterminated string");
        unsigned char c = *q;
        if (c == '"')
            break;
        if (c == '\n') {
            newline_at(p, q);
            q++;
        } else if (c == '\\') {
            escapes = true;
            if (q + 1 < end && q[1] == '\n')
                newline_at(p, q + 1);
            q += 2;
            if (q > end)
                perr_at(p, start - 1, "unterminated string");
        } else {
            uint32_t cp;
            size_t n = utf8_decode(q, end, &cp);
            if (!n)
                perr_at(p, q, "invalid UTF-8 in string");
            q += n;
        }
    }
    size_t raw = (size_t)(q - start);
    if (raw > UINT32_MAX)
        perr_at(p, start - 1, "string longer than 4 GiB");
    out->kind = FL_V_STR;
    out->flags = 0;
    out->pad = 0;
    if (!escapes) {
        out->n = (uint32_t)raw;
        out->u.s = fl_arena_strndup(p->a, (const char *)start, raw);
        p->p = q + 1;
        return;
    }
    unsigned char *o = fl_arena_alloc_packed(p->a, raw + 1), *o0 = o;
    for (const unsigned char *r = start; r < q;) {
        if (*r != '\\') {
            *o++ = *r++;
            continue;
        }
        const unsigned char *esc = r;
        r++;
        switch (*r++) {
        case '"':
            *o++ = '"';
            break;
        case '\\':
            *o++ = '\\';
            break;
        case 'n':
            *o++ = '\n';
            break;
        case 't':
            *o++ = '\t';
            break;
        case 'r':
            *o++ = '\r';
            break;
        case 'b':
            *o++ = '\b';
            break;
        case 'f':
            *o++ = '\f';
            break;
        case 'u': {
            int32_t cp = hex4(r, q);
            if (cp < 0)
                perr_at(p, esc, "bad \\u escape in string");
            r += 4;
            if (cp >= 0xd800 && cp <= 0xdbff) {
                int32_t lo = -1;
                if (q - r >= 6 && r[0] == '\\' && r[1] == 'u')
                    lo = hex4(r + 2, q);
                if (lo < 0xdc00 || lo > 0xdfff)
                    perr_at(p, esc, "unpaired surrogate in \\u escape");
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                r += 6;
            } else if (cp >= 0xdc00 && cp <= 0xdfff) {
                perr_at(p, esc, "unpaired surrogate in \\u escape");
            }
            o += utf8_encode((uint32_t)cp, o);
            break;
        }
        default:
            if (r[-1] >= '0' && r[-1] <= '7') {
                uint32_t v = r[-1] - '0';
                for (int i = 0; i < 2 && r < q && *r >= '0' && *r <= '7'; i++)
                    v = v * 8 + (uint32_t)(*r++ - '0');
                if (v > 0377)
                    perr_at(p, esc, "octal escape out of range");
                o += utf8_encode(v, o);
                break;
            }
            perr_at(p, esc, "bad escape '\\%c' in string",
                    r[-1] >= 0x20 && r[-1] < 0x7f ? r[-1] : '?');
        }
    }
    *o = 0;
    out->n = (uint32_t)(o - o0);
    out->u.s = (const char *)o0;
    p->p = q + 1;
}

static inline uint32_t
intern_cached(const char *name, size_t n)
{
    const unsigned char *s = (const unsigned char *)name;
    uint64_t h = n * 0x9e3779b97f4a7c15ull, w = 0;
    struct kw_cache_ent *e;
    if (n <= 8) {
        /* Pack the name into one word: hash and compare it at once. */
        for (size_t i = 0; i < n; i++)
            w |= (uint64_t)s[i] << (8 * i);
        h ^= w * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
        e = &kwc[(h ^ (h >> 29)) & (KW_CACHE_SIZE - 1)];
        if (e->name && e->len == n && e->word == w)
            return e->id;
    } else {
        uint64_t x, y;
        memcpy(&x, s, 8);
        memcpy(&y, s + n - 8, 8);
        h ^= (x * 0xff51afd7ed558ccdull) ^ (y * 0xc4ceb9fe1a85ec53ull);
        h ^= h >> 32;
        e = &kwc[(h ^ (h >> 29)) & (KW_CACHE_SIZE - 1)];
        if (e->name && e->len == n && memcmp(e->name, s, n) == 0)
            return e->id;
    }
    uint32_t id = fl_kw_intern((const char *)s, n);
    e->name = fl_kw_name(id);
    e->len = (uint32_t)n;
    e->word = w;
    e->id = id;
    return id;
}

uint32_t
fl_hist__intern_cached(const char *name, size_t n)
{
    return intern_cached(name, n);
}

/* A symbol-like token starting at p->p; returns its end. */
static const unsigned char *
token_end(struct prs *p, const unsigned char *q)
{
    bool high = false;
    const unsigned char *s = q;
    while (q < p->end && (cls[*q] & C_SYM)) {
        high |= *q >= 0x80;
        q++;
    }
    if (high) {
        for (const unsigned char *r = s; r < q;) {
            uint32_t cp;
            size_t n = utf8_decode(r, q, &cp);
            if (!n)
                perr_at(p, r, "invalid UTF-8 in symbol or keyword");
            r += n;
        }
    }
    return q;
}

static void
parse_keyword(struct prs *p, fl_val *out)
{
    const unsigned char *tok = p->p, *s = tok + 1;
    const unsigned char *q = token_end(p, s);
    if (q == s)
        perr_at(p, tok, "empty keyword");
    if (*s == ':')
        perr_at(p, tok, "auto-resolved keyword '::' is not EDN");
    if (q[-1] == '/' && q - s > 1)
        perr_at(p, tok, "keyword ends with '/'");
    if (q < p->end && !(cls[*q] & C_DELIM))
        perr_at(p, tok, "invalid keyword");
    *out = fl_val_kw(intern_cached((const char *)s, (size_t)(q - s)));
    p->p = q;
}

static void
parse_symbol(struct prs *p, fl_val *out)
{
    const unsigned char *s = p->p;
    const unsigned char *q = token_end(p, s);
    size_t n = (size_t)(q - s);
    if (n == 0)
        PERR(p, "unexpected character '%c'",
             *s >= 0x20 && *s < 0x7f ? *s : '?');
    if (q < p->end && !(cls[*q] & C_DELIM))
        perr_at(p, s, "invalid symbol");
    if (n > 1 && q[-1] == '/')
        perr_at(p, s, "symbol ends with '/'");
    p->p = q;
    if (n == 3 && memcmp(s, "nil", 3) == 0)
        *out = fl_val_nil();
    else if (n == 4 && memcmp(s, "true", 4) == 0)
        *out = fl_val_bool(true);
    else if (n == 5 && memcmp(s, "false", 5) == 0)
        *out = fl_val_bool(false);
    else
        *out = fl_val_sym(intern_cached((const char *)s, n));
}

static fl_val
text_val(struct prs *p, enum fl_val_kind kind, const unsigned char *s, size_t n)
{
    fl_val v = {(uint8_t)kind, 0, 0, (uint32_t)n, {.s = NULL}};
    v.u.s = fl_arena_strndup(p->a, (const char *)s, n);
    return v;
}

/*
 * Digits at q (at least one) with optional sign already consumed; sets
 * *overflow when the magnitude does not fit in int64 for the given sign.
 */
static const unsigned char *
scan_digits(struct prs *p, const unsigned char *q, bool neg, int64_t *val,
            bool *overflow)
{
    uint64_t acc = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : INT64_MAX;
    uint64_t lim10 = lim / 10, limd = lim % 10;
    *overflow = false;
    while (q < p->end && (cls[*q] & C_DIGIT)) {
        uint64_t d = (uint64_t)(*q - '0');
        /* acc * 10 + d > lim, without a division per digit */
        if (acc > lim10 || (acc == lim10 && d > limd))
            *overflow = true;
        else
            acc = acc * 10 + d;
        q++;
    }
    *val = neg ? (int64_t)(0 - acc) : (int64_t)acc;
    return q;
}

static void
parse_number(struct prs *p, fl_val *out)
{
    const unsigned char *tok = p->p, *q = tok, *end = p->end;
    bool neg = false, overflow;
    int64_t iv;

    if (*q == '+' || *q == '-') {
        neg = *q == '-';
        q++;
    }
    const unsigned char *digits = q;
    q = scan_digits(p, q, neg, &iv, &overflow);
    bool is_float = false;
    if (q < end && *q == '.') {
        is_float = true;
        q++;
        while (q < end && (cls[*q] & C_DIGIT))
            q++;
    }
    if (q < end && (*q == 'e' || *q == 'E')) {
        is_float = true;
        q++;
        if (q < end && (*q == '+' || *q == '-'))
            q++;
        if (q == end || !(cls[*q] & C_DIGIT))
            perr_at(p, tok, "invalid number: missing exponent digits");
        while (q < end && (cls[*q] & C_DIGIT))
            q++;
    }
    /* Sign is dropped from stored literals when it is '+'. */
    const unsigned char *lit = *tok == '+' ? tok + 1 : tok;
    if (q < end && *q == 'M') {
        *out = text_val(p, FL_V_BIGDEC, lit, (size_t)(q - lit));
        q++;
    } else if (is_float) {
        char small[64], *b = small;
        size_t n = (size_t)(q - tok);
        if (n >= sizeof(small))
            b = fl_xmalloc(n + 1);
        memcpy(b, tok, n);
        b[n] = 0;
        *out = fl_val_float(strtod(b, NULL));
        if (b != small)
            free(b);
    } else if (q < end && *q == 'N') {
        *out = text_val(p, FL_V_BIGINT, lit, (size_t)(q - lit));
        q++;
    } else if (q < end && *q == '/') {
        fl_val r[2];
        if (overflow)
            r[0] = text_val(p, FL_V_BIGINT, lit, (size_t)(q - lit));
        else
            r[0] = fl_val_int(iv);
        const unsigned char *ds = ++q;
        q = scan_digits(p, q, false, &iv, &overflow);
        if (q == ds)
            perr_at(p, tok, "invalid ratio");
        if (overflow)
            r[1] = text_val(p, FL_V_BIGINT, ds, (size_t)(q - ds));
        else if (iv == 0)
            perr_at(p, tok, "ratio with zero denominator");
        else
            r[1] = fl_val_int(iv);
        fl_val v = {FL_V_RATIO, 0, 0, 2, {.items = NULL}};
        v.u.items = fl_arena_memdup(p->a, r, sizeof(r));
        *out = v;
    } else {
        if (q - digits > 1 && *digits == '0')
            perr_at(p, tok, "invalid number: leading zero");
        if (overflow)
            perr_at(p, tok,
                    "integer too large for 64 bits (write it with an N "
                    "suffix for a bigint)");
        *out = fl_val_int(iv);
    }
    if (q < end && !(cls[*q] & C_DELIM))
        perr_at(p, tok, "invalid number");
    p->p = q;
}

static void
parse_char(struct prs *p, fl_val *out)
{
    static const struct {
        const char *name;
        int cp;
    } names[] = {{"newline", '\n'}, {"space", ' '},     {"tab", '\t'},
                 {"return", '\r'},  {"formfeed", '\f'}, {"backspace", '\b'}};
    const unsigned char *tok = p->p, *q = tok + 1, *end = p->end;
    uint32_t cp;

    if (q == end)
        perr_at(p, tok, "character literal at end of input");
    size_t n = utf8_decode(q, end, &cp);
    if (!n)
        perr_at(p, tok, "invalid UTF-8 in character literal");
    const unsigned char *s = q;
    q += n;
    while (q < end && !(cls[*q] & C_DELIM))
        q++;
    size_t len = (size_t)(q - s);
    if (len > n) {
        bool found = false;
        for (size_t i = 0; i < FL_ARRAY_SIZE(names); i++) {
            if (strlen(names[i].name) == len &&
                memcmp(names[i].name, s, len) == 0) {
                cp = (uint32_t)names[i].cp;
                found = true;
            }
        }
        if (!found && *s == 'u' && len == 5) {
            int32_t v = hex4(s + 1, q);
            if (v >= 0 && !(v >= 0xd800 && v <= 0xdfff)) {
                cp = (uint32_t)v;
                found = true;
            }
        }
        if (!found && *s == 'o' && len >= 2 && len <= 4) {
            uint32_t v = 0;
            found = true;
            for (size_t i = 1; i < len; i++) {
                if (s[i] < '0' || s[i] > '7')
                    found = false;
                v = v * 8 + (uint32_t)(s[i] - '0');
            }
            if (v > 0377)
                found = false;
            cp = v;
        }
        if (!found)
            perr_at(p, tok, "invalid character literal");
    }
    fl_val v = {FL_V_CHAR, 0, 0, 0, {.i = cp}};
    *out = v;
    p->p = q;
}

/* Reject duplicate map keys or set items, as Clojure's reader does. */
static void
check_unique(struct prs *p, const fl_val *items, size_t n, size_t stride,
             const unsigned char *open, const char *what)
{
    if (fl_val__has_dups(items, n, stride))
        perr_at(p, open, "duplicate %s", what);
}

/*
 * Items up to the closing byte onto the scratch stack; p->p is just past
 * the opening bracket, open points at it. Returns the stack base.
 */
static size_t
parse_items(struct prs *p, unsigned char close, const unsigned char *open)
{
    size_t base = p->nstk;
    if (++p->depth > EDN_MAX_DEPTH)
        perr_at(p, open, "nesting deeper than %d", EDN_MAX_DEPTH);
    for (;;) {
        skip_ws(p);
        if (p->p == p->end)
            perr_at(p, open, "unexpected end of input: '%c' is never closed",
                    *open);
        unsigned char c = *p->p;
        if (c == close) {
            p->p++;
            break;
        }
        if (c == ')' || c == ']' || c == '}') {
            uint32_t line;
            size_t col;
            pos_of(p, open, &line, &col);
            PERR(p,
                 "unmatched '%c' (expected '%c' to close the '%c' at "
                 "%u:%zu)",
                 c, close, *open, line, col);
        }
        if (p->nstk - base >= EDN_MAX_ITEMS)
            perr_at(p, open, "collection has more than %u items",
                    EDN_MAX_ITEMS);
        if (c == '{' || c == '[' || c == '(' || c == '#') {
            /* These may push onto (and move) the stack themselves. */
            fl_val v;
            parse_value(p, &v);
            stk_push(p, &v);
        } else {
            /* Scalars never touch the stack: parse straight into it. */
            if (p->nstk == p->astk)
                FL_ALLOC_GROW(p->stk, p->nstk + 1, p->astk);
            parse_value(p, &p->stk[p->nstk]);
            p->nstk++;
        }
    }
    p->depth--;
    return base;
}

/* n bytes at a and b are equal (short runs: no call to memcmp). */
static inline bool
same_bits(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i += 8) {
        uint64_t u, w;
        memcpy(&u, x + i, 8);
        memcpy(&w, y + i, 8);
        if (u != w)
            return false;
    }
    return true;
}

static void
finish_coll(struct prs *p, size_t base, enum fl_val_kind kind,
            const unsigned char *open, fl_val *out)
{
    size_t n = p->nstk - base;
    fl_val *items = p->stk ? p->stk + base : NULL;
    if (kind == FL_V_MAP) {
        if (n % 2)
            perr_at(p, open, "map literal has an odd number of forms");
        check_unique(p, items, n / 2, 2, open, "key in map");
        n /= 2;
    } else if (kind == FL_V_SET) {
        check_unique(p, items, n, 1, open, "item in set");
    }
    fl_val v = {(uint8_t)kind, 0, 0, (uint32_t)n, {.items = NULL}};
    size_t cnt = (kind == FL_V_MAP ? 2 : 1) * n;
    fl_val *slot = NULL;
    uint16_t tag = 0;
    if (p->dedup && cnt && cnt <= DEDUP_MAX_ITEMS && kind != FL_V_MAP &&
        kind != FL_V_SET) {
        /*
         * Histories repeat small vectors: a micro-op in both the
         * invocation and the completion, the same list read by many
         * txns. Values are immutable, so a vector whose items are
         * bit-for-bit those of a recent one shares its storage (equal
         * bits are equal values: nested collections compare by pointer).
         */
        uint64_t hash = fl_hash_bytes(items, cnt * sizeof(fl_val)) ^ kind;
        tag = (uint16_t)(hash >> 48); /* kept in the slot's pad */
        slot = &p->dedup[hash & p->dedup_mask];
        if (slot->pad == tag && slot->kind == kind && slot->n == cnt &&
            same_bits(slot->u.items, items, cnt * sizeof(fl_val))) {
            v.u.items = slot->u.items;
            p->nstk = base;
            *out = v;
            return;
        }
    }
    if (cnt) {
        fl_val *dst = fl_arena_alloc_packed(p->a, cnt * sizeof(fl_val));
        if (cnt <= 8) /* short: inline moves beat a call to memcpy */
            for (size_t i = 0; i < cnt; i++)
                dst[i] = items[i];
        else
            memcpy(dst, items, cnt * sizeof(fl_val));
        v.u.items = dst;
        if (slot) {
            *slot = v;
            slot->pad = tag;
        }
    }
    p->nstk = base;
    *out = v;
}

static void
parse_dispatch(struct prs *p, fl_val *out)
{
    const unsigned char *tok = p->p, *q = tok + 1, *end = p->end;
    if (q == end)
        perr_at(p, tok, "'#' at end of input");
    if (*q == '{') {
        p->p = q + 1;
        size_t base = parse_items(p, '}', q);
        finish_coll(p, base, FL_V_SET, tok, out);
        return;
    }
    if (*q == '_') {
        p->p = q + 1;
        skip_ws(p);
        if (p->p == end)
            perr_at(p, tok, "#_ discard with no form to discard");
        fl_val tmp;
        parse_value(p, &tmp);
        skip_ws(p);
        if (p->p == end || is_close(*p->p))
            perr_at(p, tok, "#_ discard with no form after it");
        parse_value(p, out);
        return;
    }
    if (*q == '#') {
        const unsigned char *s = q + 1, *e = token_end(p, s);
        size_t n = (size_t)(e - s);
        double d;
        if (n == 3 && memcmp(s, "Inf", 3) == 0)
            d = INFINITY;
        else if (n == 4 && memcmp(s, "-Inf", 4) == 0)
            d = -INFINITY;
        else if (n == 3 && memcmp(s, "NaN", 3) == 0)
            d = NAN;
        else
            perr_at(p, tok,
                    "unknown symbolic value (expected ##Inf, ##-Inf "
                    "or ##NaN)");
        if (e < end && !(cls[*e] & C_DELIM))
            perr_at(p, tok, "invalid symbolic value");
        *out = fl_val_float(d);
        p->p = e;
        return;
    }
    if ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z')) {
        const unsigned char *e = token_end(p, q);
        fl_val pair[2];
        size_t tn = (size_t)(e - q);
        if (tn > 1 && e[-1] == '/')
            perr_at(p, tok, "tag ends with '/'");
        if ((tn == 3 && memcmp(q, "nil", 3) == 0) ||
            (tn == 4 && memcmp(q, "true", 4) == 0) ||
            (tn == 5 && memcmp(q, "false", 5) == 0))
            perr_at(p, tok, "reader tag must be a symbol");
        pair[0] = fl_val_sym(intern_cached((const char *)q, (size_t)(e - q)));
        p->p = e;
        if (++p->depth > EDN_MAX_DEPTH)
            perr_at(p, tok, "nesting deeper than %d", EDN_MAX_DEPTH);
        skip_ws(p);
        if (p->p == end || is_close(*p->p))
            perr_at(p, tok, "tag #%.*s has no value", (int)(e - q), q);
        parse_value(p, &pair[1]);
        p->depth--;
        fl_val v = {FL_V_TAGGED, 0, 0, 2, {.items = NULL}};
        v.u.items = fl_arena_memdup(p->a, pair, sizeof(pair));
        *out = v;
        return;
    }
    perr_at(p, tok, "unsupported dispatch '#%c'",
            *q >= 0x20 && *q < 0x7f ? *q : '?');
}

static void
parse_value(struct prs *p, fl_val *out)
{
    const unsigned char *tok = p->p;
    unsigned char c = *tok;

    switch (c) {
    case '{':
    case '[':
    case '(': {
        p->p++;
        unsigned char close = c == '{' ? '}' : c == '[' ? ']' : ')';
        size_t base = parse_items(p, close, tok);
        finish_coll(p, base,
                    c == '{'   ? FL_V_MAP
                    : c == '[' ? FL_V_VEC
                               : FL_V_LIST,
                    tok, out);
        return;
    }
    case ')':
    case ']':
    case '}':
        PERR(p, "unmatched '%c'", c);
    case '"':
        parse_string(p, out);
        return;
    case ':':
        parse_keyword(p, out);
        return;
    case '\\':
        parse_char(p, out);
        return;
    case '#':
        parse_dispatch(p, out);
        return;
    case '+':
    case '-':
        if (tok + 1 < p->end && (cls[tok[1]] & C_DIGIT))
            parse_number(p, out);
        else
            parse_symbol(p, out);
        return;
    default:
        if (cls[c] & C_DIGIT)
            parse_number(p, out);
        else
            parse_symbol(p, out);
        return;
    }
}

/* Op maps */

static int64_t
op_int(struct prs *p, const fl_val *v, const unsigned char *at, const char *key)
{
    if (v->kind != FL_V_INT)
        perr_at(p, at, "op's :%s is not an integer", key);
    return v->u.i;
}

/*
 * The arena just started a new block: fault its free part in with one
 * madvise rather than one page fault per 4 KiB as values are copied in
 * (on a big history that halves the time spent storing values). Purely
 * advisory: errors (old kernels) are ignored.
 */
static void
prefault_block(struct prs *p)
{
    const size_t pg = 4096;
    uintptr_t s = ((uintptr_t)p->a->next + pg - 1) & ~(uintptr_t)(pg - 1);
    uintptr_t e = (uintptr_t)p->a->end & ~(uintptr_t)(pg - 1);

    p->arena_end = p->a->end;
    if (e > s && e - s >= 16 * pg) {
        fl_advise_hugepages((void *)s, e - s);
        madvise((void *)s, e - s, MADV_POPULATE_WRITE);
    }
}

/* Build an op from the map items (k v pairs) at stk[base..] and append. */
static void
make_op(struct prs *p, struct fl_hist *h, size_t base,
        const unsigned char *open, uint32_t line)
{
    size_t n = p->nstk - base;
    struct fl_op op;
    uint32_t seen = 0;
    size_t nextra = 0;

    if (n % 2)
        perr_at(p, open, "map literal has an odd number of forms");
    memset(&op, 0, sizeof(op));
    op.time_ns = -1;
    op.pair = -1;
    op.type = 0xff;
    op.process = FL_PROC_KW(FL_KW_NONE);
    op.flags = FL_OP_NO_PROCESS;
    for (size_t i = 0; i < n; i += 2) {
        const fl_val *k = &p->stk[base + i], *v = k + 1;
        uint32_t kw = k->kind == FL_V_KW ? k->u.id : FL_KW_NONE;
        if (kw != FL_KW_NONE && kw < 32) {
            if (seen & (1u << kw))
                perr_at(p, open, "duplicate key :%s in op", fl_kw_name(kw));
            seen |= 1u << kw;
        }
        switch (kw) {
        case FL_KW_TYPE:
            if (v->kind != FL_V_KW)
                perr_at(p, open, "op's :type is not a keyword");
            switch (v->u.id) {
            case FL_KW_INVOKE:
                op.type = FL_OP_INVOKE;
                break;
            case FL_KW_OK:
                op.type = FL_OP_OK;
                break;
            case FL_KW_FAIL:
                op.type = FL_OP_FAIL;
                break;
            case FL_KW_INFO:
                op.type = FL_OP_INFO;
                break;
            default:
                perr_at(p, open, "unknown op :type :%s", fl_kw_name(v->u.id));
            }
            break;
        case FL_KW_F:
            if (v->kind == FL_V_KW) {
                op.f = v->u.id;
            } else if (v->kind == FL_V_STR) {
                op.f = fl_kw_intern(v->u.s, v->n);
                op.flags |= FL_OP_F_STRING;
            } else if (v->kind != FL_V_NIL) {
                perr_at(p, open, "op's :f is not a keyword or string");
            }
            break;
        case FL_KW_PROCESS:
            op.flags &= (uint8_t)~FL_OP_NO_PROCESS;
            if (v->kind == FL_V_INT) {
                if (v->u.i < 0 || v->u.i > INT32_MAX)
                    perr_at(p, open,
                            "op's :process %" PRId64 " is out of range",
                            v->u.i);
                op.process = (int32_t)v->u.i;
            } else if (v->kind == FL_V_KW) {
                op.process = v->u.id == FL_KW_NEMESIS ? FL_PROC_NEMESIS
                                                      : FL_PROC_KW(v->u.id);
                if (v->u.id > (uint32_t)INT32_MAX - 2)
                    perr_at(p, open, "too many keywords");
            } else if (v->kind == FL_V_NIL) {
                op.flags |= FL_OP_NO_PROCESS;
            } else {
                perr_at(p, open,
                        "op's :process is not an integer or "
                        "keyword");
            }
            break;
        case FL_KW_VALUE:
            op.value = *v;
            op.flags |= FL_OP_HAS_VALUE;
            break;
        case FL_KW_INDEX:
            op.index = op_int(p, v, open, "index");
            op.flags |= FL_OP_HAS_INDEX;
            break;
        case FL_KW_TIME:
            op.time_ns = op_int(p, v, open, "time");
            op.flags |= FL_OP_HAS_TIME;
            break;
        default:
            /* Compact extra pairs to the front of the scratch area. */
            p->stk[base + 2 * nextra] = *k;
            p->stk[base + 2 * nextra + 1] = *v;
            nextra++;
            break;
        }
    }
    if (op.type == 0xff)
        perr_at(p, open, "op has no :type");
    if (nextra) {
        check_unique(p, p->stk + base, nextra, 2, open, "key in op");
        fl_val *m = fl_arena_alloc(p->a, sizeof(fl_val));
        *m = fl_val_map(p->a, p->stk + base, nextra);
        op.extra = m;
    }
    if (!(op.flags & FL_OP_HAS_INDEX))
        op.index = (int64_t)h->n;
    p->nstk = base;
    fl_hist__append_line(h, &op, line);
    if (p->a->end != p->arena_end)
        prefault_block(p);
    if (fl_hist__progress(h, (const char *)p->buf, &p->dropped,
                          (size_t)(p->p - p->buf), p->err) < 0) {
        p->limit_hit = true;
        longjmp(p->jb, 1);
    }
}

/* One op form at p->p: a map, or a tagged map (a Jepsen Op record). */
static void
parse_op(struct prs *p, struct fl_hist *h)
{
    const unsigned char *start = p->p;
    uint32_t line = p->line;

    if (*p->p == '#' && p->p + 1 < p->end &&
        ((p->p[1] >= 'a' && p->p[1] <= 'z') ||
         (p->p[1] >= 'A' && p->p[1] <= 'Z'))) {
        p->p = token_end(p, p->p + 1);
        skip_ws(p);
    }
    if (p->p == p->end || *p->p != '{') {
        if (p->p == p->end)
            perr_at(p, start, "tag with no value");
        PERR(p, "expected an op map");
    }
    const unsigned char *open = p->p;
    line = p->line;
    p->p++;
    size_t base = parse_items(p, '}', open);
    make_op(p, h, base, open, line);
}

static void
prs_init(struct prs *p, struct fl_arena *a, const char *buf, size_t len,
         const char *name, struct fl_err *err)
{
    memset(p, 0, sizeof(*p));
    p->buf = p->p = p->line_start = (const unsigned char *)buf;
    p->end = p->buf + len;
    p->line = 1;
    p->name = name ? name : "<input>";
    p->a = a;
    p->err = err;
}

static void
prs_release(struct prs *p)
{
    free(p->stk);
    free(p->dedup);
}

static void
value_body(struct prs *p, fl_val *out)
{
    skip_ws(p);
    if (p->p == p->end)
        PERR(p, "no value in input");
    parse_value(p, out);
    skip_ws(p);
    if (p->p != p->end)
        PERR(p, "unexpected data after the value");
}

static void
hist_body(struct prs *p, struct fl_hist *h)
{
    skip_ws(p);
    if (p->p < p->end && (*p->p == '[' || *p->p == '(')) {
        /* One top-level vector or list of op maps. */
        const unsigned char *open = p->p;
        unsigned char close = *open == '[' ? ']' : ')';
        p->p++;
        for (;;) {
            skip_ws(p);
            if (p->p == p->end)
                perr_at(p, open,
                        "unexpected end of input: '%c' is never closed", *open);
            if (*p->p == close) {
                p->p++;
                break;
            }
            parse_op(p, h);
        }
        skip_ws(p);
        if (p->p != p->end)
            PERR(p, "unexpected data after the history's closing '%c'", close);
        return;
    }
    for (;;) {
        skip_ws(p);
        if (p->p == p->end)
            break;
        parse_op(p, h);
    }
}

/*
 * Run one of the bodies above under setjmp, starting at buf + start on line
 * line0 (buf itself stays the base for positions in messages); the line
 * the parse ended on goes to *end_line. The parser state lives on the heap
 * so nothing the scanner changes is a local of the setjmp frame.
 */
static int
run_parser(struct fl_arena *a, const char *buf, size_t len, size_t start,
           uint32_t line0, const char *name, struct fl_err *err, fl_val *out,
           struct fl_hist *h, uint32_t *end_line)
{
    struct prs *p = fl_xmalloc(sizeof(*p));
    int rc = FL_EPARSE;

    prs_init(p, a, buf, len, name, err);
    p->p = p->line_start = p->buf + start;
    p->dropped = start;
    p->line = line0;
    if (h) {
        /* A slot per 256 input bytes, 256 to 16384 (a 256 KiB table). */
        size_t slots = 256;
        while (slots < (1u << 14) && slots * 256 < len - start)
            slots *= 2;
        p->dedup = fl_xcalloc(slots, sizeof(fl_val));
        p->dedup_mask = slots - 1;
    }
    if (setjmp(p->jb) == 0) {
        if (h)
            hist_body(p, h);
        else
            value_body(p, out);
        rc = 0;
        if (end_line)
            *end_line = p->line;
    } else if (p->limit_hit) {
        rc = FL_ELIMIT;
    }
    prs_release(p);
    free(p);
    return rc;
}

int
fl_edn_parse_value(struct fl_arena *a, const char *buf, size_t len,
                   const char *name, fl_val *out, struct fl_err *err)
{
    return run_parser(a, buf, len, 0, 1, name, err, out, NULL, NULL);
}

int
fl_edn_parse_value_at(struct fl_arena *a, const char *buf, size_t len,
                      const char *name, uint32_t line, fl_val *out,
                      struct fl_err *err)
{
    return run_parser(a, buf, len, 0, line, name, err, out, NULL, NULL);
}

size_t fl_edn__par_min_bytes = 16u << 20;

/*
 * Where a second thread may start: the first "\n{" at or after the middle
 * of a history of top-level op maps, or 0 when there is none (or the input
 * is one big vector, which one thread reads).
 */
static size_t
split_point(const char *buf, size_t len)
{
    size_t i = 0;
    while (i < len && (buf[i] == ' ' || buf[i] == '\n' || buf[i] == '\r' ||
                       buf[i] == '\t'))
        i++;
    if (i == len || buf[i] != '{')
        return 0;
    for (const char *q = buf + len / 2; q < buf + len;) {
        const char *nl = memchr(q, '\n', (size_t)(buf + len - q));
        if (!nl || nl + 1 >= buf + len)
            return 0;
        if (nl[1] == '{')
            return (size_t)(nl + 1 - buf);
        q = nl + 1;
    }
    return 0;
}

/* The second half, parsed into a history of its own. */
struct half {
    const char *buf;
    size_t len, start;
    const char *name;
    struct fl_hist h;
    size_t budget_bytes; /* this half's share of the memory budget */
    struct fl_err err;
    int rc;
};

static void *
half_main(void *arg)
{
    struct half *x = arg;
    fl_hist__prepare(&x->h, x->len - x->start, (x->len - x->start) / 32 + 16);
    x->h.budget_bytes = x->budget_bytes;
    x->rc = run_parser(&x->h.arena, x->buf, x->len, x->start, 1, x->name,
                       &x->err, NULL, &x->h, NULL);
    return NULL;
}

/*
 * Two threads: this one reads [0, cut) and a second one [cut, len), where
 * cut starts a line beginning with '{'. Correct whatever the cut hits:
 * when the first half reads cleanly up to the cut (it ends in a newline,
 * so no token crosses it) the parser's whole state there is "between two
 * top-level ops on line L", exactly where the second thread started. If
 * the first half fails (the cut fell inside a multi-line string, say, or
 * the input is bad) everything is read again by one thread, so messages
 * are what a sequential read gives; if only the second half fails, this
 * thread reads it again from the cut. Returns 1 when it did not try.
 */
static int
parse_hist_par(const char *buf, size_t len, const char *name, struct fl_hist *h,
               struct fl_err *err)
{
    size_t cut = split_point(buf, len);
    struct half *x;
    pthread_t th;
    uint32_t line = 1;
    int rc;

    if (!cut)
        return 1;
    x = fl_xcalloc(1, sizeof(*x));
    x->buf = buf;
    x->len = len;
    x->start = cut;
    x->name = name;
    fl_hist_init(&x->h);
    x->h.src_mapped = h->src_mapped;
    /* each half may take half the budget; a retry takes all of it */
    size_t budget = fl_hist_memory_budget();
    x->budget_bytes = h->budget_bytes = budget / 2 ? budget / 2 : 1;
    if (pthread_create(&th, NULL, half_main, x) != 0) {
        free(x);
        return 1;
    }
    struct fl_err aerr = FL_ERR_INIT;
    size_t n0 = h->n;
    rc = run_parser(&h->arena, buf, cut, 0, 1, name, &aerr, NULL, h, &line);
    pthread_join(th, NULL);
    h->budget_bytes = budget;
    if (rc == FL_ELIMIT || x->rc == FL_ELIMIT) {
        h->n = n0;
        if (err)
            *err = rc == FL_ELIMIT ? aerr : x->err;
        rc = FL_ELIMIT;
    } else if (rc < 0) {
        h->n = n0;
        rc = run_parser(&h->arena, buf, len, 0, 1, name, err, NULL, h, NULL);
    } else if (x->rc < 0) {
        rc = run_parser(&h->arena, buf, len, cut, line, name, err, NULL, h,
                        NULL);
    } else {
        fl_hist__adopt(h, &x->h, line);
    }
    fl_hist_release(&x->h);
    free(x);
    return rc;
}

int
fl_edn_parse_hist(const char *buf, size_t len, const char *name,
                  struct fl_hist *h, struct fl_err *err)
{
    size_t n0 = h->n;
    int rc = 1;
    /*
     * Reserve generously (a printed op takes well over 32 bytes) so the
     * ops array is not copied while it grows; untouched room costs no
     * memory and fl_hist__shrink() gives it back.
     */
    fl_hist__prepare(h, len, len / 32 + 16);
    if (len >= fl_edn__par_min_bytes)
        rc = parse_hist_par(buf, len, name, h, err);
    if (rc > 0)
        rc = run_parser(&h->arena, buf, len, 0, 1, name, err, NULL, h, NULL);
    if (rc < 0)
        h->n = n0; /* drop the ops of a partly parsed input */
    fl_hist__shrink(h);
    return rc;
}

/* Writers */

static void
add_int(struct fl_strbuf *sb, int64_t v)
{
    fl_strbuf_add_i64(sb, v);
}

static void
add_kw(struct fl_strbuf *sb, uint32_t id)
{
    fl_strbuf_addch(sb, ':');
    fl_strbuf_add(sb, fl_kw_name(id), fl_kw_len(id));
}

static void
add_process(struct fl_strbuf *sb, const struct fl_op *op)
{
    if (op->flags & FL_OP_NO_PROCESS)
        fl_strbuf_add(sb, "nil", 3);
    else if (op->process == FL_PROC_NEMESIS)
        add_kw(sb, FL_KW_NEMESIS);
    else if (FL_PROC_IS_KW(op->process))
        add_kw(sb, FL_PROC_KW_ID(op->process));
    else
        add_int(sb, op->process);
}

static void
add_f(struct fl_strbuf *sb, const struct fl_op *op)
{
    if (op->f == FL_KW_NONE && !(op->flags & FL_OP_F_STRING)) {
        fl_strbuf_add(sb, "nil", 3);
    } else if (op->flags & FL_OP_F_STRING) {
        fl_val s = {FL_V_STR,
                    0,
                    0,
                    (uint32_t)fl_kw_len(op->f),
                    {.s = fl_kw_name(op->f)}};
        fl_val_print_edn(sb, &s);
    } else {
        add_kw(sb, op->f);
    }
}

void
fl_edn_print_op(struct fl_strbuf *sb, const struct fl_op *op)
{
    static const char *const types[] = {":invoke", ":ok", ":fail", ":info"};
    fl_strbuf_add(sb, "{:index ", 8);
    add_int(sb, op->index);
    if (op->time_ns >= 0 || (op->flags & FL_OP_HAS_TIME)) {
        fl_strbuf_add(sb, ", :time ", 8);
        add_int(sb, op->time_ns);
    }
    fl_strbuf_add(sb, ", :type ", 8);
    fl_strbuf_addstr(sb, op->type <= FL_OP_INFO ? types[op->type] : ":?");
    fl_strbuf_add(sb, ", :process ", 11);
    add_process(sb, op);
    fl_strbuf_add(sb, ", :f ", 5);
    add_f(sb, op);
    fl_strbuf_add(sb, ", :value ", 9);
    fl_val_print_edn(sb, &op->value);
    const fl_val *x = op->extra;
    if (x && x->kind == FL_V_MAP) {
        const fl_val *e = fl_val_map_get_kw(x, FL_KW_ERROR);
        if (e) {
            fl_strbuf_add(sb, ", :error ", 9);
            fl_val_print_edn(sb, e);
        }
        for (size_t i = 0; i < x->n; i++) {
            if (&x->u.items[2 * i + 1] == e)
                continue;
            fl_strbuf_add(sb, ", ", 2);
            fl_val_print_edn(sb, &x->u.items[2 * i]);
            fl_strbuf_addch(sb, ' ');
            fl_val_print_edn(sb, &x->u.items[2 * i + 1]);
        }
    }
    fl_strbuf_addch(sb, '}');
}

static int
flush_sb(FILE *f, struct fl_strbuf *sb, struct fl_err *err)
{
    if (sb->len && fwrite(sb->buf, 1, sb->len, f) != sb->len)
        return fl_err_set(err, -(errno ? errno : EIO), "write history: %s",
                          strerror(errno ? errno : EIO));
    fl_strbuf_reset(sb);
    return 0;
}

/* After writing ops (rc so far): flush the rest, fflush f, free sb. */
static int
finish_write(FILE *f, struct fl_strbuf *sb, int rc, struct fl_err *err)
{
    if (rc == 0)
        rc = flush_sb(f, sb, err);
    if (rc == 0 && fflush(f) != 0)
        rc = fl_err_set(err, -errno, "write history: %s", strerror(errno));
    fl_strbuf_release(sb);
    return rc;
}

int
fl_edn_write_hist(FILE *f, const struct fl_hist *h, struct fl_err *err)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;
    int rc = 0;

    fl_strbuf_grow(&sb, 1 << 16);
    for (size_t i = 0; i < h->n && rc == 0; i++) {
        fl_edn_print_op(&sb, &h->ops[i]);
        fl_strbuf_addch(&sb, '\n');
        if (sb.len >= 1 << 16)
            rc = flush_sb(f, &sb, err);
    }
    return finish_write(f, &sb, rc, err);
}

int
fl_txt_write_hist(FILE *f, const struct fl_hist *h, struct fl_err *err)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;
    int rc = 0;

    for (size_t i = 0; i < h->n && rc == 0; i++) {
        const struct fl_op *op = &h->ops[i];
        if (!(op->flags & FL_OP_NO_PROCESS))
            add_process(&sb, op);
        fl_strbuf_addch(&sb, '\t');
        fl_strbuf_addch(&sb, ':');
        fl_strbuf_addstr(&sb, fl_op_type_name(op->type));
        fl_strbuf_addch(&sb, '\t');
        add_f(&sb, op);
        fl_strbuf_addch(&sb, '\t');
        fl_val_print_edn(&sb, &op->value);
        const fl_val *e = fl_op_error(op);
        if (e) {
            fl_strbuf_addch(&sb, '\t');
            /* Jepsen prints the error with str: strings without quotes. */
            if (e->kind == FL_V_STR)
                fl_strbuf_add(&sb, e->u.s, e->n);
            else
                fl_val_print_edn(&sb, e);
        }
        fl_strbuf_addch(&sb, '\n');
        if (sb.len >= 1 << 16)
            rc = flush_sb(f, &sb, err);
    }
    return finish_write(f, &sb, rc, err);
}
