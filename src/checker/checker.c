/* SPDX-License-Identifier: MIT */
/*
 * checker.c: helpers shared by every checker.
 */
#include "util/common.h"

#include "checker/checker.h"

fl_val
fl_verdict_val(enum fl_verdict v)
{
    switch (v) {
    case FL_VERDICT_TRUE:
        return fl_val_bool(true);
    case FL_VERDICT_FALSE:
        return fl_val_bool(false);
    case FL_VERDICT_UNKNOWN:
        break;
    }
    return fl_val_kw(FL_KW_UNKNOWN);
}

int
fl_verdict_exit_code(enum fl_verdict v)
{
    switch (v) {
    case FL_VERDICT_TRUE:
        return 0;
    case FL_VERDICT_FALSE:
        return 1;
    case FL_VERDICT_UNKNOWN:
        break;
    }
    return 2;
}
