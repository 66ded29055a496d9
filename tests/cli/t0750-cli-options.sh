#!/bin/sh
# t0750: every subcommand and sub-subcommand answers --help (and -h) with
# its usage on stdout and exit 0, touching nothing; names an unknown option
# with exit 254; and takes --opt=value as well as --opt value. Every kind
# `check --help` lists is walked, so a new checker kind is covered too.
. "$(dirname "$0")/lib.sh"

cd "$TMP"
NOSTATE="$TMP/no-cluster"     # cluster and fault must not need a cluster
"$FAULTLINE" check --help >kinds || fail "check --help"
KINDS=$(sed -n 's/^  \([a-z][a-z-]*\)  .*/\1/p' kinds)
[ "$(echo "$KINDS" | wc -l)" -ge 16 ] || fail "check --help lists: $KINDS"
CMDS="
test
test memkv
test-all
test-all memkv
analyze
check
$(for k in $KINDS; do echo "check $k"; done)
history
history stats
history convert
cluster
cluster up
cluster down
cluster status
cluster exec
fault
fault --state-dir $NOSTATE partition
fault --state-dir $NOSTATE heal
fault --state-dir $NOSTATE kill
fault --state-dir $NOSTATE start
fault --state-dir $NOSTATE pause
fault --state-dir $NOSTATE resume
fault --state-dir $NOSTATE packet
fault --state-dir $NOSTATE clock
fault --state-dir $NOSTATE clock bump
fault --state-dir $NOSTATE lazyfs
fault --state-dir $NOSTATE lose-writes
serve
"
expect_exit 0 "$FAULTLINE" --help
grep -q "usage: faultline <command>" out || fail "faultline --help"
echo "$CMDS" | while read -r cmd; do
    [ -n "$cmd" ] || continue
    for h in --help -h; do
        expect_exit 0 "$FAULTLINE" $cmd $h
        grep -q "usage: faultline" out || fail "$cmd $h: no usage on stdout"
        [ ! -s err ] || fail "$cmd $h: stderr: $(cat err)"
    done
    case $cmd in
    test | test-all | check | history | cluster) continue ;; # take a word first
    esac
    expect_exit 254 "$FAULTLINE" $cmd --no-such-option=1
    grep -q "unknown option '--no-such-option'" err ||
        fail "$cmd: unknown option not named: $(cat err)"
done || exit 1
[ ! -e store ] && [ ! -e "$NOSTATE" ] || fail "--help created something"

# Missing values and values for flags, named.
expect_exit 254 "$FAULTLINE" check linearizable --model
grep -q "option '--model' needs an argument" err || fail "missing value: $(cat err)"
expect_exit 254 "$FAULTLINE" check list-append --json=yes x.edn
grep -q "option '--json' takes no value" err || fail "flag value: $(cat err)"
expect_exit 254 "$FAULTLINE" test memkv --nod n1
grep -q "ambiguous option '--nod' (--node, --nodes, --nodes-file)" err ||
    fail "ambiguous: $(cat err)"
expect_exit 254 "$FAULTLINE" fault --private-key k heal
grep -q "unknown option '--private-key'" err || fail "old synonym accepted"

# Bad values name the option and the value.
expect_exit 254 "$FAULTLINE" serve --port=99999
grep -q "port '99999'" err || fail "serve --port=: $(cat err)"
expect_exit 254 "$FAULTLINE" cluster up --nodes=0 --state-dir="$NOSTATE"
grep -q "nodes '0'" err || fail "cluster up --nodes=: $(cat err)"
expect_exit 254 "$FAULTLINE" cluster exec --timeout=never n1 true
grep -q "timeout 'never'" err || fail "cluster exec --timeout=: $(cat err)"
expect_exit 254 "$FAULTLINE" test memkv --time-limit=-1
grep -q "time-limit '-1'" err || fail "test --time-limit=: $(cat err)"
expect_exit 254 "$FAULTLINE" check linearizable --model=register --threads=0 x
grep -q "threads '0'" err || fail "--threads=: $(cat err)"
expect_exit 254 "$FAULTLINE" check linearizable --model=register --time-limit=soon x
grep -q "time-limit 'soon'" err || fail "--time-limit=: $(cat err)"

# The kinds of checker/registry.h: their own flags, missing values, flags
# given values, bad values, another kind's flag.
expect_exit 254 "$FAULTLINE" check bank --total
grep -q "option '--total' needs an argument" err || fail "bank --total: $(cat err)"
expect_exit 254 "$FAULTLINE" check bank --total=lots x.edn
grep -q "total 'lots'" err || fail "bank --total=lots: $(cat err)"
expect_exit 254 "$FAULTLINE" check bank --negative-ok=yes x.edn
grep -q "option '--negative-ok' takes no value" err || fail "bank flag: $(cat err)"
expect_exit 254 "$FAULTLINE" check counter --options='[1 2]' x.edn
grep -q "options '\[1 2\]': not an EDN map" err || fail "--options=: $(cat err)"
expect_exit 254 "$FAULTLINE" check set --json=1 x.edn
grep -q "option '--json' takes no value" err || fail "set --json=1: $(cat err)"
expect_exit 254 "$FAULTLINE" check queue --total=3 x.edn
grep -q "unknown option '--total'" err || fail "queue --total: $(cat err)"
expect_exit 254 "$FAULTLINE" check log-file-pattern --pattern=x
grep -q "no store directory given" err || fail "log-file-pattern: $(cat err)"

# --opt=value forms that do real work.
H=$TMP/h.edn
cat >"$H" <<'X'
{:index 0 :time 1 :type :invoke :process 0 :f :write :value 1}
{:index 1 :time 2 :type :ok :process 0 :f :write :value 1}
{:index 2 :time 3 :type :invoke :process 1 :f :read :value nil}
{:index 3 :time 4 :type :ok :process 1 :f :read :value 2}
X
expect_exit 1 "$FAULTLINE" check linearizable --model=register --init=0 \
    --time-limit=30 --threads=1 --memory-limit=64 --out="$TMP/lin" "$H"
[ -s "$TMP/lin/linear.svg" ] || fail "--out=DIR not used"
expect_exit 1 "$FAULTLINE" check linearizable "$H" --model register --out "$TMP/lin2"
[ -s "$TMP/lin2/linear.svg" ] || fail "options after the file"
expect_exit 0 "$FAULTLINE" history stats --from=edn "$H"
grep -q "ops: 4" out || fail "history stats --from="
expect_exit 0 "$FAULTLINE" history convert --to=json --output="$TMP/h.json" "$H"
expect_exit 0 "$FAULTLINE" history convert --from=json -o "$TMP/h2.edn" --to edn "$TMP/h.json"
expect_exit 0 "$FAULTLINE" history convert --to=edn "$H"
cmp -s "$TMP/h2.edn" out || fail "convert round trip"
cat >"$TMP/la.edn" <<'X'
{:index 0 :type :invoke :process 0 :f :txn :value [[:append :x 1]]}
{:index 1 :type :ok :process 0 :f :txn :value [[:append :x 1]]}
X
expect_exit 0 "$FAULTLINE" check list-append --consistency-models=serializable \
    --anomalies=G0 --cycle-search-timeout=100 --out="$TMP/elle" "$TMP/la.edn"
D=$TOP/tests/data/checkers
expect_exit 1 "$FAULTLINE" check bank --total=99 --accounts=3 --out="$TMP/bk" \
    --json "$D/bank.edn"
grep -q '":wrong-total":{":count":3' out || fail "bank --total=99: $(cat out)"
expect_exit 1 "$FAULTLINE" check bank "$D/bank.edn" --options='{:total 100}'
grep -q ':wrong-total {:count 1' out || fail "bank --options=: $(cat out)"
expect_exit 1 "$FAULTLINE" check bank --options='{:total 100}' --total=99 \
    "$D/bank.edn"
grep -q ':wrong-total {:count 3' out || fail "flag under --options: $(cat out)"
expect_exit 1 "$FAULTLINE" check queue --model=fifo-queue "$D/queue.edn"
grep -q ':model :fifo-queue' out || fail "queue --model=: $(cat out)"
expect_exit 1 "$FAULTLINE" check long-fork --group-size=2 "$D/long-fork.edn"
grep -q ':fork-count 1' out || fail "long-fork --group-size=: $(cat out)"
expect_exit 0 "$FAULTLINE" check timeline --out="$TMP/tl" "$D/register.edn"
[ -s "$TMP/tl/timeline.html" ] || fail "check timeline --out=DIR not used"
mkdir -p "$TMP/logs/n1" "$TMP/logs/n2"
echo "all well" >"$TMP/logs/n1/db.log"
echo "panic: oops" >"$TMP/logs/n2/db.log"
expect_exit 1 "$FAULTLINE" check log-file-pattern --pattern='panic|fatal' \
    --file=db.log "$TMP/logs"
expect_exit 0 "$FAULTLINE" check log-file-pattern --pattern=panic --node=n1 \
    "$TMP/logs"
expect_exit 0 "$FAULTLINE" test memkv --time-limit=1 --concurrency=2n \
    --seed=5 --rate=20 --store="$TMP/st" --workload=set --test-count=1 \
    --op-timeout=2 --nemesis-interval=5 --bug=none
grep -q "store: $TMP/st/memkv-set/" out || fail "test --store=: $(cat out)"
grep -q ':concurrency 10' "$TMP"/st/latest/test.edn || fail "--concurrency=2n"
expect_exit 0 "$FAULTLINE" analyze --store="$TMP/st"
grep -q "verdict: valid" out || fail "analyze --store="
expect_exit 255 "$FAULTLINE" fault --state-dir="$NOSTATE" heal
grep -q "$NOSTATE/cluster.state" err || fail "fault --state-dir=: $(cat err)"
exit 0
