#!/bin/sh
# t0001: `history stats` on every corpus history, and exact counts for two.
. "$(dirname "$0")/lib.sh"

n=0
for f in $(find "$CORPUS" -name '*.edn' | sort); do
    expect_exit 0 "$FAULTLINE" history stats "$f"
    grep -q '^ops: [1-9]' "$TMP/out" || fail "$f: no op count"
    n=$((n + 1))
done
[ "$n" -ge 100 ] || fail "only $n corpus files"

expect_exit 0 "$FAULTLINE" history stats "$CORPUS/elle/huge-scc.edn"
grep -qx 'ops: 20602' "$TMP/out" || fail "huge-scc op count"
grep -qx '  invoke  10254' "$TMP/out" || fail "huge-scc invokes"
grep -q '^processes: 174 (173 clients, highest id 202, 1 other: :nemesis)' \
    "$TMP/out" || fail "huge-scc processes"
grep -qx 'open invocations: 0' "$TMP/out" || fail "huge-scc open"
grep -q '^  :txn 20508 ' "$TMP/out" || fail "huge-scc :txn"

expect_exit 0 "$FAULTLINE" history stats "$CORPUS/knossos/mutex/bad/etcd.edn"
grep -qx 'ops: 1135' "$TMP/out" || fail "etcd op count"
grep -qx 'open invocations: 3' "$TMP/out" || fail "etcd open"
grep -qx 'time: 341187643 .. 34821084511 ns (34.480 s)' "$TMP/out" ||
    fail "etcd time span"
exit 0
