/* SPDX-License-Identifier: MIT */
/*
 * debian.h: preparing a Debian node (Jepsen's os.debian): packages
 * installed idempotently with apt, the services they bring kept from
 * starting, users and directories. Each function runs shell commands
 * through the node's remote and is safe to call again on a node where it
 * already succeeded.
 */
#ifndef FL_OS_DEBIAN_H
#define FL_OS_DEBIAN_H

struct fl_err;
struct fl_remote;
struct fl_strbuf;

/**
 * Install the packages pkgs (NULL-terminated) on r unless all of them are
 * installed already (dpkg-query). While apt runs, a policy-rc.d that
 * answers 101 keeps the packages' services from starting (it is removed
 * again unless the node had one), so a packaged daemon never holds the
 * ports of the one a test starts. apt-get update runs only when the first
 * install fails. Returns 0, or FL_EREMOTE with err naming the node and the
 * end of apt's output.
 */
int fl_debian_install(struct fl_remote *r, const char *const *pkgs,
                      struct fl_err *err);

/**
 * fl_debian_install() for a node of the test: on a local cluster node
 * (netns remote), whose filesystem is this machine's, the packages are
 * installed on the machine, one node at a time (the others then find them
 * installed); elsewhere on the node itself.
 */
int fl_debian_install_node(struct fl_remote *r, const char *const *pkgs,
                           struct fl_err *err);

/**
 * An OS plug-in (os.h) whose setup installs pkgs (NULL-terminated; copied)
 * on every node with fl_debian_install_node(); teardown leaves them.
 * Caller frees with fl_os_free() (or the test does).
 */
struct fl_os *fl_os_debian_new(const char *const *pkgs);

/** Create a system user (no login shell) on r unless it exists. */
int fl_debian_ensure_user(struct fl_remote *r, const char *user,
                          struct fl_err *err);

/** mkdir -p dir on r, owned by owner (NULL: leave the owner). */
int fl_debian_ensure_dir(struct fl_remote *r, const char *dir,
                         const char *owner, struct fl_err *err);

/** Append the shell-quoted words of list (NULL-terminated) to sb. */
void fl_debian_quote_list(struct fl_strbuf *sb, const char *const *list);

#endif
