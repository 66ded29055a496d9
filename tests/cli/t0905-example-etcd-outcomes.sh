#!/bin/sh
# t0905: how examples/etcd-register.c's client maps replies onto ops, against
# a fake member in a private network namespace (t0901 only sees a wrong
# mapping when a fault lands at the wrong moment). A write sent on a
# kept-alive connection to a member that is then killed makes libcurl retry
# a fresh connect, which is refused: the write may have committed, so it is
# :info, never :fail. A gateway error without an "error" field is an error.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root (unshare -n)"
command -v unshare >/dev/null 2>&1 || skip "no unshare"
unshare -n true 2>/dev/null || skip "network namespaces unavailable"
R=$TMP/root
P=$R/usr/local
make -s -C "$TOP" O="$O" DESTDIR="$R" install >"$TMP/make.out" 2>&1 ||
    { cat "$TMP/make.out" >&2; fail "make install"; }
flags=$(PKG_CONFIG_PATH=$P/lib/pkgconfig pkg-config --define-variable=prefix="$P" \
    --cflags --libs faultline libcurl jansson) || fail "pkg-config"
cc -std=gnu11 -Wall -Wextra -Werror -o "$TMP/drv" \
    "$TOP/tests/cli/t0905-example-etcd-outcomes.c" $flags 2>"$TMP/cc.err" ||
    { cat "$TMP/cc.err" >&2; fail "cc"; }
export LD_LIBRARY_PATH=$P/lib

# scenario SERVER-ACTIONS OPS: run the driver in a fresh network namespace.
scenario() {
    echo "$1 $2" | unshare -n sh -c 'ip link set lo up && "$0"' "$TMP/drv" \
        >"$TMP/out" 2>"$TMP/err" || { cat "$TMP/err" >&2; fail "driver: $1 $2"; }
}

scenario ok,die write,write
grep -q '"value":"MQ=="' "$TMP/out" || fail "the second write never reached the member"
[ "$(grep -c '^server got' "$TMP/out")" = 2 ] || fail "not two requests served"
grep -q '^write: ok' "$TMP/out" || fail "first write not :ok"
sed -n '$p' "$TMP/out" | grep -q '^write: info' ||
    { cat "$TMP/out" >&2; fail "a write that reached a killed member is not :info"; }

scenario ok,die write,read
sed -n '$p' "$TMP/out" | grep -q '^read: fail' || fail "read not :fail"

# Nothing listens: a write on a fresh connection certainly did nothing.
echo "x write" | unshare -n sh -c 'ip link set lo up && "$0" --no-server' \
    "$TMP/drv" >"$TMP/out" 2>&1
grep -q '^write: fail' "$TMP/out" || { cat "$TMP/out" >&2; fail "refused write not :fail"; }

scenario http503 write
grep -q '^write: info' "$TMP/out" || fail "503 write not :info"
scenario http503 read
grep -q '^read: fail' "$TMP/out" || fail "503 read not :fail"
echo "ok t0905"
