/* SPDX-License-Identifier: MIT */
/*
 * main.h: the faultline command as a library entry point. A test program of
 * a user's own links libfaultline and calls fl_main() from its main() with
 * its suites, and so gets every subcommand and option of the faultline
 * command, the store, the reports and the exit codes (Jepsen's
 * cli/single-test-cmd). See docs/api.md.
 */
#ifndef FL_CLI_MAIN_H
#define FL_CLI_MAIN_H

struct fl_suite;

/**
 * Run the faultline command line argv[0..argc-1] (argv[1] the subcommand:
 * test, test-all, analyze, check, history, cluster, fault, serve) with
 * suites (NULL-terminated; borrowed for the life of the process) as the
 * suites `test NAME` can run. With exactly one suite, `test` and `test-all`
 * may leave its name out. Returns the exit code: 0 valid, 1 invalid, 2
 * unknown, 254 bad arguments or input, 255 faultline failed. Call it once,
 * from the main thread.
 */
int fl_main(int argc, char **argv, const struct fl_suite *const *suites);

/** The suites built into faultline (etcd, memkv), NULL-terminated. */
extern const struct fl_suite *const fl_builtin_suites[];

#endif
