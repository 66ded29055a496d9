/* SPDX-License-Identifier: MIT */
/*
 * cli_opt.h: option parsing shared by every subcommand: getopt_long(3)
 * with --help, unknown options and missing values handled the same way
 * everywhere (usage on stdout and exit 0 for --help; the option named and
 * exit 254 for a mistake), typed option values, the SSH options that test,
 * test-all and fault share, and printing one result map per line.
 * Options take their value inline ("--out=DIR") or as the next argument.
 */
#ifndef FL_CLI_OPT_H
#define FL_CLI_OPT_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>

#include "control/remote.h"
#include "history/val.h"

/* The val of "--help" in an option table (-h is help too). */
#define FL_CLI_HELP 0x7e00
#define FL_CLI_OPT_HELP                                                        \
    {                                                                          \
        "help", no_argument, NULL, FL_CLI_HELP                                 \
    }
#define FL_CLI_OPT_END                                                         \
    {                                                                          \
        NULL, 0, NULL, 0                                                       \
    }
/*
 * fl_cli_getopt() handled --help or an error: return p->exit_code. Below
 * zero like the end (-1), so "while ((ch = fl_cli_getopt(...)) >= 0)".
 */
#define FL_CLI_OPT_EXIT (-2)

/* The SSH options of test, test-all and fault (vals 0x7d00..). */
enum {
    FL_CLI_SSH_USERNAME = 0x7d00,
    FL_CLI_SSH_PASSWORD,
    FL_CLI_SSH_KEY,
    FL_CLI_SSH_PORT,
    FL_CLI_SSH_STRICT,
    FL_CLI_SSH_NO_CHECK,
    FL_CLI_SSH_NO_SSH,
};
/* clang-format off */
#define FL_CLI_SSH_OPTIONS                                                     \
    {"username", required_argument, NULL, FL_CLI_SSH_USERNAME},                \
    {"password", required_argument, NULL, FL_CLI_SSH_PASSWORD},                \
    {"ssh-private-key", required_argument, NULL, FL_CLI_SSH_KEY},              \
    {"ssh-port", required_argument, NULL, FL_CLI_SSH_PORT},                    \
    {"strict-host-key-checking", no_argument, NULL, FL_CLI_SSH_STRICT},        \
    {"no-host-key-checking", no_argument, NULL, FL_CLI_SSH_NO_CHECK},          \
    {"no-ssh", no_argument, NULL, FL_CLI_SSH_NO_SSH}
/* clang-format on */
/* Their help lines, in the layout of the subcommands' usage texts. */
#define FL_CLI_SSH_HELP                                                        \
    "      --username USER        ssh user (root)\n"                           \
    "      --password PASS        ssh password\n"                              \
    "      --ssh-private-key FILE ssh key (default: agent, ~/.ssh/id_*)\n"     \
    "      --ssh-port N           ssh port (22)\n"                             \
    "      --strict-host-key-checking  refuse unknown host keys\n"             \
    "      --no-host-key-checking      accept any host key (warns)\n"          \
    "      --no-ssh               dummy remotes (nothing runs on nodes)\n"

/** One getopt_long() pass over a subcommand's argv (argv[0] its name). */
struct fl_cli_parser {
    const char *usage;         /* printed after errors, and for --help */
    const char *help;          /* printed for --help instead; NULL = usage */
    const struct option *opts; /* ends with FL_CLI_OPT_END; add HELP */
    const char *shortopts;     /* e.g. "n:" (-h is added); NULL = none */
    bool in_order;             /* stop at the first non-option argument */
    /* filled in by fl_cli_getopt(): */
    char opt[64];  /* the option just returned, as written: "--seed" */
    int exit_code; /* after FL_CLI_OPT_EXIT: 0 (--help) or 254 */
    bool started;
};

/**
 * The next option of argv, like getopt_long(3) (optarg, optind): returns
 * its val, -1 after the last option (optind is the first argument left),
 * or FL_CLI_OPT_EXIT after printing the usage for --help/-h (exit_code 0)
 * or an error naming the option: unknown, ambiguous, missing or
 * unexpected value (exit_code FL_EXIT_USAGE). Not reentrant (getopt).
 */
int fl_cli_getopt(int argc, char **argv, struct fl_cli_parser *p);
/**
 * Print "faultline: <option> '<optarg>': <msg>" and the usage to stderr;
 * returns FL_EXIT_USAGE.
 */
int fl_cli_bad_value(const struct fl_cli_parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/** optarg as an integer in [min, max]; else fl_cli_bad_value(). */
int fl_cli_opt_int(const struct fl_cli_parser *p, int64_t min, int64_t max,
                   int64_t *out);
/** optarg as a positive duration ("10", "1.5s", "500ms"); else an error. */
int fl_cli_opt_duration(const struct fl_cli_parser *p, int64_t *out_ns);
/**
 * Apply SSH option ch (FL_CLI_SSH_*) with optarg to ro. Returns 1 when ch
 * is one, 0 when not, FL_EXIT_USAGE after printing a bad value.
 */
int fl_cli_ssh_opt(const struct fl_cli_parser *p, int ch,
                   struct fl_remote_opts *ro);
struct fl_arena;
struct fl_err;
/**
 * The options the run's test.edn beside the history at path recorded for
 * checker kind (its :checker {kind options}), parsed into a, or NULL when
 * there is no test.edn or it names no such checker. Says on stderr when it
 * uses one, and warns when a test.edn is there but unreadable.
 */
const fl_val *fl_cli_recorded_options(const char *path, const char *kind,
                                      struct fl_arena *a);
/** Print v as one EDN (or JSON with json) line on stdout and flush. */
void fl_cli_print_val(const fl_val *v, bool json);
/**
 * A history too large for memory (its load failed with FL_ELIMIT) is not
 * bad input but a check that could not be done: print {:valid? :unknown,
 * :cause :out-of-memory, :error msg} (err's message also on stderr) and
 * return true; false for any other error.
 */
bool fl_cli_too_large(const struct fl_err *err, bool json);

#endif
