# shellcheck shell=bash
# scripts/setup/pdfcorpus.sh — sourced by scripts/test. The pdfcpu command
# (github.com/pdfcpu/pdfcpu/cmd/pdfcpu, built with go install into
# $VANTHU_TEST_TMP/gobin, put on PATH): one more validator nobody here
# wrote, of PDF syntax (validate -mode strict) and of signatures
# (signatures validate). And pdfcpu's test PDFs
# (github.com/pdfcpu/pdfcpu, pkg/testdata: 56 files of many producers —
# Acrobat, Distiller, Quartz, LaTeX, scanners, PDF 2.0 and hybrid files, a
# few damaged ones) and its pkg/samples beside it (the outputs of its
# examples: filled forms, booklets, watermarks), fetched from the Go module
# proxy into the module
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
_vanthu_pdfcpu_install() {
	local bin="${VANTHU_TEST_TMP:-/tmp/vanthu-test}/gobin"
	if [ ! -x "$bin/pdfcpu" ]; then
		echo "pdfcpu: go install github.com/pdfcpu/pdfcpu/cmd/pdfcpu@v0.11.1" >&2
		GOBIN="$bin" GOFLAGS= go install github.com/pdfcpu/pdfcpu/cmd/pdfcpu@v0.11.1 || return 1
	fi
	export PATH="$bin:$PATH"
}
_vanthu_pdfcorpus_setup
_vanthu_pdfcpu_install
