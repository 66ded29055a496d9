#!/bin/sh
# t0920: a --client-cmd client that hangs, crashes, prints garbage, answers
# twice, answers another op or writes an endless line: each such op is
# :info with an :error naming the client (command, worker, pid) and the
# offending line, the subprocess is replaced, the run finishes with a
# verdict (valid: the fake store is correct and :info is always sound),
# and the history is complete: every invocation has its completion.
. "$(dirname "$0")/lib.sh"
cd "$TMP"
# A copy at a short path: errors show the first 60 characters of the
# client's command, and a checkout's path may be long.
FAKE=$TMP/fake-client.py
cp "$TOP/tests/helpers/fake-client.py" "$FAKE" || fail "copy fake-client.py"

# complete HISTORY: each client process alternates invoke, completion and
# ends completed; prints the number of :info completions.
complete() {
    python3 - "$1" <<'PY'
import re, sys
state, n_info, n_inv = {}, 0, 0
for line in open(sys.argv[1]):
    t = re.search(r":type :(\w+)", line).group(1)
    p = re.search(r":process (\d+)", line)
    if not p:
        continue
    p = p.group(1)
    if t == "invoke":
        n_inv += 1
        if state.get(p) == "open":
            sys.exit("process %s invoked twice: %s" % (p, line))
        state[p] = "open"
    else:
        if state.get(p) != "open":
            sys.exit("completion without invocation: " + line)
        state[p] = "done"
        n_info += t == "info"
left = [p for p, s in state.items() if s == "open"]
if left:
    sys.exit("processes never completed: %s" % left)
print(n_inv, n_info)
PY
}

run_mode() {
    mode=$1
    msg=$2
    rm -f "$TMP/db.json"
    expect_exit 0 "$FAULTLINE" test external --workload register \
        --client-cmd "python3 $FAKE $TMP/db.json $mode 15" \
        --concurrency 4 --time-limit 5 --rate 100 --op-timeout 3 --seed 7
    grep -q 'verdict: valid' "$TMP/out" || fail "$mode: no valid verdict"
    run=$(sed -n 's/^store: //p' "$TMP/out")
    [ -s "$run/history.edn" ] || fail "$mode: no history"
    counts=$(complete "$run/history.edn") || fail "$mode: history incomplete"
    set -- $counts
    [ "$1" -gt 10 ] || fail "$mode: only $1 invocations"
    [ "$2" -ge 1 ] || fail "$mode: no :info op"
    grep ':type :info' "$run/history.edn" >"$TMP/info" || true
    grep -q "client .*fake-client.py .*(worker [0-3], pid [0-9]*): $msg" \
        "$TMP/info" || {
        head -3 "$TMP/info" >&2
        fail "$mode: :error does not name the client and say '$msg'"
    }
    grep -q "client-cmd: op [0-9]* :[a-z]*: client" "$run/faultline.log" ||
        fail "$mode: not logged"
}

run_mode hang "no answer to the op within 2500 ms; killed"
run_mode crash "exited with status 3 without answering the op"
grep -q "crashing on purpose" "$run"/clients/worker-*.stderr ||
    fail "crash: stderr not in clients/worker-N.stderr"
run_mode garbage 'malformed answer (not JSON.*): \\"this is ? not json\\"'
run_mode twice "more than one answer line\|wrote a line with no request pending"
run_mode other "answer to another op (answers index [0-9]*, not [0-9]*)"
run_mode long "answer to the op longer than 8388608 bytes: .* ([0-9]* bytes, first 200 shown)"
exit 0
