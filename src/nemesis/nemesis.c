/* SPDX-License-Identifier: MIT */
/*
 * nemesis.c: dispatchers, the noop nemesis, package release, the
 * helpers every nemesis shares (target selection, node lists, the seeded
 * rng, the local cluster's state dir, the process nemesis behind kill and
 * pause, composition by :f), and the helpers clients and nemeses use to
 * put :error and other extra keys on a completion. Extra keys live in one EDN
 * map (struct fl_op.extra) built in the completing thread's arena; setting a
 * key copies the map once, which is fine for the one or two keys a completion
 * carries.
 */
#include "util/common.h"

#include "nemesis/nemesis.h"

#include "control/cluster.h"
#include "control/remote.h"
#include "history/hist.h"
#include "nemesis/nemesis_int.h"
#include "util/arena.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/log.h"
#include "util/rng.h"
#include "util/strbuf.h"

struct fl_nemesis *
fl_nemesis_new(const struct fl_nemesis_type *type, void *ctx)
{
    struct fl_nemesis *n = fl_xmalloc(sizeof(*n));

    n->type = type;
    n->ctx = ctx;
    return n;
}

static int
noop_setup(struct fl_nemesis *n, const struct fl_env *env, struct fl_err *err)
{
    FL_UNUSED(n);
    FL_UNUSED(env);
    FL_UNUSED(err);
    return 0;
}

static int
noop_invoke(struct fl_nemesis *n, const struct fl_env *env,
            const struct fl_op *op, struct fl_arena *a, struct fl_op *out,
            struct fl_err *err)
{
    FL_UNUSED(n);
    FL_UNUSED(env);
    FL_UNUSED(op);
    FL_UNUSED(a);
    FL_UNUSED(out);
    FL_UNUSED(err);
    return 0;
}

static size_t
noop_fs(const struct fl_nemesis *n, uint32_t *out, size_t max)
{
    FL_UNUSED(n);
    FL_UNUSED(out);
    FL_UNUSED(max);
    return 0;
}

const struct fl_nemesis_type fl_nemesis_noop_type = {
    .name = "noop",
    .setup = noop_setup,
    .invoke = noop_invoke,
    .teardown = noop_setup,
    .fs = noop_fs,
    .free = NULL,
};

struct fl_nemesis fl_nemesis_noop = {&fl_nemesis_noop_type, NULL};

void
fl_nemesis_free(struct fl_nemesis *n)
{
    if (!n || n == &fl_nemesis_noop)
        return;
    if (n->type->free)
        n->type->free(n);
    free(n);
}

int
fl_nemesis_setup(struct fl_nemesis *n, const struct fl_env *env,
                 struct fl_err *err)
{
    if (!n || !n->type->setup)
        return 0;
    return n->type->setup(n, env, err);
}

int
fl_nemesis_invoke(struct fl_nemesis *n, const struct fl_env *env,
                  const struct fl_op *op, struct fl_arena *a, struct fl_op *out,
                  struct fl_err *err)
{
    if (!n || !n->type->invoke)
        return 0;
    return n->type->invoke(n, env, op, a, out, err);
}

int
fl_nemesis_teardown(struct fl_nemesis *n, const struct fl_env *env,
                    struct fl_err *err)
{
    if (!n || !n->type->teardown)
        return 0;
    return n->type->teardown(n, env, err);
}

size_t
fl_nemesis_fs(const struct fl_nemesis *n, uint32_t *out, size_t max)
{
    if (!n || !n->type->fs)
        return 0;
    return n->type->fs(n, out, max);
}

bool
fl_nemesis_handles(const struct fl_nemesis *n, uint32_t f)
{
    uint32_t buf[64];
    size_t k = fl_nemesis_fs(n, buf, FL_ARRAY_SIZE(buf));

    for (size_t i = 0; i < k && i < FL_ARRAY_SIZE(buf); i++)
        if (buf[i] == f)
            return true;
    return false;
}

void
fl_op_set_extra(struct fl_op *out, struct fl_arena *a, uint32_t kw,
                const fl_val *v)
{
    size_t n = out->extra && out->extra->kind == FL_V_MAP ? out->extra->n : 0;
    fl_val *items = fl_xmalloc(fl_st_mult(2 * (n + 1), sizeof(*items)));
    size_t k = 0;
    fl_val map;

    for (size_t i = 0; i < n; i++) {
        const fl_val *key = &out->extra->u.items[2 * i];
        if (fl_val_is_kw(key, kw))
            continue;
        items[2 * k] = *key;
        items[2 * k + 1] = out->extra->u.items[2 * i + 1];
        k++;
    }
    items[2 * k] = fl_val_kw(kw);
    items[2 * k + 1] = fl_val_copy(a, v);
    k++;
    map = fl_val_map(a, items, k);
    out->extra = fl_arena_memdup(a, &map, sizeof(map));
    free(items);
}

void
fl_op_set_error_val(struct fl_op *out, struct fl_arena *a, const fl_val *v)
{
    fl_op_set_extra(out, a, FL_KW_ERROR, v);
}

void
fl_op_set_error(struct fl_op *out, struct fl_arena *a, const char *msg)
{
    fl_val s = fl_val_str(a, msg, strlen(msg));

    fl_op_set_extra(out, a, FL_KW_ERROR, &s);
}

void
fl_nemesis_package_release(struct fl_nemesis_package *pkg)
{
    if (!pkg)
        return;
    fl_nemesis_free(pkg->nemesis);
    fl_gen_free(pkg->generator);
    fl_gen_free(pkg->final_generator);
    memset(pkg, 0, sizeof(*pkg));
}

/* ---- what every nemesis shares ---- */

uint64_t
fl_nem__seed(const struct fl_env *env, uint64_t salt)
{
    return (env ? env->seed : 0) * 0x9e3779b97f4a7c15ULL ^ salt;
}

const char *
fl_nem_local_state_dir(const struct fl_env *env)
{
    if (!env || !env->remotes || !env->remotes[0] ||
        env->remotes[0]->type != &fl_remote_netns_type)
        return NULL;
    return fl_env_opt_str(env, "cluster-state-dir",
                          FL_CLUSTER_DEFAULT_STATE_DIR);
}

static void
pick_random(size_t n, size_t k, struct fl_rng *rng, bool *mask)
{
    size_t *idx = fl_xcalloc(n ? n : 1, sizeof(size_t));

    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    for (size_t i = 0; i < k && i < n; i++) {
        size_t j = i + (size_t)fl_rng_below(rng, n - i), t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
        mask[idx[i]] = true;
    }
    free(idx);
}

static int
node_by_name(const struct fl_env *env, const char *s, size_t len)
{
    for (size_t i = 0; i < env->nnodes; i++)
        if (strlen(env->nodes[i]) == len && !memcmp(env->nodes[i], s, len))
            return (int)i;
    return -1;
}

int
fl_nem_targets(const struct fl_env *env, const fl_val *spec, struct fl_rng *rng,
               bool *mask, struct fl_err *err)
{
    size_t n = env->nnodes, k = 0;
    int count = 0;

    memset(mask, 0, n * sizeof(bool));
    if (!spec || fl_val_is_nil(spec)) {
        k = 1 + (size_t)fl_rng_below(rng, n);
    } else if (spec->kind == FL_V_KW) {
        const char *s = fl_kw_name(spec->u.id);
        if (!strcmp(s, "one"))
            k = 1;
        else if (!strcmp(s, "minority"))
            k = (n - 1) / 2;
        else if (!strcmp(s, "minority-third"))
            k = (n + 2) / 3 - 1;
        else if (!strcmp(s, "majority"))
            k = n / 2 + 1;
        else if (!strcmp(s, "all"))
            k = n;
        else if (!strcmp(s, "primaries")) {
            struct fl_vec_u32 p = {0};
            int rc = fl_db_primaries(env->db, env, &p, err);
            for (size_t i = 0; rc == 0 && i < p.n; i++)
                if (p.v[i] < n)
                    mask[p.v[i]] = true;
            FL_VEC_RELEASE(&p);
            if (rc != 0)
                return rc;
            goto count;
        } else
            return fl_err_set(err, FL_EUSAGE, "unknown target :%s", s);
    } else if (spec->kind == FL_V_STR) {
        int i = node_by_name(env, spec->u.s, spec->n);
        if (i < 0)
            return fl_err_set(err, FL_EUSAGE, "no node %s", spec->u.s);
        mask[i] = true;
        goto count;
    } else if (fl_val_is_seq(spec)) {
        for (size_t j = 0; j < spec->n; j++) {
            const fl_val *e = &spec->u.items[j];
            int i = e->kind == FL_V_STR ? node_by_name(env, e->u.s, e->n) : -1;
            if (i < 0)
                return fl_err_set(err, FL_EUSAGE, "bad node in target list");
            mask[i] = true;
        }
        goto count;
    } else {
        return fl_err_set(err, FL_EUSAGE, "bad target spec");
    }
    pick_random(n, k, rng, mask);
count:
    for (size_t i = 0; i < n; i++)
        count += mask[i];
    return count;
}

fl_val
fl_nem_nodes_val(const struct fl_env *env, const bool *mask, struct fl_arena *a)
{
    fl_val *items = fl_xcalloc(env->nnodes ? env->nnodes : 1, sizeof(fl_val));
    size_t k = 0;
    fl_val v;

    for (size_t i = 0; i < env->nnodes; i++)
        if (mask[i])
            items[k++] = fl_val_str(a, env->nodes[i], strlen(env->nodes[i]));
    v = fl_val_coll(a, FL_V_VEC, items, k);
    free(items);
    return v;
}

/* ---- the process nemesis (kill.c, pause.c) ---- */

struct proc_ctx {
    struct fl_nem__proc p;
    struct fl_rng rng;
    bool *down; /* nnodes: disrupted by us and not yet undone */
    size_t n;
};

static int
proc_setup(struct fl_nemesis *nem, const struct fl_env *env, struct fl_err *err)
{
    struct proc_ctx *c = nem->ctx;

    free(c->down);
    c->n = env->nnodes;
    c->down = fl_xcalloc(c->n ? c->n : 1, sizeof(bool));
    fl_rng_seed(&c->rng, fl_nem__seed(env, c->p.f_on));
    if (!fl_db_can(env->db, c->p.cap))
        return fl_err_set(err, -ENOTSUP, "the DB cannot %s", c->p.name);
    return 0;
}

/* The /proc state letter of pid on r ('R', 'S', 'T', 'Z'...), 0 if gone. */
static char
proc_state(struct fl_remote *r, long pid)
{
    struct fl_strbuf out = FL_STRBUF_INIT;
    struct fl_err err = FL_ERR_INIT;
    char st = 0;

    if (fl_remote_sh(r, &out, &err,
                     "s=$(cat /proc/%ld/stat 2>/dev/null) || exit 0; "
                     "s=${s##*) }; echo \"${s%%%% *}\"",
                     pid) == 0 &&
        out.len == 1)
        st = out.buf[0];
    else if (err.msg[0])
        st = '?';
    fl_strbuf_release(&out);
    return st;
}

/*
 * After the fault on node i: the /proc state of the DB's process (pid
 * before the fault, or the one recorded after it, e.g. by a restart) as
 * items of :observed-procs {node [pid "state"]}; a warning when it is not
 * what c intends.
 */
static fl_val
proc_observe(const struct proc_ctx *c, const struct fl_env *env, size_t i,
             bool on, long before, struct fl_arena *a, struct fl_op *out)
{
    struct fl_err e = FL_ERR_INIT;
    long pid = 0;
    char st, name[8] = "gone";
    fl_val pair[2];

    if (fl_db_pid(env->db, env, i, &pid, &e) != 0 || pid <= 0)
        pid = before;
    st = pid > 0 ? proc_state(env->remotes[i], pid) : 0;
    /* A signal takes effect when its target next runs: give a loaded
     * machine up to 1 s before calling the fault ineffective. */
    for (int k = 0; k < 10 && pid > 0 && !c->p.as_intended(on, st); k++) {
        fl_clock_sleep_ns(fl_clock_real(), 100 * 1000000LL);
        st = proc_state(env->remotes[i], pid);
    }
    if (st == '?')
        snprintf(name, sizeof(name), "unknown");
    else if (st)
        snprintf(name, sizeof(name), "%c", st);
    if (st == '?' || !c->p.as_intended(on, st))
        fl_nem__warn(out, a, "%s: %s: process %ld is %s after :%s",
                     env->nodes[i], c->p.name, pid,
                     st == 'T'   ? "stopped"
                     : st == 0   ? "gone"
                     : st == '?' ? "unknown (probe failed)"
                                 : "running",
                     fl_kw_name(on ? c->p.f_on : c->p.f_off));
    pair[0] = fl_val_int(pid);
    pair[1] = fl_val_str(a, name, strlen(name));
    return fl_val_coll(a, FL_V_VEC, pair, 2);
}

/*
 * After :start (off) on the nodes in done: wait for each to be healthy
 * (Jepsen's start! returns at once; a restart that never comes back would
 * then pass unseen), as :healthy {node bool}. A node that is not is still
 * up as far as the nemesis is concerned: its process was started.
 */
static void
proc_await(const struct proc_ctx *c, const struct fl_env *env, const bool *done,
           struct fl_arena *a, struct fl_op *out)
{
    fl_val *kv = fl_xcalloc(2 * env->nnodes + 1, sizeof(fl_val));
    size_t n = 0;

    for (size_t i = 0; i < env->nnodes && i < c->n; i++) {
        struct fl_err e = FL_ERR_INIT;
        if (!done[i])
            continue;
        int rc = c->p.await(env->db, env, i, &e);
        bool ok = rc == 0;
        /* Not healthy in time: logged only (its health may need a quorum
         * that other faults keep away); exited: the restart failed. */
        if (rc == FL_ELIMIT)
            fl_info("%s: %s: not healthy yet after :%s: %s", env->nodes[i],
                    c->p.name, fl_kw_name(c->p.f_off), e.msg);
        else if (!ok)
            fl_nem__warn(out, a, "%s: %s: restart failed after :%s: %s",
                         env->nodes[i], c->p.name, fl_kw_name(c->p.f_off),
                         e.msg);
        kv[2 * n] = fl_val_str(a, env->nodes[i], strlen(env->nodes[i]));
        kv[2 * n + 1] = fl_val_bool(ok);
        n++;
    }
    if (n) {
        fl_val m = fl_val_map(a, kv, n);
        fl_op_set_extra(out, a, fl_kw_intern_cstr("healthy"), &m);
    }
    free(kv);
}

static int
proc_invoke(struct fl_nemesis *nem, const struct fl_env *env,
            const struct fl_op *op, struct fl_arena *a, struct fl_op *out,
            struct fl_err *err)
{
    struct proc_ctx *c = nem->ctx;
    bool *mask = fl_xcalloc(env->nnodes ? env->nnodes : 1, sizeof(bool));
    bool *done = fl_xcalloc(env->nnodes ? env->nnodes : 1, sizeof(bool));
    fl_val *obs = fl_xcalloc(2 * env->nnodes + 1, sizeof(fl_val));
    size_t nobs = 0;
    bool on = op->f == c->p.f_on;
    fl_val all = fl_val_kw(fl_kw_intern_cstr("all"));
    int rc;

    rc = fl_nem_targets(env,
                        on || !fl_val_is_nil(&op->value) ? &op->value : &all,
                        &c->rng, mask, err);
    if (rc < 0)
        goto out;
    rc = 0;
    for (size_t i = 0; i < env->nnodes && i < c->n; i++) {
        struct fl_err e = FL_ERR_INIT;
        int r2;
        long before = 0;
        if (!mask[i] || (!on && !c->down[i]))
            continue;
        bool check = fl_nem__observable(env) && c->p.as_intended &&
                     fl_db_pid(env->db, env, i, &before, &e) == 0;
        fl_err_clear(&e);
        r2 = on ? c->p.on(env->db, env, i, &e) : c->p.off(env->db, env, i, &e);
        if (r2 == 0) {
            done[i] = true;
            c->down[i] = on;
            if (check) {
                obs[2 * nobs] =
                    fl_val_str(a, env->nodes[i], strlen(env->nodes[i]));
                obs[2 * nobs + 1] = proc_observe(c, env, i, on, before, a, out);
                nobs++;
            }
        } else if (rc == 0) {
            rc = fl_err_set(err, r2, "%s", e.msg);
        }
    }
    out->value = fl_nem_nodes_val(env, done, a);
    if (!on && c->p.await)
        proc_await(c, env, done, a, out);
    if (nobs) {
        fl_val m = fl_val_map(a, obs, nobs);
        fl_op_set_extra(out, a, fl_kw_intern_cstr("observed-procs"), &m);
    }
out:
    free(obs);
    free(mask);
    free(done);
    return rc;
}

static int
proc_teardown(struct fl_nemesis *nem, const struct fl_env *env,
              struct fl_err *err)
{
    struct proc_ctx *c = nem->ctx;
    int rc = 0;

    for (size_t i = 0; c->down && i < c->n; i++) {
        struct fl_err e = FL_ERR_INIT;
        if (!c->down[i])
            continue;
        if (c->p.off(env->db, env, i, &e) == 0)
            c->down[i] = false;
        else if (rc == 0)
            rc = fl_err_set(err, e.code, "%s", e.msg);
    }
    return rc;
}

static size_t
proc_fs(const struct fl_nemesis *nem, uint32_t *out, size_t max)
{
    const struct proc_ctx *c = nem->ctx;

    if (max >= 2) {
        out[0] = c->p.f_on;
        out[1] = c->p.f_off;
    }
    return 2;
}

static void
proc_free(struct fl_nemesis *nem)
{
    struct proc_ctx *c = nem->ctx;

    if (c)
        free(c->down);
    free(c);
}

static const struct fl_nemesis_type proc_type = {
    .name = "process",
    .setup = proc_setup,
    .invoke = proc_invoke,
    .teardown = proc_teardown,
    .fs = proc_fs,
    .free = proc_free,
};

struct fl_nemesis *
fl_nem__proc_new(const struct fl_nem__proc *p)
{
    struct proc_ctx *c = fl_xcalloc(1, sizeof(*c));

    c->p = *p;
    return fl_nemesis_new(&proc_type, c);
}

/* ---- compose ---- */

#define MAX_FS 16

struct compose_ctx {
    struct fl_nemesis **parts;
    size_t n;
    uint32_t (*fs)[MAX_FS];
    size_t *nfs;
};

static int
compose_setup(struct fl_nemesis *nem, const struct fl_env *env,
              struct fl_err *err)
{
    struct compose_ctx *c = nem->ctx;

    for (size_t i = 0; i < c->n; i++) {
        int rc = fl_nemesis_setup(c->parts[i], env, err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int
compose_invoke(struct fl_nemesis *nem, const struct fl_env *env,
               const struct fl_op *op, struct fl_arena *a, struct fl_op *out,
               struct fl_err *err)
{
    struct compose_ctx *c = nem->ctx;

    for (size_t i = 0; i < c->n; i++)
        for (size_t j = 0; j < c->nfs[i]; j++)
            if (c->fs[i][j] == op->f)
                return fl_nemesis_invoke(c->parts[i], env, op, a, out, err);
    return fl_err_set(err, FL_EUSAGE, "no nemesis handles :%s",
                      fl_kw_name(op->f));
}

static int
compose_teardown(struct fl_nemesis *nem, const struct fl_env *env,
                 struct fl_err *err)
{
    struct compose_ctx *c = nem->ctx;
    int rc = 0;

    /* Every part, even after one fails: nothing may stay broken. */
    for (size_t i = 0; i < c->n; i++) {
        struct fl_err e = FL_ERR_INIT;
        int r2 = fl_nemesis_teardown(c->parts[i], env, &e);
        if (r2 != 0 && rc == 0)
            rc = fl_err_set(err, r2, "%s", e.msg);
    }
    return rc;
}

static size_t
compose_fs(const struct fl_nemesis *nem, uint32_t *out, size_t max)
{
    const struct compose_ctx *c = nem->ctx;
    size_t k = 0;

    for (size_t i = 0; i < c->n; i++)
        for (size_t j = 0; j < c->nfs[i]; j++, k++)
            if (k < max)
                out[k] = c->fs[i][j];
    return k;
}

static void
compose_free(struct fl_nemesis *nem)
{
    struct compose_ctx *c = nem->ctx;

    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        fl_nemesis_free(c->parts[i]);
    free(c->parts);
    free(c->fs);
    free(c->nfs);
    free(c);
}

static const struct fl_nemesis_type compose_type = {
    .name = "combined",
    .setup = compose_setup,
    .invoke = compose_invoke,
    .teardown = compose_teardown,
    .fs = compose_fs,
    .free = compose_free,
};

struct fl_nemesis *
fl_nem_compose(struct fl_nemesis **parts, size_t n, struct fl_err *err)
{
    struct compose_ctx *c = fl_xcalloc(1, sizeof(*c));

    c->parts = fl_xcalloc(n ? n : 1, sizeof(*c->parts));
    c->fs = fl_xcalloc(n ? n : 1, sizeof(*c->fs));
    c->nfs = fl_xcalloc(n ? n : 1, sizeof(size_t));
    c->n = n;
    for (size_t i = 0; i < n; i++) {
        c->parts[i] = parts[i];
        c->nfs[i] =
            FL_MIN(fl_nemesis_fs(parts[i], c->fs[i], MAX_FS), (size_t)MAX_FS);
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < c->nfs[i]; j++)
            for (size_t i2 = i + 1; i2 < n; i2++)
                for (size_t j2 = 0; j2 < c->nfs[i2]; j2++)
                    if (c->fs[i][j] == c->fs[i2][j2]) {
                        fl_err_set(err, FL_EUSAGE, "two nemeses handle :%s",
                                   fl_kw_name(c->fs[i][j]));
                        compose_free(&(struct fl_nemesis){&compose_type, c});
                        return NULL;
                    }
    return fl_nemesis_new(&compose_type, c);
}

/* ---- fault verification ---- */

static const fl_val *
warnings_of(const fl_val *extra)
{
    const fl_val *w =
        extra ? fl_val_map_get_kw(extra, fl_kw_intern_cstr("fault-warnings"))
              : NULL;

    return w && fl_val_is_seq(w) ? w : NULL;
}

bool
fl_nem__observable(const struct fl_env *env)
{
    return env && env->remotes && env->nnodes > 0 && env->remotes[0] &&
           env->remotes[0]->type != &fl_remote_dummy_type;
}

void
fl_nem__warn(struct fl_op *out, struct fl_arena *a, const char *fmt, ...)
{
    const fl_val *old = warnings_of(out->extra);
    size_t n = old ? old->n : 0;
    fl_val *items = fl_xcalloc(n + 1, sizeof(fl_val));
    struct fl_strbuf sb = FL_STRBUF_INIT;
    va_list ap;
    fl_val v;

    va_start(ap, fmt);
    fl_strbuf_vaddf(&sb, fmt, ap);
    va_end(ap);
    fl_warn("fault not as intended: %s", sb.buf);
    for (size_t i = 0; i < n; i++)
        items[i] = old->u.items[i];
    items[n] = fl_val_str(a, sb.buf, sb.len);
    v = fl_val_coll(a, FL_V_VEC, items, n + 1);
    fl_op_set_extra(out, a, fl_kw_intern_cstr("fault-warnings"), &v);
    fl_strbuf_release(&sb);
    free(items);
}

fl_val
fl_nem_fault_warnings_merge(const struct fl_hist *h, struct fl_arena *a,
                            const fl_val *results, size_t *count)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;
    fl_val *w = NULL, *items, out = *results;
    size_t k = 0, alloc = 0, n;

    for (size_t i = 0; i < h->n; i++) {
        const struct fl_op *op = &h->ops[i];
        const fl_val *ws = warnings_of(op->extra);
        for (size_t j = 0; ws && j < ws->n; j++) {
            const fl_val *s = &ws->u.items[j];
            if (s->kind != FL_V_STR)
                continue;
            if (k == alloc) {
                alloc = alloc ? 2 * alloc : 8;
                w = fl_xrealloc(w, fl_st_mult(alloc, sizeof(*w)));
            }
            fl_strbuf_reset(&sb);
            fl_strbuf_addf(&sb, "op %lld :%s: %s", (long long)op->index,
                           op->f ? fl_kw_name(op->f) : "?", s->u.s);
            w[k++] = fl_val_str(a, sb.buf, sb.len);
        }
    }
    *count = k;
    if (k == 0 || results->kind != FL_V_MAP)
        goto out;
    n = results->n;
    items = fl_xcalloc(2 * (n + 1), sizeof(fl_val));
    memcpy(items, results->u.items, 2 * n * sizeof(fl_val));
    items[2 * n] = fl_val_kw(fl_kw_intern_cstr("fault-warnings"));
    items[2 * n + 1] = fl_val_coll(a, FL_V_VEC, w, k);
    out = fl_val_map(a, items, n + 1);
    free(items);
out:
    fl_strbuf_release(&sb);
    free(w);
    return out;
}
