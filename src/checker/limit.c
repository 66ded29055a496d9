/* SPDX-License-Identifier: MIT */
/*
 * limit.c: Jepsen's concurrency-limit wrapper, with a memory bound. At
 * most `limit` checks of the wrapped checker run at once (a fair, FIFO
 * semaphore, so a long queue of per-key checks finishes in order), and
 * each runs with a memory limit: the caller's, or else the bound given at
 * construction, or else half the machine's physical memory, divided among
 * the checks that may run at once. A checker that honours the limit (the
 * linearizability search does) answers :unknown with :cause
 * :out-of-memory instead of taking the machine down; the wrapper adds the
 * bound it imposed to such a result so the reader sees why.
 */
#include "util/common.h"

#include "checker/chk_int.h"
#include "checker/workloads.h"

#include <pthread.h>
#include <unistd.h>

#include "util/err.h"

struct limit {
    struct fl_checker *inner; /* owned */
    int limit;                /* concurrent checks allowed, >= 1 */
    size_t memory_bytes;      /* bound for all of them, 0: half of RAM */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint64_t next_ticket, serving; /* FIFO admission, protected by mu */
    int running;                   /* protected by mu */
};

size_t
fl_chk_default_memory_bytes(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);

    if (pages <= 0 || psize <= 0)
        return (size_t)1 << 31;
    return (size_t)pages / 2 * (size_t)psize;
}

static void
admit(struct limit *l)
{
    pthread_mutex_lock(&l->mu);
    uint64_t me = l->next_ticket++;
    while (me != l->serving || l->running >= l->limit)
        pthread_cond_wait(&l->cv, &l->mu);
    l->serving++;
    l->running++;
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
}

static void
leave(struct limit *l)
{
    pthread_mutex_lock(&l->mu);
    l->running--;
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
}

/* Add :memory-limit-bytes to an :unknown result that ran out of memory. */
static void
note_bound(struct fl_chk_result *r, size_t bytes, struct fl_arena *a)
{
    const fl_val *cause =
        fl_val_map_get_kw(&r->map, fl_kw_intern_cstr("cause"));
    struct fl_chk__map m;

    if (r->valid != FL_VERDICT_UNKNOWN || !cause ||
        !fl_val_is_kw(cause, fl_kw_intern_cstr("out-of-memory")) ||
        r->map.kind != FL_V_MAP)
        return;
    fl_chk__map_init(&m, a);
    for (uint32_t i = 0; i < r->map.n; i++)
        if (r->map.u.items[2 * i].kind == FL_V_KW)
            fl_chk__put(&m, fl_kw_name(r->map.u.items[2 * i].u.id),
                        r->map.u.items[2 * i + 1]);
    fl_chk__put_int(&m, "memory-limit-bytes", (int64_t)bytes);
    r->map = fl_chk__map_done(&m);
}

static int
limit_check(const struct fl_checker *c, const struct fl_hist *h,
            const struct fl_chk_opts *opts, struct fl_arena *a,
            struct fl_chk_result *out, struct fl_err *err)
{
    struct limit *l = c->ctx;
    struct fl_chk_opts o;
    int rc;

    if (opts)
        o = *opts;
    else
        memset(&o, 0, sizeof(o));
    if (!o.memory_limit_bytes) {
        size_t all =
            l->memory_bytes ? l->memory_bytes : fl_chk_default_memory_bytes();
        o.memory_limit_bytes = all / (size_t)l->limit;
    }
    admit(l);
    rc = l->inner->type->check(l->inner, h, &o, a, out, err);
    leave(l);
    if (rc == 0)
        note_bound(out, o.memory_limit_bytes, a);
    return rc;
}

static void
limit_free(struct fl_checker *c)
{
    struct limit *l = c->ctx;

    fl_chk_free(l->inner);
    pthread_mutex_destroy(&l->mu);
    pthread_cond_destroy(&l->cv);
    free(l);
    free(c);
}

static const struct fl_checker_type limit_type = {
    .name = "concurrency-limit",
    .check = limit_check,
    .free = limit_free,
};

struct fl_checker *
fl_chk_concurrency_limit_new(int limit, size_t memory_bytes,
                             struct fl_checker *inner)
{
    struct limit *l = fl_xcalloc(1, sizeof(*l));

    l->inner = inner;
    l->limit = limit > 0 ? limit : 1;
    l->memory_bytes = memory_bytes;
    pthread_mutex_init(&l->mu, NULL);
    pthread_cond_init(&l->cv, NULL);
    return fl_chk__new(&limit_type, l);
}
