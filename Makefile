# cfsnet - the only build entry.
#   make              build build/cfsnet
#   make test         unit tests (cmocka, no root) + integration tests (root)
#   make unit         unit tests only
#   make integration  integration tests only (root; each in a private world)
#   make asan         build and run the unit + integration tests under ASan+UBSan
#   make valgrind     unit tests under valgrind (zero errors, zero leaks)
#   make install      PREFIX=/usr/local DESTDIR=
#   make demo         the walkthrough, end to end, in a private world
#   make scenarios    the topologies in scenarios/, each in a cfsnet sandbox (root)
#   make clean

PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
PKG_CONFIG ?= pkg-config
BUILD   ?= build

LIBS_PC := libmnl libnl-route-3.0 libnl-3.0 libip4tc xtables libseccomp
PC_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(LIBS_PC) libarchive)
# libarchive is loaded at run time by src/rootfs/image.c (dlopen), so its
# heavy dependencies do not slow every command; the unit tests link it.
ARCHIVE_LIBS := $(shell $(PKG_CONFIG) --libs libarchive)
PC_LIBS   := $(shell $(PKG_CONFIG) --libs $(LIBS_PC)) -lm
CMOCKA_CFLAGS := $(shell $(PKG_CONFIG) --cflags cmocka)
CMOCKA_LIBS   := $(shell $(PKG_CONFIG) --libs cmocka)

WARN    := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral
HARDEN  := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
CFLAGS  ?= -O2 -g
ALL_CFLAGS = -std=gnu11 $(CFLAGS) $(WARN) $(HARDEN) $(EXTRA_CFLAGS) -Isrc $(PC_CFLAGS) -MMD -MP
LDFLAGS ?=
ALL_LDFLAGS = -pie -Wl,-z,relro,-z,now $(LDFLAGS) $(EXTRA_LDFLAGS)

LIB_SRC := $(sort $(wildcard src/common/*.c src/ns/*.c src/net/*.c src/cgroup/*.c src/rootfs/*.c src/ops/*.c))
CLI_SRC := $(sort $(wildcard src/cli/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))

LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

# The fault-injection build (CFSNET_FAULT=<step> makes `up` fail after that
# step) is a separate tree: the product binary never contains the hook.
FAULT_BUILD := $(BUILD)/fault

.PHONY: all test unit integration asan valgrind install uninstall clean demo fault scenarios

all: $(BUILD)/cfsnet

$(BUILD)/libcfsnet.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

$(BUILD)/cfsnet: $(CLI_OBJ) $(BUILD)/libcfsnet.a
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(PC_LIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libcfsnet.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CMOCKA_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/libcfsnet.a $(PC_LIBS) $(ARCHIVE_LIBS) $(CMOCKA_LIBS)

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

valgrind: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== valgrind $$t"; \
		valgrind -q --error-exitcode=1 --leak-check=full --show-leak-kinds=definite,indirect,possible \
			--errors-for-leak-kinds=definite,indirect,possible $$t; done

demo: all
	CFSNET=$(abspath $(BUILD)/cfsnet) bash scripts/demo.sh

scenarios: all
	CFSNET=$(abspath $(BUILD)/cfsnet) bash scenarios/run.sh

install: all
	install -D -m 0755 $(BUILD)/cfsnet $(DESTDIR)$(PREFIX)/bin/cfsnet

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/cfsnet

clean:
	rm -rf $(BUILD)

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d)
