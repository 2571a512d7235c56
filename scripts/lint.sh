#!/usr/bin/env bash
# lint.sh — gofmt, go vet, and cfn-lint on template.yaml when it exists.
# Runs every check and fails if any of them failed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# test.sh has just run tools.sh; don't pay for it twice.
[[ ${ROSTER_TOOLS_READY:-} == 1 ]] || ./scripts/tools.sh
# shellcheck source=/dev/null
. .tools/env.sh
export GOTOOLCHAIN=local

status=0

echo "lint: gofmt" >&2
mapfile -t gofiles < <(find . \( -path ./.git -o -path ./.tools -o -path ./.aws-sam -o -path ./build -o -name testdata -o -name vendor \) -prune -o -name '*.go' -type f -print | sort)
if ((${#gofiles[@]})); then
	if ! unformatted=$(gofmt -l "${gofiles[@]}"); then
		status=1
	fi
	if [[ -n $unformatted ]]; then
		printf 'lint: not gofmt-formatted (run gofmt -w):\n%s\n' "$unformatted" >&2
		status=1
	fi
fi

echo "lint: go vet ./..." >&2
go vet ./... || status=1

if [[ -f template.yaml ]]; then
	echo "lint: cfn-lint template.yaml" >&2
	"$ROSTER_CFN_LINT" template.yaml || status=1
fi

((status == 0)) || echo "lint: FAILED" >&2
exit "$status"
