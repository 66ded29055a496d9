#!/bin/sh
# t0800: `faultline check --help` lists every checker kind with one line;
# each kind has its own --help; an unknown kind is a usage error.
. "$(dirname "$0")/lib.sh"
cd "$TMP"

kinds="set set-full counter bank queue total-queue unique-ids long-fork
stats exceptions perf linearizable list-append rw-register log-file-pattern
timeline"
expect_exit 0 "$FAULTLINE" check --help
for k in $kinds; do
    n=$(grep -c "^  $k  *[a-z:]" "$TMP/out")
    [ "$n" = 1 ] || fail "check --help: kind $k listed $n times"
done
for k in $kinds; do
    expect_exit 0 "$FAULTLINE" check "$k" --help
    grep -q "usage: faultline check" "$TMP/out" || fail "$k --help: no usage"
done
expect_exit 254 "$FAULTLINE" check nosuchkind x.edn
grep -q "unknown check kind 'nosuchkind'" "$TMP/err" || fail "unknown kind"
expect_exit 254 "$FAULTLINE" check
expect_exit 254 "$FAULTLINE" check total-queue
grep -q "no history file given" "$TMP/err" || fail "no file: message"
expect_exit 254 "$FAULTLINE" check total-queue --bogus x.edn
grep -q "unknown option '--bogus'" "$TMP/err" || fail "bad option: message"
# a flag of another kind is not this kind's
expect_exit 254 "$FAULTLINE" check set --total 3 x.edn
exit 0
