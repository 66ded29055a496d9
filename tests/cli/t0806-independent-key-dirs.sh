#!/bin/sh
# t0806: an independent workload writes independent/<key>/results.edn for
# every key and linear.svg for each failing key, as Jepsen does; `check
# linearizable --independent --out DIR` writes the same; the web UI's run
# page links the failing keys (unit test report_serve covers the page).
. "$(dirname "$0")/lib.sh"
cd "$TMP"

expect_exit 1 "$FAULTLINE" test memkv --workload register --bug stale-read \
    --time-limit 1 --concurrency 10 --seed 7 --store "$TMP/store"
run=$(sed -n 's/^store: //p' "$TMP/out")
fails=$(sed -n 's/.*:failures \[\([0-9 ]*\)\].*/\1/p' "$run/results.edn" | head -1)
[ -n "$fails" ] || fail "no failing keys in $run/results.edn"
for k in $fails; do
    [ -s "$run/independent/$k/linear.svg" ] || fail "key $k: no linear.svg"
    grep -q '^{:valid? false' "$run/independent/$k/results.edn" ||
        fail "key $k: results.edn not invalid"
done
nkeys=$(ls "$run/independent" | wc -l)
nres=$(ls "$run"/independent/*/results.edn | wc -l)
[ "$nkeys" = "$nres" ] || fail "$nkeys keys, $nres results.edn"
nsvg=$(ls "$run"/independent/*/linear.svg | wc -l)
nfail=$(echo $fails | wc -w)
[ "$nsvg" = "$nfail" ] || fail "$nsvg pictures for $nfail failing keys"

# the same from the command line, into another directory (--all-keys: by
# default the first invalid key stops the search of the others)
expect_exit 1 "$FAULTLINE" check linearizable --model cas-register \
    --independent --all-keys --out "$TMP/out2" "$run/history.edn"
for k in $fails; do
    [ -s "$TMP/out2/independent/$k/linear.svg" ] || fail "check: key $k"
done
expect_exit 1 "$FAULTLINE" check linearizable --model cas-register \
    --independent --out "$TMP/out3" "$run/history.edn"
ls "$TMP"/out3/independent/*/linear.svg >/dev/null 2>&1 ||
    fail "check without --all-keys: no picture of a failing key"
# the correct store: every key valid, no pictures
expect_exit 0 "$FAULTLINE" test memkv --workload register --time-limit 1 \
    --concurrency 10 --seed 7 --store "$TMP/store"
run=$(sed -n 's/^store: //p' "$TMP/out")
[ -d "$run/independent" ] || fail "valid run: no independent/"
! ls "$run"/independent/*/linear.svg >/dev/null 2>&1 ||
    fail "valid run: a picture"
exit 0
