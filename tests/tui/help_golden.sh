#!/bin/bash
# Golden test of the help screen (generated from tui/commands_table.h):
# the whole 100x66 screen, opened with F1 from the connect screen.
# Refresh after an intended change with:
#   MB_REFRESH_GOLDEN=1 make check TESTS=tests/tui/help_golden.sh
. "${MB_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "$MB_SRCDIR/tests/tui/tmux.bash"
command -v tmux >/dev/null || { echo "1..0 # SKIP tmux not installed"; exit 0; }
tap_tmpdir
golden="$MB_SRCDIR/tests/tui/help.golden"

tui_start 100 66 "$MBT" --workspace "$TMPD/ws.db"
ok "without a source the connect screen opens" wait_for "Open a source"
keys F1
ok "F1 opens the help screen" wait_for "Quit maskbench"
screen >"$TMPD/help.txt"
if [ -n "${MB_REFRESH_GOLDEN:-}" ]; then
	cp "$TMPD/help.txt" "$golden"
	diag "refreshed $golden"
fi
if diff -u "$golden" "$TMPD/help.txt" >"$TMPD/diff"; then
	pass "the help screen matches tests/tui/help.golden"
else
	fail "the help screen matches tests/tui/help.golden"
	sed 's/^/# /' "$TMPD/diff"
	diag "if the change is intended, refresh the golden file with:" \
	     "  MB_REFRESH_GOLDEN=1 make check TESTS=tests/tui/help_golden.sh"
fi
keys q
ok "q goes back to the connect screen" wait_for "Open a source"
keys Escape
is "$(wait_exit)" 0 "Esc on the connect screen quits with exit code 0"
tui_stop
done_testing
