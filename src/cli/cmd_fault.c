/* SPDX-License-Identifier: MIT */
/*
 * cmd_fault.c: `faultline fault ...`, every nemesis by hand (the way
 * Blockade is used): partition, heal, kill, start, pause, resume, packet,
 * clock, lose-writes. Nodes are the local cluster's (control/cluster.h)
 * unless --nodes names machines reached over SSH. A fault made here stays
 * until `faultline fault heal` (or `cluster down`); what is needed to undo
 * it is kept under the cluster's state dir.
 */
#include "util/common.h"

#include <signal.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/cli_opt.h"
#include "control/cluster.h"
#include "control/daemon.h"
#include "control/remote.h"
#include "nemesis/clock.h"
#include "nemesis/file.h"
#include "nemesis/packet.h"
#include "nemesis/partition.h"
#include "util/err.h"
#include "util/parse.h"
#include "util/rng.h"
#include "util/strbuf.h"

static const char usage_text[] =
    "usage: faultline fault [NODE OPTIONS] ACTION [ARGS]\n"
    "actions:\n"
    "  partition [--topology T | --grudge SPEC] [--seed N]\n"
    "        T: halves random-halves one majority majorities-ring bridge\n"
    "           minority-third; SPEC: 'n1,n2|n3,n4,n5' or 'n1>n2;...'\n"
    "  heal                       undo every fault made with `fault`\n"
    "  kill NODE... (--pidfile P | --pattern REGEX) [--signal N]\n"
    "  start NODE --pidfile P [--log FILE] [--chdir DIR] -- CMD [ARG...]\n"
    "  pause NODE... (--pidfile P | --pattern REGEX)\n"
    "  resume NODE... (--pidfile P | --pattern REGEX)\n"
    "  packet [--targets n1,n2] [--delay DUR] [--jitter DUR] [--loss P]\n"
    "         [--duplicate P] [--reorder P] [--corrupt P] [--rate KBIT]\n"
    "         [--seed N]\n"
    "  clock bump NODE... --delta DUR | clock reset | clock show\n"
    "  lazyfs mount|umount|lose NODE DIR   lost-unfsynced-writes filesystem\n"
    "  lose-writes NODE DIR       same as lazyfs lose\n"
    "node options:\n"
    "      --state-dir DIR        local cluster state (default " FL_CLUSTER_DEFAULT_STATE_DIR
    ")\n"
    "      --nodes a,b,c          SSH nodes instead of the local cluster\n" FL_CLI_SSH_HELP
    "Options take --opt VALUE or --opt=VALUE; 'fault ACTION --help' is this.\n";

static const struct option partition_opts[] = {
    {"topology", required_argument, NULL, 't'},
    {"grudge", required_argument, NULL, 'g'},
    {"seed", required_argument, NULL, 's'},
    FL_CLI_OPT_HELP,
    FL_CLI_OPT_END,
};

static const struct option proc_opts[] = {
    {"pidfile", required_argument, NULL, 'p'},
    {"pattern", required_argument, NULL, 'P'},
    {"signal", required_argument, NULL, 's'},
    {"log", required_argument, NULL, 'l'},
    {"chdir", required_argument, NULL, 'C'},
    FL_CLI_OPT_HELP,
    FL_CLI_OPT_END,
};

static const struct option packet_opts[] = {
    {"targets", required_argument, NULL, 't'},
    {"delay", required_argument, NULL, 'd'},
    {"jitter", required_argument, NULL, 'j'},
    {"loss", required_argument, NULL, 'l'},
    {"duplicate", required_argument, NULL, 'D'},
    {"reorder", required_argument, NULL, 'r'},
    {"corrupt", required_argument, NULL, 'c'},
    {"rate", required_argument, NULL, 'R'},
    {"seed", required_argument, NULL, 's'},
    FL_CLI_OPT_HELP,
    FL_CLI_OPT_END,
};

static const struct option clock_opts[] = {
    {"delta", required_argument, NULL, 'd'},
    FL_CLI_OPT_HELP,
    FL_CLI_OPT_END,
};
static const struct option no_opts[] = {
    FL_CLI_OPT_HELP,
    FL_CLI_OPT_END,
};

static const struct {
    const char *name;
    const struct option *opts;
} actions[] = {
    {"partition", partition_opts}, {"heal", no_opts},
    {"kill", proc_opts},           {"start", proc_opts},
    {"pause", proc_opts},          {"resume", proc_opts},
    {"packet", packet_opts},       {"clock", clock_opts},
    {"lose-writes", no_opts},      {"lazyfs", no_opts},
};

struct fault_ctx {
    struct fl_cluster cl; /* when local */
    bool local;
    const char *state_dir; /* cluster state dir (faults' undo records) */
    size_t n;
    char **nodes; /* borrowed from cl or owned list */
    char **owned_nodes;
    struct fl_remote **r;
    char **ips;
};

static void
ctx_release(struct fault_ctx *c)
{
    for (size_t i = 0; i < c->n; i++) {
        if (c->r)
            fl_remote_free(c->r[i]);
        if (c->ips)
            free(c->ips[i]);
        if (c->owned_nodes)
            free(c->owned_nodes[i]);
    }
    free(c->r);
    free(c->ips);
    free(c->owned_nodes);
    if (c->local)
        fl_cluster_release(&c->cl);
}

static int
node_of(struct fault_ctx *c, const char *name)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->nodes[i], name) == 0)
            return (int)i;
    return -1;
}

static int
fault_partition(struct fault_ctx *c, int argc, char **argv)
{
    struct fl_cli_parser p = {.usage = usage_text, .opts = partition_opts};
    const char *topo = NULL, *grudge = NULL;
    struct fl_err err = FL_ERR_INIT;
    struct fl_grudge g = {0};
    struct fl_strbuf desc = FL_STRBUF_INIT;
    struct fl_rng rng;
    int64_t seed = (int64_t)(fl_rng_os_seed() >> 1);
    int ch, rc;

    while ((ch = fl_cli_getopt(argc, argv, &p)) != -1) {
        if (ch == FL_CLI_OPT_EXIT)
            return p.exit_code;
        if (ch == 't')
            topo = optarg;
        else if (ch == 'g')
            grudge = optarg;
        else if (fl_cli_opt_int(&p, 0, INT64_MAX, &seed) != 0)
            return FL_EXIT_USAGE;
    }
    if (optind != argc || (topo && grudge))
        return fl_cli_usage_error(usage_text,
                                  "partition: --topology or --grudge");
    fl_rng_seed(&rng, (uint64_t)seed);
    if (grudge)
        rc = fl_grudge_parse(&g, c->nodes, c->n, grudge, &err);
    else
        rc = fl_grudge_topology(&g, c->n, topo ? topo : "random-halves", &rng,
                                NULL, 0, &err);
    if (rc != 0) {
        fprintf(stderr, "faultline: %s\n", err.msg);
        return FL_EXIT_USAGE;
    }
    rc = fl_net_partition(c->r, c->n, c->ips, &g, &err);
    fl_grudge_describe(&g, c->nodes, &desc);
    if (rc == 0)
        printf("partitioned: %s\n", desc.buf);
    else
        fprintf(stderr, "faultline: partition: %s\n", err.msg);
    fl_strbuf_release(&desc);
    fl_grudge_release(&g);
    return rc == 0 ? FL_EXIT_VALID : FL_EXIT_FAILED;
}

/* Parse NODE... and --pidfile/--pattern/--signal for process faults. */
struct proc_args {
    const char *pidfile, *pattern, *log, *chdir;
    int sig;
    int idx[FL_CLUSTER_MAX_NODES];
    int nidx;
    char **cmd; /* after "--" (start) */
    int ncmd;
};

static int
parse_proc_args(struct fault_ctx *c, int argc, char **argv,
                struct proc_args *pa)
{
    struct fl_cli_parser p = {.usage = usage_text, .opts = proc_opts};
    int64_t v;
    int ch;

    /* Everything after "--" is the command (start); options before it. */
    for (int k = 1; k < argc; k++)
        if (strcmp(argv[k], "--") == 0) {
            pa->cmd = argv + k + 1;
            pa->ncmd = argc - k - 1;
            argc = k;
            break;
        }
    while ((ch = fl_cli_getopt(argc, argv, &p)) != -1) {
        switch (ch) {
        case FL_CLI_OPT_EXIT:
            return p.exit_code;
        case 'p':
            pa->pidfile = optarg;
            break;
        case 'P':
            pa->pattern = optarg;
            break;
        case 'l':
            pa->log = optarg;
            break;
        case 'C':
            pa->chdir = optarg;
            break;
        case 's':
            if (fl_cli_opt_int(&p, 1, 64, &v) != 0)
                return FL_EXIT_USAGE;
            pa->sig = (int)v;
            break;
        default:
            FL_BUG("option %d not handled", ch);
        }
    }
    for (; optind < argc; optind++) {
        int i = node_of(c, argv[optind]);
        if (i < 0)
            return fl_cli_usage_error(usage_text, "no node '%s'", argv[optind]);
        if (pa->nidx < FL_CLUSTER_MAX_NODES)
            pa->idx[pa->nidx++] = i;
    }
    if (pa->nidx == 0)
        return fl_cli_usage_error(usage_text, "name one or more nodes");
    return 0;
}

/* Remember a paused target so that `fault heal` can resume it. */
static void
note_paused(struct fault_ctx *c, const char *node, const struct proc_args *pa)
{
    char *path = fl_xasprintf("%s/paused", c->state_dir);
    FILE *f;

    mkdir(c->state_dir, 0700);
    f = fopen(path, "a");
    if (f) {
        fprintf(f, "%s %s %s\n", node, pa->pidfile ? "pidfile" : "pattern",
                pa->pidfile ? pa->pidfile : pa->pattern);
        fclose(f);
    }
    free(path);
}

static int
fault_start(struct fault_ctx *c, const struct proc_args *pa)
{
    struct fl_daemon_opts o = {
        .pidfile = pa->pidfile, .logfile = pa->log, .chdir = pa->chdir};
    struct fl_err err = FL_ERR_INIT;

    if (!pa->pidfile || !pa->cmd || pa->ncmd == 0)
        return fl_cli_usage_error(usage_text,
                                  "start: --pidfile and -- CMD needed");
    for (int k = 0; k < pa->nidx; k++) {
        int r = fl_daemon_start(c->r[pa->idx[k]], &o,
                                (const char *const *)pa->cmd, &err);
        if (r < 0) {
            fprintf(stderr, "faultline: %s\n", err.msg);
            return FL_EXIT_FAILED;
        }
        printf("%s: %s\n", c->nodes[pa->idx[k]],
               r == 1 ? "already running" : "started");
    }
    return FL_EXIT_VALID;
}

/* Signal the target on r: the number of processes hit (0, 1, ...) or <0. */
static int
signal_target(struct fl_remote *r, const struct proc_args *pa, int sig,
              struct fl_err *err)
{
    if (pa->pidfile) {
        int rc = fl_daemon_signal(r, pa->pidfile, sig, err);
        return rc == -ESRCH ? 0 : rc < 0 ? rc : 1;
    }
    return fl_grepkill(r, pa->pattern, sig, err);
}

/* kill, pause or resume on node i: processes hit, or <0. */
static int
proc_one(struct fault_ctx *c, const char *what, const struct proc_args *pa,
         int i, struct fl_err *err)
{
    struct fl_remote *r = c->r[i];
    int n;

    if (strcmp(what, "kill") == 0 && pa->pidfile && pa->sig == SIGKILL) {
        /* stop waits for the exit and removes the pidfile */
        n = fl_daemon_running(r, pa->pidfile, err);
        if (n == 1 && fl_daemon_stop(r, pa->pidfile, SIGKILL, 5000, err) < 0)
            n = err->code;
        return n;
    }
    n = signal_target(r, pa,
                      strcmp(what, "kill") == 0    ? pa->sig
                      : strcmp(what, "pause") == 0 ? SIGSTOP
                                                   : SIGCONT,
                      err);
    if (n > 0 && strcmp(what, "pause") == 0)
        note_paused(c, c->nodes[i], pa);
    return n;
}

static int
fault_proc(struct fault_ctx *c, const char *what, int argc, char **argv)
{
    struct proc_args pa = {.sig = SIGKILL};
    struct fl_err err = FL_ERR_INIT;
    int rc = parse_proc_args(c, argc, argv, &pa), missed = 0;

    if (rc != 0)
        return rc;
    if (strcmp(what, "start") == 0)
        return fault_start(c, &pa);
    if ((!pa.pidfile) == (!pa.pattern))
        return fl_cli_usage_error(usage_text, "%s: one of --pidfile, --pattern",
                                  what);
    for (int k = 0; k < pa.nidx; k++) {
        const char *node = c->nodes[pa.idx[k]];
        int n = proc_one(c, what, &pa, pa.idx[k], &err);

        if (n < 0) {
            fprintf(stderr, "faultline: %s: %s\n", what, err.msg);
            return FL_EXIT_FAILED;
        }
        if (n == 0) {
            fprintf(stderr, "faultline: %s: %s: no process matched %s '%s'\n",
                    what, node, pa.pidfile ? "--pidfile" : "--pattern",
                    pa.pidfile ? pa.pidfile : pa.pattern);
            missed++;
        } else {
            printf("%s: %s (%d process%s)\n", node, what, n,
                   n == 1 ? "" : "es");
        }
    }
    fflush(stdout);
    return missed ? FL_EXIT_INVALID : FL_EXIT_VALID;
}

/* Resume everything `fault pause` noted. */
static int
resume_noted(struct fault_ctx *c, struct fl_err *err)
{
    char *path = fl_xasprintf("%s/paused", c->state_dir);
    struct fl_strbuf sb = FL_STRBUF_INIT;
    char *line, *save = NULL;
    int rc = 0;

    if (fl_strbuf_read_file(&sb, path) == 0) {
        for (line = strtok_r(sb.buf, "\n", &save); line;
             line = strtok_r(NULL, "\n", &save)) {
            char *kind = strchr(line, ' '), *val;
            struct proc_args pa = {0};
            int i;
            if (!kind || !(val = strchr(kind + 1, ' ')))
                continue;
            *kind++ = '\0';
            *val++ = '\0';
            i = node_of(c, line);
            if (i < 0)
                continue;
            if (strcmp(kind, "pidfile") == 0)
                pa.pidfile = val;
            else
                pa.pattern = val;
            if (signal_target(c->r[i], &pa, SIGCONT, err) < 0 && rc == 0)
                rc = err->code;
        }
        if (rc == 0)
            unlink(path);
    }
    fl_strbuf_release(&sb);
    free(path);
    return rc;
}

static int
fault_heal(struct fault_ctx *c)
{
    struct fl_err err = FL_ERR_INIT;
    int rc = 0;

    if (fl_net_heal(c->r, c->n, &err) != 0) {
        fprintf(stderr, "faultline: heal network: %s\n", err.msg);
        rc = FL_EXIT_FAILED;
    }
    if (fl_packet_heal(c->r, c->n, &err) != 0) {
        fprintf(stderr, "faultline: heal packets: %s\n", err.msg);
        rc = FL_EXIT_FAILED;
    }
    if (resume_noted(c, &err) != 0) {
        fprintf(stderr, "faultline: resume: %s\n", err.msg);
        rc = FL_EXIT_FAILED;
    }
    if (fl_clock_reset(c->r, c->n, c->local ? c->state_dir : NULL, &err) != 0) {
        fprintf(stderr, "faultline: reset clocks: %s\n", err.msg);
        rc = FL_EXIT_FAILED;
    }
    if (rc == 0)
        printf("healed\n");
    return rc;
}

static int
parse_targets(struct fault_ctx *c, const char *list, bool *mask,
              struct fl_err *err)
{
    char *dup = fl_xstrdup(list), *tok, *save = NULL;
    int rc = 0;

    for (tok = strtok_r(dup, ",", &save); tok && rc == 0;
         tok = strtok_r(NULL, ",", &save)) {
        int i = node_of(c, tok);
        if (i < 0)
            rc = fl_err_set(err, FL_EUSAGE, "no node '%s'", tok);
        else
            mask[i] = true;
    }
    free(dup);
    return rc;
}

static int
parse_prob(const char *s, double *out, struct fl_err *err)
{
    if (fl_parse_double(s, out, err) != 0 || *out > 1.0)
        return fl_err_set(err, FL_EUSAGE, "'%s': need a probability 0..1", s);
    return 0;
}

static int
fault_packet(struct fault_ctx *c, int argc, char **argv)
{
    struct fl_cli_parser p = {.usage = usage_text, .opts = packet_opts};
    struct fl_packet_spec ps = {0};
    bool *mask = fl_xcalloc(c->n, sizeof(bool));
    struct fl_err err = FL_ERR_INIT;
    int64_t v;
    int ch, rc = 0;
    bool any_target = false;

    while (rc == 0 && (ch = fl_cli_getopt(argc, argv, &p)) != -1) {
        switch (ch) {
        case FL_CLI_OPT_EXIT:
            free(mask);
            return p.exit_code;
        case 't':
            rc = parse_targets(c, optarg, mask, &err);
            any_target = true;
            break;
        case 'd':
            rc = fl_parse_duration_ns(optarg, &ps.delay_ns, &err);
            break;
        case 'j':
            rc = fl_parse_duration_ns(optarg, &ps.jitter_ns, &err);
            break;
        case 'l':
            rc = parse_prob(optarg, &ps.loss, &err);
            break;
        case 'D':
            rc = parse_prob(optarg, &ps.duplicate, &err);
            break;
        case 'r':
            rc = parse_prob(optarg, &ps.reorder, &err);
            break;
        case 'c':
            rc = parse_prob(optarg, &ps.corrupt, &err);
            break;
        case 'R':
            rc = fl_parse_int64(optarg, 1, INT64_MAX / 1000, &v, &err);
            ps.rate_kbit = v;
            break;
        case 's':
            rc = fl_parse_int64(optarg, 1, INT64_MAX, &v, &err);
            ps.seed = (uint64_t)v;
            break;
        default:
            FL_BUG("option %d not handled", ch);
        }
    }
    if (rc == 0 && optind != argc)
        rc = fl_err_set(&err, FL_EUSAGE, "unexpected '%s'", argv[optind]);
    if (rc != 0) {
        free(mask);
        return fl_cli_usage_error(usage_text, "packet: %s%s%s", p.opt,
                                  p.opt[0] ? ": " : "", err.msg);
    }
    if (!any_target)
        for (size_t i = 0; i < c->n; i++)
            mask[i] = true;
    rc = fl_packet_shape(c->r, c->n, c->ips, mask, &ps, &err);
    free(mask);
    if (rc != 0) {
        fprintf(stderr, "faultline: packet: %s\n", err.msg);
        return FL_EXIT_FAILED;
    }
    printf("shaped\n");
    return FL_EXIT_VALID;
}

/* "-90s" or "+2h" or "500ms": a duration with an optional sign. */
static int
parse_signed_duration(const char *s, int64_t *out, struct fl_err *err)
{
    int neg = *s == '-';
    int rc = fl_parse_duration_ns(s + (*s == '-' || *s == '+'), out, err);

    if (rc == 0 && neg)
        *out = -*out;
    return rc;
}

static int
fault_clock(struct fault_ctx *c, int argc, char **argv)
{
    struct fl_cli_parser p = {.usage = usage_text, .opts = clock_opts};
    struct fl_err err = FL_ERR_INIT;
    const char *sd = c->local ? c->state_dir : NULL;
    int64_t delta_ns = 0;
    int ch, rc = 0;

    if (argc < 2)
        return fl_cli_usage_error(usage_text, "clock: bump, reset or show");
    if (strcmp(argv[1], "reset") == 0)
        rc = fl_clock_reset(c->r, c->n, sd, &err);
    else if (strcmp(argv[1], "show") == 0) {
        int64_t *off = fl_xcalloc(c->n, sizeof(int64_t));
        rc = fl_clock_offsets(c->r, c->n, sd, off, &err);
        for (size_t i = 0; rc == 0 && i < c->n; i++)
            printf("%s %.3f\n", c->nodes[i], (double)off[i] / 1e9);
        free(off);
    } else if (strcmp(argv[1], "bump") == 0) {
        struct proc_args pa = {0};
        argc--;
        argv++;
        while ((ch = fl_cli_getopt(argc, argv, &p)) != -1) {
            if (ch == FL_CLI_OPT_EXIT)
                return p.exit_code;
            if (parse_signed_duration(optarg, &delta_ns, &err) != 0)
                return fl_cli_bad_value(&p, "%s", err.msg);
        }
        for (; optind < argc; optind++) {
            int i = node_of(c, argv[optind]);
            if (i < 0)
                return fl_cli_usage_error(usage_text, "no node '%s'",
                                          argv[optind]);
            pa.idx[pa.nidx++] = i;
        }
        if (pa.nidx == 0 || delta_ns == 0)
            return fl_cli_usage_error(usage_text,
                                      "clock bump NODE... --delta DUR");
        for (int k = 0; k < pa.nidx && rc == 0; k++)
            rc = fl_clock_bump(c->r[pa.idx[k]], sd, delta_ns, &err);
    } else {
        return fl_cli_usage_error(usage_text, "clock: bump, reset or show");
    }
    if (rc != 0) {
        fprintf(stderr, "faultline: clock: %s\n", err.msg);
        return FL_EXIT_FAILED;
    }
    return FL_EXIT_VALID;
}

/* lazyfs mount|umount|lose NODE DIR, and lose-writes NODE DIR. */
static int
fault_lazyfs(struct fault_ctx *c, int argc, char **argv)
{
    struct fl_err err = FL_ERR_INIT;
    const char *what = "lose";
    int i, rc;

    if (strcmp(argv[0], "lazyfs") == 0) {
        if (argc != 4)
            return fl_cli_usage_error(usage_text,
                                      "lazyfs mount|umount|lose NODE DIR");
        what = argv[1];
        argc--;
        argv++;
    }
    if (argc != 3)
        return fl_cli_usage_error(usage_text, "lose-writes NODE DIR");
    i = node_of(c, argv[1]);
    if (i < 0)
        return fl_cli_usage_error(usage_text, "no node '%s'", argv[1]);
    if (strcmp(what, "mount") == 0)
        rc = fl_lazyfs_mount(c->r[i], argv[2], c->local ? c->state_dir : NULL,
                             &err);
    else if (strcmp(what, "umount") == 0)
        rc = fl_lazyfs_umount(c->r[i], argv[2], &err);
    else if (strcmp(what, "lose") == 0)
        rc = fl_lazyfs_lose(c->r[i], argv[2], &err);
    else
        return fl_cli_usage_error(usage_text, "lazyfs: mount, umount, lose");
    if (rc != 0) {
        fprintf(stderr, "faultline: lazyfs %s: %s\n", what, err.msg);
        return FL_EXIT_FAILED;
    }
    printf("%s: lazyfs %s %s\n", argv[1], what, argv[2]);
    return FL_EXIT_VALID;
}

static int
open_nodes(struct fault_ctx *c, const char *nodes_list,
           struct fl_remote_opts *ro, struct fl_err *err)
{
    int rc;

    if (!nodes_list) {
        rc = fl_cluster_load(c->state_dir, &c->cl, err);
        if (rc != 0)
            return rc;
        c->local = true;
        c->n = c->cl.n;
        c->nodes = c->cl.nodes;
        ro->backend = "netns";
        ro->netns_prefix = c->cl.netns_prefix;
    } else {
        char *dup = fl_xstrdup(nodes_list), *tok, *save = NULL;
        size_t alloc = 0;
        for (tok = strtok_r(dup, ",", &save); tok;
             tok = strtok_r(NULL, ",", &save)) {
            FL_ALLOC_GROW(c->owned_nodes, c->n + 1, alloc);
            c->owned_nodes[c->n++] = fl_xstrdup(tok);
        }
        free(dup);
        c->nodes = c->owned_nodes;
        if (c->n == 0)
            return fl_err_set(err, FL_EUSAGE, "--nodes: empty list");
        if (!ro->backend)
            ro->backend = "ssh";
    }
    c->r = fl_xcalloc(c->n, sizeof(*c->r));
    c->ips = fl_xcalloc(c->n, sizeof(*c->ips));
    for (size_t i = 0; i < c->n; i++) {
        c->r[i] = fl_remote_new(c->nodes[i], ro, err);
        if (!c->r[i])
            return err->code;
    }
    return fl_net_resolve(c->r, c->n, c->ips, err);
}

/*
 * The action's options, checked before any node is touched: --help, and
 * unknown options or missing values (their values are parsed later, with
 * the nodes). Returns -1 to go on, or an exit code.
 */
static int
precheck_action(int argc, char **argv)
{
    for (size_t i = 0; i < FL_ARRAY_SIZE(actions); i++) {
        struct fl_cli_parser p = {.usage = usage_text, .opts = actions[i].opts};
        char **copy; /* getopt permutes; the action parses argv again */
        int ch;

        if (strcmp(actions[i].name, argv[0]) != 0)
            continue;
        copy = fl_xcalloc((size_t)argc + 1, sizeof(*copy));
        memcpy(copy, argv, (size_t)argc * sizeof(*copy));
        while ((ch = fl_cli_getopt(argc, copy, &p)) >= 0)
            ;
        free(copy);
        return ch == FL_CLI_OPT_EXIT ? p.exit_code : -1;
    }
    return fl_cli_usage_error(usage_text, "fault: unknown action '%s'",
                              argv[0]);
}

/* The node options, before ACTION. Returns -1 to go on, or an exit code. */
static int
parse_node_opts(int argc, char **argv, struct fault_ctx *c,
                const char **nodes_list, struct fl_remote_opts *ro)
{
    static const struct option lo[] = {
        {"state-dir", required_argument, NULL, 'd'},
        {"nodes", required_argument, NULL, 'n'},
        FL_CLI_SSH_OPTIONS,
        FL_CLI_OPT_HELP,
        FL_CLI_OPT_END,
    };
    struct fl_cli_parser p = {
        .usage = usage_text, .opts = lo, .in_order = true};
    int ch, r;

    while ((ch = fl_cli_getopt(argc, argv, &p)) != -1) {
        if (ch == FL_CLI_OPT_EXIT)
            return p.exit_code;
        if (ch == 'd') {
            c->state_dir = optarg;
        } else if (ch == 'n') {
            *nodes_list = optarg;
        } else {
            r = fl_cli_ssh_opt(&p, ch, ro);
            if (r != 1)
                return r ? r : FL_EXIT_USAGE;
        }
    }
    return -1;
}

static int
run_action(struct fault_ctx *c, const char *action, int argc, char **argv)
{
    if (strcmp(action, "partition") == 0)
        return fault_partition(c, argc, argv);
    if (strcmp(action, "heal") == 0)
        return argc == 1 ? fault_heal(c)
                         : fl_cli_usage_error(usage_text, "heal: no arguments");
    if (strcmp(action, "packet") == 0)
        return fault_packet(c, argc, argv);
    if (strcmp(action, "clock") == 0)
        return fault_clock(c, argc, argv);
    if (strcmp(action, "lose-writes") == 0 || strcmp(action, "lazyfs") == 0)
        return fault_lazyfs(c, argc, argv);
    return fault_proc(c, action, argc, argv);
}

int
fl_cmd_fault(int argc, char **argv)
{
    struct fault_ctx c = {.state_dir = FL_CLUSTER_DEFAULT_STATE_DIR};
    struct fl_remote_opts ro = {0};
    struct fl_err err = FL_ERR_INIT;
    const char *nodes_list = NULL, *action;
    int rc;

    rc = parse_node_opts(argc, argv, &c, &nodes_list, &ro);
    if (rc >= 0)
        return rc;
    if (optind >= argc)
        return fl_cli_usage_error(usage_text, "fault: missing action");
    action = argv[optind];
    /* Helper daemons, started on nodes by the packet and file faults. */
    if (strcmp(action, "_shaper") == 0)
        return fl_packet_shaper_main(argc - optind - 1, argv + optind + 1);
    if (strcmp(action, "_lazyfs") == 0)
        return fl_lazyfs_main(argc - optind - 1, argv + optind + 1);
    argc -= optind;
    argv += optind;
    rc = precheck_action(argc, argv);
    if (rc >= 0)
        return rc;
    if (open_nodes(&c, nodes_list, &ro, &err) != 0) {
        fprintf(stderr, "faultline: fault: %s\n", err.msg);
        ctx_release(&c);
        return err.code == FL_EUSAGE ? FL_EXIT_USAGE : FL_EXIT_FAILED;
    }
    rc = run_action(&c, action, argc, argv);
    ctx_release(&c);
    return rc;
}
