#!/bin/sh
# t1005: txn-list-append and txn-rw-register send Maelstrom's txn bodies and
# are checked by Elle: one node with local state is strict serializable;
# two nodes each with their own data are not.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-maelstrom.sh"
cd "$TMP"

common="--time-limit 2 --rate 100 --concurrency 4 --bin $EX/txn_local.py"
# shellcheck disable=SC2086
mael 0 -w txn-list-append --node-count 1 $common
run=$(run_dir)
grep -q ':f :txn, :value \[\[:' "$run/history.edn" || fail "no txns"
grep -q '"type":"txn","txn":\[\["' "$run/messages.jsonl" ||
    fail "txn body not Maelstrom's"
# shellcheck disable=SC2086
mael 1 -w txn-list-append --node-count 2 $common
grep -q 'anomaly-types' "$TMP/out" || fail "no anomalies named"
# shellcheck disable=SC2086
mael 0 -w txn-rw-register --node-count 1 $common --key-count 3 \
    --max-txn-length 2
# shellcheck disable=SC2086
mael 1 -w txn-rw-register --node-count 2 $common --key-count 3
exit 0
