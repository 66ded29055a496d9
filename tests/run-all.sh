#!/bin/sh
# run-all.sh BUILD-DIR: the whole test suite behind `make test`: unit tests,
# CLI tests and a short fuzz smoke run. Each stage prints its own
# "N passed, N failed"; this script sums them into the last line.
O=${1:-build}
total_pass=0
total_fail=0

stage() {
    name=$1
    shift
    echo "== $name"
    out=$("$@" 2>&1)
    rc=$?
    printf '%s\n' "$out"
    line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
    if [ -n "$line" ]; then
        p=${line%% passed*}
        f=${line#*, }
        f=${f%% failed*}
        total_pass=$((total_pass + p))
        total_fail=$((total_fail + f))
        if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
            total_fail=$((total_fail + 1))
            echo "stage $name exited $rc"
        fi
    else
        echo "stage $name printed no summary (exit $rc)"
        total_fail=$((total_fail + 1))
    fi
}

stage unit "$O/test-unit"
stage cli make --no-print-directory O="$O" test-cli
if [ "${FL_SKIP_FUZZ:-}" != 1 ]; then
    stage fuzz make --no-print-directory O="$O" test-fuzz
fi
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ]
