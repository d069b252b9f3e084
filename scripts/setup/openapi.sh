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

_vanthu_openapi_setup() {
	local dir="${VANTHU_TEST_TMP:-/tmp/vanthu-test}/redocly"
	local bin="$dir/node_modules/.bin/redocly"
	if ! command -v npm >/dev/null 2>&1; then
		echo "openapi setup: installing nodejs and npm" >&2
		local sudo=""
		if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
		$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || return 1
		$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			nodejs npm >/dev/null || return 1
	fi
	if [ ! -x "$bin" ] || [ "$("$bin" --version 2>/dev/null)" != "$vanthu_redocly_version" ]; then
		echo "openapi setup: installing @redocly/cli@$vanthu_redocly_version" >&2
		mkdir -p "$dir"
		# A failed fetch is tried again after a pause rather than failing the
		# whole suite.
		# --prefix also moves npm's global config to $dir/etc/npmrc, so a
		# machine's CA file set there (a network with its own TLS egress CA)
		# would be lost: it is read first and passed on.
		local try cafile
		local -a ca=()
		cafile="$(npm config get cafile 2>/dev/null || true)"
		if [ -n "$cafile" ] && [ "$cafile" != null ] && [ -r "$cafile" ]; then ca=(--cafile "$cafile"); fi
		for try in 1 2 3 4; do
			if npm install --prefix "$dir" "${ca[@]}" --no-audit --no-fund --loglevel=error \
				"@redocly/cli@$vanthu_redocly_version" >/dev/null; then
				break
			fi
			if [ "$try" = 4 ]; then return 1; fi
			echo "openapi setup: npm install failed (try $try of 4); again in 20 s" >&2
			sleep 20
		done
	fi
	VANTHU_REDOCLY="$bin"
	export VANTHU_REDOCLY
	return 0
}

_vanthu_openapi_setup || { echo "openapi setup: FAILED" >&2; return 1 2>/dev/null || exit 1; }
unset -f _vanthu_openapi_setup
