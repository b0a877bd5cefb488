# walkind: one plain GNU Makefile. Objects go to build/, dependencies are
# Debian packages found with pkg-config (deploy/install-deps.sh installs them),
# and SQLite, compiled here from Debian's source package (see "Hardened
# SQLite" below).

CC	?= gcc
PKGS	:= libevent libcjson libsodium libseccomp
BUILD	:= build
DATA	?= var/data

# Probe a compiler flag; expands to the flag if the compiler accepts it.
cc-option = $(shell $(CC) -Werror $(1) -x c -c /dev/null -o /dev/null \
	    2>/dev/null && echo "$(1)")

WARN	:= -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wvla -Wpointer-arith -Wcast-qual \
	   -Wwrite-strings -Wundef -Wnull-dereference -Wimplicit-fallthrough
HARDEN	:= $(call cc-option,-fstack-protector-strong) \
	   $(call cc-option,-fstack-clash-protection) \
	   $(call cc-option,-fcf-protection) \
	   $(call cc-option,-fPIE) -D_FORTIFY_SOURCE=2
# Defined before LDHARDEN: `:=` expands at once, and an undefined $(comma)
# made the relro/now probes test "-Wl-z" and drop the flags silently
# (tests/deploy/check-hardening.sh now fails the build's check for that).
comma	:= ,
LDHARDEN := $(call cc-option,-pie) $(call cc-option,-Wl$(comma)-z$(comma)relro) \
	   $(call cc-option,-Wl$(comma)-z$(comma)now)

PKG_CFLAGS = -I$(SQLITE_DIR) $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS	?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(CFLAGS) $(WARN) $(HARDEN) \
	   $(if $(WERROR),-Werror) -Iinclude -Isandbox $(PKG_CFLAGS) $(EXTRA_CFLAGS)
ALL_LDFLAGS = $(LDHARDEN) $(LDFLAGS) $(EXTRA_LDFLAGS)
LIBS	= $(SQLITE_LIB) $(PKG_LIBS) -lm -lpthread

SRC	:= $(wildcard src/*.c) $(wildcard sandbox/*.c)
OBJ	:= $(patsubst %.c,$(BUILD)/%.o,$(SRC)) $(BUILD)/src/openapi_blob.o \
	   $(BUILD)/src/llms_blob.o \
	   $(BUILD)/src/web_blob.o
LIBOBJ	:= $(filter-out $(BUILD)/src/main.o,$(OBJ))
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
# tests/sandbox/: C tests of the jail under its real policy.
JAIL_SRC := $(wildcard tests/sandbox/test_*.c)
JAIL_BIN := $(patsubst tests/sandbox/%.c,$(BUILD)/tests/sandbox/%,$(JAIL_SRC))
TEST_BIN := $(UNIT_BIN) $(JAIL_BIN)

.PHONY: all run check clients mcp-client-deps unit blackbox deps clean check-asan format format-check lint \
	bench bench-deps check-browser browser-deps

all: $(BUILD)/walkind

# Flags are recorded so that a change (e.g. -Werror for check, or the
# link's hardening) rebuilds.
$(BUILD)/.cflags: FORCE
	@mkdir -p $(BUILD)
	@echo '$(ALL_CFLAGS) $(ALL_LDFLAGS)' | cmp -s - $@ || \
	    echo '$(ALL_CFLAGS) $(ALL_LDFLAGS)' > $@
FORCE:

$(BUILD)/%.o: %.c $(BUILD)/.cflags
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

# docs/openapi.json is served verbatim by GET /openapi.json.
$(BUILD)/src/openapi_blob.o: src/openapi_blob.S docs/openapi.json $(BUILD)/.cflags
	@mkdir -p $(dir $@)
	$(CC) -c $< -o $@

# docs/llms.txt is served verbatim by GET /llms.txt.
$(BUILD)/src/llms_blob.o: src/llms_blob.S docs/llms.txt $(BUILD)/.cflags
	@mkdir -p $(dir $@)
	$(CC) -c $< -o $@

# src/web/: the playground's page, served by GET / (src/web.c).
WEB_FILES := src/web/index.html src/web/app.js src/web/app.css
$(BUILD)/src/web_blob.o: src/web_blob.S $(WEB_FILES) $(BUILD)/.cflags
	@mkdir -p $(dir $@)
	$(CC) -c $< -o $@

$(BUILD)/walkind: $(OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $(OBJ) $(LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIBOBJ) $(BUILD)/.cflags
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit -MMD -MP $(ALL_LDFLAGS) -o $@ $< $(LIBOBJ) $(LIBS)

$(BUILD)/tests/sandbox/%: tests/sandbox/%.c $(LIBOBJ) $(BUILD)/.cflags
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit -MMD -MP $(ALL_LDFLAGS) -o $@ $< $(LIBOBJ) $(LIBS)

deps:
	@sh deploy/install-deps.sh

# bench/: the ceiling server walkind is measured against (bench/ceiling.c).
# `make check` builds it too, so it does not rot; nothing runs it there.
$(BUILD)/bench-ceiling: bench/ceiling.c $(BUILD)/.cflags
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP $(ALL_LDFLAGS) -o $@ $< $(LIBS)

# bench/hotpath.c: the hot path's user-space steps for callgrind
# (bench/callgrind.sh), linked with walkind's own modules.
$(BUILD)/bench-hotpath: bench/hotpath.c $(LIBOBJ) $(BUILD)/.cflags
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP $(ALL_LDFLAGS) -o $@ $< $(LIBOBJ) $(LIBS)

bench-deps:
	@sh bench/install-deps.sh

# The benchmark (docs/PERFORMANCE.md): loopback only, bounded, a few
# minutes; BENCH_SECS, BENCH_SCALE_N and BENCH_SKIP shorten it.
bench: deps bench-deps
	@$(MAKE) --no-print-directory all $(BUILD)/bench-ceiling \
	    $(BUILD)/bench-hotpath
	@BUILD=$(BUILD) python3 bench/run.py

# Start the service on 127.0.0.1:8080 with the embedded default data dir.
run: deps
	@$(MAKE) --no-print-directory all
	./$(BUILD)/walkind --data-dir $(DATA)

unit: $(UNIT_BIN)
	@sh tests/run-unit.sh $(UNIT_BIN)

blackbox: $(BUILD)/walkind
	@python3 tests/blackbox/run.py $(BUILD)/walkind

# The client libraries tests/clients drives walkind with, from the npm
# registry at the versions package-lock.json pins; only when missing.
clients: tests/clients/node_modules/.package-lock.json
tests/clients/node_modules/.package-lock.json: tests/clients/package-lock.json
	npm ci --prefix tests/clients --no-audit --no-fund

# The pinned MCP SDK that tests/mcp-client drives /mcp with, installed
# from its lock file only when node_modules is missing.
mcp-client-deps:
	@sh tests/mcp-client/setup.sh

# The playground in headless Chromium (tests/browser/): Debian's chromium
# and the pinned playwright-core, installed once by browser-deps; no
# browser download. Screenshots go to $(BUILD)/screenshots/.
browser-deps:
	@sh tests/browser/setup.sh

check-browser: browser-deps $(BUILD)/walkind
	@python3 tests/browser/run.py $(BUILD)/walkind $(BUILD)/screenshots

# Every test suite, warnings as errors (tests/run-all.sh runs the
# browser suite; browser-deps installs what it needs first).
check: deps clients mcp-client-deps browser-deps
	@$(MAKE) --no-print-directory WERROR=1 all $(TEST_BIN) \
	    $(BUILD)/bench-ceiling $(BUILD)/bench-hotpath
	@sh tests/run-all.sh $(BUILD)
	@$(MAKE) --no-print-directory check-asan

# The same suites on an ASan+UBSan build (the jail is off there: the suites
# that prove it say so and skip), plus the LeakSanitizer check of
# tests/soak/leak.py. `make check` runs it last (README "Tests").
ASAN_BUILD ?= $(BUILD)-asan
check-asan:
	@$(MAKE) --no-print-directory BUILD=$(ASAN_BUILD) WERROR=1 \
	    CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer" \
	    EXTRA_LDFLAGS="-fsanitize=address,undefined" all \
	    $(patsubst $(BUILD)/%,$(ASAN_BUILD)/%,$(TEST_BIN))
	@ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 WALKIND_ASAN=1 \
	    sh tests/run-all.sh $(ASAN_BUILD)

# tests/soak/: the mixed load with executors evicted and killed, for
# SOAK_SECONDS, printing its figures (make check runs 20 s of it).
# tests/faults/: kills, a full disk, bad keys, an unusable data dir.
SOAK_SECONDS ?= 300
.PHONY: soak faults
soak: $(BUILD)/walkind
	@python3 tests/soak/soak.py $(BUILD)/walkind --seconds $(SOAK_SECONDS) --figures

faults: $(BUILD)/walkind
	@python3 tests/faults/run.py $(BUILD)/walkind

# tests/fuzz/: libFuzzer harnesses. The project's sources are compiled
# again with clang, ASan+UBSan and libFuzzer's coverage into
# $(BUILD)/fuzz/ (not the gcc objects) and archived, so each harness links
# only what it calls. `make fuzz` runs each for FUZZ_SECONDS; `make check`
# runs a short pass (tests/run-all.sh, FUZZ_CHECK_SECONDS each).
FUZZ_CC		?= clang
FUZZ_SAN	:= -fsanitize=address,undefined -fno-omit-frame-pointer
# -Werror applies to the harnesses; the project's sources are held to it
# by the gcc build, and clang words a few warnings differently (it wants
# [[fallthrough]] where gcc takes a comment).
FUZZ_CFLAGS	= -std=c11 -D_GNU_SOURCE -O1 -g $(FUZZ_SAN) $(WARN) \
		   -Iinclude -Isandbox $(PKG_CFLAGS)
FUZZ_SECONDS	?= 60
FUZZ_SRC	:= $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN	:= $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))
FUZZ_OBJ	:= $(patsubst %.c,$(BUILD)/fuzz/obj/%.o,$(filter-out src/main.c,$(SRC))) \
		   $(BUILD)/fuzz/obj/src/openapi_blob.o \
		   $(BUILD)/fuzz/obj/src/llms_blob.o \
		   $(BUILD)/fuzz/obj/src/web_blob.o
TEST_BIN	+= $(FUZZ_BIN)

.PHONY: fuzz

$(BUILD)/fuzz/.cflags: FORCE
	@mkdir -p $(BUILD)/fuzz
	@echo '$(FUZZ_CC) $(FUZZ_CFLAGS)' | cmp -s - $@ || \
	    echo '$(FUZZ_CC) $(FUZZ_CFLAGS)' > $@

$(BUILD)/fuzz/obj/%.o: %.c $(BUILD)/fuzz/.cflags
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Wno-implicit-fallthrough \
	    -Wno-format-nonliteral -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(BUILD)/fuzz/obj/src/openapi_blob.o: src/openapi_blob.S docs/openapi.json
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -c $< -o $@

$(BUILD)/fuzz/obj/src/llms_blob.o: src/llms_blob.S docs/llms.txt
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -c $< -o $@

$(BUILD)/fuzz/obj/src/web_blob.o: src/web_blob.S $(WEB_FILES)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -c $< -o $@

$(BUILD)/fuzz/libwalkind.a: $(FUZZ_OBJ)
	@rm -f $@
	ar rcs $@ $(FUZZ_OBJ)

# The harnesses are ASan+UBSan builds already: the check-asan pass (a
# BUILD ending in -asan) neither builds nor runs them again.
ifeq ($(filter %-asan,$(BUILD)),)
$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(BUILD)/fuzz/libwalkind.a \
    $(BUILD)/fuzz/.cflags
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(if $(WERROR),-Werror) -fsanitize=fuzzer \
	    -Itests/fuzz -MMD -MP -o $@ $< $(BUILD)/fuzz/libwalkind.a $(LIBS)
else
$(BUILD)/fuzz/fuzz_%: ;
endif

fuzz: deps
	@$(MAKE) --no-print-directory $(FUZZ_BIN)
	@sh tests/fuzz/run.sh $(BUILD) $(FUZZ_SECONDS) long

# ---- Hardened SQLite ----------------------------------------------------
# walkind links SQLite statically, compiled from Debian's own sqlite3
# source package (the version of the installed libsqlite3-0, with Debian's
# security patches), fetched and checked by apt once into SQLITE_CACHE
# (deploy/sqlite-src.sh), with the compile-time options of sqlite.org's
# security guide for untrusted SQL. The reasons and the measurement are in
# SECURITY.md and docs/PERFORMANCE.md; tests/unit/test_sqlbuild.c proves
# the build. One uninstrumented -O2 copy in build/sqlite serves
# every flavour (gcc, the ASan pass, the clang fuzz build): SQLite is
# fuzzed upstream under ASan, and walkind's own code stays instrumented.
SQLITE_DIR	:= build/sqlite
SQLITE_LIB	:= $(SQLITE_DIR)/libsqlite3.a
SQLITE_CC	?= gcc
# The compile-time maxima are bounds.h's values: sqlite3_limit can then
# only repeat them, and a crafted file's schema past them does not load.
bounds = $(shell sed -n 's/^\#define BOUNDS_$(1)[[:space:]]*\([0-9]*\).*/\1/p' \
	   include/bounds.h)
# Kept from Debian's build: what users can see and walkind allows.
SQLITE_OPTS	:= -DSQLITE_THREADSAFE=1 -DSQLITE_SECURE_DELETE \
	   -DSQLITE_ENABLE_FTS5 -DSQLITE_ENABLE_RTREE=1 \
	   -DSQLITE_ENABLE_MATH_FUNCTIONS -DSQLITE_SOUNDEX=1 \
	   -DSQLITE_ENABLE_UPDATE_DELETE_LIMIT=1 -DSQLITE_ALLOW_ROWID_IN_VIEW \
	   -DSQLITE_LIKE_DOESNT_MATCH_BLOBS
# Removed or locked: no extension loader, no fts3/fts4 (nor their
# tokenizer pointers), dbstat, sqlite_stmt, session, preupdate hook,
# unlock_notify, column metadata, shared cache, deprecated interfaces,
# WAL (its -shm mapping and recovery parser), URI names, mmap.
SQLITE_OPTS	+= -DSQLITE_OMIT_LOAD_EXTENSION -DSQLITE_OMIT_SHARED_CACHE \
	   -DSQLITE_OMIT_DEPRECATED -DSQLITE_OMIT_WAL -DSQLITE_USE_URI=0 \
	   -DSQLITE_MAX_MMAP_SIZE=0 -DSQLITE_DEFAULT_DEFENSIVE \
	   -DSQLITE_TEMP_STORE=2
# printf's width and precision stop at the longest string (the CPU bomb
# printf('%.*c', 2147483647, 'x') ends in milliseconds; ALTER TABLE's
# internal printf over a stored CREATE never exceeds LENGTH); one
# allocation stops at 32 MiB (the largest, a 500,000-op program, is
# 12 MB).
SQLITE_OPTS	+= -DSQLITE_PRINTF_PRECISION_LIMIT=$(call bounds,LENGTH) \
	   -DSQLITE_MAX_ALLOCATION_SIZE=33554432 \
	   -DSQLITE_MAX_LENGTH=$(call bounds,LENGTH) \
	   -DSQLITE_MAX_SQL_LENGTH=$(call bounds,SQL_LENGTH) \
	   -DSQLITE_MAX_COLUMN=$(call bounds,COLUMN) \
	   -DSQLITE_MAX_EXPR_DEPTH=$(call bounds,EXPR_DEPTH) \
	   -DSQLITE_MAX_COMPOUND_SELECT=$(call bounds,COMPOUND_SELECT) \
	   -DSQLITE_MAX_VDBE_OP=$(call bounds,VDBE_OP) \
	   -DSQLITE_MAX_FUNCTION_ARG=$(call bounds,FUNCTION_ARG) \
	   -DSQLITE_MAX_ATTACHED=$(call bounds,ATTACHED) \
	   -DSQLITE_MAX_LIKE_PATTERN_LENGTH=$(call bounds,LIKE_PATTERN) \
	   -DSQLITE_MAX_VARIABLE_NUMBER=$(call bounds,VARIABLE_NUMBER) \
	   -DSQLITE_MAX_TRIGGER_DEPTH=$(call bounds,TRIGGER_DEPTH) \
	   -DSQLITE_MAX_WORKER_THREADS=$(call bounds,MAX_THREADS)
SQLITE_CFLAGS	:= -O2 -g -fno-strict-aliasing $(HARDEN) -w -D_HAVE_SQLITE_CONFIG_H
# Debian's version: an `apt upgrade` of libsqlite3-0 rebuilds from the
# new source.
SQLITE_DEB	:= $(shell dpkg-query -W -f='$${source:Version}' libsqlite3-0 \
	   2>/dev/null)

$(SQLITE_DIR)/.opts: FORCE
	@mkdir -p $(SQLITE_DIR)
	@echo '$(SQLITE_DEB) $(SQLITE_CC) $(SQLITE_CFLAGS) $(SQLITE_OPTS)' | \
	    cmp -s - $@ || \
	    echo '$(SQLITE_DEB) $(SQLITE_CC) $(SQLITE_CFLAGS) $(SQLITE_OPTS)' > $@

# The options reach lemon and mkkeywordhash too (grammar-changing ones
# such as UPDATE_DELETE_LIMIT need that), so they key the amalgamation.
# One run makes both files (a grouped target).
$(SQLITE_DIR)/sqlite3.c $(SQLITE_DIR)/sqlite3.h &: $(SQLITE_DIR)/.opts \
    deploy/sqlite-src.sh
	@SQLITE_GRAMMAR='$(SQLITE_OPTS)' sh deploy/sqlite-src.sh $(SQLITE_DIR)
	@touch $(SQLITE_DIR)/sqlite3.c $(SQLITE_DIR)/sqlite3.h

$(SQLITE_DIR)/sqlite3.o: $(SQLITE_DIR)/sqlite3.c
	$(SQLITE_CC) $(SQLITE_CFLAGS) $(SQLITE_OPTS) -c $< -o $@

$(SQLITE_LIB): $(SQLITE_DIR)/sqlite3.o
	@rm -f $@
	ar rcs $@ $<

# Every object sees the hardened sqlite3.h; every program links the lib.
$(OBJ) $(FUZZ_OBJ): | $(SQLITE_DIR)/sqlite3.h
$(BUILD)/walkind $(TEST_BIN) $(BUILD)/bench-ceiling $(BUILD)/bench-hotpath: \
    $(SQLITE_LIB) | $(SQLITE_DIR)/sqlite3.h
.PHONY: sqlite
sqlite: $(SQLITE_LIB)
# ---- end of Hardened SQLite ---------------------------------------------

format:
	clang-format -i src/*.c include/*.h sandbox/*.c sandbox/*.h tests/unit/*.c

format-check:
	clang-format --dry-run --Werror src/*.c include/*.h sandbox/*.c sandbox/*.h

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
	    --std=c11 -Iinclude -Isandbox src sandbox

clean:
	rm -rf build build-asan

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
