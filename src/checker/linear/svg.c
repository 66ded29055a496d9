/* SPDX-License-Identifier: MIT */
/*
 * svg.c: linear.svg, the picture of a linearizability failure (what
 * Knossos's linear.svg shows): the op that could not be linearized (red),
 * the ops concurrent with it (grey; crashed ones open-ended and dashed) and
 * the last steps of the longest linearizable prefix (green, numbered in
 * linearization order), one row per process. The x axis is the order of
 * the shown ops' invocations and completions, one slot each, not their
 * distance in the history: an op invoked thousands of ops earlier (a
 * crashed one open till the end) then takes a few slots instead of
 * squeezing the interesting ops into a sliver. Labels are cut to their
 * bar (the full text is the bar's tooltip and, for the red and green ops,
 * listed below the picture). Plain SVG, readable in any browser.
 */
#include "util/common.h"

#include "checker/linear/linear_int.h"
#include "util/err.h"
#include "util/strbuf.h"

#include <sys/stat.h>

#define ROW_H     28
#define LEFT_W    90
#define PLOT_W    900
#define TOP_H     66
#define MAX_SHOWN 48

/* n, moved back so that a cut there does not split a UTF-8 character. */
static size_t
utf8_cut(const char *s, size_t n)
{
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

/* ":f value #inv-ret", raw (escape before use). */
static void
op_label(struct fl_strbuf *sb, const struct fl_hist *h,
         const struct fl_lin_op *o)
{
    struct fl_strbuf v = FL_STRBUF_INIT;
    fl_val_print_edn(&v, o->value);
    if (v.len > 40)
        fl_strbuf_setlen(&v, utf8_cut(v.buf, 40));
    fl_strbuf_addf(sb, ":%s %s", o->f ? fl_kw_name(o->f) : "?", v.buf);
    if (o->crashed)
        fl_strbuf_addf(sb, " (crashed) #%" PRId64, h->ops[o->inv].index);
    else
        fl_strbuf_addf(sb, " #%" PRId64 "-%" PRId64, h->ops[o->inv].index,
                       h->ops[o->ret].index);
    fl_strbuf_release(&v);
}

/* The ops to draw: the failing op, the tail of the path, the concurrent. */
struct picture {
    uint32_t shown[MAX_SHOWN];
    int order[MAX_SHOWN]; /* 0 failing, >0 linearized (1-based), -1 other */
    size_t ns;
    int32_t procs[MAX_SHOWN]; /* one row each, in order of appearance */
    size_t np;
    uint32_t pts[2 * MAX_SHOWN]; /* distinct history positions, sorted */
    size_t npts;
    double slot_w; /* px per position slot */
};

static void
pick_ops(struct picture *pic, const struct fl_lin_op *ops, size_t n,
         const struct fl_lin_result *res)
{
    const struct fl_lin_op *fo = &ops[res->fail_op];
    size_t from = res->path.n > 12 ? res->path.n - 12 : 0;

    pic->shown[pic->ns] = res->fail_op;
    pic->order[pic->ns++] = 0;
    for (size_t i = from; i < res->path.n && pic->ns < MAX_SHOWN; i++) {
        pic->shown[pic->ns] = res->path.v[i];
        pic->order[pic->ns++] = (int)(i + 1);
    }
    for (size_t i = 0; i < n && pic->ns < MAX_SHOWN; i++) {
        const struct fl_lin_op *o = &ops[i];
        uint32_t end = o->crashed ? FL_LIN_NEVER : o->ret;
        bool dup = false;
        for (size_t k = 0; k < pic->ns; k++)
            dup = dup || pic->shown[k] == i;
        if (!dup && o->inv < fo->ret && end > fo->inv) {
            pic->shown[pic->ns] = (uint32_t)i;
            pic->order[pic->ns++] = -1;
        }
    }
}

static int
cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Rows (processes) and the axis: the distinct endpoints of shown ops. */
static void
lay_out(struct picture *pic, const struct fl_hist *h,
        const struct fl_lin_op *ops)
{
    size_t m = 0;

    for (size_t k = 0; k < pic->ns; k++) {
        const struct fl_lin_op *o = &ops[pic->shown[k]];
        int32_t p = h->ops[o->inv].process;
        bool seen = false;

        for (size_t i = 0; i < pic->np; i++)
            seen = seen || pic->procs[i] == p;
        if (!seen)
            pic->procs[pic->np++] = p;
        pic->pts[m++] = o->inv;
        if (!o->crashed)
            pic->pts[m++] = o->ret;
    }
    qsort(pic->pts, m, sizeof(*pic->pts), cmp_u32);
    for (size_t i = 0; i < m; i++)
        if (pic->npts == 0 || pic->pts[pic->npts - 1] != pic->pts[i])
            pic->pts[pic->npts++] = pic->pts[i];
    /* one slot more at the right for crashed ops to run into */
    pic->slot_w = (double)PLOT_W / (double)(pic->npts + 1);
    pic->slot_w = FL_MAX(FL_MIN(pic->slot_w, 90.0), 44.0);
}

/* x of the left edge of position pos's slot. */
static double
slot_x(const struct picture *pic, uint32_t pos)
{
    size_t lo = 0, hi = pic->npts;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (pic->pts[mid] < pos)
            lo = mid + 1;
        else
            hi = mid;
    }
    return LEFT_W + (double)lo * pic->slot_w;
}

static double
plot_right(const struct picture *pic)
{
    return LEFT_W + (double)(pic->npts + 1) * pic->slot_w;
}

static size_t
row_of(const struct picture *pic, int32_t p)
{
    size_t row = 0;

    while (pic->procs[row] != p)
        row++;
    return row;
}

/* Label text cut to what fits in width px (monospace 11: ~6.7 px/char). */
static void
fit_label(struct fl_strbuf *sb, const char *text, double width)
{
    size_t fit = width > 12 ? (size_t)((width - 6) / 6.7) : 0;
    size_t len = strlen(text);

    if (len <= fit) {
        fl_strbuf_add_xml(sb, text, strlen(text));
    } else if (fit >= 3) {
        char *cut = fl_xstrndup(text, utf8_cut(text, fit - 1));
        fl_strbuf_add_xml(sb, cut, strlen(cut));
        fl_strbuf_addstr(sb, "\xe2\x80\xa6"); /* ellipsis */
        free(cut);
    }
}

static void
draw_op(struct fl_strbuf *sb, const struct picture *pic,
        const struct fl_hist *h, const struct fl_lin_op *o, size_t k)
{
    struct fl_strbuf label = FL_STRBUF_INIT, raw = FL_STRBUF_INIT;
    int32_t p = h->ops[o->inv].process;
    int y = TOP_H + (int)row_of(pic, p) * ROW_H;
    double x0 = slot_x(pic, o->inv) + 1;
    double x1 =
        o->crashed ? plot_right(pic) : slot_x(pic, o->ret) + pic->slot_w * 0.85;
    const char *fill = pic->order[k] == 0  ? "#f4a0a0"
                       : pic->order[k] > 0 ? "#a8e0a8"
                                           : "#dddddd";

    if (pic->order[k] > 0)
        fl_strbuf_addf(&raw, "%d. ", pic->order[k]);
    op_label(&raw, h, o);
    fl_strbuf_addf(sb, "<g><title>process %d ", p);
    fl_strbuf_add_xml(sb, raw.buf, raw.len);
    fl_strbuf_addf(sb,
                   "</title><rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" "
                   "height=\"%d\" fill=\"%s\" stroke=\"#333\"%s/>",
                   x0, y + 3, FL_MAX(x1 - x0, 2.0), ROW_H - 6, fill,
                   o->crashed ? " stroke-dasharray=\"4 3\"" : "");
    fit_label(&label, raw.buf, x1 - x0);
    if (label.len)
        fl_strbuf_addf(sb, "<text x=\"%.1f\" y=\"%d\">%s</text>", x0 + 3,
                       y + 18, label.buf);
    fl_strbuf_addstr(sb, "</g>\n");
    fl_strbuf_release(&label);
    fl_strbuf_release(&raw);
}

/* Ticks with the :index of the op at each slot, as many as fit. */
static void
draw_axis(struct fl_strbuf *sb, const struct picture *pic,
          const struct fl_hist *h, int y)
{
    double last = -1e9;

    fl_strbuf_addf(sb,
                   "<line x1=\"%d\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
                   "stroke=\"#999\"/>\n",
                   LEFT_W, y, plot_right(pic), y);
    fl_strbuf_addf(sb, "<text x=\"8\" y=\"%d\" fill=\"#666\">:index</text>\n",
                   y + 14);
    for (size_t i = 0; i < pic->npts; i++) {
        double x = LEFT_W + (double)i * pic->slot_w;
        if (i > 0 && pic->pts[i] - pic->pts[i - 1] > 8)
            fl_strbuf_addf(sb,
                           "<text x=\"%.1f\" y=\"%d\" fill=\"#c00\" "
                           "font-weight=\"bold\">//</text>\n",
                           x - 8, y + 4);
        if (x - last < 48)
            continue;
        last = x;
        fl_strbuf_addf(sb,
                       "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
                       "stroke=\"#999\"/><text x=\"%.1f\" y=\"%d\" "
                       "fill=\"#666\">%" PRId64 "</text>\n",
                       x + 1, y, x + 1, y + 4, x + 1, y + 14,
                       h->ops[pic->pts[i]].index);
    }
}

/* Below the picture: the failing op and the path, in full. */
static void
draw_list(struct fl_strbuf *sb, const struct picture *pic,
          const struct fl_hist *h, const struct fl_lin_op *ops,
          const struct fl_lin_result *res, int y)
{
    const struct fl_lin_op *fo = &ops[res->fail_op];
    struct fl_strbuf raw = FL_STRBUF_INIT;

    fl_strbuf_addf(sb, "<text x=\"8\" y=\"%d\">", y);
    fl_strbuf_addstr(&raw, "could not linearize: ");
    op_label(&raw, h, fo);
    fl_strbuf_addf(&raw, " by process %d after %zu linearized ops",
                   h->ops[fo->inv].process, res->path.n);
    const fl_val *fm =
        fl_val_map_get_kw(&res->detail, fl_kw_intern_cstr("final-model"));
    if (fm) {
        struct fl_strbuf st = FL_STRBUF_INIT;
        fl_val_print_edn(&st, fm);
        if (st.len > 200)
            fl_strbuf_setlen(&st, utf8_cut(st.buf, 200));
        fl_strbuf_addf(&raw, "; model state then: %s", st.buf);
        fl_strbuf_release(&st);
    }
    fl_strbuf_add_xml(sb, raw.buf, raw.len);
    fl_strbuf_addstr(sb, "</text>\n");
    for (size_t k = 0; k < pic->ns; k++) {
        if (pic->order[k] <= 0)
            continue;
        y += 14;
        fl_strbuf_reset(&raw);
        fl_strbuf_addf(&raw, "%d. process %d ", pic->order[k],
                       h->ops[ops[pic->shown[k]].inv].process);
        op_label(&raw, h, &ops[pic->shown[k]]);
        fl_strbuf_addf(sb, "<text x=\"16\" y=\"%d\" fill=\"#2a6a2a\">", y);
        fl_strbuf_add_xml(sb, raw.buf, raw.len);
        fl_strbuf_addstr(sb, "</text>\n");
    }
    fl_strbuf_release(&raw);
}

static void
render(struct fl_strbuf *sb, const struct picture *pic, const struct fl_hist *h,
       const struct fl_lin_op *ops, const struct fl_lin_result *res,
       const char *title)
{
    int axis_y = TOP_H + (int)pic->np * ROW_H + 4;
    size_t nlist = 1;

    for (size_t k = 0; k < pic->ns; k++)
        nlist += pic->order[k] > 0;
    fl_strbuf_addf(sb,
                   "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
                   "height=\"%d\" font-family=\"monospace\" "
                   "font-size=\"11\">\n<rect width=\"100%%\" "
                   "height=\"100%%\" fill=\"white\"/>\n<text x=\"8\" "
                   "y=\"18\" font-size=\"14\" font-weight=\"bold\">",
                   FL_MAX((int)plot_right(pic) + 20, 760),
                   axis_y + 40 + 14 * (int)nlist);
    fl_strbuf_add_xml(sb, title, strlen(title));
    fl_strbuf_addstr(sb, "</text>\n<text x=\"8\" y=\"34\">red: could not be "
                         "linearized; green: linearized, in order; grey: "
                         "concurrent; dashed: crashed</text>\n<text x=\"8\" "
                         "y=\"48\" fill=\"#666\">x axis: the order of "
                         "invocations and completions, not to scale (// marks "
                         "ops of the history left out)</text>\n");
    for (size_t i = 0; i < pic->np; i++)
        fl_strbuf_addf(sb, "<text x=\"8\" y=\"%d\">process %d</text>\n",
                       TOP_H + (int)i * ROW_H + 17, pic->procs[i]);
    /* grey first, so red and green are drawn over them */
    for (int pass = 0; pass < 2; pass++)
        for (size_t k = 0; k < pic->ns; k++)
            if ((pic->order[k] < 0) == (pass == 0))
                draw_op(sb, pic, h, &ops[pic->shown[k]], k);
    draw_axis(sb, pic, h, axis_y);
    draw_list(sb, pic, h, ops, res, axis_y + 36);
    fl_strbuf_addstr(sb, "</svg>\n");
}

int
fl_lin__write_svg(const char *dir, const struct fl_hist *h,
                  const struct fl_lin_op *ops, size_t n,
                  const struct fl_lin_result *res, const char *title,
                  struct fl_err *err)
{
    struct fl_strbuf sb = FL_STRBUF_INIT, path = FL_STRBUF_INIT;
    struct picture pic;
    int rc = 0;

    if (res->fail_op == FL_LIN_NEVER)
        return 0;
    memset(&pic, 0, sizeof(pic));
    pick_ops(&pic, ops, n, res);
    lay_out(&pic, h, ops);
    render(&sb, &pic, h, ops, res, title);

    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        rc = fl_err_set(err, -errno, "mkdir %s: %s", dir, strerror(errno));
        goto out;
    }
    fl_strbuf_addf(&path, "%s/linear.svg", dir);
    rc = fl_strbuf_write_file(&sb, path.buf, err);
out:
    fl_strbuf_release(&sb);
    fl_strbuf_release(&path);
    return rc;
}
