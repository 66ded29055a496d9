/* SPDX-License-Identifier: MIT */
/*
 * suites.c: the registry of built-in suites (tmux's cmd_table): `faultline
 * test NAME` looks NAME up here. Adding a suite is one extern line and one
 * table line.
 */
#include "util/common.h"

#include "run/test.h"

extern const struct fl_suite fl_suite_etcd;
extern const struct fl_suite fl_suite_external;
extern const struct fl_suite fl_suite_memkv;

const struct fl_suite *const fl_suites[] = {
    &fl_suite_etcd,
    &fl_suite_external,
    &fl_suite_memkv,
    NULL,
};
