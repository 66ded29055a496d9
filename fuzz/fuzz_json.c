/* SPDX-License-Identifier: MIT */
/*
 * fuzz_json.c: libFuzzer target for the JSON-lines history reader. A
 * history that parses must survive JSON -> JSON and JSON -> EDN round trips
 * unchanged (the encoding in docs/history-json.md is lossless both ways),
 * then pairing and the txt writer.
 */
#include "util/common.h"

#include "fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fl_hist h;
    struct fl_err err = FL_ERR_INIT;

    fl_hist_init(&h);
    if (fl_hist_parse((const char *)data, size, "fuzz", FL_HIST_JSON, &h,
                      &err) == 0) {
        fuzz_roundtrip(&h, FL_HIST_JSON);
        fuzz_roundtrip(&h, FL_HIST_EDN);
        fuzz_exercise(&h);
    }
    fl_hist_release(&h);
    return 0;
}
