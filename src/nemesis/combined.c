/* SPDX-License-Identifier: MIT */
/*
 * combined.c: the combined package (Jepsen's
 * nemesis.combined/nemesis-package): per fault a flip-flop of start and
 * stop ops staggered at the interval, all joined with any, then a final
 * generator that stops every fault. Random choices in generators come from
 * the generator context's rng; the nemeses' own choices (which nodes are
 * "one" or "minority") come from an rng seeded by the run's seed.
 */
#include "util/common.h"

#include "nemesis/combined.h"

#include "control/cluster.h"
#include "control/remote.h"
#include "gen/gen.h"
#include "nemesis/nemesis_int.h"
#include "nemesis/partition.h"
#include "os/os.h"
#include "util/arena.h"
#include "util/err.h"
#include "util/log.h"
#include "util/rng.h"

static const char *const fault_names[] = {
    "partition", "packet", "kill", "pause", "clock", "file",
};

int
fl_nemesis_faults_parse(const char *s, unsigned *out, struct fl_err *err)
{
    char *dup = fl_xstrdup(s), *tok, *save = NULL;
    unsigned m = 0;
    int rc = 0;

    for (tok = strtok_r(dup, ",", &save); tok && rc == 0;
         tok = strtok_r(NULL, ",", &save)) {
        size_t i;
        if (strcmp(tok, "all") == 0) {
            m |= FL_FAULT_ALL;
            continue;
        }
        if (strcmp(tok, "none") == 0)
            continue;
        for (i = 0; i < FL_ARRAY_SIZE(fault_names); i++)
            if (strcmp(tok, fault_names[i]) == 0)
                break;
        if (i == FL_ARRAY_SIZE(fault_names))
            rc = fl_err_set(err, FL_EUSAGE,
                            "--nemesis: unknown fault '%s' (partition, "
                            "packet, kill, pause, clock, file, all, none)",
                            tok);
        else
            m |= 1u << i;
    }
    free(dup);
    if (rc == 0)
        *out = m;
    return rc;
}

int
fl_nemesis_opts_env(const struct fl_env *env, const char *dflt,
                    struct fl_nemesis_opts *o, struct fl_err *err)
{
    int rc = fl_nemesis_faults_parse(fl_env_opt_str(env, "nemesis", dflt),
                                     &o->faults, err);

    if (rc != 0) {
        fl_err_prefix(err, "--nemesis: ");
        return FL_EUSAGE;
    }
    o->targets = fl_env_opt_str(env, "nemesis-targets", o->targets);
    return 0;
}

/* ---- the package ---- */

const struct fl_nemesis_perf fl_nemesis_perfs[] = {
    {"kill", {0}, {0}, "#E9A4A0"},      {"pause", {0}, {0}, "#A0B1E9"},
    {"partition", {0}, {0}, "#E9DCA0"}, {"packet", {0}, {0}, "#D1E8A0"},
    {"clock", {0}, {0}, "#A0E9E3"},     {"file", {0}, {0}, "#C8A0E9"},
};
const size_t fl_nemesis_nperfs = FL_ARRAY_SIZE(fl_nemesis_perfs);

const char *
fl_nemesis_fault_color(const char *fault)
{
    /* nemesis ops whose periods are labelled by their :f (instants) */
    static const char *const file_fs[] = {"bitflip", "truncate",
                                          "lose-unfsynced-writes"};
    static const char *const others[] = {"#B0E0B0", "#E0B0D8", "#B8B8E8",
                                         "#D8D890"};
    uint32_t hash = 2166136261u; /* FNV-1a: the same in every run */

    for (size_t i = 0; i < FL_ARRAY_SIZE(file_fs); i++)
        if (strcmp(fault, file_fs[i]) == 0)
            fault = "file";
    for (size_t i = 0; i < FL_ARRAY_SIZE(fl_nemesis_perfs); i++)
        if (strcmp(fault, fl_nemesis_perfs[i].name) == 0)
            return fl_nemesis_perfs[i].color;
    if (strcmp(fault, "nemesis") == 0)
        return "#C8C8C8"; /* a generic :start/:stop */
    for (const char *c = fault; *c; c++)
        hash = (hash ^ (unsigned char)*c) * 16777619u;
    return others[hash % FL_ARRAY_SIZE(others)];
}

/* The perf entries hold keyword ids, known only after interning. */
static struct fl_nemesis_perf perfs_live[FL_ARRAY_SIZE(fl_nemesis_perfs)];

static void
perfs_init(void)
{
    static const char *const fs[][2] = {
        {"kill", "start"},
        {"pause", "resume"},
        {"start-partition", "stop-partition"},
        {"start-packet", "stop-packet"},
        {"bump-clock", "reset-clock"},
        {"lose-unfsynced-writes", "bitflip"},
    };

    for (size_t i = 0; i < FL_ARRAY_SIZE(perfs_live); i++) {
        perfs_live[i] = fl_nemesis_perfs[i];
        perfs_live[i].start[0] = fl_kw_intern_cstr(fs[i][0]);
        perfs_live[i].stop[0] = fl_kw_intern_cstr(fs[i][1]);
    }
    perfs_live[4].start[1] = fl_kw_intern_cstr("strobe-clock");
    perfs_live[5].start[1] = 0;
    perfs_live[5].stop[0] = 0; /* file faults are instants */
}

/* A start-op stream: :f with a value drawn from specs (keywords). */
struct pick {
    uint32_t f;
    size_t n;
    uint32_t specs[16]; /* keyword ids; 0 = nil (random subset) */
    bool packet;        /* value [spec behaviour] */
    bool clock;         /* bump/strobe values */
};

static const char *const behaviours[] = {
    "delay", "loss", "duplicate", "reorder", "corrupt", "rate",
};

static int
pick_fn(void *arg, const struct fl_gen_ctx *ctx, struct fl_op *tmpl)
{
    struct pick *p = arg;
    struct fl_rng *rng = fl_gen_ctx_rng(ctx);
    uint32_t s = p->n ? p->specs[fl_rng_below(rng, p->n)] : 0;
    fl_val spec = s ? fl_val_kw(s) : fl_val_nil();

    tmpl->f = p->f;
    if (p->packet) {
        fl_val items[2] = {
            spec,
            fl_val_kw(fl_kw_intern_cstr(
                behaviours[fl_rng_below(rng, FL_ARRAY_SIZE(behaviours))]))};
        tmpl->value = fl_val_coll(ctx->arena, FL_V_VEC, items, 2);
    } else {
        tmpl->value = spec;
    }
    return FL_GEN_OP;
}

static struct fl_gen *
picker(uint32_t f, const uint32_t *specs, size_t n, bool packet)
{
    struct pick *p = fl_xcalloc(1, sizeof(*p));

    p->f = f;
    p->n = FL_MIN(n, FL_ARRAY_SIZE(p->specs));
    memcpy(p->specs, specs, p->n * sizeof(uint32_t));
    p->packet = packet;
    return fl_gen_fn(pick_fn, p, free);
}

/* Clock ops: a mix of reset, bump and strobe on random nodes. */
static int
clock_fn(void *arg, const struct fl_gen_ctx *ctx, struct fl_op *tmpl)
{
    struct fl_rng *rng = fl_gen_ctx_rng(ctx);
    const struct fl_env *env = ctx->env;
    uint64_t what = fl_rng_below(rng, 3);
    size_t node;
    fl_val kv[2];

    FL_UNUSED(arg);
    if (!env || env->nnodes == 0 || what == 0) {
        tmpl->f = fl_kw_intern_cstr("reset-clock");
        tmpl->value = fl_val_nil();
        return FL_GEN_OP;
    }
    node = (size_t)fl_rng_below(rng, env->nnodes);
    kv[0] = fl_val_str(ctx->arena, env->nodes[node], strlen(env->nodes[node]));
    if (what == 1) {
        /* Jepsen: +-1.5^(6..31) ms, about 11 ms to 4.9 days; capped here
         * at 2^(4..18) ms (16 ms to 4.4 min) to stay within test runs. */
        int64_t ms = (int64_t)1 << fl_rng_range(rng, 4, 18);
        tmpl->f = fl_kw_intern_cstr("bump-clock");
        kv[1] = fl_val_int(fl_rng_below(rng, 2) ? ms : -ms);
    } else {
        fl_val m[6] = {
            fl_val_kw(fl_kw_intern_cstr("delta")),
            fl_val_int((int64_t)1 << fl_rng_range(rng, 2, 18)),
            fl_val_kw(fl_kw_intern_cstr("period")),
            fl_val_int((int64_t)1 << fl_rng_range(rng, 0, 10)),
            fl_val_kw(fl_kw_intern_cstr("duration")),
            fl_val_int(fl_rng_range(rng, 0, 32) * 1000),
        };
        tmpl->f = fl_kw_intern_cstr("strobe-clock");
        kv[1] = fl_val_map(ctx->arena, m, 3);
    }
    tmpl->value = fl_val_map(ctx->arena, kv, 1);
    return FL_GEN_OP;
}

static void
targets_parse(const struct fl_nemesis_opts *o, uint32_t *specs, size_t *n,
              bool primaries)
{
    static const char *const dflt[] = {"",         "one",      "minority-third",
                                       "minority", "majority", "all"};
    *n = 0;
    if (o->targets) {
        char *dup = fl_xstrdup(o->targets), *tok, *save = NULL;
        for (tok = strtok_r(dup, ",", &save); tok && *n < 15;
             tok = strtok_r(NULL, ",", &save))
            specs[(*n)++] = fl_kw_intern_cstr(tok);
        free(dup);
        return;
    }
    for (size_t i = 0; i < FL_ARRAY_SIZE(dflt); i++)
        specs[(*n)++] = dflt[i][0] ? fl_kw_intern_cstr(dflt[i]) : 0;
    if (primaries)
        specs[(*n)++] = fl_kw_intern_cstr("primaries");
}

/* The partition topologies to draw from: o's list, else the defaults. */
static int
topologies(const struct fl_nemesis_opts *o, bool prim, uint32_t *topo,
           size_t *n, struct fl_err *err)
{
    static const char *const dflt = "one,minority-third,majority,"
                                    "majorities-ring";
    char *dup = fl_xstrdup(o->partition_targets ? o->partition_targets : dflt);
    char *tok, *save = NULL;
    int rc = 0;

    *n = 0;
    for (tok = strtok_r(dup, ",", &save); rc == 0 && tok;
         tok = strtok_r(NULL, ",", &save)) {
        size_t k = 0;
        while (fl_topologies[k] && strcmp(fl_topologies[k], tok) != 0)
            k++;
        if (!fl_topologies[k])
            rc = fl_err_set(err, FL_EUSAGE,
                            "partition target '%s' is not a topology", tok);
        else if (*n == 8)
            rc = fl_err_set(err, FL_EUSAGE, "more than 8 partition targets");
        else
            topo[(*n)++] = fl_kw_intern_cstr(tok);
    }
    if (rc == 0 && *n == 0)
        rc = fl_err_set(err, FL_EUSAGE, "no partition targets");
    if (rc == 0 && !o->partition_targets && prim)
        topo[(*n)++] = fl_kw_intern_cstr("primaries");
    free(dup);
    return rc;
}

int
fl_nemesis_combined(const struct fl_nemesis_opts *o,
                    struct fl_nemesis_package *pkg, struct fl_err *err)
{
    struct fl_nemesis *parts[6];
    struct fl_gen *gens[6], *finals[6];
    size_t np = 0, ng = 0, nf = 0, nspecs, ntopo = 0;
    uint32_t specs[16], topo[10];
    unsigned faults = o->faults;
    int64_t dt = o->interval_ns > 0 ? o->interval_ns : 10000000000LL;
    bool prim = fl_db_can(o->db, FL_DB_CAP_PRIMARY);
    int rc = 0;

    memset(pkg, 0, sizeof(*pkg));
    if ((faults & FL_FAULT_KILL) && !fl_db_can(o->db, FL_DB_CAP_KILL)) {
        fl_warn("nemesis: the DB cannot be killed; leaving out kill");
        faults &= ~(unsigned)FL_FAULT_KILL;
    }
    if ((faults & FL_FAULT_PAUSE) && !fl_db_can(o->db, FL_DB_CAP_PAUSE)) {
        fl_warn("nemesis: the DB cannot be paused; leaving out pause");
        faults &= ~(unsigned)FL_FAULT_PAUSE;
    }
    if ((faults & FL_FAULT_FILE) && !o->file_path && !o->lazyfs_dir) {
        fl_warn("nemesis: no --file-path or lazyfs dir; leaving out file");
        faults &= ~(unsigned)FL_FAULT_FILE;
    }
    if (faults == 0) {
        pkg->nemesis = fl_nemesis_new(&fl_nemesis_noop_type, NULL);
        return 0;
    }
    perfs_init();
    targets_parse(o, specs, &nspecs, prim);
    rc = topologies(o, prim, topo, &ntopo, err);
    if (rc != 0)
        return rc;

#define STAGGERED(a, b) fl_gen_stagger(dt, fl_gen_flip_flop((a), (b)))
    if (faults & FL_FAULT_PARTITION) {
        parts[np++] = fl_nem_partition_new();
        gens[ng++] = STAGGERED(
            picker(fl_kw_intern_cstr("start-partition"), topo, ntopo, false),
            fl_gen_repeat(-1, fl_gen_invoke(fl_kw_intern_cstr("stop-partition"),
                                            fl_val_nil())));
        finals[nf++] =
            fl_gen_invoke(fl_kw_intern_cstr("stop-partition"), fl_val_nil());
    }
    if (faults & FL_FAULT_PACKET) {
        parts[np++] = fl_nem_packet_new();
        gens[ng++] = STAGGERED(
            picker(fl_kw_intern_cstr("start-packet"), specs, nspecs, true),
            fl_gen_repeat(-1, fl_gen_invoke(fl_kw_intern_cstr("stop-packet"),
                                            fl_val_nil())));
        finals[nf++] =
            fl_gen_invoke(fl_kw_intern_cstr("stop-packet"), fl_val_nil());
    }
    if (faults & FL_FAULT_KILL) {
        parts[np++] = fl_nem_kill_new();
        gens[ng++] = STAGGERED(
            picker(fl_kw_intern_cstr("kill"), specs, nspecs, false),
            fl_gen_repeat(-1,
                          fl_gen_invoke(FL_KW_START,
                                        fl_val_kw(fl_kw_intern_cstr("all")))));
        finals[nf++] =
            fl_gen_invoke(FL_KW_START, fl_val_kw(fl_kw_intern_cstr("all")));
    }
    if (faults & FL_FAULT_PAUSE) {
        parts[np++] = fl_nem_pause_new();
        gens[ng++] = STAGGERED(
            picker(fl_kw_intern_cstr("pause"), specs, nspecs, false),
            fl_gen_repeat(-1,
                          fl_gen_invoke(fl_kw_intern_cstr("resume"),
                                        fl_val_kw(fl_kw_intern_cstr("all")))));
        finals[nf++] = fl_gen_invoke(fl_kw_intern_cstr("resume"),
                                     fl_val_kw(fl_kw_intern_cstr("all")));
    }
    if (faults & FL_FAULT_CLOCK) {
        parts[np++] = fl_nem_clock_new();
        gens[ng++] = fl_gen_stagger(
            dt,
            FL_GEN_SEQ(fl_gen_invoke(fl_kw_intern_cstr("check-clock-offsets"),
                                     fl_val_nil()),
                       fl_gen_fn(clock_fn, NULL, NULL)));
        finals[nf++] =
            fl_gen_invoke(fl_kw_intern_cstr("reset-clock"), fl_val_nil());
    }
    if (faults & FL_FAULT_FILE) {
        uint32_t fsel[3];
        size_t nfsel = 0;
        parts[np++] = fl_nem_file_new(o->file_path, o->lazyfs_dir);
        if (o->lazyfs_dir)
            fsel[nfsel++] = fl_kw_intern_cstr("lose-unfsynced-writes");
        if (o->file_path) {
            fsel[nfsel++] = fl_kw_intern_cstr("bitflip");
            fsel[nfsel++] = fl_kw_intern_cstr("truncate");
        }
        struct fl_gen *mix[3];
        for (size_t i = 0; i < nfsel; i++)
            mix[i] = picker(fsel[i], specs, nspecs, false);
        gens[ng++] = fl_gen_stagger(dt, fl_gen_mix(mix, nfsel));
    }
#undef STAGGERED
    pkg->nemesis = fl_nem_compose(parts, np, err);
    if (!pkg->nemesis) {
        rc = err ? err->code : FL_EUSAGE;
        for (size_t i = 0; i < ng; i++)
            fl_gen_free(gens[i]);
        for (size_t i = 0; i < nf; i++)
            fl_gen_free(finals[i]);
        return rc;
    }
    pkg->generator = fl_gen_any(gens, ng);
    pkg->final_generator = nf ? fl_gen_seq(finals, nf) : NULL;
    pkg->perf = perfs_live;
    pkg->nperf = FL_ARRAY_SIZE(perfs_live);
    return 0;
}
