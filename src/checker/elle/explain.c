/* SPDX-License-Identifier: MIT */
/*
 * explain.c: turning a cycle (a list of edge ids) into Elle's anomaly map
 * {:type :cycle :steps} plus an :explanation a person can follow, one line
 * per edge saying why it exists, and writing the --out artifacts: one
 * <type>.txt per anomaly type and a Graphviz <type>/<n>.dot per cycle,
 * rendered to SVG when dot(1) is installed. Runs of real-time edges through
 * barrier nodes are shown as one real-time step.
 */
#include "util/common.h"

#include "checker/elle/elle_int.h"

#include <errno.h>
#include <sys/stat.h>

#include "util/spawn.h"

#define KW(s) elle__kw(s)

struct step {
    uint32_t a, b; /* txn ids */
    uint32_t eid;  /* the edge (for rt: the first edge of the run) */
    uint32_t last; /* for rt: the last edge of the run */
};

/* What a data edge is about, read back from its two micro-ops. */
struct why {
    uint32_t key;
    int64_t a, b;
    bool a_nil; /* a is an empty read / the initial nil */
};

static void
edge_why(const struct elle_ctx *c, const struct elle_edge *e, struct why *w)
{
    const struct elle_mop *ma = &c->mops[c->txns[e->src].mop0 + e->amop];
    const struct elle_mop *mb = &c->mops[c->txns[e->dst].mop0 + e->bmop];
    w->key = ma->key;
    w->a = ma->v;
    w->b = mb->v;
    w->a_nil = false;
    if (ma->f == ELLE_READ) {
        if (c->o->workload == FL_ELLE_LIST_APPEND) {
            w->a_nil = ma->n == 0;
            w->a = ma->n ? ma->items[ma->n - 1].u.i : 0;
        } else {
            w->a_nil = !ma->has_v;
        }
    }
}

static int
label_of(uint32_t *labels, size_t *nl, uint32_t t)
{
    for (size_t i = 0; i < *nl; i++)
        if (labels[i] == t)
            return (int)i + 1;
    labels[(*nl)++] = t;
    return (int)*nl;
}

static void
print_key(struct elle_ctx *c, struct fl_strbuf *sb, uint32_t key)
{
    fl_strbuf_addstr(sb, "key ");
    elle__print_key(c, sb, key);
}

static void
print_read(struct elle_ctx *c, struct fl_strbuf *sb, const struct elle_edge *e)
{
    /* the value a txn read, from its micro-op */
    const struct elle_txn *t = &c->txns[e->src];
    const struct elle_mop *m = &c->mops[t->mop0 + e->amop];
    fl_val v = elle__mop_val(c, m);
    fl_val_print_edn(sb, &v.u.items[2]);
}

/* The keyword naming why edge e exists (elle_why), or process/realtime. */
static const char *
basis_name(const struct elle_edge *e)
{
    static const char *const names[] = {
        "observed",        "after-longest-read",
        "initial-state",   "writes-follow-reads",
        "sequential-keys", "linearizable-keys"};
    if (e->rel == ELLE_PROC)
        return "process";
    if (e->rel == ELLE_RT)
        return "realtime";
    return e->why < FL_ARRAY_SIZE(names) ? names[e->why] : "observed";
}

/* Was edge e seen by a read (else the checker inferred it)? */
static bool
observed(const struct elle_edge *e)
{
    return (e->rel & ELLE_DATA) && e->why == ELLE_OBSERVED;
}

/* The "(observed: ...)" or "(inferred: ...)" end of a step's line. */
static void
explain_basis(struct elle_ctx *c, struct fl_strbuf *sb,
              const struct elle_edge *e, const struct why *w, int lb)
{
    bool list = c->o->workload == FL_ELLE_LIST_APPEND;
    switch (e->rel == ELLE_PROC || e->rel == ELLE_RT ? 0xff : e->why) {
    case ELLE_OBSERVED:
        if (e->rel == ELLE_WR)
            fl_strbuf_addf(sb, " (observed: T%d's read shows it)", lb);
        else if (list && e->rel == ELLE_WW)
            fl_strbuf_addf(sb,
                           " (observed: a read of that key shows %lld "
                           "followed by %lld)",
                           (long long)w->a, (long long)w->b);
        else if (list)
            fl_strbuf_addf(sb,
                           " (observed: a longer read of that key shows %lld "
                           "next)",
                           (long long)w->b);
        else
            fl_strbuf_addstr(sb, " (observed)");
        break;
    case ELLE_W_LONGEST:
        fl_strbuf_addf(sb,
                       " (inferred: no read shows T%d's append of %lld, "
                       "so it is placed after the longest read of that key",
                       lb, (long long)w->b);
        if (c->txns[e->dst].type == FL_OP_INFO)
            fl_strbuf_addf(sb,
                           "; T%d is :info, but a read saw another of "
                           "its appends, so it committed",
                           lb);
        fl_strbuf_addch(sb, ')');
        break;
    case ELLE_W_INIT:
        fl_strbuf_addf(sb,
                       " (inferred: every write follows the initial nil; no "
                       "read shows T%d's write after it)",
                       lb);
        break;
    case ELLE_W_WFR:
        fl_strbuf_addf(sb,
                       " (inferred from writes-follow-reads: T%d read %lld "
                       "before writing %lld)",
                       lb, (long long)w->a, (long long)w->b);
        break;
    case ELLE_W_SEQ:
        fl_strbuf_addstr(sb, " (inferred from sequential keys: one process "
                             "saw these versions in this order)");
        break;
    case ELLE_W_LIN:
        fl_strbuf_addstr(sb, " (inferred from linearizable keys: the first "
                             "version was the latest when the second's txn "
                             "began)");
        break;
    default:
        fl_strbuf_addf(sb, " (inferred from %s order, not from a read)",
                       e->rel == ELLE_PROC ? "process" : "real-time");
    }
}

/* Why edge e (a -> b) exists, as "T1 < T2, because ...". */
static void
explain_step(struct elle_ctx *c, struct fl_strbuf *sb, const struct step *s,
             int la, int lb)
{
    struct elle_edge ed;
    struct why w;
    memset(&w, 0, sizeof(w));
    elle__edge_get(&c->g, s->eid, &ed);
    const struct elle_edge *e = &ed;
    if (e->rel & ELLE_DATA)
        edge_why(c, e, &w);
    bool list = c->o->workload == FL_ELLE_LIST_APPEND;
    fl_strbuf_addf(sb, "  - T%d < T%d, because ", la, lb);
    switch (e->rel) {
    case ELLE_WW:
        if (list && e->why == ELLE_W_LONGEST) {
            fl_strbuf_addf(sb, "T%d appended %lld to ", lb, (long long)w.b);
            print_key(c, sb, w.key);
            fl_strbuf_addf(sb, " after T%d appended %lld", la, (long long)w.a);
        } else if (list) {
            fl_strbuf_addf(sb, "T%d appended %lld after T%d appended %lld to ",
                           lb, (long long)w.b, la, (long long)w.a);
            print_key(c, sb, w.key);
        } else {
            fl_strbuf_addf(sb, "T%d wrote ", lb);
            print_key(c, sb, w.key);
            fl_strbuf_addf(sb, " = %lld after T%d wrote it = %lld",
                           (long long)w.b, la, (long long)w.a);
        }
        break;
    case ELLE_WR:
        if (list) {
            fl_strbuf_addf(sb, "T%d read T%d's append of %lld to ", lb, la,
                           (long long)w.a);
            print_key(c, sb, w.key);
        } else {
            fl_strbuf_addf(sb, "T%d read ", lb);
            print_key(c, sb, w.key);
            fl_strbuf_addf(sb, " = %lld, which T%d wrote", (long long)w.a, la);
        }
        break;
    case ELLE_RW:
        fl_strbuf_addf(sb, "T%d read ", la);
        print_key(c, sb, w.key);
        fl_strbuf_addstr(sb, " = ");
        print_read(c, sb, e);
        if (list)
            fl_strbuf_addf(sb, ", which did not include T%d's append of %lld",
                           lb, (long long)w.b);
        else
            fl_strbuf_addf(sb, ", and T%d overwrote that version with %lld", lb,
                           (long long)w.b);
        break;
    case ELLE_PROC:
        fl_strbuf_addf(sb, "process %d executed T%d before T%d",
                       c->txns[s->a].process, la, lb);
        break;
    default: {
        const struct elle_txn *ta = &c->txns[s->a], *tb = &c->txns[s->b];
        fl_strbuf_addf(sb,
                       "T%d completed (index %lld) before T%d was "
                       "invoked (index %lld)",
                       la, (long long)c->h->ops[ta->cmp].index, lb,
                       (long long)c->h->ops[tb->inv].index);
        break;
    }
    }
    explain_basis(c, sb, e, &w, lb);
    fl_strbuf_addstr(sb, ".\n");
}

static fl_val
step_val(struct elle_ctx *c, const struct step *s)
{
    struct elle_edge ed;
    struct why w;
    elle__edge_get(&c->g, s->eid, &ed);
    const struct elle_edge *e = &ed;
    if (e->rel & ELLE_DATA)
        edge_why(c, e, &w);
    fl_val kv[16];
    size_t n = 0;
    kv[n++] = KW("type");
    switch (e->rel) {
    case ELLE_WW:
    case ELLE_WR:
    case ELLE_RW:
        kv[n++] = KW(e->rel == ELLE_WW   ? "ww"
                     : e->rel == ELLE_WR ? "wr"
                                         : "rw");
        kv[n++] = KW("key");
        kv[n++] = fl_val_copy(c->a, &c->keys[w.key]);
        kv[n++] = KW("value");
        if (w.a_nil)
            kv[n++] = c->o->workload == FL_ELLE_LIST_APPEND
                          ? KW("elle.list-append/init")
                          : fl_val_nil();
        else
            kv[n++] = fl_val_int(w.a);
        if (e->rel != ELLE_WR) {
            kv[n++] = KW("value'");
            kv[n++] = fl_val_int(w.b);
        }
        kv[n++] = KW("a-mop-index");
        kv[n++] = fl_val_int(e->amop);
        kv[n++] = KW("b-mop-index");
        kv[n++] = fl_val_int(e->bmop);
        break;
    case ELLE_PROC:
        kv[n++] = KW("process");
        kv[n++] = KW("process");
        kv[n++] = fl_val_int(c->txns[s->a].process);
        break;
    default:
        kv[n++] = KW("realtime");
        kv[n++] = KW("a-index");
        kv[n++] = fl_val_int(c->h->ops[c->txns[s->a].cmp].index);
        kv[n++] = KW("b-index");
        kv[n++] = fl_val_int(c->h->ops[c->txns[s->b].inv].index);
        break;
    }
    kv[n++] = KW("observed?");
    kv[n++] = fl_val_bool(observed(e));
    kv[n++] = KW("basis");
    kv[n++] = KW(basis_name(e));
    return elle__mapv(c, kv, n / 2);
}

static int
mkdir_p(const char *path, struct fl_err *err)
{
    char buf[4096];
    size_t n = strlen(path);
    if (n >= sizeof(buf))
        return fl_err_set(err, -ENAMETOOLONG, "%s: path too long", path);
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        char ch = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return fl_err_set(err, -errno, "mkdir %s: %s", buf,
                              strerror(errno));
        buf[i] = ch;
    }
    return 0;
}

static int
write_file(const char *path, const char *data, size_t len, struct fl_err *err)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return fl_err_set(err, -errno, "open %s: %s", path, strerror(errno));
    size_t w = fwrite(data, 1, len, f);
    int rc = 0;
    if (w != len)
        rc = fl_err_set(err, -EIO, "write %s", path);
    if (fclose(f) != 0 && rc == 0)
        rc = fl_err_set(err, -errno, "close %s: %s", path, strerror(errno));
    return rc;
}

static void
dot_escape(struct fl_strbuf *sb, const char *s)
{
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fl_strbuf_addch(sb, '\\');
        if (*s == '\n')
            fl_strbuf_addstr(sb, "\\l");
        else
            fl_strbuf_addch(sb, *s);
    }
}

static void
write_dot(struct elle_ctx *c, int type, const struct step *steps, size_t n,
          const uint32_t *labels, size_t nl)
{
    if (!c->o->out_dir || c->rc)
        return;
    struct fl_strbuf path = FL_STRBUF_INIT, sb = FL_STRBUF_INIT;
    fl_strbuf_addf(&path, "%s/%s", c->o->out_dir, elle__anom_name(type));
    c->rc = mkdir_p(path.buf, c->err);
    if (c->rc)
        goto out;
    fl_strbuf_addf(&path, "/%zu.dot", c->found[type].n);
    fl_strbuf_addf(&sb,
                   "digraph \"%s\" {\n  rankdir=LR;\n"
                   "  node [shape=box, fontname=monospace];\n",
                   elle__anom_name(type));
    for (size_t i = 0; i < nl; i++) {
        struct fl_strbuf op = FL_STRBUF_INIT;
        fl_val v = elle__op_val(c, labels[i]);
        fl_val_print_edn(&op, &v);
        fl_strbuf_addf(&sb, "  T%zu [label=\"T%zu\\n", i + 1, i + 1);
        dot_escape(&sb, op.buf);
        fl_strbuf_addstr(&sb, "\"];\n");
        fl_strbuf_release(&op);
    }
    for (size_t i = 0; i < n; i++) {
        struct elle_edge ed;
        struct why w;
        elle__edge_get(&c->g, steps[i].eid, &ed);
        const struct elle_edge *e = &ed;
        if (e->rel & ELLE_DATA)
            edge_why(c, e, &w);
        int la = 0, lb = 0;
        for (size_t j = 0; j < nl; j++) {
            if (labels[j] == steps[i].a)
                la = (int)j + 1;
            if (labels[j] == steps[i].b)
                lb = (int)j + 1;
        }
        struct fl_strbuf lab = FL_STRBUF_INIT;
        switch (e->rel) {
        case ELLE_WW:
        case ELLE_WR:
        case ELLE_RW:
            fl_strbuf_addstr(&lab, e->rel == ELLE_WW   ? "ww "
                                   : e->rel == ELLE_WR ? "wr "
                                                       : "rw ");
            elle__print_key(c, &lab, w.key);
            break;
        case ELLE_PROC:
            fl_strbuf_addstr(&lab, "process");
            break;
        default:
            fl_strbuf_addstr(&lab, "realtime");
        }
        if (!observed(e)) {
            fl_strbuf_addstr(&lab, "\n(inferred: ");
            fl_strbuf_addstr(&lab, basis_name(e));
            fl_strbuf_addch(&lab, ')');
        }
        fl_strbuf_addf(&sb, "  T%d -> T%d [label=\"", la, lb);
        dot_escape(&sb, lab.buf);
        fl_strbuf_addf(&sb, "\"%s%s];\n",
                       e->rel == ELLE_RW ? ", color=red" : "",
                       observed(e) ? (e->rel == ELLE_RW ? ", style=dashed" : "")
                                   : ", style=dotted");
        fl_strbuf_release(&lab);
    }
    fl_strbuf_addstr(&sb, "}\n");
    c->rc = write_file(path.buf, sb.buf, sb.len, c->err);
out:
    fl_strbuf_release(&path);
    fl_strbuf_release(&sb);
}

void
elle__report_cycle(struct elle_ctx *c, int type, const uint32_t *eids, size_t n)
{
    struct elle_edge *E = fl_xmalloc(fl_st_mult(n + 1, sizeof(*E)));
    for (size_t i = 0; i < n; i++)
        elle__edge_get(&c->g, eids[i], &E[i]);
    struct step *steps = fl_xmalloc(fl_st_mult(n + 1, sizeof(*steps)));
    uint32_t *labels = fl_xmalloc(fl_st_mult(n + 1, sizeof(uint32_t)));
    size_t ns = 0, nl = 0;
    for (size_t i = 0; i < n; i++) {
        const struct elle_edge *e = &E[i];
        if (e->src >= c->ntxn)
            continue; /* inside a real-time run, handled below */
        struct step s = {e->src, e->dst, eids[i], eids[i]};
        size_t j = i;
        while (E[j].dst >= c->ntxn && j + 1 < n)
            j++;
        s.b = E[j].dst;
        s.last = eids[j];
        steps[ns++] = s;
        i = j;
    }
    fl_val *cyc = fl_xmalloc(fl_st_mult(ns + 1, sizeof(fl_val)));
    fl_val *stv = fl_xmalloc(fl_st_mult(ns + 1, sizeof(fl_val)));
    struct fl_strbuf ex = FL_STRBUF_INIT, body = FL_STRBUF_INIT;
    for (size_t i = 0; i < ns; i++) {
        int la = label_of(labels, &nl, steps[i].a);
        int lb = label_of(labels, &nl, steps[i].b);
        explain_step(c, &body, &steps[i], la, lb);
        cyc[i] = elle__op_val(c, steps[i].a);
        stv[i] = step_val(c, &steps[i]);
    }
    cyc[ns] = cyc[0];
    fl_strbuf_addstr(&ex, "Let:\n");
    for (size_t i = 0; i < nl; i++) {
        fl_val v = elle__op_val(c, labels[i]);
        fl_strbuf_addf(&ex, "  T%zu = ", i + 1);
        fl_val_print_edn(&ex, &v);
        fl_strbuf_addch(&ex, '\n');
    }
    fl_strbuf_addstr(&ex, "\nThen:\n");
    fl_strbuf_add(&ex, body.buf, body.len);
    fl_strbuf_addstr(&ex, "  - This is a cycle: T1 < ... < T1, which is "
                          "impossible in any serial order.\n");
    write_dot(c, type, steps, ns, labels, nl);
    fl_val kv[8] = {KW("type"),        KW(elle__anom_name(type)),
                    KW("cycle"),       fl_val_coll(c->a, FL_V_VEC, cyc, ns + 1),
                    KW("steps"),       fl_val_coll(c->a, FL_V_VEC, stv, ns),
                    KW("explanation"), fl_val_str(c->a, ex.buf, ex.len)};
    elle__add(c, type, elle__mapv(c, kv, 4));
    fl_strbuf_release(&ex);
    fl_strbuf_release(&body);
    free(cyc);
    free(stv);
    free(steps);
    free(labels);
    free(E);
}

static void
render_svg(const char *dotpath)
{
    struct fl_strbuf svg = FL_STRBUF_INIT;
    fl_strbuf_addstr(&svg, dotpath);
    fl_strbuf_setlen(&svg, svg.len - 4);
    fl_strbuf_addstr(&svg, ".svg");
    const char *argv[] = {"dot", "-Tsvg", "-o", svg.buf, dotpath, NULL};
    /* Best effort: without graphviz the .dot file is still there. */
    fl_spawn_run(argv, NULL, NULL);
    fl_strbuf_release(&svg);
}

int
elle__write_artifacts(struct elle_ctx *c, struct fl_err *err)
{
    const char *dir = c->o->out_dir;
    if (!dir)
        return 0;
    if (c->rc)
        return c->rc;
    int rc = mkdir_p(dir, err);
    unsigned rendered = 0;
    for (int x = 0; x < ELLE_NANOM && rc == 0; x++) {
        if (!c->found[x].n)
            continue;
        struct fl_strbuf path = FL_STRBUF_INIT, sb = FL_STRBUF_INIT;
        fl_strbuf_addf(&path, "%s/%s.txt", dir, elle__anom_name(x));
        for (size_t i = 0; i < c->found[x].n; i++) {
            const fl_val *m = &c->found[x].v[i];
            const fl_val *ex =
                m->kind == FL_V_MAP
                    ? fl_val_map_get_kw(m, fl_kw_intern_cstr("explanation"))
                    : NULL;
            fl_strbuf_addf(&sb, "%s #%zu\n", elle__anom_name(x), i);
            if (ex && ex->kind == FL_V_STR)
                fl_strbuf_add(&sb, ex->u.s, ex->n);
            else
                fl_val_print_edn(&sb, m);
            fl_strbuf_addstr(&sb, "\n\n");
            if (!c->o->no_render && ex && rendered < 64) {
                struct fl_strbuf dp = FL_STRBUF_INIT;
                fl_strbuf_addf(&dp, "%s/%s/%zu.dot", dir, elle__anom_name(x),
                               i);
                struct stat st;
                if (stat(dp.buf, &st) == 0) {
                    render_svg(dp.buf);
                    rendered++;
                }
                fl_strbuf_release(&dp);
            }
        }
        rc = write_file(path.buf, sb.buf, sb.len, err);
        fl_strbuf_release(&path);
        fl_strbuf_release(&sb);
    }
    return rc;
}
