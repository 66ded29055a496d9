/* SPDX-License-Identifier: MIT */
/*
 * regions.c: when was which fault active? Nemesis ops come in generic
 * start/stop pairs (:start-partition/:stop-partition, :kill/:start,
 * :pause/:resume, :bump-clock/:reset-clock, ...); this file turns them into
 * labelled periods for shading plots and the timeline, plus small escaping
 * and file helpers the report files share.
 */
#include "util/common.h"

#include "report/report_int.h"

#include "nemesis/combined.h"
#include "util/err.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <fcntl.h>
#include <unistd.h>

enum action { ACT_EVENT, ACT_START, ACT_STOP, ACT_STROBE, ACT_HEAL };

static bool
has_prefix(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

static bool
has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);

    return n > m && strcmp(s + n - m, suf) == 0;
}

static void
set_label(char *label, const char *s, size_t n)
{
    n = FL_MIN(n, sizeof(((struct fl_report_region *)0)->label) - 1);
    memcpy(label, s, n);
    label[n] = '\0';
}

static bool
any_open(const struct fl_report_regions *r, const char *label)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->v[i].open && strcmp(r->v[i].label, label) == 0)
            return true;
    return false;
}

/* What a nemesis op with this :f does; label gets the fault's name. */
static enum action
classify(const char *f, const struct fl_report_regions *r, char *label)
{
    static const struct {
        const char *f, *label;
        enum action act;
    } fixed[] = {
        {"kill", "kill", ACT_START},
        {"pause", "pause", ACT_START},
        {"resume", "pause", ACT_STOP},
        {"bump", "clock", ACT_START},
        {"bump-clock", "clock", ACT_START},
        {"reset", "clock", ACT_STOP},
        {"reset-clock", "clock", ACT_STOP},
        {"strobe", "clock", ACT_STROBE},
        {"strobe-clock", "clock", ACT_STROBE},
        {"stop", "nemesis", ACT_STOP},
        {"heal", "", ACT_HEAL},
    };

    for (size_t i = 0; i < FL_ARRAY_SIZE(fixed); i++) {
        if (strcmp(f, fixed[i].f) == 0) {
            set_label(label, fixed[i].label, strlen(fixed[i].label));
            return fixed[i].act;
        }
    }
    if (strcmp(f, "start") == 0) {
        /* :start restarts killed nodes, or starts a generic fault */
        if (any_open(r, "kill")) {
            set_label(label, "kill", 4);
            return ACT_STOP;
        }
        set_label(label, "nemesis", 7);
        return ACT_START;
    }
    if (has_prefix(f, "start-") && f[6]) {
        set_label(label, f + 6, strlen(f + 6));
        return ACT_START;
    }
    if (has_prefix(f, "stop-") && f[5]) {
        set_label(label, f + 5, strlen(f + 5));
        return ACT_STOP;
    }
    if (has_suffix(f, "-start")) {
        set_label(label, f, strlen(f) - 6);
        return ACT_START;
    }
    if (has_suffix(f, "-stop")) {
        set_label(label, f, strlen(f) - 5);
        return ACT_STOP;
    }
    set_label(label, f, strlen(f));
    return ACT_EVENT;
}

static int
kind_of(struct fl_report_regions *r, const char *label)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->v[i].label, label) == 0)
            return r->v[i].kind;
    return r->nkinds++;
}

static void
push(struct fl_report_regions *r, int64_t start, int64_t end, const char *label,
     bool open, bool event)
{
    int kind = kind_of(r, label);

    FL_ALLOC_GROW(r->v, r->n + 1, r->alloc);
    struct fl_report_region *g = &r->v[r->n++];
    memset(g, 0, sizeof(*g));
    g->start_ns = start;
    g->end_ns = end;
    set_label(g->label, label, strlen(label));
    g->kind = kind;
    g->color = fl_nemesis_fault_color(g->label);
    g->open = open;
    g->event = event;
}

static int
cmp_region(const void *x, const void *y)
{
    const struct fl_report_region *a = x, *b = y;

    if (a->start_ns != b->start_ns)
        return a->start_ns < b->start_ns ? -1 : 1;
    return strcmp(a->label, b->label);
}

void
fl_report_regions(const struct fl_hist *h, const int32_t *pair,
                  struct fl_report_regions *out)
{
    int64_t t0, t1;

    memset(out, 0, sizeof(*out));
    fl_report_span(h, &t0, &t1);
    for (size_t i = 0; i < h->n; i++) {
        const struct fl_op *op = &h->ops[i];
        char label[40];

        if (op->process != FL_PROC_NEMESIS || op->time_ns < 0)
            continue;
        /* act on completions, and on invocations that never completed */
        if (pair[i] >= 0 && (size_t)pair[i] > i)
            continue;
        const char *f = op->f ? fl_kw_name(op->f) : "nemesis";
        enum action act = classify(f, out, label);
        int64_t inv_ns = pair[i] >= 0 ? h->ops[pair[i]].time_ns : op->time_ns;
        switch (act) {
        case ACT_START:
            push(out, op->time_ns, t1, label, true, false);
            break;
        case ACT_STROBE:
            push(out, inv_ns >= 0 ? inv_ns : op->time_ns, op->time_ns, label,
                 false, false);
            break;
        case ACT_STOP:
        case ACT_HEAL:
            for (size_t j = 0; j < out->n; j++) {
                struct fl_report_region *g = &out->v[j];

                if (g->open &&
                    (act == ACT_HEAL || strcmp(g->label, label) == 0)) {
                    g->open = false;
                    g->end_ns = op->time_ns;
                }
            }
            break;
        case ACT_EVENT:
            push(out, op->time_ns, op->time_ns, label, false, true);
            break;
        }
    }
    if (out->n)
        qsort(out->v, out->n, sizeof(*out->v), cmp_region);
}

void
fl_report_regions_release(struct fl_report_regions *r)
{
    free(r->v);
    memset(r, 0, sizeof(*r));
}

void
fl_report_span(const struct fl_hist *h, int64_t *t0, int64_t *t1)
{
    *t0 = -1;
    *t1 = -1;
    for (size_t i = 0; i < h->n; i++) {
        int64_t t = h->ops[i].time_ns;

        if (t < 0)
            continue;
        if (*t0 < 0 || t < *t0)
            *t0 = t;
        if (t > *t1)
            *t1 = t;
    }
}

void
fl_report_js_escape(struct fl_strbuf *sb, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c == '\\' || c == '"' || c == '\'')
            fl_strbuf_addf(sb, "\\%c", c);
        else if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x7f)
            fl_strbuf_addf(sb, "\\u%04x", c);
        else
            fl_strbuf_addch(sb, (char)c);
    }
}
