/*
 * cmd_demo.c - `maskbench demo [--rebuild] [--path-only] [--workspace FILE]`:
 * builds the bundled demo database on first use (or when it was built by
 * another version of the generator, or on --rebuild) in the per-user data
 * folder, then opens the workbench on it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "share/demo/demo_gen.h"
#include "tui/commands.h"
#include "tui/options.h"
#include "tui/tui.h"

static const char demo_usage[] =
	"usage: maskbench demo [--rebuild] [--path-only] [--workspace FILE]\n"
	"\n"
	"Opens the workbench on the bundled demo database: a fictional web shop\n"
	"(SQLite) with customers, orders, payments and support tickets full of\n"
	"invented personal data. It is built on first use in\n"
	"$XDG_DATA_HOME/maskbench/demo.db (default ~/.local/share/maskbench).\n"
	"\n"
	"  --rebuild          build the demo database again\n"
	"  --path-only        build it if needed, print its path and exit\n"
	"  --workspace FILE   workspace file (default: demo-workspace.db next to\n"
	"                     the demo database)\n";

/* "<folder of db_path>/demo-workspace.db", newly allocated. */
static char *demo_workspace_path(const char *db_path)
{
	const char *slash = strrchr(db_path, '/');
	if (!slash)
		return xstrdup("demo-workspace.db");
	return xasprintf("%.*s/demo-workspace.db", (int)(slash - db_path), db_path);
}

int cmd_demo(int argc, char **argv, const struct global_opts *g)
{
	struct mb_err err = MB_ERR_INIT;
	const char *workspace = g ? g->workspace : NULL;
	bool rebuild = false, path_only = false;
	char *path = NULL, *ws_path = NULL;
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *v;
		if (opt_is_help(argv[i])) {
			fputs(demo_usage, stdout);
			return 0;
		} else if (!strcmp(argv[i], "--rebuild")) {
			rebuild = true;
		} else if (!strcmp(argv[i], "--path-only")) {
			path_only = true;
		} else if ((v = opt_value(argc, argv, &i, "--workspace"))) {
			workspace = v;
		} else {
			return opt_positional(demo_usage, argv[i], (const char **[]){ NULL });
		}
	}

	path = demo_default_path();
	if (!path) {
		mb_err_set(&err, MB_ERR_IO, "cannot find a folder for the demo database: "
			   "set HOME or XDG_DATA_HOME");
		goto fail;
	}
	if (rebuild || !demo_is_current(path)) {
		if (!path_only)
			fprintf(stderr, "maskbench: building the demo database %s\n", path);
		if (demo_build(path, &err))
			goto fail;
	}
	if (path_only) {
		printf("%s\n", path);
		rc = fflush(stdout) ? 3 : 0;
		goto done;
	}

	if (!workspace)
		workspace = ws_path = demo_workspace_path(path);
	rc = tui_run(&(struct tui_options){ .source = path, .workspace = workspace,
					    .demo = true }, &err);
	if (rc < 0)
		goto fail;
	goto done;
fail:
	rc = report_error(&err);
done:
	free(ws_path);
	free(path);
	return rc;
}
