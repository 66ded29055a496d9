/* SPDX-License-Identifier: MIT */
/*
 * cmd_cluster.c: `faultline cluster up|down|status|exec`, the local cluster
 * of network namespaces (control/cluster.h) by hand. `exec` runs one command
 * inside a node the way a test would (the netns remote), which is handy for
 * poking at a node and for the integration tests.
 */
#include "util/common.h"

#include "cli/cli.h"
#include "cli/cli_opt.h"
#include "control/cluster.h"
#include "control/remote.h"
#include "util/err.h"
#include "util/parse.h"
#include "util/strbuf.h"

static const char usage_text[] =
    "usage: faultline cluster up [--nodes N] [--subnet A.B.C.0/24]\n"
    "                            [--bridge NAME] [--state-dir DIR]\n"
    "                            [--node-prefix P] [--netns-prefix P]\n"
    "       faultline cluster down [--state-dir DIR]\n"
    "       faultline cluster status [--state-dir DIR]\n"
    "       faultline cluster exec [--state-dir DIR] [--timeout DUR] NODE "
    "CMD [ARG...]\n"
    "\n"
    "Nodes n1..nN are network namespaces fl-n1..fl-nN on bridge flbr0,\n"
    "subnet " FL_CLUSTER_DEFAULT_SUBNET " (control .1, node i at .10+i), "
    "state in " FL_CLUSTER_DEFAULT_STATE_DIR ".\n"
    "`down` removes everything `up` and the nemeses created, also after a\n"
    "crash. Needs root.\n";

static int
cluster_up(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"nodes", required_argument, NULL, 'n'},
        {"subnet", required_argument, NULL, 's'},
        {"bridge", required_argument, NULL, 'b'},
        {"state-dir", required_argument, NULL, 'd'},
        {"node-prefix", required_argument, NULL, 'p'},
        {"netns-prefix", required_argument, NULL, 'N'},
        FL_CLI_OPT_HELP,
        FL_CLI_OPT_END,
    };
    struct fl_cli_parser p = {
        .usage = usage_text, .opts = longopts, .shortopts = "n:"};
    struct fl_cluster_opts o = {0};
    struct fl_cluster c;
    struct fl_err err = FL_ERR_INIT;
    int64_t n;
    int ch;

    while ((ch = fl_cli_getopt(argc, argv, &p)) != -1) {
        switch (ch) {
        case FL_CLI_OPT_EXIT:
            return p.exit_code;
        case 'n':
            if (fl_cli_opt_int(&p, 1, FL_CLUSTER_MAX_NODES, &n) != 0)
                return FL_EXIT_USAGE;
            o.nodes = (int)n;
            break;
        case 's':
            o.subnet = optarg;
            break;
        case 'b':
            o.bridge = optarg;
            break;
        case 'd':
            o.state_dir = optarg;
            break;
        case 'p':
            o.node_prefix = optarg;
            break;
        case 'N':
            o.netns_prefix = optarg;
            break;
        default:
            FL_BUG("option %d not handled", ch);
        }
    }
    if (optind != argc)
        return fl_cli_usage_error(usage_text, "unexpected argument '%s'",
                                  argv[optind]);
    if (fl_cluster_up(&o, &c, &err) != 0) {
        fprintf(stderr, "faultline: cluster up: %s\n", err.msg);
        return err.code == FL_EUSAGE ? FL_EXIT_USAGE : FL_EXIT_FAILED;
    }
    for (size_t i = 0; i < c.n; i++)
        printf("%s %s\n", c.nodes[i], c.addrs[i]);
    fl_cluster_release(&c);
    return FL_EXIT_VALID;
}

/* down and status: --state-dir only. Returns -1 to go on, or an exit. */
static int
state_dir_only(int argc, char **argv, const char **dir)
{
    static const struct option longopts[] = {
        {"state-dir", required_argument, NULL, 'd'},
        FL_CLI_OPT_HELP,
        FL_CLI_OPT_END,
    };
    struct fl_cli_parser p = {.usage = usage_text, .opts = longopts};
    int ch;

    while ((ch = fl_cli_getopt(argc, argv, &p)) != -1) {
        if (ch == FL_CLI_OPT_EXIT)
            return p.exit_code;
        *dir = optarg;
    }
    if (optind != argc)
        return fl_cli_usage_error(usage_text, "unexpected argument '%s'",
                                  argv[optind]);
    return -1;
}

static int
cluster_exec(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"state-dir", required_argument, NULL, 'd'},
        {"timeout", required_argument, NULL, 't'},
        FL_CLI_OPT_HELP,
        FL_CLI_OPT_END,
    };
    struct fl_cli_parser p = {
        .usage = usage_text, .opts = longopts, .in_order = true};
    struct fl_err err = FL_ERR_INIT;
    struct fl_cluster c;
    struct fl_remote_opts ro = {.backend = "netns"};
    struct fl_remote *r = NULL;
    struct fl_strbuf line = FL_STRBUF_INIT;
    struct fl_cmd_result res = FL_CMD_RESULT_INIT;
    struct fl_cmd cmd = {0};
    const char *dir = NULL;
    int64_t timeout_ns = 60 * 1000000000LL;
    int ch, rc = FL_EXIT_FAILED;

    while ((ch = fl_cli_getopt(argc, argv, &p)) != -1) {
        if (ch == FL_CLI_OPT_EXIT)
            return p.exit_code;
        if (ch == 'd')
            dir = optarg;
        else if (fl_cli_opt_duration(&p, &timeout_ns) != 0)
            return FL_EXIT_USAGE;
    }
    if (argc - optind < 2)
        return fl_cli_usage_error(usage_text, "exec needs NODE and CMD");
    if (fl_cluster_load(dir, &c, &err) != 0) {
        fprintf(stderr, "faultline: %s\n", err.msg);
        return FL_EXIT_FAILED;
    }
    if (!fl_cluster_addr(&c, argv[optind])) {
        fl_cluster_release(&c);
        return fl_cli_usage_error(usage_text, "no node '%s' in the cluster",
                                  argv[optind]);
    }
    ro.netns_prefix = c.netns_prefix;
    r = fl_remote_new(argv[optind], &ro, &err);
    if (!r)
        goto out;
    fl_sh_quote_argv(&line, (const char *const *)argv + optind + 1,
                     argc - optind - 1);
    cmd.cmd = line.buf;
    cmd.timeout_ms = timeout_ns / 1000000;
    if (fl_remote_exec(r, &cmd, &res, &err) != 0)
        goto out;
    fwrite(res.out.buf, 1, res.out.len, stdout);
    fwrite(res.err.buf, 1, res.err.len, stderr);
    rc = res.exit_code;
out:
    if (rc == FL_EXIT_FAILED && err.code != 0)
        fprintf(stderr, "faultline: %s\n", err.msg);
    fl_cmd_result_release(&res);
    fl_strbuf_release(&line);
    fl_remote_free(r);
    fl_cluster_release(&c);
    return rc;
}

int
fl_cmd_cluster(int argc, char **argv)
{
    struct fl_err err = FL_ERR_INIT;
    struct fl_strbuf out = FL_STRBUF_INIT;
    const char *dir = NULL, *sub;
    int rc;

    if (argc < 2 || fl_cli_wants_help(2, argv, usage_text)) {
        if (argc >= 2)
            return FL_EXIT_VALID;
        return fl_cli_usage_error(usage_text, "cluster: missing action");
    }
    sub = argv[1];
    if (strcmp(sub, "up") == 0)
        return cluster_up(argc - 1, argv + 1);
    if (strcmp(sub, "exec") == 0)
        return cluster_exec(argc - 1, argv + 1);
    if (strcmp(sub, "down") != 0 && strcmp(sub, "status") != 0)
        return fl_cli_usage_error(usage_text, "cluster: unknown action '%s'",
                                  sub);
    rc = state_dir_only(argc - 1, argv + 1, &dir);
    if (rc >= 0)
        return rc;
    if (strcmp(sub, "down") == 0) {
        if (fl_cluster_down(dir, &err) != 0) {
            fprintf(stderr, "faultline: cluster down: %s\n", err.msg);
            return FL_EXIT_FAILED;
        }
        return FL_EXIT_VALID;
    }
    if (fl_cluster_status(dir, &out, &err) != 0) {
        fprintf(stderr, "faultline: cluster status: %s\n", err.msg);
        return err.code == -ENOENT ? FL_EXIT_INVALID : FL_EXIT_FAILED;
    }
    fputs(out.buf, stdout);
    fl_strbuf_release(&out);
    return FL_EXIT_VALID;
}
