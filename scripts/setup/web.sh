# shellcheck shell=bash
# scripts/setup/web.sh — sourced by scripts/test (and usable by hand:
# `source scripts/setup/web.sh`). Idempotent and quiet; safe under
# `set -euo pipefail`.
#
# Installs (only when missing) Debian's chromium, which the web
# interface's browser tests (TestIntegrationBrowser..., chromedp) drive
# headless, and fonts-croscore (Tinos, for Vietnamese text in the pages'
# screenshots), and axe-core (Deque's accessibility engine, from the npm
# registry into $VANTHU_TEST_TMP/axe-core; never committed), which
# TestIntegrationBrowserAxe injects into every page, and exports:
#   VANTHU_TEST_CHROMIUM   path of the chromium binary
#   VANTHU_TEST_AXE        path of axe-core's axe.min.js
# Needs npm (Debian's nodejs and npm are installed when npm is missing).

vanthu_axe_version="4.14.1"

source scripts/lib/npm.sh

_vanthu_web_setup() {
	local need=()
	command -v chromium >/dev/null 2>&1 || need+=(chromium)
	[ -e /usr/share/fonts/truetype/croscore/Tinos-Regular.ttf ] || need+=(fonts-croscore)
	if ((${#need[@]})); then
		echo "web setup: installing ${need[*]}" >&2
		local sudo=""
		if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
		$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || return 1
		$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			"${need[@]}" >/dev/null || return 1
	fi
	VANTHU_TEST_CHROMIUM="$(command -v chromium)" || return 1
	export VANTHU_TEST_CHROMIUM
	_vanthu_axe_setup || return 1
	return 0
}

# _vanthu_axe_setup installs axe-core $vanthu_axe_version with npm
# (scripts/lib/npm.sh, as openapi.sh installs redocly) and exports
# VANTHU_TEST_AXE.
_vanthu_axe_setup() {
	local dir="${VANTHU_TEST_TMP:-/tmp/vanthu-test}/axe-core"
	local js="$dir/node_modules/axe-core/axe.min.js"
	local pkg="$dir/node_modules/axe-core/package.json"
	if [ ! -r "$js" ] || ! grep -q "\"version\": \"$vanthu_axe_version\"" "$pkg" 2>/dev/null; then
		vanthu_npm_install web "$dir" "axe-core@$vanthu_axe_version" || return 1
	fi
	VANTHU_TEST_AXE="$js"
	export VANTHU_TEST_AXE
	return 0
}

_vanthu_web_setup || { echo "web setup: FAILED" >&2; return 1 2>/dev/null || exit 1; }
unset -f _vanthu_web_setup _vanthu_axe_setup
