/* SPDX-License-Identifier: MIT */
/* remote_ssh.c: (being written) */
#include "util/common.h"
#include "control/remote.h"
#include "util/err.h"

static int
ssh_connect_(struct fl_remote *r, struct fl_err *err)
{
    FL_UNUSED(r);
    return fl_err_set(err, -ENOSYS, "ssh backend not built yet");
}

static int
ssh_exec_(struct fl_remote *r, const struct fl_cmd *c,
          struct fl_cmd_result *res, struct fl_err *err)
{
    FL_UNUSED(r);
    FL_UNUSED(c);
    FL_UNUSED(res);
    return fl_err_set(err, -ENOSYS, "ssh backend not built yet");
}

static void
ssh_disconnect_(struct fl_remote *r)
{
    FL_UNUSED(r);
}

const struct fl_remote_type fl_remote_ssh_type = {
    .name = "ssh",
    .connect = ssh_connect_,
    .exec = ssh_exec_,
    .disconnect = ssh_disconnect_,
};
