/* SPDX-License-Identifier: MIT */
/*
 * partition.c: grudges, topologies, and their enforcement with iptables.
 * Topology constructions follow Jepsen's jepsen.nemesis (bisect, split-one,
 * bridge, majorities-ring, minority-third, primaries); random ones draw
 * only from the rng they are given, so a seed fixes the schedule. Rules go
 * into the chain FAULTLINE only; the INPUT hook to it is inserted once and
 * removed on heal.
 */
#include "util/common.h"

#include <arpa/inet.h>
#include <netdb.h>

#include "control/remote.h"
#include "db/db.h"
#include "nemesis/nemesis_int.h"
#include "nemesis/partition.h"
#include "util/arena.h"
#include "util/err.h"
#include "util/log.h"
#include "util/rng.h"
#include "util/strbuf.h"
#include "util/vec.h"

#define CHAIN "FAULTLINE"

const char *const fl_topologies[] = {
    "halves", "random-halves",  "one",       "majority", "majorities-ring",
    "bridge", "minority-third", "primaries", NULL,
};

void
fl_grudge_init(struct fl_grudge *g, size_t n)
{
    g->n = n;
    g->drop = fl_xcalloc(n ? fl_st_mult(n, n) : 1, 1);
}

void
fl_grudge_release(struct fl_grudge *g)
{
    if (!g)
        return;
    free(g->drop);
    g->drop = NULL;
    g->n = 0;
}

void
fl_grudge_add(struct fl_grudge *g, size_t dst, size_t src)
{
    if (dst < g->n && src < g->n && dst != src)
        g->drop[dst * g->n + src] = 1;
}

bool
fl_grudge_drops(const struct fl_grudge *g, size_t dst, size_t src)
{
    return dst < g->n && src < g->n && g->drop[dst * g->n + src];
}

bool
fl_grudge_cut(const struct fl_grudge *g, size_t a, size_t b)
{
    return fl_grudge_drops(g, a, b) || fl_grudge_drops(g, b, a);
}

void
fl_grudge_complete(struct fl_grudge *g, const int *comp)
{
    for (size_t a = 0; a < g->n; a++)
        for (size_t b = 0; b < g->n; b++)
            if (comp[a] != comp[b])
                fl_grudge_add(g, a, b);
}

size_t
fl_grudge_count(const struct fl_grudge *g)
{
    size_t c = 0;

    for (size_t i = 0; i < g->n * g->n; i++)
        c += g->drop[i] != 0;
    return c;
}

static void
shuffle(size_t *idx, size_t n, struct fl_rng *rng)
{
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    if (!rng)
        return;
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)fl_rng_below(rng, i), t = idx[i - 1];
        idx[i - 1] = idx[j];
        idx[j] = t;
    }
}

/* Cut the first k of the order off from the rest. */
static void
split(struct fl_grudge *g, const size_t *order, size_t k, int *comp)
{
    for (size_t i = 0; i < g->n; i++)
        comp[order[i]] = i < k ? 1 : 0;
    fl_grudge_complete(g, comp);
}

/* Every node sees a majority (itself included), no two the same one. */
static void
majorities_ring(struct fl_grudge *g, const size_t *order)
{
    size_t n = g->n, m = n / 2 + 1, k = m / 2; /* ceil((m - 1) / 2) */

    if (n < 4 || 2 * k + 1 >= n) {
        /* Too small for a symmetric ring: a one-way one. The node at ring
         * position p drops packets from position p+1, so it hears itself
         * and its other neighbours. */
        for (size_t p = 0; p < n; p++)
            fl_grudge_add(g, order[p], order[(p + 1) % n]);
        return;
    }
    for (size_t p = 0; p < n; p++)
        for (size_t q = 0; q < n; q++) {
            size_t d = p > q ? p - q : q - p;
            if (n - d < d)
                d = n - d;
            if (d > k)
                fl_grudge_add(g, order[p], order[q]);
        }
}

int
fl_grudge_topology(struct fl_grudge *g, size_t n, const char *t,
                   struct fl_rng *rng, const uint32_t *primaries,
                   size_t nprimaries, struct fl_err *err)
{
    size_t *order = fl_xcalloc(n ? n : 1, sizeof(*order));
    int *comp = fl_xcalloc(n ? n : 1, sizeof(*comp));
    int rc = 0;

    fl_grudge_init(g, n);
    if (n < 2) {
        rc =
            fl_err_set(err, FL_EUSAGE, "partition %s needs 2 or more nodes", t);
        goto out;
    }
    if (strcmp(t, "halves") == 0) {
        shuffle(order, n, NULL);
        split(g, order, n / 2, comp);
    } else if (strcmp(t, "random-halves") == 0 || strcmp(t, "majority") == 0) {
        shuffle(order, n, rng);
        split(g, order, n / 2, comp);
    } else if (strcmp(t, "one") == 0) {
        shuffle(order, n, rng);
        split(g, order, 1, comp);
    } else if (strcmp(t, "minority-third") == 0) {
        shuffle(order, n, rng);
        split(g, order, (n + 2) / 3 - 1, comp);
    } else if (strcmp(t, "bridge") == 0) {
        if (n < 3) {
            rc = fl_err_set(err, FL_EUSAGE, "bridge needs 3 or more nodes");
            goto out;
        }
        shuffle(order, n, rng);
        /* order[0..h) | bridge order[h] | order[h+1..n) */
        size_t h = (n - 1) / 2;
        for (size_t a = 0; a < h; a++)
            for (size_t b = h + 1; b < n; b++) {
                fl_grudge_add(g, order[a], order[b]);
                fl_grudge_add(g, order[b], order[a]);
            }
    } else if (strcmp(t, "majorities-ring") == 0) {
        if (n < 3) {
            rc = fl_err_set(err, FL_EUSAGE,
                            "majorities-ring needs 3 or more nodes");
            goto out;
        }
        shuffle(order, n, rng);
        majorities_ring(g, order);
    } else if (strcmp(t, "primaries") == 0) {
        if (nprimaries == 0) {
            rc = fl_err_set(err, FL_EUSAGE,
                            "primaries: the DB reports no primaries");
            goto out;
        }
        for (size_t j = 0; j < nprimaries; j++)
            if (primaries[j] < n)
                comp[primaries[j]] = (int)j + 1;
        fl_grudge_complete(g, comp);
    } else {
        rc = fl_err_set(err, FL_EUSAGE,
                        "unknown topology '%s' (halves, random-halves, one, "
                        "majority, majorities-ring, bridge, minority-third, "
                        "primaries)",
                        t);
    }
out:
    if (rc != 0)
        fl_grudge_release(g);
    free(order);
    free(comp);
    return rc;
}

static int
node_index(char *const *nodes, size_t n, const char *s, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(nodes[i]) == len && !memcmp(nodes[i], s, len))
            return (int)i;
    return -1;
}

/* Parse a comma list into marks[i] = v; -1 on an unknown node. */
static int
parse_list(char *const *nodes, size_t n, const char *s, size_t len, int *marks,
           int v, struct fl_err *err)
{
    const char *end = s + len;

    while (s < end) {
        const char *c = memchr(s, ',', (size_t)(end - s));
        size_t l = c ? (size_t)(c - s) : (size_t)(end - s);
        int i;

        while (l > 0 && *s == ' ')
            s++, l--;
        while (l > 0 && s[l - 1] == ' ')
            l--;
        i = node_index(nodes, n, s, l);
        if (i < 0)
            return fl_err_set(err, FL_EUSAGE, "grudge: unknown node '%.*s'",
                              (int)l, s);
        marks[i] = v;
        s = c ? c + 1 : end;
    }
    return 0;
}

int
fl_grudge_parse(struct fl_grudge *g, char *const *nodes, size_t n,
                const char *spec, struct fl_err *err)
{
    int *a = fl_xcalloc(n ? n : 1, sizeof(int));
    const char *p = spec;
    int rc = 0;

    fl_grudge_init(g, n);
    while (rc == 0 && *p) {
        const char *semi = strchr(p, ';');
        size_t len = semi ? (size_t)(semi - p) : strlen(p);
        const char *gt = memchr(p, '>', len);

        memset(a, 0, n * sizeof(int));
        if (gt) {
            int *b = fl_xcalloc(n ? n : 1, sizeof(int));
            rc = parse_list(nodes, n, p, (size_t)(gt - p), a, 1, err);
            if (rc == 0)
                rc = parse_list(nodes, n, gt + 1, len - (size_t)(gt - p) - 1, b,
                                1, err);
            for (size_t d = 0; rc == 0 && d < n; d++)
                for (size_t s = 0; s < n; s++)
                    if (b[d] && a[s])
                        fl_grudge_add(g, d, s);
            free(b);
        } else if (memchr(p, '|', len)) {
            int c = 1;
            const char *q = p, *end = p + len;
            while (rc == 0 && q < end) {
                const char *bar = memchr(q, '|', (size_t)(end - q));
                size_t l = bar ? (size_t)(bar - q) : (size_t)(end - q);
                rc = parse_list(nodes, n, q, l, a, c++, err);
                q = bar ? bar + 1 : end;
            }
            for (size_t x = 0; rc == 0 && x < n; x++)
                for (size_t y = 0; y < n; y++)
                    if (a[x] && a[y] && a[x] != a[y])
                        fl_grudge_add(g, x, y);
        } else if (len > 0) {
            rc = fl_err_set(err, FL_EUSAGE,
                            "grudge: clause '%.*s' has neither '|' nor '>'",
                            (int)len, p);
        }
        p = semi ? semi + 1 : p + len;
    }
    free(a);
    if (rc != 0)
        fl_grudge_release(g);
    return rc;
}

void
fl_grudge_describe(const struct fl_grudge *g, char *const *nodes,
                   struct fl_strbuf *sb)
{
    bool any = false;

    for (size_t d = 0; d < g->n; d++) {
        bool first = true;
        for (size_t s = 0; s < g->n; s++) {
            if (!fl_grudge_drops(g, d, s))
                continue;
            if (first)
                fl_strbuf_addf(sb, "%s%s drops ", any ? "; " : "", nodes[d]);
            fl_strbuf_addf(sb, "%s%s", first ? "" : ",", nodes[s]);
            first = false;
            any = true;
        }
    }
    if (!any)
        fl_strbuf_addstr(sb, "none");
}

static int
resolve_one(struct fl_remote *r, size_t i, void *arg, struct fl_err *err)
{
    char **ips = arg;
    struct addrinfo hints = {.ai_family = AF_INET}, *ai = NULL;
    struct fl_strbuf out = FL_STRBUF_INIT;
    struct in_addr tmp;
    int rc = 0;

    if (getaddrinfo(r->node, NULL, &hints, &ai) == 0 && ai) {
        char buf[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, buf,
                  sizeof(buf));
        freeaddrinfo(ai);
        ips[i] = fl_xstrdup(buf);
        return 0;
    }
    rc = fl_remote_sh(r, &out, err,
                      "getent ahostsv4 %s | head -n 1 | "
                      "cut -d ' ' -f 1",
                      r->node);
    if (rc == 0 && inet_pton(AF_INET, out.buf, &tmp) != 1)
        rc = fl_err_set(err, -ENOENT, "cannot resolve %s", r->node);
    if (rc == 0)
        ips[i] = fl_strbuf_detach(&out, NULL);
    fl_strbuf_release(&out);
    return rc;
}

int
fl_net_resolve(struct fl_remote *const *r, size_t n, char **ips,
               struct fl_err *err)
{
    for (size_t i = 0; i < n; i++) {
        if (strchr(r[i]->node, '\'') || strchr(r[i]->node, ' '))
            return fl_err_set(err, FL_EUSAGE, "bad node name '%s'", r[i]->node);
        ips[i] = NULL;
    }
    return fl_remote_on_all(r, n, resolve_one, ips, err);
}

struct part_arg {
    char *const *ips;
    const struct fl_grudge *g;
};

static int
partition_one(struct fl_remote *r, size_t d, void *arg, struct fl_err *err)
{
    struct part_arg *pa = arg;
    struct fl_strbuf s = FL_STRBUF_INIT, src = FL_STRBUF_INIT;
    int rc;

    fl_strbuf_addstr(&s, "command -v iptables >/dev/null || "
                         "{ echo 'iptables not found' >&2; exit 1; }\n"
                         "iptables -w -N " CHAIN " 2>/dev/null || "
                         "iptables -w -F " CHAIN " || exit 1\n"
                         "iptables -w -C INPUT -j " CHAIN " 2>/dev/null || "
                         "iptables -w -I INPUT 1 -j " CHAIN " || exit 1\n");
    for (size_t s2 = 0; s2 < pa->g->n; s2++) {
        if (!fl_grudge_drops(pa->g, d, s2))
            continue;
        if (src.len)
            fl_strbuf_addch(&src, ',');
        fl_strbuf_addstr(&src, pa->ips[s2]);
    }
    if (src.len) {
        fl_strbuf_addstr(&s, "iptables -w -A " CHAIN " -s ");
        fl_sh_quote(&s, src.buf);
        fl_strbuf_addstr(&s, " -j DROP || exit 1\n");
    }
    rc = fl_remote_sh(r, NULL, err, "%s", s.buf);
    fl_strbuf_release(&s);
    fl_strbuf_release(&src);
    return rc;
}

int
fl_net_partition(struct fl_remote *const *r, size_t n, char *const *ips,
                 const struct fl_grudge *g, struct fl_err *err)
{
    struct part_arg pa = {ips, g};

    if (g->n != n)
        return fl_err_set(err, FL_EUSAGE, "grudge is for %zu nodes, not %zu",
                          g->n, n);
    return fl_remote_on_all(r, n, partition_one, &pa, err);
}

#define HEAL_SH                                                                \
    "command -v iptables >/dev/null || exit 0\n"                               \
    "i=0; while [ $i -lt 100 ] && iptables -w -D INPUT -j " CHAIN              \
    " 2>/dev/null; do i=$((i+1)); done\n"                                      \
    "if iptables -w -L " CHAIN " -n >/dev/null 2>&1; then\n"                   \
    "  iptables -w -F " CHAIN " && iptables -w -X " CHAIN " || exit 1\n"       \
    "fi\n"

static int
heal_one(struct fl_remote *r, size_t i, void *arg, struct fl_err *err)
{
    FL_UNUSED(i);
    FL_UNUSED(arg);
    return fl_remote_sh(r, NULL, err, "%s", HEAL_SH);
}

int
fl_net_heal_leftovers(struct fl_remote *r, struct fl_strbuf *report,
                      struct fl_err *err)
{
    /* Say what is there (a killed run's grudge), then heal as usual. */
    return fl_remote_sh(r, report, err, "%s",
                        "if command -v iptables >/dev/null && "
                        "iptables -w -L " CHAIN " -n >/dev/null 2>&1; then\n"
                        "  n=$(iptables -w -S " CHAIN " | grep -c '^-A')\n"
                        "  echo \"partition: iptables chain " CHAIN
                        " with $n DROP rule(s)\"\n"
                        "fi\n" HEAL_SH);
}

int
fl_net_heal(struct fl_remote *const *r, size_t n, struct fl_err *err)
{
    return fl_remote_on_all(r, n, heal_one, NULL, err);
}

/* ---- the partition nemesis ---- */

struct part_nem {
    uint32_t f_start, f_stop;
    struct fl_rng rng;
    char **ips; /* resolved at setup */
    size_t n;
};

static void
part_ips_free(struct part_nem *p)
{
    for (size_t i = 0; p->ips && i < p->n; i++)
        free(p->ips[i]);
    free(p->ips);
    p->ips = NULL;
}

static int
part_setup(struct fl_nemesis *nem, const struct fl_env *env, struct fl_err *err)
{
    struct part_nem *p = nem->ctx;
    int rc;

    if (!env->remotes)
        return fl_err_set(err, -ENOTSUP, "partition needs remote nodes");
    part_ips_free(p);
    p->n = env->nnodes;
    p->ips = fl_xcalloc(p->n, sizeof(char *));
    fl_rng_seed(&p->rng, fl_nem__seed(env, 0x9a27));
    rc = fl_net_resolve(env->remotes, p->n, p->ips, err);
    if (rc == 0)
        rc = fl_net_heal(env->remotes, p->n, err);
    return rc;
}

/* {"n1" ["n2" "n3"] ...}: whom each node drops, Jepsen's grudge map. */
static fl_val
grudge_val(const struct fl_grudge *g, const struct fl_env *env,
           struct fl_arena *a)
{
    fl_val *kv = fl_xcalloc(2 * g->n + 1, sizeof(fl_val));
    fl_val *src = fl_xcalloc(g->n + 1, sizeof(fl_val));
    size_t np = 0;
    fl_val v;

    for (size_t d = 0; d < g->n; d++) {
        size_t k = 0;
        for (size_t s = 0; s < g->n; s++)
            if (fl_grudge_drops(g, d, s))
                src[k++] = fl_val_str(a, env->nodes[s], strlen(env->nodes[s]));
        if (k == 0)
            continue;
        kv[2 * np] = fl_val_str(a, env->nodes[d], strlen(env->nodes[d]));
        kv[2 * np + 1] = fl_val_coll(a, FL_V_VEC, src, k);
        np++;
    }
    v = fl_val_map(a, kv, np);
    free(kv);
    free(src);
    return v;
}

static int
part_invoke(struct fl_nemesis *nem, const struct fl_env *env,
            const struct fl_op *op, struct fl_arena *a, struct fl_op *out,
            struct fl_err *err)
{
    struct part_nem *p = nem->ctx;
    struct fl_grudge g = {0};
    const fl_val *v = &op->value;
    struct fl_vec_u32 prim = {0};
    int rc;

    if (op->f == p->f_stop) {
        rc = fl_net_heal(env->remotes, env->nnodes, err);
        if (rc == 0)
            out->value = fl_val_kw(fl_kw_intern_cstr("network-healed"));
        return rc;
    }
    if (v->kind == FL_V_STR) {
        rc = fl_grudge_parse(&g, env->nodes, env->nnodes, v->u.s, err);
    } else {
        const char *t =
            v->kind == FL_V_KW ? fl_kw_name(v->u.id) : "random-halves";
        if (strcmp(t, "primaries") == 0) {
            /*
             * No primary is normal mid-election, and a DB that cannot be
             * asked is what faults do. As in Jepsen, isolate nothing then
             * (the op says so) rather than fail the fault.
             */
            struct fl_err perr = FL_ERR_INIT;
            if (fl_db_primaries(env->db, env, &prim, &perr) != 0 ||
                prim.n == 0) {
                const char *why =
                    perr.msg[0] ? perr.msg : "the DB reports none";
                fl_info("partition: no primaries (%s); nothing isolated", why);
                FL_VEC_RELEASE(&prim);
                fl_val items[2] = {fl_val_kw(fl_kw_intern_cstr("no-primaries")),
                                   fl_val_str(a, why, strlen(why))};
                out->value = fl_val_coll(a, FL_V_VEC, items, 2);
                return 0;
            }
        }
        rc = fl_grudge_topology(&g, env->nnodes, t, &p->rng, prim.v, prim.n,
                                err);
    }
    FL_VEC_RELEASE(&prim);
    if (rc == 0)
        rc = fl_net_partition(env->remotes, env->nnodes, p->ips, &g, err);
    if (rc == 0) {
        fl_val items[2] = {fl_val_kw(fl_kw_intern_cstr("isolated")),
                           grudge_val(&g, env, a)};
        out->value = fl_val_coll(a, FL_V_VEC, items, 2);
    }
    fl_grudge_release(&g);
    return rc;
}

static int
part_teardown(struct fl_nemesis *nem, const struct fl_env *env,
              struct fl_err *err)
{
    FL_UNUSED(nem);
    if (!env->remotes)
        return 0;
    return fl_net_heal(env->remotes, env->nnodes, err);
}

static size_t
part_fs(const struct fl_nemesis *nem, uint32_t *out, size_t max)
{
    const struct part_nem *p = nem->ctx;

    if (max >= 2) {
        out[0] = p->f_start;
        out[1] = p->f_stop;
    }
    return 2;
}

static void
part_free(struct fl_nemesis *nem)
{
    struct part_nem *p = nem->ctx;

    if (p)
        part_ips_free(p);
    free(p);
}

static const struct fl_nemesis_type part_type = {
    .name = "partition",
    .setup = part_setup,
    .invoke = part_invoke,
    .teardown = part_teardown,
    .fs = part_fs,
    .free = part_free,
};

struct fl_nemesis *
fl_nem_partition_new(void)
{
    struct part_nem *p = fl_xcalloc(1, sizeof(*p));

    p->f_start = fl_kw_intern_cstr("start-partition");
    p->f_stop = fl_kw_intern_cstr("stop-partition");
    return fl_nemesis_new(&part_type, p);
}
