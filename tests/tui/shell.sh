#!/bin/bash
# The workbench shell on the demo database, driven in tmux: open, move into
# a table, see its columns, help, resize (80x24, 50x15 "too small", back),
# the ':' command line, quit with exit code 0.
. "${MB_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "$MB_SRCDIR/tests/tui/tmux.bash"
command -v tmux >/dev/null || { echo "1..0 # SKIP tmux not installed"; exit 0; }
tap_tmpdir

# build the demo first (outside the timed screen waits)
"$MBT" demo --path-only >/dev/null 2>"$TMPD/demo.err"
check $? "maskbench demo builds its database"

tui_start 100 30 "$MBT" demo --workspace "$TMPD/ws.db"
ok "the demo opens on the catalog" wait_for "Catalog:"
ok "the demo's tables are listed with their row counts" wait_for "customers "
ok "the title names the source" wait_for "demo.db"

keys / c u s t o m e r s Enter
keys Enter
ok "Enter on a table shows its columns" wait_for "first_name"
line=$(screen | grep -m1 ' email ')
case "$line" in
*TEXT*UQ*) pass "email shows its type and the UQ badge" ;;
*) fail "email shows its type and the UQ badge"; diag "line: $line" ;;
esac
line=$(screen | grep -m1 ' id  ')
case "$line" in
*INTEGER*PK*) pass "id shows the PK badge" ;;
*) fail "id shows the PK badge"; diag "line: $line" ;;
esac
line=$(screen | grep -m1 ' company_id ')
case "$line" in
*FK*) pass "company_id shows the FK badge" ;;
*) fail "company_id shows the FK badge"; diag "line: $line" ;;
esac
keys j
ok "the column detail names the referenced table" wait_for "references companies(id)"

keys '?'
ok "? opens the help screen" wait_for ":search-next"
tui_resize 80 24
ok "help still drawn at 80x24" wait_for "Moving around"
tui_resize 50 15
ok "50x15 says the window is too small" wait_for "window too small"
tui_resize 100 30
ok "back at 100x30 the help is drawn again" wait_for "Moving around"
ok "the too-small message is gone" wait_gone "window too small"

keys q
ok "q leaves the help screen" wait_for "first_name"
keys : h e l p Enter
ok ":help opens the help screen" wait_for ":search-next"
keys Escape
ok "Esc leaves the help screen" wait_for "first_name"
keys : n o s u c h Enter
ok "an unknown ':' command is reported" wait_for "unknown command 'nosuch'"

keys Escape
ok "Esc moves back to the tables pane" wait_for "first_name"
keys q
is "$(wait_exit)" 0 "q on the first screen quits with exit code 0"
ok "the terminal is restored (alternate screen left)" wait_gone "Catalog:"
tui_stop

done_testing
