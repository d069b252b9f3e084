# shellcheck shell=bash
# scripts/setup/archive.sh — sourced by scripts/test after minio.sh and
# postgres.sh. The archive tests check BagIt packages with tools nobody
# here wrote: unzip and sha256sum (coreutils). Debian 12 has no package of
# the bagit-python validator; when a bagit.py is on PATH the tests use it
# too. Idempotent and quiet; safe under set -euo pipefail.
_vanthu_archive_setup() {
	if ! command -v unzip >/dev/null 2>&1; then
		echo "archive setup: installing unzip" >&2
		DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || return 1
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends unzip >/dev/null || return 1
	fi
	command -v sha256sum >/dev/null 2>&1 || { echo "archive setup: sha256sum (coreutils) missing" >&2; return 1; }
}
_vanthu_archive_setup
