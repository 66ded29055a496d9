/* SPDX-License-Identifier: MIT */
/*
 * file.h: disk faults. A lazy filesystem of our own (like LazyFS): a FUSE
 * mount, `faultline fault _lazyfs`, over a backing directory that keeps
 * written-but-unfsynced data in memory and writes it through only on fsync;
 * on command it drops everything not yet fsynced, as a power loss would.
 * Also bitflip and truncate of chosen files (Jepsen's nemesis/bitflip and
 * truncate-file).
 */
#ifndef FL_FILE_H
#define FL_FILE_H

#include <stdint.h>

struct fl_err;
struct fl_remote;
struct fl_strbuf;

/**
 * Mount a lazy filesystem at dir on r's node, backed by dir + ".lazy-data"
 * (created). Records the mount in the cluster state (state_dir non-NULL) so
 * `cluster down` unmounts it after a crash.
 */
int fl_lazyfs_mount(struct fl_remote *r, const char *dir, const char *state_dir,
                    struct fl_err *err);
/** Drop all un-fsynced writes under the lazy mount at dir. */
int fl_lazyfs_lose(struct fl_remote *r, const char *dir, struct fl_err *err);
/** Unmount (the un-fsynced data is lost, as in a crash). */
int fl_lazyfs_umount(struct fl_remote *r, const char *dir, struct fl_err *err);

/**
 * Unmount every lazy filesystem on r's node (and stop its daemon), or, when
 * only is non-NULL, those whose mount point is one of its newline-separated
 * lines; appends "lazyfs: mount DIR unmounted" per mount to report. A
 * local cluster node shares this machine's mounts, so there only is
 * required (the cluster's noted mounts) and NULL does nothing.
 */
int fl_lazyfs_heal_leftovers(struct fl_remote *r, const char *only,
                             struct fl_strbuf *report, struct fl_err *err);

/** Flip each bit of path with probability p (seeded). Returns flips. */
int fl_file_bitflip(struct fl_remote *r, const char *path, double p,
                    uint64_t seed, struct fl_err *err);
/** Drop the last drop_bytes bytes of path. */
int fl_file_truncate(struct fl_remote *r, const char *path, int64_t drop_bytes,
                     struct fl_err *err);

/** The lazy filesystem's main (`faultline fault _lazyfs BACKING MOUNT`). */
int fl_lazyfs_main(int argc, char **argv);

#endif
