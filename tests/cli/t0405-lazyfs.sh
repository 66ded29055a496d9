#!/bin/sh
# t0405-lazyfs.sh: the lost-writes filesystem keeps data that was fsynced
# and drops data written since the last fsync across a "crash" (lose, then
# unmount and remount: only the backing directory is left).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-cluster.sh"

[ -e /dev/fuse ] || skip "no /dev/fuse"
command -v fusermount3 >/dev/null 2>&1 || skip "no fusermount3"
cluster_up 1
D=$TMP/data

expect_exit 0 fault lazyfs mount "$N1" "$D"
grep -q " $D fuse" /proc/mounts || fail "not mounted"
# synced: written with fsync (dd conv=fsync); unsynced: plain writes.
on "$N1" sh -c 'printf "durable-1\n" | dd of="$1/synced" conv=fsync 2>/dev/null' sh "$D"
on "$N1" sh -c 'printf "lost-1\n" > "$1/unsynced"' sh "$D"
on "$N1" sh -c 'printf "more-lost\n" >> "$1/synced"' sh "$D"
[ "$(cat "$D/unsynced")" = lost-1 ] || fail "unsynced data not readable before the crash"
[ "$(cat "$D/synced")" = "$(printf 'durable-1\nmore-lost')" ] || fail "read-back: $(cat "$D/synced")"
# Before the crash the backing files do not have the unsynced bytes yet.
[ "$(cat "$D.lazy-data/synced")" = durable-1 ] || fail "backing has unsynced data"

expect_exit 0 fault lose-writes "$N1" "$D"
[ "$(cat "$D/synced")" = durable-1 ] || fail "after lose: synced = $(cat "$D/synced")"
[ -s "$D/unsynced" ] && fail "after lose: unsynced data survived: $(cat "$D/unsynced")"

# More writes, then a crash by unmount: again only the fsynced part stays.
on "$N1" sh -c 'printf "durable-2\n" | dd of="$1/f2" conv=fsync 2>/dev/null' sh "$D"
on "$N1" sh -c 'printf "gone\n" >> "$1/f2"' sh "$D"
expect_exit 0 fault lazyfs umount "$N1" "$D"
grep -q " $D fuse" /proc/mounts && fail "still mounted"
expect_exit 0 fault lazyfs mount "$N1" "$D"
grep -q "gone" "$D/f2" && fail "unsynced append survived the unmount"
expect_exit 0 fault lazyfs umount "$N1" "$D"
expect_exit 255 fault lose-writes "$N1" "$TMP"
echo ok
