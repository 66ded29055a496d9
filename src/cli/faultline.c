/* SPDX-License-Identifier: MIT */
/*
 * faultline.c: the faultline binary: fl_main() with the built-in suites. It
 * is the only file of src/ that is not in libfaultline.
 */
#include "util/common.h"

#include "cli/main.h"

int
main(int argc, char **argv)
{
    return fl_main(argc, argv, fl_builtin_suites);
}
