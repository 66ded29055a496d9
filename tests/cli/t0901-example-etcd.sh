#!/bin/sh
# t0901: examples/etcd-register.c, an out-of-tree test of etcd, built only
# with pkg-config's flags against a `make install DESTDIR=` tree and run on
# a private 3-node local cluster: the correct client is valid under
# partitions, kills and pauses (through the generic daemon DB) and packet
# faults (the program is its own shaper binary); the client that answers
# reads from a cache (--cache-reads) is invalid.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-cluster.sh"

command -v etcd >/dev/null 2>&1 || skip "etcd not installed (scripts/install-deps.sh)"
R=$TMP/root
P=$R/usr/local
make -s -C "$TOP" O="$O" DESTDIR="$R" install >"$TMP/make.out" 2>&1 ||
    { cat "$TMP/make.out" >&2; fail "make install"; }
flags=$(PKG_CONFIG_PATH=$P/lib/pkgconfig pkg-config --define-variable=prefix="$P" \
    --cflags --libs faultline libcurl jansson) || fail "pkg-config"
[ "$(wc -l <"$TOP/examples/etcd-register.c")" -lt 300 ] ||
    fail "the example has grown past 300 lines"
cc -std=c11 -Wall -Wextra -Werror -o "$TMP/etcd-register" \
    "$TOP/examples/etcd-register.c" $flags 2>"$TMP/cc.err" ||
    { cat "$TMP/cc.err" >&2; fail "cc"; }
export LD_LIBRARY_PATH=$P/lib

cluster_up 3
run() {
    "$TMP/etcd-register" test --state-dir "$STATE" --concurrency 6 \
        --data-dir "$TMP/data" --store "$TMP/store" --seed 7 "$@"
}

expect_exit 254 run --data-dir relative/dir
grep -q "relative/dir" "$TMP/err" || fail "no error naming the data dir"

expect_exit 0 run --time-limit 12 --nemesis partition,kill,pause \
    --nemesis-interval 2
grep -q "verdict: valid" "$TMP/out" || fail "correct client not valid"
run_dir=$TMP/store/etcd-register/latest
for n in $N1 $N2 $N3; do
    [ -s "$run_dir/$n/etcd.log" ] || fail "no etcd.log of $n in the store"
    grep -q "initial-cluster: '$N1=http://$N1:2380,$N2=" "$run_dir/$n/etcd.yml" ||
        fail "etcd.yml of $n not from the template"
done
grep -Eq ':f :(kill|pause|start-partition)' "$run_dir/history.edn" ||
    fail "no faults in the history"
[ -e "$TMP/data/$N1" ] && fail "teardown left $TMP/data/$N1"

# The packet nemesis runs its shaper by re-executing the program itself
# (fl_main makes it a faultline command, whatever its name).
expect_exit 0 run --time-limit 6 --nemesis packet --nemesis-interval 1
grep -q "verdict: valid" "$TMP/out" || fail "packet run not valid"
grep -q ':f :start-packet' "$run_dir/history.edn" || fail "no packet fault"
grep -q "cannot find the faultline binary" "$run_dir/faultline.log" &&
    fail "the shaper did not start"

expect_exit 1 run --time-limit 8 --cache-reads
grep -q "verdict: invalid" "$TMP/out" || fail "cached reads not caught"
grep -q "etcd-register-cache-reads" "$TMP/out" || fail "variant not named"
echo "ok t0901"
