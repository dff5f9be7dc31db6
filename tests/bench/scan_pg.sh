#!/bin/bash
# scan_pg.sh - benchmark: `maskbench scan` of a generated PostgreSQL
# database of TABLES tables x 10 columns x ROWS rows (default 100 x 10 x
# 100,000; MB_BENCH_SCALE=small uses 100 x 10 x 10,000 for CI). Prints the
# wall time and the number of statements per table (MB_TRACE_SQL); never
# asserts on time.
set -u
. "${MB_SERVERS_DIR:-/tmp/mbsrv}/env" 2>/dev/null || true
: "${MB_PG_URL:?MB_PG_URL not set (source the servers env file)}"
MB="${MB_BUILDDIR:-.}/maskbench"
TABLES=${TABLES:-100}
ROWS=${ROWS:-100000}
[ "${MB_BENCH_SCALE:-}" = small ] && ROWS=10000
DB=mbt_scan_bench_$$
TMP=$(mktemp -d)
trap 'psql -q -d postgres -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1; rm -rf "$TMP"' EXIT

psql -q -d postgres -c "CREATE DATABASE $DB" >/dev/null
t0=$(date +%s.%N)
{
	for t in $(seq 1 "$TABLES"); do
		cat <<SQL
CREATE TABLE t$t(id bigint PRIMARY KEY, email text, phone text, full_name text,
  amount numeric(12,2), created_at timestamp, status text, note text,
  city text, code text);
INSERT INTO t$t SELECT i, 'user' || i || '@mail' || (i % 97) || '.com',
  '+1 (415) 555-' || lpad((i % 10000)::text, 4, '0'), 'Person ' || i,
  (i % 1000) * 1.5, timestamp '2024-01-01' + (i || ' minutes')::interval,
  (ARRAY['ACTIVE','PENDING','CLOSED'])[1 + i % 3],
  'order ' || i || ' shipped without incident', 'City ' || (i % 300),
  md5(i::text)
FROM generate_series(1, $ROWS) i;
SQL
	done
	echo "ANALYZE;"
} | psql -q -d "$DB" -v ON_ERROR_STOP=1 >/dev/null
t1=$(date +%s.%N)
echo "generated $TABLES tables x 10 columns x $ROWS rows in $(echo "$t1 - $t0" | bc) s"

export MB_TRACE_SQL="$TMP/trace.sql"
TIMEFORMAT='%U %S'
t0=$(date +%s.%N)
{ time "$MB" --workspace "$TMP/ws.db" scan "$MB_PG_URL/$DB" --format tsv > "$TMP/out.tsv"; } 2> "$TMP/cpu"
rc=$?
t1=$(date +%s.%N)
sampling=$(grep -c -E 'FROM "public"\."t[0-9]+"' "$TMP/trace.sql")
total=$(wc -l < "$TMP/trace.sql")
flagged=$(awk -F'\t' 'NR > 1 && $5 >= 0.5' "$TMP/out.tsv" | wc -l)
echo "scan: exit $rc, $(echo "$t1 - $t0" | bc) s wall for $TABLES tables (catalog + scan + store)"
echo "maskbench cpu: $(awk '{ print $1 " s user, " $2 " s sys" }' "$TMP/cpu")"
echo "statements: $total in all, $sampling sampling queries = $(echo "scale=2; $sampling / $TABLES" | bc) per table"
echo "findings >= 0.5: $flagged"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
