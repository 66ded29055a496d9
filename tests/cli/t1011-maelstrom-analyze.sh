#!/bin/sh
# t1011: faultline analyze re-checks a maelstrom run with its workload's
# checker (rebuilt from test.edn's options) and keeps the run's own :net
# counters, which the history does not hold: a valid run stays valid, a
# history edited to repeat an id becomes invalid, a run whose results.edn
# is gone gets :net :unknown; an invalid broadcast run stays invalid.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-maelstrom.sh"
cd "$TMP"

mael 0 -w unique-ids --bin "$EX/unique_ids.py" --node-count 2 \
    --time-limit 2 --rate 30 --availability 0.5
run=$(run_dir)
grep -q ':suite "maelstrom"' "$run/test.edn" || fail "no :suite in test.edn"
sends=$(sed -n 's/.*:net {:all {:send-count \([0-9]*\).*/\1/p' \
    "$run/results.edn")
[ -n "$sends" ] || fail "no :net in results.edn"
expect_exit 0 "$FAULTLINE" analyze "$run"
grep -q ':source "results.edn"' "$run/results.edn" || fail "net not kept"
grep -q ":net {:all {:send-count $sends" "$run/results.edn" ||
    fail "net counters changed"
grep -q ':availability {:ok-count' "$run/results.edn" ||
    fail "availability not re-checked"

# The second :ok id becomes the first's: unique-ids must catch it.
cp "$run/history.edn" orig.edn
python3 - "$run/history.edn" <<'PY'
import re, sys
p = sys.argv[1]
lines = open(p).read().split("\n")
oks = [i for i, l in enumerate(lines) if ":type :ok, :process" in l]
first = re.search(r':value "([^"]*)"', lines[oks[0]]).group(1)
lines[oks[1]] = re.sub(r':value "[^"]*"', ':value "%s"' % first, lines[oks[1]])
open(p, "w").write("\n".join(lines))
PY
expect_exit 1 "$FAULTLINE" analyze "$run"
grep -q ':workload {:valid? false' "$run/results.edn" ||
    fail "duplicate id not found: $(head -3 "$run/results.edn")"

# No results.edn: the counters are gone, so :net is unknown (not valid).
cp orig.edn "$run/history.edn"
rm "$run/results.edn"
expect_exit 2 "$FAULTLINE" analyze "$run"
grep -q ':net {:error ".*results.edn' "$run/results.edn" ||
    fail "no :net error: $(grep :net "$run/results.edn")"

mael 1 -w broadcast --bin "$EX/broadcast_noretry.py" --node-count 3 \
    --time-limit 4 --rate 20 --recovery-time 1 --nemesis partition \
    --nemesis-interval 1
run=$(run_dir)
expect_exit 1 "$FAULTLINE" analyze "$run"
grep -q ':workload {:valid? false.*:lost-count [1-9]' "$run/results.edn" ||
    fail "broadcast: lost messages not found again"
exit 0
