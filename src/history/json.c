/* SPDX-License-Identifier: MIT */
/*
 * json.c: JSON-lines histories. Output is printed directly into a strbuf;
 * input goes through jansson one line at a time (integers stay 64-bit).
 * EDN values that JSON lacks (keywords, sets, lists, symbols, characters,
 * bigints, bigdecimals, ratios, tagged literals, non-finite floats, maps
 * with non-string keys) get an unambiguous encoding, so EDN -> JSON -> EDN
 * gives an equal history; docs/history-json.md is the specification.
 */
#include "util/common.h"

#include "history/json.h"

#include <jansson.h>
#include <math.h>
#include <pthread.h>

#include "history/hist_int.h"
#include "util/err.h"
#include "util/strbuf.h"

/* Output */

static void
json_str(struct fl_strbuf *sb, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    fl_strbuf_grow(sb, n + 2);
    fl_strbuf_addch(sb, '"');
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        fl_strbuf_add(sb, s + run, i - run);
        run = i + 1;
        switch (c) {
        case '"':
            fl_strbuf_add(sb, "\\\"", 2);
            break;
        case '\\':
            fl_strbuf_add(sb, "\\\\", 2);
            break;
        case '\n':
            fl_strbuf_add(sb, "\\n", 2);
            break;
        case '\t':
            fl_strbuf_add(sb, "\\t", 2);
            break;
        case '\r':
            fl_strbuf_add(sb, "\\r", 2);
            break;
        default: {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            fl_strbuf_add(sb, e, 6);
        }
        }
    }
    fl_strbuf_add(sb, s + run, n - run);
    fl_strbuf_addch(sb, '"');
}

static void
json_kw(struct fl_strbuf *sb, uint32_t id, bool colon)
{
    size_t n = fl_kw_len(id);
    fl_strbuf_grow(sb, n + 3);
    fl_strbuf_add(sb, colon ? "\":" : "\"", colon ? 2 : 1);
    /* Keyword names are EDN symbol characters: nothing to escape. */
    fl_strbuf_add(sb, fl_kw_name(id), n);
    fl_strbuf_addch(sb, '"');
}

static void
json_float(struct fl_strbuf *sb, double d)
{
    if (isnan(d) || isinf(d)) {
        fl_strbuf_addf(sb, "{\"#float\":\"%s\"}",
                       isnan(d) ? "NaN"
                       : d < 0  ? "-Inf"
                                : "Inf");
        return;
    }
    char buf[48];
    fl_strbuf_add(sb, buf, fl_val__fmt_double(d, buf, sizeof(buf)));
}

static void
json_tag_open(struct fl_strbuf *sb, const char *tag)
{
    fl_strbuf_addf(sb, "{\"#%s\":", tag);
}

static void
json_items(struct fl_strbuf *sb, const fl_val *items, size_t n)
{
    fl_strbuf_addch(sb, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            fl_strbuf_addch(sb, ',');
        fl_json_print_val(sb, &items[i]);
    }
    fl_strbuf_addch(sb, ']');
}

/* A map prints as a JSON object when every key maps to a unique name. */
static bool
plain_key(const fl_val *k)
{
    if (k->kind == FL_V_KW)
        return true;
    return k->kind == FL_V_STR && k->n > 0 && k->u.s[0] != ':' &&
           k->u.s[0] != '#' && memchr(k->u.s, 0, k->n) == NULL;
}

static void
json_map(struct fl_strbuf *sb, const fl_val *v)
{
    bool plain = true;
    for (size_t i = 0; i < v->n && plain; i++)
        plain = plain_key(&v->u.items[2 * i]);
    if (!plain) {
        json_tag_open(sb, "map");
        fl_strbuf_addch(sb, '[');
        for (size_t i = 0; i < v->n; i++) {
            if (i)
                fl_strbuf_addch(sb, ',');
            json_items(sb, &v->u.items[2 * i], 2);
        }
        fl_strbuf_add(sb, "]}", 2);
        return;
    }
    fl_strbuf_addch(sb, '{');
    for (size_t i = 0; i < v->n; i++) {
        const fl_val *k = &v->u.items[2 * i];
        if (i)
            fl_strbuf_addch(sb, ',');
        if (k->kind == FL_V_KW)
            json_kw(sb, k->u.id, true);
        else
            json_str(sb, k->u.s, k->n);
        fl_strbuf_addch(sb, ':');
        fl_json_print_val(sb, k + 1);
    }
    fl_strbuf_addch(sb, '}');
}

void
fl_json_print_val(struct fl_strbuf *sb, const fl_val *v)
{
    switch (v->kind) {
    case FL_V_NIL:
        fl_strbuf_add(sb, "null", 4);
        break;
    case FL_V_BOOL:
        fl_strbuf_addstr(sb, v->u.b ? "true" : "false");
        break;
    case FL_V_INT:
        fl_strbuf_add_i64(sb, v->u.i);
        break;
    case FL_V_FLOAT:
        json_float(sb, v->u.d);
        break;
    case FL_V_BIGINT:
    case FL_V_BIGDEC:
        json_tag_open(sb, v->kind == FL_V_BIGINT ? "bigint" : "bigdec");
        json_str(sb, v->u.s, v->n);
        fl_strbuf_addch(sb, '}');
        break;
    case FL_V_RATIO:
        json_tag_open(sb, "ratio");
        json_items(sb, v->u.items, 2);
        fl_strbuf_addch(sb, '}');
        break;
    case FL_V_STR:
        if (v->n && v->u.s[0] == ':') {
            json_tag_open(sb, "str");
            json_str(sb, v->u.s, v->n);
            fl_strbuf_addch(sb, '}');
        } else {
            json_str(sb, v->u.s, v->n);
        }
        break;
    case FL_V_CHAR: {
        char buf[8];
        fl_val s = {FL_V_STR, 0, 0, 0, {.s = buf}};
        uint32_t cp = (uint32_t)v->u.i;
        if (cp < 0x80) {
            buf[0] = (char)cp;
            s.n = 1;
        } else if (cp < 0x800) {
            buf[0] = (char)(0xc0 | (cp >> 6));
            buf[1] = (char)(0x80 | (cp & 0x3f));
            s.n = 2;
        } else if (cp < 0x10000) {
            buf[0] = (char)(0xe0 | (cp >> 12));
            buf[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
            buf[2] = (char)(0x80 | (cp & 0x3f));
            s.n = 3;
        } else {
            buf[0] = (char)(0xf0 | (cp >> 18));
            buf[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
            buf[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
            buf[3] = (char)(0x80 | (cp & 0x3f));
            s.n = 4;
        }
        json_tag_open(sb, "char");
        json_str(sb, buf, s.n);
        fl_strbuf_addch(sb, '}');
        break;
    }
    case FL_V_KW:
        json_kw(sb, v->u.id, true);
        break;
    case FL_V_SYM:
        json_tag_open(sb, "sym");
        json_kw(sb, v->u.id, false);
        fl_strbuf_addch(sb, '}');
        break;
    case FL_V_VEC:
        json_items(sb, v->u.items, v->n);
        break;
    case FL_V_LIST:
    case FL_V_SET:
        json_tag_open(sb, v->kind == FL_V_LIST ? "list" : "set");
        json_items(sb, v->u.items, v->n);
        fl_strbuf_addch(sb, '}');
        break;
    case FL_V_MAP:
        json_map(sb, v);
        break;
    case FL_V_TAGGED:
        json_tag_open(sb, "tag");
        fl_strbuf_addch(sb, '[');
        json_kw(sb, v->u.items[0].u.id, false);
        fl_strbuf_addch(sb, ',');
        fl_json_print_val(sb, &v->u.items[1]);
        fl_strbuf_add(sb, "]}", 2);
        break;
    default:
        FL_BUG("bad fl_val kind %d", v->kind);
    }
}

static const char *const op_fields[] = {"index", "time",  "type",  "process",
                                        "f",     "value", "#extra"};

static bool
is_op_field(const char *s, size_t n)
{
    for (size_t i = 0; i < FL_ARRAY_SIZE(op_fields); i++)
        if (strlen(op_fields[i]) == n && memcmp(op_fields[i], s, n) == 0)
            return true;
    return false;
}

/* Extra keys that can be a bare JSON member name. */
static bool
bare_extra_key(const fl_val *k)
{
    if (k->kind != FL_V_KW)
        return false;
    const char *s = fl_kw_name(k->u.id);
    size_t n = fl_kw_len(k->u.id);
    return n > 0 && s[0] != '#' && !is_op_field(s, n);
}

void
fl_json_print_op(struct fl_strbuf *sb, const struct fl_op *op)
{
    fl_strbuf_add(sb, "{\"index\":", 9);
    fl_strbuf_add_i64(sb, op->index);
    if (op->time_ns >= 0 || (op->flags & FL_OP_HAS_TIME)) {
        fl_strbuf_add(sb, ",\"time\":", 8);
        fl_strbuf_add_i64(sb, op->time_ns);
    }
    fl_strbuf_add(sb, ",\"type\":\"", 9);
    fl_strbuf_addstr(sb, fl_op_type_name(op->type));
    fl_strbuf_add(sb, "\",\"process\":", 12);
    if (op->flags & FL_OP_NO_PROCESS)
        fl_strbuf_add(sb, "null", 4);
    else if (op->process == FL_PROC_NEMESIS)
        json_kw(sb, FL_KW_NEMESIS, false);
    else if (FL_PROC_IS_KW(op->process))
        json_kw(sb, FL_PROC_KW_ID(op->process), false);
    else
        fl_strbuf_add_i64(sb, op->process);
    fl_strbuf_add(sb, ",\"f\":", 5);
    if (op->flags & FL_OP_F_STRING) {
        json_tag_open(sb, "str");
        json_str(sb, fl_kw_name(op->f), fl_kw_len(op->f));
        fl_strbuf_addch(sb, '}');
    } else if (op->f == FL_KW_NONE) {
        fl_strbuf_add(sb, "null", 4);
    } else {
        json_kw(sb, op->f, false);
    }
    fl_strbuf_add(sb, ",\"value\":", 9);
    fl_json_print_val(sb, &op->value);
    const fl_val *x = op->extra;
    size_t odd = 0;
    if (x && x->kind == FL_V_MAP) {
        for (size_t i = 0; i < x->n; i++) {
            const fl_val *k = &x->u.items[2 * i];
            if (!bare_extra_key(k)) {
                odd++;
                continue;
            }
            fl_strbuf_addch(sb, ',');
            json_kw(sb, k->u.id, false);
            fl_strbuf_addch(sb, ':');
            fl_json_print_val(sb, k + 1);
        }
        if (odd) {
            fl_strbuf_add(sb, ",\"#extra\":[", 11);
            size_t done = 0;
            for (size_t i = 0; i < x->n; i++) {
                const fl_val *k = &x->u.items[2 * i];
                if (bare_extra_key(k))
                    continue;
                if (done++)
                    fl_strbuf_addch(sb, ',');
                json_items(sb, k, 2);
            }
            fl_strbuf_addch(sb, ']');
        }
    }
    fl_strbuf_addch(sb, '}');
}

int
fl_json_write_hist(FILE *f, const struct fl_hist *h, struct fl_err *err)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;
    int rc = 0;

    for (size_t i = 0; i <= h->n; i++) {
        if (i < h->n) {
            fl_json_print_op(&sb, &h->ops[i]);
            fl_strbuf_addch(&sb, '\n');
        }
        if ((sb.len >= 1 << 16 || i == h->n) && sb.len) {
            if (fwrite(sb.buf, 1, sb.len, f) != sb.len) {
                rc = fl_err_set(err, -EIO, "write history: %s",
                                strerror(errno ? errno : EIO));
                goto out;
            }
            fl_strbuf_reset(&sb);
        }
    }
    if (fflush(f) != 0)
        rc = fl_err_set(err, -errno, "write history: %s", strerror(errno));
out:
    fl_strbuf_release(&sb);
    return rc;
}

/* Input */

struct jrd {
    struct fl_arena *a;
    const char *name;
    uint32_t line;
    struct fl_err *err;
    int depth;
};

/*
 * Nesting is counted the way the EDN reader counts it (the op map is level
 * 1, each collection or tag one more), so anything read from JSON can be
 * written as EDN and read back.
 */
#define JSON_MAX_DEPTH 256

static int jerr(struct jrd *r, const char *fmt, ...) FL_PRINTF(2, 3);

static int
depth_enter(struct jrd *r)
{
    if (++r->depth > JSON_MAX_DEPTH) {
        r->depth--;
        return jerr(r, "nesting deeper than %d", JSON_MAX_DEPTH);
    }
    return 0;
}

static int
jerr(struct jrd *r, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (r->line == 0) /* a lone value (fl_json_to_val) */
        return fl_err_set(r->err, FL_EPARSE, "%s: %s", r->name, msg);
    return fl_err_set(r->err, FL_EPARSE, "%s:%u:1: %s", r->name, r->line, msg);
}

/*
 * Whether s can be printed as an EDN keyword (after ':') or symbol and read
 * back as the same name; the EDN reader's token rules.
 */
static bool
valid_name(const char *s, size_t n, bool sym)
{
    if (n == 0 || s[0] == ':' || (n > 1 && s[n - 1] == '/'))
        return false;
    if (sym) {
        if (s[0] == '#' || (s[0] >= '0' && s[0] <= '9'))
            return false;
        if ((s[0] == '+' || s[0] == '-') && n > 1 && s[1] >= '0' && s[1] <= '9')
            return false;
        if ((n == 3 && memcmp(s, "nil", 3) == 0) ||
            (n == 4 && memcmp(s, "true", 4) == 0) ||
            (n == 5 && memcmp(s, "false", 5) == 0))
            return false;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c >= 0x80 ||
              strchr(".*+!-_?$%&=<>/:#'", c)) ||
            c == 0)
            return false;
    }
    return true;
}

static int json_to_val(struct jrd *r, json_t *j, fl_val *out);

static int
intern_checked(struct jrd *r, const char *s, size_t n, const char *what,
               uint32_t *id)
{
    if (!valid_name(s, n,
                    strcmp(what, "symbol") == 0 || strcmp(what, "tag") == 0))
        return jerr(r, "\"%.*s\" is not a valid %s name", (int)FL_MIN(n, 60), s,
                    what);
    *id = fl_kw_intern(s, n);
    return 0;
}

static int
array_items(struct jrd *r, json_t *arr, enum fl_val_kind kind, fl_val *out)
{
    if (!json_is_array(arr))
        return jerr(r, "expected an array");
    int rc = depth_enter(r);
    if (rc < 0)
        return rc;
    size_t n = json_array_size(arr);
    fl_val *items =
        n ? fl_arena_alloc(r->a, fl_st_mult(n, sizeof(fl_val))) : NULL;
    for (size_t i = 0; i < n; i++) {
        rc = json_to_val(r, json_array_get(arr, i), &items[i]);
        if (rc < 0)
            return rc;
    }
    r->depth--;
    fl_val v = {(uint8_t)kind, 0, 0, (uint32_t)n, {.items = items}};
    if (kind == FL_V_SET && fl_val__has_dups(items, n, 1))
        return jerr(r, "duplicate item in set");
    *out = v;
    return 0;
}

static bool
digits_ok(const char *s, size_t n, bool sign)
{
    size_t i = 0;
    if (sign && n && s[0] == '-')
        i++;
    if (i == n)
        return false;
    for (; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static bool
bigdec_ok(const char *s, size_t n)
{
    /* -?digits(.digits?)?([eE][+-]?digits)? */
    size_t i = 0, d = 0;
    if (i < n && s[i] == '-')
        i++;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++, d++;
    if (!d)
        return false;
    if (i < n && s[i] == '.')
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            ;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        d = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++, d++;
        if (!d)
            return false;
    }
    return i == n;
}

static int
tagged_to_val(struct jrd *r, const char *tag, json_t *x, fl_val *out)
{
    const char *s = json_is_string(x) ? json_string_value(x) : NULL;
    size_t n = s ? json_string_length(x) : 0;

    if (strcmp(tag, "#str") == 0 && s) {
        *out = fl_val_str(r->a, s, n);
        return 0;
    }
    if (strcmp(tag, "#float") == 0 && s) {
        if (strcmp(s, "NaN") == 0)
            *out = fl_val_float(NAN);
        else if (strcmp(s, "Inf") == 0)
            *out = fl_val_float(INFINITY);
        else if (strcmp(s, "-Inf") == 0)
            *out = fl_val_float(-INFINITY);
        else
            return jerr(r, "bad #float value");
        return 0;
    }
    if ((strcmp(tag, "#bigint") == 0 && s && digits_ok(s, n, true)) ||
        (strcmp(tag, "#bigdec") == 0 && s && bigdec_ok(s, n))) {
        *out = fl_val_str(r->a, s, n);
        out->kind = tag[4] == 'i' ? FL_V_BIGINT : FL_V_BIGDEC;
        return 0;
    }
    if (strcmp(tag, "#char") == 0 && s && n >= 1 && n <= 4) {
        const unsigned char *u = (const unsigned char *)s;
        uint32_t cp;
        size_t len = u[0] < 0x80 ? 1 : u[0] < 0xe0 ? 2 : u[0] < 0xf0 ? 3 : 4;
        if (len != n)
            return jerr(r, "#char must hold exactly one character");
        cp = len == 1 ? u[0] : (uint32_t)(u[0] & (0x7f >> len));
        for (size_t i = 1; i < len; i++)
            cp = (cp << 6) | (u[i] & 0x3f);
        fl_val v = {FL_V_CHAR, 0, 0, 0, {.i = cp}};
        *out = v;
        return 0;
    }
    if (strcmp(tag, "#sym") == 0 && s) {
        uint32_t id;
        int rc = intern_checked(r, s, n, "symbol", &id);
        if (rc == 0)
            *out = fl_val_sym(id);
        return rc;
    }
    if (strcmp(tag, "#list") == 0)
        return array_items(r, x, FL_V_LIST, out);
    if (strcmp(tag, "#set") == 0)
        return array_items(r, x, FL_V_SET, out);
    if (strcmp(tag, "#ratio") == 0 || strcmp(tag, "#tag") == 0) {
        bool ratio = tag[1] == 'r';
        if (!json_is_array(x) || json_array_size(x) != 2)
            return jerr(r, "%s needs a 2-element array", tag);
        fl_val *items = fl_arena_alloc(r->a, 2 * sizeof(fl_val));
        json_t *t = json_array_get(x, 0);
        if (ratio) {
            for (size_t i = 0; i < 2; i++) {
                int rc = json_to_val(r, json_array_get(x, i), &items[i]);
                if (rc < 0)
                    return rc;
                if (items[i].kind != FL_V_INT && items[i].kind != FL_V_BIGINT)
                    return jerr(r, "#ratio parts must be integers");
                bool bad = items[i].kind == FL_V_INT ? items[i].u.i <= 0
                                                     : items[i].u.s[0] == '-';
                if (i == 1 && bad)
                    return jerr(r, "#ratio denominator must be positive");
            }
        } else {
            uint32_t id;
            if (!json_is_string(t))
                return jerr(r, "#tag needs a tag name");
            int rc = intern_checked(r, json_string_value(t),
                                    json_string_length(t), "tag", &id);
            if (rc < 0)
                return rc;
            const char *tn = json_string_value(t);
            if (!((tn[0] >= 'a' && tn[0] <= 'z') ||
                  (tn[0] >= 'A' && tn[0] <= 'Z')))
                return jerr(r, "tag names start with a letter");
            items[0] = fl_val_sym(id);
            rc = depth_enter(r);
            if (rc < 0)
                return rc;
            rc = json_to_val(r, json_array_get(x, 1), &items[1]);
            if (rc < 0)
                return rc;
            r->depth--;
        }
        fl_val v = {
            ratio ? FL_V_RATIO : FL_V_TAGGED, 0, 0, 2, {.items = items}};
        *out = v;
        return 0;
    }
    if (strcmp(tag, "#map") == 0) {
        if (!json_is_array(x))
            return jerr(r, "#map needs an array of [key, value] pairs");
        size_t n2 = json_array_size(x);
        int rc = depth_enter(r);
        if (rc < 0)
            return rc;
        fl_val *items =
            n2 ? fl_arena_alloc(r->a, fl_st_mult(2 * n2, sizeof(fl_val)))
               : NULL;
        for (size_t i = 0; i < n2; i++) {
            json_t *pr = json_array_get(x, i);
            if (!json_is_array(pr) || json_array_size(pr) != 2)
                return jerr(r, "#map needs an array of [key, value] pairs");
            for (size_t k = 0; k < 2; k++) {
                rc = json_to_val(r, json_array_get(pr, k), &items[2 * i + k]);
                if (rc < 0)
                    return rc;
            }
        }
        r->depth--;
        if (fl_val__has_dups(items, n2, 2))
            return jerr(r, "duplicate key in #map");
        fl_val v = {FL_V_MAP, 0, 0, (uint32_t)n2, {.items = items}};
        *out = v;
        return 0;
    }
    return jerr(r, "unknown or malformed tagged object \"%.40s\"", tag);
}

static int
str_to_val(struct jrd *r, const char *s, size_t n, fl_val *out)
{
    if (n && s[0] == ':') {
        uint32_t id;
        int rc = intern_checked(r, s + 1, n - 1, "keyword", &id);
        if (rc == 0)
            *out = fl_val_kw(id);
        return rc;
    }
    *out = fl_val_str(r->a, s, n);
    return 0;
}

static int
json_to_val(struct jrd *r, json_t *j, fl_val *out)
{
    int rc = 0;
    switch (json_typeof(j)) {
    case JSON_NULL:
        *out = fl_val_nil();
        break;
    case JSON_TRUE:
        *out = fl_val_bool(true);
        break;
    case JSON_FALSE:
        *out = fl_val_bool(false);
        break;
    case JSON_INTEGER:
        *out = fl_val_int(json_integer_value(j));
        break;
    case JSON_REAL:
        *out = fl_val_float(json_real_value(j));
        break;
    case JSON_STRING:
        rc = str_to_val(r, json_string_value(j), json_string_length(j), out);
        break;
    case JSON_ARRAY:
        rc = array_items(r, j, FL_V_VEC, out);
        break;
    case JSON_OBJECT: {
        size_t n = json_object_size(j);
        const char *key;
        json_t *x;
        if (n == 1) {
            json_object_foreach(j, key, x)
            {
                if (key[0] == '#') {
                    rc = tagged_to_val(r, key, x, out);
                    goto out;
                }
            }
        }
        rc = depth_enter(r);
        if (rc < 0)
            goto out;
        fl_val *items =
            n ? fl_arena_alloc(r->a, fl_st_mult(2 * n, sizeof(fl_val))) : NULL;
        size_t i = 0;
        json_object_foreach(j, key, x)
        {
            size_t kn = strlen(key);
            if (kn == 0 || key[0] == '#') {
                rc = jerr(r, "object key \"%.40s\" must be written with #map",
                          key);
                goto out;
            }
            rc = str_to_val(r, key, kn, &items[2 * i]);
            if (rc == 0)
                rc = json_to_val(r, x, &items[2 * i + 1]);
            if (rc < 0)
                goto out;
            i++;
        }
        r->depth--;
        fl_val v = {FL_V_MAP, 0, 0, (uint32_t)n, {.items = items}};
        *out = v;
        break;
    }
    default:
        rc = jerr(r, "unsupported JSON value");
    }
out:
    return rc;
}

int
fl_json_to_val(struct json_t *j, struct fl_arena *a, const char *what,
               fl_val *out, struct fl_err *err)
{
    /* Depth 1, as for an op's value, so it can be journaled as EDN. */
    struct jrd r = {a, what, 0, err, 1};

    return json_to_val(&r, j, out);
}

static int
json_to_op(struct jrd *r, json_t *o, size_t pos, struct fl_op *op)
{
    const char *key;
    json_t *x;
    int rc = 0;
    fl_val extra[64];
    size_t nextra = 0;
    json_t *odd = NULL;
    bool has_type = false;

    memset(op, 0, sizeof(*op));
    op->time_ns = -1;
    op->pair = -1;
    op->process = FL_PROC_KW(FL_KW_NONE);
    op->flags = FL_OP_NO_PROCESS;
    if (!json_is_object(o))
        return jerr(r, "expected an op object");
    json_object_foreach(o, key, x)
    {
        if (strcmp(key, "index") == 0 || strcmp(key, "time") == 0) {
            if (!json_is_integer(x))
                return jerr(r, "op's \"%s\" is not an integer", key);
            if (key[0] == 'i') {
                op->index = json_integer_value(x);
                op->flags |= FL_OP_HAS_INDEX;
            } else {
                op->time_ns = json_integer_value(x);
                op->flags |= FL_OP_HAS_TIME;
            }
        } else if (strcmp(key, "type") == 0) {
            const char *t = json_is_string(x) ? json_string_value(x) : "";
            static const char *const types[] = {"invoke", "ok", "fail", "info"};
            for (size_t i = 0; i < 4; i++)
                if (strcmp(t, types[i]) == 0) {
                    op->type = (uint8_t)i;
                    has_type = true;
                }
            if (!has_type)
                return jerr(r, "op's \"type\" is not one of invoke, ok, "
                               "fail, info");
        } else if (strcmp(key, "process") == 0) {
            op->flags &= (uint8_t)~FL_OP_NO_PROCESS;
            if (json_is_integer(x)) {
                json_int_t p = json_integer_value(x);
                if (p < 0 || p > INT32_MAX)
                    return jerr(r, "op's \"process\" is out of range");
                op->process = (int32_t)p;
            } else if (json_is_string(x)) {
                uint32_t id;
                rc = intern_checked(r, json_string_value(x),
                                    json_string_length(x), "process", &id);
                if (rc < 0)
                    return rc;
                op->process =
                    id == FL_KW_NEMESIS ? FL_PROC_NEMESIS : FL_PROC_KW(id);
            } else if (json_is_null(x)) {
                op->flags |= FL_OP_NO_PROCESS;
            } else {
                return jerr(r, "op's \"process\" is not an integer or string");
            }
        } else if (strcmp(key, "f") == 0) {
            if (json_is_string(x)) {
                rc = intern_checked(r, json_string_value(x),
                                    json_string_length(x), "f", &op->f);
                if (rc < 0)
                    return rc;
            } else if (json_is_object(x) && json_object_size(x) == 1 &&
                       json_is_string(json_object_get(x, "#str"))) {
                json_t *s = json_object_get(x, "#str");
                op->f =
                    fl_kw_intern(json_string_value(s), json_string_length(s));
                op->flags |= FL_OP_F_STRING;
            } else if (!json_is_null(x)) {
                return jerr(r, "op's \"f\" is not a string");
            }
        } else if (strcmp(key, "value") == 0) {
            rc = json_to_val(r, x, &op->value);
            if (rc < 0)
                return rc;
            op->flags |= FL_OP_HAS_VALUE;
        } else if (strcmp(key, "#extra") == 0) {
            odd = x;
        } else {
            uint32_t id;
            if (nextra >= FL_ARRAY_SIZE(extra))
                return jerr(r, "op has more than %zu extra keys",
                            FL_ARRAY_SIZE(extra) / 2);
            rc = intern_checked(r, key, strlen(key), "key", &id);
            if (rc < 0)
                return rc;
            extra[nextra] = fl_val_kw(id);
            rc = json_to_val(r, x, &extra[nextra + 1]);
            if (rc < 0)
                return rc;
            nextra += 2;
        }
    }
    if (!has_type)
        return jerr(r, "op has no \"type\"");
    if (odd) {
        if (!json_is_array(odd))
            return jerr(r, "op's \"#extra\" is not an array of pairs");
        for (size_t i = 0; i < json_array_size(odd); i++) {
            json_t *pr = json_array_get(odd, i);
            if (!json_is_array(pr) || json_array_size(pr) != 2)
                return jerr(r, "op's \"#extra\" is not an array of pairs");
            if (nextra >= FL_ARRAY_SIZE(extra))
                return jerr(r, "op has more than %zu extra keys",
                            FL_ARRAY_SIZE(extra) / 2);
            for (size_t k = 0; k < 2; k++) {
                rc = json_to_val(r, json_array_get(pr, k), &extra[nextra + k]);
                if (rc < 0)
                    return rc;
            }
            const fl_val *k = &extra[nextra];
            if (k->kind == FL_V_KW &&
                (k->u.id == FL_KW_INDEX || k->u.id == FL_KW_TIME ||
                 k->u.id == FL_KW_TYPE || k->u.id == FL_KW_PROCESS ||
                 k->u.id == FL_KW_F || k->u.id == FL_KW_VALUE))
                return jerr(r, "op's \"#extra\" repeats a fixed field");
            nextra += 2;
        }
    }
    if (fl_val__has_dups(extra, nextra / 2, 2))
        return jerr(r, "duplicate extra key in op");
    if (nextra) {
        fl_val *m = fl_arena_alloc(r->a, sizeof(fl_val));
        *m = fl_val_map(r->a, extra, nextra / 2);
        op->extra = m;
    }
    if (!(op->flags & FL_OP_HAS_INDEX))
        op->index = (int64_t)pos;
    return 0;
}

/*
 * The fast reader. It takes the lines histories are made of (ASCII
 * strings without escapes, plain objects, integers and ordinary floats)
 * straight into fl_vals and gives up, leaving the line to jansson above,
 * on anything else: a backslash or a byte outside printable ASCII in a
 * string, a tagged object or "#extra", a number it cannot convert exactly
 * as jansson does, any syntax error or any content the op would be
 * rejected for. What it accepts, jansson accepts with the same value, so
 * values and errors (file:line:col and message) are exactly jansson's;
 * tests/unit/test_json.c compares the two readers.
 */
bool fl_json__fast = true;

struct jf {
    const unsigned char *p, *end;
    struct fl_arena *a;
    int depth;
    fl_val *stk; /* scratch stack of collection items */
    size_t nstk, astk;
};

static inline void
jf_ws(struct jf *f)
{
    while (f->p < f->end &&
           (*f->p == ' ' || *f->p == '\t' || *f->p == '\r' || *f->p == '\n'))
        f->p++;
}

/* A string without escapes in printable ASCII: its bytes, or false. */
static bool
jf_raw_str(struct jf *f, const char **s, size_t *n)
{
    const unsigned char *q = f->p + 1, *e = f->end;

    while (q < e && *q != '"') {
        if (*q < 0x20 || *q >= 0x7f || *q == '\\')
            return false;
        q++;
    }
    if (q == e)
        return false;
    *s = (const char *)f->p + 1;
    *n = (size_t)(q - f->p - 1);
    f->p = q + 1;
    return true;
}

static bool
jf_name(const char *s, size_t n, uint32_t *id)
{
    if (!valid_name(s, n, false))
        return false;
    *id = fl_hist__intern_cached(s, n);
    return true;
}

/* jansson's number grammar; integers of up to 18 digits, finite reals. */
static bool
jf_number(struct jf *f, fl_val *out)
{
    const unsigned char *q = f->p, *e = f->end, *d0;
    bool neg = false, real = false;
    uint64_t v = 0;

    if (*q == '-')
        neg = true, q++;
    d0 = q;
    if (q == e || *q < '0' || *q > '9')
        return false;
    if (*q == '0' && q + 1 < e && q[1] >= '0' && q[1] <= '9')
        return false;
    while (q < e && *q >= '0' && *q <= '9')
        v = v * 10 + (uint64_t)(*q++ - '0');
    size_t nd = (size_t)(q - d0);
    if (q < e && *q == '.') {
        real = true;
        if (++q == e || *q < '0' || *q > '9')
            return false;
        while (q < e && *q >= '0' && *q <= '9')
            q++;
    }
    if (q < e && (*q == 'e' || *q == 'E')) {
        real = true;
        if (++q < e && (*q == '+' || *q == '-'))
            q++;
        if (q == e || *q < '0' || *q > '9')
            return false;
        while (q < e && *q >= '0' && *q <= '9')
            q++;
    }
    if (!real) {
        if (nd > 18)
            return false;
        *out = fl_val_int(neg ? -(int64_t)v : (int64_t)v);
    } else {
        char buf[64];
        size_t len = (size_t)(q - f->p);
        if (len >= sizeof(buf))
            return false;
        memcpy(buf, f->p, len);
        buf[len] = 0;
        double d = strtod(buf, NULL);
        if (isinf(d))
            return false;
        *out = fl_val_float(d);
    }
    f->p = q;
    return true;
}

static bool jf_value(struct jf *f, fl_val *out);

static void
jf_push(struct jf *f, const fl_val *v)
{
    FL_ALLOC_GROW(f->stk, f->nstk + 1, f->astk);
    f->stk[f->nstk++] = *v;
}

/* The items since base, moved from the scratch stack into the arena. */
static fl_val
jf_coll(struct jf *f, size_t base, enum fl_val_kind kind, size_t n)
{
    fl_val v = {(uint8_t)kind, 0, 0, (uint32_t)n, {.items = NULL}};
    size_t k = f->nstk - base;

    if (k) {
        fl_val *items = fl_arena_alloc(f->a, fl_st_mult(k, sizeof(fl_val)));
        memcpy(items, f->stk + base, k * sizeof(fl_val));
        v.u.items = items;
    }
    f->nstk = base;
    return v;
}

/* One item of an array or an object, pushed onto the stack above base. */
typedef bool jf_item_fn(struct jf *f, size_t base);

static bool
jf_array_item(struct jf *f, size_t base)
{
    fl_val v;

    FL_UNUSED(base);
    if (!jf_value(f, &v))
        return false;
    jf_push(f, &v);
    return true;
}

/* Whether key (raw bytes) is among the keys already on the stack. */
static bool
jf_dup_key(const struct jf *f, size_t base, const char *s, size_t n,
           const fl_val *k)
{
    for (size_t i = base; i < f->nstk; i += 2) {
        const fl_val *o = &f->stk[i];
        if (o->kind != k->kind)
            continue;
        if (o->kind == FL_V_KW ? o->u.id == k->u.id
                               : o->n == n && memcmp(o->u.s, s, n) == 0)
            return true;
    }
    return false;
}

/* One "key": value pair of a plain object, pushed as two stack entries. */
static bool
jf_object_item(struct jf *f, size_t base)
{
    const char *s;
    size_t n;
    fl_val k, v;

    if (f->p == f->end || *f->p != '"' || !jf_raw_str(f, &s, &n) || n == 0 ||
        s[0] == '#')
        return false;
    if (s[0] == ':') {
        uint32_t id;
        if (!jf_name(s + 1, n - 1, &id))
            return false;
        k = fl_val_kw(id);
    } else {
        k.kind = FL_V_STR; /* compared raw; copied below */
        k.n = (uint32_t)n;
        k.u.s = s;
    }
    if (jf_dup_key(f, base, s, n, &k))
        return false;
    if (k.kind == FL_V_STR)
        k = fl_val_str(f->a, s, n);
    jf_ws(f);
    if (f->p == f->end || *f->p++ != ':')
        return false;
    jf_ws(f);
    if (!jf_value(f, &v))
        return false;
    jf_push(f, &k);
    jf_push(f, &v);
    return true;
}

/*
 * An array (close ']', one stack entry per item, a vector) or a plain
 * object (close '}', two per item, a map; no '#' key: tagged objects are
 * jansson's) at f->p: items separated by ',', each through item, into *out.
 * The nesting depth is capped at JSON_MAX_DEPTH.
 */
static bool
jf_items(struct jf *f, char close, jf_item_fn *item, fl_val *out)
{
    size_t base = f->nstk;

    if (++f->depth > JSON_MAX_DEPTH)
        return false;
    f->p++;
    jf_ws(f);
    if (f->p < f->end && *f->p == close) {
        f->p++;
        goto done;
    }
    for (;;) {
        if (!item(f, base))
            return false;
        jf_ws(f);
        if (f->p == f->end)
            return false;
        if (*f->p == close) {
            f->p++;
            break;
        }
        if (*f->p++ != ',')
            return false;
        jf_ws(f);
    }
done:
    f->depth--;
    *out = close == ']' ? jf_coll(f, base, FL_V_VEC, f->nstk - base)
                        : jf_coll(f, base, FL_V_MAP, (f->nstk - base) / 2);
    return true;
}

static bool
jf_lit(struct jf *f, const char *lit, size_t n, fl_val v, fl_val *out)
{
    if ((size_t)(f->end - f->p) < n || memcmp(f->p, lit, n) != 0)
        return false;
    f->p += n;
    if (f->p < f->end &&
        ((*f->p >= 'a' && *f->p <= 'z') || (*f->p >= 'A' && *f->p <= 'Z') ||
         (*f->p >= '0' && *f->p <= '9')))
        return false;
    *out = v;
    return true;
}

static bool
jf_value(struct jf *f, fl_val *out)
{
    const char *s;
    size_t n;

    if (f->p == f->end)
        return false;
    switch (*f->p) {
    case '"':
        if (!jf_raw_str(f, &s, &n))
            return false;
        if (n && s[0] == ':') {
            uint32_t id;
            if (!jf_name(s + 1, n - 1, &id))
                return false;
            *out = fl_val_kw(id);
        } else {
            *out = fl_val_str(f->a, s, n);
        }
        return true;
    case '[':
        return jf_items(f, ']', jf_array_item, out);
    case '{':
        return jf_items(f, '}', jf_object_item, out);
    case 't':
        return jf_lit(f, "true", 4, fl_val_bool(true), out);
    case 'f':
        return jf_lit(f, "false", 5, fl_val_bool(false), out);
    case 'n':
        return jf_lit(f, "null", 4, fl_val_nil(), out);
    default:
        return jf_number(f, out);
    }
}

static bool
jf_int(struct jf *f, int64_t *v)
{
    fl_val x;

    if (!jf_number(f, &x) || x.kind != FL_V_INT)
        return false;
    *v = x.u.i;
    return true;
}

/* One member of the op object; false: leave the line to jansson. */
static bool
jf_member(struct jf *f, const char *key, size_t kn, struct fl_op *op,
          fl_val *extra, size_t *nextra, bool *has_type)
{
    static const char *const types[] = {"invoke", "ok", "fail", "info"};
    const char *s;
    size_t n;
    int64_t i;
    uint32_t id;

#define KEY_IS(lit) (kn == sizeof(lit) - 1 && memcmp(key, lit, kn) == 0)
    if (KEY_IS("index") || KEY_IS("time")) {
        if (!jf_int(f, &i))
            return false;
        if (key[0] == 'i') {
            op->index = i;
            op->flags |= FL_OP_HAS_INDEX;
        } else {
            op->time_ns = i;
            op->flags |= FL_OP_HAS_TIME;
        }
    } else if (KEY_IS("type")) {
        if (*f->p != '"' || !jf_raw_str(f, &s, &n))
            return false;
        for (size_t t = 0; t < 4; t++)
            if (strlen(types[t]) == n && memcmp(s, types[t], n) == 0) {
                op->type = (uint8_t)t;
                *has_type = true;
            }
        return *has_type;
    } else if (KEY_IS("process")) {
        op->flags &= (uint8_t)~FL_OP_NO_PROCESS;
        if (*f->p == '"') {
            if (!jf_raw_str(f, &s, &n) || !jf_name(s, n, &id))
                return false;
            op->process =
                id == FL_KW_NEMESIS ? FL_PROC_NEMESIS : FL_PROC_KW(id);
        } else if (*f->p == 'n') {
            fl_val nil;
            if (!jf_lit(f, "null", 4, fl_val_nil(), &nil))
                return false;
            op->flags |= FL_OP_NO_PROCESS;
        } else {
            if (!jf_int(f, &i) || i < 0 || i > INT32_MAX)
                return false;
            op->process = (int32_t)i;
        }
    } else if (KEY_IS("f")) {
        if (*f->p == '"') {
            if (!jf_raw_str(f, &s, &n) || !jf_name(s, n, &op->f))
                return false;
        } else {
            fl_val nil;
            if (!jf_lit(f, "null", 4, fl_val_nil(), &nil))
                return false;
        }
    } else if (KEY_IS("value")) {
        if (!jf_value(f, &op->value))
            return false;
        op->flags |= FL_OP_HAS_VALUE;
    } else {
        if (key[0] == '#' || *nextra >= 64 || !jf_name(key, kn, &id))
            return false;
        extra[*nextra] = fl_val_kw(id);
        if (!jf_value(f, &extra[*nextra + 1]))
            return false;
        *nextra += 2;
    }
#undef KEY_IS
    return true;
}

/* Whether the member name s (raw) came before in this op. */
static bool
jf_seen(const char **keys, const size_t *lens, size_t nk, const char *s,
        size_t n)
{
    for (size_t i = 0; i < nk; i++)
        if (lens[i] == n && memcmp(keys[i], s, n) == 0)
            return true;
    return false;
}

static bool
jf_op(struct jf *f, size_t pos, struct fl_op *op)
{
    const char *keys[72];
    size_t lens[72], nk = 0, nextra = 0;
    fl_val extra[64];
    bool has_type = false;

    memset(op, 0, sizeof(*op));
    op->time_ns = -1;
    op->pair = -1;
    op->process = FL_PROC_KW(FL_KW_NONE);
    op->flags = FL_OP_NO_PROCESS;
    jf_ws(f);
    if (f->p == f->end || *f->p != '{')
        return false;
    f->p++;
    jf_ws(f);
    if (f->p < f->end && *f->p == '}') {
        f->p++;
    } else {
        for (;;) {
            const char *s;
            size_t n;
            if (f->p == f->end || *f->p != '"' || !jf_raw_str(f, &s, &n) ||
                nk == FL_ARRAY_SIZE(keys) || jf_seen(keys, lens, nk, s, n))
                return false;
            keys[nk] = s;
            lens[nk++] = n;
            jf_ws(f);
            if (f->p == f->end || *f->p++ != ':')
                return false;
            jf_ws(f);
            if (f->p == f->end ||
                !jf_member(f, s, n, op, extra, &nextra, &has_type))
                return false;
            jf_ws(f);
            if (f->p == f->end)
                return false;
            if (*f->p == '}') {
                f->p++;
                break;
            }
            if (*f->p++ != ',')
                return false;
            jf_ws(f);
        }
    }
    jf_ws(f);
    if (f->p != f->end || !has_type || fl_val__has_dups(extra, nextra / 2, 2))
        return false;
    if (nextra) {
        fl_val *m = fl_arena_alloc(f->a, sizeof(fl_val));
        *m = fl_val_map(f->a, extra, nextra / 2);
        op->extra = m;
    }
    if (!(op->flags & FL_OP_HAS_INDEX))
        op->index = (int64_t)pos;
    return true;
}

/* One line through jansson: today's values and errors. */
static int
parse_line_slow(struct jrd *r, const char *s, size_t n, size_t pos,
                struct fl_op *op)
{
    json_error_t je;
    json_t *o = json_loadb(s, n, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
    int rc;

    if (!o)
        return fl_err_set(r->err, FL_EPARSE, "%s:%u:%d: %s", r->name, r->line,
                          je.column > 0 ? je.column : 1, je.text);
    rc = json_to_op(r, o, pos, op);
    json_decref(o);
    return rc;
}

/*
 * The lines of buf[start, len) into h, the first being line line0; the
 * number of the last line read goes to *end_line.
 */
static int
json_lines(const char *buf, size_t start, size_t len, uint32_t line0,
           const char *name, struct fl_hist *h, struct fl_err *err,
           uint32_t *end_line)
{
    struct jrd r = {&h->arena, name ? name : "<input>", line0 - 1, err, 1};
    struct jf f = {NULL, NULL, &h->arena, 1, NULL, 0, 0};
    size_t dropped = start;
    int rc = 0;

    for (size_t off = start; off < len;) {
        rc = fl_hist__progress(h, buf, &dropped, off, err);
        if (rc < 0)
            goto out;
        const char *s = buf + off;
        const char *nl = memchr(s, '\n', len - off);
        size_t n = nl ? (size_t)(nl - s) : len - off;
        off += n + (nl ? 1 : 0);
        r.line++;
        size_t k = 0;
        while (k < n && strchr(" \t\r", s[k]) && s[k])
            k++;
        if (k == n)
            continue;
        struct fl_op op;
        f.p = (const unsigned char *)s + k;
        f.end = (const unsigned char *)s + n;
        f.depth = 1;
        f.nstk = 0;
        if (!fl_json__fast || !jf_op(&f, h->n, &op)) {
            rc = parse_line_slow(&r, s, n, h->n, &op);
            if (rc < 0)
                goto out;
        }
        fl_hist__append_line(h, &op, r.line);
    }
    if (end_line)
        *end_line = r.line;
out:
    free(f.stk);
    return rc;
}

/* The second half of a two-thread read. */
struct jhalf {
    const char *buf, *name;
    size_t start, len, budget_bytes;
    struct fl_hist h;
    struct fl_err err;
    int rc;
};

static void *
jhalf_main(void *arg)
{
    struct jhalf *x = arg;

    fl_hist__prepare(&x->h, x->len - x->start, (x->len - x->start) / 64 + 16);
    x->h.budget_bytes = x->budget_bytes;
    x->rc =
        json_lines(x->buf, x->start, x->len, 1, x->name, &x->h, &x->err, NULL);
    return NULL;
}

/*
 * Two threads, each reading half of the lines: this one up to the first
 * line after the middle, a second one from there into its own ops and
 * arena, appended when both are done. JSON lines are independent, so any
 * line boundary is a clean cut. An error in the first half is the first
 * error of the input; if only the second half fails, this thread reads it
 * again with the right line numbers, so messages are a one-thread read's.
 * Returns 1 when it did not try.
 */
static int
json_par(const char *buf, size_t len, const char *name, struct fl_hist *h,
         struct fl_err *err)
{
    const char *nl = memchr(buf + len / 2, '\n', len - len / 2);
    struct jhalf *x;
    pthread_t th;
    uint32_t line = 0;
    int rc;

    if (!nl || (size_t)(nl + 1 - buf) >= len)
        return 1;
    x = fl_xcalloc(1, sizeof(*x));
    x->buf = buf;
    x->name = name;
    x->start = (size_t)(nl + 1 - buf);
    x->len = len;
    fl_hist_init(&x->h);
    x->h.src_mapped = h->src_mapped;
    size_t budget = fl_hist_memory_budget();
    x->budget_bytes = h->budget_bytes = budget / 2 ? budget / 2 : 1;
    if (pthread_create(&th, NULL, jhalf_main, x) != 0) {
        fl_hist_release(&x->h);
        free(x);
        return 1;
    }
    struct fl_err aerr = FL_ERR_INIT;
    rc = json_lines(buf, 0, x->start, 1, name, h, &aerr, &line);
    pthread_join(th, NULL);
    h->budget_bytes = budget;
    if (rc < 0) {
        if (err)
            *err = aerr;
    } else if (x->rc == FL_ELIMIT) {
        if (err)
            *err = x->err;
        rc = FL_ELIMIT;
    } else if (x->rc < 0) {
        rc = json_lines(buf, x->start, len, line + 1, name, h, err, NULL);
    } else {
        fl_hist__adopt(h, &x->h, line + 1);
    }
    fl_hist_release(&x->h);
    free(x);
    return rc;
}

int
fl_json_parse_hist(const char *buf, size_t len, const char *name,
                   struct fl_hist *h, struct fl_err *err)
{
    size_t n0 = h->n;
    int rc = 1;

    fl_hist__prepare(h, len, len / 64 + 16);
    if (len >= fl_edn__par_min_bytes)
        rc = json_par(buf, len, name, h, err);
    if (rc > 0)
        rc = json_lines(buf, 0, len, 1, name, h, err, NULL);
    if (rc < 0)
        h->n = n0;
    fl_hist__shrink(h);
    return rc;
}
