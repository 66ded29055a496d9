/* SPDX-License-Identifier: MIT */
/*
 * cmd_test_all.c: `faultline test-all SUITE [options]`: Jepsen's test-all.
 * Runs the suite once for every workload and nemesis it lists (or the ones
 * given with --workload/--nemesis), records each outcome, prints the
 * Successful / Indeterminate / Crashed / Failed lists and exits 255 if any
 * run crashed, else 2 if any was unknown, else 1 if any failed, else 0.
 */
#include "util/common.h"

#include "cli/cli.h"
#include "cli/test_args.h"
#include "control/lock.h"

#include "util/err.h"

enum outcome { OK, UNKNOWN, CRASHED, FAILED, NOUTCOMES };

static const char *const outcome_names[NOUTCOMES] = {
    "Successful", "Indeterminate", "Crashed", "Failed"};

int
fl_cmd_test_all(int argc, char **argv)
{
    struct fl_test_args a;
    struct fl_lock *lock = NULL;
    int rc = fl_cli_test_parse(argc, argv, &a);
    static const char *const none[] = {"none", NULL};
    char *lines[NOUTCOMES] = {NULL};
    size_t counts[NOUTCOMES] = {0};

    if (rc == 1) {
        fl_cli_test_args_release(&a);
        return 0;
    }
    if (rc == 0 && a.replay) {
        fprintf(stderr, "faultline: test-all: --replay replays one run: use "
                        "`faultline test SUITE --replay STOREDIR`\n");
        rc = FL_EXIT_USAGE;
    }
    if (rc) {
        fl_cli_test_args_release(&a);
        return rc;
    }
    fl_run_install_signals();
    const char *const *wls = a.suite->workloads;
    const char *const *nems = a.suite->nemeses ? a.suite->nemeses : none;
    const char *one_wl[] = {a.workload, NULL}, *one_nem[] = {a.nemesis, NULL};
    if (a.workload || !wls)
        wls = one_wl;
    if (a.nemesis)
        nems = one_nem;
    for (size_t w = 0; wls[w] || (w == 0 && !wls[0]); w++) {
        for (size_t n = 0; nems[n]; n++) {
            for (int64_t k = 0; k < a.test_count && !fl_run_interrupts; k++) {
                struct fl_test t;
                struct fl_run_result res;
                struct fl_err err = FL_ERR_INIT;
                struct fl_run_opts ro = fl_cli_run_opts(a.store);
                enum outcome o;

                memset(&res, 0, sizeof(res));
                fl_test_init(&t);
                fprintf(stderr,
                        "faultline: test-all: workload %s, nemesis "
                        "%s\n",
                        wls[w] ? wls[w] : "(default)", nems[n]);
                rc = fl_cli_test_build(&a, wls[w], nems[n], &t);
                if (rc == FL_EXIT_USAGE) {
                    fl_test_release(&t);
                    fl_cli_test_args_release(&a);
                    for (int i = 0; i < NOUTCOMES; i++)
                        free(lines[i]);
                    return rc;
                }
                /* One lock for every run: nobody gets in between. */
                if (!rc && !lock && !(lock = fl_test_lock(&t, &err))) {
                    fprintf(stderr, "faultline: test-all: %s\n", err.msg);
                    fl_test_release(&t);
                    fl_cli_test_args_release(&a);
                    for (int i = 0; i < NOUTCOMES; i++)
                        free(lines[i]);
                    return err.code == FL_EUSAGE ? FL_EXIT_USAGE
                                                 : FL_EXIT_FAILED;
                }
                if (rc)
                    o = CRASHED;
                else if (fl_test_run(&t, &ro, &res, &err) < 0) {
                    fprintf(stderr, "faultline: test crashed: %s\n", err.msg);
                    o = CRASHED;
                } else {
                    fl_cli_print_verdict(&res);
                    o = res.verdict == FL_VERDICT_TRUE    ? OK
                        : res.verdict == FL_VERDICT_FALSE ? FAILED
                                                          : UNKNOWN;
                }
                char *prev = lines[o];
                lines[o] = fl_xasprintf("%s  %s %s %s\n", prev ? prev : "",
                                        wls[w] ? wls[w] : "(default)", nems[n],
                                        res.store_dir ? res.store_dir : "");
                free(prev);
                counts[o]++;
                fl_run_result_release(&res);
                fl_test_release(&t);
            }
        }
        if (!wls[0])
            break;
    }
    for (int i = 0; i < NOUTCOMES; i++) {
        if (!counts[i])
            continue;
        printf("\n# %s tests\n%s", outcome_names[i], lines[i]);
        free(lines[i]);
    }
    printf("\n%zu successes\n%zu unknown\n%zu crashed\n%zu failures\n",
           counts[OK], counts[UNKNOWN], counts[CRASHED], counts[FAILED]);
    fl_lock_free(lock);
    fl_cli_test_args_release(&a);
    if (counts[CRASHED])
        return FL_EXIT_FAILED;
    if (counts[UNKNOWN])
        return FL_EXIT_UNKNOWN;
    if (counts[FAILED])
        return FL_EXIT_INVALID;
    return FL_EXIT_VALID;
}
