/* SPDX-License-Identifier: MIT */
/*
 * log.h: leveled logging to stderr and optionally a file (the store's
 * faultline.log), as text or as JSON lines (--logging-json). Thread-safe:
 * each line is written whole under one mutex.
 */
#ifndef FL_LOG_H
#define FL_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

enum fl_log_level {
    FL_LOG_DEBUG,
    FL_LOG_INFO,
    FL_LOG_WARN,
    FL_LOG_ERROR,
    FL_LOG_OFF,
};

/**
 * Lines below level are not written to stderr; the file gets INFO and up,
 * and every level down to level when that is below INFO (--log-level
 * debug puts every op into faultline.log).
 */
void fl_log_set_level(enum fl_log_level level);
enum fl_log_level fl_log_get_level(void);
/** Would a line at level be written anywhere? (Skip costly messages.) */
bool fl_log_enabled(enum fl_log_level level);
/** Also write every line to f (borrowed; NULL to stop). */
void fl_log_set_file(FILE *f);
void fl_log_set_json(int on);
void fl_log(enum fl_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void fl_vlog(enum fl_log_level level, const char *fmt, va_list ap);

#define fl_debug(...) fl_log(FL_LOG_DEBUG, __VA_ARGS__)
#define fl_info(...)  fl_log(FL_LOG_INFO, __VA_ARGS__)
#define fl_warn(...)  fl_log(FL_LOG_WARN, __VA_ARGS__)
#define fl_error(...) fl_log(FL_LOG_ERROR, __VA_ARGS__)

#endif
