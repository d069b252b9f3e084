# shellcheck shell=bash
# scripts/setup/mail.sh — sourced by scripts/test. Builds (once) and starts a
# Mailpit server (an SMTP server that keeps what it receives and shows it over
# an HTTP API) for the e-mail notification tests, listening on 127.0.0.1 only.
#
# Idempotent: the binary is cached in $VANTHU_TEST_TMP/gobin (as pdfcpu is);
# a server this script already started (pid file alive, API answering) is reused.
#
# Reads (optional): VANTHU_TEST_TMP  scratch root (default /tmp/vanthu-test)
# Exports:
#   VANTHU_TEST_MAILPIT_SMTP     host:port of its SMTP listener
#   VANTHU_TEST_MAILPIT_API      http://host:port of its HTTP API (/api/v1/messages)
#   VANTHU_TEST_MAILPIT_BIN      the mailpit binary (tests that stop and restart one start their own)
#   VANTHU_TEST_MAILPIT_PIDFILE  pid file; stop the server with: vanthu_mail_stop

source "$(dirname "${BASH_SOURCE[0]}")/../lib/server.sh"

vanthu_mailpit_version="v1.33.1"

vanthu_mail_fail() {
	echo "setup/mail.sh: $*" >&2
	return 1
}

vanthu_mail_ready() { # $1 = http://host:port
	curl -fsS -o /dev/null --max-time 2 "$1/api/v1/messages" 2>/dev/null
}

vanthu_mail_stop() { vanthu_stop_pidfile "${VANTHU_TEST_MAILPIT_PIDFILE:-}"; }

vanthu_mail_setup() {
	command -v go >/dev/null 2>&1 || vanthu_mail_fail "go is required" || return 1
	local bindir="${VANTHU_TEST_TMP:-/tmp/vanthu-test}/gobin" bin
	bin="$bindir/mailpit"
	if [ ! -x "$bin" ] || ! go version -m "$bin" 2>/dev/null | grep -q "mailpit.*$vanthu_mailpit_version"; then
		echo "setup/mail.sh: building mailpit@$vanthu_mailpit_version (a minute on a fresh machine)..." >&2
		GOTOOLCHAIN=${GOTOOLCHAIN:-go1.27.3} GOBIN="$bindir" GOFLAGS= \
			go install "github.com/axllent/mailpit@$vanthu_mailpit_version" ||
			vanthu_mail_fail "go install github.com/axllent/mailpit@$vanthu_mailpit_version failed" || return 1
	fi

	local root="${VANTHU_TEST_TMP:-/tmp/vanthu-test}/mailpit"
	local pidfile="$root/mailpit.pid" addrfile="$root/addr" log="$root/mailpit.log"
	mkdir -p "$root"
	export VANTHU_TEST_MAILPIT_BIN="$bin" VANTHU_TEST_MAILPIT_PIDFILE="$pidfile"

	local smtp="" api=""
	if [ -f "$pidfile" ] && [ -f "$addrfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
		read -r smtp api <"$addrfile"
		if ! vanthu_mail_ready "$api"; then
			vanthu_mail_stop
			smtp="" api=""
		fi
	fi
	if [ -z "$smtp" ]; then
		local sport hport
		sport=$(vanthu_free_port) || vanthu_mail_fail "no free port" || return 1
		hport=$(vanthu_free_port) || vanthu_mail_fail "no free port" || return 1
		smtp="127.0.0.1:$sport" api="http://127.0.0.1:$hport"
		# No --database: messages in memory, gone when it stops.
		"$bin" --smtp "$smtp" --listen "127.0.0.1:$hport" --disable-version-check --quiet \
			>"$log" 2>&1 </dev/null &
		echo $! >"$pidfile"
		echo "$smtp $api" >"$addrfile"
		vanthu_wait_started "setup/mail.sh: mailpit on $api" "$pidfile" "$log" 60 0.25 vanthu_mail_ready "$api" || return 1
	fi
	export VANTHU_TEST_MAILPIT_SMTP="$smtp" VANTHU_TEST_MAILPIT_API="$api"
}

vanthu_mail_setup
