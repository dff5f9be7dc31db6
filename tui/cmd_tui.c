/*
 * cmd_tui.c - `maskbench [--workspace FILE] [SOURCE]`: the workbench.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "tui/commands.h"
#include "tui/options.h"
#include "tui/tui.h"

static const char tui_usage[] =
	"usage: maskbench [--workspace FILE] [SOURCE]\n"
	"\n"
	"Opens the workbench on SOURCE (a postgresql://, mysql://, mariadb:// or\n"
	"sqlite:/// address, or a path ending in .db, .sqlite or .sqlite3), or on\n"
	"the connect screen when SOURCE is not given. Press ? inside for the keys.\n"
	"\n"
	"Environment: NO_COLOR turns colours off; MASKBENCH_THEME=dark|light|mono.\n";

int cmd_tui(int argc, char **argv, const struct global_opts *g)
{
	struct tui_options o = { .workspace = g->workspace };
	struct mb_err err = MB_ERR_INIT;
	int rc;

	/* argv[0] is whatever came before SOURCE; the arguments start at 1 */
	for (int i = 1; i < argc; i++) {
		if (opt_is_help(argv[i])) {
			fputs(tui_usage, stdout);
			return 0;
		} else if (!o.source) {
			o.source = argv[i];
		} else {
			/* two words: the first was meant as a subcommand */
			return usage_error(tui_usage, "unknown command '%s'", o.source);
		}
	}
	rc = tui_run(&o, &err);
	if (rc < 0)
		return report_error(&err);
	return rc;
}
