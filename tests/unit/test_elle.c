/* SPDX-License-Identifier: MIT */
/*
 * test_elle.c: the Elle checker against Elle's own small fixtures
 * (reference/checkers.md section 4.7, jepsen-io/elle list_append_test.clj)
 * and the corpus histories. Transactions are written in Elle's shorthand:
 * "ax1" appends 1 to key x, "ry12" reads y = [1 2], "ry" reads y empty;
 * for rw-register "wx1" writes 1 and "rx1"/"rx" read 1/nil. Each history
 * is built in memory, so these tests need only the history container.
 */
#include "util/common.h"

#include "test.h"

#include "checker/elle/elle.h"
#include "history/edn.h"
#include "history/hist.h"
#include "util/err.h"
#include "util/strbuf.h"

#include <sys/stat.h>
#include <unistd.h>

struct tb {
    struct fl_hist h;
    const char *open[32];
    bool reg;
};

static void
tb_init(struct tb *t, bool reg)
{
    memset(t, 0, sizeof(*t));
    fl_hist_init(&t->h);
    t->reg = reg;
}

/* The txn value for spec; reads carry values only when with_reads. */
static fl_val
spec_val(struct tb *t, const char *spec, bool with_reads)
{
    fl_val mops[16];
    size_t n = 0;
    const char *p = spec;
    while (*p) {
        char f = *p++;
        char key[2] = {*p++, 0};
        fl_val m[3];
        m[0] = fl_val_kw(f == 'a'   ? FL_KW_APPEND
                         : f == 'w' ? FL_KW_W
                                    : FL_KW_R);
        m[1] = fl_val_kw(fl_kw_intern_cstr(key));
        if (f == 'r') {
            fl_val els[16];
            size_t ne = 0;
            while (*p >= '0' && *p <= '9')
                els[ne++] = fl_val_int(*p++ - '0');
            if (!with_reads)
                m[2] = fl_val_nil();
            else if (t->reg)
                m[2] = ne ? els[0] : fl_val_nil();
            else
                m[2] = fl_val_coll(&t->h.arena, FL_V_VEC, els, ne);
        } else {
            m[2] = fl_val_int(*p++ - '0');
        }
        mops[n++] = fl_val_coll(&t->h.arena, FL_V_VEC, m, 3);
    }
    return fl_val_coll(&t->h.arena, FL_V_VEC, mops, n);
}

static void
tb_op(struct tb *t, int p, enum fl_op_type type, fl_val v)
{
    struct fl_op op;
    memset(&op, 0, sizeof(op));
    op.index = (int64_t)t->h.n;
    op.time_ns = (int64_t)t->h.n * 1000;
    op.value = v;
    op.process = p;
    op.pair = -1;
    op.f = FL_KW_TXN;
    op.type = (uint8_t)type;
    op.flags = FL_OP_HAS_INDEX | FL_OP_HAS_TIME | FL_OP_HAS_VALUE;
    fl_hist_append(&t->h, &op);
}

static void
tb_invoke(struct tb *t, int p, const char *spec)
{
    t->open[p] = spec;
    tb_op(t, p, FL_OP_INVOKE, spec_val(t, spec, false));
}

static void
tb_complete(struct tb *t, int p, enum fl_op_type type)
{
    tb_op(t, p, type, spec_val(t, t->open[p], type == FL_OP_OK));
}

static void
tb_txn(struct tb *t, int p, enum fl_op_type type, const char *spec)
{
    tb_invoke(t, p, spec);
    tb_complete(t, p, type);
}

static void
join_names(struct fl_strbuf *sb, const fl_val *v)
{
    if (!v)
        return;
    for (uint32_t i = 0; i < v->n; i++) {
        if (i)
            fl_strbuf_addch(sb, ',');
        fl_strbuf_addstr(sb, fl_kw_name(v->u.items[i].u.id));
    }
}

/* "valid types not" summary of a result map, e.g. "false G0 read-uncommitted".
 */
static void
summary(const fl_val *m, struct fl_strbuf *sb)
{
    const fl_val *v = fl_val_map_get_kw(m, FL_KW_VALID);
    fl_strbuf_addstr(sb, v && v->kind == FL_V_BOOL ? (v->u.b ? "true" : "false")
                                                   : "unknown");
    fl_strbuf_addch(sb, ' ');
    join_names(sb, fl_val_map_get_kw(m, fl_kw_intern_cstr("anomaly-types")));
    fl_strbuf_addch(sb, ' ');
    join_names(sb, fl_val_map_get_kw(m, fl_kw_intern_cstr("not")));
}

static int
split(const char *csv, char *buf, size_t bufn, const char **out)
{
    int n = 0;
    if (!csv || !*csv)
        return 0;
    snprintf(buf, bufn, "%s", csv);
    for (char *p = buf; p && *p;) {
        out[n++] = p;
        p = strchr(p, ',');
        if (p)
            *p++ = '\0';
    }
    return n;
}

/* Check t's history; returns the summary in sb and the map in *res. */
static enum fl_verdict
run(struct tb *t, const char *models, const char *anoms, struct fl_arena *a,
    struct fl_strbuf *sb, fl_val *res)
{
    char mb[256], ab[256];
    const char *mv[16], *av[16];
    struct fl_elle_opts o;
    memset(&o, 0, sizeof(o));
    o.workload = t->reg ? FL_ELLE_RW_REGISTER : FL_ELLE_LIST_APPEND;
    o.nmodels = (size_t)split(models, mb, sizeof(mb), mv);
    o.models = models ? mv : NULL; /* NULL: the default model */
    o.nanomalies = (size_t)split(anoms, ab, sizeof(ab), av);
    o.anomalies = av;
    struct fl_chk_result r;
    struct fl_err err = FL_ERR_INIT;
    ASSERT_OK(fl_elle_check(&t->h, &o, a, &r, &err));
    fl_strbuf_reset(sb);
    summary(&r.map, sb);
    if (res)
        *res = r.map;
    return r.valid;
}

#define EXPECT(t, models, anoms, want)                                         \
    do {                                                                       \
        struct fl_arena a_;                                                    \
        struct fl_strbuf sb_ = FL_STRBUF_INIT;                                 \
        fl_arena_init(&a_, 1 << 16);                                           \
        run((t), (models), (anoms), &a_, &sb_, NULL);                          \
        ASSERT_STR_EQ(sb_.buf, want);                                          \
        fl_strbuf_release(&sb_);                                               \
        fl_arena_release(&a_);                                                 \
    } while (0)

static void
test_elle_valid_serial(void)
{
    struct tb t;
    tb_init(&t, false);
    tb_txn(&t, 0, FL_OP_OK, "ax1ay1");
    tb_txn(&t, 1, FL_OP_OK, "rx1ax2");
    tb_txn(&t, 0, FL_OP_OK, "rx12ry1");
    EXPECT(&t, NULL, NULL, "true  ");
    fl_hist_release(&t.h);
}

static void
test_elle_g0(void)
{
    struct tb t;
    tb_init(&t, false);
    tb_txn(&t, 0, FL_OP_OK, "ax1ay1");
    tb_txn(&t, 1, FL_OP_OK, "ax2ay2");
    tb_txn(&t, 2, FL_OP_OK, "rx12ry21");
    EXPECT(&t, NULL, NULL, "false G0 read-uncommitted");
    fl_hist_release(&t.h);
}

static void
test_elle_g1c(void)
{
    struct tb t;
    tb_init(&t, false);
    tb_txn(&t, 0, FL_OP_OK, "ax1ry1");
    tb_txn(&t, 1, FL_OP_OK, "ax2ay1");
    tb_txn(&t, 2, FL_OP_OK, "rx12");
    EXPECT(&t, NULL, NULL, "false G1c read-committed");
    fl_hist_release(&t.h);
}

static void
test_elle_g_single(void)
{
    struct tb t;
    tb_init(&t, false);
    tb_txn(&t, 0, FL_OP_OK, "ax1ay1");
    tb_txn(&t, 1, FL_OP_OK, "ax2ry");
    tb_txn(&t, 2, FL_OP_OK, "rx12");
    EXPECT(&t, NULL, NULL,
           "false G-single-item consistent-view,repeatable-read");
    fl_hist_release(&t.h);
}

static void
test_elle_g2_item(void)
{
    struct tb t;
    tb_init(&t, false);
    tb_txn(&t, 0, FL_OP_OK, "rxay1");
    tb_txn(&t, 1, FL_OP_OK, "ryax1");
    EXPECT(&t, "read-committed", NULL, "true  ");
    EXPECT(&t, "repeatable-read", NULL, "false G2-item repeatable-read");
    fl_hist_release(&t.h);
}

static void
test_elle_g1a(void)
{
    struct tb t;
    tb_init(&t, false);
    tb_txn(&t, 0, FL_OP_FAIL, "ax1");
    tb_txn(&t, 1, FL_OP_OK, "rx1");
    EXPECT(&t, NULL, NULL, "false G1a read-committed");
    fl_hist_release(&t.h);
}

static void
test_elle_g1b(void)
{
    struct tb t;
    tb_init(&t, false);
    tb_txn(&t, 0, FL_OP_OK, "ax1ax2");
    tb_txn(&t, 1, FL_OP_OK, "rx1");
    struct fl_arena a;
    struct fl_strbuf sb = FL_STRBUF_INIT;
    fl_arena_init(&a, 1 << 16);
    ASSERT_EQ(run(&t, NULL, NULL, &a, &sb, NULL), FL_VERDICT_FALSE);
    ASSERT(strstr(sb.buf, "G1b") != NULL);
    fl_strbuf_release(&sb);
    fl_arena_release(&a);
    fl_hist_release(&t.h);
}

static void
test_elle_lost_update(void)
{
    struct tb t;
    tb_init(&t, false);
    tb_txn(&t, 0, FL_OP_OK, "ax0");
    tb_txn(&t, 1, FL_OP_OK, "rx0ax1");
    tb_txn(&t, 2, FL_OP_OK, "rx0ax2");
    EXPECT(&t, NULL, NULL,
           "false G2-item,lost-update cursor-stability,update-atomic");
    fl_hist_release(&t.h);
    /* one txn writing twice over its read is fine */
    tb_init(&t, false);
    tb_txn(&t, 0, FL_OP_OK, "rxax1ax2");
    tb_txn(&t, 1, FL_OP_OK, "rx12");
    EXPECT(&t, NULL, NULL, "true  ");
    fl_hist_release(&t.h);
}

static void
test_elle_dirty_update(void)
{
    struct tb t;
    tb_init(&t, false);
    tb_txn(&t, 0, FL_OP_FAIL, "ax1");
    EXPECT(&t, "", "dirty-update", "unknown empty-transaction-graph ");
    tb_txn(&t, 1, FL_OP_OK, "ax2");
    tb_txn(&t, 2, FL_OP_OK, "rx12");
    EXPECT(&t, "", "dirty-update", "false dirty-update read-committed");
    fl_hist_release(&t.h);
    /* through an intermediate :info append */
    tb_init(&t, false);
    tb_txn(&t, 0, FL_OP_FAIL, "ax1");
    tb_txn(&t, 1, FL_OP_INFO, "ax2");
    tb_txn(&t, 2, FL_OP_OK, "ax3");
    tb_txn(&t, 3, FL_OP_OK, "rx123");
    EXPECT(&t, "", "dirty-update", "false dirty-update read-committed");
    fl_hist_release(&t.h);
}

static void
test_elle_duplicate_elements(void)
{
    struct tb t;
    tb_init(&t, false);
    tb_txn(&t, 0, FL_OP_OK, "ax1ry1");
    tb_txn(&t, 1, FL_OP_OK, "ax2ay1");
    tb_txn(&t, 2, FL_OP_OK, "rx121");
    EXPECT(&t, "read-committed", NULL,
           "false G1c,duplicate-elements read-uncommitted");
    fl_hist_release(&t.h);
}

static void
test_elle_internal(void)
{
    struct tb t;
    tb_init(&t, false);
    tb_txn(&t, 0, FL_OP_OK, "ax1ax2ax4");
    tb_txn(&t, 1, FL_OP_OK, "ax3rx1234");
    struct fl_arena a;
    struct fl_strbuf sb = FL_STRBUF_INIT;
    fl_val m;
    fl_arena_init(&a, 1 << 16);
    run(&t, "", "internal", &a, &sb, &m);
    ASSERT(strncmp(sb.buf, "false internal ", 15) == 0);
    /* :expected is [... 3] */
    fl_strbuf_reset(&sb);
    fl_val_print_edn(&sb, &m);
    ASSERT(strstr(sb.buf, ":expected [... 3]") != NULL);
    fl_strbuf_release(&sb);
    fl_arena_release(&a);
    fl_hist_release(&t.h);
}

static void
test_elle_incompatible_order(void)
{
    struct tb t;
    tb_init(&t, false);
    tb_txn(&t, 0, FL_OP_OK, "ax1ry1");
    tb_txn(&t, 1, FL_OP_OK, "ax2");
    tb_txn(&t, 2, FL_OP_OK, "ax3ay1");
    tb_txn(&t, 3, FL_OP_OK, "rx13");
    tb_txn(&t, 4, FL_OP_OK, "rx123");
    EXPECT(&t, "", "G1", "false G1c,incompatible-order read-committed");
    fl_hist_release(&t.h);
}

static void
test_elle_g_nonadjacent(void)
{
    struct tb t;
    tb_init(&t, false);
    tb_txn(&t, 0, FL_OP_OK, "ax1");
    tb_txn(&t, 1, FL_OP_OK, "rx1ry");
    tb_txn(&t, 2, FL_OP_OK, "ay1");
    tb_txn(&t, 3, FL_OP_OK, "ry1rx");
    EXPECT(&t, NULL, NULL,
           "false G-nonadjacent-item repeatable-read,snapshot-isolation");
    fl_hist_release(&t.h);
    /* rw rw wr rw wr: two rw edges are adjacent, so SI allows it */
    tb_init(&t, false);
    tb_txn(&t, 0, FL_OP_OK, "rx5ay1");
    tb_txn(&t, 1, FL_OP_OK, "ryaz2");
    tb_txn(&t, 2, FL_OP_OK, "rzat3");
    tb_txn(&t, 3, FL_OP_OK, "rt3au4");
    tb_txn(&t, 4, FL_OP_OK, "ruax5");
    EXPECT(&t, "snapshot-isolation", NULL, "true  ");
    fl_hist_release(&t.h);
    /* T1 -rw-> T2 -rw-> T3 -wr-> T1: write skew, allowed by SI only */
    tb_init(&t, false);
    tb_txn(&t, 2, FL_OP_OK, "ay1az1");
    tb_txn(&t, 0, FL_OP_OK, "rxrz1");
    tb_txn(&t, 1, FL_OP_OK, "ax1ry");
    EXPECT(&t, "snapshot-isolation", NULL, "true  ");
    EXPECT(&t, "serializable", NULL, "false G2-item repeatable-read");
    fl_hist_release(&t.h);
}

/*
 * PostgreSQL's --isolation repeatable-read is checked for the union of
 * snapshot-isolation (what PostgreSQL documents) and repeatable-read
 * (Adya's PL-2.99, what the SQL name promises): write skew breaks only
 * the latter and :not names it alone; an internal anomaly breaks only SI,
 * which Elle's repeatable-read does not forbid (docs/postgres.md).
 */
static void
test_elle_pg_repeatable_read_models(void)
{
    const char *both = "snapshot-isolation,repeatable-read";
    struct tb t;

    tb_init(&t, false);
    tb_txn(&t, 0, FL_OP_OK, "rxay1");
    tb_txn(&t, 1, FL_OP_OK, "ryax1");
    EXPECT(&t, both, NULL, "false G2-item repeatable-read");
    EXPECT(&t, "snapshot-isolation", NULL, "true  ");
    fl_hist_release(&t.h);
    tb_init(&t, false);
    tb_txn(&t, 0, FL_OP_OK, "ax1rx");
    EXPECT(&t, "repeatable-read", NULL, "true  ");
    EXPECT(&t, both, NULL, "false internal read-atomic");
    fl_hist_release(&t.h);
    /* read skew: both forbid it */
    tb_init(&t, false);
    tb_txn(&t, 0, FL_OP_OK, "ax1ay1");
    tb_txn(&t, 1, FL_OP_OK, "ax2ry");
    tb_txn(&t, 2, FL_OP_OK, "rx12");
    EXPECT(&t, both, NULL,
           "false G-single-item consistent-view,repeatable-read");
    fl_hist_release(&t.h);
}

static void
test_elle_unobserved_write(void)
{
    struct tb t;
    tb_init(&t, false);
    tb_invoke(&t, 0, "ax1ay1");
    tb_invoke(&t, 1, "ax2ay2");
    tb_invoke(&t, 2, "ax3ay3");
    tb_invoke(&t, 3, "rx12");
    tb_invoke(&t, 4, "ry2");
    for (int p = 0; p < 5; p++)
        tb_complete(&t, p, FL_OP_OK);
    EXPECT(&t, "serializable", NULL, "false G-single-item,G0 read-uncommitted");
    fl_hist_release(&t.h);
}

static void
test_elle_info_proven_committed(void)
{
    /* T2 saw T1's append to x, so the :info T1 committed, and its append
     * to y, which T2 did not see, must come after T2's read: G-single. */
    struct tb t;
    tb_init(&t, false);
    tb_txn(&t, 0, FL_OP_INFO, "ax1ay1");
    tb_txn(&t, 1, FL_OP_OK, "rx1ry");
    EXPECT(&t, "serializable", NULL,
           "false G-single-item consistent-view,repeatable-read");
    fl_hist_release(&t.h);
    /* Nobody saw any of T1's appends: it may never have committed. */
    tb_init(&t, false);
    tb_txn(&t, 0, FL_OP_INFO, "ax1ay1");
    tb_txn(&t, 1, FL_OP_OK, "rxry");
    tb_txn(&t, 2, FL_OP_OK, "ry");
    EXPECT(&t, "serializable", NULL, "true  ");
    fl_hist_release(&t.h);
    /* The same for rw-register writes. */
    tb_init(&t, true);
    tb_txn(&t, 0, FL_OP_INFO, "wx1wy1");
    tb_txn(&t, 1, FL_OP_OK, "rx1ry");
    EXPECT(&t, "serializable", NULL,
           "false G-single-item consistent-view,repeatable-read");
    fl_hist_release(&t.h);
    tb_init(&t, true);
    tb_txn(&t, 0, FL_OP_INFO, "wx1wy1");
    tb_txn(&t, 1, FL_OP_OK, "rxry");
    EXPECT(&t, "serializable", NULL, "true  ");
    fl_hist_release(&t.h);
}

/* The printed result map of t checked for serializable. */
static void
result_text(struct tb *t, struct fl_strbuf *out)
{
    struct fl_arena a;
    struct fl_strbuf sb = FL_STRBUF_INIT;
    fl_val res;
    fl_arena_init(&a, 1 << 16);
    run(t, "serializable", NULL, &a, &sb, &res);
    fl_strbuf_reset(out);
    fl_val_print_edn(out, &res);
    fl_strbuf_release(&sb);
    fl_arena_release(&a);
}

static void
test_elle_edge_basis(void)
{
    /* Each step says whether a read showed it or it was inferred. */
    struct tb t;
    struct fl_strbuf sb = FL_STRBUF_INIT;
    tb_init(&t, false);
    tb_txn(&t, 0, FL_OP_INFO, "ax1ay1");
    tb_txn(&t, 1, FL_OP_OK, "rx1ry");
    result_text(&t, &sb);
    ASSERT(strstr(sb.buf, ":type :rw, :key :y, :value :elle.list-append/init, "
                          ":value' 1, :a-mop-index 1, :b-mop-index 1, "
                          ":observed? false, :basis :after-longest-read}"));
    ASSERT(strstr(sb.buf,
                  ":type :wr, :key :x, :value 1, :a-mop-index 0, "
                  ":b-mop-index 0, :observed? true, :basis :observed}"));
    ASSERT(strstr(sb.buf, "which did not include T2's append of 1 (inferred: "
                          "no read shows T2's append of 1, so it is placed "
                          "after the longest read of that key; T2 is :info, "
                          "but a read saw another of its appends, so it "
                          "committed)"));
    ASSERT(strstr(sb.buf, "T1 read T2's append of 1 to key :x (observed: T1's "
                          "read shows it)"));
    fl_hist_release(&t.h);
    /* A longer read shows the next append: observed. */
    tb_init(&t, false);
    tb_txn(&t, 0, FL_OP_OK, "ax1ay1");
    tb_txn(&t, 1, FL_OP_OK, "ax2ry");
    tb_txn(&t, 2, FL_OP_OK, "rx12");
    result_text(&t, &sb);
    ASSERT(strstr(sb.buf, "(observed: a read of that key shows 1 followed by "
                          "2)"));
    ASSERT(strstr(sb.buf, ":type :ww, :key :x, :value 1, :value' 2, "
                          ":a-mop-index 0, :b-mop-index 0, :observed? true"));
    fl_hist_release(&t.h);
    /* rw-register: nil comes first, but no read shows that order. */
    tb_init(&t, true);
    tb_txn(&t, 0, FL_OP_OK, "wx1wy1");
    tb_txn(&t, 1, FL_OP_OK, "rx1ry");
    result_text(&t, &sb);
    ASSERT(strstr(sb.buf, ":observed? false, :basis :initial-state}"));
    ASSERT(strstr(sb.buf, "(inferred: every write follows the initial nil"));
    fl_hist_release(&t.h);
    fl_strbuf_release(&sb);
}

static void
test_elle_realtime(void)
{
    /* T2 starts after T1 committed yet misses its append: fine for
     * serializable, a G-single-item-realtime for strict-serializable. */
    struct tb t;
    tb_init(&t, false);
    tb_txn(&t, 0, FL_OP_OK, "ax1");
    tb_txn(&t, 1, FL_OP_OK, "rx");
    tb_txn(&t, 2, FL_OP_OK, "rx1");
    EXPECT(&t, "serializable", NULL, "true  ");
    EXPECT(&t, "strict-serializable", NULL,
           "false G-single-item-realtime strong-snapshot-isolation");
    fl_hist_release(&t.h);
}

/* Summary and result of t checked for strict-serializable with a cycle
 * search budget of one nanosecond: only the cycle-exists pass can work. */
static void
run_no_budget(struct tb *t, struct fl_arena *a, struct fl_strbuf *sb,
              fl_val *res)
{
    struct fl_elle_opts o;
    memset(&o, 0, sizeof(o));
    o.workload = t->reg ? FL_ELLE_RW_REGISTER : FL_ELLE_LIST_APPEND;
    o.cycle_search_timeout_ns = 1;
    struct fl_chk_result r;
    ASSERT_OK(fl_elle_check(&t->h, &o, a, &r, NULL));
    fl_strbuf_reset(sb);
    summary(&r.map, sb);
    *res = r.map;
}

static void
test_elle_short_cycle_exists(void)
{
    /* A real-time cycle of two txns is printed even when the searches
     * have no time: not only strong-snapshot-isolation-cycle-exists. */
    struct tb t;
    struct fl_arena a;
    struct fl_strbuf sb = FL_STRBUF_INIT, ex = FL_STRBUF_INIT;
    fl_val res;
    fl_arena_init(&a, 1 << 16);
    tb_init(&t, false);
    tb_txn(&t, 0, FL_OP_OK, "ax1");
    tb_txn(&t, 1, FL_OP_OK, "rx");
    tb_txn(&t, 2, FL_OP_OK, "rx1");
    run_no_budget(&t, &a, &sb, &res);
    ASSERT_STR_EQ(sb.buf, "false G-single-item-realtime,cycle-search-timeout "
                          "strong-snapshot-isolation");
    fl_val_print_edn(&ex, &res);
    ASSERT(strstr(ex.buf, "T2 < T1, because T2 completed (index 1) before T1 "
                          "was invoked (index 2) (inferred from real-time "
                          "order, not from a read)") != NULL);
    ASSERT(strstr(ex.buf, ":type :realtime") != NULL);
    ASSERT(strstr(ex.buf, "which did not include T2's append of 1 (observed: "
                          "a longer read of that key shows 1 next)") != NULL);
    fl_hist_release(&t.h);
    /* Three txns and no shorter cycle: T1 -rw-> T2 -wr-> T3 -rt-> T1. */
    tb_init(&t, false);
    tb_invoke(&t, 1, "ax1ay1");
    tb_invoke(&t, 2, "ry1");
    tb_complete(&t, 2, FL_OP_OK);
    tb_invoke(&t, 0, "rx");
    tb_complete(&t, 0, FL_OP_OK);
    tb_complete(&t, 1, FL_OP_OK);
    run_no_budget(&t, &a, &sb, &res);
    ASSERT_STR_EQ(sb.buf, "false G-single-item-realtime,cycle-search-timeout "
                          "strong-snapshot-isolation");
    fl_strbuf_reset(&ex);
    fl_val_print_edn(&ex, &res);
    ASSERT(strstr(ex.buf, "T3 < T1") != NULL);
    fl_hist_release(&t.h);
    /* Four txns in a ww cycle (a -> b -> c -> d -> a) and no shorter
     * one: the cycle-exists pass alone proves it. */
    tb_init(&t, false);
    tb_txn(&t, 0, FL_OP_OK, "aa1ad2");
    tb_txn(&t, 1, FL_OP_OK, "aa2ab1");
    tb_txn(&t, 2, FL_OP_OK, "ab2ac1");
    tb_txn(&t, 3, FL_OP_OK, "ac2ad1");
    tb_invoke(&t, 4, "ra12rb12rc12rd12");
    tb_complete(&t, 4, FL_OP_OK);
    run_no_budget(&t, &a, &sb, &res);
    ASSERT_STR_EQ(sb.buf, "false PL-1-cycle-exists,cycle-search-timeout "
                          "read-uncommitted");
    fl_hist_release(&t.h);
    fl_strbuf_release(&sb);
    fl_strbuf_release(&ex);
    fl_arena_release(&a);
}

static void
test_elle_process(void)
{
    /* The same process fails to read its own earlier append. */
    struct tb t;
    tb_init(&t, false);
    tb_txn(&t, 0, FL_OP_OK, "ax1");
    tb_txn(&t, 0, FL_OP_OK, "rx");
    tb_txn(&t, 1, FL_OP_OK, "rx1");
    EXPECT(&t, "strong-session-serializable", NULL,
           "false G-single-item-process strong-session-snapshot-isolation");
    fl_hist_release(&t.h);
}

static void
test_elle_register(void)
{
    struct tb t;
    tb_init(&t, true);
    tb_txn(&t, 0, FL_OP_OK, "wx1");
    tb_txn(&t, 1, FL_OP_OK, "rx1wx2");
    tb_txn(&t, 2, FL_OP_OK, "rx2");
    EXPECT(&t, "serializable", NULL, "true  ");
    fl_hist_release(&t.h);
    /* write skew: both read nil, each writes the other key */
    tb_init(&t, true);
    tb_txn(&t, 0, FL_OP_OK, "rxwy1");
    tb_txn(&t, 1, FL_OP_OK, "rywx1");
    EXPECT(&t, "serializable", NULL, "false G2-item repeatable-read");
    fl_hist_release(&t.h);
    /* aborted read, intermediate read, internal, garbage */
    tb_init(&t, true);
    tb_txn(&t, 0, FL_OP_FAIL, "wx1");
    tb_txn(&t, 1, FL_OP_OK, "rx1");
    tb_txn(&t, 2, FL_OP_OK, "wy1wy2");
    tb_txn(&t, 3, FL_OP_OK, "ry1");
    tb_txn(&t, 4, FL_OP_OK, "wz3rz4");
    tb_txn(&t, 5, FL_OP_OK, "rt7");
    struct fl_arena a;
    struct fl_strbuf sb = FL_STRBUF_INIT;
    fl_arena_init(&a, 1 << 16);
    run(&t, "serializable", NULL, &a, &sb, NULL);
    ASSERT(strstr(sb.buf, "G1a") && strstr(sb.buf, "G1b") &&
           strstr(sb.buf, "internal") && strstr(sb.buf, "garbage-read"));
    fl_strbuf_release(&sb);
    fl_arena_release(&a);
    fl_hist_release(&t.h);
}

static void
test_elle_register_wfr(void)
{
    /* T3 read x = 1, which T1 overwrote with 2 (known only from T1's own
     * read of 1: writes follow reads), yet T3 saw T1's z: G-single. */
    struct tb t;
    tb_init(&t, true);
    tb_txn(&t, 0, FL_OP_OK, "wx1");
    tb_invoke(&t, 1, "rx1wx2wz1");
    tb_invoke(&t, 2, "rx1rz1");
    tb_complete(&t, 1, FL_OP_OK);
    tb_complete(&t, 2, FL_OP_OK);
    EXPECT(&t, "serializable", NULL, "true  ");
    struct fl_elle_opts o;
    memset(&o, 0, sizeof(o));
    o.workload = FL_ELLE_RW_REGISTER;
    o.wfr_keys = true;
    struct fl_arena a;
    fl_arena_init(&a, 1 << 16);
    struct fl_chk_result r;
    ASSERT_OK(fl_elle_check(&t.h, &o, &a, &r, NULL));
    struct fl_strbuf sb = FL_STRBUF_INIT;
    summary(&r.map, &sb);
    ASSERT_STR_EQ(sb.buf,
                  "false G-single-item consistent-view,repeatable-read");
    fl_strbuf_release(&sb);
    fl_arena_release(&a);
    fl_hist_release(&t.h);
}

static void
test_elle_register_lost_update(void)
{
    struct tb t;
    tb_init(&t, true);
    tb_txn(&t, 0, FL_OP_OK, "wx1");
    tb_txn(&t, 1, FL_OP_OK, "rx1wx2");
    tb_txn(&t, 2, FL_OP_OK, "rx1wx3");
    struct fl_arena a;
    struct fl_strbuf sb = FL_STRBUF_INIT;
    fl_arena_init(&a, 1 << 16);
    run(&t, "repeatable-read", NULL, &a, &sb, NULL);
    ASSERT(strstr(sb.buf, "lost-update") != NULL);
    fl_strbuf_release(&sb);
    fl_arena_release(&a);
    fl_hist_release(&t.h);
}

static void
test_elle_cyclic_versions(void)
{
    /* With sequential keys, process 0 sees x go 1 -> 2 and process 1 sees
     * 2 -> 1: the version order is cyclic. */
    struct tb t;
    tb_init(&t, true);
    tb_txn(&t, 2, FL_OP_OK, "wx1");
    tb_txn(&t, 3, FL_OP_OK, "wx2");
    tb_txn(&t, 0, FL_OP_OK, "rx1");
    tb_txn(&t, 0, FL_OP_OK, "rx2");
    tb_txn(&t, 1, FL_OP_OK, "rx2");
    tb_txn(&t, 1, FL_OP_OK, "rx1");
    struct fl_elle_opts o;
    memset(&o, 0, sizeof(o));
    o.workload = FL_ELLE_RW_REGISTER;
    o.sequential_keys = true;
    struct fl_arena a;
    fl_arena_init(&a, 1 << 16);
    struct fl_chk_result r;
    ASSERT_OK(fl_elle_check(&t.h, &o, &a, &r, NULL));
    struct fl_strbuf sb = FL_STRBUF_INIT;
    summary(&r.map, &sb);
    ASSERT(strstr(sb.buf, "cyclic-versions") != NULL);
    ASSERT_EQ(r.valid, FL_VERDICT_FALSE);
    fl_strbuf_release(&sb);
    fl_arena_release(&a);
    fl_hist_release(&t.h);
}

static void
test_elle_bad_input(void)
{
    struct tb t;
    tb_init(&t, false);
    tb_txn(&t, 0, FL_OP_OK, "wx1"); /* :w in a list-append history */
    struct fl_elle_opts o;
    memset(&o, 0, sizeof(o));
    struct fl_arena a;
    fl_arena_init(&a, 1 << 16);
    struct fl_chk_result r;
    struct fl_err err = FL_ERR_INIT;
    ASSERT_EQ(fl_elle_check(&t.h, &o, &a, &r, &err), FL_EMODEL);
    ASSERT(strstr(err.msg, ":append and :r") != NULL);
    const char *bad[] = {"serialisable"};
    o.models = bad;
    o.nmodels = 1;
    ASSERT_EQ(fl_elle_check(&t.h, &o, &a, &r, &err), FL_EUSAGE);
    ASSERT(strstr(err.msg, "serialisable") != NULL);
    fl_arena_release(&a);
    fl_hist_release(&t.h);
}

static void
test_elle_explanation_and_out(void)
{
    struct tb t;
    tb_init(&t, false);
    tb_txn(&t, 0, FL_OP_OK, "ax1ry1");
    tb_txn(&t, 1, FL_OP_OK, "ax2ay1");
    tb_txn(&t, 2, FL_OP_OK, "rx12");
    char dir[] = "/tmp/fl-elle-out-XXXXXX";
    ASSERT(mkdtemp(dir) != NULL);
    struct fl_elle_opts o;
    memset(&o, 0, sizeof(o));
    o.out_dir = dir;
    o.no_render = true;
    struct fl_arena a;
    fl_arena_init(&a, 1 << 16);
    struct fl_chk_result r;
    ASSERT_OK(fl_elle_check(&t.h, &o, &a, &r, NULL));
    struct fl_strbuf sb = FL_STRBUF_INIT;
    fl_val_print_edn(&sb, &r.map);
    ASSERT(strstr(sb.buf, "read T1's append of 1 to key :y") ||
           strstr(sb.buf, "read T2's append of 1 to key :y"));
    ASSERT(strstr(sb.buf, "appended 2 after") != NULL);
    char path[256];
    struct stat st;
    snprintf(path, sizeof(path), "%s/G1c.txt", dir);
    ASSERT_OK(stat(path, &st));
    snprintf(path, sizeof(path), "%s/G1c/0.dot", dir);
    ASSERT_OK(stat(path, &st));
    fl_strbuf_reset(&sb);
    ASSERT_OK(fl_strbuf_read_file(&sb, path));
    ASSERT(strstr(sb.buf, "digraph") && strstr(sb.buf, "->"));
    unlink(path);
    snprintf(path, sizeof(path), "%s/G1c", dir);
    rmdir(path);
    snprintf(path, sizeof(path), "%s/G1c.txt", dir);
    unlink(path);
    rmdir(dir);
    fl_strbuf_release(&sb);
    fl_arena_release(&a);
    fl_hist_release(&t.h);
}

static enum fl_verdict
run_type(struct tb *t, const struct fl_checker_type *type, const char *opts,
         struct fl_strbuf *sb)
{
    struct fl_arena a;
    fl_arena_init(&a, 1 << 16);
    fl_val ov;
    struct fl_err err = FL_ERR_INIT;
    ASSERT_OK(fl_edn_parse_value(&a, opts, strlen(opts), "opts", &ov, &err));
    struct fl_chk_opts co;
    memset(&co, 0, sizeof(co));
    co.options = &ov;
    struct fl_checker ch = {type, NULL};
    struct fl_chk_result r;
    ASSERT_OK(type->check(&ch, &t->h, &co, &a, &r, &err));
    fl_strbuf_reset(sb);
    summary(&r.map, sb);
    type->free(&ch);
    fl_arena_release(&a);
    return r.valid;
}

static void
test_elle_checker_type(void)
{
    /* The runner's path: a checker type with Elle's options map. */
    struct tb t;
    struct fl_strbuf sb = FL_STRBUF_INIT;
    tb_init(&t, false);
    tb_txn(&t, 0, FL_OP_OK, "rxay1");
    tb_txn(&t, 1, FL_OP_OK, "ryax1");
    ASSERT_STR_EQ(fl_chk_list_append_type.name, "list-append");
    run_type(&t, &fl_chk_list_append_type,
             "{:consistency-models [:read-committed]}", &sb);
    ASSERT_STR_EQ(sb.buf, "true  ");
    run_type(&t, &fl_chk_list_append_type,
             "{:consistency-models [:repeatable-read] "
             ":cycle-search-timeout 500}",
             &sb);
    ASSERT_STR_EQ(sb.buf, "false G2-item repeatable-read");
    /* nil models: only the named anomalies */
    run_type(&t, &fl_chk_list_append_type,
             "{:consistency-models nil :anomalies [:G1]}", &sb);
    ASSERT_STR_EQ(sb.buf, "true  ");
    /* absent models: strict-serializable */
    ASSERT_EQ(run_type(&t, &fl_chk_list_append_type, "{}", &sb),
              FL_VERDICT_FALSE);
    fl_hist_release(&t.h);
    /* rw-register with writes-follow-reads */
    tb_init(&t, true);
    tb_txn(&t, 0, FL_OP_OK, "wx1");
    tb_txn(&t, 1, FL_OP_OK, "rx1wx2");
    tb_txn(&t, 2, FL_OP_OK, "rx2");
    ASSERT_STR_EQ(fl_chk_rw_register_type.name, "rw-register");
    ASSERT_EQ(run_type(&t, &fl_chk_rw_register_type,
                       "{:wfr-keys? true :sequential-keys? true}", &sb),
              FL_VERDICT_TRUE);
    fl_hist_release(&t.h);
    fl_strbuf_release(&sb);
}

static const struct fl_test_case elle_tests[] = {
    FL_TEST(test_elle_valid_serial),
    FL_TEST(test_elle_g0),
    FL_TEST(test_elle_g1c),
    FL_TEST(test_elle_g_single),
    FL_TEST(test_elle_g2_item),
    FL_TEST(test_elle_g1a),
    FL_TEST(test_elle_g1b),
    FL_TEST(test_elle_lost_update),
    FL_TEST(test_elle_dirty_update),
    FL_TEST(test_elle_duplicate_elements),
    FL_TEST(test_elle_internal),
    FL_TEST(test_elle_incompatible_order),
    FL_TEST(test_elle_g_nonadjacent),
    FL_TEST(test_elle_pg_repeatable_read_models),
    FL_TEST(test_elle_unobserved_write),
    FL_TEST(test_elle_info_proven_committed),
    FL_TEST(test_elle_edge_basis),
    FL_TEST(test_elle_realtime),
    FL_TEST(test_elle_process),
    FL_TEST(test_elle_short_cycle_exists),
    FL_TEST(test_elle_register),
    FL_TEST(test_elle_register_wfr),
    FL_TEST(test_elle_register_lost_update),
    FL_TEST(test_elle_cyclic_versions),
    FL_TEST(test_elle_bad_input),
    FL_TEST(test_elle_explanation_and_out),
    FL_TEST(test_elle_checker_type),
    FL_TEST_END,
};

FL_TEST_SUITE(elle, elle_tests)
