/* SPDX-License-Identifier: MIT */
/*
 * hosts.h: the hosts file (hosts(5)) without the resolver: look a name up
 * in it (so `serve --host NAME` never asks DNS), and replace one marked
 * block of it (the local cluster's node names). Edits are atomic: the new
 * file is written next to the old one, with its mode and owner, and
 * renamed over it; concurrent editors that use these functions are
 * serialised by a flock on the file.
 */
#ifndef FL_HOSTS_H
#define FL_HOSTS_H

#include <stddef.h>

struct fl_err;

/**
 * The hosts file: $FAULTLINE_HOSTS_FILE when set (tests use a scratch
 * copy, never the machine's), else /etc/hosts.
 */
const char *fl_hosts_path(void);

/**
 * The first address the hosts file at path gives name (case-insensitive,
 * comments ignored) into addr (len bytes). 0 when found, -ENOENT when not,
 * -errno (err filled) when the file cannot be read.
 */
int fl_hosts_lookup(const char *path, const char *name, char *addr, size_t len,
                    struct fl_err *err);

/**
 * Edit the hosts file at path: remove the lines equal to begin or end (the
 * block's markers, without newline) and, between them, the lines listed in
 * ours (newline-separated: the lines this block was written with), each
 * once; every other line, also one added inside the block meanwhile or an
 * equal line of another block after a lost end marker, is kept. Then
 * append block (NULL: nothing), which should start with begin and end with
 * end. The file is only replaced when it changes. A missing file counts as
 * empty. Returns 0 or -errno with err naming the file.
 */
int fl_hosts_set_block(const char *path, const char *begin, const char *end,
                       const char *ours, const char *block, struct fl_err *err);

#endif
