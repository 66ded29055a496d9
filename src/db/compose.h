/* SPDX-License-Identifier: MIT */
/*
 * compose.h: one DB made of several per node (Jepsen's db/compose-ish): a
 * system of more than one daemon on each node, e.g. Redis and its Sentinel,
 * is one daemon DB per program composed. setup runs the parts in order on
 * a node (a later part may need an earlier one up), teardown in reverse;
 * kill, start, pause and resume act on every part that can (the node's
 * whole stack crashes or stops together); primaries come from the first
 * part that knows them; log files are every part's.
 */
#ifndef FL_DB_COMPOSE_H
#define FL_DB_COMPOSE_H

#include <stddef.h>

struct fl_db;

/**
 * A DB named name (copied) of parts[0..n-1] (n >= 1; the parts are handed
 * over and freed with it). Free with fl_db_free().
 */
struct fl_db *fl_db_compose_new(const char *name, struct fl_db *const *parts,
                                size_t n);

#endif
