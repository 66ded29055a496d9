/* SPDX-License-Identifier: MIT */
/*
 * escape.h: the one function that turns an arbitrary byte string into a
 * single POSIX shell word. Every command faultline sends to a node is built
 * from literal shell syntax written in our source plus words quoted here, so
 * a hostile node name, path or value can never become shell syntax.
 */
#ifndef FL_ESCAPE_H
#define FL_ESCAPE_H

#include <stddef.h>

struct fl_strbuf;

/**
 * Append s as one shell word to sb. Words made only of safe characters
 * ([A-Za-z0-9_@%+=:,./-], not starting with '-' ... see escape.c) are
 * appended as they are; everything else, including the empty string, is
 * wrapped in single quotes with each ' written as '\''. A NUL cannot be
 * passed to a program through argv, so len-taking callers must not pass one:
 * fl_sh_quote_mem returns -EINVAL (and appends nothing) if data holds a NUL.
 * The result is valid for sh, dash, bash and zsh, in any locale.
 */
void fl_sh_quote(struct fl_strbuf *sb, const char *s);
int fl_sh_quote_mem(struct fl_strbuf *sb, const void *data, size_t len);

/**
 * Append argv[0..argc) quoted and separated by single spaces. argc < 0
 * means argv is NULL-terminated.
 */
void fl_sh_quote_argv(struct fl_strbuf *sb, const char *const *argv, int argc);

#endif
