# shellcheck shell=bash
# scripts/setup/edxml.sh — sourced by scripts/test (and usable by hand:
# `source scripts/setup/edxml.sh`). Idempotent and quiet; safe under
# `set -euo pipefail`.
#
# Installs (only when missing) xmlsec1, the independent XML-signature
# verifier exchange/edxml's TestIntegrationXmlsec1 checks our enveloped
# signatures with, and exports:
#   VANTHU_XMLSEC1   path of the xmlsec1 binary

_vanthu_edxml_setup() {
	if ! command -v xmlsec1 >/dev/null 2>&1; then
		echo "edxml setup: installing xmlsec1" >&2
		local sudo=""
		if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
		$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || return 1
		$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			xmlsec1 >/dev/null || return 1
	fi
	VANTHU_XMLSEC1="$(command -v xmlsec1)" || return 1
	export VANTHU_XMLSEC1
	return 0
}

_vanthu_edxml_setup || { echo "edxml setup: FAILED" >&2; return 1 2>/dev/null || exit 1; }
unset -f _vanthu_edxml_setup
