/* SPDX-License-Identifier: MIT */
/*
 * cmd_check.c: `faultline check KIND ...` dispatches by KIND: the
 * linearizability and Elle checkers have their own command files, every
 * other kind of checker/registry.h goes to cmd_check_kinds.c.
 */
#include "util/common.h"

#include "cli/cli.h"

#include "checker/registry.h"

/* Kinds with their own command file; the rest go to cmd_check_kinds.c. */
static const struct fl_cli_cmd own_table[] = {
    {"linearizable", fl_cmd_check_linear, NULL},
    {"list-append", fl_cmd_check_elle, NULL},
    {"rw-register", fl_cmd_check_elle, NULL},
};

static void
usage(FILE *f)
{
    fprintf(f, "usage: faultline check <kind> [options] FILE...\n\nkinds:\n");
    for (const struct fl_chk_kind *k = fl_chk_kinds; k->name; k++)
        fprintf(f, "  %-17s %s\n", k->name, k->summary);
    fprintf(f, "  %-17s %s\n", "timeline",
            "writes timeline.html for any history (--out DIR)");
    fprintf(f, "\n`faultline check <kind> --help` shows a kind's options.\n");
}

static bool
known_kind(const char *name)
{
    return fl_chk_kind_find(name) || strcmp(name, "timeline") == 0;
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
    for (size_t i = 0; i < FL_ARRAY_SIZE(own_table); i++)
        if (strcmp(argv[1], own_table[i].name) == 0)
            return own_table[i].run(argc - 1, argv + 1);
    if (known_kind(argv[1]))
        return fl_cmd_check_kind(argc - 1, argv + 1);
    fprintf(stderr, "faultline: unknown check kind '%s'\n", argv[1]);
    usage(stderr);
    return FL_EXIT_USAGE;
}
