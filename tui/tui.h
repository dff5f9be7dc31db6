/*
 * tui.h - the curses workbench (SPEC §11): public entry for main() and for
 * other subcommands (e.g. `maskbench demo`) that open the workbench.
 *
 * Only tui/ includes curses. tui_run() owns the terminal from initscr() to
 * endwin(): it restores the terminal on every way out (normal quit, error,
 * SIGINT/SIGTERM, fatal error through tui_die()).
 */
#ifndef MB_TUI_H
#define MB_TUI_H

#include <stdbool.h>

#include "core/error.h"

struct tui_options {
	/*
	 * Address to open at start (URL or SQLite path), or NULL for the
	 * connect screen. Not copied beyond tui_run(); may carry a password,
	 * which is used for db_open() only and never shown or stored.
	 */
	const char *source;
	/* Workspace file, or NULL for the default ./maskbench.db. */
	const char *workspace;
	/* Started by `maskbench demo`: the title says so. */
	bool demo;
};

/*
 * Runs the workbench until the user quits. Returns the process exit code:
 * 0 when the user quit, 130 when interrupted by SIGINT/SIGTERM, otherwise
 * -1 with err filled (e.g. MB_ERR_USAGE "not a terminal", MB_ERR_IO for the
 * workspace), whose exit code the caller derives from err->kind. Errors
 * while connecting from inside the workbench are shown on screen, not
 * returned.
 */
int tui_run(const struct tui_options *o, struct mb_err *err);

#endif
