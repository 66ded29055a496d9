#!/bin/sh
# t0754: the web UI's run page shows what the CLI prints about a failure,
# in a real browser (headless chromium, tests/browser/failures.js): the
# linearizability failure's ops (the :index the CLI names), path, model
# state and linear.svg; a set's lost elements (the ones the CLI names);
# Elle's cycle explanation; and markup in results shown as text.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve-lib.sh"
command -v node >/dev/null || fail "node is needed (apt-get install nodejs)"
[ -x /usr/bin/chromium ] || [ -n "${CHROMIUM:-}" ] ||
    fail "chromium is needed (scripts/install-deps.sh)"

S=$TMP/store
cd "$TMP"
expect_exit 1 "$FAULTLINE" test memkv --bug stale-read --time-limit 2 \
    --rate 100 --seed 4 --store "$S"
lin=$(sed -n 's|^store: .*/store/||p' out)
idx=$(sed -n 's/^linearizable: :op {[^}]*:index \([0-9]*\),.*/\1/p' out | head -1)
[ -n "$lin" ] && [ -n "$idx" ] || fail "no store or :index in: $(cat out)"
expect_exit 1 "$FAULTLINE" test memkv --workload set --bug lost-update \
    --time-limit 2 --rate 100 --seed 4 --store "$S"
set=$(sed -n 's|^store: .*/store/||p' out)
lost=$(sed -n 's/^set: :lost "\(.*\)"$/\1/p' out)
[ -n "$set" ] && [ -n "$lost" ] || fail "no lost elements in: $(cat out)"

# An Elle run's results (as a suite with an append workload stores them).
E=$S/elle/20261205T000000.000Z
mkdir -p "$E"
cp "$CORPUS/elle/paper-example.edn" "$E/history.edn"
expect_exit 1 "$FAULTLINE" check list-append "$E/history.edn"
{ printf '{:valid? false :elle '; cat out; printf '}\n'; } >"$E/results.edn"
V=$S/evil/20261205T000000.000Z
mkdir -p "$V"
printf '{:valid? false :set {:valid? false :lost "<img src=x onerror=window.pwned=1>"}}\n' \
    >"$V/results.edn"

serve_start "$S"
node "$TOP/tests/browser/failures.js" --url "http://127.0.0.1:$PORT" \
    --linear "$lin" --linear-index "$idx" --set "$set" --lost "$lost" \
    --elle elle/20261205T000000.000Z --evil evil/20261205T000000.000Z ||
    fail "browser tests"
