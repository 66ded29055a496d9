/* SPDX-License-Identifier: MIT */
/*
 * client_cmd.h: the client in any language (`--client-cmd CMD`): each open
 * client is a local subprocess running `sh -c CMD` that speaks the
 * JSON-lines protocol of docs/client-protocol.md on its stdin and stdout
 * (client_proto.h has the messages). One subprocess per worker, started
 * when the worker's process needs a client and replaced after every :info
 * (the type is not reusable). Everything that can go wrong with the
 * subprocess (no answer in time, an exit, a malformed or extra line, an
 * answer to another op) completes the op :info with an :error naming the
 * client and the line, and kills the subprocess's process group; the run
 * goes on. Its stderr is appended to <store>/clients/worker-<t>.stderr
 * (setup-<node>.stderr for the per-node setup and teardown clients).
 */
#ifndef FL_CLIENT_CMD_H
#define FL_CLIENT_CMD_H

#include <stdint.h>

#include "run/client.h"

/** The subprocess client; its seed's shared state is set by the below. */
extern const struct fl_client_type fl_client_cmd_type;

/**
 * Make seed (released first) the subprocess client running cmd (copied)
 * through `sh -c`. op_timeout_ns is the run's --op-timeout (0: none): the
 * client waits for an answer that long minus a margin (a quarter, at most
 * 500 ms), so the :info it records names the client before the run's own
 * timeout would fire.
 */
void fl_client_cmd_seed(struct fl_client_seed *seed, const char *cmd,
                        int64_t op_timeout_ns);

/** The answer deadline fl_client_cmd_seed() derives from op_timeout_ns. */
int64_t fl_client_cmd_timeout_ns(int64_t op_timeout_ns);

#endif
