/* SPDX-License-Identifier: MIT */
/*
 * serve.c: the web UI over a store (Jepsen's jepsen.web), on libmicrohttpd
 * with a thread per connection. Pages: / (every run, newest first, coloured
 * by :valid?), /run/<test>/<time> (verdict, headline anomalies, perf
 * summary, plots inline, files), /files/<path> (raw files and directory
 * listings) and /archive/<test>/<time>.tar.gz (streamed from tar(1) through
 * a pipe). Every path is resolved with realpath() and must stay inside the
 * store's real path: '.' or '..' segments get 403, symlinks leading out get
 * 403, anything missing 404. libmicrohttpd has already %-decoded the URL
 * once, so an encoded '..' arrives as '..' and is refused like a plain one.
 */
#include "util/common.h"

#include "report/report_int.h"

#include "history/edn.h"
#include "util/arena.h"
#include "util/err.h"
#include "util/hosts.h"
#include "util/map.h"
#include "util/parse.h"
#include "util/spawn.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define SERVE_RESULTS_MAX_BYTES (64u << 20) /* bigger results.edn: unread */

#define SERVE_PAGE_RUNS         128 /* runs per index page, as Jepsen's */

struct verdict_entry {
    int64_t mtime_ns; /* of results.edn when read */
    int64_t size;     /* of results.edn when read */
    int verdict;      /* enum verdict_kind */
    char cut[24];     /* :incomplete-reason of a cut-short run, or "" */
};

struct fl_server {
    struct MHD_Daemon *d;
    char *root;                 /* realpath of the store */
    size_t rootlen;             /* strlen(root) */
    int port;                   /* bound port */
    pthread_mutex_t mu;         /* protects the verdict cache */
    struct fl_strmap cache_idx; /* run dir -> index into cache */
    struct verdict_entry *cache;
    size_t ncache, cache_alloc;
};

enum verdict_kind { V_TRUE, V_FALSE, V_UNKNOWN, V_NONE };

static const char *const verdict_text[] = {"true", "false", "unknown",
                                           "incomplete"};
static const char *const verdict_color[] = {"#6DB6FE", "#FEB5DA", "#FFAA26",
                                            "#eaeaea"};

static const char page_css[] =
    "body{font:14px sans-serif;margin:18px;color:#222}"
    "table{border-collapse:collapse}td,th{padding:4px 10px;text-align:left;"
    "border-bottom:1px solid #e4e4e4}th{background:#f4f4f4}"
    "a{color:#0645ad;text-decoration:none}a:hover{text-decoration:underline}"
    ".v{font-weight:bold;border-radius:3px;padding:2px 8px}"
    "img.plot{max-width:100%;border:1px solid #ddd;margin:6px 0}"
    "code{background:#f4f4f4;padding:1px 4px}h1{font-size:20px}"
    "h2{font-size:16px;margin-top:24px}.muted{color:#777}"
    ".cut{background:#FFD6A0;font-weight:bold;border-radius:3px;"
    "padding:2px 8px;margin-left:4px}"
    "table.ops td,table.ops th{font:12px monospace;vertical-align:top;"
    "max-width:40em;overflow-wrap:anywhere}"
    "pre.explain{background:#f8f8f8;border:1px solid #e4e4e4;padding:8px;"
    "white-space:pre-wrap;overflow-wrap:anywhere}"
    "div.failure{margin-left:8px}h3{font-size:15px}";

/* ---- paths ---- */

/*
 * Resolve rel (relative to the store, '/'-separated, already %-decoded)
 * into *out, a real path inside the store. Returns 0, or MHD_HTTP_FORBIDDEN
 * or MHD_HTTP_NOT_FOUND.
 */
static unsigned
resolve(const struct fl_server *s, const char *rel, struct fl_strbuf *out)
{
    struct fl_strbuf p = FL_STRBUF_INIT;
    unsigned code = 0;
    char *real = NULL;

    for (const char *seg = rel; *seg;) {
        const char *end = strchr(seg, '/');
        size_t n = end ? (size_t)(end - seg) : strlen(seg);

        if ((n == 1 && seg[0] == '.') ||
            (n == 2 && seg[0] == '.' && seg[1] == '.')) {
            code = MHD_HTTP_FORBIDDEN;
            goto out;
        }
        seg += n;
        while (*seg == '/')
            seg++;
    }
    while (*rel == '/')
        rel++;
    fl_strbuf_addf(&p, "%s/%s", s->root, rel);
    real = realpath(p.buf, NULL);
    if (!real) {
        code = errno == EACCES ? MHD_HTTP_FORBIDDEN : MHD_HTTP_NOT_FOUND;
        goto out;
    }
    if (strncmp(real, s->root, s->rootlen) != 0 ||
        (real[s->rootlen] != '\0' && real[s->rootlen] != '/')) {
        code = MHD_HTTP_FORBIDDEN;
        goto out;
    }
    fl_strbuf_reset(out);
    fl_strbuf_addstr(out, real);
out:
    free(real);
    fl_strbuf_release(&p);
    return code;
}

/* percent-encode a path for an href (keeps '/') */
static void
add_url(struct fl_strbuf *sb, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            (c >= '0' && c <= '9') || strchr("/-_.~", c))
            fl_strbuf_addch(sb, (char)c);
        else
            fl_strbuf_addf(sb, "%%%02X", c);
    }
}

static void
add_html(struct fl_strbuf *sb, const char *s)
{
    fl_strbuf_add_xml(sb, s, strlen(s));
}

/* ---- results.edn ---- */

static enum verdict_kind
verdict_of(const fl_val *v)
{
    if (!v)
        return V_NONE;
    if (v->kind == FL_V_BOOL)
        return v->u.b ? V_TRUE : V_FALSE;
    if (fl_val_is_kw(v, FL_KW_UNKNOWN))
        return V_UNKNOWN;
    return V_NONE;
}

/* The :incomplete-reason of a cut-short run's results, or NULL. */
static const char *
cut_reason(const fl_val *res)
{
    const fl_val *inc = fl_val_map_get_kw(res, fl_kw_intern_cstr("incomplete"));
    const fl_val *why =
        fl_val_map_get_kw(res, fl_kw_intern_cstr("incomplete-reason"));

    if (!inc || inc->kind != FL_V_BOOL || !inc->u.b)
        return NULL;
    return why && why->kind == FL_V_KW ? fl_kw_name(why->u.id) : "unknown";
}

static void
add_cut(struct fl_strbuf *sb, const char *reason)
{
    fl_strbuf_addstr(sb, "<span class=\"cut\">incomplete: ");
    add_html(sb, reason);
    fl_strbuf_addstr(sb, "</span>");
}

/* Parse dir/results.edn into *out (in a). Returns false when unreadable. */
static bool
load_results(const char *dir, struct fl_arena *a, fl_val *out)
{
    struct fl_strbuf path = FL_STRBUF_INIT, buf = FL_STRBUF_INIT;
    struct stat st;
    bool ok = false;

    fl_strbuf_addf(&path, "%s/results.edn", dir);
    if (stat(path.buf, &st) != 0 || !S_ISREG(st.st_mode) ||
        (size_t)st.st_size > SERVE_RESULTS_MAX_BYTES)
        goto out;
    if (fl_strbuf_read_file(&buf, path.buf) != 0)
        goto out;
    ok = fl_edn_parse_value(a, buf.buf, buf.len, path.buf, out, NULL) == 0 &&
         out->kind == FL_V_MAP;
out:
    fl_strbuf_release(&buf);
    fl_strbuf_release(&path);
    return ok;
}

static void
add_verdict(struct fl_strbuf *sb, enum verdict_kind v)
{
    fl_strbuf_addf(sb, "<span class=\"v\" style=\"background:%s\">%s</span>",
                   verdict_color[v], verdict_text[v]);
}

/* ---- the list of runs ---- */

struct run {
    char *test; /* test name (directory under the store) */
    char *time; /* run directory name */
};

static bool
is_real_dir(const char *path)
{
    struct stat st;

    return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int
cmp_run(const void *x, const void *y)
{
    const struct run *a = x, *b = y;
    int c = strcmp(b->time, a->time); /* newest first */

    return c ? c : strcmp(a->test, b->test);
}

static void
list_runs(const struct fl_server *s, struct run **runs, size_t *nruns)
{
    struct fl_strbuf p = FL_STRBUF_INIT;
    size_t alloc = 0;
    DIR *top = opendir(s->root);
    struct dirent *e;

    *runs = NULL;
    *nruns = 0;
    while (top && (e = readdir(top))) {
        if (e->d_name[0] == '.')
            continue;
        fl_strbuf_reset(&p);
        fl_strbuf_addf(&p, "%s/%s", s->root, e->d_name);
        if (!is_real_dir(p.buf))
            continue; /* latest, current: symlinks */
        DIR *td = opendir(p.buf);
        struct dirent *r;
        size_t base = p.len;
        while (td && (r = readdir(td))) {
            if (r->d_name[0] == '.')
                continue;
            fl_strbuf_setlen(&p, base);
            fl_strbuf_addf(&p, "/%s", r->d_name);
            if (!is_real_dir(p.buf))
                continue;
            FL_ALLOC_GROW(*runs, *nruns + 1, alloc);
            (*runs)[*nruns].test = fl_xstrdup(e->d_name);
            (*runs)[*nruns].time = fl_xstrdup(r->d_name);
            (*nruns)++;
        }
        if (td)
            closedir(td);
    }
    if (top)
        closedir(top);
    if (*nruns)
        qsort(*runs, *nruns, sizeof(**runs), cmp_run);
    fl_strbuf_release(&p);
}

static void
free_runs(struct run *runs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(runs[i].test);
        free(runs[i].time);
    }
    free(runs);
}

/* "20261126T060000.000Z" -> "2026-11-26 06:00:00.000 UTC" when it fits */
static void
add_time(struct fl_strbuf *sb, const char *t)
{
    if (strlen(t) >= 15 && t[8] == 'T') {
        fl_strbuf_addf(sb, "%.4s-%.2s-%.2s %.2s:%.2s:%s", t, t + 4, t + 6,
                       t + 9, t + 11, "");
        add_html(sb, t + 13);
        return;
    }
    add_html(sb, t);
}

static void
page_begin(struct fl_strbuf *sb, const char *title)
{
    fl_strbuf_addstr(sb, "<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
                         "<title>");
    add_html(sb, title);
    fl_strbuf_addf(sb, "</title><style>%s</style></head><body>", page_css);
}

/* A link to dir/name if it is readable; returns whether it was. */
static bool
add_file_link(struct fl_strbuf *sb, const char *dir, const char *rel,
              const char *name, const char *label)
{
    struct fl_strbuf p = FL_STRBUF_INIT;
    bool ok = false;

    fl_strbuf_addf(&p, "%s/%s", dir, name);
    if (access(p.buf, R_OK) == 0) {
        ok = true;
        fl_strbuf_addstr(sb, "<a href=\"/files/");
        add_url(sb, rel);
        fl_strbuf_addch(sb, '/');
        add_url(sb, name);
        fl_strbuf_addstr(sb, "\">");
        add_html(sb, label);
        fl_strbuf_addstr(sb, "</a> ");
    }
    fl_strbuf_release(&p);
    return ok;
}

/*
 * The :valid? of a run, re-reading results.edn only when its size or
 * mtime changed since the last look (a store can hold thousands of runs).
 */
static enum verdict_kind
cached_verdict(struct fl_server *s, const char *dir, char *cut, size_t cutlen)
{
    struct fl_strbuf p = FL_STRBUF_INIT;
    struct stat st;
    int64_t mt = 0, size = -1;
    enum verdict_kind v = V_NONE;

    fl_strbuf_addf(&p, "%s/results.edn", dir);
    if (stat(p.buf, &st) == 0) {
        mt = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
        size = (int64_t)st.st_size;
    }
    pthread_mutex_lock(&s->mu);
    uint64_t *at = fl_strmap_get(&s->cache_idx, dir, strlen(dir));
    if (at && s->cache[*at].mtime_ns == mt && s->cache[*at].size == size) {
        v = (enum verdict_kind)s->cache[*at].verdict;
        snprintf(cut, cutlen, "%s", s->cache[*at].cut);
        pthread_mutex_unlock(&s->mu);
        goto out;
    }
    pthread_mutex_unlock(&s->mu);
    if (size >= 0) {
        struct fl_arena a;
        fl_val res;

        fl_arena_init(&a, 0);
        if (load_results(dir, &a, &res)) {
            v = verdict_of(fl_val_map_get_kw(&res, FL_KW_VALID));
            const char *why = cut_reason(&res);
            snprintf(cut, cutlen, "%s", why ? why : "");
        }
        fl_arena_release(&a);
    }
    pthread_mutex_lock(&s->mu);
    at = fl_strmap_get(&s->cache_idx, dir, strlen(dir));
    if (!at) {
        FL_ALLOC_GROW(s->cache, s->ncache + 1, s->cache_alloc);
        fl_strmap_put(&s->cache_idx, dir, strlen(dir), s->ncache);
        at = fl_strmap_get(&s->cache_idx, dir, strlen(dir));
        s->ncache++;
    }
    s->cache[*at] = (struct verdict_entry){mt, size, (int)v, ""};
    snprintf(s->cache[*at].cut, sizeof(s->cache[*at].cut), "%s", cut);
    pthread_mutex_unlock(&s->mu);
out:
    fl_strbuf_release(&p);
    return v;
}

/* the index; after: show runs older than this run-directory name */
static void
index_page(struct fl_server *s, const char *after, struct fl_strbuf *sb)
{
    struct run *runs;
    size_t n, shown = 0, first = 0;
    struct fl_strbuf dir = FL_STRBUF_INIT, rel = FL_STRBUF_INIT;

    list_runs(s, &runs, &n);
    while (after && first < n && strcmp(runs[first].time, after) >= 0)
        first++;
    page_begin(sb, "faultline");
    fl_strbuf_addstr(sb, "<h1>faultline runs</h1><p class=\"muted\">store ");
    add_html(sb, s->root);
    fl_strbuf_addf(sb, ", %zu runs", n);
    if (after)
        fl_strbuf_addstr(sb, " (<a href=\"/\">newest</a>)");
    fl_strbuf_addstr(sb, "</p><table id=\"runs\"><tr><th>name</th>"
                         "<th>time</th><th>valid?</th><th>files</th></tr>\n");
    for (size_t i = first; i < n && shown < SERVE_PAGE_RUNS; i++, shown++) {
        fl_strbuf_reset(&dir);
        fl_strbuf_reset(&rel);
        fl_strbuf_addf(&rel, "%s/%s", runs[i].test, runs[i].time);
        fl_strbuf_addf(&dir, "%s/%s", s->root, rel.buf);
        char cut[24] = "";
        enum verdict_kind v = cached_verdict(s, dir.buf, cut, sizeof(cut));
        fl_strbuf_addstr(sb, "<tr class=\"run\"><td><a href=\"/run/");
        add_url(sb, rel.buf);
        fl_strbuf_addstr(sb, "\">");
        add_html(sb, runs[i].test);
        fl_strbuf_addstr(sb, "</a></td><td><a href=\"/run/");
        add_url(sb, rel.buf);
        fl_strbuf_addstr(sb, "\">");
        add_time(sb, runs[i].time);
        fl_strbuf_addf(sb, "</a></td><td class=\"valid\" data-valid=\"%s\"",
                       verdict_text[v]);
        if (cut[0]) {
            fl_strbuf_addstr(sb, " data-incomplete=\"");
            add_html(sb, cut);
            fl_strbuf_addch(sb, '"');
        }
        fl_strbuf_addch(sb, '>');
        add_verdict(sb, v);
        if (cut[0])
            add_cut(sb, cut);
        fl_strbuf_addstr(sb, "</td><td>");
        add_file_link(sb, dir.buf, rel.buf, "results.edn", "results");
        /* history.txt is written at the end: a killed run has only .edn */
        if (!add_file_link(sb, dir.buf, rel.buf, "history.txt", "history"))
            add_file_link(sb, dir.buf, rel.buf, "history.edn", "history");
        add_file_link(sb, dir.buf, rel.buf, "faultline.log", "log");
        add_file_link(sb, dir.buf, rel.buf, "latency-raw.png", "plots");
        add_file_link(sb, dir.buf, rel.buf, "timeline.html", "timeline");
        add_file_link(sb, dir.buf, rel.buf, "messages.html", "messages");
        fl_strbuf_addstr(sb, "<a href=\"/archive/");
        add_url(sb, rel.buf);
        fl_strbuf_addstr(sb, ".tar.gz\">tar.gz</a></td></tr>\n");
    }
    fl_strbuf_addstr(sb, "</table>");
    if (first + shown < n) {
        fl_strbuf_addstr(sb, "<p><a id=\"older\" href=\"/?after=");
        add_url(sb, runs[first + shown - 1].time);
        fl_strbuf_addstr(sb, "\">older runs...</a></p>");
    }
    fl_strbuf_addstr(sb, "</body></html>\n");
    free_runs(runs, n);
    fl_strbuf_release(&rel);
    fl_strbuf_release(&dir);
}

/* ---- a run's page ---- */

static void
add_val_short(struct fl_strbuf *sb, const fl_val *v, size_t max)
{
    struct fl_strbuf tmp = FL_STRBUF_INIT;

    fl_val_print_edn(&tmp, v);
    if (tmp.len > max) {
        fl_strbuf_setlen(&tmp, max);
        fl_strbuf_addstr(&tmp, " ...");
    }
    add_html(sb, tmp.buf);
    fl_strbuf_release(&tmp);
}

static bool
is_kw(const fl_val *v, const char *name)
{
    return v->kind == FL_V_KW && strcmp(fl_kw_name(v->u.id), name) == 0;
}

/* headline keys of a checker result worth showing next to its verdict */
static void
add_headlines(struct fl_strbuf *sb, const fl_val *m)
{
    static const char *const keys[] = {
        "anomaly-types",    "error", "lost-count",  "unexpected-count",
        "duplicated-count", "not",   "also-not",    "cause",
        "failures",         "op",    "previous-ok", "last-op",
    };

    for (size_t k = 0; k < FL_ARRAY_SIZE(keys); k++) {
        for (uint32_t i = 0; i < m->n; i++) {
            const fl_val *key = &m->u.items[2 * i];
            const fl_val *v = &m->u.items[2 * i + 1];

            if (!is_kw(key, keys[k]) || fl_val_is_nil(v))
                continue;
            if (fl_val_is_seq(v) && v->n == 0)
                continue;
            fl_strbuf_addf(sb, "<li><code>:%s</code> ", keys[k]);
            add_val_short(sb, v, 300);
            fl_strbuf_addstr(sb, "</li>");
        }
    }
}

static void
add_perf(struct fl_strbuf *sb, const fl_val *perf)
{
    const fl_val *byf = fl_val_map_get_kw(perf, fl_kw_intern_cstr("by-f"));

    if (!byf || byf->kind != FL_V_MAP)
        return;
    fl_strbuf_addstr(sb, "<h2>performance</h2><table><tr><th>f</th>"
                         "<th>outcome</th><th>count</th><th>per s</th>"
                         "<th>p50 ms</th><th>p95 ms</th><th>p99 ms</th>"
                         "<th>max ms</th></tr>");
    for (uint32_t i = 0; i < byf->n; i++) {
        const fl_val *f = &byf->u.items[2 * i],
                     *outs = &byf->u.items[2 * i + 1];

        if (outs->kind != FL_V_MAP)
            continue;
        for (uint32_t j = 0; j < outs->n; j++) {
            const fl_val *st = &outs->u.items[2 * j + 1];
            const fl_val *cnt =
                fl_val_map_get_kw(st, fl_kw_intern_cstr("count"));
            const fl_val *rate =
                fl_val_map_get_kw(st, fl_kw_intern_cstr("rate"));
            const fl_val *lat =
                fl_val_map_get_kw(st, fl_kw_intern_cstr("latency-ms"));

            fl_strbuf_addstr(sb, "<tr><td>");
            add_val_short(sb, f, 40);
            fl_strbuf_addstr(sb, "</td><td>");
            add_val_short(sb, &outs->u.items[2 * j], 40);
            fl_strbuf_addstr(sb, "</td><td>");
            if (cnt)
                add_val_short(sb, cnt, 20);
            fl_strbuf_addf(sb, "</td><td>%.2f",
                           rate && rate->kind == FL_V_FLOAT ? rate->u.d : 0.0);
            static const double qs[] = {0.5, 0.95, 0.99, 1.0};
            for (size_t q = 0; q < FL_ARRAY_SIZE(qs); q++) {
                fl_val key = fl_val_float(qs[q]);
                const fl_val *v = lat ? fl_val_map_get(lat, &key) : NULL;

                if (v && v->kind == FL_V_FLOAT)
                    fl_strbuf_addf(sb, "</td><td>%.3f", v->u.d);
                else
                    fl_strbuf_addstr(sb, "</td><td>");
            }
            fl_strbuf_addstr(sb, "</td></tr>");
        }
    }
    fl_strbuf_addstr(sb, "</table>");
}

static void
add_listing(struct fl_strbuf *sb, const char *dir, const char *rel)
{
    struct dirent **ents = NULL;
    int n = scandir(dir, &ents, NULL, alphasort);
    struct fl_strbuf p = FL_STRBUF_INIT;

    fl_strbuf_addstr(sb, "<ul class=\"files\">");
    for (int i = 0; i < n; i++) {
        struct stat st;
        const char *name = ents[i]->d_name;

        if (name[0] == '.' || strstr(name, ".tmp"))
            continue;
        fl_strbuf_reset(&p);
        fl_strbuf_addf(&p, "%s/%s", dir, name);
        bool isdir = stat(p.buf, &st) == 0 && S_ISDIR(st.st_mode);
        fl_strbuf_addstr(sb, "<li><a href=\"/files/");
        if (*rel) {
            add_url(sb, rel);
            fl_strbuf_addch(sb, '/');
        }
        add_url(sb, name);
        fl_strbuf_addstr(sb, isdir ? "/\">" : "\">");
        add_html(sb, name);
        fl_strbuf_addstr(sb, isdir ? "/</a>" : "</a>");
        if (!isdir)
            fl_strbuf_addf(sb, " <span class=\"muted\">%lld bytes</span>",
                           (long long)st.st_size);
        fl_strbuf_addstr(sb, "</li>");
    }
    fl_strbuf_addstr(sb, "</ul>");
    for (int i = 0; i < n; i++)
        free(ents[i]);
    free(ents);
    fl_strbuf_release(&p);
}

/* The banner of a cut-short run: why, and the ops that never completed. */
static void
add_incomplete(struct fl_strbuf *sb, const fl_val *res)
{
    const fl_val *d =
        fl_val_map_get_kw(res, fl_kw_intern_cstr("incomplete-detail"));
    const fl_val *n =
        fl_val_map_get_kw(res, fl_kw_intern_cstr("open-invocation-count"));
    const fl_val *open =
        fl_val_map_get_kw(res, fl_kw_intern_cstr("open-invocations"));

    fl_strbuf_addstr(sb, "<p id=\"incomplete\">");
    add_cut(sb, cut_reason(res));
    fl_strbuf_addstr(sb, " the run was cut short");
    if (d && d->kind == FL_V_STR) {
        fl_strbuf_addstr(sb, ": ");
        add_html(sb, d->u.s);
    }
    fl_strbuf_addstr(sb, ". The verdict covers only what was recorded");
    if (n && n->kind == FL_V_INT)
        fl_strbuf_addf(sb, "; %" PRId64 " invocation(s) never completed",
                       n->u.i);
    fl_strbuf_addstr(sb, ".</p>");
    if (!open || !fl_val_is_seq(open) || open->n == 0)
        return;
    fl_strbuf_addstr(sb, "<ul id=\"open\">");
    for (uint32_t i = 0; i < open->n && i < 20; i++) {
        fl_strbuf_addstr(sb, "<li><code>");
        add_val_short(sb, &open->u.items[i], 300);
        fl_strbuf_addstr(sb, "</code></li>");
    }
    if (open->n > 20)
        fl_strbuf_addstr(sb, "<li>...</li>");
    fl_strbuf_addstr(sb, "</ul>");
}

#define SERVE_MAX_KEYS 1000 /* independent/<key>/ dirs looked at */

/*
 * Links to the per-key artifacts of an independent workload
 * (independent/<key>/results.edn and linear.svg): every failing key, then
 * how many keys were valid.
 */
static void
add_key_links(struct fl_strbuf *sb, const char *dir, const char *rel)
{
    struct fl_strbuf p = FL_STRBUF_INIT, r = FL_STRBUF_INIT;
    struct dirent **ents = NULL;
    size_t nvalid = 0, nbad = 0;

    fl_strbuf_addf(&p, "%s/independent", dir);
    int n = scandir(p.buf, &ents, NULL, alphasort);
    for (int i = 0; i < n; i++) {
        const char *k = ents[i]->d_name;
        struct fl_arena a;
        fl_val res;
        if (k[0] == '.' || nbad + nvalid >= SERVE_MAX_KEYS)
            continue;
        fl_strbuf_reset(&p);
        fl_strbuf_addf(&p, "%s/independent/%s", dir, k);
        fl_arena_init(&a, 0);
        enum verdict_kind v =
            load_results(p.buf, &a, &res)
                ? verdict_of(fl_val_map_get_kw(&res, FL_KW_VALID))
                : V_NONE;
        fl_arena_release(&a);
        if (v == V_TRUE) {
            nvalid++;
            continue;
        }
        if (nbad++ == 0)
            fl_strbuf_addstr(sb, "<h2>keys</h2><ul id=\"keys\">");
        fl_strbuf_reset(&r);
        fl_strbuf_addf(&r, "%s/independent/%s", rel, k);
        fl_strbuf_addstr(sb, "<li>key ");
        add_html(sb, k);
        fl_strbuf_addch(sb, ' ');
        add_verdict(sb, v);
        fl_strbuf_addch(sb, ' ');
        add_file_link(sb, p.buf, r.buf, "results.edn", "results");
        add_file_link(sb, p.buf, r.buf, "linear.svg", "linear.svg");
        fl_strbuf_addstr(sb, "</li>");
    }
    if (nbad)
        fl_strbuf_addstr(sb, "</ul>");
    if (nvalid || nbad) {
        fl_strbuf_addf(sb, "<p>%zu of %zu keys valid: <a href=\"/files/",
                       nvalid, nvalid + nbad);
        add_url(sb, rel);
        fl_strbuf_addstr(sb, "/independent/\">independent/</a></p>");
    }
    for (int i = 0; i < n; i++)
        free(ents[i]);
    free(ents);
    fl_strbuf_release(&r);
    fl_strbuf_release(&p);
}

static void
run_page(const char *dir, const char *rel, struct fl_strbuf *sb)
{
    static const char *const plots[] = {"latency-raw", "latency-quantiles",
                                        "rate", "clock-offset"};
    struct fl_arena a;
    fl_val res;
    bool have = false;
    struct fl_strbuf p = FL_STRBUF_INIT;

    fl_arena_init(&a, 0);
    have = load_results(dir, &a, &res);
    page_begin(sb, rel);
    fl_strbuf_addstr(sb, "<p><a href=\"/\">&larr; all runs</a></p><h1>");
    add_html(sb, rel);
    fl_strbuf_addstr(sb, "</h1><p id=\"verdict\">valid? ");
    add_verdict(sb, have ? verdict_of(fl_val_map_get_kw(&res, FL_KW_VALID))
                         : V_NONE);
    fl_strbuf_addstr(sb, " &nbsp; <a href=\"/files/");
    add_url(sb, rel);
    fl_strbuf_addstr(sb, "/timeline.html\">timeline</a> &middot; "
                         "<a href=\"/archive/");
    add_url(sb, rel);
    fl_strbuf_addstr(sb, ".tar.gz\">download .tar.gz</a></p>");
    if (have && cut_reason(&res))
        add_incomplete(sb, &res);
    if (have) {
        struct fl_strbuf items = FL_STRBUF_INIT;

        add_headlines(&items, &res);
        for (uint32_t i = 0; i < res.n; i++) {
            const fl_val *k = &res.u.items[2 * i], *v = &res.u.items[2 * i + 1];
            const fl_val *sv =
                v->kind == FL_V_MAP ? fl_val_map_get_kw(v, FL_KW_VALID) : NULL;

            if (!sv || is_kw(k, "perf"))
                continue;
            fl_strbuf_addstr(&items, "<li>");
            add_val_short(&items, k, 60);
            fl_strbuf_addstr(&items, " ");
            add_verdict(&items, verdict_of(sv));
            fl_strbuf_addstr(&items, "<ul>");
            add_headlines(&items, v);
            fl_strbuf_addstr(&items, "</ul></li>");
        }
        if (items.len) {
            fl_strbuf_addstr(sb, "<h2>anomalies and checkers</h2><ul "
                                 "id=\"anomalies\">");
            fl_strbuf_add(sb, items.buf, items.len);
            fl_strbuf_addstr(sb, "</ul>");
        }
        fl_strbuf_release(&items);
        fl_strbuf_reset(&p);
        fl_strbuf_addstr(&p, "/files/");
        add_url(&p, rel);
        fl_report_html_failures(sb, &res, dir, p.buf);
        const fl_val *perf = fl_val_map_get_kw(&res, fl_kw_intern_cstr("perf"));
        if (perf && perf->kind == FL_V_MAP)
            add_perf(sb, perf);
    } else {
        fl_strbuf_addstr(sb, "<p class=\"muted\">no readable results.edn "
                             "(the run is incomplete or still going)</p>");
    }
    add_key_links(sb, dir, rel);
    fl_strbuf_addstr(sb, "<h2>plots</h2>");
    bool any = false;
    for (size_t i = 0; i < FL_ARRAY_SIZE(plots); i++) {
        const char *ext = NULL;

        fl_strbuf_reset(&p);
        fl_strbuf_addf(&p, "%s/%s.png", dir, plots[i]);
        if (access(p.buf, R_OK) == 0)
            ext = "png";
        else {
            fl_strbuf_reset(&p);
            fl_strbuf_addf(&p, "%s/%s.svg", dir, plots[i]);
            if (access(p.buf, R_OK) == 0)
                ext = "svg";
        }
        if (!ext)
            continue;
        any = true;
        fl_strbuf_addstr(sb, "<div><img class=\"plot\" alt=\"");
        add_html(sb, plots[i]);
        fl_strbuf_addstr(sb, "\" src=\"/files/");
        add_url(sb, rel);
        fl_strbuf_addch(sb, '/');
        add_url(sb, plots[i]);
        fl_strbuf_addf(sb, ".%s\"></div>", ext);
    }
    if (!any)
        fl_strbuf_addstr(sb, "<p class=\"muted\">no plots (gnuplot missing, "
                             "or no timed ops)</p>");
    fl_strbuf_addstr(sb, "<h2>files</h2>");
    add_listing(sb, dir, rel);
    fl_strbuf_addstr(sb, "</body></html>\n");
    fl_strbuf_release(&p);
    fl_arena_release(&a);
}

static void
dir_page(const char *dir, const char *rel, struct fl_strbuf *sb)
{
    page_begin(sb, *rel ? rel : "store");
    fl_strbuf_addstr(sb, "<p><a href=\"/\">&larr; all runs</a></p><h1>/");
    add_html(sb, rel);
    fl_strbuf_addstr(sb, "</h1>");
    add_listing(sb, dir, rel);
    fl_strbuf_addstr(sb, "</body></html>\n");
}

/* ---- responses ---- */

static const char *
content_type(const char *path)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".png", "image/png"},
        {".svg", "image/svg+xml"},
        {".gz", "application/gzip"},
        {".json", "text/plain; charset=utf-8"},
        {".jpg", "image/jpeg"},
    };
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash : path, '.');

    for (size_t i = 0; dot && i < FL_ARRAY_SIZE(types); i++)
        if (strcmp(dot, types[i].ext) == 0)
            return types[i].type;
    /* edn, txt, log, dat, gp, stdout, no extension: show as text */
    return "text/plain; charset=utf-8";
}

static enum MHD_Result
send_buf(struct MHD_Connection *c, unsigned code, const char *type,
         struct fl_strbuf *sb)
{
    size_t len;
    char *buf = fl_strbuf_detach(sb, &len);
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
    enum MHD_Result ret;

    if (!r) {
        free(buf);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result
send_error(struct MHD_Connection *c, unsigned code)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;

    fl_strbuf_addf(&sb, "%u %s\n", code,
                   code == MHD_HTTP_FORBIDDEN            ? "forbidden"
                   : code == MHD_HTTP_NOT_FOUND          ? "not found"
                   : code == MHD_HTTP_METHOD_NOT_ALLOWED ? "method not allowed"
                                                         : "error");
    return send_buf(c, code, "text/plain; charset=utf-8", &sb);
}

static enum MHD_Result
send_file(struct MHD_Connection *c, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    struct MHD_Response *r;
    enum MHD_Result ret;

    if (fd < 0)
        return send_error(c, errno == EACCES ? MHD_HTTP_FORBIDDEN
                                             : MHD_HTTP_NOT_FOUND);
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return send_error(c, MHD_HTTP_NOT_FOUND);
    }
    r = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
    if (!r) {
        close(fd);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", content_type(path));
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

struct tar_stream {
    int fd;    /* read end of tar's stdout */
    pid_t pid; /* the tar process */
};

static ssize_t
tar_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct tar_stream *t = cls;
    ssize_t n;

    FL_UNUSED(pos);
    do
        n = read(t->fd, buf, max);
    while (n < 0 && errno == EINTR);
    if (n == 0)
        return MHD_CONTENT_READER_END_OF_STREAM;
    if (n < 0)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    return n;
}

static void
tar_free(void *cls)
{
    struct tar_stream *t = cls;
    close(t->fd);
    kill(t->pid, SIGTERM); /* harmless when it already finished */
    fl_spawn_wait(t->pid);
    free(t);
}

/* /archive/<test>/<time>.tar.gz: tar -czf - -C <store>/<test> -- <time> */
static enum MHD_Result
send_archive(const struct fl_server *s, struct MHD_Connection *c,
             const char *rel)
{
    struct fl_strbuf real = FL_STRBUF_INIT, name = FL_STRBUF_INIT;
    size_t n = strlen(rel);
    int pfd[2] = {-1, -1};
    enum MHD_Result ret;
    unsigned code;

    if (n <= 7 || strcmp(rel + n - 7, ".tar.gz") != 0) {
        ret = send_error(c, MHD_HTTP_NOT_FOUND);
        goto out;
    }
    fl_strbuf_add(&name, rel, n - 7);
    code = resolve(s, name.buf, &real);
    if (code || !is_real_dir(real.buf) || real.len <= s->rootlen + 1) {
        ret = send_error(c, code ? code : MHD_HTTP_NOT_FOUND);
        goto out;
    }
    char *slash = strrchr(real.buf, '/');
    *slash = '\0';
    const char *parent = real.buf, *base = slash + 1;
    if (pipe2(pfd, O_CLOEXEC) != 0) {
        ret = send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR);
        goto out;
    }
    const char *argv[] = {"tar", "-czf", "-", "-C", parent, "--", base, NULL};
    struct fl_spawn_opts so = {.out_fd = pfd[1]};
    pid_t pid;
    if (fl_spawn(argv, &so, &pid, NULL) != 0) {
        close(pfd[0]);
        close(pfd[1]);
        ret = send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR);
        goto out;
    }
    close(pfd[1]);
    struct tar_stream *t = fl_xmalloc(sizeof(*t));
    t->fd = pfd[0];
    t->pid = pid;
    struct MHD_Response *r = MHD_create_response_from_callback(
        MHD_SIZE_UNKNOWN, 64 * 1024, tar_read, t, tar_free);
    if (!r) {
        tar_free(t);
        ret = MHD_NO;
        goto out;
    }
    fl_strbuf_reset(&name);
    fl_strbuf_addf(&name, "attachment; filename=\"%s.tar.gz\"", base);
    MHD_add_response_header(r, "Content-Type", "application/gzip");
    MHD_add_response_header(r, "Content-Disposition", name.buf);
    ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
out:
    fl_strbuf_release(&name);
    fl_strbuf_release(&real);
    return ret;
}

/*
 * Decode %HH once (as libmicrohttpd would), but turn a URL that decodes to
 * a control character (%00 would cut the path short) into "/..", which
 * every route refuses.
 */
static size_t
unescape(void *cls, struct MHD_Connection *c, char *str)
{
    char *w = str;

    FL_UNUSED(cls);
    FL_UNUSED(c);
    for (const char *r = str; *r; r++) {
        int hi = r[0] == '%' ? fl_parse_hex_digit(r[1]) : -1;
        int lo = hi >= 0 ? fl_parse_hex_digit(r[2]) : -1;

        if (lo >= 0) {
            unsigned char ch = (unsigned char)(hi * 16 + lo);

            if (ch < 0x20 || ch == 0x7f) {
                memcpy(str, "/..", 4); /* input has >= 3 bytes */
                return 3;
            }
            *w++ = (char)ch;
            r += 2;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
    return (size_t)(w - str);
}

static bool
strip_prefix(const char **url, const char *prefix)
{
    size_t n = strlen(prefix);

    if (strncmp(*url, prefix, n) != 0)
        return false;
    *url += n;
    return true;
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
       const char *version, const char *upload, size_t *upload_size,
       void **con_cls)
{
    struct fl_server *s = cls;
    struct fl_strbuf sb = FL_STRBUF_INIT, real = FL_STRBUF_INIT;
    enum MHD_Result ret;
    unsigned code;

    FL_UNUSED(version);
    FL_UNUSED(upload);
    FL_UNUSED(upload_size);
    FL_UNUSED(con_cls);
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        ret = send_error(c, MHD_HTTP_METHOD_NOT_ALLOWED);
        goto out;
    }
    if (strcmp(url, "/") == 0) {
        index_page(
            s, MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "after"),
            &sb);
        ret = send_buf(c, MHD_HTTP_OK, "text/html; charset=utf-8", &sb);
    } else if (strip_prefix(&url, "/run/")) {
        code = resolve(s, url, &real);
        if (code || !is_real_dir(real.buf)) {
            ret = send_error(c, code ? code : MHD_HTTP_NOT_FOUND);
            goto out;
        }
        struct fl_strbuf rel = FL_STRBUF_INIT;
        fl_strbuf_addstr(&rel, url);
        while (rel.len && rel.buf[rel.len - 1] == '/')
            fl_strbuf_setlen(&rel, rel.len - 1);
        run_page(real.buf, rel.buf, &sb);
        fl_strbuf_release(&rel);
        ret = send_buf(c, MHD_HTTP_OK, "text/html; charset=utf-8", &sb);
    } else if (strip_prefix(&url, "/files/") || strcmp(url, "/files") == 0) {
        if (strcmp(url, "/files") == 0)
            url = "";
        code = resolve(s, url, &real);
        if (code) {
            ret = send_error(c, code);
            goto out;
        }
        struct stat st;
        if (stat(real.buf, &st) == 0 && S_ISDIR(st.st_mode)) {
            struct fl_strbuf rel = FL_STRBUF_INIT;
            fl_strbuf_addstr(&rel, url);
            while (rel.len && rel.buf[rel.len - 1] == '/')
                fl_strbuf_setlen(&rel, rel.len - 1);
            dir_page(real.buf, rel.buf, &sb);
            fl_strbuf_release(&rel);
            ret = send_buf(c, MHD_HTTP_OK, "text/html; charset=utf-8", &sb);
        } else {
            ret = send_file(c, real.buf);
        }
    } else if (strip_prefix(&url, "/archive/")) {
        ret = send_archive(s, c, url);
    } else {
        ret = send_error(c, MHD_HTTP_NOT_FOUND);
    }
out:
    fl_strbuf_release(&real);
    fl_strbuf_release(&sb);
    return ret;
}

/* ---- lifecycle ---- */

static struct addrinfo *
numeric_addr(const char *addr)
{
    struct addrinfo hints, *ai = NULL;

    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST;
    if (getaddrinfo(addr, NULL, &hints, &ai) != 0)
        return NULL;
    return ai;
}

/*
 * The address to listen on: host as a numeric address, or a name from the
 * hosts file. Never DNS: a name that resolves differently tomorrow, or
 * that a resolver answers with a public address, must not decide where the
 * store is served.
 */
static struct addrinfo *
bind_addr(const char *host, struct fl_err *err)
{
    const char *hosts = fl_hosts_path();
    struct fl_err e = FL_ERR_INIT;
    struct addrinfo *ai = NULL;
    char addr[64];
    int rc;

    if (fl_parse_check_name("--host", host, err) != 0)
        return NULL;
    ai = numeric_addr(host);
    if (ai)
        return ai;
    rc = fl_hosts_lookup(hosts, host, addr, sizeof(addr), &e);
    if (rc == -ENOENT)
        fl_err_set(err, FL_EUSAGE,
                   "--host %s: not a numeric address and not a name in %s "
                   "(names are not looked up in DNS)",
                   host, hosts);
    else if (rc == 0 && !(ai = numeric_addr(addr)))
        fl_err_set(err, FL_EUSAGE, "--host %s: %s gives it the bad address %s",
                   host, hosts, addr);
    else if (rc != 0)
        fl_err_set(err, FL_EUSAGE, "--host %s: %s", host, e.msg);
    return ai;
}

struct fl_server *
fl_serve_start(const struct fl_serve_opts *opts, struct fl_err *err)
{
    const char *store = opts->store_dir ? opts->store_dir : "store";
    const char *host = opts->host ? opts->host : "127.0.0.1";
    struct fl_server *s = fl_xcalloc(1, sizeof(*s));
    struct addrinfo *ai = NULL;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG;

    pthread_mutex_init(&s->mu, NULL);
    fl_strmap_init(&s->cache_idx);

    if (opts->port < 0 || opts->port > 65535) {
        fl_err_set(err, FL_EUSAGE, "port %d out of range", opts->port);
        goto fail;
    }
    s->root = realpath(store, NULL);
    if (!s->root || !is_real_dir(s->root)) {
        fl_err_set(err, -ENOENT, "store %s is not a directory", store);
        goto fail;
    }
    s->rootlen = strlen(s->root);
    ai = bind_addr(host, err);
    if (!ai)
        goto fail;
    if (ai->ai_family == AF_INET6) {
        ((struct sockaddr_in6 *)ai->ai_addr)->sin6_port =
            htons((uint16_t)opts->port);
        flags |= MHD_USE_IPv6;
    } else {
        ((struct sockaddr_in *)ai->ai_addr)->sin_port =
            htons((uint16_t)opts->port);
    }
    s->d = MHD_start_daemon(flags, (uint16_t)opts->port, NULL, NULL, handle, s,
                            MHD_OPTION_SOCK_ADDR, ai->ai_addr,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
                            MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
                            MHD_OPTION_END);
    if (!s->d) {
        fl_err_set(err, -EADDRINUSE, "cannot listen on %s port %d", host,
                   opts->port);
        goto fail;
    }
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : opts->port;
    freeaddrinfo(ai);
    return s;
fail:
    if (ai)
        freeaddrinfo(ai);
    fl_serve_stop(s);
    return NULL;
}

int
fl_serve_port(const struct fl_server *s)
{
    return s->port;
}

void
fl_serve_stop(struct fl_server *s)
{
    if (!s)
        return;
    if (s->d)
        MHD_stop_daemon(s->d);
    free(s->root);
    fl_strmap_release(&s->cache_idx);
    free(s->cache);
    pthread_mutex_destroy(&s->mu);
    free(s);
}
