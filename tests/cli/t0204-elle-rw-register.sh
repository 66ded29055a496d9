#!/bin/sh
# t0204: check rw-register on small hand-written histories.
. "$(dirname "$0")/lib.sh"

# Write skew: both read nil, each writes the key the other read.
cat >"$TMP/skew.edn" <<'EDN'
{:index 0 :type :invoke :process 0 :f :txn :value [[:r :x nil] [:w :y 1]]}
{:index 1 :type :invoke :process 1 :f :txn :value [[:r :y nil] [:w :x 1]]}
{:index 2 :type :ok :process 0 :f :txn :value [[:r :x nil] [:w :y 1]]}
{:index 3 :type :ok :process 1 :f :txn :value [[:r :y nil] [:w :x 1]]}
EDN
expect_exit 1 "$FAULTLINE" check rw-register "$TMP/skew.edn"
grep -q ':G2-item' "$TMP/out" || fail "want G2-item"
expect_exit 0 "$FAULTLINE" check rw-register \
    --consistency-models snapshot-isolation "$TMP/skew.edn"

# A serial history is valid; an aborted read is G1a.
cat >"$TMP/g1a.edn" <<'EDN'
{:index 0 :type :invoke :process 0 :f :txn :value [[:w :x 1]]}
{:index 1 :type :ok :process 0 :f :txn :value [[:w :x 1]]}
{:index 2 :type :invoke :process 0 :f :txn :value [[:r :x nil] [:w :x 2]]}
{:index 3 :type :ok :process 0 :f :txn :value [[:r :x 1] [:w :x 2]]}
EDN
expect_exit 0 "$FAULTLINE" check rw-register --wfr-keys "$TMP/g1a.edn"
cat >>"$TMP/g1a.edn" <<'EDN'
{:index 4 :type :invoke :process 1 :f :txn :value [[:w :x 3]]}
{:index 5 :type :fail :process 1 :f :txn :value [[:w :x 3]]}
{:index 6 :type :invoke :process 1 :f :txn :value [[:r :x nil]]}
{:index 7 :type :ok :process 1 :f :txn :value [[:r :x 3]]}
EDN
expect_exit 1 "$FAULTLINE" check rw-register "$TMP/g1a.edn"
grep -q ':G1a' "$TMP/out" || fail "want G1a"
exit 0
