# corscookie: make run starts the demo, make test runs every test.

GO      ?= go
BIN     := bin/corscookie
NPM_WEB := static/node_modules/.ci-stamp
NPM_E2E := tests/e2e/node_modules/.ci-stamp
FUZZTIME ?= 5m

.PHONY: run build web test test-go test-web test-e2e fuzz clean

## run: build the client and the binary, then start the API and the page
run: build
	./$(BIN)

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
	$(GO) test -race -count=1 ./...

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
