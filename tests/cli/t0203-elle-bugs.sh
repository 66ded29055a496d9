#!/bin/sh
# t0203: histories from the in-process store: the correct store passes,
# each switchable isolation bug is caught under Elle's anomaly name.
. "$(dirname "$0")/lib.sh"
GEN=${O:-$TOP/build}/tests/helpers/elle_gen
[ -x "$GEN" ] || fail "missing $GEN (make helpers)"

"$GEN" -n 5000 -c 10 -s 7 >"$TMP/ok.edn" || fail "generator"
expect_exit 0 "$FAULTLINE" check list-append "$TMP/ok.edn"

bug() { # bug NAME MODEL ANOMALY
    "$GEN" -n 2000 -c 10 -s 3 -b "$1" >"$TMP/$1.edn" || fail "generator $1"
    expect_exit 1 "$FAULTLINE" check list-append --consistency-models "$2" \
        "$TMP/$1.edn"
    grep -q ":anomaly-types \[.*:$3[] ]" "$TMP/out" ||
        fail "$1: want $3 in $(grep -o ':anomaly-types [^]]*]' "$TMP/out")"
}
bug aborted-read read-committed G1a
bug intermediate-read read-committed G1b
bug lost-update cursor-stability lost-update
bug write-skew serializable G2-item
bug stale-read strict-serializable G-single-item-realtime
bug dirty-write read-uncommitted G0

# write skew is fine under snapshot isolation
expect_exit 0 "$FAULTLINE" check list-append \
    --consistency-models snapshot-isolation "$TMP/write-skew.edn"
exit 0
