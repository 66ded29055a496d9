/* SPDX-License-Identifier: MIT */
/*
 * heal.h: healing the nodes at the start of a run, as Jepsen's OS setup
 * does: whatever a killed run (or a `faultline fault` by hand) left behind
 * is removed before the DB is set up, so it cannot make the new run fail
 * or lie. Each fault heals its own kind of leftover (the partition, packet,
 * clock and file nemeses, os/heal.c for processes); this is the one
 * entry point the run calls.
 */
#ifndef FL_NEMESIS_HEAL_H
#define FL_NEMESIS_HEAL_H

#include "os/os.h"

struct fl_err;
struct fl_strbuf;

/**
 * On every node of env (in parallel), remove: partition rules (our
 * iptables chain), packet-shaping state (our chain, netem qdisc, shaper
 * daemons), lazy filesystem mounts (on a local cluster: those noted in its
 * state), daemons started by faultline for the node (the DB of a killed
 * run, helpers), SIGSTOPped processes without a terminal (resumed), and a
 * local node's clock offset. Appends one line per thing removed, "NODE:
 * what", to report, nothing when every node was clean. Does nothing without
 * remotes (in-process suites). Returns 0 or the first node's error.
 */
int fl_nem_heal_leftovers(const struct fl_env *env, struct fl_strbuf *report,
                          struct fl_err *err);

#endif
