/* SPDX-License-Identifier: MIT */
/*
 * suites.c: the built-in suites (tmux's cmd_table), which the faultline
 * command hands to fl_main(); `faultline test NAME` looks NAME up among
 * them. It lives in cli/, above run/, because run/ must not name a suite.
 * Adding a suite is one extern line and one table line.
 */
#include "util/common.h"

#include "cli/main.h"

extern const struct fl_suite fl_suite_etcd;
extern const struct fl_suite fl_suite_external;
extern const struct fl_suite fl_suite_memkv;
extern const struct fl_suite fl_suite_postgres;
extern const struct fl_suite fl_suite_redis;
extern const struct fl_suite fl_suite_zookeeper;

const struct fl_suite *const fl_builtin_suites[] = {
    &fl_suite_etcd,
    &fl_suite_external,
    &fl_suite_memkv,
    &fl_suite_postgres,
    &fl_suite_redis,
    &fl_suite_zookeeper,
    NULL,
};
