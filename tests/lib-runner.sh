# lib-runner.sh: what the test runners share (tests/cli/run.sh, fuzz/run.sh,
# tests/run-all.sh; the unit runner tests/unit/main.c follows the same
# rules). Every test ends passed, failed or skipped, and a runner's last line
# is exactly "N passed, N failed, N skipped".
#
# A skip says the test could not run here (not root, a package missing) and
# why; it is never a pass. Where skips are not allowed, a skip counts as a
# failure naming the test and its reason: FL_NO_SKIP=1, or CI=true unless
# FL_NO_SKIP is set to something else (`.ci/run` sets FL_NO_SKIP=1).
pass=0
fail=0
skipped=0

# no_skip_reason: print why skips are not allowed here; false if they are.
no_skip_reason() {
    case "${FL_NO_SKIP:-}" in
    1) echo "FL_NO_SKIP=1" ;;
    "") [ "${CI:-}" = true ] && echo "CI=true" ;;
    *) return 1 ;;
    esac
}

# result_pass NAME [DETAIL]
result_pass() {
    pass=$((pass + 1))
    echo "ok   $1${2:+ ($2)}"
}

# result_fail NAME [DETAIL]
result_fail() {
    fail=$((fail + 1))
    echo "FAIL $1${2:+: $2}"
}

# result_skip NAME REASON: a skip, or a failure where skips are not allowed.
result_skip() {
    if why=$(no_skip_reason); then
        result_fail "$1" "skipped ($2), and skips are not allowed ($why)"
    else
        skipped=$((skipped + 1))
        echo "skip $1: $2"
    fi
}

# summary: print the last line; false when anything failed.
summary() {
    echo "$pass passed, $fail failed, $skipped skipped"
    [ "$fail" = 0 ]
}
