/* SPDX-License-Identifier: MIT */
/*
 * cmd_serve.c: placeholder until the 'serve' command lands.
 */
#include "util/common.h"
#include "cli/cli.h"

int
fl_cmd_serve(int argc, char **argv)
{
    FL_UNUSED(argc);
    fprintf(stderr, "faultline: '%s' is not available in this build\n",
            argv[0]);
    return FL_EXIT_FAILED;
}
