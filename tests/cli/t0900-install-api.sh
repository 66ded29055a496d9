#!/bin/sh
# t0900: `make install DESTDIR=` installs the binary, the static and shared
# libraries, the public headers (and no internal ones), faultline.pc and the
# man page; a program built only with pkg-config's flags links the library,
# gets every subcommand through fl_main() with its own suite, and the exit
# codes of the CLI (docs/api.md).
. "$(dirname "$0")/lib.sh"

O=${O:-$TOP/build}
R=$TMP/root
P=$R/usr
make -s -C "$TOP" O="$O" PREFIX=/usr DESTDIR="$R" install >"$TMP/make.out" 2>&1 ||
    { cat "$TMP/make.out" >&2; fail "make install"; }

for f in bin/faultline lib/libfaultline.a lib/libfaultline.so \
    lib/faultline/libfaultline-time.so lib/faultline/libfaultline-vtime.so \
    lib/pkgconfig/faultline.pc \
    share/man/man1/faultline.1 include/faultline/faultline.h \
    include/faultline/run/test.h include/faultline/db/daemon_db.h \
    include/faultline/cli/main.h include/faultline/util/base64.h; do
    [ -e "$P/$f" ] || fail "not installed: $f"
done
int=$(find "$P/include" -name '*_int.h' -o -name banned.h -o -name cli.h \
    -o -name test_args.h -o -name interpreter.h)
[ -z "$int" ] || fail "internal headers installed: $int"
# Every header the umbrella includes is installed (it compiles below), and
# every installed header is reachable from the umbrella.
for h in $(cd "$P/include/faultline" && find . -name '*.h' | sed 's|^\./||'); do
    [ "$h" = faultline.h ] && continue
    grep -q "#include \"$h\"" "$P/include/faultline/faultline.h" ||
        fail "$h installed but not in faultline.h"
done
"$P/bin/faultline" --help >/dev/null || fail "installed faultline runs"
grep -q "^.SH EXIT STATUS" "$P/share/man/man1/faultline.1" ||
    fail "man page has no EXIT STATUS"

pc() {
    PKG_CONFIG_PATH=$P/lib/pkgconfig pkg-config --define-variable=prefix="$P" "$@"
}
pc --exists faultline || fail "pkg-config does not find faultline.pc"
pc --print-requires-private faultline | grep -q jansson ||
    fail "faultline.pc lacks Requires.private"
# A sanitized library (O= keeps its SANITIZE=, t0743) hands -fsanitize= to
# the program below, whose link would otherwise lack the runtime.
san=$(cat "$O/sanitize" 2>/dev/null || true)
if [ -n "$san" ]; then
    pc --cflags --libs faultline | grep -q -- "-fsanitize=$san" ||
        fail "faultline.pc of a SANITIZE=$san build: $(pc --cflags --libs faultline)"
fi

# A user's program: its own suite (an in-process register of its own), the
# CLI's entry point. Strict flags: the public headers must be clean C11
# and must not ban the C library (strcpy is the user's business).
cat >"$TMP/mine.c" <<'C'
#include <faultline.h>

static int
invoke(struct fl_client *c, const struct fl_env *env, const struct fl_op *op,
       struct fl_arena *a, struct fl_op *out, struct fl_err *err)
{
    static int64_t reg = -1; /* one thread: no lock; -1 = never written */
    (void)c, (void)env, (void)a, (void)err;
    if (op->f == FL_KW_WRITE)
        reg = op->value.u.i;
    out->type = FL_OP_OK;
    if (op->f == FL_KW_READ && reg >= 0)
        out->value = fl_val_int(reg - (getenv("MINE_BUG") ? 1 : 0));
    return 0;
}

static const struct fl_client_type client = {.name = "mine", .invoke = invoke};

static int
build(struct fl_test *t, struct fl_err *err)
{
    (void)err;
    struct fl_linear_opts *lo = fl_arena_calloc(&t->arena, 1, sizeof(*lo));
    lo->model = &fl_model_register_type;
    t->client.type = &client;
    t->no_remotes = true;
    t->generator = FL_GEN_MIX(
        fl_gen_repeat(-1, fl_gen_invoke(FL_KW_READ, fl_val_nil())),
        fl_gen_repeat(-1, fl_gen_invoke(FL_KW_WRITE, fl_val_int(3))));
    t->checker = fl_chk_linear_new(lo);
    return 0;
}

static const struct fl_suite mine = {
    .name = "mine", .summary = "my own register", .in_process = true,
    .build = build};

int
main(int argc, char **argv)
{
    const struct fl_suite *const suites[] = {&mine, NULL};
    char buf[8];
    strcpy(buf, "ok");
    return fl_main(argc, argv, suites);
}
C
cc -std=c11 -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes \
    -pedantic -o "$TMP/mine" "$TMP/mine.c" $(pc --cflags --libs faultline) \
    2>"$TMP/cc.err" || { cat "$TMP/cc.err" >&2; fail "cc with pkg-config flags"; }
export LD_LIBRARY_PATH=$P/lib
ldd "$TMP/mine" | grep -q "libfaultline.so" || fail "not linked to libfaultline.so"

# Its suite is the only one; `test` without a suite name runs it.
expect_exit 0 "$TMP/mine" test --help
grep -q "mine  *my own register" "$TMP/out" || fail "suite not listed"
grep -q "etcd" "$TMP/out" && fail "built-in suites leak into a user's program"
expect_exit 0 "$TMP/mine" test --time-limit 1 --concurrency 1 --store "$TMP/store"
grep -q "verdict: valid" "$TMP/out" || fail "no valid verdict"
[ -f "$TMP/store/mine/latest/history.edn" ] || fail "no store"
[ -f "$TMP/store/mine/latest/results.edn" ] || fail "no results.edn"
expect_exit 0 "$TMP/mine" test mine --time-limit 1 --concurrency 1 --store "$TMP/store"
expect_exit 0 "$TMP/mine" analyze --store "$TMP/store" "$TMP/store/mine/latest"
MINE_BUG=1 expect_exit 1 "$TMP/mine" test --time-limit 1 --concurrency 1 --store "$TMP/store"
grep -q "verdict: invalid" "$TMP/out" || fail "no invalid verdict"
expect_exit 1 "$TMP/mine" analyze --store "$TMP/store" "$TMP/store/mine/latest"
expect_exit 254 "$TMP/mine" test etcd
grep -q "unknown suite 'etcd'" "$TMP/err" || fail "no error naming the suite"
expect_exit 254 "$TMP/mine" test --time-limit soon
expect_exit 254 "$TMP/mine" frobnicate
# The other subcommands come along.
expect_exit 0 "$TMP/mine" history stats "$TMP/store/mine/latest/history.edn"

# test --state-dir: a cluster that is not up is named; nodes conflict.
expect_exit 255 "$FAULTLINE" test etcd --state-dir "$TMP/no-cluster" \
    --time-limit 1 --store "$TMP/store"
grep -q "no local cluster is up ($TMP/no-cluster/cluster.state" "$TMP/out" "$TMP/err" ||
    fail "no error naming the state dir"
expect_exit 254 "$FAULTLINE" test etcd --state-dir "$TMP/no-cluster" --nodes a,b
grep -q -- "--state-dir" "$TMP/err" || fail "no error naming --state-dir"

# The static library links too (its dependencies named by pkg-config).
cc -std=c11 -o "$TMP/mine-static" "$TMP/mine.c" $(pc --cflags faultline) \
    "$P/lib/libfaultline.a" $(pkg-config --libs $(pc --print-requires-private faultline)) \
    -lpthread -lm 2>"$TMP/cc.err" || { cat "$TMP/cc.err" >&2; fail "static link"; }
LD_LIBRARY_PATH= expect_exit 0 "$TMP/mine-static" test --time-limit 1 --store "$TMP/store"
echo "ok t0900"
