# Roster. `make` lists the targets.
#
# Every function is built the same way from functions/<dir>; a new function
# needs one entry in FUNCTIONS (LogicalId:dir, the LogicalId as in
# template.yaml) and nothing else here.

FUNCTIONS := AccessUsersFunction:accessusers AccountFunction:account AuthorizerFunction:authorizer EventsFunction:events IdentityFunction:identity MailerFunction:mailer ProvisioningFunction:provisioning UserInfoFunction:userinfo UsersFunction:users WebhooksFunction:webhooks

GO ?= go
BUILD_DIR := build
HOST_DIR := $(BUILD_DIR)/host

# Lambda's provided.al2023 on Graviton: a static, stripped linux/arm64 binary
# named bootstrap. lambda.norpc drops the RPC mode provided runtimes never use.
LAMBDA_ENV := GOOS=linux GOARCH=arm64 CGO_ENABLED=0
GO_BUILD := $(GO) build -tags lambda.norpc -trimpath -ldflags='-s -w' -buildvcs=false

# The invoker and the benchmarks run bootstraps on this machine, so they get
# the same build for the host's own OS and architecture.
HOST_GOOS := $(shell $(GO) env GOOS)
HOST_GOARCH := $(shell $(GO) env GOARCH)
HOST_ENV := GOOS=$(HOST_GOOS) GOARCH=$(HOST_GOARCH) CGO_ENABLED=0

FUNCTION_IDS := $(foreach f,$(FUNCTIONS),$(firstword $(subst :, ,$(f))))
BOOTSTRAPS := $(FUNCTION_IDS:%=$(BUILD_DIR)/%/bootstrap)
HOST_BOOTSTRAPS := $(FUNCTION_IDS:%=$(HOST_DIR)/%/bootstrap)
# function_dir LogicalId -> the folder under functions/
function_dir = $(word 2,$(subst :, ,$(filter $(1):%,$(FUNCTIONS))))

# `make invoke` and `make bench` settings.
FN ?=
EVENT ?=
INVOKE_FLAGS ?=
BENCH_FLAGS ?=
BENCH_PATTERN ?= .

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@echo 'Usage: make TARGET'
	@echo
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_%-]+:.*## / {printf "  %-16s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo
	@echo 'Functions (LogicalId:dir): $(FUNCTIONS)'
	@echo 'SAM builds each one with `make build-<LogicalId>` (ARTIFACTS_DIR set).'

.PHONY: tools
tools: ## Install or check the emulators and linters, download Go modules
	./scripts/tools.sh

.PHONY: build
build: $(BOOTSTRAPS) ## Build every function for Lambda into build/<LogicalId>/bootstrap

.PHONY: build-host
build-host: $(HOST_BOOTSTRAPS) ## Build every function for this machine into build/host/<LogicalId>/bootstrap

# The bootstraps are always rebuilt: go build decides what changed, from its
# cache, faster and more reliably than a list of prerequisites could.
.PHONY: $(BOOTSTRAPS) $(HOST_BOOTSTRAPS)

# function_rules LogicalId: the rules SAM and the targets above use.
define function_rules
.PHONY: build-$(1)
build-$(1):
	@test -n "$$(ARTIFACTS_DIR)" || { echo 'build-$(1): ARTIFACTS_DIR is not set (sam build sets it; use `make build` otherwise)' >&2; exit 1; }
	$(LAMBDA_ENV) $(GO_BUILD) -o "$$(ARTIFACTS_DIR)/bootstrap" ./functions/$(call function_dir,$(1))

$(BUILD_DIR)/$(1)/bootstrap:
	$(LAMBDA_ENV) $(GO_BUILD) -o $$@ ./functions/$(call function_dir,$(1))

$(HOST_DIR)/$(1)/bootstrap:
	$(HOST_ENV) $(GO_BUILD) -o $$@ ./functions/$(call function_dir,$(1))
endef
$(foreach id,$(FUNCTION_IDS),$(eval $(call function_rules,$(id))))

# `make run RUN_FLAGS=-data=.roster/data` keeps the table across restarts.
RUN_FLAGS ?=

.PHONY: run
run: tools ## Run the whole API on http://127.0.0.1:3000, table in an isolated DynamoDB Local; reference at /docs/
	./scripts/run.sh $(RUN_FLAGS)

.PHONY: send-event
send-event: ## Send a provisioning event to the queue `make run` consumes: make send-event EVENT=events/provisioning-user-upsert.json
	@test -n "$(EVENT)" || { echo 'send-event: set EVENT to a file in events/' >&2; exit 1; }
	./scripts/send-event.sh $(EVENT)

.PHONY: invoke
invoke: ## Run a function's bootstrap on an event: make invoke FN=UserInfoFunction EVENT=events/x.json
	@test -n "$(FN)" || { echo 'invoke: set FN to a function: $(FUNCTION_IDS)' >&2; exit 1; }
	@test -n "$(call function_dir,$(FN))" || { echo 'invoke: unknown function $(FN); known: $(FUNCTION_IDS)' >&2; exit 1; }
	@./scripts/tools.sh
	@$(MAKE) --no-print-directory $(HOST_DIR)/$(FN)/bootstrap
	$(GO) run ./cmd/invoke -fn $(FN) -bootstrap $(HOST_DIR)/$(FN)/bootstrap $(addprefix -event ,$(EVENT)) $(INVOKE_FLAGS)

.PHONY: test
test: ## Lint, then run every test next to DynamoDB Local and moto_server, then schemathesis
	./scripts/test.sh

.PHONY: contract
contract: ## Run schemathesis alone against the local server: no server error, undocumented status or schema break
	./scripts/schemathesis.sh

.PHONY: lint
lint: ## gofmt, go vet, cfn-lint
	./scripts/lint.sh

# The password hash is timed again at one core: Lambda gives a function
# below 1,769 MB of memory one vCPU, so that is what each login pays.
.PHONY: bench
bench: tools build build-host ## Measure the budgets: bootstrap and zip sizes, start-up time, init and first request against the local backend, Go benchmarks
	$(GO) run ./cmd/bench -build $(BUILD_DIR) -host $(HOST_DIR) $(BENCH_FLAGS)
	./scripts/netns-run.sh $(GO) test -run '^$$' -bench '$(BENCH_PATTERN)' -benchmem ./...
	$(GO) test -run '^$$' -bench '^BenchmarkHash$$' -cpu 1 ./shared/password/
	./scripts/netns-run.sh $(GO) test -run '^$$' -bench '^BenchmarkProvisioning$$' -benchtime 20x ./shared/provision/
	ROSTER_SEARCH_BENCH_SIZES=100,10000,100000 ./scripts/netns-run.sh $(GO) test -run '^$$' -bench '^BenchmarkSearchTenantSizes$$' -benchtime 50x -timeout 60m ./shared/store/
	ROSTER_TOOLS_READY=1 ./scripts/soak.sh $(SOAK_FLAGS)

# `make soak` settings: extra flags for cmd/load (`go run ./cmd/load -h`);
# ROSTER_SOAK_DURATION and ROSTER_SOAK_CLIENTS set the length and the
# client counts (default 5m at 8, then 32).
SOAK_FLAGS ?=

.PHONY: soak
soak: tools ## Load the local server at 8 then 32 clients for minutes each; fail on any 5xx or growing memory
	ROSTER_TOOLS_READY=1 ./scripts/soak.sh $(SOAK_FLAGS)

.PHONY: clean
clean: ## Remove build output
	rm -rf $(BUILD_DIR) .aws-sam
