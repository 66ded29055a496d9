#!/bin/sh
# run-all.sh BUILD-DIR: the whole test suite behind `make test`: unit tests,
# CLI tests and a short fuzz smoke run (left out with FL_SKIP_FUZZ=1, which
# `.ci/run` sets for the sanitizer build only). Each stage ends with its own
# "N passed, N failed, N skipped"; this script sums them into its last line,
# exactly "N passed, N failed, N skipped", and fails when anything failed (a
# skip is a failure where skips are not allowed: see lib-runner.sh). A stage
# that prints no summary, or exits nonzero with no failure, is a failure.
O=${1:-build}
. "$(dirname "$0")/lib-runner.sh"

stage() {
    name=$1
    shift
    echo "== $name"
    out=$("$@" 2>&1)
    rc=$?
    printf '%s\n' "$out"
    line=$(printf '%s\n' "$out" |
        grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' | tail -n 1)
    if [ -z "$line" ]; then
        echo "stage $name printed no summary (exit $rc)"
        fail=$((fail + 1))
        return
    fi
    set -- $line
    pass=$((pass + $1))
    fail=$((fail + $3))
    skipped=$((skipped + $5))
    if [ "$rc" != 0 ] && [ "$3" = 0 ]; then
        echo "stage $name exited $rc"
        fail=$((fail + 1))
    fi
}

stage unit "$O/test-unit"
stage cli make --no-print-directory O="$O" test-cli
if [ "${FL_SKIP_FUZZ:-}" != 1 ]; then
    stage fuzz make --no-print-directory O="$O" test-fuzz
fi
summary
