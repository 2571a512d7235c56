#!/usr/bin/env bash
# netns-run.sh COMMAND [ARGS...] — run COMMAND in a private network namespace
# with DynamoDB Local and moto_server listening on its loopback.
#
# DynamoDB Local has no bind option and listens on every interface; inside a
# namespace of its own, the only interface is lo, so nothing outside can reach
# it and its ports cannot clash with anything on the host. The namespace also
# has its own PID space, so the emulators die with it however it ends.
#
# COMMAND sees:
#   ROSTER_DDBLOCAL_ENDPOINT=http://127.0.0.1:8000
#   ROSTER_MOTO_ENDPOINT=http://127.0.0.1:5000
#   ROSTER_REQUIRE_EMULATORS=1
#   GOPROXY=off GOTOOLCHAIN=local, and dummy AWS credentials
# and its exit status is the script's. Emulator logs: .tools/logs/.
#
# Environment:
#   ROSTER_EMULATOR_TIMEOUT   seconds to wait for the emulators (default 120)
#
# Run scripts/tools.sh first (test.sh does).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD

die() { printf 'netns-run: error: %s\n' "$*" >&2; exit 1; }

(($#)) || die "usage: scripts/netns-run.sh COMMAND [ARGS...]"
[[ -f .tools/env.sh ]] || die ".tools/env.sh missing; run scripts/tools.sh first"

# --- enter the namespace ------------------------------------------------------

if [[ ${ROSTER_IN_NETNS:-} != 1 ]]; then
	command -v unshare >/dev/null 2>&1 || die "unshare not found (util-linux)"
	# Root gets a plain network namespace; anyone else, or root in a container
	# without CAP_SYS_ADMIN, needs a user namespace to be allowed one. A PID
	# namespace is added when possible: if this script is killed, the kernel
	# kills the emulators with it.
	for flags in "--net --pid --fork --kill-child" "--net" \
		"--map-root-user --net --pid --fork --kill-child" "--map-root-user --net"; do
		# shellcheck disable=SC2086
		if unshare $flags true 2>/dev/null; then
			# shellcheck disable=SC2086
			ROSTER_IN_NETNS=1 exec unshare $flags -- "$0" "$@"
		fi
	done
	die "cannot create a network namespace with unshare (needs root, or unprivileged user namespaces)"
fi

command -v ip >/dev/null 2>&1 || die "ip not found (iproute2)"
ip link set lo up || die "cannot bring up lo in the namespace"
others=$(ip -o link show | awk -F': ' '$2 != "lo" {print $2}')
[[ -z $others ]] || die "not a private network namespace (interfaces: $others); refusing to start DynamoDB Local"

# --- start the emulators ------------------------------------------------------

# shellcheck source=/dev/null
. .tools/env.sh

ddb_port=8000
moto_port=5000
logs=$root/.tools/logs
mkdir -p "$logs"
timeout_s=${ROSTER_EMULATOR_TIMEOUT:-120}

pids=()
# shellcheck disable=SC2317 # called from the EXIT trap
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if ((${#pids[@]})); then
		kill "${pids[@]}" 2>/dev/null || true
		# Give them a moment to exit cleanly, then make sure.
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "${pids[@]}" 2>/dev/null || break
			sleep 0.2
		done
		kill -KILL "${pids[@]}" 2>/dev/null || true
		wait "${pids[@]}" 2>/dev/null || true
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# DynamoDB Local: in memory; one database for every credential and region so
# tests need not agree on them; no telemetry (there is no network anyway).
# Started from the log folder so stray files land there.
(cd "$logs" && exec "${ROSTER_DDBLOCAL_CMD[@]}" -inMemory -sharedDb -disableTelemetry -port "$ddb_port") \
	>"$logs/dynamodb-local.log" 2>&1 </dev/null &
ddb_pid=$!
pids+=("$ddb_pid")
"$ROSTER_MOTO_SERVER" -H 127.0.0.1 -p "$moto_port" >"$logs/moto.log" 2>&1 </dev/null &
moto_pid=$!
pids+=("$moto_pid")

# answers PORT — true when an HTTP server on 127.0.0.1:PORT sends back a
# status line. Plain bash, so it needs no curl.
answers() {
	# shellcheck disable=SC2016 # expanded by the inner bash
	timeout 3 bash -c '
		exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
		printf "GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" >&3
		IFS= read -r line <&3 && [[ $line == HTTP/* ]]' _ "$1" 2>/dev/null
}

fail_start() {
	printf 'netns-run: error: %s\n' "$1" >&2
	local f
	for f in "$logs/dynamodb-local.log" "$logs/moto.log"; do
		printf -- '--- %s (last 50 lines) ---\n' "$f" >&2
		tail -n 50 "$f" >&2 || true
	done
	exit 1
}

start=$(date +%s%N)
ddb_up='' moto_up=''
while [[ -z $ddb_up || -z $moto_up ]]; do
	now=$(date +%s%N)
	elapsed_ms=$(((now - start) / 1000000))
	if [[ -z $ddb_up ]]; then
		kill -0 "$ddb_pid" 2>/dev/null || fail_start "DynamoDB Local exited during start-up"
		answers "$ddb_port" && ddb_up=$elapsed_ms
	fi
	if [[ -z $moto_up ]]; then
		kill -0 "$moto_pid" 2>/dev/null || fail_start "moto_server exited during start-up"
		answers "$moto_port" && moto_up=$elapsed_ms
	fi
	((elapsed_ms < timeout_s * 1000)) ||
		fail_start "emulators not answering after ${timeout_s}s (dynamodb-local: ${ddb_up:+up after ${ddb_up}ms}${ddb_up:-no answer}, moto: ${moto_up:+up after ${moto_up}ms}${moto_up:-no answer})"
	[[ -n $ddb_up && -n $moto_up ]] || sleep 0.2
done
printf 'netns-run: dynamodb-local on :%s after %d.%01ds, moto on :%s after %d.%01ds\n' \
	"$ddb_port" $((ddb_up / 1000)) $((ddb_up % 1000 / 100)) "$moto_port" $((moto_up / 1000)) $((moto_up % 1000 / 100)) >&2

# --- run ----------------------------------------------------------------------

export ROSTER_DDBLOCAL_ENDPOINT=http://127.0.0.1:$ddb_port
export ROSTER_MOTO_ENDPOINT=http://127.0.0.1:$moto_port
# How to start another DynamoDB Local (one argument a line), for tests of
# the local server's own isolated instance.
ROSTER_DDBLOCAL_ARGV=$(printf '%s\n' "${ROSTER_DDBLOCAL_CMD[@]}")
export ROSTER_DDBLOCAL_ARGV
export ROSTER_REQUIRE_EMULATORS=1
# Everything must already be on disk: fail fast rather than try the network.
export GOPROXY=off GOTOOLCHAIN=local
# Keep any SDK client that does not use emulator.AWSConfig away from real
# credentials and the instance metadata service.
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_ACCESS_KEY_ID=rostertest AWS_SECRET_ACCESS_KEY=rostertestsecret
export AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
unset AWS_SESSION_TOKEN AWS_PROFILE

set +e
"$@"
rc=$?
set -e
exit "$rc"
