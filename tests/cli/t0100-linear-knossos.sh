#!/bin/sh
# t0100: every Knossos corpus file gets its EXPECTED.tsv verdict through
# `faultline check linearizable`, and the failing ops Knossos's tests name
# are the ones reported.
. "$(dirname "$0")/lib.sh"
K=$CORPUS/knossos
[ -f "$K/EXPECTED.tsv" ] || fail "no corpus at $K"
n=0
tail -n +2 "$K/EXPECTED.tsv" | cut -f1-3 >"$TMP/expected"
while IFS='	' read -r file model expected; do
    case $model in
    cas-register*) set -- --model cas-register --init 0 ;;
    multi-register*) set -- --model multi-register --init '{:x 0 :y 0}' ;;
    mutex*) set -- --model mutex ;;
    *) fail "unknown model column: $model" ;;
    esac
    if [ "$expected" = true ]; then code=0; else code=1; fi
    expect_exit $code "$FAULTLINE" check linearizable "$@" "$K/$file"
    grep -q ":valid? $expected" "$TMP/out" || fail "$file: no :valid? $expected"
    n=$((n + 1))
done <"$TMP/expected"
[ "$n" -eq 122 ] || fail "checked $n files, expected 122"

# The failing op named in Knossos's tests.
named() {
    expect_exit 1 "$FAULTLINE" check linearizable --model cas-register \
        --init 0 "$K/cas-register/bad/$1"
    grep -q ":op {:process $2, :type :ok, :f :read, :value $3, :index $4" \
        "$TMP/out" || fail "$1: wrong failing op: $(cat "$TMP/out")"
}
named bad-analysis.edn 21 2 14
named cas-failure.edn 70 0 491
named rethink-fail-minimal.edn 1 3 4
named rethink-fail-smaller.edn 12 3 217
