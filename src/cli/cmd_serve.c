/* SPDX-License-Identifier: MIT */
/*
 * cmd_serve.c: `faultline serve`, the web UI over a store, until SIGINT or
 * SIGTERM. The signals are blocked before the server's threads start (so
 * they inherit the mask) and collected with sigwait() on the main thread.
 */
#include "util/common.h"

#include "cli/cli.h"

#include "report/report.h"
#include "util/err.h"
#include "util/parse.h"

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

int
fl_cmd_serve(int argc, char **argv)
{
    struct fl_serve_opts opts = {"store", "127.0.0.1", 8080};
    struct fl_err err = FL_ERR_INIT;
    struct fl_server *s;
    sigset_t set;
    int sig = 0;

    if (fl_cli_wants_help(argc, argv, serve_usage))
        return FL_EXIT_VALID;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = NULL;

        if (strcmp(a, "--store") == 0 || strcmp(a, "--host") == 0 ||
            strcmp(a, "--port") == 0) {
            if (i + 1 >= argc)
                return fl_cli_usage_error(serve_usage, "%s needs a value", a);
            v = argv[++i];
        } else {
            return fl_cli_usage_error(serve_usage, "unknown argument '%s'", a);
        }
        if (strcmp(a, "--store") == 0) {
            opts.store_dir = v;
        } else if (strcmp(a, "--host") == 0) {
            opts.host = v;
        } else {
            int64_t port;

            if (fl_parse_int64(v, 0, 65535, &port, &err) != 0)
                return fl_cli_usage_error(serve_usage, "--port: %s", err.msg);
            opts.port = (int)port;
        }
    }

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
