#!/bin/sh
# t1020: an independent linearizability check stops at its first invalid
# key: two small invalid keys next to a key whose search takes minutes
# answer false at once, the hard key reported :not-checked; --all-keys
# searches every key (and so needs a time limit here).
. "$(dirname "$0")/lib.sh"
GEN=${O:-$TOP/build}/tests/helpers/lin_gen
L="$FAULTLINE check linearizable --model cas-register --init 0 --independent"

# key 0: 2,000 ops, 2% crashed, its last read corrupted (hard to refute);
# keys 1 and 2: 40 ops each, both invalid.
"$GEN" 1:2000:5:2:bad >"$TMP/hard.edn" || fail "lin_gen"
"$GEN" 1:2000:5:2:bad 2:40:3:5:bad >"$TMP/mix.edn" || fail "lin_gen"

# The hard key alone is beyond a 2 s search.
expect_exit 2 $L --time-limit 2 "$TMP/hard.edn"
grep -q ':cause :timeout' "$TMP/out" || fail "hard key: $(cat "$TMP/out")"

# With the two small invalid keys: false at once (no time limit; timeout
# only guards the test run).
expect_exit 1 timeout 60 $L --threads 2 "$TMP/mix.edn"
grep -q ':failures \[[12]' "$TMP/out" || fail "failures: $(cat "$TMP/out")"
grep -q ':results {0 {:valid? :unknown, :cause :not-checked}' "$TMP/out" ||
    fail "hard key not reported :not-checked: $(cat "$TMP/out")"
grep -q ':not-checked [12],' "$TMP/out" || fail "count: $(cat "$TMP/out")"
# One thread too: the cheap keys come first.
expect_exit 1 timeout 60 $L --threads 1 "$TMP/mix.edn"
grep -q ':not-checked' "$TMP/out" || fail "1 thread: $(cat "$TMP/out")"

# --all-keys: both small keys are searched and fail, the hard one times out.
expect_exit 1 $L --all-keys --time-limit 2 "$TMP/mix.edn"
grep -q ':failures \[[12] [12]\]' "$TMP/out" ||
    fail "--all-keys failures: $(cat "$TMP/out")"
grep -q ':results {0 {:valid? :unknown, :cause :timeout}' "$TMP/out" ||
    fail "--all-keys hard key: $(cat "$TMP/out")"
grep -q ":not-checked 0," "$TMP/out" || fail "all checked: $(cat "$TMP/out")"
exit 0
