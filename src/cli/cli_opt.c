/* SPDX-License-Identifier: MIT */
/*
 * cli_opt.c: option matching and result printing shared by the check
 * subcommands (cmd_check_elle.c, cmd_check_linear.c). Options take their
 * value either inline ("--out=DIR") or as the next argument ("--out DIR").
 */
#include "util/common.h"

#include "cli/cli_opt.h"

#include "cli/cli.h"
#include "history/json.h"
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
