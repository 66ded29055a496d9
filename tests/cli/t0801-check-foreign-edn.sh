#!/bin/sh
# t0801: every kind of `faultline check` on hand-written Jepsen-style EDN
# histories (tests/data/checkers, not written by faultline) gets the
# verdict Jepsen gives, and names what it found.
. "$(dirname "$0")/lib.sh"
cd "$TMP"
D=$TOP/tests/data/checkers
X=${X:-edn}

check() { # check EXIT KIND FILE WANT [ARGS...]
    want_exit=$1 kind=$2 file=$3 pat=$4
    shift 4
    expect_exit "$want_exit" "$FAULTLINE" check "$kind" "$@" "$D/$file.$X"
    grep -q -- "$pat" "$TMP/out" || fail "$kind $file.$X: '$pat' not in $(cat "$TMP/out")"
}

check 1 set set ':lost "#{2}"'
check 1 set set ':recovered "#{1}"'
check 1 set-full set ':lost-count 1'
check 1 counter counter ':errors \[\[6 9 6\]\]'
check 1 bank bank ':inferred-total 100'
check 1 bank bank ':first-error {:type :wrong-total, :index 7'
check 1 bank bank ':wrong-total {:count 1' --total 100 --accounts 3
check 1 bank bank ':unexpected-key' --total 100 --accounts 2
check 1 bank bank ':count 3' --total 90
check 1 queue queue ":error \"can't dequeue 1 (op 9) from \[2 3\]\""
check 1 queue queue ':model :fifo-queue' --model fifo-queue
check 1 total-queue queue ':lost \[3\], :lost-ops \[5\]'
check 1 total-queue queue ':duplicated \[1\]'
check 1 total-queue queue ':recovered \[2\]'
check 1 unique-ids ids ':duplicated {7 2}, :duplicated-ops {7 \[1 5\]}'
check 1 unique-ids ids ':range \[7 8\]'
check 1 long-fork long-fork ':fork-count 1'
check 1 long-fork long-fork ':value \[\[:r :x nil\] \[:r :y 1\]\]'
check 1 long-fork long-fork ':fork-count 1' --group-size 2
check 1 linearizable register ':final-paths\|:op {' --model cas-register
check 1 list-append append ':G1c'
check 0 rw-register rw ':valid? true'
check 0 stats queue ':by-f {:enqueue'
check 0 exceptions set ':exceptions \[\]'
check 0 perf set ':by-f {:add'
check 0 timeline queue ':ops 12' --out "$TMP/tl"
[ -s "$TMP/tl/timeline.html" ] || fail "timeline.html not written"
# several files: one timeline each, in DIR/<name>/
expect_exit 0 "$FAULTLINE" check timeline --out "$TMP/tl2" "$D/queue.$X" \
    "$D/ids.$X"
[ -s "$TMP/tl2/queue/timeline.html" ] && [ -s "$TMP/tl2/ids/timeline.html" ] ||
    fail "several files: timelines not one per file"
# --json prints JSON
check 1 total-queue queue '":lost":\[3\]' --json
# several files: one line each, with :file, and the merged verdict
expect_exit 1 "$FAULTLINE" check total-queue "$D/queue.$X" "$D/set.$X"
[ "$(grep -c ':file ' "$TMP/out")" = 2 ] || fail "two files: two lines"
exit 0
