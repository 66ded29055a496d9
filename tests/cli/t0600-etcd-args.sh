#!/bin/sh
# t0600-etcd-args.sh: `faultline test etcd` rejects bad options with exit
# 254 and a message naming the option, before touching any node, and its
# --help lists the suite's own options and workloads. (The suite's run with
# faults is tests/unit/test_etcd_suite.c: it needs a private cluster.)
. "$(dirname "$0")/lib.sh"

expect_exit 0 "$FAULTLINE" test etcd --help
grep -q -- "--serializable-reads" "$TMP/out" || fail "help lacks --serializable-reads"
grep -q "workloads: register set" "$TMP/out" || fail "help lacks the workloads"

expect_exit 254 "$FAULTLINE" test etcd --workload queue
grep -q "workload" "$TMP/err" || fail "no message naming --workload"

expect_exit 254 "$FAULTLINE" test etcd --ops-per-key many
grep -q -- "--ops-per-key" "$TMP/err" || fail "no message naming --ops-per-key"

expect_exit 254 "$FAULTLINE" test etcd --threads-per-key 3
grep -q -- "--threads-per-key" "$TMP/err" || fail "no message naming --threads-per-key"

expect_exit 254 "$FAULTLINE" test etcd --nemesis earthquake
grep -q -- "--nemesis" "$TMP/err" || fail "no message naming --nemesis"

expect_exit 254 "$FAULTLINE" test etcd --etcd-dir relative/dir
grep -q -- "--etcd-dir" "$TMP/err" || fail "no message naming --etcd-dir"

expect_exit 254 "$FAULTLINE" test etcd --request-timeout soon
grep -q -- "--request-timeout" "$TMP/err" || fail "no message naming --request-timeout"

expect_exit 254 "$FAULTLINE" test etcd --election-timeout 100 --heartbeat-interval 100
grep -q -- "--election-timeout" "$TMP/err" || fail "no message naming --election-timeout"
echo "ok t0600"
