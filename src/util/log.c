/* SPDX-License-Identifier: MIT */
/*
 * log.c: leveled logging; see log.h.
 */
#include "util/common.h"

#include "util/clock.h"
#include "util/log.h"
#include "util/strbuf.h"

#include <pthread.h>

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static enum fl_log_level log_level = FL_LOG_WARN;
static FILE *log_file;
static int log_json;

static const char *const level_names[] = {"DEBUG", "INFO", "WARN", "ERROR"};

void
fl_log_set_level(enum fl_log_level level)
{
    log_level = level;
}

enum fl_log_level
fl_log_get_level(void)
{
    return log_level;
}

/* The file gets INFO and up, and DEBUG too when stderr does. */
static enum fl_log_level
file_level(void)
{
    return log_level < FL_LOG_INFO ? log_level : FL_LOG_INFO;
}

bool
fl_log_enabled(enum fl_log_level level)
{
    if (level >= FL_LOG_OFF)
        return false;
    return level >= log_level || (log_file && level >= file_level());
}

void
fl_log_set_file(FILE *f)
{
    pthread_mutex_lock(&log_mu);
    log_file = f;
    pthread_mutex_unlock(&log_mu);
}

void
fl_log_set_json(int on)
{
    log_json = on;
}

static void
add_json_string(struct fl_strbuf *sb, const char *s)
{
    fl_strbuf_addch(sb, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fl_strbuf_addf(sb, "\\%c", c);
        else if (c < 0x20)
            fl_strbuf_addf(sb, "\\u%04x", c);
        else
            fl_strbuf_addch(sb, c);
    }
    fl_strbuf_addch(sb, '"');
}

void
fl_vlog(enum fl_log_level level, const char *fmt, va_list ap)
{
    struct fl_strbuf msg = FL_STRBUF_INIT, line = FL_STRBUF_INIT;
    char ts[32];

    if (!fl_log_enabled(level))
        return;
    fl_strbuf_vaddf(&msg, fmt, ap);
    fl_clock_format_store(fl_clock_wall_ns(), ts, sizeof(ts));
    if (log_json) {
        fl_strbuf_addf(&line, "{\"time\":\"%s\",\"level\":\"%s\",\"msg\":", ts,
                       level_names[level]);
        add_json_string(&line, msg.buf);
        fl_strbuf_addstr(&line, "}\n");
    } else {
        fl_strbuf_addf(&line, "%s %-5s %s\n", ts, level_names[level], msg.buf);
    }
    pthread_mutex_lock(&log_mu);
    if (level >= log_level)
        fputs(line.buf, stderr);
    if (log_file && level >= file_level()) {
        fputs(line.buf, log_file);
        fflush(log_file);
    }
    pthread_mutex_unlock(&log_mu);
    fl_strbuf_release(&msg);
    fl_strbuf_release(&line);
}

void
fl_log(enum fl_log_level level, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fl_vlog(level, fmt, ap);
    va_end(ap);
}
