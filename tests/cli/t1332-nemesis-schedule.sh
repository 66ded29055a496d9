#!/bin/sh
# t1332: `--nemesis-schedule FILE` runs the faults FILE lists, at its
# offsets, instead of the nemesis's random ones, while the clients follow
# their own generator: a hand-written file (no header) gives exactly its
# faults, none early, none more than 1 s late; a recorded run's
# schedule.edn gives that run's faults (with a seed past 2^63 in its
# header, written as an EDN bigint). Bad input (no file, a malformed line,
# no fault in it, no --nemesis to run it, a fault that --nemesis does not
# run, with --replay) exits 254 naming the file (and line) or the option.
. "$(dirname "$0")/lib.sh"
cd "$TMP"

cat >"$TMP/faults.edn" <<'EDN'
{:phase :workload, :at 500000000, :thread :nemesis, :event :invoke, :f :start-partition, :value "n1|n2,n3"}

{:phase :workload, :at 1500000000, :thread :nemesis, :event :invoke, :f :stop-partition}
{:phase :workload, :at 2000000000, :thread :nemesis, :event :invoke, :f :start-partition, :value "n1,n2|n3"}
EDN
run() {
    "$FAULTLINE" test memkv --nemesis partition --time-limit 3 \
        --op-timeout 1 --concurrency 6 "$@"
}

# offset (ns), :f and :value of every nemesis invocation in a history
invoked() {
    grep ':process :nemesis' "$1/history.edn" | awk 'NR % 2 == 1' |
        sed 's/.*:time \([0-9]*\), :type :info, :process :nemesis, \(.*\)}$/\1 \2/'
}

expect_exit 0 run --nemesis-schedule "$TMP/faults.edn" --store "$TMP/a"
A=$TMP/a/memkv-register/latest
invoked "$A" | head -3 >"$TMP/got"
[ "$(wc -l <"$TMP/got")" = 3 ] || fail "faults run: $(cat "$TMP/got")"
awk 'NR == 1 { ok = $2 " " $3 " " $4 " " $5 == ":f :start-partition, :value \"n1|n2,n3\"" && $1 >= 5e8 && $1 < 15e8 }
     NR == 2 { ok = ok && $2 " " $3 == ":f :stop-partition," && $1 >= 15e8 && $1 < 25e8 }
     NR == 3 { ok = ok && $5 == "\"n1,n2|n3\"" && $1 >= 2e9 && $1 < 3e9 }
     END { exit !ok }' "$TMP/got" || fail "faults not as scheduled: $(cat "$TMP/got")"
# Only the schedule's faults, and the final heal.
n=$(invoked "$A" | wc -l)
[ "$n" = 4 ] || fail "$n nemesis invocations, not 3 and the heal: $(invoked "$A")"
grep -q ":nemesis-schedule \"$TMP/faults.edn\"" "$A/test.edn" ||
    fail "test.edn does not record the schedule"

# A recorded run's schedule.edn: its faults, with the recorded targets.
# (Clients on memkv's minority side hang until --op-timeout: few ops may
# complete, and the verdict may be unknown, exit 2.)
ran() {
    run "$@" >"$TMP/out" 2>"$TMP/err"
    rc=$?
    [ $rc -le 2 ] || { cat "$TMP/err" >&2; fail "run $*: exit $rc"; }
}
ran --nemesis-interval 0.5 --seed 18446744073709551557 --store "$TMP/b"
B=$(cd "$TMP/b/memkv-register/latest" && pwd -P)
head -1 "$B/schedule.edn" | grep -q ':seed 18446744073709551557N,' ||
    fail "seed past 2^63 not a bigint: $(head -1 "$B/schedule.edn")"
ran --replay "$B" --time-limit 1 --store "$TMP/d" # reads that header
ran --nemesis-schedule "$B/schedule.edn" --store "$TMP/c"
C=$TMP/c/memkv-register/latest
# The same faults in the same order (memkv's partition records no
# targets: the values are what was asked); the rerun's last one may fall
# past its time limit, and each has the heal at the end.
invoked "$B" | sed 's/^[0-9]* //' | sed '$d' >"$TMP/fb"
invoked "$C" | sed 's/^[0-9]* //' | sed '$d' >"$TMP/fc"
[ "$(wc -l <"$TMP/fb")" -ge 3 ] || fail "the recorded run: $(cat "$TMP/fb")"
head -n "$(wc -l <"$TMP/fc")" "$TMP/fb" | cmp -s - "$TMP/fc" &&
    [ $(($(wc -l <"$TMP/fc") + 1)) -ge "$(wc -l <"$TMP/fb")" ] ||
    fail "recorded faults $(cat "$TMP/fb"), rerun $(cat "$TMP/fc")"

# Bad input.
expect_exit 254 run --nemesis-schedule "$TMP/none.edn"
grep -q "none.edn: No such file" "$TMP/err" || fail "missing file not named"
printf '{:phase :workload, :at 1, :thread :nemesis, :event :invoke, :f :kill}\n{:at\n' \
    >"$TMP/bad.edn"
expect_exit 254 run --nemesis-schedule "$TMP/bad.edn"
grep -q "bad.edn:2" "$TMP/err" || fail "malformed line not named: $(cat "$TMP/err")"
printf '{:phase :workload, :at 1, :thread 0, :process 0, :event :invoke, :f :read}\n' \
    >"$TMP/nofault.edn"
expect_exit 254 run --nemesis-schedule "$TMP/nofault.edn"
grep -q "nofault.edn: no fault" "$TMP/err" || fail "no fault: $(cat "$TMP/err")"
expect_exit 254 "$FAULTLINE" test memkv --time-limit 1 \
    --nemesis-schedule "$TMP/faults.edn"
grep -q "no nemesis to run it" "$TMP/err" || fail "no --nemesis: $(cat "$TMP/err")"
printf '{:phase :workload, :at 1500000000, :thread :nemesis, :event :invoke, :f :kill, :value :one}\n' \
    >"$TMP/kill.edn"
expect_exit 254 run --nemesis-schedule "$TMP/kill.edn"
grep -q "kill.edn: :f :kill (at 1.500 s) is not a fault of this --nemesis" \
    "$TMP/err" || fail "a fault the nemesis lacks: $(cat "$TMP/err")"
expect_exit 254 run --nemesis-schedule "$TMP/faults.edn" --replay "$B"
grep -q "not with --replay" "$TMP/err" || fail "with --replay: $(cat "$TMP/err")"
echo "ok t1332"
