#!/usr/bin/env bash
# scripts/bench-memory.sh — peak memory of signing a large PDF with both
# layers (target: peak RSS above the process's idle size <= 1.5x the file).
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
VANTHU_SCAN_OUT="$work/tiny.pdf" VANTHU_SCAN_MB=0.01 go test ./signing/ -run '^TestWriteScanPDF$' -count=1 >/dev/null
"$work/vanthu" pki init --dir "$work/pki" --agency "UBND quận Bình Thủy" --org 000.00.00.H13 >/dev/null
"$work/vanthu" pki officer --dir "$work/pki" --user u1 --name "Nguyễn Văn A" --title "Chủ tịch" >/dev/null

size=$(stat -c %s "$work/in.pdf")
status=0
peak_kb() { # command... -> peak RSS in KB of the command
	/usr/bin/time -v env ${BENCH_ENV:-} "$@" >"$work/out.txt" 2>"$work/time.txt" || { cat "$work/out.txt" "$work/time.txt" >&2; exit 1; }
	awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt"
}
measure() { # name, max ratio (0 = report only), command with IN and OUT for the files...
	local name="$1" limit="$2"
	shift 2
	local args=() tiny=() a
	for a in "$@"; do
		case "$a" in
		IN) args+=("$work/$in_file"); tiny+=("$work/tiny-$in_file") ;;
		OUT) args+=("$work/$out_file"); tiny+=("$work/tiny-$out_file") ;;
		*) args+=("$a"); tiny+=("$a") ;;
		esac
	done
	local idle kb secs
	idle=$(peak_kb "${tiny[@]}")
	kb=$(peak_kb "${args[@]}")
	secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time.txt")
	awk -v n="$name" -v kb="$kb" -v idle="$idle" -v s="$size" -v t="$secs" -v lim="$limit" 'BEGIN {
		r = (kb - idle) * 1024 / s
		printf "%-18s peak RSS %7.1f MB = %4.2fx the file; idle %5.1f MB; above idle %4.2fx the file, wall %s%s\n", n, kb / 1024, kb * 1024 / s, idle / 1024, r, t, (lim > 0 && r > lim) ? "  (over " lim "x)" : ""
		exit (lim > 0 && r > lim) ? 1 : 0
	}' || status=1
}

printf 'input: %.1f MB (%s bytes)\n' "$(echo "$size / 1048576" | bc -l)" "$size"
cp "$work/tiny.pdf" "$work/tiny-in.pdf"
in_file=in.pdf out_file=l1.pdf measure "layer 1 (officer)" 1.5 "$work/vanthu" sign --layer officer --key "file:$work/pki/officers/u1.pem" \
	--cert "$work/pki/officers/u1.pem" --chain "$work/pki/root.crt.pem" --title "Chủ tịch" IN OUT
in_file=l1.pdf out_file=l2.pdf measure "layer 2 (agency)" 1.5 "$work/vanthu" sign --layer agency --key "file:$work/pki/agency.pem" \
	--cert "$work/pki/agency.pem" --chain "$work/pki/root.crt.pem" --number 15 --notation "QĐ-UBND" \
	--place "Bình Thủy" IN OUT
in_file=l2.pdf out_file=none measure "verify" 0 "$work/vanthu" verify --trust "$work/pki/root.crt.pem" IN
exit $status
