#!/bin/bash
# Entrypoint of the walcast-postgres image. On the first start (empty PGDATA) it creates the cluster with
# the settings walcast needs and runs /docker-entrypoint-initdb.d/*.sh and *.sql; on every start it then
# runs PostgreSQL in the foreground as PID 1. Arguments starting with '-' go to postgres (`-c name=value`).
set -euo pipefail

PGDATA=${PGDATA:-/var/lib/postgresql/data}
export PGDATA

if [ $# -eq 0 ] || [ "${1:0:1}" = "-" ]; then
	set -- postgres "$@"
fi

# Started as root: own the data folder (a fresh volume may belong to root), then drop to postgres.
if [ "$(id -u)" = 0 ]; then
	install -d -o postgres -g postgres -m 700 "$PGDATA"
	install -d -o postgres -g postgres -m 2775 /var/run/postgresql
	exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
fi

log() { echo "walcast-postgres: $*"; }

# The value walcast needs for this server's output-plugin allow-list, or nothing when the server has no
# such setting (upstream PostgreSQL 15 has none; some distribution builds do).
allowlist_with_walcast() {
	local default
	default=$(postgres --describe-config 2>/dev/null | awk -F'\t' '$1 == "output_plugin_libraries" { print $5; found = 1 } END { exit !found }') || return 0
	case ",${default// /}," in *,walcast,*) echo "$default" ;; *) echo "${default:+$default, }walcast" ;; esac
}

first_start() {
	local user=${POSTGRES_USER:-postgres} db=${POSTGRES_DB:-postgres} method=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}
	if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$method" != trust ]; then
		log "error: the database is uninitialized and POSTGRES_PASSWORD is not set." >&2
		log "Set POSTGRES_PASSWORD (the gateway's DB_PASSWORD), or POSTGRES_HOST_AUTH_METHOD=trust to allow every connection without one." >&2
		exit 1
	fi

	log "initializing $PGDATA (user $user, database $db)"
	local pwfile
	pwfile=$(mktemp)
	printf '%s\n' "${POSTGRES_PASSWORD:-}" >"$pwfile"
	local pwarg=()
	[ -n "${POSTGRES_PASSWORD:-}" ] && pwarg=(--pwfile="$pwfile")
	initdb -D "$PGDATA" --username="$user" "${pwarg[@]}" --auth-local=trust --auth-host="$method" \
		--encoding=UTF8 --locale=C.UTF-8 >/dev/null
	rm -f "$pwfile"

	local allowlist
	allowlist=$(allowlist_with_walcast)
	{
		echo
		echo "# walcast-postgres: what walcast-gateway needs"
		echo "listen_addresses = '*'"
		echo "wal_level = logical"
		echo "max_replication_slots = ${WALCAST_MAX_REPLICATION_SLOTS:-10}"
		echo "max_wal_senders = ${WALCAST_MAX_WAL_SENDERS:-10}"
		[ -n "$allowlist" ] && echo "output_plugin_libraries = '$allowlist'"
	} >>"$PGDATA/postgresql.conf"
	{
		echo
		echo "# walcast-postgres: clients and replication connections from other containers and hosts"
		echo "host all all all $method"
		echo "host replication all all $method"
	} >>"$PGDATA/pg_hba.conf"

	# A temporary server reachable only through the Unix socket while the init scripts run.
	pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w -t 60 start >/dev/null
	export PGUSER=$user PGDATABASE=postgres
	if [ "$db" != postgres ]; then
		psql -v ON_ERROR_STOP=1 -X -q -v db="$db" <<<'CREATE DATABASE :"db";'
	fi
	export PGDATABASE=$db
	local f
	for f in /docker-entrypoint-initdb.d/*; do
		case "$f" in
			*.sh) log "running $f"; if [ -x "$f" ]; then "$f"; else . "$f"; fi ;;
			*.sql) log "running $f"; psql -v ON_ERROR_STOP=1 -X -q -f "$f" ;;
			*) [ -e "$f" ] && log "ignoring $f" ;;
		esac
	done
	pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
	unset PGUSER PGDATABASE
	log "initialized; wal_level=logical${allowlist:+, output_plugin_libraries='$allowlist'}"
}

if [ "$1" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
	first_start
fi

exec "$@"
