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

#include <getopt.h>
#include <signal.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "control/cluster.h"
#include "control/daemon.h"
#include "control/lock.h"
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
    "  --state-dir DIR            local cluster state (default " FL_CLUSTER_DEFAULT_STATE_DIR
    ")\n"
    "  --nodes a,b,c              SSH nodes instead of the local cluster\n"
    "  --username U --password P --private-key F --port N\n"
    "  --strict-host-key-checking | --no-host-key-checking\n";

struct fault_ctx {
    struct fl_cluster cl; /* when local */
    bool local;
    const char *state_dir; /* cluster state dir (faults' undo records) */
    size_t n;
    char **nodes; /* borrowed from cl or owned list */
    char **owned_nodes;
    struct fl_remote **r;
    char **ips;
    struct fl_lock *lock; /* the nodes, while this command works on them */
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
    fl_lock_free(c->lock);
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
    static const struct option lo[] = {
        {"topology", required_argument, NULL, 't'},
        {"grudge", required_argument, NULL, 'g'},
        {"seed", required_argument, NULL, 's'},
        {NULL, 0, NULL, 0},
    };
    const char *topo = NULL, *grudge = NULL;
    struct fl_err err = FL_ERR_INIT;
    struct fl_grudge g = {0};
    struct fl_strbuf desc = FL_STRBUF_INIT;
    struct fl_rng rng;
    int64_t seed = (int64_t)(fl_rng_os_seed() >> 1);
    int ch, rc;

    optind = 0; /* 0: GNU getopt re-reads the "+" mode */
    while ((ch = getopt_long(argc, argv, "+", lo, NULL)) != -1) {
        if (ch == 't')
            topo = optarg;
        else if (ch == 'g')
            grudge = optarg;
        else if (ch == 's') {
            if (fl_parse_int64(optarg, 0, INT64_MAX, &seed, &err))
                return fl_cli_usage_error(usage_text, "--seed: %s", err.msg);
        } else
            return fl_cli_usage_error(usage_text, "bad partition option");
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
    static const struct option lo[] = {
        {"pidfile", required_argument, NULL, 'p'},
        {"pattern", required_argument, NULL, 'P'},
        {"signal", required_argument, NULL, 's'},
        {"log", required_argument, NULL, 'l'},
        {"chdir", required_argument, NULL, 'C'},
        {NULL, 0, NULL, 0},
    };
    struct fl_err err = FL_ERR_INIT;
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
    optind = 0; /* 0: GNU getopt re-reads the "+" mode */
    while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (ch) {
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
            if (fl_parse_int64(optarg, 1, 64, &v, &err))
                return fl_cli_usage_error(usage_text, "--signal: %s", err.msg);
            pa->sig = (int)v;
            break;
        default:
            return fl_cli_usage_error(usage_text, "bad option");
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
signal_target(struct fl_remote *r, const struct proc_args *pa, int sig,
              struct fl_err *err)
{
    if (pa->pidfile) {
        int rc = fl_daemon_signal(r, pa->pidfile, sig, err);
        return rc == -ESRCH ? 0 : rc;
    }
    return fl_grepkill(r, pa->pattern, sig, err) < 0 ? err->code : 0;
}

static int
fault_proc(struct fault_ctx *c, const char *what, int argc, char **argv)
{
    struct proc_args pa = {.sig = SIGKILL};
    struct fl_err err = FL_ERR_INIT;
    int rc = parse_proc_args(c, argc, argv, &pa);

    if (rc != 0)
        return rc;
    if (strcmp(what, "start") == 0) {
        struct fl_daemon_opts o = {
            .pidfile = pa.pidfile, .logfile = pa.log, .chdir = pa.chdir};
        if (!pa.pidfile || !pa.cmd || pa.ncmd == 0)
            return fl_cli_usage_error(usage_text,
                                      "start: --pidfile and -- CMD needed");
        for (int k = 0; k < pa.nidx; k++) {
            int r2 = fl_daemon_start(c->r[pa.idx[k]], &o,
                                     (const char *const *)pa.cmd, &err);
            if (r2 < 0) {
                fprintf(stderr, "faultline: %s\n", err.msg);
                return FL_EXIT_FAILED;
            }
            printf("%s: %s\n", c->nodes[pa.idx[k]],
                   r2 == 1 ? "already running" : "started");
        }
        return FL_EXIT_VALID;
    }
    if ((!pa.pidfile) == (!pa.pattern))
        return fl_cli_usage_error(usage_text, "%s: one of --pidfile, --pattern",
                                  what);
    for (int k = 0; k < pa.nidx && rc == 0; k++) {
        struct fl_remote *r = c->r[pa.idx[k]];
        if (strcmp(what, "kill") == 0) {
            if (pa.pidfile && pa.sig == SIGKILL)
                rc = fl_daemon_stop(r, pa.pidfile, SIGKILL, 5000, &err);
            else
                rc = signal_target(r, &pa, pa.sig, &err);
        } else if (strcmp(what, "pause") == 0) {
            rc = signal_target(r, &pa, SIGSTOP, &err);
            if (rc == 0)
                note_paused(c, c->nodes[pa.idx[k]], &pa);
        } else {
            rc = signal_target(r, &pa, SIGCONT, &err);
        }
        if (rc == 0)
            printf("%s: %s\n", c->nodes[pa.idx[k]], what);
    }
    if (rc != 0) {
        fprintf(stderr, "faultline: %s: %s\n", what, err.msg);
        return FL_EXIT_FAILED;
    }
    return FL_EXIT_VALID;
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
            if (signal_target(c->r[i], &pa, SIGCONT, err) != 0 && rc == 0)
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
    static const struct option lo[] = {
        {"targets", required_argument, NULL, 't'},
        {"delay", required_argument, NULL, 'd'},
        {"jitter", required_argument, NULL, 'j'},
        {"loss", required_argument, NULL, 'l'},
        {"duplicate", required_argument, NULL, 'D'},
        {"reorder", required_argument, NULL, 'r'},
        {"corrupt", required_argument, NULL, 'c'},
        {"rate", required_argument, NULL, 'R'},
        {"seed", required_argument, NULL, 's'},
        {NULL, 0, NULL, 0},
    };
    struct fl_packet_spec ps = {0};
    bool *mask = fl_xcalloc(c->n, sizeof(bool));
    struct fl_err err = FL_ERR_INIT;
    int64_t v;
    int ch, rc = 0;
    bool any_target = false;

    optind = 0; /* 0: GNU getopt re-reads the "+" mode */
    while (rc == 0 && (ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (ch) {
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
            rc = fl_err_set(&err, FL_EUSAGE, "bad packet option");
        }
    }
    if (rc == 0 && optind != argc)
        rc = fl_err_set(&err, FL_EUSAGE, "unexpected '%s'", argv[optind]);
    if (rc != 0) {
        free(mask);
        return fl_cli_usage_error(usage_text, "packet: %s", err.msg);
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
    static const struct option lo[] = {
        {"delta", required_argument, NULL, 'd'},
        {NULL, 0, NULL, 0},
    };
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
        optind = 0; /* 0: GNU getopt re-reads the "+" mode */
        argc--;
        argv++;
        while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
            if (ch != 'd' ||
                parse_signed_duration(optarg, &delta_ns, &err) != 0)
                return fl_cli_usage_error(usage_text, "clock bump: %s",
                                          err.msg[0] ? err.msg : "bad option");
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
    if (strcmp(ro->backend, "dummy") != 0) {
        c->lock = c->local ? fl_lock_cluster(c->state_dir, err)
                           : fl_lock_nodes(c->nodes, c->n, err);
        if (!c->lock)
            return err->code;
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

int
fl_cmd_fault(int argc, char **argv)
{
    static const struct option lo[] = {
        {"state-dir", required_argument, NULL, 'd'},
        {"nodes", required_argument, NULL, 'n'},
        {"username", required_argument, NULL, 'u'},
        {"password", required_argument, NULL, 'w'},
        {"private-key", required_argument, NULL, 'k'},
        {"port", required_argument, NULL, 'p'},
        {"strict-host-key-checking", no_argument, NULL, 'S'},
        {"no-host-key-checking", no_argument, NULL, 'N'},
        {"no-ssh", no_argument, NULL, 'D'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct fault_ctx c = {.state_dir = FL_CLUSTER_DEFAULT_STATE_DIR};
    struct fl_remote_opts ro = {0};
    struct fl_err err = FL_ERR_INIT;
    const char *nodes_list = NULL, *action;
    int64_t v;
    int ch, rc;

    optind = 0; /* 0: GNU getopt re-reads the "+" mode */
    while ((ch = getopt_long(argc, argv, "+h", lo, NULL)) != -1) {
        switch (ch) {
        case 'd':
            c.state_dir = optarg;
            break;
        case 'n':
            nodes_list = optarg;
            break;
        case 'u':
            ro.user = optarg;
            break;
        case 'w':
            ro.password = optarg;
            break;
        case 'k':
            ro.private_key = optarg;
            break;
        case 'p':
            if (fl_parse_int64(optarg, 1, 65535, &v, &err))
                return fl_cli_usage_error(usage_text, "--port: %s", err.msg);
            ro.port = (int)v;
            break;
        case 'S':
            ro.host_key_mode = FL_HOST_KEY_STRICT;
            break;
        case 'N':
            ro.host_key_mode = FL_HOST_KEY_OFF;
            break;
        case 'D':
            ro.backend = "dummy";
            break;
        case 'h':
            fputs(usage_text, stdout);
            return FL_EXIT_VALID;
        default:
            return fl_cli_usage_error(usage_text, "bad option");
        }
    }
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
    if (strcmp(action, "partition") && strcmp(action, "heal") &&
        strcmp(action, "kill") && strcmp(action, "start") &&
        strcmp(action, "pause") && strcmp(action, "resume") &&
        strcmp(action, "packet") && strcmp(action, "clock") &&
        strcmp(action, "lose-writes") && strcmp(action, "lazyfs"))
        return fl_cli_usage_error(usage_text, "fault: unknown action '%s'",
                                  action);
    if (open_nodes(&c, nodes_list, &ro, &err) != 0) {
        fprintf(stderr, "faultline: fault: %s\n", err.msg);
        ctx_release(&c);
        return err.code == FL_EUSAGE ? FL_EXIT_USAGE : FL_EXIT_FAILED;
    }
    if (strcmp(action, "partition") == 0)
        rc = fault_partition(&c, argc, argv);
    else if (strcmp(action, "heal") == 0)
        rc = argc == 1 ? fault_heal(&c)
                       : fl_cli_usage_error(usage_text, "heal: no arguments");
    else if (strcmp(action, "packet") == 0)
        rc = fault_packet(&c, argc, argv);
    else if (strcmp(action, "clock") == 0)
        rc = fault_clock(&c, argc, argv);
    else if (strcmp(action, "lose-writes") == 0 ||
             strcmp(action, "lazyfs") == 0)
        rc = fault_lazyfs(&c, argc, argv);
    else
        rc = fault_proc(&c, action, argc, argv);
    ctx_release(&c);
    return rc;
}
