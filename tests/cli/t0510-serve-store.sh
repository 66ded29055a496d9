#!/bin/sh
# t0510: `faultline serve` over a generated store: the index, a run page,
# files, the archive, binding to loopback, and every path-traversal trick
# refused with 403 or 404.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve-lib.sh"
command -v curl >/dev/null || fail "curl is needed"

S=$TMP/store
"$MKSTORE" "$S/memkv/20261126T010000.000Z" --ops 400 --seconds 4 --seed 1 ||
    fail "mkstore"
"$MKSTORE" "$S/memkv/20261126T020000.000Z" --ops 400 --seconds 4 --seed 2 \
    --valid false || fail "mkstore"
ln -s 20261126T020000.000Z "$S/memkv/latest"
ln -s memkv/20261126T020000.000Z "$S/latest"
ln -s /etc "$S/memkv/out"
ln -s /etc/passwd "$S/memkv/20261126T010000.000Z/passwd"
serve_start "$S"
grep -q "127.0.0.1" "$TMP/serve.out" || fail "not bound to 127.0.0.1"
ss -ltnH "sport = :$PORT" >"$TMP/ss" || fail "ss (iproute2) failed"
grep -q "127.0.0.1:$PORT" "$TMP/ss" || fail "listening on: $(cat "$TMP/ss")"

[ "$(status /)" = 200 ] || fail "index"
grep -q 'data-valid="false"' "$TMP/body" || fail "index lacks the invalid run"
[ "$(grep -c 'class="run"' "$TMP/body")" = 2 ] || fail "index: not 2 runs"
[ "$(status /run/memkv/20261126T020000.000Z)" = 200 ] || fail "run page"
grep -q 'latency-raw.png' "$TMP/body" || fail "run page without plots"
grep -q 'G1c' "$TMP/body" || fail "run page without anomalies"
[ "$(status /files/memkv/latest/timeline.html)" = 200 ] || fail "timeline"
[ "$(status /files/memkv/latest/rate.png)" = 200 ] || fail "plot"
[ "$(status /archive/memkv/20261126T010000.000Z.tar.gz)" = 200 ] ||
    fail "archive"
tar -tzf "$TMP/body" >"$TMP/list" || fail "archive is not a tar.gz"
grep -q '^20261126T010000.000Z/history.edn$' "$TMP/list" ||
    fail "archive lacks history.edn"

for p in /files/../../etc/passwd /files/%2e%2e/%2e%2e/etc/passwd \
    /files/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd /files/memkv/..%2f..%2f..%2fetc/passwd \
    /files/memkv/out/passwd /files/memkv/20261126T010000.000Z/passwd \
    /run/..%2f.. /archive/memkv/out.tar.gz /archive/..%2f..%2fetc.tar.gz; do
    [ "$(status "$p")" = 403 ] || fail "$p: want 403, got $(status "$p")"
done
for p in /files/%252e%252e/etc/passwd "/files/memkv%00/../../etc/passwd" \
    /nothing /run/memkv/nope /archive/.tar.gz; do
    [ "$(status "$p")" = 404 ] || fail "$p: want 404, got $(status "$p")"
done
exit 0
