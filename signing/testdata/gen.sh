#!/bin/bash
# Regenerates the PDF test inputs in this directory from src/*.txt with qpdf
# (which rebuilds the cross-reference data of the hand-written sources).
# Run from signing/testdata. The outputs are committed; tests do not need qpdf
# to read them.
set -euo pipefail
for s in form-text form-xfa sigfield-empty v13; do
  qpdf --object-streams=disable --stream-data=uncompress src/$s.txt $s.pdf 2>/dev/null || test $? -eq 3
done
# Cross-reference stream + object streams (PDF 1.5+).
qpdf --object-streams=generate v13.pdf objstm.pdf
# Encrypted: AES-256 with a user password, and RC4-128 with only an owner password.
qpdf --encrypt user owner 256 -- v13.pdf encrypted-aes256.pdf
qpdf --allow-weak-crypto --encrypt "" owner 128 -- v13.pdf encrypted-owner-only.pdf
# An incremental update appended to v13.pdf (new /Info object, xref section with /Prev).
python3 - <<'PY'
import re
base = open('v13.pdf','rb').read()
startxref = int(re.findall(rb'startxref\s+(\d+)', base)[-1])
size = int(re.findall(rb'/Size (\d+)', base)[-1])
root = re.findall(rb'/Root (\d+ \d+ R)', base)[-1]
off = len(base)
obj = b'%d 0 obj\n<< /Title (Incrementally updated) /Producer (vanthu gen.sh) >>\nendobj\n' % size
xref_off = off + len(obj)
xref = b'xref\n0 1\n0000000000 65535 f \n%d 1\n%010d 00000 n \n' % (size, off)
trailer = b'trailer\n<< /Size %d /Root %s /Info %d 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n' % (size+1, root, size, startxref, xref_off)
open('incremental.pdf','wb').write(base + obj + xref + trailer)
PY
qpdf --check incremental.pdf >/dev/null
# A 4-page decision in the Decree 30 layout printed to PDF by Chromium (Skia's PDF writer, three
# embedded CID TrueType fonts with ToUnicode): a second producer for the layout detection.
# Needs chromium and fonts-croscore (Tinos for "Times New Roman"), as scripts/setup installs them.
chromium --headless --no-sandbox --disable-gpu --no-pdf-header-footer \
  --print-to-pdf="$PWD/decision-chromium.pdf" "file://$PWD/src/decision-chromium.html" 2>/dev/null
# A 3-page decision typed in Word's format (python-docx) and printed to PDF by LibreOffice (simple
# TrueType subsets of Tinos with /ToUnicode): a third producer, made by the layout corpus's generator.
# Needs libreoffice, python3-docx and fonts-croscore.
tmp=$(mktemp -d)
(cd ../../scripts/layout-corpus && CORPUS_DIR="$tmp" /usr/bin/python3 -c '
import gen, docxgen, sys
docxgen.libreoffice_docx(gen.default(paras=24), sys.argv[1])' "$tmp/decision-libreoffice.pdf")
cp "$tmp/decision-libreoffice.pdf" . && rm -r "$tmp"
