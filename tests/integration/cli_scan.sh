#!/bin/bash
# cli_scan.sh - `maskbench scan` end to end on a SQLite fixture: usage
# errors and exit codes, the TSV header and fields (SPEC §10), JSON, the
# workspace tables, customers from a file and from SQL, and canaries: no
# planted value in stdout, stderr or the workspace file.
. "$MB_SRCDIR/tests/lib/tap.sh"
tap_tmpdir
command -v sqlite3 >/dev/null || { echo "1..0 # SKIP sqlite3 command not installed"; exit 0; }

DB="$TMPD/fx.db"
WS="$TMPD/ws.db"
sqlite3 "$DB" <<'SQL'
CREATE TABLE clients(id INTEGER PRIMARY KEY, full_name TEXT, email TEXT, mobile TEXT,
  company TEXT, ip TEXT, notes TEXT);
INSERT INTO clients VALUES(1, 'Canaryqx Vormund', 'canaryqx.vormund@qxmail.io',
  '+44 20 7946 0999', 'Qxcanary Trading Ltd', '203.0.113.77',
  'Spoke with Canaryqx, call back on +44 20 7946 0999 or canaryqx.vormund@qxmail.io');
WITH RECURSIVE n(i) AS (SELECT 2 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
INSERT INTO clients SELECT i, 'Person ' || i, 'user' || i || '@mail.com',
  '+1 (415) 555-' || printf('%04d', i), 'Company ' || i || ' Inc.',
  '198.51.100.' || (i % 250), 'Follow-up by mail to user' || i || '@mail.com next week'
  FROM n;
CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT, version TEXT);
INSERT INTO items VALUES(1, 'Lamp', '1.2.3.4'), (2, 'Desk', '2.0.1.7');
SQL

canaries=("Canaryqx Vormund" "canaryqx.vormund@qxmail.io" "+44 20 7946 0999"
	  "Qxcanary Trading Ltd" "203.0.113.77")

"$MB" scan --help > "$TMPD/help" 2>&1
check $? "scan --help exits 0"
grep -q -- "--customers-sql" "$TMPD/help"
check $? "help names --customers-sql"

"$MB" --workspace "$WS" scan > /dev/null 2> "$TMPD/err"
is "$?" 2 "missing SOURCE: exit 2"
"$MB" --workspace "$WS" scan "$DB" --sample 0 > /dev/null 2>&1
is "$?" 2 "--sample 0: exit 2"
"$MB" --workspace "$WS" scan "$DB" --format xml > /dev/null 2>&1
is "$?" 2 "unknown format: exit 2"
"$MB" --workspace "$WS" scan "$DB" --customers a --customers-sql b > /dev/null 2>&1
is "$?" 2 "--customers and --customers-sql together: exit 2"
"$MB" --workspace "$WS" scan "$TMPD/nope.db" > /dev/null 2>&1
rc=$?
ok "missing database: exit 2 or 3" test "$rc" -eq 2 -o "$rc" -eq 3

printf 'Qxcanary Trading\nUnrelated Name GmbH\n' > "$TMPD/customers.txt"
"$MB" --workspace "$WS" scan "$DB" --format tsv --customers "$TMPD/customers.txt" \
	> "$TMPD/out.tsv" 2> "$TMPD/err1"
check $? "scan --format tsv exits 0"
is "$(head -1 "$TMPD/out.tsv")" "$(printf 'schema\ttable\tcolumn\tcategory\tconfidence\tmethod\tmatched\tsampled')" "TSV header as SPEC §10"
bad=$(awk -F'\t' 'NR > 1 && (NF != 8 || $5 < 0 || $5 > 1 || $7 > $8) { n++ } END { print n + 0 }' "$TMPD/out.tsv")
is "$bad" 0 "every TSV line has 8 fields, confidence in 0..1, matched <= sampled"
grep -q "$(printf 'clients\temail\temail\t')" "$TMPD/out.tsv"
check $? "clients.email found"
grep -q "$(printf 'clients\tmobile\tphone\t')" "$TMPD/out.tsv"
check $? "clients.mobile found as phone"
grep -q "$(printf 'clients\tip\tip_address\t')" "$TMPD/out.tsv"
check $? "clients.ip found"
grep -q "$(printf 'clients\tnotes\tfree_text_pii\t')" "$TMPD/out.tsv"
check $? "clients.notes found as free text"
ok "items.version not an IP" sh -c "! grep -q \"$(printf 'items\tversion\tip_address')\" '$TMPD/out.tsv'"

"$MB" --workspace "$WS" scan "$DB" --format json --customers-sql "SELECT company FROM clients WHERE id = 1" \
	> "$TMPD/out.json" 2> "$TMPD/err2"
check $? "scan --format json with --customers-sql exits 0"
if command -v python3 >/dev/null; then
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["findings"] and d["customers"] == 1' "$TMPD/out.json"
	check $? "JSON parses, has findings and one customer name"
fi
"$MB" --workspace "$WS" scan "$DB" > "$TMPD/out.txt" 2> "$TMPD/err3"
check $? "scan (table) exits 0"
grep -q "columns flagged" "$TMPD/out.txt"
check $? "table output ends with a summary"

is "$(sqlite3 "$WS" 'SELECT count(*) FROM scans')" 3 "three scans recorded"
is "$(sqlite3 "$WS" 'SELECT customers_hmac_count FROM scans ORDER BY id LIMIT 1')" 2 "customer names counted, not stored"
n=$(sqlite3 "$WS" "SELECT count(*) FROM findings WHERE scan_id = (SELECT max(id) FROM scans) AND tbl = 'clients' AND col = 'email' AND rank = 1 AND proposed_action = 'fake_email'")
is "$n" 1 "latest scan: clients.email proposes fake_email"

leak=0
for c in "${canaries[@]}"; do
	for f in "$TMPD"/out.* "$TMPD"/err* "$WS"; do
		if grep -aqF -- "$c" "$f"; then diag "canary '$c' found in $(basename "$f")"; leak=1; fi
	done
done
is "$leak" 0 "no canary in stdout, stderr or the workspace"

done_testing
