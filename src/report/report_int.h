/* SPDX-License-Identifier: MIT */
/*
 * report_int.h: helpers shared by the report files: the nemesis's active
 * fault periods derived from a history, and small escaping helpers.
 */
#ifndef FL_REPORT_INT_H
#define FL_REPORT_INT_H

#include "report/report.h"

struct fl_strbuf;

/*
 * One period during which a fault was active: from the completion of the
 * op that started it to the completion of the op that stopped it (or the
 * end of the history when it was never stopped). A nemesis op that neither
 * starts nor stops anything we know gives a zero-length period (an event).
 */
struct fl_report_region {
    int64_t start_ns;  /* fault active from here */
    int64_t end_ns;    /* to here; == start_ns for an event */
    char label[40];    /* fault name: "partition", "kill", "clock", ... */
    int kind;          /* index of label among distinct labels, from 0 */
    const char *color; /* fl_nemesis_fault_color(label), static */
    bool open;         /* never stopped: end_ns is the history's end */
    bool event;        /* a single nemesis op, not a period */
};

struct fl_report_regions {
    struct fl_report_region *v; /* in order of start_ns */
    size_t n, alloc;
    int nkinds; /* distinct labels */
};

/**
 * Derive fault periods from the nemesis ops of h (process FL_PROC_NEMESIS),
 * generically: start-X/stop-X pairs (label X), kill/start, pause/resume,
 * bump[-clock]/reset[-clock] and strobe[-clock] (label clock; a strobe is
 * active from its invocation to its completion), start/stop (label
 * nemesis). A stop-ish op ends every open period of its label. pair is
 * from fl_perf_pairs(). Release with fl_report_regions_release().
 */
void fl_report_regions(const struct fl_hist *h, const int32_t *pair,
                       struct fl_report_regions *out);
void fl_report_regions_release(struct fl_report_regions *r);

/**
 * Append, when results (a results.edn map) is invalid, "<h2>failures,
 * explained</h2>" and each failed checker's failure in full (explain.c):
 * ops as tables, Elle's explanations, element lists, errors. dir is the
 * run's directory and url its URL prefix ("/files/<run>", already
 * URL-escaped), for linear.svg.
 */
void fl_report_html_failures(struct fl_strbuf *sb, const fl_val *results,
                             const char *dir, const char *url);

/** First and last :time of h (both -1 when no op has a time). */
void fl_report_span(const struct fl_hist *h, int64_t *t0, int64_t *t1);

/** Append s as the body of a JS string literal (no quotes; "</" safe). */
void fl_report_js_escape(struct fl_strbuf *sb, const char *s, size_t n);

#endif
