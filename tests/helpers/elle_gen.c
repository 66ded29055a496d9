/* SPDX-License-Identifier: MIT */
/*
 * elle_gen.c: writes a list-append history from the simulated store
 * (checker/elle/elle_gen.h) to stdout as history.edn, for the CLI tests.
 *
 *   elle_gen [-n TXNS] [-c CONCURRENCY] [-s SEED] [-b BUG] [-r RATE]
 *
 * BUG is none, aborted-read, intermediate-read, lost-update, write-skew,
 * stale-read or dirty-write.
 */
#include "util/common.h"

#include "checker/elle/elle_gen.h"
#include "history/edn.h"
#include "util/err.h"
#include "util/parse.h"

#include <unistd.h>

static const char *const bugs[] = {
    "none",       "aborted-read", "intermediate-read", "lost-update",
    "write-skew", "stale-read",   "dirty-write",
};

int
main(int argc, char **argv)
{
    struct fl_elle_gen_opts o;
    struct fl_err err = FL_ERR_INIT;
    int64_t v;
    int opt;

    fl_elle_gen_opts_init(&o);
    o.bug_rate = 0.3;
    o.fail_rate = 0.05;
    o.info_rate = 0.01;
    while ((opt = getopt(argc, argv, "n:c:s:b:r:")) != -1) {
        switch (opt) {
        case 'n':
            if (fl_parse_int64(optarg, 1, INT64_C(100000000), &v, &err))
                goto usage;
            o.ntxn = (size_t)v;
            break;
        case 'c':
            if (fl_parse_int64(optarg, 1, 10000, &v, &err))
                goto usage;
            o.concurrency = (int)v;
            break;
        case 's':
            if (fl_parse_int64(optarg, 0, INT64_MAX, &v, &err))
                goto usage;
            o.seed = (uint64_t)v;
            break;
        case 'r':
            if (fl_parse_int64(optarg, 0, 100, &v, &err))
                goto usage;
            o.bug_rate = (double)v / 100.0;
            break;
        case 'b': {
            size_t i;
            for (i = 0; i < FL_ARRAY_SIZE(bugs); i++)
                if (strcmp(optarg, bugs[i]) == 0)
                    break;
            if (i == FL_ARRAY_SIZE(bugs))
                goto usage;
            o.bug = (enum fl_elle_bug)i;
            break;
        }
        default:
            goto usage;
        }
    }
    struct fl_hist h;
    fl_hist_init(&h);
    fl_elle_gen(&h, &o);
    int rc = fl_edn_write_hist(stdout, &h, &err);
    fl_hist_release(&h);
    if (rc) {
        fprintf(stderr, "elle_gen: %s\n", err.msg);
        return 1;
    }
    return 0;
usage:
    fprintf(stderr, "usage: elle_gen [-n TXNS] [-c CONC] [-s SEED] [-b BUG] "
                    "[-r RATE%%]\n");
    return 254;
}
