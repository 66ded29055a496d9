#!/bin/sh
# t0202: --out DIR writes one file per anomaly type and a Graphviz
# picture of each cycle (and an SVG when dot is installed).
. "$(dirname "$0")/lib.sh"

expect_exit 1 "$FAULTLINE" check list-append --out "$TMP/out-dir" \
    --consistency-models repeatable-read \
    "$CORPUS/elle/si-without-g-single.edn"
[ -f "$TMP/out-dir/G2-item.txt" ] || fail "no G2-item.txt"
grep -q 'because' "$TMP/out-dir/G2-item.txt" || fail "no explanation"
[ -f "$TMP/out-dir/G2-item/0.dot" ] || fail "no .dot"
grep -q 'digraph' "$TMP/out-dir/G2-item/0.dot" || fail "bad .dot"
command -v dot >/dev/null 2>&1 ||
    skip "no graphviz dot: the .svg was not checked (scripts/install-deps.sh)"
grep -q '<svg' "$TMP/out-dir/G2-item/0.svg" || fail "dot present but no .svg"
exit 0
