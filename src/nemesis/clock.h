/* SPDX-License-Identifier: MIT */
/*
 * clock.h: clock faults (Jepsen's nemesis.time): bump, strobe and reset
 * node clocks, and report every node's offset. The host's real clock is
 * never changed: on local cluster nodes the offset lives in a per-node file
 * read by our LD_PRELOAD time shim (libfaultline-time.so), which offsets
 * CLOCK_REALTIME for the programs started under it; programs that do not go
 * through libc for time (Go binaries such as etcd, static binaries) are not
 * affected, and a warning says so. On SSH nodes the clock is stepped with
 * date(1) like Jepsen's bump-time, and reset to the control's time.
 */
#ifndef FL_NEMESIS_CLOCK_H
#define FL_NEMESIS_CLOCK_H

#include <stddef.h>
#include <stdint.h>

struct fl_err;
struct fl_remote;
struct fl_strbuf;

/** The shim's environment variable naming the offset file. */
#define FL_CLOCK_ENV "FAULTLINE_CLOCK_FILE"

/**
 * Path of the offset file for node (caller frees): <state_dir>/clock/<node>.
 * The file holds "OFFSET_NS [PERIOD_NS END_MONO_NS]" (strobe when a period
 * is given). state_dir NULL = the default cluster state dir.
 */
char *fl_clock_file(const char *state_dir, const char *node);

/** Path of the shim shared object (FAULTLINE_TIME_SO or next to faultline). */
char *fl_clock_shim_path(void);

/**
 * Shift r's node clock by delta_ns (added to any current offset). state_dir
 * non-NULL = a local cluster node (offset file); NULL = SSH node (date -s).
 */
int fl_clock_bump(struct fl_remote *r, const char *state_dir, int64_t delta_ns,
                  struct fl_err *err);

/**
 * Strobe: flip between offset 0 and delta_ns every period_ns for
 * duration_ns (local nodes: done by the shim; SSH nodes: by a loop on the
 * node).
 */
int fl_clock_strobe(struct fl_remote *r, const char *state_dir,
                    int64_t delta_ns, int64_t period_ns, int64_t duration_ns,
                    struct fl_err *err);

/** Reset every node's clock offset to 0 (SSH: to the control's time). */
int fl_clock_reset(struct fl_remote *const *r, size_t n, const char *state_dir,
                   struct fl_err *err);

/**
 * Reset a local cluster node's offset file (state_dir non-NULL) left
 * non-zero by a killed run, appending "clock: offset +5.000 s reset" to
 * report when it was. SSH nodes' real clocks are not judged here.
 */
int fl_clock_heal_leftovers(const char *state_dir, const char *node,
                            struct fl_strbuf *report, struct fl_err *err);

/** Each node's clock offset from the control's clock, in ns. */
int fl_clock_offsets(struct fl_remote *const *r, size_t n,
                     const char *state_dir, int64_t *offsets_ns,
                     struct fl_err *err);

#endif
