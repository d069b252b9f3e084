# shellcheck shell=bash
# scripts/lib/server.sh — sourced by the setup scripts that start a
# server of their own (minio.sh, mail.sh).

# vanthu_free_port [WANT] prints a free TCP port on 127.0.0.1: WANT when
# it is free, else one of 20000–39999.
vanthu_free_port() {
	local want=${1:-} port
	if [ -n "$want" ] && ! (exec 3<>"/dev/tcp/127.0.0.1/$want") 2>/dev/null; then
		echo "$want"
		return 0
	fi
	for _ in $(seq 1 50); do
		port=$((20000 + RANDOM % 20000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			return 0
		fi
	done
	return 1
}

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

# vanthu_wait_started NAME PIDFILE LOG TRIES PAUSE CHECK... waits until
# CHECK succeeds (TRIES times, PAUSE seconds apart) for the server NAME
# that PIDFILE names; when it exits or stays unready, prints the end of
# LOG, stops it and fails.
vanthu_wait_started() {
	local name=$1 pidfile=$2 log=$3 tries=$4 pause=$5
	shift 5
	for _ in $(seq 1 "$tries"); do
		"$@" && return 0
		if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
			echo "$name exited at start; log $log:" >&2
			tail -20 "$log" >&2
			rm -f "$pidfile"
			return 1
		fi
		sleep "$pause"
	done
	"$@" && return 0
	echo "$name not ready; log $log:" >&2
	tail -20 "$log" >&2
	vanthu_stop_pidfile "$pidfile"
	return 1
}
