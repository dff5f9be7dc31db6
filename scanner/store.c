/*
 * store.c - the scanner's workspace tables (`scans`, `findings`), the
 * `maskbench scan` driver and the output formats.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "scanner/scanner.h"

static const struct ws_migration scanner_migrations[] = {
	{ 1,
	  "CREATE TABLE scans(id INTEGER PRIMARY KEY, source_id INTEGER NOT NULL,\n"
	  "  started_at TEXT NOT NULL, finished_at TEXT, sample_size INTEGER, full INTEGER,\n"
	  "  tables INTEGER, columns INTEGER, customers_hmac_count INTEGER);\n"
	  "CREATE TABLE findings(id INTEGER PRIMARY KEY, scan_id INTEGER NOT NULL,\n"
	  "  source_id INTEGER NOT NULL, schema TEXT NOT NULL, tbl TEXT NOT NULL,\n"
	  "  col TEXT NOT NULL, category TEXT NOT NULL, confidence REAL NOT NULL,\n"
	  "  methods TEXT NOT NULL, matched INTEGER NOT NULL, sampled INTEGER NOT NULL,\n"
	  "  evidence TEXT NOT NULL, proposed_action TEXT NOT NULL,\n"
	  "  proposed_params TEXT NOT NULL DEFAULT '{}', rank INTEGER NOT NULL, note TEXT);\n"
	  "CREATE INDEX findings_scan ON findings(scan_id, schema, tbl, col, rank);\n"
	  "CREATE INDEX scans_source ON scans(source_id, id);\n" },
};

void scan_result_init(struct scan_result *res)
{
	memset(res, 0, sizeof(*res));
}

static void finding_release(struct scan_finding *f)
{
	free(f->schema);
	free(f->table);
	free(f->column);
	free(f->category);
	free(f->methods);
	free(f->evidence);
	free(f->action);
	free(f->params);
	free(f->note);
}

void scan_result_release(struct scan_result *res)
{
	for (size_t i = 0; i < res->nfindings; i++)
		finding_release(&res->findings[i]);
	free(res->findings);
	scan_result_init(res);
}

int scan_migrate(struct workspace *ws, struct mb_err *err)
{
	return ws_migrate(ws, "scanner", scanner_migrations,
			  ARRAY_SIZE(scanner_migrations), err);
}

int scan_store(struct workspace *ws, int64_t source_id, const char *started_at,
	       struct scan_result *res, struct mb_err *err)
{
	sqlite3_stmt *st = NULL;

	if (scan_migrate(ws, err) || ws_begin(ws, err))
		return -1;
	if (ws_prepare(ws, "INSERT INTO scans(source_id, started_at, finished_at, sample_size,"
		       " full, tables, columns, customers_hmac_count) VALUES(?, ?,"
		       " strftime('%Y-%m-%dT%H:%M:%SZ','now'), ?, ?, ?, ?, ?)", &st, err))
		goto fail;
	sqlite3_bind_int64(st, 1, source_id);
	if (started_at)
		sqlite3_bind_text(st, 2, started_at, -1, SQLITE_STATIC);
	else
		sqlite3_bind_text(st, 2, "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (int64_t)res->sample);
	sqlite3_bind_int(st, 4, res->full);
	sqlite3_bind_int64(st, 5, (int64_t)res->tables);
	sqlite3_bind_int64(st, 6, (int64_t)res->columns);
	sqlite3_bind_int64(st, 7, (int64_t)res->customers);
	if (sqlite3_step(st) != SQLITE_DONE) {
		ws_fail(ws, err, "recording the scan");
		goto fail;
	}
	sqlite3_finalize(st);
	st = NULL;
	res->scan_id = sqlite3_last_insert_rowid(ws->db);
	res->source_id = source_id;
	if (ws_prepare(ws, "INSERT INTO findings(scan_id, source_id, schema, tbl, col, category,"
		       " confidence, methods, matched, sampled, evidence, proposed_action,"
		       " proposed_params, rank, note) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
		       &st, err))
		goto fail;
	for (size_t i = 0; i < res->nfindings; i++) {
		const struct scan_finding *f = &res->findings[i];
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, res->scan_id);
		sqlite3_bind_int64(st, 2, source_id);
		sqlite3_bind_text(st, 3, f->schema, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, f->table, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, f->column, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, f->category, -1, SQLITE_STATIC);
		sqlite3_bind_double(st, 7, f->confidence);
		sqlite3_bind_text(st, 8, f->methods, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 9, f->matched);
		sqlite3_bind_int64(st, 10, f->sampled);
		sqlite3_bind_text(st, 11, f->evidence, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 12, f->action, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 13, f->params, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 14, f->rank);
		if (f->note)
			sqlite3_bind_text(st, 15, f->note, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 15);
		if (sqlite3_step(st) != SQLITE_DONE) {
			ws_fail(ws, err, "recording a finding");
			mb_err_prefix(err, "%s.%s.%s", f->schema, f->table, f->column);
			goto fail;
		}
	}
	sqlite3_finalize(st);
	return ws_commit(ws, err);
fail:
	sqlite3_finalize(st);
	ws_rollback(ws);
	return -1;
}

static char *col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? xstrdup((const char *)t) : NULL;
}

int scan_load_latest(struct workspace *ws, int64_t source_id, struct scan_result *res,
		     bool *found, struct mb_err *err)
{
	sqlite3_stmt *st = NULL;
	int ret = -1;

	*found = false;
	if (scan_migrate(ws, err))
		return -1;
	if (ws_prepare(ws, "SELECT id, sample_size, full, tables, columns, customers_hmac_count"
		       " FROM scans WHERE source_id = ? ORDER BY id DESC LIMIT 1", &st, err))
		return -1;
	sqlite3_bind_int64(st, 1, source_id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		ret = 0;
		goto cleanup;
	}
	if (rc != SQLITE_ROW) {
		ws_fail(ws, err, "reading the latest scan");
		goto cleanup;
	}
	res->scan_id = sqlite3_column_int64(st, 0);
	res->source_id = source_id;
	res->sample = (size_t)sqlite3_column_int64(st, 1);
	res->full = sqlite3_column_int(st, 2);
	res->tables = (size_t)sqlite3_column_int64(st, 3);
	res->columns = (size_t)sqlite3_column_int64(st, 4);
	res->customers = (size_t)sqlite3_column_int64(st, 5);
	sqlite3_finalize(st);
	st = NULL;
	if (ws_prepare(ws, "SELECT schema, tbl, col, category, confidence, methods, matched,"
		       " sampled, evidence, proposed_action, proposed_params, rank, note"
		       " FROM findings WHERE scan_id = ? ORDER BY id", &st, err))
		goto cleanup;
	sqlite3_bind_int64(st, 1, res->scan_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ALLOC_GROW(res->findings, res->nfindings + 1, res->findings_alloc);
		struct scan_finding *f = &res->findings[res->nfindings++];
		f->schema = col_dup(st, 0);
		f->table = col_dup(st, 1);
		f->column = col_dup(st, 2);
		f->category = col_dup(st, 3);
		f->confidence = sqlite3_column_double(st, 4);
		f->methods = col_dup(st, 5);
		f->matched = sqlite3_column_int64(st, 6);
		f->sampled = sqlite3_column_int64(st, 7);
		f->evidence = col_dup(st, 8);
		f->action = col_dup(st, 9);
		f->params = col_dup(st, 10);
		f->rank = sqlite3_column_int(st, 11);
		f->note = col_dup(st, 12);
	}
	if (rc != SQLITE_DONE) {
		ws_fail(ws, err, "reading findings");
		goto cleanup;
	}
	*found = true;
	ret = 0;
cleanup:
	sqlite3_finalize(st);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Customers from SQL                                                  */
/* ------------------------------------------------------------------ */

static int customers_from_sql(struct db_conn *conn, const char *sql, struct customer_set *cs,
			      struct mb_err *err)
{
	struct db_rows *rows = NULL;
	int rc;

	if (db_query(conn, sql, &rows, err))
		return mb_err_prefix(err, "--customers-sql");
	while ((rc = db_rows_next(rows, err)) == 1) {
		if (rows->ncols && rows->values[0] && rows->lengths[0] &&
		    utf8_valid(rows->values[0], rows->lengths[0]))
			customer_set_add(cs, rows->values[0], rows->lengths[0]);
	}
	db_rows_close(rows);
	return rc < 0 ? mb_err_prefix(err, "--customers-sql") : 0;
}

int scan_run(struct workspace *ws, int64_t source_id, struct db_conn **conn,
	     const struct catalog *cat, const struct scan_options *opt,
	     struct scan_result *res, struct mb_err *err)
{
	struct match_catalog *mc = NULL;
	struct customer_set *cs = NULL;
	char started[32];
	int ret = -1;
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(started, sizeof(started), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (scan_migrate(ws, err))
		return -1;
	mc = match_catalog_load(opt->share_dir, err);
	if (!mc)
		return -1;
	if (opt->customers_file || opt->customers_sql) {
		cs = customer_set_new();
		char *words = xasprintf("%s/match/common_words.txt", match_catalog_share_dir(mc));
		struct mb_err ignore = MB_ERR_INIT;
		customer_set_load_common_words(cs, words, &ignore);  /* optional */
		free(words);
		if (opt->customers_file && customer_set_load_file(cs, opt->customers_file, err))
			goto cleanup;
		if (opt->customers_sql && customers_from_sql(*conn, opt->customers_sql, cs, err))
			goto cleanup;
		if (customer_set_build(cs, err))
			goto cleanup;
		res->customers = customer_set_count(cs);
	}
	if (scan_database(conn, cat, mc, cs, opt, res, err))
		goto cleanup;
	if (scan_store(ws, source_id, started, res, err))
		goto cleanup;
	ret = 0;
cleanup:
	customer_set_free(cs);
	match_catalog_free(mc);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Output                                                              */
/* ------------------------------------------------------------------ */

/* TSV fields cannot hold tabs or newlines. */
static void add_tsv_field(struct strbuf *out, const char *s)
{
	for (; s && *s; s++)
		strbuf_addch(out, *s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s);
}

void scan_result_to_tsv(const struct scan_result *res, struct strbuf *out)
{
	strbuf_addstr(out, "schema\ttable\tcolumn\tcategory\tconfidence\tmethod\tmatched\tsampled\n");
	for (size_t i = 0; i < res->nfindings; i++) {
		const struct scan_finding *f = &res->findings[i];
		if (f->rank < 1)
			continue;
		add_tsv_field(out, f->schema);
		strbuf_addch(out, '\t');
		add_tsv_field(out, f->table);
		strbuf_addch(out, '\t');
		add_tsv_field(out, f->column);
		strbuf_addch(out, '\t');
		add_tsv_field(out, f->category);
		strbuf_addf(out, "\t%.3f\t", f->confidence);
		add_tsv_field(out, f->methods);
		strbuf_addf(out, "\t%lld\t%lld\n", (long long)f->matched, (long long)f->sampled);
	}
}

static void json_kv(struct strbuf *out, const char *k, const char *v, bool comma)
{
	strbuf_add_json_str(out, k, strlen(k));
	strbuf_addch(out, ':');
	if (v)
		strbuf_add_json_str(out, v, strlen(v));
	else
		strbuf_addstr(out, "null");
	if (comma)
		strbuf_addch(out, ',');
}

void scan_result_to_json(const struct scan_result *res, struct strbuf *out)
{
	strbuf_addf(out, "{\"scan_id\":%lld,\"source_id\":%lld,\"sample\":%zu,\"full\":%s,"
		    "\"tables\":%zu,\"columns\":%zu,\"customers\":%zu,\"findings\":[",
		    (long long)res->scan_id, (long long)res->source_id, res->sample,
		    res->full ? "true" : "false", res->tables, res->columns, res->customers);
	for (size_t i = 0; i < res->nfindings; i++) {
		const struct scan_finding *f = &res->findings[i];
		strbuf_addstr(out, i ? ",{" : "{");
		json_kv(out, "schema", f->schema, true);
		json_kv(out, "table", f->table, true);
		json_kv(out, "column", f->column, true);
		json_kv(out, "category", f->category, true);
		strbuf_addf(out, "\"confidence\":%.3f,\"methods\":[", f->confidence);
		const char *p = f->methods;
		bool first = true;
		while (p && *p) {
			const char *e = strchr(p, ',');
			size_t l = e ? (size_t)(e - p) : strlen(p);
			if (!first)
				strbuf_addch(out, ',');
			strbuf_add_json_str(out, p, l);
			first = false;
			p = e ? e + 1 : NULL;
		}
		strbuf_addf(out, "],\"matched\":%lld,\"sampled\":%lld,", (long long)f->matched,
			    (long long)f->sampled);
		json_kv(out, "evidence", f->evidence, true);
		json_kv(out, "proposed_action", f->action, true);
		strbuf_addstr(out, "\"proposed_params\":");
		strbuf_addstr(out, f->params && *f->params ? f->params : "{}");
		strbuf_addf(out, ",\"rank\":%d,", f->rank);
		json_kv(out, "note", f->note, false);
		strbuf_addch(out, '}');
	}
	strbuf_addstr(out, "]}\n");
}

void scan_result_to_table(const struct scan_result *res, struct strbuf *out)
{
	size_t flagged = 0, notes = 0;
	strbuf_addf(out, "%-40s %-18s %5s  %-22s %s\n", "COLUMN", "CATEGORY", "CONF",
		    "METHOD", "MATCHED/SAMPLED  ACTION");
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < res->nfindings; i++) {
			const struct scan_finding *f = &res->findings[i];
			if (f->rank < 1)
				continue;
			bool hi = f->confidence >= SCAN_FLAG_THRESHOLD;
			if (hi != (pass == 0))
				continue;
			if (hi && f->rank == 1)
				flagged++;
			struct strbuf name = STRBUF_INIT, esc = STRBUF_INIT;
			if (f->schema && *f->schema)
				strbuf_addf(&name, "%s.", f->schema);
			strbuf_addf(&name, "%s.%s", f->table, f->column);
			strbuf_add_escaped(&esc, name.buf, name.len);
			strbuf_addf(out, "%-40s %-18s %5.2f  %-22s %lld/%lld  %s%s\n", esc.buf,
				    f->category, f->confidence, f->methods, (long long)f->matched,
				    (long long)f->sampled, f->action, hi ? "" : "  (low)");
			strbuf_release(&name);
			strbuf_release(&esc);
		}
	}
	for (size_t i = 0; i < res->nfindings; i++) {
		const struct scan_finding *f = &res->findings[i];
		if (!f->note || (f->rank > 1))
			continue;
		if (!notes++)
			strbuf_addstr(out, "\nnotes:\n");
		struct strbuf esc = STRBUF_INIT;
		strbuf_addf(&esc, "%s%s%s.%s", f->schema && *f->schema ? f->schema : "",
			    f->schema && *f->schema ? "." : "", f->table, f->column);
		strbuf_addstr(out, "  ");
		strbuf_add_escaped(out, esc.buf, esc.len);
		strbuf_addf(out, ": %s\n", f->note);
		strbuf_release(&esc);
	}
	strbuf_addf(out, "\n%zu tables, %zu columns scanned; %zu columns flagged (confidence >= %.1f)",
		    res->tables, res->columns, flagged, SCAN_FLAG_THRESHOLD);
	if (res->customers)
		strbuf_addf(out, "; %zu customer names", res->customers);
	strbuf_addch(out, '\n');
}
