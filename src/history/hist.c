/* SPDX-License-Identifier: MIT */
/*
 * hist.c: the history container, file loading with format detection, and
 * pairing. Pairing walks the ops once, keeping each process's open
 * invocation in a hash map, and applies the validation rules listed in
 * hist.h and docs/history.md: structural impossibilities are errors, old
 * Jepsen quirks are warnings.
 */
#include "util/common.h"

#include "history/hist.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "history/edn.h"
#include "history/hist_int.h"
#include "history/json.h"
#include "util/err.h"
#include "util/map.h"
#include "util/strbuf.h"

void
fl_hist_init(struct fl_hist *h)
{
    memset(h, 0, sizeof(*h));
    fl_arena_init(&h->arena, 1 << 20);
}

void
fl_hist_release(struct fl_hist *h)
{
    if (!h)
        return;
    free(h->ops);
    free(h->lines);
    free(h->name);
    fl_arena_release(&h->arena);
    memset(h, 0, sizeof(*h));
}

static void
hist_grow(struct fl_hist *h, size_t n)
{
    size_t old = h->alloc;
    FL_ALLOC_GROW(h->ops, n, h->alloc);
    if (h->lines && h->alloc != old)
        h->lines =
            fl_xrealloc(h->lines, fl_st_mult(h->alloc, sizeof(uint32_t)));
}

size_t
fl_hist_append(struct fl_hist *h, const struct fl_op *op)
{
    hist_grow(h, h->n + 1);
    h->ops[h->n] = *op;
    if (h->lines)
        h->lines[h->n] = 0;
    h->paired = false;
    return h->n++;
}

size_t
fl_hist__append_line(struct fl_hist *h, const struct fl_op *op, uint32_t line)
{
    if (!h->lines) {
        size_t cap = h->alloc ? h->alloc : 1;
        h->lines = fl_xcalloc(cap, sizeof(uint32_t));
        if (!h->alloc)
            hist_grow(h, 1);
        if (h->alloc != cap)
            h->lines =
                fl_xrealloc(h->lines, fl_st_mult(h->alloc, sizeof(uint32_t)));
    }
    size_t i = fl_hist_append(h, op);
    h->lines[i] = line;
    return i;
}

/*
 * Ask for transparent huge pages on a big array: a million-op history
 * otherwise spends more time in page faults than in parsing.
 */
static void
hugepages(void *p, size_t bytes)
{
    if (bytes >= 4 * (2u << 20))
        fl_advise_hugepages(p, bytes);
}

void
fl_hist__reserve(struct fl_hist *h, size_t extra)
{
    size_t want = fl_st_add(h->n, extra);
    if (want <= h->alloc)
        return;
    bool had_lines = h->lines != NULL;
    h->ops = fl_xrealloc(h->ops, fl_st_mult(want, sizeof(struct fl_op)));
    h->lines = fl_xrealloc(h->lines, fl_st_mult(want, sizeof(uint32_t)));
    if (!had_lines && h->n)
        memset(h->lines, 0, h->n * sizeof(uint32_t));
    hugepages(h->ops, want * sizeof(struct fl_op));
    hugepages(h->lines, want * sizeof(uint32_t));
    h->alloc = want;
}

void
fl_hist__prepare(struct fl_hist *h, size_t len, size_t ops_hint)
{
    h->budget_bytes = 0; /* asked again by each parse */
    if (!h->arena.head) {
        size_t block = 4096;
        while (block < len && block < (1u << 20))
            block *= 2;
        /* Big inputs: blocks that can hold transparent huge pages (the
         * EDN reader asks for them), so the arena costs a page fault per
         * 2 MiB rather than per 4 KiB. */
        if (len >= (64u << 20))
            block = 8u << 20;
        h->arena.block_bytes = block;
    }
    fl_hist__reserve(h, ops_hint);
}

void
fl_hist__shrink(struct fl_hist *h)
{
    if (h->alloc == h->n)
        return;
    if (h->n == 0) {
        free(h->ops);
        free(h->lines);
        h->ops = NULL;
        h->lines = NULL;
        h->alloc = 0;
        return;
    }
    h->ops = fl_xrealloc(h->ops, fl_st_mult(h->n, sizeof(struct fl_op)));
    if (h->lines)
        h->lines = fl_xrealloc(h->lines, fl_st_mult(h->n, sizeof(uint32_t)));
    h->alloc = h->n;
}

void
fl_hist__set_name(struct fl_hist *h, const char *name)
{
    free(h->name);
    h->name = name ? fl_xstrdup(name) : NULL;
}

static enum fl_hist_format
guess_format(const char *buf, size_t len)
{
    size_t i = 0;
    while (i < len && strchr(" \t\r\n", buf[i]) && buf[i])
        i++;
    if (i == len || buf[i] != '{')
        return FL_HIST_EDN;
    i++;
    while (i < len && strchr(" \t\r\n", buf[i]) && buf[i])
        i++;
    return i < len && buf[i] == '"' ? FL_HIST_JSON : FL_HIST_EDN;
}

int
fl_hist_parse(const char *buf, size_t len, const char *name,
              enum fl_hist_format fmt, struct fl_hist *h, struct fl_err *err)
{
    if (fmt == FL_HIST_AUTO)
        fmt = guess_format(buf, len);
    if (!h->name && name)
        fl_hist__set_name(h, name);
    if (fmt == FL_HIST_JSON)
        return fl_json_parse_hist(buf, len, name, h, err);
    return fl_edn_parse_hist(buf, len, name, h, err);
}

void
fl_hist__adopt(struct fl_hist *h, struct fl_hist *part, uint32_t line0)
{
    size_t base = h->n;

    fl_hist__reserve(h, part->n);
    memcpy(h->ops + base, part->ops, part->n * sizeof(struct fl_op));
    for (size_t i = 0; i < part->n; i++) {
        if (!(h->ops[base + i].flags & FL_OP_HAS_INDEX))
            h->ops[base + i].index += (int64_t)base;
        h->lines[base + i] = part->lines[i] + line0 - 1;
    }
    h->n += part->n;
    h->paired = false;
    fl_arena_adopt(&h->arena, &part->arena);
}

/* A number from the first line of path that starts with key, or 0. */
static uint64_t
read_kv(const char *path, const char *key)
{
    char line[256];
    uint64_t v = 0;
    FILE *f = fopen(path, "r");

    if (!f)
        return 0;
    while (fgets(line, sizeof(line), f)) {
        if (!key[0] || strncmp(line, key, strlen(key)) == 0) {
            v = strtoull(line + strlen(key), NULL, 10);
            break;
        }
    }
    fclose(f);
    return v;
}

size_t
fl_hist_memory_budget(void)
{
    const char *e = getenv("FAULTLINE_MEMORY_MB");
    uint64_t avail, max, cur;

    if (e && *e) {
        char *end;
        unsigned long long mb = strtoull(e, &end, 10);
        if (*end == 0 && mb > 0 && mb < (1ull << 40))
            return (size_t)mb << 20;
        /* anything else is ignored: the default below */
    }
    avail = read_kv("/proc/meminfo", "MemAvailable:") << 10;
    max = read_kv("/sys/fs/cgroup/memory.max", "");
    cur = read_kv("/sys/fs/cgroup/memory.current", "");
    if (max && max > cur && (!avail || max - cur < avail))
        avail = max - cur;
    if (!avail)
        return SIZE_MAX;
    return (size_t)(avail / 2);
}

static size_t
hist_bytes(const struct fl_hist *h)
{
    /* ops reserved but not written cost no memory: count those in use */
    return h->arena.total_bytes +
           h->n * (sizeof(struct fl_op) + (h->lines ? sizeof(uint32_t) : 0));
}

int
fl_hist__progress_slow(struct fl_hist *h, const char *buf, size_t *done,
                       size_t pos, struct fl_err *err)
{
    const uintptr_t pg = 4096;
    uintptr_t s = ((uintptr_t)buf + *done + pg - 1) & ~(pg - 1);
    uintptr_t e = ((uintptr_t)buf + pos) & ~(pg - 1);

    if (!h->budget_bytes)
        h->budget_bytes = fl_hist_memory_budget();
    if (hist_bytes(h) > h->budget_bytes)
        return fl_err_set(err, FL_ELIMIT,
                          "%s: history too large for memory: its ops take "
                          "%zu MB after %zu MB of input, over the %zu MB "
                          "budget (FAULTLINE_MEMORY_MB, else half the "
                          "available memory)",
                          h->name ? h->name : "<input>", hist_bytes(h) >> 20,
                          pos >> 20, h->budget_bytes >> 20);
    if (h->src_mapped) {
        if (e > s)
            madvise((void *)s, e - s, MADV_DONTNEED);
        madvise((void *)e, 2 * FL_HIST_DROP_BYTES, MADV_WILLNEED);
    }
    *done = pos;
    return 0;
}

#define MAP_POPULATE_MAX ((size_t)32 << 20)

/*
 * Map a regular, non-empty file read-only. A small one has its pages
 * populated up front: no copy through read() and no page fault per 4 KiB.
 * A large one is read ahead a window at a time, and the parsers drop what
 * they have read (fl_hist__drop_behind). Returns NULL when the file cannot
 * be mapped; the caller then reads it as before. The parsers never look
 * past len, so the missing NUL terminator is fine.
 */
static void *
map_file(const char *path, size_t *len)
{
    struct stat st;
    void *m = NULL;

    /* Never open anything else: opening a FIFO twice would lose data. */
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
        (uint64_t)st.st_size <= SIZE_MAX) {
        size_t n = (size_t)st.st_size;
        m = mmap(NULL, n, PROT_READ,
                 MAP_PRIVATE | (n <= MAP_POPULATE_MAX ? MAP_POPULATE : 0), fd,
                 0);
        if (m == MAP_FAILED) {
            m = NULL;
        } else {
            madvise(m, n, MADV_SEQUENTIAL);
            if (n > MAP_POPULATE_MAX)
                madvise(m, 2 * FL_HIST_DROP_BYTES, MADV_WILLNEED);
            *len = n;
        }
    }
    close(fd);
    return m;
}

int
fl_hist_load(const char *path, enum fl_hist_format fmt, struct fl_hist *h,
             struct fl_err *err)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;
    size_t mlen = 0;
    struct stat st;
    void *m;
    int rc;

    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return fl_err_set(err, -EISDIR,
                          "%s: is a directory (a run's history is "
                          "%s%shistory.edn)",
                          path, path,
                          path[0] && path[strlen(path) - 1] == '/' ? "" : "/");
    m = map_file(path, &mlen);
    if (m) {
        h->src_mapped = mlen > MAP_POPULATE_MAX;
        rc = fl_hist_parse(m, mlen, path, fmt, h, err);
        h->src_mapped = false;
        munmap(m, mlen);
        return rc;
    }
    rc = fl_strbuf_read_file(&sb, path);
    if (rc < 0) {
        rc = fl_err_set(err, rc, "%s: %s", path, strerror(-rc));
        goto out;
    }
    rc = fl_hist_parse(sb.buf, sb.len, path, fmt, h, err);
out:
    fl_strbuf_release(&sb);
    return rc;
}

/* "file:line" (or "op N") for messages about op i. */
static void
op_where(const struct fl_hist *h, size_t i, char *buf, size_t n)
{
    const char *name = h->name ? h->name : "history";
    if (h->lines && h->lines[i])
        snprintf(buf, n, "%s:%u", name, h->lines[i]);
    else
        snprintf(buf, n, "%s: op %zu (index %" PRId64 ")", name, i,
                 h->ops[i].index);
}

static void
proc_name(int32_t p, char *buf, size_t n)
{
    if (p == FL_PROC_NEMESIS)
        snprintf(buf, n, ":nemesis");
    else if (FL_PROC_IS_KW(p) && FL_PROC_KW_ID(p) == FL_KW_NONE)
        snprintf(buf, n, "nil");
    else if (FL_PROC_IS_KW(p))
        snprintf(buf, n, ":%s", fl_kw_name(FL_PROC_KW_ID(p)));
    else
        snprintf(buf, n, "%" PRId32, p);
}

static void warn_op(const struct fl_hist *h, size_t i, FILE *warn,
                    size_t *nwarn, const char *fmt, ...) FL_PRINTF(5, 6);

static void
warn_op(const struct fl_hist *h, size_t i, FILE *warn, size_t *nwarn,
        const char *fmt, ...)
{
    if (nwarn)
        (*nwarn)++;
    if (!warn)
        return;
    char where[300];
    op_where(h, i, where, sizeof(where));
    va_list ap;
    va_start(ap, fmt);
    fprintf(warn, "%s: warning: ", where);
    vfprintf(warn, fmt, ap);
    fputc('\n', warn);
    va_end(ap);
}

/* A completion whose :time is before its invocation's: a clock or writer bug.
 */
static void
warn_time_order(const struct fl_hist *h, size_t inv, size_t comp, FILE *warn,
                size_t *nwarn)
{
    const struct fl_op *a = &h->ops[inv], *b = &h->ops[comp];
    char where[300];

    if (!(a->flags & FL_OP_HAS_TIME) || !(b->flags & FL_OP_HAS_TIME) ||
        b->time_ns >= a->time_ns)
        return;
    op_where(h, inv, where, sizeof(where));
    warn_op(h, comp, warn, nwarn,
            "completion at :time %" PRId64 " is before its invocation's "
            ":time %" PRId64 " (%s)",
            b->time_ns, a->time_ns, where);
}

/* True when the :index values that are there strictly increase. */
static bool
indexes_increase(const struct fl_hist *h)
{
    bool any = false;
    int64_t last = 0;

    for (size_t i = 0; i < h->n; i++) {
        const struct fl_op *op = &h->ops[i];

        if (!(op->flags & FL_OP_HAS_INDEX))
            continue;
        if (any && op->index <= last)
            return false;
        any = true;
        last = op->index;
    }
    return true;
}

/* Two ops with the same :index: results would name the wrong op. */
static void
warn_duplicate_indexes(const struct fl_hist *h, FILE *warn, size_t *nwarn)
{
    struct fl_map seen;
    char where[300];

    if (!warn && !nwarn)
        return; /* nobody would hear it: spare the map */
    if (indexes_increase(h))
        return; /* the usual case: no map of millions of entries */
    fl_map_init(&seen);
    for (size_t i = 0; i < h->n; i++) {
        const struct fl_op *op = &h->ops[i];
        uint64_t *first;

        if (!(op->flags & FL_OP_HAS_INDEX))
            continue;
        first = fl_map_get(&seen, (uint64_t)op->index);
        if (!first) {
            fl_map_put(&seen, (uint64_t)op->index, i);
            continue;
        }
        op_where(h, *first, where, sizeof(where));
        warn_op(h, i, warn, nwarn, "duplicate :index %" PRId64 " (also at %s)",
                op->index, where);
    }
    fl_map_release(&seen);
}

/*
 * Per process: the open invocation and whether the last completion was
 * :info. Client process ids are small in practice (thread t + k *
 * concurrency), so they index dense tables; any other id (the nemesis,
 * keywords, a huge number) goes to the maps. Millions of ops pair without
 * a hash lookup each.
 */
struct proc_tab {
    uint32_t *open; /* op position + 1, 0 if none */
    uint8_t *crashed;
    size_t ndense, limit; /* ids below limit are dense, grown as they come */
    struct fl_map open_m, crashed_m;
};

static void
proc_tab_init(struct proc_tab *t, const struct fl_hist *h)
{
    memset(t, 0, sizeof(*t));
    fl_map_init(&t->open_m);
    fl_map_init(&t->crashed_m);
    t->limit = 4 * h->n + 1024;
}

static void
proc_tab_release(struct proc_tab *t)
{
    free(t->open);
    free(t->crashed);
    fl_map_release(&t->open_m);
    fl_map_release(&t->crashed_m);
}

/* True when p is in the dense tables (grown to cover it if need be). */
static bool
dense(struct proc_tab *t, int32_t p)
{
    size_t want = t->ndense ? 2 * t->ndense : 64;

    if (p < 0 || (size_t)p >= t->limit)
        return false;
    if ((size_t)p < t->ndense)
        return true;
    if (want <= (size_t)p)
        want = (size_t)p + 1;
    if (want > t->limit)
        want = t->limit;
    t->open = fl_xrealloc(t->open, want * sizeof(*t->open));
    t->crashed = fl_xrealloc(t->crashed, want);
    memset(t->open + t->ndense, 0, (want - t->ndense) * sizeof(*t->open));
    memset(t->crashed + t->ndense, 0, want - t->ndense);
    t->ndense = want;
    return true;
}

/* The open invocation of p into *at; false if none. */
static bool
open_get(struct proc_tab *t, int32_t p, size_t *at)
{
    if (dense(t, p)) {
        *at = (size_t)t->open[p] - 1;
        return t->open[p] != 0;
    }
    uint64_t *v = fl_map_get(&t->open_m, (uint64_t)(int64_t)p);
    if (v)
        *at = (size_t)*v;
    return v != NULL;
}

/* Open an invocation at i, or close p's (i == SIZE_MAX). */
static void
open_set(struct proc_tab *t, int32_t p, size_t i)
{
    if (dense(t, p))
        t->open[p] = i == SIZE_MAX ? 0 : (uint32_t)(i + 1);
    else if (i == SIZE_MAX)
        fl_map_del(&t->open_m, (uint64_t)(int64_t)p);
    else
        fl_map_put(&t->open_m, (uint64_t)(int64_t)p, i);
}

static void
crashed_set(struct proc_tab *t, int32_t p)
{
    if (dense(t, p))
        t->crashed[p] = 1;
    else
        fl_map_put(&t->crashed_m, (uint64_t)(int64_t)p, 1);
}

/* Clear p's crashed mark; true if it was set. */
static bool
crashed_take(struct proc_tab *t, int32_t p)
{
    if (dense(t, p)) {
        bool was = t->crashed[p];
        t->crashed[p] = 0;
        return was;
    }
    return fl_map_del(&t->crashed_m, (uint64_t)(int64_t)p);
}

int
fl_hist_pair(struct fl_hist *h, FILE *warn, size_t *nwarn, struct fl_err *err)
{
    struct proc_tab t;
    char where[300], pname[64];
    int rc = 0;

    if (nwarn)
        *nwarn = 0;
    for (size_t i = 0; i < h->n; i++)
        h->ops[i].pair = -1;
    proc_tab_init(&t, h);
    if (h->n > INT32_MAX) {
        rc = fl_err_set(err, FL_ELIMIT, "%s: too many ops (%zu)",
                        h->name ? h->name : "history", h->n);
        goto out;
    }
    warn_duplicate_indexes(h, warn, nwarn);
    for (size_t i = 0; i < h->n; i++) {
        struct fl_op *op = &h->ops[i];
        size_t at = 0;
        bool open = open_get(&t, op->process, &at);
        bool client = FL_PROC_IS_CLIENT(op->process);

        if (op->type > FL_OP_INFO) {
            op_where(h, i, where, sizeof(where));
            rc = fl_err_set(err, FL_EPARSE, "%s: op has an unknown :type",
                            where);
            goto out;
        }
        if (op->type == FL_OP_INVOKE ||
            (!client && op->type == FL_OP_INFO && !open)) {
            if (open) {
                op_where(h, i, where, sizeof(where));
                proc_name(op->process, pname, sizeof(pname));
                rc = fl_err_set(err, FL_EPARSE,
                                "%s: process %s invokes while its invocation "
                                "at op %zu is still open",
                                where, pname, at);
                goto out;
            }
            if (client && crashed_take(&t, op->process)) {
                proc_name(op->process, pname, sizeof(pname));
                warn_op(h, i, warn, nwarn,
                        "process %s invokes again after an :info completion",
                        pname);
            }
            open_set(&t, op->process, i);
            continue;
        }
        if (!open) {
            proc_name(op->process, pname, sizeof(pname));
            if (op->type == FL_OP_INFO) {
                warn_op(h, i, warn, nwarn,
                        "process %s has an :info completion with no open "
                        "invocation",
                        pname);
                continue;
            }
            op_where(h, i, where, sizeof(where));
            rc = fl_err_set(err, FL_EPARSE,
                            "%s: :%s completion for process %s with no open "
                            "invocation",
                            where, fl_op_type_name(op->type), pname);
            goto out;
        }
        struct fl_op *inv = &h->ops[at];
        if (inv->f != op->f)
            warn_op(h, i, warn, nwarn,
                    "completion :f :%s differs from its invocation's :%s",
                    fl_kw_name(op->f), fl_kw_name(inv->f));
        warn_time_order(h, at, i, warn, nwarn);
        inv->pair = (int32_t)i;
        op->pair = (int32_t)at;
        open_set(&t, op->process, SIZE_MAX);
        if (client && op->type == FL_OP_INFO)
            crashed_set(&t, op->process);
    }
    h->paired = true;
out:
    if (rc < 0)
        for (size_t i = 0; i < h->n; i++)
            h->ops[i].pair = -1;
    proc_tab_release(&t);
    return rc;
}
