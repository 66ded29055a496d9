/* SPDX-License-Identifier: MIT */
/*
 * explain.c: a failed checker's result as HTML, for the web UI's run page:
 * what the CLI prints about a failure, in full, not just op indexes. The
 * linearizability checker's failing op, the op before it and the last
 * linearized steps with the model after each (and linear.svg when the run
 * has it); Elle's anomalies with their cycles' explanations; a set's lost,
 * unexpected, stale and never-read elements; any other checker's errors.
 * Per-key (independent) results are explained key by key. Everything from
 * results.edn is escaped; long values are cut with a note.
 */
#include "util/common.h"

#include "report/report_int.h"

#include "util/strbuf.h"

#include <unistd.h>

#define MAX_KEYS      10   /* failing keys explained per checker */
#define MAX_ANOMALIES 20   /* anomalies shown per Elle anomaly type */
#define MAX_CELL      400  /* bytes of one op's value */
#define MAX_LIST      8000 /* bytes of an element list (lost, ...) */

static const fl_val *
get(const fl_val *m, const char *key)
{
    return m->kind == FL_V_MAP ? fl_val_map_get_kw(m, fl_kw_intern_cstr(key))
                               : NULL;
}

static bool
is_kw(const fl_val *v, const char *name)
{
    return v && v->kind == FL_V_KW && strcmp(fl_kw_name(v->u.id), name) == 0;
}

static bool
empty(const fl_val *v)
{
    if (!v || fl_val_is_nil(v))
        return true;
    if ((fl_val_is_seq(v) || v->kind == FL_V_MAP) && v->n == 0)
        return true;
    return v->kind == FL_V_STR && strcmp(v->u.s, "#{}") == 0;
}

/* v as EDN (a string as its text), HTML-escaped, cut at max bytes. */
static void
add_edn(struct fl_strbuf *sb, const fl_val *v, size_t max)
{
    struct fl_strbuf t = FL_STRBUF_INIT;
    size_t full;

    if (v->kind == FL_V_STR)
        fl_strbuf_add(&t, v->u.s, v->n);
    else
        fl_val_print_edn(&t, v);
    full = t.len;
    if (full > max) {
        while (max > 0 && ((unsigned char)t.buf[max] & 0xC0) == 0x80)
            max--; /* never cut a UTF-8 character */
        fl_strbuf_setlen(&t, max);
    }
    fl_strbuf_add_xml(sb, t.buf, t.len);
    if (full > max)
        fl_strbuf_addf(sb,
                       " <span class=\"muted\">... (%zu bytes in all, "
                       "see results.edn)</span>",
                       full);
    fl_strbuf_release(&t);
}

/* An op as results carry it: a map with :type and :index or :process. */
static bool
is_op(const fl_val *v)
{
    return v && v->kind == FL_V_MAP && get(v, "type") &&
           (get(v, "index") || get(v, "process"));
}

static void
add_cell(struct fl_strbuf *sb, const fl_val *v, size_t max)
{
    fl_strbuf_addstr(sb, "<td>");
    if (v && !fl_val_is_nil(v))
        add_edn(sb, v, max);
    fl_strbuf_addstr(sb, "</td>");
}

static void
ops_begin(struct fl_strbuf *sb, const char *extra)
{
    fl_strbuf_addf(sb,
                   "<table class=\"ops\"><tr><th></th><th>:index</th>"
                   "<th>:process</th><th>:type</th><th>:f</th><th>:value</th>"
                   "<th>:error</th>%s</tr>",
                   extra ? extra : "");
}

/* One row: what the op is to the failure, then its fields. */
static void
add_op_row(struct fl_strbuf *sb, const char *role, const fl_val *op,
           const fl_val *extra)
{
    fl_strbuf_addstr(sb, "<tr><th>");
    fl_strbuf_add_xml(sb, role, strlen(role));
    fl_strbuf_addstr(sb, "</th>");
    add_cell(sb, get(op, "index"), 40);
    add_cell(sb, get(op, "process"), 40);
    add_cell(sb, get(op, "type"), 40);
    add_cell(sb, get(op, "f"), 60);
    add_cell(sb, get(op, "value"), MAX_CELL);
    add_cell(sb, get(op, "error"), MAX_CELL);
    if (extra)
        add_cell(sb, extra, MAX_CELL);
    fl_strbuf_addstr(sb, "</tr>");
}

static void
add_field(struct fl_strbuf *sb, const char *label, const fl_val *v, size_t max)
{
    if (empty(v))
        return;
    fl_strbuf_addstr(sb, "<p><b>");
    fl_strbuf_add_xml(sb, label, strlen(label));
    fl_strbuf_addstr(sb, "</b> <code>");
    add_edn(sb, v, max);
    fl_strbuf_addstr(sb, "</code></p>");
}

/*
 * Knossos-style: the op that could not be linearized, the last ok op
 * before it, and the linearized prefix's last steps with the model state
 * after each; then the final model and the step it refused.
 */
static void
add_linear(struct fl_strbuf *sb, const fl_val *m)
{
    const fl_val *op = get(m, "op"), *prev = get(m, "previous-ok");
    const fl_val *path = get(m, "last-linearized");
    const fl_val *conc = get(m, "concurrent");

    fl_strbuf_addstr(sb, "<p>The op that could not be linearized, and the "
                         "last linearized steps before it (oldest first, "
                         "with the model state after each):</p>");
    ops_begin(sb, "<th>model after</th>");
    if (path && fl_val_is_seq(path)) {
        for (uint32_t i = 0; i < path->n; i++) {
            const fl_val *st = &path->u.items[i];
            char role[32];

            snprintf(role, sizeof(role), "linearized %u", i + 1);
            if (is_op(get(st, "op")))
                add_op_row(sb, role, get(st, "op"), get(st, "model"));
        }
    }
    if (is_op(prev))
        add_op_row(sb, "previous ok", prev, NULL);
    if (is_op(op))
        add_op_row(sb, "cannot linearize", op, NULL);
    if (conc && fl_val_is_seq(conc))
        for (uint32_t i = 0; i < conc->n; i++)
            if (is_op(&conc->u.items[i]))
                add_op_row(sb, "concurrent", &conc->u.items[i], NULL);
    fl_strbuf_addstr(sb, "</table>");
    add_field(sb, "model state then:", get(m, "final-model"), MAX_CELL);
    add_field(sb, "step it cannot take:", get(m, "final-step"), MAX_CELL);
    add_field(sb, "linearized ops:", get(m, "linearized-count"), 40);
    add_field(sb, "cause:", get(m, "cause"), MAX_CELL);
}

/* One Elle anomaly: its explanation, else its fields (ops as a table). */
static void
add_anomaly(struct fl_strbuf *sb, const fl_val *a)
{
    const fl_val *ex = get(a, "explanation");

    if (ex && ex->kind == FL_V_STR) {
        fl_strbuf_addstr(sb, "<pre class=\"explain\">");
        add_edn(sb, ex, 20000);
        fl_strbuf_addstr(sb, "</pre>");
        return;
    }
    if (a->kind != FL_V_MAP) {
        fl_strbuf_addstr(sb, "<p><code>");
        add_edn(sb, a, MAX_CELL);
        fl_strbuf_addstr(sb, "</code></p>");
        return;
    }
    bool table = false;
    for (uint32_t i = 0; i < a->n; i++) {
        const fl_val *k = &a->u.items[2 * i], *v = &a->u.items[2 * i + 1];
        if (k->kind != FL_V_KW || !is_op(v))
            continue;
        if (!table)
            ops_begin(sb, NULL);
        table = true;
        add_op_row(sb, fl_kw_name(k->u.id), v, NULL);
    }
    if (table)
        fl_strbuf_addstr(sb, "</table>");
    for (uint32_t i = 0; i < a->n; i++) {
        const fl_val *k = &a->u.items[2 * i], *v = &a->u.items[2 * i + 1];
        if (k->kind == FL_V_KW && !is_op(v) && !is_kw(k, "type")) {
            char label[64];
            snprintf(label, sizeof(label), ":%s", fl_kw_name(k->u.id));
            add_field(sb, label, v, MAX_CELL);
        }
    }
}

static void
add_elle(struct fl_strbuf *sb, const fl_val *anomalies)
{
    for (uint32_t i = 0; i < anomalies->n; i++) {
        const fl_val *type = &anomalies->u.items[2 * i];
        const fl_val *list = &anomalies->u.items[2 * i + 1];
        uint32_t n = fl_val_is_seq(list) ? list->n : 0;

        fl_strbuf_addstr(sb, "<h4>");
        add_edn(sb, type, 80);
        fl_strbuf_addf(sb, " <span class=\"muted\">(%u)</span></h4>", n);
        for (uint32_t k = 0; k < n && k < MAX_ANOMALIES; k++)
            add_anomaly(sb, &list->u.items[k]);
        if (n > MAX_ANOMALIES)
            fl_strbuf_addf(sb,
                           "<p class=\"muted\">and %u more in "
                           "results.edn</p>",
                           n - MAX_ANOMALIES);
    }
}

/* Element lists and errors of the set, counter, bank and queue checkers. */
static void
add_generic(struct fl_strbuf *sb, const fl_val *m)
{
    static const struct {
        const char *key, *label;
    } fields[] = {
        {"lost", "lost (acknowledged, then never read):"},
        {"unexpected", "unexpected (read, never added):"},
        {"never-read", "never read:"},
        {"stale", "stale (read late):"},
        {"duplicated", "duplicated:"},
        {"worst-stale", "worst stale reads:"},
        {"first-error", "first error:"},
        {"errors", "errors:"},
        {"negative", "negative balances:"},
        {"error", "error:"},
        {"cause", "cause:"},
        {"not", "not:"},
        {"also-not", "also not:"},
    };

    for (size_t i = 0; i < FL_ARRAY_SIZE(fields); i++)
        add_field(sb, fields[i].label, get(m, fields[i].key), MAX_LIST);
}

static void add_result(struct fl_strbuf *sb, const char *name, const fl_val *m,
                       const char *dir, const char *url, int depth);

/* Independent results: explain the first failing keys one by one. */
static bool
add_per_key(struct fl_strbuf *sb, const char *name, const fl_val *m,
            const char *dir, const char *url, int depth)
{
    const fl_val *failures = get(m, "failures");
    const fl_val *results = get(m, "results");
    struct fl_strbuf sub = FL_STRBUF_INIT, kname = FL_STRBUF_INIT;

    if (depth > 1 || !failures || !fl_val_is_seq(failures) ||
        failures->n == 0 || !results || results->kind != FL_V_MAP)
        return false;
    fl_strbuf_addf(sb, "<p>%u key(s) invalid", failures->n);
    if (failures->n > MAX_KEYS)
        fl_strbuf_addf(sb, "; the first %d explained", MAX_KEYS);
    fl_strbuf_addstr(sb, ".</p>");
    for (uint32_t i = 0; i < failures->n && i < MAX_KEYS; i++) {
        const fl_val *r = fl_val_map_get(results, &failures->u.items[i]);

        if (!r)
            continue;
        fl_strbuf_reset(&kname);
        fl_val_print_edn(&kname, &failures->u.items[i]);
        fl_strbuf_reset(&sub);
        fl_strbuf_addf(&sub, "%s, key %s", name, kname.buf);
        add_result(sb, sub.buf, r, dir, url, depth + 1);
    }
    fl_strbuf_release(&sub);
    fl_strbuf_release(&kname);
    return true;
}

/* The run's linear.svg, when the linearizability checker wrote one. */
static void
add_linear_svg(struct fl_strbuf *sb, const char *dir, const char *url)
{
    struct fl_strbuf p = FL_STRBUF_INIT;

    fl_strbuf_addf(&p, "%s/linear.svg", dir);
    if (access(p.buf, R_OK) == 0) {
        fl_strbuf_addstr(sb, "<div><img class=\"plot\" id=\"linear-svg\" "
                             "alt=\"linear.svg\" src=\"");
        fl_strbuf_addstr(sb, url);
        fl_strbuf_addstr(sb, "/linear.svg\"></div>");
    }
    fl_strbuf_release(&p);
}

static void
add_result(struct fl_strbuf *sb, const char *name, const fl_val *m,
           const char *dir, const char *url, int depth)
{
    const fl_val *anomalies = get(m, "anomalies");

    fl_strbuf_addf(sb, "<div class=\"failure\"><h3>");
    fl_strbuf_add_xml(sb, name, strlen(name));
    fl_strbuf_addstr(sb, "</h3>");
    if (!add_per_key(sb, name, m, dir, url, depth)) {
        if (get(m, "op") &&
            (get(m, "last-linearized") || get(m, "previous-ok")))
            add_linear(sb, m);
        if (anomalies && anomalies->kind == FL_V_MAP) {
            add_field(sb, "anomaly types:", get(m, "anomaly-types"), MAX_CELL);
            add_elle(sb, anomalies);
        }
        add_generic(sb, m);
    }
    /* the linearizability checker drew its (first) failure */
    if (depth == 0 && (get(m, "op") || is_kw(get(m, "analyzer"), "wgl")))
        add_linear_svg(sb, dir, url);
    fl_strbuf_addstr(sb, "</div>");
}

static bool
invalid(const fl_val *m)
{
    const fl_val *v = get(m, "valid?");

    return v && v->kind == FL_V_BOOL && !v->u.b;
}

void
fl_report_html_failures(struct fl_strbuf *sb, const fl_val *results,
                        const char *dir, const char *url)
{
    if (results->kind != FL_V_MAP || !invalid(results))
        return;
    fl_strbuf_addstr(sb, "<h2>failures, explained</h2><div id=\"details\">");
    size_t body = sb->len;
    for (uint32_t i = 0; i < results->n; i++) {
        const fl_val *k = &results->u.items[2 * i];
        const fl_val *v = &results->u.items[2 * i + 1];

        if (k->kind == FL_V_KW && invalid(v))
            add_result(sb, fl_kw_name(k->u.id), v, dir, url, 0);
    }
    if (sb->len == body) /* one checker, not composed */
        add_result(sb, "checker", results, dir, url, 0);
    fl_strbuf_addstr(sb, "</div>");
}
