/* SPDX-License-Identifier: MIT */
/*
 * test_daemon_db.c: the generic daemon DB: template expansion, and the
 * whole lifecycle (setup writes the config and waits for health, kill,
 * start, pause, resume, wipe, logs, primaries, teardown) with a shell
 * script as the daemon, on this machine through the local remote.
 */
#include "test.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control/daemon.h"
#include "control/remote.h"
#include "db/daemon_db.h"
#include "db/db.h"
#include "history/val.h"
#include "os/os.h"
#include "util/arena.h"
#include "util/err.h"
#include "util/strbuf.h"

static char *nodes[] = {"a1", "a2", "a3"};

static void
env_init(struct fl_env *env, struct fl_arena *a, fl_val *opts)
{
    fl_val kv[4];

    kv[0] = fl_val_kw(fl_kw_intern_cstr("port"));
    kv[1] = fl_val_int(2379);
    kv[2] = fl_val_kw(fl_kw_intern_cstr("mode"));
    kv[3] = fl_val_str(a, "fast", 4);
    *opts = fl_val_map(a, kv, 2);
    memset(env, 0, sizeof(*env));
    env->nodes = nodes;
    env->nnodes = 3;
    env->options = opts;
}

/* env_init, with a local remote for each of the three nodes in rs. */
static void
env_init_local(struct fl_env *env, struct fl_arena *a, fl_val *opts,
               struct fl_remote **rs)
{
    struct fl_remote_opts o = {.backend = "local"};
    struct fl_err err = FL_ERR_INIT;

    fl_arena_init(a, 4096);
    env_init(env, a, opts);
    for (int i = 0; i < 3; i++)
        rs[i] = fl_remote_new(nodes[i], &o, &err);
    env->remotes = rs;
}

static void
test_daemon_db_expand(void)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;
    struct fl_err err = FL_ERR_INIT;
    struct fl_arena a;
    struct fl_env env;
    fl_val opts;

    fl_arena_init(&a, 4096);
    env_init(&env, &a, &opts);
    ASSERT_OK(fl_daemon_db_expand(
        &sb,
        "name {{node}} #{{index}} in {{dir}} data {{data}} port "
        "{{opt:port}} {{opt:mode}} peers "
        "{{#nodes ,}}{{n}}={{i}}:{{opt:port}}{{/nodes}} first {{first}}.",
        &env, 1, "/var/x", &err));
    ASSERT_STR_EQ(sb.buf, "name a2 #2 in /var/x/a2 data /var/x/a2/data port "
                          "2379 fast peers a1=1:2379,a2=2:2379,a3=3:2379 "
                          "first a1.");
    fl_strbuf_reset(&sb);
    ASSERT_OK(fl_daemon_db_expand(&sb, "{{#nodes}}{{n}}{{/nodes}}", &env, 0,
                                  "/d", &err));
    ASSERT_STR_EQ(sb.buf, "a1a2a3");
    fl_strbuf_reset(&sb);
    ASSERT_EQ(fl_daemon_db_expand(&sb, "x {{nodee}}", &env, 0, "/d", &err),
              FL_EUSAGE);
    ASSERT(strstr(err.msg, "{{nodee}}"));
    ASSERT_EQ(fl_daemon_db_expand(&sb, "{{opt:nope}}", &env, 0, "/d", &err),
              FL_EUSAGE);
    ASSERT(strstr(err.msg, ":nope"));
    ASSERT_EQ(fl_daemon_db_expand(&sb, "{{n}}", &env, 0, "/d", &err),
              FL_EUSAGE);
    ASSERT_EQ(fl_daemon_db_expand(&sb, "{{#nodes ,}}x", &env, 0, "/d", &err),
              FL_EUSAGE);
    ASSERT_EQ(fl_daemon_db_expand(&sb, "a {{node", &env, 0, "/d", &err),
              FL_EUSAGE);
    fl_strbuf_release(&sb);
    fl_arena_release(&a);
}

static bool
is_primary(const struct fl_env *env, size_t node, void *arg)
{
    FL_UNUSED(env);
    FL_UNUSED(arg);
    return node == 1;
}

/* The process's state letter once it is want (signals land async), or
 * whatever it is after a second. */
static char
proc_state(const char *pidfile, char want)
{
    struct fl_strbuf sb = FL_STRBUF_INIT, p = FL_STRBUF_INIT;
    char st = '?';

    if (fl_strbuf_read_file(&sb, pidfile) == 0)
        fl_strbuf_addf(&p, "/proc/%ld/stat", strtol(sb.buf, NULL, 10));
    for (int i = 0; p.len && i < 100 && st != want; i++) {
        fl_strbuf_reset(&sb);
        if (fl_strbuf_read_file(&sb, p.buf) == 0 && strchr(sb.buf, ')'))
            st = strchr(sb.buf, ')')[2];
        if (st != want)
            usleep(10000);
    }
    fl_strbuf_release(&sb);
    fl_strbuf_release(&p);
    return st;
}

static const struct fl_daemon_db_file files[] = {
    {"conf", "me={{node}} all={{#nodes ,}}{{n}}{{/nodes}}\n"},
    {"data/id", "{{index}}\n"},
    {NULL, NULL},
};

static void
test_daemon_db_lifecycle(void)
{
    struct fl_err err = FL_ERR_INIT;
    struct fl_strbuf sb = FL_STRBUF_INIT, path = FL_STRBUF_INIT;
    struct fl_remote *rs[3];
    struct fl_arena a;
    struct fl_env env;
    fl_val opts;
    char dir[64];

    snprintf(dir, sizeof(dir), "/tmp/fl-ddb-%d", (int)getpid());
    env_init_local(&env, &a, &opts, rs);
    /* Bounded: a failed assertion skips teardown, and the daemon must not
     * outlive the test by much. */
    const char *args[] = {"-c",
                          "cat {{dir}}/conf {{data}}/id; "
                          "echo env=$TOYENV shim=${FAULTLINE_CLOCK_FILE:-no}; "
                          "exec sleep 120",
                          NULL};
    const char *logs[] = {"extra.log", NULL};
    const char *envs[] = {"TOYENV=at-{{node}}", NULL};
    struct fl_daemon_db_desc desc = {.name = "toy",
                                     .binary = "sh",
                                     .args = args,
                                     .env = envs,
                                     .time_shim = true, /* not on local */
                                     .installed = "/bin/sh",
                                     .files = files,
                                     .dir = dir,
                                     .primary = is_primary,
                                     .logs = logs,
                                     .start_timeout_ms = 3000};
    struct fl_db *db = fl_daemon_db_new(&desc, &err);
    ASSERT(db);
    for (size_t i = 0; i < 3; i++)
        ASSERT_OK(fl_db_setup(db, &env, i, &err));
    /* The config is the expanded template; the daemon printed it (the
     * daemon runs once started: wait for its last line). */
    fl_strbuf_addf(&path, "%s/a2/toy.log", dir);
    for (int i = 0; i < 300; i++) {
        fl_strbuf_reset(&sb);
        ASSERT_OK(fl_strbuf_read_file(&sb, path.buf));
        if (strstr(sb.buf, "\nenv=") && sb.buf[sb.len - 1] == '\n')
            break;
        usleep(10000);
    }
    ASSERT(strstr(sb.buf, "me=a2 all=a1,a2,a3\n2\n"));
    /* The environment templates, and no shim off the local cluster. */
    ASSERT(strstr(sb.buf, "env=at-a2 shim=no\n"));
    fl_strbuf_reset(&path);
    fl_strbuf_addf(&path, "%s/a2/toy.pid", dir);
    ASSERT_EQ(fl_daemon_running(rs[1], path.buf, &err), 1);
    ASSERT_OK(fl_db_pause(db, &env, 1, &err));
    char paused = proc_state(path.buf, 'T');
    ASSERT_OK(fl_db_resume(db, &env, 1, &err)); /* first: never leave it
                                                   stopped */
    ASSERT_EQ(paused, 'T');
    ASSERT_EQ(proc_state(path.buf, 'S'), 'S');
    ASSERT_OK(fl_db_kill(db, &env, 1, &err));
    ASSERT_EQ(fl_daemon_running(rs[1], path.buf, &err), 0);
    ASSERT_OK(fl_db_pause(db, &env, 1, &err)); /* killed: skipped */
    ASSERT_OK(fl_db_start(db, &env, 1, &err));
    ASSERT_EQ(fl_daemon_running(rs[1], path.buf, &err), 1);

    struct fl_vec_u32 prim = {0};
    ASSERT_OK(fl_db_primaries(db, &env, &prim, &err));
    ASSERT_EQ(prim.n, 1);
    ASSERT_EQ(prim.v[0], 1);
    free(prim.v);
    struct fl_db_log_files lf = {0};
    ASSERT_OK(fl_db_log_files(db, &env, 0, &lf, &err));
    ASSERT_EQ(lf.n, 4);
    ASSERT_STR_EQ(lf.v[0].name, "toy.log");
    ASSERT_STR_EQ(lf.v[1].name, "conf");
    ASSERT_STR_EQ(lf.v[2].name, "data_id"); /* flat in the store */
    ASSERT_STR_EQ(lf.v[3].name, "extra.log");
    fl_db_log_files_release(&lf);

    /* Wipe removes the data dir and stops the daemon. */
    fl_strbuf_reset(&path);
    fl_strbuf_addf(&path, "%s/a1/data", dir);
    struct stat st;
    ASSERT(stat(path.buf, &st) == 0);
    ASSERT_OK(fl_daemon_db_wipe(db, &env, 0, &err));
    ASSERT(stat(path.buf, &st) != 0);

    for (size_t i = 0; i < 3; i++)
        ASSERT_OK(fl_db_teardown(db, &env, i, &err));
    fl_strbuf_reset(&path);
    fl_strbuf_addf(&path, "%s/a3", dir);
    ASSERT(stat(path.buf, &st) != 0);
    fl_db_free(db);
    rmdir(dir);
    for (int i = 0; i < 3; i++)
        fl_remote_free(rs[i]);
    fl_strbuf_release(&sb);
    fl_strbuf_release(&path);
    fl_arena_release(&a);
}

/* The first child of the process in pidfile, or 0. */
static int
child_of(const char *pidfile)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;
    char cmd[160];
    int pid = 0;

    if (fl_strbuf_read_file(&sb, pidfile) == 0) {
        snprintf(cmd, sizeof(cmd), "pgrep -P %ld", strtol(sb.buf, NULL, 10));
        FILE *f = popen(cmd, "r");
        if (f && fscanf(f, "%d", &pid) != 1)
            pid = 0;
        if (f)
            pclose(f);
    }
    fl_strbuf_release(&sb);
    return pid;
}

/* pid's state once it is want (polled up to 1 s), else the last; 0 gone */
static char
pid_state(int pid, char want)
{
    char path[64], line[256], st = 0;

    snprintf(path, sizeof(path), "/proc/%d/status", pid);
    for (int i = 0; i < 100; i++) {
        FILE *f = fopen(path, "r");
        st = 0;
        while (f && fgets(line, sizeof(line), f))
            if (strncmp(line, "State:", 6) == 0)
                sscanf(line + 6, " %c", &st);
        if (f)
            fclose(f);
        if (st == want)
            break;
        usleep(10000);
    }
    return st;
}

/*
 * user: init and the daemon run as that user, init only when data/ is
 * empty; process_tree: pause and kill reach a child in a session of its
 * own (PostgreSQL's backends).
 */
static void
test_daemon_db_user_init_tree(void)
{
    struct fl_err err = FL_ERR_INIT;
    struct fl_strbuf sb = FL_STRBUF_INIT, path = FL_STRBUF_INIT;
    struct fl_remote_opts o = {.backend = "local"};
    struct fl_remote *rs[3] = {NULL, NULL, NULL};
    struct fl_arena a;
    struct fl_env env;
    fl_val opts;
    char dir[64];

    if (getuid() != 0)
        FL_SKIP("needs root (setpriv to user nobody)");
    snprintf(dir, sizeof(dir), "/tmp/fl-ddbu-%d", (int)getpid());
    mkdir(dir, 0755);
    fl_arena_init(&a, 4096);
    env_init(&env, &a, &opts);
    rs[0] = fl_remote_new(nodes[0], &o, &err);
    env.remotes = rs;
    const char *args[] = {
        "-c", "id -un > {{dir}}/who; setsid sleep 120 & exec sleep 121", NULL};
    const char *init[] = {"sh", "-c", "id -un >> data/made", NULL};
    const char *stale[] = {"data/stale.pid", NULL};
    struct fl_daemon_db_desc desc = {.name = "tree",
                                     .stale = stale,
                                     .binary = "sh",
                                     .args = args,
                                     .dir = dir,
                                     .user = "nobody",
                                     .init = init,
                                     .process_tree = true,
                                     .start_timeout_ms = 3000};
    struct fl_db *db = fl_daemon_db_new(&desc, &err);
    ASSERT(db);
    ASSERT_OK(fl_db_setup(db, &env, 0, &err));
    fl_strbuf_addf(&path, "%s/a1/data/made", dir);
    ASSERT_OK(fl_strbuf_read_file(&sb, path.buf));
    ASSERT_STR_EQ(sb.buf, "nobody\n");
    fl_strbuf_reset(&path);
    fl_strbuf_addf(&path, "%s/a1/tree.pid", dir);
    usleep(300000);
    int child = child_of(path.buf);
    ASSERT(child > 0);
    ASSERT_OK(fl_db_pause(db, &env, 0, &err));
    char paused = pid_state(child, 'T');
    ASSERT_OK(fl_db_resume(db, &env, 0, &err));
    ASSERT_EQ(paused, 'T');
    ASSERT_OK(fl_db_kill(db, &env, 0, &err));
    ASSERT_EQ(pid_state(child, 0), 0); /* gone, and reaped */
    /* a crash's leftover is removed before the start */
    fl_strbuf_reset(&path);
    fl_strbuf_addf(&path, "%s/a1/data/stale.pid", dir);
    FILE *f = fopen(path.buf, "w");
    ASSERT(f);
    fclose(f);
    ASSERT_OK(fl_db_start(db, &env, 0, &err));
    ASSERT(access(path.buf, F_OK) != 0);
    usleep(300000);
    fl_strbuf_reset(&path);
    fl_strbuf_addf(&path, "%s/a1/data/made", dir);
    fl_strbuf_reset(&sb);
    ASSERT_OK(fl_strbuf_read_file(&sb, path.buf));
    ASSERT_STR_EQ(sb.buf, "nobody\n"); /* data/ was not empty: no init */
    fl_strbuf_reset(&path);
    fl_strbuf_addf(&path, "%s/a1/who", dir);
    fl_strbuf_reset(&sb);
    ASSERT_OK(fl_strbuf_read_file(&sb, path.buf));
    ASSERT_STR_EQ(sb.buf, "nobody\n");
    ASSERT_OK(fl_db_teardown(db, &env, 0, &err));
    fl_db_free(db);
    rmdir(dir);
    fl_remote_free(rs[0]);
    fl_strbuf_release(&sb);
    fl_strbuf_release(&path);
    fl_arena_release(&a);
}

/* A daemon that dies at start: the error names node, log and its end. */
static void
test_daemon_db_start_errors(void)
{
    struct fl_err err = FL_ERR_INIT;
    struct fl_remote *rs[3];
    struct fl_arena a;
    struct fl_env env;
    fl_val opts;
    char dir[64];

    snprintf(dir, sizeof(dir), "/tmp/fl-ddb-e-%d", (int)getpid());
    env_init_local(&env, &a, &opts, rs);
    const char *dies[] = {"-c", "echo bad config line 7 >&2; exit 3", NULL};
    struct fl_daemon_db_desc desc = {
        .name = "toy", .binary = "sh", .args = dies, .dir = dir, .port = 1};
    struct fl_db *db = fl_daemon_db_new(&desc, &err);
    ASSERT(db);
    ASSERT_EQ(fl_db_setup(db, &env, 2, &err), FL_EREMOTE);
    ASSERT(strstr(err.msg, "a3: toy exited"));
    ASSERT(strstr(err.msg, "a3/toy.log"));
    ASSERT(strstr(err.msg, "bad config line 7"));
    ASSERT_OK(fl_db_teardown(db, &env, 2, &err));
    fl_db_free(db);

    /* Alive but never healthy (nothing listens on port 1): a timeout. */
    const char *hangs[] = {"-c", "exec sleep 120", NULL};
    desc.args = hangs;
    desc.start_timeout_ms = 500;
    db = fl_daemon_db_new(&desc, &err);
    ASSERT_EQ(fl_db_setup(db, &env, 0, &err), FL_ELIMIT);
    ASSERT(strstr(err.msg, "a1: toy not healthy"));
    ASSERT_OK(fl_db_teardown(db, &env, 0, &err));
    fl_db_free(db);

    /* A missing binary without packages, a relative dir, a bad argument. */
    desc.binary = "no-such-daemon-xyz";
    db = fl_daemon_db_new(&desc, &err);
    ASSERT_EQ(fl_db_setup(db, &env, 0, &err), FL_EREMOTE);
    ASSERT(strstr(err.msg, "no-such-daemon-xyz is not installed"));
    fl_db_free(db);
    desc.dir = "rel";
    ASSERT(!fl_daemon_db_new(&desc, &err));
    desc.dir = dir;
    desc.binary = "sh";
    const char *bad[] = {"{{opt:missing}}", NULL};
    desc.args = bad;
    db = fl_daemon_db_new(&desc, &err);
    ASSERT_EQ(fl_db_setup(db, &env, 0, &err), FL_EUSAGE);
    ASSERT(strstr(err.msg, "argument 1"));
    ASSERT(strstr(err.msg, ":missing"));
    ASSERT_OK(fl_db_teardown(db, &env, 0, &err));
    fl_db_free(db);
    rmdir(dir);
    for (int i = 0; i < 3; i++)
        fl_remote_free(rs[i]);
    fl_arena_release(&a);
}

static const struct fl_test_case daemon_db_tests[] = {
    FL_TEST(test_daemon_db_expand),
    FL_TEST(test_daemon_db_lifecycle),
    FL_TEST(test_daemon_db_start_errors),
    FL_TEST(test_daemon_db_user_init_tree),
    FL_TEST_END,
};

FL_TEST_SUITE(daemon_db, daemon_db_tests);
