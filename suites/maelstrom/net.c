/* SPDX-License-Identifier: MIT */
/*
 * net.c: the simulated network of net.h. Addresses are small integers:
 * nodes 0..N-1, then the services, then clients. The router thread owns
 * every node's pipes (it alone closes them); other threads change the
 * node table under net->mu and wake the router through a pipe.
 */
#include "util/common.h"

#include "net.h"
#include "services.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <linux/sockios.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "control/timeshim.h"
#include "nemesis/partition.h"
#include "shim/faultline-vtime.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/log.h"
#include "util/rng.h"
#include "util/strbuf.h"
#include "util/vec.h"
#include "util/xalloc.h"

extern char **environ;

#define INIT_TIMEOUT_NS (10 * FL_NS_PER_S)
#define READ_CHUNK      65536
#define DET_GRACE_NS    (20 * FL_NS_PER_MS)
#define DET_NEVER       INT64_MAX

struct mnode {
    char name[24];
    pid_t pid;            /* 0 when not running */
    int in_fd, out_fd;    /* -1 when closed */
    bool up;              /* messages to it are delivered */
    bool close_req;       /* the router must close its pipes */
    bool crashed_logged;  /* exit on its own already reported */
    struct fl_strbuf out; /* bytes queued for its stdin */
    size_t out_off;
    struct fl_strbuf in; /* partial line from its stdout */
    json_t *setup_body;  /* sent after init, or NULL */
    int starts;          /* how often it was started */
    int log_fd;
    int err_fd;               /* its stderr with --log-stderr, else -1 */
    struct fl_strbuf err;     /* partial line from it */
    struct fl_vtime_page *vt; /* --deterministic: its clock, or NULL */
    bool fresh;               /* --deterministic: started, nothing run yet */
    char *vt_path;
};

struct mclient {
    pthread_cond_t cv;
    char **q; /* reply lines */
    size_t nq, aq;
    int64_t next_msg_id;
    int64_t timeout_ns;  /* --deterministic: of the request in the inbox */
    bool waiting;        /* --deterministic: its request entered, no reply */
    bool vtimed_out;     /* --deterministic: the virtual timeout passed */
    int64_t final_pause; /* --deterministic: its requests are final reads,
                            the first of which waits this long */
    int64_t vdeadline;   /* --deterministic: when it passes */
};

struct pending {
    int64_t due, sent;
    uint64_t seq;
    int src, dst;
    char *line;
    size_t len;
};

struct fl_mnet {
    struct fl_mnet_opts o;
    char **argv;
    pthread_mutex_t mu;
    pthread_cond_t closed_cv;
    pthread_t thread;
    bool started, stopping;
    int wake[2];
    int64_t origin;
    struct mnode *nodes;
    struct mclient **clients;
    size_t nclients, aclients;
    struct pending *heap;
    size_t nheap, aheap;
    uint64_t seq;
    struct fl_strbuf inbox; /* lines from clients: "<addr> <line>\n" */
    struct fl_grudge grudge;
    bool partitioned;
    struct fl_rng rng;
    struct fl_msvc *svc;
    struct fl_mnet_stats st;
    int64_t vnow;         /* --deterministic: virtual time */
    int64_t inbox_since;  /* --deterministic: when the inbox last changed */
    size_t next_start;    /* --deterministic: the node to start first next */
    int64_t clock_origin; /* --deterministic: o.clock's time at vnow 0 */
    int64_t last_entry;   /* --deterministic without o.clock: when the last
                             request entered */
    bool final_entered;   /* likewise: a final read has entered */
    char *vtime_so;       /* --deterministic: the shim's path */
    FILE *journal;
    char *journal_path;
    char *log_dir;
};

/* ---- addresses ---- */

static int
svc_addr(const struct fl_mnet *net, int k)
{
    return (int)net->o.nnodes + k;
}

static int
client_addr(const struct fl_mnet *net, int k)
{
    return (int)net->o.nnodes + FL_MSVC_COUNT + k;
}

static bool
is_client(const struct fl_mnet *net, int a)
{
    return a >= client_addr(net, 0);
}

static bool
is_node(const struct fl_mnet *net, int a)
{
    return a >= 0 && (size_t)a < net->o.nnodes;
}

static int
parse_index(const char *s, int64_t max)
{
    int64_t v = 0;

    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > max)
            return -1;
        v = v * 10 + (*s - '0');
    }
    return v < max ? (int)v : -1;
}

static int
addr_of(const struct fl_mnet *net, const char *s)
{
    int k;

    if (s[0] == 'n' && (k = parse_index(s + 1, (int64_t)net->o.nnodes)) >= 0)
        return k;
    if (s[0] == 'c' && (k = parse_index(s + 1, (int64_t)net->nclients)) >= 0)
        return client_addr(net, k);
    for (int i = 0; i < FL_MSVC_COUNT; i++)
        if (strcmp(s, fl_msvc_names[i]) == 0)
            return svc_addr(net, i);
    return -1;
}

static void
addr_name(const struct fl_mnet *net, int a, char *buf, size_t len)
{
    if (is_node(net, a))
        snprintf(buf, len, "n%d", a);
    else if (is_client(net, a))
        snprintf(buf, len, "c%d", a - client_addr(net, 0));
    else
        snprintf(buf, len, "%s", fl_msvc_names[a - svc_addr(net, 0)]);
}

/* ---- the delivery queue (a binary min-heap on (due, seq)) ---- */

static bool
pend_less(const struct pending *a, const struct pending *b)
{
    return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static void
heap_push(struct fl_mnet *net, struct pending p)
{
    size_t i;

    FL_ALLOC_GROW(net->heap, net->nheap + 1, net->aheap);
    i = net->nheap++;
    while (i > 0 && pend_less(&p, &net->heap[(i - 1) / 2])) {
        net->heap[i] = net->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    net->heap[i] = p;
}

static struct pending
heap_pop(struct fl_mnet *net)
{
    struct pending top = net->heap[0], last = net->heap[--net->nheap];
    size_t i = 0, n = net->nheap;

    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && pend_less(&net->heap[c + 1], &net->heap[c]))
            c++;
        if (!pend_less(&net->heap[c], &last))
            break;
        net->heap[i] = net->heap[c];
        i = c;
    }
    if (n)
        net->heap[i] = last;
    return top;
}

/* ---- latency, loss, journal ---- */

static int64_t
now_ns(const struct fl_mnet *net)
{
    if (net->o.deterministic)
        return net->vnow;
    return fl_clock_mono_ns() - net->origin;
}

static int64_t
latency(struct fl_mnet *net, int src, int dst)
{
    int64_t mean = net->o.latency_ns;
    size_t n = net->o.nnodes;

    if (is_client(net, src) || is_client(net, dst))
        return 0;
    if (net->o.link_latency_ns && is_node(net, src) && is_node(net, dst) &&
        net->o.link_latency_ns[(size_t)dst * n + (size_t)src] >= 0)
        mean = net->o.link_latency_ns[(size_t)dst * n + (size_t)src];
    if (mean <= 0)
        return 0;
    switch (net->o.dist) {
    case FL_MNET_UNIFORM:
        return (int64_t)fl_rng_below(&net->rng, (uint64_t)(2 * mean + 1));
    case FL_MNET_EXPONENTIAL:
        return (int64_t)fl_rng_exp(&net->rng, (double)mean);
    default:
        return mean;
    }
}

static void
journal(struct fl_mnet *net, const struct pending *p, int64_t recv,
        const char *drop)
{
    if (!net->journal)
        return;
    fprintf(net->journal, "{\"sent\":%" PRId64 ",\"recv\":", p->sent);
    if (recv >= 0)
        fprintf(net->journal, "%" PRId64, recv);
    else
        fputs("null", net->journal);
    if (drop)
        fprintf(net->journal, ",\"drop\":\"%s\"", drop);
    fputs(",\"msg\":", net->journal);
    fwrite(p->line, 1, p->len, net->journal);
    fputs("}\n", net->journal);
}

/* ---- sending ---- */

static void
wake(struct fl_mnet *net)
{
    char c = 1;
    ssize_t r = write(net->wake[1], &c, 1);

    FL_UNUSED(r); /* a full pipe already wakes the router */
}

static void
enqueue(struct fl_mnet *net, int src, int dst, char *line, size_t len)
{
    struct pending p = {0};

    p.sent = now_ns(net);
    p.due = p.sent + latency(net, src, dst);
    p.seq = net->seq++;
    p.src = src;
    p.dst = dst;
    p.line = line;
    p.len = len;
    if (is_client(net, src) || is_client(net, dst))
        net->st.client_send++;
    else
        net->st.server_send++;
    heap_push(net, p);
}

/* Route one line written by src; takes nothing (line is copied). */
static void
route_line(struct fl_mnet *net, int src, const char *line, size_t len)
{
    json_error_t jerr;
    json_t *msg = json_loadb(line, len, 0, &jerr);
    const char *dest = NULL;
    char who[32];
    int dst;

    if (msg && json_is_object(msg) &&
        json_is_string(json_object_get(msg, "src")) &&
        json_is_object(json_object_get(msg, "body")))
        dest = json_string_value(json_object_get(msg, "dest"));
    dst = dest ? addr_of(net, dest) : -1;
    if (dst < 0) {
        addr_name(net, src, who, sizeof(who));
        net->st.bad_lines++;
        fl_warn("maelstrom: %s wrote %s: %.*s", who,
                !dest ? "a line that is not a message {src, dest, body}"
                      : "to an unknown node",
                (int)FL_MIN(len, (size_t)300), line);
        json_decref(msg);
        return;
    }
    json_decref(msg);
    enqueue(net, src, dst, fl_xstrndup(line, len), len);
}

/* ---- delivery ---- */

static void
node_flush(struct fl_mnet *net, struct mnode *nd)
{
    while (nd->in_fd >= 0 && nd->out_off < nd->out.len) {
        ssize_t w = send(nd->in_fd, nd->out.buf + nd->out_off,
                         nd->out.len - nd->out_off, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN)
                net->st.dropped_down++; /* a dead reader */
            if (errno != EAGAIN)
                nd->out_off = nd->out.len;
            break;
        }
        nd->out_off += (size_t)w;
    }
    if (nd->out_off == nd->out.len) {
        fl_strbuf_setlen(&nd->out, 0);
        nd->out_off = 0;
    }
}

static void
to_client(struct fl_mnet *net, int dst, const struct pending *p)
{
    struct mclient *c = net->clients[dst - client_addr(net, 0)];

    FL_ALLOC_GROW(c->q, c->nq + 1, c->aq);
    c->q[c->nq++] = fl_xstrndup(p->line, p->len);
    pthread_cond_signal(&c->cv);
}

static void
to_service(struct fl_mnet *net, const struct pending *p)
{
    json_t *msg = json_loadb(p->line, p->len, 0, NULL);
    json_t *body = msg ? json_object_get(msg, "body") : NULL;
    int k = p->dst - svc_addr(net, 0);
    json_t *reply;

    if (!body) {
        json_decref(msg);
        return;
    }
    reply = fl_msvc_handle(net->svc, (enum fl_msvc_kind)k, p->src, body);
    if (reply) {
        json_t *env = json_object();
        json_object_set_new(env, "src", json_string(fl_msvc_names[k]));
        json_object_set(env, "dest", json_object_get(msg, "src"));
        json_object_set_new(env, "body", reply);
        char *line = json_dumps(env, JSON_COMPACT);
        enqueue(net, p->dst, p->src, fl_xstrdup(line), strlen(line));
        free(line);
        json_decref(env);
    }
    json_decref(msg);
}

static const char *
drop_reason(struct fl_mnet *net, const struct pending *p)
{
    if (is_node(net, p->dst) && !net->nodes[p->dst].up)
        return "down";
    if (!is_node(net, p->src) || !is_node(net, p->dst))
        return NULL;
    if (net->partitioned &&
        fl_grudge_drops(&net->grudge, (size_t)p->dst, (size_t)p->src))
        return "partition";
    if (net->o.loss > 0 && fl_rng_double(&net->rng) < net->o.loss)
        return "loss";
    return NULL;
}

static void
deliver(struct fl_mnet *net, struct pending *p)
{
    const char *drop = drop_reason(net, p);
    int64_t t = now_ns(net);

    journal(net, p, drop ? -1 : t, drop);
    if (drop) {
        if (strcmp(drop, "down") == 0)
            net->st.dropped_down++;
        else if (strcmp(drop, "partition") == 0)
            net->st.dropped_partition++;
        else
            net->st.dropped_loss++;
    } else {
        if (is_client(net, p->src) || is_client(net, p->dst))
            net->st.client_recv++;
        else
            net->st.server_recv++;
        if (is_node(net, p->dst)) {
            struct mnode *nd = &net->nodes[p->dst];
            fl_strbuf_add(&nd->out, p->line, p->len);
            fl_strbuf_addch(&nd->out, '\n'); /* flushed after the batch */
        } else if (is_client(net, p->dst)) {
            to_client(net, p->dst, p);
        } else {
            to_service(net, p);
        }
    }
    free(p->line);
}

/* ---- the router thread ---- */

static void
node_close(struct mnode *nd)
{
    if (nd->err_fd >= 0)
        close(nd->err_fd);
    nd->err_fd = -1;
    if (nd->in_fd >= 0)
        close(nd->in_fd);
    if (nd->out_fd >= 0)
        close(nd->out_fd);
    nd->in_fd = nd->out_fd = -1;
    fl_strbuf_setlen(&nd->out, 0);
    fl_strbuf_setlen(&nd->in, 0);
    nd->out_off = 0;
}

static void
node_read(struct fl_mnet *net, size_t i)
{
    struct mnode *nd = &net->nodes[i];
    char buf[READ_CHUNK];
    ssize_t r = read(nd->out_fd, buf, sizeof(buf));
    size_t start = 0;

    if (r < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (r <= 0) {
        if (nd->up && !nd->crashed_logged) {
            fl_warn("maelstrom: node %s closed its stdout (crashed or "
                    "exited; see node-logs/%s.log)",
                    nd->name, nd->name);
            net->st.crashes++;
        }
        nd->crashed_logged = true;
        nd->up = false;
        node_close(nd);
        return;
    }
    fl_strbuf_add(&nd->in, buf, (size_t)r);
    for (size_t k = 0; k < nd->in.len; k++) {
        if (nd->in.buf[k] != '\n')
            continue;
        if (k > start)
            route_line(net, (int)i, nd->in.buf + start, k - start);
        start = k + 1;
    }
    if (start) {
        memmove(nd->in.buf, nd->in.buf + start, nd->in.len - start);
        fl_strbuf_setlen(&nd->in, nd->in.len - start);
    }
}

/* --log-stderr: copy to the log file and, prefixed, to our stderr. */
static void
node_read_err(struct mnode *nd)
{
    char buf[8192];
    ssize_t r = read(nd->err_fd, buf, sizeof(buf));

    if (r <= 0) {
        if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
            close(nd->err_fd);
            nd->err_fd = -1;
        }
        return;
    }
    if (nd->log_fd >= 0 && write(nd->log_fd, buf, (size_t)r) < 0)
        fl_warn("maelstrom: %s log: %s", nd->name, strerror(errno));
    fl_strbuf_add(&nd->err, buf, (size_t)r);
    size_t s = 0;
    for (size_t k = 0; k < nd->err.len; k++)
        if (nd->err.buf[k] == '\n') {
            fprintf(stderr, "%s: %.*s", nd->name, (int)(k + 1 - s),
                    nd->err.buf + s);
            s = k + 1;
        }
    memmove(nd->err.buf, nd->err.buf + s, nd->err.len - s);
    fl_strbuf_setlen(&nd->err, nd->err.len - s);
}

/* The inbox line with the smallest order (--deterministic). */
static char *
inbox_first(struct fl_mnet *net, char **end_out)
{
    char *s = net->inbox.buf, *end = s + net->inbox.len, *best = NULL;
    long long best_order = 0;

    while (s < end) {
        char *nl = memchr(s, '\n', (size_t)(end - s));
        char *sp = memchr(s, ' ', (size_t)(nl - s));
        long long order = strtoll(sp + 1, NULL, 10);
        if (!best || order < best_order) {
            best = s;
            best_order = order;
            *end_out = nl;
        }
        s = nl + 1;
    }
    return best;
}

/* Route every client request waiting in the inbox ("<addr> <order>
 * <line>" lines). */
static void
drain_inbox(struct fl_mnet *net)
{
    char *s = net->inbox.buf, *end = s + net->inbox.len;

    while (s < end) {
        char *nl = memchr(s, '\n', (size_t)(end - s));
        char *sp = memchr(s, ' ', (size_t)(nl - s));
        int src = (int)strtol(s, NULL, 10);
        sp = memchr(sp + 1, ' ', (size_t)(nl - sp - 1));
        route_line(net, src, sp + 1, (size_t)(nl - sp - 1));
        s = nl + 1;
    }
    fl_strbuf_setlen(&net->inbox, 0);
}

static int
poll_timeout(struct fl_mnet *net)
{
    int64_t dt;

    if (net->nheap == 0)
        return -1;
    dt = net->heap[0].due - now_ns(net);
    if (dt <= 0)
        return 0;
    return (int)FL_MIN((dt + 999999) / 1000000, (int64_t)1000);
}

static size_t
fill_pollfds(struct fl_mnet *net, struct pollfd *pf, int *who)
{
    size_t n = 0;

    pf[n] = (struct pollfd){.fd = net->wake[0], .events = POLLIN};
    who[n++] = -1;
    for (size_t i = 0; i < net->o.nnodes; i++) {
        struct mnode *nd = &net->nodes[i];
        if (nd->close_req) {
            node_close(nd);
            nd->close_req = false;
            pthread_cond_broadcast(&net->closed_cv);
        }
        if (nd->out_fd >= 0) {
            pf[n] = (struct pollfd){.fd = nd->out_fd, .events = POLLIN};
            who[n++] = (int)i;
        }
        if (nd->err_fd >= 0) {
            pf[n] = (struct pollfd){.fd = nd->err_fd, .events = POLLIN};
            who[n++] = (int)i;
        }
        if (nd->in_fd >= 0 && nd->out.len > nd->out_off) {
            pf[n] = (struct pollfd){.fd = nd->in_fd, .events = POLLOUT};
            who[n++] = (int)i;
        }
    }
    return n;
}

static void
handle_events(struct fl_mnet *net, struct pollfd *pf, const int *who, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        if (!pf[k].revents)
            continue;
        if (who[k] < 0) {
            char buf[256];
            while (read(net->wake[0], buf, sizeof(buf)) > 0)
                ;
            continue;
        }
        struct mnode *nd = &net->nodes[who[k]];
        if (pf[k].events == POLLOUT) {
            if (pf[k].revents & (POLLERR | POLLHUP))
                nd->out_off = nd->out.len;
            node_flush(net, nd);
        } else if (nd->out_fd == pf[k].fd) {
            node_read(net, (size_t)who[k]);
        } else if (nd->err_fd == pf[k].fd) {
            node_read_err(nd);
        }
    }
}

enum proc_state { PROC_BUSY, PROC_IDLE, PROC_STOPPED };

/* All threads of pid sleeping (idle), all stopped, or some running. */
static enum proc_state
proc_state(pid_t pid)
{
    char path[64], buf[512];
    DIR *d;
    struct dirent *e;
    bool any = false, all_stopped = true, busy = false;

    snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
    d = opendir(path);
    if (!d)
        return PROC_IDLE; /* gone */
    while (!busy && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "/proc/%d/task/%.20s/stat", (int)pid,
                 e->d_name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
        if (fd >= 0)
            close(fd);
        if (n <= 0)
            continue;
        buf[n] = '\0';
        const char *rp = strrchr(buf, ')');
        char st = rp && rp[1] && rp[2] ? rp[2] : 'S';
        any = true;
        busy = st == 'R' || st == 'D';
        all_stopped &= st == 'T' || st == 't';
    }
    closedir(d);
    return busy ? PROC_BUSY : any && all_stopped ? PROC_STOPPED : PROC_IDLE;
}

/* ---- --deterministic: one event at a time, in virtual time ---- */

/* A thread of node nd sleeps until a virtual time that has come. */
static bool
timer_due(const struct mnode *nd, int64_t vnow)
{
    for (int k = 0; nd->vt && k < FL_VTIME_SLOTS; k++)
        if (atomic_load(&nd->vt->slot[k].tid) != 0 &&
            atomic_load(&nd->vt->slot[k].deadline) <= vnow)
            return true;
    return false;
}

/* The earliest virtual deadline after vnow a thread of a node sleeps
 * until, or DET_NEVER. */
static int64_t
next_timer(struct fl_mnet *net)
{
    int64_t best = DET_NEVER;

    for (size_t i = 0; i < net->o.nnodes; i++) {
        struct mnode *nd = &net->nodes[i];
        for (int k = 0; nd->up && nd->vt && k < FL_VTIME_SLOTS; k++) {
            int64_t d = atomic_load(&nd->vt->slot[k].deadline);
            if (atomic_load(&nd->vt->slot[k].tid) > 0 && d > net->vnow &&
                d < best)
                best = d;
        }
    }
    return best;
}

/* Tell every node's shim the virtual time, and wake its sleepers. */
static void
publish_now(struct fl_mnet *net)
{
    for (size_t i = 0; i < net->o.nnodes; i++) {
        struct fl_vtime_page *vt = net->nodes[i].vt;
        if (!vt)
            continue;
        atomic_store(&vt->now, net->vnow);
        atomic_fetch_add(&vt->gen, 1);
        syscall(SYS_futex, &vt->gen, FUTEX_WAKE, INT32_MAX, NULL, NULL, 0);
    }
}

/* The run's (virtual) clock, as a virtual time of the network. */
static int64_t
clock_vnow(struct fl_mnet *net)
{
    if (!net->o.clock)
        return net->vnow;
    return fl_clock_now_ns(net->o.clock) - net->clock_origin;
}

/* Move virtual time to t, and the run's clock with it. */
static void
advance_to(struct fl_mnet *net, int64_t t)
{
    if (t > net->vnow) {
        net->vnow = t;
        publish_now(net);
    }
    if (net->o.clock)
        fl_clock_advance_to(net->o.clock, net->clock_origin + net->vnow);
}

/*
 * After a delivery to node i or a timer of it: take in everything it
 * writes until it has read its input, no thread of it has a deadline that
 * has come, and every thread sleeps, twice in a row. Gives up after
 * limit_ns (a node that computes without end).
 */
static void
wait_quiescent(struct fl_mnet *net, size_t i, int64_t limit_ns)
{
    struct mnode *nd = &net->nodes[i];
    int64_t deadline = fl_clock_mono_ns() + limit_ns;
    int calm = 0;

    while (calm < 2 && !net->stopping && nd->up && nd->pid > 0) {
        struct pollfd pf = {.fd = nd->out_fd, .events = POLLIN};
        int pending = 0;
        node_flush(net, nd);
        if (nd->out_fd >= 0 && poll(&pf, 1, 0) > 0) {
            node_read(net, i);
            calm = 0;
            continue;
        }
        enum proc_state ps = proc_state(nd->pid);
        if (ps == PROC_STOPPED)
            return;
        if (nd->in_fd >= 0 && ioctl(nd->in_fd, SIOCOUTQ, &pending) < 0)
            pending = 0;
        bool idle = ps == PROC_IDLE && pending == 0 &&
                    nd->out.len == nd->out_off && !timer_due(nd, net->vnow);
        calm = idle ? calm + 1 : 0;
        if (fl_clock_mono_ns() > deadline) {
            net->st.quiesce_timeouts++;
            return;
        }
        pthread_mutex_unlock(&net->mu);
        usleep(idle ? 100 : 20);
        pthread_mutex_lock(&net->mu);
    }
}

/* Clients whose request entered and has had no reply yet. */
static size_t
outstanding(struct fl_mnet *net, int64_t *first_deadline)
{
    size_t n = 0;

    *first_deadline = DET_NEVER;
    for (size_t k = 0; k < net->nclients; k++) {
        struct mclient *c = net->clients[k];
        if (!c->waiting)
            continue;
        n++;
        if (c->vdeadline < *first_deadline)
            *first_deadline = c->vdeadline;
    }
    return n;
}

/* The client requests whose virtual timeout has come fail (-ETIMEDOUT). */
static void
time_out_clients(struct fl_mnet *net)
{
    for (size_t k = 0; k < net->nclients; k++) {
        struct mclient *c = net->clients[k];
        if (c->waiting && c->vdeadline <= net->vnow) {
            c->waiting = false;
            c->vtimed_out = true;
            pthread_cond_signal(&c->cv);
        }
    }
}

/* Every node with a timer that has come runs it to quiescence. */
static void
run_timers(struct fl_mnet *net)
{
    for (size_t i = 0; i < net->o.nnodes; i++)
        if (net->nodes[i].up && timer_due(&net->nodes[i], net->vnow))
            wait_quiescent(net, i, 2 * FL_NS_PER_S);
}

/*
 * Move to t, the deadline of some timers, and run them: the nodes whose
 * timers come are noted before the clock moves (they all wake at once),
 * then taken in, one after the other in node order, so their messages
 * enter the queue in that order whichever of them runs first.
 */
static void
fire_timers(struct fl_mnet *net, int64_t t)
{
    bool *due = fl_xcalloc(net->o.nnodes, sizeof(bool));

    for (size_t i = 0; i < net->o.nnodes; i++)
        due[i] = net->nodes[i].up && timer_due(&net->nodes[i], t);
    advance_to(net, t);
    for (size_t i = 0; i < net->o.nnodes; i++)
        if (due[i] && net->nodes[i].up)
            wait_quiescent(net, i, 2 * FL_NS_PER_S);
    free(due);
    run_timers(net); /* any that came meanwhile (none, normally) */
}

static void
deliver_next(struct fl_mnet *net)
{
    struct pending p = heap_pop(net);
    int dst = p.dst;

    advance_to(net, p.due);
    if (is_client(net, dst))
        net->clients[dst - client_addr(net, 0)]->waiting = false;
    deliver(net, &p);
    if (is_node(net, dst) && net->nodes[dst].up) {
        /* A node just started may take a while to load (init's 10 s). */
        struct mnode *nd = &net->nodes[dst];
        wait_quiescent(net, (size_t)dst,
                       nd->fresh ? INIT_TIMEOUT_NS : 2 * FL_NS_PER_S);
        nd->fresh = false;
    }
}

/*
 * The waiting request to let in next, or NULL: none while another is
 * outstanding, and with several client threads only after DET_GRACE_NS
 * without a new one, the one of the smallest order (requests made together
 * arrive in any order).
 */
static char *
ready_request(struct fl_mnet *net, size_t busy, char **nl)
{
    if (busy || net->inbox.len == 0)
        return NULL;
    /* One client thread (o.clock): its requests come one at a time. */
    if (!net->o.clock && fl_clock_mono_ns() - net->inbox_since < DET_GRACE_NS)
        return NULL;
    return inbox_first(net, nl);
}

/* Virtual time between the last request and the one at line (without a
 * run clock): 1/rate, or the recovery time before the first final read. */
static int64_t
entry_gap(struct fl_mnet *net, const char *line)
{
    int src = (int)strtol(line, NULL, 10);
    struct mclient *c = net->clients[src - client_addr(net, 0)];

    if (c->final_pause > 0 && !net->final_entered)
        return c->final_pause;
    return net->o.det_gap_ns;
}

/* Route the request at first..nl at virtual time `at`. */
static void
enter_request(struct fl_mnet *net, char *first, char *nl, int64_t at)
{
    char *sp = memchr(first, ' ', (size_t)(nl - first));
    int src = (int)strtol(first, NULL, 10);
    struct mclient *c = net->clients[src - client_addr(net, 0)];

    advance_to(net, at);
    run_timers(net);
    net->last_entry = net->vnow;
    net->final_entered |= c->final_pause > 0;
    c->waiting = true;
    c->vdeadline = net->vnow + c->timeout_ns;
    sp = memchr(sp + 1, ' ', (size_t)(nl - sp - 1));
    route_line(net, src, sp + 1, (size_t)(nl - sp - 1));
    memmove(first, nl + 1, (size_t)(net->inbox.buf + net->inbox.len - nl - 1));
    fl_strbuf_setlen(&net->inbox, net->inbox.len - (size_t)(nl + 1 - first));
    net->inbox_since = fl_clock_mono_ns();
}

/*
 * One event, the earliest in virtual time: a node's timer, a message's
 * delivery, a request's timeout, or a client request entering (at the
 * run's clock, which is virtual too: the op's invocation time). Time
 * moves past the clock only while a request is outstanding (and then
 * moves the clock): what happens is a function of the seed and of the
 * requests, not of the wall clock. Returns whether it did anything.
 */
static bool
step_deterministic(struct fl_mnet *net)
{
    int64_t t_cto, t_tmr = next_timer(net), t_msg, next, horizon = -1;
    size_t busy = outstanding(net, &t_cto);
    char *nl = NULL, *req = ready_request(net, busy, &nl);

    t_msg = net->nheap ? net->heap[0].due : DET_NEVER;
    next = FL_MIN(t_tmr, FL_MIN(t_msg, t_cto));
    if (req)
        horizon = net->o.clock ? FL_MAX(net->vnow, clock_vnow(net))
                               : FL_MAX(net->vnow,
                                        net->last_entry + entry_gap(net, req));
    else if (busy)
        horizon = DET_NEVER;
    if (next != DET_NEVER && next <= horizon) {
        if (t_tmr == next) {
            fire_timers(net, next);
        } else if (t_msg == next) {
            deliver_next(net);
        } else {
            advance_to(net, next);
            time_out_clients(net);
        }
        return true;
    }
    if (!req)
        return false;
    enter_request(net, req, nl, horizon);
    return true;
}

static void *
router_main(void *arg)
{
    struct fl_mnet *net = arg;
    size_t cap = 1 + 3 * net->o.nnodes;
    struct pollfd *pf = fl_xcalloc(cap, sizeof(*pf));
    int *who = fl_xcalloc(cap, sizeof(int));
    bool progressed = false;

    pthread_mutex_lock(&net->mu);
    while (!net->stopping) {
        size_t n = fill_pollfds(net, pf, who);
        int timeout = !net->o.deterministic ? poll_timeout(net)
                      : progressed          ? 0
                      : net->inbox.len      ? 1
                                            : -1;
        pthread_mutex_unlock(&net->mu);
        int r = poll(pf, n, timeout);
        pthread_mutex_lock(&net->mu);
        if (r > 0)
            handle_events(net, pf, who, n);
        if (net->o.deterministic) {
            progressed = step_deterministic(net);
        } else {
            drain_inbox(net);
            int64_t t = now_ns(net);
            while (net->nheap && net->heap[0].due <= t) {
                struct pending p = heap_pop(net);
                deliver(net, &p);
            }
        }
        for (size_t i = 0; i < net->o.nnodes; i++)
            if (net->nodes[i].out.len > net->nodes[i].out_off)
                node_flush(net, &net->nodes[i]);
    }
    pthread_mutex_unlock(&net->mu);
    free(pf);
    free(who);
    return NULL;
}

/* ---- lifecycle ---- */

struct fl_mnet *
fl_mnet_new(const struct fl_mnet_opts *o)
{
    struct fl_mnet *net = fl_xcalloc(1, sizeof(*net));
    size_t argc = 0;

    net->o = *o;
    while (o->argv[argc])
        argc++;
    net->argv = fl_xcalloc(argc + 1, sizeof(char *));
    for (size_t i = 0; i < argc; i++)
        net->argv[i] = fl_xstrdup(o->argv[i]);
    net->o.argv = net->argv;
    if (o->link_latency_ns) {
        size_t nn = o->nnodes * o->nnodes;
        net->o.link_latency_ns = fl_xcalloc(nn, sizeof(int64_t));
        memcpy(net->o.link_latency_ns, o->link_latency_ns,
               nn * sizeof(int64_t));
    }
    pthread_mutex_init(&net->mu, NULL);
    pthread_cond_init(&net->closed_cv, NULL);
    net->nodes = fl_xcalloc(o->nnodes, sizeof(*net->nodes));
    for (size_t i = 0; i < o->nnodes; i++) {
        struct mnode *nd = &net->nodes[i];
        snprintf(nd->name, sizeof(nd->name), "n%zu", i);
        nd->in_fd = nd->out_fd = nd->log_fd = nd->err_fd = -1;
        fl_strbuf_init(&nd->out, 0);
        fl_strbuf_init(&nd->in, 0);
        fl_strbuf_init(&nd->err, 0);
    }
    fl_strbuf_init(&net->inbox, 0);
    for (size_t k = 0; k < 2 * o->nnodes; k++)
        fl_mnet_client_new(net);
    fl_rng_seed(&net->rng, o->seed ^ 0x6d61656c7374726full);
    net->svc = fl_msvc_new(o->seed);
    net->wake[0] = net->wake[1] = -1;
    return net;
}

/* --deterministic: node i's clock page, a file its shim maps. */
static int
open_vtime(struct fl_mnet *net, size_t i, struct fl_err *err)
{
    struct mnode *nd = &net->nodes[i];
    char path[] = "/tmp/faultline-vtime-XXXXXX";
    int fd = mkostemp(path, O_CLOEXEC);
    void *m = MAP_FAILED;

    if (fd >= 0 && ftruncate(fd, sizeof(struct fl_vtime_page)) == 0)
        m = mmap(NULL, sizeof(struct fl_vtime_page), PROT_READ | PROT_WRITE,
                 MAP_SHARED, fd, 0);
    if (fd >= 0)
        close(fd);
    if (m == MAP_FAILED) {
        if (fd >= 0)
            unlink(path);
        return fl_err_set(err, -errno, "%s: %s", path, strerror(errno));
    }
    nd->vt = m;
    nd->vt->magic = FL_VTIME_MAGIC;
    nd->vt_path = fl_xstrdup(path);
    return 0;
}

static void
close_vtime(struct mnode *nd)
{
    if (!nd->vt)
        return;
    munmap(nd->vt, sizeof(*nd->vt));
    unlink(nd->vt_path);
    free(nd->vt_path);
    nd->vt = NULL;
}

/* Forget the sleepers of a node that is gone. */
static void
clear_vtime(struct mnode *nd)
{
    for (int k = 0; nd->vt && k < FL_VTIME_SLOTS; k++)
        atomic_store(&nd->vt->slot[k].tid, 0);
}

static int
open_journal(struct fl_mnet *net, const char *store_dir, struct fl_err *err)
{
    net->log_dir = fl_xasprintf("%s/node-logs", store_dir);
    if (mkdir(net->log_dir, 0755) < 0 && errno != EEXIST)
        return fl_err_set(err, -errno, "mkdir %s: %s", net->log_dir,
                          strerror(errno));
    if (!net->o.journal)
        return 0;
    net->journal_path = fl_xasprintf("%s/messages.jsonl", store_dir);
    net->journal = fopen(net->journal_path, "w");
    if (!net->journal)
        return fl_err_set(err, -errno, "%s: %s", net->journal_path,
                          strerror(errno));
    return 0;
}

int
fl_mnet_start(struct fl_mnet *net, const char *store_dir, struct fl_err *err)
{
    int rc = 0;

    pthread_mutex_lock(&net->mu);
    if (net->started)
        goto out;
    if (store_dir)
        rc = open_journal(net, store_dir, err);
    for (size_t i = 0; rc == 0 && net->o.deterministic && i < net->o.nnodes;
         i++)
        rc = open_vtime(net, i, err);
    if (rc == 0 && net->o.deterministic) {
        net->vtime_so = fl_vtime_shim_path();
        if (access(net->vtime_so, R_OK) != 0)
            rc = fl_err_set(err, -ENOENT,
                            "--deterministic: %s: %s (make builds it)",
                            net->vtime_so, strerror(errno));
    }
    if (rc == 0 && pipe2(net->wake, O_CLOEXEC | O_NONBLOCK) < 0)
        rc = fl_err_set(err, -errno, "pipe: %s", strerror(errno));
    if (rc < 0)
        goto out;
    net->origin = fl_clock_mono_ns();
    if (net->o.clock)
        net->clock_origin = fl_clock_now_ns(net->o.clock);
    rc = -pthread_create(&net->thread, NULL, router_main, net);
    if (rc < 0) {
        fl_err_set(err, rc, "cannot start the router thread");
        goto out;
    }
    net->started = true;
out:
    pthread_mutex_unlock(&net->mu);
    return rc;
}

static void
reap(pid_t pid)
{
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
}

int
fl_mnet_node_kill(struct fl_mnet *net, size_t i, struct fl_err *err)
{
    struct mnode *nd = &net->nodes[i];
    pid_t pid;

    FL_UNUSED(err);
    pthread_mutex_lock(&net->mu);
    pid = nd->pid;
    nd->pid = 0;
    nd->up = false;
    if (pid > 0)
        kill(-pid, SIGKILL);
    clear_vtime(nd);
    if (net->started &&
        (nd->in_fd >= 0 || nd->out_fd >= 0 || nd->err_fd >= 0)) {
        nd->close_req = true;
        wake(net);
        while (nd->close_req && !net->stopping)
            pthread_cond_wait(&net->closed_cv, &net->mu);
    }
    if (nd->close_req || !net->started)
        node_close(nd);
    nd->close_req = false;
    if (nd->log_fd >= 0)
        close(nd->log_fd);
    nd->log_fd = -1;
    pthread_mutex_unlock(&net->mu);
    if (pid > 0)
        reap(pid);
    return 0;
}

/* --deterministic: nodes start (and get init) one after another, in order. */
static void
first_start_wait(struct fl_mnet *net, size_t i)
{
    pthread_mutex_lock(&net->mu);
    while (net->o.deterministic && net->nodes[i].starts == 0 &&
           net->next_start < i && !net->stopping)
        pthread_cond_wait(&net->closed_cv, &net->mu);
    pthread_mutex_unlock(&net->mu);
}

static void
first_start_done(struct fl_mnet *net, size_t i)
{
    pthread_mutex_lock(&net->mu);
    if (net->next_start == i)
        net->next_start = i + 1;
    pthread_cond_broadcast(&net->closed_cv);
    pthread_mutex_unlock(&net->mu);
}

/* environ, plus with --deterministic the virtual-time shim and node i's
 * clock page (LD_PRELOAD keeps what was there, after the shim). */
static char **
node_env(struct fl_mnet *net, size_t i)
{
    const char *pre = getenv("LD_PRELOAD");
    size_t n = 0, k = 0;
    char **env;

    if (!net->o.deterministic)
        return environ;
    while (environ[n])
        n++;
    env = fl_xcalloc(n + 3, sizeof(char *));
    for (size_t j = 0; j < n; j++)
        if (strncmp(environ[j], "LD_PRELOAD=", 11) != 0 &&
            strncmp(environ[j], "FAULTLINE_VTIME_FILE=", 21) != 0)
            env[k++] = fl_xstrdup(environ[j]);
    env[k++] = pre && *pre
                   ? fl_xasprintf("LD_PRELOAD=%s:%s", net->vtime_so, pre)
                   : fl_xasprintf("LD_PRELOAD=%s", net->vtime_so);
    env[k++] = fl_xasprintf("FAULTLINE_VTIME_FILE=%s", net->nodes[i].vt_path);
    return env;
}

static void
node_env_free(struct fl_mnet *net, char **env)
{
    if (!net->o.deterministic)
        return;
    for (size_t j = 0; env[j]; j++)
        free(env[j]);
    free(env);
}

static int
spawn(struct fl_mnet *net, size_t i, int *fds, pid_t *pid, int *log_fd,
      struct fl_err *err)
{
    int in[2] = {-1, -1}, out[2] = {-1, -1}, errp[2] = {-1, -1}, rc = 0;
    posix_spawn_file_actions_t fa;
    char *path = net->log_dir ? fl_xasprintf("%s/%s.log", net->log_dir,
                                             net->nodes[i].name)
                              : fl_xstrdup("/dev/null");

    *log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (*log_fd < 0) {
        rc = fl_err_set(err, -errno, "%s: %s", path, strerror(errno));
        free(path);
        return rc;
    }
    free(path);
    /* stdin is a socketpair: a node that died gives EPIPE, not SIGPIPE
     * (the library leaves signal dispositions alone), and SIOCOUTQ tells
     * what it has not read yet. */
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) < 0 ||
        pipe2(out, O_CLOEXEC) < 0 ||
        (net->o.log_stderr && pipe2(errp, O_CLOEXEC) < 0)) {
        rc = fl_err_set(err, -errno, "pipe: %s", strerror(errno));
        goto out;
    }
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, errp[1] >= 0 ? errp[1] : *log_fd, 2);
    /* Its own process group: kill and pause reach a wrapper's children,
     * and the terminal's Ctrl-C reaches only faultline, which heals. */
    posix_spawnattr_t at;
    posix_spawnattr_init(&at);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&at, 0);
    char **env = node_env(net, i);
    rc = posix_spawnp(pid, net->argv[0], &fa, &at, net->argv, env);
    node_env_free(net, env);
    posix_spawnattr_destroy(&at);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        rc = fl_err_set(err, -rc, "node %s: cannot start %s: %s",
                        net->nodes[i].name, net->argv[0], strerror(rc));
        goto out;
    }
    fcntl(in[1], F_SETFL, O_NONBLOCK);
    fcntl(out[0], F_SETFL, O_NONBLOCK);
    if (errp[0] >= 0)
        fcntl(errp[0], F_SETFL, O_NONBLOCK);
    fds[0] = in[1];
    fds[1] = out[0];
    fds[2] = errp[0];
    in[1] = out[0] = errp[0] = -1;
out:
    for (int k = 0; k < 2; k++) {
        if (in[k] >= 0)
            close(in[k]);
        if (out[k] >= 0)
            close(out[k]);
        if (errp[k] >= 0)
            close(errp[k]);
    }
    return rc;
}

static json_t *
init_body(struct fl_mnet *net, size_t i)
{
    json_t *ids = json_array();

    for (size_t k = 0; k < net->o.nnodes; k++)
        json_array_append_new(ids, json_string(net->nodes[k].name));
    return json_pack("{s:s, s:s, s:o}", "type", "init", "node_id",
                     net->nodes[i].name, "node_ids", ids);
}

/* Clients c<i> and c<N+i> send node i's first init and setup message
 * (so ids do not depend on which node starts first); restarts take new
 * ones. */
static int
setup_client(struct fl_mnet *net, size_t i, int which)
{
    struct mnode *nd = &net->nodes[i];
    int k;

    pthread_mutex_lock(&net->mu);
    k = nd->starts == 1 ? (int)(i + (size_t)which * net->o.nnodes) : -1;
    pthread_mutex_unlock(&net->mu);
    return k >= 0 ? k : fl_mnet_client_new(net);
}

static int
setup_rpc(struct fl_mnet *net, size_t i, json_t *body, const char *want,
          struct fl_err *err)
{
    int k = setup_client(net, i, strcmp(want, "init_ok") == 0 ? 0 : 1);
    json_t *reply = NULL;
    int rc = fl_mnet_call(net, k, net->nodes[i].name, body, INIT_TIMEOUT_NS,
                          &reply, err);
    const char *type =
        reply ? json_string_value(json_object_get(reply, "type")) : NULL;

    if (rc == -ETIMEDOUT)
        fl_err_set(err, rc,
                   "node %s did not answer %s within 10 s (see "
                   "node-logs/%s.log)",
                   net->nodes[i].name,
                   json_string_value(json_object_get(body, "type")),
                   net->nodes[i].name);
    else if (rc == 0 && (!type || strcmp(type, want) != 0)) {
        char *s = json_dumps(reply, JSON_COMPACT);
        rc = fl_err_set(err, -EPROTO, "node %s answered %s with %s, not %s",
                        net->nodes[i].name,
                        json_string_value(json_object_get(body, "type")), s,
                        want);
        free(s);
    }
    json_decref(reply);
    return rc;
}

int
fl_mnet_node_start(struct fl_mnet *net, size_t i, struct fl_err *err)
{
    struct mnode *nd = &net->nodes[i];
    int fds[3] = {-1, -1, -1}, log_fd = -1, rc;
    pid_t pid;
    json_t *body;

    fl_mnet_node_kill(net, i, err);
    first_start_wait(net, i);
    rc = spawn(net, i, fds, &pid, &log_fd, err);
    if (rc < 0)
        return rc;
    pthread_mutex_lock(&net->mu);
    nd->pid = pid;
    nd->in_fd = fds[0];
    nd->out_fd = fds[1];
    nd->err_fd = fds[2];
    nd->log_fd = log_fd;
    nd->up = true;
    nd->crashed_logged = false;
    nd->fresh = true;
    nd->starts++;
    body = nd->setup_body ? json_deep_copy(nd->setup_body) : NULL;
    pthread_mutex_unlock(&net->mu);
    wake(net);
    json_t *ib = init_body(net, i);
    rc = setup_rpc(net, i, ib, "init_ok", err);
    json_decref(ib);
    if (rc == 0 && body) {
        char want[64];
        snprintf(want, sizeof(want), "%s_ok",
                 json_string_value(json_object_get(body, "type")));
        rc = setup_rpc(net, i, body, want, err);
    }
    json_decref(body);
    first_start_done(net, i);
    return rc;
}

static int
signal_node(struct fl_mnet *net, size_t i, int sig, struct fl_err *err)
{
    int rc = 0;

    pthread_mutex_lock(&net->mu);
    if (net->nodes[i].pid <= 0)
        rc = 0; /* killed: nothing to stop or continue */
    else if (kill(-net->nodes[i].pid, sig) < 0)
        rc = fl_err_set(err, -errno, "node %s: kill: %s", net->nodes[i].name,
                        strerror(errno));
    pthread_mutex_unlock(&net->mu);
    return rc;
}

int
fl_mnet_node_pause(struct fl_mnet *net, size_t i, struct fl_err *err)
{
    return signal_node(net, i, SIGSTOP, err);
}

int
fl_mnet_node_resume(struct fl_mnet *net, size_t i, struct fl_err *err)
{
    return signal_node(net, i, SIGCONT, err);
}

void
fl_mnet_set_setup_body(struct fl_mnet *net, size_t i, json_t *body)
{
    pthread_mutex_lock(&net->mu);
    json_decref(net->nodes[i].setup_body);
    net->nodes[i].setup_body = body;
    pthread_mutex_unlock(&net->mu);
}

void
fl_mnet_partition(struct fl_mnet *net, const struct fl_grudge *g)
{
    pthread_mutex_lock(&net->mu);
    fl_grudge_release(&net->grudge);
    net->partitioned = g != NULL;
    if (g) {
        fl_grudge_init(&net->grudge, net->o.nnodes);
        for (size_t d = 0; d < net->o.nnodes && d < g->n; d++)
            for (size_t s = 0; s < net->o.nnodes && s < g->n; s++)
                if (fl_grudge_drops(g, d, s))
                    fl_grudge_add(&net->grudge, d, s);
    }
    pthread_mutex_unlock(&net->mu);
}

/* ---- clients ---- */

int
fl_mnet_client_new(struct fl_mnet *net)
{
    struct mclient *c = fl_xcalloc(1, sizeof(*c));
    int k;

    fl_cond_init_monotonic(&c->cv);
    pthread_mutex_lock(&net->mu);
    FL_ALLOC_GROW(net->clients, net->nclients + 1, net->aclients);
    k = (int)net->nclients;
    net->clients[net->nclients++] = c;
    pthread_mutex_unlock(&net->mu);
    return k;
}

/* The reply to msg_id in line, parsed, or NULL. */
static json_t *
match_reply(const char *line, int64_t msg_id)
{
    json_t *msg = json_loads(line, 0, NULL);
    json_t *body = msg ? json_object_get(msg, "body") : NULL;
    json_t *irt = body ? json_object_get(body, "in_reply_to") : NULL;

    if (!irt || !json_is_integer(irt) || json_integer_value(irt) != msg_id) {
        json_decref(msg);
        return NULL;
    }
    json_incref(body);
    json_decref(msg);
    return body;
}

int
fl_mnet_call(struct fl_mnet *net, int k, const char *dest, json_t *body,
             int64_t timeout_ns, json_t **reply, struct fl_err *err)
{
    return fl_mnet_call_ordered(net, k, dest, body, -1, timeout_ns, reply, err);
}

int
fl_mnet_call_ordered(struct fl_mnet *net, int k, const char *dest, json_t *body,
                     int64_t order, int64_t timeout_ns, json_t **reply,
                     struct fl_err *err)
{
    struct mclient *c;
    int64_t msg_id, deadline = fl_clock_mono_ns() + timeout_ns;
    char src[32];
    int rc = 0;

    *reply = NULL;
    if (net->o.deterministic) /* the timeout is virtual; this is a backstop */
        deadline += 60 * FL_NS_PER_S;
    pthread_mutex_lock(&net->mu);
    c = net->clients[k];
    c->timeout_ns = timeout_ns;
    c->vtimed_out = false;
    msg_id = ++c->next_msg_id;
    snprintf(src, sizeof(src), "c%d", k);
    json_t *b = json_deep_copy(body);
    json_object_set_new(b, "msg_id", json_integer(msg_id));
    json_t *env =
        json_pack("{s:s, s:s, s:o}", "src", src, "dest", dest, "body", b);
    char *line = json_dumps(env, JSON_COMPACT);
    json_decref(env);
    if (net->inbox.len == 0)
        net->inbox_since = fl_clock_mono_ns();
    fl_strbuf_addf(&net->inbox, "%d %" PRId64 " %s\n", client_addr(net, k),
                   order, line);
    free(line);
    wake(net);
    while (!*reply) {
        while (c->nq && !*reply) {
            char *l = c->q[0];
            memmove(c->q, c->q + 1, (c->nq - 1) * sizeof(char *));
            c->nq--;
            *reply = match_reply(l, msg_id);
            free(l);
        }
        if (*reply)
            break;
        if (net->stopping || c->vtimed_out ||
            fl_cond_wait_until(&c->cv, &net->mu, deadline) == ETIMEDOUT) {
            rc = fl_err_set(err, -ETIMEDOUT, "no reply from %s", dest);
            break;
        }
    }
    pthread_mutex_unlock(&net->mu);
    return rc;
}

/* ---- the rest ---- */

void
fl_mnet_client_final(struct fl_mnet *net, int k, int64_t pause_ns)
{
    pthread_mutex_lock(&net->mu);
    net->clients[k]->final_pause = pause_ns;
    pthread_mutex_unlock(&net->mu);
}

void
fl_mnet_stats(struct fl_mnet *net, struct fl_mnet_stats *out)
{
    pthread_mutex_lock(&net->mu);
    *out = net->st;
    pthread_mutex_unlock(&net->mu);
}

const char *
fl_mnet_node_name(const struct fl_mnet *net, size_t i)
{
    return net->nodes[i].name;
}

void
fl_mnet_flush(struct fl_mnet *net)
{
    pthread_mutex_lock(&net->mu);
    if (net->journal)
        fflush(net->journal);
    pthread_mutex_unlock(&net->mu);
}

const char *
fl_mnet_journal_path(const struct fl_mnet *net)
{
    return net->journal_path;
}

static void
stop_router(struct fl_mnet *net)
{
    pthread_mutex_lock(&net->mu);
    net->stopping = true;
    pthread_mutex_unlock(&net->mu);
    wake(net);
    pthread_join(net->thread, NULL);
    while (net->nheap) {
        struct pending p = heap_pop(net);
        journal(net, &p, -1, "end");
        free(p.line);
    }
}

void
fl_mnet_free(struct fl_mnet *net)
{
    if (!net)
        return;
    for (size_t i = 0; i < net->o.nnodes; i++)
        fl_mnet_node_kill(net, i, NULL);
    if (net->started)
        stop_router(net);
    for (size_t i = 0; i < net->o.nnodes; i++) {
        node_close(&net->nodes[i]);
        fl_strbuf_release(&net->nodes[i].out);
        fl_strbuf_release(&net->nodes[i].in);
        fl_strbuf_release(&net->nodes[i].err);
        json_decref(net->nodes[i].setup_body);
        close_vtime(&net->nodes[i]);
    }
    free(net->vtime_so);
    for (size_t k = 0; k < net->nclients; k++) {
        for (size_t j = 0; j < net->clients[k]->nq; j++)
            free(net->clients[k]->q[j]);
        free(net->clients[k]->q);
        pthread_cond_destroy(&net->clients[k]->cv);
        free(net->clients[k]);
    }
    free(net->clients);
    free(net->heap);
    free(net->o.link_latency_ns);
    for (size_t i = 0; net->argv[i]; i++)
        free(net->argv[i]);
    free(net->argv);
    free(net->nodes);
    fl_strbuf_release(&net->inbox);
    fl_grudge_release(&net->grudge);
    fl_msvc_free(net->svc);
    if (net->journal)
        fclose(net->journal);
    free(net->journal_path);
    free(net->log_dir);
    for (int k = 0; k < 2; k++)
        if (net->wake[k] >= 0)
            close(net->wake[k]);
    pthread_mutex_destroy(&net->mu);
    pthread_cond_destroy(&net->closed_cv);
    free(net);
}
