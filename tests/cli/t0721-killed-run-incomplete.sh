#!/bin/sh
# t0721: a run killed with SIGKILL is not mistaken for a complete one.
# memkv's set workload with the pause fault every second (paused 0-1 s and
# 2-3 s): killed at 2.5 s, while its clients hang on the paused store.
# status.edn still says :running; `analyze` says the run is incomplete
# (killed), lists the invocations that never completed, does not say
# "Everything looks good!", and the set checkers call the adds acknowledged
# after the last read never-read, not lost. The web index marks the run
# and links its history.edn (a killed run has no history.txt).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve-lib.sh"
cd "$TMP"

"$FAULTLINE" test memkv --workload set --nemesis pause --nemesis-interval 1 \
    --time-limit 30 --op-timeout 60 --concurrency 4 --seed 3 \
    >"$TMP/run.out" 2>"$TMP/run.err" &
pid=$!
sleep 2.5
kill -9 $pid
wait $pid 2>/dev/null
run=$(cd store/current && pwd -P) || fail "no store/current"
grep -q ':status :running' "$run/status.edn" || fail "status: $(cat "$run/status.edn")"
[ -e "$run/history.txt" ] && fail "a killed run wrote history.txt?"

"$FAULTLINE" analyze "$run" >"$TMP/an.out" 2>"$TMP/an.err"
rc=$?
[ $rc -le 2 ] || fail "analyze exit $rc: $(cat "$TMP/an.err")"
grep -q 'Everything looks good' "$TMP/an.out" && fail "looks complete: $(cat "$TMP/an.out")"
grep -q '^INCOMPLETE: .*killed' "$TMP/an.out" || fail "not incomplete: $(cat "$TMP/an.out")"
grep -q 'ops: [0-9]* (incomplete: killed)' "$TMP/an.out" || fail "ops line"
R=$run/results.edn
grep -q '^ :incomplete true$' "$R" || fail "no :incomplete in results.edn"
grep -q '^ :incomplete-reason :killed$' "$R" || fail "no reason"
n=$(sed -n 's/^ :open-invocation-count \([0-9]*\)$/\1/p' "$R")
[ -n "$n" ] && [ "$n" -ge 1 ] || fail "open invocations: '$n'"
grep -q '^ :open-invocations \[{:index' "$R" || fail "open invocations not listed"
grep '^ :set {' "$R" | grep -q ':lost-count 0' || fail "set: $(grep '^ :set ' "$R")"
grep '^ :set {' "$R" | grep -q ':incomplete true' || fail "set does not say cut short"

serve_start "$(pwd)/store"
[ "$(status /)" = 200 ] || fail "index"
grep -q 'data-incomplete="killed"' "$TMP/body" || fail "index does not mark the run"
grep -q 'incomplete: killed' "$TMP/body" || fail "index shows no badge"
link=$(grep -o 'href="/files/[^"]*/history\.edn"' "$TMP/body" | head -n 1 |
    sed 's/^href="//; s/"$//')
[ -n "$link" ] || fail "no history link"
[ "$(status "$link")" = 200 ] || fail "history link $link"
grep -q ':type :invoke' "$TMP/body" || fail "history link body"
rel=${run#"$(pwd -P)/store/"}
[ "$(status "/run/$rel")" = 200 ] || fail "run page /run/$rel"
grep -q 'id="incomplete"' "$TMP/body" || fail "run page does not mark it"
grep -q 'id="open"' "$TMP/body" || fail "run page lists no open ops"
exit 0
