# shellcheck shell=bash
# scripts/setup/postgres.sh — sourced by scripts/test (and usable by hand:
# `source scripts/setup/postgres.sh`). Idempotent and quiet; safe under
# `set -euo pipefail`.
#
# Installs PostgreSQL 15 with apt only when it is missing (Debian 12:
# postgresql-15 ships the contrib extensions unaccent and pg_trgm; the
# postgresql-contrib metapackage is installed too where it exists), then
# starts a throwaway cluster owned by the postgres user under
# ${VANTHU_TEST_TMP:-/tmp/vanthu-test}/pg, listening on 127.0.0.1 only, on
# ${VANTHU_TEST_PG_PORT:-15432} (the next free port if that one is taken by
# something else), with durability off (fsync, full_page_writes,
# synchronous_commit) because it holds nothing worth keeping.
#
# Exports:
#   VANTHU_TEST_DATABASE_URL  postgres://postgres@127.0.0.1:PORT/postgres?sslmode=disable
#                             (an admin URL: tests create and drop one database each)
#   VANTHU_TEST_PG_CTL_STOP   a command that stops the cluster (eval it)

_vanthu_pg_setup() {
	local ver=15
	local bindir="/usr/lib/postgresql/$ver/bin"
	local sudo=""
	if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi

	if [ ! -x "$bindir/initdb" ] || [ ! -f "/usr/share/postgresql/$ver/extension/unaccent.control" ]; then
		echo "postgres setup: installing postgresql-$ver" >&2
		$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || return 1
		local pkgs=("postgresql-$ver" "postgresql-client-$ver")
		# Older/other distributions package the extensions separately.
		if apt-cache show "postgresql-contrib-$ver" >/dev/null 2>&1; then
			pkgs+=("postgresql-contrib-$ver")
		elif apt-cache show postgresql-contrib >/dev/null 2>&1; then
			pkgs+=(postgresql-contrib)
		fi
		$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			"${pkgs[@]}" >/dev/null || return 1
	fi
	if [ ! -x "$bindir/initdb" ]; then
		echo "postgres setup: $bindir/initdb not found after install" >&2
		return 1
	fi

	# Run a command as the postgres user (we may already be it).
	_vanthu_as_pg() {
		if [ "$(id -un)" = postgres ]; then
			"$@"
		elif command -v runuser >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
			runuser -u postgres -- "$@"
		else
			$sudo -u postgres "$@"
		fi
	}

	local base="${VANTHU_TEST_TMP:-/tmp/vanthu-test}"
	local dir="$base/pg"
	local data="$dir/data"
	mkdir -p "$base"
	chmod 755 "$base" 2>/dev/null || true
	if [ ! -d "$dir" ]; then
		mkdir -p "$dir"
	fi
	if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; fi

	if [ ! -f "$data/PG_VERSION" ]; then
		rm -rf "$data"
		_vanthu_as_pg "$bindir/initdb" -D "$data" -U postgres -A trust -E UTF8 \
			--locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 ||
			{ echo "postgres setup: initdb failed, see $dir/initdb.log" >&2; return 1; }
	fi

	local port=""
	# A cluster of ours already running? Reuse it.
	if [ -f "$data/postmaster.pid" ] && _vanthu_as_pg "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
		port="$(sed -n 4p "$data/postmaster.pid")"
	else
		port="${VANTHU_TEST_PG_PORT:-15432}"
		local tries=0
		while _vanthu_port_busy "$port"; do
			port=$((port + 1))
			tries=$((tries + 1))
			if ((tries > 50)); then
				echo "postgres setup: no free port near ${VANTHU_TEST_PG_PORT:-15432}" >&2
				return 1
			fi
		done
		_vanthu_as_pg "$bindir/pg_ctl" -D "$data" -l "$dir/postgres.log" -w -t 60 \
			-o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c max_connections=300 -c shared_buffers=128MB" \
			start >/dev/null 2>&1 ||
			{ echo "postgres setup: pg_ctl start failed, see $dir/postgres.log" >&2; return 1; }
	fi

	local i
	for i in $(seq 1 60); do
		if "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres; then break; fi
		if ((i == 60)); then
			echo "postgres setup: server on 127.0.0.1:$port not ready" >&2
			return 1
		fi
		sleep 0.5
	done

	export VANTHU_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
	if [ "$(id -un)" = postgres ]; then
		export VANTHU_TEST_PG_CTL_STOP="$bindir/pg_ctl -D $data -m fast -w stop"
	elif [ "$(id -u)" = 0 ] && command -v runuser >/dev/null 2>&1; then
		export VANTHU_TEST_PG_CTL_STOP="runuser -u postgres -- $bindir/pg_ctl -D $data -m fast -w stop"
	else
		export VANTHU_TEST_PG_CTL_STOP="sudo -u postgres $bindir/pg_ctl -D $data -m fast -w stop"
	fi
	return 0
}

# _vanthu_port_busy PORT: true if something listens on 127.0.0.1:PORT.
_vanthu_port_busy() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

_vanthu_pg_setup || { echo "postgres setup: FAILED" >&2; unset -f _vanthu_pg_setup _vanthu_as_pg _vanthu_port_busy; return 1 2>/dev/null || exit 1; }
unset -f _vanthu_pg_setup _vanthu_as_pg _vanthu_port_busy
