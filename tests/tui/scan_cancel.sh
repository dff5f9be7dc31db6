#!/bin/bash
# Cancelling a background scan (issue 7): Esc or c while the scan runs
# stops it between tables, the status line says "scan cancelled, N of M
# tables scanned", and nothing of the scan is written to the workspace; a
# scan started afterwards runs to the end.
. "${MB_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "$MB_SRCDIR/tests/tui/tmux.bash"
command -v tmux >/dev/null || { echo "1..0 # SKIP tmux not installed"; exit 0; }
command -v sqlite3 >/dev/null || { echo "1..0 # SKIP sqlite3 not installed"; exit 0; }
tap_tmpdir
TUI_TIMEOUT=${TUI_TIMEOUT:-60}

# enough tables that a scan takes many seconds (about 10 ms a table)
ntables=1500
db="$TMPD/many.db"
{
	echo "BEGIN;"
	echo "CREATE TABLE seed (id INTEGER PRIMARY KEY, email TEXT, phone TEXT, name TEXT, note TEXT);"
	echo "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)"
	echo "  INSERT INTO seed SELECT i, 'u' || i || '@example.com', '+1 555 0100', 'Alice', 'hello' FROM n;"
	for ((i = 1; i < ntables; i++)); do printf 'CREATE TABLE s%04d AS SELECT * FROM seed;\n' "$i"; done
	echo "COMMIT;"
} | sqlite3 "$db"
check $? "a SQLite file with $ntables tables is created"
ws="$TMPD/ws.db"
scans() { sqlite3 "$ws" "SELECT count(*) FROM scans" 2>/dev/null || echo 0; }
findings() { sqlite3 "$ws" "SELECT count(*) FROM findings" 2>/dev/null || echo 0; }
# the progress shown in the status line: "N of M tables"
scanned() { screen | grep -o "[0-9]* of $ntables tables" | tail -1 | cut -d' ' -f1; }
some_scanned() { local n; n=$(scanned); [ -n "$n" ] && [ "$n" -ge 3 ]; }

tui_start 120 30 "$MBT" --workspace "$ws" "$db"
ok "the catalog opens" wait_for "Catalog: $ntables tables"

# ---- Esc ----
keys s
ok "s starts the scan in the background" wait_for "scanning"
ok "the status line counts the tables scanned" poll some_scanned
ok "the status line says how to cancel" wait_for "Esc or c cancels"
t0=$SECONDS
keys Escape
ok "Esc cancels the scan" wait_for "scan cancelled, " 20
took=$((SECONDS - t0))
ok "the scan stops promptly (${took}s)" test "$took" -le 5
line=$(screen | grep -o "scan cancelled, [0-9]* of $ntables tables scanned")
n=$(sed 's/scan cancelled, \([0-9]*\) of.*/\1/' <<<"$line")
if [ -n "$n" ] && [ "$n" -ge 3 ] && [ "$n" -lt "$ntables" ]; then
	pass "the message says how many tables were scanned ($line)"
else
	fail "the message says how many tables were scanned"; diag "line: $line"
fi
is "$(scans)" 0 "no scan is stored"
is "$(findings)" 0 "no finding is stored"
keys f
ok "the findings screen has no scan" wait_for "No scan yet."
ok "the workbench still answers keys" wait_for "Findings: 0 shown"
keys q
ok "q goes back to the catalog" wait_for "Catalog: $ntables tables"

# ---- c ----
keys s
ok "a second scan starts" poll some_scanned
keys c
ok "c cancels it too" wait_for "scan cancelled, " 20
is "$(scans)" 0 "still no scan stored"
ok "c did not open anything else: the catalog is shown" wait_for "Catalog: $ntables tables"

# ---- a scan left alone finishes ----
keys s
ok "a scan left alone ends with the findings" wait_for "flagged columns" 600
is "$(scans)" 1 "exactly one scan is stored"
keys Q
is "$(wait_exit)" 0 "Q quits with exit code 0"
tui_stop
done_testing
