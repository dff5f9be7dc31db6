/*
 * cmd_catalog.c - `maskbench catalog SOURCE [--format table|tsv|json]`:
 * reads the source's catalog inside its read-only snapshot, records a
 * snapshot in the workspace, prints it.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/catalog.h"
#include "core/db.h"
#include "core/workspace.h"
#include "tui/commands.h"
#include "tui/options.h"

static const char catalog_usage[] =
	"usage: maskbench catalog SOURCE [--format table|tsv|json] [--no-save]\n"
	"\n"
	"Reads tables, columns, keys and foreign keys of SOURCE (read-only) and\n"
	"records a snapshot in the workspace.\n";

int cmd_catalog(int argc, char **argv, const struct global_opts *g)
{
	const char *source = NULL, *format = "table";
	bool save = true;
	struct mb_err err = MB_ERR_INIT;
	struct db_conn *conn = NULL;
	struct workspace *ws = NULL;
	struct catalog cat;
	struct strbuf out = STRBUF_INIT;
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *v;
		if (opt_is_help(argv[i])) {
			fputs(catalog_usage, stdout);
			return 0;
		} else if ((v = opt_value(argc, argv, &i, "--format"))) {
			format = v;
		} else if (!strcmp(argv[i], "--no-save")) {
			save = false;
		} else if ((rc = opt_positional(catalog_usage, argv[i], (const char **[]){ &source, NULL }))) {
			return rc;
		}
	}
	if (!source)
		return usage_error(catalog_usage, "missing SOURCE");
	if ((rc = opt_format_check(catalog_usage, format)))
		return rc;

	catalog_init(&cat, DB_ENGINE_NONE);
	if (db_open(source, DB_MODE_SOURCE, &conn, &err) ||
	    db_read_catalog(conn, &cat, &err))
		goto fail;
	if (save) {
		int64_t source_id;
		ws = ws_open(g->workspace, &err);
		if (!ws || record_source_snapshot(ws, conn, &cat, &source_id, &err))
			goto fail;
	}
	if (!strcmp(format, "json"))
		catalog_to_json(&cat, &out);
	else if (!strcmp(format, "tsv"))
		catalog_to_tsv(&cat, &out);
	else
		catalog_to_table(&cat, &out);
	rc = write_stdout(&out);
	goto done;
fail:
	rc = report_error(&err);
done:
	strbuf_release(&out);
	catalog_release(&cat);
	ws_close(ws);
	db_close(conn);
	return rc;
}
