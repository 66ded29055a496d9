#!/bin/sh
# t0340: SIGINT ends the workload early; the run finishes, checks what it
# recorded and exits with the verdict.
. "$(dirname "$0")/lib.sh"
cd "$TMP"

"$FAULTLINE" test memkv --workload set --time-limit 30 --concurrency 4 \
    >"$TMP/run.out" 2>"$TMP/run.err" &
pid=$!
sleep 1.5
kill -INT $pid
i=0
while kill -0 $pid 2>/dev/null && [ $i -lt 50 ]; do
    sleep 0.1
    i=$((i + 1))
done
kill -0 $pid 2>/dev/null && { kill -9 $pid; fail "still running 5 s after SIGINT"; }
wait $pid
rc=$?
[ $rc = 0 ] || { cat "$TMP/run.err"; fail "exit $rc after SIGINT"; }
grep -q 'interrupted' "$TMP/run.out" || fail "not reported as interrupted"
grep -q 'verdict: valid' "$TMP/run.out" || fail "no verdict"
run=$(sed -n 's/^store: //p' "$TMP/run.out")
# The final read ran after the interrupt: the set checker saw a read.
grep -q ':set {:valid? true' "$run/results.edn" || fail "set not checked"
[ -L store/latest ] || fail "no latest"
exit 0
