/* SPDX-License-Identifier: MIT */
/*
 * services.h: Maelstrom's built-in services, answered inside the router
 * thread: lin-kv (one linearizable map), seq-kv (sequentially consistent:
 * a read may return any state at or after the last one its caller saw),
 * lww-kv (five replicas with last-write-wins timestamps that gossip
 * lazily, deliberately weak) and lin-tso (monotonic timestamps). Keys are
 * any JSON value (compared by their canonical text); requests read, write,
 * cas (with create_if_not_exists) and ts; errors 20 (key-does-not-exist),
 * 22 (precondition-failed), 10 (not-supported), 12 (malformed-request).
 */
#ifndef FL_MAELSTROM_SERVICES_H
#define FL_MAELSTROM_SERVICES_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

enum fl_msvc_kind {
    FL_MSVC_LIN_KV,
    FL_MSVC_SEQ_KV,
    FL_MSVC_LWW_KV,
    FL_MSVC_LIN_TSO,
    FL_MSVC_COUNT,
};

extern const char *const fl_msvc_names[FL_MSVC_COUNT];

struct fl_msvc;

struct fl_msvc *fl_msvc_new(uint64_t seed);
void fl_msvc_free(struct fl_msvc *s);
/**
 * Answer body (borrowed) sent by caller (an address: callers keep their
 * own view of seq-kv) to service kind. Returns the reply body (owned by
 * the caller) with in_reply_to set, or NULL when body has no msg_id and so
 * wants no answer.
 */
json_t *fl_msvc_handle(struct fl_msvc *s, enum fl_msvc_kind kind, int caller,
                       json_t *body);

#endif
