/* SPDX-License-Identifier: MIT */
/*
 * lazyfs_db.h: a DB whose data directory lives on the lazy filesystem
 * (file.h), Jepsen's jepsen.lazyfs as a DB: setup mounts the lazy
 * filesystem over each node's data dir before the DB's own setup; kill
 * kills the DB and then drops every write it did not fsync, as a crash of
 * the machine would (the next start recovers from what was fsynced);
 * teardown kills the DB, unmounts and then runs the DB's teardown. Every
 * other slot is the wrapped DB's.
 */
#ifndef FL_LAZYFS_DB_H
#define FL_LAZYFS_DB_H

struct fl_db;

/**
 * inner (handed over; freed with the result) with a lazy filesystem over
 * each node's dir_tmpl, a daemon DB template (db/daemon_db.h) expanded
 * with root as {{dir}}'s root, e.g. "{{data}}". Free with fl_db_free().
 */
struct fl_db *fl_lazyfs_db_new(struct fl_db *inner, const char *root,
                               const char *dir_tmpl);

#endif
