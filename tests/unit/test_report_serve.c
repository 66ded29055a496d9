/* SPDX-License-Identifier: MIT */
/*
 * test_report_serve.c: the web UI over a small store in a temp directory,
 * fetched with libcurl: pages, content types, the archive, and every way
 * out of the store we know (.., encoded .., %00, symlinks out) refused.
 */
#include "util/common.h"

#include "test.h"

#include "report/report.h"
#include "util/err.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <curl/curl.h>
#include <sys/stat.h>
#include <unistd.h>

struct store {
    char root[64];
    struct fl_server *srv;
    int port;
};

static void
put(const char *root, const char *rel, const char *text)
{
    struct fl_strbuf p = FL_STRBUF_INIT;
    FILE *f;

    fl_strbuf_addf(&p, "%s/%s", root, rel);
    f = fopen(p.buf, "w");
    ASSERT(f);
    fputs(text, f);
    ASSERT_EQ(fclose(f), 0);
    fl_strbuf_release(&p);
}

static void
mkdirs(const char *root, const char *rel)
{
    struct fl_strbuf p = FL_STRBUF_INIT;

    fl_strbuf_addf(&p, "%s/%s", root, rel);
    ASSERT_EQ(mkdir(p.buf, 0755), 0);
    fl_strbuf_release(&p);
}

static void
link_in(const char *root, const char *target, const char *rel)
{
    struct fl_strbuf p = FL_STRBUF_INIT;

    fl_strbuf_addf(&p, "%s/%s", root, rel);
    ASSERT_EQ(symlink(target, p.buf), 0);
    fl_strbuf_release(&p);
}

static void
store_open(struct store *s)
{
    struct fl_err err = FL_ERR_INIT;

    memcpy(s->root, "/tmp/fl-serve-XXXXXX", 21);
    ASSERT(mkdtemp(s->root));
    mkdirs(s->root, "memkv");
    mkdirs(s->root, "memkv/20261126T010000.000Z");
    mkdirs(s->root, "memkv/20261126T020000.000Z");
    mkdirs(s->root, "memkv/20261126T020000.000Z/n1");
    put(s->root, "memkv/20261126T010000.000Z/results.edn",
        "{:valid? true, :perf {:valid? true}}\n");
    put(s->root, "memkv/20261126T020000.000Z/results.edn",
        "{:valid? false, :linear {:valid? false, :anomaly-types "
        "[:G-single]}}\n");
    put(s->root, "memkv/20261126T020000.000Z/history.txt", "0\t:invoke\n");
    put(s->root, "memkv/20261126T020000.000Z/n1/db.log", "hello\n");
    link_in(s->root, "20261126T020000.000Z", "memkv/latest");
    link_in(s->root, "/etc", "memkv/etc");
    link_in(s->root, "/etc/hostname", "memkv/20261126T020000.000Z/host");
    struct fl_serve_opts o = {s->root, NULL, 0};
    s->srv = fl_serve_start(&o, &err);
    ASSERT(s->srv);
    s->port = fl_serve_port(s->srv);
    ASSERT(s->port > 0);
}

static void
store_close(struct store *s)
{
    struct fl_strbuf cmd = FL_STRBUF_INIT;

    fl_serve_stop(s->srv);
    fl_strbuf_addf(&cmd, "/bin/rm -rf '%s'", s->root);
    ASSERT_EQ(system(cmd.buf), 0);
    fl_strbuf_release(&cmd);
}

static size_t
on_body(char *p, size_t sz, size_t n, void *ud)
{
    fl_strbuf_add(ud, p, sz * n);
    return sz * n;
}

/* GET (or method) path as is; returns the status, body in *body */
static long
fetch(const struct store *s, const char *method, const char *path,
      struct fl_strbuf *body, struct fl_strbuf *ctype)
{
    struct fl_strbuf url = FL_STRBUF_INIT;
    CURL *c = curl_easy_init();
    long code = 0;
    char *ct = NULL;

    ASSERT(c);
    fl_strbuf_reset(body);
    fl_strbuf_addf(&url, "http://127.0.0.1:%d%s", s->port, path);
    curl_easy_setopt(c, CURLOPT_URL, url.buf);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
    if (method)
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    ASSERT_EQ(curl_easy_perform(c), CURLE_OK);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
    if (ctype) {
        fl_strbuf_reset(ctype);
        if (ct)
            fl_strbuf_addstr(ctype, ct);
    }
    curl_easy_cleanup(c);
    fl_strbuf_release(&url);
    return code;
}

static void
test_serve_index_lists_runs_newest_first(void)
{
    struct store s;
    struct fl_strbuf b = FL_STRBUF_INIT, ct = FL_STRBUF_INIT;

    store_open(&s);
    ASSERT_EQ(fetch(&s, NULL, "/", &b, &ct), 200);
    ASSERT(strstr(ct.buf, "text/html"));
    const char *r2 = strstr(b.buf, "/run/memkv/20261126T020000.000Z");
    const char *r1 = strstr(b.buf, "/run/memkv/20261126T010000.000Z");
    ASSERT(r1 && r2 && r2 < r1);
    ASSERT(strstr(b.buf, "data-valid=\"false\""));
    ASSERT(strstr(b.buf, "data-valid=\"true\""));
    ASSERT(strstr(b.buf, "#FEB5DA")); /* Jepsen's pink for false */
    ASSERT(strstr(b.buf, "2 runs"));  /* symlinks are not runs */
    ASSERT(strstr(b.buf, "/archive/memkv/20261126T020000.000Z.tar.gz"));
    store_close(&s);
    fl_strbuf_release(&b);
    fl_strbuf_release(&ct);
}

static void
test_serve_run_page_and_files(void)
{
    struct store s;
    struct fl_strbuf b = FL_STRBUF_INIT, ct = FL_STRBUF_INIT;

    store_open(&s);
    ASSERT_EQ(fetch(&s, NULL, "/run/memkv/20261126T020000.000Z", &b, NULL),
              200);
    ASSERT(strstr(b.buf, "G-single"));
    ASSERT(strstr(b.buf, ">false<"));
    ASSERT(strstr(b.buf, "n1/"));
    ASSERT_EQ(fetch(&s, NULL, "/run/memkv/latest/", &b, NULL), 200);
    ASSERT_EQ(fetch(&s, NULL, "/files/memkv/latest/results.edn", &b, &ct), 200);
    ASSERT(strstr(ct.buf, "text/plain"));
    ASSERT(strstr(b.buf, ":G-single"));
    ASSERT_EQ(fetch(&s, NULL, "/files/memkv/20261126T020000.000Z/n1/db.log", &b,
                    NULL),
              200);
    ASSERT_STR_EQ(b.buf, "hello\n");
    ASSERT_EQ(fetch(&s, NULL, "/files/memkv/", &b, NULL), 200);
    ASSERT(strstr(b.buf, "20261126T010000.000Z/"));
    /* names are escaped in pages and percent-encoded in links */
    mkdirs(s.root, "memkv/a<b>\"c d");
    ASSERT_EQ(fetch(&s, NULL, "/", &b, NULL), 200);
    ASSERT(strstr(b.buf, ">a&lt;b&gt;&quot;c d<"));
    ASSERT(strstr(b.buf, "href=\"/run/memkv/a%3Cb%3E%22c%20d\""));
    ASSERT(!strstr(b.buf, "a<b>"));
    ASSERT_EQ(fetch(&s, NULL, "/run/memkv/a%3Cb%3E%22c%20d", &b, NULL), 200);
    ASSERT(!strstr(b.buf, "a<b>"));
    ASSERT_EQ(fetch(&s, "POST", "/", &b, NULL), 405);
    ASSERT_EQ(fetch(&s, NULL, "/run/memkv/nope", &b, NULL), 404);
    ASSERT_EQ(fetch(&s, NULL, "/elsewhere", &b, NULL), 404);
    store_close(&s);
    fl_strbuf_release(&b);
    fl_strbuf_release(&ct);
}

static void
test_serve_archive_is_a_tar_gz(void)
{
    struct store s;
    struct fl_strbuf b = FL_STRBUF_INIT, ct = FL_STRBUF_INIT;

    store_open(&s);
    ASSERT_EQ(
        fetch(&s, NULL, "/archive/memkv/20261126T020000.000Z.tar.gz", &b, &ct),
        200);
    ASSERT(strstr(ct.buf, "application/gzip"));
    ASSERT(b.len > 100);
    ASSERT((unsigned char)b.buf[0] == 0x1f && (unsigned char)b.buf[1] == 0x8b);
    ASSERT_EQ(fetch(&s, NULL, "/archive/memkv/nope.tar.gz", &b, NULL), 404);
    ASSERT_EQ(
        fetch(&s, NULL, "/archive/memkv/20261126T020000.000Z.zip", &b, NULL),
        404);
    store_close(&s);
    fl_strbuf_release(&b);
    fl_strbuf_release(&ct);
}

static void
test_serve_refuses_paths_outside_the_store(void)
{
    static const struct {
        const char *path;
        long code;
    } cases[] = {
        {"/files/../../etc/passwd", 403},
        {"/files/memkv/../../../etc/passwd", 403},
        {"/files/%2e%2e/%2e%2e/etc/passwd", 403},
        {"/files/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd", 403},
        {"/files/memkv/..%2f..%2f..%2fetc/passwd", 403},
        {"/files/./memkv", 403},
        {"/files/%252e%252e/etc/passwd", 404},           /* decoded once only */
        {"/files/memkv/etc/passwd", 403},                /* symlink to /etc */
        {"/files/memkv/20261126T020000.000Z/host", 403}, /* file link out */
        {"/files/memkv%00/../../etc/passwd", 404},
        {"/files/memkv/%00", 404},
        {"/run/../..", 403},
        {"/run/memkv/etc", 403},
        {"/archive/memkv/etc.tar.gz", 403},
        {"/archive/..%2f..%2fetc.tar.gz", 403},
        {"/archive/.tar.gz", 404},
        {"//files/../etc/passwd", 404},
    };
    struct store s;
    struct fl_strbuf b = FL_STRBUF_INIT;

    store_open(&s);
    for (size_t i = 0; i < FL_ARRAY_SIZE(cases); i++) {
        long got = fetch(&s, NULL, cases[i].path, &b, NULL);

        if (got != cases[i].code)
            fl_test_fail(__FILE__, __LINE__, "%s: got %ld, want %ld",
                         cases[i].path, got, cases[i].code);
        ASSERT(!strstr(b.buf, "root:"));
    }
    store_close(&s);
    fl_strbuf_release(&b);
}

static void
test_serve_index_pages_and_rereads_changed_results(void)
{
    struct store s;
    struct fl_strbuf b = FL_STRBUF_INIT, name = FL_STRBUF_INIT;

    store_open(&s);
    mkdirs(s.root, "many");
    for (int i = 0; i < 140; i++) {
        fl_strbuf_reset(&name);
        fl_strbuf_addf(&name, "many/20250101T000%03d.000Z", i);
        mkdirs(s.root, name.buf);
    }
    ASSERT_EQ(fetch(&s, NULL, "/", &b, NULL), 200);
    ASSERT(strstr(b.buf, "142 runs"));
    const char *row = b.buf;
    size_t rows = 0;
    while ((row = strstr(row, "<tr class=\"run\"")) != NULL) {
        rows++;
        row++;
    }
    ASSERT_EQ(rows, 128);
    /* newest first: the two memkv runs, then many/...139 down to ...014 */
    ASSERT(strstr(b.buf, "/?after=20250101T000014.000Z"));
    ASSERT(strstr(b.buf, "incomplete")); /* no results.edn */
    ASSERT_EQ(fetch(&s, NULL, "/?after=20250101T000014.000Z", &b, NULL), 200);
    ASSERT(strstr(b.buf, "many/20250101T000013.000Z"));
    ASSERT(!strstr(b.buf, "many/20250101T000014.000Z"));
    ASSERT(strstr(b.buf, "many/20250101T000000.000Z"));
    ASSERT(!strstr(b.buf, "id=\"older\""));

    /* a verdict that changes is seen on the next load */
    put(s.root, "memkv/20261126T010000.000Z/results.edn",
        "{:valid? :unknown, :error \"changed size\"}\n");
    ASSERT_EQ(fetch(&s, NULL, "/", &b, NULL), 200);
    ASSERT(strstr(b.buf, "data-valid=\"unknown\""));
    store_close(&s);
    fl_strbuf_release(&b);
    fl_strbuf_release(&name);
}

static void
test_serve_bad_store_and_host(void)
{
    struct fl_err err = FL_ERR_INIT;
    struct fl_serve_opts o = {"/nonexistent/store", NULL, 0};

    ASSERT(!fl_serve_start(&o, &err));
    ASSERT(strstr(err.msg, "/nonexistent/store"));
    struct fl_serve_opts o2 = {"/tmp", "no.such.host.invalid", 0};
    ASSERT(!fl_serve_start(&o2, &err));
    struct fl_serve_opts o3 = {"/tmp", NULL, 70000};
    ASSERT(!fl_serve_start(&o3, &err));
    fl_serve_stop(NULL);
}

/* independent/<key>/: failing keys linked from the run page. */
static void
test_serve_run_page_links_failing_keys(void)
{
    struct store s;
    struct fl_strbuf b = FL_STRBUF_INIT;
    const char *run = "memkv/20261126T020000.000Z";
    char rel[128];

    store_open(&s);
    snprintf(rel, sizeof(rel), "%s/independent", run);
    mkdirs(s.root, rel);
    for (int k = 0; k < 3; k++) {
        snprintf(rel, sizeof(rel), "%s/independent/%d", run, k);
        mkdirs(s.root, rel);
        snprintf(rel, sizeof(rel), "%s/independent/%d/results.edn", run, k);
        put(s.root, rel, k == 1 ? "{:valid? false}\n" : "{:valid? true}\n");
    }
    snprintf(rel, sizeof(rel), "%s/independent/1/linear.svg", run);
    put(s.root, rel, "<svg/>");
    ASSERT_EQ(fetch(&s, NULL, "/run/memkv/20261126T020000.000Z", &b, NULL),
              200);
    ASSERT(strstr(b.buf, "<ul id=\"keys\"><li>key 1 "));
    ASSERT(strstr(b.buf, "href=\"/files/memkv/20261126T020000.000Z/"
                         "independent/1/linear.svg\""));
    ASSERT(strstr(b.buf, "independent/1/results.edn"));
    ASSERT(!strstr(b.buf, "independent/0/results.edn"));
    ASSERT(strstr(b.buf, "2 of 3 keys valid"));
    ASSERT_EQ(fetch(&s, NULL,
                    "/files/memkv/20261126T020000.000Z/independent/1/"
                    "linear.svg",
                    &b, NULL),
              200);
    /* a run without independent/ has no keys section */
    ASSERT_EQ(fetch(&s, NULL, "/run/memkv/20261126T010000.000Z", &b, NULL),
              200);
    ASSERT(!strstr(b.buf, "id=\"keys\""));
    store_close(&s);
    fl_strbuf_release(&b);
}

static const struct fl_test_case report_serve_tests[] = {
    FL_TEST(test_serve_run_page_links_failing_keys),
    FL_TEST(test_serve_index_lists_runs_newest_first),
    FL_TEST(test_serve_run_page_and_files),
    FL_TEST(test_serve_archive_is_a_tar_gz),
    FL_TEST(test_serve_refuses_paths_outside_the_store),
    FL_TEST(test_serve_index_pages_and_rereads_changed_results),
    FL_TEST(test_serve_bad_store_and_host),
    FL_TEST_END,
};

FL_TEST_SUITE(report_serve, report_serve_tests);
