/*
 * cmd_preview.c - `maskbench preview SOURCE TABLE [--rows N]`: sample rows
 * of TABLE, each column's original beside its masked value under the
 * workspace's current rules (approved or not), so a reviewer sees the
 * effect before approving. Values are escaped for the terminal and cut to
 * a width; this is the one place that shows data, on request.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mask.h"
#include "tui/cmd_plan.h"
#include "tui/options.h"

static const char preview_usage[] =
	"usage: maskbench preview SOURCE TABLE [--rows N] [--key-file FILE] [--format table|tsv]\n"
	"\n"
	"Shows N (default 5) rows of TABLE (\"table\" or \"schema.table\"), each\n"
	"column original beside masked under the current rules.\n";

#define CELL 36

static void cell(struct strbuf *out, const char *v, size_t len, bool tsv)
{
	struct strbuf e = STRBUF_INIT;
	if (!v)
		strbuf_addstr(&e, "NULL");
	else
		strbuf_add_escaped(&e, v, len);
	if (tsv) {
		for (size_t i = 0; i < e.len; i++)
			strbuf_addch(out, e.buf[i] == '\t' ? ' ' : e.buf[i]);
	} else {
		/* cut on a UTF-8 boundary, pad by characters */
		size_t chars = 0, i = 0;
		for (; i < e.len && chars < CELL; i++)
			if (((unsigned char)e.buf[i] & 0xC0) != 0x80)
				chars++;
		while (i < e.len && ((unsigned char)e.buf[i] & 0xC0) == 0x80)
			i++;
		strbuf_add(out, e.buf, i);
		for (; chars < CELL; chars++)
			strbuf_addch(out, ' ');
	}
	strbuf_release(&e);
}

int cmd_preview(int argc, char **argv, const struct global_opts *g)
{
	const char *source = NULL, *table = NULL, *key_file = NULL, *format = "table";
	long nrows = 5;
	struct mb_err err = MB_ERR_INIT;
	struct plan_setup ps;
	struct job_rules jr = { 0 };
	struct mask_key *key = NULL;
	struct masker **m = NULL;
	struct db_rows *rows = NULL;
	struct strbuf sql = STRBUF_INIT, out = STRBUF_INIT, masked = STRBUF_INIT;
	struct cat_table *t = NULL;
	int rc, r;

	memset(&ps, 0, sizeof(ps));
	for (int i = 1; i < argc; i++) {
		const char *v;
		if (opt_is_help(argv[i])) {
			fputs(preview_usage, stdout);
			return 0;
		} else if ((v = opt_value(argc, argv, &i, "--rows"))) {
			if (!opt_number(v, 1, 10000, &nrows))
				return usage_error(preview_usage, "--rows wants 1..10000");
		} else if ((v = opt_value(argc, argv, &i, "--key-file"))) {
			key_file = v;
		} else if ((v = opt_value(argc, argv, &i, "--format"))) {
			format = v;
		} else if ((rc = opt_positional(preview_usage, argv[i],
						(const char **[]){ &source, &table, NULL }))) {
			return rc;
		}
	}
	if (!source || !table)
		return usage_error(preview_usage, "missing %s", source ? "TABLE" : "SOURCE");
	if (strcmp(format, "table") && strcmp(format, "tsv"))
		return usage_error(preview_usage, "unknown format '%s' (table or tsv)", format);
	bool tsv = !strcmp(format, "tsv");

	if (plan_setup_open(&ps, source, g, false, &err) < 0)
		goto fail;
	{
		char *s = NULL, *n = NULL;
		subset_split_table(table, &s, &n);
		t = catalog_find_table(&ps.cat, s, n);
		if (!t)
			t = catalog_find_table(&ps.cat, NULL, table);
		free(s);
		free(n);
	}
	if (!t) {
		mb_err_set(&err, MB_ERR_USAGE, "unknown table '%s'", table);
		goto fail;
	}
	if (job_rules_load(ps.ws, &jr, &err) < 0)
		goto fail;
	struct job_options o = { .rules = jr.rules, .nrules = jr.nrules };
	m = xcalloc(t->ncols + 1, sizeof(*m));
	for (size_t c = 0; c < t->ncols; c++) {
		const struct mask_spec *s = job_spec_for(&ps.cat, &o, t, c);
		if (!s)
			continue;
		if (!key && !(key = mask_key_load(key_file, &err)))
			goto fail;
		if (!(m[c] = masker_new(s, key, &err))) {
			mb_err_prefix(&err, "%s.%s.%s", t->schema, t->name, t->cols[c].name);
			goto fail;
		}
	}
	strbuf_addstr(&sql, "SELECT ");
	for (size_t c = 0; c < t->ncols; c++) {
		if (c)
			strbuf_addstr(&sql, ", ");
		db_quote_ident(ps.src, &sql, t->cols[c].name);
	}
	strbuf_addstr(&sql, " FROM ");
	db_quote_table(ps.src, &sql, t->schema, t->name);
	strbuf_addf(&sql, " LIMIT %ld", nrows);
	if (db_query(ps.src, sql.buf, &rows, &err) < 0)
		goto fail;
	if (tsv)
		strbuf_addstr(&out, "row\tcolumn\taction\toriginal\tmasked\n");
	long row = 0;
	while ((r = db_rows_next(rows, &err)) == 1) {
		row++;
		if (!tsv)
			strbuf_addf(&out, "-- row %ld %s\n", row, row == 1 ? "(original | masked)" : "");
		for (size_t c = 0; c < t->ncols && c < rows->ncols; c++) {
			const char *v = rows->values[c];
			size_t len = rows->lengths[c];
			const char *mv = v;
			size_t mlen = len;
			bool is_null = false;
			if (m[c]) {
				if (masker_needs_row_context(m[c]) && !masker_entity_column(m[c])) {
					mv = "(computed by the engine or over the column at run time)";
					mlen = strlen(mv);
				} else if (masker_apply(m[c], v, len, &masked, &is_null, &err) < 0) {
					mb_err_prefix(&err, "%s.%s.%s", t->schema, t->name, t->cols[c].name);
					goto fail;
				} else {
					mv = is_null ? NULL : masked.buf;
					mlen = is_null ? 0 : masked.len;
				}
			}
			const char *action = m[c] ? masker_action(m[c]) : "keep";
			if (tsv) {
				strbuf_addf(&out, "%ld\t%s\t%s\t", row, t->cols[c].name, action);
				cell(&out, v, len, true);
				strbuf_addch(&out, '\t');
				cell(&out, mv, mlen, true);
				strbuf_addch(&out, '\n');
			} else {
				strbuf_addf(&out, "  %-20.20s %-14.14s ", t->cols[c].name, action);
				cell(&out, v, len, false);
				strbuf_addstr(&out, m[c] ? " | " : "   ");
				cell(&out, mv, mlen, false);
				strbuf_addch(&out, '\n');
			}
		}
	}
	if (r < 0)
		goto fail;
	rc = write_stdout(&out);
	goto done;
fail:
	rc = report_error(&err);
done:
	if (rows)
		db_rows_close(rows);
	if (m && t)
		for (size_t c = 0; c < t->ncols; c++)
			masker_free(m[c]);
	free(m);
	mask_key_free(key);
	job_rules_release(&jr);
	strbuf_release(&sql);
	strbuf_release(&out);
	strbuf_release(&masked);
	plan_setup_close(&ps);
	return rc;
}
