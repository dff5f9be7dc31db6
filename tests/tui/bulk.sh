#!/bin/bash
# Bulk review over a selection (issue 7): Space marks columns, * marks
# every listed one, then approve / reject / :action apply to all marked
# columns, in the findings list and in the catalog's column list; one
# audit entry per column; the status line says how many columns.
. "${MB_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "$MB_SRCDIR/tests/tui/tmux.bash"
command -v tmux >/dev/null || { echo "1..0 # SKIP tmux not installed"; exit 0; }
command -v sqlite3 >/dev/null || { echo "1..0 # SKIP sqlite3 not installed"; exit 0; }
tap_tmpdir
export MASKBENCH_REVIEWER=bulk-tester

db="$TMPD/people.db"
{
	echo "CREATE TABLE people (id INTEGER PRIMARY KEY, email TEXT, phone TEXT, first_name TEXT, last_name TEXT, city TEXT);"
	echo "CREATE TABLE tickets (id INTEGER PRIMARY KEY, person_id INTEGER REFERENCES people(id), subject TEXT, contact_email TEXT, opened TEXT);"
	echo "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)"
	echo "  INSERT INTO people SELECT i, 'user' || i || '@example.com', '+1 555 01' || substr('00' || (i % 100), -2),"
	echo "  (CASE i % 5 WHEN 0 THEN 'Alice' WHEN 1 THEN 'Bob' WHEN 2 THEN 'Carol' WHEN 3 THEN 'David' ELSE 'Emma' END),"
	echo "  (CASE i % 4 WHEN 0 THEN 'Smith' WHEN 1 THEN 'Jones' WHEN 2 THEN 'Brown' ELSE 'Taylor' END), 'Springfield' FROM n;"
	echo "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)"
	echo "  INSERT INTO tickets SELECT i, 1 + i % 300, 'printer broken', 'user' || i || '@example.com', '2024-01-01' FROM n;"
} | sqlite3 "$db"
check $? "a SQLite file with personal data is created"
ws="$TMPD/ws.db"
audit() { sqlite3 "$ws" "SELECT count(*) FROM audit WHERE event = '$1' AND who = 'bulk-tester'"; }
state_of() { sqlite3 "$ws" "SELECT state FROM rules WHERE tbl = '$1' AND col = '$2'"; }
cmd() { keys -l ":$1"; keys Enter; }

tui_start 120 30 "$MBT" --workspace "$ws" "$db"
ok "the catalog opens" wait_for "Catalog: 2 tables"
keys s
ok "s scans and lists the findings" wait_for "flagged columns" 300
shown=$(screen | sed -n 1p | grep -o 'Findings: [0-9]* shown' | grep -o '[0-9][0-9]*')
ok "there are at least three findings" test "${shown:-0}" -ge 3

# ---- Space marks, a approves the marked ----
keys Space
ok "Space marks a column" wait_for "1 column marked"
keys Space
ok "Space again marks the next" wait_for "2 columns marked"
ok "the title counts the marks" wait_for "2 marked"
nmarked=$(screen | grep -c '^\*')
is "$nmarked" 2 "two rows show the mark"
keys a
ok "a approves every marked column" wait_for "approved 2 columns as bulk-tester"
is "$(audit approve)" 2 "one audit entry per approved column"
ok "the marks are gone after the action" wait_gone "2 marked"
is "$(screen | grep -c '^\*')" 0 "no row shows a mark"

# ---- * marks all, :action sets the action on all ----
keys '*'
ok "* marks every listed column" wait_for "$shown columns marked"
cmd "action hash"
ok ":action sets the action on every marked column" wait_for "action hash set on $shown columns"
is "$(audit set)" "$shown" "one audit entry per column set"
is "$(sqlite3 "$ws" "SELECT count(*) FROM rules WHERE action = 'hash'")" "$shown" "every marked column has the action"

# ---- * twice unmarks; Esc clears ----
keys '*'
ok "* marks all again" wait_for "$shown columns marked"
keys '*'
ok "* again unmarks all" wait_for "marks cleared"
keys Space
wait_for "1 column marked" >/dev/null
keys Escape
ok "Esc clears the marks before leaving" wait_for "marks cleared"
ok "and stays on the findings" wait_for "Findings: "

# ---- reject over a selection ----
keys g Space Space Space
ok "three columns marked" wait_for "3 columns marked"
keys x
ok "x rejects every marked column" wait_for "rejected 3 columns as bulk-tester"
is "$(audit reject)" 3 "one audit entry per rejected column"

# ---- the catalog's column list ----
keys c
ok "c opens the catalog" wait_for "Catalog: 2 tables"
keys / p e o p l e Enter Tab
ok "Tab moves to the columns" wait_for "city"
ncols=$(sqlite3 "$db" "SELECT count(*) FROM pragma_table_info('people')")
keys '*'
ok "* marks every column of the table" wait_for "$ncols columns marked"
ok "the title says columns are marked" wait_for "columns marked"
before=$(audit approve)
keys a
ok "a approves every marked column of the table" wait_for "approved $ncols columns as bulk-tester"
is "$(audit approve)" "$((before + ncols))" "one audit entry per column of the table"
is "$(state_of people city)" approved "a column without findings is approved too"
keys Space
ok "Space marks one column in the catalog" wait_for "1 column marked"
cmd "action keep"
ok ":action applies to the marked catalog column" wait_for "action keep set on 1 column"
keys Q
is "$(wait_exit)" 0 "Q quits with exit code 0"
tui_stop
done_testing
