#!/bin/sh
# run.sh: a short smoke run of every fuzz target (FUZZ_SECONDS each), seeded
# from fuzz/corpus/<target>/ when present. Prints "N passed, N failed".
dir=$(cd "$(dirname "$0")" && pwd)
O=${O:-build}
secs=${FUZZ_SECONDS:-10}
pass=0
fail=0
for bin in "$O"/fuzz/fuzz_*; do
    [ -x "$bin" ] || continue
    name=$(basename "$bin")
    work=$(mktemp -d)
    seeds=""
    [ -d "$dir/corpus/$name" ] && seeds="$dir/corpus/$name"
    dict=""
    [ -f "$dir/$name.dict" ] && dict="-dict=$dir/$name.dict"
    if (cd "$work" && "$bin" -max_total_time="$secs" -max_len=65536 \
        -timeout=10 -rss_limit_mb=2048 $dict "$work" $seeds >log 2>&1); then
        pass=$((pass + 1))
        echo "ok   $name ($(grep -o 'Done [0-9]* runs' "$work/log" | head -n 1))"
    else
        fail=$((fail + 1))
        echo "FAIL $name"
        tail -n 40 "$work/log" | sed 's/^/    /'
    fi
    rm -rf "$work"
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
