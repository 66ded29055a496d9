/* SPDX-License-Identifier: MIT */
/*
 * external.h: `faultline test external`, a system with no built-in suite.
 * Its DB lifecycle is shell commands the user gives (--db-setup, --db-start,
 * --db-kill, ...), run on every node through the node's remote (db.c); its
 * client is any program speaking the JSON-lines protocol (--client-cmd,
 * run/client_cmd.h); its workloads and nemeses are the usual ones
 * (suite.c). docs/client-protocol.md documents both.
 */
#ifndef FL_EXTERNAL_H
#define FL_EXTERNAL_H

#include <stdint.h>

#include "db/db.h"

/** The shell commands of a DB (each NULL when not given). */
struct fl_external_db_cfg {
    const char *setup, *teardown, *start, *kill, *pause, *resume;
    const char *logs;    /* glob of log files on each node */
    const char *primary; /* exits 0 on a node that is a primary */
    int64_t timeout_ms;  /* per command */
};

/** True if cfg names at least one command. */
bool fl_external_db_any(const struct fl_external_db_cfg *cfg);
/**
 * A DB running cfg's commands (strings copied); its caps follow the
 * commands given: kill needs --db-kill and --db-start, pause needs
 * --db-pause and --db-resume. Free with fl_db_free().
 */
struct fl_db *fl_external_db_new(const struct fl_external_db_cfg *cfg);

#endif
