#!/usr/bin/env bash
# run.sh [FLAGS...] — what `make run` runs: the local server (cmd/local),
# built first and then run as this process, so Ctrl-C or a kill reaches it
# and it takes DynamoDB Local and moto_server down with it. It finds DynamoDB
# Local's command in .tools/env.sh (scripts/tools.sh writes it). FLAGS go to
# the server: -data DIR keeps the table across restarts, -addr, -moto,
# -dynamodb; `build/local -h` lists them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[[ -f .tools/env.sh ]] || { echo "run: .tools/env.sh missing; run scripts/tools.sh first" >&2; exit 1; }
# shellcheck source=/dev/null
. .tools/env.sh
ROSTER_DDBLOCAL_ARGV=$(printf '%s\n' "${ROSTER_DDBLOCAL_CMD[@]}")
export ROSTER_DDBLOCAL_ARGV
mkdir -p build
go build -o build/local ./cmd/local
exec build/local "$@"
