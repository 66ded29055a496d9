/* SPDX-License-Identifier: MIT */
/*
 * cli_opt.c: option matching and result printing shared by the check
 * subcommands (cmd_check_elle.c, cmd_check_linear.c). Options take their
 * value either inline ("--out=DIR") or as the next argument ("--out DIR").
 */
#include "util/common.h"

#include "cli/cli_opt.h"

#include "cli/cli.h"

#include <libgen.h>
#include <sys/stat.h>

#include "checker/registry.h"
#include "history/json.h"
#include "run/store.h"
#include "util/err.h"
#include "util/strbuf.h"

bool
fl_cli_opt_is(const char *a, const char *name)
{
    size_t n = strlen(name);
    return strncmp(a, name, n) == 0 && (a[n] == 0 || a[n] == '=');
}

const char *
fl_cli_opt_arg(int argc, char **argv, int *i)
{
    const char *eq = strchr(argv[*i], '=');
    if (eq)
        return eq + 1;
    if (*i + 1 < argc)
        return argv[++*i];
    return NULL;
}

int
fl_cli_opt_need(int argc, char **argv, int *i, const char *usage,
                const char **val)
{
    const char *arg = argv[*i];

    *val = fl_cli_opt_arg(argc, argv, i);
    if (!*val)
        return fl_cli_usage_error(usage, "%s needs a value", arg);
    return 0;
}

int
fl_cli_opt_file(int argc, char **argv, int *i, char **files, int *nfiles,
                const char *usage)
{
    const char *arg = argv[*i];

    if (strcmp(arg, "--") == 0) {
        for (++*i; *i < argc; ++*i)
            files[(*nfiles)++] = argv[*i];
    } else if (arg[0] == '-' && arg[1] != 0) {
        return fl_cli_usage_error(usage, "unknown option '%s'", arg);
    } else {
        files[(*nfiles)++] = argv[*i];
    }
    return 0;
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
        found = fl_chk_opt(spec, kind);
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
