#!/bin/sh
# run.sh [SCRIPT...]: runs every tests/cli/tNNNN-*.sh (or the scripts given)
# against $FAULTLINE. A script exits 0 when it passed, 77 after lib.sh's
# `skip REASON` printed "skip: REASON", anything else when it failed (an exit
# 77 without that line, or a "skip:" line with exit 0, is a failure). The
# last line is "N passed, N failed, N skipped" (../lib-runner.sh: a skip
# fails where skips are not allowed). A pass says how long it took (the CI
# budget: .ci/run). FL_CLI_EXCLUDE="GLOB ..." leaves out the scripts whose
# name (t1100-postgres) matches one of the globs: not run, not counted, but
# named in one line before the summary (.ci/run's sanitizer stage).
dir=$(cd "$(dirname "$0")" && pwd)
. "$dir/../lib-runner.sh"
excluded=""

# is_excluded NAME: does FL_CLI_EXCLUDE leave NAME out? (set -f: the globs
# are split on blanks, never matched against files.)
is_excluded() {
    set -f
    r=1
    for g in ${FL_CLI_EXCLUDE:-}; do
        # shellcheck disable=SC2254
        case $1 in $g) r=0 ;; esac
    done
    set +f
    return $r
}

run_one() {
    t=$1
    name=$(basename "$t" .sh)
    if is_excluded "$name"; then
        excluded="$excluded $name"
        return
    fi
    t0=$(date +%s)
    out=$(sh "$t" 2>&1)
    rc=$?
    reason=$(printf '%s\n' "$out" | sed -n 's/^skip: //p' | tail -n 1)
    if [ "$rc" = 0 ] && [ -z "$reason" ]; then
        result_pass "$name" "$(($(date +%s) - t0)) s"
        return
    fi
    if [ "$rc" = 77 ] && [ -n "$reason" ]; then
        result_skip "$name" "$reason"
        no_skip_reason >/dev/null || return
    elif [ "$rc" = 0 ]; then
        result_fail "$name" "said 'skip: $reason' but exited 0 (use lib.sh's skip)"
    else
        result_fail "$name" "exit $rc"
    fi
    printf '%s\n' "$out" | tail -n 30 | sed 's/^/    /'
}

if [ $# -gt 0 ]; then
    for t in "$@"; do
        run_one "$t"
    done
else
    for t in "$dir"/t[0-9][0-9][0-9][0-9]-*.sh; do
        [ -e "$t" ] || continue
        run_one "$t"
    done
fi
[ -z "$excluded" ] ||
    echo "left out (FL_CLI_EXCLUDE='$FL_CLI_EXCLUDE'):$excluded"
summary
