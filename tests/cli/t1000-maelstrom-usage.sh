#!/bin/sh
# t1000: `faultline maelstrom` rejects bad command lines with exit 254 and a
# message naming the option; --help prints the Maelstrom options.
. "$(dirname "$0")/lib.sh"
cd "$TMP"

expect_exit 0 "$FAULTLINE" maelstrom --help
grep -q -- '--node-count' "$TMP/out" || fail "help lacks --node-count"
expect_exit 0 "$FAULTLINE" maelstrom test --help
expect_exit 254 "$FAULTLINE" maelstrom
expect_exit 254 "$FAULTLINE" maelstrom frobnicate
grep -q "unknown command .frobnicate. (test, serve)" "$TMP/err" || fail "bad command"
expect_exit 0 "$FAULTLINE" maelstrom serve --help
grep -q "serve" "$TMP/out" || fail "maelstrom serve is not serve"

bad() {
    msg=$1
    shift
    expect_exit 254 "$FAULTLINE" maelstrom test "$@"
    grep -q -- "$msg" "$TMP/err" || fail "no '$msg' in: $(cat "$TMP/err")"
}
bad '--bin PROGRAM is required' -w echo
bad '--workload nope' -w nope --bin /bin/cat
bad '--bin ./missing' -w echo --bin ./missing
bad '--node-count 0' -w echo --bin /bin/cat --node-count 0
bad '--time-limit x' -w echo --bin /bin/cat --time-limit x
bad '--topology star' -w broadcast --bin /bin/cat --topology star
bad "unknown fault 'flood'" -w echo --bin /bin/cat --nemesis flood
bad 'know partition, kill and pause' -w echo --bin /bin/cat --nemesis clock
bad '--availability most' -w echo --bin /bin/cat --availability most
bad '--concurrency xn' -w echo --bin /bin/cat --concurrency xn
bad '--latency-dist pareto' -w echo --bin /bin/cat --latency-dist pareto
bad "bad link 'n0-n9=5'" -w echo --bin /bin/cat --link-latency n0-n9=5
bad "bad option '--frob'" -w echo --bin /bin/cat --frob
bad "unknown model 'bogus'" -w txn-list-append --bin /bin/cat \
    --consistency-models serializable,bogus
[ ! -d store ] || fail "a rejected command line created a store"
exit 0
