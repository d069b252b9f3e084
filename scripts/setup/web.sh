# shellcheck shell=bash
# scripts/setup/web.sh — sourced by scripts/test (and usable by hand:
# `source scripts/setup/web.sh`). Idempotent and quiet; safe under
# `set -euo pipefail`.
#
# Installs (only when missing) Debian's chromium, which the web
# interface's browser tests (TestIntegrationBrowser..., chromedp) drive
# headless, and fonts-croscore (Tinos, for Vietnamese text in the pages'
# screenshots), and exports:
#   VANTHU_TEST_CHROMIUM   path of the chromium binary

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
	return 0
}

_vanthu_web_setup || { echo "web setup: FAILED" >&2; return 1 2>/dev/null || exit 1; }
