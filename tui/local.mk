## tui/ - main(), subcommands and the curses workbench.
bin_PROGRAMS += maskbench
maskbench_CFLAGS = $(AM_CFLAGS) $(NCURSES_CFLAGS) $(MB_DEP_CFLAGS)
maskbench_SOURCES = \
	tui/main.c tui/commands.h \
	tui/options.c tui/options.h \
	tui/version.c tui/version.h \
	tui/cmd_catalog.c
maskbench_LDADD = $(MB_LINK)
