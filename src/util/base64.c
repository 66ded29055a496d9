/* SPDX-License-Identifier: MIT */
/*
 * base64.c: standard base64 (RFC 4648, padded), for the etcd JSON gateway's
 * keys and values and the timeline page's packed arrays. Decoding is strict:
 * a character outside the alphabet, padding before the end or a length that
 * is not a multiple of 4 is an error.
 */
#include "util/common.h"

#include "util/base64.h"

#include "util/err.h"
#include "util/strbuf.h"

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void
fl_base64_encode(struct fl_strbuf *sb, const void *data, size_t n)
{
    const unsigned char *p = data;
    size_t i = 0;

    for (; i + 3 <= n; i += 3) {
        uint32_t w = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        fl_strbuf_addch(sb, b64_alphabet[w >> 18 & 63]);
        fl_strbuf_addch(sb, b64_alphabet[w >> 12 & 63]);
        fl_strbuf_addch(sb, b64_alphabet[w >> 6 & 63]);
        fl_strbuf_addch(sb, b64_alphabet[w & 63]);
    }
    if (n - i == 1) {
        uint32_t w = (uint32_t)p[i] << 16;
        fl_strbuf_addch(sb, b64_alphabet[w >> 18 & 63]);
        fl_strbuf_addch(sb, b64_alphabet[w >> 12 & 63]);
        fl_strbuf_addstr(sb, "==");
    } else if (n - i == 2) {
        uint32_t w = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
        fl_strbuf_addch(sb, b64_alphabet[w >> 18 & 63]);
        fl_strbuf_addch(sb, b64_alphabet[w >> 12 & 63]);
        fl_strbuf_addch(sb, b64_alphabet[w >> 6 & 63]);
        fl_strbuf_addch(sb, '=');
    }
}

static int
b64_digit(char c)
{
    const char *p = c ? strchr(b64_alphabet, c) : NULL;
    return p ? (int)(p - b64_alphabet) : -1;
}

int
fl_base64_decode(struct fl_strbuf *sb, const char *s, size_t n)
{
    if (n % 4 != 0)
        return FL_EPARSE;
    for (size_t i = 0; i < n; i += 4) {
        int d[4];
        int pad = 0;
        for (int j = 0; j < 4; j++) {
            if (s[i + j] == '=' && i + 4 == n && j >= 2) {
                d[j] = 0;
                pad++;
                continue;
            }
            if (pad)
                return FL_EPARSE;
            d[j] = b64_digit(s[i + j]);
            if (d[j] < 0)
                return FL_EPARSE;
        }
        uint32_t w = (uint32_t)d[0] << 18 | (uint32_t)d[1] << 12 |
                     (uint32_t)d[2] << 6 | (uint32_t)d[3];
        fl_strbuf_addch(sb, (int)(w >> 16 & 0xff));
        if (pad < 2)
            fl_strbuf_addch(sb, (int)(w >> 8 & 0xff));
        if (pad < 1)
            fl_strbuf_addch(sb, (int)(w & 0xff));
    }
    return 0;
}
