#!/bin/sh
# pg-overhead.sh: what faultline adds to PostgreSQL transactions. Starts a
# throwaway PostgreSQL 15 on 127.0.0.1 (initdb as user postgres, the suite's
# settings), runs the bare libpq loop (bench/pg_loop.c) and then
# `faultline test postgres --workload append --nemesis none` against the
# same server (dummy remotes: faultline starts nothing, its client talks to
# the server), both with THREADS connections for SECONDS, alternating
# ROUNDS times (which one goes first alternates too), and prints committed
# transactions per second of each, faultline's overhead per round and the
# mean overhead with its spread and 95 % confidence interval. Usage (root):
#   bench/pg-overhead.sh [THREADS [SECONDS [ROUNDS [KEYS]]]]   (10 20 3 10)
# KEYS is the pool of active keys of both (faultline's --key-count): few
# keys make the run bound by contention rather than by the client.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
O=${O:-$TOP/build}
T=${1:-10}
S=${2:-20}
R=${3:-3}
K=${4:-10}
BIN=/usr/lib/postgresql/15/bin
PORT=$((36000 + $$ % 2000))
D=$(mktemp -d)
chmod 755 "$D"
mkdir "$D/data"
chown postgres: "$D/data"
chmod 700 "$D/data"
cleanup() {
    [ -f "$D/pid" ] && kill -9 "$(cat "$D/pid")" 2>/dev/null
    sleep 1
    rm -rf "$D"
}
trap cleanup EXIT INT TERM
as_pg() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
as_pg "$BIN/initdb" -D "$D/data" -U postgres --auth=trust -E UTF8 \
    --no-locale >"$D/initdb.log" 2>&1
as_pg "$BIN/postgres" -D "$D/data" -c listen_addresses=127.0.0.1 \
    -c port=$PORT -c unix_socket_directories="$D/data" \
    -c max_connections=200 -c shared_buffers=32MB -c fsync=on \
    -c synchronous_commit=on >"$D/pg.log" 2>&1 &
echo $! >"$D/pid"
i=0
until pg_isready -q -h 127.0.0.1 -p $PORT; do
    i=$((i + 1))
    [ $i -lt 100 ] || { cat "$D/pg.log" >&2; exit 1; }
    sleep 0.1
done
CI="host=127.0.0.1 port=$PORT user=postgres dbname=postgres"
run_bare() {
    line=$("$O/bench/pg_loop" "$CI" "$T" "$S" "$K")
    echo "  bare: $line"
    bare=$(echo "$line" | sed "s/.* ok\/s \([0-9.]*\).*/\1/")
}
run_fl() {
    "$O/faultline" test postgres --no-ssh --node 127.0.0.1 --pg-port $PORT \
        --workload append --nemesis none --concurrency "$T" --time-limit "$S" \
        --key-count "$K" \
        --store "$D/store" >"$D/fl.out" 2>&1 || true
    # the perf map: {:txn {:fail {...} :ok {:count N, :rate R ...}}}, its
    # outcomes in the order first seen
    fl=$(grep -o ':txn {:\(ok\|fail\|info\) {:count.*' \
        "$D"/store/postgres-append-serializable/latest/results.edn |
        grep -o ':ok {:count [0-9]*, :rate [0-9.]*' | head -1 |
        sed 's/.*:rate //') || true
    if [ -z "$fl" ]; then
        echo "pg-overhead: faultline measured nothing:" >&2
        tail -5 "$D/fl.out" >&2
        exit 1
    fi
    echo "  faultline: $(grep -o ':stats {[^}]*' \
        "$D"/store/postgres-append-serializable/latest/results.edn)"
}
r=1
while [ $r -le "$R" ]; do
    # alternate which goes first: the tables grow, the load drifts
    if [ $((r % 2)) = 1 ]; then run_bare; run_fl; else run_fl; run_bare; fi
    echo "round $r: bare libpq $bare txn/s, faultline $fl txn/s" \
        "($(echo "$bare $fl" | awk '{printf "%+.1f", ($2 - $1) / $1 * 100}') %)"
    echo "$bare $fl" >>"$D/pairs"
    r=$((r + 1))
done
# The rounds are pairs run back to back, so the machine's load drifts
# slowly across them: the mean of the paired differences, its spread and
# a 95 % confidence interval (Student's t) say what the noise allows.
awk '
    { d[NR] = ($2 - $1) / $1 * 100; b += $1; f += $2; s += d[NR] }
    END {
        n = NR; m = s / n; v = 0
        for (i = 1; i <= n; i++) v += (d[i] - m) ^ 2
        sd = n > 1 ? sqrt(v / (n - 1)) : 0
        split("12.71 4.30 3.18 2.78 2.57 2.45 2.36 2.31 2.26 2.23 2.20 " \
              "2.18 2.16 2.14 2.13 2.12 2.11 2.10 2.09 2.09", t, " ")
        tq = n - 1 <= 20 ? t[n - 1] : 2.0
        h = n > 1 ? tq * sd / sqrt(n) : 0
        printf "%d rounds: bare libpq %.1f, faultline %.1f txn/s (means); " \
               "faultline - bare per round: mean %+.1f %%, sd %.1f %%, " \
               "95 %% CI [%+.1f, %+.1f] %%\n",
               n, b / n, f / n, m, sd, m - h, m + h
    }' "$D/pairs"
