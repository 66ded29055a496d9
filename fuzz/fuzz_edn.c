/* SPDX-License-Identifier: MIT */
/*
 * fuzz_edn.c: libFuzzer target for the EDN reader. Input is read both as a
 * single value (parse, print, parse again, equal, same hash) and as a
 * history (EDN -> EDN and EDN -> JSON lines round trips, then pairing and
 * the txt writer). The history is also read with the two-thread split
 * forced on, which must give exactly what one thread gives.
 */
#include "util/common.h"

#include "fuzz/fuzz_common.h"

#include "history/hist_int.h"

/* Split (two threads) and sequential reads of buf agree, errors too. */
static void
check_split(const char *buf, size_t size, const struct fl_hist *h, int rc,
            const struct fl_err *err)
{
    struct fl_hist h2;
    struct fl_err e2 = FL_ERR_INIT;
    struct fl_strbuf x = FL_STRBUF_INIT, y = FL_STRBUF_INIT;
    size_t saved = fl_edn__par_min_bytes;

    fl_hist_init(&h2);
    fl_edn__par_min_bytes = 0;
    int rc2 = fl_edn_parse_hist(buf, size, "fuzz", &h2, &e2);
    fl_edn__par_min_bytes = saved;
    if (rc2 != rc || (rc < 0 && strcmp(err->msg, e2.msg) != 0))
        fuzz_die("split", err->msg, &x);
    if (rc == 0) {
        if (h2.n != h->n)
            fuzz_die("split", "op count differs", &x);
        for (size_t i = 0; i < h->n; i++) {
            fl_strbuf_reset(&x);
            fl_strbuf_reset(&y);
            fl_edn_print_op(&x, &h->ops[i]);
            fl_edn_print_op(&y, &h2.ops[i]);
            if (strcmp(x.buf, y.buf) != 0 || h->lines[i] != h2.lines[i])
                fuzz_die("split", "op differs", &x);
        }
    }
    fl_strbuf_release(&x);
    fl_strbuf_release(&y);
    fl_hist_release(&h2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    struct fl_arena a;
    struct fl_err err = FL_ERR_INIT;
    fl_val v, w;

    fl_arena_init(&a, 16384);
    if (fl_edn_parse_value(&a, buf, size, "fuzz", &v, &err) == 0) {
        struct fl_strbuf sb = FL_STRBUF_INIT;
        fl_val_print_edn(&sb, &v);
        if (fl_edn_parse_value(&a, sb.buf, sb.len, "printed", &w, &err) < 0)
            fuzz_die("value reparse", err.msg, &sb);
        if (!fl_val_equal(&v, &w) || fl_val_compare(&v, &w) != 0 ||
            fl_val_hash(&v) != fl_val_hash(&w))
            fuzz_die("value", "differs after reparse", &sb);
        fl_val c = fl_val_copy(&a, &v);
        if (!fl_val_equal(&v, &c))
            fuzz_die("value", "copy differs", &sb);
        fl_strbuf_reset(&sb);
        fl_json_print_val(&sb, &v);
        fl_strbuf_release(&sb);
    }
    fl_arena_release(&a);

    struct fl_hist h;
    fl_hist_init(&h);
    size_t saved = fl_edn__par_min_bytes;
    fl_edn__par_min_bytes = SIZE_MAX; /* the one-thread reading */
    int rc = fl_hist_parse(buf, size, "fuzz", FL_HIST_EDN, &h, &err);
    fl_edn__par_min_bytes = saved;
    check_split(buf, size, &h, rc, &err);
    if (rc == 0) {
        fuzz_roundtrip(&h, FL_HIST_EDN);
        fuzz_roundtrip(&h, FL_HIST_JSON);
        fuzz_exercise(&h);
    }
    fl_hist_release(&h);
    return 0;
}
