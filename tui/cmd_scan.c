/*
 * cmd_scan.c - `maskbench scan SOURCE [--customers FILE | --customers-sql SQL]
 * [--sample N] [--full] [--timeout SECONDS] [--format table|tsv|json]`:
 * reads the catalog inside the source's read-only snapshot, records it,
 * scans every table for PII (SPEC §5), stores the findings in the
 * workspace and prints them.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/catalog.h"
#include "core/db.h"
#include "core/workspace.h"
#include "scanner/scanner.h"
#include "tui/commands.h"
#include "tui/options.h"

static const char scan_usage[] =
	"usage: maskbench scan SOURCE [--customers FILE | --customers-sql SQL]\n"
	"                      [--sample N] [--full] [--timeout SECONDS]\n"
	"                      [--format table|tsv|json]\n"
	"\n"
	"Samples every table of SOURCE (read-only) and proposes a PII category,\n"
	"a confidence and a masking action per column; findings are stored in\n"
	"the workspace. No data value is printed or stored: only counts, pattern\n"
	"names and redacted shapes.\n"
	"\n"
	"  --customers FILE     customer names, one a line (matched, never stored)\n"
	"  --customers-sql SQL  a query on SOURCE whose first column is a name\n"
	"  --sample N           values per column (default 1000)\n"
	"  --full               read whole columns instead of a sample\n"
	"  --timeout SECONDS    per-statement time limit (default 30)\n";

int cmd_scan(int argc, char **argv, const struct global_opts *g)
{
	const char *source = NULL, *format = "table";
	struct scan_options opt = { 0 };
	struct mb_err err = MB_ERR_INIT;
	struct db_conn *conn = NULL;
	struct workspace *ws = NULL;
	struct catalog cat;
	struct scan_result res;
	struct strbuf out = STRBUF_INIT;
	int64_t source_id;
	long sample = 0, timeout_s = SCAN_DEFAULT_TIMEOUT_MS / 1000;
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *v;
		if (opt_is_help(argv[i])) {
			fputs(scan_usage, stdout);
			return 0;
		} else if ((v = opt_value(argc, argv, &i, "--format"))) {
			format = v;
		} else if ((v = opt_value(argc, argv, &i, "--customers"))) {
			opt.customers_file = v;
		} else if ((v = opt_value(argc, argv, &i, "--customers-sql"))) {
			opt.customers_sql = v;
		} else if ((v = opt_value(argc, argv, &i, "--sample"))) {
			if (!opt_number(v, 1, 10000000, &sample))
				return usage_error(scan_usage, "--sample needs a number from 1 to 10000000");
		} else if ((v = opt_value(argc, argv, &i, "--timeout"))) {
			if (!opt_number(v, 1, 86400, &timeout_s))
				return usage_error(scan_usage, "--timeout needs seconds from 1 to 86400");
		} else if (!strcmp(argv[i], "--full")) {
			opt.full = true;
		} else if ((rc = opt_positional(scan_usage, argv[i], (const char **[]){ &source, NULL }))) {
			return rc;
		}
	}
	if (!source)
		return usage_error(scan_usage, "missing SOURCE");
	if ((rc = opt_format_check(scan_usage, format)))
		return rc;
	if (opt.customers_file && opt.customers_sql)
		return usage_error(scan_usage, "--customers and --customers-sql exclude each other");
	opt.sample = (size_t)sample;
	opt.timeout_ms = (unsigned)(timeout_s * 1000);
	opt.source = source;

	catalog_init(&cat, DB_ENGINE_NONE);
	scan_result_init(&res);
	if (db_open(source, DB_MODE_SOURCE, &conn, &err) ||
	    db_read_catalog(conn, &cat, &err))
		goto fail;
	ws = ws_open(g->workspace, &err);
	if (!ws || record_source_snapshot(ws, conn, &cat, &source_id, &err))
		goto fail;
	if (scan_run(ws, source_id, &conn, &cat, &opt, &res, &err))
		goto fail;
	if (!strcmp(format, "json"))
		scan_result_to_json(&res, &out);
	else if (!strcmp(format, "tsv"))
		scan_result_to_tsv(&res, &out);
	else
		scan_result_to_table(&res, &out);
	rc = write_stdout(&out);
	goto done;
fail:
	rc = report_error(&err);
done:
	strbuf_release(&out);
	scan_result_release(&res);
	catalog_release(&cat);
	ws_close(ws);
	db_close(conn);
	return rc;
}
