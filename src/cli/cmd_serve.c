/* SPDX-License-Identifier: MIT */
/*
 * cmd_serve.c: `faultline serve`, the web UI over a store, until SIGINT or
 * SIGTERM. The signals are blocked before the server's threads start (so
 * they inherit the mask) and collected with sigwait() on the main thread.
 */
#include "util/common.h"

#include "cli/cli.h"
#include "cli/cli_opt.h"

#include "report/report.h"
#include "util/err.h"

#include <signal.h>

static const char serve_usage[] =
    "usage: faultline serve [--store DIR] [--host H] [--port P]\n"
    "\n"
    "Serve the store in a web browser: every run newest first, coloured by\n"
    "validity, each run's verdict, plots, timeline, files and a .tar.gz.\n"
    "\n"
    "  --store DIR   the store directory (default: store)\n"
    "  --host H      address to bind (default: 127.0.0.1)\n"
    "  --port P      TCP port (default: 8080; 0 picks a free one)\n";

static const struct option longopts[] = {
    {"store", required_argument, NULL, 's'},
    {"host", required_argument, NULL, 'H'},
    {"port", required_argument, NULL, 'p'},
    FL_CLI_OPT_HELP,
    FL_CLI_OPT_END,
};

int
fl_cmd_serve(int argc, char **argv)
{
    struct fl_cli_parser p = {.usage = serve_usage, .opts = longopts};
    struct fl_serve_opts opts = {"store", "127.0.0.1", 8080};
    int64_t port;
    int ch;
    struct fl_err err = FL_ERR_INIT;
    struct fl_server *s;
    sigset_t set;
    int sig = 0;

    while ((ch = fl_cli_getopt(argc, argv, &p)) != -1) {
        if (ch == FL_CLI_OPT_EXIT)
            return p.exit_code;
        if (ch == 's')
            opts.store_dir = optarg;
        else if (ch == 'H')
            opts.host = optarg;
        else if (fl_cli_opt_int(&p, 0, 65535, &port) != 0)
            return FL_EXIT_USAGE;
        else
            opts.port = (int)port;
    }
    if (optind < argc)
        return fl_cli_usage_error(serve_usage, "unexpected argument '%s'",
                                  argv[optind]);

    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    s = fl_serve_start(&opts, &err);
    if (!s) {
        fprintf(stderr, "faultline: serve: %s\n", err.msg);
        return err.code == FL_EUSAGE || err.code == -ENOENT ? FL_EXIT_USAGE
                                                            : FL_EXIT_FAILED;
    }
    printf("faultline: serving %s at http://%s%s%s:%d/\n", opts.store_dir,
           strchr(opts.host, ':') ? "[" : "", opts.host,
           strchr(opts.host, ':') ? "]" : "", fl_serve_port(s));
    fflush(stdout);
    sigwait(&set, &sig);
    fl_serve_stop(s);
    return FL_EXIT_VALID;
}
