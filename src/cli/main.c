/* SPDX-License-Identifier: MIT */
/*
 * main.c: fl_main(), the whole faultline command as a library function: it
 * registers the suites it is given, looks the subcommand up in cmd_table
 * (tmux style) and runs it. The faultline binary (faultline.c) calls it with
 * the built-in suites, a user's test program with its own (docs/api.md).
 */
#include "util/common.h"

#include "cli/main.h"

#include "cli/cli.h"
#include "nemesis/packet.h"
#include "run/test.h"

static const struct fl_cli_cmd cmd_table[] = {
    {"test", fl_cmd_test, "run a test suite against a cluster"},
    {"test-all", fl_cmd_test_all, "run every workload of a suite"},
    {"analyze", fl_cmd_analyze, "re-check a stored run"},
    {"check", fl_cmd_check, "check a history file"},
    {"history", fl_cmd_history, "inspect and convert history files"},
    {"cluster", fl_cmd_cluster, "create and destroy the local cluster"},
    {"fault", fl_cmd_fault, "inject or heal a fault by hand"},
    {"serve", fl_cmd_serve, "browse the store in a web browser"},
    {"maelstrom", fl_cmd_maelstrom, "run Maelstrom workloads on your nodes"},
    {"shrink", fl_cmd_shrink, "reduce a failing history to a small one"},
};

static void
usage(FILE *f)
{
    fprintf(f, "usage: faultline <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < FL_ARRAY_SIZE(cmd_table); i++)
        fprintf(f, "  %-10s %s\n", cmd_table[i].name, cmd_table[i].summary);
    fprintf(f, "\n'faultline <command> --help' describes a command.\n");
}

int
fl_cli_wants_help(int argc, char **argv, const char *usage_text)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(usage_text, stdout);
            return 1;
        }
    }
    return 0;
}

int
fl_cli_usage_error(const char *usage_text, const char *fmt, ...)
{
    va_list ap;

    fputs("faultline: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    if (usage_text)
        fputs(usage_text, stderr);
    return FL_EXIT_USAGE;
}

/*
 * With a single suite registered, `prog test [options]` means that suite
 * (Jepsen's single-test-cmd): insert its name after the subcommand. The new
 * argv is static (its strings are borrowed), as fl_main runs once.
 */
static char **
default_suite_argv(int *argc, char **argv)
{
    static const char *const with_suite[] = {"test", "test-all"};
    const struct fl_suite *const *list = fl_suite_list();
    static char *out[4096];
    bool cmd = false;

    if (!list[0] || list[1] || *argc < 2 ||
        *argc + 1 >= (int)FL_ARRAY_SIZE(out))
        return argv;
    for (size_t i = 0; i < FL_ARRAY_SIZE(with_suite); i++)
        cmd = cmd || strcmp(argv[1], with_suite[i]) == 0;
    if (!cmd || (*argc > 2 && argv[2][0] != '-'))
        return argv;
    out[0] = argv[0];
    out[1] = argv[1];
    out[2] = (char *)list[0]->name;
    for (int i = 2; i < *argc; i++)
        out[i + 1] = argv[i];
    out[++*argc] = NULL;
    return out;
}

int
fl_main(int argc, char **argv, const struct fl_suite *const *suites)
{
    fl_suite_register(suites);
    fl_helper_binary_is_self(); /* helpers re-run this program */
    argv = default_suite_argv(&argc, argv);
    if (argc < 2) {
        usage(stderr);
        return FL_EXIT_USAGE;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < FL_ARRAY_SIZE(cmd_table); i++)
        if (strcmp(argv[1], cmd_table[i].name) == 0)
            return cmd_table[i].run(argc - 1, argv + 1);
    fprintf(stderr, "faultline: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return FL_EXIT_USAGE;
}
