#!/bin/sh
# pg-overhead.sh: what faultline adds to PostgreSQL transactions. Starts a
# throwaway PostgreSQL 15 on 127.0.0.1 (initdb as user postgres, the suite's
# settings), runs the bare libpq loop (bench/pg_loop.c) and then
# `faultline test postgres --workload append --nemesis none` against the
# same server (dummy remotes: faultline starts nothing, its client talks to
# the server), both with THREADS connections for SECONDS, alternating
# ROUNDS times, and prints committed transactions per second of each and
# faultline's overhead. Usage (root):
#   bench/pg-overhead.sh [THREADS [SECONDS [ROUNDS]]]   (10 20 3)
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
O=${O:-$TOP/build}
T=${1:-10}
S=${2:-20}
R=${3:-3}
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
r=1
while [ $r -le "$R" ]; do
    line=$("$O/bench/pg_loop" "$CI" "$T" "$S")
    echo "  bare: $line"
    bare=$(echo "$line" | sed "s/.* ok\/s \([0-9.]*\).*/\1/")
    "$O/faultline" test postgres --no-ssh --node 127.0.0.1 --pg-port $PORT \
        --workload append --nemesis none --concurrency "$T" --time-limit "$S" \
        --store "$D/store" >"$D/fl.out" 2>&1 || true
    fl=$(grep -o ':txn {:ok {:count [0-9]*, :rate [0-9.]*' \
        "$D"/store/postgres-append-serializable/latest/results.edn |
        sed 's/.*:rate //')
    echo "  faultline: $(grep -o ':stats {[^}]*' \
        "$D"/store/postgres-append-serializable/latest/results.edn)"
    echo "round $r: bare libpq $bare txn/s, faultline $fl txn/s" \
        "($(echo "$bare $fl" | awk '{printf "%+.1f", ($2 - $1) / $1 * 100}') %)"
    r=$((r + 1))
done
