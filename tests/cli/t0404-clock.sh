#!/bin/sh
# t0404-clock.sh: the LD_PRELOAD time shim moves a running libc program's
# wall clock by the bump, live, on one node only; reset brings it back.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-cluster.sh"

SHIM=$O/lib/libfaultline-time.so
[ -f "$SHIM" ] || fail "missing $SHIM"
cluster_up 2

# A program that prints time(), gettimeofday() and clock_gettime() every
# 100 ms for 3 s, started under the shim with n1's offset file.
CLK=$STATE/clock/$N1
expect_exit 0 fault clock reset
# (ASAN_OPTIONS: an ASan-built probe must accept a preloaded library.)
on "$N1" sh -c 'ASAN_OPTIONS=verify_asan_link_order=0 LD_PRELOAD="$1" FAULTLINE_CLOCK_FILE="$2" setsid "$3" clock 30 100 >"$4" 2>&1 </dev/null &' \
    sh "$SHIM" "$CLK" "$PROBE" "$TMP/clk.out"
sleep 0.5
expect_exit 0 fault clock bump "$N1" --delta 3600s
sleep 0.5
expect_exit 0 fault clock show
grep -q "^$N1 3600.000" "$TMP/out" || fail "offsets: $(cat "$TMP/out")"
grep -q "^$N2 0.000" "$TMP/out" || fail "n2 offset: $(cat "$TMP/out")"
sleep 0.5
expect_exit 0 fault clock reset
sleep 2.3
now=$(date +%s)
# The lines before the bump are near now, some after it are one hour
# ahead in all three clocks, and the last ones (after reset) are near now.
awk -v now="$now" '
    { for (i = 1; i <= 3; i++) d[i] = $i - now
      if (d[1] > 3590 && d[2] > 3590 && d[3] > 3590) ahead++
      else if (d[1] < 10 && d[1] > -10) normal++ }
    NR == 1 && (d[1] > 10 || d[1] < -10) { bad = 1 }
    END { last = d[1]; exit !(ahead >= 3 && normal >= 5 && !bad && last < 10) }' \
    "$TMP/clk.out" || fail "clock did not follow: $(cat "$TMP/clk.out")"

# A plain date in the node is untouched (no shim), and the host too.
d=$(( $(on "$N1" date +%s) - $(date +%s) ))
[ "$d" -lt 5 ] && [ "$d" -gt -5 ] || fail "the real clock moved"
echo ok
