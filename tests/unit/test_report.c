/* SPDX-License-Identifier: MIT */
/*
 * test_report.c: the :perf statistics, invocation pairing, nemesis fault
 * periods, the gnuplot data and script, and timeline.html, on small
 * histories built in memory.
 */
#include "util/common.h"

#include "test.h"

#include "checker/perf.h"
#include "history/edn.h"
#include "nemesis/combined.h"
#include "report/report_int.h"
#include "util/err.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <sys/stat.h>
#include <unistd.h>

static size_t
add(struct fl_hist *h, int64_t t_ms, int32_t proc, const char *f,
    enum fl_op_type type)
{
    struct fl_op op;

    memset(&op, 0, sizeof(op));
    op.index = (int64_t)h->n;
    op.time_ns = t_ms * 1000000;
    op.process = proc;
    op.f = fl_kw_intern_cstr(f);
    op.type = (uint8_t)type;
    op.pair = -1;
    return fl_hist_append(h, &op);
}

/* one client op from a to b (ms) */
static void
op2(struct fl_hist *h, int64_t a, int64_t b, int32_t proc, const char *f,
    enum fl_op_type outcome)
{
    add(h, a, proc, f, FL_OP_INVOKE);
    add(h, b, proc, f, outcome);
}

static const fl_val *
get(const fl_val *m, const char *key)
{
    const fl_val *v = fl_val_map_get_kw(m, fl_kw_intern_cstr(key));

    ASSERT(v);
    return v;
}

static double
quantile(const fl_val *lat, double q)
{
    fl_val k = fl_val_float(q);
    const fl_val *v = fl_val_map_get(lat, &k);

    ASSERT(v && v->kind == FL_V_FLOAT);
    return v->u.d;
}

static void
test_perf_quantiles_and_rates(void)
{
    struct fl_hist h;
    struct fl_arena a;
    fl_val perf;

    fl_hist_init(&h);
    fl_arena_init(&a, 0);
    /* 10 ok reads with latencies 1..10 ms, 2 failed writes, 1 info write */
    for (int i = 0; i < 10; i++)
        op2(&h, i * 100, i * 100 + i + 1, 0, "read", FL_OP_OK);
    op2(&h, 50, 52, 1, "write", FL_OP_FAIL);
    op2(&h, 60, 64, 1, "write", FL_OP_FAIL);
    op2(&h, 70, 1070, 1, "write", FL_OP_INFO);
    add(&h, 2000, FL_PROC_NEMESIS, "start-partition", FL_OP_INFO);
    add(&h, 2000, FL_PROC_NEMESIS, "start-partition", FL_OP_INFO);
    ASSERT_OK(fl_perf_compute(&h, &a, &perf));

    ASSERT(fl_val_is_kw(&perf.u.items[0], FL_KW_VALID));
    ASSERT_EQ(get(&perf, "count")->u.i, 13);
    ASSERT(get(&perf, "duration-s")->u.d == 2.0);
    const fl_val *byf = get(&perf, "by-f");
    ASSERT_EQ(byf->n, 2); /* the nemesis is not a client */
    fl_val kread = fl_val_kw(FL_KW_READ), kwrite = fl_val_kw(FL_KW_WRITE);
    fl_val kok = fl_val_kw(FL_KW_OK), kfail = fl_val_kw(FL_KW_FAIL),
           kinfo = fl_val_kw(FL_KW_INFO);
    const fl_val *rd = fl_val_map_get(fl_val_map_get(byf, &kread), &kok);
    ASSERT(rd);
    ASSERT_EQ(get(rd, "count")->u.i, 10);
    ASSERT(get(rd, "rate")->u.d == 5.0);
    const fl_val *lat = get(rd, "latency-ms");
    ASSERT(quantile(lat, 0.0) == 1.0);
    ASSERT(quantile(lat, 0.5) == 6.0); /* nearest rank: sorted[5] */
    ASSERT(quantile(lat, 0.95) == 10.0);
    ASSERT(quantile(lat, 1.0) == 10.0);
    const fl_val *wr = fl_val_map_get(byf, &kwrite);
    ASSERT_EQ(get(fl_val_map_get(wr, &kfail), "count")->u.i, 2);
    ASSERT(quantile(get(fl_val_map_get(wr, &kfail), "latency-ms"), 1.0) == 4.0);
    ASSERT(quantile(get(fl_val_map_get(wr, &kinfo), "latency-ms"), 0.5) ==
           1000.0);
    ASSERT(!fl_val_map_get(wr, &kok));

    fl_arena_release(&a);
    fl_hist_release(&h);
}

static void
test_perf_merge(void)
{
    struct fl_arena a;
    fl_val perf = fl_val_int(7), other = fl_val_int(8);

    fl_arena_init(&a, 0);
    fl_val items[2] = {fl_val_kw(FL_KW_VALID), fl_val_bool(false)};
    fl_val res = fl_val_map(&a, items, 1);
    fl_val m = fl_perf_merge(&a, &res, &perf);
    ASSERT_EQ(m.n, 2);
    ASSERT(fl_val_map_get_kw(&m, FL_KW_VALID)->u.b == false);
    ASSERT_EQ(get(&m, "perf")->u.i, 7);
    fl_val m2 = fl_perf_merge(&a, &m, &other); /* replaced, not added */
    ASSERT_EQ(m2.n, 2);
    ASSERT_EQ(get(&m2, "perf")->u.i, 8);
    fl_val nil = fl_val_nil();
    fl_val m3 = fl_perf_merge(&a, &nil, &perf);
    ASSERT_EQ(m3.n, 1);
    fl_arena_release(&a);
}

static void
test_pairs_without_paired_history(void)
{
    struct fl_hist h;

    fl_hist_init(&h);
    add(&h, 0, 0, "read", FL_OP_INVOKE);              /* 0 */
    add(&h, 1, FL_PROC_NEMESIS, "kill", FL_OP_INFO);  /* 1 */
    add(&h, 2, 1, "write", FL_OP_INVOKE);             /* 2 */
    add(&h, 3, 0, "read", FL_OP_OK);                  /* 3 */
    add(&h, 4, FL_PROC_NEMESIS, "kill", FL_OP_INFO);  /* 4 */
    add(&h, 5, 2, "read", FL_OP_OK);                  /* 5: orphan */
    add(&h, 6, FL_PROC_NEMESIS, "start", FL_OP_INFO); /* 6: open */
    int32_t *p = fl_perf_pairs(&h);
    ASSERT_EQ(p[0], 3);
    ASSERT_EQ(p[3], 0);
    ASSERT_EQ(p[1], 4);
    ASSERT_EQ(p[4], 1);
    ASSERT_EQ(p[2], -1);
    ASSERT_EQ(p[5], -1);
    ASSERT_EQ(p[6], -1);
    free(p);
    fl_hist_release(&h);
}

/* a nemesis op: invocation at t, completion at t + 1 ms */
static void
nem(struct fl_hist *h, int64_t t, const char *f)
{
    add(h, t, FL_PROC_NEMESIS, f, FL_OP_INFO);
    add(h, t + 1, FL_PROC_NEMESIS, f, FL_OP_INFO);
}

static void
regions_of(struct fl_hist *h, struct fl_report_regions *r)
{
    int32_t *p = fl_perf_pairs(h);

    fl_report_regions(h, p, r);
    free(p);
}

static const struct fl_report_region *
find_region(const struct fl_report_regions *r, const char *label, size_t nth)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->v[i].label, label) == 0 && nth-- == 0)
            return &r->v[i];
    return NULL;
}

static void
test_regions_generic_pairs(void)
{
    struct fl_hist h;
    struct fl_report_regions r;

    fl_hist_init(&h);
    op2(&h, 0, 5, 0, "read", FL_OP_OK);
    nem(&h, 100, "start-partition");
    nem(&h, 200, "kill");
    nem(&h, 300, "stop-partition");
    nem(&h, 400, "start"); /* restarts the killed node */
    nem(&h, 500, "pause");
    nem(&h, 600, "resume");
    nem(&h, 700, "bump-clock");
    nem(&h, 800, "reset-clock");
    nem(&h, 900, "strobe-clock");
    nem(&h, 1000, "start"); /* generic nemesis */
    nem(&h, 1100, "stop");
    nem(&h, 1200, "check-offsets");
    nem(&h, 1300, "start-loss");
    op2(&h, 1400, 1500, 0, "read", FL_OP_OK);
    regions_of(&h, &r);

    const struct fl_report_region *g = find_region(&r, "partition", 0);
    ASSERT(g);
    ASSERT_EQ(g->start_ns, 101 * 1000000LL); /* from the start's completion */
    ASSERT_EQ(g->end_ns, 301 * 1000000LL);   /* to the stop's completion */
    ASSERT(!g->open && !g->event);
    g = find_region(&r, "kill", 0);
    ASSERT(g && g->start_ns == 201000000LL && g->end_ns == 401000000LL);
    g = find_region(&r, "pause", 0);
    ASSERT(g && g->start_ns == 501000000LL && g->end_ns == 601000000LL);
    g = find_region(&r, "clock", 0);
    ASSERT(g && g->start_ns == 701000000LL && g->end_ns == 801000000LL);
    g = find_region(&r, "clock", 1); /* a strobe spans its own op */
    ASSERT(g && g->start_ns == 900000000LL && g->end_ns == 901000000LL);
    g = find_region(&r, "nemesis", 0);
    ASSERT(g && g->start_ns == 1001000000LL && g->end_ns == 1101000000LL);
    g = find_region(&r, "check-offsets", 0);
    ASSERT(g && g->event && g->start_ns == g->end_ns);
    g = find_region(&r, "loss", 0); /* never stopped: open to the end */
    ASSERT(g && g->open && g->end_ns == 1500000000LL);
    ASSERT_EQ(r.n, 8);
    ASSERT_EQ(r.nkinds, 7);
    for (size_t i = 1; i < r.n; i++)
        ASSERT(r.v[i - 1].start_ns <= r.v[i].start_ns);
    fl_report_regions_release(&r);
    fl_hist_release(&h);
}

static void
test_regions_stop_ends_every_open_period_and_heal_ends_all(void)
{
    struct fl_hist h;
    struct fl_report_regions r;

    fl_hist_init(&h);
    nem(&h, 0, "kill");
    nem(&h, 10, "kill");
    nem(&h, 20, "start-partition");
    nem(&h, 30, "start");
    nem(&h, 40, "heal");
    regions_of(&h, &r);
    ASSERT_EQ(r.n, 3);
    ASSERT(find_region(&r, "kill", 0)->end_ns == 31000000LL);
    ASSERT(find_region(&r, "kill", 1)->end_ns == 31000000LL);
    ASSERT(find_region(&r, "partition", 0)->end_ns == 41000000LL);
    fl_report_regions_release(&r);
    fl_hist_release(&h);
}

static char *
tmpdir(void)
{
    char tmpl[] = "/tmp/fl-report-XXXXXX";
    char *d = mkdtemp(tmpl);

    ASSERT(d);
    return fl_xstrdup(d);
}

static bool
file_exists(const char *dir, const char *name)
{
    struct fl_strbuf p = FL_STRBUF_INIT;
    struct stat st;
    bool ok;

    fl_strbuf_addf(&p, "%s/%s", dir, name);
    ok = stat(p.buf, &st) == 0 && st.st_size > 0;
    fl_strbuf_release(&p);
    return ok;
}

/* A PNG or SVG file that gnuplot drew: its magic bytes or its <svg>. */
static bool
is_image(const char *dir, const char *name)
{
    struct fl_strbuf p = FL_STRBUF_INIT, sb = FL_STRBUF_INIT;
    bool ok = false;

    fl_strbuf_addf(&p, "%s/%s", dir, name);
    if (fl_strbuf_read_file(&sb, p.buf) == 0) {
        if (strstr(name, ".png"))
            ok = sb.len > 100 && memcmp(sb.buf, "\x89PNG\r\n\x1a\n", 8) == 0;
        else
            ok = strstr(sb.buf, "<svg") != NULL;
    }
    fl_strbuf_release(&sb);
    fl_strbuf_release(&p);
    return ok;
}

/*
 * The plots' images need gnuplot, which scripts/install-deps.sh installs:
 * without it a test that checks them is skipped, never passed.
 */
static void
need_gnuplot(void)
{
    if (!fl_report_have_gnuplot())
        FL_SKIP("no gnuplot on PATH (scripts/install-deps.sh)");
}

static void
slurp(const char *dir, const char *name, struct fl_strbuf *sb)
{
    struct fl_strbuf p = FL_STRBUF_INIT;

    fl_strbuf_addf(&p, "%s/%s", dir, name);
    ASSERT_OK(fl_strbuf_read_file(sb, p.buf));
    fl_strbuf_release(&p);
}

static void
rmtree(const char *dir)
{
    struct fl_strbuf cmd = FL_STRBUF_INIT;

    fl_strbuf_addf(&cmd, "/bin/rm -rf '%s'", dir);
    ASSERT_EQ(system(cmd.buf), 0);
    fl_strbuf_release(&cmd);
}

static void
faulty_history(struct fl_hist *h)
{
    fl_hist_init(h);
    for (int i = 0; i < 200; i++) {
        int64_t t = i * 50;
        bool slow = t >= 3000 && t < 6000;

        op2(h, t, t + (slow ? 40 : 2), i % 3, i % 2 ? "read" : "write",
            slow && i % 5 == 0 ? FL_OP_INFO : FL_OP_OK);
    }
    nem(h, 3000, "start-partition");
    nem(h, 6000, "stop-partition");
}

static void
test_plots_data_script_and_images(void)
{
    struct fl_hist h;
    struct fl_strbuf gp = FL_STRBUF_INIT, raw = FL_STRBUF_INIT;
    bool rendered;

    need_gnuplot();
    char *dir = tmpdir();
    faulty_history(&h);
    /* sort by time: faulty_history appends nemesis ops last */
    ASSERT_OK(fl_report_plots(dir, &h, &rendered, NULL));
    ASSERT(file_exists(dir, "latency-raw.dat"));
    ASSERT(file_exists(dir, "latency-quantiles.dat"));
    ASSERT(file_exists(dir, "rate.dat"));
    ASSERT(!file_exists(dir, "clock-offset.dat")); /* no clock faults */
    slurp(dir, "plots.gp", &gp);
    /* the partition is shaded from 3.001 s to 6.001 s and in the legend */
    ASSERT(strstr(gp.buf, "set object 1 rect from 3.001000, graph 0 to "
                          "6.001000, graph 1"));
    ASSERT(strstr(gp.buf, "title \"partition\""));
    ASSERT(strstr(gp.buf, "\"latency-raw.dat\" index 0"));
    slurp(dir, "latency-raw.dat", &raw);
    ASSERT(strstr(raw.buf, "# f=write outcome=ok\n0.000000 2.000000\n"));
    ASSERT(rendered);
    ASSERT(is_image(dir, "latency-raw.png"));
    ASSERT(is_image(dir, "latency-quantiles.png"));
    ASSERT(is_image(dir, "latency-quantiles.svg"));
    ASSERT(is_image(dir, "rate.png"));
    rmtree(dir);
    free(dir);
    fl_strbuf_release(&gp);
    fl_strbuf_release(&raw);
    fl_hist_release(&h);
}

static void
test_plots_without_gnuplot_still_write_data(void)
{
    struct fl_hist h;
    char *dir = tmpdir();
    bool rendered = true;

    setenv("PATH", "/nonexistent", 1); /* this test runs in its own fork */
    ASSERT(!fl_report_have_gnuplot());
    faulty_history(&h);
    ASSERT_OK(fl_report_plots(dir, &h, &rendered, NULL));
    ASSERT(!rendered);
    ASSERT(file_exists(dir, "plots.gp"));
    ASSERT(file_exists(dir, "rate.dat"));
    ASSERT(!file_exists(dir, "rate.png"));
    rmtree(dir);
    free(dir);
    fl_hist_release(&h);
}

static void
test_plots_clock_offsets(void)
{
    struct fl_hist h;
    struct fl_strbuf dat = FL_STRBUF_INIT;

    need_gnuplot();
    char *dir = tmpdir();
    fl_hist_init(&h);
    op2(&h, 0, 10, 0, "read", FL_OP_OK);
    add(&h, 100, FL_PROC_NEMESIS, "bump-clock", FL_OP_INFO);
    size_t i = add(&h, 101, FL_PROC_NEMESIS, "bump-clock", FL_OP_INFO);
    fl_val offs[2] = {fl_val_str(&h.arena, "n1", 2), fl_val_float(-1.5)};
    fl_val e[2] = {fl_val_kw(fl_kw_intern_cstr("clock-offsets")),
                   fl_val_map(&h.arena, offs, 1)};
    fl_val em = fl_val_map(&h.arena, e, 1);
    h.ops[i].extra = fl_arena_memdup(&h.arena, &em, sizeof(em));
    op2(&h, 200, 210, 0, "read", FL_OP_OK);
    ASSERT_OK(fl_report_plots(dir, &h, NULL, NULL));
    slurp(dir, "clock-offset.dat", &dat);
    ASSERT(strstr(dat.buf, "# node=n1\n0.101000 -1.500000\n"));
    ASSERT(is_image(dir, "clock-offset.png"));
    rmtree(dir);
    free(dir);
    fl_strbuf_release(&dat);
    fl_hist_release(&h);
}

/* A bank history: bank.dat holds each ok read's total, and bank.png. */
static void
test_plots_bank_totals(void)
{
    struct fl_hist h;
    struct fl_strbuf dat = FL_STRBUF_INIT;

    need_gnuplot();
    char *dir = tmpdir();
    fl_hist_init(&h);
    op2(&h, 0, 10, 0, "transfer", FL_OP_OK);
    add(&h, 20, 1, "read", FL_OP_INVOKE);
    size_t i = add(&h, 30, 1, "read", FL_OP_OK);
    fl_val bal[4] = {fl_val_int(0), fl_val_int(60), fl_val_int(1),
                     fl_val_int(41)};
    h.ops[i].value = fl_val_map(&h.arena, bal, 2);
    op2(&h, 40, 50, 1, "read", FL_OP_FAIL); /* no value: not plotted */
    ASSERT_OK(fl_report_plots(dir, &h, NULL, NULL));
    slurp(dir, "bank.dat", &dat);
    ASSERT(strstr(dat.buf, "\n0.030000 101\n"));
    ASSERT(!strstr(dat.buf, "0.050000"));
    ASSERT(is_image(dir, "bank.png"));
    rmtree(dir);
    free(dir);
    fl_strbuf_release(&dat);
    fl_hist_release(&h);
}

static void
test_plots_empty_history(void)
{
    struct fl_hist h;
    char *dir = tmpdir();

    fl_hist_init(&h);
    ASSERT_OK(fl_report_plots(dir, &h, NULL, NULL));
    ASSERT(!file_exists(dir, "plots.gp"));
    ASSERT_OK(fl_report_write(dir, &h, NULL, NULL));
    ASSERT(file_exists(dir, "timeline.html"));
    rmtree(dir);
    free(dir);
    fl_hist_release(&h);
}

static void
test_plots_unwritable_dir_is_an_error(void)
{
    struct fl_hist h;
    struct fl_err err = FL_ERR_INIT;

    faulty_history(&h);
    ASSERT(fl_report_plots("/nonexistent/dir", &h, NULL, &err) < 0);
    ASSERT(strstr(err.msg, "/nonexistent/dir/latency-raw.dat"));
    ASSERT(fl_report_write("/nonexistent/dir", &h, NULL, &err) < 0);
    fl_hist_release(&h);
}

/* decode the base64 uint32 array named key in the page */
static size_t
page_array(const char *page, const char *key, uint32_t *out, size_t max)
{
    static const char tbl[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    struct fl_strbuf k = FL_STRBUF_INIT;
    uint8_t bytes[4096];
    size_t nb = 0;
    uint32_t acc = 0;
    int bits = 0;

    fl_strbuf_addf(&k, "\"%s\":\"", key);
    const char *p = strstr(page, k.buf);
    ASSERT(p);
    for (p += k.len; *p && *p != '"' && *p != '='; p++) {
        const char *at = strchr(tbl, *p);

        ASSERT(at);
        acc = acc << 6 | (uint32_t)(at - tbl);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            ASSERT(nb < sizeof(bytes));
            bytes[nb++] = (uint8_t)(acc >> bits);
        }
    }
    size_t n = FL_MIN(nb / 4, max);
    for (size_t i = 0; i < n; i++)
        out[i] = (uint32_t)bytes[4 * i] | (uint32_t)bytes[4 * i + 1] << 8 |
                 (uint32_t)bytes[4 * i + 2] << 16 |
                 (uint32_t)bytes[4 * i + 3] << 24;
    fl_strbuf_release(&k);
    return n;
}

static void
test_timeline_packs_ops_per_process(void)
{
    struct fl_hist h;
    char *dir = tmpdir();
    struct fl_strbuf page = FL_STRBUF_INIT, path = FL_STRBUF_INIT;
    uint32_t v[16];

    fl_hist_init(&h);
    op2(&h, 0, 3, 7, "read", FL_OP_OK);              /* col 1 */
    add(&h, 1, FL_PROC_NEMESIS, "kill", FL_OP_INFO); /* col 0 */
    add(&h, 2, FL_PROC_NEMESIS, "kill", FL_OP_INFO);
    add(&h, 4, 2, "write", FL_OP_INVOKE); /* never ends */
    size_t i = add(&h, 5, 7, "write", FL_OP_INVOKE);
    h.ops[i].value = fl_val_str(&h.arena, "</script><b>", 12);
    add(&h, 9, 7, "write", FL_OP_FAIL);
    fl_strbuf_addf(&path, "%s/timeline.html", dir);
    ASSERT_OK(fl_report_timeline(path.buf, &h, "valid? <true>", NULL));
    slurp(dir, "timeline.html", &page);

    ASSERT(strstr(page.buf, "\"n\":4,"));
    ASSERT(strstr(page.buf, "\"cols\":[\"nemesis\",\"2\",\"7\"]"));
    ASSERT(strstr(page.buf, "\"fs\":[\"read\",\"kill\",\"write\"]"));
    ASSERT(strstr(page.buf, "valid? &lt;true&gt;"));
    /* a value can never close the data script */
    const char *data = strstr(page.buf, "window.FL_DATA");
    ASSERT(data && !strstr(data, "</script><b>"));
    ASSERT(strstr(data, "\\u003c/script\\u003e"));
    ASSERT(strstr(page.buf, "[2.000000,9.000000,\"kill\",\"#E9A4A0\",0]"));
    /* spans sorted by start: read@0, kill@1, write(p2)@4, write(p7)@5 */
    ASSERT_EQ(page_array(page.buf, "start", v, 16), 4);
    ASSERT(v[0] == 0 && v[1] == 1000 && v[2] == 3000 && v[3] == 1000);
    ASSERT_EQ(page_array(page.buf, "dur", v, 16), 4);
    ASSERT(v[0] == 3000 && v[1] == 1000 && v[2] == UINT32_MAX && v[3] == 4000);
    ASSERT_EQ(page_array(page.buf, "col", v, 16), 4);
    ASSERT(v[0] == 2 && v[1] == 0 && v[2] == 1 && v[3] == 2);
    ASSERT_EQ(page_array(page.buf, "code", v, 16), 4);
    ASSERT(v[0] == (0 << 2 | 0) && v[1] == (1 << 2 | 2) &&
           v[2] == (2 << 2 | 3) && v[3] == (2 << 2 | 1));
    /* no network: nothing is loaded from anywhere */
    ASSERT(!strstr(page.buf, "http://") && !strstr(page.buf, "https://"));
    ASSERT(!strstr(page.buf, "src="));
    rmtree(dir);
    free(dir);
    fl_strbuf_release(&page);
    fl_strbuf_release(&path);
    fl_hist_release(&h);
}

static void
test_timeline_without_times_places_ops_by_position(void)
{
    struct fl_hist h;
    char *dir = tmpdir();
    struct fl_strbuf page = FL_STRBUF_INIT, path = FL_STRBUF_INIT;
    uint32_t v[4];

    fl_hist_init(&h);
    op2(&h, 0, 0, 0, "read", FL_OP_OK);
    op2(&h, 0, 0, 1, "write", FL_OP_OK);
    for (size_t i = 0; i < h.n; i++)
        h.ops[i].time_ns = -1;
    fl_strbuf_addf(&path, "%s/timeline.html", dir);
    ASSERT_OK(fl_report_timeline(path.buf, &h, NULL, NULL));
    slurp(dir, "timeline.html", &page);
    ASSERT(strstr(page.buf, "\"n\":2,"));
    ASSERT(strstr(page.buf, "placed 1 ms apart by position"));
    ASSERT_EQ(page_array(page.buf, "start", v, 4), 2);
    ASSERT(v[0] == 0 && v[1] == 2000); /* positions 0 and 2 */
    ASSERT_EQ(page_array(page.buf, "dur", v, 4), 2);
    ASSERT(v[0] == 1000 && v[1] == 1000);
    rmtree(dir);
    free(dir);
    fl_strbuf_release(&page);
    fl_strbuf_release(&path);
    fl_hist_release(&h);
}

/*
 * A real Jepsen etcd history: the nemesis's :start/:stop pairs become three
 * periods from each :start's completion to the :stop's completion, and the
 * plot script shades exactly those.
 */
static void
test_regions_and_plots_of_a_jepsen_history(void)
{
    struct fl_hist h;
    struct fl_report_regions r;
    struct fl_strbuf path = FL_STRBUF_INIT, gp = FL_STRBUF_INIT;
    char *dir = tmpdir();

    fl_hist_init(&h);
    fl_strbuf_addf(&path, "%s/knossos/mutex/bad/etcd.edn", fl_test_corpus());
    ASSERT_OK(fl_hist_load(path.buf, FL_HIST_AUTO, &h, NULL));
    regions_of(&h, &r);
    ASSERT_EQ(r.n, 3);
    static const int64_t want[3][2] = {
        {5328551016, 10329494823},
        {15330281530, 20331217328},
        {25331928044, 30332572215},
    };
    for (size_t i = 0; i < 3; i++) {
        ASSERT_STR_EQ(r.v[i].label, "nemesis");
        ASSERT_EQ(r.v[i].start_ns, want[i][0]);
        ASSERT_EQ(r.v[i].end_ns, want[i][1]);
    }
    ASSERT_OK(fl_report_plots(dir, &h, NULL, NULL));
    slurp(dir, "plots.gp", &gp);
    ASSERT(strstr(gp.buf, "set object 1 rect from 5.328551, graph 0 to "
                          "10.329495, graph 1"));
    ASSERT(strstr(gp.buf, "set object 3 rect from 25.331928, graph 0 to "
                          "30.332572, graph 1"));
    fl_report_regions_release(&r);
    rmtree(dir);
    free(dir);
    fl_strbuf_release(&gp);
    fl_strbuf_release(&path);
    fl_hist_release(&h);
}

/*
 * One colour per fault, whatever the order the faults came in, and the same
 * colour in the plot script (shading and legend) and in the timeline.
 */
static void
test_fault_colours_fixed_and_shared(void)
{
    const char *part = fl_nemesis_fault_color("partition");
    const char *kill = fl_nemesis_fault_color("kill");
    struct fl_report_regions r1, r2;
    struct fl_hist h1, h2;
    char *dir = tmpdir();
    struct fl_strbuf gp = FL_STRBUF_INIT, tl = FL_STRBUF_INIT;
    struct fl_strbuf want = FL_STRBUF_INIT;

    ASSERT_STR_EQ(part, "#E9DCA0"); /* Jepsen's, nemesis/combined.c */
    ASSERT_STR_EQ(fl_nemesis_fault_color("bitflip"),
                  fl_nemesis_fault_color("file"));
    ASSERT(strcmp(part, kill) != 0);
    ASSERT(strcmp(part, fl_nemesis_fault_color("pause")) != 0);
    ASSERT(strcmp(kill, fl_nemesis_fault_color("clock")) != 0);
    ASSERT_STR_EQ(fl_nemesis_fault_color("some-new-fault"),
                  fl_nemesis_fault_color("some-new-fault"));
    fl_hist_init(&h1);
    nem(&h1, 0, "kill");
    nem(&h1, 10, "start");
    nem(&h1, 20, "start-partition");
    nem(&h1, 30, "stop-partition");
    op2(&h1, 40, 45, 0, "read", FL_OP_OK);
    fl_hist_init(&h2);
    nem(&h2, 0, "start-partition");
    nem(&h2, 10, "stop-partition");
    nem(&h2, 20, "kill");
    nem(&h2, 30, "start");
    regions_of(&h1, &r1);
    regions_of(&h2, &r2);
    ASSERT_STR_EQ(find_region(&r1, "partition", 0)->color, part);
    ASSERT_STR_EQ(find_region(&r2, "partition", 0)->color, part);
    ASSERT_STR_EQ(find_region(&r1, "kill", 0)->color, kill);
    ASSERT_STR_EQ(find_region(&r2, "kill", 0)->color, kill);

    ASSERT_OK(fl_report_plots(dir, &h1, NULL, NULL));
    slurp(dir, "plots.gp", &gp);
    fl_strbuf_addf(&want, "graph 1 fc rgb \"%s\"", part);
    ASSERT(strstr(gp.buf, want.buf)); /* shading */
    fl_strbuf_reset(&want);
    fl_strbuf_addf(&want, "lc rgb \"%s\" title \"partition\"", part);
    ASSERT(strstr(gp.buf, want.buf)); /* legend */
    fl_strbuf_reset(&want);
    fl_strbuf_addf(&want, "%s/timeline.html", dir);
    ASSERT_OK(fl_report_timeline(want.buf, &h1, NULL, NULL));
    slurp(dir, "timeline.html", &tl);
    fl_strbuf_reset(&want);
    fl_strbuf_addf(&want, "\"partition\",\"%s\"", part);
    ASSERT(strstr(tl.buf, want.buf));
    rmtree(dir);
    free(dir);
    fl_strbuf_release(&gp);
    fl_strbuf_release(&tl);
    fl_strbuf_release(&want);
    fl_report_regions_release(&r1);
    fl_report_regions_release(&r2);
    fl_hist_release(&h1);
    fl_hist_release(&h2);
}

/* results.edn text -> the run page's "failures, explained" HTML */
static void
explain(const char *edn, const char *dir, struct fl_strbuf *html)
{
    struct fl_arena a;
    fl_val v;

    fl_arena_init(&a, 0);
    ASSERT_OK(fl_edn_parse_value(&a, edn, strlen(edn), "r", &v, NULL));
    fl_report_html_failures(html, &v, dir, "/files/t/1");
    fl_arena_release(&a);
}

static void
test_explain_failures(void)
{
    struct fl_strbuf h = FL_STRBUF_INIT;

    /* linearizability, per key: the failing op, the path with models */
    explain("{:valid? false :linear {:valid? false :analyzer :wgl "
            ":results {7 {:valid? false "
            ":op {:process 2 :type :ok :f :read :value [7 3] :index 31} "
            ":previous-ok {:process 1 :type :ok :f :write :value [7 4] "
            ":index 29} :last-linearized [{:op {:process 1 :type :ok :f "
            ":write :value [7 4] :index 29} :model 4}] :final-model 4 "
            ":final-step [:read 3]}} :failures [7]} :stats {:valid? true}}",
            "/nonexistent", &h);
    ASSERT(strstr(h.buf, "<h2>failures, explained</h2>"));
    ASSERT(strstr(h.buf, "<h3>linear, key 7</h3>"));
    ASSERT(strstr(h.buf, "<tr><th>cannot linearize</th><td>31</td><td>2</td>"
                         "<td>:ok</td><td>:read</td><td>[7 3]</td>"));
    ASSERT(strstr(h.buf, "<tr><th>linearized 1</th><td>29</td>"));
    ASSERT(strstr(h.buf, "<td>4</td></tr>")); /* the model after it */
    ASSERT(strstr(h.buf, "<code>[:read 3]</code>"));
    ASSERT(!strstr(h.buf, "stats"));      /* valid checkers: nothing */
    ASSERT(!strstr(h.buf, "linear-svg")); /* no linear.svg in dir */

    /* Elle: the explanation, escaped */
    fl_strbuf_reset(&h);
    explain("{:valid? false :elle {:valid? false :anomaly-types [:G1c] "
            ":anomalies {:G1c [{:type :G1c :explanation \"T1 < T2 & "
            "<b>\"}]}}}",
            "/nonexistent", &h);
    ASSERT(strstr(h.buf, "<pre class=\"explain\">T1 &lt; T2 &amp; "
                         "&lt;b&gt;</pre>"));

    /* a set's lost elements in full, long lists cut with a note */
    fl_strbuf_reset(&h);
    explain("{:valid? false :set {:valid? false :lost \"#{1 5..9}\"}}",
            "/nonexistent", &h);
    ASSERT(strstr(h.buf, "lost (acknowledged, then never read):</b> "
                         "<code>#{1 5..9}</code>"));
    fl_strbuf_reset(&h);
    struct fl_strbuf big = FL_STRBUF_INIT;
    fl_strbuf_addstr(&big, "{:valid? false :set {:valid? false :lost \"#{");
    for (int i = 0; i < 8000; i += 2)
        fl_strbuf_addf(&big, "%d ", i);
    fl_strbuf_addstr(&big, "}\"}}");
    explain(big.buf, "/nonexistent", &h);
    ASSERT(strstr(h.buf, "see results.edn"));
    ASSERT(strstr(h.buf, "#{0 2 4 6 8 "));
    fl_strbuf_release(&big);

    /* valid results: no section at all */
    fl_strbuf_reset(&h);
    explain("{:valid? true :set {:valid? true}}", "/nonexistent", &h);
    ASSERT_EQ(h.len, 0);
    fl_strbuf_release(&h);
}

static const struct fl_test_case report_tests[] = {
    FL_TEST(test_perf_quantiles_and_rates),
    FL_TEST(test_perf_merge),
    FL_TEST(test_pairs_without_paired_history),
    FL_TEST(test_regions_generic_pairs),
    FL_TEST(test_regions_stop_ends_every_open_period_and_heal_ends_all),
    FL_TEST(test_plots_data_script_and_images),
    FL_TEST(test_plots_without_gnuplot_still_write_data),
    FL_TEST(test_plots_clock_offsets),
    FL_TEST(test_plots_bank_totals),
    FL_TEST(test_plots_empty_history),
    FL_TEST(test_plots_unwritable_dir_is_an_error),
    FL_TEST(test_timeline_packs_ops_per_process),
    FL_TEST(test_timeline_without_times_places_ops_by_position),
    FL_TEST(test_regions_and_plots_of_a_jepsen_history),
    FL_TEST(test_fault_colours_fixed_and_shared),
    FL_TEST(test_explain_failures),
    FL_TEST_END,
};

FL_TEST_SUITE(report, report_tests);
