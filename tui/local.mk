## tui/ - main(), subcommands and the curses workbench.
bin_PROGRAMS += maskbench
maskbench_CFLAGS = $(AM_CFLAGS) $(NCURSES_CFLAGS) $(MB_DEP_CFLAGS)
maskbench_SOURCES = \
	tui/main.c tui/commands.h \
	tui/cmd_tui.c tui/tui.h tui/app.c tui/app.h tui/source.c tui/command.c tui/command.h tui/commands_table.h tui/theme.c tui/theme.h tui/uwidth.c tui/uwidth.h tui/widgets.c tui/widgets.h tui/screen_connect.c tui/screen_catalog.c tui/screen_help.c \
	tui/review.c tui/work.c tui/screen_findings.c tui/screen_column.c tui/screen_preview.c tui/screen_signoff.c tui/screen_subset.c tui/screen_run.c \
	tui/cmd_demo.c share/demo/demo_gen.c share/demo/demo_gen.h \
	tui/options.c tui/options.h \
	tui/version.c tui/version.h \
	tui/cmd_catalog.c tui/cmd_scan.c tui/cmd_rules.c tui/cmd_transform.c \
	tui/cmd_plan.c tui/cmd_plan.h tui/cmd_run.c tui/cmd_verify.c tui/cmd_preview.c
maskbench_LDADD = $(MB_LINK)
