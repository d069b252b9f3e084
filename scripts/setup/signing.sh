# shellcheck shell=bash
# scripts/setup/signing.sh — sourced by scripts/test (and usable by hand:
# `source scripts/setup/signing.sh`). Idempotent and quiet; safe under
# `set -euo pipefail`.
#
# Installs (only when missing) the tools the signing tests use:
#   softhsm2 opensc            PKCS#11 token for signing/keys (and signing/)
#   poppler-utils qpdf mupdf-tools libnss3-tools
#                              independent validators: pdfsig, qpdf --check,
#                              mutool sign -v, certutil (NSS trust db)
#   fonts-croscore             Tinos (Vietnamese glyphs) for stamps
#   openssl                    an independent PKCS#12 writer for signing/keys tests
#   python3-matplotlib         a producer of Type 3 font drafts (TestDetectLayoutMatplotlib)
# Creates a SoftHSM2 token "vanthu-test" under
# ${VANTHU_TEST_TMP:-/tmp/vanthu-test}/softhsm with four key pairs:
#   agency-rsa (RSA-2048, id 01)   agency-ec (EC P-256, id 02)
#   officer-rsa (RSA-2048, id 03)  officer-ec (EC P-256, id 04)
# and exports:
#   SOFTHSM2_CONF VANTHU_PKCS11_MODULE VANTHU_PKCS11_PIN VANTHU_TEST_PKCS11_TOKEN
#   VANTHU_TEST_PKCS11_SO_PIN

_vanthu_signing_setup() {
	local pkgs=(softhsm2 opensc poppler-utils qpdf mupdf-tools libnss3-tools fonts-croscore openssl python3-matplotlib)
	local missing=() p
	for p in "${pkgs[@]}"; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
			missing+=("$p")
		fi
	done
	if ((${#missing[@]} > 0)); then
		echo "signing setup: installing ${missing[*]}" >&2
		local sudo=""
		if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
		$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || return 1
		$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			"${missing[@]}" >/dev/null || return 1
	fi

	local module=""
	for p in /usr/lib/softhsm/libsofthsm2.so /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so \
		/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so /usr/local/lib/softhsm/libsofthsm2.so; do
		if [ -f "$p" ]; then module="$p"; break; fi
	done
	if [ -z "$module" ]; then
		echo "signing setup: libsofthsm2.so not found" >&2
		return 1
	fi

	local base="${VANTHU_TEST_TMP:-/tmp/vanthu-test}/softhsm"
	local token="vanthu-test" pin="vanthu-test-pin-1234" sopin="vanthu-test-so-5678"
	mkdir -p "$base/tokens"
	chmod 700 "$base" "$base/tokens"
	if [ ! -f "$base/softhsm2.conf" ]; then
		printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n' \
			"$base" >"$base/softhsm2.conf"
	fi
	export SOFTHSM2_CONF="$base/softhsm2.conf"
	export VANTHU_PKCS11_MODULE="$module"
	export VANTHU_PKCS11_PIN="$pin"
	export VANTHU_TEST_PKCS11_TOKEN="$token"
	export VANTHU_TEST_PKCS11_SO_PIN="$sopin"

	if ! softhsm2-util --show-slots 2>/dev/null | grep -q "Label:[[:space:]]*$token[[:space:]]*\$"; then
		softhsm2-util --init-token --free --label "$token" --so-pin "$sopin" --pin "$pin" >/dev/null || return 1
	fi

	local objs
	objs="$(pkcs11-tool --module "$module" --token-label "$token" --login --pin "$pin" \
		--list-objects --type privkey 2>/dev/null || true)"
	local spec label id kind
	for spec in agency-rsa:01:rsa:2048 agency-ec:02:EC:prime256v1 officer-rsa:03:rsa:2048 officer-ec:04:EC:prime256v1; do
		label="${spec%%:*}"
		id="$(echo "$spec" | cut -d: -f2)"
		kind="$(echo "$spec" | cut -d: -f3-)"
		if ! grep -q "label:[[:space:]]*$label\$" <<<"$objs"; then
			pkcs11-tool --module "$module" --token-label "$token" --login --pin "$pin" \
				--keypairgen --key-type "$kind" --label "$label" --id "$id" --usage-sign \
				>/dev/null 2>&1 || { echo "signing setup: keypairgen $label failed" >&2; return 1; }
		fi
	done
	return 0
}

_vanthu_signing_setup || { echo "signing setup: FAILED" >&2; return 1 2>/dev/null || exit 1; }
unset -f _vanthu_signing_setup
