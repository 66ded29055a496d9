/* SPDX-License-Identifier: MIT */
/*
 * timeshim.h: where the clock of a local cluster node lives. Local nodes
 * share the machine's one CLOCK_REALTIME, so a node's clock is an offset
 * file (<state_dir>/clock/<node>) that the LD_PRELOAD time shim
 * (shim/faultline-time.c, libfaultline-time.so) reads in every program
 * started with it. The clock nemesis writes the file; the daemon DB starts
 * daemons with the shim (db/daemon_db.h, .time_shim).
 */
#ifndef FL_TIMESHIM_H
#define FL_TIMESHIM_H

struct fl_err;

/**
 * Path of the offset file for node (caller frees): <state_dir>/clock/<node>.
 * The file holds "OFFSET_NS [PERIOD_NS END_MONO_NS]" (strobe when a period
 * is given). state_dir NULL = the default cluster state dir.
 */
char *fl_time_shim_clock_file(const char *state_dir, const char *node);

/**
 * Path of the shim shared object (caller frees): $FAULTLINE_TIME_SO, else
 * build/lib/ next to the running program, else PREFIX/lib/faultline/.
 */
char *fl_time_shim_path(void);

/**
 * The directory of the offset files, made reachable for daemons that run
 * as another user (the state dir 0711, the directory 0755); caller frees.
 */
char *fl_time_shim_clock_dir(const char *state_dir);

/**
 * The time shim to preload into a daemon on node that runs as user (NULL:
 * as faultline's own user); caller frees. The loader skips a missing or
 * unreadable preload with only a warning in the daemon's log, so clock
 * faults would silently not reach it: NULL with err naming the shim when
 * it cannot be read. A daemon of another user gets a copy it can read,
 * <state_dir>/clock/<node>-libfaultline-time.so (0644), since the build
 * tree or the prefix may be closed to it (a checkout in /root, or in a
 * mktemp -d directory, is 0700). One copy per node: nodes start in
 * parallel.
 */
char *fl_time_shim_for(const char *state_dir, const char *node,
                       const char *user, struct fl_err *err);

/**
 * Path of the virtual-time shim of maelstrom --deterministic
 * (shim/faultline-vtime.c; caller frees): $FAULTLINE_VTIME_SO, else the
 * same places as fl_time_shim_path().
 */
char *fl_vtime_shim_path(void);

#endif
