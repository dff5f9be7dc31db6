#!/bin/bash
# The catalog browser on hostile names at 80x24: wide characters stay
# aligned, control characters are escaped, long names are cut, search
# finds tables off screen, the mouse selects and scrolls, NO_COLOR and
# the themes.
. "${MB_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "$MB_SRCDIR/tests/tui/tmux.bash"
command -v tmux >/dev/null || { echo "1..0 # SKIP tmux not installed"; exit 0; }
command -v sqlite3 >/dev/null || { echo "1..0 # SKIP sqlite3 not installed"; exit 0; }
tap_tmpdir

db="$TMPD/hostile.db"
{
	echo "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT UNIQUE, \"名前\" TEXT, manager_id INTEGER REFERENCES customers(id));"
	echo "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id), note TEXT);"
	echo "CREATE TABLE \"顧客テーブル\" (id INTEGER PRIMARY KEY, \"氏名\" TEXT, \"emoji 😀 col\" TEXT);"
	printf 'CREATE TABLE "bad\nname" (x INTEGER, "esc\033[31mred" TEXT);\n'
	echo "CREATE TABLE \"a_very_long_table_name_that_cannot_possibly_fit_into_the_left_pane_at_all\" (x INTEGER);"
	for i in $(seq -w 1 60); do echo "CREATE TABLE filler_$i (id INTEGER PRIMARY KEY, v TEXT);"; done
	echo "CREATE TABLE zz_last (id INTEGER PRIMARY KEY, needle_column TEXT);"
} | sqlite3 "$db"
check $? "a SQLite file with hostile names is created"

tui_start 80 24 "$MBT" --workspace "$TMPD/ws.db" "$db"
ok "the catalog opens at 80x24" wait_for "Catalog: 66 tables"
ok "a newline in a table name is shown escaped" wait_for 'bad\nname'
ok "a long name is shown" wait_for "a_very_long_"
case "$(screen | grep -m1 a_very_long_)" in
*a_very_long_*…*) pass "a name too long for its pane ends in an ellipsis" ;;
*) fail "a name too long for its pane ends in an ellipsis" ;;
esac

# every body row has the pane separator at the same display column
aligned() {
	local want="" line prefix col rc=0
	while IFS= read -r line; do
		case "$line" in *│*) ;; *) continue ;; esac
		prefix=${line%%│*}
		col=$(printf '%s' "$prefix" | wc -L)
		[ -z "$want" ] && want=$col
		if [ "$col" != "$want" ]; then
			diag "separator at column $col, not $want: $line"
			rc=1
		fi
	done < <(screen | sed -n '2,23p')
	return $rc
}
keys / 顧 Enter
ok "search finds a table by a wide-character name" wait_for "emoji 😀 col"
ok "rows with wide characters keep the panes aligned" aligned
keys / b a d Enter
ok "the escaped table's columns are listed" wait_for 'esc\x1b[31mred'
ok "rows with control characters keep the panes aligned" aligned

keys / z z Enter
ok "search finds a table below the first page" wait_for "needle_column"
keys g
ok "g goes back to the top" wait_for " customers "
ok "the list scrolled back: zz_last is off screen" wait_gone "zz_last"

# mouse: the title is row 0, the pane headings row 1, the schema row 2
row_of() { screen | grep -n -m1 -- "$1" | cut -d: -f1; }
r=$(row_of ' customers ')
mouse 0 5 $((r - 1))
ok "a click on a table shows its columns" wait_for "manager_id"
mouse 65 5 10
mouse 65 5 10
mouse 65 5 10
ok "the wheel scrolls the table list" wait_gone " customers "
mouse 64 5 10
mouse 64 5 10
mouse 64 5 10
ok "the wheel scrolls back up" wait_for " customers "

keys : t h e m e Space l i g h t Enter
ok ":theme light switches the theme" wait_for "theme light"
colours=$(_tui_tmux capture-pane -p -e | grep -c $'\e\\[[^m]*\\(3[0-7]\\|4[0-7]\\)')
ok "colours are used by default" test "$colours" -gt 0
keys Q
is "$(wait_exit)" 0 "Q quits with exit code 0"
tui_stop

NO_COLOR=1 tui_start 80 24 env NO_COLOR=1 "$MBT" --workspace "$TMPD/ws.db" "$db"
ok "with NO_COLOR the catalog opens" wait_for "Catalog: 66 tables"
colours=$(_tui_tmux capture-pane -p -e | grep -c $'\e\\[[^m]*\\(3[0-7]\\|4[0-7]\\)')
is "$colours" 0 "NO_COLOR: no colour escape on the screen"
reverse=$(_tui_tmux capture-pane -p -e | grep -c $'\e\\[[0-9;]*7m')
ok "NO_COLOR: the cursor row is still marked (reverse video)" test "$reverse" -gt 0
keys : t h e m e Space d a r k Enter
ok "NO_COLOR: asking for a colour theme says colours are off" wait_for "colours are off"
keys : q Enter
is "$(wait_exit)" 0 ":q quits with exit code 0"
tui_stop

done_testing
