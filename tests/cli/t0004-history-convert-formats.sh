#!/bin/sh
# t0004: convert writes -o files, history.txt, reads --from json, and
# keeps awkward values through JSON.
. "$(dirname "$0")/lib.sh"

cat >"$TMP/h.edn" <<'END'
; hand-written
[{:process 0 :type :invoke :f :cas :value [1 2] :time 5}
 {:process 0 :type :fail :f :cas :value [1 2] :error "not found" :time 7}
 #jepsen.history.Op{:process :nemesis :type :info :f :start :value #{:n1 :n2}}
 {:process 1 :type :invoke :f "weird" :value (1/3 2N 1.5M ##NaN \a sym #inst "2020")}]
END
expect_exit 0 "$FAULTLINE" history convert --to txt "$TMP/h.edn"
printf '0\t:invoke\t:cas\t[1 2]\n0\t:fail\t:cas\t[1 2]\tnot found\n:nemesis\t:info\t:start\t#{:n1 :n2}\n1\t:invoke\t"weird"\t(1/3 2N 1.5M ##NaN \\a sym #inst "2020")\n' |
    cmp -s - "$TMP/out" || fail "txt output: $(cat "$TMP/out")"
expect_exit 0 "$FAULTLINE" history convert --to json -o "$TMP/h.json" "$TMP/h.edn"
[ -s "$TMP/out" ] && fail "stdout not empty with -o"
grep -q '"f":{"#str":"weird"}' "$TMP/h.json" || fail "string :f lost"
expect_exit 0 "$FAULTLINE" history convert --from json --to edn "$TMP/h.json"
grep -q ':value (1/3 2N 1.5M ##NaN \\a sym #inst "2020")' "$TMP/out" ||
    fail "values lost: $(cat "$TMP/out")"
expect_exit 0 "$FAULTLINE" history stats --from json "$TMP/h.json"
grep -qx 'ops: 4' "$TMP/out" || fail "stats on json"
grep -qx 'open invocations: 1' "$TMP/out" || fail "open count"
expect_exit 254 "$FAULTLINE" history stats --from json "$TMP/h.edn"
grep -q "h.edn:1:1: " "$TMP/err" || fail "json error position"
expect_exit 255 "$FAULTLINE" history convert --to edn -o /nonexistent/x "$TMP/h.edn"
exit 0
