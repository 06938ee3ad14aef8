# corscookie: make run starts the demo, make test runs every test.

GO      ?= go
BIN     := bin/corscookie
NPM_WEB := static/node_modules/.ci-stamp
NPM_E2E := tests/e2e/node_modules/.ci-stamp
FUZZTIME ?= 5m

.PHONY: run build web test test-go test-web test-e2e fuzz clean

## run: build the client and the binary, then start the API and the page;
## flags go in ARGS, e.g. make run ARGS='-samesite strict'
run: build
	./$(BIN) $(ARGS)

## build: the release binary, with the built client embedded
build: web
	$(GO) build -o $(BIN) .

## web: install the client's npm packages from the lockfile and build it into static/dist
web: $(NPM_WEB)
	cd static && npm run build

$(NPM_WEB): static/package-lock.json
	cd static && npm ci --no-audit --no-fund
	touch $@

$(NPM_E2E): tests/e2e/package-lock.json
	cd tests/e2e && npm ci --no-audit --no-fund
	touch $@

## test: every test: Go (unit, integration, short fuzz seeds), Vue components, browsers
test: test-go test-web test-e2e

test-go: build
	$(GO) vet ./...
	CORSCOOKIE_BIN=$(CURDIR)/$(BIN) $(GO) test -race -count=1 ./...

test-web: $(NPM_WEB)
	cd static && npm test

test-e2e: build $(NPM_E2E)
	cd tests/e2e && CORSCOOKIE_BIN=$(CURDIR)/$(BIN) node --test --test-concurrency=1

## fuzz: run each fuzz target for FUZZTIME (default 5m)
fuzz:
	$(GO) test ./session -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME)
	$(GO) test . -run '^$$' -fuzz '^FuzzRouter$$' -fuzztime $(FUZZTIME)

clean:
	rm -rf bin static/dist/assets static/dist/index.html

## bench: load corscookie and a plain net/http baseline with wrk (installed when missing)
## on loopback ports; e.g. make bench DURATION=5s CONNS=256 SCENARIOS=verify
DURATION  ?= 10s
CONNS     ?= 64
SCENARIOS ?= verify,preflight,set
PIN       ?= true
.PHONY: bench
bench: build
	command -v wrk >/dev/null || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	$(GO) build -o bin/baseline ./bench/baseline
	$(GO) run ./bench/load -bin $(BIN) -baseline bin/baseline -duration $(DURATION) \
		-conns $(CONNS) -scenarios $(SCENARIOS) -pin=$(PIN)
