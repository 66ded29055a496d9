#!/bin/sh
# t0330: a run killed with SIGKILL leaves a history.edn (flushed every few
# ms) that `faultline analyze` checks, as an incomplete run (t0721 has
# the details); `current` still names the run.
. "$(dirname "$0")/lib.sh"
cd "$TMP"

"$FAULTLINE" test memkv --workload counter --time-limit 20 --concurrency 4 \
    >"$TMP/run.out" 2>"$TMP/run.err" &
pid=$!
sleep 1.5
kill -9 $pid
wait $pid 2>/dev/null
[ -L store/current ] || fail "no store/current after SIGKILL"
run=$(cd store/current && pwd -P)
n=$(wc -l <"$run/history.edn")
[ "$n" -gt 100 ] || fail "only $n lines in history.edn"
tail -c 1 "$run/history.edn" | od -c | grep -q '\\n' || fail "partial line"
expect_exit 0 "$FAULTLINE" analyze "$run"
grep -q 'verdict: valid' "$TMP/out" || fail "analyze verdict"
grep -q '^INCOMPLETE: .*killed' "$TMP/out" || fail "not marked incomplete"
[ -s "$run/results.edn" ] || fail "no results.edn"
exit 0
