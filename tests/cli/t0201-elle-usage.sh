#!/bin/sh
# t0201: check list-append/rw-register arguments and bad input.
. "$(dirname "$0")/lib.sh"

expect_exit 0 "$FAULTLINE" check list-append --help
grep -q 'consistency-models' "$TMP/out" || fail "help text"
expect_exit 254 "$FAULTLINE" check list-append
expect_exit 254 "$FAULTLINE" check list-append --bogus x.edn
expect_exit 254 "$FAULTLINE" check list-append \
    --consistency-models serialisable "$CORPUS/elle/paper-example.edn"
grep -q "serialisable" "$TMP/err" || fail "should name the bad model"
expect_exit 254 "$FAULTLINE" check rw-register --anomalies G9 \
    "$CORPUS/elle/paper-example.edn"
expect_exit 254 "$FAULTLINE" check list-append "$TMP/missing.edn"

# A :w micro-op in a list-append history: exit 254 naming the line.
cat >"$TMP/bad.edn" <<'EDN'
{:index 0 :type :invoke :process 0 :f :txn :value [[:append :x 1]]}
{:index 1 :type :ok :process 0 :f :txn :value [[:append :x 1]]}
{:index 2 :type :invoke :process 0 :f :txn :value [[:w :x 1]]}
{:index 3 :type :ok :process 0 :f :txn :value [[:w :x 1]]}
EDN
expect_exit 254 "$FAULTLINE" check list-append "$TMP/bad.edn"
grep -q 'bad.edn:4' "$TMP/err" || fail "want file:line, got $(cat "$TMP/err")"

# Syntax errors come from the reader with file:line:col.
printf '{:index 0 :type :invoke :value [[:r :x nil]}\n' >"$TMP/syntax.edn"
expect_exit 254 "$FAULTLINE" check list-append "$TMP/syntax.edn"
grep -q 'syntax.edn:1' "$TMP/err" || fail "want file:line:col"
exit 0
