#!/bin/sh
# t0407-ssh.sh: the SSH backend against sshd running in the local nodes:
# commands with stdin, exit codes and stderr, uploads and downloads,
# parallel channels on one connection, host keys trusted on first use and
# recorded, an unknown key refused under strict checking, a changed key
# refused always, and a wrong key file refused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-cluster.sh"

SSHD=/usr/sbin/sshd
[ -x "$SSHD" ] || skip "no sshd"
command -v ssh-keygen >/dev/null 2>&1 || skip "no ssh-keygen"
RMT=$O/tests/helpers/fl-remote
cluster_up 2

K=$TMP/ssh
mkdir -p "$K" /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$K/id" || fail keygen
ssh-keygen -q -t ed25519 -N '' -f "$K/other" || fail keygen
ssh-keygen -q -t ed25519 -N '' -f "$K/hostkey1" || fail keygen
ssh-keygen -q -t ed25519 -N '' -f "$K/hostkey2" || fail keygen
cp "$K/id.pub" "$K/authorized_keys"
chmod 600 "$K/authorized_keys"
i=1
for n in $NODES; do
    printf '%s\n' "Port 22" "ListenAddress ${SUBNET%.0/24}.1$i" \
        "HostKey $K/hostkey$i" "PidFile $K/sshd$i.pid" \
        "PermitRootLogin prohibit-password" "PubkeyAuthentication yes" \
        "PasswordAuthentication no" "KbdInteractiveAuthentication no" \
        "UsePAM no" "StrictModes no" "AuthorizedKeysFile $K/authorized_keys" \
        "MaxSessions 50" "MaxStartups 100:30:200" >"$K/sshd$i.conf"
    "$SSHD" -t -f "$K/sshd$i.conf" || fail "sshd config"
    bg "$n" "$SSHD" -D -f "$K/sshd$i.conf" -E "$K/sshd$i.log"
    i=$((i + 1))
done
KH=$TMP/known_hosts
for n in $NODES; do
    ok=0
    for t in 1 2 3 4 5 6 7 8 9 10; do
        [ "$("$PROBE" probe 22 300 "$n")" = 1 ] && { ok=1; break; }
        sleep 0.2
    done
    [ $ok = 1 ] || fail "sshd on $n did not come up"
done
r() { "$RMT" -k "$K/id" -K "$KH" "$@"; }

# Strict checking refuses a host that is not in known_hosts.
expect_exit 255 r -s "$N1" run true
grep -q "unknown host key" "$TMP/err" || fail "strict: $(cat "$TMP/err")"
[ -s "$KH" ] && fail "strict mode recorded a key"

# Trust on first use records the key; then strict mode accepts it.
expect_exit 0 r "$N1" run hostname
[ "$(cat "$TMP/out")" = "$N1" ] || fail "hostname over ssh: $(cat "$TMP/out")"
grep -q "ssh-ed25519" "$KH" || fail "key not recorded"
expect_exit 0 r -s "$N1" run true

# stdin, stdout, stderr and exit codes; hostile bytes pass unchanged.
printf 'line1\n$(id) `x` '"'"'q'"'"'\n' >"$TMP/in"
r "$N1" run 'cat; echo err >&2; exit 3' <"$TMP/in" >"$TMP/o" 2>"$TMP/e"
[ $? = 3 ] || fail "exit code"
cmp -s "$TMP/in" "$TMP/o" || fail "stdin/stdout: $(cat "$TMP/o")"
grep -q '^err$' "$TMP/e" || fail "stderr"

# Upload and download, byte for byte (binary data).
head -c 300000 /dev/urandom >"$TMP/blob"
expect_exit 0 r "$N2" upload "$TMP/blob" "$TMP/blob.up"
cmp -s "$TMP/blob" "$TMP/blob.up" || fail "upload differs"
expect_exit 0 r "$N2" download "$TMP/blob.up" "$TMP/blob.down"
cmp -s "$TMP/blob" "$TMP/blob.down" || fail "download differs"
expect_exit 255 r "$N2" download "$TMP/nosuch" "$TMP/x"

# Several commands at once on one connection, bounded to 3 channels. Each
# command counts the commands running (their marker files) into "seen":
# with -c 3 the most seen is 3, never more; with -c 6 it is more than 3 (so
# the count can see a broken bound). All 6 run.
chan() {
    C=$TMP/chan$1
    mkdir -p "$C"
    expect_exit 0 r -c "$1" "$N2" parallel 6 "touch $C/run.\$\$;
        ls $C | grep -c '^run\\.' >>$C/seen; sleep 1; rm $C/run.\$\$"
    [ "$(wc -l <"$C/seen")" = 6 ] || fail "-c $1: not 6 runs: $(cat "$C/seen")"
    max=$(sort -n "$C/seen" | tail -n 1)
}
chan 3
[ "$max" = 3 ] || fail "-c 3: $max commands at once: $(cat "$C/seen")"
chan 6
[ "$max" -gt 3 ] || fail "-c 6: only $max commands at once: $(cat "$C/seen")"

# A per-command timeout.
expect_exit 124 r -t 500 "$N1" run 'sleep 5'

# A changed host key is refused even without strict checking.
sed -i "s|$K/hostkey1|$K/hostkey2|" "$K/sshd1.conf"
kill "$(cat "$K/sshd1.pid")"
sleep 0.3
bg "$N1" "$SSHD" -D -f "$K/sshd1.conf" -E "$K/sshd1.log"
sleep 0.5
expect_exit 255 r "$N1" run true
grep -q "changed" "$TMP/err" || fail "changed key: $(cat "$TMP/err")"
# --no-host-key-checking connects anyway, with a warning.
expect_exit 0 r -n "$N1" run true

# A key the node does not know is refused.
expect_exit 255 "$RMT" -k "$K/other" -K "$KH" "$N2" run true
grep -q "authentication" "$TMP/err" || fail "bad key: $(cat "$TMP/err")"

# A command that breaks the connection (it kills its own sshd) fails and
# is not run again; the next command reconnects. The second time sshd's
# listener is gone too and comes back 250 ms later: the reconnect waits
# it out with backoff.
M=$TMP/marks
expect_exit 0 r "$N2" seq 'echo one' "echo x >>$M; kill -9 \$PPID" 'echo two'
[ "$(cat "$TMP/out")" = "one
two" ] || fail "reconnect: $(cat "$TMP/out") / $(cat "$TMP/err")"
grep -q "cmd 2: error" "$TMP/err" || fail "broken command: $(cat "$TMP/err")"
[ "$(cat "$M")" = x ] || fail "the broken command ran $(wc -l <"$M") times"
restart="kill \$(cat $K/sshd2.pid); setsid sh -c 'sleep 0.25; $SSHD -f $K/sshd2.conf -E $K/sshd2.log' </dev/null >/dev/null 2>&1 & kill -9 \$PPID"
old=$(cat "$K/sshd2.pid")
t0=$(date +%s%N)
expect_exit 0 r "$N2" seq 'echo one' "$restart" 'echo three'
t1=$(date +%s%N)
[ "$(cat "$TMP/out")" = "one
three" ] || fail "reconnect with backoff: $(cat "$TMP/out") / $(cat "$TMP/err")"
[ $(((t1 - t0) / 1000000)) -ge 250 ] || fail "reconnected before sshd was back"
[ "$(cat "$K/sshd2.pid")" != "$old" ] || fail "sshd on $N2 was not restarted"
echo ok
