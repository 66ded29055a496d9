/* SPDX-License-Identifier: MIT */
/*
 * fl-remote.c: drive one remote (control/remote.h) from the shell, for the
 * integration tests of the SSH backend (t0407):
 *   fl-remote [-b BACKEND] [-k KEY] [-K KNOWN_HOSTS] [-s|-n] [-p PORT]
 *             [-u USER] [-w PASSWORD] [-t TIMEOUT_MS] [-c CHANNELS]
 *             NODE run CMD | upload LOCAL REMOTE | download REMOTE LOCAL |
 *             parallel N CMD | seq CMD...
 * run copies the command's stdin, stdout and stderr and exits with its
 * status; parallel runs CMD N times at once on one connection; seq runs
 * the CMDs one after another on one remote (reconnecting if a command
 * broke the connection), prints their stdout, one line per command to
 * stderr ("cmd N: exit X" or "cmd N: error: ..."), and exits 0 only if
 * the last one did.
 */
#include "util/common.h"

#include <pthread.h>
#include <unistd.h>

#include "control/remote.h"
#include "util/err.h"
#include "util/strbuf.h"

struct par {
    struct fl_remote *r;
    const char *cmd;
    int rc, exit_code;
    pthread_t th;
};

static void *
par_run(void *p)
{
    struct par *x = p;
    struct fl_cmd c = {.cmd = x->cmd};
    struct fl_cmd_result res = FL_CMD_RESULT_INIT;
    struct fl_err err = FL_ERR_INIT;

    x->rc = fl_remote_exec(x->r, &c, &res, &err);
    x->exit_code = res.exit_code;
    if (x->rc != 0)
        fprintf(stderr, "fl-remote: %s\n", err.msg);
    fl_cmd_result_release(&res);
    return NULL;
}

int
main(int argc, char **argv)
{
    struct fl_remote_opts o = {.backend = "ssh"};
    struct fl_err err = FL_ERR_INIT;
    struct fl_remote *r;
    int ch, rc = 0;

    while ((ch = getopt(argc, argv, "b:k:K:snp:u:w:t:c:")) != -1) {
        switch (ch) {
        case 'b':
            o.backend = optarg;
            break;
        case 'k':
            o.private_key = optarg;
            break;
        case 'K':
            o.known_hosts = optarg;
            break;
        case 's':
            o.host_key_mode = FL_HOST_KEY_STRICT;
            break;
        case 'n':
            o.host_key_mode = FL_HOST_KEY_OFF;
            break;
        case 'p':
            o.port = (int)strtol(optarg, NULL, 10);
            break;
        case 'u':
            o.user = optarg;
            break;
        case 'w':
            o.password = optarg;
            break;
        case 't':
            o.timeout_ms = strtoll(optarg, NULL, 10);
            break;
        case 'c':
            o.max_channels = (int)strtol(optarg, NULL, 10);
            break;
        default:
            return 254;
        }
    }
    if (argc - optind < 3) {
        fprintf(stderr, "usage: fl-remote [opts] NODE run CMD|upload L R|"
                        "download R L|parallel N CMD|seq CMD...\n");
        return 254;
    }
    r = fl_remote_new(argv[optind], &o, &err);
    if (!r) {
        fprintf(stderr, "fl-remote: %s\n", err.msg);
        return 255;
    }
    if (!strcmp(argv[optind + 1], "run")) {
        struct fl_strbuf in = FL_STRBUF_INIT;
        struct fl_cmd_result res = FL_CMD_RESULT_INIT;
        struct fl_cmd c = {.cmd = argv[optind + 2]};
        char buf[65536];
        size_t n;

        if (!isatty(0))
            while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0)
                fl_strbuf_add(&in, buf, n);
        c.in = in.len ? in.buf : NULL;
        c.in_len = in.len;
        rc = fl_remote_exec(r, &c, &res, &err);
        fwrite(res.out.buf, 1, res.out.len, stdout);
        fwrite(res.err.buf, 1, res.err.len, stderr);
        if (rc != 0) {
            fprintf(stderr, "fl-remote: %s\n", err.msg);
            rc = res.timed_out ? 124 : 255;
        } else {
            rc = res.exit_code;
        }
        fl_cmd_result_release(&res);
        fl_strbuf_release(&in);
    } else if (!strcmp(argv[optind + 1], "upload") && argc - optind == 4) {
        rc = fl_remote_upload(r, argv[optind + 2], argv[optind + 3], &err);
    } else if (!strcmp(argv[optind + 1], "download") && argc - optind == 4) {
        rc = fl_remote_download(r, argv[optind + 2], argv[optind + 3], &err);
    } else if (!strcmp(argv[optind + 1], "seq")) {
        for (int i = optind + 2; i < argc; i++) {
            struct fl_cmd c = {.cmd = argv[i]};
            struct fl_cmd_result res = FL_CMD_RESULT_INIT;
            fl_err_clear(&err);
            int erc = fl_remote_exec(r, &c, &res, &err);
            fwrite(res.out.buf, 1, res.out.len, stdout);
            fflush(stdout);
            if (erc != 0)
                fprintf(stderr, "cmd %d: error: %s\n", i - optind - 1, err.msg);
            else
                fprintf(stderr, "cmd %d: exit %d\n", i - optind - 1,
                        res.exit_code);
            rc = erc != 0 ? 255 : res.exit_code;
            fl_cmd_result_release(&res);
        }
    } else if (!strcmp(argv[optind + 1], "parallel") && argc - optind == 4) {
        int n = (int)strtol(argv[optind + 2], NULL, 10);
        struct par *p = fl_xcalloc((size_t)(n > 0 ? n : 1), sizeof(*p));
        for (int i = 0; i < n; i++) {
            p[i] = (struct par){.r = r, .cmd = argv[optind + 3]};
            pthread_create(&p[i].th, NULL, par_run, &p[i]);
        }
        for (int i = 0; i < n; i++) {
            pthread_join(p[i].th, NULL);
            if (p[i].rc != 0 || p[i].exit_code != 0)
                rc = 1;
        }
        free(p);
    } else {
        fprintf(stderr, "fl-remote: bad action\n");
        rc = 254;
    }
    if (rc < 0) {
        fprintf(stderr, "fl-remote: %s\n", err.msg);
        rc = 255;
    }
    fl_remote_free(r);
    return rc;
}
