/* SPDX-License-Identifier: MIT */
/*
 * remote_local.c: the "local" backend, commands run with sh -c on this
 * machine as the current user, in its own namespaces. It is what the
 * control node uses for itself, and the simplest real backend for tests.
 */
#include "util/common.h"

#include "control/control_int.h"

static int
local_connect(struct fl_remote *r, struct fl_err *err)
{
    FL_UNUSED(r);
    FL_UNUSED(err);
    return 0;
}

static int
local_exec(struct fl_remote *r, const struct fl_cmd *c,
           struct fl_cmd_result *res, struct fl_err *err)
{
    const char *argv[] = {"/bin/sh", "-c", c->cmd, NULL};

    FL_UNUSED(r);
    return fl_control__run(argv, NULL, NULL, c, res, err);
}

static void
local_disconnect(struct fl_remote *r)
{
    FL_UNUSED(r);
}

const struct fl_remote_type fl_remote_local_type = {
    .name = "local",
    .connect = local_connect,
    .exec = local_exec,
    .disconnect = local_disconnect,
};
