#!/bin/sh
# t0740: the test runners count a skip as a skip, never as a pass, and as a
# failure naming the test and its reason where skips are not allowed
# (FL_NO_SKIP=1, or CI=true): tests/cli/run.sh with CLI scripts that pass,
# fail, skip and exit 77 without saying skip; lib-cluster.sh's skip when not
# root; the unit runner with its self-test suite (FL_SKIP, and an exit 77
# without it); fuzz/run.sh without clang and without its binaries; and
# tests/run-all.sh summing fake stages into "N passed, N failed, N skipped".
. "$(dirname "$0")/lib.sh"
O=${O:-$TOP/build}
UNIT=$O/test-unit
[ -x "$UNIT" ] || fail "missing $UNIT (make $UNIT)"

# run_env VAR=VALUE... CMD...: run CMD with skips allowed and the fuzz
# stage on unless the given variables say otherwise (the outer run may be
# under CI=true, or the sanitizer run's FL_SKIP_FUZZ=1 and FL_CLI_EXCLUDE,
# which make passes down to every test); output in $TMP/out, exit code in
# $rc.
run_env() {
    env -u FL_NO_SKIP -u CI -u FL_SKIP_FUZZ -u FL_CLI_EXCLUDE "$@" \
        >"$TMP/out" 2>&1
    rc=$?
}

# expect RC LAST-LINE: the last run exited RC and its last line is LAST-LINE.
expect() {
    last=$(tail -n 1 "$TMP/out")
    if [ "$rc" != "$1" ] || [ "$last" != "$2" ]; then
        sed 's/^/    /' "$TMP/out" >&2
        fail "expected exit $1 and \"$2\", got exit $rc and \"$last\""
    fi
}

has() {
    grep -qF -- "$1" "$TMP/out" || {
        sed 's/^/    /' "$TMP/out" >&2
        fail "no \"$1\" in the output"
    }
}

# --- tests/cli/run.sh ----------------------------------------------------
T=$TMP/t
mkdir -p "$T"
LIB=$TOP/tests/cli/lib.sh
printf '. "%s"\nexit 0\n' "$LIB" >"$T/t9001-pass.sh"
printf '. "%s"\nfail "it broke"\n' "$LIB" >"$T/t9002-fail.sh"
printf '. "%s"\nskip "needs a unicorn"\necho not reached\n' "$LIB" \
    >"$T/t9003-skip.sh"
printf '. "%s"\nexit 77\n' "$LIB" >"$T/t9004-exit77.sh"
# an old-style skip that passes: echo skip, exit 0
printf '. "%s"\necho "skip: no root"\nexit 0\n' "$LIB" >"$T/t9006-oldskip.sh"
RUN="sh $TOP/tests/cli/run.sh"

run_env $RUN "$T/t9001-pass.sh" "$T/t9002-fail.sh" "$T/t9003-skip.sh" \
    "$T/t9004-exit77.sh"
expect 1 "1 passed, 2 failed, 1 skipped"
has "ok   t9001-pass ("
has "FAIL t9002-fail: exit 1"
has "FAIL: it broke"
has "skip t9003-skip: needs a unicorn"
has "FAIL t9004-exit77: exit 77"
grep -q "not reached" "$TMP/out" && fail "skip did not end the script"

run_env $RUN "$T/t9001-pass.sh" "$T/t9003-skip.sh"
expect 0 "1 passed, 0 failed, 1 skipped"
# FL_CLI_EXCLUDE: left out, not counted, but named (its globs are not
# file names: here in $T they would match t9002-fail.sh, not t9002-fail).
(cd "$T" && run_env FL_CLI_EXCLUDE="t9002-* t900[34]-*" $RUN \
    "$T/t9001-pass.sh" "$T/t9002-fail.sh" "$T/t9003-skip.sh" \
    "$T/t9004-exit77.sh" && expect 0 "1 passed, 0 failed, 0 skipped" &&
    has "left out (FL_CLI_EXCLUDE='t9002-* t900[34]-*'): t9002-fail t9003-skip t9004-exit77") ||
    exit 1
run_env $RUN "$T/t9006-oldskip.sh"
expect 1 "0 passed, 1 failed, 0 skipped"
has "FAIL t9006-oldskip: said 'skip: no root' but exited 0 (use lib.sh's skip)"

for env in FL_NO_SKIP=1 CI=true; do
    run_env "$env" $RUN "$T/t9001-pass.sh" "$T/t9003-skip.sh"
    expect 1 "1 passed, 1 failed, 0 skipped"
    has "FAIL t9003-skip: skipped (needs a unicorn), and skips are not allowed ($env)"
done
run_env CI=true FL_NO_SKIP=0 $RUN "$T/t9003-skip.sh"
expect 0 "0 passed, 0 failed, 1 skipped"

# lib-cluster.sh skips when not root (run as nobody when we are root).
# nobody may not be able to read the checkout (a clone in a mktemp -d
# directory is 0700): the runner and the libraries run from a copy in $T.
M=$T/top/tests
mkdir -p "$M/cli"
cp "$TOP/tests/lib-runner.sh" "$M/" &&
    cp "$TOP/tests/cli/run.sh" "$TOP/tests/cli/lib.sh" \
        "$TOP/tests/cli/lib-cluster.sh" "$M/cli/" || fail "copy the runner"
printf '. "%s"\n. "%s"\nexit 0\n' "$M/cli/lib.sh" "$M/cli/lib-cluster.sh" \
    >"$M/cli/t9005-cluster.sh"
chmod a+x "$TMP" && chmod -R a+rX "$T"
as_user=""
[ "$(id -u)" = 0 ] && as_user="setpriv --reuid=65534 --regid=65534 --clear-groups"
RUN_COPY="sh $M/cli/run.sh"
run_env $as_user $RUN_COPY "$M/cli/t9005-cluster.sh"
expect 0 "0 passed, 0 failed, 1 skipped"
has "skip t9005-cluster: needs root"
run_env FL_NO_SKIP=1 $as_user $RUN_COPY "$M/cli/t9005-cluster.sh"
expect 1 "0 passed, 1 failed, 0 skipped"

# --- the unit runner -----------------------------------------------------
run_env "$UNIT" runner-selftest
expect 0 "0 passed, 0 failed, 0 skipped"
run_env FL_UNIT_RUNNER_SELFTEST=1 "$UNIT" runner-selftest
expect 1 "1 passed, 2 failed, 1 skipped"
has "ok   runner-selftest/selftest_pass"
has "FAIL runner-selftest/selftest_fail"
has "1 + 1 == 3: 2 != 3"
has "FAIL runner-selftest/selftest_exit77"
has "exited 77 without FL_SKIP"
grep -q "^skip runner-selftest/selftest_skip (.*): needs a unicorn (tests/unit/test_runner.c:[0-9]*)$" \
    "$TMP/out" || fail "no skip line with its reason: $(cat "$TMP/out")"
run_env FL_UNIT_RUNNER_SELFTEST=1 "$UNIT" selftest_skip
expect 0 "0 passed, 0 failed, 1 skipped"
run_env FL_UNIT_RUNNER_SELFTEST=1 TEST_NOFORK=1 "$UNIT" selftest_skip
expect 0 "0 passed, 0 failed, 1 skipped"
for env in FL_NO_SKIP=1 CI=true; do
    run_env "$env" FL_UNIT_RUNNER_SELFTEST=1 "$UNIT" selftest_skip
    expect 1 "0 passed, 1 failed, 0 skipped"
    has "FAIL runner-selftest/selftest_skip"
    has "skipped (needs a unicorn (tests/unit/test_runner.c:"
    has "and skips are not allowed ($env)"
done

# No unit test prints "skip" and returns (a pass): they call FL_SKIP.
(cd "$TOP" && git ls-files 'tests/unit/*.c' | xargs grep -n -i -E \
    'printf\("skip:|puts\("skip:') >"$TMP/oldskip"
[ ! -s "$TMP/oldskip" ] || fail "skips that pass: $(cat "$TMP/oldskip")"

# --- fuzz/run.sh ---------------------------------------------------------
nfuzz=$(ls "$TOP"/fuzz/fuzz_*.c | wc -l)
[ "$nfuzz" -gt 0 ] || fail "no fuzz targets"
run_env CLANG=/nonexistent/clang O="$TMP/nobuild" sh "$TOP/fuzz/run.sh"
expect 0 "0 passed, 0 failed, $nfuzz skipped"
has "skip fuzz_edn: no clang"
run_env FL_NO_SKIP=1 CLANG=/nonexistent/clang O="$TMP/nobuild" \
    sh "$TOP/fuzz/run.sh"
expect 1 "0 passed, $nfuzz failed, 0 skipped"
run_env CLANG=sh O="$TMP/nobuild" sh "$TOP/fuzz/run.sh"
expect 1 "0 passed, $nfuzz failed, 0 skipped"
has "FAIL fuzz_edn: $TMP/nobuild/fuzz/fuzz_edn was not built (make fuzz)"

# --- tests/run-all.sh ----------------------------------------------------
# A fake unit runner and a fake make print what $FAKE_UNIT, $FAKE_CLI and
# $FAKE_FUZZ say ("LINE|RC") and exit with RC.
F=$TMP/fake
mkdir -p "$F/bin" "$F/O"
cat >"$F/fake.sh" <<'EOF'
echo "ok   something"
printf '%s\n' "${1%|*}"
exit "${1##*|}"
EOF
printf '#!/bin/sh\nexec sh "%s" "$FAKE_UNIT"\n' "$F/fake.sh" >"$F/O/test-unit"
cat >"$F/bin/make" <<EOF
#!/bin/sh
case "\$*" in
*test-cli*) exec sh "$F/fake.sh" "\$FAKE_CLI" ;;
*test-fuzz*) exec sh "$F/fake.sh" "\$FAKE_FUZZ" ;;
esac
exit 99
EOF
chmod +x "$F/O/test-unit" "$F/bin/make"
run_all() {
    run_env PATH="$F/bin:$PATH" FAKE_UNIT="$1" FAKE_CLI="$2" FAKE_FUZZ="$3" \
        ${4:+FL_SKIP_FUZZ=1} sh "$TOP/tests/run-all.sh" "$F/O"
}

run_all "2 passed, 0 failed, 1 skipped|0" "3 passed, 0 failed, 0 skipped|0" \
    "1 passed, 0 failed, 2 skipped|0"
expect 0 "6 passed, 0 failed, 3 skipped"
run_all "2 passed, 0 failed, 1 skipped|0" "3 passed, 1 failed, 0 skipped|1" \
    "1 passed, 0 failed, 2 skipped|0"
expect 1 "6 passed, 1 failed, 3 skipped"
run_all "2 passed, 0 failed, 1 skipped|0" "3 passed, 0 failed, 0 skipped|0" \
    "1 passed, 0 failed, 2 skipped|0" nofuzz
expect 0 "5 passed, 0 failed, 1 skipped"
# no summary, an old summary without skips, or a nonzero exit with none failed
run_all "crashed|139" "3 passed, 0 failed, 0 skipped|0" \
    "1 passed, 0 failed, 0 skipped|0"
expect 1 "4 passed, 1 failed, 0 skipped"
has "stage unit printed no summary (exit 139)"
run_all "2 passed, 0 failed|0" "3 passed, 0 failed, 0 skipped|0" \
    "1 passed, 0 failed, 0 skipped|0"
expect 1 "4 passed, 1 failed, 0 skipped"
run_all "2 passed, 0 failed, 0 skipped|2" "3 passed, 0 failed, 0 skipped|0" \
    "1 passed, 0 failed, 0 skipped|0"
expect 1 "6 passed, 1 failed, 0 skipped"
has "stage unit exited 2"
exit 0
