#!/bin/sh
# db.sh: etcd's lifecycle on one node, as faultline's external suite runs
# it (--db-setup "sh db.sh setup DIR" ...). faultline exports
# FAULTLINE_NODE (this node) and FAULTLINE_NODES (all, space-separated).
#
# usage: db.sh setup|start|kill|pause|resume|teardown|primary DIR
set -eu
cmd=$1
base=$2
me=$FAULTLINE_NODE
dir=$base/$me
pid=$dir/etcd.pid

running() { [ -s "$pid" ] && kill -0 "$(cat "$pid")" 2>/dev/null; }

case $cmd in
setup)
    mkdir -p "$dir"
    ;;
start)
    running && exit 0
    cluster=
    for n in $FAULTLINE_NODES; do
        cluster="$cluster${cluster:+,}$n=http://$n:2380"
    done
    setsid etcd --name "$me" --data-dir "$dir/data" \
        --listen-client-urls http://0.0.0.0:2379 \
        --advertise-client-urls "http://$me:2379" \
        --listen-peer-urls http://0.0.0.0:2380 \
        --initial-advertise-peer-urls "http://$me:2380" \
        --initial-cluster "$cluster" --initial-cluster-state new \
        --initial-cluster-token faultline-example \
        --heartbeat-interval 100 --election-timeout 1000 \
        </dev/null >>"$dir/etcd.log" 2>&1 &
    echo $! >"$pid"
    # Up once this member answers (a new cluster needs its quorum first).
    i=0
    until curl -fs -m 1 "http://$me:2379/health" >/dev/null; do
        i=$((i + 1))
        [ $i -lt 300 ] || { echo "etcd on $me not healthy" >&2; exit 1; }
        sleep 0.1
    done
    ;;
kill)
    if running; then kill -KILL "$(cat "$pid")"; fi
    rm -f "$pid"
    ;;
pause) if running; then kill -STOP "$(cat "$pid")"; fi ;;
resume) if running; then kill -CONT "$(cat "$pid")"; fi ;;
teardown)
    if running; then
        kill -CONT "$(cat "$pid")"
        kill -KILL "$(cat "$pid")"
    fi
    rm -rf "$dir"
    ;;
primary)
    st=$(curl -fs -m 1 -X POST "http://$me:2379/v3/maintenance/status" -d '{}')
    leader=$(echo "$st" | sed -n 's/.*"leader":"\([0-9]*\)".*/\1/p')
    member=$(echo "$st" | sed -n 's/.*"member_id":"\([0-9]*\)".*/\1/p')
    [ -n "$leader" ] && [ "$leader" = "$member" ]
    ;;
*)
    echo "db.sh: unknown command $cmd" >&2
    exit 2
    ;;
esac
