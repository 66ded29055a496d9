/* SPDX-License-Identifier: MIT */
/*
 * cli_opt.c: getopt_long(3) the same way in every subcommand (cli_opt.h),
 * typed option values and the shared SSH options. getopt runs silent
 * (opterr = 0, ':' first) so that every error is reported here, naming
 * the option as the user wrote it.
 */
#include "util/common.h"

#include "cli/cli_opt.h"

#include "cli/cli.h"

#include <libgen.h>
#include <sys/stat.h>

#include "checker/registry.h"
#include "history/json.h"
#include "run/store.h"
#include "util/arena.h"
#include "util/err.h"
#include "util/parse.h"
#include "util/strbuf.h"

/* The option just returned: its long name, or "-c" for a short one. */
static void
note_opt(struct fl_cli_parser *p, int longi, int ch)
{
    if (longi >= 0)
        snprintf(p->opt, sizeof(p->opt), "--%s", p->opts[longi].name);
    else
        snprintf(p->opt, sizeof(p->opt), "-%c", ch);
}

/* A long option the user gave a value it does not take ("--json=1"). */
static bool
value_not_taken(const struct fl_cli_parser *p, const char *a)
{
    size_t n = strcspn(a, "=");

    if (strncmp(a, "--", 2) != 0 || !a[n])
        return false;
    for (const struct option *o = p->opts; o->name; o++)
        if (o->has_arg == no_argument && strlen(o->name) == n - 2 &&
            strncmp(o->name, a + 2, n - 2) == 0)
            return true;
    return false;
}

/* How many long options "--abbrev[=v]" abbreviates; their names in sb. */
static size_t
matches(const struct fl_cli_parser *p, const char *a, struct fl_strbuf *sb)
{
    size_t n, count = 0;

    if (strncmp(a, "--", 2) != 0)
        return 0;
    n = strcspn(a, "=") - 2;
    for (const struct option *o = p->opts; o->name; o++)
        if (strncmp(o->name, a + 2, n) == 0)
            fl_strbuf_addf(sb, "%s--%s", count++ ? ", " : "", o->name);
    return count;
}

static int
opt_error(struct fl_cli_parser *p, int argc, char **argv, int ch)
{
    /* getopt has stepped past the bad option (also one missing a value) */
    const char *a = optind > 0 && optind <= argc ? argv[optind - 1] : "";
    struct fl_strbuf which = FL_STRBUF_INIT;

    p->exit_code = FL_EXIT_USAGE;
    if (ch == ':' && strncmp(a, "--", 2) == 0)
        fl_cli_usage_error(p->usage, "option '%s' needs an argument", a);
    else if (ch == ':')
        fl_cli_usage_error(p->usage, "option '-%c' needs an argument", optopt);
    else if (value_not_taken(p, a))
        fl_cli_usage_error(p->usage, "option '%.*s' takes no value",
                           (int)strcspn(a, "="), a);
    else if (optopt > 0 && optopt < 0x80)
        fl_cli_usage_error(p->usage, "unknown option '-%c'", optopt);
    else if (matches(p, a, &which) > 1)
        fl_cli_usage_error(p->usage, "ambiguous option '%.*s' (%s)",
                           (int)strcspn(a, "="), a, which.buf);
    else
        fl_cli_usage_error(p->usage, "unknown option '%.*s'",
                           (int)strcspn(a, "="), a);
    fl_strbuf_release(&which);
    return FL_CLI_OPT_EXIT;
}

int
fl_cli_getopt(int argc, char **argv, struct fl_cli_parser *p)
{
    char shortopts[64];
    int ch, longi = -1;

    if (!p->started) {
        optind = 0; /* 0: GNU getopt starts over and re-reads "+" */
        opterr = 0;
        p->started = true;
    }
    snprintf(shortopts, sizeof(shortopts), "%s:h%s", p->in_order ? "+" : "",
             p->shortopts ? p->shortopts : "");
    ch = getopt_long(argc, argv, shortopts, p->opts, &longi);
    if (ch == -1)
        return -1;
    if (ch == '?' || ch == ':')
        return opt_error(p, argc, argv, ch);
    if (ch == FL_CLI_HELP || ch == 'h') {
        fputs(p->help ? p->help : p->usage, stdout);
        p->exit_code = FL_EXIT_VALID;
        return FL_CLI_OPT_EXIT;
    }
    note_opt(p, longi, ch);
    return ch;
}

int
fl_cli_bad_value(const struct fl_cli_parser *p, const char *fmt, ...)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;
    va_list ap;

    va_start(ap, fmt);
    fl_strbuf_vaddf(&sb, fmt, ap);
    va_end(ap);
    fl_cli_usage_error(p->usage, "%s '%s': %s", p->opt, optarg ? optarg : "",
                       sb.buf);
    fl_strbuf_release(&sb);
    return FL_EXIT_USAGE;
}

int
fl_cli_opt_int(const struct fl_cli_parser *p, int64_t min, int64_t max,
               int64_t *out)
{
    struct fl_err err = FL_ERR_INIT;

    if (fl_parse_int64(optarg, min, max, out, &err) < 0)
        return fl_cli_bad_value(p, "%s", err.msg);
    return 0;
}

int
fl_cli_opt_duration(const struct fl_cli_parser *p, int64_t *out_ns)
{
    struct fl_err err = FL_ERR_INIT;

    if (fl_parse_duration_ns(optarg, out_ns, &err) < 0)
        return fl_cli_bad_value(p, "%s", err.msg);
    if (*out_ns <= 0)
        return fl_cli_bad_value(p, "must be positive");
    return 0;
}

int
fl_cli_ssh_opt(const struct fl_cli_parser *p, int ch, struct fl_remote_opts *ro)
{
    int64_t port;

    switch (ch) {
    case FL_CLI_SSH_USERNAME:
        ro->user = optarg;
        return 1;
    case FL_CLI_SSH_PASSWORD:
        ro->password = optarg;
        return 1;
    case FL_CLI_SSH_KEY:
        ro->private_key = optarg;
        return 1;
    case FL_CLI_SSH_PORT:
        if (fl_cli_opt_int(p, 1, 65535, &port) != 0)
            return FL_EXIT_USAGE;
        ro->port = (int)port;
        return 1;
    case FL_CLI_SSH_STRICT:
        ro->host_key_mode = FL_HOST_KEY_STRICT;
        return 1;
    case FL_CLI_SSH_NO_CHECK:
        ro->host_key_mode = FL_HOST_KEY_OFF;
        return 1;
    case FL_CLI_SSH_NO_SSH:
        ro->backend = "dummy";
        return 1;
    default:
        return 0;
    }
}

void
fl_cli_print_val(const fl_val *v, bool json)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;
    if (json)
        fl_json_print_val(&sb, v);
    else
        fl_val_print_edn(&sb, v);
    fl_strbuf_addch(&sb, '\n');
    fwrite(sb.buf, 1, sb.len, stdout);
    fflush(stdout);
    fl_strbuf_release(&sb);
}

/*
 * The options test.edn beside path recorded for kind ({:checker {kind
 * opts}}), or NULL when there is no test.edn or it names no such checker.
 */
const fl_val *
fl_cli_recorded_options(const char *path, const char *kind, struct fl_arena *a)
{
    char *copy = fl_xstrdup(path);
    char *dir = dirname(copy);
    char *te = fl_xasprintf("%s/test.edn", dir);
    struct fl_err err = FL_ERR_INIT;
    const fl_val *found = NULL;
    struct stat sb;
    fl_val t;

    if (stat(te, &sb) == 0 && fl_store_read_test(dir, a, &t, &err) == 0) {
        const fl_val *spec = fl_chk_opt(&t, "checker");
        found = fl_chk_spec_options(spec, kind);
        if (found)
            fprintf(stderr, "faultline: %s: %s options from %s\n", path, kind,
                    te);
    } else if (err.code) {
        fprintf(stderr, "faultline: warning: %s\n", err.msg);
    }
    free(te);
    free(copy);
    return found;
}

bool
fl_cli_too_large(const struct fl_err *err, bool json)
{
    struct fl_arena a;

    if (err->code != FL_ELIMIT)
        return false;
    fprintf(stderr, "faultline: %s\n", err->msg);
    fl_arena_init(&a, 0);
    fl_val m[6] = {fl_val_kw(FL_KW_VALID),
                   fl_verdict_val(FL_VERDICT_UNKNOWN),
                   fl_val_kw(fl_kw_intern_cstr("cause")),
                   fl_val_kw(fl_kw_intern_cstr("out-of-memory")),
                   fl_val_kw(FL_KW_ERROR),
                   fl_val_str(&a, err->msg, strlen(err->msg))};
    fl_val v = fl_val_map(&a, m, 3);
    fl_cli_print_val(&v, json);
    fl_arena_release(&a);
    return true;
}
