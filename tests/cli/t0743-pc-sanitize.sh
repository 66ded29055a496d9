#!/bin/sh
# t0743: a library built with SANITIZE= installs a faultline.pc whose
# Cflags and Libs carry -fsanitize= (a user's program must link the
# sanitizer runtime first); an unsanitized one carries none. The O= dir
# keeps its SANITIZE= (a later `make install` there without it, as the
# example tests run, installs the same), and another SANITIZE= for it is an
# error naming both. Only faultline.pc is made here: t0900 links a program
# against the installed library, sanitized when the build under test is.
. "$(dirname "$0")/lib.sh"

# mk ARGS...: make in the source tree, not told anything by an outer make
# (`make SANITIZE=... test` passes its variables down in MAKEFLAGS).
mk() {
    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u SANITIZE make -s -C "$TOP" "$@"
}

# pc O [VAR=VALUE...]: make O's faultline.pc; its flags in $TMP/pc.
pc() {
    o=$TMP/$1
    shift
    mk O="$o" "$@" "$o/faultline.pc" >"$TMP/make.out" 2>&1 ||
        { cat "$TMP/make.out" >&2; fail "make O=$o $* faultline.pc"; }
    PKG_CONFIG_PATH=$o pkg-config --cflags --libs faultline >"$TMP/pc" ||
        fail "pkg-config on $o/faultline.pc"
}

pc asan SANITIZE=address,undefined
for f in Cflags Libs; do
    grep -q "^$f: .* -fsanitize=address,undefined$" "$TMP/asan/faultline.pc" ||
        fail "$f without -fsanitize: $(cat "$TMP/asan/faultline.pc")"
done
[ "$(grep -o -- '-fsanitize=address,undefined' "$TMP/pc" | wc -l)" -ge 1 ] ||
    fail "pkg-config --cflags --libs: $(cat "$TMP/pc")"
[ "$(cat "$TMP/asan/sanitize")" = address,undefined ] ||
    fail "O= does not keep its SANITIZE="

# Without SANITIZE=, the dir's own (what t0900's make install does).
rm "$TMP/asan/faultline.pc"
pc asan
grep -q -- "-fsanitize=address,undefined" "$TMP/pc" ||
    fail "make without SANITIZE= lost it: $(cat "$TMP/pc")"

# Another SANITIZE= for the same dir: an error naming both; clean is fine.
for s in thread ""; do
    mk O="$TMP/asan" SANITIZE="$s" "$TMP/asan/faultline.pc" \
        >"$TMP/make.out" 2>&1 && fail "SANITIZE='$s' over an ASan dir"
    grep -q "O=$TMP/asan is built with SANITIZE=address,undefined, not SANITIZE=$s: use another O= or make O=$TMP/asan clean" \
        "$TMP/make.out" || fail "no error naming both: $(cat "$TMP/make.out")"
done
mk O="$TMP/asan" SANITIZE=thread clean >"$TMP/make.out" 2>&1 ||
    fail "clean: $(cat "$TMP/make.out")"
[ ! -e "$TMP/asan" ] || fail "clean left $TMP/asan"

pc tsan SANITIZE=thread
grep -q -- "-fsanitize=thread" "$TMP/pc" || fail "tsan: $(cat "$TMP/pc")"
pc plain
! grep -q -- "-fsanitize" "$TMP/pc" || fail "plain: $(cat "$TMP/pc")"
grep -q -- "-pthread" "$TMP/pc" || fail "plain: no -pthread: $(cat "$TMP/pc")"
exit 0
