#!/bin/sh
# t0921: --client-cmd and `faultline test external` from the outside: the
# options' errors (254, naming the option), a client that refuses to open
# (255, naming the client), the open request a client sees, a correct
# client valid on every workload, and --client-cmd replacing the client
# of another suite (memkv's in-process store here).
. "$(dirname "$0")/lib.sh"
cd "$TMP"
# A copy at a short path: errors show the first 60 characters of the
# client's command, and a checkout's path may be long.
FAKE=$TMP/fake-client.py
cp "$TOP/tests/helpers/fake-client.py" "$FAKE" || fail "copy fake-client.py"
ext() {
    "$FAULTLINE" test external --time-limit 1 --concurrency 2 --rate 100 "$@"
}

expect_exit 254 ext
grep -q -- "--client-cmd is required" "$TMP/err" || fail "no client-cmd error"
expect_exit 254 ext --client-cmd ""
grep -q -- "--client-cmd .*empty command" "$TMP/err" || fail "empty accepted"
expect_exit 254 ext --client-cmd true --workload bank
grep -q -- "--workload bank" "$TMP/err" || fail "bad workload accepted"
expect_exit 254 ext --client-cmd true --nemesis kill
grep -q -- "--nemesis kill needs --db-kill" "$TMP/err" || fail "kill w/o db"
expect_exit 254 ext --client-cmd true --db-kill "pkill x"
grep -q -- "--db-kill needs --db-start" "$TMP/err" || fail "kill w/o start"
expect_exit 254 ext --client-cmd true --db-pause "x"
grep -q -- "--db-pause and --db-resume" "$TMP/err" || fail "pause w/o resume"
"$FAULTLINE" test external --help >"$TMP/out" || fail "help"
grep -q -- "--db-setup CMD" "$TMP/out" || fail "help lacks --db-setup"
grep -q -- "--client-cmd CMD" "$TMP/out" || fail "help lacks --client-cmd"

# A client that cannot open: the run stops before any op, naming it.
expect_exit 255 ext --client-cmd "python3 $FAKE $TMP/db.json openfail"
grep -q 'client setup on n[1-5]: client "python3 .*fake-client.py' \
    "$TMP/err" || fail "open failure does not name the client"
grep -q 'open answered .*cannot connect' "$TMP/err" ||
    fail "open failure lacks the client's answer"

# What a client is told at open (the first line of its stdin).
cat >"$TMP/tee.sh" <<'SH'
read -r l; printf '%s\n' "$l" >>"$1"; echo '{"type":"ok"}'
while read -r l; do
  case "$l" in *'"close"'*) echo '{"type":"ok"}'; exit 0;; esac
  echo '{"type":"ok"}'
done
SH
# (Its reads return nothing, so the set checker rightly says :lost.)
expect_exit 1 ext --client-cmd "sh $TMP/tee.sh $TMP/opens" --workload set \
    --nodes a,b,c --seed 5
grep -q '^{"type":"open","node":"b","nodes":\["a","b","c"\],"test":{"name":"external-set","seed":5,"concurrency":2,' \
    "$TMP/opens" || { head -2 "$TMP/opens" >&2; fail "open request"; }
grep -q '"op-timeout-ms":10000,"answer-timeout-ms":9500,' "$TMP/opens" ||
    fail "open lacks the timeouts"
grep -q '"workload":"set"' "$TMP/opens" || fail "open lacks the options"
grep -q '"store-dir":"store/external-set/' "$TMP/opens" || fail "no store-dir"
run=$(sed -n 's/^store: //p' "$TMP/out")
grep -q ':client-cmd "sh ' "$run/test.edn" || fail "test.edn lacks client-cmd"
[ -f "$run/clients/worker-0.stderr" ] && [ -f "$run/clients/setup-a.stderr" ] ||
    fail "no per-worker stderr logs"

# A correct client is valid on every workload.
for w in register set counter; do
    rm -f "$TMP/db.json"
    expect_exit 0 ext --client-cmd "python3 $FAKE $TMP/db.json ok" \
        --workload $w --concurrency 4 --time-limit 3
    grep -q 'verdict: valid' "$TMP/out" || fail "$w: not valid"
done

# DB commands enable the kill and pause faults (on dummy remotes here: the
# commands themselves run in test_external.c and t0922).
rm -f "$TMP/db.json"
expect_exit 0 ext --no-ssh --nodes a,b,c --time-limit 2 \
    --client-cmd "python3 $FAKE $TMP/db.json ok" --db-start "start" \
    --db-kill "kill" --db-pause "stop" --db-resume "cont" \
    --nemesis kill,pause --nemesis-interval 0.2
run=$(sed -n 's/^store: //p' "$TMP/out")
grep -q ':process :nemesis, :f :kill, :value \[' "$run/history.edn" ||
    fail "no kill fault"
grep -q ':process :nemesis, :f :pause, :value \[' "$run/history.edn" ||
    fail "no pause fault"

# Any suite: memkv's ops go to the client, not to its in-process store.
# (3 s as above: on a loaded machine, or under ASan, 1 s gave the python
# clients time for two ops, and a read that never succeeded is :unknown.)
rm -f "$TMP/db.json"
expect_exit 0 "$FAULTLINE" test memkv --workload register --time-limit 3 \
    --concurrency 2 --client-cmd "python3 $FAKE $TMP/db.json ok"
grep -q '"0"' "$TMP/db.json" || fail "memkv ops did not reach the client"
run=$(sed -n 's/^store: //p' "$TMP/out")
[ -d "$run/clients" ] || fail "memkv run has no clients/ logs"
exit 0
