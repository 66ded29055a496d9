/* SPDX-License-Identifier: MIT */
/*
 * debian.c: apt, users and directories on a Debian node (debian.h). The
 * shell lines are built with fl_sh_quote for every value; each step checks
 * before it changes anything, so a second call is a few cheap queries.
 */
#include "util/common.h"

#include "os/debian.h"

#include <pthread.h>

#include "control/escape.h"
#include "control/remote.h"
#include "os/os.h"
#include "util/err.h"
#include "util/strbuf.h"

/* policy-rc.d exit 101 = "action forbidden": invoke-rc.d starts nothing. */
#define POLICY_RC "/usr/sbin/policy-rc.d"

void
fl_debian_quote_list(struct fl_strbuf *sb, const char *const *list)
{
    for (size_t i = 0; list && list[i]; i++) {
        if (i)
            fl_strbuf_addch(sb, ' ');
        fl_sh_quote(sb, list[i]);
    }
}

static int
all_installed(struct fl_remote *r, const char *pkgs)
{
    struct fl_strbuf out = FL_STRBUF_INIT;
    int rc = fl_remote_sh(r, &out, NULL,
                          "for p in %s; do dpkg-query -W -f='${Status}\\n' "
                          "\"$p\" 2>/dev/null | grep -q ' installed$' || "
                          "{ echo missing; exit 0; }; done; echo ok",
                          pkgs);
    int ok = rc == 0 && strcmp(out.buf, "ok") == 0;

    fl_strbuf_release(&out);
    return ok;
}

int
fl_debian_install(struct fl_remote *r, const char *const *pkgs,
                  struct fl_err *err)
{
    struct fl_strbuf q = FL_STRBUF_INIT;
    int rc = 0;

    if (!pkgs || !pkgs[0])
        return 0;
    fl_debian_quote_list(&q, pkgs);
    if (all_installed(r, q.buf))
        goto out;
    rc = fl_remote_sh(
        r, NULL, err,
        "export DEBIAN_FRONTEND=noninteractive; mine=; "
        "if [ ! -e " POLICY_RC " ]; then printf '#!/bin/sh\\nexit 101\\n' "
        "> " POLICY_RC " && chmod 755 " POLICY_RC " && mine=1; fi; "
        "{ apt-get install -y -q %s >/dev/null 2>&1 || "
        "{ apt-get update -q >/dev/null && apt-get install -y -q %s; }; }; "
        "st=$?; [ -n \"$mine\" ] && rm -f " POLICY_RC "; exit $st",
        q.buf, q.buf);
    if (rc != 0)
        fl_err_prefix(err, "apt-get install %s: ", q.buf);
out:
    fl_strbuf_release(&q);
    return rc;
}

/* One apt at a time on this machine (apt's own lock would fail the rest). */
static pthread_mutex_t machine_mu = PTHREAD_MUTEX_INITIALIZER;

int
fl_debian_install_node(struct fl_remote *r, const char *const *pkgs,
                       struct fl_err *err)
{
    struct fl_remote *local;
    int rc;

    if (r->type != &fl_remote_netns_type)
        return fl_debian_install(r, pkgs, err);
    pthread_mutex_lock(&machine_mu);
    local = fl_remote_new("localhost",
                          &(struct fl_remote_opts){.backend = "local"}, err);
    rc = local ? fl_debian_install(local, pkgs, err) : FL_EREMOTE;
    fl_remote_free(local);
    pthread_mutex_unlock(&machine_mu);
    return rc;
}

/* ---- the OS plug-in ---- */

static int
os_setup(struct fl_os *os, const struct fl_env *env, size_t node,
         struct fl_err *err)
{
    if (!env->remotes || !env->remotes[node])
        return 0; /* in-process: nothing to prepare */
    return fl_debian_install_node(env->remotes[node],
                                  (const char *const *)os->ctx, err);
}

static int
os_teardown(struct fl_os *os, const struct fl_env *env, size_t node,
            struct fl_err *err)
{
    FL_UNUSED(os), FL_UNUSED(env), FL_UNUSED(node), FL_UNUSED(err);
    return 0;
}

static void
os_free(struct fl_os *os)
{
    char **pkgs = os->ctx;

    for (size_t i = 0; pkgs && pkgs[i]; i++)
        free(pkgs[i]);
    free(pkgs);
}

static const struct fl_os_type debian_type = {
    .name = "debian",
    .setup = os_setup,
    .teardown = os_teardown,
    .free = os_free,
};

struct fl_os *
fl_os_debian_new(const char *const *pkgs)
{
    struct fl_os *os = fl_xcalloc(1, sizeof(*os));
    size_t n = 0;
    char **copy;

    while (pkgs && pkgs[n])
        n++;
    copy = fl_xcalloc(n + 1, sizeof(*copy));
    for (size_t i = 0; i < n; i++)
        copy[i] = fl_xstrdup(pkgs[i]);
    os->type = &debian_type;
    os->ctx = copy;
    return os;
}

int
fl_debian_ensure_user(struct fl_remote *r, const char *user, struct fl_err *err)
{
    struct fl_strbuf q = FL_STRBUF_INIT;
    int rc;

    fl_sh_quote(&q, user);
    rc = fl_remote_sh(r, NULL, err,
                      "id -u %s >/dev/null 2>&1 || useradd --system "
                      "--no-create-home --shell /usr/sbin/nologin %s",
                      q.buf, q.buf);
    fl_strbuf_release(&q);
    return rc;
}

int
fl_debian_ensure_dir(struct fl_remote *r, const char *dir, const char *owner,
                     struct fl_err *err)
{
    struct fl_strbuf q = FL_STRBUF_INIT, o = FL_STRBUF_INIT;
    int rc;

    fl_sh_quote(&q, dir);
    if (owner)
        fl_sh_quote(&o, owner);
    rc = fl_remote_sh(r, NULL, err, "mkdir -p %s", q.buf);
    if (rc == 0 && owner)
        rc = fl_remote_sh(r, NULL, err, "chown %s %s", o.buf, q.buf);
    fl_strbuf_release(&q);
    fl_strbuf_release(&o);
    return rc;
}
