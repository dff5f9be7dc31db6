# run_lib.sh - the run suite, the same on every engine (source it after
# tap.sh and run_fixture.sh, then call run_suite ENGINE).
#
# Per engine: eng_create NAME (empty database), eng_drop NAME, eng_url NAME,
# eng_sql NAME SQL (prints rows, '|' between columns), eng_load NAME < sql.

eng_setup() {
	ENGINE=$1
	case $ENGINE in
	sqlite)
		eng_url() { echo "sqlite://$TMPD/$1.db"; }
		eng_create() { rm -f "$TMPD/$1.db"; }
		eng_drop() { rm -f "$TMPD/$1.db"; }
		eng_sql() { sqlite3 -batch -noheader "$TMPD/$1.db" "$2"; }
		eng_load() { sqlite3 -batch "$TMPD/$1.db"; }
		eng_load_dump() { sqlite3 -batch "$TMPD/$1.db" < "$2"; }
		eng_exists() { [ -f "$TMPD/$1.db" ]; }
		;;
	pg)
		eng_url() { echo "$MB_PG_URL/$1"; }
		eng_create() { psql -q -d postgres -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" >/dev/null 2>&1; }
		eng_drop() { psql -q -d postgres -c "DROP DATABASE IF EXISTS $1" >/dev/null 2>&1; }
		eng_sql() { psql -X -q -At -F '|' -d "$1" -c "$2"; }
		eng_load() { psql -X -q -v ON_ERROR_STOP=1 -d "$1" >/dev/null; }
		eng_load_dump() { psql -X -q -v ON_ERROR_STOP=1 -d "$1" -f "$2" >/dev/null; }
		eng_exists() { [ "$(eng_sql "$1" "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")" != 0 ]; }
		;;
	mysql)
		MYSQL="mariadb --defaults-file=$MB_SERVERS_DIR/my.cnf"
		eng_url() { echo "$MB_MYSQL_URL/$1"; }
		eng_create() { $MYSQL -e "DROP DATABASE IF EXISTS $1; CREATE DATABASE $1"; }
		eng_drop() { $MYSQL -e "DROP DATABASE IF EXISTS $1; DROP DATABASE IF EXISTS ${1}__mb_staging; DROP DATABASE IF EXISTS ${1}__mb_old"; }
		eng_sql() { $MYSQL -N -B "$1" -e "$2" | tr '\t' '|'; }
		eng_load() { $MYSQL "$1"; }
		eng_load_dump() { $MYSQL "$1" < "$2"; }
		eng_exists() { [ "$(eng_sql "$1" "SELECT count(*) FROM information_schema.tables WHERE table_schema = '$1'")" != 0 ]; }
		;;
	esac
}

# Staging leftovers of a target: files, schemas or databases.
staging_left() {
	case $ENGINE in
	sqlite) ls "$TMPD" | grep -c "^$1.db.mbtmp-" ;;
	pg) eng_sql "$1" "SELECT count(*) FROM information_schema.schemata WHERE schema_name LIKE '%mb_staging'" ;;
	mysql) eng_sql "$1" "SELECT count(*) FROM information_schema.schemata WHERE schema_name IN ('${1}__mb_staging', '${1}__mb_old')" ;;
	esac
}

# Rows per table of a target, "table count" lines in a fixed order.
RUN_TABLES="region customer orders shipment product order_item document event audit_log"
table_counts() {
	local t
	for t in $RUN_TABLES; do
		echo "$t $(eng_sql "$1" "SELECT count(*) FROM $t")"
	done
}
# The same from `plan --format tsv`.
plan_counts() {
	local t
	for t in $RUN_TABLES; do
		awk -F'\t' -v t="$t" '$2 == t { print t " " $3 }' "$1"
	done
}
orphans() {
	local fk total=0 n
	for fk in "${RUN_FKS[@]}"; do
		# A failed query (or an empty / non-numeric answer) is an error, not 0.
		if ! n=$(eng_sql "$1" "$(run_orphans_sql "$fk")" 2>&1) || ! [[ $n =~ ^[0-9]+$ ]]; then
			diag "orphans $fk: the query failed: $(printf '%s' "$n" | head -1 | cut -c1-200)" >&2
			echo "query-failed"
			return 1
		fi
		[ "$n" = 0 ] || diag "orphans $fk: $n" >&2
		total=$((total + n))
	done
	echo $total
}

mbw() { "$MB" -w "$TMPD/ws.db" "$@"; }

run_suite() {
	local e=$1 p=mbt_run_$1_$$ SRC TGT out rc
	eng_setup "$e"
	SRC=$(eng_url ${p}_src)
	TGT=$(eng_url ${p}_tgt)
	export MASKBENCH_KEY=run-suite-key-0123456789abcdef MASKBENCH_REVIEWER=tester
	run_fixture_customers_file > "$TMPD/customers.txt"

	eng_create ${p}_src
	run_fixture_sql "$e" 300 | eng_load ${p}_src
	check $? "$e: source fixture loaded"
	eng_create ${p}_tgt

	mbw catalog "$SRC" --format tsv >/dev/null
	mbw rules set customer.name --action fake_company --category company_name >/dev/null &&
	mbw rules set customer.email --action fake_email --category email >/dev/null &&
	mbw rules set orders.note --action redact_text --category free_text_pii >/dev/null &&
	mbw rules set document.body --action redact_text --category free_text_pii >/dev/null &&
	mbw rules set product.sku --action hash --param length=16 --category identifier >/dev/null
	check $? "$e: rules set"

	# The gate: nothing reviewed yet, nothing written.
	mbw run "$SRC" "$TGT" --progress none >/dev/null 2>"$TMPD/gate.err"
	is "$?" 1 "$e: the gate refuses unreviewed columns (exit 1)"
	ok "$e: the gate names a column" grep -q "unreviewed .*customer" "$TMPD/gate.err"
	if eng_exists ${p}_tgt; then fail "$e: the gate wrote nothing"; else pass "$e: the gate wrote nothing"; fi

	mbw rules approve --all >/dev/null
	cat > "$TMPD/subset.yaml" <<'EOF'
maskbench: 1
subset:
  roots:
    - table: customer
      where: "id <= 30"
  children: [orders, order_item, shipment, document, event]
  virtual_foreign_keys:
    - from: document(order_ref)
      to: orders(id)
  keep_all: [region]
  truncate: [audit_log]
  windows:
    - {table: event, column: happened_at, last: 7d}
EOF
	mbw rules import "$TMPD/subset.yaml" >/dev/null
	check $? "$e: subset settings imported"

	mbw plan "$SRC" --format tsv > "$TMPD/plan_est.tsv"
	check $? "$e: plan"
	mbw plan "$SRC" --format tsv --exact > "$TMPD/plan.tsv"
	check $? "$e: plan --exact"
	is "$(awk -F'\t' '$2 == "product" || $2 == "customer" || $2 == "audit_log" || $2 == "document" { print $2 ":" $4 }' "$TMPD/plan.tsv" | sort | tr '\n' ' ')" \
		"audit_log:truncated customer:root document:child of $(awk -F'\t' '$2 == "orders" { print $1 }' "$TMPD/plan.tsv").orders product:parent of $(awk -F'\t' '$2 == "orders" { print $1 }' "$TMPD/plan.tsv").order_item " \
		"$e: plan reasons (root, parent, child through a virtual FK, truncated)"
	# Load order: every declared parent before its child, except the broken cycle edge.
	local pos_c pos_o pos_s pos_i
	pos_c=$(awk -F'\t' '$2 == "customer" { print NR }' "$TMPD/plan.tsv")
	pos_o=$(awk -F'\t' '$2 == "orders" { print NR }' "$TMPD/plan.tsv")
	pos_s=$(awk -F'\t' '$2 == "shipment" { print NR }' "$TMPD/plan.tsv")
	pos_i=$(awk -F'\t' '$2 == "order_item" { print NR }' "$TMPD/plan.tsv")
	ok "$e: load order parents first, cycle broken at the nullable edge" \
		test "$pos_c" -lt "$pos_o" -a "$pos_o" -lt "$pos_s" -a "$pos_o" -lt "$pos_i"

	mbw run "$SRC" "$TGT" --customers "$TMPD/customers.txt" --progress lines --jobs 2 >"$TMPD/run.out" 2>"$TMPD/run.err"
	rc=$?
	is "$rc" 0 "$e: run into an empty target"
	[ "$rc" = 0 ] || diag "$(tail -3 "$TMPD/run.err")"
	ok "$e: progress lines on a pipe" grep -q "rows/s" "$TMPD/run.err"
	is "$(table_counts ${p}_tgt | tr '\n' ' ')" "$(plan_counts "$TMPD/plan.tsv" | tr '\n' ' ')" \
		"$e: row counts match the plan"
	is "$(orphans ${p}_tgt)" 0 "$e: every foreign key resolves (declared and virtual)"

	# Masked columns differ, unmasked columns are equal, row by row.
	eng_sql ${p}_src "SELECT id, email, name, region_id FROM customer WHERE id <= 30 ORDER BY id" > "$TMPD/src_c"
	eng_sql ${p}_tgt "SELECT id, email, name, region_id FROM customer ORDER BY id" > "$TMPD/tgt_c"
	is "$(wc -l < "$TMPD/tgt_c")" 30 "$e: the root rows arrived"
	is "$(join -t'|' "$TMPD/src_c" "$TMPD/tgt_c" | awk -F'|' '$2 == $5 || $3 == $6' | wc -l)" 0 \
		"$e: masked columns (email, name) differ from the source"
	is "$(join -t'|' "$TMPD/src_c" "$TMPD/tgt_c" | awk -F'|' '$4 != $7' | wc -l)" 0 \
		"$e: unmasked columns are equal"
	is "$(eng_sql ${p}_tgt "SELECT count(*) FROM order_item i JOIN product p ON p.sku = i.sku AND p.variant = i.variant")" \
		"$(eng_sql ${p}_tgt "SELECT count(*) FROM order_item")" \
		"$e: a masked key still joins (product.sku -> order_item.sku)"
	is "$(eng_sql ${p}_tgt "SELECT count(*) FROM product WHERE sku LIKE 'SKU-%'")" 0 \
		"$e: the masked key differs from the source"

	mbw verify "$TGT" --customers "$TMPD/customers.txt" > "$TMPD/verify.out" 2>&1
	is "$?" 0 "$e: verify is clean"
	eng_sql ${p}_tgt "UPDATE document SET body = 'Invoice for Zephyrion Holdings' WHERE id = (SELECT min_id FROM (SELECT min(id) AS min_id FROM document) x)" >/dev/null
	mbw verify "$TGT" --customers "$TMPD/customers.txt" > "$TMPD/verify.out" 2>&1
	is "$?" 1 "$e: verify catches a planted customer name (exit 1)"
	ok "$e: verify names table.column" grep -q "document.body" "$TMPD/verify.out"
	if grep -q Zephyrion "$TMPD/verify.out"; then fail "$e: verify never prints the value"; else pass "$e: verify never prints the value"; fi

	# Refusals.
	mbw run "$SRC" "$SRC" --progress none >/dev/null 2>"$TMPD/same.err"
	is "$?" 2 "$e: a target that is the source is refused"
	eng_create ${p}_other
	echo "CREATE TABLE precious (id INTEGER PRIMARY KEY); INSERT INTO precious VALUES (1);" | eng_load ${p}_other
	mbw run "$SRC" "$(eng_url ${p}_other)" --progress none >/dev/null 2>"$TMPD/other.err"
	is "$?" 2 "$e: a non-empty target maskbench did not create is refused"
	is "$(eng_sql ${p}_other "SELECT count(*) FROM precious")" 1 "$e: ... and left alone"
	mbw run "$SRC" "$(eng_url ${p}_other)" --progress none --force --no-verify >/dev/null 2>&1
	is "$?" 0 "$e: --force overwrites it"
	eng_drop ${p}_other

	# A killed run leaves the previous target as it was.
	local before after pid
	mbw run "$SRC" "$TGT" --progress none --no-verify >/dev/null 2>&1
	before=$(table_counts ${p}_tgt | tr '\n' ' ')$(eng_sql ${p}_tgt "SELECT max(body) FROM document")
	cat > "$TMPD/clone.yaml" <<'EOF'
maskbench: 1
subset:
  roots: []
EOF
	eng_create ${p}_big
	run_fixture_sql "$e" 30000 | eng_load ${p}_big
	"$MB" -w "$TMPD/ws_big.db" catalog "$(eng_url ${p}_big)" >/dev/null
	"$MB" -w "$TMPD/ws_big.db" rules approve --all >/dev/null
	"$MB" -w "$TMPD/ws_big.db" run "$(eng_url ${p}_big)" "$TGT" --progress lines --no-verify --force >/dev/null 2>"$TMPD/kill.err" &
	pid=$!
	local deadline=$((SECONDS + 60))
	while ! grep -q "rows/s" "$TMPD/kill.err" 2>/dev/null && kill -0 $pid 2>/dev/null && [ $SECONDS -lt $deadline ]; do
		sleep 0.05
	done
	if kill -9 $pid 2>/dev/null; then pass "$e: run killed mid-load"; else fail "$e: run killed mid-load"; fi
	wait $pid 2>/dev/null
	after=$(table_counts ${p}_tgt | tr '\n' ' ')$(eng_sql ${p}_tgt "SELECT max(body) FROM document")
	is "$after" "$before" "$e: a killed run leaves the previous target intact"
	mbw run "$SRC" "$TGT" --progress none --no-verify >/dev/null 2>&1
	is "$?" 0 "$e: the next run cleans up after the killed one"
	is "$(staging_left ${p}_tgt)" 0 "$e: no staging area is left behind"
	before=$(table_counts ${p}_tgt | tr '\n' ' ')$(eng_sql ${p}_tgt "SELECT max(body) FROM document")

	# Ctrl-C: stops promptly, cleans up, exit 130.
	: > "$TMPD/int.err"
	"$MB" -w "$TMPD/ws_big.db" run "$(eng_url ${p}_big)" "$TGT" --progress lines --no-verify --force >/dev/null 2>"$TMPD/int.err" &
	pid=$!
	deadline=$((SECONDS + 60))
	while ! grep -q "rows/s" "$TMPD/int.err" && kill -0 $pid 2>/dev/null && [ $SECONDS -lt $deadline ]; do
		sleep 0.05
	done
	kill -INT $pid 2>/dev/null
	wait $pid
	is "$?" 130 "$e: Ctrl-C stops the run with exit 130"
	after=$(table_counts ${p}_tgt | tr '\n' ' ')$(eng_sql ${p}_tgt "SELECT max(body) FROM document")
	is "$after" "$before" "$e: a cancelled run leaves the previous target intact"
	is "$(staging_left ${p}_tgt)" 0 "$e: a cancelled run cleans up its staging area"
	eng_drop ${p}_big

	# Dumps: loadable, retention.
	mbw run "$SRC" "file://$TMPD/dev.sql" --progress none >/dev/null 2>"$TMPD/dump.err"
	is "$?" 0 "$e: run into a dump file"
	eng_create ${p}_fromdump
	eng_load_dump ${p}_fromdump "$TMPD/dev.sql"
	check $? "$e: the dump loads into an empty database"
	is "$(table_counts ${p}_fromdump | tr '\n' ' ')" "$(plan_counts "$TMPD/plan.tsv" | tr '\n' ' ')" \
		"$e: the dump holds the planned rows"
	is "$(orphans ${p}_fromdump)" 0 "$e: foreign keys resolve in the loaded dump"
	eng_drop ${p}_fromdump
	for k in 1 2 3; do
		mbw run "$SRC" "file://$TMPD/keep.sql.gz" --keep 2 --progress none --no-verify >/dev/null 2>&1 || break
		sleep 1
	done
	is "$(ls "$TMPD" | grep -c '^keep-.*\.sql\.gz$')" 2 "$e: --keep 2 keeps the newest two dated dumps"
	ok "$e: no temporary dump files are left" test -z "$(ls "$TMPD" | grep '\.tmp-')"

	# A dump is verified as it is written: a rule that writes a customer's
	# name into every row leaks, and the dump never gets its name.
	mbw run "$SRC" "file://$TMPD/clean.sql" --customers "$TMPD/customers.txt" \
		--progress none >"$TMPD/clean.out" 2>&1
	is "$?" 0 "$e: a dump run with --customers is verified clean"
	ok "$e: ... and says so" grep -q "verified clean" "$TMPD/clean.out"
	mbw rules set document.body --action fixed --param 'value=Invoice for Zephyrion Holdings' \
		>/dev/null && mbw rules approve document.body >/dev/null
	check $? "$e: a leaking rule (fixed customer name) approved"
	mbw run "$SRC" "file://$TMPD/leaky.sql" --customers "$TMPD/customers.txt" \
		--progress none >"$TMPD/leaky.out" 2>&1
	is "$?" 1 "$e: a leaking dump fails verify (exit 1)"
	ok "$e: ... naming table.column" grep -q "document.body" "$TMPD/leaky.out"
	if grep -q Zephyrion "$TMPD/leaky.out"; then fail "$e: ... never printing the value"
	else pass "$e: ... never printing the value"; fi
	ok "$e: ... and nothing is left under the dump's name" test ! -e "$TMPD/leaky.sql"
	ok "$e: ... nor a temporary file" test -z "$(ls "$TMPD" | grep '\.tmp-')"
	mbw rules set document.body --action redact_text >/dev/null &&
		mbw rules approve document.body >/dev/null
	check $? "$e: the rule restored"

	# Percent and limit roots, depth-limited children: deterministic.
	cat > "$TMPD/subset2.yaml" <<'EOF'
maskbench: 1
subset:
  roots:
    - table: customer
      percent: 20
    - table: product
      limit: 5
  children: all
  max_depth: 1
  virtual_foreign_keys:
    - from: document(order_ref)
      to: orders(id)
  truncate: [audit_log]
EOF
	printf 'maskbench: 1\nsubset:\n  roots:\n    - {table: event, percent: 20}\n  windows: []\n' > "$TMPD/subset2a.yaml"
	mbw rules import "$TMPD/subset2a.yaml" >/dev/null
	local nev
	nev=$(mbw plan "$SRC" --format tsv --exact | awk -F'\t' '$2 == "event" { print $3 }')
	ok "$e: percent 20 takes about a fifth of the rows ($nev of 600)" test "$nev" -ge 80 -a "$nev" -le 160
	mbw rules import "$TMPD/subset2.yaml" >/dev/null
	mbw plan "$SRC" --format tsv --exact > "$TMPD/plan2.tsv"
	mbw plan "$SRC" --format tsv --exact > "$TMPD/plan2b.tsv"
	ok "$e: percent and limit roots are deterministic" cmp -s "$TMPD/plan2.tsv" "$TMPD/plan2b.tsv"
	mbw run "$SRC" "$TGT" --progress none --no-verify >/dev/null 2>"$TMPD/run2.err"
	is "$?" 0 "$e: run with percent/limit roots" || diag "$(tail -3 "$TMPD/run2.err")"
	is "$(table_counts ${p}_tgt | tr '\n' ' ')" "$(plan_counts "$TMPD/plan2.tsv" | tr '\n' ' ')" \
		"$e: percent/limit row counts match the plan"
	is "$(orphans ${p}_tgt)" 0 "$e: percent/limit: every foreign key resolves"

	# No roots: a clone with a window and a truncated table.
	cat > "$TMPD/subset3.yaml" <<'EOF'
maskbench: 1
subset:
  roots: []
  truncate: [audit_log]
  windows:
    - {table: event, column: happened_at, last: 2d}
EOF
	mbw rules import "$TMPD/subset3.yaml" >/dev/null
	mbw plan "$SRC" --format tsv --exact > "$TMPD/plan3.tsv"
	mbw run "$SRC" "$TGT" --progress none --no-verify --jobs 3 >/dev/null 2>"$TMPD/run3.err"
	is "$?" 0 "$e: masked clone with a window" || diag "$(tail -3 "$TMPD/run3.err")"
	is "$(table_counts ${p}_tgt | tr '\n' ' ')" "$(plan_counts "$TMPD/plan3.tsv" | tr '\n' ' ')" \
		"$e: clone row counts match the plan"
	nev=$(awk -F'\t' '$2 == "event" { print $3 }' "$TMPD/plan3.tsv")
	ok "$e: the 2-day window keeps the last 23-24 two-hourly events ($nev)" test "$nev" -ge 23 -a "$nev" -le 24
	is "$(orphans ${p}_tgt)" 0 "$e: clone: every foreign key resolves"

	eng_drop ${p}_src
	eng_drop ${p}_tgt
}

# ---------------------------------------------------------------------------
# run_gaps ENGINE: shuffle, --after (commands and SQL files with :params),
# views, the gate recorded as a refused run, quiet stderr, aborted loads.
# Uses its own databases (mbt_run2_ENGINE_PID_*) and workspaces.

# "id|value" of a column, NULL spelled out, ordered by id.
col_dump() {
	eng_sql "$1" "SELECT id, CASE WHEN $2 IS NULL THEN 'NULL' ELSE '' || $2 END FROM $3 ORDER BY id"
}

run_gaps() {
	local e=$1 p=mbt_run2_$1_$$ SRC TGT rc n
	eng_setup "$e"
	[ "$e" = mysql ] && col_dump() {
		eng_sql "$1" "SELECT id, IFNULL(CAST($2 AS CHAR), 'NULL') FROM $3 ORDER BY id"
	}
	SRC=$(eng_url ${p}_src)
	TGT=$(eng_url ${p}_tgt)
	export MASKBENCH_KEY=run-gaps-key-0123456789abcdef MASKBENCH_REVIEWER=tester
	local W="$TMPD/ws_gaps.db"
	mbg() { "$MB" -w "$W" "$@"; }

	eng_create ${p}_src
	run_fixture_sql "$e" 300 | eng_load ${p}_src
	eng_sql ${p}_src "UPDATE customer SET created_at = NULL WHERE id % 10 = 0" >/dev/null
	case $e in
	pg) eng_sql ${p}_src "CREATE VIEW big_orders AS SELECT o.id, c.name FROM orders o JOIN customer c ON c.id = o.customer_id WHERE o.id > 5;
		CREATE VIEW big_orders_n AS SELECT count(*) AS n FROM big_orders;
		CREATE MATERIALIZED VIEW region_mv AS SELECT id FROM region;
		CREATE VIEW on_mv AS SELECT * FROM region_mv" >/dev/null ;;
	sqlite) eng_sql ${p}_src "CREATE VIEW big_orders AS SELECT o.id, c.name FROM orders o JOIN customer c ON c.id = o.customer_id WHERE o.id > 5;
		CREATE VIEW big_orders_n AS SELECT count(*) AS n FROM big_orders" >/dev/null ;;
	mysql) eng_sql ${p}_src "CREATE VIEW big_orders AS SELECT o.id, c.name FROM orders o JOIN customer c ON c.id = o.customer_id WHERE o.id > 5" >/dev/null ;;
	esac
	check $? "$e gaps: source fixture with views and NULLs loaded"
	eng_create ${p}_tgt
	mbg catalog "$SRC" --format tsv >/dev/null

	# The gate refusal is a recorded run.
	mbg rules set customer.created_at --action shuffle >/dev/null
	mbg run "$SRC" "$TGT" --progress none >/dev/null 2>"$TMPD/g_gate.err"
	is "$?" 1 "$e gaps: the gate refuses"
	is "$(sqlite3 "$W" "SELECT outcome || '|' || (ended_at IS NOT NULL) || '|' || (note LIKE '% unreviewed columns (first: %') FROM runs ORDER BY id DESC LIMIT 1")" \
		"refused|1|1" "$e gaps: the refusal is recorded as a run with outcome refused"
	ok "$e gaps: the refusal names its run" grep -q "run [0-9]* refused" "$TMPD/g_gate.err"
	mbg rules approve --all >/dev/null

	# shuffle: a permutation of the copied values, NULLs kept, deterministic.
	mbg run "$SRC" "$TGT" --progress none --jobs 2 >/dev/null 2>"$TMPD/g_run1.err"
	rc=$?
	is "$rc" 0 "$e gaps: run with a shuffled column"
	[ "$rc" = 0 ] || diag "$(tail -3 "$TMPD/g_run1.err")"
	col_dump ${p}_src created_at customer > "$TMPD/g_src"
	col_dump ${p}_tgt created_at customer > "$TMPD/g_tgt1"
	is "$(cut -d'|' -f2 "$TMPD/g_tgt1" | sort | md5sum)" "$(cut -d'|' -f2 "$TMPD/g_src" | sort | md5sum)" \
		"$e gaps: shuffle keeps the multiset of values"
	is "$(grep -c '|NULL$' "$TMPD/g_tgt1")" 30 "$e gaps: shuffle: 30 NULLs in the target"
	is "$(join -t'|' "$TMPD/g_src" "$TMPD/g_tgt1" | awk -F'|' '($2 == "NULL") != ($3 == "NULL")' | wc -l)" 0 \
		"$e gaps: shuffle: NULLs stay NULL, values stay values"
	n=$(join -t'|' "$TMPD/g_src" "$TMPD/g_tgt1" | awk -F'|' '$2 != "NULL" && $2 != $3' | wc -l)
	ok "$e gaps: shuffle moved most values ($n of 270)" test "$n" -ge 250
	mbg run "$SRC" "$TGT" --progress none --no-verify >/dev/null 2>&1
	col_dump ${p}_tgt created_at customer > "$TMPD/g_tgt2"
	ok "$e gaps: shuffle gives the same result with the same key" cmp -s "$TMPD/g_tgt1" "$TMPD/g_tgt2"
	MASKBENCH_KEY=another-key-for-the-run-gaps-0000 mbg run "$SRC" "$TGT" --progress none --no-verify >/dev/null 2>&1
	col_dump ${p}_tgt created_at customer > "$TMPD/g_tgt3"
	if cmp -s "$TMPD/g_tgt1" "$TMPD/g_tgt3"; then fail "$e gaps: shuffle depends on the key"; else pass "$e gaps: shuffle depends on the key"; fi
	mbg run "$SRC" "file://$TMPD/g_dump.sql" --progress none --no-verify >/dev/null 2>"$TMPD/g_dump.err"
	is "$?" 0 "$e gaps: shuffle into a dump"
	eng_create ${p}_fromdump
	eng_load_dump ${p}_fromdump "$TMPD/g_dump.sql"
	check $? "$e gaps: the dump with a shuffled column loads"
	col_dump ${p}_fromdump created_at customer > "$TMPD/g_dumped"
	ok "$e gaps: the dump shuffles like the database target" cmp -s "$TMPD/g_tgt1" "$TMPD/g_dumped"
	eng_drop ${p}_fromdump
	# (MySQL: the target database is another schema, so the rules do not apply there.)
	if [ "$e" != mysql ]; then
		mbg run --in-place "$TGT" --force --allow-unreviewed --progress none --no-verify >/dev/null 2>"$TMPD/g_inplace.err"
		is "$?" 2 "$e gaps: the in-place strategy refuses a shuffle (exit 2)"
		ok "$e gaps: ... naming table.column" grep -q "customer.created_at: shuffle is not supported by the in-place" "$TMPD/g_inplace.err" ||
			diag "$(tail -c 300 "$TMPD/g_inplace.err")"
	fi
	# A shuffled key would break the foreign keys that reference it.
	mbg rules set customer.id --action shuffle >/dev/null
	mbg run "$SRC" "$TGT" --progress none --no-verify --allow-unreviewed >/dev/null 2>"$TMPD/g_shkey.err"
	is "$?" 2 "$e gaps: a shuffled key referenced by foreign keys is refused (exit 2)"
	ok "$e gaps: ... naming both columns" grep -q "customer.id is shuffled but .* references it" "$TMPD/g_shkey.err"
	mbg rules set customer.id --action keep >/dev/null
	mbg rules approve --all >/dev/null
	# The shuffle goes back to the first key for what follows.
	mbg run "$SRC" "$TGT" --progress none --no-verify >/dev/null 2>&1

	# Views.
	case $e in
	pg|sqlite)
		is "$(eng_sql ${p}_tgt "SELECT count(*) FROM big_orders")" \
			"$(eng_sql ${p}_tgt "SELECT count(*) FROM orders o JOIN customer c ON c.id = o.customer_id WHERE o.id > 5")" \
			"$e gaps: a view is created and reads the new tables"
		is "$(eng_sql ${p}_tgt "SELECT n FROM big_orders_n")" "$(eng_sql ${p}_src "SELECT count(*) FROM big_orders")" \
			"$e gaps: a view of a view is created after it"
		# (SQLite: every table is copied and the catalog refuses a view of a
		# missing table, so nothing can be skipped there.)
		if [ "$e" = sqlite ]; then
			is "$(eng_sql ${p}_tgt "SELECT count(*) FROM sqlite_master WHERE type = 'view'")" 2 "$e gaps: two views in the target"
		else
			ok "$e gaps: a view reading what is not copied (a materialized view) is skipped and named" \
				grep -q "view skipped: public.on_mv: it reads public.region_mv, which is not copied" "$TMPD/g_run1.err"

			is "$(eng_sql ${p}_tgt "SELECT count(*) FROM information_schema.views WHERE table_schema = 'public'")" 2 "$e gaps: two views in the target"
		fi
		eng_create ${p}_fromdump
		eng_load_dump ${p}_fromdump "$TMPD/g_dump.sql"
		is "$(eng_sql ${p}_fromdump "SELECT n FROM big_orders_n")" "$(eng_sql ${p}_src "SELECT count(*) FROM big_orders")" \
			"$e gaps: the dump creates the views"
		eng_drop ${p}_fromdump
		;;
	mysql)
		ok "$e gaps: views are named as skipped on MySQL" grep -q "view skipped: ${p}_src.big_orders:" "$TMPD/g_run1.err"
		;;
	esac

	# --after: a command and an SQL file with parameters, in order.
	cat > "$TMPD/after.sql" <<'SQL'
-- the demo customisation: ':inquote' and /* :nope */ are not parameters
UPDATE region SET name = :region_name WHERE id = 1;
INSERT INTO region (id, name) VALUES (99, 'a:b;c' || '');
UPDATE region SET name = :suffix WHERE id = 99
SQL
	if [ "$e" = mysql ]; then
		sed -i "s/'a:b;c' || ''/CONCAT('a:b;c', '')/" "$TMPD/after.sql"
	fi
	mbg run "$SRC" "$TGT" --progress none --no-verify \
		--after "echo \"\$MB_TARGET\" > '$TMPD/after_cmd.out'" \
		--after "$TMPD/after.sql" --param "region_name=O'Brien; land" --param suffix=z9 \
		>/dev/null 2>"$TMPD/g_after.err"
	rc=$?
	is "$rc" 0 "$e gaps: run with --after command and SQL file"
	[ "$rc" = 0 ] || diag "$(tail -3 "$TMPD/g_after.err")"
	is "$(cat "$TMPD/after_cmd.out" 2>/dev/null)" "$TGT" "$e gaps: the --after command ran with MB_TARGET"
	is "$(eng_sql ${p}_tgt "SELECT name FROM region WHERE id IN (1, 99) ORDER BY id" | tr '\n' ' ')" "O'Brien; land z9 " \
		"$e gaps: the SQL file ran with its parameters quoted as literals"
	printf 'SELECT 1;\n\n  UPDATE region\n  SET name = :nobody;\n' > "$TMPD/after_missing.sql"
	mbg run "$SRC" "$TGT" --progress none --no-verify --after "$TMPD/after_missing.sql" >/dev/null 2>"$TMPD/g_miss.err"
	is "$?" 2 "$e gaps: a parameter without a value is a usage error (exit 2)"
	ok "$e gaps: ... naming file:line:col" grep -q "after_missing.sql:4:14: parameter :nobody has no value" "$TMPD/g_miss.err"
	mbg run "$SRC" "$TGT" --progress none --no-verify --after "$TMPD/after.sql" \
		--param "region_name=x" --param suffix=y --param stray=1 >/dev/null 2>"$TMPD/g_stray.err"
	is "$?" 2 "$e gaps: an unused --param is a usage error (exit 2)"
	ok "$e gaps: ... naming it" grep -q "param stray" "$TMPD/g_stray.err"
	is "$(eng_sql ${p}_tgt "SELECT name FROM region WHERE id = 1")" "O'Brien; land" \
		"$e gaps: usage errors leave the target alone"
	printf 'UPDATE region SET name = name;\nUPDATE no_such_table SET x = 1;\n' > "$TMPD/after_bad.sql"
	mbg run "$SRC" "$TGT" --progress none --no-verify --after "$TMPD/after_bad.sql" >/dev/null 2>"$TMPD/g_bad.err"
	is "$?" 1 "$e gaps: a failing after step fails the run (exit 1)"
	ok "$e gaps: ... naming file:line" grep -q "after_bad.sql:2" "$TMPD/g_bad.err"
	is "$(eng_sql ${p}_tgt "SELECT name FROM region WHERE id = 1")" "Region 1" \
		"$e gaps: ... the target is the new complete one"
	is "$(sqlite3 "$W" "SELECT outcome FROM runs ORDER BY id DESC LIMIT 1")" after_failed \
		"$e gaps: ... and the run record says so"
	mbg run "$SRC" "$TGT" --progress none --no-verify --after "exit 3" >/dev/null 2>"$TMPD/g_badcmd.err"
	is "$?" 1 "$e gaps: a failing --after command fails the run (exit 1)"
	ok "$e gaps: ... naming it" grep -q "after command 1 failed (exit 3)" "$TMPD/g_badcmd.err"
	mbg run "$SRC" "file://$TMPD/g_after_dump.sql" --progress none --no-verify \
		--after "$TMPD/after.sql" --param "region_name=Dumped" --param suffix=d >/dev/null 2>&1
	eng_create ${p}_fromdump
	eng_load_dump ${p}_fromdump "$TMPD/g_after_dump.sql"
	is "$(eng_sql ${p}_fromdump "SELECT name FROM region WHERE id = 1")" Dumped \
		"$e gaps: a dump ends with the SQL files' statements"
	eng_drop ${p}_fromdump

	# PostgreSQL: server NOTICEs never reach stderr, only progress lines do.
	if [ "$e" = pg ]; then
		cat > "$TMPD/after_notice.sql" <<'SQL'
SET client_min_messages = notice;
DROP TABLE IF EXISTS no_such_table_here;
DO $$BEGIN RAISE NOTICE 'a notice with :colon'; END$$;
SQL
		mbg run "$SRC" "$TGT" --progress lines --after "$TMPD/after_notice.sql" >/dev/null 2>"$TMPD/g_quiet.err"
		is "$?" 0 "$e gaps: a run whose after step raises NOTICEs"
		is "$(grep -vc '^maskbench: ' "$TMPD/g_quiet.err")" 0 "$e gaps: stderr holds only maskbench lines (no NOTICE)"
		[ "$(grep -vc '^maskbench: ' "$TMPD/g_quiet.err")" = 0 ] || diag "$(grep -v '^maskbench: ' "$TMPD/g_quiet.err" | head -3)"
		ok "$e gaps: ... and the progress lines are there" grep -q "rows/s" "$TMPD/g_quiet.err"
	fi

	# A source error in the middle of a load: no half table, the target intact.
	local before
	before=$(table_counts ${p}_tgt | tr '\n' ' ')
	local W2="$TMPD/ws_gaps_fail.db"
	"$MB" -w "$W2" catalog "$SRC" >/dev/null
	local boom="CASE WHEN id = 250 THEN (SELECT name FROM region) ELSE name END"
	[ "$e" = sqlite ] && boom="CASE WHEN id = 250 THEN abs(-9223372036854775807 - 1) ELSE name END"
	"$MB" -w "$W2" rules set customer.name --action sql --param "expression=$boom" >/dev/null
	"$MB" -w "$W2" rules approve --all >/dev/null
	"$MB" -w "$W2" run "$SRC" "$TGT" --progress none --no-verify >/dev/null 2>"$TMPD/g_boom.err"
	is "$?" 3 "$e gaps: a source error mid-load fails the run (exit 3)"
	ok "$e gaps: ... naming the table" grep -q "customer" "$TMPD/g_boom.err"
	is "$(staging_left ${p}_tgt)" 0 "$e gaps: ... no staging table is left"
	is "$(table_counts ${p}_tgt | tr '\n' ' ')" "$before" "$e gaps: ... the target is intact"

	eng_drop ${p}_src
	eng_drop ${p}_tgt
}
