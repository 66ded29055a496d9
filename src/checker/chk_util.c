/* SPDX-License-Identifier: MIT */
/*
 * chk_util.c: result-map builder, const pairing and interval strings for
 * the workload checkers (chk_int.h).
 */
#include "util/common.h"

#include "checker/chk_int.h"

#include <sys/stat.h>

#include "util/err.h"
#include "util/map.h"
#include "util/strbuf.h"

void
fl_chk__map_init(struct fl_chk__map *m, struct fl_arena *a)
{
    m->items = NULL;
    m->n = m->alloc = 0;
    m->a = a;
}

void
fl_chk__put(struct fl_chk__map *m, const char *key, fl_val v)
{
    FL_ALLOC_GROW(m->items, 2 * (m->n + 1), m->alloc);
    m->items[2 * m->n] = fl_val_kw(fl_kw_intern_cstr(key));
    m->items[2 * m->n + 1] = v;
    m->n++;
}

void
fl_chk__put_int(struct fl_chk__map *m, const char *key, int64_t i)
{
    fl_chk__put(m, key, fl_val_int(i));
}

fl_val
fl_chk__str(struct fl_arena *a, const char *s)
{
    return fl_val_str(a, s, strlen(s));
}

void
fl_chk__put_str(struct fl_chk__map *m, const char *key, const char *s)
{
    fl_chk__put(m, key, fl_chk__str(m->a, s));
}

void
fl_chk__put_kw(struct fl_chk__map *m, const char *key, const char *kw)
{
    fl_chk__put(m, key, fl_val_kw(fl_kw_intern_cstr(kw)));
}

void
fl_chk__put_valid(struct fl_chk__map *m, enum fl_verdict v)
{
    fl_chk__put(m, "valid?", fl_verdict_val(v));
}

fl_val
fl_chk__map_done(struct fl_chk__map *m)
{
    fl_val v = fl_val_map(m->a, m->items, m->n);

    free(m->items);
    m->items = NULL;
    m->n = m->alloc = 0;
    return v;
}

int32_t *
fl_chk__pairs(const struct fl_hist *h)
{
    int32_t *pair = fl_xmalloc(fl_st_mult(h->n ? h->n : 1, sizeof(int32_t)));
    struct fl_map open;

    if (h->paired) {
        for (size_t i = 0; i < h->n; i++)
            pair[i] = h->ops[i].pair;
        return pair;
    }
    fl_map_init(&open);
    for (size_t i = 0; i < h->n; i++) {
        const struct fl_op *op = &h->ops[i];
        uint64_t key = (uint64_t)(int64_t)op->process;
        uint64_t *slot = fl_map_get(&open, key);

        pair[i] = -1;
        if (op->type == FL_OP_INVOKE ||
            (!fl_op_is_client(op) && op->type == FL_OP_INFO && !slot)) {
            fl_map_put(&open, key, i);
            continue;
        }
        if (!slot)
            continue;
        pair[i] = (int32_t)*slot;
        pair[*slot] = (int32_t)i;
        fl_map_del(&open, key);
    }
    fl_map_release(&open);
    return pair;
}

static int
cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return x < y ? -1 : x > y;
}

size_t
fl_chk__sort_unique(int64_t *v, size_t n)
{
    size_t k = 0;

    if (n == 0)
        return 0;
    qsort(v, n, sizeof(*v), cmp_i64);
    for (size_t i = 1; i < n; i++)
        if (v[i] != v[k])
            v[++k] = v[i];
    return k + 1;
}

void
fl_chk__interval_str(struct fl_strbuf *sb, const int64_t *v, size_t n)
{
    fl_strbuf_addstr(sb, "#{");
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && v[j + 1] == v[j] + 1)
            j++;
        if (i)
            fl_strbuf_addch(sb, ' ');
        if (j == i)
            fl_strbuf_addf(sb, "%" PRId64, v[i]);
        else
            fl_strbuf_addf(sb, "%" PRId64 "..%" PRId64, v[i], v[j]);
        i = j + 1;
    }
    fl_strbuf_addch(sb, '}');
}

enum fl_verdict
fl_chk__verdict_of(const fl_val *result)
{
    const fl_val *v = fl_val_map_get_kw(result, FL_KW_VALID);

    if (!v)
        return FL_VERDICT_TRUE;
    if (v->kind == FL_V_BOOL)
        return v->u.b ? FL_VERDICT_TRUE : FL_VERDICT_FALSE;
    return FL_VERDICT_UNKNOWN;
}

struct fl_checker *
fl_chk__new(const struct fl_checker_type *type, void *ctx)
{
    struct fl_checker *c = fl_xmalloc(sizeof(*c));

    c->type = type;
    c->ctx = ctx;
    return c;
}

void
fl_chk__free_plain(struct fl_checker *c)
{
    free(c->ctx);
    free(c);
}

static int
mkdir_one(const char *path, struct fl_err *err)
{
    if (mkdir(path, 0755) < 0 && errno != EEXIST)
        return fl_err_set(err, -errno, "mkdir %s: %s", path, strerror(errno));
    return 0;
}

char *
fl_chk__key_dir(const char *out_dir, const fl_val *key, struct fl_err *err)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;
    char *dir = NULL;

    if (key->kind == FL_V_STR)
        fl_strbuf_add(&sb, key->u.s, key->n);
    else
        fl_val_print_edn(&sb, key);
    for (size_t i = 0; i < sb.len; i++)
        if (sb.buf[i] == '/' || (i == 0 && sb.buf[i] == '.'))
            sb.buf[i] = '_';
    char *ind = fl_xasprintf("%s/independent", out_dir);
    dir = fl_xasprintf("%s/%s", ind, sb.len ? sb.buf : "_");
    if (mkdir_one(out_dir, err) || mkdir_one(ind, err) || mkdir_one(dir, err)) {
        free(dir);
        dir = NULL;
    }
    free(ind);
    fl_strbuf_release(&sb);
    return dir;
}

int
fl_chk__write_edn(const char *dir, const char *name, const fl_val *v,
                  struct fl_err *err)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;
    char *path = fl_xasprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    int rc = 0;

    if (!f) {
        rc = fl_err_set(err, -errno, "%s: %s", path, strerror(errno));
        goto out;
    }
    if (v->kind == FL_V_MAP) {
        fl_strbuf_addch(&sb, '{');
        for (uint32_t i = 0; i < v->n; i++) {
            if (i)
                fl_strbuf_addstr(&sb, "\n ");
            fl_val_print_edn(&sb, &v->u.items[2 * i]);
            fl_strbuf_addch(&sb, ' ');
            fl_val_print_edn(&sb, &v->u.items[2 * i + 1]);
        }
        fl_strbuf_addch(&sb, '}');
    } else {
        fl_val_print_edn(&sb, v);
    }
    fl_strbuf_addch(&sb, '\n');
    if (fwrite(sb.buf, 1, sb.len, f) != sb.len)
        rc = fl_err_set(err, -EIO, "%s: write failed", path);
    if (fclose(f) != 0 && rc == 0)
        rc = fl_err_set(err, -errno, "%s: %s", path, strerror(errno));
out:
    free(path);
    fl_strbuf_release(&sb);
    return rc;
}

int
fl_chk__op_err(struct fl_err *err, int code, const struct fl_hist *h,
               const struct fl_op *op, const char *fmt, ...)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;
    size_t pos = (size_t)(op - h->ops);
    va_list ap;

    if (h->lines && pos < h->n && h->lines[pos])
        fl_strbuf_addf(&sb, "%s:%u: ", h->name ? h->name : "history",
                       h->lines[pos]);
    va_start(ap, fmt);
    fl_strbuf_vaddf(&sb, fmt, ap);
    va_end(ap);
    fl_err_set(err, code, "%s", sb.buf);
    fl_strbuf_release(&sb);
    return code;
}

int
fl_chk__cmp_u64_pair(const void *a, const void *b)
{
    const uint64_t *x = a, *y = b;

    if (x[0] != y[0])
        return x[0] < y[0] ? -1 : 1;
    return x[1] < y[1] ? -1 : x[1] > y[1];
}
