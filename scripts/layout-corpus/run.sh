#!/bin/bash
# Makes the layout-detection corpus and judges DetectLayout on it:
#   scripts/layout-corpus/run.sh [case...]
# Needs chromium, libreoffice, xelatex (fonts-croscore, fonts-dejavu,
# fonts-noto-core, fonts-liberation) and Debian's python3-docx,
# python3-reportlab, python3-fitz (PyMuPDF) and python3-fonttools (the legacy
# TCVN3/VNI fonts, made from Tinos into $CORPUS_DIR/fonts), run by /usr/bin/python3.
# Output in $CORPUS_DIR (default /tmp/layout-corpus): the drafts, manifest.json,
# results.json, and one line per draft on stdout with the totals.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export CORPUS_DIR=${CORPUS_DIR:-/tmp/layout-corpus}
mkdir -p "$CORPUS_DIR"
(cd "$here/../.." && go build -o "$CORPUS_DIR/detect" ./internal/cmd/layout-corpus)
cd "$here"
/usr/bin/python3 gen.py "$@"
/usr/bin/python3 truth.py "$@"
