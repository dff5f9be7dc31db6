## tests: tui - the workbench. Headless unit test of widths, widgets and the
## command table; tmux-driven tests of the real binary (MB_BIN overrides it,
## e.g. a sanitizer build); a golden file for the help screen.
check_PROGRAMS += tests/tui/test_uwidth
tests_tui_test_uwidth_SOURCES = tests/tui/test_uwidth.c \
	tui/uwidth.c tui/widgets.c tui/command.c
tests_tui_test_uwidth_CFLAGS = $(AM_CFLAGS) $(NCURSES_CFLAGS)
tests_tui_test_uwidth_LDADD = libmbcore.a $(MB_LIBS)
TUI_TESTS = tests/tui/shell.sh tests/tui/help_golden.sh tests/tui/data.sh \
	tests/tui/password.sh tests/tui/flow.sh tests/tui/subset_edit.sh \
	tests/tui/bulk.sh tests/tui/scan_cancel.sh
dist_check_SCRIPTS += $(TUI_TESTS)
TESTS += tests/tui/test_uwidth $(TUI_TESTS)
EXTRA_DIST += tests/tui/tmux.bash tests/tui/help.golden tests/bench/tui.sh
