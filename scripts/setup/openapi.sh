# shellcheck shell=bash
# scripts/setup/openapi.sh — sourced by scripts/test (and usable by hand:
# `source scripts/setup/openapi.sh`). Idempotent and quiet; safe under
# `set -euo pipefail`.
#
# Installs (only when missing) Redocly CLI, the independent OpenAPI linter
# api's TestOpenAPIRedoclyLint runs on api/openapi.yaml (recommended rules,
# no errors allowed), from the npm registry into $VANTHU_TEST_TMP/redocly,
# and exports:
#   VANTHU_REDOCLY   path of the redocly binary
# Needs Node.js >= 20.19 (Debian's nodejs is installed when node is missing).

vanthu_redocly_version="2.77.0"

source scripts/lib/npm.sh

_vanthu_openapi_setup() {
	local dir="${VANTHU_TEST_TMP:-/tmp/vanthu-test}/redocly"
	local bin="$dir/node_modules/.bin/redocly"
	if [ ! -x "$bin" ] || ! command -v node >/dev/null 2>&1 || [ "$("$bin" --version 2>/dev/null)" != "$vanthu_redocly_version" ]; then
		vanthu_npm_install openapi "$dir" "@redocly/cli@$vanthu_redocly_version" || return 1
	fi
	VANTHU_REDOCLY="$bin"
	export VANTHU_REDOCLY
	return 0
}

_vanthu_openapi_setup || { echo "openapi setup: FAILED" >&2; return 1 2>/dev/null || exit 1; }
unset -f _vanthu_openapi_setup
