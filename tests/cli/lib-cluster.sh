# lib-cluster.sh: helpers for the local-cluster integration tests (t04xx).
# Source after lib.sh. Each test gets its own small cluster with names,
# bridge, subnet and state dir derived from its pid, so it never touches a
# cluster someone else has up; the EXIT trap tears it down. Tests skip
# (lib.sh's `skip`: exit 77) when not root or namespaces are unavailable.

[ "$(id -u)" = 0 ] || skip "needs root"
command -v ip >/dev/null 2>&1 || skip "no iproute2"
ip netns add "flprobe$$" 2>/dev/null || skip "network namespaces unavailable"
ip netns del "flprobe$$"

O=${O:-$TOP/build}
PROBE=$O/tests/helpers/fl-netprobe
[ -x "$PROBE" ] || fail "missing $PROBE (make helpers)"

ID=$(( $$ % 100000 ))
STATE=$TMP/state
NP="t${ID}n"                 # node names t<id>n1 ...
NSP="flt${ID}-"              # namespaces flt<id>-t<id>n1 ...
BR="flt${ID}"                # bridge (<= 10 chars)
# A /24 no route uses yet (other tests' clusters may be up at the same
# time), starting from one derived from the pid.
sub=$(( $$ % 150 ))
tries=0
while ip route show "10.213.$(( 100 + sub )).0/24" 2>/dev/null | grep -q .; do
    sub=$(( (sub + 1) % 150 ))
    tries=$((tries + 1))
    [ $tries -lt 150 ] || fail "no free subnet in 10.213.100-249.0/24"
done
SUBNET="10.213.$(( 100 + sub )).0/24"

cleanup() {
    "$FAULTLINE" cluster down --state-dir "$STATE" >/dev/null 2>&1
    rm -rf "$TMP"
}
trap cleanup EXIT

# cluster_up N: bring up N nodes; sets N1..N<N> to the node names.
cluster_up() {
    "$FAULTLINE" cluster up --nodes "$1" --state-dir "$STATE" \
        --bridge "$BR" --subnet "$SUBNET" --node-prefix "$NP" \
        --netns-prefix "$NSP" >"$TMP/up.out" 2>"$TMP/up.err" ||
        { cat "$TMP/up.err" >&2; fail "cluster up"; }
    i=1
    while [ $i -le "$1" ]; do
        eval "N$i=${NP}$i"
        i=$((i + 1))
    done
    NODES=$(cut -d' ' -f1 "$TMP/up.out" | tr '\n' ' ')
}

# on NODE CMD...: run CMD inside NODE.
on() {
    node=$1
    shift
    "$FAULTLINE" cluster exec --state-dir "$STATE" "$node" "$@"
}

# fault ACTION ...: faultline fault against this test's cluster.
fault() {
    "$FAULTLINE" fault --state-dir "$STATE" "$@"
}

# bg NODE CMD...: start CMD as a daemon in NODE (bounded by its own args).
bg() {
    node=$1
    shift
    on "$node" sh -c 'setsid "$@" >/dev/null 2>&1 </dev/null &' sh "$@"
}

# leftovers: print anything of this test's cluster that still exists.
leftovers() {
    ip netns list 2>/dev/null | grep -F "$NSP"
    ip -o link 2>/dev/null | grep -F "$BR"
    ip route 2>/dev/null | grep -F "${SUBNET%/24}"
    grep -F "$STATE" /etc/hosts
    ls -d /etc/netns/"$NSP"* 2>/dev/null
    grep -F "$TMP" /proc/mounts
    ls /tmp/faultline-shaper-"$NP"*.pid 2>/dev/null
    ps -eo pid,args | grep -F -e "$TMP" -e "$PROBE" | grep -v grep
    [ -e "$STATE" ] && echo "state dir $STATE"
    return 0
}
