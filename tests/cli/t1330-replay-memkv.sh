#!/bin/sh
# t1330: every run records its schedule (schedule.edn), and
# `faultline test memkv --replay STOREDIR` runs it again: a memkv
# stale-read run with pauses fails, its replay fails again, with the same
# op stream on every thread and the same faults no earlier than their
# recorded offsets; replayed with the bug switched off (an option given
# again overrides the recorded one: "after a fix") it is valid. Bad input
# (not a store, no schedule, a malformed line, another suite's store) is
# an error naming the file, exit 254.
. "$(dirname "$0")/lib.sh"
cd "$TMP"

# thread, :f and :value of every recorded client invocation, by thread
streams() {
    sed -n 's/.*:thread \([0-9]*\), :process [0-9]*, :event :invoke, \(:f .*\)}$/\1 \2/p' \
        "$1/schedule.edn" | sort -s -n -k1,1
}
# the nemesis invocations: offset (ns), :f and :value
faults() {
    sed -n 's/.*:at \([0-9]*\), :thread :nemesis, :event :invoke, \(:f .*\)}$/\1 \2/p' \
        "$1/schedule.edn"
}

# Every thread's replayed ops are its recorded ones in order: all of them,
# or (ops that fell further behind than the time limit are dropped, as a
# loaded machine may make them) a prefix of at least 95 % of them in all.
same_streams() {
    awk 'NR == FNR { o[$1, a[$1]++] = $0; n++; next }
         { if (o[$1, b[$1]++] != $0) { print "differs: " $0; bad = 1 }; m++ }
         END { if (m < n * 0.95) { print m " of " n " replayed"; bad = 1 }
               exit bad }' "$1" "$2" >&2
}

expect_exit 1 "$FAULTLINE" test memkv --bug stale-read --time-limit 4 \
    --concurrency 10 --seed 42 --nemesis pause --nemesis-interval 1 \
    --store "$TMP/a"
A=$(cd "$TMP/a/memkv-register/latest" && pwd -P)
head -1 "$A/schedule.edn" | grep -q '^{:schedule 1, :seed 42, :concurrency 10, :test "memkv-register", :suite "memkv"}$' ||
    fail "schedule header: $(head -1 "$A/schedule.edn")"
n=$(streams "$A" | wc -l)
[ "$n" -gt 1000 ] || fail "only $n client invocations recorded"
[ "$n" = "$(grep -c ':type :invoke, :process [0-9]' "$A/history.edn")" ] ||
    fail "schedule and history disagree on the invocations"
faults "$A" >"$TMP/fa"
[ "$(wc -l <"$TMP/fa")" -ge 3 ] || fail "faults not recorded: $(cat "$TMP/fa")"
grep -q ':thread :nemesis, :event :complete, :f :pause' "$A/schedule.edn" ||
    fail "nemesis completions not recorded"

# The replay: same options (recorded), same streams, same faults, invalid.
expect_exit 1 "$FAULTLINE" test memkv --replay "$A" --store "$TMP/b"
grep -q "replaying $A/schedule.edn: $n client ops and [0-9]* faults" "$TMP/err" ||
    fail "replay not announced: $(head -3 "$TMP/err")"
B=$(cd "$TMP/b/memkv-register/latest" && pwd -P)
grep -q ':bug "stale-read"' "$B/test.edn" || fail "recorded --bug not used"
grep -q ':seed "42"' "$B/test.edn" || fail "recorded seed not used"
streams "$A" >"$TMP/sa"
streams "$B" >"$TMP/sb"
same_streams "$TMP/sa" "$TMP/sb" || fail "per-thread op streams differ"
faults "$B" >"$TMP/fb"
cut -d' ' -f2- "$TMP/fa" >"$TMP/fa2"
cut -d' ' -f2- "$TMP/fb" >"$TMP/fb2"
cmp -s "$TMP/fa2" "$TMP/fb2" || fail "faults differ: $(diff "$TMP/fa2" "$TMP/fb2" | head)"
paste -d' ' "$TMP/fa" "$TMP/fb" | awk '$4 < $1 { bad = 1 } END { exit bad }' ||
    fail "a fault ran before its recorded offset"
# every client op no earlier than its offset either
sed -n 's/.*:at \([0-9]*\), :thread \([0-9]*\), .*/\2 \1/p' "$A/schedule.edn" |
    sort -s -n -k1,1 >"$TMP/ta"
sed -n 's/.*:at \([0-9]*\), :thread \([0-9]*\), .*/\2 \1/p' "$B/schedule.edn" |
    sort -s -n -k1,1 >"$TMP/tb"
awk 'NR == FNR { o[$1, a[$1]++] = $2; next }
     { i = b[$1]++; if ((($1, i) in o) && $2 < o[$1, i]) { print; bad = 1 } }
     END { exit bad }' "$TMP/ta" "$TMP/tb" >&2 ||
    fail "a client op ran before its recorded offset"

# "After a fix": the bug switched off on the command line, same schedule.
expect_exit 0 "$FAULTLINE" test memkv --replay "$A" --bug none --store "$TMP/c"
C=$(cd "$TMP/c/memkv-register/latest" && pwd -P)
streams "$C" >"$TMP/sc"
same_streams "$TMP/sa" "$TMP/sc" || fail "streams differ with --bug none"

# A shorter time limit on the command line cuts the replay there (2.5 s:
# between the end of the first pause and the start of the second).
expect_exit 1 "$FAULTLINE" test memkv --replay "$A" --time-limit 2.5 \
    --store "$TMP/e"
E=$(cd "$TMP/e/memkv-register/latest" && pwd -P)
grep -q ':time-limit-ms 2500' "$E/test.edn" || fail "--time-limit not taken"
late=$(sed -n 's/.*:time \([0-9]*\), :type :invoke, :process [0-9].*/\1/p' \
    "$E/history.edn" | awk '$1 > 3000000000' | wc -l)
[ "$late" = 0 ] || fail "$late client ops invoked after the 2.5 s limit"

# Bad input: exit 254, naming the file.
expect_exit 254 "$FAULTLINE" test memkv --replay "$TMP/nowhere"
grep -q "$TMP/nowhere/test.edn" "$TMP/err" || fail "no file named: $(cat "$TMP/err")"
mkdir "$TMP/d"
cp "$A/test.edn" "$TMP/d/"
expect_exit 254 "$FAULTLINE" test memkv --replay "$TMP/d"
grep -q "$TMP/d/schedule.edn: No such file" "$TMP/err" ||
    fail "missing schedule: $(cat "$TMP/err")"
sed '3s/:at [0-9]*/:at soon/' "$A/schedule.edn" >"$TMP/d/schedule.edn"
expect_exit 254 "$FAULTLINE" test memkv --replay "$TMP/d"
grep -q "$TMP/d/schedule.edn:3: :at must be" "$TMP/err" ||
    fail "bad :at: $(cat "$TMP/err")"
sed '2s/}$/ ]/' "$A/schedule.edn" >"$TMP/d/schedule.edn"
expect_exit 254 "$FAULTLINE" test memkv --replay "$TMP/d"
grep -q "$TMP/d/schedule.edn:2:" "$TMP/err" || fail "bad EDN: $(cat "$TMP/err")"
echo '{:seed 1}' >"$TMP/d/schedule.edn"
expect_exit 254 "$FAULTLINE" test memkv --replay "$TMP/d"
grep -q "$TMP/d/schedule.edn:1: not a schedule" "$TMP/err" ||
    fail "bad header: $(cat "$TMP/err")"
sed 's/:suite "memkv"/:suite "etcd"/' "$A/test.edn" >"$TMP/d/test.edn"
expect_exit 254 "$FAULTLINE" test memkv --replay "$TMP/d"
grep -q "test.edn is a run of suite etcd, not memkv" "$TMP/err" ||
    fail "suite mismatch: $(cat "$TMP/err")"
expect_exit 254 "$FAULTLINE" test-all memkv --replay "$A"
exit 0
