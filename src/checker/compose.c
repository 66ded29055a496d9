/* SPDX-License-Identifier: MIT */
/*
 * compose.c: Jepsen's compose: several named checkers over one history,
 * results keyed by name, verdicts merged false > unknown > true. A checker
 * that fails outright (the history does not fit it) is reported as
 * {:valid? :unknown :error msg} instead of failing the whole check, as
 * Jepsen's check-safe does.
 */
#include "util/common.h"

#include "checker/chk_int.h"
#include "checker/workloads.h"

#include "util/err.h"

struct compose {
    size_t n;
    char **names;
    struct fl_checker **checkers;
};

static int
compose_check(const struct fl_checker *c, const struct fl_hist *h,
              const struct fl_chk_opts *opts, struct fl_arena *a,
              struct fl_chk_result *out, struct fl_err *err)
{
    const struct compose *s = c->ctx;
    enum fl_verdict v = FL_VERDICT_TRUE;
    struct fl_chk__map m;

    FL_UNUSED(err);
    fl_chk__map_init(&m, a);
    fl_chk__put_valid(&m, FL_VERDICT_TRUE); /* replaced below */
    for (size_t i = 0; i < s->n; i++) {
        struct fl_chk_result r;
        struct fl_err cerr = FL_ERR_INIT;
        if (s->checkers[i]->type->check(s->checkers[i], h, opts, a, &r, &cerr) <
            0) {
            struct fl_chk__map e;
            fl_chk__map_init(&e, a);
            fl_chk__put_valid(&e, FL_VERDICT_UNKNOWN);
            fl_chk__put_str(&e, "error", cerr.msg);
            r.map = fl_chk__map_done(&e);
            r.valid = FL_VERDICT_UNKNOWN;
        }
        v = fl_verdict_merge(v, r.valid);
        fl_chk__put(&m, s->names[i], r.map);
    }
    m.items[1] = fl_verdict_val(v);
    out->map = fl_chk__map_done(&m);
    out->valid = v;
    return 0;
}

static void
compose_free(struct fl_checker *c)
{
    struct compose *s = c->ctx;

    for (size_t i = 0; i < s->n; i++) {
        free(s->names[i]);
        fl_chk_free(s->checkers[i]);
    }
    free(s->names);
    free(s->checkers);
    free(s);
    free(c);
}

static const struct fl_checker_type compose_type = {
    .name = "compose",
    .check = compose_check,
    .free = compose_free,
};

struct fl_checker *
fl_chk_compose_new(const char *const *names, struct fl_checker *const *checkers,
                   size_t n)
{
    struct compose *s = fl_xcalloc(1, sizeof(*s));

    s->n = n;
    s->names = fl_xcalloc(n ? n : 1, sizeof(*s->names));
    s->checkers = fl_xcalloc(n ? n : 1, sizeof(*s->checkers));
    for (size_t i = 0; i < n; i++) {
        s->names[i] = fl_xstrdup(names[i]);
        s->checkers[i] = checkers[i];
    }
    return fl_chk__new(&compose_type, s);
}
