# libcapnet -- a thin wrapper over meson. On a fresh Debian/Ubuntu machine:
#   make demo    install what is missing, build, run the arp-ping proof
#   make test    install what is missing, build, run every test
#   make baremetal   build the bare-metal x86-64 image (baremetal/)
#   make run-qemu    boot it under QEMU on a TAP in a namespace (root)
# Other targets: deps build test-sanitize run-<proof> bench fuzz clean.
# CAPNET_NO_DEPS=1 skips the package check (other distributions, offline).

BUILD        ?= build
SAN_BUILD    ?= build-san
FUZZ_BUILD   ?= build-fuzz
BAREMETAL_BUILD ?= build-baremetal
MESON        ?= meson
NINJA        ?= ninja
FUZZ_SECONDS ?= 30
# When set, the fuzz budget for all targets together (CI uses this).
FUZZ_TOTAL_SECONDS ?=

CAPNET      = ./$(BUILD)/cmd/capnet
IMAGE       = ./$(BAREMETAL_BUILD)/baremetal/capnet-baremetal.elf
SAN_OPTIONS = halt_on_error=1:abort_on_error=1:print_stacktrace=1

# deps, then build, then run: always in that order.
.NOTPARALLEL:
.PHONY: all help deps deps-interop build demo test test-sanitize bench fuzz clean baremetal run-qemu

all: build

help:
	@sed -n '2,8p' Makefile | sed 's/^# \{0,1\}//'

deps:
	@sh scripts/install-deps.sh

# The whole suite also runs real peers (ping, curl, dnsmasq, tshark).
deps-interop:
	@sh scripts/install-deps.sh --interop

# $(call configure,DIR,OPTIONS[,ENV]): meson setup once (ninja re-runs meson
# by itself whenever a meson.build changes); a half-configured directory is
# reconfigured rather than refused.
define configure
	@if [ ! -f $(1)/build.ninja ]; then \
		if [ -f $(1)/meson-private/coredata.dat ]; then \
			$(3) $(MESON) setup --reconfigure $(2) $(1); \
		else \
			$(3) $(MESON) setup $(2) $(1); \
		fi; \
	fi
endef

# $(call run_tests,DIR,ENV): the whole suite, then one summary line from
# meson's test log (stale logs removed first, so a failed build counts as a
# failure instead of reporting an old pass).
define run_tests
	@rm -f $(1)/meson-logs/testlog.json
	@rc=0; $(2) $(MESON) test -C $(1) --print-errorlogs || rc=1; \
	sh scripts/test-summary.sh $(1)/meson-logs/testlog.json || rc=1; \
	exit $$rc
endef

# The main build also links the core with -nostdlib (the freestanding proof)
# and builds the bare-metal image for the QEMU boot test (x86-64 hosts).
build:
	$(call configure,$(BUILD),-Dfreestanding=true -Dbaremetal=true)
	$(NINJA) -C $(BUILD)

demo: deps build
	@if [ ! -x $(CAPNET) ]; then \
		echo "make demo: $(CAPNET) was not built" >&2; exit 1; \
	fi
	$(CAPNET) proof arp-ping --pcap $(BUILD)/arp-ping.pcap
	@echo "every frame of that run: $(BUILD)/arp-ping.pcap (same seed, same bytes)"

test: deps-interop build
	$(call run_tests,$(BUILD),)

test-sanitize: deps
	$(call configure,$(SAN_BUILD),-Db_sanitize=address$(comma)undefined -Db_lundef=false)
	$(NINJA) -C $(SAN_BUILD)
	$(call run_tests,$(SAN_BUILD),ASAN_OPTIONS=$(SAN_OPTIONS) UBSAN_OPTIONS=$(SAN_OPTIONS))

# The bare-metal image alone: no hosted dependency, no tests.
baremetal:
	$(call configure,$(BAREMETAL_BUILD),-Dbaremetal=true -Dhosted=disabled -Dtests=disabled)
	$(NINJA) -C $(BAREMETAL_BUILD)
	@echo "bare-metal image: $(IMAGE) ($$(wc -c <$(IMAGE)) bytes); boot it with: sudo make run-qemu"

# As root: a namespace with a TAP and dnsmasq, QEMU's console on this terminal.
run-qemu: baremetal
	@sh scripts/run-qemu.sh $(IMAGE)

# make run-arp-ping, make run-dhcp4-config, ...
run-%: build
	$(CAPNET) proof $*

bench: build
	$(CAPNET) bench checksum

# libFuzzer needs clang; the fuzz targets bring their own sanitizers.
# Also runs the capability property test (from the main build) with a random seed.
fuzz: deps build
	$(call configure,$(FUZZ_BUILD),-Dfuzz=true -Dtests=disabled,CC=clang)
	$(NINJA) -C $(FUZZ_BUILD)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_TOTAL_SECONDS=$(FUZZ_TOTAL_SECONDS) \
		PROPERTY_TEST=./$(BUILD)/test/test_cap-property \
		sh scripts/run-fuzz.sh $(FUZZ_BUILD)

clean:
	rm -rf $(BUILD) $(SAN_BUILD) $(FUZZ_BUILD) $(BAREMETAL_BUILD) fuzz-out

# A comma inside $(call ...) arguments.
comma := ,
