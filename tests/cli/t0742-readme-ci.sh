#!/bin/sh
# t0742: the README's two commands (its first code block) run as written
# in a Debian root shell, which has no sudo, and `.ci/run` runs the README's
# test command as root with skips counted as failures (FL_NO_SKIP=1 before
# any test), so a test that needed root, FUSE, sshd, chromium, gnuplot or a
# DB package and was skipped fails CI.
. "$(dirname "$0")/lib.sh"
R=$TOP/README.md
CI=$TOP/.ci/run

# The first code block: its command lines, comments and blanks left out.
awk '/^```/ { if (inb) exit; inb = 1; next } inb' "$R" |
    sed 's/[[:space:]]*#.*//' | grep -v '^[[:space:]]*$' >"$TMP/cmds"
[ "$(wc -l <"$TMP/cmds")" = 2 ] || fail "not two commands: $(cat "$TMP/cmds")"
grep -qw sudo "$TMP/cmds" && fail "sudo in the README's commands"
head -n 1 "$TMP/cmds" | grep -q '^scripts/install-deps.sh && make -j2 && build/faultline test etcd ' ||
    fail "main command: $(head -n 1 "$TMP/cmds")"
testcmd=$(sed -n 2p "$TMP/cmds")
[ "$testcmd" = "make test" ] || fail "test command: $testcmd"
awk '/^```/ { if (inb) exit; inb = 1; next } inb' "$R" | grep -q 'as root' ||
    fail "the README does not say the commands run as root"

# .ci/run: refuses to run as anyone but root, sets FL_NO_SKIP=1 before the
# first make, and runs the README's test command as is.
grep -v '^[[:space:]]*#' "$CI" >"$TMP/ci"
grep -q '\[ "$(id -u)" = 0 \] ||' "$TMP/ci" || fail ".ci/run does not require root"
ns=$(grep -n '^export FL_NO_SKIP=1$' "$TMP/ci" | cut -d: -f1)
first=$(grep -n '^make ' "$TMP/ci" | head -n 1 | cut -d: -f1)
[ -n "$ns" ] && [ -n "$first" ] && [ "$ns" -lt "$first" ] ||
    fail ".ci/run does not set FL_NO_SKIP=1 before its tests"
grep -qx "$testcmd" "$TMP/ci" || fail ".ci/run does not run '$testcmd'"
command -v sudo >/dev/null 2>&1 && echo "note: this machine has sudo"
exit 0
