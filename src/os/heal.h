/* SPDX-License-Identifier: MIT */
/*
 * heal.h: the processes part of preparing a node (Jepsen's OS setup):
 * leftover daemons of a killed run are killed, SIGSTOPped processes
 * resumed. Network, clock and disk leftovers are healed by their nemeses;
 * nemesis/heal.h calls all of them at the start of a run.
 */
#ifndef FL_OS_HEAL_H
#define FL_OS_HEAL_H

struct fl_err;
struct fl_remote;
struct fl_strbuf;

/**
 * SIGKILL every process of r's node (on a local cluster node: of its
 * network namespace) that fl_daemon_start() started for this node name
 * (FL_DAEMON_MARK) and wait (up to 5 s each) until they are gone. Appends
 * "daemon: pid N (command) killed" per process to report. For the start
 * of a run: a killed run leaves its DB and helpers running.
 */
int fl_os_heal_daemons(struct fl_remote *r, struct fl_strbuf *report,
                       struct fl_err *err);

/**
 * SIGCONT every stopped process of r's node (network namespace, as above)
 * that has no controlling terminal (so a job suspended in a shell is left
 * alone), appending "pause: stopped process pid N (command) resumed" per
 * process to report. For the start of a run after a killed one.
 */
int fl_os_heal_stopped(struct fl_remote *r, struct fl_strbuf *report,
                       struct fl_err *err);

#endif
