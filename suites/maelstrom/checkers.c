/* SPDX-License-Identifier: MIT */
/*
 * checkers.c: the checkers Maelstrom has and faultline's checker/ does not:
 * echo (each reply echoes its request), the counter of g-counter and
 * pn-counter (Maelstrom checks only the final reads, since reads during the
 * run may be stale: each must lie between the sum of the :ok adds plus the
 * negative :info adds and the sum of the :ok adds plus the positive :info
 * adds), availability (the fraction of :ok client ops) and net (message
 * counts of the simulated network, msgs per op).
 */
#include "util/common.h"

#include "mael_int.h"

#include "timeline.h"

#include "checker/elle/elle.h"
#include "checker/workloads.h"
#include "history/edn.h"
#include "util/arena.h"
#include "util/err.h"
#include "util/log.h"
#include "util/strbuf.h"
#include "util/vec.h"
#include "util/xalloc.h"

#define MAX_LISTED 32

/* A small result-map builder. */
struct rmap {
    fl_val kv[40];
    size_t n;
    struct fl_arena *a;
};

static void
put(struct rmap *m, const char *k, fl_val v)
{
    m->kv[m->n++] = fl_val_kw(fl_kw_intern_cstr(k));
    m->kv[m->n++] = v;
}

static fl_val
done(struct rmap *m, enum fl_verdict v, struct fl_chk_result *out)
{
    put(m, "valid?", fl_verdict_val(v));
    out->valid = v;
    out->map = fl_val_map(m->a, m->kv, m->n / 2);
    return out->map;
}

static struct fl_checker *
chk_new(const struct fl_checker_type *type, void *ctx)
{
    struct fl_checker *c = fl_xcalloc(1, sizeof(*c));

    c->type = type;
    c->ctx = ctx;
    return c;
}

static void
chk_free(struct fl_checker *c)
{
    free(c);
}

/* The invocation of completion i (same process, latest before it). */
static const struct fl_op *
invocation_of(const struct fl_hist *h, size_t i)
{
    for (size_t k = i; k > 0; k--)
        if (h->ops[k - 1].process == h->ops[i].process &&
            h->ops[k - 1].type == FL_OP_INVOKE)
            return &h->ops[k - 1];
    return NULL;
}

/* ---- echo ---- */

static int
echo_check(const struct fl_checker *c, const struct fl_hist *h,
           const struct fl_chk_opts *opts, struct fl_arena *a,
           struct fl_chk_result *out, struct fl_err *err)
{
    struct rmap m = {.a = a};
    fl_val bad[MAX_LISTED];
    size_t nbad = 0, nok = 0, nerr = 0;

    FL_UNUSED(c);
    FL_UNUSED(opts);
    FL_UNUSED(err);
    for (size_t i = 0; i < h->n; i++) {
        const struct fl_op *op = &h->ops[i], *inv;
        if (!fl_op_is_client(op) || op->type != FL_OP_OK)
            continue;
        nok++;
        inv = invocation_of(h, i);
        if (inv && fl_val_equal(&inv->value, &op->value))
            continue;
        if (nbad < MAX_LISTED)
            bad[nbad++] = fl_val_copy(a, &op->value);
        nerr++;
    }
    put(&m, "ok-count", fl_val_int((int64_t)nok));
    put(&m, "error-count", fl_val_int((int64_t)nerr));
    put(&m, "errors", fl_val_coll(a, FL_V_VEC, bad, nbad));
    done(&m,
         nerr  ? FL_VERDICT_FALSE
         : nok ? FL_VERDICT_TRUE
               : FL_VERDICT_UNKNOWN,
         out);
    return 0;
}

static const struct fl_checker_type echo_type = {"echo", echo_check, chk_free};

struct fl_checker *
fl_mael_chk_echo_new(void)
{
    return chk_new(&echo_type, NULL);
}

/* ---- counters ---- */

static int
counter_check(const struct fl_checker *c, const struct fl_hist *h,
              const struct fl_chk_opts *opts, struct fl_arena *a,
              struct fl_chk_result *out, struct fl_err *err)
{
    struct rmap m = {.a = a};
    int64_t ok = 0, neg = 0, pos = 0, last_add_end = -1;
    fl_val bad[MAX_LISTED], reads[MAX_LISTED];
    size_t nbad = 0, nreads = 0, nfinal = 0, nwrong = 0;

    FL_UNUSED(c);
    FL_UNUSED(opts);
    FL_UNUSED(err);
    for (size_t i = 0; i < h->n; i++) {
        const struct fl_op *op = &h->ops[i];
        if (!fl_op_is_client(op) || op->f != FL_KW_ADD ||
            op->type == FL_OP_INVOKE || op->value.kind != FL_V_INT)
            continue;
        int64_t d = op->value.u.i;
        last_add_end = (int64_t)i;
        if (op->type == FL_OP_OK)
            ok += d;
        else if (op->type == FL_OP_INFO)
            *(d < 0 ? &neg : &pos) += d;
    }
    /* Adds that never completed count as :info. */
    for (size_t i = 0; i < h->n; i++) {
        const struct fl_op *op = &h->ops[i];
        if (op->type == FL_OP_INVOKE && op->f == FL_KW_ADD &&
            fl_op_is_client(op) && op->value.kind == FL_V_INT) {
            bool done_ = false;
            for (size_t k = i + 1; k < h->n && !done_; k++)
                done_ = h->ops[k].process == op->process;
            if (!done_)
                *(op->value.u.i < 0 ? &neg : &pos) += op->value.u.i;
        }
    }
    for (size_t i = 0; i < h->n; i++) {
        const struct fl_op *op = &h->ops[i], *inv;
        if (!fl_op_is_client(op) || op->f != FL_KW_READ || op->type != FL_OP_OK)
            continue;
        inv = invocation_of(h, i);
        if (!inv || inv - h->ops < last_add_end)
            continue; /* not a final read */
        nfinal++;
        if (nreads < MAX_LISTED)
            reads[nreads++] = fl_val_copy(a, &op->value);
        if (op->value.kind == FL_V_INT && op->value.u.i >= ok + neg &&
            op->value.u.i <= ok + pos)
            continue;
        nwrong++;
        if (nbad < MAX_LISTED)
            bad[nbad++] = fl_val_copy(a, &op->value);
    }
    fl_val range[2] = {fl_val_int(ok + neg), fl_val_int(ok + pos)};
    put(&m, "acceptable", fl_val_coll(a, FL_V_VEC, range, 2));
    put(&m, "final-reads", fl_val_coll(a, FL_V_VEC, reads, nreads));
    put(&m, "final-read-count", fl_val_int((int64_t)nfinal));
    put(&m, "errors", fl_val_coll(a, FL_V_VEC, bad, nbad));
    done(&m,
         nwrong   ? FL_VERDICT_FALSE
         : nfinal ? FL_VERDICT_TRUE
                  : FL_VERDICT_UNKNOWN,
         out);
    return 0;
}

static const struct fl_checker_type counter_type = {"maelstrom-counter",
                                                    counter_check, chk_free};

struct fl_checker *
fl_mael_chk_counter_new(void)
{
    return chk_new(&counter_type, NULL);
}

/* ---- availability ---- */

static int
avail_check(const struct fl_checker *c, const struct fl_hist *h,
            const struct fl_chk_opts *opts, struct fl_arena *a,
            struct fl_chk_result *out, struct fl_err *err)
{
    const double *min = c->ctx;
    struct rmap m = {.a = a};
    int64_t ok = 0, all = 0;

    FL_UNUSED(opts);
    FL_UNUSED(err);
    for (size_t i = 0; i < h->n; i++) {
        const struct fl_op *op = &h->ops[i];
        if (!fl_op_is_client(op) || op->type == FL_OP_INVOKE)
            continue;
        all++;
        ok += op->type == FL_OP_OK;
    }
    double frac = all ? (double)ok / (double)all : 0;
    put(&m, "ok-count", fl_val_int(ok));
    put(&m, "total-count", fl_val_int(all));
    put(&m, "ok-fraction", fl_val_float(frac));
    put(&m, "required", fl_val_float(*min));
    if (frac < *min) {
        char cause[96];
        snprintf(cause, sizeof(cause), "%.4f of ops ok, %.4f required", frac,
                 *min);
        put(&m, "cause", fl_val_str(a, cause, strlen(cause)));
    }
    done(&m, frac >= *min ? FL_VERDICT_TRUE : FL_VERDICT_FALSE, out);
    return 0;
}

static void
avail_free(struct fl_checker *c)
{
    free(c->ctx);
    free(c);
}

static const struct fl_checker_type avail_type = {"availability", avail_check,
                                                  avail_free};

struct fl_checker *
fl_mael_chk_availability_new(double min)
{
    double *d = fl_xmalloc(sizeof(*d));

    *d = min;
    return chk_new(&avail_type, d);
}

/* ---- net ---- */

static fl_val
counts(struct fl_arena *a, uint64_t send, uint64_t recv, int64_t ops)
{
    struct rmap m = {.a = a};

    put(&m, "send-count", fl_val_int((int64_t)send));
    put(&m, "recv-count", fl_val_int((int64_t)recv));
    put(&m, "msg-count", fl_val_int((int64_t)send));
    put(&m, "msgs-per-op",
        fl_val_float(ops ? (double)send / (double)ops : 0.0));
    return fl_val_map(a, m.kv, m.n / 2);
}

static int
net_check(const struct fl_checker *c, const struct fl_hist *h,
          const struct fl_chk_opts *opts, struct fl_arena *a,
          struct fl_chk_result *out, struct fl_err *err)
{
    struct fl_mnet_stats st;
    struct rmap m = {.a = a};
    int64_t ops = 0;

    FL_UNUSED(err);
    fl_mnet_stats(c->ctx, &st);
    for (size_t i = 0; i < h->n; i++)
        ops += fl_op_is_client(&h->ops[i]) && h->ops[i].type == FL_OP_INVOKE;
    put(&m, "all",
        counts(a, st.client_send + st.server_send,
               st.client_recv + st.server_recv, ops));
    put(&m, "clients", counts(a, st.client_send, st.client_recv, ops));
    put(&m, "servers", counts(a, st.server_send, st.server_recv, ops));
    put(&m, "dropped-partition", fl_val_int((int64_t)st.dropped_partition));
    put(&m, "dropped-loss", fl_val_int((int64_t)st.dropped_loss));
    put(&m, "dropped-down", fl_val_int((int64_t)st.dropped_down));
    put(&m, "malformed-count", fl_val_int((int64_t)st.bad_lines));
    put(&m, "crash-count", fl_val_int((int64_t)st.crashes));
    put(&m, "quiesce-timeouts", fl_val_int((int64_t)st.quiesce_timeouts));
    if (st.bad_lines || st.crashes) {
        char e1[96], e2[96];
        fl_val es[2];
        size_t ne = 0;
        snprintf(e1, sizeof(e1),
                 "%" PRIu64 " stdout line(s) that are not messages",
                 st.bad_lines);
        snprintf(e2, sizeof(e2), "%" PRIu64 " node crash(es)", st.crashes);
        if (st.bad_lines)
            es[ne++] = fl_val_str(a, e1, strlen(e1));
        if (st.crashes)
            es[ne++] = fl_val_str(a, e2, strlen(e2));
        put(&m, "errors", fl_val_coll(a, FL_V_VEC, es, ne));
    }
    fl_mnet_flush(c->ctx);
    if (opts && opts->out_dir && fl_mnet_journal_path(c->ctx)) {
        struct fl_err terr = FL_ERR_INIT;
        if (fl_mael_timeline_write(fl_mnet_journal_path(c->ctx), opts->out_dir,
                                   &terr) < 0) {
            fl_warn("maelstrom: message timeline: %s", terr.msg);
            put(&m, "timeline-error",
                fl_val_str(a, terr.msg, strlen(terr.msg)));
        }
    }
    done(&m, st.bad_lines || st.crashes ? FL_VERDICT_FALSE : FL_VERDICT_TRUE,
         out);
    return 0;
}

static const struct fl_checker_type net_type = {"net", net_check, chk_free};

static enum fl_verdict
verdict_of(const fl_val *v)
{
    if (v->kind == FL_V_BOOL)
        return v->u.b ? FL_VERDICT_TRUE : FL_VERDICT_FALSE;
    return FL_VERDICT_UNKNOWN;
}

/* The :net map of dir/results.edn (parsed into a), or an error. */
static int
stored_net(const char *dir, struct fl_arena *a, fl_val *out, struct fl_err *err)
{
    char *path = fl_xasprintf("%s/results.edn", dir ? dir : ".");
    struct fl_strbuf sb;
    fl_val res;
    const fl_val *net;
    int rc;

    fl_strbuf_init(&sb, 0);
    rc = fl_strbuf_read_file(&sb, path);
    if (rc < 0) {
        rc = fl_err_set(err, rc, "%s: %s", path, strerror(-rc));
        goto out;
    }
    rc = fl_edn_parse_value(a, sb.buf, sb.len, path, &res, err);
    if (rc < 0)
        goto out;
    net = res.kind == FL_V_MAP
              ? fl_val_map_get_kw(&res, fl_kw_intern_cstr("net"))
              : NULL;
    if (!net || net->kind != FL_V_MAP)
        rc = fl_err_set(err, -EINVAL, "%s: no :net map", path);
    else
        *out = *net;
out:
    fl_strbuf_release(&sb);
    free(path);
    return rc;
}

/*
 * net when re-checking a stored run (faultline analyze): the network's
 * counters are not in the history, so the run's own :net result is kept,
 * with :source naming where it came from; without one, :unknown.
 */
static int
net_stored_check(const struct fl_checker *c, const struct fl_hist *h,
                 const struct fl_chk_opts *opts, struct fl_arena *a,
                 struct fl_chk_result *out, struct fl_err *err)
{
    struct fl_err rerr = FL_ERR_INIT;
    struct rmap m = {.a = a};
    fl_val net = fl_val_nil();

    FL_UNUSED(c);
    FL_UNUSED(h);
    FL_UNUSED(err);
    out->valid = FL_VERDICT_UNKNOWN;
    if (stored_net(opts ? opts->out_dir : NULL, a, &net, &rerr) < 0) {
        put(&m, "error", fl_val_str(a, rerr.msg, strlen(rerr.msg)));
        done(&m, FL_VERDICT_UNKNOWN, out);
        return 0;
    }
    for (uint32_t i = 0; i < net.n && m.n + 4 < FL_ARRAY_SIZE(m.kv); i++) {
        const fl_val *k = &net.u.items[2 * i];
        if (k->kind == FL_V_KW && k->u.id == fl_kw_intern_cstr("valid?"))
            out->valid = verdict_of(&net.u.items[2 * i + 1]);
        else if (!(k->kind == FL_V_KW &&
                   k->u.id == fl_kw_intern_cstr("source")))
            put(&m, fl_kw_name(k->u.id), net.u.items[2 * i + 1]);
    }
    put(&m, "source", fl_val_str(a, "results.edn", 11));
    done(&m, out->valid, out);
    return 0;
}

static const struct fl_checker_type net_stored_type = {"net", net_stored_check,
                                                       chk_free};

struct fl_checker *
fl_mael_chk_net_new(struct fl_mnet *net)
{
    return chk_new(net ? &net_type : &net_stored_type, net);
}

/* ---- kafka ---- */

struct kent {
    int64_t k, o, v;
    bool polled, acked;
};

FL_VEC(kents, struct kent);

static int
kent_cmp_kov(const void *a, const void *b)
{
    const struct kent *x = a, *y = b;

    if (x->k != y->k)
        return x->k < y->k ? -1 : 1;
    if (x->o != y->o)
        return x->o < y->o ? -1 : 1;
    return x->v < y->v ? -1 : x->v > y->v;
}

static int
kent_cmp_kv(const void *a, const void *b)
{
    const struct kent *x = a, *y = b;

    if (x->k != y->k)
        return x->k < y->k ? -1 : 1;
    if (x->v != y->v)
        return x->v < y->v ? -1 : 1;
    return x->o < y->o ? -1 : x->o > y->o;
}

static bool
is_f(const struct fl_op *op, const char *f)
{
    return strcmp(fl_kw_name(op->f), f) == 0;
}

/* Every [k o v] a send acknowledged or a poll returned. */
static void
kafka_collect(const struct fl_hist *h, struct kents *e)
{
    for (size_t i = 0; i < h->n; i++) {
        const struct fl_op *op = &h->ops[i];
        if (!fl_op_is_client(op) || op->type != FL_OP_OK)
            continue;
        if (is_f(op, "send") && op->value.kind == FL_V_VEC &&
            op->value.n == 3 && op->value.u.items[2].kind == FL_V_INT) {
            struct kent x = {op->value.u.items[0].u.i, op->value.u.items[2].u.i,
                             op->value.u.items[1].u.i, false, true};
            FL_VEC_PUSH(e, x);
        } else if (is_f(op, "poll") && op->value.kind == FL_V_MAP) {
            for (uint32_t p = 0; p < op->value.n; p++) {
                const fl_val *k = &op->value.u.items[2 * p];
                const fl_val *l = &op->value.u.items[2 * p + 1];
                for (uint32_t j = 0; l->kind == FL_V_VEC && j < l->n; j++) {
                    const fl_val *ov = &l->u.items[j];
                    if (ov->kind != FL_V_VEC || ov->n < 2)
                        continue;
                    struct kent x = {k->u.i, ov->u.items[0].u.i,
                                     ov->u.items[1].u.i, true, false};
                    FL_VEC_PUSH(e, x);
                }
            }
        }
    }
}

static fl_val
kent_val(struct fl_arena *a, const struct kent *x)
{
    fl_val t[3] = {fl_val_int(x->k), fl_val_int(x->o), fl_val_int(x->v)};

    return fl_val_coll(a, FL_V_VEC, t, 3);
}

struct klist {
    fl_val v[MAX_LISTED];
    size_t n;
    int64_t count;
};

static void
klist_add(struct klist *l, fl_val v)
{
    if (l->n < MAX_LISTED)
        l->v[l->n++] = v;
    l->count++;
}

/* Log entries of key k strictly between offsets lo and hi exist? */
static bool
log_has_between(const struct kents *log, int64_t k, int64_t lo, int64_t hi)
{
    size_t a = 0, b = log->n;

    while (a < b) { /* first entry >= (k, lo + 1) */
        size_t m = (a + b) / 2;
        const struct kent *x = &log->v[m];
        if (x->k < k || (x->k == k && x->o <= lo))
            a = m + 1;
        else
            b = m;
    }
    return a < log->n && log->v[a].k == k && log->v[a].o < hi;
}

/* Per process and key: offsets must rise, and skip nothing in the log. */
static void
kafka_polls(const struct fl_hist *h, const struct kents *log,
            struct fl_arena *a, struct klist *skips, struct klist *nonmono)
{
    struct fl_map last; /* (process << 20 | key) -> offset + 1 */

    fl_map_init(&last);
    for (size_t i = 0; i < h->n; i++) {
        const struct fl_op *op = &h->ops[i];
        if (!fl_op_is_client(op) || op->type != FL_OP_OK || !is_f(op, "poll") ||
            op->value.kind != FL_V_MAP)
            continue;
        for (uint32_t p = 0; p < op->value.n; p++) {
            int64_t k = op->value.u.items[2 * p].u.i;
            const fl_val *l = &op->value.u.items[2 * p + 1];
            uint64_t id = ((uint64_t)op->process << 20) ^ (uint64_t)k;
            uint64_t *lp = fl_map_get(&last, id);
            int64_t prev = lp ? (int64_t)*lp - 1 : -1;
            for (uint32_t j = 0; l->kind == FL_V_VEC && j < l->n; j++) {
                int64_t o = l->u.items[j].u.items[0].u.i;
                fl_val t[3] = {fl_val_int(op->process), fl_val_int(k),
                               fl_val_int(o)};
                if (o <= prev)
                    klist_add(nonmono, fl_val_coll(a, FL_V_VEC, t, 3));
                else if (log_has_between(log, k, prev, o))
                    klist_add(skips, fl_val_coll(a, FL_V_VEC, t, 3));
                prev = o;
            }
            fl_map_put(&last, id, (uint64_t)(prev + 1));
        }
    }
    fl_map_release(&last);
}

static int
kafka_check(const struct fl_checker *c, const struct fl_hist *h,
            const struct fl_chk_opts *opts, struct fl_arena *a,
            struct fl_chk_result *out, struct fl_err *err)
{
    struct kents e = {0}, log = {0};
    struct klist incons = {0}, dups = {0}, lost = {0}, skips = {0},
                 nonmono = {0};
    struct rmap m = {.a = a};
    int64_t unseen = 0;

    FL_UNUSED(c);
    FL_UNUSED(opts);
    FL_UNUSED(err);
    kafka_collect(h, &e);
    if (e.n)
        qsort(e.v, e.n, sizeof(*e.v), kent_cmp_kov);
    for (size_t i = 0; i < e.n; i++) { /* merge equal (k, o, v) */
        struct kent *x = &e.v[i];
        if (log.n && log.v[log.n - 1].k == x->k && log.v[log.n - 1].o == x->o) {
            struct kent *y = &log.v[log.n - 1];
            if (y->v != x->v && x->v != e.v[i - 1].v)
                klist_add(&incons, kent_val(a, x));
            y->polled |= x->polled && y->v == x->v;
            y->acked |= x->acked && y->v == x->v;
            continue;
        }
        FL_VEC_PUSH(&log, *x);
    }
    bool later_polled = false; /* a later offset of the key was polled */
    for (size_t i = log.n; i-- > 0;) {
        const struct kent *x = &log.v[i];
        if (i + 1 == log.n || log.v[i + 1].k != x->k)
            later_polled = false;
        else
            later_polled |= log.v[i + 1].polled;
        if (x->acked && !x->polled && later_polled)
            klist_add(&lost, kent_val(a, x));
        else if (x->acked && !x->polled)
            unseen++;
    }
    kafka_polls(h, &log, a, &skips, &nonmono);
    struct kents byv = {0};
    for (size_t i = 0; i < log.n; i++)
        FL_VEC_PUSH(&byv, log.v[i]);
    if (byv.n)
        qsort(byv.v, byv.n, sizeof(*byv.v), kent_cmp_kv);
    for (size_t i = 1; i < byv.n; i++)
        if (byv.v[i].k == byv.v[i - 1].k && byv.v[i].v == byv.v[i - 1].v)
            klist_add(&dups, kent_val(a, &byv.v[i]));
    put(&m, "log-entry-count", fl_val_int((int64_t)log.n));
    put(&m, "unseen-count", fl_val_int(unseen));
    put(&m, "lost-count", fl_val_int(lost.count));
    put(&m, "lost", fl_val_coll(a, FL_V_VEC, lost.v, lost.n));
    put(&m, "inconsistent-offsets",
        fl_val_coll(a, FL_V_VEC, incons.v, incons.n));
    put(&m, "duplicates", fl_val_coll(a, FL_V_VEC, dups.v, dups.n));
    put(&m, "poll-skips", fl_val_coll(a, FL_V_VEC, skips.v, skips.n));
    put(&m, "nonmonotonic-polls",
        fl_val_coll(a, FL_V_VEC, nonmono.v, nonmono.n));
    bool bad = lost.count || incons.count || dups.count || skips.count ||
               nonmono.count;
    if (bad) {
        const struct klist *ls[5] = {&lost, &incons, &dups, &skips, &nonmono};
        const char *what[5] = {"lost writes", "inconsistent offsets",
                               "duplicates", "poll skips",
                               "nonmonotonic polls"};
        fl_val es[5];
        size_t ne = 0;
        for (int i = 0; i < 5; i++) {
            char buf[64];
            if (!ls[i]->count)
                continue;
            snprintf(buf, sizeof(buf), "%" PRId64 " %s", ls[i]->count, what[i]);
            es[ne++] = fl_val_str(a, buf, strlen(buf));
        }
        put(&m, "errors", fl_val_coll(a, FL_V_VEC, es, ne));
    }
    done(&m,
         bad     ? FL_VERDICT_FALSE
         : log.n ? FL_VERDICT_TRUE
                 : FL_VERDICT_UNKNOWN,
         out);
    FL_VEC_RELEASE(&e);
    FL_VEC_RELEASE(&log);
    FL_VEC_RELEASE(&byv);
    return 0;
}

static const struct fl_checker_type kafka_type = {"kafka", kafka_check,
                                                  chk_free};

struct fl_checker *
fl_mael_chk_kafka_new(void)
{
    return chk_new(&kafka_type, NULL);
}

/* ---- txn workloads: Elle with --consistency-models ---- */

struct elle_ctx {
    bool append;
    char **models; /* owned */
    size_t nmodels;
};

static int
elle_check(const struct fl_checker *c, const struct fl_hist *h,
           const struct fl_chk_opts *opts, struct fl_arena *a,
           struct fl_chk_result *out, struct fl_err *err)
{
    const struct elle_ctx *e = c->ctx;
    struct fl_elle_opts o;

    memset(&o, 0, sizeof(o));
    o.workload = e->append ? FL_ELLE_LIST_APPEND : FL_ELLE_RW_REGISTER;
    o.models = (const char *const *)e->models;
    o.nmodels = e->nmodels;
    o.out_dir = opts ? opts->out_dir : NULL;
    return fl_elle_check(h, &o, a, out, err);
}

static void
elle_free(struct fl_checker *c)
{
    struct elle_ctx *e = c->ctx;

    for (size_t i = 0; i < e->nmodels; i++)
        free(e->models[i]);
    free(e->models);
    free(e);
    free(c);
}

static const struct fl_checker_type elle_type = {"elle", elle_check, elle_free};

struct fl_checker *
fl_mael_chk_elle_new(bool append, const char *models, struct fl_err *err)
{
    struct elle_ctx *e = fl_xcalloc(1, sizeof(*e));
    char *dup = fl_xstrdup(models), *save = NULL, *tok;
    int rc = 0;

    e->append = append;
    for (tok = strtok_r(dup, ",", &save); tok && rc == 0;
         tok = strtok_r(NULL, ",", &save)) {
        if (!fl_elle_model_known(tok)) {
            rc = fl_err_set(err, FL_EUSAGE,
                            "--consistency-models: unknown model '%s'", tok);
            break;
        }
        e->models = fl_xrealloc(e->models, (e->nmodels + 1) * sizeof(char *));
        e->models[e->nmodels++] = fl_xstrdup(tok);
    }
    free(dup);
    struct fl_checker *c = chk_new(&elle_type, e);
    if (rc < 0) {
        elle_free(c);
        return NULL;
    }
    return c;
}
