#!/bin/bash
# The whole workbench flow on the demo, driven in tmux (issue 7): open ->
# scan -> open a finding -> change its action -> see the preview -> approve
# -> write the report -> set a subset root and children -> plan shows
# counts -> run into a SQLite target -> verify is clean -> quit.
. "${MB_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "$MB_SRCDIR/tests/tui/tmux.bash"
command -v tmux >/dev/null || { echo "1..0 # SKIP tmux not installed"; exit 0; }
command -v sqlite3 >/dev/null || { echo "1..0 # SKIP sqlite3 not installed"; exit 0; }
tap_tmpdir
unset MASKBENCH_KEY
TUI_TIMEOUT=${TUI_TIMEOUT:-60}

"$MBT" demo --path-only >/dev/null 2>"$TMPD/demo.err"
check $? "the demo database is built"
cmd() { keys -l ":$1"; keys Enter; }

tui_start 120 40 "$MBT" demo --workspace "$TMPD/ws.db"
ok "the demo opens on the catalog" wait_for "Catalog: 12 tables"

keys s
# the scan reads every table: give it minutes on a loaded machine
ok "s scans the source and lists the findings" wait_for "Findings:" 900
ok "the scan reports what it found" wait_for "flagged columns"
ok "card numbers are found" wait_for "customers.card_number"

keys / c u s t o m e r s . c a r d Enter
keys Enter
ok "Enter opens the finding's column" wait_for "Column main.customers.card_number"
ok "the column shows its evidence" wait_for "sampled matched"
ok "the live preview shows masked samples" wait_for " -> "
ok "the preview says it uses the demo key" wait_for "Preview (demo key)"
# the action's help and form sit at the top of the right pane
before=$(screen | sed -n '7,9p')
changed() { [ "$(screen | sed -n '7,9p')" != "$before" ]; }
keys j
ok "moving the action picker changes the form" poll changed
ok "the preview follows the picked action" wait_for " -> "
keys k
cmd "action hash"
ok "changing the action is saved as proposed" wait_for "action hash (proposed"
ok "the rule line shows the new action" wait_for "rule: hash"
ok "the history shows the change" wait_for "action card -> hash"
keys a
ok "a approves the column" wait_for "approved main.customers.card_number"
ok "the rule is approved" wait_for "approved by"

cmd "report report.md"
ok "the report is written" wait_for "report written to report.md"
ok "the report names the approved column" grep -q "card_number" "$TMPD/report.md"
if grep -qE '[0-9]{13,19}' "$TMPD/report.md"; then fail "the report holds no card-like number"
else pass "the report holds no card-like number"; fi

# rules the runner refuses as the scanner proposed them (an FK column
# masked while its key is not; a non-unique fake on a UNIQUE column)
for c in settings.value companies.country_code customers.country_code orders.ship_country; do
	cmd "column $c"
	wait_for "Column main.$c" >/dev/null
	cmd "action keep"
	wait_for "action keep (proposed" >/dev/null
done
cmd "column companies.name"
wait_for "Column main.companies.name" >/dev/null
cmd "action hash"
ok "companies.name takes a unique action" wait_for "action hash (proposed"
cmd "approve-all"
ok ":approve-all approves every open column" wait_for "open columns as"
keys S
ok "the sign-off screen has nothing open" wait_for "nothing open"

keys u
ok "u opens the subset screen" wait_for "roots: none"
cmd "root customers id < 100"
ok ":root sets a root with its condition" wait_for "roots: customers where id < 100"
cmd "children orders,order_items,payments"
ok ":children sets the children" wait_for "children: orders, order_items, payments"
keys p
ok "p plans the subset" wait_for "tables get rows" 600
line=$(screen | grep -m1 -E '^ R .* customers ')
case "$line" in *" 99 "*) pass "the plan counts 99 customers" ;;
*) fail "the plan counts 99 customers"; diag "line: $line" ;; esac
line=$(screen | grep -m1 ' orders ')
case "$line" in *"child of"*) pass "orders are planned as children" ;;
*) fail "orders are planned as children"; diag "line: $line" ;; esac

cmd "run sqlite://$TMPD/target.db"
ok "the run screen opens" wait_for "into sqlite://"
ok "the run ends verified clean" wait_for "verified clean" 900
is "$(sqlite3 "$TMPD/target.db" 'SELECT count(*) FROM customers')" 99 "the target holds the 99 customers"
orphans=$(sqlite3 "$TMPD/target.db" 'SELECT count(*) FROM orders WHERE customer_id NOT IN (SELECT id FROM customers)')
is "$orphans" 0 "every order in the target has its customer"
same=$(sqlite3 "$TMPD/target.db" "ATTACH '$HOME/.local/share/maskbench/demo.db' AS src;
	SELECT count(*) FROM main.customers t JOIN src.customers s ON s.id = t.id
	WHERE t.card_number = s.card_number")
is "$same" 0 "no card number was copied as it was"

keys Q
is "$(wait_exit)" 0 "Q quits with exit code 0"
tui_stop
done_testing
