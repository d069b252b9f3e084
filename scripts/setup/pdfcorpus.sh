# shellcheck shell=bash
# scripts/setup/pdfcorpus.sh — sourced by scripts/test. pdfcpu's test PDFs
# (github.com/pdfcpu/pdfcpu, pkg/testdata: 56 files of many producers —
# Acrobat, Distiller, Quartz, LaTeX, scanners, PDF 2.0 and hybrid files, a
# few damaged ones), fetched from the Go module proxy into the module
# cache, never copied into the repository (Apache-2.0, not ours to ship).
# VANTHU_PDFCPU_TESTDATA names the folder; without it (no proxy) the tests
# that read it skip, naming the variable. Safe under set -euo pipefail.
_vanthu_pdfcorpus_setup() {
	[ -n "${VANTHU_PDFCPU_TESTDATA:-}" ] && return 0
	local dir
	dir=$(go mod download -json github.com/pdfcpu/pdfcpu@v0.11.1 2>/dev/null | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p') || true
	if [ -n "$dir" ] && [ -d "$dir/pkg/testdata" ]; then
		export VANTHU_PDFCPU_TESTDATA="$dir/pkg/testdata"
	else
		echo "pdfcpu corpus: github.com/pdfcpu/pdfcpu@v0.11.1 could not be fetched; its tests skip" >&2
	fi
}
_vanthu_pdfcorpus_setup
