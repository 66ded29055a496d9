# lib.sh: helpers for CLI tests (git's test-lib.sh in miniature). Source it
# first; it sets $FAULTLINE, $CORPUS ($CORPUS, $FL_CORPUS, or ../shared/corpus
# beside the source tree), $TMP (removed at exit) and defines expect_exit and
# the fail and skip helpers.
set -u
: "${FAULTLINE:?FAULTLINE must point at the faultline binary}"
TOP=$(cd "$(dirname "$0")/../.." && pwd)
CORPUS=${CORPUS:-${FL_CORPUS:-$TOP/../shared/corpus}}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# skip REASON: this test cannot run here. Exit 77, which run.sh counts as
# skipped, never as passed (and as failed under CI=true or FL_NO_SKIP=1).
skip() {
    echo "skip: $*"
    exit 77
}

# expect_exit CODE CMD...: run CMD, its stdout in $TMP/out and stderr in
# $TMP/err, and fail unless it exits with CODE.
expect_exit() {
    want=$1
    shift
    "$@" >"$TMP/out" 2>"$TMP/err"
    got=$?
    if [ "$got" != "$want" ]; then
        echo "command: $*" >&2
        echo "stdout:" >&2; head -c 2000 "$TMP/out" >&2
        echo "stderr:" >&2; head -c 2000 "$TMP/err" >&2
        fail "expected exit $want, got $got"
    fi
}
