#!/bin/sh
# t0722: Ctrl-C during a fault. Once: acknowledged at once (within 1 s),
# the fault is healed at once so that the ops hanging on it finish, the
# final read still runs and the verdict comes soon, marked incomplete
# (interrupted). Twice, with ops that healing does not release (requests
# lost in a partition): the second ends the clients at once (their ops
# become :info "interrupted"), the fault is still healed, and the run
# ends. --op-timeout 60 s: nothing here may wait for a timeout.
. "$(dirname "$0")/lib.sh"
cd "$TMP"

# start_run NEMESIS: a memkv set run in the background, faulted from 0 s
start_run() {
    "$FAULTLINE" test memkv --workload set --nemesis "$1" \
        --nemesis-interval 20 --time-limit 60 --op-timeout 60 \
        --concurrency 4 --seed 5 >"$TMP/run.out" 2>"$TMP/run.err" &
    pid=$!
    sleep 2
}

# wait_line PATTERN TENTHS: wait for PATTERN in run.err, at most TENTHS/10 s
wait_line() {
    i=0
    while ! grep -q "$1" "$TMP/run.err"; do
        i=$((i + 1))
        [ $i -gt "$2" ] && return 1
        sleep 0.1
    done
    return 0
}

# wait_exit TENTHS: wait for the run to exit; sets rc
wait_exit() {
    i=0
    while kill -0 $pid 2>/dev/null; do
        i=$((i + 1))
        if [ $i -gt "$1" ]; then
            kill -9 $pid
            cat "$TMP/run.err" >&2
            fail "still running $(($1 / 10)) s after the interrupt"
        fi
        sleep 0.1
    done
    wait $pid
    rc=$?
}

# -- once, during a pause --
start_run pause
kill -INT $pid
wait_line 'interrupted (SIGINT).*healing the faults now' 10 || {
    kill -9 $pid
    fail "SIGINT not acknowledged within 1 s: $(cat "$TMP/run.err")"
}
wait_exit 100
[ $rc -le 2 ] || fail "exit $rc: $(cat "$TMP/run.err")"
run=$(sed -n 's/^store: //p' "$TMP/run.out")
H=$run/history.edn
grep -q ':f :pause' "$H" || fail "no pause in the history"
grep -q ':type :info, :process :nemesis, :f :resume, :value :healed' "$H" ||
    fail "the pause was not healed"
# The final read ran after healing, and the run says it is incomplete.
tail -n 2 "$H" | grep -q ':type :ok, .*:f :read' || fail "no final read: $(tail -n 3 "$H")"
grep -q '^INCOMPLETE: .*interrupted by SIGINT' "$TMP/run.out" ||
    fail "not marked incomplete: $(cat "$TMP/run.out")"
grep -q ':status :incomplete, :reason :interrupted' "$run/status.edn" ||
    fail "status: $(cat "$run/status.edn")"
grep -q '^ :incomplete-reason :interrupted$' "$run/results.edn" ||
    fail "results.edn not marked"
grep -q 'Everything looks good' "$TMP/run.out" && fail "looks complete"
grep -q 'timeout' "$H" && fail "an op waited for its timeout"

# -- twice, during a partition --
start_run partition
kill -INT $pid
wait_line 'interrupted (SIGINT)' 10 || {
    kill -9 $pid
    fail "first SIGINT not acknowledged within 1 s: $(cat "$TMP/run.err")"
}
sleep 1
kill -0 $pid 2>/dev/null || fail "ended before the second SIGINT: lost requests were released?"
kill -INT $pid
wait_line 'interrupted again: the clients end now' 10 || {
    kill -9 $pid
    fail "second SIGINT not acknowledged within 1 s: $(cat "$TMP/run.err")"
}
wait_exit 50
[ $rc -le 2 ] || fail "exit $rc after two SIGINTs: $(cat "$TMP/run.err")"
run=$(sed -n 's/^store: //p' "$TMP/run.out")
H=$run/history.edn
n=$(grep -c ':type :info, .*:error "interrupted"' "$H")
[ "$n" -ge 1 ] || fail "no client op ended :info interrupted"
grep ':error "interrupted"' "$H" | grep -q ':process :nemesis' &&
    fail "the nemesis op was abandoned"
grep -q ':f :stop-partition, :value :healed' "$H" ||
    fail "the partition was not healed: $(grep partition "$H")"
grep -q 'memkv: healed' "$run/faultline.log" && fail "teardown found a fault left"
grep -q ':status :incomplete, :reason :interrupted' "$run/status.edn" ||
    fail "status: $(cat "$run/status.edn")"
exit 0
