/* SPDX-License-Identifier: MIT */
/*
 * clock.c: clock faults. Local cluster nodes share this machine's one
 * CLOCK_REALTIME, which must never be changed, so their "clock" is the
 * offset file read by the time shim (shim/faultline-time.c); offsets are
 * written atomically (temp file + rename) so the shim never reads half a
 * line. SSH nodes get their clock stepped with date(1), as Jepsen's
 * bump-time does, and offsets are measured against the control's clock at
 * the midpoint of the round trip.
 */
#include "util/common.h"

#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "control/cluster.h"
#include "control/remote.h"
#include "control/timeshim.h"
#include "nemesis/clock.h"
#include "nemesis/nemesis.h"
#include "nemesis/nemesis_int.h"
#include "util/arena.h"
#include "util/err.h"
#include "util/log.h"
#include "util/strbuf.h"

static int64_t
now_ns(clockid_t id)
{
    struct timespec ts;

    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

char *
fl_clock_file(const char *state_dir, const char *node)
{
    return fl_time_shim_clock_file(state_dir, node);
}

char *
fl_clock_shim_path(void)
{
    return fl_time_shim_path();
}

/* Read "OFFSET [PERIOD END]"; a missing file is offset 0. */
static int64_t
read_offset(const char *path)
{
    struct fl_strbuf sb = FL_STRBUF_INIT;
    int64_t off = 0;

    if (fl_strbuf_read_file(&sb, path) == 0)
        off = strtoll(sb.buf, NULL, 10);
    fl_strbuf_release(&sb);
    return off;
}

static int
write_offset(const char *state_dir, const char *node, const char *line,
             struct fl_err *err)
{
    char *path, *dir, *tmp;
    FILE *f;
    int rc = 0;

    if (!state_dir)
        state_dir = FL_CLUSTER_DEFAULT_STATE_DIR;
    path = fl_clock_file(state_dir, node);
    /* daemons that run as another user (PostgreSQL) read their file */
    dir = fl_time_shim_clock_dir(state_dir);
    tmp = fl_xasprintf("%s.tmp", path);

    f = fopen(tmp, "w");
    if (!f || fputs(line, f) < 0 || fclose(f) != 0) {
        rc = fl_err_set(err, -errno, "write %s: %s", tmp, strerror(errno));
        f = NULL;
    } else if (rename(tmp, path) != 0) {
        rc = fl_err_set(err, -errno, "rename %s: %s", path, strerror(errno));
    }
    chmod(path, 0644);
    free(path);
    free(dir);
    free(tmp);
    return rc;
}

static void
warn_once(void)
{
    static int warned;

    if (!warned) {
        warned = 1;
        fl_warn("clock faults on local nodes only reach programs started "
                "with the time shim (LD_PRELOAD) that read the time through "
                "libc; Go programs (etcd, ...) and static binaries keep the "
                "real time");
    }
}

static int
ssh_step(struct fl_remote *r, int64_t delta_ns, struct fl_err *err)
{
    /* Computed on the node so the delay of the round trip does not count. */
    return fl_remote_sh(r, NULL, err,
                        "t=$(date +%%s%%N) && t=$((t + (%" PRId64 "))) && "
                        "date -u -s \"@$((t / 1000000000)).$(printf %%09d "
                        "$((t %% 1000000000)))\" >/dev/null",
                        delta_ns);
}

int
fl_clock_bump(struct fl_remote *r, const char *state_dir, int64_t delta_ns,
              struct fl_err *err)
{
    char *path, line[64];
    int rc;

    if (!state_dir)
        return ssh_step(r, delta_ns, err);
    warn_once();
    path = fl_clock_file(state_dir, r->node);
    snprintf(line, sizeof(line), "%" PRId64 "\n", read_offset(path) + delta_ns);
    free(path);
    rc = write_offset(state_dir, r->node, line, err);
    return rc;
}

int
fl_clock_strobe(struct fl_remote *r, const char *state_dir, int64_t delta_ns,
                int64_t period_ns, int64_t duration_ns, struct fl_err *err)
{
    char line[96];

    if (period_ns <= 0 || duration_ns < 0)
        return fl_err_set(err, FL_EUSAGE, "strobe: bad period or duration");
    if (!state_dir) {
        /* Jepsen's strobe-time, in sh: flip every period for duration. */
        int64_t flips = duration_ns / period_ns;
        return fl_remote_sh(
            r, NULL, err,
            "i=0; while [ $i -lt %" PRId64 " ]; do "
            "t=$(date +%%s%%N); if [ $((i %% 2)) -eq 0 ]; then "
            "t=$((t + (%" PRId64 "))); else t=$((t - (%" PRId64 "))); fi; "
            "date -u -s \"@$((t / 1000000000)).$(printf %%09d "
            "$((t %% 1000000000)))\" >/dev/null; "
            "sleep %.3f; i=$((i+1)); done; "
            "if [ $((i %% 2)) -eq 1 ]; then t=$(date +%%s%%N); "
            "t=$((t - (%" PRId64 "))); date -u -s \"@$((t / 1000000000)).$("
            "printf %%09d $((t %% 1000000000)))\" >/dev/null; fi",
            flips, delta_ns, delta_ns, (double)period_ns / 1e9, delta_ns);
    }
    warn_once();
    snprintf(line, sizeof(line), "%" PRId64 " %" PRId64 " %" PRId64 "\n",
             delta_ns, period_ns, now_ns(CLOCK_MONOTONIC) + duration_ns);
    return write_offset(state_dir, r->node, line, err);
}

int
fl_clock_reset(struct fl_remote *const *r, size_t n, const char *state_dir,
               struct fl_err *err)
{
    int rc = 0;

    for (size_t i = 0; i < n && rc == 0; i++) {
        if (state_dir) {
            char *path = fl_clock_file(state_dir, r[i]->node);
            if (access(path, F_OK) == 0)
                rc = write_offset(state_dir, r[i]->node, "0\n", err);
            free(path);
        } else {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            rc = fl_remote_sh(r[i], NULL, err,
                              "date -u -s @%lld.%09ld >/dev/null",
                              (long long)ts.tv_sec, ts.tv_nsec);
        }
    }
    return rc;
}

int
fl_clock_heal_leftovers(const char *state_dir, const char *node,
                        struct fl_strbuf *report, struct fl_err *err)
{
    char *path = fl_clock_file(state_dir, node);
    struct fl_strbuf sb = FL_STRBUF_INIT;
    int64_t off = 0, period = 0, end = 0;
    int rc = 0;

    if (fl_strbuf_read_file(&sb, path) == 0)
        sscanf(sb.buf, "%" SCNd64 " %" SCNd64 " %" SCNd64, &off, &period, &end);
    if (off != 0 || period > 0) {
        rc = write_offset(state_dir, node, "0\n", err);
        if (rc == 0)
            fl_strbuf_addf(report, "clock: offset %+.3f s%s reset\n",
                           (double)off / 1e9, period > 0 ? " (strobe)" : "");
    }
    fl_strbuf_release(&sb);
    free(path);
    return rc;
}

int
fl_clock_offsets(struct fl_remote *const *r, size_t n, const char *state_dir,
                 int64_t *offsets_ns, struct fl_err *err)
{
    for (size_t i = 0; i < n; i++) {
        if (state_dir) {
            char *path = fl_clock_file(state_dir, r[i]->node);
            struct fl_strbuf sb = FL_STRBUF_INIT;
            int64_t off = 0, period = 0, end = 0;

            if (fl_strbuf_read_file(&sb, path) == 0)
                sscanf(sb.buf, "%" SCNd64 " %" SCNd64 " %" SCNd64, &off,
                       &period, &end);
            if (period > 0) {
                int64_t mono = now_ns(CLOCK_MONOTONIC);
                off = mono >= end ? 0 : ((mono / period) & 1) ? off : 0;
            }
            offsets_ns[i] = off;
            fl_strbuf_release(&sb);
            free(path);
        } else {
            struct fl_strbuf out = FL_STRBUF_INIT;
            int64_t t0 = now_ns(CLOCK_REALTIME), t1;
            int rc = fl_remote_run(r[i], &out, err, "date", "+%s%N", NULL);

            t1 = now_ns(CLOCK_REALTIME);
            if (rc != 0) {
                fl_strbuf_release(&out);
                return rc;
            }
            offsets_ns[i] = strtoll(out.buf, NULL, 10) - (t0 + t1) / 2;
            fl_strbuf_release(&out);
        }
    }
    return 0;
}

/* ---- the clock nemesis ---- */

struct clock_nem {
    uint32_t f_reset, f_bump, f_strobe, f_check;
    int64_t *want; /* nnodes: the offset (ns) our ops should have left */
    bool *strobed; /* nnodes: strobed since the last reset: unknown */
    size_t n;
};

#define CLOCK_SLACK_NS (100 * 1000000LL) /* observed vs intended offset */

static int
node_index_val(const struct fl_env *env, const fl_val *k)
{
    if (k->kind != FL_V_STR)
        return -1;
    for (size_t i = 0; i < env->nnodes; i++)
        if (strcmp(env->nodes[i], k->u.s) == 0)
            return (int)i;
    return -1;
}

static int64_t
map_int(const fl_val *m, const char *key, int64_t dflt)
{
    const fl_val *v = fl_val_map_get_kw(m, fl_kw_intern_cstr(key));

    return v && v->kind == FL_V_INT ? v->u.i : dflt;
}

/* Put :clock-offsets {node secs} on the completion, as Jepsen does. */
static int
add_offsets(const struct fl_env *env, struct fl_arena *a, struct fl_op *out,
            int64_t *off, struct fl_err *err)
{
    fl_val *kv = fl_xcalloc(2 * env->nnodes, sizeof(fl_val));
    int rc = fl_clock_offsets(env->remotes, env->nnodes,
                              fl_nem_local_state_dir(env), off, err);

    if (rc == 0) {
        fl_val m;
        for (size_t i = 0; i < env->nnodes; i++) {
            kv[2 * i] = fl_val_str(a, env->nodes[i], strlen(env->nodes[i]));
            kv[2 * i + 1] = fl_val_float((double)off[i] / 1e9);
        }
        m = fl_val_map(a, kv, env->nnodes);
        fl_op_set_extra(out, a, fl_kw_intern_cstr("clock-offsets"), &m);
    }
    free(kv);
    return rc;
}

static int
clock_setup(struct fl_nemesis *nem, const struct fl_env *env,
            struct fl_err *err)
{
    FL_UNUSED(nem);
    if (!env->remotes)
        return fl_err_set(err, -ENOTSUP, "clock faults need remote nodes");
    if (fl_nem_local_state_dir(env))
        warn_once();
    return fl_clock_reset(env->remotes, env->nnodes,
                          fl_nem_local_state_dir(env), err);
}

/*
 * Fault verification: warn where an offset is not the one the ops asked
 * for (a reset: 0; a bump: the last one plus delta). A strobe goes on in
 * the background: its node is not checked until the next reset.
 */
static void
clock_verify(struct clock_nem *c, const struct fl_env *env, const int64_t *off,
             struct fl_arena *a, struct fl_op *out)
{
    for (size_t i = 0; i < env->nnodes && i < c->n; i++) {
        int64_t d = off[i] - c->want[i];
        if (!c->strobed[i] && (d > CLOCK_SLACK_NS || d < -CLOCK_SLACK_NS))
            fl_nem__warn(out, a,
                         "%s: clock offset %+.3f s, not the %+.3f s "
                         "intended",
                         env->nodes[i], (double)off[i] / 1e9,
                         (double)c->want[i] / 1e9);
        c->want[i] = off[i];
    }
}

static int
clock_invoke(struct fl_nemesis *nem, const struct fl_env *env,
             const struct fl_op *op, struct fl_arena *a, struct fl_op *out,
             struct fl_err *err)
{
    struct clock_nem *c = nem->ctx;
    const char *sd = fl_nem_local_state_dir(env);
    const fl_val *v = &op->value;
    int64_t *off = fl_xcalloc(env->nnodes + 1, sizeof(int64_t));
    int rc = 0;

    if (c->n != env->nnodes) {
        free(c->want);
        free(c->strobed);
        c->n = env->nnodes;
        c->want = fl_xcalloc(c->n + 1, sizeof(int64_t));
        c->strobed = fl_xcalloc(c->n + 1, sizeof(bool));
    }
    if (op->f == c->f_reset) {
        rc = fl_clock_reset(env->remotes, env->nnodes, sd, err);
        memset(c->want, 0, c->n * sizeof(int64_t));
        memset(c->strobed, 0, c->n * sizeof(bool));
    } else if (op->f == c->f_bump || op->f == c->f_strobe) {
        if (v->kind != FL_V_MAP) {
            rc = fl_err_set(err, FL_EUSAGE, "clock op needs {node ...}");
            goto out;
        }
        for (size_t j = 0; j < v->n && rc == 0; j++) {
            int i = node_index_val(env, &v->u.items[2 * j]);
            const fl_val *arg = &v->u.items[2 * j + 1];
            int64_t d = (arg->kind == FL_V_INT ? arg->u.i : 0) * 1000000;
            if (i < 0) {
                rc = fl_err_set(err, FL_EUSAGE, "clock op: unknown node");
                goto out;
            }
            c->strobed[i] |= op->f == c->f_strobe;
            if (op->f == c->f_bump) {
                rc = fl_clock_bump(env->remotes[i], sd, d, err);
                c->want[i] += d;
            } else
                rc = fl_clock_strobe(
                    env->remotes[i], sd, map_int(arg, "delta", 0) * 1000000,
                    map_int(arg, "period", 1) * 1000000,
                    map_int(arg, "duration", 0) * 1000000, err);
        }
    }
    if (rc == 0)
        rc = add_offsets(env, a, out, off, err);
    if (rc == 0 && fl_nem__observable(env))
        clock_verify(c, env, off, a, out);
out:
    free(off);
    return rc;
}

static int
clock_teardown(struct fl_nemesis *nem, const struct fl_env *env,
               struct fl_err *err)
{
    FL_UNUSED(nem);
    if (!env->remotes)
        return 0;
    return fl_clock_reset(env->remotes, env->nnodes,
                          fl_nem_local_state_dir(env), err);
}

static size_t
clock_fs(const struct fl_nemesis *nem, uint32_t *out, size_t max)
{
    const struct clock_nem *c = nem->ctx;

    if (max >= 4) {
        out[0] = c->f_reset;
        out[1] = c->f_bump;
        out[2] = c->f_strobe;
        out[3] = c->f_check;
    }
    return 4;
}

static void
clock_free(struct fl_nemesis *nem)
{
    struct clock_nem *c = nem->ctx;

    if (c) {
        free(c->want);
        free(c->strobed);
    }
    free(c);
}

static const struct fl_nemesis_type clock_type = {
    .name = "clock",
    .setup = clock_setup,
    .invoke = clock_invoke,
    .teardown = clock_teardown,
    .fs = clock_fs,
    .free = clock_free,
};

struct fl_nemesis *
fl_nem_clock_new(void)
{
    struct clock_nem *c = fl_xcalloc(1, sizeof(*c));

    c->f_reset = fl_kw_intern_cstr("reset-clock");
    c->f_bump = fl_kw_intern_cstr("bump-clock");
    c->f_strobe = fl_kw_intern_cstr("strobe-clock");
    c->f_check = fl_kw_intern_cstr("check-clock-offsets");
    return fl_nemesis_new(&clock_type, c);
}
