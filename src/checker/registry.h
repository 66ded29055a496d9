/* SPDX-License-Identifier: MIT */
/*
 * registry.h: every checker by name, built from an EDN options map, so
 * the CLI (`faultline check NAME`), `faultline analyze` and a run's
 * test.edn (:checker {name options ...}) all build checkers the same way.
 * Option keys are keywords; strings and keywords are accepted alike for
 * names (:model :cas-register or "cas-register"). docs/checkers.md lists
 * each checker's options.
 */
#ifndef FL_CHK_REGISTRY_H
#define FL_CHK_REGISTRY_H

#include "checker/checker.h"

struct fl_err;

struct fl_chk_kind {
    const char *name;    /* "set", "total-queue", ... */
    const char *summary; /* one line for `faultline check --help` */
    /**
     * Build the checker from opts (an EDN map or NULL; borrowed, copied as
     * needed). Returns NULL with err set (FL_EUSAGE, naming the option).
     */
    struct fl_checker *(*build)(const fl_val *opts, struct fl_err *err);
};

/** Every checker kind, ending with a NULL name. */
extern const struct fl_chk_kind fl_chk_kinds[];
/** The kind called name, or NULL. */
const struct fl_chk_kind *fl_chk_kind_find(const char *name);

/**
 * The kind a spec's entry names: a kind's own name, or "linear", which
 * older test.edn files of the memkv and external suites used for
 * "linearizable" (specs name kinds by their fl_chk_kinds name). NULL if
 * none.
 */
const struct fl_chk_kind *fl_chk_spec_kind(const char *name);

/**
 * The options a spec {name options ...} (test.edn's :checker) gives for
 * kind, under its own name or an older one (fl_chk_spec_kind()), or NULL
 * when it names no such checker. Borrowed from spec.
 */
const fl_val *fl_chk_spec_options(const fl_val *spec, const char *kind);

/**
 * Build the checker a spec describes: a map {name options ...} (as written
 * to test.edn's :checker) becomes a compose of each (results.edn keyed by
 * the names), a single entry the checker itself. Names are those of
 * fl_chk_spec_kind(). Returns NULL with err set on an unknown name or
 * option.
 */
struct fl_checker *fl_chk_from_spec(const fl_val *spec, struct fl_err *err);

/** options[:key] of an EDN map, or NULL (m may be NULL). */
const fl_val *fl_chk_opt(const fl_val *m, const char *key);
/** The name a string or keyword option holds, or dflt. */
const char *fl_chk_opt_name(const fl_val *m, const char *key, const char *dflt);

#endif
