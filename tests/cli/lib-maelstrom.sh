# lib-maelstrom.sh: helpers for the maelstrom CLI tests (t1000-t1019). Source
# after lib.sh: $EX is examples/maelstrom; tests skip (exit 77) without
# python3; mael runs `faultline maelstrom test` with short defaults.
EX=$TOP/examples/maelstrom
command -v python3 >/dev/null 2>&1 || { echo "skip: no python3"; exit 77; }

# mael CODE ARGS...: faultline maelstrom test ARGS, expecting exit CODE.
mael() {
    code=$1
    shift
    expect_exit "$code" "$FAULTLINE" maelstrom test --seed 7 "$@"
}

# run_dir: the store dir of the last run (from its stdout).
run_dir() {
    sed -n 's/^store: //p' "$TMP/out"
}
