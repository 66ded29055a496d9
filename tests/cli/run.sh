#!/bin/sh
# run.sh: runs every tests/cli/tNNNN-*.sh against $FAULTLINE and prints
# "N passed, N failed". Each script exits 0 on success.
dir=$(cd "$(dirname "$0")" && pwd)
pass=0
fail=0
for t in "$dir"/t[0-9][0-9][0-9][0-9]-*.sh; do
    [ -e "$t" ] || continue
    name=$(basename "$t" .sh)
    if out=$(sh "$t" 2>&1); then
        pass=$((pass + 1))
        echo "ok   $name"
    else
        fail=$((fail + 1))
        echo "FAIL $name"
        printf '%s\n' "$out" | tail -n 30 | sed 's/^/    /'
    fi
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
