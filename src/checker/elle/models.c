/* SPDX-License-Identifier: MIT */
/*
 * models.c: Elle's anomaly implication graph and consistency-model lattice
 * (elle.consistency-model), as static tables. Given the models a user asks
 * for, it computes every anomaly they prohibit (directly proscribed ones,
 * closed over "a implies b" backwards); given the anomalies found, it
 * computes the impossible models and splits them into the weakest ones
 * (:not) and the rest (:also-not). Model names are canonicalised to Adya's
 * (PL-2, PL-SI...) inside and printed with the friendly names.
 */
#include "util/common.h"

#include "checker/elle/elle_int.h"

static const char *const anom_names[ELLE_NANOM] = {
#define ELLE_ANOM_STR_(id, str) str,
    ELLE_ANOM_LIST(ELLE_ANOM_STR_)
#undef ELLE_ANOM_STR_
};

/* a implies each b: {a, b1, b2, ..., -1}. */
static const int implied[][5] = {
    {ELLE_A_G0, ELLE_A_G1C, ELLE_A_G0_P, -1},
    {ELLE_A_G0_P, ELLE_A_G1C_P, ELLE_A_G0_R, -1},
    {ELLE_A_G0_R, ELLE_A_G1C_R, -1},
    {ELLE_A_G1A, ELLE_A_G1, -1},
    {ELLE_A_G1B, ELLE_A_G1, -1},
    {ELLE_A_G1C, ELLE_A_G1, ELLE_A_G1C_P, -1},
    {ELLE_A_G1C_P, ELLE_A_G1C_R, ELLE_A_G1_P, -1},
    {ELLE_A_G1C_R, ELLE_A_G1_R, -1},
    {ELLE_A_G1, ELLE_A_G1_P, -1},
    {ELLE_A_G1_P, ELLE_A_G1_R, -1},
    {ELLE_A_GSI_ITEM, ELLE_A_GSINGLE, ELLE_A_GSI_ITEM_P, ELLE_A_GNA_ITEM, -1},
    {ELLE_A_GSI_ITEM_P, ELLE_A_GSINGLE_P, ELLE_A_GSI_ITEM_R, ELLE_A_GNA_ITEM_P,
     -1},
    {ELLE_A_GSI_ITEM_R, ELLE_A_GSINGLE_R, ELLE_A_GNA_ITEM_R, -1},
    {ELLE_A_GSINGLE, ELLE_A_GNA, ELLE_A_GSIB, ELLE_A_GSINGLE_P, -1},
    {ELLE_A_GSINGLE_P, ELLE_A_GNA_P, ELLE_A_GSINGLE_R, -1},
    {ELLE_A_GSINGLE_R, ELLE_A_GNA_R, -1},
    {ELLE_A_GNA_ITEM, ELLE_A_GNA, ELLE_A_G2_ITEM, ELLE_A_GNA_ITEM_P, -1},
    {ELLE_A_GNA_ITEM_P, ELLE_A_GNA_P, ELLE_A_G2_ITEM_P, ELLE_A_GNA_ITEM_R, -1},
    {ELLE_A_GNA_ITEM_R, ELLE_A_G2_ITEM_R, ELLE_A_GNA_R, -1},
    {ELLE_A_GNA, ELLE_A_G2, ELLE_A_GNA_P, -1},
    {ELLE_A_GNA_P, ELLE_A_G2_P, ELLE_A_GNA_R, -1},
    {ELLE_A_GNA_R, ELLE_A_G2_R, -1},
    {ELLE_A_G2, ELLE_A_G2_P, -1},
    {ELLE_A_G2_ITEM, ELLE_A_G2, ELLE_A_G2_ITEM_P, -1},
    {ELLE_A_G2_ITEM_P, ELLE_A_G2_P, ELLE_A_G2_ITEM_R, -1},
    {ELLE_A_G2_ITEM_R, ELLE_A_G2_R, -1},
    {ELLE_A_G2_P, ELLE_A_G2_R, -1},
    {ELLE_A_GSIA, ELLE_A_GSI, -1},
    {ELLE_A_GSIB, ELLE_A_GSI, -1},
    {ELLE_A_INCOMPAT, ELLE_A_G1A, -1},
    {ELLE_A_FUTURE, ELLE_A_G1C, -1},
    {ELLE_A_DIRTY, ELLE_A_G1A, -1},
    {ELLE_A_LOST, ELLE_A_WSKEW, ELLE_A_G2_ITEM, -1},
    {ELLE_A_WSKEW, ELLE_A_G2, -1},
    /* faultline: reading a value nobody wrote is at least a dirty read. */
    {ELLE_A_GARBAGE, ELLE_A_G1A, -1},
};

/* Canonical models. */
#define MODEL_LIST(X)                                                          \
    X(PL_1, "PL-1", "read-uncommitted")                                        \
    X(PL_2, "PL-2", "read-committed")                                          \
    X(PL_CS, "PL-CS", "cursor-stability")                                      \
    X(PL_2P, "PL-2+", "consistent-view")                                       \
    X(PL_2L, "PL-2L", "monotonic-view")                                        \
    X(PL_MSR, "PL-MSR", "monotonic-snapshot-read")                             \
    X(PL_FCV, "PL-FCV", "forward-consistent-view")                             \
    X(PL_299, "PL-2.99", "repeatable-read")                                    \
    X(PL_3, "PL-3", "serializable")                                            \
    X(PL_3U, "PL-3U", "update-serializable")                                   \
    X(PL_SI, "PL-SI", "snapshot-isolation")                                    \
    X(PL_SS, "PL-SS", "strict-serializable")                                   \
    X(VIEW_SER, "view-serializable", NULL)                                     \
    X(MAV, "monotonic-atomic-view", NULL)                                      \
    X(READ_ATOMIC, "read-atomic", NULL)                                        \
    X(CAUSAL_CERONE, "causal-cerone", NULL)                                    \
    X(PSI, "parallel-snapshot-isolation", NULL)                                \
    X(PREFIX, "prefix", NULL)                                                  \
    X(ROLA, "ROLA", NULL)                                                      \
    X(UPDATE_ATOMIC, "update-atomic", NULL)                                    \
    X(SESSION_SER, "session-serializable", NULL)                               \
    X(ONE_SR, "1SR", NULL)                                                     \
    X(SS_PL1, "strong-session-PL-1", "strong-session-read-uncommitted")        \
    X(SS_PL2, "strong-session-PL-2", "strong-session-read-committed")          \
    X(S_PL1, "strong-PL-1", "strong-read-uncommitted")                         \
    X(S_PL2, "strong-PL-2", "strong-read-committed")                           \
    X(SS_SER, "strong-session-serializable", NULL)                             \
    X(SS_SI, "strong-session-snapshot-isolation", NULL)                        \
    X(S_SI, "strong-snapshot-isolation", NULL)                                 \
    X(LINEARIZABLE, "linearizable", NULL)                                      \
    X(SEQUENTIAL, "sequential", NULL)                                          \
    X(CAUSAL, "causal", NULL)                                                  \
    X(WFR, "writes-follow-reads", NULL)                                        \
    X(PRAM, "PRAM", NULL)                                                      \
    X(MR, "monotonic-reads", NULL)                                             \
    X(MW, "monotonic-writes", NULL)                                            \
    X(RYW, "read-your-writes", NULL)

enum model {
#define MODEL_ENUM_(id, canon, friendly) M_##id,
    MODEL_LIST(MODEL_ENUM_)
#undef MODEL_ENUM_
        NMODEL
};

static const char *const model_canon[NMODEL] = {
#define MODEL_CANON_(id, canon, friendly) canon,
    MODEL_LIST(MODEL_CANON_)
#undef MODEL_CANON_
};

static const char *const model_friendly[NMODEL] = {
#define MODEL_FRIENDLY_(id, canon, friendly) friendly,
    MODEL_LIST(MODEL_FRIENDLY_)
#undef MODEL_FRIENDLY_
};

/* Friendly names that are not the printed one. */
static const struct {
    const char *name;
    int model;
} model_aliases[] = {
    {"conflict-serializable", M_PL_3},
    {"strong-serializable", M_PL_SS},
};

/* a implies (is stronger than) each b. */
static const int model_edges[][7] = {
    {M_CAUSAL_CERONE, M_READ_ATOMIC, -1},
    {M_PL_2P, M_PL_CS, M_PL_2L, -1},
    {M_PL_CS, M_PL_2, -1},
    {M_PL_FCV, M_PL_2P, -1},
    {M_PL_2, M_PL_1, -1},
    {M_PL_3, M_PL_299, M_PL_3U, M_PL_SI, M_VIEW_SER, -1},
    {M_PL_3U, M_PL_FCV, -1},
    {M_MAV, M_PL_2, -1},
    {M_PL_2L, M_PL_2, -1},
    {M_PL_MSR, M_PL_2, -1},
    {M_PSI, M_CAUSAL_CERONE, M_ROLA, -1},
    {M_PREFIX, M_CAUSAL_CERONE, -1},
    {M_READ_ATOMIC, M_MAV, -1},
    {M_PL_299, M_PL_CS, M_MAV, -1},
    {M_ROLA, M_READ_ATOMIC, M_UPDATE_ATOMIC, -1},
    {M_SESSION_SER, M_ONE_SR, -1},
    {M_PL_SI, M_PL_FCV, M_MAV, M_PL_MSR, M_PSI, M_PREFIX, -1},
    {M_PL_SS, M_PL_3, M_LINEARIZABLE, M_PL_SI, M_S_SI, M_SS_SER, M_SESSION_SER},
    {M_SS_PL1, M_PL_1, -1},
    {M_SS_PL2, M_PL_2, M_SS_PL1, -1},
    {M_S_PL1, M_SS_PL1, -1},
    {M_S_PL2, M_SS_PL2, M_S_PL1, -1},
    {M_SS_SER, M_PL_3, M_SS_SI, -1},
    {M_SS_SI, M_PL_SI, M_SS_PL2, -1},
    {M_S_SI, M_SS_SI, M_S_PL2, -1},
    {M_LINEARIZABLE, M_SEQUENTIAL, -1},
    {M_SEQUENTIAL, M_CAUSAL, -1},
    {M_CAUSAL, M_WFR, M_PRAM, -1},
    {M_PRAM, M_MR, M_MW, M_RYW, -1},
};

/* Anomalies each model directly proscribes: {model, a1, ..., -1}. */
static const int proscribed[][6] = {
    {M_CAUSAL_CERONE, ELLE_A_INTERNAL, ELLE_A_G1A, -1},
    {M_PL_CS, ELLE_A_G1, ELLE_A_G_CURSOR, ELLE_A_LOST, -1},
    {M_PL_2L, ELLE_A_G1, ELLE_A_G_MONOTONIC, -1},
    {M_PL_MSR, ELLE_A_G1, ELLE_A_G_MSR, -1},
    {M_PL_2P, ELLE_A_G1, ELLE_A_GSINGLE, -1},
    {M_PL_FCV, ELLE_A_G1, ELLE_A_G_SIB, -1},
    {M_PSI, ELLE_A_INTERNAL, ELLE_A_G1A, -1},
    {M_PL_3, ELLE_A_G1, ELLE_A_G2, ELLE_A_PRED_MISS, ELLE_A_CE_PL3,
     ELLE_A_INTERNAL},
    {M_PL_2, ELLE_A_G1, ELLE_A_CE_PL2, -1},
    {M_PL_1, ELLE_A_G0, ELLE_A_DUPEL, ELLE_A_CYCVER, ELLE_A_CE_PL1, -1},
    {M_PREFIX, ELLE_A_INTERNAL, ELLE_A_G1A, -1},
    {M_PL_SI, ELLE_A_INTERNAL, ELLE_A_G1, ELLE_A_G_SI, ELLE_A_GNA,
     ELLE_A_CE_PLSI},
    {M_READ_ATOMIC, ELLE_A_INTERNAL, ELLE_A_G1A, ELLE_A_FUTURE, -1},
    {M_PL_299, ELLE_A_G1, ELLE_A_G2_ITEM, ELLE_A_CE_PL299, ELLE_A_LOST, -1},
    {M_UPDATE_ATOMIC, ELLE_A_LOST, -1},
    {M_PL_SS, ELLE_A_G1, ELLE_A_G1C_R, ELLE_A_G2_R, ELLE_A_CE_PLSS, -1},
    {M_SS_PL1, ELLE_A_CE_SS_PL1, ELLE_A_G0_P, -1},
    {M_SS_PL2, ELLE_A_CE_SS_PL2, ELLE_A_G1C_P, -1},
    {M_S_PL1, ELLE_A_CE_S_PL1, ELLE_A_G0_R, -1},
    {M_S_PL2, ELLE_A_CE_S_PL2, ELLE_A_G1C_R, -1},
    {M_SS_SI, ELLE_A_INTERNAL, ELLE_A_G1_P, ELLE_A_GNA_P, ELLE_A_CE_SSSI, -1},
    {M_S_SI, ELLE_A_INTERNAL, ELLE_A_G1_R, ELLE_A_GNA_R, ELLE_A_CE_SSI, -1},
    {M_SS_SER, ELLE_A_G1_P, ELLE_A_G2_P, ELLE_A_CE_SSSER, -1},
    {M_PL_3U, ELLE_A_G1, ELLE_A_G_UPDATE, -1},
};

static bool imp_ready;
static bool imp[ELLE_NANOM][ELLE_NANOM]; /* a implies b, closed */
static bool mimp[NMODEL][NMODEL];        /* a implies b, closed */
static bool forbids[NMODEL][ELLE_NANOM]; /* model forbids anomaly, closed */

static void
closure(bool *m, size_t n)
{
    /* Floyd-Warshall on a small boolean matrix m[n][n]. */
    for (size_t k = 0; k < n; k++)
        for (size_t i = 0; i < n; i++)
            if (m[i * n + k])
                for (size_t j = 0; j < n; j++)
                    if (m[k * n + j])
                        m[i * n + j] = true;
}

static void
tables_init(void)
{
    if (imp_ready)
        return;
    for (int i = 0; i < ELLE_NANOM; i++)
        imp[i][i] = true;
    for (size_t i = 0; i < FL_ARRAY_SIZE(implied); i++)
        for (int j = 1; j < 5 && implied[i][j] >= 0; j++)
            imp[implied[i][0]][implied[i][j]] = true;
    closure(&imp[0][0], ELLE_NANOM);
    for (int i = 0; i < NMODEL; i++)
        mimp[i][i] = true;
    for (size_t i = 0; i < FL_ARRAY_SIZE(model_edges); i++)
        for (int j = 1; j < 7 && model_edges[i][j] >= 0; j++)
            mimp[model_edges[i][0]][model_edges[i][j]] = true;
    closure(&mimp[0][0], NMODEL);
    /* Direct lists, then everything weaker models forbid, then anomalies
     * implying a forbidden one. */
    bool direct[NMODEL][ELLE_NANOM];
    memset(direct, 0, sizeof(direct));
    for (size_t i = 0; i < FL_ARRAY_SIZE(proscribed); i++)
        for (int j = 1; j < 6 && proscribed[i][j] >= 0; j++)
            direct[proscribed[i][0]][proscribed[i][j]] = true;
    for (int m = 0; m < NMODEL; m++)
        for (int w = 0; w < NMODEL; w++)
            if (mimp[m][w])
                for (int x = 0; x < ELLE_NANOM; x++)
                    if (direct[w][x])
                        for (int y = 0; y < ELLE_NANOM; y++)
                            if (imp[y][x])
                                forbids[m][y] = true;
    imp_ready = true;
}

int
elle__anom_by_name(const char *name)
{
    if (name[0] == ':')
        name++;
    for (int i = 0; i < ELLE_NANOM; i++)
        if (strcmp(anom_names[i], name) == 0)
            return i;
    return -1;
}

const char *
elle__anom_name(int id)
{
    return anom_names[id];
}

static int
model_by_name(const char *name)
{
    if (name[0] == ':')
        name++;
    for (int i = 0; i < NMODEL; i++)
        if (strcmp(model_canon[i], name) == 0 ||
            (model_friendly[i] && strcmp(model_friendly[i], name) == 0))
            return i;
    for (size_t i = 0; i < FL_ARRAY_SIZE(model_aliases); i++)
        if (strcmp(model_aliases[i].name, name) == 0)
            return model_aliases[i].model;
    return -1;
}

bool
fl_elle_model_known(const char *name)
{
    return model_by_name(name) >= 0;
}

bool
fl_elle_anomaly_known(const char *name)
{
    /* G1 and friends are names users give in :anomalies too. */
    return elle__anom_by_name(name) >= 0;
}

bool
elle__implies(int x, int y)
{
    tables_init();
    return imp[x][y];
}

int
elle__prohibited(const struct fl_elle_opts *o, bool *prohibited,
                 struct fl_err *err)
{
    tables_init();
    memset(prohibited, 0, ELLE_NANOM * sizeof(bool));
    if (!o->models)
        memcpy(prohibited, forbids[M_PL_SS], ELLE_NANOM * sizeof(bool));
    for (size_t i = 0; i < o->nmodels; i++) {
        int m = model_by_name(o->models[i]);
        if (m < 0)
            return fl_err_set(err, FL_EUSAGE, "unknown consistency model '%s'",
                              o->models[i]);
        for (int x = 0; x < ELLE_NANOM; x++)
            prohibited[x] |= forbids[m][x];
    }
    for (size_t i = 0; i < o->nanomalies; i++) {
        int x = elle__anom_by_name(o->anomalies[i]);
        if (x < 0)
            return fl_err_set(err, FL_EUSAGE, "unknown anomaly type '%s'",
                              o->anomalies[i]);
        for (int y = 0; y < ELLE_NANOM; y++)
            if (imp[y][x])
                prohibited[y] = true;
    }
    return 0;
}

static void
impossible_models(const bool *found, bool *out)
{
    tables_init();
    memset(out, 0, NMODEL * sizeof(bool));
    for (int x = 0; x < ELLE_NANOM; x++)
        if (found[x])
            for (int m = 0; m < NMODEL; m++)
                if (forbids[m][x])
                    out[m] = true;
}

bool
elle__ce_redundant(const bool *found, int ce_anom)
{
    bool imposs[NMODEL];
    impossible_models(found, imposs);
    for (size_t i = 0; i < FL_ARRAY_SIZE(proscribed); i++)
        for (int j = 1; j < 6 && proscribed[i][j] >= 0; j++)
            if (proscribed[i][j] == ce_anom)
                return imposs[proscribed[i][0]];
    return false;
}

static const char *
model_print_name(int m)
{
    return model_friendly[m] ? model_friendly[m] : model_canon[m];
}

static int
cmp_str(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static fl_val
model_set(struct fl_arena *a, const bool *in)
{
    const char *names[NMODEL];
    size_t n = 0;
    for (int m = 0; m < NMODEL; m++)
        if (in[m])
            names[n++] = model_print_name(m);
    if (n)
        qsort(names, n, sizeof(names[0]), cmp_str);
    fl_val items[NMODEL];
    for (size_t i = 0; i < n; i++)
        items[i] = fl_val_kw(fl_kw_intern_cstr(names[i]));
    return fl_val_coll(a, FL_V_SET, items, n);
}

void
elle__boundary(const bool *found, struct fl_arena *a, fl_val *not_set,
               fl_val *also_not)
{
    bool imposs[NMODEL], weakest[NMODEL], rest[NMODEL];
    impossible_models(found, imposs);
    for (int m = 0; m < NMODEL; m++) {
        weakest[m] = imposs[m];
        for (int w = 0; w < NMODEL && weakest[m]; w++)
            if (w != m && imposs[w] && mimp[m][w])
                weakest[m] = false;
        rest[m] = imposs[m] && !weakest[m];
    }
    *not_set = model_set(a, weakest);
    *also_not = model_set(a, rest);
}
