/* SPDX-License-Identifier: MIT */
/*
 * lin_gen.c: writes a history of simulated cas-registers (initial value 0)
 * to stdout as history.edn, for the CLI tests and whole-process
 * benchmarks of the linearizability checker. Each op takes effect at a
 * random instant inside its interval, so the history is linearizable
 * unless a key is corrupted. Segments are written one after the other
 * (each with its own keys and processes); within a segment the ops of its
 * keys interleave.
 *
 *   lin_gen [-s SEED] SEGMENT...
 *
 * SEGMENT is KEYS:OPS:PROCS:CRASH_PERCENT[:bad[:FIRSTKEY]]: OPS ops on
 * KEYS keys (numbered from FIRSTKEY, else after the previous segment's)
 * by PROCS processes, CRASH_PERCENT of them completing :info; with bad,
 * the last :ok read of every key of the segment returns 99, which no one
 * wrote, so each key is invalid. Values are [key value] tuples.
 */
#include "util/common.h"

#include "util/err.h"
#include "util/parse.h"
#include "util/rng.h"

#include <unistd.h>

enum { F_READ, F_WRITE, F_CAS };

struct sim_op {
    int key;
    int f;
    int64_t a, b, res;
    bool applied;
    int64_t inv; /* history index of the invocation */
};

struct seg {
    int keys, procs, first_key;
    size_t ops;
    uint64_t crash_ppm;
    bool bad;
};

struct out {
    int64_t index;
    int64_t proc_base;
};

static void
put_value(int key, int f, const struct sim_op *o, bool ok, bool bad)
{
    if (f == F_WRITE)
        printf("[%d %" PRId64 "]", key, o->a);
    else if (f == F_CAS)
        printf("[%d [%" PRId64 " %" PRId64 "]]", key, o->a, o->b);
    else if (ok)
        printf("[%d %" PRId64 "]", key, bad ? INT64_C(99) : o->res);
    else
        printf("[%d nil]", key);
}

static const char *const fnames[] = {"read", "write", "cas"};

static void
put_op(struct out *w, const struct seg *s, const char *type, int64_t proc,
       const struct sim_op *o, bool ok, bool bad)
{
    printf("{:type :%s, :f :%s, :value ", type, fnames[o->f]);
    put_value(s->first_key + o->key, o->f, o, ok, bad);
    printf(", :process %" PRId64 ", :time %" PRId64 ", :index %" PRId64 "}\n",
           proc, w->index * 1000, w->index);
    w->index++;
}

static void
simulate(const struct seg *s, uint64_t seed, struct out *w, int64_t *last,
         bool emit)
{
    struct fl_rng r;
    int64_t *reg = fl_xcalloc(s->keys, sizeof(*reg));
    struct sim_op *open = fl_xcalloc(s->procs, sizeof(*open));
    int64_t *proc = fl_xmalloc(s->procs * sizeof(*proc));
    bool *busy = fl_xcalloc(s->procs, sizeof(*busy));
    size_t started = 0, done = 0;
    int64_t next_proc = w->proc_base + s->procs;

    fl_rng_seed(&r, seed);
    for (int p = 0; p < s->procs; p++)
        proc[p] = w->proc_base + p;
    while (done < s->ops) {
        int p = (int)fl_rng_below(&r, s->procs);
        struct sim_op *o = &open[p];
        if (!busy[p]) {
            if (started >= s->ops)
                continue;
            started++;
            busy[p] = true;
            memset(o, 0, sizeof(*o));
            o->key = (int)fl_rng_below(&r, s->keys);
            uint64_t c = fl_rng_below(&r, 10);
            o->f = c < 5 ? F_READ : c < 8 ? F_WRITE : F_CAS;
            o->a = (int64_t)fl_rng_below(&r, 5);
            o->b = (int64_t)fl_rng_below(&r, 5);
            o->inv = w->index;
            if (emit)
                put_op(w, s, "invoke", proc[p], o, false, false);
            else
                w->index++;
        } else if (!o->applied && fl_rng_below(&r, 2)) {
            o->applied = true;
            int64_t *v = &reg[o->key];
            if (o->f == F_READ)
                o->res = *v;
            else if (o->f == F_WRITE)
                *v = o->a;
            else if (*v == o->a)
                *v = o->b;
            else
                o->res = -1;
        } else if (o->applied) {
            busy[p] = false;
            done++;
            bool crashed = fl_rng_below(&r, 1000000) < s->crash_ppm;
            const char *type = crashed                         ? "info"
                               : o->f == F_CAS && o->res == -1 ? "fail"
                                                               : "ok";
            bool ok = !crashed && type[0] == 'o';
            if (ok && o->f == F_READ && !emit)
                last[o->key] = w->index;
            bool bad = emit && s->bad && ok && o->f == F_READ &&
                       last[o->key] == w->index;
            if (emit)
                put_op(w, s, type, proc[p], o, ok, bad);
            else
                w->index++;
            if (crashed)
                proc[p] = next_proc++;
        }
    }
    w->proc_base = next_proc;
    free(reg);
    free(open);
    free(proc);
    free(busy);
}

/* Dry run: the history index of the last :ok read of each key. */
static void
find_last_reads(const struct seg *s, uint64_t seed, int64_t *last,
                const struct out *w)
{
    struct out dry = *w;

    for (int k = 0; k < s->keys; k++)
        last[k] = -1;
    simulate(s, seed, &dry, last, false);
}

static int
parse_seg(const char *arg, struct seg *s, int next_key)
{
    struct fl_err err = FL_ERR_INIT;
    char buf[256], *save = NULL;
    int64_t v[4];

    snprintf(buf, sizeof(buf), "%s", arg);
    memset(s, 0, sizeof(*s));
    s->first_key = next_key;
    char *tok = strtok_r(buf, ":", &save);
    for (int i = 0; i < 4; i++, tok = strtok_r(NULL, ":", &save))
        if (!tok ||
            fl_parse_int64(tok, i == 3 ? 0 : 1, INT64_C(1) << 40, &v[i], &err))
            return -1;
    s->keys = (int)v[0];
    s->ops = (size_t)v[1];
    s->procs = (int)v[2];
    s->crash_ppm = (uint64_t)v[3] * 10000;
    if (tok && strcmp(tok, "bad") == 0) {
        s->bad = true;
        tok = strtok_r(NULL, ":", &save);
    }
    if (tok) {
        if (fl_parse_int64(tok, 0, INT32_MAX, &v[0], &err))
            return -1;
        s->first_key = (int)v[0];
    }
    return 0;
}

int
main(int argc, char **argv)
{
    struct fl_err err = FL_ERR_INIT;
    struct out w = {0, 0};
    uint64_t seed = 1;
    int64_t v;
    int opt, next_key = 0;

    while ((opt = getopt(argc, argv, "s:")) != -1) {
        if (opt != 's' || fl_parse_int64(optarg, 0, INT64_MAX, &v, &err))
            goto usage;
        seed = (uint64_t)v;
    }
    if (optind >= argc)
        goto usage;
    for (int i = optind; i < argc; i++) {
        struct seg s;
        if (parse_seg(argv[i], &s, next_key) < 0)
            goto usage;
        int64_t *last = fl_xcalloc(s.keys, sizeof(*last));
        uint64_t sseed = seed + (uint64_t)i;
        if (s.bad)
            find_last_reads(&s, sseed, last, &w);
        simulate(&s, sseed, &w, last, true);
        next_key = s.first_key + s.keys;
        free(last);
    }
    return 0;
usage:
    fprintf(stderr, "usage: lin_gen [-s SEED] "
                    "KEYS:OPS:PROCS:CRASH_PERCENT[:bad[:FIRSTKEY]]...\n");
    return 254;
}
