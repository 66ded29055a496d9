#!/bin/sh
# t0703-serve-host.sh: `serve --host` takes a numeric address or a name
# from the hosts file, and never asks DNS: a name only the resolver knows
# (here "localhost", which the real /etc/hosts and nss give 127.0.0.1 but
# the scratch hosts file of this test does not list) is refused with exit
# 254 and a message naming the hosts file. $FAULTLINE_HOSTS_FILE points the
# lookup at the scratch file.
. "$(dirname "$0")/lib.sh"
SERVE_PID=
trap '[ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null; rm -rf "$TMP"' EXIT
mkdir "$TMP/store"
export FAULTLINE_HOSTS_FILE="$TMP/hosts"
cat >"$FAULTLINE_HOSTS_FILE" <<'EOT'
# scratch hosts file
127.0.0.1	flserve-a flserve-b   # two names, a tab and a comment
999.1.1.1 flserve-bad
# 127.0.0.1 flserve-commented
EOT

# serves HOST: `serve --host HOST` starts and answers on 127.0.0.1.
serves() {
    # The job truncates serve.out only once it runs: remove the last one's.
    rm -f "$TMP/serve.out"
    "$FAULTLINE" serve --store "$TMP/store" --host "$1" --port 0 \
        >"$TMP/serve.out" 2>"$TMP/serve.err" &
    SERVE_PID=$!
    i=0
    until grep -q "^faultline: serving" "$TMP/serve.out" 2>/dev/null; do
        i=$((i + 1))
        [ $i -le 100 ] || fail "--host $1: did not start: $(cat "$TMP/serve.err")"
        sleep 0.1
    done
    port=$(sed -n 's|.*:\([0-9]*\)/$|\1|p' "$TMP/serve.out")
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/")
    [ "$code" = 200 ] || fail "--host $1: GET / gave $code"
    kill "$SERVE_PID"
    wait "$SERVE_PID" 2>/dev/null
    SERVE_PID=
}
serves 127.0.0.1
serves flserve-a
serves FLSERVE-B

# refused HOST: exit 254 at once, naming the host and the hosts file.
refused() {
    expect_exit 254 "$FAULTLINE" serve --store "$TMP/store" --host "$1" \
        --port 0
    grep -q -- "--host $1" "$TMP/err" || fail "--host $1: not named"
    grep -qF "$FAULTLINE_HOSTS_FILE" "$TMP/err" || fail "hosts file not named"
}
refused localhost
grep -q "not looked up in DNS" "$TMP/err" || fail "no word about DNS"
refused flserve-commented
refused flserve-bad
refused no-such-name.invalid
expect_exit 254 "$FAULTLINE" serve --store "$TMP/store" --port 0 \
    --host "flserve-a
127.0.0.1"
echo ok
