#!/bin/sh
# t0702-names-hosts.sh: control characters are refused (exit 254, nothing
# created) in every path and name that enters: state and store dirs, node
# names and prefixes, bridge, netns prefix, --nodes entries. The cluster's
# block in the hosts file is added by an atomic rename (mode kept) and
# removed exactly: lines edited in meanwhile stay, also when an end marker
# was deleted. The hosts file is a scratch copy ($FAULTLINE_HOSTS_FILE),
# and the whole test runs in a mount namespace of its own with another
# scratch copy bind-mounted over /etc/hosts, so that no version of the code
# can change the machine's /etc/hosts.
if [ -z "${FL_HOSTS_JAIL:-}" ] && [ "$(id -u)" = 0 ] &&
    command -v unshare >/dev/null 2>&1; then
    FL_HOSTS_JAIL=$(mktemp)
    cp /etc/hosts "$FL_HOSTS_JAIL"
    export FL_HOSTS_JAIL
    exec unshare -m sh -c \
        'mount --bind "$FL_HOSTS_JAIL" /etc/hosts && exec sh "$0"' "$0"
fi
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-cluster.sh"
[ -n "${FL_HOSTS_JAIL:-}" ] || skip "needs unshare(1)"
cp "$FL_HOSTS_JAIL" "$TMP/jail.orig"
export FAULTLINE_HOSTS_FILE="$TMP/hosts"
printf '127.0.0.1 localhost\n# kept\n10.1.1.1 before\n' >"$FAULTLINE_HOSTS_FILE"
chmod 0640 "$FAULTLINE_HOSTS_FILE"
cp "$FAULTLINE_HOSTS_FILE" "$TMP/hosts.orig"
NL='
'
TAB='	'
BAD="$TMP/st${NL}127.0.0.1 evil"
cleanup2() {
    "$FAULTLINE" cluster down --state-dir "$BAD" >/dev/null 2>&1
    rm -f "$FL_HOSTS_JAIL"
    cleanup
}
trap cleanup2 EXIT

# bad WHAT CMD...: CMD exits 254 naming the control character.
bad() {
    what=$1
    shift
    expect_exit 254 "$@"
    grep -q "control character 0x0[9a]" "$TMP/err" ||
        { cat "$TMP/err" >&2; fail "$what: no clear message"; }
}
up() {
    "$FAULTLINE" cluster up --nodes 1 --bridge "$BR" --subnet "$SUBNET" "$@"
}
bad "--state-dir" up --state-dir "$BAD" --node-prefix "$NP" --netns-prefix "$NSP"
bad "--node-prefix" up --state-dir "$STATE" --node-prefix "a${NL}b" --netns-prefix "$NSP"
bad "--netns-prefix" up --state-dir "$STATE" --node-prefix "$NP" --netns-prefix "x${TAB}"
bad "--subnet" "$FAULTLINE" cluster up --nodes 1 --state-dir "$STATE" \
    --bridge "$BR" --subnet "10.0.0.0/24${NL}" --node-prefix "$NP"
bad "cluster down" "$FAULTLINE" cluster down --state-dir "$BAD"
bad "cluster status" "$FAULTLINE" cluster status --state-dir "$BAD"
bad "fault --state-dir" "$FAULTLINE" fault --state-dir "$BAD" heal
bad "fault --nodes" "$FAULTLINE" fault --nodes "n1,n2${NL}x" heal
bad "test --nodes" "$FAULTLINE" test etcd --nodes "n1${NL}x" --time-limit 1
bad "test --nodes-file" sh -c 'printf "n1\nn${2}2\n" >"$1/nf" &&
    "$3" test etcd --nodes-file "$1/nf" --no-ssh --time-limit 1 \
    --store "$1/store"' sh "$TMP" "$TAB" "$FAULTLINE"
bad "test --store" "$FAULTLINE" test memkv --time-limit 1 \
    --store "$TMP/s${NL}x"
bad "test --state-dir" "$FAULTLINE" test etcd --state-dir "$BAD" --time-limit 1
[ -e "$TMP/st" ] || [ -e "$BAD" ] && fail "a bad state dir was created"
[ -z "$(leftovers)" ] || fail "left behind: $(leftovers)"
cmp -s "$FAULTLINE_HOSTS_FILE" "$TMP/hosts.orig" || fail "hosts file changed"
cmp -s "$FL_HOSTS_JAIL" "$TMP/jail.orig" || fail "/etc/hosts changed"

# The block: added by rename (a new inode), mode kept, exact lines.
ino=$(stat -c %i "$FAULTLINE_HOSTS_FILE")
cluster_up 2
[ "$(stat -c %i "$FAULTLINE_HOSTS_FILE")" != "$ino" ] || fail "not renamed"
[ "$(stat -c %a "$FAULTLINE_HOSTS_FILE")" = 640 ] || fail "mode not kept"
cat "$TMP/hosts.orig" >"$TMP/want"
cat >>"$TMP/want" <<EOT
# faultline cluster begin (removed by faultline cluster down): $STATE
${SUBNET%0/24}11 ${NP}1
${SUBNET%0/24}12 ${NP}2
# faultline cluster end: $STATE
EOT
diff "$TMP/want" "$FAULTLINE_HOSTS_FILE" || fail "block not as written"
cmp -s "$FL_HOSTS_JAIL" "$TMP/jail.orig" || fail "/etc/hosts changed"

# Edited meanwhile: a line inside the block, one after, the end marker gone.
sed -e "s|^${SUBNET%0/24}11 .*|&\n10.2.2.2 inside|" \
    -e "/^# faultline cluster end/d" "$FAULTLINE_HOSTS_FILE" >"$TMP/h2"
echo "10.3.3.3 after" >>"$TMP/h2"
cat "$TMP/h2" >"$FAULTLINE_HOSTS_FILE"
expect_exit 0 "$FAULTLINE" cluster down --state-dir "$STATE"
{ cat "$TMP/hosts.orig"; echo "10.2.2.2 inside"; echo "10.3.3.3 after"; } \
    >"$TMP/want"
diff "$TMP/want" "$FAULTLINE_HOSTS_FILE" || fail "not removed exactly"
[ "$(stat -c %a "$FAULTLINE_HOSTS_FILE")" = 640 ] || fail "mode not kept"
cmp -s "$FL_HOSTS_JAIL" "$TMP/jail.orig" || fail "/etc/hosts changed"
echo ok
