/* SPDX-License-Identifier: MIT */
/*
 * client_proto.h: the messages of the JSON-lines client protocol
 * (docs/client-protocol.md), without any I/O: the open, invoke and close
 * requests faultline writes, and the parser of the one-line answers a
 * client writes back. Values use the history's JSON encoding
 * (docs/history-json.md), so a client sees an op's value exactly as
 * history.edn holds it. client_cmd.c does the process and pipe work.
 */
#ifndef FL_CLIENT_PROTO_H
#define FL_CLIENT_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "history/op.h"
#include "os/os.h"

struct fl_arena;
struct fl_err;
struct fl_strbuf;

/** The longest answer line accepted, newline excluded (bytes). */
#define FL_CLIENT_PROTO_MAX_LINE (8u << 20)

/** An answer line, decoded. */
struct fl_client_proto_reply {
    uint8_t type;        /* FL_OP_OK, FL_OP_FAIL or FL_OP_INFO */
    bool has_value;      /* "value" was present (possibly null) */
    fl_val value;        /* its value, in the caller's arena */
    const fl_val *extra; /* map of "error" and other members, or NULL */
    bool has_index;      /* "index" echoed: must be the invocation's */
    int64_t index;
    bool has_process; /* "process" echoed: must be the invocation's */
    int64_t process;
    uint32_t f; /* "f" echoed (interned), or FL_KW_NONE */
};

/**
 * Append the open request for the client bound to env->nodes[node],
 * newline included: {"type":"open","node":..,"nodes":[..],"test":{..}}.
 * test holds every option of env (names without ':') plus name, seed,
 * concurrency, op-timeout-ms (the run's, 0 = none), answer-timeout-ms (how
 * long faultline waits for an answer, 0 = forever) and store-dir.
 */
void fl_client_proto_open(struct fl_strbuf *sb, const struct fl_env *env,
                          size_t node, int64_t op_timeout_ns,
                          int64_t answer_timeout_ns);
/**
 * Append the invoke request for op, newline included:
 * {"type":"invoke","f":..,"value":..,"process":..,"node":..,"time":..,
 * "index":..}.
 */
void fl_client_proto_invoke(struct fl_strbuf *sb, const struct fl_env *env,
                            size_t node, const struct fl_op *op);
/** Append {"type":"close"} and a newline. */
void fl_client_proto_close(struct fl_strbuf *sb);

/**
 * Decode one answer line (len bytes, no newline) into *r, allocating values
 * in a. `type` must be "ok", "fail" or "info"; "value" and "error" use the
 * history encoding; "index", "process" and "f", when present, are kept for
 * fl_client_proto_match(); "node" and "time" are ignored (a client may echo
 * the request back); any other member becomes an extra key of the
 * completion. Returns 0, or FL_EPARSE with err saying what is wrong.
 */
int fl_client_proto_parse(const char *line, size_t len, struct fl_arena *a,
                          struct fl_client_proto_reply *r, struct fl_err *err);
/**
 * 0 if r can be op's answer: every echoed index, process and f equals the
 * invocation's; else FL_EPARSE naming the mismatch (an answer to another
 * op).
 */
int fl_client_proto_match(const struct fl_client_proto_reply *r,
                          const struct fl_op *op, struct fl_err *err);
/**
 * Turn the completion *out (a copy of the invocation) into r's: its type,
 * its value when r has one (else the invocation's stays), its extra keys.
 */
void fl_client_proto_apply(const struct fl_client_proto_reply *r,
                           struct fl_op *out);

#endif
