# shellcheck shell=bash
# scripts/setup/minio.sh — sourced by scripts/test. Builds (once) and starts a
# MinIO server for the storage conformance suite, listening on 127.0.0.1 only.
#
# Idempotent: the binary is cached in $(go env GOBIN) or $(go env GOPATH)/bin;
# a server this script already started (pid file alive and healthy) is reused.
#
# Reads (all optional):
#   MINIO_ROOT_USER / MINIO_ROOT_PASSWORD  credentials (defaults for tests)
#   VANTHU_TEST_TMP                        scratch root (default /tmp/vanthu-test)
#   VANTHU_TEST_MINIO_PORT                 API port (default 19000, or a free one)
# Exports:
#   VANTHU_TEST_S3_ENDPOINT, VANTHU_TEST_S3_ACCESS_KEY, VANTHU_TEST_S3_SECRET_KEY
#   VANTHU_TEST_MINIO_BIN  the minio binary (storage/minio/miniotest starts its own servers with it)
#   VANTHU_TEST_MINIO_DIR  the data directory of the shared server
#   VANTHU_TEST_MINIO_ADDR host:port of the shared server
#   VANTHU_TEST_MINIO_PIDFILE  pid file; stop the server with: vanthu_minio_stop
#
# A fresh server starts on an empty data directory; a running one (started by
# an earlier source of this script, pid file alive, health ready) is reused.
#
# MinIO is AGPL-3.0: it runs as a separate process, we never import it.

source "$(dirname "${BASH_SOURCE[0]}")/../lib/server.sh"

vanthu_minio_version="v0.0.0-20260212201848-7aac2a2c5b7c"

vanthu_minio_fail() {
	echo "setup/minio.sh: $*" >&2
	return 1
}

# vanthu_minio_slack runs "$@" (the server) with a 5 ms timer slack, as
# README's "Running in production" advises for MinIO (systemd: TimerSlackNSec=5ms)
# and as vanthu serve and its signing workers set for themselves: MinIO is a Go
# program too, whose runtime monitor thread polls every 20 us after each idle
# spell (measured: MinIO's CPU per outgoing lifecycle 0.70x with it). The slack is
# set with prctl(PR_SET_TIMERSLACK) from python3 and kept across execve, so every
# thread of the server has it; without python3 the server runs with the
# kernel's default (50 us) and this says so.
vanthu_minio_slack() {
	if command -v python3 >/dev/null 2>&1; then
		exec python3 -c 'import ctypes, os, sys
if ctypes.CDLL(None, use_errno=True).prctl(29, 5000000, 0, 0, 0) != 0:
    print("setup/minio.sh: timer slack not set:", os.strerror(ctypes.get_errno()), file=sys.stderr)
os.execv(sys.argv[1], sys.argv[1:])' "$@"
	fi
	echo "setup/minio.sh: no python3: MinIO runs with the kernel's default timer slack" >&2
	exec "$@"
}

vanthu_minio_ready() { # $1 = host:port
	if command -v curl >/dev/null 2>&1; then
		curl -fsS -o /dev/null --max-time 2 "http://$1/minio/health/ready" 2>/dev/null || return 1
		# The health endpoint can answer before the object layer is up; an
		# anonymous S3 request gets 403 once it is, 503 while it is not.
		[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://$1/" 2>/dev/null)" != 503 ]
		return
	fi
	( # no curl: plain HTTP/1.0 over bash's /dev/tcp
		exec 3<>"/dev/tcp/${1%:*}/${1##*:}" || exit 1
		printf 'GET /minio/health/ready HTTP/1.0\r\nHost: %s\r\n\r\n' "$1" >&3
		IFS= read -r -t 2 line <&3 || exit 1
		[[ $line == *" 200 "* ]]
	) 2>/dev/null
}

vanthu_minio_stop() { vanthu_stop_pidfile "${VANTHU_TEST_MINIO_PIDFILE:-}"; }

vanthu_minio_setup() {
	command -v go >/dev/null 2>&1 || vanthu_minio_fail "go is required" || return 1

	# 1. The binary, built once per machine.
	local bindir bin
	bindir=$(GOTOOLCHAIN=${GOTOOLCHAIN:-go1.27.3} go env GOBIN)
	[ -n "$bindir" ] || bindir="$(GOTOOLCHAIN=${GOTOOLCHAIN:-go1.27.3} go env GOPATH)/bin"
	bin="$bindir/minio"
	if [ ! -x "$bin" ] || ! go version -m "$bin" 2>/dev/null | grep -q "$vanthu_minio_version"; then
		echo "setup/minio.sh: building minio@$vanthu_minio_version (a few minutes on a fresh machine)..." >&2
		GOTOOLCHAIN=${GOTOOLCHAIN:-go1.27.3} GOBIN="$bindir" \
			go install "github.com/minio/minio@$vanthu_minio_version" ||
			vanthu_minio_fail "go install github.com/minio/minio@$vanthu_minio_version failed" || return 1
	fi

	# 2. The server.
	local root="${VANTHU_TEST_TMP:-/tmp/vanthu-test}/minio"
	local dir="$root/data" pidfile="$root/minio.pid" addrfile="$root/addr" log="$root/minio.log"
	mkdir -p "$dir"
	export MINIO_ROOT_USER=${MINIO_ROOT_USER:-vanthu-test}
	export MINIO_ROOT_PASSWORD=${MINIO_ROOT_PASSWORD:-vanthu-test-secret}
	export VANTHU_TEST_MINIO_BIN="$bin" VANTHU_TEST_MINIO_DIR="$dir" VANTHU_TEST_MINIO_PIDFILE="$pidfile"

	local addr=""
	if [ -f "$pidfile" ] && [ -f "$addrfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
		addr=$(cat "$addrfile")
		if ! vanthu_minio_ready "$addr"; then
			vanthu_minio_stop
			addr=""
		fi
	fi
	if [ -z "$addr" ]; then
		local port cport
		port=$(vanthu_free_port "${VANTHU_TEST_MINIO_PORT:-19000}") || vanthu_minio_fail "no free port" || return 1
		cport=$(vanthu_free_port $((port + 1))) || vanthu_minio_fail "no free port" || return 1
		addr="127.0.0.1:$port"
		rm -rf "$dir" && mkdir -p "$dir" # a fresh server starts empty
		MINIO_BROWSER=off MINIO_UPDATE=off \
			vanthu_minio_slack "$bin" server "$dir" --address "$addr" --console-address "127.0.0.1:$cport" --quiet \
			>"$log" 2>&1 </dev/null &
		echo $! >"$pidfile"
		echo "$addr" >"$addrfile"
		vanthu_wait_started "setup/minio.sh: minio on $addr" "$pidfile" "$log" 120 0.5 vanthu_minio_ready "$addr" || return 1
	fi
	export VANTHU_TEST_MINIO_ADDR="$addr"
	export VANTHU_TEST_S3_ENDPOINT="$addr"
	export VANTHU_TEST_S3_ACCESS_KEY="$MINIO_ROOT_USER"
	export VANTHU_TEST_S3_SECRET_KEY="$MINIO_ROOT_PASSWORD"
}

vanthu_minio_setup
