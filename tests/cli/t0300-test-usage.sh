#!/bin/sh
# t0300: --help for test, test-all and analyze; bad arguments exit 254 with
# a message naming the problem.
. "$(dirname "$0")/lib.sh"

for c in test test-all analyze; do
    expect_exit 0 "$FAULTLINE" $c --help
    grep -q "usage: faultline $c" "$TMP/out" || fail "$c --help: no usage"
done
expect_exit 0 "$FAULTLINE" test memkv --help
grep -q -- '--bug' "$TMP/out" || fail "suite options missing from help"
grep -q -- 'register set counter bank' "$TMP/out" || fail "workloads missing"

cd "$TMP"
expect_exit 254 "$FAULTLINE" test
expect_exit 254 "$FAULTLINE" test nosuchsuite
grep -q "unknown suite 'nosuchsuite'" "$TMP/err" || fail "no suite message"
expect_exit 254 "$FAULTLINE" test memkv --bogus
grep -q "unknown option '--bogus'" "$TMP/err" || fail "no option message"
expect_exit 254 "$FAULTLINE" test memkv --concurrency 0
expect_exit 254 "$FAULTLINE" test memkv --concurrency x3n
expect_exit 254 "$FAULTLINE" test memkv --time-limit -5
expect_exit 254 "$FAULTLINE" test memkv --time-limit
grep -q "needs an argument" "$TMP/err" || fail "no missing-argument message"
expect_exit 254 "$FAULTLINE" test memkv --workload nosuch
grep -q "not a workload" "$TMP/err" || fail "no workload message"
expect_exit 254 "$FAULTLINE" test memkv --bug flaky --time-limit 1
grep -q "stale-read" "$TMP/err" || fail "no bug message"
expect_exit 254 "$FAULTLINE" test memkv --nemesis kill --time-limit 1
expect_exit 254 "$FAULTLINE" test memkv --seed -1
expect_exit 254 "$FAULTLINE" test memkv extra-arg
expect_exit 254 "$FAULTLINE" analyze --store "$TMP/nothing"
grep -q "no such store directory" "$TMP/err" || fail "no store message"
expect_exit 254 "$FAULTLINE" analyze a b
[ ! -e store ] || fail "bad arguments created a store"
exit 0
