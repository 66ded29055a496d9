/* SPDX-License-Identifier: MIT */
/*
 * pause.c: the pause nemesis: :pause stops the DB's processes on the
 * targets through the DB interface (SIGSTOP or the cgroup freezer, as the
 * DB implements it), :resume continues them, and teardown resumes every
 * node still paused, so a run never ends with a frozen process.
 */
#include "util/common.h"

#include "nemesis/nemesis_int.h"

/*
 * Paused: stopped ('T'; gone too, as a process killed by another fault has
 * nothing to pause); resumed: not stopped.
 */
static bool
pause_as_intended(bool on, char st)
{
    if (on)
        return st == 'T' || st == 't' || st == 0;
    return st != 'T' && st != 't';
}

struct fl_nemesis *
fl_nem_pause_new(void)
{
    struct fl_nem__proc p = {
        .name = "pause",
        .f_on = fl_kw_intern_cstr("pause"),
        .f_off = fl_kw_intern_cstr("resume"),
        .cap = FL_DB_CAP_PAUSE,
        .on = fl_db_pause,
        .off = fl_db_resume,
        .as_intended = pause_as_intended,
    };

    return fl_nem__proc_new(&p);
}
