#!/bin/bash
# rules_cli.sh - `maskbench rules ...` end to end on an SQLite source:
# list/set/approve/reject, the two-person rule, export -> import -> export
# identity, hostile imports, report, history, drift through `catalog`, and
# audit tampering with the sqlite3 CLI (edit a row, delete a row).
. "${MB_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
tap_tmpdir
cd "$TMPD" || exit 1
unset MASKBENCH_REVIEWER
W="$TMPD/ws.db"
mb() { "$MB" --workspace "$W" "$@"; }
mbq() { "$MB" --workspace "$W" "$@" >/dev/null; }

sqlite3 src.db "CREATE TABLE customers(id INTEGER PRIMARY KEY, email TEXT NOT NULL,
  name TEXT, phone TEXT); CREATE TABLE orders(id INTEGER PRIMARY KEY,
  customer_id INTEGER REFERENCES customers(id), note TEXT);" || exit 1

ok "catalog records a snapshot" mbq catalog src.db --format tsv
out=$(mb rules list --format tsv)
is "$(head -n1 <<<"$out")" "$(printf 'schema\ttable\tcolumn\tcategory\taction\tstate\treviewer')" "list tsv header"
is "$(tail -n +2 <<<"$out" | wc -l)" 7 "one rule per column"
is "$(mb rules list --format tsv | awk -F'\t' 'NR>1 && $6!="unreviewed"' | wc -l)" 0 "all unreviewed at first"

# set -> proposed, approve -> approved
MASKBENCH_REVIEWER=alice mb rules set customers.email --action fake_email \
	--param keep_domain=true --category email >/dev/null
check $? "set an action"
is "$(mb rules list --format tsv | awk -F'\t' '$3=="email"{print $4, $5, $6}')" "email fake_email proposed" "set makes it proposed"
ok "approve with reviewer and note" mbq rules approve main.customers.email --reviewer bob --note "200 samples"
is "$(mb rules list --format tsv | awk -F'\t' '$3=="email"{print $6, $7}')" "approved bob" "approved by bob"
is "$(mb rules list --state approved --format tsv | tail -n +2 | wc -l)" 1 "--state filter"
mb rules list --format json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d["rules"]) == 7' 2>/dev/null
check $? "list --format json is valid JSON"

# errors
mb rules approve customers.nope --reviewer bob 2>err.txt; rc=$?
is "$rc" 2 "unknown column: exit 2"
ok "unknown column named" grep -q "unknown column customers.nope" err.txt
mb rules set customers.email --action null 2>err.txt; rc=$?
is "$rc" 2 "null on a NOT NULL column refused"
ok "the refusal names the column" grep -q "main.customers.email" err.txt
mb rules list --format yaml 2>/dev/null; is "$?" 2 "unknown format: exit 2"

# reject -> keep
ok "reject" mbq rules reject orders.note --reviewer carol --note "no PII here"
is "$(mb rules list --format tsv | awk -F'\t' '$3=="note"{print $5, $6, $7}')" "keep rejected carol" "rejected keeps the values"

# two-person rule
ok "two-person rule on" mbq rules two-person on --reviewer admin
MASKBENCH_REVIEWER=alice mb rules set customers.name --action fake_full_name >/dev/null
MASKBENCH_REVIEWER=alice mb rules approve customers.name 2>err.txt; rc=$?
is "$rc" 1 "self-approval refused with exit 1"
ok "clear message" grep -q "two-person rule is on and alice set this action" err.txt
MASKBENCH_REVIEWER=dave mb rules approve customers.name >/dev/null
check $? "another reviewer approves"
mb rules two-person off --reviewer admin >/dev/null

# export -> import -> export identity
ok "export" mb rules export -o a.yaml
ok "export names the rules" grep -q "column: main.customers.email" a.yaml
mb rules import a.yaml --reviewer importer >imp.txt; rc=$?
is "$rc" 0 "import own export"
ok "import reports no change" grep -q "7 columns in the file, 0 changed" imp.txt
mb rules export -o b.yaml
ok "export -> import -> export is byte-identical" cmp -s a.yaml b.yaml

# into a fresh workspace of the same source
W2="$TMPD/ws2.db"
"$MB" --workspace "$W2" catalog src.db >/dev/null
"$MB" --workspace "$W2" rules import a.yaml --reviewer importer >/dev/null
check $? "import into a fresh workspace"
"$MB" --workspace "$W2" rules export -o c.yaml
ok "fresh workspace exports the same bytes" cmp -s a.yaml c.yaml

# hostile imports change nothing
printf 'maskbench: 1\ncolumns:\n- column: orders.note\n  note: changed\n- column: orders.ghost\n  note: x\n' > bad1.yaml
mb rules import bad1.yaml 2>err.txt; rc=$?
is "$rc" 2 "bad file: exit 2"
ok "error is file:line:col" grep -q "^maskbench: bad1.yaml:5:11: unknown column orders.ghost" err.txt
printf 'maskbench: 1\nx: &a [1]\ny: *a\n' > bad2.yaml
mb rules import bad2.yaml 2>err.txt; is "$?" 2 "anchors refused"
printf 'maskbench: 1\ncolumns:\n- column: orders.note\n  note: \xff\n' > bad3.yaml
mb rules import bad3.yaml 2>err.txt; is "$?" 2 "invalid UTF-8 refused"
mb rules export -o d.yaml
ok "failed imports changed nothing" cmp -s a.yaml d.yaml

# subset-only import
printf 'maskbench: 1\nsubset:\n  keep_all: [orders]\n  windows:\n  - {table: orders, column: id, last: 7d}\n' > s.yaml
ok "subset-only import" mbq rules import s.yaml
ok "subset exported" grep -q "keep_all: \[orders\]" <(mb rules export)
is "$(mb rules export | grep -c 'state:')" 7 "columns untouched by a subset-only import"

# report
ok "report" mb rules report -o report.md
ok "report: open items section" grep -q "^## Open items" report.md
ok "report: every table" grep -q '^### `main.orders`' report.md
ok "report: sign-off by reviewer" grep -q "^| bob | 1 | 0 |" report.md
ok "report: rejection note" grep -q "no PII here" report.md

# history
ok "history of one column" mbq rules history customers.email
is "$(mb rules history customers.email --format tsv | tail -n +2 | wc -l)" 3 "new, set, approve"
mb rules history --format json | python3 -c 'import json,sys; json.load(sys.stdin)' 2>/dev/null
check $? "history --format json is valid JSON"

# drift through catalog
sqlite3 src.db "ALTER TABLE orders ADD COLUMN total NUMERIC"
mb catalog src.db >/dev/null
is "$(mb rules list --format tsv | awk -F'\t' '$3=="total"{print $6}')" "unreviewed" "new column is unreviewed"
is "$(mb rules list --format tsv | awk -F'\t' '$3=="email"{print $6}')" "approved" "unchanged column stays approved"

# audit: intact, then tampered with the sqlite3 CLI
ok "verify-audit on an intact audit" mbq rules verify-audit
cp "$W" t1.db
sqlite3 t1.db "UPDATE audit SET who = 'mallory' WHERE id = 3" 2>/dev/null
check $((! $?)) "the audit refuses UPDATE through SQLite"
sqlite3 t1.db "DROP TRIGGER audit_no_update; UPDATE audit SET who = 'mallory' WHERE id = 3"
"$MB" --workspace t1.db rules verify-audit 2>err.txt; rc=$?
is "$rc" 1 "edited row: exit 1"
ok "names the first broken row" grep -q "audit broken at row 3" err.txt
cp "$W" t2.db
sqlite3 t2.db "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE id = 5"
"$MB" --workspace t2.db rules verify-audit 2>err.txt; rc=$?
is "$rc" 1 "deleted row: exit 1"
ok "names the gap" grep -q "rows 5..5 are missing" err.txt
cp "$W" t3.db
sqlite3 t3.db "UPDATE rules SET state = 'approved', reviewer = 'mallory' WHERE col = 'phone'"
"$MB" --workspace t3.db rules verify-audit 2>err.txt; rc=$?
is "$rc" 1 "rule edited behind the audit: exit 1"
ok "names the rule" grep -q "main.customers.phone differs" err.txt

done_testing
