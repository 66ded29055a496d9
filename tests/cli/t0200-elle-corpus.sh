#!/bin/sh
# t0200: check list-append against Elle's corpus histories
# (../shared/corpus/elle/EXPECTED.md).
. "$(dirname "$0")/lib.sh"
E=$CORPUS/elle

# SI checked with repeatable read: only G2-item, rules out RR, not SI.
expect_exit 1 "$FAULTLINE" check list-append \
    --consistency-models snapshot-isolation,repeatable-read \
    "$E/si-without-g-single.edn"
grep -q ':anomaly-types \[:G2-item\]' "$TMP/out" || fail "want only G2-item"
grep -q ':not #{:repeatable-read}' "$TMP/out" || fail "want :not RR"
expect_exit 0 "$FAULTLINE" check list-append \
    --consistency-models snapshot-isolation "$E/si-without-g-single.edn"
grep -q '{:valid? true}' "$TMP/out" || fail "SI alone should hold"

# The huge SCC: invalid, not strong snapshot isolation, within its bound.
start=$(date +%s)
expect_exit 1 "$FAULTLINE" check list-append "$E/huge-scc.edn"
end=$(date +%s)
grep -q ':not #{:strong-snapshot-isolation}' "$TMP/out" || fail "huge-scc :not"
[ $((end - start)) -lt 30 ] || fail "huge-scc took $((end - start)) s"

# With almost no time for concrete cycles (1 ms per search), whatever was
# found, the cycle-exists pass still proves the same answer.
expect_exit 1 "$FAULTLINE" check list-append --cycle-search-timeout 1 \
    "$E/huge-scc.edn"
grep -q ':not #{:strong-snapshot-isolation}' "$TMP/out" ||
    fail "want :not strong-snapshot-isolation with a 1 ms budget"

# JSON output
expect_exit 1 "$FAULTLINE" check list-append --json \
    --consistency-models repeatable-read "$E/si-without-g-single.edn"
grep -q 'anomaly-types"' "$TMP/out" || fail "no JSON anomaly-types"
exit 0
