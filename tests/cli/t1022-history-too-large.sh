#!/bin/sh
# t1022: a history too large for memory stops its parse with a clear error
# and the check answers :valid? :unknown, :cause :out-of-memory (exit 2),
# for EDN and JSON, in every kind of check; never the OOM killer. The
# budget (half the available memory) is set small with FAULTLINE_MEMORY_MB.
. "$(dirname "$0")/lib.sh"
GEN=${O:-$TOP/build}/tests/helpers/lin_gen
EGEN=${O:-$TOP/build}/tests/helpers/elle_gen

"$GEN" 100:200000:10:2 >"$TMP/h.edn" || fail "lin_gen"
$FAULTLINE history convert --to json -o "$TMP/h.json" "$TMP/h.edn" ||
    fail "convert"
"$EGEN" -n 150000 -r 0 >"$TMP/e.edn" || fail "elle_gen"

L="$FAULTLINE check linearizable --model cas-register --init 0 --independent"
for f in h.edn h.json; do
    FAULTLINE_MEMORY_MB=6 expect_exit 2 $L "$TMP/$f"
    grep -q '^{:valid? :unknown, :cause :out-of-memory, :error ".*history too large for memory' \
        "$TMP/out" || fail "$f: $(cat "$TMP/out")"
    grep -q "$f: history too large for memory: .* over the [0-9]* MB budget" \
        "$TMP/err" || fail "$f stderr: $(cat "$TMP/err")"
    # with room, the same file is checked
    expect_exit 0 $L "$TMP/$f"
done
FAULTLINE_MEMORY_MB=6 expect_exit 2 $L --json "$TMP/h.edn"
grep -q '^{":valid?":":unknown",":cause":":out-of-memory"' "$TMP/out" ||
    fail "json: $(cat "$TMP/out")"

FAULTLINE_MEMORY_MB=6 expect_exit 2 $FAULTLINE check stats "$TMP/h.edn"
grep -q ':cause :out-of-memory' "$TMP/out" || fail "stats: $(cat "$TMP/out")"

FAULTLINE_MEMORY_MB=6 expect_exit 2 $FAULTLINE check list-append "$TMP/e.edn"
grep -q ':cause :out-of-memory' "$TMP/out" || fail "elle: $(cat "$TMP/out")"
expect_exit 0 $FAULTLINE check list-append "$TMP/e.edn"
exit 0
