#!/bin/sh
# t0803: bad input to `faultline check` of any kind: a clear error naming
# the file and line (or the option), exit 254, nothing on stdout.
. "$(dirname "$0")/lib.sh"
cd "$TMP"
D=$TOP/tests/data/checkers

bad() { # bad PATTERN CMD...: exit 254, PATTERN in stderr, stdout empty
    pat=$1
    shift
    expect_exit 254 "$FAULTLINE" "$@"
    grep -q -- "$pat" "$TMP/err" || fail "$*: '$pat' not in $(cat "$TMP/err")"
    [ ! -s "$TMP/out" ] || fail "$*: printed a result"
}

for k in set set-full counter bank queue total-queue unique-ids long-fork \
    stats exceptions perf list-append rw-register; do
    bad "bad-syntax.edn:3:" check "$k" "$D/bad-syntax.edn"
    bad "bad-syntax.jsonl:2:" check "$k" "$D/bad-syntax.jsonl"
    bad "bad-pairing.edn:3: :ok completion for process 0 with no open" \
        check "$k" "$D/bad-pairing.edn"
    bad "nope.edn: No such file" check "$k" "$TMP/nope.edn"
done
bad "bad-syntax.edn:3:" check linearizable --model register "$D/bad-syntax.edn"
bad "bad-syntax.edn:3:" check timeline --out "$TMP/t" "$D/bad-syntax.edn"
# histories that do not fit the checker, named where they are wrong
bad "bad-bank.edn:2: bank checker: op 1: a :read must return a map" \
    check bank "$D/bad-bank.edn"
bad "register.edn:4:.*a register has no :cas" \
    check linearizable --model register "$D/register.edn"
printf '%s\n' '{:type :invoke :process 0 :f :txn :value [[:r :x nil]]}' \
    '{:type :ok :process 0 :f :txn :value [[:r :x 1]]}' \
    '{:type :invoke :process 1 :f :txn :value [[:r :x nil]]}' \
    '{:type :ok :process 1 :f :txn :value [[:r :x 2]]}' >lf.edn
bad "lf.edn:4: long-fork: ops 1 and 3 read different values" check long-fork lf.edn
bad "lf.edn:2: long-fork: op 1 read 1 keys; every read should read a group of 2" \
    check long-fork --group-size 2 lf.edn
printf '%s\n' '{:type :invoke :process 0 :f :drain :value nil}' \
    '{:type :info :process 0 :f :drain :value nil}' >drain.edn
bad "drain.edn:2: op 1: a crashed :drain" check total-queue drain.edn
# bad options
bad "queue: :model must be unordered-queue or fifo-queue, not 'register'" \
    check queue --model register "$D/queue.edn"
bad "\-\-total 'lots': expected an integer" check bank --total lots "$D/bank.edn"
bad "\-\-options '\[1\]': not an EDN map" check set --options '[1]' "$D/set.edn"
bad "\-\-options '{:a': " check set --options '{:a' "$D/set.edn"
bad "timeline needs --out DIR" check timeline "$D/set.edn"
bad "bad pattern '('" check log-file-pattern --pattern '(' "$TMP"
bad "no :pattern" check log-file-pattern "$TMP" # no test.edn there
bad "no store directory $TMP/none" check log-file-pattern --pattern x "$TMP/none"
bad "option '\-\-group-size' needs an argument" check long-fork "$D/long-fork.edn" --group-size
exit 0
