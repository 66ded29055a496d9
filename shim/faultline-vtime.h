/* SPDX-License-Identifier: MIT */
/*
 * faultline-vtime.h: the page that faultline maelstrom --deterministic
 * shares with each node's libfaultline-vtime.so (shim/faultline-vtime.c):
 * a file named by $FAULTLINE_VTIME_FILE, mapped by both. faultline writes
 * the virtual time; the shim shows it as the node's clocks and records, per
 * thread, the virtual deadline it is sleeping until, so faultline knows
 * when a node's next timer is due and when a woken thread has run.
 */
#ifndef FL_SHIM_VTIME_H
#define FL_SHIM_VTIME_H

#include <stdatomic.h>
#include <stdint.h>

#define FL_VTIME_MAGIC 0x656d697474766c66ULL /* "flvttime" */
#define FL_VTIME_SLOTS 128
/* A node's CLOCK_MONOTONIC (and BOOTTIME) is MONO_BASE + now, its
 * CLOCK_REALTIME (and TAI) REAL_BASE + now: fixed, so runs repeat. */
#define FL_VTIME_MONO_BASE 1000000000000LL       /* 1,000 s of uptime */
#define FL_VTIME_REAL_BASE 1700000000000000000LL /* 2023-11-14 22:13:20Z */

struct fl_vtime_slot {
    _Atomic int32_t tid; /* 0 free, -1 being filled, else the waiter */
    int32_t pad;
    _Atomic int64_t deadline; /* virtual ns it sleeps until */
};

struct fl_vtime_page {
    uint64_t magic;
    _Atomic int64_t now;  /* virtual ns (written by faultline only) */
    _Atomic uint32_t gen; /* futex word: bumped after every change of now */
    uint32_t pad;
    struct fl_vtime_slot slot[FL_VTIME_SLOTS];
};

#endif
