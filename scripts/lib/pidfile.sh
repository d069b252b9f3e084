# shellcheck shell=bash
# scripts/lib/pidfile.sh — sourced by the setup scripts that start a
# server of their own (minio.sh, mail.sh).

# vanthu_stop_pidfile PIDFILE stops the process PIDFILE names (TERM, then
# KILL after 5 s) and removes the file; nothing when there is none.
vanthu_stop_pidfile() {
	local pidfile=${1:-}
	[ -n "$pidfile" ] && [ -f "$pidfile" ] || return 0
	local pid
	pid=$(cat "$pidfile")
	if kill -0 "$pid" 2>/dev/null; then
		kill "$pid" 2>/dev/null || true
		for _ in $(seq 1 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$pid" 2>/dev/null || true
	fi
	rm -f "$pidfile"
}
