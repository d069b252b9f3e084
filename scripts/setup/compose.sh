# shellcheck shell=bash
# scripts/setup/compose.sh — sourced by scripts/test. Installs (only when
# missing) Debian's docker-compose, so cmd/vanthu's TestComposeConfig checks
# docker-compose.yml with `docker-compose config` (no Docker engine is needed
# for that). Idempotent and quiet; safe under set -euo pipefail.
_vanthu_compose_setup() {
	if command -v docker-compose >/dev/null 2>&1; then return 0; fi
	if command -v docker >/dev/null 2>&1 && docker compose version >/dev/null 2>&1; then return 0; fi
	echo "compose setup: installing docker-compose" >&2
	local sudo=""
	if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || return 1
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-compose >/dev/null || return 1
}
_vanthu_compose_setup || { echo "compose setup: FAILED" >&2; return 1 2>/dev/null || exit 1; }
unset -f _vanthu_compose_setup
