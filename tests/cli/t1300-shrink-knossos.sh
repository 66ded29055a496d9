#!/bin/sh
# t1300: `faultline shrink` on every invalid history of the Knossos corpus
# (EXPECTED.tsv): each shrinks to at most 10 ops, the shrunk history is
# well formed (paired, :index dense from 0) and still fails the checker;
# a valid history and bad arguments are refused with 254.
. "$(dirname "$0")/lib.sh"
K=$CORPUS/knossos
[ -f "$K/EXPECTED.tsv" ] || skip "no Knossos corpus at $K"

# dense FILE: every :index is its line number - 1
dense() {
    awk '{ if (match($0, /:index [0-9]+/)) {
               i = substr($0, RSTART + 7, RLENGTH - 7)
               if (i != NR - 1) { print "line " NR ": :index " i; exit 1 }
           } else { print "line " NR ": no :index"; exit 1 } }' "$1"
}

n=0
for f in $(awk -F'\t' '$3 == "false" { print $1 }' "$K/EXPECTED.tsv"); do
    case $f in
    mutex/*) set -- --model mutex ;;
    *) set -- --model cas-register --init 0 ;;
    esac
    expect_exit 1 "$FAULTLINE" shrink --checker linearizable "$@" \
        --time-limit 60 --out "$TMP/s.edn" "$K/$f"
    [ ! -s "$TMP/out" ] || fail "$f: --out given, yet stdout has output"
    ops=$(wc -l <"$TMP/s.edn")
    before=$(sed -n 's/.*: \([0-9]*\) ops -> \([0-9]*\) ops.*/\1/p' "$TMP/err")
    after=$(sed -n 's/.*: \([0-9]*\) ops -> \([0-9]*\) ops.*/\2/p' "$TMP/err")
    [ "$after" = "$ops" ] || fail "$f: stderr says $after ops, file has $ops"
    [ "$ops" -le 10 ] || fail "$f: $ops ops after shrinking"
    [ "$before" -gt "$ops" ] || [ "$before" -le 2 ] ||
        fail "$f: $before ops -> $ops"
    grep -q 'anomaly :nonlinearizable' "$TMP/err" || fail "$f: anomaly"
    grep -q 'the checker says: {:valid? false' "$TMP/err" ||
        fail "$f: no explanation"
    dense "$TMP/s.edn" || fail "$f: :index not dense"
    expect_exit 1 "$FAULTLINE" check linearizable "$@" "$TMP/s.edn"
    grep -q 'warning' "$TMP/err" && fail "$f: shrunk history warns: $(cat "$TMP/err")"
    echo "$f: $before -> $ops ops"
    n=$((n + 1))
done
[ "$n" -ge 8 ] || fail "only $n invalid histories"

# stdout without --out; the same history
f=cas-register/bad/cas-failure.edn
expect_exit 1 "$FAULTLINE" shrink --checker linearizable --model cas-register \
    --init 0 "$K/$f"
head -1 "$TMP/out" | grep -q '^{:index 0, ' || fail "stdout: $(head -1 "$TMP/out")"

# a time limit ends the search with the smallest failure found so far
expect_exit 1 "$FAULTLINE" shrink --checker linearizable --model cas-register \
    --init 0 --time-limit 1ms --out "$TMP/t.edn" \
    "$K/cas-register/bad/mongodb-v0-ack-rollback-6.edn"
grep -q 'time limit reached' "$TMP/err" || fail "time limit: $(cat "$TMP/err")"
dense "$TMP/t.edn" || fail "time limit: :index not dense"
expect_exit 1 "$FAULTLINE" check linearizable --model cas-register --init 0 \
    "$TMP/t.edn"

# a valid history: nothing to shrink
expect_exit 254 "$FAULTLINE" shrink --checker linearizable --model cas-register \
    --init 0 "$K/cas-register/good/memstress3-0.edn"
grep -q 'nothing to shrink: the history is valid' "$TMP/err" || fail "valid"

# bad arguments
expect_exit 254 "$FAULTLINE" shrink "$K/$f"
grep -q -- '--checker is required' "$TMP/err" || fail "no --checker"
expect_exit 254 "$FAULTLINE" shrink --checker nope "$K/$f"
grep -q "unknown kind 'nope'" "$TMP/err" || fail "unknown kind"
expect_exit 254 "$FAULTLINE" shrink --checker linearizable "$K/$f"
grep -q 'model' "$TMP/err" || fail "no model"
expect_exit 254 "$FAULTLINE" shrink --checker linearizable --model register \
    "$TMP/missing.edn"
grep -q 'missing.edn' "$TMP/err" || fail "missing file"
expect_exit 254 "$FAULTLINE" shrink --checker set --time-limit x "$K/$f"
expect_exit 0 "$FAULTLINE" shrink --help
grep -q 'usage: faultline shrink' "$TMP/out" || fail "--help"
exit 0
