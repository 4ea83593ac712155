# Thin wrapper around meson for the two set-up commands in the README.
#   make run    install what is missing, build, open the app on real sample traces
#   make check  install what is missing, build, run every test

BUILD ?= _build
# A second build with clang, AddressSanitizer, UBSan and the libFuzzer targets;
# it builds the GUI too, so every test also runs sanitized.
FUZZ_BUILD ?= _build-fuzz
SHARED_DATA ?= $(abspath ../shared/data)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Debian 12 packages needed to build, run and test.
APT_PACKAGES = \
	appstream \
	bubblewrap \
	clang \
	curl \
	dbus-daemon \
	desktop-file-utils \
	flatpak-builder \
	gcc \
	gettext \
	gnome-keyring \
	imagemagick \
	jq \
	libadwaita-1-dev \
	libcairo2-dev \
	libclang-rt-14-dev \
	libglib2.0-dev \
	libgtk-4-dev \
	libjson-glib-dev \
	libpango1.0-dev \
	libsecret-1-dev \
	libsoup-3.0-dev \
	librsvg2-common \
	shared-mime-info \
	meson \
	ninja-build \
	pkg-config \
	poppler-utils \
	python3 \
	xauth \
	xdotool \
	xvfb

# Under $(SHARED_DATA)/traces, or the samples folder (data/samples.txt).
SAMPLE_TRACES = \
	markyx316_LLM-Reasoning-Trace-Topology/math500_deepseek_r1.jsonl \
	JesseRWeigel_thinking-traces/qwen3-8b__think-on.jsonl

.PHONY: all deps build build-sanitized engine run check clean

all: build

deps:
	@missing=$$(for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing:" $$missing; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

$(BUILD)/build.ninja:
	meson setup $(BUILD)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(FUZZ_BUILD)/build.ninja:
	CC=clang meson setup $(FUZZ_BUILD) -Dfuzzing=true \
	  -Db_sanitize=address,undefined -Db_lundef=false

build-sanitized: deps $(FUZZ_BUILD)/build.ninja
	ninja -C $(FUZZ_BUILD)

# The live engine's npm packages (tests/live/README.md), when missing.
engine:
	@if [ -d tests/live/node_modules ]; then :; \
	elif command -v npm >/dev/null; then \
	  cd tests/live && npm ci --omit=optional --ignore-scripts --no-audit --no-fund; \
	else echo "npm not found: the live engine test will be skipped"; fi

# Without ../shared/data, the same files are downloaded once (checked
# against the sha256 in data/samples.txt) into ~/.cache/midthought/samples.
run: build
	@if [ -d "$(SHARED_DATA)/traces" ]; then traces="$(SHARED_DATA)/traces"; \
	else traces=$$(sh data/fetch-samples.sh) || exit 1; fi; \
	set -x; GSETTINGS_SCHEMA_DIR=$(BUILD)/data $(BUILD)/src/gui/midthought \
	  $(addprefix "$$traces"/,$(SAMPLE_TRACES))

# Every test; then every test again (the engine aside) under ASan, UBSan and
# LeakSanitizer, with a short run of each fuzzer (tests/fuzz/README.md). The
# sanitizers' options are in the tests' environment (tests/meson.build); the
# instrumented code runs a few times slower, hence the longer timeouts, and
# the display tests, which count frames, run one at a time.
check: build build-sanitized engine
	MT_SHARED_DATA=$(SHARED_DATA) meson test -C $(BUILD) --print-errorlogs --num-processes 2
	MT_SHARED_DATA=$(SHARED_DATA) meson test -C $(FUZZ_BUILD) --print-errorlogs \
	  --num-processes 1 --timeout-multiplier 3 --suite gui --logbase testlog-gui
	MT_SHARED_DATA=$(SHARED_DATA) meson test -C $(FUZZ_BUILD) --print-errorlogs \
	  --num-processes 2 --timeout-multiplier 3 --no-suite engine --no-suite gui

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD)
