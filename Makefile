# cfsnet - the only build entry.
#   make              build build/cfsnet
#   make test         unit tests (cmocka, no root) + integration tests (root)
#   make unit         unit tests only
#   make integration  integration tests only (root; each in a private world)
#   make asan         build and run the unit + integration tests under ASan+UBSan
#   make valgrind     unit tests under valgrind (zero errors, zero leaks), then
#                     (root) the main commands in a sandbox (tests/valgrind/cli.sh)
#   make install      PREFIX=/usr/local DESTDIR=
#   make demo         the walkthrough, end to end, in a private world
#   make scenarios    the topologies in scenarios/, each in a cfsnet sandbox (root)
#   make lab-bench    per-node time of `cfsnet lab up` for a star of 250, in a sandbox (root)
#   make bench        cfsnet next to ip, CNI, crun, unshare in a sandbox (root; ~10 min;
#                     BENCH_ROUNDS=5 BENCH_N=100 for a quick look); not part of CI
#   make stress       crash test: 240 commands killed at random, gc, host compared (root)
#   make stress-short the same with 40 trials, every named step once (CI)
#   make fuzz         every libFuzzer harness of tests/fuzz/ for FUZZ_SECONDS (60) each (clang)
#   make fuzz-smoke   the same for 5 seconds each (what CI runs)
#   make clean

PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
PKG_CONFIG ?= pkg-config
BUILD   ?= build

LIBS_PC := libmnl libnl-route-3.0 libnl-3.0 libip4tc libip6tc xtables
# libip4tc and libip6tc: headers only at build time; src/net/ip4tc.c and
# ip6tc.c load them (dlopen) when the firewall is first touched.
PC_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(LIBS_PC) libarchive)
# libseccomp is the build's only: src/gen/seccomp-gen.c compiles the seccomp
# profile to BPF into $(BUILD)/gen/seccomp_bpf.h (native builds only: the
# filter is for the build machine's architecture).
SECCOMP_CFLAGS := $(shell $(PKG_CONFIG) --cflags libseccomp)
SECCOMP_LIBS   := $(shell $(PKG_CONFIG) --libs libseccomp)
# libarchive is loaded at run time by src/rootfs/image.c (dlopen), so its
# heavy dependencies do not slow every command; the unit tests link it.
ARCHIVE_LIBS := $(shell $(PKG_CONFIG) --libs libarchive)
# libnl-3 and libnl-route-3 (the read side only) are linked statically when
# their archives are installed, as Debian's -dev packages do: every command
# then maps and relocates two shared objects fewer (~0.25 ms per command).
# LIBNL_STATIC=0 links them dynamically.
LIBNL_DIR := $(shell $(PKG_CONFIG) --variable=libdir libnl-3.0)
LIBNL_STATIC ?= $(if $(wildcard $(LIBNL_DIR)/libnl-3.a $(LIBNL_DIR)/libnl-route-3.a),1,0)
ifeq ($(LIBNL_STATIC),1)
PC_LIBS   := $(shell $(PKG_CONFIG) --libs libmnl) \
	     -Wl,-Bstatic -lnl-route-3 -lnl-3 -Wl,-Bdynamic -lpthread
else
PC_LIBS   := $(shell $(PKG_CONFIG) --libs libmnl libnl-route-3.0 libnl-3.0)
endif
# No libm: cg_v2.c computes its one curve itself (a shared object fewer to
# map at every start); the unit tests link libm to check it against.
CMOCKA_CFLAGS := $(shell $(PKG_CONFIG) --cflags cmocka)
CMOCKA_LIBS   := $(shell $(PKG_CONFIG) --libs cmocka)

WARN    := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral
HARDEN  := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
CFLAGS  ?= -O2 -g
ALL_CFLAGS = -std=gnu11 $(CFLAGS) $(WARN) $(HARDEN) $(EXTRA_CFLAGS) -Isrc -I$(BUILD)/gen $(PC_CFLAGS) -MMD -MP
LDFLAGS ?=
ALL_LDFLAGS = -pie -Wl,-z,relro,-z,now $(LDFLAGS) $(EXTRA_LDFLAGS)

LIB_SRC := $(sort $(wildcard src/common/*.c src/ns/*.c src/net/*.c src/cgroup/*.c src/rootfs/*.c src/ops/*.c))
CLI_SRC := $(sort $(wildcard src/cli/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))

LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/src/ops/pid1-elf.o
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

# The fault-injection build (CFSNET_FAULT=<step> makes `up` fail after that
# step) is a separate tree: the product binary never contains the hook.
FAULT_BUILD := $(BUILD)/fault

.PHONY: all test unit integration asan valgrind install uninstall clean demo fault scenarios \
	lab-bench bench stress stress-short fuzz fuzz-smoke fuzz-build

all: $(BUILD)/cfsnet

$(BUILD)/libcfsnet.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

$(BUILD)/cfsnet: $(CLI_OBJ) $(BUILD)/libcfsnet.a
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(PC_LIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The build's own tool, plain (no sanitizer, no fuzzer instrumentation).
$(BUILD)/gen/seccomp-gen: src/gen/seccomp-gen.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 $(WARN) $(SECCOMP_CFLAGS) -o $@ $< $(SECCOMP_LIBS)

$(BUILD)/gen/seccomp_bpf.h: $(BUILD)/gen/seccomp-gen
	$< $@.tmp && mv $@.tmp $@

$(BUILD)/src/ops/seccomp.o: $(BUILD)/gen/seccomp_bpf.h

# cfsnet-init (src/pid1/pid1.c): a freestanding static program of a few KB,
# embedded in cfsnet as data (src/ops/pid1-elf.S). Never sanitized or
# instrumented: it runs in containers, without libc.
PID1_CFLAGS := -std=gnu11 -Os -static -nostdlib -ffreestanding -fno-stack-protector -fno-pie \
	-fno-asynchronous-unwind-tables -fno-unwind-tables $(WARN) -Isrc \
	-Wl,--build-id=none -Wl,-z,noexecstack -s
$(BUILD)/pid1/cfsnet-init: src/pid1/pid1.c src/pid1/pid1.h
	@mkdir -p $(dir $@)
	$(CC) $(PID1_CFLAGS) -o $@ $<

$(BUILD)/src/ops/pid1-elf.o: src/ops/pid1-elf.S $(BUILD)/pid1/cfsnet-init
	@mkdir -p $(dir $@)
	$(CC) -c -DPID1_ELF='"$(BUILD)/pid1/cfsnet-init"' -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libcfsnet.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CMOCKA_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/libcfsnet.a $(PC_LIBS) $(ARCHIVE_LIBS) $(CMOCKA_LIBS) -lm

fault:
	$(MAKE) BUILD=$(FAULT_BUILD) EXTRA_CFLAGS="$(EXTRA_CFLAGS) -DCFS_FAULT_INJECTION" $(FAULT_BUILD)/cfsnet

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

integration: all fault
	@CFSNET=$(abspath $(BUILD)/cfsnet) CFSNET_FAULT_BIN=$(abspath $(FAULT_BUILD)/cfsnet) \
		bash tests/integration/run.sh

test: unit integration

ASAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
asan:
	$(MAKE) BUILD=$(BUILD)/asan CFLAGS="-O1 -g" EXTRA_CFLAGS="$(ASAN_FLAGS)" EXTRA_LDFLAGS="$(ASAN_FLAGS)" test

valgrind: $(UNIT_BIN) all
	@set -e; for t in $(UNIT_BIN); do echo "== valgrind $$t"; \
		valgrind -q --error-exitcode=1 --leak-check=full --show-leak-kinds=definite,indirect,possible \
			--errors-for-leak-kinds=definite,indirect,possible $$t; done
	@if [ "$$(id -u)" = 0 ]; then echo "== valgrind: the commands, in a sandbox"; \
		$(BUILD)/cfsnet sandbox -- env CFSNET=$(abspath $(BUILD)/cfsnet) bash tests/valgrind/cli.sh; \
	else echo "== valgrind: the commands need root (skipped)"; fi

# libFuzzer harnesses (tests/fuzz/fuzz_*.c), one per parser, built with clang
# against a library of their own (sanitized, fuzzer-instrumented). Each runs
# on a copy of its seed corpus (tests/fuzz/corpus/NAME); new inputs stay in
# $(BUILD)/fuzz/corpus, crashes in $(BUILD)/fuzz/crashes.
FUZZ_CC       ?= clang
FUZZ_SECONDS  ?= 60
FUZZ_BUILD    := $(BUILD)/fuzz
FUZZ_SAN      := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_SRC      := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN      := $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_BUILD)/%)

FUZZ_CLI_OBJ  := $(filter-out $(FUZZ_BUILD)/src/cli/main.o,$(CLI_SRC:%.c=$(FUZZ_BUILD)/%.o))

$(FUZZ_BUILD)/libcfsnet.a: FORCE
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) CFLAGS="-O1 -g" \
		EXTRA_CFLAGS="-fsanitize=fuzzer-no-link $(FUZZ_SAN)" $(FUZZ_BUILD)/libcfsnet.a $(FUZZ_CLI_OBJ)

# The CLI harness: the command files without main.c, the operations stubbed.
$(FUZZ_BUILD)/fuzz_cli: tests/fuzz/fuzz_cli.c tests/fuzz/fuzz.h $(FUZZ_BUILD)/libcfsnet.a
	$(FUZZ_CC) -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wno-unused-parameter -fsanitize=fuzzer $(FUZZ_SAN) \
		-Isrc $(PC_CFLAGS) -o $@ $< $(FUZZ_CLI_OBJ) $(FUZZ_BUILD)/libcfsnet.a \
		-Wl,--allow-multiple-definition $(PC_LIBS) $(ARCHIVE_LIBS)

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_BUILD)/libcfsnet.a
	$(FUZZ_CC) -std=gnu11 -O1 -g -Wall -Wextra -Werror -fsanitize=fuzzer $(FUZZ_SAN) -Isrc $(PC_CFLAGS) \
		-o $@ $< $(FUZZ_BUILD)/libcfsnet.a $(PC_LIBS) $(ARCHIVE_LIBS)

fuzz-build: $(FUZZ_BIN)

fuzz: fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) bash tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_BIN)

fuzz-smoke:
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=5

.PHONY: FORCE
FORCE:

demo: all
	CFSNET=$(abspath $(BUILD)/cfsnet) bash scripts/demo.sh

scenarios: all
	CFSNET=$(abspath $(BUILD)/cfsnet) bash scenarios/run.sh

lab-bench: all
	CFSNET=$(abspath $(BUILD)/cfsnet) bash scripts/lab-bench.sh
bench: all
	CFSNET=$(abspath $(BUILD)/cfsnet) bash bench/bench.sh
STRESS_ENV = CFSNET=$(abspath $(BUILD)/cfsnet) CFSNET_FAULT_BIN=$(abspath $(FAULT_BUILD)/cfsnet)
stress: all fault
	$(STRESS_ENV) bash tests/stress/run.sh -n 240

stress-short: all fault
	$(STRESS_ENV) bash tests/stress/run.sh -n 40

install: all
	install -D -m 0755 $(BUILD)/cfsnet $(DESTDIR)$(PREFIX)/bin/cfsnet

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/cfsnet

clean:
	rm -rf $(BUILD)

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d)
