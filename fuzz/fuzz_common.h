/* SPDX-License-Identifier: MIT */
/*
 * fuzz_common.h: the round-trip property shared by fuzz_edn.c and
 * fuzz_json.c. A history that parses must print (as EDN and as JSON lines)
 * to text that parses again into an equal history; any difference aborts
 * so libFuzzer reports it.
 */
#ifndef FL_FUZZ_COMMON_H
#define FL_FUZZ_COMMON_H

#include "history/edn.h"
#include "history/hist.h"
#include "history/json.h"
#include "util/err.h"
#include "util/strbuf.h"

static void
fuzz_die(const char *what, const char *msg, const struct fl_strbuf *text)
{
    fprintf(stderr, "round trip failed: %s: %s\n--- text ---\n%.*s\n", what,
            msg, (int)FL_MIN(text->len, 4000), text->buf);
    abort();
}

/* Print h in fmt, parse it back, and check the result equals h. */
static void
fuzz_roundtrip(const struct fl_hist *h, enum fl_hist_format fmt)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;
    struct fl_err err = FL_ERR_INIT;
    struct fl_hist back;

    for (size_t i = 0; i < h->n; i++) {
        if (fmt == FL_HIST_JSON)
            fl_json_print_op(&sb, &h->ops[i]);
        else
            fl_edn_print_op(&sb, &h->ops[i]);
        fl_strbuf_addch(&sb, '\n');
    }
    fl_hist_init(&back);
    if (fl_hist_parse(sb.buf, sb.len, "printed", fmt, &back, &err) < 0)
        fuzz_die(fmt == FL_HIST_JSON ? "json reparse" : "edn reparse", err.msg,
                 &sb);
    if (back.n != h->n)
        fuzz_die("op count", "differs", &sb);
    for (size_t i = 0; i < h->n; i++)
        if (!fl_op_equal(&h->ops[i], &back.ops[i]))
            fuzz_die("op", "differs after reparse", &sb);
    fl_hist_release(&back);
    fl_strbuf_release(&sb);
}

/* Everything else a parsed history goes through must not crash. */
static void
fuzz_exercise(struct fl_hist *h)
{
    struct fl_err err = FL_ERR_INIT;
    size_t nwarn;
    static FILE *null;

    if (!null)
        null = fopen("/dev/null", "w");
    fl_hist_pair(h, NULL, &nwarn, &err);
    if (null)
        fl_txt_write_hist(null, h, &err);
}

#endif
