/* SPDX-License-Identifier: MIT */
/*
 * elle.h: the transactional checker, a C port of Elle's analysis
 * (Kingsbury & Alvaro, "Elle: Inferring Isolation Anomalies from
 * Experimental Observations", VLDB 2020). It reads a list-append or
 * rw-register history, infers version orders from what reads saw, builds
 * the ww/wr/rw dependency graph plus process and real-time order, and
 * reports anomalies (non-cycle ones and cycles of each Adya shape) and the
 * weakest consistency models they rule out, with Elle's names throughout.
 * docs/elle.md describes the result map.
 */
#ifndef FL_ELLE_H
#define FL_ELLE_H

#include "checker/checker.h"

#include <stdbool.h>
#include <stdint.h>

struct fl_err;
struct fl_arena;

enum fl_elle_workload {
    FL_ELLE_LIST_APPEND, /* micro-ops [:append k v] [:r k [v ...]] */
    FL_ELLE_RW_REGISTER, /* micro-ops [:w k v] [:r k v] */
};

struct fl_elle_opts {
    enum fl_elle_workload workload;
    const char *const *models;       /* models; NULL: strict-serializable */
    size_t nmodels;                  /* entries in models */
    const char *const *anomalies;    /* extra anomaly names to prohibit */
    size_t nanomalies;               /* entries in anomalies */
    int64_t cycle_search_timeout_ns; /* per SCC and anomaly; 0: 1 s */
    const char *out_dir;             /* artifact directory, or NULL */
    bool wfr_keys;                   /* rw-register: writes follow reads */
    bool sequential_keys;            /* rw-register: per-key process order */
    bool linearizable_keys;          /* rw-register: per-key real-time order */
    bool no_render;                  /* do not run dot(1) on .dot files */
};

/**
 * Check h (paired or not) with Elle's analysis. The result map (Elle's
 * shape: :valid? true|false|:unknown, and when something was found
 * :anomaly-types, :anomalies, :not, :also-not) is built in a. Returns 0
 * whatever the verdict; a negative code with err filled when an option is
 * unknown (FL_EUSAGE), an op does not fit the workload (FL_EMODEL, naming
 * the op's source line), or an artifact cannot be written.
 */
int fl_elle_check(const struct fl_hist *h, const struct fl_elle_opts *o,
                  struct fl_arena *a, struct fl_chk_result *out,
                  struct fl_err *err);

/**
 * Fill o from an EDN options map as Elle takes it: :consistency-models,
 * :anomalies, :cycle-search-timeout (ms), :wfr-keys?, :sequential-keys?,
 * :linearizable-keys?. The name arrays point into names, which the caller
 * releases with free() after the check (it may be NULL on return when
 * there are none). Returns 0 or FL_EUSAGE.
 */
int fl_elle_opts_from_val(struct fl_elle_opts *o, const fl_val *options,
                          char ***names, struct fl_err *err);

/** True if name is a consistency model Elle knows (friendly or Adya). */
bool fl_elle_model_known(const char *name);
/** True if name is an anomaly type Elle knows. */
bool fl_elle_anomaly_known(const char *name);

/* Checker types for the runner; opts->options as fl_elle_opts_from_val. */
extern const struct fl_checker_type fl_chk_list_append_type;
extern const struct fl_checker_type fl_chk_rw_register_type;

#endif
