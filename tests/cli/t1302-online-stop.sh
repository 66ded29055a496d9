#!/bin/sh
# t1302: online checking while a memkv run goes on. Without
# --stop-on-invalid the progress line says "invalid so far" once an online
# checker found an anomaly and results.edn records it under :online; with
# it the workload ends within seconds of the first anomaly, heals, and
# writes its results (status.edn says why it stopped). A valid run is not
# stopped.
. "$(dirname "$0")/lib.sh"
cd "$TMP"

now() { date +%s.%N; }
secs() { echo "$1 $2" | awk '{ printf "%.2f", $2 - $1 }'; }
run_dir() { ls -d "$TMP/$1"/memkv-*/2* | head -1; }

# counter lost-update for 11 s: progress lines every 5 s say invalid so far
expect_exit 1 "$FAULTLINE" test memkv --workload counter --bug lost-update \
    --time-limit 11 --concurrency 5 --seed 7 --store "$TMP/a"
grep -q 'invalid so far' "$TMP/out" "$TMP/err" ||
    fail "no 'invalid so far' in the progress lines"
grep -q 'online: counter: :read-too-low at op' "$TMP/out" "$TMP/err" ||
    fail "online anomaly not said"
d=$(run_dir a)
grep -q ':online {:valid? false, :checker "counter", :anomaly :read-too-low' \
    "$d/results.edn" || fail "results.edn: $(grep -o ':online.*' "$d/results.edn")"
grep -q ':interrupted' "$d/status.edn" && fail "a run not stopped is complete"

# --stop-on-invalid: a stale read (independent register, checked per key
# as each key finishes) ends a 60 s run within seconds
t0=$(now)
expect_exit 1 "$FAULTLINE" test memkv --workload register --bug stale-read \
    --time-limit 60 --concurrency 5 --seed 7 --stop-on-invalid --store "$TMP/b"
t1=$(now)
took=$(secs "$t0" "$t1")
echo "register stale-read, --stop-on-invalid: the run took $took s"
awk -v t="$took" 'BEGIN { exit !(t < 20) }' || fail "took $took s"
grep -q 'online: linearizable: :nonlinearizable on key' "$TMP/out" "$TMP/err" ||
    fail "no online anomaly"
after=$(sed -n 's/.*results written \([0-9.]*\) s after the first anomaly.*/\1/p' \
    "$TMP/out" "$TMP/err")
[ -n "$after" ] || fail "time from the anomaly to the end not said"
echo "results written $after s after the first anomaly"
awk -v t="$after" 'BEGIN { exit !(t < 15) }' || fail "$after s after"
d=$(run_dir b)
grep -q ':interrupted' "$d/status.edn" || fail "status: $(cat "$d/status.edn")"
grep -q 'stopped on invalid' "$d/status.edn" || fail "status says why"
grep -q ':valid? false' "$d/results.edn" || fail "results.edn not invalid"
grep -q ':online {:valid? false, :checker "linearizable"' "$d/results.edn" ||
    fail "results.edn: no :online"
[ -s "$d/history.edn" ] || fail "no history"

# bank lost-update (prefix checked): stops too
expect_exit 1 "$FAULTLINE" test memkv --workload bank --bug lost-update \
    --time-limit 60 --concurrency 5 --seed 7 --stop-on-invalid --store "$TMP/c"
grep -q 'online: bank: :wrong-total' "$TMP/out" "$TMP/err" || fail "bank"
grep -q 'stopped on invalid' "$(run_dir c)/status.edn" || fail "bank: status"

# unique-ids (prefix checked): a duplicate id stops the run
expect_exit 1 "$FAULTLINE" test memkv --workload unique-ids --bug lost-update \
    --time-limit 60 --concurrency 5 --seed 7 --stop-on-invalid --store "$TMP/e"
grep -q 'online: unique-ids: :duplicated' "$TMP/out" "$TMP/err" || fail "ids"
grep -q 'stopped on invalid' "$(run_dir e)/status.edn" || fail "ids: status"

# a valid run with --stop-on-invalid runs to its end
expect_exit 0 "$FAULTLINE" test memkv --workload counter --time-limit 2 \
    --concurrency 5 --seed 7 --stop-on-invalid --store "$TMP/d"
d=$(run_dir d)
grep -q ':online {:valid? true' "$d/results.edn" || fail "valid: :online"
grep -q ':complete' "$d/status.edn" || fail "valid: $(cat "$d/status.edn")"
exit 0
