#!/bin/sh
# t0100: every Knossos corpus file gets its EXPECTED.tsv verdict through
# `faultline check linearizable`, and the failing ops Knossos's tests name
# are the ones reported. Files are checked several per run (one result line
# each) to keep the test fast under sanitizers.
. "$(dirname "$0")/lib.sh"
K=$CORPUS/knossos
[ -f "$K/EXPECTED.tsv" ] || fail "no corpus at $K"
tail -n +2 "$K/EXPECTED.tsv" | cut -f1-3 >"$TMP/expected"

# check_group MODEL-PREFIX VERDICT ARGS...: all files of that model and
# expected verdict in one run; each must get its own line with the verdict.
check_group() {
    prefix=$1
    verdict=$2
    shift 2
    awk -F'\t' -v p="$prefix" -v v="$verdict" \
        'index($2, p) == 1 && $3 == v { print $1 }' "$TMP/expected" |
        sed "s|^|$K/|" >"$TMP/files"
    n=$(wc -l <"$TMP/files")
    [ "$n" -gt 0 ] || fail "no $prefix files expected $verdict"
    if [ "$verdict" = true ]; then code=0; else code=1; fi
    # shellcheck disable=SC2046
    expect_exit $code "$FAULTLINE" check linearizable "$@" $(cat "$TMP/files")
    got=$(grep -c -E "^\{(:file \".*\", )?:valid\? $verdict," "$TMP/out")
    [ "$got" -eq "$n" ] ||
        fail "$prefix: $got of $n files are $verdict: $(grep -v ":valid? $verdict" "$TMP/out" | head -c 500)"
    total=$((total + n))
}
total=0
check_group cas-register true --model cas-register --init 0
check_group cas-register false --model cas-register --init 0
check_group multi-register true --model multi-register --init '{:x 0 :y 0}'
check_group mutex false --model mutex
[ "$total" -eq 122 ] || fail "checked $total files, expected 122"

# The failing op named in Knossos's tests, one line per file in order.
B=$K/cas-register/bad
expect_exit 1 "$FAULTLINE" check linearizable --model cas-register --init 0 \
    "$B/bad-analysis.edn" "$B/cas-failure.edn" "$B/rethink-fail-minimal.edn" \
    "$B/rethink-fail-smaller.edn"
named() {
    sed -n "$1p" "$TMP/out" |
        grep -q ":op {:process $2, :type :ok, :f :read, :value $3, :index $4" ||
        fail "line $1: wrong failing op: $(sed -n "$1p" "$TMP/out" | head -c 300)"
}
named 1 21 2 14
named 2 70 0 491
named 3 1 3 4
named 4 12 3 217
