/* SPDX-License-Identifier: MIT */
/*
 * db.c: the ZooKeeper ensemble as a description for the generic daemon DB
 * (db/daemon_db.h). Each node runs QuorumPeerMain directly in a JVM (not
 * Debian's init script) with a small heap, from Debian's jars; zoo.cfg
 * lists every node as server.<index>, data/myid holds the node's index.
 * The JVM starts with the time shim, so clock faults shift its
 * System.currentTimeMillis (docs/zookeeper.md). A node is healthy when
 * `srvr` reports a mode (it is in a quorum), the leader is the primary.
 */
#include "util/common.h"

#include "suites/zookeeper/zk.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "db/daemon_db.h"
#include "os/os.h"
#include "util/err.h"
#include "util/strbuf.h"

#define ZK_JAR "/usr/share/java/zookeeper.jar"

static int
connect_to(const char *node, int port)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    char ps[16];
    int fd = -1;

    snprintf(ps, sizeof(ps), "%d", port);
    if (getaddrinfo(node, ps, &hints, &res) != 0)
        return -1;
    fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0) {
        struct timeval tv = {.tv_sec = 2};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        if (connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    return fd;
}

bool
fl_zk_four_letters(const char *node, int port, const char *word, char *out,
                   size_t cap)
{
    int fd = connect_to(node, port);
    size_t len = 0;
    ssize_t n = 0;

    if (fd < 0 || cap == 0)
        goto out;
    if (write(fd, word, strlen(word)) != (ssize_t)strlen(word))
        goto out;
    while (len + 1 < cap && (n = read(fd, out + len, cap - 1 - len)) > 0)
        len += (size_t)n;
out:
    if (cap)
        out[len] = '\0';
    if (fd >= 0)
        close(fd);
    return len > 0;
}

static bool
mode_is(const struct fl_env *env, size_t node, void *arg, const char *mode)
{
    char buf[2048];

    if (!fl_zk_four_letters(env->nodes[node], *(int *)arg, "srvr", buf,
                            sizeof(buf)))
        return false;
    return strstr(buf, mode) != NULL;
}

static bool
serving(const struct fl_env *env, size_t node, void *arg)
{
    return mode_is(env, node, arg, "Mode: ");
}

static bool
leads(const struct fl_env *env, size_t node, void *arg)
{
    return mode_is(env, node, arg, "Mode: leader");
}

static void
zoo_cfg(struct fl_strbuf *sb, const struct fl_zk_db_cfg *cfg)
{
    fl_strbuf_addf(sb,
                   "# written by faultline for {{node}}\n"
                   "tickTime=%d\ninitLimit=10\nsyncLimit=5\n"
                   "dataDir={{data}}\n"
                   "clientPort=%d\n"
                   "maxClientCnxns=0\n"
                   "admin.enableServer=false\n"
                   "4lw.commands.whitelist=srvr,ruok,mntr,stat\n"
                   "quorumListenOnAllIPs=true\n"
                   "{{#nodes \n}}server.{{i}}={{n}}:2888:3888{{/nodes}}\n",
                   cfg->tick_ms, cfg->client_port);
}

struct fl_db *
fl_zk_db_new(const struct fl_zk_db_cfg *cfg, struct fl_err *err)
{
    /* The jars without Debian's `zookeeper` package, which pulls in a full
     * JRE and a service user that faultline does not need. */
    static const char *const packages[] = {"libzookeeper-java",
                                           "default-jre-headless", NULL};
    struct fl_strbuf cfgt = FL_STRBUF_INIT, xmx = FL_STRBUF_INIT;
    int *port = fl_xmalloc(sizeof(*port));
    struct fl_db *db;

    *port = cfg->client_port;
    zoo_cfg(&cfgt, cfg);
    fl_strbuf_addf(&xmx, "-Xmx%s", cfg->heap);
    const char *const args[] = {
        xmx.buf,
        "-Xss512k",
        "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1",
        "-XX:CICompilerCount=1",
        "-XX:-UsePerfData",
        "-Djava.net.preferIPv4Stack=true",
        "-Dzookeeper.jmx.log4j.disable=true",
        "-Dorg.slf4j.simpleLogger.showDateTime=true",
        "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSSZ",
        "-cp",
        ZK_JAR ":/usr/share/java/slf4j-simple.jar",
        "org.apache.zookeeper.server.quorum.QuorumPeerMain",
        "{{dir}}/zoo.cfg",
        NULL,
    };
    const struct fl_daemon_db_file files[] = {
        {"zoo.cfg", cfgt.buf},
        {"data/myid", "{{index}}\n"},
        {NULL, NULL},
    };
    const struct fl_daemon_db_desc desc = {
        .name = "zookeeper",
        .binary = "java",
        .installed = ZK_JAR,
        .packages = packages,
        .args = args,
        .files = files,
        .dir = cfg->dir,
        .time_shim = true,
        .healthy = serving,
        .primary = leads,
        .logs = (const char *const[]){"zoo.cfg", NULL},
        .start_timeout_ms = 90000,
        .arg = port,
        .free_arg = free,
    };
    db = fl_daemon_db_new(&desc, err);
    if (!db)
        free(port);
    fl_strbuf_release(&cfgt);
    fl_strbuf_release(&xmx);
    return db;
}
