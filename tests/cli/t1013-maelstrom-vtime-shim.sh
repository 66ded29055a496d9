#!/bin/sh
# t1013: libfaultline-vtime.so on its own: a program's clocks show the
# page's virtual time on the documented bases; a sleep and a timed lock
# wait record their virtual deadline in a slot and return only once the
# virtual time reaches it (not after the wall-clock duration); without
# $FAULTLINE_VTIME_FILE the clocks are the real ones.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null 2>&1 || skip "no python3"
SO=$O/lib/libfaultline-vtime.so
[ -r "$SO" ] || fail "$SO missing (make builds it)"
cd "$TMP"

# The page (shim/faultline-vtime.h): magic, now, gen, pad, 128 slots of
# {tid, pad, deadline}; now = 5 s.
python3 - <<'PY'
import struct
with open("page", "wb") as f:
    f.write(struct.pack("<QqII", 0x656d697474766c66, 5 * 10**9, 0, 0))
    f.write(b"\0" * 16 * 128)
PY
cat >prog.py <<'PY'
import sys, threading, time
print(time.monotonic_ns(), time.time_ns(), flush=True)
if sys.argv[1:] == ["sleep"]:
    time.sleep(0.5)            # clock_nanosleep
    print("slept", time.monotonic_ns(), flush=True)
    threading.Event().wait(0.25)   # sem_clockwait
    print("waited", time.monotonic_ns(), flush=True)
PY
LD_PRELOAD=$SO FAULTLINE_VTIME_FILE=page python3 prog.py >clocks
read -r mono real <clocks
[ "$mono" = 1005000000000 ] || fail "monotonic $mono, not 1,000 s + 5 s"
[ "$real" = 1700000005000000000 ] || fail "realtime $real"
python3 prog.py >real
read -r mono real <real
[ "$real" -gt 1700000005000000000 ] || fail "without the page: $real"

# A driver moves the virtual time only when it sees a deadline, and
# checks that the sleeper has not returned before.
LD_PRELOAD=$SO FAULTLINE_VTIME_FILE=page python3 prog.py sleep >out &
pid=$!
python3 - <<'PY' || { kill $pid; fail "driver: $(cat out)"; }
import mmap, struct, time, sys
f = open("page", "r+b")
m = mmap.mmap(f.fileno(), 0)
def deadline():
    end = time.time() + 20
    while time.time() < end:
        for k in range(128):
            tid, _, d = struct.unpack_from("<iiq", m, 24 + 16 * k)
            if tid > 0:
                return d
        time.sleep(0.01)
    sys.exit("no deadline in a slot")
def lines():
    return open("out").read().split("\n")
for want, tag in ((5_500_000_000, "slept"), (5_750_000_000, "waited")):
    d = deadline()
    if d != want:
        sys.exit("deadline %d, want %d" % (d, want))
    time.sleep(1.0)  # twice the wall-clock duration: must still wait
    if any(l.startswith(tag) for l in lines()):
        sys.exit("%s before the virtual time came" % tag)
    struct.pack_into("<q", m, 8, d)
    gen = struct.unpack_from("<I", m, 16)[0]
    struct.pack_into("<I", m, 16, gen + 1)
    end = time.time() + 10
    while not any(l.startswith(tag) for l in lines()) and time.time() < end:
        time.sleep(0.01)
    got = [l for l in lines() if l.startswith(tag)]
    if got != ["%s %d" % (tag, 1_000_000_000_000 + d)]:
        sys.exit("%s: %s" % (tag, got))
PY
wait $pid || fail "prog failed"
exit 0
