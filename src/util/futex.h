/* SPDX-License-Identifier: MIT */
/*
 * futex.h: sleep on a 32-bit word until another thread changes it and
 * wakes the sleepers (Linux futex(2), process-private). Waits may end
 * early (a wake, a signal, a changed value); callers re-check.
 */
#ifndef FL_FUTEX_H
#define FL_FUTEX_H

#include <stdatomic.h>
#include <stdint.h>

/** Sleep while *addr == val, at most timeout_ns (-1: no limit). */
void fl_futex_wait(atomic_uint *addr, unsigned val, int64_t timeout_ns);
/** Wake up to n threads sleeping on addr. */
void fl_futex_wake(atomic_uint *addr, int n);

#endif
