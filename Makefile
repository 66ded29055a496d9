# faultline: one non-recursive GNU Makefile (git, Redis style).
#
#   make                 build build/faultline and build/libfaultline.a
#   make test            unit tests, CLI tests and a short fuzz smoke run
#   make O=build-asan SANITIZE=address,undefined test
#   make O=build-tsan SANITIZE=thread test-unit
#   make DEVELOPER=1     -Werror and friends (the default in CI)
#   make fuzz            build the libFuzzer targets (clang)
#   make bench           build the benchmarks
#   make format check-format tidy clean
#   make install [PREFIX=/usr/local] [DESTDIR=...]   (docs/api.md)

O ?= build
CC ?= cc
ifeq ($(origin CC),default)
CC = cc
endif
DEVELOPER ?= 1
COVERAGE ?=
# An O= dir keeps the SANITIZE= it was first built with in $(O)/sanitize,
# so a later make there without it (`make install`, a test's make) builds
# and installs the same library, with a faultline.pc that says so; another
# SANITIZE= for it is an error (objects of both would mix).
SAN_STAMP = $(O)/sanitize
SAN_BUILT := $(shell cat $(SAN_STAMP) 2>/dev/null)
SANITIZE ?= $(SAN_BUILT)
ifeq ($(wildcard $(SAN_STAMP)),)
$(shell mkdir -p $(O) && printf '%s\n' '$(SANITIZE)' >$(SAN_STAMP))
else ifeq ($(filter clean,$(MAKECMDGOALS)),)
ifneq ($(SANITIZE),$(SAN_BUILT))
$(error O=$(O) is built with SANITIZE=$(SAN_BUILT), not SANITIZE=$(SANITIZE): use another O= or make O=$(O) clean)
endif
endif

PKGS = jansson libcurl libssh libmicrohttpd libnetfilter_queue libmnl fuse3 libpq hiredis

# A fresh machine gets its packages from the install script.
DEPS_OK := $(shell pkg-config --exists $(PKGS) 2>/dev/null && test -f /usr/include/xxhash.h && test -f /usr/include/zookeeper/zookeeper.h && echo yes)
ifneq ($(DEPS_OK),yes)
$(info faultline: installing missing packages with scripts/install-deps.sh)
$(shell scripts/install-deps.sh >&2)
endif

CFLAGS ?= -O2 -g
# -fPIC: the same objects make libfaultline.a and libfaultline.so;
# FL_INTERNAL: util/banned.h applies to faultline's own code only.
ALL_CFLAGS = -std=c11 $(CFLAGS) -Isrc -I. -pthread -MMD -MP -fPIC \
	-fno-semantic-interposition -DFL_INTERNAL \
	$(shell pkg-config --cflags $(PKGS))
LIBS = $(shell pkg-config --libs $(PKGS)) -lzookeeper_mt -lpthread -lm

ifeq ($(DEVELOPER),1)
ALL_CFLAGS += -Werror -Wall -Wextra -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wvla -Wformat=2 -Wno-format-nonliteral \
	-Wmisleading-indentation
endif
ifneq ($(SANITIZE),)
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
LDFLAGS += -fsanitize=$(SANITIZE)
endif
ifeq ($(COVERAGE),1)
ALL_CFLAGS += --coverage -O0
LDFLAGS += --coverage
endif

LIB_SRCS := $(sort $(wildcard src/*/*.c src/*/*/*.c suites/*/*.c))
LIB_SRCS := $(filter-out src/cli/faultline.c,$(LIB_SRCS))
CLI_SRCS := src/cli/faultline.c
UNIT_SRCS := $(sort $(wildcard tests/unit/*.c))
BENCH_SRCS := $(sort $(wildcard bench/*.c))
FUZZ_SRCS := $(sort $(wildcard fuzz/fuzz_*.c))
HELPER_SRCS := $(sort $(wildcard tests/helpers/*.c))

LIB_OBJS := $(LIB_SRCS:%.c=$(O)/%.o)
CLI_OBJS := $(CLI_SRCS:%.c=$(O)/%.o)
UNIT_OBJS := $(UNIT_SRCS:%.c=$(O)/%.o)
BENCH_BINS := $(BENCH_SRCS:bench/%.c=$(O)/bench/%)
HELPER_BINS := $(HELPER_SRCS:tests/helpers/%.c=$(O)/tests/helpers/%)
FUZZ_BINS := $(FUZZ_SRCS:fuzz/%.c=$(O)/fuzz/%)

LIB = $(O)/libfaultline.a
SO_VERSION = 0
SOLIB = $(O)/libfaultline.so.$(SO_VERSION)
BIN = $(O)/faultline
SHIM = $(O)/lib/libfaultline-time.so
VSHIM = $(O)/lib/libfaultline-vtime.so

.PHONY: all test test-unit test-cli test-fuzz fuzz bench helpers format \
	check-format tidy clean coverage deps install

all: $(BIN) $(LIB) $(SOLIB) helpers $(SHIM) $(VSHIM)

deps:
	scripts/install-deps.sh

V ?=
ifeq ($(V),)
Q = @
QUIET_CC = @echo '   CC' $<;
QUIET_LINK = @echo '   LINK' $@;
QUIET_AR = @echo '   AR' $@;
endif

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(QUIET_CC)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	@rm -f $@
	$(QUIET_AR)ar rcs $@ $^

$(SOLIB): $(LIB_OBJS)
	$(QUIET_LINK)$(CC) $(ALL_CFLAGS) -shared -Wl,-soname,$(notdir $@) \
		-o $@ $^ $(LDFLAGS) $(LIBS)

$(BIN): $(CLI_OBJS) $(LIB)
	$(QUIET_LINK)$(CC) $(ALL_CFLAGS) -o $@ $(CLI_OBJS) $(LIB) $(LDFLAGS) $(LIBS)

$(O)/test-unit: $(UNIT_OBJS) $(LIB)
	$(QUIET_LINK)$(CC) $(ALL_CFLAGS) -o $@ $(UNIT_OBJS) $(LIB) $(LDFLAGS) $(LIBS)

$(O)/bench/%: bench/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(QUIET_LINK)$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB) $(LDFLAGS) $(LIBS)

$(O)/tests/helpers/%: tests/helpers/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(QUIET_LINK)$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB) $(LDFLAGS) $(LIBS)

helpers: $(HELPER_BINS)

# The clock-fault LD_PRELOAD shim: loaded into arbitrary programs, so built
# on its own, without sanitizers or the library (see docs/nemesis.md).
$(SHIM): shim/faultline-time.c
	@mkdir -p $(dir $@)
	$(QUIET_LINK)$(CC) -std=c11 -O2 -fPIC -shared -Wall -Wextra -Werror -o $@ $<

# The virtual-time shim of maelstrom --deterministic (docs/maelstrom.md).
$(VSHIM): shim/faultline-vtime.c shim/faultline-vtime.h
	@mkdir -p $(dir $@)
	$(QUIET_LINK)$(CC) -std=c11 -O2 -fPIC -shared -Wall -Wextra -Werror -o $@ $< -ldl

# libFuzzer targets need clang. The library is compiled once with the
# fuzzer's coverage instrumentation (fuzzer-no-link) and the sanitizers, so
# everything is instrumented; each target only compiles its own file.
FUZZ_CFLAGS = -std=c11 -O1 -g -Isrc -I. -pthread -DFL_INTERNAL -MMD -MP \
	$(shell pkg-config --cflags $(PKGS))
FUZZ_SAN = address,undefined
FUZZ_OBJS := $(LIB_SRCS:%.c=$(O)/fuzzobj/%.o)
.SECONDARY: $(FUZZ_OBJS)
$(O)/fuzzobj/%.o: %.c
	@mkdir -p $(dir $@)
	$(QUIET_CC)clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,$(FUZZ_SAN) \
		-c -o $@ $<
$(O)/fuzz/%: fuzz/%.c $(wildcard fuzz/*.h) $(FUZZ_OBJS)
	@mkdir -p $(dir $@)
	$(QUIET_LINK)clang $(FUZZ_CFLAGS) -fsanitize=fuzzer,$(FUZZ_SAN) -o $@ $< \
		$(FUZZ_OBJS) $(LIBS)

fuzz: $(FUZZ_BINS)
bench: $(BENCH_BINS)

test-unit: $(O)/test-unit
	$(O)/test-unit

test-cli: $(BIN) helpers $(O)/test-unit
	FAULTLINE=$(abspath $(BIN)) O=$(abspath $(O)) sh tests/cli/run.sh

FUZZ_SECONDS ?= 10
# Without clang the fuzz targets are counted as skipped by fuzz/run.sh.
test-fuzz:
	@if command -v clang >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory O=$(O) fuzz; fi
	O=$(abspath $(O)) FUZZ_SECONDS=$(FUZZ_SECONDS) sh fuzz/run.sh

test:
	@$(MAKE) --no-print-directory all $(O)/test-unit
	@sh tests/run-all.sh $(O)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

check-format:
	@out=$$(for f in $$(git ls-files '*.c' '*.h'); do \
		clang-format --dry-run -Werror $$f >/dev/null 2>&1 || echo $$f; done); \
	if [ -n "$$out" ]; then echo "files need clang-format:"; echo "$$out"; exit 1; fi

tidy:
	clang-tidy $(LIB_SRCS) -- $(ALL_CFLAGS)

# The installed C API (docs/api.md): the public headers keep their layer
# directories under include/faultline/ (the .pc adds that directory to the
# include path); *_int.h and the CLI's own headers stay uninstalled.
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR = $(PREFIX)/bin
LIBDIR = $(PREFIX)/lib
INCLUDEDIR = $(PREFIX)/include
MANDIR = $(PREFIX)/share/man
PUBLIC_HDRS = src/faultline.h src/cli/main.h \
	$(addprefix src/util/,common.h xalloc.h err.h strbuf.h vec.h arena.h \
		map.h rng.h clock.h log.h parse.h base64.h spawn.h) \
	$(addprefix src/history/,val.h op.h hist.h edn.h json.h writer.h) \
	src/model/model.h src/checker/checker.h src/checker/perf.h \
	src/checker/workloads.h src/checker/linear/linear.h \
	src/checker/registry.h \
	src/checker/elle/elle.h src/gen/gen.h src/gen/sim.h \
	$(addprefix src/control/,remote.h escape.h cluster.h daemon.h lock.h) \
	src/os/debian.h src/db/daemon_db.h \
	src/os/os.h src/db/db.h \
	$(addprefix src/nemesis/,nemesis.h combined.h partition.h packet.h \
		clock.h file.h) \
	$(addprefix src/run/,test.h run.h client.h store.h) \
	src/report/report.h src/workload/workload.h

# A sanitized library needs its runtime in every program that links it:
# the .pc's Cflags and Libs carry -fsanitize= (docs/api.md).
$(O)/faultline.pc: scripts/faultline.pc.in Makefile $(SAN_STAMP)
	@mkdir -p $(dir $@)
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|g' \
		-e 's|@PKGS@|$(PKGS)|g' \
		-e 's|@SANITIZE@|$(if $(SANITIZE), -fsanitize=$(SANITIZE))|g' \
		$< >$@

install: all $(O)/faultline.pc
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)/faultline \
		$(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(MANDIR)/man1
	install -m 755 $(BIN) $(DESTDIR)$(BINDIR)/faultline
	install -m 644 $(LIB) $(DESTDIR)$(LIBDIR)/libfaultline.a
	install -m 755 $(SOLIB) $(DESTDIR)$(LIBDIR)/$(notdir $(SOLIB))
	ln -sf $(notdir $(SOLIB)) $(DESTDIR)$(LIBDIR)/libfaultline.so
	install -m 755 $(SHIM) $(DESTDIR)$(LIBDIR)/faultline/libfaultline-time.so
	install -m 755 $(VSHIM) $(DESTDIR)$(LIBDIR)/faultline/libfaultline-vtime.so
	install -m 644 $(O)/faultline.pc $(DESTDIR)$(LIBDIR)/pkgconfig/
	install -m 644 docs/faultline.1 $(DESTDIR)$(MANDIR)/man1/faultline.1
	for h in $(PUBLIC_HDRS); do \
		d=$(DESTDIR)$(INCLUDEDIR)/faultline/$$(dirname $${h#src/}); \
		install -d $$d && install -m 644 $$h $$d/ || exit 1; done

coverage:
	$(MAKE) O=build-cov COVERAGE=1 test
	gcovr -r . --object-directory build-cov --html-details -o build-cov/coverage.html

clean:
	rm -rf $(O)

-include $(shell find $(O) -name '*.d' 2>/dev/null)
