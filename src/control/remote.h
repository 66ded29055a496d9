/* SPDX-License-Identifier: MIT */
/*
 * remote.h: run commands on a node and move files to and from it, whatever
 * the node is: a machine over SSH (libssh), a network namespace of the local
 * cluster, this machine, or nothing at all (dummy, --no-ssh). One struct
 * fl_remote per node; a backend is one const struct fl_remote_type plus its
 * ctx (curl's Curl_cftype shape). Commands are shell command lines run by
 * sh -c on the node; build them from literal syntax and fl_sh_quote()d words
 * (escape.h) only. Output is always captured up to a cap, and every command
 * has a timeout, so nothing a node does can hang or flood the control process.
 * Ownership: every pointer argument is borrowed; strings in opts are copied.
 */
#ifndef FL_REMOTE_H
#define FL_REMOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/escape.h"
#include "util/strbuf.h"

struct fl_err;
struct fl_remote;

/** How the SSH backend treats host keys. */
enum fl_host_key_mode {
    FL_HOST_KEY_TOFU = 0, /* default: record unknown keys, refuse changed */
    FL_HOST_KEY_STRICT,   /* refuse unknown and changed keys */
    FL_HOST_KEY_OFF,      /* accept anything (logs a warning) */
};

#define FL_REMOTE_DEFAULT_TIMEOUT_MS   300000     /* per command */
#define FL_REMOTE_DEFAULT_MAX_OUTPUT   (4u << 20) /* per stream, bytes */
#define FL_REMOTE_DEFAULT_MAX_CHANNELS 6
#define FL_REMOTE_DEFAULT_NETNS_PREFIX "fl-"

/**
 * Connection options shared by all nodes of a test. Zero/NULL fields take
 * the defaults given. Strings are copied by fl_remote_new().
 */
struct fl_remote_opts {
    const char *backend;     /* "ssh" (default), "netns", "local", "dummy" */
    const char *user;        /* ssh login user; NULL = "root" */
    int port;                /* ssh port; 0 = 22 */
    const char *private_key; /* key file; NULL = ssh-agent, then ~/.ssh/id_* */
    const char *password;    /* ssh password auth, tried last; NULL = none */
    const char *known_hosts; /* NULL = $HOME/.ssh/known_hosts */
    enum fl_host_key_mode host_key_mode;
    int max_channels;           /* concurrent ssh channels per node; 0 = 6 */
    int64_t connect_timeout_ms; /* 0 = 10000 */
    int64_t timeout_ms;         /* default per-command timeout; 0 = 300 s */
    size_t max_output;          /* default stdout/stderr cap; 0 = 4 MiB */
    const char *sudo_password;  /* fed to sudo -S when fl_cmd.sudo is set */
    const char *netns_prefix;   /* netns backend: netns = prefix + node;
                                   NULL = "fl-" */
};

/** One command. Zero fields take defaults. */
struct fl_cmd {
    const char *cmd;    /* shell command line, run with sh -c */
    const void *in;     /* stdin bytes; NULL = empty stdin (EOF) */
    size_t in_len;      /* bytes at in */
    const char *dir;    /* cd here first (quoted for you); NULL = no cd */
    const char *sudo;   /* run as this user through sudo; NULL = login
                           user. Same as the login user = no sudo */
    int64_t timeout_ms; /* 0 = the remote's default; < 0 = no timeout */
    size_t max_output;  /* cap per stream in bytes; 0 = the default */
};

/** What a command did. Initialise with FL_CMD_RESULT_INIT. */
struct fl_cmd_result {
    int exit_code;      /* 0-255, 128+N if killed by signal N, -1 unknown */
    bool timed_out;     /* killed by the per-command timeout */
    bool out_truncated; /* stdout was longer than the cap (rest dropped) */
    bool err_truncated; /* same for stderr */
    struct fl_strbuf out, err; /* captured stdout and stderr */
};

#define FL_CMD_RESULT_INIT                                                     \
    {                                                                          \
        -1, false, false, false, FL_STRBUF_INIT, FL_STRBUF_INIT                \
    }

void fl_cmd_result_release(struct fl_cmd_result *res);

/**
 * A backend. exec receives the final command line (cd and sudo already
 * applied by remote.c) and must honour c->in, the timeout and the cap given
 * in the already-defaulted c. exec returns 0 when the command ran to an exit
 * status (any status), FL_ELIMIT when it timed out (res->timed_out set,
 * the process killed where possible), FL_EREMOTE or -errno when the
 * transport failed (result unknown). upload/download may be NULL, in which
 * case they are done through exec with cat.
 */
struct fl_remote_type {
    const char *name;
    int (*connect)(struct fl_remote *r, struct fl_err *err);
    int (*exec)(struct fl_remote *r, const struct fl_cmd *c,
                struct fl_cmd_result *res, struct fl_err *err);
    int (*upload)(struct fl_remote *r, const char *local_path,
                  const char *remote_path, struct fl_err *err);
    int (*download)(struct fl_remote *r, const char *remote_path,
                    const char *local_path, struct fl_err *err);
    void (*disconnect)(struct fl_remote *r);
};

struct fl_remote {
    const struct fl_remote_type *type;
    void *ctx;                  /* backend state */
    char *node;                 /* node name ("n1", "db3.example.com") */
    struct fl_remote_opts opts; /* defaults filled in, strings owned */
};

extern const struct fl_remote_type fl_remote_ssh_type;
extern const struct fl_remote_type fl_remote_netns_type;
extern const struct fl_remote_type fl_remote_local_type;
extern const struct fl_remote_type fl_remote_dummy_type;

/** Look a backend up by name ("ssh", "netns", "local", "dummy"), or NULL. */
const struct fl_remote_type *fl_remote_type_find(const char *name);

/**
 * Connect to node with opts (NULL = all defaults). Returns NULL and fills
 * err (naming the node) when the backend is unknown or the connection or
 * authentication fails. Caller frees with fl_remote_free().
 */
struct fl_remote *fl_remote_new(const char *node,
                                const struct fl_remote_opts *opts,
                                struct fl_err *err);
/** Disconnect and free. Accepts NULL. */
void fl_remote_free(struct fl_remote *r);

/**
 * Run c on the node. Returns 0 if it ran to an exit status (check
 * res->exit_code), FL_ELIMIT on timeout, FL_EREMOTE or -errno on a transport
 * error. res is reset first. Thread-safe: several threads may run commands on
 * one remote at once (the SSH backend bounds them to max_channels).
 */
int fl_remote_exec(struct fl_remote *r, const struct fl_cmd *c,
                   struct fl_cmd_result *res, struct fl_err *err);

/**
 * Run argv (each word quoted) with the dir/sudo/stdin/timeout of base (NULL
 * = defaults; base->cmd is ignored). A nonzero exit status is an error:
 * FL_EREMOTE with a message naming the node, the command, the status and the
 * end of stderr. res may be NULL.
 */
int fl_remote_runv(struct fl_remote *r, const struct fl_cmd *base,
                   const char *const *argv, struct fl_cmd_result *res,
                   struct fl_err *err);

/**
 * Convenience: run the NULL-terminated words, put stdout without its
 * trailing newline into out (may be NULL, appended to), fail on nonzero
 * exit like fl_remote_runv.
 */
int fl_remote_run(struct fl_remote *r, struct fl_strbuf *out,
                  struct fl_err *err, const char *arg0, ...)
    __attribute__((sentinel));

/**
 * Run a shell command line built with printf-style fmt. The caller quotes
 * every interpolated value with fl_sh_quote first (fmt itself is trusted).
 * Output and errors as fl_remote_run.
 */
int fl_remote_sh(struct fl_remote *r, struct fl_strbuf *out, struct fl_err *err,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/** Copy local_path on this machine to remote_path on the node (as root). */
int fl_remote_upload(struct fl_remote *r, const char *local_path,
                     const char *remote_path, struct fl_err *err);
/** Copy remote_path on the node to local_path here (at most 1 GiB). */
int fl_remote_download(struct fl_remote *r, const char *remote_path,
                       const char *local_path, struct fl_err *err);

/**
 * Call fn(r[i], i, arg, err_i) for every i < n, each in its own thread, and
 * wait for all. Returns 0, or the first failure in index order with its
 * message prefixed by the node name.
 */
int fl_remote_on_all(struct fl_remote *const *r, size_t n,
                     int (*fn)(struct fl_remote *r, size_t i, void *arg,
                               struct fl_err *err),
                     void *arg, struct fl_err *err);

/**
 * Dummy backend introspection (tests): the commands it was asked to run,
 * joined by "\n", appended to sb.
 */
void fl_remote_dummy_log(struct fl_remote *r, struct fl_strbuf *sb);

#endif
