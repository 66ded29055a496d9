#!/bin/sh
# t0820: check list-append on Elle's blind spot (an :info txn that a read
# proved committed), with every cycle step saying whether a read showed it
# or it was inferred, in the printed result, the JSON and --out files; and
# a short real-time cycle printed even when the cycle searches time out.
. "$(dirname "$0")/lib.sh"

# T2 saw T1's append to x, so T1 committed; its append to y, never read,
# follows T2's read of y: G-single.
cat >"$TMP/info.edn" <<'EDN'
{:index 0 :type :invoke :process 0 :f :txn :value [[:append :x 1] [:append :y 1]]}
{:index 1 :type :info :process 0 :f :txn :value [[:append :x 1] [:append :y 1]]}
{:index 2 :type :invoke :process 1 :f :txn :value [[:r :x nil] [:r :y nil]]}
{:index 3 :type :ok :process 1 :f :txn :value [[:r :x [1]] [:r :y []]]}
EDN
expect_exit 1 "$FAULTLINE" check list-append --out "$TMP/o" "$TMP/info.edn"
grep -q ':anomaly-types \[:G-single-item\]' "$TMP/out" || fail "want G-single"
grep -q ':observed? false, :basis :after-longest-read' "$TMP/out" ||
    fail "the rw step is not marked inferred"
grep -q ':observed? true, :basis :observed' "$TMP/out" ||
    fail "the wr step is not marked observed"
grep -q 'T2 is :info, but a read saw another of its appends' "$TMP/o/G-single-item.txt" ||
    fail "explanation file does not say why the :info txn counts"
grep -q '(inferred: no read shows' "$TMP/o/G-single-item.txt" ||
    fail "explanation file does not say inferred"
grep -q 'style=dotted' "$TMP/o/G-single-item/0.dot" ||
    fail "the inferred edge is not dotted in the picture"
expect_exit 1 "$FAULTLINE" check list-append --json "$TMP/info.edn"
grep -q '":observed?":false' "$TMP/out" || fail "JSON lacks observed? false"

# Nobody read T1's appends: it may not have committed. Valid.
cat >"$TMP/unread.edn" <<'EDN'
{:index 0 :type :invoke :process 0 :f :txn :value [[:append :x 1] [:append :y 1]]}
{:index 1 :type :info :process 0 :f :txn :value [[:append :x 1] [:append :y 1]]}
{:index 2 :type :invoke :process 1 :f :txn :value [[:r :x nil] [:r :y nil]]}
{:index 3 :type :ok :process 1 :f :txn :value [[:r :x []] [:r :y []]]}
EDN
expect_exit 0 "$FAULTLINE" check list-append "$TMP/unread.edn"

# With a 1 ms budget on Elle's huge SCC (what the searches find in time
# depends on the machine), the cycle-exists pass prints a concrete
# real-time cycle of two txns instead of only a component size.
expect_exit 1 "$FAULTLINE" check list-append --cycle-search-timeout 1 \
    "$CORPUS/elle/huge-scc.edn"
grep -q ':not #{:strong-snapshot-isolation}' "$TMP/out" || fail "huge-scc :not"
grep -q '{:type :G[a-z0-9-]*-realtime, :cycle' "$TMP/out" ||
    fail "no concrete real-time cycle"
! grep -q 'cycle-exists' "$TMP/out" || fail "a cycle-exists without a cycle"
grep -q 'inferred from real-time order, not from a read' "$TMP/out" ||
    fail "the real-time step is not marked inferred"
exit 0
