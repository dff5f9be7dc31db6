# harden_lib.sh - helpers of the hardening tests (source after tap.sh).
# Reuses the run suite's fixture and per-engine helpers (eng_setup ENGINE
# defines eng_url/eng_create/eng_drop/eng_sql/eng_load) and adds:
#   eng_clone SRC DST     a full copy of database SRC (a "restored snapshot")
#   eng_table_md5 DB T    md5 of every row of T in the engine's text form, sorted
#   hmb ARGS...           maskbench with the test's workspace ($HWS)
#   mb_inplace WS TARGET ARGS...  `maskbench run --in-place TARGET ARGS` with
#                         workspace WS
. "$MB_SRCDIR/tests/integration/run_fixture.sh"
. "$MB_SRCDIR/tests/integration/run_lib.sh"

harden_setup() {
	eng_setup "$1"
	case $1 in
	sqlite)
		eng_clone() { rm -f "$TMPD/$2.db"-journal "$TMPD/$2.db"-wal "$TMPD/$2.db"-shm; cp "$TMPD/$1.db" "$TMPD/$2.db"; }
		eng_table_md5() { sqlite3 -batch -noheader "$TMPD/$1.db" "SELECT * FROM \"$2\"" | LC_ALL=C sort | md5sum | cut -c1-32; }
		;;
	pg)
		eng_clone() {
			psql -q -d postgres -c "DROP DATABASE IF EXISTS $2 WITH (FORCE)" -c "CREATE DATABASE $2 TEMPLATE $1" >/dev/null 2>&1
		}
		eng_table_md5() { psql -X -q -At -F '|' -d "$1" -c "SELECT * FROM \"$2\"" | LC_ALL=C sort | md5sum | cut -c1-32; }
		;;
	mysql)
		eng_clone() {
			$MYSQL -e "DROP DATABASE IF EXISTS $2; CREATE DATABASE $2" &&
				mariadb-dump --defaults-file="$MB_SERVERS_DIR/my.cnf" --single-transaction "$1" | $MYSQL "$2"
		}
		eng_table_md5() { $MYSQL -N -B "$1" -e "SELECT * FROM \`$2\`" | LC_ALL=C sort | md5sum | cut -c1-32; }
		;;
	esac
}

# Engines this machine can test: sqlite always, servers when started.
harden_engines() {
	echo sqlite
	[ -n "${MB_PG_URL:-}" ] && echo pg
	[ -n "${MB_MYSQL_URL:-}" ] && echo mysql
	if [ -n "${CI:-}" ] && [ "${CI}" != false ]; then
		[ -n "${MB_PG_URL:-}" ] || echo pg-missing
		[ -n "${MB_MYSQL_URL:-}" ] || echo mysql-missing
	fi
}

mb_inplace() {
	local ws=$1 tgt=$2
	shift 2
	"$MB" -w "$ws" run --in-place "$tgt" "$@"
}
# The same for a background job: `mb_inplace_exec ... &` makes $! the
# maskbench process itself (exec replaces the subshell), so signals reach it.
mb_inplace_exec() {
	local ws=$1 tgt=$2
	shift 2
	exec "$MB" -w "$ws" run --in-place "$tgt" "$@"
}

# ---- the big generated source (tests/lib/fixtures_big.sh) ----
. "$MB_SRCDIR/tests/lib/fixtures_big.sh"

# big_prepare PREFIX WS: database PREFIX_src loaded with generation 1 (NTX
# rows of tx, default 200000), PREFIX_tgt created empty, workspace WS with
# the source catalogued and acct.email / acct.name masked and approved.
big_prepare() {
	local p=$1 ws=$2 ntx=${3:-200000}
	eng_create ${p}_src
	fixtures_big_sql "$ENGINE" $((ntx / 10)) "$ntx" 1 | eng_load ${p}_src >/dev/null || return 1
	eng_create ${p}_tgt
	"$MB" -w "$ws" catalog "$(eng_url ${p}_src)" >/dev/null &&
	"$MB" -w "$ws" rules set acct.email --action fake_email --category email >/dev/null &&
	"$MB" -w "$ws" rules set acct.name --action fake_full_name --category person_name >/dev/null &&
	"$MB" -w "$ws" rules approve --all --reviewer harden >/dev/null
}

# Generation 2 of the source: 10% fewer tx rows, every memo restamped.
big_next_generation() {
	eng_sql "$1" "DELETE FROM tx WHERE id % 10 = 0" >/dev/null &&
	eng_sql "$1" "UPDATE tx SET memo = REPLACE(memo, 'gen1 ', 'gen2 ')" >/dev/null
}

# One line describing a target: row counts, generations, FK orphans.
big_state() {
	local db=$1
	echo "acct=$(eng_sql "$db" "SELECT count(*) FROM acct" 2>/dev/null)" \
	     "tx=$(eng_sql "$db" "SELECT count(*) FROM tx" 2>/dev/null)" \
	     "gen1=$(eng_sql "$db" "SELECT count(*) FROM tx WHERE memo LIKE 'gen1 %'" 2>/dev/null)" \
	     "gen2=$(eng_sql "$db" "SELECT count(*) FROM tx WHERE memo LIKE 'gen2 %'" 2>/dev/null)" \
	     "orphans=$(eng_sql "$db" "$(fixtures_big_orphans_sql)" 2>/dev/null)" \
	     "plain_emails=$(eng_sql "$db" "SELECT count(*) FROM acct WHERE email LIKE 'user%@mail%.example.net'" 2>/dev/null)"
}

# Staging left behind by a target: PG schemas, MySQL databases, SQLite files.
staging_left() {
	local db=$1
	case $ENGINE in
	pg) eng_sql "$db" "SELECT count(*) FROM information_schema.schemata WHERE schema_name LIKE '%\\_\\_mb\\_staging' OR schema_name LIKE '%\\_\\_mb\\_old'" ;;
	mysql) eng_sql "$db" "SELECT count(*) FROM information_schema.schemata WHERE schema_name IN ('${db}__mb_staging', '${db}__mb_old')" ;;
	sqlite) ls "$TMPD" | grep -c "^$db\.db\..*tmp" ;;
	esac
}

# Waits (up to $2 seconds) until file $1 contains pattern $3.
wait_for_line() {
	local f=$1 deadline=$((SECONDS + $2)) pat=$3 pid=${4:-}
	while ! grep -q -- "$pat" "$f" 2>/dev/null; do
		[ $SECONDS -ge $deadline ] && return 1
		[ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null && return 1
		sleep 0.05
	done
}

last_outcome() { sqlite3 "$1" "SELECT outcome FROM runs ORDER BY id DESC LIMIT 1" 2>/dev/null; }

# Like run_lib's orphans, but an unreadable table is a failure, not a zero:
# prints the total of orphan rows, or "error" when any check could not run.
strict_orphans() {
	local fk n total=0
	for fk in "${RUN_FKS[@]}"; do
		n=$(eng_sql "$1" "$(run_orphans_sql "$fk")" 2>/dev/null)
		case $n in ''|*[!0-9]*) echo error; return ;; esac
		total=$((total + n))
	done
	echo $total
}
