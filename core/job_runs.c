/*
 * job_runs.c - the workspace module "runs": one row per job (start, end,
 * outcome, source and target display addresses, rules hash, approvers,
 * whether unreviewed columns were allowed) and one row per copied table.
 * Only display addresses (no passwords), names and counts are stored.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/job_int.h"
#include "core/workspace.h"

static const struct ws_migration runs_migrations[] = {
	{ 1,
	  "CREATE TABLE runs(id INTEGER PRIMARY KEY,\n"
	  "  started_at TEXT NOT NULL, ended_at TEXT,\n"
	  "  source TEXT NOT NULL, target TEXT NOT NULL,\n"
	  "  outcome TEXT NOT NULL DEFAULT 'running',\n"
	  "  rules_hash TEXT, approvers TEXT,\n"
	  "  allow_unreviewed INTEGER NOT NULL DEFAULT 0,\n"
	  "  rows INTEGER, bytes INTEGER, seconds REAL, leaks INTEGER);\n"
	  "CREATE TABLE run_tables(run_id INTEGER NOT NULL REFERENCES runs(id),\n"
	  "  schema_name TEXT NOT NULL, table_name TEXT NOT NULL,\n"
	  "  rows INTEGER NOT NULL, bytes INTEGER NOT NULL,\n"
	  "  PRIMARY KEY(run_id, schema_name, table_name));\n" },
	/* Why a run ended as it did ("refused": the gate's count; names only). */
	{ 2, "ALTER TABLE runs ADD COLUMN note TEXT;\n" },
};

int job_runs_migrate(struct workspace *ws, struct mb_err *err)
{
	return ws_migrate(ws, "runs", runs_migrations,
			  ARRAY_SIZE(runs_migrations), err);
}

static void now_iso(char *buf, size_t n)
{
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int job_runs_start(struct workspace *ws, const struct job_options *o,
		   const char *source_display, const char *target_display,
		   int64_t *run_id, struct mb_err *err)
{
	sqlite3_stmt *st = NULL;
	char ts[32];

	*run_id = 0;
	if (job_runs_migrate(ws, err) < 0)
		return -1;
	if (ws_prepare(ws, "INSERT INTO runs(started_at, source, target, rules_hash,"
		       " approvers, allow_unreviewed) VALUES (?, ?, ?, ?, ?, ?)",
		       &st, err) < 0)
		return -1;
	now_iso(ts, sizeof(ts));
	sqlite3_bind_text(st, 1, ts, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, source_display, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, target_display, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, o->rules_hash, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, o->approvers, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 6, o->allow_unreviewed ? 1 : 0);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return ws_fail(ws, err, "cannot record the run");
	*run_id = sqlite3_last_insert_rowid(ws->db);
	return 0;
}

int job_runs_finish(struct workspace *ws, int64_t run_id, const char *outcome,
		    const struct job_result *res, struct mb_err *err)
{
	sqlite3_stmt *st = NULL;
	char ts[32];
	int rc;

	if (ws_begin(ws, err) < 0)
		return -1;
	if (ws_prepare(ws, "UPDATE runs SET ended_at = ?, outcome = ?, rows = ?,"
		       " bytes = ?, seconds = ?, leaks = ? WHERE id = ?", &st, err) < 0)
		goto fail;
	now_iso(ts, sizeof(ts));
	sqlite3_bind_text(st, 1, ts, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, outcome, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, res->rows);
	sqlite3_bind_int64(st, 4, res->bytes);
	sqlite3_bind_double(st, 5, res->seconds);
	if (res->verified)
		sqlite3_bind_int64(st, 6, (sqlite3_int64)res->nleaks);
	else
		sqlite3_bind_null(st, 6);
	sqlite3_bind_int64(st, 7, run_id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		ws_fail(ws, err, "cannot record the run");
		goto fail;
	}
	if (ws_prepare(ws, "INSERT OR REPLACE INTO run_tables(run_id, schema_name,"
		       " table_name, rows, bytes) VALUES (?, ?, ?, ?, ?)", &st, err) < 0)
		goto fail;
	for (size_t i = 0; i < res->ntables; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, run_id);
		sqlite3_bind_text(st, 2, res->tables[i].schema, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, res->tables[i].table, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 4, res->tables[i].rows);
		sqlite3_bind_int64(st, 5, res->tables[i].bytes);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_finalize(st);
			ws_fail(ws, err, "cannot record the run");
			goto fail;
		}
	}
	sqlite3_finalize(st);
	return ws_commit(ws, err);
fail:
	ws_rollback(ws);
	return -1;
}

/* A display form of an address (never a password), or a placeholder. */
static char *display_of(const char *text)
{
	struct db_url u;
	struct mb_err ignore = MB_ERR_INIT;
	char *d;
	if (!text)
		return xstrdup("");
	if (job_target_is_dump(text))
		return xstrdup(text + (str_starts_with(text, "file://") ? 7 : 0));
	memset(&u, 0, sizeof(u));
	if (db_url_parse(text, &u, &ignore) < 0) {
		db_url_release(&u);
		return xstrdup("(unparsable address)");
	}
	d = xstrdup(u.display);
	db_url_release(&u);
	return d;
}

int job_record_refusal(struct workspace *ws, const struct job_options *o,
		       const char *note, int64_t *run_id, struct mb_err *err)
{
	sqlite3_stmt *st = NULL;
	char *src = display_of(o->source_text), *tgt = display_of(o->target_text);
	char ts[32];
	int ret = -1;

	*run_id = 0;
	if (job_runs_migrate(ws, err) < 0)
		goto cleanup;
	if (ws_prepare(ws, "INSERT INTO runs(started_at, ended_at, source, target,"
		       " outcome, rules_hash, approvers, allow_unreviewed, rows, bytes,"
		       " seconds, note) VALUES (?, ?, ?, ?, 'refused', ?, ?, ?, 0, 0, 0, ?)",
		       &st, err) < 0)
		goto cleanup;
	now_iso(ts, sizeof(ts));
	sqlite3_bind_text(st, 1, ts, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, ts, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, src, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, tgt, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, o->rules_hash, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 6, o->approvers, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 7, o->allow_unreviewed ? 1 : 0);
	sqlite3_bind_text(st, 8, note, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		ws_fail(ws, err, "cannot record the refused run");
		goto cleanup;
	}
	*run_id = sqlite3_last_insert_rowid(ws->db);
	ret = 0;
cleanup:
	free(src);
	free(tgt);
	return ret;
}

int job_runs_close(struct workspace *ws, const struct job_result *res,
		   const char *outcome, int ret, struct mb_err *err)
{
	struct mb_err e2 = MB_ERR_INIT;

	if (!ws || !res->run_id)
		return ret;
	if (job_runs_finish(ws, res->run_id, outcome, res, &e2) < 0 && ret == 0) {
		*err = e2;
		return -1;
	}
	return ret;
}
