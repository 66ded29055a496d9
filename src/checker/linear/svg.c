/* SPDX-License-Identifier: MIT */
/*
 * svg.c: linear.svg, the picture of a linearizability failure (what
 * Knossos's linear.svg shows): the op that could not be linearized (red),
 * the ops concurrent with it (grey; crashed ones open-ended and dashed) and
 * the last steps of the longest linearizable prefix (green, numbered in
 * linearization order), one row per process on an axis of history
 * positions. Plain SVG, readable in any browser.
 */
#include "util/common.h"

#include "checker/linear/linear_int.h"
#include "util/err.h"
#include "util/strbuf.h"

#include <sys/stat.h>

#define ROW_H     28
#define LEFT_W    90
#define PLOT_W    900
#define TOP_H     60
#define MAX_SHOWN 48

static void
esc(struct fl_strbuf *sb, const char *s)
{
    for (; *s; s++) {
        if (*s == '<')
            fl_strbuf_addstr(sb, "&lt;");
        else if (*s == '>')
            fl_strbuf_addstr(sb, "&gt;");
        else if (*s == '&')
            fl_strbuf_addstr(sb, "&amp;");
        else if (*s == '"')
            fl_strbuf_addstr(sb, "&quot;");
        else
            fl_strbuf_addch(sb, *s);
    }
}

static void
op_label(struct fl_strbuf *sb, const struct fl_hist *h,
         const struct fl_lin_op *o)
{
    struct fl_strbuf v = FL_STRBUF_INIT;
    fl_val_print_edn(&v, o->value);
    if (v.len > 40)
        fl_strbuf_setlen(&v, 40);
    fl_strbuf_addf(sb, ":%s ", o->f ? fl_kw_name(o->f) : "?");
    esc(sb, v.buf);
    if (o->crashed)
        fl_strbuf_addstr(sb, " (crashed)");
    if (o->crashed)
        fl_strbuf_addf(sb, " #%" PRId64, h->ops[o->inv].index);
    else
        fl_strbuf_addf(sb, " #%" PRId64 "-%" PRId64, h->ops[o->inv].index,
                       h->ops[o->ret].index);
    fl_strbuf_release(&v);
}

int
fl_lin__write_svg(const char *dir, const struct fl_hist *h,
                  const struct fl_lin_op *ops, size_t n,
                  const struct fl_lin_result *res, const char *title,
                  struct fl_err *err)
{
    struct fl_strbuf sb = FL_STRBUF_INIT, path = FL_STRBUF_INIT;
    uint32_t shown[MAX_SHOWN];
    int order[MAX_SHOWN];
    size_t ns = 0;
    FILE *f = NULL;
    int rc = 0;

    if (res->fail_op == FL_LIN_NEVER)
        return 0;
    const struct fl_lin_op *fo = &ops[res->fail_op];
    shown[ns] = res->fail_op;
    order[ns++] = 0;
    size_t from = res->path.n > 12 ? res->path.n - 12 : 0;
    for (size_t i = from; i < res->path.n && ns < MAX_SHOWN; i++) {
        shown[ns] = res->path.v[i];
        order[ns++] = (int)(i + 1);
    }
    for (size_t i = 0; i < n && ns < MAX_SHOWN; i++) {
        const struct fl_lin_op *o = &ops[i];
        uint32_t end = o->crashed ? FL_LIN_NEVER : o->ret;
        bool dup = false;
        for (size_t k = 0; k < ns; k++)
            dup = dup || shown[k] == i;
        if (!dup && o->inv < fo->ret && end > fo->inv) {
            shown[ns] = (uint32_t)i;
            order[ns++] = -1;
        }
    }
    /* Axis range and rows (one per process, in order of appearance). */
    uint32_t lo = UINT32_MAX, hi = 0;
    int32_t procs[MAX_SHOWN];
    size_t np = 0;
    for (size_t k = 0; k < ns; k++) {
        const struct fl_lin_op *o = &ops[shown[k]];
        lo = FL_MIN(lo, o->inv);
        hi = FL_MAX(hi, o->crashed ? o->inv : o->ret);
        int32_t p = h->ops[o->inv].process;
        bool seen = false;
        for (size_t i = 0; i < np; i++)
            seen = seen || procs[i] == p;
        if (!seen)
            procs[np++] = p;
    }
    hi = FL_MAX(hi, fo->ret) + 2;
    double scale = (double)PLOT_W / (double)(hi - lo + 1);
    int height = TOP_H + (int)np * ROW_H + 70;
    fl_strbuf_addf(&sb,
                   "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
                   "height=\"%d\" font-family=\"monospace\" "
                   "font-size=\"11\">\n<rect width=\"100%%\" "
                   "height=\"100%%\" fill=\"white\"/>\n<text x=\"8\" "
                   "y=\"18\" font-size=\"14\" font-weight=\"bold\">",
                   LEFT_W + PLOT_W + 40, height);
    esc(&sb, title);
    fl_strbuf_addf(&sb,
                   "</text>\n<text x=\"8\" y=\"36\">x axis: position in "
                   "the history (%u..%u). red: could not be linearized; "
                   "green: linearized, in order; grey: concurrent; dashed: "
                   "crashed</text>\n",
                   lo, hi);
    for (size_t i = 0; i < np; i++)
        fl_strbuf_addf(&sb, "<text x=\"8\" y=\"%d\">process %d</text>\n",
                       TOP_H + (int)i * ROW_H + 17, procs[i]);
    for (size_t k = 0; k < ns; k++) {
        const struct fl_lin_op *o = &ops[shown[k]];
        int32_t p = h->ops[o->inv].process;
        size_t row = 0;
        while (procs[row] != p)
            row++;
        double x0 = LEFT_W + (o->inv - lo) * scale;
        double x1 =
            o->crashed ? LEFT_W + PLOT_W : LEFT_W + (o->ret - lo + 1) * scale;
        const char *fill = k == 0         ? "#f4a0a0"
                           : order[k] > 0 ? "#a8e0a8"
                                          : "#dddddd";
        fl_strbuf_addf(&sb, "<g><title>process %d ", p);
        op_label(&sb, h, o);
        fl_strbuf_addf(&sb,
                       "</title><rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" "
                       "height=\"%d\" fill=\"%s\" stroke=\"#333\"%s/>",
                       x0, TOP_H + (int)row * ROW_H + 3, FL_MAX(x1 - x0, 2.0),
                       ROW_H - 6, fill,
                       o->crashed ? " stroke-dasharray=\"4 3\"" : "");
        fl_strbuf_addf(&sb, "<text x=\"%.1f\" y=\"%d\">", x0 + 3,
                       TOP_H + (int)row * ROW_H + 18);
        if (order[k] > 0)
            fl_strbuf_addf(&sb, "%d. ", order[k]);
        op_label(&sb, h, o);
        fl_strbuf_addstr(&sb, "</text></g>\n");
    }
    fl_strbuf_addf(&sb, "<text x=\"8\" y=\"%d\">",
                   TOP_H + (int)np * ROW_H + 30);
    fl_strbuf_addstr(&sb, "could not linearize: ");
    op_label(&sb, h, fo);
    fl_strbuf_addf(&sb, " by process %d after %zu linearized ops",
                   h->ops[fo->inv].process, res->path.n);
    const fl_val *fm =
        fl_val_map_get_kw(&res->detail, fl_kw_intern_cstr("final-model"));
    if (fm) {
        struct fl_strbuf st = FL_STRBUF_INIT;
        fl_val_print_edn(&st, fm);
        if (st.len > 200)
            fl_strbuf_setlen(&st, 200);
        fl_strbuf_addstr(&sb, "; model state then: ");
        esc(&sb, st.buf);
        fl_strbuf_release(&st);
    }
    fl_strbuf_addstr(&sb, "</text>\n");
    fl_strbuf_addstr(&sb, "</svg>\n");

    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        rc = fl_err_set(err, -errno, "mkdir %s: %s", dir, strerror(errno));
        goto out;
    }
    fl_strbuf_addf(&path, "%s/linear.svg", dir);
    f = fopen(path.buf, "w");
    if (!f) {
        rc = fl_err_set(err, -errno, "open %s: %s", path.buf, strerror(errno));
        goto out;
    }
    if (fwrite(sb.buf, 1, sb.len, f) != sb.len)
        rc = fl_err_set(err, -EIO, "write %s", path.buf);
out:
    if (f && fclose(f) != 0 && rc == 0)
        rc = fl_err_set(err, -errno, "close %s", path.buf);
    fl_strbuf_release(&sb);
    fl_strbuf_release(&path);
    return rc;
}
