# shellcheck shell=bash
# scripts/lib/npm.sh — sourced by scripts/setup/openapi.sh and web.sh.
#
# vanthu_npm_install LABEL DIR PACKAGE@VERSION installs the package with
# npm under DIR (node_modules/ there; nothing global), installing
# Debian's nodejs and npm first when npm is missing. LABEL names the
# setup in its messages. --prefix also moves npm's global config to
# DIR/etc/npmrc, so a machine's CA file set there (a network with its own
# TLS egress CA) would be lost: it is read first and passed on. A failed
# fetch is tried again after a pause rather than failing the whole suite.
vanthu_npm_install() {
	local label="$1" dir="$2" pkg="$3"
	if ! command -v npm >/dev/null 2>&1; then
		echo "$label setup: installing nodejs and npm" >&2
		local sudo=""
		if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
		$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || return 1
		$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			nodejs npm >/dev/null || return 1
	fi
	echo "$label setup: installing $pkg" >&2
	mkdir -p "$dir"
	local try cafile
	local -a ca=()
	cafile="$(npm config get cafile 2>/dev/null || true)"
	if [ -n "$cafile" ] && [ "$cafile" != null ] && [ -r "$cafile" ]; then ca=(--cafile "$cafile"); fi
	for try in 1 2 3 4; do
		if npm install --prefix "$dir" "${ca[@]}" --no-audit --no-fund --loglevel=error "$pkg" >/dev/null; then
			return 0
		fi
		if [ "$try" = 4 ]; then return 1; fi
		echo "$label setup: npm install failed (try $try of 4); again in 20 s" >&2
		sleep 20
	done
}
