/* SPDX-License-Identifier: MIT */
/*
 * report.c: fl_report_write(), the one call the run makes after checking:
 * plots, then the timeline. A failure of either is reported in err but the
 * other is still attempted, so one broken artifact costs nothing else.
 */
#include "util/common.h"

#include "report/report_int.h"

#include "util/err.h"
#include "util/strbuf.h"

int
fl_report_write(const char *store_dir, const struct fl_hist *h,
                const fl_val *results, struct fl_err *err)
{
    struct fl_strbuf path = FL_STRBUF_INIT, title = FL_STRBUF_INIT;
    struct fl_err perr = FL_ERR_INIT;
    int rc, rc2;

    rc = fl_report_plots(store_dir, h, NULL, &perr);
    if (results) {
        const fl_val *v = fl_val_map_get_kw(results, FL_KW_VALID);

        fl_strbuf_addstr(&title, "valid? ");
        if (v)
            fl_val_print_edn(&title, v);
        else
            fl_strbuf_addstr(&title, "(none)");
    }
    fl_strbuf_addf(&path, "%s/timeline.html", store_dir);
    rc2 = fl_report_timeline(path.buf, h, results ? title.buf : NULL, err);
    if (rc && !rc2) {
        if (err)
            *err = perr;
        rc2 = rc;
    }
    fl_strbuf_release(&title);
    fl_strbuf_release(&path);
    return rc2;
}
