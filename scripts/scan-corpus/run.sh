#!/bin/bash
# Makes the corpus of incoming scans (gen.py) and drives every file through
# the incoming path of a vanthu serve of this tree: API upload, the web
# document page, its page preview and file, register (with override when a
# signature is invalid), assign, start, complete, archive, the public verify
# page and the web form; status, time and peak memory (VmHWM reset before each
# step; pdftoppm's own peak) of each step.
#   scripts/scan-corpus/run.sh [--pg] [case...]
# --pg: PostgreSQL and MinIO of scripts/test's services (source testenv first:
# VANTHU_TEST_DATABASE_URL, VANTHU_TEST_S3_*). Needs what gen.py names and
# poppler-utils, time; run by root or the serve's user (clear_refs).
# Output in $CORPUS_DIR (default /tmp/scan-corpus): the files, results.json,
# a table on stdout. compare.py OLD.json NEW.json compares two runs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
pg=
if [ "${1:-}" = --pg ]; then pg=1; shift; fi
export CORPUS_DIR=${CORPUS_DIR:-/tmp/scan-corpus}
mkdir -p "$CORPUS_DIR/bin"
(cd "$here/../.." && go build -o "$CORPUS_DIR/bin/vanthu" ./cmd/vanthu)
VANTHU="$CORPUS_DIR/bin/vanthu" /usr/bin/python3 "$here/gen.py" "$@"
export PDFTOPPM_LOG="$CORPUS_DIR/pdftoppm.log"
cat > "$CORPUS_DIR/bin/pdftoppm" <<EOS
#!/bin/sh
exec /usr/bin/time -a -o "$PDFTOPPM_LOG" -f "%e %M" $(command -v pdftoppm) "\$@"
EOS
chmod +x "$CORPUS_DIR/bin/pdftoppm"
data=$(mktemp -d)
extra=(VANTHU_TRUSTED_PROXIES=127.0.0.1)
if [ -n "$pg" ]; then
  db=scan_corpus_$$
  psql "$VANTHU_TEST_DATABASE_URL" -qc "CREATE DATABASE $db" >/dev/null
  extra+=(VANTHU_DATABASE_URL="${VANTHU_TEST_DATABASE_URL%%/postgres\?*}/$db?sslmode=disable"
    VANTHU_S3_ENDPOINT="$VANTHU_TEST_S3_ENDPOINT" VANTHU_S3_ACCESS_KEY="$VANTHU_TEST_S3_ACCESS_KEY"
    VANTHU_S3_SECRET_KEY="$VANTHU_TEST_S3_SECRET_KEY" VANTHU_S3_WORK_BUCKET=scan-$$-work VANTHU_S3_ARCHIVE_BUCKET=scan-$$-archive)
fi
source "$here/../lib/serve.sh"
vanthu_serve "$CORPUS_DIR/bin/vanthu" "$data" "${PORT:-18600}" "${extra[@]}"
rm -f "$CORPUS_DIR/results.json"
/usr/bin/python3 "$here/drive.py" "$b" "$pid" "$CORPUS_DIR/results.json" $(ls -S -r "$CORPUS_DIR"/*.pdf) >"$CORPUS_DIR/drive.log"
/usr/bin/python3 "$here/table.py" "$CORPUS_DIR/results.json"
