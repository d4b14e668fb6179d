# Duplex: the project's front door. `make test` is what CI runs (.ci/run).
#
#   make test          vet + gofmt check + go test -race + interop suite
#   make test-interop  official Node clients against bin/testserver
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
.PHONY: test vet fmt fmt-check go-test test-interop build-testserver deps clean

test: vet fmt-check go-test test-interop

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

go-test:
	$(GO) test -race -count=1 ./...

# build, run: the server binary (cmd/duplex) gets its targets here once it exists.

build-testserver:
	$(GO) build -o bin/testserver ./internal/testserver

# npm ci only when node_modules is missing or older than the lockfile.
deps: node_modules/.package-lock.json

node_modules/.package-lock.json: package-lock.json package.json
	$(NPM) ci --no-audit --no-fund
	@touch $@

test-interop: deps $(if $(filter $(DEFAULT_TESTSERVER),$(TESTSERVER_BIN)),build-testserver)
	$(NODE) --test --test-concurrency=$(INTEROP_CONCURRENCY) test/interop/*.test.mjs

clean:
	rm -rf bin node_modules coverage test-results
	rm -f coverage.out coverage.html *.coverprofile
