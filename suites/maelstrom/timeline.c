/* SPDX-License-Identifier: MIT */
/*
 * timeline.c: the message timeline of a Maelstrom run, from the journal
 * (messages.jsonl): messages.svg, a Lamport diagram of the first
 * MAX_SVG messages like Maelstrom's (one column per client, node and
 * service; an arrow per message from its send to its receipt, red and cut
 * short when dropped; hover for the body), and messages.html, which holds
 * up to MAX_HTML messages and draws any window of them, for long runs.
 * Time runs downwards by event order, so idle stretches take no room.
 */
#include "util/common.h"

#include "timeline.h"

#include <jansson.h>

#include "util/err.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#define MAX_SVG  2000
#define MAX_HTML 50000
#define COL_W    110
#define ROW_H    14
#define BODY_MAX 300

struct tmsg {
    int64_t sent, recv; /* recv < 0: dropped */
    int src, dst;       /* columns */
    char *type, *body, *drop;
};

struct tl {
    struct tmsg *m;
    size_t n, alloc;
    char **cols;
    size_t ncols, acols;
};

static int
col_of(struct tl *t, const char *name)
{
    for (size_t i = 0; i < t->ncols; i++)
        if (strcmp(t->cols[i], name) == 0)
            return (int)i;
    FL_ALLOC_GROW(t->cols, t->ncols + 1, t->acols);
    t->cols[t->ncols] = fl_xstrdup(name);
    return (int)t->ncols++;
}

static int
col_rank(const char *s)
{
    return s[0] == 'c' ? 0 : s[0] == 'n' ? 1 : 2;
}

static int
col_cmp(const void *a, const void *b)
{
    const char *x = *(char *const *)a, *y = *(char *const *)b;
    int rx = col_rank(x), ry = col_rank(y);

    if (rx != ry)
        return rx - ry;
    if (rx < 2 && strlen(x) != strlen(y))
        return strlen(x) < strlen(y) ? -1 : 1;
    return strcmp(x, y);
}

static void
add_line(struct tl *t, const char *line)
{
    json_t *j = json_loads(line, 0, NULL);
    json_t *msg = j ? json_object_get(j, "msg") : NULL;
    json_t *body = msg ? json_object_get(msg, "body") : NULL;
    const char *src = json_string_value(json_object_get(msg, "src"));
    const char *dst = json_string_value(json_object_get(msg, "dest"));
    const char *type = json_string_value(json_object_get(body, "type"));
    const char *drop = json_string_value(json_object_get(j, "drop"));

    if (src && dst && body) {
        char *b = json_dumps(body, JSON_COMPACT);
        struct tmsg m = {
            .sent = json_integer_value(json_object_get(j, "sent")),
            .recv = json_is_integer(json_object_get(j, "recv"))
                        ? json_integer_value(json_object_get(j, "recv"))
                        : -1,
            .src = col_of(t, src),
            .dst = col_of(t, dst),
            .type = fl_xstrdup(type ? type : "?"),
            .body = fl_xstrndup(b, strnlen(b, BODY_MAX)),
            .drop = drop ? fl_xstrdup(drop) : NULL,
        };
        free(b);
        FL_ALLOC_GROW(t->m, t->n + 1, t->alloc);
        t->m[t->n++] = m;
    }
    json_decref(j);
}

static int
load(struct tl *t, const char *path, struct fl_err *err)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;

    if (!f)
        return fl_err_set(err, -errno, "%s: %s", path, strerror(errno));
    while (t->n < MAX_HTML && getline(&line, &cap, f) > 0)
        add_line(t, line);
    free(line);
    fclose(f);
    return 0;
}

/* Columns sorted clients, nodes, services; remap the messages. */
static void
sort_cols(struct tl *t)
{
    char **old = fl_xcalloc(t->ncols + 1, sizeof(char *));
    int *map = fl_xcalloc(t->ncols + 1, sizeof(int));

    memcpy(old, t->cols, t->ncols * sizeof(char *));
    qsort(t->cols, t->ncols, sizeof(char *), col_cmp);
    for (size_t i = 0; i < t->ncols; i++)
        for (size_t k = 0; k < t->ncols; k++)
            if (old[i] == t->cols[k])
                map[i] = (int)k;
    for (size_t i = 0; i < t->n; i++) {
        t->m[i].src = map[t->m[i].src];
        t->m[i].dst = map[t->m[i].dst];
    }
    free(old);
    free(map);
}

/* Row of time ts among the first n messages' events (binary search). */
static size_t
row_of(const int64_t *ts, size_t n, int64_t t)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (ts[mid] < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int
cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return x < y ? -1 : x > y;
}

static void
svg_arrow(struct fl_strbuf *sb, const struct tmsg *m, const int64_t *ts,
          size_t nts)
{
    int x1 = COL_W / 2 + m->src * COL_W, x2 = COL_W / 2 + m->dst * COL_W;
    size_t y1 = 40 + row_of(ts, nts, m->sent) * ROW_H;
    size_t y2 =
        m->recv >= 0 ? 40 + row_of(ts, nts, m->recv) * ROW_H : y1 + ROW_H;
    const char *colour = m->drop ? "#c0392b" : "#2c3e50";

    if (m->recv < 0)
        x2 = (x1 + x2) / 2;
    fl_strbuf_addf(sb, "<g><title>%.3f ms %s", (double)m->sent / 1e6,
                   m->drop ? "(dropped: " : "");
    if (m->drop) {
        fl_strbuf_add_xml(sb, m->drop, strlen(m->drop));
        fl_strbuf_addstr(sb, ") ");
    }
    fl_strbuf_add_xml(sb, m->body, strlen(m->body));
    fl_strbuf_addf(sb,
                   "</title><line x1=\"%d\" y1=\"%zu\" x2=\"%d\" y2=\"%zu\" "
                   "stroke=\"%s\"%s marker-end=\"url(#a)\"/>",
                   x1, y1, x2, y2, colour,
                   m->drop ? " stroke-dasharray=\"4 3\"" : "");
    fl_strbuf_addf(sb,
                   "<text x=\"%d\" y=\"%zu\" font-size=\"9\" "
                   "text-anchor=\"middle\" fill=\"%s\">",
                   (x1 + x2) / 2, (y1 + y2) / 2 - 2, colour);
    fl_strbuf_add_xml(sb, m->type, strlen(m->type));
    fl_strbuf_addstr(sb, "</text></g>\n");
}

static int
write_svg(const struct tl *t, const char *dir, struct fl_err *err)
{
    size_t n = FL_MIN(t->n, (size_t)MAX_SVG), nts = 0;
    int64_t *ts = fl_xcalloc(2 * n + 1, sizeof(int64_t));
    struct fl_strbuf sb = FL_STRBUF_INIT;
    char *path = fl_xasprintf("%s/messages.svg", dir);
    int rc = 0;

    for (size_t i = 0; i < n; i++) {
        ts[nts++] = t->m[i].sent;
        if (t->m[i].recv >= 0)
            ts[nts++] = t->m[i].recv;
    }
    qsort(ts, nts, sizeof(int64_t), cmp_i64);
    size_t height = 60 + (nts + 1) * ROW_H;
    fl_strbuf_addf(&sb,
                   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%zu\" "
                   "height=\"%zu\" font-family=\"sans-serif\">\n"
                   "<defs><marker id=\"a\" markerWidth=\"8\" "
                   "markerHeight=\"6\" refX=\"8\" refY=\"3\" "
                   "orient=\"auto\"><path d=\"M0,0 L8,3 L0,6 z\"/></marker>"
                   "</defs>\n",
                   t->ncols * COL_W, height);
    for (size_t c = 0; c < t->ncols; c++) {
        int x = COL_W / 2 + (int)c * COL_W;
        fl_strbuf_addf(&sb,
                       "<text x=\"%d\" y=\"20\" text-anchor=\"middle\" "
                       "font-weight=\"bold\">%s</text><line x1=\"%d\" "
                       "y1=\"28\" x2=\"%d\" y2=\"%zu\" stroke=\"#bbb\"/>\n",
                       x, t->cols[c], x, x, height);
    }
    for (size_t i = 0; i < n; i++)
        svg_arrow(&sb, &t->m[i], ts, nts);
    fl_strbuf_addstr(&sb, "</svg>\n");
    rc = fl_strbuf_write_file(&sb, path, err);
    free(path);
    free(ts);
    fl_strbuf_release(&sb);
    return rc;
}

static const char html_head[] =
    "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>messages"
    "</title><style>body{font-family:sans-serif}svg text{font-size:9px}"
    "#info{font-family:monospace;white-space:pre-wrap}</style></head><body>"
    "<h3>Messages <span id=\"range\"></span></h3><p>"
    "<button onclick=\"go(-1)\">&larr; earlier</button> "
    "<button onclick=\"go(1)\">later &rarr;</button> "
    "window <input id=\"win\" value=\"300\" size=\"5\" onchange=\"draw()\"> "
    "from message <input id=\"off\" value=\"0\" size=\"8\" "
    "onchange=\"draw()\"> type filter <input id=\"flt\" size=\"12\" "
    "onchange=\"draw()\"></p><div id=\"info\"></div><div id=\"pic\"></div>"
    "<script>\n";

static const char html_tail[] =
    "function go(d){var o=document.getElementById('off'),w=+document."
    "getElementById('win').value;o.value=Math.max(0,Math.min(M.length-1,"
    "+o.value+d*w));draw();}\n"
    "function draw(){var off=+document.getElementById('off').value,w=+"
    "document.getElementById('win').value,f=document.getElementById('flt')"
    ".value,ms=[];for(var i=off;i<M.length&&ms.length<w;i++)if(!f||M[i][4]"
    ".indexOf(f)>=0)ms.push(M[i]);var ts=[];ms.forEach(function(m){ts.push"
    "(m[0]);if(m[1]>=0)ts.push(m[1]);});ts.sort(function(a,b){return a-b;})"
    ";function row(t){var lo=0,hi=ts.length;while(lo<hi){var k=(lo+hi)>>1;"
    "if(ts[k]<t)lo=k+1;else hi=k;}return 40+lo*14;}var W=110,h=60+ts.length"
    "*14,s='<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"'+C.length*W+"
    "'\" height=\"'+h+'\"><defs><marker id=\"a\" markerWidth=\"8\" "
    "markerHeight=\"6\" refX=\"8\" refY=\"3\" orient=\"auto\"><path "
    "d=\"M0,0 L8,3 L0,6 z\"/></marker></defs>';C.forEach(function(c,i){var "
    "x=W/2+i*W;s+='<text x=\"'+x+'\" y=\"20\" text-anchor=\"middle\" "
    "font-weight=\"bold\" style=\"font-size:12px\">'+c+'</text><line x1=\"'"
    "+x+'\" y1=\"28\" x2=\"'+x+'\" y2=\"'+h+'\" stroke=\"#bbb\"/>';});"
    "ms.forEach(function(m,k){var x1=W/2+m[2]*W,x2=W/2+m[3]*W,y1=row(m[0]),"
    "y2=m[1]>=0?row(m[1]):y1+14,c=m[6]?'#c0392b':'#2c3e50';if(m[1]<0)x2="
    "(x1+x2)/2;s+='<g onmouseover=\"show('+k+')\"><line x1=\"'+x1+'\" y1=\"'"
    "+y1+'\" x2=\"'+x2+'\" y2=\"'+y2+'\" stroke=\"'+c+'\" '+(m[6]?"
    "'stroke-dasharray=\"4 3\" ':'')+'marker-end=\"url(#a)\"/><text x=\"'+"
    "(x1+x2)/2+'\" y=\"'+((y1+y2)/2-2)+'\" text-anchor=\"middle\" fill=\"'+"
    "c+'\">'+esc(m[4])+'</text></g>';});s+='</svg>';window.MS=ms;document."
    "getElementById('pic').innerHTML=s;document.getElementById('range')."
    "textContent='('+M.length+' messages'+(T?', first '+M.length+' shown':"
    "'')+')';}\n"
    "function esc(x){return String(x).replace(/&/g,'&amp;').replace(/</g,"
    "'&lt;');}\n"
    "function show(k){var m=window.MS[k];document.getElementById('info')."
    "textContent=(m[0]/1e6).toFixed(3)+' ms '+C[m[2]]+' -> '+C[m[3]]+(m[6]?"
    "' DROPPED ('+m[6]+')':'')+'\\n'+m[5];}\n"
    "draw();</script></body></html>\n";

static void
json_str(struct fl_strbuf *sb, const char *s)
{
    json_t *j = json_string(s);
    char *d = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;

    fl_strbuf_addstr(sb, d ? d : "\"\"");
    free(d);
    json_decref(j);
}

static int
write_html(const struct tl *t, const char *dir, bool truncated,
           struct fl_err *err)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;
    char *path = fl_xasprintf("%s/messages.html", dir);
    int rc = 0;

    fl_strbuf_addstr(&sb, html_head);
    fl_strbuf_addstr(&sb, "var C=[");
    for (size_t c = 0; c < t->ncols; c++) {
        fl_strbuf_addstr(&sb, c ? "," : "");
        json_str(&sb, t->cols[c]);
    }
    fl_strbuf_addf(&sb, "];var T=%s;var M=[\n", truncated ? "true" : "false");
    for (size_t i = 0; i < t->n; i++) {
        const struct tmsg *m = &t->m[i];
        fl_strbuf_addf(&sb, "[%" PRId64 ",%" PRId64 ",%d,%d,", m->sent, m->recv,
                       m->src, m->dst);
        json_str(&sb, m->type);
        fl_strbuf_addch(&sb, ',');
        json_str(&sb, m->body);
        fl_strbuf_addch(&sb, ',');
        if (m->drop)
            json_str(&sb, m->drop);
        else
            fl_strbuf_addstr(&sb, "null");
        fl_strbuf_addstr(&sb, "],\n");
    }
    fl_strbuf_addstr(&sb, "];\n");
    fl_strbuf_addstr(&sb, html_tail);
    rc = fl_strbuf_write_file(&sb, path, err);
    free(path);
    fl_strbuf_release(&sb);
    return rc;
}

int
fl_mael_timeline_write(const char *journal, const char *dir, struct fl_err *err)
{
    struct tl t = {0};
    int rc = load(&t, journal, err);

    if (rc == 0) {
        sort_cols(&t);
        rc = write_svg(&t, dir, err);
    }
    if (rc == 0)
        rc = write_html(&t, dir, t.n >= MAX_HTML, err);
    for (size_t i = 0; i < t.n; i++) {
        free(t.m[i].type);
        free(t.m[i].body);
        free(t.m[i].drop);
    }
    for (size_t i = 0; i < t.ncols; i++)
        free(t.cols[i]);
    free(t.m);
    free(t.cols);
    return rc;
}
