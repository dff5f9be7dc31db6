#!/bin/bash
# harden_inplace.sh - the in-place strategy gives the same target as the copy
# strategy (same rows, same masked values) on SQLite, PostgreSQL, MariaDB;
# it refuses without --force and rolls back completely on failure.
. "${MB_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "$MB_SRCDIR/tests/integration/harden_lib.sh"
tap_tmpdir
export PGTZ=UTC MASKBENCH_KEY=harden-inplace-key-0123456789abcdef MASKBENCH_REVIEWER=tester

# Same rules and subset in a workspace whose source is $2.
prepare_ws() {
	local ws=$1 url=$2
	"$MB" -w "$ws" catalog "$url" >/dev/null &&
	"$MB" -w "$ws" rules set customer.name --action fake_company --category company_name >/dev/null &&
	"$MB" -w "$ws" rules set customer.email --action fake_email --category email >/dev/null &&
	"$MB" -w "$ws" rules set orders.note --action redact_text --category free_text_pii >/dev/null &&
	"$MB" -w "$ws" rules set document.body --action redact_text --category free_text_pii >/dev/null &&
	"$MB" -w "$ws" rules set product.sku --action hash --param length=16 --category identifier >/dev/null &&
	"$MB" -w "$ws" rules approve --all >/dev/null &&
	"$MB" -w "$ws" rules import "$TMPD/subset.yaml" >/dev/null
}

cat > "$TMPD/subset.yaml" <<'YAML'
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
YAML
run_fixture_customers_file > "$TMPD/customers.txt"

for e in $(harden_engines); do
	case $e in *-missing) fail "$e: test server not started (CI)"; continue ;; esac
	harden_setup "$e"
	p=mbt_harden_ip_${e}_$$
	eng_create ${p}_src
	run_fixture_sql "$e" 300 | eng_load ${p}_src
	check $? "$e: source fixture loaded"
	eng_create ${p}_cp
	eng_clone ${p}_src ${p}_ip
	check $? "$e: full clone restored"

	prepare_ws "$TMPD/ws_cp_$e.db" "$(eng_url ${p}_src)"
	check $? "$e: copy workspace ready"
	prepare_ws "$TMPD/ws_ip_$e.db" "$(eng_url ${p}_ip)"
	check $? "$e: in-place workspace ready"

	"$MB" -w "$TMPD/ws_cp_$e.db" run "$(eng_url ${p}_src)" "$(eng_url ${p}_cp)" --progress none \
		--customers "$TMPD/customers.txt" >/dev/null 2>"$TMPD/cp.err"
	is "$?" 0 "$e: copy strategy run"

	# Without --force nothing happens.
	mb_inplace "$TMPD/ws_ip_$e.db" "$(eng_url ${p}_ip)" > /dev/null 2>"$TMPD/ipf.err"
	is "$?" 2 "$e: in-place refuses without --force"
	is "$(eng_table_md5 ${p}_ip customer)" "$(eng_table_md5 ${p}_src customer)" "$e: ... and leaves the clone as it was"

	mb_inplace "$TMPD/ws_ip_$e.db" "$(eng_url ${p}_ip)" --force --customers "$TMPD/customers.txt" \
		>"$TMPD/ip.out" 2>"$TMPD/ip.err"
	rc=$?
	is "$rc" 0 "$e: in-place run"
	[ "$rc" = 0 ] || diag "$(tail -3 "$TMPD/ip.err")"

	is "$(table_counts ${p}_ip | tr '\n' ' ')" "$(table_counts ${p}_cp | tr '\n' ' ')" \
		"$e: in-place keeps the same rows per table as the copy"
	for t in $RUN_TABLES; do
		is "$(eng_table_md5 ${p}_ip $t)" "$(eng_table_md5 ${p}_cp $t)" \
			"$e: $t: every row and value equals the copy's (masked values included)"
	done
	is "$(strict_orphans ${p}_ip)" 0 "$e: every foreign key resolves after in-place"
	is "$(eng_sql ${p}_ip "SELECT count(*) FROM customer WHERE email LIKE '%@example.%' OR email IN ($(eng_sql ${p}_src "SELECT email FROM customer WHERE id <= 3" | sed "s/.*/'&'/" | paste -sd,))")" 0 \
		"$e: masked values differ from the source"
	ok "$e: the run is recorded in the workspace" \
		test "$(sqlite3 "$TMPD/ws_ip_$e.db" "SELECT outcome FROM runs ORDER BY id DESC LIMIT 1")" = ok

	# A failing in-place run rolls back everything: the clone stays whole.
	eng_clone ${p}_src ${p}_ip2
	prepare_ws "$TMPD/ws_ip2_$e.db" "$(eng_url ${p}_ip2)"
	"$MB" -w "$TMPD/ws_ip2_$e.db" rules set customer.created_at --action sql \
		--param "expression=no_such_function_mb(1)" --category date >/dev/null 2>&1
	"$MB" -w "$TMPD/ws_ip2_$e.db" rules approve --all >/dev/null
	mb_inplace "$TMPD/ws_ip2_$e.db" "$(eng_url ${p}_ip2)" --force --no-verify >/dev/null 2>"$TMPD/ip2.err"
	rc=$?
	is "$rc" 3 "$e: a database error mid in-place exits 3"
	for t in customer orders audit_log document; do
		is "$(eng_table_md5 ${p}_ip2 $t)" "$(eng_table_md5 ${p}_src $t)" \
			"$e: $t: a failed in-place run leaves the clone exactly as it was"
	done
	ok "$e: the failed run is recorded" \
		test "$(sqlite3 "$TMPD/ws_ip2_$e.db" "SELECT outcome FROM runs ORDER BY id DESC LIMIT 1")" = failed
	eng_drop ${p}_src; eng_drop ${p}_cp; eng_drop ${p}_ip; eng_drop ${p}_ip2
done
done_testing
