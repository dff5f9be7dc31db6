#!/bin/bash
# run.sh - benchmark of `maskbench run` (issue 6). Never asserts on time.
#
#   tests/bench/run.sh [--scale small|medium|full] [--runs N] [--no-mysql]
#
# Generates customers (N), orders (3N), order_items (~6N), products (10,000)
# and countries (50) in PostgreSQL (small: N = 20,000; medium: 200,000;
# full: 1,000,000 as in ../shared/research/peers.md), with 4 masked
# customer columns, then measures, alternating each figure with its
# baseline in the same round, medians of N runs (default 3):
#   A  pg_dump | psql                       (plain clone, the baseline)
#   B  raw COPY TO STDOUT | COPY FROM STDIN of every table + index builds (the floor)
#   C  maskbench run: masked full copy, --jobs 2
#   D  maskbench run: 1% subset (customers percent 1 with orders, items; parents)
#   E  MariaDB: mysqldump | mysql  vs  F  maskbench run into MariaDB (--no-mysql skips)
# and the peak RSS of C, D and F (/usr/bin/time). Target databases are
# dropped and recreated outside the timed region. Prints ratios C/A, C/B,
# D/A, F/E.
set -u
SCALE=small RUNS=3 MYSQL=1
while [ $# -gt 0 ]; do
	case $1 in
	--scale) SCALE=$2; shift ;;
	--scale=*) SCALE=${1#*=} ;;
	--runs) RUNS=$2; shift ;;
	--no-mysql) MYSQL=0 ;;
	*) echo "usage: $0 [--scale small|medium|full] [--runs N] [--no-mysql]" >&2; exit 2 ;;
	esac
	shift
done
case $SCALE in
small) N=20000 ;; medium) N=200000 ;; full) N=1000000 ;;
*) echo "unknown scale '$SCALE'" >&2; exit 2 ;;
esac
. "${MB_SERVERS_DIR:-/tmp/mbsrv}/env" 2>/dev/null || true
: "${MB_PG_URL:?MB_PG_URL not set (source the servers env file)}"
MB="$(cd "${MB_BUILDDIR:-.}" && pwd)/maskbench"
[ -x "$MB" ] || { echo "no maskbench at $MB (run from the build tree)" >&2; exit 2; }
export PGTZ=UTC MASKBENCH_KEY=bench-key-0123456789abcdef MASKBENCH_REVIEWER=bench
P=mbt_runbench_$$
TMP=$(mktemp -d)
MYSQLC="mariadb --defaults-file=${MB_SERVERS_DIR:-/tmp/mbsrv}/my.cnf"
cleanup() {
	for d in src tgt; do psql -q -d postgres -c "DROP DATABASE IF EXISTS ${P}_$d" >/dev/null 2>&1; done
	[ $MYSQL = 1 ] && $MYSQLC -e "DROP DATABASE IF EXISTS ${P}_src; DROP DATABASE IF EXISTS ${P}_tgt; DROP DATABASE IF EXISTS ${P}_tgt__mb_staging; DROP DATABASE IF EXISTS ${P}_tgt__mb_old" >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT

now() { date +%s.%N; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0) ? a / b : 0 }'; }

SCHEMA="
CREATE TABLE countries (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE products (id int PRIMARY KEY, title text NOT NULL, price numeric(10,2));
CREATE TABLE customers (id bigint PRIMARY KEY, full_name text NOT NULL, email text NOT NULL UNIQUE,
  phone text, street text, country_id int NOT NULL REFERENCES countries(id), created_at timestamp NOT NULL);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers(id),
  placed_at timestamp NOT NULL, status text NOT NULL);
CREATE TABLE order_items (id bigint PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders(id),
  product_id int NOT NULL REFERENCES products(id), qty int NOT NULL, price numeric(10,2) NOT NULL);
CREATE INDEX orders_customer ON orders (customer_id);
CREATE INDEX items_order ON order_items (order_id);
CREATE INDEX items_product ON order_items (product_id);
"

echo "# maskbench run benchmark: scale $SCALE ($N customers, $((3 * N)) orders, ~$((6 * N)) items), $RUNS runs, medians"
t0=$(now)
psql -q -d postgres -c "CREATE DATABASE ${P}_src" >/dev/null
psql -q -v ON_ERROR_STOP=1 -d ${P}_src >/dev/null <<SQL
$SCHEMA
INSERT INTO countries SELECT i, 'Country ' || i FROM generate_series(1, 50) i;
INSERT INTO products SELECT i, 'Product ' || i, (i % 500) + 0.99 FROM generate_series(1, 10000) i;
INSERT INTO customers SELECT i, 'First' || (i % 997) || ' Last' || (i % 1009),
  'user' || i || '@example' || (i % 89) || '.com', '+1 (415) 555-' || lpad((i % 10000)::text, 4, '0'),
  (i % 9000) || ' Main Street', 1 + i % 50, timestamp '2024-01-01' + (i || ' minutes')::interval
  FROM generate_series(1, $N) i;
INSERT INTO orders SELECT i, 1 + (i::bigint * 7919) % $N, timestamp '2024-01-01' + (i || ' seconds')::interval,
  (ARRAY['new','paid','shipped'])[1 + i % 3] FROM generate_series(1, 3 * $N) i;
INSERT INTO order_items SELECT i, 1 + i / 2, 1 + (i * 31) % 10000, 1 + i % 5, (i % 300) + 0.5
  FROM generate_series(1, 6 * $N) i WHERE 1 + i / 2 <= 3 * $N;
ANALYZE;
SQL
echo "# generated the PostgreSQL source in $(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }') s"

W="$TMP/ws.db"
"$MB" -w "$W" catalog "$MB_PG_URL/${P}_src" >/dev/null
for c in customers.full_name:fake_full_name customers.email:fake_email customers.phone:fake_phone customers.street:fake_street; do
	"$MB" -w "$W" rules set "${c%%:*}" --action "${c#*:}" >/dev/null
done
"$MB" -w "$W" rules approve --all >/dev/null

fresh_tgt() {
	psql -q -d postgres -c "DROP DATABASE IF EXISTS ${P}_tgt" -c "CREATE DATABASE ${P}_tgt" >/dev/null 2>&1
}
# Runs "$@" timed; prints seconds. Fails loudly if the command fails.
timed() {
	local a b
	a=$(now)
	"$@" >/dev/null 2>"$TMP/err" || { echo "command failed: $*" >&2; tail -3 "$TMP/err" >&2; echo 0; return; }
	b=$(now)
	awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f\n", b - a }'
}
rss_of() { # peak RSS in MB of a maskbench run: rss_of WORKSPACE SOURCE TARGET
	/usr/bin/time -f "%M" -o "$TMP/rss" "$MB" -w "$1" run "$2" "$3" --jobs 2 --no-verify \
		--force --progress none >/dev/null 2>&1 || { echo "?"; return; }
	awk '$1 ~ /^[0-9]+$/ { printf "%.1f", $1 / 1024 }' "$TMP/rss"
}

plain_clone() { pg_dump -d ${P}_src | psql -q -d ${P}_tgt >/dev/null; }
floor_copy() {
	pg_dump --schema-only --section=pre-data -d ${P}_src | psql -q -d ${P}_tgt >/dev/null
	for t in countries products customers orders order_items; do
		psql -q -d ${P}_src -c "\\copy $t TO STDOUT" | psql -q -d ${P}_tgt -c "\\copy $t FROM STDIN"
	done
	pg_dump --schema-only --section=post-data -d ${P}_src | psql -q -d ${P}_tgt >/dev/null
}
mb_full() { "$MB" -w "$W" run "$MB_PG_URL/${P}_src" "$MB_PG_URL/${P}_tgt" --jobs 2 --no-verify --force --progress none; }
mb_subset() { "$MB" -w "$W" run "$MB_PG_URL/${P}_src" "$MB_PG_URL/${P}_tgt" --jobs 2 --no-verify --force --progress none; }

clone_cfg() { printf 'maskbench: 1\nsubset:\n  roots: []\n' > "$TMP/c.yaml"; "$MB" -w "$W" rules import "$TMP/c.yaml" >/dev/null; }
subset_cfg() {
	printf 'maskbench: 1\nsubset:\n  roots:\n    - {table: customers, percent: 1}\n  children: [orders, order_items]\n  keep_all: [countries]\n' > "$TMP/s.yaml"
	"$MB" -w "$W" rules import "$TMP/s.yaml" >/dev/null
}

A=() B=() C=() D=()
for r in $(seq 1 "$RUNS"); do
	fresh_tgt; A+=("$(timed plain_clone)")
	fresh_tgt; B+=("$(timed floor_copy)")
	fresh_tgt; clone_cfg; C+=("$(timed mb_full)")
	fresh_tgt; subset_cfg; D+=("$(timed mb_subset)")
	echo "# round $r: pg_dump|psql ${A[-1]} s, floor ${B[-1]} s, masked copy ${C[-1]} s, 1% subset ${D[-1]} s"
done
a=$(printf '%s\n' "${A[@]}" | median); b=$(printf '%s\n' "${B[@]}" | median)
c=$(printf '%s\n' "${C[@]}" | median); d=$(printf '%s\n' "${D[@]}" | median)
fresh_tgt; clone_cfg; rss_c=$(rss_of "$W" "$MB_PG_URL/${P}_src" "$MB_PG_URL/${P}_tgt")
fresh_tgt; subset_cfg; rss_d=$(rss_of "$W" "$MB_PG_URL/${P}_src" "$MB_PG_URL/${P}_tgt")
rows_d=$(psql -At -d ${P}_tgt -c "SELECT (SELECT count(*) FROM customers) + (SELECT count(*) FROM orders) + (SELECT count(*) FROM order_items)")

printf '\n%-48s %10s %8s\n' "PostgreSQL ($SCALE)" "median s" "ratio"
printf '%-48s %10s %8s\n' "A pg_dump | psql (plain clone)" "$a" "1.000"
printf '%-48s %10s %8s\n' "B raw COPY pipe + index builds (floor)" "$b" "$(ratio "$b" "$a")"
printf '%-48s %10s %8s   goal <= 0.8, must <= 1.0 (C/A); C/B = %s\n' "C maskbench masked full copy (4 cols, --jobs 2)" "$c" "$(ratio "$c" "$a")" "$(ratio "$c" "$b")"
printf '%-48s %10s %8s   goal <= 0.1 (D/A); %s rows\n' "D maskbench 1% subset" "$d" "$(ratio "$d" "$a")" "$rows_d"
printf '%-48s %10s MB (C), %s MB (D)   goal <= 150 MB at full scale\n' "peak RSS" "$rss_c" "$rss_d"

[ $MYSQL = 1 ] && [ -n "${MB_MYSQL_URL:-}" ] || exit 0
# MariaDB: the same data, generated with the sequence engine.
$MYSQLC -e "CREATE DATABASE ${P}_src"
t0=$(now)
$MYSQLC ${P}_src <<SQL
CREATE TABLE countries (id int PRIMARY KEY, name varchar(40) NOT NULL);
CREATE TABLE products (id int PRIMARY KEY, title varchar(60) NOT NULL, price decimal(10,2));
CREATE TABLE customers (id bigint PRIMARY KEY, full_name varchar(80) NOT NULL, email varchar(120) NOT NULL UNIQUE,
  phone varchar(40), street varchar(80), country_id int NOT NULL, created_at datetime NOT NULL,
  FOREIGN KEY (country_id) REFERENCES countries(id));
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, placed_at datetime NOT NULL,
  status varchar(10) NOT NULL, FOREIGN KEY (customer_id) REFERENCES customers(id));
CREATE TABLE order_items (id bigint PRIMARY KEY, order_id bigint NOT NULL, product_id int NOT NULL,
  qty int NOT NULL, price decimal(10,2) NOT NULL,
  FOREIGN KEY (order_id) REFERENCES orders(id), FOREIGN KEY (product_id) REFERENCES products(id));
SET FOREIGN_KEY_CHECKS = 0;
INSERT INTO countries SELECT seq, CONCAT('Country ', seq) FROM seq_1_to_50;
INSERT INTO products SELECT seq, CONCAT('Product ', seq), (seq % 500) + 0.99 FROM seq_1_to_10000;
INSERT INTO customers SELECT seq, CONCAT('First', seq % 997, ' Last', seq % 1009),
  CONCAT('user', seq, '@example', seq % 89, '.com'), CONCAT('+1 (415) 555-', LPAD(seq % 10000, 4, '0')),
  CONCAT(seq % 9000, ' Main Street'), 1 + seq % 50, '2024-01-01' + INTERVAL seq MINUTE FROM seq_1_to_$N;
INSERT INTO orders SELECT seq, 1 + (seq * 7919) % $N, '2024-01-01' + INTERVAL seq SECOND,
  ELT(1 + seq % 3, 'new', 'paid', 'shipped') FROM seq_1_to_$((3 * N));
INSERT INTO order_items SELECT seq, 1 + seq DIV 2, 1 + (seq * 31) % 10000, 1 + seq % 5, (seq % 300) + 0.5
  FROM seq_1_to_$((6 * N)) WHERE 1 + seq DIV 2 <= $((3 * N));
SET FOREIGN_KEY_CHECKS = 1;
SQL
echo "# generated the MariaDB source in $(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }') s"
WM="$TMP/wsm.db"
"$MB" -w "$WM" catalog "$MB_MYSQL_URL/${P}_src" >/dev/null
for c in customers.full_name:fake_full_name customers.email:fake_email customers.phone:fake_phone customers.street:fake_street; do
	"$MB" -w "$WM" rules set "${c%%:*}" --action "${c#*:}" >/dev/null
done
"$MB" -w "$WM" rules approve --all >/dev/null
fresh_my() { $MYSQLC -e "DROP DATABASE IF EXISTS ${P}_tgt; CREATE DATABASE ${P}_tgt"; }
my_plain() { mysqldump --defaults-file="${MB_SERVERS_DIR:-/tmp/mbsrv}/my.cnf" ${P}_src | $MYSQLC ${P}_tgt; }
my_mb() { "$MB" -w "$WM" run "$MB_MYSQL_URL/${P}_src" "$MB_MYSQL_URL/${P}_tgt" --jobs 2 --no-verify --force --progress none; }
E=() F=()
for r in $(seq 1 "$RUNS"); do
	fresh_my; E+=("$(timed my_plain)")
	fresh_my; F+=("$(timed my_mb)")
	echo "# round $r: mysqldump|mysql ${E[-1]} s, maskbench ${F[-1]} s"
done
e=$(printf '%s\n' "${E[@]}" | median); f=$(printf '%s\n' "${F[@]}" | median)
fresh_my; rss_f=$(rss_of "$WM" "$MB_MYSQL_URL/${P}_src" "$MB_MYSQL_URL/${P}_tgt")
printf '\n%-48s %10s %8s\n' "MariaDB ($SCALE)" "median s" "ratio"
printf '%-48s %10s %8s\n' "E mysqldump | mysql" "$e" "1.000"
printf '%-48s %10s %8s   must <= 1.0; peak RSS %s MB\n' "F maskbench masked full copy (--jobs 2)" "$f" "$(ratio "$f" "$e")" "$rss_f"
