# podvisor: one non-recursive Makefile.
#
#   make            build build/podvisor
#   make check      install missing packages, build, run every test
#   make demo       install missing packages, build, check examples/
#   make check-asan the unit and corpus tests under ASan+UBSan only
#   make fuzz       run every fuzzer (FUZZ_SECONDS each, default 300)
#   make fuzz-long  run every fuzzer for 10 minutes
#   make soak       the long forms of the churn and long-run tests (as root)
#   make bench      run the benchmarks in bench/
#   make install    the binary, podvisor(8), the systemd unit, an example
#                   node config (PREFIX=/usr/local, DESTDIR for packaging)
#   make static     build/static/podvisor, linked statically (README)
#   make check-static  build it, then run integration tests against it
#   make cross ARCH=arm64|armhf  build-cross-ARCH/: the binary and the unit
#                   tests, with Debian's cross compiler (README)
#   make check-cross ARCH=...  build them, run them under qemu-user
#   make vm-demo    boot a qemu VM of Debian's kernel and an initramfs with
#                   podvisor as PID 1 on examples/ (README, "A VM that
#                   boots into pods"); VM_BIN=path picks the binary

CC       ?= gcc
CLANG    ?= clang
BUILD    ?= build
PKGS     := yaml-0.1 json-c nettle libcrypto libmnl libnftnl libip4tc ldns libnetfilter_conntrack libcap libseccomp
# libcurl's and libarchive's headers only: image pull and import load them
# when they run (supervisor/image/image_curl.h, image_libarchive.h), so
# their dependencies (TLS, Kerberos, libxml2, ICU, libstdc++...) do not
# load with every podvisor command, nor sit in the daemon's memory.
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) libcurl libarchive 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lyaml -ljson-c -lnettle -lcrypto -lmnl -lnftnl -lip4tc -lldns -lnetfilter_conntrack -lnfnetlink -lcap -lseccomp) -lm

WARN := -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
        -Wformat=2 -Wwrite-strings -Wundef -Wimplicit-fallthrough -Wpointer-arith \
        -Wvla -Wno-unused-parameter
BASE_CFLAGS := -std=gnu11 -D_GNU_SOURCE -I. $(WARN) $(PKG_CFLAGS)
CFLAGS   ?= -O2 -g
ALL_CFLAGS := $(BASE_CFLAGS) $(CFLAGS) -MMD -MP
SAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all

# Pure modules (fuzzed, unit-tested); the supervisor's own modules (unit
# tests may link them too); and the binary's entry point.
LIB_SRCS := $(wildcard common/*.c) $(wildcard manifests/*.c)
SUP_SRCS := $(wildcard supervisor/*/*.c) $(wildcard netrules/*.c) $(wildcard netrules/*/*.c) $(wildcard volumes/*.c)
MAIN_SRCS := supervisor/main.c supervisor/cmd_version.c
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_NAMES := $(notdir $(UNIT_SRCS:.c=))

LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o) $(SUP_SRCS:%.c=$(BUILD)/obj/%.o)
CLI_OBJS := $(MAIN_SRCS:%.c=$(BUILD)/obj/%.o)
SAN_LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/asan/%.o) $(SUP_SRCS:%.c=$(BUILD)/asan/%.o)
SAN_CLI_OBJS := $(MAIN_SRCS:%.c=$(BUILD)/asan/%.o)

PODVISOR := $(BUILD)/podvisor
PODVISOR_ASAN := $(BUILD)/asan/podvisor
UNIT_BINS := $(UNIT_NAMES:%=$(BUILD)/tests/%)
UNIT_BINS_ASAN := $(UNIT_NAMES:%=$(BUILD)/asan/tests/%)
FUZZER := $(BUILD)/fuzz/fuzz_load
FUZZER_DNS := $(BUILD)/fuzz/fuzz_dns
FUZZER_NODECONF := $(BUILD)/fuzz/fuzz_nodeconf
FUZZER_IMAGE := $(BUILD)/fuzz/fuzz_image
FUZZER_API := $(BUILD)/fuzz/fuzz_api
FUZZER_SECCOMP := $(BUILD)/fuzz/fuzz_seccomp
FUZZER_REGISTRY := $(BUILD)/fuzz/fuzz_registry

.PHONY: all deps check check-asan demo fuzz bench clean
.PHONY: soak fuzz-long install vm-demo
# Keep intermediate objects (unit-test .o files) between runs.
.SECONDARY:
all: $(PODVISOR)

# Quiet by default; V=1 shows the commands.
ifeq ($(V),1)
Q :=
say := @true
else
Q := @
say := @echo
endif

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(say) "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/asan/%.o: %.c
	@mkdir -p $(@D)
	$(say) "  CC-SAN  $<"
	$(Q)$(CC) $(BASE_CFLAGS) $(SAN_FLAGS) -MMD -MP -c $< -o $@

# The commit the binary is built from, for `podvisor version`. Only
# supervisor/api/version.c sees it, and is rebuilt when HEAD or the work
# tree's state (clean, dirty) changes: a stamp rewritten only then.
GIT_COMMIT := $(shell git rev-parse HEAD 2>/dev/null)
GIT_TREE := $(if $(GIT_COMMIT),$(shell git status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo dirty || echo clean))
VERSION_DEFS := -DPV_GIT_COMMIT='"$(GIT_COMMIT)"' -DPV_GIT_TREE='"$(GIT_TREE)"'
$(BUILD)/obj/supervisor/api/version.o: ALL_CFLAGS += $(VERSION_DEFS)
$(BUILD)/asan/supervisor/api/version.o: BASE_CFLAGS += $(VERSION_DEFS)
$(BUILD)/obj/supervisor/api/version.o $(BUILD)/asan/supervisor/api/version.o: $(BUILD)/git-version
$(BUILD)/git-version: FORCE
	@mkdir -p $(@D)
	@echo '$(GIT_COMMIT) $(GIT_TREE)' | cmp -s - $@ || echo '$(GIT_COMMIT) $(GIT_TREE)' >$@
.PHONY: FORCE
FORCE:

# Every symbol bound at exec (-z now), once, in the daemon: the spawner's
# children (pod inits, shims, containers before their exec) inherit the
# bound tables, where lazy binding had each of them look up afresh every
# function the daemon had not called yet (~0.2 ms of CPU a pod; a `podvisor`
# command starts ~0.3 ms slower). Full RELRO with it.
BIND_NOW := -Wl,-z,now -Wl,-z,relro

$(PODVISOR): $(CLI_OBJS) $(LIB_OBJS)
	$(say) "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(BIND_NOW) -o $@ $^ $(PKG_LIBS)

$(PODVISOR_ASAN): $(SAN_CLI_OBJS) $(SAN_LIB_OBJS)
	$(say) "  LD      $@"
	$(Q)$(CC) $(SAN_FLAGS) $(BIND_NOW) -o $@ $^ $(PKG_LIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(LIB_OBJS)
	@mkdir -p $(@D)
	$(say) "  LD      $@"
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS) -lcmocka

$(BUILD)/asan/tests/%: $(BUILD)/asan/tests/unit/%.o $(SAN_LIB_OBJS)
	@mkdir -p $(@D)
	$(say) "  LD      $@"
	$(Q)$(CC) $(SAN_FLAGS) -o $@ $^ $(PKG_LIBS) -lcmocka

# test_oom: every allocation our objects make goes through the test's
# countdown (__wrap_malloc and the rest), which can fail the Nth one.
# --wrap applies to this link step's objects only, not to libc's or the
# libraries' own allocations. Explicit rules: they win over the patterns.
OOM_WRAP := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup,--wrap=strndup,--wrap=asprintf,--wrap=vasprintf

$(BUILD)/tests/test_oom: $(BUILD)/obj/tests/unit/test_oom.o $(LIB_OBJS)
	@mkdir -p $(@D)
	$(say) "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(OOM_WRAP) -o $@ $^ $(PKG_LIBS) -lcmocka

$(BUILD)/asan/tests/test_oom: $(BUILD)/asan/tests/unit/test_oom.o $(SAN_LIB_OBJS)
	@mkdir -p $(@D)
	$(say) "  LD      $@"
	$(Q)$(CC) $(SAN_FLAGS) $(OOM_WRAP) -o $@ $^ $(PKG_LIBS) -lcmocka

$(FUZZER): tests/fuzz/fuzz_load.c $(LIB_SRCS)
	@mkdir -p $(@D)
	$(say) "  FUZZER  $@"
	$(Q)$(CLANG) $(BASE_CFLAGS) -O1 -g -fsanitize=fuzzer,address,undefined -o $@ $^ $(PKG_LIBS)

# DNS queries as pods send them, through netrules/dnsmsg.c alone.
$(FUZZER_DNS): tests/fuzz/fuzz_dns.c netrules/dnsmsg.c
	@mkdir -p $(@D)
	$(say) "  FUZZER  $@"
	$(Q)$(CLANG) $(BASE_CFLAGS) -O1 -g -fsanitize=fuzzer,address,undefined -o $@ $^ $(PKG_LIBS)

# node.yaml through supervisor/daemon/nodeconf.c and the YAML tree it is read with.
$(FUZZER_NODECONF): tests/fuzz/fuzz_nodeconf.c supervisor/daemon/nodeconf.c supervisor/core/fsutil.c \
		manifests/yamltree.c manifests/scalar.c manifests/diag.c $(wildcard common/*.c)
	@mkdir -p $(@D)
	$(say) "  FUZZER  $@"
	$(Q)$(CLANG) $(BASE_CFLAGS) -O1 -g -fsanitize=fuzzer,address,undefined -o $@ $^ $(PKG_LIBS)

# Image JSON (index.json, manifests, configs, store records) through the
# image store's files; image_store.c and the unpackers only for the
# record's pv_image_free.
$(FUZZER_IMAGE): tests/fuzz/fuzz_image.c $(wildcard supervisor/image/image_*.c) $(wildcard common/*.c)
	@mkdir -p $(@D)
	$(say) "  FUZZER  $@"
	$(Q)$(CLANG) $(BASE_CFLAGS) -O1 -g -fsanitize=fuzzer,address,undefined -o $@ $^ $(PKG_LIBS)

# Requests on the API socket, parsed as the daemon parses them; answering
# them needs the daemon and is left out.
$(FUZZER_API): tests/fuzz/fuzz_api.c supervisor/api/api_request.c supervisor/core/jsonx.c common/err.c
	@mkdir -p $(@D)
	$(say) "  FUZZER  $@"
	$(Q)$(CLANG) $(BASE_CFLAGS) -O1 -g -fsanitize=fuzzer,address,undefined -o $@ $^ $(PKG_LIBS)

# Localhost seccomp profiles, read (and built into a filter) as the
# daemon reads them.
$(FUZZER_SECCOMP): tests/fuzz/fuzz_seccomp.c $(wildcard supervisor/sandbox/seccomp*.c) \
		supervisor/sandbox/caps.c volumes/safepath.c supervisor/core/fsutil.c $(wildcard common/*.c)
	@mkdir -p $(@D)
	$(say) "  FUZZER  $@"
	$(Q)$(CLANG) $(BASE_CFLAGS) -O1 -g -fsanitize=fuzzer,address,undefined -o $@ $^ $(PKG_LIBS)

# What registries and credentials files say, through image_registry.c
# (the rest of the image store only for its JSON and file helpers).
$(FUZZER_REGISTRY): tests/fuzz/fuzz_registry.c $(wildcard supervisor/image/image_*.c) $(wildcard common/*.c)
	@mkdir -p $(@D)
	$(say) "  FUZZER  $@"
	$(Q)$(CLANG) $(BASE_CFLAGS) -O1 -g -fsanitize=fuzzer,address,undefined -o $@ $^ $(PKG_LIBS)

deps:
	@scripts/deps.sh

# Everything the test runner needs, built after the packages are there,
# on every core (a serial build took 8 of CI's minutes).
check: deps
	@$(MAKE) --no-print-directory -j$$(nproc) $(PODVISOR) $(PODVISOR_ASAN) $(UNIT_BINS) $(UNIT_BINS_ASAN) $(FUZZER) $(FUZZER_DNS) \
		$(FUZZER_NODECONF) $(FUZZER_IMAGE) $(FUZZER_API) $(FUZZER_SECCOMP) $(FUZZER_REGISTRY)
	@$(foreach a,$(CHECK_CROSS),mkdir -p build-cross-$(a); rm -f build-cross-$(a)/NO-PACKAGES; \
		if ! scripts/deps.sh cross-$(a) >build-cross-$(a)/deps.log 2>&1; then \
			tail -3 build-cross-$(a)/deps.log >build-cross-$(a)/NO-PACKAGES; \
		else $(MAKE) --no-print-directory cross ARCH=$(a) || \
			echo "make check: make cross ARCH=$(a) failed; tests/run.sh counts what it lacks" >&2; fi;)
	@BUILD=$(BUILD) CROSS="$(CHECK_CROSS)" tests/run.sh

check-asan: deps
	@$(MAKE) --no-print-directory $(PODVISOR_ASAN) $(UNIT_BINS_ASAN)
	@BUILD=$(BUILD) ONLY=asan tests/run.sh

demo: deps
	@$(MAKE) --no-print-directory $(PODVISOR)
	@scripts/demo.sh $(PODVISOR)

# The static binary when it builds here (make static: Debian's source
# packages), else the dynamic one with the libraries ldd names.
vm-demo: deps
	@if [ -n "$(VM_BIN)" ]; then :; \
	elif $(MAKE) --no-print-directory static; then bin=$(PODVISOR_STATIC); \
	else echo "vm-demo: no static build here; the initramfs takes $(PODVISOR) and its libraries"; \
		$(MAKE) --no-print-directory $(PODVISOR) && bin=$(PODVISOR); fi; \
	scripts/vm-demo.sh demo $(BUILD)/vm $${bin:-$(VM_BIN)}

fuzz: deps
	@$(MAKE) --no-print-directory $(FUZZER) $(FUZZER_DNS) $(FUZZER_NODECONF) $(FUZZER_IMAGE) \
		$(FUZZER_API) $(FUZZER_SECCOMP) $(FUZZER_REGISTRY)
	@tests/fuzz/run.sh $(FUZZER) $${FUZZ_SECONDS:-300}
	@tests/fuzz/run.sh $(FUZZER_DNS) $${FUZZ_SECONDS:-300}
	@tests/fuzz/run.sh $(FUZZER_NODECONF) $${FUZZ_SECONDS:-300}
	@tests/fuzz/run.sh $(FUZZER_IMAGE) $${FUZZ_SECONDS:-300}
	@tests/fuzz/run.sh $(FUZZER_API) $${FUZZ_SECONDS:-300}
	@tests/fuzz/run.sh $(FUZZER_SECCOMP) $${FUZZ_SECONDS:-300}
	@tests/fuzz/run.sh $(FUZZER_REGISTRY) $${FUZZ_SECONDS:-300}

fuzz-long:
	@FUZZ_SECONDS=600 $(MAKE) --no-print-directory fuzz

# The reliability suite's long forms (RELIABILITY.md): 600 churn operations
# with 20 kill -9, and 2,000 pod start/stop cycles.
soak: deps
	@$(MAKE) --no-print-directory $(PODVISOR)
	@rc=0; for t in churn longrun; do \
		echo "== soak: tests/integration/test_$$t.sh"; \
		SOAK=1 PODVISOR=$(CURDIR)/$(PODVISOR) bash tests/integration/test_$$t.sh || rc=1; \
	done; exit $$rc

SVC_BENCH := $(BUILD)/bench/svc_bench

$(SVC_BENCH): bench/svc_bench.c $(LIB_OBJS)
	@mkdir -p $(@D)
	$(say) "  LD      $@"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(PKG_LIBS)

# The prober of the start benchmark: links nothing of podvisor's.
HTTPPROBE := $(BUILD)/bench/httpprobe
$(HTTPPROBE): bench/httpprobe.c
	@mkdir -p $(@D)
	$(say) "  CC      $@"
	$(Q)$(CC) $(BASE_CFLAGS) $(CFLAGS) -o $@ $<

# libyaml's own parse of the same bytes, beside podvisor check.
YAMLPARSE := $(BUILD)/bench/yaml_parse
$(YAMLPARSE): bench/yaml_parse.c
	@mkdir -p $(@D)
	$(say) "  CC      $@"
	$(Q)$(CC) $(BASE_CFLAGS) $(CFLAGS) -o $@ $< -lyaml

# What a system call, a page fault and a fork cost here (density_bench.sh).
COSTS := $(BUILD)/bench/costs
$(COSTS): bench/costs.c
	@mkdir -p $(@D)
	$(say) "  CC      $@"
	$(Q)$(CC) $(BASE_CFLAGS) $(CFLAGS) -o $@ $<

# One run of every benchmark, then BENCHMARKS.md and bench/plots/ from it
# (bench/report.sh). A benchmark that fails is reported and the rest go on.
BENCH_OUT := $(BUILD)/bench/out
bench: $(PODVISOR) $(SVC_BENCH) $(HTTPPROBE) $(YAMLPARSE) $(COSTS)
	@scripts/deps.sh bench
	@rm -rf $(BENCH_OUT) && mkdir -p $(BENCH_OUT)
	@export BENCH_OUT=$(CURDIR)/$(BENCH_OUT); rc=0; \
	for b in "start_bench.sh $(PODVISOR) $(HTTPPROBE)" "density_bench.sh $(PODVISOR)" \
		"density_bench.sh --disk $(PODVISOR)" \
		"svc_bench.sh $(SVC_BENCH)" "idle_bench.sh $(PODVISOR) 50 60" \
		"check_bench.sh $(PODVISOR) $(YAMLPARSE)" "pod_bench.sh $(PODVISOR)" \
		"latency_bench.sh $(PODVISOR)" "nodeport_bench.sh $(PODVISOR)" \
		"footprint_bench.sh $(PODVISOR)"; do \
		echo "== bench/$$b"; \
		bench/$$b || { echo "make bench: bench/$$b failed" >&2; rc=1; }; \
	done; \
	bench/report.sh $(BENCH_OUT); exit $$rc

# podvisor(8) from the binary's own help texts (scripts/mkman.sh).
MANPAGE := $(BUILD)/podvisor.8
$(MANPAGE): $(PODVISOR) scripts/mkman.sh
	$(say) "  MAN     $@"
	$(Q)scripts/mkman.sh $(PODVISOR) >$@.tmp && mv $@.tmp $@

PREFIX ?= /usr/local
SYSCONFDIR ?= /etc
install: $(PODVISOR) $(MANPAGE)
	install -D -m 0755 $(PODVISOR) $(DESTDIR)$(PREFIX)/bin/podvisor
	install -D -m 0644 $(MANPAGE) $(DESTDIR)$(PREFIX)/share/man/man8/podvisor.8
	install -d $(DESTDIR)$(PREFIX)/lib/systemd/system
	sed 's|@BINDIR@|$(PREFIX)/bin|g' dist/podvisor.service \
		>$(DESTDIR)$(PREFIX)/lib/systemd/system/podvisor.service
	install -D -m 0644 dist/node.yaml $(DESTDIR)$(SYSCONFDIR)/podvisor/node.yaml.example
	install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/podvisor/manifests

# make static: $(BUILD)/static/podvisor, every library linked statically,
# glibc's too. Debian ships no .a of libmnl, libnfnetlink,
# libnetfilter_conntrack and libip4tc, and its libcurl.a needs two dozen
# libraries that have none: scripts/static-deps.sh builds these from
# Debian's source packages into $(STATIC_DEPS), once. libarchive and
# libcurl are linked, not loaded with dlopen (image_libarchive.h,
# image_curl.h): the objects are built again for it, in $(BUILD)/static.
STATIC_DEPS := $(BUILD)/static-deps
PODVISOR_STATIC := $(BUILD)/static/podvisor
STATIC_OBJS := $(MAIN_SRCS:%.c=$(BUILD)/static/obj/%.o) $(LIB_SRCS:%.c=$(BUILD)/static/obj/%.o) \
	$(SUP_SRCS:%.c=$(BUILD)/static/obj/%.o)
STATIC_DEFS := -I$(STATIC_DEPS)/include -DPV_LINK_LIBARCHIVE -DPV_CURL_STATIC
# read when linking: the .pc files of $(STATIC_DEPS) exist only by then
STATIC_LIBS = $$(PKG_CONFIG_PATH=$(STATIC_DEPS)/lib/pkgconfig pkg-config --static --libs $(PKGS) libarchive libcurl) -lm

.PHONY: static check-static
static:
	@scripts/deps.sh static
	@scripts/static-deps.sh $(STATIC_DEPS)
	@$(MAKE) --no-print-directory -j$$(nproc) $(PODVISOR_STATIC)

$(BUILD)/static/obj/%.o: %.c
	@mkdir -p $(@D)
	$(say) "  CC-STAT $<"
	$(Q)$(CC) $(STATIC_DEFS) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/static/obj/supervisor/api/version.o: ALL_CFLAGS += $(VERSION_DEFS)
$(BUILD)/static/obj/supervisor/api/version.o: $(BUILD)/git-version

$(PODVISOR_STATIC): $(STATIC_OBJS) $(wildcard $(STATIC_DEPS)/lib/*.a)
	$(say) "  LD      $@"
	$(Q)$(CC) $(CFLAGS) -static -o $@ $(STATIC_OBJS) $(STATIC_LIBS)

check-static: static
	@BUILD=$(BUILD) tests/static/run.sh

# ---- other architectures: make cross, make check-cross (README) ----------
# make cross ARCH=arm64|armhf: the binary and the unit tests for another
# architecture, in build-cross-$(ARCH)/ (podvisor, tests/test_*). The
# rules above, run by a second make with BUILD, CC (Debian's cross gcc)
# and pkg-config's search path (the target's multiarch .pc files) set for
# it; scripts/deps.sh cross-$(ARCH) adds the architecture to dpkg and
# installs the toolchain, qemu-user-static and the target's -dev packages.
# make check-cross ARCH=...: those tests and `podvisor check examples/`
# under qemu-user (tests/run.sh, ONLY=cross). make check builds and runs
# the architectures of CHECK_CROSS too (make check CHECK_CROSS= : none).
ARCH ?= arm64
CHECK_CROSS ?= arm64 armhf
cross_triplet = $(or $(if $(filter arm64,$(1)),aarch64-linux-gnu),$(if $(filter armhf,$(1)),arm-linux-gnueabihf),$(error ARCH=$(1): arm64 or armhf))
cross_build = build-cross-$(1)
cross_pc = /usr/lib/$(call cross_triplet,$(1))/pkgconfig:/usr/share/pkgconfig
# 32-bit ARM: 64-bit file offsets and inode numbers (without them readdir
# and stat fail with EOVERFLOW on today's filesystems) and a 64-bit time_t
# (cron schedules past 2038). No library podvisor calls passes off_t or
# time_t across its interface, so Debian 12's armhf ones link as they are.
cross_cflags = $(if $(filter armhf,$(1)),-D_FILE_OFFSET_BITS=64 -D_TIME_BITS=64)

# the second make, for ARCH (pkg-config told the target's library
# directory is the linker's own, as it knows the host's: no -L for it,
# which would put Debian's libcurl.a before make static-cross's)
cross_make = PKG_CONFIG_PATH= PKG_CONFIG_LIBDIR=$(call cross_pc,$(ARCH)) \
	PKG_CONFIG_SYSTEM_LIBRARY_PATH=/usr/lib/$(call cross_triplet,$(ARCH)) \
	$(MAKE) --no-print-directory -j$$(nproc) BUILD=$(call cross_build,$(ARCH)) \
	CC=$(call cross_triplet,$(ARCH))-gcc CFLAGS="$(CFLAGS) $(call cross_cflags,$(ARCH))"

.PHONY: cross check-cross cross-targets static-cross check-static-cross
cross:
	@scripts/deps.sh cross-$(ARCH)
	@$(cross_make) cross-targets

# (in the second make, where BUILD is build-cross-$(ARCH)) what
# tests/run.sh runs under qemu: the unit tests, and the arch each way
# podvisor names it (tests/cross/test_arch.c)
cross-targets: $(PODVISOR) $(UNIT_BINS) $(BUILD)/tests/cross/test_arch
	@:

$(BUILD)/tests/cross/test_arch: $(BUILD)/obj/tests/cross/test_arch.o $(LIB_OBJS)
	@mkdir -p $(@D)
	$(say) "  LD      $@"
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS)

# the native binary too: tests/cross/check.sh compares the two
check-cross: cross
	@$(MAKE) --no-print-directory -j$$(nproc) $(PODVISOR)
	@BUILD=$(BUILD) CROSS=$(ARCH) ONLY=cross tests/run.sh

# make static-cross ARCH=arm64: build-cross-$(ARCH)/static/podvisor, make
# static's binary for that architecture: scripts/static-deps.sh builds its
# libraries with the cross compiler (PV_STATIC_HOST) into
# build-cross-$(ARCH)/static-deps, and make static's rules link it with
# the target's .a files (scripts/deps.sh static-$(ARCH)).
static-cross:
	@scripts/deps.sh static-$(ARCH)
	@PV_STATIC_HOST=$(call cross_triplet,$(ARCH)) PKG_CONFIG_LIBDIR=$(call cross_pc,$(ARCH)) \
		scripts/static-deps.sh $(call cross_build,$(ARCH))/static-deps
	@$(cross_make) $(call cross_build,$(ARCH))/static/podvisor

# it and make cross's, under qemu-user (tests/cross/check.sh checks it too)
check-static-cross: static-cross cross
	@$(MAKE) --no-print-directory -j$$(nproc) $(PODVISOR)
	@BUILD=$(BUILD) CROSS=$(ARCH) ONLY=cross tests/run.sh
# ---- end of other architectures ----------------------------------------

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
