#!/bin/sh
# run.sh: a short smoke run of every fuzz target fuzz/fuzz_*.c (FUZZ_SECONDS
# each), seeded from fuzz/corpus/<target>/ when present. A target is skipped
# when clang is missing and fails when its binary was not built. The last
# line is "N passed, N failed, N skipped" (../tests/lib-runner.sh).
dir=$(cd "$(dirname "$0")" && pwd)
. "$dir/../tests/lib-runner.sh"
O=${O:-build}
secs=${FUZZ_SECONDS:-10}
CLANG=${CLANG:-clang}
for src in "$dir"/fuzz_*.c; do
    [ -e "$src" ] || continue
    name=$(basename "$src" .c)
    bin=$O/fuzz/$name
    if ! command -v "$CLANG" >/dev/null 2>&1; then
        result_skip "$name" "no clang (scripts/install-deps.sh)"
        continue
    fi
    if [ ! -x "$bin" ]; then
        result_fail "$name" "$bin was not built (make fuzz)"
        continue
    fi
    work=$(mktemp -d)
    seeds=""
    [ -d "$dir/corpus/$name" ] && seeds="$dir/corpus/$name"
    dict=""
    [ -f "$dir/$name.dict" ] && dict="-dict=$dir/$name.dict"
    if (cd "$work" && "$bin" -max_total_time="$secs" -max_len=65536 \
        -timeout=10 -rss_limit_mb=2048 $dict "$work" $seeds >log 2>&1); then
        result_pass "$name" "$(grep -o 'Done [0-9]* runs' "$work/log" | head -n 1)"
    else
        result_fail "$name"
        tail -n 40 "$work/log" | sed 's/^/    /'
    fi
    rm -rf "$work"
done
summary
