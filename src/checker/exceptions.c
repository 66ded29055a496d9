/* SPDX-License-Identifier: MIT */
/*
 * exceptions.c: Jepsen's unhandled-exceptions checker. Client errors that
 * the client did not map to :fail or to a specific :info end up as :info
 * completions with :error "indeterminate: <msg>" (or an :exception key);
 * this groups them by message so they can be fixed. Always valid.
 */
#include "util/common.h"

#include "checker/chk_int.h"
#include "checker/workloads.h"

#include "util/map.h"
#include "util/strbuf.h"

struct group {
    const fl_val *key; /* the message or exception value */
    size_t example;    /* first op */
    int64_t count;
};

static const fl_val *
exception_of(const struct fl_op *op)
{
    const fl_val *e = fl_op_get(op, fl_kw_intern_cstr("exception"));

    if (e)
        return e;
    e = fl_op_error(op);
    if (e && e->kind == FL_V_STR && strncmp(e->u.s, "indeterminate", 13) == 0)
        return e;
    return NULL;
}

static int
cmp_count(const void *a, const void *b)
{
    const struct group *x = a, *y = b;

    return x->count < y->count ? 1 : x->count > y->count ? -1 : 0;
}

static int
exc_check(const struct fl_checker *c, const struct fl_hist *h,
          const struct fl_chk_opts *opts, struct fl_arena *a,
          struct fl_chk_result *out, struct fl_err *err)
{
    struct group *g = NULL;
    size_t ng = 0, alloc = 0;
    struct fl_map idx;

    FL_UNUSED(c);
    FL_UNUSED(opts);
    FL_UNUSED(err);
    fl_map_init(&idx);
    for (size_t i = 0; i < h->n; i++) {
        const struct fl_op *op = &h->ops[i];
        if (!fl_op_is_client(op) || op->type != FL_OP_INFO)
            continue;
        const fl_val *e = exception_of(op);
        if (!e)
            continue;
        uint64_t hash = fl_val_hash(e);
        uint64_t *slot = fl_map_get(&idx, hash);
        size_t k = slot ? (size_t)*slot : ng;
        while (k < ng && !fl_val_equal(g[k].key, e))
            k++; /* hash collision: linear scan from there */
        if (k == ng) {
            FL_ALLOC_GROW(g, ng + 1, alloc);
            g[ng].key = e;
            g[ng].example = i;
            g[ng].count = 0;
            if (!slot)
                fl_map_put(&idx, hash, ng);
            ng++;
        }
        g[k].count++;
    }
    if (ng)
        qsort(g, ng, sizeof(*g), cmp_count);
    fl_val *items = fl_xcalloc(ng ? ng : 1, sizeof(*items));
    for (size_t k = 0; k < ng; k++) {
        struct fl_chk__map m;
        const struct fl_op *ex = &h->ops[g[k].example];
        fl_chk__map_init(&m, a);
        fl_chk__put(&m, "class", fl_val_copy(a, g[k].key));
        fl_chk__put_int(&m, "count", g[k].count);
        struct fl_chk__map em;
        fl_chk__map_init(&em, a);
        fl_chk__put_int(&em, "index", ex->index);
        fl_chk__put_int(&em, "process", ex->process);
        fl_chk__put(&em, "f", fl_val_kw(ex->f));
        fl_chk__put(&em, "value", fl_val_copy(a, &ex->value));
        fl_chk__put(&m, "example", fl_chk__map_done(&em));
        items[k] = fl_chk__map_done(&m);
    }
    struct fl_chk__map m;
    fl_chk__map_init(&m, a);
    fl_chk__put_valid(&m, FL_VERDICT_TRUE);
    fl_chk__put(&m, "exceptions", fl_val_coll(a, FL_V_VEC, items, ng));
    out->map = fl_chk__map_done(&m);
    out->valid = FL_VERDICT_TRUE;
    free(items);
    free(g);
    fl_map_release(&idx);
    return 0;
}

static const struct fl_checker_type exceptions_type = {
    .name = "unhandled-exceptions",
    .check = exc_check,
    .free = fl_chk__free_plain,
};

struct fl_checker *
fl_chk_exceptions_new(void)
{
    return fl_chk__new(&exceptions_type, NULL);
}
