# tmux.bash - drive the real workbench in tmux (source after tests/lib/tap.sh).
#
#   tui_start W H CMD...   start CMD in a private tmux server (socket in $TMPD),
#                          a W x H window, pinned LANG/TERM/TZ; the exit code
#                          lands in $TMPD/exit
#   wait_for TEXT [SECS]   poll the pane until it shows TEXT (fixed string);
#                          false after the deadline (default 15 s)
#   wait_gone TEXT [SECS]  poll until TEXT is no longer shown
#   poll CMD...            poll until CMD succeeds (deadline $TUI_TIMEOUT)
#   keys KEY...            tmux send-keys (key names: Enter, Escape, Tab, Up...)
#   rawkeys HEX...         bytes sent as they are (mouse sequences)
#   screen                 the pane as text
#   tui_resize W H         resize the window
#   wait_exit [SECS]       wait for the program to end; prints its exit code
#   tui_stop               kill the tmux server
#
# The binary is $MB_BIN when set (e.g. a sanitizer build), else $MB.
# Waiting always polls for a screen condition with a deadline, never a
# fixed sleep.
MBT="${MB_BIN:-$MB}"
TUI_SOCK=
TUI_TIMEOUT=${TUI_TIMEOUT:-15}

_tui_tmux() { tmux -S "$TUI_SOCK" "$@"; }

tui_start() {
	local w=$1 h=$2 term=tmux-256color
	shift 2
	# a fresh socket per session: a killed server may still hold the old one
	TUI_N=$((${TUI_N:-0} + 1))
	TUI_SOCK="$TMPD/tmux.$TUI_N.sock"
	infocmp "$term" >/dev/null 2>&1 || term=screen
	rm -f "$TMPD/exit"
	printf 'set -g default-terminal %s\nset -g status off\nset -g remain-on-exit on\n' \
		"$term" >"$TMPD/tmux.conf"
	# the command runs under sh: record its exit code for wait_exit
	local cmd
	printf -v cmd '%q ' "$@"
	tmux -S "$TUI_SOCK" -f "$TMPD/tmux.conf" new-session -d -x "$w" -y "$h" \
		"cd $(printf %q "$TMPD") && env LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=UTC HOME=$(printf %q "$HOME") $cmd; echo \$? > $(printf %q "$TMPD/exit")"
	trap 'tmux -S "$TUI_SOCK" kill-server 2>/dev/null; rm -rf "$TMPD"' EXIT
}

screen() { _tui_tmux capture-pane -p 2>/dev/null; }

_tui_poll() {
	local want=$1 text=$2 secs=${3:-$TUI_TIMEOUT}
	local deadline=$((SECONDS + secs))
	while :; do
		if screen | grep -qF -- "$text"; then
			[ "$want" = shown ] && return 0
		else
			[ "$want" = gone ] && return 0
		fi
		[ "$SECONDS" -ge "$deadline" ] && break
		sleep 0.05
	done
	diag "timed out waiting for '$text' ($want); the screen was:"
	screen | sed 's/^/#   /'
	return 1
}

wait_for() { _tui_poll shown "$@"; }
# poll CMD...: until CMD succeeds, with the deadline
poll() {
	local deadline=$((SECONDS + TUI_TIMEOUT))
	until "$@"; do
		if [ "$SECONDS" -ge "$deadline" ]; then
			diag "timed out waiting for: $*"
			return 1
		fi
		sleep 0.05
	done
}
wait_gone() { _tui_poll gone "$@"; }
keys() { _tui_tmux send-keys "$@"; }
rawkeys() { _tui_tmux send-keys -H "$@"; }
tui_resize() { _tui_tmux resize-window -x "$1" -y "$2"; }

wait_exit() {
	local deadline=$((SECONDS + ${1:-$TUI_TIMEOUT}))
	while [ ! -s "$TMPD/exit" ]; do
		if [ "$SECONDS" -ge "$deadline" ]; then
			echo timeout
			return 1
		fi
		sleep 0.05
	done
	cat "$TMPD/exit"
}

tui_stop() { _tui_tmux kill-server 2>/dev/null || true; }

# The mouse as xterm's X10 protocol: button (0 left, 64 wheel up, 65 wheel
# down), 0-based column and row.
mouse() {
	rawkeys 1b 5b 4d "$(printf %x $((32 + $1)))" "$(printf %x $((33 + $2)))" \
		"$(printf %x $((33 + $3)))"
}
