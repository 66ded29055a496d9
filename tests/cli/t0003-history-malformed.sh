#!/bin/sh
# t0003: malformed histories exit 254 with file:line:col and a message;
# a 100 MB single line works, and truncated it fails cleanly.
. "$(dirname "$0")/lib.sh"

# bad NAME CONTENT PATTERN: stats on a file with CONTENT must fail with a
# message matching PATTERN; convert (which does not pair) too unless
# NAME starts with "pair".
bad() {
    printf "%b" "$2" >"$TMP/$1"
    expect_exit 254 "$FAULTLINE" history stats "$TMP/$1"
    grep -q "$TMP/$1:$3" "$TMP/err" || fail "$1: got: $(cat "$TMP/err")"
    case $1 in
    pair*) expect_exit 0 "$FAULTLINE" history convert --to json "$TMP/$1" ;;
    *) expect_exit 254 "$FAULTLINE" history convert --to json "$TMP/$1" ;;
    esac
}

bad truncated.edn '{:type :invoke, :process 0, :f :read}\n{:type :ok, :proc' \
    '2:1: unexpected end of input'
bad unbalanced.edn '{:type :ok, :value [1 2)}' \
    "1:24: unmatched ')' (expected ']' to close the '\[' at 1:20)"
bad escape.edn '{:type :ok, :value "a\\qb"}' "1:22: bad escape"
bad utf8.edn '{:type :ok, :value "\0377\0376"}' "1:21: invalid UTF-8"
bad bigint.edn '\n\n{:type :ok, :value 18446744073709551616}' \
    '3:20: integer too large for 64 bits'
bad notype.edn '{:process 0, :f :read}' '1:1: op has no :type'
bad vector.edn '[{:type :invoke, :process 0}\n {:type :ok, :process 0}' \
    "1:1: unexpected end of input: '\\[' is never closed"
bad json.jsonl '{"type":"invoke","process":0}\n{"type":"ok","process":0,' \
    '2:2[0-9]: '
bad pair.edn '{:type :invoke, :process 0, :f :read}\n{:type :invoke, :process 0, :f :read}' \
    '2: process 0 invokes while'
bad pair-orphan.edn '{:type :ok, :process 7, :f :read}' \
    '1: :ok completion for process 7 with no open invocation'

# Warnings go to stderr and are counted, exit 0.
printf '{:type :info, :process 1, :f :read}\n' >"$TMP/warn.edn"
expect_exit 0 "$FAULTLINE" history stats "$TMP/warn.edn"
grep -q "warn.edn:1: warning: process 1 has an :info completion" "$TMP/err" ||
    fail "no warning"
grep -qx "warnings: 1" "$TMP/out" || fail "warning not counted"

# 100 MB on one line: 1.2 million ops separated by spaces.
yes '{:type :invoke, :process 0, :f :read} {:type :ok, :process 0, :f :read, :value 1}' |
    head -n 1250000 | tr '\n' ' ' >"$TMP/line.edn"
size=$(wc -c <"$TMP/line.edn")
[ "$size" -ge 100000000 ] || fail "line is only $size bytes"
expect_exit 0 "$FAULTLINE" history stats "$TMP/line.edn"
grep -qx "ops: 2500000" "$TMP/out" || fail "100 MB line: $(head -n 3 "$TMP/out")"
head -c $((size - 3)) "$TMP/line.edn" >"$TMP/cut.edn"
expect_exit 254 "$FAULTLINE" history stats "$TMP/cut.edn"
grep -q "cut.edn:1:[0-9]*: unexpected end of input" "$TMP/err" ||
    fail "truncated line: $(cat "$TMP/err")"
rm -f "$TMP/line.edn" "$TMP/cut.edn"
exit 0
