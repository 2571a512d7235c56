#!/usr/bin/env bash
# test.sh [GO TEST ARGS...] — what `make test` runs: tools, lint, then
# `go test -count=1 ./...` inside a private network namespace next to
# DynamoDB Local and moto_server (see netns-run.sh), then, in the same
# namespace, schemathesis against the local server (schemathesis.sh). Extra
# arguments go to go test: `scripts/test.sh -run TestStore` or
# `scripts/test.sh ./shared/store`; with any, the schemathesis stage is left
# out. The exit status is non-zero when go test or schemathesis failed.
#
# Environment:
#   ROSTER_CONTRACT=0   leave out the schemathesis stage
# In CI (CI=true) the browser test of the reference page may not skip
# (ROSTER_REQUIRE_BROWSER=1).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Inside the namespace (netns-run.sh runs this script again with --stages):
# the Go tests, then schemathesis even when they failed, so one run reports
# both.
if [[ ${1:-} == --stages ]]; then
	shift
	status=0
	go test -count=1 "$@" || status=1
	if [[ ${ROSTER_CONTRACT:-1} == 1 ]]; then
		./scripts/schemathesis.sh || status=1
	fi
	exit "$status"
fi

./scripts/tools.sh
ROSTER_TOOLS_READY=1 ./scripts/lint.sh

# Test every package unless the arguments name packages themselves. go test
# takes flags after the package list, so ./... can go first.
pkgs=(./...)
for a in "$@"; do
	case $a in
	-args) break ;;
	./* | ../* | roster | roster/*) pkgs=() ;;
	esac
done

# A run narrowed by arguments is about the Go tests alone.
(($# == 0)) || export ROSTER_CONTRACT=0
[[ ${CI:-} != true ]] || export ROSTER_REQUIRE_BROWSER=1
export ROSTER_TOOLS_READY=1
exec ./scripts/netns-run.sh "$0" --stages "${pkgs[@]}" "$@"
