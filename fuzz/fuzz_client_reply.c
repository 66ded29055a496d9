/* SPDX-License-Identifier: MIT */
/*
 * fuzz_client_reply.c: libFuzzer target for the parser of the answers a
 * --client-cmd client writes (run/client_proto.c). Any bytes must be
 * either rejected with a message or turned into a completion; a
 * completion must survive the history's JSON and EDN round trips (what a
 * client answers is what history.edn records and re-reads).
 */
#include "util/common.h"

#include "fuzz/fuzz_common.h"
#include "run/client_proto.h"
#include "util/arena.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fl_hist h;
    struct fl_err err = FL_ERR_INIT;
    struct fl_client_proto_reply r;

    fl_hist_init(&h);
    if (fl_client_proto_parse((const char *)data, size, &h.arena, &r, &err) <
        0) {
        if (!err.msg[0])
            abort(); /* every rejection says why */
        goto out;
    }
    struct fl_op inv = {0}, c;
    inv.process = 4;
    inv.index = 0;
    inv.time_ns = 1;
    inv.f = FL_KW_READ;
    inv.value = fl_val_nil();
    inv.type = FL_OP_INVOKE;
    fl_client_proto_match(&r, &inv, &err);
    c = inv;
    c.index = 1;
    c.time_ns = 2;
    fl_client_proto_apply(&r, &c);
    if (c.type != FL_OP_OK && c.type != FL_OP_FAIL && c.type != FL_OP_INFO)
        abort();
    fl_hist_append(&h, &inv);
    fl_hist_append(&h, &c);
    fuzz_roundtrip(&h, FL_HIST_JSON);
    fuzz_roundtrip(&h, FL_HIST_EDN);
out:
    fl_hist_release(&h);
    return 0;
}
