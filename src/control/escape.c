/* SPDX-License-Identifier: MIT */
/*
 * escape.c: shell quoting. Safe words pass through so logged commands stay
 * readable; anything else is single-quoted, the only POSIX quoting in which
 * no character (not $, `, \, ! or newline) keeps a special meaning. A
 * leading '-' or '~' is quoted too: neither is shell syntax, but quoting
 * them costs nothing and keeps '~' from expanding.
 */
#include "util/common.h"

#include "control/escape.h"
#include "util/strbuf.h"

static int
safe_char(unsigned char ch)
{
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
        (ch >= '0' && ch <= '9'))
        return 1;
    return ch != 0 && strchr("_@%+=:,./-", ch) != NULL;
}

static void
quote(struct fl_strbuf *sb, const char *s, size_t len)
{
    size_t i;
    int plain = len > 0 && s[0] != '-' && s[0] != '~';

    for (i = 0; plain && i < len; i++)
        if (!safe_char((unsigned char)s[i]))
            plain = 0;
    if (plain) {
        fl_strbuf_add(sb, s, len);
        return;
    }
    fl_strbuf_addch(sb, '\'');
    for (i = 0; i < len; i++) {
        if (s[i] == '\'')
            fl_strbuf_addstr(sb, "'\\''");
        else
            fl_strbuf_addch(sb, s[i]);
    }
    fl_strbuf_addch(sb, '\'');
}

void
fl_sh_quote(struct fl_strbuf *sb, const char *s)
{
    if (!s)
        s = "";
    quote(sb, s, strlen(s));
}

int
fl_sh_quote_mem(struct fl_strbuf *sb, const void *data, size_t len)
{
    if (len > 0 && memchr(data, 0, len))
        return -EINVAL;
    quote(sb, data, len);
    return 0;
}

void
fl_sh_quote_argv(struct fl_strbuf *sb, const char *const *argv, int argc)
{
    int i;

    for (i = 0; argc < 0 ? argv[i] != NULL : i < argc; i++) {
        if (i > 0)
            fl_strbuf_addch(sb, ' ');
        fl_sh_quote(sb, argv[i]);
    }
}
