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
