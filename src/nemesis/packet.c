/* SPDX-License-Identifier: MIT */
/*
 * packet.c: packet faults. Two ways to shape: tc netem on nodes whose
 * kernel has it (SSH nodes; Jepsen's prio + netem + u32 layout on the first
 * non-lo device), and everywhere else our NFQUEUE shaper: an iptables chain
 * FAULTLINE-PKT hooked into OUTPUT queues packets for the chosen
 * destinations to queue FL_PACKET_QUEUE, with --queue-bypass so traffic
 * flows unshaped if the shaper is gone, and the shaper (one per node, a
 * daemon in the node) decides each packet's fate. It keeps held packets in a
 * min-heap ordered by release time; the rate limit serialises releases like
 * a link of that bandwidth. Duplicates are re-sent through a raw socket
 * with FL_PACKET_MARK, which the chain lets pass, so they are not queued
 * again. On exit every held packet is released.
 */
#include "util/common.h"

#include <arpa/inet.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/netfilter.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "control/daemon.h"
#include "control/remote.h"
#include "nemesis/nemesis_int.h"
#include "nemesis/packet.h"
#include "nemesis/partition.h"
#include "util/arena.h"
#include "util/err.h"
#include "util/rng.h"
#include "util/strbuf.h"

#define PKT_CHAIN "FAULTLINE-PKT"

static bool self_is_command; /* set once, before any run starts */

void
fl_helper_binary_is_self(void)
{
    self_is_command = true;
}

char *
fl_helper_binary(void)
{
    const char *e = getenv("FAULTLINE_BIN");
    char exe[4096];
    ssize_t n;

    if (e && *e)
        return fl_xstrdup(e);
    n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n > 0) {
        const char *base;
        exe[n] = '\0';
        base = strrchr(exe, '/');
        base = base ? base + 1 : exe;
        if (self_is_command || strcmp(base, "faultline") == 0)
            return fl_xstrdup(exe);
    }
    return NULL;
}

void
fl_packet_spec_describe(const struct fl_packet_spec *s, char *buf, size_t len)
{
    snprintf(buf, len,
             "delay=%.1fms jitter=%.1fms loss=%.3f duplicate=%.3f "
             "reorder=%.3f corrupt=%.3f rate=%" PRId64 "kbit",
             (double)s->delay_ns / 1e6, (double)s->jitter_ns / 1e6, s->loss,
             s->duplicate, s->reorder, s->corrupt, s->rate_kbit);
}

/* ---- the shaper daemon ---- */

struct held {
    int64_t due_ns;
    uint64_t seq;
    uint32_t id;
    uint32_t len;        /* of data, when data != NULL */
    unsigned char *data; /* modified copy (corrupt/dup), or NULL */
    bool dup;
};

struct shaper {
    struct fl_packet_spec spec;
    struct fl_rng rng;
    struct nfq_q_handle *qh;
    struct held *heap;
    size_t n, alloc;
    uint64_t seq;
    int64_t link_free_ns; /* when the rate-limited "link" is idle again */
    int raw;              /* raw socket for duplicates */
};

static volatile sig_atomic_t shaper_stop;

static void
on_signal(int sig)
{
    FL_UNUSED(sig);
    shaper_stop = 1;
}

static int64_t
mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static bool
held_less(const struct held *a, const struct held *b)
{
    return a->due_ns < b->due_ns || (a->due_ns == b->due_ns && a->seq < b->seq);
}

static void
heap_push(struct shaper *s, struct held h)
{
    size_t i;

    FL_ALLOC_GROW(s->heap, s->n + 1, s->alloc);
    i = s->n++;
    s->heap[i] = h;
    while (i > 0 && held_less(&s->heap[i], &s->heap[(i - 1) / 2])) {
        struct held t = s->heap[i];
        s->heap[i] = s->heap[(i - 1) / 2];
        s->heap[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
}

static struct held
heap_pop(struct shaper *s)
{
    struct held top = s->heap[0];
    size_t i = 0;

    s->heap[0] = s->heap[--s->n];
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < s->n && held_less(&s->heap[l], &s->heap[m]))
            m = l;
        if (r < s->n && held_less(&s->heap[r], &s->heap[m]))
            m = r;
        if (m == i)
            break;
        struct held t = s->heap[i];
        s->heap[i] = s->heap[m];
        s->heap[m] = t;
        i = m;
    }
    return top;
}

static double
normal(struct fl_rng *rng)
{
    double u1 = fl_rng_double(rng), u2 = fl_rng_double(rng);

    if (u1 < 1e-12)
        u1 = 1e-12;
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

static void
send_dup(struct shaper *s, const unsigned char *pkt, uint32_t len)
{
    const struct iphdr *ip = (const struct iphdr *)pkt;
    struct sockaddr_in to = {.sin_family = AF_INET};

    if (s->raw < 0 || len < sizeof(*ip) || ip->version != 4)
        return;
    to.sin_addr.s_addr = ip->daddr;
    sendto(s->raw, pkt, len, 0, (struct sockaddr *)&to, sizeof(to));
}

static void
release(struct shaper *s, struct held *h)
{
    nfq_set_verdict(s->qh, h->id, NF_ACCEPT, h->data ? h->len : 0, h->data);
    if (h->dup && h->data)
        send_dup(s, h->data, h->len);
    free(h->data);
}

static int
on_packet(struct nfq_q_handle *qh, struct nfgenmsg *msg, struct nfq_data *nfa,
          void *arg)
{
    struct shaper *s = arg;
    struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
    unsigned char *payload = NULL;
    int len = nfq_get_payload(nfa, &payload);
    struct held h = {0};
    int64_t now = mono_ns();

    FL_UNUSED(msg);
    if (!ph)
        return 0;
    h.id = ntohl(ph->packet_id);
    if (s->spec.loss > 0 && fl_rng_double(&s->rng) < s->spec.loss)
        return nfq_set_verdict(qh, h.id, NF_DROP, 0, NULL);
    h.due_ns = now;
    if (!(s->spec.reorder > 0 && fl_rng_double(&s->rng) < s->spec.reorder)) {
        double d = (double)s->spec.delay_ns;
        if (s->spec.jitter_ns > 0)
            d += (double)s->spec.jitter_ns * normal(&s->rng);
        h.due_ns += d > 0 ? (int64_t)d : 0;
    }
    if (s->spec.rate_kbit > 0 && len > 0) {
        int64_t tx = (int64_t)len * 8 * 1000000 / s->spec.rate_kbit;
        int64_t start = FL_MAX(h.due_ns, s->link_free_ns);
        s->link_free_ns = start + tx;
        h.due_ns = s->link_free_ns;
    }
    h.dup = s->spec.duplicate > 0 && fl_rng_double(&s->rng) < s->spec.duplicate;
    if (len > 0 && (h.dup || (s->spec.corrupt > 0 &&
                              fl_rng_double(&s->rng) < s->spec.corrupt))) {
        h.data = fl_xmalloc((size_t)len);
        memcpy(h.data, payload, (size_t)len);
        h.len = (uint32_t)len;
        if (!h.dup || s->spec.corrupt > 0) {
            /* Flip a bit after the IP header, so the packet still routes
             * but its transport checksum fails (what netem corrupt does). */
            size_t ihl = len >= 20 ? (size_t)(h.data[0] & 0x0f) * 4 : 0;
            if ((size_t)len > ihl &&
                (!h.dup || fl_rng_double(&s->rng) < s->spec.corrupt)) {
                size_t at =
                    ihl + (size_t)fl_rng_below(&s->rng, (size_t)len - ihl);
                h.data[at] ^= (unsigned char)(1u << fl_rng_below(&s->rng, 8));
            }
        }
    }
    h.seq = s->seq++;
    heap_push(s, h);
    return 0;
}

static int
num_arg(const char *s, double *out)
{
    char *end;

    *out = strtod(s, &end);
    return *s && *end == '\0' ? 0 : -1;
}

int
fl_packet_shaper_main(int argc, char **argv)
{
    struct shaper s = {.raw = -1};
    struct nfq_handle *h = NULL;
    double v[10];
    char buf[65536 + 256];
    int fd, mark = FL_PACKET_MARK, rc = 1;
    int64_t end_ns;

    if (argc != 10) {
        fprintf(stderr, "usage: faultline fault _shaper QUEUE DELAY_NS "
                        "JITTER_NS LOSS DUP REORDER CORRUPT RATE_KBIT SEED "
                        "MAX_SECONDS\n");
        return 254;
    }
    for (int i = 0; i < 10; i++)
        if (num_arg(argv[i], &v[i]) != 0) {
            fprintf(stderr, "faultline shaper: bad number '%s'\n", argv[i]);
            return 254;
        }
    s.spec = (struct fl_packet_spec){.delay_ns = (int64_t)v[1],
                                     .jitter_ns = (int64_t)v[2],
                                     .loss = v[3],
                                     .duplicate = v[4],
                                     .reorder = v[5],
                                     .corrupt = v[6],
                                     .rate_kbit = (int64_t)v[7]};
    fl_rng_seed(&s.rng, (uint64_t)v[8]);
    end_ns = mono_ns() + (int64_t)(v[9] * 1e9);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    signal(SIGHUP, on_signal);

    h = nfq_open();
    if (!h || (nfq_unbind_pf(h, AF_INET), nfq_bind_pf(h, AF_INET) < 0)) {
        perror("faultline shaper: nfq_open");
        goto out;
    }
    s.qh = nfq_create_queue(h, (uint16_t)v[0], on_packet, &s);
    if (!s.qh || nfq_set_mode(s.qh, NFQNL_COPY_PACKET, 0xffff) < 0) {
        perror("faultline shaper: nfq_create_queue");
        goto out;
    }
    nfq_set_queue_maxlen(s.qh, 20000);
    nfq_set_queue_flags(s.qh, NFQA_CFG_F_FAIL_OPEN, NFQA_CFG_F_FAIL_OPEN);
    fd = nfq_fd(h);
    {
        int sz = 4 << 20;
        setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz));
    }
    s.raw = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
    if (s.raw >= 0)
        setsockopt(s.raw, SOL_SOCKET, SO_MARK, &mark, sizeof(mark));
    fprintf(stderr, "faultline shaper: queue %d ready\n", (int)v[0]);

    while (!shaper_stop && mono_ns() < end_ns) {
        int64_t now = mono_ns(), wait_ns = 200000000;
        struct pollfd pf = {fd, POLLIN, 0};
        struct timespec ts;

        while (s.n > 0 && s.heap[0].due_ns <= now) {
            struct held x = heap_pop(&s);
            release(&s, &x);
        }
        if (s.n > 0)
            wait_ns = FL_MIN(wait_ns, s.heap[0].due_ns - now);
        ts.tv_sec = wait_ns / 1000000000;
        ts.tv_nsec = wait_ns % 1000000000;
        if (ppoll(&pf, 1, &ts, NULL) <= 0)
            continue;
        for (int k = 0; k < 256; k++) {
            ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
            if (n <= 0)
                break; /* EAGAIN, or ENOBUFS: the kernel dropped some */
            nfq_handle_packet(h, buf, (int)n);
        }
    }
    rc = 0;
out:
    while (s.n > 0) {
        struct held x = heap_pop(&s);
        release(&s, &x);
    }
    free(s.heap);
    if (s.qh)
        nfq_destroy_queue(s.qh);
    if (h)
        nfq_close(h);
    if (s.raw >= 0)
        close(s.raw);
    return rc;
}

/* ---- applying and healing ---- */

static char *
shaper_pidfile(const struct fl_remote *r)
{
    return fl_xasprintf("/tmp/faultline-shaper-%s.pid", r->node);
}

struct shape_arg {
    char *const *ips;
    const bool *target;
    const struct fl_packet_spec *spec;
    size_t n;
    const char *bin;
    uint64_t seed;
};

/* Destinations node i shapes: the targets, or everyone if it is one. */
static void
dests_of(const struct shape_arg *sa, size_t i, struct fl_strbuf *sb)
{
    for (size_t j = 0; j < sa->n; j++) {
        if (j == i || (!sa->target[i] && !sa->target[j]))
            continue;
        if (sb->len)
            fl_strbuf_addch(sb, ',');
        fl_strbuf_addstr(sb, sa->ips[j]);
    }
}

static int
heal_one(struct fl_remote *r, size_t i, void *arg, struct fl_err *err)
{
    char *pidfile = shaper_pidfile(r);
    int rc;

    FL_UNUSED(i);
    FL_UNUSED(arg);
    rc = fl_remote_sh(
        r, NULL, err, "%s",
        "if command -v iptables >/dev/null; then\n"
        "i=0; while [ $i -lt 100 ] && iptables -w -D OUTPUT -j " PKT_CHAIN
        " 2>/dev/null; do i=$((i+1)); done\n"
        "if iptables -w -L " PKT_CHAIN " -n >/dev/null 2>&1; then\n"
        "  iptables -w -F " PKT_CHAIN " && iptables -w -X " PKT_CHAIN
        " || exit 1\nfi\nfi\n"
        "if [ -f /tmp/faultline-netem ] && command -v tc >/dev/null; then\n"
        "  tc qdisc del dev \"$(cat /tmp/faultline-netem)\" root "
        "2>/dev/null; rm -f /tmp/faultline-netem\nfi\n");
    if (rc == 0 && r->type != &fl_remote_dummy_type)
        rc = fl_daemon_stop(r, pidfile, SIGTERM, 3000, err);
    free(pidfile);
    return rc;
}

int
fl_packet_heal_leftovers(struct fl_remote *r, struct fl_strbuf *report,
                         struct fl_err *err)
{
    char *pidfile = shaper_pidfile(r);
    struct fl_strbuf s = FL_STRBUF_INIT;
    int rc;

    fl_strbuf_addstr(&s, "p=");
    fl_sh_quote(&s, pidfile);
    fl_strbuf_addstr(
        &s, "\nif command -v iptables >/dev/null && "
            "iptables -w -L " PKT_CHAIN " -n >/dev/null 2>&1; then\n"
            "  echo 'packet: iptables chain " PKT_CHAIN "'\nfi\n"
            "if [ -f /tmp/faultline-netem ]; then\n"
            "  echo \"packet: netem qdisc on $(cat /tmp/faultline-netem)\"\n"
            "fi\n"
            "if [ -f \"$p\" ] && pid=$(cat \"$p\") && [ -n \"$pid\" ] && "
            "[ -d /proc/$pid ]; then\n"
            "  echo \"packet: shaper pid $pid\"\nfi\n");
    rc = fl_remote_sh(r, report, err, "%s", s.buf);
    if (rc == 0)
        rc = heal_one(r, 0, NULL, err);
    fl_strbuf_release(&s);
    free(pidfile);
    return rc;
}

int
fl_packet_heal(struct fl_remote *const *r, size_t n, struct fl_err *err)
{
    return fl_remote_on_all(r, n, heal_one, NULL, err);
}

/* Jepsen's shape!: prio qdisc, netem on band 4, u32 filters per dest. */
static int
try_netem(struct fl_remote *r, const struct shape_arg *sa, size_t i,
          struct fl_err *err)
{
    const struct fl_packet_spec *p = sa->spec;
    struct fl_strbuf s = FL_STRBUF_INIT, d = FL_STRBUF_INIT;
    struct fl_cmd_result res = FL_CMD_RESULT_INIT;
    struct fl_cmd c = {0};
    int rc;

    dests_of(sa, i, &d);
    fl_strbuf_addstr(&s, "command -v tc >/dev/null || exit 3\n"
                         "dev=$(ip -o link show | awk -F': ' "
                         "'$2 !~ /^lo/ {sub(/@.*/, \"\", $2); print $2; "
                         "exit}')\n[ -n \"$dev\" ] || exit 3\n"
                         "tc qdisc del dev \"$dev\" root 2>/dev/null\n"
                         "tc qdisc add dev \"$dev\" root handle 1: prio "
                         "bands 4 priomap 1 2 2 2 1 2 0 0 1 1 1 1 1 1 1 1 "
                         "|| exit 3\n"
                         "echo \"$dev\" > /tmp/faultline-netem\n");
    fl_strbuf_addf(&s,
                   "tc qdisc add dev \"$dev\" parent 1:4 handle 40: netem"
                   " delay %.3fms %.3fms loss %.3f%% duplicate %.3f%% "
                   "reorder %.3f%% corrupt %.3f%%",
                   (double)p->delay_ns / 1e6, (double)p->jitter_ns / 1e6,
                   p->loss * 100, p->duplicate * 100, p->reorder * 100,
                   p->corrupt * 100);
    if (p->rate_kbit > 0)
        fl_strbuf_addf(&s, " rate %" PRId64 "kbit", p->rate_kbit);
    fl_strbuf_addstr(&s, " 2>/dev/null || { tc qdisc del dev \"$dev\" root; "
                         "rm -f /tmp/faultline-netem; exit 3; }\n"
                         "for ip in $(echo ");
    fl_sh_quote(&s, d.buf);
    fl_strbuf_addstr(&s, " | tr , ' '); do tc filter add dev \"$dev\" "
                         "parent 1:0 protocol ip prio 3 u32 match ip dst "
                         "\"$ip\" flowid 1:4 || exit 1; done\n");
    c.cmd = s.buf;
    c.timeout_ms = 30000;
    rc = fl_remote_exec(r, &c, &res, err);
    if (rc == 0)
        rc = res.exit_code == 0 ? 0 : res.exit_code == 3 ? 1 : FL_EREMOTE;
    if (rc == FL_EREMOTE)
        fl_err_set(err, rc, "%s: netem: %.150s", r->node, res.err.buf);
    fl_cmd_result_release(&res);
    fl_strbuf_release(&s);
    fl_strbuf_release(&d);
    return rc;
}

static int
shape_one(struct fl_remote *r, size_t i, void *arg, struct fl_err *err)
{
    struct shape_arg *sa = arg;
    struct fl_strbuf d = FL_STRBUF_INIT, s = FL_STRBUF_INIT;
    char *pidfile = shaper_pidfile(r), *bin = NULL;
    char a[10][32];
    const char *argv[14];
    struct fl_daemon_opts o = {.pidfile = pidfile,
                               .logfile = "/tmp/faultline-shaper.log"};
    int rc = 0;

    dests_of(sa, i, &d);
    if (d.len == 0)
        goto out;
    if (r->type != &fl_remote_netns_type && r->type != &fl_remote_dummy_type) {
        rc = try_netem(r, sa, i, err);
        if (rc <= 0)
            goto out;
        /* No netem there: ship our shaper over. */
        rc = fl_remote_sh(r, NULL, err, "mkdir -p /tmp/faultline-bin");
        if (rc == 0)
            rc = fl_remote_upload(r, sa->bin, "/tmp/faultline-bin/faultline",
                                  err);
        if (rc == 0)
            rc = fl_remote_sh(r, NULL, err,
                              "chmod 755 /tmp/faultline-bin/faultline");
        bin = fl_xstrdup("/tmp/faultline-bin/faultline");
        if (rc != 0)
            goto out;
    }
    snprintf(a[0], 32, "%d", FL_PACKET_QUEUE);
    snprintf(a[1], 32, "%" PRId64, sa->spec->delay_ns);
    snprintf(a[2], 32, "%" PRId64, sa->spec->jitter_ns);
    snprintf(a[3], 32, "%.6f", sa->spec->loss);
    snprintf(a[4], 32, "%.6f", sa->spec->duplicate);
    snprintf(a[5], 32, "%.6f", sa->spec->reorder);
    snprintf(a[6], 32, "%.6f", sa->spec->corrupt);
    snprintf(a[7], 32, "%" PRId64, sa->spec->rate_kbit);
    snprintf(a[8], 32, "%" PRIu64, sa->seed + i);
    snprintf(a[9], 32, "%d", 24 * 3600);
    argv[0] = bin ? bin : sa->bin;
    argv[1] = "fault";
    argv[2] = "_shaper";
    for (int k = 0; k < 10; k++)
        argv[3 + k] = a[k];
    argv[13] = NULL;
    rc = fl_daemon_start(r, &o, argv, err);
    if (rc < 0)
        goto out;
    fl_strbuf_addf(&s,
                   "iptables -w -N " PKT_CHAIN " 2>/dev/null || "
                   "iptables -w -F " PKT_CHAIN " || exit 1\n"
                   "iptables -w -C OUTPUT -j " PKT_CHAIN " 2>/dev/null || "
                   "iptables -w -I OUTPUT 1 -j " PKT_CHAIN " || exit 1\n"
                   "iptables -w -A " PKT_CHAIN " -m mark --mark 0x%x -j "
                   "RETURN || exit 1\n"
                   "iptables -w -A " PKT_CHAIN " -d ",
                   FL_PACKET_MARK);
    fl_sh_quote(&s, d.buf);
    fl_strbuf_addf(&s, " -j NFQUEUE --queue-num %d --queue-bypass || exit 1\n",
                   FL_PACKET_QUEUE);
    rc = fl_remote_sh(r, NULL, err, "%s", s.buf);
out:
    fl_strbuf_release(&d);
    fl_strbuf_release(&s);
    free(pidfile);
    free(bin);
    return rc;
}

int
fl_packet_shape(struct fl_remote *const *r, size_t n, char *const *ips,
                const bool *target, const struct fl_packet_spec *spec,
                struct fl_err *err)
{
    bool *all = NULL;
    struct shape_arg sa = {ips, target, spec, n, NULL, 0};
    int rc;

    if (spec->loss < 0 || spec->loss > 1 || spec->duplicate < 0 ||
        spec->duplicate > 1 || spec->reorder < 0 || spec->reorder > 1 ||
        spec->corrupt < 0 || spec->corrupt > 1 || spec->delay_ns < 0 ||
        spec->jitter_ns < 0 || spec->rate_kbit < 0)
        return fl_err_set(err, FL_EUSAGE, "packet: bad behaviour values");
    sa.bin = fl_helper_binary();
    if (!sa.bin)
        return fl_err_set(err, -ENOENT,
                          "packet: cannot find the faultline binary for the "
                          "shaper; set FAULTLINE_BIN");
    sa.seed = spec->seed ? spec->seed : fl_rng_os_seed();
    if (!target) {
        all = fl_xcalloc(n ? n : 1, sizeof(bool));
        for (size_t i = 0; i < n; i++)
            all[i] = true;
        sa.target = all;
    }
    rc = fl_packet_heal(r, n, err);
    if (rc == 0)
        rc = fl_remote_on_all(r, n, shape_one, &sa, err);
    if (rc != 0) {
        struct fl_err e2 = FL_ERR_INIT;
        fl_packet_heal(r, n, &e2);
    }
    free((char *)sa.bin);
    free(all);
    return rc;
}

/* ---- the packet nemesis ---- */

struct packet_nem {
    uint32_t f_start, f_stop;
    struct fl_rng rng;
    char **ips;
    size_t n;
};

static void
pn_ips_free(struct packet_nem *p)
{
    for (size_t i = 0; p->ips && i < p->n; i++)
        free(p->ips[i]);
    free(p->ips);
    p->ips = NULL;
}

static int
pn_setup(struct fl_nemesis *nem, const struct fl_env *env, struct fl_err *err)
{
    struct packet_nem *p = nem->ctx;
    int rc;

    if (!env->remotes)
        return fl_err_set(err, -ENOTSUP, "packet faults need remote nodes");
    pn_ips_free(p);
    p->n = env->nnodes;
    p->ips = fl_xcalloc(p->n, sizeof(char *));
    fl_rng_seed(&p->rng, fl_nem__seed(env, 0x9ac7));
    rc = fl_net_resolve(env->remotes, p->n, p->ips, err);
    if (rc == 0)
        rc = fl_packet_heal(env->remotes, p->n, err);
    return rc;
}

/* Jepsen's default behaviours (netem defaults without correlation). */
static void
behaviour(const char *name, struct fl_packet_spec *s)
{
    memset(s, 0, sizeof(*s));
    if (!strcmp(name, "loss"))
        s->loss = 0.2;
    else if (!strcmp(name, "duplicate"))
        s->duplicate = 0.2;
    else if (!strcmp(name, "corrupt"))
        s->corrupt = 0.2;
    else if (!strcmp(name, "reorder")) {
        s->reorder = 0.2;
        s->delay_ns = 50000000;
    } else if (!strcmp(name, "rate"))
        s->rate_kbit = 1000;
    else {
        s->delay_ns = 50000000;
        s->jitter_ns = 10000000;
    }
}

static int
pn_invoke(struct fl_nemesis *nem, const struct fl_env *env,
          const struct fl_op *op, struct fl_arena *a, struct fl_op *out,
          struct fl_err *err)
{
    struct packet_nem *p = nem->ctx;
    struct fl_packet_spec spec;
    const fl_val *v = &op->value, *tspec = NULL;
    const char *bname = "delay";
    bool *mask;
    char desc[256];
    int rc;

    if (op->f == p->f_stop) {
        rc = fl_packet_heal(env->remotes, env->nnodes, err);
        if (rc == 0)
            out->value = fl_val_kw(fl_kw_intern_cstr("reliable"));
        return rc;
    }
    if (fl_val_is_seq(v) && v->n == 2) {
        tspec = &v->u.items[0];
        if (v->u.items[1].kind == FL_V_KW)
            bname = fl_kw_name(v->u.items[1].u.id);
    }
    behaviour(bname, &spec);
    mask = fl_xcalloc(env->nnodes ? env->nnodes : 1, sizeof(bool));
    rc = fl_nem_targets(env, tspec, &p->rng, mask, err);
    if (rc >= 0)
        rc = fl_packet_shape(env->remotes, env->nnodes, p->ips, mask, &spec,
                             err);
    if (rc == 0) {
        fl_val items[3];
        fl_packet_spec_describe(&spec, desc, sizeof(desc));
        items[0] = fl_val_kw(fl_kw_intern_cstr("shaped"));
        items[1] = fl_nem_nodes_val(env, mask, a);
        items[2] = fl_val_str(a, desc, strlen(desc));
        out->value = fl_val_coll(a, FL_V_VEC, items, 3);
    }
    free(mask);
    return rc;
}

static int
pn_teardown(struct fl_nemesis *nem, const struct fl_env *env,
            struct fl_err *err)
{
    FL_UNUSED(nem);
    if (!env->remotes)
        return 0;
    return fl_packet_heal(env->remotes, env->nnodes, err);
}

static size_t
pn_fs(const struct fl_nemesis *nem, uint32_t *out, size_t max)
{
    const struct packet_nem *p = nem->ctx;

    if (max >= 2) {
        out[0] = p->f_start;
        out[1] = p->f_stop;
    }
    return 2;
}

static void
pn_free(struct fl_nemesis *nem)
{
    struct packet_nem *p = nem->ctx;

    if (p)
        pn_ips_free(p);
    free(p);
}

static const struct fl_nemesis_type packet_type = {
    .name = "packet",
    .setup = pn_setup,
    .invoke = pn_invoke,
    .teardown = pn_teardown,
    .fs = pn_fs,
    .free = pn_free,
};

struct fl_nemesis *
fl_nem_packet_new(void)
{
    struct packet_nem *p = fl_xcalloc(1, sizeof(*p));

    p->f_start = fl_kw_intern_cstr("start-packet");
    p->f_stop = fl_kw_intern_cstr("stop-packet");
    return fl_nemesis_new(&packet_type, p);
}
