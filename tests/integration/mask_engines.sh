#!/bin/bash
# mask_engines.sh - the same key, action and value give the same masked
# value whatever engine the value came from: Chinook's customers are read
# from PostgreSQL, MariaDB and SQLite, masked with `maskbench transform`,
# and the three outputs must be identical (so keys stay joinable across
# engines and refreshes). Needs the test servers and ../shared/data.
. "${MB_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
DATA="$MB_SRCDIR/../shared/data/chinook"
if [ ! -d "$DATA" ]; then
	echo "1..0 # SKIP $DATA not found"
	exit 0
fi
need_server MB_PG_URL
need_server MB_MYSQL_URL
tap_tmpdir
export MASKBENCH_KEY="engines test key 0123456789"
db="mbt_mask_eng_$$_$RANDOM"
cleanup() {
	psql -q -d postgres -c "DROP DATABASE IF EXISTS \"$db\"" >/dev/null 2>&1
	mariadb -u root -h "$MB_MYSQL_HOST" -P "$MB_MYSQL_PORT" -e "DROP DATABASE IF EXISTS \`$db\`" >/dev/null 2>&1
	rm -rf "$TMPD"
}
trap cleanup EXIT
my() { mariadb -u root -h "$MB_MYSQL_HOST" -P "$MB_MYSQL_PORT" --default-character-set=utf8mb4 "$@"; }

psql -q -d postgres -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$db\"" >/dev/null
grep -v -E '^(DROP|CREATE) DATABASE|^\\c ' "$DATA/Chinook_PostgreSql.sql" | psql -q -d "$db" -v ON_ERROR_STOP=1 >/dev/null 2>&1
check $? "chinook loaded into PostgreSQL"
my -e "CREATE DATABASE \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
grep -v -E '^(DROP|CREATE) DATABASE|^USE ' "$DATA/Chinook_MySql.sql" | my "$db"
check $? "chinook loaded into MariaDB"
sqlite3 "$TMPD/c.db" <"$DATA/Chinook_Sqlite.sql" >/dev/null 2>&1
check $? "chinook loaded into SQLite"

# column per engine: pg uses snake_case names
q_pg() { psql -At -d "$db" -c "SELECT coalesce($1::text, '\\N') FROM customer ORDER BY customer_id"; }
q_my() { my -N -B -r "$db" -e "SELECT coalesce($1, '\\\\N') FROM Customer ORDER BY CustomerId"; }
q_sl() { sqlite3 "$TMPD/c.db" "SELECT coalesce($1, '\\N') FROM Customer ORDER BY CustomerId"; }

for spec in "email Email fake_email" "phone Phone fake_phone" "first_name FirstName fake_first_name" \
	"company Company fake_company" "postal_code PostalCode fake_postal_code" \
	"customer_id CustomerId scramble" "address Address redact_text"; do
	set -- $spec
	q_pg "$1" >"$TMPD/pg.in"
	q_my "$2" >"$TMPD/my.in"
	q_sl "$2" >"$TMPD/sl.in"
	"$MB" transform "$3" <"$TMPD/pg.in" >"$TMPD/pg.out"
	"$MB" transform "$3" <"$TMPD/my.in" >"$TMPD/my.out"
	"$MB" transform "$3" <"$TMPD/sl.in" >"$TMPD/sl.out"
	n=$(wc -l <"$TMPD/pg.out")
	if [ "$n" -gt 50 ] && cmp -s "$TMPD/pg.out" "$TMPD/my.out" && cmp -s "$TMPD/pg.out" "$TMPD/sl.out"; then
		pass "$3 of $1: the same $n masked values from PostgreSQL, MariaDB and SQLite"
	else
		fail "$3 of $1: the same masked values from PostgreSQL, MariaDB and SQLite"
		diag "$(diff "$TMPD/pg.in" "$TMPD/my.in" | head -3)"
	fi
done
done_testing
