#!/bin/bash
# Makes outgoing drafts with producers the other corpora do not use (gen.py)
# and drives each through the outgoing path of a vanthu serve of this tree on
# its embedded defaults (upload, submit, approve, sign, issue; drive.py), then
# judges each issued file with pdfsig (the development root trusted in an NSS
# db), qpdf --check, mutool sign -v, mutool draw, and a pixel comparison of
# every page before and after outside the stamps; table.py prints the table.
#   scripts/producer-corpus/run.sh [case...]
# Needs (Debian) ghostscript groff pandoc wkhtmltopdf weasyprint poppler-utils
# img2pdf mupdf-tools qpdf pdftk-java libpodofo-utils python3-pikepdf
# python3-pypdf python3-fitz python3-cairo python3-matplotlib python3-xhtml2pdf
# rst2pdf htmldoc enscript paps abiword libreoffice-{writer,calc,impress}-nogui
# texlive-luatex imagemagick php-cli php-fpdf libhpdf-dev libpdfbox2-java
# libitext5-java default-jdk nodejs npm libnss3-tools fonts-croscore; pdfcpu
# (go install github.com/pdfcpu/pdfcpu/cmd/pdfcpu@v0.11.1); npm's pdfkit,
# pdf-lib, @pdf-lib/fontkit, jspdf and pdfmake, installed here into
# $CORPUS_DIR/npm when missing.
# Output in $CORPUS_DIR (default /tmp/producer-corpus): drafts/, issued/,
# manifest.json, results.json, the table on stdout.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export CORPUS_DIR=${CORPUS_DIR:-/tmp/producer-corpus}
mkdir -p "$CORPUS_DIR/bin" "$CORPUS_DIR/npm"
if [ ! -d "$CORPUS_DIR/npm/node_modules/pdfmake" ]; then
  (cd "$CORPUS_DIR/npm" && npm init -y >/dev/null && npm install --no-audit --no-fund pdfkit pdf-lib @pdf-lib/fontkit jspdf pdfmake >/dev/null)
fi
(cd "$here/../.." && go build -o "$CORPUS_DIR/bin/vanthu" ./cmd/vanthu)
/usr/bin/python3 "$here/gen.py" "$@"
data=$(mktemp -d)
source "$here/../lib/serve.sh"
vanthu_serve "$CORPUS_DIR/bin/vanthu" "$data" "${PORT:-18640}"
nss="$data/nss"
mkdir -p "$nss"
certutil -N -d "sql:$nss" --empty-password
certutil -A -n root -t CT,C,C -i "$data/pki/root.pem" -d "sql:$nss"
cd "$here"
drafts=()
if [ $# -gt 0 ]; then for c in "$@"; do drafts+=("$CORPUS_DIR/drafts/$c.pdf"); done; else drafts=("$CORPUS_DIR"/drafts/*.pdf); fi
rm -f "$CORPUS_DIR/results.json"
/usr/bin/python3 drive.py "$b" "sql:$nss" "$CORPUS_DIR/results.json" "${drafts[@]}" >"$CORPUS_DIR/drive.log"
/usr/bin/python3 table.py "$CORPUS_DIR/manifest.json" "$CORPUS_DIR/results.json"
