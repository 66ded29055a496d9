/* SPDX-License-Identifier: MIT */
/*
 * kill.c: the kill nemesis (Jepsen's db/kill! and db/start! through the
 * combined package): :kill kills the DB on the targets through the DB
 * interface, :start starts it again on the nodes that are down. The shared
 * machinery, which also remembers which nodes are down so teardown can
 * restart them, lives in fl_nem__proc_new().
 */
#include "util/common.h"

#include "nemesis/nemesis_int.h"

/* Killed: gone or a zombie; started: there and not stopped or a zombie. */
static bool
kill_as_intended(bool on, char st)
{
    if (on)
        return st == 0 || st == 'Z' || st == 'X';
    return st != 0 && st != 'Z' && st != 'X' && st != 'T' && st != 't';
}

struct fl_nemesis *
fl_nem_kill_new(void)
{
    struct fl_nem__proc p = {
        .name = "kill",
        .f_on = fl_kw_intern_cstr("kill"),
        .f_off = FL_KW_START,
        .cap = FL_DB_CAP_KILL,
        .on = fl_db_kill,
        .off = fl_db_start,
        .as_intended = kill_as_intended,
        .await = fl_db_await,
    };

    return fl_nem__proc_new(&p);
}
