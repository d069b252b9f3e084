#!/usr/bin/env bash
# scripts/bench-memory.sh — peak memory of signing a large PDF with both
# layers (target: peak RSS signing a 100 MB PDF <= 2x the file size).
#
#   scripts/bench-memory.sh [MB]      (default 100)
#
# Builds vanthu, generates a scanned PDF of about MB megabytes (noise JPEG
# pages, signing/bench_test.go TestWriteScanPDF), creates a development PKI
# and runs `vanthu sign --layer officer` then `--layer agency` under
# /usr/bin/time -v, then `vanthu verify`. BENCH_ENV="GOMEMLIMIT=200MiB" (etc.)
# runs the steps with those variables. Prints the peak RSS of each step
# and its ratio to the file size; exits 1 when a signing step exceeds 2x.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN="${GOTOOLCHAIN:-go1.27.3}"
mb="${1:-100}"

if [ ! -x /usr/bin/time ]; then
	sudo=""
	if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

go build -o "$work/vanthu" ./cmd/vanthu
VANTHU_SCAN_OUT="$work/in.pdf" VANTHU_SCAN_MB="$mb" go test ./signing/ -run '^TestWriteScanPDF$' -count=1 >/dev/null
"$work/vanthu" pki init --dir "$work/pki" --agency "UBND quận Bình Thủy" --org 000.00.00.H13 >/dev/null
"$work/vanthu" pki officer --dir "$work/pki" --user u1 --name "Nguyễn Văn A" --title "Chủ tịch" >/dev/null

size=$(stat -c %s "$work/in.pdf")
status=0
measure() { # name, max ratio (0 = report only), command...
	local name="$1" limit="$2"
	shift 2
	/usr/bin/time -v env ${BENCH_ENV:-} "$@" >"$work/out.txt" 2>"$work/time.txt" || { cat "$work/out.txt" "$work/time.txt" >&2; exit 1; }
	local kb secs
	kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
	secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time.txt")
	awk -v n="$name" -v kb="$kb" -v s="$size" -v t="$secs" -v lim="$limit" 'BEGIN {
		r = kb * 1024 / s
		printf "%-22s peak RSS %7.1f MB = %4.2fx the file, wall %s%s\n", n, kb / 1024, r, t, (lim > 0 && r > lim) ? "  (over " lim "x)" : ""
		exit (lim > 0 && r > lim) ? 1 : 0
	}' || status=1
}

printf 'input: %.1f MB (%s bytes)\n' "$(echo "$size / 1048576" | bc -l)" "$size"
measure "layer 1 (officer)" 2 "$work/vanthu" sign --layer officer --key "file:$work/pki/officers/u1.pem" \
	--cert "$work/pki/officers/u1.pem" --chain "$work/pki/root.crt.pem" --title "Chủ tịch" "$work/in.pdf" "$work/l1.pdf"
measure "layer 2 (agency)" 2 "$work/vanthu" sign --layer agency --key "file:$work/pki/agency.pem" \
	--cert "$work/pki/agency.pem" --chain "$work/pki/root.crt.pem" --number 15 --notation "QĐ-UBND" \
	--place "Bình Thủy" "$work/l1.pdf" "$work/l2.pdf"
measure "verify" 0 "$work/vanthu" verify --trust "$work/pki/root.crt.pem" "$work/l2.pdf"
exit $status
