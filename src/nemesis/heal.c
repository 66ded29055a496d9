/* SPDX-License-Identifier: MIT */
/*
 * heal.c: the start-of-run healing (heal.h). The order matters: mounts
 * first (a FUSE daemon must not be killed under its mount), then the
 * network, then leftover daemons (killed, which also ends a paused one),
 * then other stopped processes (resumed), then the clock.
 */
#include "util/common.h"

#include "nemesis/heal.h"

#include "control/cluster.h"
#include "control/remote.h"
#include "nemesis/clock.h"
#include "nemesis/combined.h"
#include "nemesis/file.h"
#include "nemesis/packet.h"
#include "nemesis/partition.h"
#include "os/heal.h"
#include "util/err.h"
#include "util/strbuf.h"

struct heal_arg {
    const struct fl_env *env;
    const char *state_dir; /* local cluster's, or NULL */
    const char *mounts;    /* the local cluster's noted mounts */
    struct fl_strbuf *out; /* one per node */
};

/* fl_remote_sh() output lacks its last newline. */
static void
end_line(struct fl_strbuf *out)
{
    if (out->len && out->buf[out->len - 1] != '\n')
        fl_strbuf_addch(out, '\n');
}

static int
heal_node(struct fl_remote *r, size_t i, void *arg, struct fl_err *err)
{
    struct heal_arg *h = arg;
    struct fl_strbuf *out = &h->out[i];
    int rc = 0;

    /* Local nodes share one machine's mounts: heal them once. */
    if (!h->state_dir || i == 0)
        rc = fl_lazyfs_heal_leftovers(r, h->state_dir ? h->mounts : NULL, out,
                                      err);
    if (rc == 0)
        rc = fl_net_heal_leftovers(r, out, err);
    end_line(out);
    if (rc == 0)
        rc = fl_packet_heal_leftovers(r, out, err);
    end_line(out);
    if (rc == 0)
        rc = fl_os_heal_daemons(r, out, err);
    end_line(out);
    if (rc == 0)
        rc = fl_os_heal_stopped(r, out, err);
    end_line(out);
    if (rc == 0 && h->state_dir)
        rc = fl_clock_heal_leftovers(h->state_dir, h->env->nodes[i], out, err);
    return rc;
}

/* Append every line of lines to report, prefixed with "node: ". */
static void
prefix_lines(struct fl_strbuf *report, const char *node, const char *lines)
{
    for (const char *p = lines; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);

        if (len > 0)
            fl_strbuf_addf(report, "%s: %.*s\n", node, (int)len, p);
        p += len + (nl ? 1 : 0);
    }
}

/*
 * The state dir of the local cluster env's nodes belong to, or NULL: only
 * when every node is one of its nodes (a run on other netns nodes must not
 * touch the mounts or clocks of whatever cluster is up in the default
 * state dir).
 */
static const char *
cluster_of(const struct fl_env *env)
{
    const char *sd = fl_nem_local_state_dir(env);
    struct fl_cluster c;
    bool ours = true;

    if (!sd || fl_cluster_load(sd, &c, NULL) != 0)
        return NULL;
    for (size_t i = 0; i < env->nnodes && ours; i++)
        ours = fl_cluster_addr(&c, env->nodes[i]) != NULL;
    fl_cluster_release(&c);
    return ours ? sd : NULL;
}

int
fl_nem_heal_leftovers(const struct fl_env *env, struct fl_strbuf *report,
                      struct fl_err *err)
{
    struct fl_strbuf mounts = FL_STRBUF_INIT;
    struct heal_arg h = {.env = env};
    int rc;

    if (!env->remotes || env->nnodes == 0)
        return 0;
    h.state_dir = cluster_of(env);
    if (h.state_dir)
        fl_cluster_noted(h.state_dir, "mount", &mounts, NULL);
    h.mounts = mounts.buf;
    h.out = fl_xcalloc(env->nnodes, sizeof(*h.out));
    for (size_t i = 0; i < env->nnodes; i++)
        fl_strbuf_init(&h.out[i], 0);
    rc = fl_remote_on_all(env->remotes, env->nnodes, heal_node, &h, err);
    for (size_t i = 0; i < env->nnodes; i++) {
        prefix_lines(report, env->nodes[i], h.out[i].buf);
        fl_strbuf_release(&h.out[i]);
    }
    free(h.out);
    fl_strbuf_release(&mounts);
    return rc;
}
