# Duplex: the project's front door. `make test` is what CI runs (.ci/run).
#
#   make run           build bin/duplex and serve the chat on http://localhost:3000
#   make build         bin/duplex, with the web app and socket.io client bundle embedded
#   make test          vet + gofmt check + go test -race + interop suite + e2e
#   make test-interop  official Node clients against bin/testserver
#   make test-e2e      chat protocol bot test + headless Chromium against bin/duplex
#   make bench         benchmark suite: Duplex vs socket.io on Node and vs
#                      zishang520/socket.io in Go (bench/run.sh, ~45 min;
#                      ROUNDS=1 DURATION=3s for a quick one) + Go micro-benchmarks
#   make bench-micro   only the Go micro-benchmarks (codecs, broadcast, adapter)
#   make bench-cluster broadcast on a 2-node Redis cluster vs one node
#                      (bench/run-cluster.sh; Redis at $REDIS_URL, ~2 min)
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
.PHONY: bench bench-micro bench-cluster test vet fmt fmt-check go-test test-interop build-testserver deps clean build run client-bundle test-e2e chromium python-client

test: vet fmt-check go-test test-interop test-e2e

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
# cluster tests (test/cluster) Node nodes with @socket.io/redis-adapter, on
# the Redis at $REDIS_URL (default 127.0.0.1:6379).
go-test: deps
	$(GO) test -race -count=1 ./...

# Native Go fuzzing, FUZZTIME per target (the seed corpora run in go-test
# anyway). A crasher is written to the package's testdata/fuzz and fails.
FUZZTIME ?= 15s
FUZZ_TARGETS = ./engineio:FuzzServeHTTP \
	./engineio/packet:FuzzDecode ./engineio/packet:FuzzDecodePayload \
	./parser:FuzzDecodeText ./parser:FuzzRoundTrip ./parser:FuzzPlaceholders ./parser:FuzzDecoderStream ./parser:FuzzSplitArray \
	./socketio:FuzzServerPayload ./internal/typedfunc:FuzzArgsDecode ./internal/typedfunc:FuzzScalarDecode \
	./adapter/nats:FuzzDecode

.PHONY: fuzz
fuzz:
	FUZZTIME=$(FUZZTIME) GO=$(GO) scripts/fuzz.sh $(FUZZ_TARGETS)

# The socket.io-client browser bundle comes from the npm package pinned by
# package-lock.json; go build embeds web/vendor (gitignored but for its README).
CLIENT_DIST := node_modules/socket.io-client/dist

build: client-bundle
	$(GO) build -o bin/duplex ./cmd/duplex

client-bundle: web/vendor/socket.io.min.js

web/vendor/socket.io.min.js: node_modules/.package-lock.json
	cp $(CLIENT_DIST)/socket.io.min.js $(CLIENT_DIST)/socket.io.min.js.map web/vendor/

# make run ARGS='--addr 127.0.0.1:8080 --log-level debug'
run: build
	./bin/duplex $(ARGS)

# Debian's chromium for the e2e tests (playwright-core drives it; no browser
# is ever downloaded). Installed here so that `make test` sets up everything.
chromium: /usr/bin/chromium

/usr/bin/chromium:
	$(if $(filter 0,$(shell id -u)),,sudo) apt-get update
	$(if $(filter 0,$(shell id -u)),,sudo) env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium

# Debian's python3-socketio: a client in another language for the interop
# suite (test/interop/otherclients.test.mjs), installed like chromium.
python-client: /usr/lib/python3/dist-packages/socketio

/usr/lib/python3/dist-packages/socketio:
	$(if $(filter 0,$(shell id -u)),,sudo) apt-get update
	$(if $(filter 0,$(shell id -u)),,sudo) env DEBIAN_FRONTEND=noninteractive apt-get install -y python3-socketio python3-websocket python3-requests

# One file at a time: each starts its own bin/duplex, the e2e file a Chromium.
test-e2e: build chromium
	$(NODE) --test --test-concurrency=1 test/chat/*.test.mjs test/e2e/*.test.mjs

build-testserver:
	$(GO) build -o bin/testserver ./internal/testserver

# npm ci only when node_modules is missing or older than the lockfile.
deps: node_modules/.package-lock.json

node_modules/.package-lock.json: package-lock.json package.json
	$(NPM) ci --no-audit --no-fund
	@touch $@

test-interop: deps python-client $(if $(filter $(DEFAULT_TESTSERVER),$(TESTSERVER_BIN)),build-testserver)
	$(NODE) --test --test-concurrency=$(INTEROP_CONCURRENCY) test/interop/*.test.mjs

clean:
	rm -rf bin node_modules coverage test-results
	rm -f web/vendor/socket.io.*
	rm -f coverage.out coverage.html *.coverprofile

# The benchmark suite never runs in `make test`. bench/run.sh pins each server
# to one core and the load tool to the other, and builds bench/zishang (its own
# Go module, so the core module does not depend on it); see BENCHMARKS.md.
bench: deps bench-micro
	bench/run.sh

# bench-cluster: fanout on one node vs fanout-cluster on two testserver nodes
# on Redis ($REDIS_URL, default redis://127.0.0.1:6379); never in `make test`.
bench-cluster:
	bench/run-cluster.sh

BENCH_PKGS = ./parser ./engineio ./socketio ./adapter ./internal/websocket

bench-micro:
	@mkdir -p bench/results/latest
	$(GO) test -run '^$$' -bench . -benchmem -count 1 $(BENCH_PKGS) | tee bench/results/latest/micro.txt
