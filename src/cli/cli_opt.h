/* SPDX-License-Identifier: MIT */
/*
 * cli_opt.h: small helpers shared by the `faultline check` subcommands:
 * matching "--name" / "--name=value" options, fetching their value and
 * printing one result map per line as EDN or JSON.
 */
#ifndef FL_CLI_OPT_H
#define FL_CLI_OPT_H

#include <stdbool.h>

#include "history/val.h"

/** True if a is exactly name or starts with name followed by '='. */
bool fl_cli_opt_is(const char *a, const char *name);
/**
 * The value of option argv[*i]: the text after '=' if any, else the next
 * argument (advancing *i). NULL if there is none.
 */
const char *fl_cli_opt_arg(int argc, char **argv, int *i);
/**
 * fl_cli_opt_arg() for an option that needs a value: on none, prints
 * "<option> needs a value" with usage and returns FL_EXIT_USAGE; else 0.
 */
int fl_cli_opt_need(int argc, char **argv, int *i, const char *usage,
                    const char **val);
/**
 * argv[*i] matched no option: "--" makes every later argument a file, any
 * other "-x" is an unknown option (usage error: returns FL_EXIT_USAGE),
 * anything else (including "-") is a file. Files are appended to
 * files[(*nfiles)++]. Returns 0 when argv[*i] was taken as file(s).
 */
int fl_cli_opt_file(int argc, char **argv, int *i, char **files, int *nfiles,
                    const char *usage);
struct fl_arena;
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

#endif
