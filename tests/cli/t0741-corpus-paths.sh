#!/bin/sh
# t0741: tests find the shared corpus through one helper each (lib.sh's
# $CORPUS, the unit tests' fl_test_corpus()), from $FL_CORPUS or beside the
# source tree, never through an absolute path of one machine; the unit
# helper works from any directory and names a wrong $FL_CORPUS.
. "$(dirname "$0")/lib.sh"
O=${O:-$TOP/build}
UNIT=$O/test-unit
[ -x "$UNIT" ] || fail "missing $UNIT (make $UNIT)"

# No absolute home/work paths in the test, bench and fuzz sources (the fuzz
# corpus is data, not paths).
cd "$TOP" || fail "cd $TOP"
git ls-files tests bench fuzz | grep -v '^fuzz/corpus/' |
    xargs grep -n -E '(^|[^A-Za-z0-9_.])/(work|root|home)/' >"$TMP/abs"
[ ! -s "$TMP/abs" ] || fail "absolute paths of this machine: $(cat "$TMP/abs")"
# The corpus location is spelled out (outside comments) only by the helpers
# (and the benchmark, which takes FL_CORPUS too).
git ls-files tests bench fuzz | grep -v '^fuzz/corpus/' |
    xargs grep -n 'shared/[c]orpus' | grep -v -E '^[^:]*:[0-9]+: *(#|/?\*)' |
    cut -d: -f1 | sort -u >"$TMP/where"
printf '%s\n' bench/bench_linear.c tests/cli/lib.sh tests/unit/main.c \
    >"$TMP/want"
cmp -s "$TMP/want" "$TMP/where" ||
    fail "the corpus path spelled out in: $(cat "$TMP/where")"

# The unit helper from another directory, through the binary's location...
cd "$TMP" || fail "cd $TMP"
run() {
    env -u FL_CORPUS -u CI -u FL_NO_SKIP "$@" >"$TMP/out" 2>&1
    rc=$?
}
run "$UNIT" test_knossos_corpus
[ $rc = 0 ] && grep -qx '1 passed, 0 failed, 0 skipped' "$TMP/out" ||
    fail "corpus not found from $TMP: $(cat "$TMP/out")"
# ...from $FL_CORPUS, and a wrong one is named.
ln -s "$CORPUS" "$TMP/c"
run FL_CORPUS="$TMP/c" "$UNIT" test_knossos_corpus
[ $rc = 0 ] || fail "FL_CORPUS=$TMP/c: $(cat "$TMP/out")"
run FL_CORPUS="$TMP/none" "$UNIT" test_knossos_corpus
[ $rc = 1 ] && grep -q "FL_CORPUS=$TMP/none: no such directory" "$TMP/out" ||
    fail "wrong FL_CORPUS not named: $(cat "$TMP/out")"
# lib.sh takes $FL_CORPUS too.
[ "$(FL_CORPUS=/x CORPUS= sh -c '. "$1"; echo "$CORPUS"' sh "$TOP/tests/cli/lib.sh")" = /x ] ||
    fail "lib.sh ignores FL_CORPUS"
exit 0
