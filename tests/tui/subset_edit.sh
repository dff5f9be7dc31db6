#!/bin/bash
# The subset screen edits time windows and virtual foreign keys (issue 7):
# each change is checked by the planner, saved to the workspace through
# core/subset_config.h (read back by `maskbench plan`), refused with a
# message on screen when it is wrong, and the relationship tree and the
# estimated rows follow the edit.
. "${MB_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "$MB_SRCDIR/tests/tui/tmux.bash"
command -v tmux >/dev/null || { echo "1..0 # SKIP tmux not installed"; exit 0; }
command -v sqlite3 >/dev/null || { echo "1..0 # SKIP sqlite3 not installed"; exit 0; }
tap_tmpdir

db="$TMPD/shop.db"
{
	echo "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, joined_at TIMESTAMP);"
	echo "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id), created_at TIMESTAMP, total REAL);"
	# no declared key: order_notes.order_ref points at orders.id only by convention
	echo "CREATE TABLE order_notes (id INTEGER PRIMARY KEY, order_ref INTEGER, body TEXT);"
	echo "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400)"
	echo "  INSERT INTO customers SELECT i, 'c' || i, datetime('now', '-' || i || ' days') FROM n;"
	echo "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)"
	echo "  INSERT INTO orders SELECT i, 1 + i % 400, datetime('now', '-' || (i % 90) || ' days', '+6 hours'), i FROM n;"
	echo "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)"
	echo "  INSERT INTO order_notes SELECT i, 1 + i % 2000, 'note' FROM n;"
} | sqlite3 "$db"
check $? "a SQLite shop with an undeclared key is created"
ws="$TMPD/ws.db"
cmd() { keys -l ":$1"; keys Enter; }
stored() { sqlite3 "$ws" "$1" 2>/dev/null; }
row() { screen | grep -m1 -E "^ [R.] [C.] [K.] [X.] [W.] +$1 "; }

tui_start 120 30 "$MBT" --workspace "$ws" "$db"
ok "the catalog opens" wait_for "Catalog: 3 tables"
keys u
ok "u opens the subset screen" wait_for "roots: none"
ok "the screen says how to add a window" wait_for "windows: none (t adds one)"
ok "the estimate column is shown" wait_for "Est."
ok "without settings every order is estimated" poll eval 'row orders | grep -q " 2,000 "'

# ---- windows ----
cmd "window orders.created_at 7x"
ok "a bad duration is refused on screen" wait_for "window orders.created_at: "
ok "the message names the bad duration" wait_for "bad duration '7x'"
is "$(stored 'SELECT count(*) FROM subset_windows')" "0" "nothing is stored for a bad duration"
cmd "window orders.shipped_at 7d"
ok "an unknown column is refused on screen" wait_for "shipped_at"
is "$(stored 'SELECT count(*) FROM subset_windows')" "0" "nothing is stored for an unknown column"

before=$(row orders)
cmd "window orders.created_at 30d"
ok "a window is set" wait_for "window: rows of orders with created_at in the last 30d"
ok "the summary lists the window" wait_for "windows: orders.created_at last 30d"
ok "the orders row is flagged W" poll eval 'row orders | grep -q "^ \. \. \. \. W"'
is "$(stored 'SELECT tbl, col, last, seconds FROM subset_windows')" "orders|created_at|30d|2592000" \
	"the window is stored in the workspace"
after=$(row orders)
if [ "$before" != "$after" ] && ! grep -q " 2,000 " <<<"$after"; then
	pass "the estimated rows of orders follow the window"
else
	fail "the estimated rows of orders follow the window"; diag "before: $before" "after:  $after"
fi
ok "the reason is the window" poll eval 'row orders | grep -q "window"'
plan=$("$MB" --workspace "$ws" plan "sqlite://$db" --format tsv --exact 2>&1)
n=$(printf '%s\n' "$plan" | awk -F'\t' '$2 == "orders" { print $3 }')
want=$(sqlite3 "$db" "SELECT count(*) FROM orders WHERE created_at >= datetime('now', '-30 days')")
is "$n" "$want" "maskbench plan counts the orders of the window the screen saved"
cmd "window orders.created_at 12h"
ok "setting it again replaces it" wait_for "windows: orders.created_at last 12h"
is "$(stored 'SELECT count(*) FROM subset_windows')" "1" "one window per table"
keys t
ok "t on a table fills the prompt for its time column" wait_for ":window customers.joined_at"
keys Escape

# ---- virtual foreign keys ----
cmd "root customers id <= 10"
ok "a root is set" wait_for "roots: customers where id <= 10"
cmd "children all"
ok "children are followed" wait_for "children: all"
keys Tab
ok "Tab shows the tree" wait_for "Relationships from the roots"
ok "orders are children of customers" wait_for "main.orders"
if screen | grep -q "order_notes"; then fail "order_notes is not in the tree without a key"
else pass "order_notes is not in the tree without a key"; fi
keys Tab
cmd "vfk order_notes(order_ref) -> orders(nope)"
ok "an unknown column is refused" wait_for "vfk: unknown column orders.nope"
cmd "vfk order_notes(order_ref, id) -> orders(id)"
ok "a column count mismatch is refused" wait_for "2 columns on the left, 1 on the right"
cmd "vfk order_notes(order_ref) orders(id)"
ok "a missing arrow is refused" wait_for "expected '->'"
cmd "vfk ghost(x) -> orders(id)"
ok "an unknown table is refused" wait_for "unknown table 'ghost'"
is "$(stored 'SELECT count(*) FROM subset_vfks')" "0" "nothing is stored for a refused key"
cmd "vfk order_notes(order_ref) -> orders(id)"
ok "a virtual key is added" wait_for "virtual key 1: order_notes -> orders"
ok "the summary lists it" wait_for "1) order_notes(order_ref) -> orders(id)"
is "$(stored 'SELECT v.from_tbl, c.from_col, v.to_tbl, c.to_col FROM subset_vfks v JOIN subset_vfk_cols c ON c.vfk_pos = v.pos')" \
	"order_notes|order_ref|orders|id" "the virtual key is stored in the workspace"
cmd "vfk order_notes(order_ref) -> orders(id)"
ok "the same key twice is refused" wait_for "already declared as virtual key 1"
ok "order_notes now gets rows as a child" poll eval 'row order_notes | grep -q "child"'
keys Tab
ok "the tree shows order_notes under orders by the virtual key" wait_for "main.order_notes  (virtual key)"
ok "the tree shows the window" wait_for "(window created_at, last 12h)"
keys Tab

# ---- removing ----
cmd "vfk 1 off"
ok "the virtual key is removed" wait_for "virtual key 1 removed"
is "$(stored 'SELECT count(*) FROM subset_vfks')" "0" "and removed from the workspace"
cmd "window orders off"
ok "the window is removed" wait_for "window on orders removed"
is "$(stored 'SELECT count(*) FROM subset_windows')" "0" "and removed from the workspace"
ok "the summary has no window" wait_for "windows: none"
keys Q
is "$(wait_exit)" 0 "Q quits with exit code 0"
tui_stop
done_testing
