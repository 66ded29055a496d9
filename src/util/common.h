/* SPDX-License-Identifier: MIT */
/*
 * common.h: included first by every .c file of faultline. It sets the feature
 * macros, pulls in the C library headers every module uses, and defines the
 * few macros (ARRAY_SIZE, UNUSED, BUG) that have no better home. Like git's
 * git-compat-util.h it is the only place that knows about the platform.
 */
#ifndef FL_COMMON_H
#define FL_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FL_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define FL_UNUSED(x)     ((void)(x))
#define FL_MIN(a, b)     ((a) < (b) ? (a) : (b))
#define FL_MAX(a, b)     ((a) > (b) ? (a) : (b))

#if defined(__GNUC__)
#define FL_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define FL_NORETURN     __attribute__((noreturn))
#define FL_LIKELY(x)    __builtin_expect(!!(x), 1)
#define FL_UNLIKELY(x)  __builtin_expect(!!(x), 0)
#else
#define FL_PRINTF(f, a)
#define FL_NORETURN
#define FL_LIKELY(x)   (x)
#define FL_UNLIKELY(x) (x)
#endif

/** Report a broken invariant and abort. Never for bad input. */
FL_NORETURN FL_PRINTF(3, 4) void fl_bug(const char *file, int line,
                                        const char *fmt, ...);
#define FL_BUG(...) fl_bug(__FILE__, __LINE__, __VA_ARGS__)

/* Faultline's own code only (the Makefile defines FL_INTERNAL): a user's
 * program that includes the installed headers keeps its C library. */
#ifdef FL_INTERNAL
#include "util/banned.h"
#endif
#include "util/xalloc.h"

#endif
