# Duplex: the project's front door. `make test` is what CI runs (.ci/run).
#
#   make run           build bin/duplex and serve the chat on http://localhost:3000
#   make build         bin/duplex, with the web app and socket.io client bundle embedded
#   make test          vet + gofmt check + staticcheck + govulncheck + go test
#                      -race + interop suite + e2e
#   make lint          staticcheck and govulncheck (pinned, offline vuln DB)
#   make services      the redis-server and nats-server binaries the cluster
#                      tests start (each test binary its own, on a free port)
#   make test-interop  official Node clients against bin/testserver
#   make test-e2e      chat protocol bot test + headless Chromium against bin/duplex
#   make bench         benchmark suite: Duplex vs socket.io on Node and vs
#                      zishang520/socket.io in Go (bench/run.sh, ~45 min;
#                      ROUNDS=1 DURATION=3s for a quick one) + Go micro-benchmarks
#   make bench-micro   only the Go micro-benchmarks (codecs, broadcast, adapter)
#   make bench-cluster broadcast on a 2-node Redis cluster vs one node
#                      (bench/run-cluster.sh, on a Redis of its own, ~2 min)
#   make fmt           gofmt -w every Go file
#   make clean         remove build and test outputs
#
# Interop against another server binary (skips building bin/testserver):
#   make test-interop TESTSERVER_BIN=/path/to/server

GO   ?= go
NODE ?= node
NPM  ?= npm

DEFAULT_TESTSERVER := $(CURDIR)/bin/testserver
TESTSERVER_BIN     ?= $(DEFAULT_TESTSERVER)
export TESTSERVER_BIN

# Test files run one at a time: each spawns its own server, and the fixture's
# 300 ms heartbeat is kinder to a 2-core machine that is not oversubscribed.
INTEROP_CONCURRENCY ?= 1

# Every Go file of the module, not the ones npm put in node_modules.
GO_FILES = $(shell find . \( -path ./node_modules -o -path ./.git -o -path ./bin \) -prune -o -name '*.go' -print)

.DEFAULT_GOAL := test
.PHONY: bench bench-micro bench-cluster test vet fmt fmt-check go-test test-interop build-testserver deps clean build run client-bundle test-e2e chromium python-client services lint staticcheck vulncheck

test: vet fmt-check lint go-test test-interop test-e2e

# The toolchain that go.mod names (its `toolchain` line), fetched once from
# the Go module proxy when the installed go is older: govulncheck judges the
# standard library of the go that builds, so the build and the scan must use
# the same one. GOTOOLCHAIN=local in the environment keeps the installed go.
export GOTOOLCHAIN ?= auto

# apt-install PACKAGES,WHO: make never runs sudo. As root (CI, containers) it
# installs the Debian packages, as .ci/run does; otherwise it says what to
# install and stops.
define apt-install
	@if [ "$$(id -u)" = 0 ]; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $(1); \
	else \
		echo "make: $(2) need the Debian packages: $(1)" >&2; \
		echo "  install them as root (apt-get install -y $(1)), or run make as root" >&2; \
		exit 1; \
	fi
endef

vet:
	$(GO) vet ./...

fmt:
	@files="$(GO_FILES)"; [ -z "$$files" ] || gofmt -w $$files

fmt-check:
	@files="$(GO_FILES)"; [ -z "$$files" ] && exit 0; \
	unformatted=$$(gofmt -l $$files); \
	if [ -n "$$unformatted" ]; then \
		echo "gofmt: these files need formatting (run make fmt):"; echo "$$unformatted"; exit 1; \
	fi

# deps: the client tests run the official Node server (npm "socket.io"), the
# cluster tests (test/cluster) Node nodes with @socket.io/redis-adapter.
# services: the Redis and NATS tests start their own servers on free ports
# (internal/testservice); none uses a service of the machine. chromium: the
# webtransport tests (test/webtransport) run the browser client in it.
go-test: deps services chromium client-bundle
	$(GO) test -race -count=1 ./...

# The binaries internal/testservice runs, and nginx; redis-server brings
# redis-cli (redis-tools), which bench/run-cluster.sh uses.
services: /usr/bin/redis-server /usr/sbin/nats-server /usr/sbin/nginx

/usr/bin/redis-server:
	$(call apt-install,redis-server,the Redis tests)

/usr/sbin/nats-server:
	$(call apt-install,nats-server,the NATS tests)

# nginx: the load balancer the no-sticky-sessions tests start on a free port
# (test/cluster balancer tests, test/e2e), never the machine's own.
/usr/sbin/nginx:
	$(call apt-install,nginx,the load-balancer tests)

# Static checks, pinned, installed by `go install` from the Go module proxy
# into bin/tools/<tool>@<version>/. Both fail on any finding.
STATICCHECK_VERSION = v0.8.2
GOVULNCHECK_VERSION = v1.9.0
# govulncheck's database: vuln.go.dev is not reachable from every machine
# that runs `make test` (CI here reaches only the Go proxy, npm and Debian),
# so the DB is pinned. golang.org/x/vulndb, served by the Go proxy, holds
# every report as OSV JSON (data/osv); its own cmd/indexdb writes them in
# the v1 layout that `govulncheck -db file://` reads. Bump the pseudo-version
# (go list -m golang.org/x/vulndb@master) to take newer reports.
VULNDB_VERSION = v0.0.0-20261105234957-e22db6528018
TOOLS        := $(CURDIR)/bin/tools
STATICCHECK  := $(TOOLS)/staticcheck@$(STATICCHECK_VERSION)/staticcheck
GOVULNCHECK  := $(TOOLS)/govulncheck@$(GOVULNCHECK_VERSION)/govulncheck
INDEXDB      := $(TOOLS)/indexdb@$(VULNDB_VERSION)/indexdb
VULNDB       := $(CURDIR)/bin/vulndb@$(VULNDB_VERSION)

lint: staticcheck vulncheck

staticcheck: $(STATICCHECK)
	$(STATICCHECK) ./...

vulncheck: $(GOVULNCHECK) $(VULNDB)/index/db.json
	$(GOVULNCHECK) -db file://$(VULNDB) ./...

$(STATICCHECK):
	GOBIN=$(@D) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

$(GOVULNCHECK):
	GOBIN=$(@D) $(GO) install golang.org/x/vuln/cmd/govulncheck@$(GOVULNCHECK_VERSION)

$(INDEXDB):
	GOBIN=$(@D) $(GO) install golang.org/x/vulndb/cmd/indexdb@$(VULNDB_VERSION)

$(VULNDB)/index/db.json: $(INDEXDB)
	@rm -rf $(VULNDB)
	src=$$($(GO) mod download -json golang.org/x/vulndb@$(VULNDB_VERSION) | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$$/\1/p') && \
		test -d "$$src/data/osv" && $(INDEXDB) -vulns "$$src/data/osv" -out $(VULNDB)

# Native Go fuzzing, FUZZTIME per target (the seed corpora run in go-test
# anyway). A crasher is written to the package's testdata/fuzz and fails.
FUZZTIME ?= 15s
FUZZ_TARGETS = ./engineio:FuzzServeHTTP \
	./engineio/packet:FuzzDecode ./engineio/packet:FuzzDecodePayload ./engineio/packet:FuzzStreamReader \
	./parser:FuzzDecodeText ./parser:FuzzRoundTrip ./parser:FuzzPlaceholders ./parser:FuzzDecoderStream ./parser:FuzzSplitArray \
	./socketio:FuzzServerPayload ./internal/typedfunc:FuzzArgsDecode ./internal/typedfunc:FuzzScalarDecode \
	./adapter/natsadapter:FuzzDecode ./parser/msgpackparser:FuzzDecode

.PHONY: fuzz
fuzz:
	FUZZTIME=$(FUZZTIME) GO=$(GO) scripts/fuzz.sh $(FUZZ_TARGETS)

# The socket.io-client browser bundle comes from the npm package pinned by
# package-lock.json; go build embeds cmd/duplex/internal/web/vendor (gitignored but for its README).
CLIENT_DIST := node_modules/socket.io-client/dist

build: client-bundle
	$(GO) build -o bin/duplex ./cmd/duplex

client-bundle: cmd/duplex/internal/web/vendor/socket.io.min.js cmd/duplex/internal/web/vendor/admin-ui/index.html

cmd/duplex/internal/web/vendor/socket.io.min.js: node_modules/.package-lock.json
	cp $(CLIENT_DIST)/socket.io.min.js $(CLIENT_DIST)/socket.io.min.js.map cmd/duplex/internal/web/vendor/
	cp $(CLIENT_DIST)/socket.io.msgpack.min.js $(CLIENT_DIST)/socket.io.msgpack.min.js.map cmd/duplex/internal/web/vendor/

# The official admin UI (@socket.io/admin-ui's ui/dist, pinned by
# package-lock.json), served by `duplex --admin` at /admin/; its source maps
# (3.4 MB) stay out of the binary. Its page loads its icon font from a CDN:
# we serve @mdi/font's (pinned too) instead, so that it works offline.
ADMIN_UI_DIST := node_modules/@socket.io/admin-ui/ui/dist
MDI_FONT      := node_modules/@mdi/font

cmd/duplex/internal/web/vendor/admin-ui/index.html: node_modules/.package-lock.json
	rm -rf cmd/duplex/internal/web/vendor/admin-ui
	cp -r $(ADMIN_UI_DIST) cmd/duplex/internal/web/vendor/admin-ui
	rm -f cmd/duplex/internal/web/vendor/admin-ui/js/*.map
	mkdir -p cmd/duplex/internal/web/vendor/admin-ui/mdi/css cmd/duplex/internal/web/vendor/admin-ui/mdi/fonts
	cp $(MDI_FONT)/css/materialdesignicons.min.css cmd/duplex/internal/web/vendor/admin-ui/mdi/css/
	cp $(MDI_FONT)/fonts/materialdesignicons-webfont.woff2 $(MDI_FONT)/fonts/materialdesignicons-webfont.woff cmd/duplex/internal/web/vendor/admin-ui/mdi/fonts/

# make run ARGS='--addr 127.0.0.1:8080 --log-level debug'
run: build
	./bin/duplex $(ARGS)

# Debian's chromium for the e2e tests (playwright-core drives it; no browser
# is ever downloaded). Installed here so that `make test` sets up everything.
chromium: /usr/bin/chromium

/usr/bin/chromium:
	$(call apt-install,chromium,the e2e tests)

# Debian's python3-socketio: a client in another language for the interop
# suite (test/interop/otherclients.test.mjs), installed like chromium.
python-client: /usr/lib/python3/dist-packages/socketio

/usr/lib/python3/dist-packages/socketio:
	$(call apt-install,python3-socketio python3-websocket python3-requests,the interop tests)

# One file at a time: each starts its own bin/duplex, the e2e files a
# Chromium (and the cluster one its own redis-server and nginx).
test-e2e: build chromium services
	$(NODE) --test --test-concurrency=1 test/chat/*.test.mjs test/e2e/*.test.mjs

build-testserver:
	$(GO) build -o bin/testserver ./test/testserver

# npm ci only when node_modules is missing or older than the lockfile.
deps: node_modules/.package-lock.json

node_modules/.package-lock.json: package-lock.json package.json
	$(NPM) ci --no-audit --no-fund
	@touch $@

test-interop: deps python-client $(if $(filter $(DEFAULT_TESTSERVER),$(TESTSERVER_BIN)),build-testserver)
	$(NODE) --test --test-concurrency=$(INTEROP_CONCURRENCY) test/interop/*.test.mjs

clean:
	rm -rf bin node_modules coverage test-results
	rm -f cmd/duplex/internal/web/vendor/socket.io.*
	rm -rf cmd/duplex/internal/web/vendor/admin-ui
	rm -f coverage.out coverage.html *.coverprofile

# The benchmark suite never runs in `make test`. bench/run.sh pins each server
# to one core and the load tool to the other, and builds bench/zishang (its own
# Go module, so the core module does not depend on it); see BENCHMARKS.md.
bench: deps bench-micro
	bench/run.sh

# bench-cluster: fanout on one node vs fanout-cluster on two testserver nodes
# on a Redis the script starts on a free port; never in `make test`.
bench-cluster: services
	bench/run-cluster.sh

BENCH_PKGS = ./parser ./engineio ./socketio ./adapter ./internal/websocket

bench-micro:
	@mkdir -p bench/results/latest
	$(GO) test -run '^$$' -bench . -benchmem -count 1 $(BENCH_PKGS) | tee bench/results/latest/micro.txt
