#!/usr/bin/env bash
# test.sh [GO TEST ARGS...] — what `make test` runs: tools, lint, then
# `go test -count=1 ./...` inside a private network namespace next to
# DynamoDB Local and moto_server (see netns-run.sh). Extra arguments go to
# go test: `scripts/test.sh -run TestStore` or `scripts/test.sh ./shared/store`.
# The exit status is go test's.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

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

exec ./scripts/netns-run.sh go test -count=1 "${pkgs[@]}" "$@"
