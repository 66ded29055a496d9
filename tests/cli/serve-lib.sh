# serve-lib.sh: helpers for the serve tests (sourced after lib.sh).
# mkstore DIR...: build runs with the report_mkstore helper.
# serve_start STORE: start `faultline serve` on a free port, sets $PORT and
# $SERVE_PID (stopped at exit).
MKSTORE=${O:-$TOP/build}/tests/helpers/report_mkstore
[ -x "$MKSTORE" ] || fail "missing $MKSTORE (make helpers)"
SERVE_PID=
trap '[ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT

serve_start() {
    "$FAULTLINE" serve --store "$1" --port 0 >"$TMP/serve.out" 2>"$TMP/serve.err" &
    SERVE_PID=$!
    i=0
    while ! grep -q "^faultline: serving" "$TMP/serve.out" 2>/dev/null; do
        i=$((i + 1))
        [ $i -gt 100 ] && fail "serve did not start: $(cat "$TMP/serve.err")"
        sleep 0.1
    done
    PORT=$(sed -n 's|.*http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$TMP/serve.out")
    [ -n "$PORT" ] || fail "no port in: $(cat "$TMP/serve.out")"
}

# status PATH: the HTTP status of GET PATH, sent as is
status() {
    curl -s --path-as-is -o "$TMP/body" -w '%{http_code}' "http://127.0.0.1:$PORT$1"
}
