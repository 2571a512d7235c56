#!/usr/bin/env bash
# soak.sh [LOAD FLAGS...] — the soak of `make soak`: for each client count
# (8, then 32), start a fresh local server exactly as `make run` starts it,
# with the backend it starts itself, drive the full mix of cmd/load at it
# for a few minutes, and print the report: throughput and p50/p99 per
# operation, every 4xx, 5xx and transport error, and the memory of every
# process the server started, at the start, middle and end of the run.
#
# A run fails on any 5xx answer or transport error, on an operation that
# never succeeds, on a server that exits, and on a process whose memory
# keeps growing (the rule is printed with the report). The exit status is
# non-zero when any run failed; every run is made either way. Extra
# arguments go to cmd/load (`go run ./cmd/load -h` lists its flags).
#
# Environment:
#   ROSTER_SOAK_DURATION  how long each run lasts (default 5m)
#   ROSTER_SOAK_CLIENTS   the client counts, in order (default "8 32")
# Output: build/soak/report-<clients>.json (every figure and memory
# sample), build/soak/server-<clients>.log (the server's own log).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

die() { printf 'soak: error: %s\n' "$*" >&2; exit 1; }

duration=${ROSTER_SOAK_DURATION:-5m}
read -r -a counts <<<"${ROSTER_SOAK_CLIENTS:-8 32}"
((${#counts[@]})) || die "ROSTER_SOAK_CLIENTS names no client count"
for c in "${counts[@]}"; do
	[[ $c =~ ^[1-9][0-9]*$ ]] || die "ROSTER_SOAK_CLIENTS: $c is not a client count"
done

[[ ${ROSTER_TOOLS_READY:-} == 1 ]] || ./scripts/tools.sh
# shellcheck source=/dev/null
. .tools/env.sh
# The local server starts moto_server from PATH (cmd/internal/devstack).
PATH=$(dirname "$ROSTER_MOTO_SERVER"):$PATH
# and keeps its table in a DynamoDB Local of its own (cmd/internal/dynamolocal).
ROSTER_DDBLOCAL_ARGV=$(printf '%s\n' "${ROSTER_DDBLOCAL_CMD[@]}")
export ROSTER_DDBLOCAL_ARGV

out=build/soak
mkdir -p "$out"
go build -o "$out/local" ./cmd/local || die "go build ./cmd/local failed"
go build -o "$out/load" ./cmd/load || die "go build ./cmd/load failed"

status=0
for c in "${counts[@]}"; do
	printf 'soak: %s clients for %s against a fresh local server\n' "$c" "$duration" >&2
	# exec: the server itself is the process the generator started, so its
	# memory table lists the server and what it started, not a shell.
	"$out/load" \
		-start "exec $(printf '%q' "$out/local") -addr 127.0.0.1:0 -demo-file $(printf '%q' "$out/demo-$c.json") -redoc $(printf '%q' "$ROSTER_REDOC_BUNDLE")" \
		-demo "$out/demo-$c.json" -start-log "$out/server-$c.log" \
		-clients "$c" -duration "$duration" -json "$out/report-$c.json" "$@" || status=1
done
if ((status == 0)); then
	printf 'soak: every run passed; reports in %s/\n' "$out" >&2
else
	printf 'soak: FAILED; reports and server logs in %s/\n' "$out" >&2
fi
exit "$status"
