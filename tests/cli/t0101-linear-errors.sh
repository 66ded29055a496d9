#!/bin/sh
# t0101: bad arguments, unreadable or malformed input and ops that do not
# fit the model exit 254 with a clear message.
. "$(dirname "$0")/lib.sh"
K=$CORPUS/knossos/cas-register
L="$FAULTLINE check linearizable"

expect_exit 0 $L --help
grep -q 'usage: faultline check linearizable' "$TMP/out" || fail "no usage"
expect_exit 254 $L "$K/good/memstress3-0.edn"
grep -q -- '--model is required' "$TMP/err" || fail "no --model message"
expect_exit 254 $L --model nope "$K/good/memstress3-0.edn"
grep -q "unknown model 'nope'" "$TMP/err" || fail "no unknown-model message"
expect_exit 254 $L --model register
grep -q 'no history file' "$TMP/err" || fail "no missing-file message"
expect_exit 254 $L --model register --bogus "$K/good/memstress3-0.edn"
expect_exit 254 $L --model register --threads 0 "$K/good/memstress3-0.edn"
expect_exit 254 $L --model register --time-limit abc "$K/good/memstress3-0.edn"
expect_exit 254 $L --model register --init '{:x' "$K/good/memstress3-0.edn"
grep -q -- '--init' "$TMP/err" || fail "no --init message"
expect_exit 254 $L --model multi-register --init 5 "$K/good/memstress3-0.edn"
expect_exit 254 $L --model register "$TMP/missing.edn"
grep -q 'missing.edn' "$TMP/err" || fail "no file name in: $(cat "$TMP/err")"

printf '{:process 0 :type :invoke :f :write :value 1}\n{:process 0 :type' \
    >"$TMP/bad.edn"
expect_exit 254 $L --model register "$TMP/bad.edn"
grep -q 'bad.edn:' "$TMP/err" || fail "no position in: $(cat "$TMP/err")"

# A :cas on a register is a model mismatch, named with its line.
expect_exit 254 $L --model register --init 0 "$K/bad/cas-failure.edn"
grep -q 'cas-failure.edn:[0-9]*: op :index [0-9]*: model register: op :cas' \
    "$TMP/err" || fail "mismatch message: $(cat "$TMP/err")"

# A completion with no invocation.
printf '{:process 0 :type :ok :f :read :value 1}\n' >"$TMP/orphan.edn"
expect_exit 254 $L --model register "$TMP/orphan.edn"
grep -q 'no invocation' "$TMP/err" || fail "orphan message: $(cat "$TMP/err")"

# --independent needs tuples.
printf '{:process 0 :type :invoke :f :read :value nil}\n' >"$TMP/nt.edn"
expect_exit 254 $L --model register --independent "$TMP/nt.edn"
grep -q 'tuple' "$TMP/err" || fail "tuple message: $(cat "$TMP/err")"
