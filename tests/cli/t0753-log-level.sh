#!/bin/sh
# t0753: --log-level: debug shows more on stderr than info, info more than
# error; at debug faultline.log carries every op of the history (as
# history.edn has it), at info none; a bad level exits 254 naming it.
. "$(dirname "$0")/lib.sh"

cd "$TMP"
run() {
    expect_exit 0 "$FAULTLINE" test memkv --time-limit=1 --rate=50 --seed=7 \
        --store="st-$1" --log-level="$1"
    cp err "err-$1"
}
for l in debug info error; do run $l; done

grep -q ' DEBUG op {:index 0, ' err-debug || fail "debug: no ops on stderr"
grep -q ' INFO  test memkv' err-debug || fail "debug: no info lines"
grep -q ' DEBUG ' err-info && fail "info: debug lines on stderr"
grep -q ' INFO  test memkv' err-info || fail "info: no info line"
grep -q ' INFO \| DEBUG ' err-error && fail "error: info lines on stderr"
d=$(wc -l <err-debug); i=$(wc -l <err-info); e=$(wc -l <err-error)
[ "$d" -gt "$i" ] && [ "$i" -gt "$e" ] || fail "stderr lines: debug $d, info $i, error $e"

log=st-debug/latest/faultline.log
hist=st-debug/latest/history.edn
n=$(wc -l <"$hist")
[ "$n" -gt 20 ] || fail "too few ops ($n)"
[ "$(grep -c ' DEBUG op {' "$log")" = "$n" ] || fail "faultline.log has $(grep -c ' DEBUG op {' "$log") of $n ops"
sed -n 's/.* DEBUG op //p' "$log" | cmp -s - "$hist" || fail "ops in faultline.log differ from history.edn"
grep -q ' op {' st-info/latest/faultline.log && fail "info: ops in faultline.log"
grep -q ' INFO  test memkv' st-error/latest/faultline.log || fail "the log lost its info lines"

# --logging-json at debug: every op as one JSON line too.
expect_exit 0 "$FAULTLINE" test memkv --time-limit 1 --rate 50 --seed 7 \
    --store st-json --log-level debug --logging-json
grep -q '"level":"DEBUG","msg":"op {:index 0, ' st-json/latest/faultline.log ||
    fail "json log: no ops"

expect_exit 0 "$FAULTLINE" analyze --store=st-debug --log-level=info
grep -q "verdict: valid" out || fail "analyze: no verdict"
expect_exit 254 "$FAULTLINE" test memkv --log-level=loud
grep -q "log-level 'loud'" err || fail "bad level not named: $(cat err)"
expect_exit 254 "$FAULTLINE" analyze --log-level
grep -q "option '--log-level' needs an argument" err || fail "analyze: $(cat err)"
exit 0
