/* SPDX-License-Identifier: MIT */
/*
 * cli.h: the faultline command's subcommands, one file each (tmux's
 * cmd-*.c). Each takes argv with argv[0] the subcommand's name and returns
 * the process exit code (0 valid, 1 invalid, 2 unknown, 254 bad arguments or
 * input, 255 faultline failed). The CLI is a thin client of the library.
 */
#ifndef FL_CLI_H
#define FL_CLI_H

enum fl_exit {
    FL_EXIT_VALID = 0,
    FL_EXIT_INVALID = 1,
    FL_EXIT_UNKNOWN = 2,
    FL_EXIT_USAGE = 254,
    FL_EXIT_FAILED = 255,
};

struct fl_cli_cmd {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

int fl_cmd_check(int argc, char **argv);
int fl_cmd_check_linear(int argc, char **argv);
int fl_cmd_check_elle(int argc, char **argv);
int fl_cmd_check_kind(int argc, char **argv);
int fl_cmd_history(int argc, char **argv);
int fl_cmd_test(int argc, char **argv);
int fl_cmd_test_all(int argc, char **argv);
int fl_cmd_analyze(int argc, char **argv);
int fl_cmd_cluster(int argc, char **argv);
int fl_cmd_fault(int argc, char **argv);
int fl_cmd_serve(int argc, char **argv);
int fl_cmd_maelstrom(int argc, char **argv);
int fl_cmd_shrink(int argc, char **argv);

struct fl_checker;
/**
 * Shrink the history at path against c (cmd_shrink.c): the minimal
 * history to out (NULL: stdout), sizes and the checker's result on
 * stderr. Returns the exit code (1 when the shrunk history fails).
 */
int fl_cli_shrink(const struct fl_checker *c, const char *path, const char *out,
                  int64_t time_limit_ns);

/** True if argv has -h or --help; prints usage to stdout then. */
int fl_cli_wants_help(int argc, char **argv, const char *usage);
/** Print "faultline: <msg>" and a hint to stderr; returns FL_EXIT_USAGE. */
int fl_cli_usage_error(const char *usage, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
