#!/usr/bin/env bash
# schemathesis.sh [SCHEMATHESIS RUN ARGS...] — the outside check of
# openapi.yaml (`make contract`; `make test` runs it after the Go tests):
# schemathesis drives the real local server and fails on any server error,
# any status the operation does not document, and any answer whose content
# type, headers or body break the documented schema. The exit status is 0
# only when every run found nothing.
#
# It runs inside the private network namespace of netns-run.sh (entering one
# when called from outside), builds ./cmd/local once, and for each run starts
# it on a free loopback port with its own moto_server and freshly seeded demo
# tenant, logs the demo owner in for an access token, and gives each security
# scheme its credential through schemathesis.toml.
#
# Some operations spend or destroy the very credentials every other operation
# is tested with (a deleted or demoted owner, a changed password that ends
# the owner's sessions, the single-use auth token and invitation), so:
#   1. every other operation is tested in one run (examples, coverage,
#      fuzzing and stateful phases), with the demo credentials intact
#      throughout;
#   2. then each of those operations (DESTRUCTIVE below) is tested alone,
#      on a server of its own with a freshly seeded tenant, so that neither
#      what it breaks nor what another one broke hides anything (examples,
#      coverage and fuzzing: alone, an operation has no links to follow).
#
# Environment:
#   ROSTER_CONTRACT_TIME      seconds of budget for run 1 (default 75)
#   ROSTER_CONTRACT_OP_TIME   seconds of budget for each run of 2 (default 5)
#   ROSTER_CONTRACT_EXAMPLES  test cases per operation and phase (default 30)
#   ROSTER_CONTRACT_SEED      the random seed (default 1; printed either way)
#   ROSTER_CONTRACT_SPEC      the description to test (default openapi.yaml)
# Output (reports, server logs): build/contract/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD

die() { printf 'contract: error: %s\n' "$*" >&2; exit 1; }
log() { printf 'contract: %s\n' "$*" >&2; }

if [[ ${ROSTER_IN_NETNS:-} != 1 ]]; then
	[[ ${ROSTER_TOOLS_READY:-} == 1 ]] || ./scripts/tools.sh
	exec ./scripts/netns-run.sh "$0" "$@"
fi

# shellcheck source=/dev/null
. .tools/env.sh
[[ -x ${ROSTER_SCHEMATHESIS:-} ]] || die "schemathesis not installed; run scripts/tools.sh"
# The local server starts moto_server from PATH (cmd/internal/devstack).
PATH=$(dirname "$ROSTER_MOTO_SERVER"):$PATH
# and keeps its table in a DynamoDB Local of its own (cmd/internal/dynamolocal).
ROSTER_DDBLOCAL_ARGV=$(printf '%s\n' "${ROSTER_DDBLOCAL_CMD[@]}")
export ROSTER_DDBLOCAL_ARGV
python=$(dirname "$ROSTER_SCHEMATHESIS")/python

budget=${ROSTER_CONTRACT_TIME:-75}
op_budget=${ROSTER_CONTRACT_OP_TIME:-5}
examples=${ROSTER_CONTRACT_EXAMPLES:-30}
seed=${ROSTER_CONTRACT_SEED:-1}
spec=${ROSTER_CONTRACT_SPEC:-openapi.yaml}
[[ $budget =~ ^[0-9]+$ && $budget -ge 1 ]] || die "ROSTER_CONTRACT_TIME must be a whole number of seconds"
[[ $op_budget =~ ^[0-9]+$ && $op_budget -ge 1 ]] || die "ROSTER_CONTRACT_OP_TIME must be a whole number of seconds"
[[ -f $spec ]] || die "$spec not found"

# Operations (schemathesis names them "METHOD /path") that spend or destroy
# the demo credentials: deletions (of the owner, the API key, the device);
# password changes, which revoke the owner's access token; role and status
# changes, which may demote or disable the owner; the auth-token exchange and
# invitation acceptance, which spend single-use tokens.
DESTRUCTIVE='^(DELETE .*'\
'|PUT /tenants/\{tenantUid\}/account'\
'|POST /tenants/\{tenantUid\}/account'\
'|PUT /account/invite'\
'|PUT /tenants/\{tenantUid\}/mfa-policy'\
'|PUT /users/\{userId\}/role'\
'|PUT /\{organizationName\}/\{tenantName\}/identity_/api/User/\{userId\}/password'\
'|POST /api/v1/accessuser/update(UserPassword)?'\
')$'

out=$root/build/contract
mkdir -p "$out"
work=$(mktemp -d)
server_pid=
# shellcheck disable=SC2317 # called from the EXIT trap and stop_server
stop_server() {
	[[ -n $server_pid ]] || return 0
	kill "$server_pid" 2>/dev/null || true
	for _ in $(seq 50); do
		kill -0 "$server_pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$server_pid" 2>/dev/null || true
	wait "$server_pid" 2>/dev/null || true
	server_pid=
}
# shellcheck disable=SC2317
cleanup() {
	local rc=$?
	stop_server
	rm -rf "$work"
	exit "$rc"
}
trap cleanup EXIT

log "building ./cmd/local"
go build -o "$work/local" ./cmd/local || die "go build ./cmd/local failed"

# start_server NAME — start the local server on a free port with a freshly
# seeded backend; sets api and exports the ROSTER_CONTRACT_* credentials.
start_server() {
	local name=$1 demo=$work/demo-$1.json
	"$work/local" -addr 127.0.0.1:0 -demo-file "$demo" -redoc "$ROSTER_REDOC_BUNDLE" \
		>"$out/server-$name.log" 2>&1 </dev/null &
	server_pid=$!
	# The server writes the demo file once it is listening, with the port
	# it was given; then it must answer.
	local creds
	for _ in $(seq 600); do
		kill -0 "$server_pid" 2>/dev/null || { tail -n 30 "$out/server-$name.log" >&2; die "the local server exited during start-up"; }
		if [[ -s $demo ]] && creds=$("$python" - "$demo" 2>"$work/login.err" <<'PY'
# Read the demo file and log the owner in on the demo device: the access
# token is the one credential the server does not seed. Prints shell
# assignments for the credentials.
import json, shlex, sys, urllib.request

demo = json.load(open(sys.argv[1]))
api = demo["apiUrl"]
req = urllib.request.Request(
    api + "/account",
    data=json.dumps({"userCode": demo["owner"]["userCode"], "password": demo["owner"]["password"]}).encode(),
    headers={"Authorization": "Bearer " + demo["deviceToken"], "Content-Type": "application/json"},
    method="POST",
)
with urllib.request.urlopen(req, timeout=10) as res:
    access = json.load(res)["accessToken"]
for name, value in [
    ("api", api),
    ("ROSTER_CONTRACT_ACCESS_TOKEN", access),
    ("ROSTER_CONTRACT_API_KEY", demo["apiKey"]),
    ("ROSTER_CONTRACT_DEVICE_TOKEN", demo["deviceToken"]),
    ("ROSTER_CONTRACT_AUTH_TOKEN", demo["authToken"]),
    ("ROSTER_CONTRACT_INVITE_TOKEN", demo["inviteToken"]),
]:
    print(f"{name}={shlex.quote(value)}")
PY
		); then
			api=
			eval "$creds"
			export ROSTER_CONTRACT_ACCESS_TOKEN ROSTER_CONTRACT_API_KEY ROSTER_CONTRACT_DEVICE_TOKEN \
				ROSTER_CONTRACT_AUTH_TOKEN ROSTER_CONTRACT_INVITE_TOKEN
			log "server $name on $api (log: build/contract/server-$name.log)"
			return 0
		fi
		sleep 0.1
	done
	cat "$work/login.err" >&2 || true
	tail -n 30 "$out/server-$name.log" >&2
	die "the local server did not answer a login within 60s"
}

# run_pass NAME SECONDS PHASES SCHEMATHESIS ARGS... — one schemathesis run
# against a fresh server; returns schemathesis's status.
run_pass() {
	local name=$1 seconds=$2 phases=$3 rc=0
	shift 3
	start_server "$name"
	log "run $name: budget ${seconds}s, up to $examples cases per operation, seed $seed"
	local started=$SECONDS
	"$ROSTER_SCHEMATHESIS" --config-file "$root/schemathesis.toml" --no-color run "$spec" \
		--url "$api" \
		--phases "$phases" \
		--max-time "$seconds" --max-examples "$examples" --seed "$seed" \
		--request-timeout 10 --workers 1 \
		--report junit --report-junit-path "$out/$name.xml" \
		"$@" || rc=$?
	log "run $name: exit $rc after $((SECONDS - started))s"
	stop_server
	return "$rc"
}

mapfile -t destructive < <("$python" - "$spec" "$DESTRUCTIVE" <<'PY'
# The operations of the description that DESTRUCTIVE names.
import re, sys, yaml

doc = yaml.safe_load(open(sys.argv[1]))
pattern = re.compile(sys.argv[2])
for path, item in (doc.get("paths") or {}).items():
    for method in ("get", "put", "post", "delete", "options", "head", "patch", "trace"):
        name = f"{method.upper()} {path}"
        if method in (item or {}) and pattern.search(name):
            print(name)
PY
)

status=0 started=$SECONDS
run_pass all "$budget" examples,coverage,fuzzing,stateful --exclude-name-regex "$DESTRUCTIVE" "$@" || status=1

# The runs of step 2 share nothing, so two go at once, each printing to a
# file that is shown when it is done.
pids=() names=()
collect() {
	local i
	for i in "${!pids[@]}"; do
		wait "${pids[$i]}" || status=1
		cat "$out/${names[$i]}.log"
	done
	pids=() names=()
}
for i in "${!destructive[@]}"; do
	name=destructive-$((i + 1))
	(
		trap stop_server EXIT
		run_pass "$name" "$op_budget" examples,coverage,fuzzing --include-name "${destructive[$i]}" "$@"
	) >"$out/$name.log" 2>&1 &
	pids+=("$!") names+=("$name")
	((${#pids[@]} < 2)) || collect
done
collect

if ((status == 0)); then
	log "no server error, undocumented status or schema break found ($((SECONDS - started))s)"
else
	log "FAILED: see the failures above; reports in build/contract/ ($((SECONDS - started))s)"
fi
exit "$status"
