/* SPDX-License-Identifier: MIT */
/*
 * heal.c: processes a killed run leaves on a node (heal.h), found with
 * short sh scripts over /proc, so the same code works on SSH nodes and,
 * restricted to the node's network namespace, on local cluster nodes.
 */
#include "util/common.h"

#include "os/heal.h"

#include "control/daemon.h"
#include "control/escape.h"
#include "control/remote.h"
#include "util/err.h"
#include "util/strbuf.h"

/* sh function: alive PID -> status 0 if PID runs and is not a zombie. */
#define ALIVE_FN                                                               \
    "alive() { [ -n \"$1\" ] && [ -d /proc/$1 ] && "                           \
    "! grep -q '^State:[[:space:]]*Z' /proc/$1/status 2>/dev/null; }\n"

/*
 * sh: for each process of this node (same network namespace as this
 * shell; -ef compares the namespaces' inodes without a fork per process),
 * "$p" and "$d".
 */
#define FOR_NODE_PROCS                                                         \
    "for d in /proc/[0-9]*; do\n"                                              \
    "  p=${d#/proc/}\n"                                                        \
    "  [ \"$p\" = $$ ] && continue\n"                                          \
    "  [ $d/ns/net -ef /proc/$$/ns/net ] || continue\n"

int
fl_os_heal_daemons(struct fl_remote *r, struct fl_strbuf *report,
                   struct fl_err *err)
{
    struct fl_strbuf s = FL_STRBUF_INIT;
    int rc;

    fl_strbuf_addstr(&s, ALIVE_FN "m=");
    {
        char *marker = fl_xasprintf(FL_DAEMON_MARK "=%s", r->node);
        fl_sh_quote(&s, marker);
        free(marker);
    }
    fl_strbuf_addstr(
        &s, "\nkilled=\n" FOR_NODE_PROCS
            "  tr '\\0' '\\n' < $d/environ 2>/dev/null | grep -qxF -- \"$m\" "
            "|| continue\n"
            "  alive $p || continue\n"
            "  c=$(tr '\\0' ' ' < $d/cmdline 2>/dev/null | cut -c1-100)\n"
            "  st=$(cat $d/stat 2>/dev/null); set -- ${st##*) }\n"
            "  kill -9 $p 2>/dev/null || continue\n"
            "  w=; [ \"$1\" = T ] && w=', it was stopped'\n"
            "  echo \"daemon: pid $p (${c% }) killed$w\"\n"
            "  killed=\"$killed $p\"\n"
            "done\n"
            /* Ports and files are free once they are gone. */
            "for p in $killed; do i=0\n"
            "  while alive $p && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); "
            "done\ndone\n");
    rc = fl_remote_sh(r, report, err, "%s", s.buf);
    fl_strbuf_release(&s);
    return rc;
}

int
fl_os_heal_stopped(struct fl_remote *r, struct fl_strbuf *report,
                   struct fl_err *err)
{
    /*
     * Stopped (state T) and not on a terminal: a job suspended with ^Z in
     * someone's shell is left alone. Fields of /proc/PID/stat after the
     * command: state ppid pgrp session tty_nr.
     */
    return fl_remote_sh(
        r, report, err, "%s",
        FOR_NODE_PROCS
        "  st=$(cat $d/stat 2>/dev/null) || continue\n"
        "  set -- ${st##*) }\n"
        "  [ \"$1\" = T ] && [ \"$5\" = 0 ] || continue\n"
        "  c=$(tr '\\0' ' ' < $d/cmdline 2>/dev/null | cut -c1-100)\n"
        "  kill -CONT $p 2>/dev/null && "
        "echo \"pause: stopped process pid $p (${c% }) resumed\"\n"
        "done\n");
}
