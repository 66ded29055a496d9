/* SPDX-License-Identifier: MIT */
/*
 * cmd_check.c: `faultline check KIND ...` dispatches to one checker's
 * command file by KIND.
 */
#include "util/common.h"

#include "cli/cli.h"

static const struct fl_cli_cmd check_table[] = {
    {"linearizable", fl_cmd_check_linear,
     "linearizability against a sequential model (Knossos)"},
    {"list-append", fl_cmd_check_elle, "transactional anomalies (Elle)"},
    {"rw-register", fl_cmd_check_elle, "transactional anomalies (Elle)"},
};

static void
usage(FILE *f)
{
    fprintf(f, "usage: faultline check <kind> [options] FILE...\n\nkinds:\n");
    for (size_t i = 0; i < FL_ARRAY_SIZE(check_table); i++)
        fprintf(f, "  %-13s %s\n", check_table[i].name, check_table[i].summary);
}

int
fl_cmd_check(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return FL_EXIT_USAGE;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < FL_ARRAY_SIZE(check_table); i++)
        if (strcmp(argv[1], check_table[i].name) == 0)
            return check_table[i].run(argc - 1, argv + 1);
    fprintf(stderr, "faultline: unknown check kind '%s'\n", argv[1]);
    usage(stderr);
    return FL_EXIT_USAGE;
}
