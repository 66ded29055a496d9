#!/bin/sh
# t0805: each new checker on a real memkv run: the planted bug is caught by
# the checker made for it, the correct store is valid, and `check KIND` on
# the stored history (or store dir) gives the same verdict.
#   queue      stale-read   (one element handed to two dequeuers) -> queue
#   queue      lost-update  (an enqueue overwritten)             -> total-queue
#   unique-ids lost-update  (an id handed out twice)             -> unique-ids
#   long-fork  stale-read   (group read key by key, no snapshot) -> long-fork
#   counter    panic        ("panic:" in the node log)            -> log-file-pattern
. "$(dirname "$0")/lib.sh"
cd "$TMP"

run() { # run WORKLOAD BUG EXIT
    expect_exit "$3" "$FAULTLINE" test memkv --workload "$1" --bug "$2" \
        --time-limit 1 --concurrency 10 --seed 7 --store "$TMP/store"
    run=$(sed -n 's/^store: //p' "$TMP/out")
    [ -s "$run/results.edn" ] || fail "$1/$2: no results.edn"
}

caught() { # caught WORKLOAD BUG CHECKER PATTERN
    run "$1" "$2" 1
    grep -q "^ :$3 {:valid? false" "$run/results.edn" ||
        fail "$1/$2: $3 did not catch it: $(cat "$run/results.edn")"
    grep -q -- "$4" "$run/results.edn" || fail "$1/$2: '$4' not reported"
}

valid() { # valid WORKLOAD CHECKER...
    w=$1
    shift
    run "$w" none 0
    for c in "$@"; do
        grep -q "^ :$c {:valid? true" "$run/results.edn" ||
            fail "$w/none: $c not valid: $(cat "$run/results.edn")"
    done
}

caught queue stale-read queue ":error \"can't dequeue"
grep -q ':duplicated-count [1-9]' "$run/results.edn" ||
    fail "queue/stale-read: total-queue does not list the duplicates"
expect_exit 1 "$FAULTLINE" check queue "$run/history.edn"
caught queue lost-update total-queue ':lost-count [1-9]'
expect_exit 1 "$FAULTLINE" check total-queue "$run/history.edn"
grep -q ':lost-ops \[' "$TMP/out" || fail "total-queue: no lost ops"
valid queue queue total-queue log-file-pattern

caught unique-ids lost-update unique-ids ':duplicated-count [1-9]'
expect_exit 1 "$FAULTLINE" check unique-ids "$run/history.edn"
valid unique-ids unique-ids

caught long-fork stale-read long-fork ':fork-count [1-9]'
expect_exit 1 "$FAULTLINE" check long-fork "$run/history.edn"
grep -q ':forks \[\[{:index' "$TMP/out" || fail "long-fork: forks not listed"
valid long-fork long-fork

caught counter panic log-file-pattern ':line "panic: memkv'
grep -q ':node "memkv", :file "memkv.log", :line-number 2' \
    "$run/results.edn" || fail "panic: node, file, line not named"
grep -q '^ :counter {:valid? true' "$run/results.edn" ||
    fail "panic: the counter itself is fine"
expect_exit 1 "$FAULTLINE" check log-file-pattern --pattern 'panic|fatal' "$run"
# the pattern and file the run recorded in its test.edn
expect_exit 1 "$FAULTLINE" check log-file-pattern "$run"
grep -q ':pattern "panic|fatal"' "$TMP/out" || fail "recorded pattern not used"
expect_exit 0 "$FAULTLINE" check log-file-pattern --pattern 'panic|fatal' \
    --node n9 "$run"
valid counter counter log-file-pattern
exit 0
