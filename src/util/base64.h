/* SPDX-License-Identifier: MIT */
/*
 * base64.h: standard base64 (RFC 4648, with padding) into and out of a
 * strbuf. Used by clients of HTTP/JSON databases (etcd's gateway) and by
 * the timeline page.
 */
#ifndef FL_BASE64_H
#define FL_BASE64_H

#include <stddef.h>

struct fl_strbuf;

/** Append the base64 of n bytes at data to sb. */
void fl_base64_encode(struct fl_strbuf *sb, const void *data, size_t n);
/**
 * Decode padded base64 s (n chars) and append the bytes to sb. Returns 0,
 * or FL_EPARSE for a character outside the alphabet or a bad length (sb
 * may then hold part of the output).
 */
int fl_base64_decode(struct fl_strbuf *sb, const char *s, size_t n);

#endif
