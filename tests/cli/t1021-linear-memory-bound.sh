#!/bin/sh
# t1021: the linearizability search is bounded in memory: a history whose
# search would grow for minutes ends :unknown :cause :out-of-memory within
# --memory-limit (never above it), and every result reports the bound
# (half the physical memory by default).
. "$(dirname "$0")/lib.sh"
GEN=${O:-$TOP/build}/tests/helpers/lin_gen
L="$FAULTLINE check linearizable --model cas-register --init 0 --independent"

"$GEN" 1:2000:5:2:bad >"$TMP/hard.edn" || fail "lin_gen"
for mb in 8 32; do
    expect_exit 2 timeout 120 $L --memory-limit $mb "$TMP/hard.edn"
    grep -q ':results {0 {:valid? :unknown, :cause :out-of-memory' \
        "$TMP/out" ||
        fail "$mb MB: $(cat "$TMP/out")"
    limit=$(sed -n 's/.*:memory-limit-bytes \([0-9]*\).*/\1/p' "$TMP/out")
    peak=$(sed -n 's/.*:peak-search-bytes \([0-9]*\).*/\1/p' "$TMP/out")
    [ "$limit" = $((mb * 1048576)) ] || fail "$mb MB: limit '$limit'"
    [ -n "$peak" ] && [ "$peak" -le "$limit" ] ||
        fail "$mb MB: peak $peak above the limit"
    [ "$peak" -gt $((limit / 4)) ] || fail "$mb MB: peak $peak: gave up early"
done

# --independent: the bound is per search (split between the threads), the
# key is :unknown and so is the whole.
expect_exit 2 timeout 120 $L --threads 2 --memory-limit 16 \
    "$TMP/hard.edn"
grep -q ':results {0 {:valid? :unknown, :cause :out-of-memory' "$TMP/out" ||
    fail "independent: $(cat "$TMP/out")"

# The default bound: half the machine's memory, reported.
expect_exit 0 $FAULTLINE check linearizable --model cas-register --init 0 "$CORPUS/knossos/cas-register/good/memstress3-0.edn"
half=$(awk '/^MemTotal:/ { print int($2 * 1024 / 2 / 4096) }' /proc/meminfo)
limit=$(sed -n 's/.*:memory-limit-bytes \([0-9]*\).*/\1/p' "$TMP/out")
[ -n "$limit" ] && [ $((limit / 4096)) -ge $((half - 256)) ] &&
    [ $((limit / 4096)) -le $((half + 256)) ] ||
    fail "default bound '$limit', half of RAM is $((half * 4096))"
exit 0
