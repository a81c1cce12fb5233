# smdr-agent: every set-up step a fresh Debian machine needs is here.
SWIFT ?= swift
DEBIAN_PACKAGES := tzdata libudev-dev libsqlite3-dev pkg-config libcups2-dev cups cups-client cups-filters dpkg-dev binutils systemd adduser lintian
DATA_DIR ?= ./data

.PHONY: all deps build release test bench run demo samples soak formats clean package package-test

all: build

# Installs the Debian packages the build and the tests need, when missing.
deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
	@command -v $(SWIFT) >/dev/null || { echo "Swift 6 toolchain not found (swift.org/install)"; exit 1; }

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --product smdr-agent

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	$(MAKE) package-test

# The Debian package (dist/smdr-agent_VERSION_ARCH.deb and its -dbgsym): the release binary with
# the Swift runtime linked in statically, stripped; the unit, udev rules and configuration.
VERSION ?= 0.1.0
package: deps
	VERSION=$(VERSION) SWIFT=$(SWIFT) Hardware/debian/build-package.sh

# Installs the package on this machine (root only, as CI runs), checks it, removes and purges it.
package-test:
	@if [ "$$(id -u)" = 0 ]; then $(MAKE) package && Tests/package/run.sh; else echo "package test: skipped (needs root for dpkg -i)"; fi

# Release-build throughput table (targets in the README). The agent measured as a process is the
# binary the package ships: the Swift runtime linked in statically, stripped.
bench: deps
	$(SWIFT) build -c release --product smdr-bench
	$(SWIFT) build -c release --product smdr-agent --static-swift-stdlib --scratch-path .build-static
	strip --strip-unneeded -o .build-static/smdr-agent-shipped .build-static/release/smdr-agent
	.build/release/smdr-bench --agent .build-static/smdr-agent-shipped --samples Samples

# The agent's main job on the embedded defaults: SQLite and journal in ./data. With no PBX
# configured it lists the serial ports it sees and waits; give it one with ARGS, e.g.
#   make run ARGS="--device /dev/ttyUSB0 --serial 9600,8N1"
run: release
	.build/release/smdr-agent run --data-dir $(DATA_DIR) $(ARGS)

# A newcomer's tour: a sample capture replayed through a pty into a running agent.
demo: release
	.build/release/smdr-agent run --demo --data-dir $(DATA_DIR)/demo $(ARGS)

# Parses every golden capture of Samples/ and prints its records.
samples: release
	@for f in $$(find Samples -name '*.smdr' | sort); do \
	  tz=$$(sed -n 's/^# Timezone: //p' "$$f" | head -1); year=$$(sed -n 's/^# Year: //p' "$$f" | head -1); \
	  echo "== $$f" >&2; .build/release/smdr-agent parse --timezone "$${tz:-UTC}" $${year:+--year $$year} "$$f"; \
	done

# Fault soak, not part of `make test` (run it before resolving): 100,000 records through a pty and
# TCP with 50 hang-ups, 50 SIGKILLs, a full disk for 30 s (a tmpfs, as root), a store reader, noise
# and 500 slow API clients; prints lost, duplicated and quarantined, and fails unless lost = duplicated = 0.
soak: release
	$(SWIFT) build -c release --product smdr-soak
	.build/release/smdr-soak --agent .build/release/smdr-agent

formats: build
	.build/debug/smdr-agent formats

clean:
	rm -rf .build
