/* SPDX-License-Identifier: MIT */
/*
 * timeline.c: timeline.html, one column per process (the nemesis first),
 * each op a box from invocation to completion coloured by outcome, details
 * on hover, fault periods shaded. Unlike Jepsen's (which stops at 10,000
 * ops) it stays usable for millions: ops are embedded as packed uint32
 * arrays in base64 (start deltas and durations in microseconds, column,
 * f and outcome) plus one newline-separated string of short descriptions,
 * and the page draws only what is in view on a canvas. Self-contained: no
 * network access is needed to view it.
 */
#include "util/common.h"

#include "report/report_int.h"

#include "checker/perf.h"
#include "report/timeline_page.h"
#include "util/base64.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/map.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#define TL_VALUE_MAX 120 /* bytes of each value shown on hover */

struct span {
    int64_t start_ns; /* invocation */
    int64_t end_ns;   /* completion, or -1 */
    size_t inv, comp; /* op positions; comp == SIZE_MAX when none */
};

static int
cmp_span(const void *x, const void *y)
{
    const struct span *a = x, *b = y;

    if (a->start_ns != b->start_ns)
        return a->start_ns < b->start_ns ? -1 : 1;
    return a->inv < b->inv ? -1 : a->inv > b->inv;
}

static int
cmp_proc(const void *x, const void *y)
{
    int32_t a = *(const int32_t *)x, b = *(const int32_t *)y;

    /* nemesis first, then clients ascending, then keyword processes */
    int ra = a == FL_PROC_NEMESIS ? 0 : a >= 0 ? 1 : 2;
    int rb = b == FL_PROC_NEMESIS ? 0 : b >= 0 ? 1 : 2;
    if (ra != rb)
        return ra - rb;
    return a < b ? -1 : a > b;
}

/* The n words as little-endian bytes, in base64 (the page decodes them
 * into a Uint32Array). */
static void
add_base64(struct fl_strbuf *sb, const uint32_t *w, size_t n)
{
    uint8_t *b = fl_xmalloc(n * 4 + 1);

    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < 4; j++)
            b[i * 4 + j] = (uint8_t)(w[i] >> (8 * j));
    fl_base64_encode(sb, b, n * 4);
    free(b);
}

/* one value, printed as EDN, cut to TL_VALUE_MAX bytes on a UTF-8 boundary */
static void
add_value(struct fl_strbuf *out, struct fl_strbuf *tmp, const fl_val *v)
{
    fl_strbuf_reset(tmp);
    fl_val_print_edn(tmp, v);
    size_t n = tmp->len;
    if (n > TL_VALUE_MAX) {
        n = TL_VALUE_MAX;
        while (n > 0 && ((unsigned char)tmp->buf[n] & 0xC0) == 0x80)
            n--;
    }
    for (size_t i = 0; i < n; i++) {
        char c = tmp->buf[i];

        tmp->buf[i] = (c == '\n' || c == '\t' || c == '\r') ? ' ' : c;
    }
    fl_report_js_escape(out, tmp->buf, n);
    if (n < tmp->len)
        fl_strbuf_addstr(out, "...");
}

static void
add_text(struct fl_strbuf *sb, struct fl_strbuf *tmp, const struct fl_hist *h,
         const struct span *s)
{
    const struct fl_op *inv = &h->ops[s->inv];
    const struct fl_op *comp = s->comp != SIZE_MAX ? &h->ops[s->comp] : NULL;

    fl_strbuf_addf(sb, "%" PRId64, inv->index);
    if (comp)
        fl_strbuf_addf(sb, "/%" PRId64, comp->index);
    fl_strbuf_addstr(sb, "\\t");
    bool inv_nil = fl_val_is_nil(&inv->value);
    if (!inv_nil || !comp || fl_val_is_nil(&comp->value))
        add_value(sb, tmp, &inv->value);
    if (comp && !fl_val_is_nil(&comp->value) &&
        (inv_nil || !fl_val_equal(&inv->value, &comp->value))) {
        if (!inv_nil)
            fl_strbuf_addstr(sb, " \\u2192 ");
        add_value(sb, tmp, &comp->value);
    }
    /* A fault a probe saw not as intended (docs/nemesis.md) */
    const fl_val *fw =
        comp ? fl_op_get(comp, fl_kw_intern_cstr("fault-warnings")) : NULL;
    if (fw) {
        fl_strbuf_addstr(sb, " \\u26a0 fault warnings: ");
        add_value(sb, tmp, fw);
    }
    const fl_val *e = comp ? fl_op_error(comp) : fl_op_error(inv);
    if (e) {
        fl_strbuf_addstr(sb, "\\t");
        add_value(sb, tmp, e);
    }
}

static void
add_cols(struct fl_strbuf *sb, const int32_t *procs, size_t n)
{
    fl_strbuf_addstr(sb, ",\"cols\":[");
    for (size_t i = 0; i < n; i++) {
        fl_strbuf_addstr(sb, i ? ",\"" : "\"");
        if (procs[i] == FL_PROC_NEMESIS)
            fl_strbuf_addstr(sb, "nemesis");
        else if (FL_PROC_IS_KW(procs[i])) {
            const char *name = fl_kw_name(FL_PROC_KW_ID(procs[i]));
            fl_report_js_escape(sb, name, strlen(name));
        } else
            fl_strbuf_addf(sb, "%" PRId32, procs[i]);
        fl_strbuf_addch(sb, '"');
    }
    fl_strbuf_addch(sb, ']');
}

static void
add_regions(struct fl_strbuf *sb, const struct fl_hist *h, const int32_t *pair,
            int64_t t0)
{
    struct fl_report_regions r;

    fl_report_regions(h, pair, &r);
    fl_strbuf_addstr(sb, ",\"regions\":[");
    for (size_t i = 0; i < r.n; i++) {
        const struct fl_report_region *g = &r.v[i];

        fl_strbuf_addf(sb, "%s[%.6f,%.6f,\"", i ? "," : "",
                       (double)(g->start_ns - t0) / 1e6,
                       (double)(g->end_ns - t0) / 1e6);
        fl_report_js_escape(sb, g->label, strlen(g->label));
        fl_strbuf_addf(sb, "\",\"%s\",%d]", g->color, g->event ? 1 : 0);
    }
    fl_strbuf_addch(sb, ']');
    fl_report_regions_release(&r);
}

int
fl_report_timeline(const char *path, const struct fl_hist *h, const char *title,
                   struct fl_err *err)
{
    int32_t *pair = fl_perf_pairs(h);
    struct span *sp = NULL;
    size_t nsp = 0, spalloc = 0;
    int32_t *procs = NULL;
    size_t nprocs = 0, palloc = 0;
    uint32_t *fkw = NULL;
    size_t nf = 0, falloc = 0;
    struct fl_map pcol, fidx;
    struct fl_strbuf sb = FL_STRBUF_INIT, tmp = FL_STRBUF_INIT;
    uint32_t *w = NULL;
    int64_t t0, t1;
    int rc;

    fl_map_init(&pcol);
    fl_map_init(&fidx);
    fl_report_span(h, &t0, &t1);
    /* no :time anywhere (old Knossos logs): place ops 1 ms apart by position */
    bool by_pos = t0 < 0;
    if (by_pos) {
        t0 = 0;
        t1 = (int64_t)(h->n ? h->n - 1 : 0) * FL_NS_PER_MS;
    }
    for (size_t i = 0; i < h->n; i++) {
        const struct fl_op *op = &h->ops[i];
        bool opens = pair[i] >= 0
                         ? (size_t)pair[i] > i
                         : (op->type == FL_OP_INVOKE || op->type == FL_OP_INFO);

        if (!opens || (!by_pos && op->time_ns < 0))
            continue;
        FL_ALLOC_GROW(sp, nsp + 1, spalloc);
        sp[nsp].start_ns = by_pos ? (int64_t)i * FL_NS_PER_MS : op->time_ns;
        sp[nsp].inv = i;
        sp[nsp].comp = pair[i] >= 0 ? (size_t)pair[i] : SIZE_MAX;
        sp[nsp].end_ns = pair[i] < 0 ? -1
                         : by_pos    ? (int64_t)pair[i] * FL_NS_PER_MS
                                     : h->ops[pair[i]].time_ns;
        if (sp[nsp].end_ns >= 0 && sp[nsp].end_ns < sp[nsp].start_ns)
            sp[nsp].end_ns = sp[nsp].start_ns;
        nsp++;
        uint64_t pk = (uint64_t)(int64_t)op->process;
        if (!fl_map_get(&pcol, pk)) {
            fl_map_put(&pcol, pk, 0);
            FL_ALLOC_GROW(procs, nprocs + 1, palloc);
            procs[nprocs++] = op->process;
        }
        if (!fl_map_get(&fidx, op->f)) {
            fl_map_put(&fidx, op->f, nf);
            FL_ALLOC_GROW(fkw, nf + 1, falloc);
            fkw[nf++] = op->f;
        }
    }
    if (nsp)
        qsort(sp, nsp, sizeof(*sp), cmp_span);
    if (nprocs)
        qsort(procs, nprocs, sizeof(*procs), cmp_proc);
    for (size_t i = 0; i < nprocs; i++)
        fl_map_put(&pcol, (uint64_t)(int64_t)procs[i], i);

    fl_strbuf_grow(&sb, nsp * 40 + 65536);
    fl_strbuf_addstr(&sb, timeline_page_head);
    fl_strbuf_addstr(&sb, "faultline timeline");
    if (title) {
        fl_strbuf_addstr(&sb, ": ");
        fl_strbuf_add_xml(&sb, title, strlen(title));
    }
    fl_strbuf_addstr(&sb, timeline_page_mid);
    if (title)
        fl_strbuf_add_xml(&sb, title, strlen(title));
    if (by_pos)
        fl_strbuf_addstr(&sb, " (no :time in the history: ops are placed "
                              "1 ms apart by position)");
    fl_strbuf_addstr(&sb, timeline_page_body);

    fl_strbuf_addf(&sb,
                   "<script>window.FL_DATA={\"n\":%zu,\"events\":%zu,"
                   "\"t0Ms\":%.6f,\"spanMs\":%.6f",
                   nsp, h->n, (double)t0 / 1e6,
                   (double)FL_MAX(t1 - t0, (int64_t)1000) / 1e6);
    add_cols(&sb, procs, nprocs);
    fl_strbuf_addstr(&sb, ",\"fs\":[");
    for (size_t i = 0; i < nf; i++) {
        const char *name = fkw[i] ? fl_kw_name(fkw[i]) : "?";

        fl_strbuf_addstr(&sb, i ? ",\"" : "\"");
        fl_report_js_escape(&sb, name, strlen(name));
        fl_strbuf_addch(&sb, '"');
    }
    fl_strbuf_addch(&sb, ']');
    add_regions(&sb, h, pair, t0);

    w = fl_xmalloc(fl_st_mult(nsp ? nsp : 1, sizeof(*w)));
    /* start: delta from the previous start, microseconds */
    int64_t prev_us = 0;
    for (size_t i = 0; i < nsp; i++) {
        int64_t us = (sp[i].start_ns - t0) / 1000;
        int64_t d = us - prev_us;

        w[i] = (uint32_t)FL_MIN(d, (int64_t)UINT32_MAX);
        prev_us += w[i];
    }
    fl_strbuf_addstr(&sb, ",\"start\":\"");
    add_base64(&sb, w, nsp);
    prev_us = 0;
    for (size_t i = 0; i < nsp; i++) {
        /* the same rounding as the page's: start (us) + duration (us) */
        int64_t s_us = (sp[i].start_ns - t0) / 1000;
        int64_t e_us = (sp[i].end_ns - t0) / 1000;

        w[i] = sp[i].end_ns < 0
                   ? UINT32_MAX
                   : (uint32_t)FL_MIN(e_us - s_us, (int64_t)UINT32_MAX - 1);
    }
    fl_strbuf_addstr(&sb, "\",\"dur\":\"");
    add_base64(&sb, w, nsp);
    for (size_t i = 0; i < nsp; i++)
        w[i] = (uint32_t)*fl_map_get(
            &pcol, (uint64_t)(int64_t)h->ops[sp[i].inv].process);
    fl_strbuf_addstr(&sb, "\",\"col\":\"");
    add_base64(&sb, w, nsp);
    for (size_t i = 0; i < nsp; i++) {
        uint32_t outcome = 3;

        if (sp[i].comp != SIZE_MAX) {
            uint8_t t = h->ops[sp[i].comp].type;

            outcome = t == FL_OP_OK ? 0 : t == FL_OP_FAIL ? 1 : 2;
        }
        w[i] = (uint32_t)*fl_map_get(&fidx, h->ops[sp[i].inv].f) << 2 | outcome;
    }
    fl_strbuf_addstr(&sb, "\",\"code\":\"");
    add_base64(&sb, w, nsp);
    fl_strbuf_addstr(&sb, "\",\"text\":\"");
    for (size_t i = 0; i < nsp; i++) {
        if (i)
            fl_strbuf_addstr(&sb, "\\n");
        add_text(&sb, &tmp, h, &sp[i]);
    }
    fl_strbuf_addstr(&sb, "\"};</script>\n<script>\n");
    fl_strbuf_addstr(&sb, timeline_page_js);
    fl_strbuf_addstr(&sb, "</script>\n</body></html>\n");
    rc = fl_strbuf_write_file(&sb, path, err);

    free(w);
    fl_strbuf_release(&tmp);
    fl_strbuf_release(&sb);
    fl_map_release(&fidx);
    fl_map_release(&pcol);
    free(fkw);
    free(procs);
    free(sp);
    free(pair);
    return rc;
}
