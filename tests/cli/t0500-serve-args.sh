#!/bin/sh
# t0500: `faultline serve` argument handling: help, bad options, bad store.
. "$(dirname "$0")/lib.sh"

expect_exit 0 "$FAULTLINE" serve --help
grep -q -- "--store DIR" "$TMP/out" || fail "help does not mention --store"
expect_exit 254 "$FAULTLINE" serve --bogus
grep -q "unknown option '--bogus'" "$TMP/err" || fail "no message for --bogus"
expect_exit 254 "$FAULTLINE" serve --port
expect_exit 254 "$FAULTLINE" serve --port 99999 --store "$TMP"
grep -q -- "--port" "$TMP/err" || fail "no message for a bad port"
expect_exit 254 "$FAULTLINE" serve --port abc --store "$TMP"
expect_exit 254 "$FAULTLINE" serve --store "$TMP/missing" --port 0
grep -q "$TMP/missing" "$TMP/err" || fail "bad store not named"
exit 0
