#!/bin/bash
# servers.sh - start or stop private PostgreSQL 15 and MariaDB servers for the tests.
#
#   servers.sh start DIR    initialise (once) and start both servers under DIR,
#                           then write DIR/env (source it to reach them)
#   servers.sh stop DIR     stop both servers
#
# The servers listen on 127.0.0.1 only, on ports chosen per DIR (MB_PG_PORT /
# MB_MYSQL_PORT override), with trust/empty-password superusers; nothing
# touches the machine's own database services.
set -euo pipefail

cmd=${1:?usage: servers.sh start|stop DIR}
dir=${2:?usage: servers.sh start|stop DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
# Ports derived from the folder so two build trees do not collide.
hash=$(printf '%s' "$dir" | cksum | cut -d' ' -f1)
pg_port=${MB_PG_PORT:-$((40000 + hash % 10000))}
my_port=${MB_MYSQL_PORT:-$((50000 + hash % 10000))}

as_pg() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_pg() {
	[ -n "$pg_bin" ] || { echo "servers.sh: PostgreSQL server not installed (apt-get install postgresql)" >&2; return 1; }
	if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; chmod 755 "$dir"; fi
	if [ ! -f "$dir/pg/PG_VERSION" ]; then
		as_pg "$pg_bin/initdb" -D "$dir/pg" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/pg-init.log" 2>&1 ||
			{ cat "$dir/pg-init.log" >&2; return 1; }
	fi
	if ! as_pg "$pg_bin/pg_ctl" -D "$dir/pg" status >/dev/null 2>&1; then
		as_pg "$pg_bin/pg_ctl" -D "$dir/pg" -l "$dir/pg.log" -w -t 60 \
			-o "-p $pg_port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c max_wal_size=4GB -c shared_buffers=256MB" \
			start >/dev/null || { cat "$dir/pg.log" >&2; return 1; }
	fi
}

start_mysql() {
	local server
	server=$(command -v mariadbd || command -v mysqld || ls /usr/sbin/mariadbd 2>/dev/null || true)
	[ -n "$server" ] || { echo "servers.sh: MariaDB server not installed (apt-get install mariadb-server)" >&2; return 1; }
	local user_opt=()
	[ "$(id -u)" = 0 ] && user_opt=(--user=root)
	if [ ! -d "$dir/mysql/mysql" ]; then
		mariadb-install-db --no-defaults --datadir="$dir/mysql" "${user_opt[@]}" \
			--auth-root-authentication-method=normal --skip-test-db >"$dir/mysql-init.log" 2>&1 ||
			{ cat "$dir/mysql-init.log" >&2; return 1; }
	fi
	if ! mariadb-admin --no-defaults --socket="$dir/mysql.sock" -uroot ping >/dev/null 2>&1; then
		"$server" --no-defaults --datadir="$dir/mysql" "${user_opt[@]}" \
			--socket="$dir/mysql.sock" --port="$my_port" --bind-address=127.0.0.1 \
			--pid-file="$dir/mysql.pid" --log-error="$dir/mysql.log" \
			--local-infile=1 --innodb-buffer-pool-size=512M --innodb-flush-log-at-trx-commit=2 \
			--max-connections=300 --skip-name-resolve --character-set-server=utf8mb4 \
			--collation-server=utf8mb4_unicode_ci >/dev/null 2>&1 &
		for _ in $(seq 1 120); do
			mariadb-admin --no-defaults --socket="$dir/mysql.sock" -uroot ping >/dev/null 2>&1 && break
			sleep 0.5
		done
		mariadb-admin --no-defaults --socket="$dir/mysql.sock" -uroot ping >/dev/null 2>&1 ||
			{ cat "$dir/mysql.log" >&2; return 1; }
		mariadb --no-defaults --socket="$dir/mysql.sock" -uroot -e \
			"CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY ''; GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;" 
	fi
}

write_env() {
	cat >"$dir/env" <<EOT
# Written by tests/lib/servers.sh: source this to reach the test servers.
export MB_SERVERS_DIR='$dir'
export PGHOST=127.0.0.1 PGPORT=$pg_port PGUSER=postgres PGDATABASE=postgres
unset PGPASSWORD PGSERVICE
export MB_PG_URL='postgresql://postgres@127.0.0.1:$pg_port'
export MB_MYSQL_URL='mysql://root@127.0.0.1:$my_port'
export MB_MYSQL_HOST=127.0.0.1 MB_MYSQL_PORT=$my_port MB_MYSQL_SOCKET='$dir/mysql.sock'
export MYSQL_HOST=127.0.0.1 MYSQL_TCP_PORT=$my_port
EOT
	# A client defaults file for the mysql command-line tools.
	cat >"$dir/my.cnf" <<EOT
[client]
host=127.0.0.1
port=$my_port
user=root
EOT
}

case "$cmd" in
start)
	start_pg
	start_mysql
	write_env
	;;
stop)
	[ -f "$dir/pg/postmaster.pid" ] && as_pg "$pg_bin/pg_ctl" -D "$dir/pg" -m fast -w stop >/dev/null 2>&1 || true
	if [ -f "$dir/mysql.pid" ]; then
		kill "$(cat "$dir/mysql.pid")" 2>/dev/null || true
		for _ in $(seq 1 60); do [ -f "$dir/mysql.pid" ] || break; sleep 0.5; done
	fi
	;;
*) echo "usage: servers.sh start|stop DIR" >&2; exit 2 ;;
esac
