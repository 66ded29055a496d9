#!/bin/sh
# t0000: `faultline history` usage, help and argument errors.
. "$(dirname "$0")/lib.sh"

expect_exit 0 "$FAULTLINE" history --help
grep -q "usage: faultline history stats" "$TMP/out" || fail "no usage on --help"
expect_exit 0 "$FAULTLINE" history convert -h
expect_exit 254 "$FAULTLINE" history
grep -q "history needs a command" "$TMP/err" || fail "no message"
expect_exit 254 "$FAULTLINE" history frobnicate x
grep -q "unknown history command 'frobnicate'" "$TMP/err" || fail "no message"
expect_exit 254 "$FAULTLINE" history stats
expect_exit 254 "$FAULTLINE" history stats a b
expect_exit 254 "$FAULTLINE" history stats --bogus x
expect_exit 254 "$FAULTLINE" history stats --from xml x
expect_exit 254 "$FAULTLINE" history convert x
grep -q "convert needs --to" "$TMP/err" || fail "no --to message"
expect_exit 254 "$FAULTLINE" history convert --to yaml x
grep -q "unknown --to format 'yaml'" "$TMP/err" || fail "no format message"
expect_exit 254 "$FAULTLINE" history convert --to edn
expect_exit 254 "$FAULTLINE" history stats "$TMP/does-not-exist.edn"
grep -q "does-not-exist.edn: No such file" "$TMP/err" || fail "no ENOENT message"
exit 0
