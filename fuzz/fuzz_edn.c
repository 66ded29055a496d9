/* SPDX-License-Identifier: MIT */
/*
 * fuzz_edn.c: libFuzzer target for the EDN reader. Input is read both as a
 * single value (parse, print, parse again, equal, same hash) and as a
 * history (EDN -> EDN and EDN -> JSON lines round trips, then pairing and
 * the txt writer).
 */
#include "util/common.h"

#include "fuzz/fuzz_common.h"

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
    if (fl_hist_parse(buf, size, "fuzz", FL_HIST_EDN, &h, &err) == 0) {
        fuzz_roundtrip(&h, FL_HIST_EDN);
        fuzz_roundtrip(&h, FL_HIST_JSON);
        fuzz_exercise(&h);
    }
    fl_hist_release(&h);
    return 0;
}
