/* SPDX-License-Identifier: MIT */
/*
 * fuzz_json.c: libFuzzer target for the JSON-lines history reader. A
 * history that parses must survive JSON -> JSON and JSON -> EDN round trips
 * unchanged (the encoding in docs/history-json.md is lossless both ways),
 * then pairing and the txt writer. The fast reader must agree with the
 * jansson one (fl_json__fast off): same return code, message and ops.
 */
#include "util/common.h"

#include "fuzz/fuzz_common.h"
#include "history/hist_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fl_hist h, hs;
    struct fl_err err = FL_ERR_INIT, serr = FL_ERR_INIT;

    fl_hist_init(&h);
    fl_hist_init(&hs);
    int rc =
        fl_hist_parse((const char *)data, size, "fuzz", FL_HIST_JSON, &h, &err);
    fl_json__fast = false;
    int src = fl_hist_parse((const char *)data, size, "fuzz", FL_HIST_JSON, &hs,
                            &serr);
    fl_json__fast = true;
    if (rc != src || strcmp(err.msg, serr.msg) != 0 || h.n != hs.n)
        FL_BUG("fast JSON reader: rc %d \"%s\", jansson: rc %d \"%s\"", rc,
               err.msg, src, serr.msg);
    for (size_t i = 0; i < h.n; i++)
        if (!fl_op_equal(&h.ops[i], &hs.ops[i]) ||
            h.ops[i].value.kind != hs.ops[i].value.kind ||
            h.lines[i] != hs.lines[i])
            FL_BUG("fast JSON reader: op %zu differs from jansson's", i);
    if (rc == 0) {
        fuzz_roundtrip(&h, FL_HIST_JSON);
        fuzz_roundtrip(&h, FL_HIST_EDN);
        fuzz_exercise(&h);
    }
    fl_hist_release(&hs);
    fl_hist_release(&h);
    return 0;
}
