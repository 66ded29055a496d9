#!/bin/sh
# t0002: corpus histories convert EDN -> JSON -> EDN to the same
# history.edn that EDN -> EDN gives, and JSON -> JSON is stable. The CLI
# runs on the Elle files and every 8th Knossos file (the unit test
# edn/test_edn_corpus does the whole corpus in-process).
. "$(dirname "$0")/lib.sh"

files=$(find "$CORPUS" -name '*.edn' | sort | awk '/elle/ || NR % 8 == 0')
[ "$(echo "$files" | wc -l)" -ge 15 ] || fail "too few files"
for f in $files; do
    "$FAULTLINE" history convert --to edn "$f" >"$TMP/a.edn" ||
        fail "$f: convert to edn"
    "$FAULTLINE" history convert --to json -o "$TMP/b.jsonl" "$f" ||
        fail "$f: convert to json"
    "$FAULTLINE" history convert --to edn "$TMP/b.jsonl" >"$TMP/c.edn" ||
        fail "$f: convert json back"
    cmp -s "$TMP/a.edn" "$TMP/c.edn" || fail "$f: EDN -> JSON -> EDN differs"
    "$FAULTLINE" history convert --to json "$TMP/a.edn" >"$TMP/d.jsonl" ||
        fail "$f: convert edn to json"
    cmp -s "$TMP/b.jsonl" "$TMP/d.jsonl" || fail "$f: JSON not stable"
done

# The printed form is Jepsen's key order, one op per line.
f="$CORPUS/elle/huge-scc.edn"
"$FAULTLINE" history convert --to edn "$f" | head -n 1 >"$TMP/first"
echo '{:index 0, :time 14532933, :type :invoke, :process 10, :f :txn, :value [[:append 11 1] [:r 11 nil] [:r 11 nil]]}' |
    cmp -s - "$TMP/first" || fail "first op printed as $(cat "$TMP/first")"
[ "$(wc -l <"$TMP/a.edn")" -ge 1 ] || fail "no output"
exit 0
