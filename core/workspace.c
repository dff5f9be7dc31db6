/* workspace.c - the SQLite workspace store; see workspace.h. */
#include "core/workspace.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* 'MSKB': marks a file as a maskbench workspace. */
#define WS_APPLICATION_ID 0x4D534B42

static const struct ws_migration core_migrations[] = {
	{ 1,
	  "CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);\n"
	  "CREATE TABLE sources(id INTEGER PRIMARY KEY, display TEXT NOT NULL UNIQUE,\n"
	  "  engine TEXT NOT NULL, first_seen TEXT NOT NULL, last_used TEXT NOT NULL);\n"
	  "CREATE TABLE snapshots(id INTEGER PRIMARY KEY,\n"
	  "  source_id INTEGER NOT NULL REFERENCES sources(id),\n"
	  "  taken_at TEXT NOT NULL, engine TEXT NOT NULL,\n"
	  "  ntables INTEGER NOT NULL, ncolumns INTEGER NOT NULL);\n"
	  "CREATE TABLE snap_tables(snapshot_id INTEGER NOT NULL REFERENCES snapshots(id),\n"
	  "  idx INTEGER NOT NULL, schema TEXT NOT NULL, name TEXT NOT NULL,\n"
	  "  is_view INTEGER NOT NULL, rows INTEGER NOT NULL, bytes INTEGER NOT NULL,\n"
	  "  PRIMARY KEY(snapshot_id, idx));\n"
	  "CREATE TABLE snap_columns(snapshot_id INTEGER NOT NULL, table_idx INTEGER NOT NULL,\n"
	  "  ordinal INTEGER NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL,\n"
	  "  nullable INTEGER NOT NULL, default_expr TEXT, generated INTEGER NOT NULL,\n"
	  "  auto_increment INTEGER NOT NULL, PRIMARY KEY(snapshot_id, table_idx, ordinal));\n"
	  /* kind: p primary key, u unique, f foreign key, i index */
	  "CREATE TABLE snap_keys(snapshot_id INTEGER NOT NULL, table_idx INTEGER NOT NULL,\n"
	  "  kind TEXT NOT NULL, key_idx INTEGER NOT NULL, name TEXT,\n"
	  "  ref_schema TEXT, ref_table TEXT, definition TEXT, flag INTEGER NOT NULL DEFAULT 0,\n"
	  "  PRIMARY KEY(snapshot_id, table_idx, kind, key_idx));\n"
	  "CREATE TABLE snap_key_cols(snapshot_id INTEGER NOT NULL, table_idx INTEGER NOT NULL,\n"
	  "  kind TEXT NOT NULL, key_idx INTEGER NOT NULL, pos INTEGER NOT NULL,\n"
	  "  col TEXT NOT NULL, ref_col TEXT,\n"
	  "  PRIMARY KEY(snapshot_id, table_idx, kind, key_idx, pos));\n" },
};

static const char *iso_now_sql = "strftime('%Y-%m-%dT%H:%M:%SZ','now')";

int ws_fail(struct workspace *ws, struct mb_err *err, const char *what)
{
	return mb_err_set(err, MB_ERR_IO, "workspace %s: %s: %s", ws->path, what,
			  sqlite3_errmsg(ws->db));
}

int ws_exec(struct workspace *ws, const char *sql, struct mb_err *err)
{
	char *msg = NULL;
	if (sqlite3_exec(ws->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		mb_err_set(err, MB_ERR_IO, "workspace %s: %s", ws->path,
			   msg ? msg : sqlite3_errmsg(ws->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int ws_prepare(struct workspace *ws, const char *sql, sqlite3_stmt **stmt,
	       struct mb_err *err)
{
	if (sqlite3_prepare_v2(ws->db, sql, -1, stmt, NULL) != SQLITE_OK)
		return ws_fail(ws, err, "prepare");
	return 0;
}

int ws_begin(struct workspace *ws, struct mb_err *err)
{
	return ws_exec(ws, "BEGIN IMMEDIATE", err);
}

int ws_commit(struct workspace *ws, struct mb_err *err)
{
	return ws_exec(ws, "COMMIT", err);
}

void ws_rollback(struct workspace *ws)
{
	if (!sqlite3_get_autocommit(ws->db))
		sqlite3_exec(ws->db, "ROLLBACK", NULL, NULL, NULL);
}

int ws_module_version(struct workspace *ws, const char *module)
{
	sqlite3_stmt *st;
	int v = 0;
	if (sqlite3_prepare_v2(ws->db, "SELECT version FROM schema_versions WHERE module = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, module, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

int ws_migrate(struct workspace *ws, const char *module,
	       const struct ws_migration *steps, size_t nsteps,
	       struct mb_err *err)
{
	int have = ws_module_version(ws, module);
	if (nsteps && have > steps[nsteps - 1].version)
		return mb_err_set(err, MB_ERR_INPUT,
				  "workspace %s: module %s has schema version %d, newer than this maskbench (%d): upgrade maskbench",
				  ws->path, module, have, steps[nsteps - 1].version);
	if (!nsteps || have == steps[nsteps - 1].version)
		return 0;
	if (ws_begin(ws, err))
		return -1;
	/* Re-read inside the write lock: another process may have migrated. */
	have = ws_module_version(ws, module);
	for (size_t i = 0; i < nsteps; i++) {
		if (steps[i].version <= have)
			continue;
		if (ws_exec(ws, steps[i].sql, err)) {
			mb_err_prefix(err, "migrating %s to version %d", module, steps[i].version);
			goto fail;
		}
		have = steps[i].version;
	}
	sqlite3_stmt *st;
	if (ws_prepare(ws, "INSERT INTO schema_versions(module, version) VALUES(?, ?)"
			   " ON CONFLICT(module) DO UPDATE SET version = excluded.version",
		       &st, err))
		goto fail;
	sqlite3_bind_text(st, 1, module, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, have);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		ws_fail(ws, err, "recording schema version");
		goto fail;
	}
	return ws_commit(ws, err);
fail:
	ws_rollback(ws);
	return -1;
}

static int check_identity(struct workspace *ws, struct mb_err *err)
{
	sqlite3_stmt *st;
	int app_id = 0, nobjects = 0;
	if (ws_prepare(ws, "PRAGMA application_id", &st, err))
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		app_id = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (app_id == WS_APPLICATION_ID)
		return 0;
	if (ws_prepare(ws, "SELECT count(*) FROM sqlite_schema", &st, err))
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		nobjects = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (nobjects)
		return mb_err_set(err, MB_ERR_INPUT,
				  "%s is an SQLite file but not a maskbench workspace: refusing to touch it",
				  ws->path);
	char sql[64];
	snprintf(sql, sizeof(sql), "PRAGMA application_id = %d", WS_APPLICATION_ID);
	return ws_exec(ws, sql, err);
}

struct workspace *ws_open(const char *path, struct mb_err *err)
{
	struct workspace *ws = xcalloc(1, sizeof(*ws));
	ws->path = xstrdup(path ? path : WS_DEFAULT_PATH);

	/*
	 * The workspace holds findings and audit: private to its owner. The file
	 * is created by SQLite itself and narrowed afterwards; opening and
	 * closing it here would drop POSIX locks that other connections of this
	 * process hold on it.
	 */
	struct stat st;
	bool created = stat(ws->path, &st) != 0;
	if (sqlite3_open_v2(ws->path, &ws->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		mb_err_set(err, MB_ERR_IO, "cannot open workspace %s: %s", ws->path,
			   ws->db ? sqlite3_errmsg(ws->db) : "out of memory");
		goto fail;
	}
	if (created && chmod(ws->path, 0600) != 0) {
		mb_err_set(err, MB_ERR_IO, "cannot make workspace %s private: %s", ws->path,
			   strerror(errno));
		goto fail;
	}
	sqlite3_busy_timeout(ws->db, 10000);
	sqlite3_extended_result_codes(ws->db, 1);
	if (ws_exec(ws, "PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL;"
			"PRAGMA synchronous = NORMAL;", err))
		goto fail;
	if (check_identity(ws, err))
		goto fail;
	if (ws_exec(ws, "CREATE TABLE IF NOT EXISTS schema_versions("
			"module TEXT PRIMARY KEY, version INTEGER NOT NULL)", err))
		goto fail;
	if (ws_migrate(ws, "workspace", core_migrations, ARRAY_SIZE(core_migrations), err))
		goto fail;
	return ws;
fail:
	ws_close(ws);
	return NULL;
}

void ws_close(struct workspace *ws)
{
	if (!ws)
		return;
	if (ws->db)
		sqlite3_close_v2(ws->db);
	free(ws->path);
	free(ws);
}

char *ws_setting_get(struct workspace *ws, const char *key)
{
	sqlite3_stmt *st;
	char *v = NULL;
	if (sqlite3_prepare_v2(ws->db, "SELECT value FROM settings WHERE key = ?", -1, &st,
			       NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return v;
}

int ws_setting_set(struct workspace *ws, const char *key, const char *value,
		   struct mb_err *err)
{
	sqlite3_stmt *st;
	if (ws_prepare(ws, "INSERT INTO settings(key, value) VALUES(?, ?)"
			   " ON CONFLICT(key) DO UPDATE SET value = excluded.value", &st, err))
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : ws_fail(ws, err, "saving a setting");
}

int ws_source_upsert(struct workspace *ws, const struct db_url *url,
		     int64_t *source_id, struct mb_err *err)
{
	sqlite3_stmt *st;
	char sql[512];
	snprintf(sql, sizeof(sql),
		 "INSERT INTO sources(display, engine, first_seen, last_used) VALUES(?, ?, %s, %s)"
		 " ON CONFLICT(display) DO UPDATE SET last_used = excluded.last_used"
		 " RETURNING id", iso_now_sql, iso_now_sql);
	if (ws_prepare(ws, sql, &st, err))
		return -1;
	sqlite3_bind_text(st, 1, url->display, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, db_engine_name(url->engine), -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*source_id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : ws_fail(ws, err, "recording the source");
}

int64_t ws_source_latest(struct workspace *ws, char **display)
{
	sqlite3_stmt *st;
	int64_t id = 0;
	if (display)
		*display = NULL;
	if (sqlite3_prepare_v2(ws->db, "SELECT id, display FROM sources"
				       " ORDER BY last_used DESC, id DESC LIMIT 1",
			       -1, &st, NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		if (display)
			*display = xstrdup((const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	return id;
}

/* Prepared statements for saving one snapshot. */
struct snap_writer {
	sqlite3_stmt *table, *column, *key, *keycol;
	int64_t snap;
};

static int step_reset(struct workspace *ws, sqlite3_stmt *st, struct mb_err *err)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : ws_fail(ws, err, "saving the catalog");
}

static int save_key(struct workspace *ws, struct snap_writer *w, int tidx,
		    const char *kind, int kidx, const char *name, size_t ncols,
		    char **cols, char **ref_cols, const char *ref_schema,
		    const char *ref_table, const char *definition, int flag,
		    struct mb_err *err)
{
	sqlite3_bind_int64(w->key, 1, w->snap);
	sqlite3_bind_int(w->key, 2, tidx);
	sqlite3_bind_text(w->key, 3, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int(w->key, 4, kidx);
	sqlite3_bind_text(w->key, 5, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(w->key, 6, ref_schema, -1, SQLITE_STATIC);
	sqlite3_bind_text(w->key, 7, ref_table, -1, SQLITE_STATIC);
	sqlite3_bind_text(w->key, 8, definition, -1, SQLITE_STATIC);
	sqlite3_bind_int(w->key, 9, flag);
	if (step_reset(ws, w->key, err))
		return -1;
	for (size_t c = 0; c < ncols; c++) {
		sqlite3_bind_int64(w->keycol, 1, w->snap);
		sqlite3_bind_int(w->keycol, 2, tidx);
		sqlite3_bind_text(w->keycol, 3, kind, -1, SQLITE_STATIC);
		sqlite3_bind_int(w->keycol, 4, kidx);
		sqlite3_bind_int(w->keycol, 5, (int)c);
		sqlite3_bind_text(w->keycol, 6, cols[c], -1, SQLITE_STATIC);
		sqlite3_bind_text(w->keycol, 7, ref_cols ? ref_cols[c] : NULL, -1, SQLITE_STATIC);
		if (step_reset(ws, w->keycol, err))
			return -1;
	}
	return 0;
}

static int save_table(struct workspace *ws, struct snap_writer *w, int tidx,
		      const struct cat_table *t, struct mb_err *err)
{
	sqlite3_bind_int64(w->table, 1, w->snap);
	sqlite3_bind_int(w->table, 2, tidx);
	sqlite3_bind_text(w->table, 3, t->schema, -1, SQLITE_STATIC);
	sqlite3_bind_text(w->table, 4, t->name, -1, SQLITE_STATIC);
	sqlite3_bind_int(w->table, 5, t->is_view);
	sqlite3_bind_int64(w->table, 6, t->rows);
	sqlite3_bind_int64(w->table, 7, t->bytes);
	if (step_reset(ws, w->table, err))
		return -1;
	for (size_t c = 0; c < t->ncols; c++) {
		const struct cat_column *col = &t->cols[c];
		sqlite3_bind_int64(w->column, 1, w->snap);
		sqlite3_bind_int(w->column, 2, tidx);
		sqlite3_bind_int(w->column, 3, col->ordinal);
		sqlite3_bind_text(w->column, 4, col->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(w->column, 5, col->type, -1, SQLITE_STATIC);
		sqlite3_bind_int(w->column, 6, col->nullable);
		sqlite3_bind_text(w->column, 7, col->default_expr, -1, SQLITE_STATIC);
		sqlite3_bind_int(w->column, 8, col->generated);
		sqlite3_bind_int(w->column, 9, col->auto_increment);
		if (step_reset(ws, w->column, err))
			return -1;
	}
	if (t->pk.ncols && save_key(ws, w, tidx, "p", 0, t->pk.name, t->pk.ncols,
				    t->pk.cols, NULL, NULL, NULL, NULL, 0, err))
		return -1;
	for (size_t u = 0; u < t->nuniques; u++)
		if (save_key(ws, w, tidx, "u", (int)u, t->uniques[u].name,
			     t->uniques[u].ncols, t->uniques[u].cols, NULL, NULL, NULL,
			     NULL, 0, err))
			return -1;
	for (size_t f = 0; f < t->nfks; f++) {
		const struct cat_fk *fk = &t->fks[f];
		if (save_key(ws, w, tidx, "f", (int)f, fk->name, fk->ncols, fk->cols,
			     fk->ref_cols, fk->ref_schema, fk->ref_table, NULL,
			     fk->is_virtual | (fk->deferrable << 1), err))
			return -1;
	}
	for (size_t i = 0; i < t->nindexes; i++)
		if (save_key(ws, w, tidx, "i", (int)i, t->indexes[i].name, 0, NULL, NULL,
			     NULL, NULL, t->indexes[i].definition, t->indexes[i].unique, err))
			return -1;
	return 0;
}

int ws_catalog_save(struct workspace *ws, int64_t source_id,
		    const struct catalog *cat, int64_t *snapshot_id,
		    struct mb_err *err)
{
	struct snap_writer w = { 0 };
	sqlite3_stmt *st = NULL;
	size_t ncolumns = 0;
	char sql[256];

	for (size_t i = 0; i < cat->ntables; i++)
		ncolumns += cat->tables[i].ncols;
	if (ws_begin(ws, err))
		return -1;
	snprintf(sql, sizeof(sql), "INSERT INTO snapshots(source_id, taken_at, engine, ntables,"
		 " ncolumns) VALUES(?, %s, ?, ?, ?)", iso_now_sql);
	if (ws_prepare(ws, sql, &st, err))
		goto fail;
	sqlite3_bind_int64(st, 1, source_id);
	sqlite3_bind_text(st, 2, db_engine_name(cat->engine), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (int64_t)cat->ntables);
	sqlite3_bind_int64(st, 4, (int64_t)ncolumns);
	if (sqlite3_step(st) != SQLITE_DONE) {
		ws_fail(ws, err, "saving the catalog");
		goto fail;
	}
	w.snap = sqlite3_last_insert_rowid(ws->db);
	if (ws_prepare(ws, "INSERT INTO snap_tables VALUES(?,?,?,?,?,?,?)", &w.table, err) ||
	    ws_prepare(ws, "INSERT INTO snap_columns VALUES(?,?,?,?,?,?,?,?,?)", &w.column, err) ||
	    ws_prepare(ws, "INSERT INTO snap_keys VALUES(?,?,?,?,?,?,?,?,?)", &w.key, err) ||
	    ws_prepare(ws, "INSERT INTO snap_key_cols VALUES(?,?,?,?,?,?,?)", &w.keycol, err))
		goto fail;
	for (size_t i = 0; i < cat->ntables; i++)
		if (save_table(ws, &w, (int)i, &cat->tables[i], err))
			goto fail;
	if (ws_commit(ws, err))
		goto fail;
	if (snapshot_id)
		*snapshot_id = w.snap;
	sqlite3_finalize(st);
	sqlite3_finalize(w.table);
	sqlite3_finalize(w.column);
	sqlite3_finalize(w.key);
	sqlite3_finalize(w.keycol);
	return 0;
fail:
	sqlite3_finalize(st);
	sqlite3_finalize(w.table);
	sqlite3_finalize(w.column);
	sqlite3_finalize(w.key);
	sqlite3_finalize(w.keycol);
	ws_rollback(ws);
	return -1;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static enum db_engine engine_from_name(const char *name)
{
	for (enum db_engine e = DB_ENGINE_PG; e <= DB_ENGINE_SQLITE; e++)
		if (str_eq(name, db_engine_name(e)))
			return e;
	return DB_ENGINE_NONE;
}

/* Collects the column lists of one key while rows of snap_key_cols arrive in order. */
struct key_cols {
	char **cols, **refs;
	size_t n, alloc, ralloc;
};

static void key_cols_reset(struct key_cols *k)
{
	for (size_t i = 0; i < k->n; i++) {
		free(k->cols[i]);
		free(k->refs[i]);
	}
	k->n = 0;
}

int ws_catalog_load_latest(struct workspace *ws, int64_t source_id,
			   struct catalog *cat, bool *found, struct mb_err *err)
{
	sqlite3_stmt *st = NULL, *kc = NULL;
	int64_t snap = 0;
	struct key_cols k = { 0 };
	int ret = -1;

	*found = false;
	if (ws_prepare(ws, "SELECT id, engine FROM snapshots WHERE source_id = ?"
			   " ORDER BY id DESC LIMIT 1", &st, err))
		return -1;
	sqlite3_bind_int64(st, 1, source_id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snap = sqlite3_column_int64(st, 0);
		cat->engine = engine_from_name(col_text(st, 1));
	}
	sqlite3_finalize(st);
	st = NULL;
	if (!snap)
		return 0;

	if (ws_prepare(ws, "SELECT schema, name, is_view, rows, bytes FROM snap_tables"
			   " WHERE snapshot_id = ? ORDER BY idx", &st, err))
		goto out;
	sqlite3_bind_int64(st, 1, snap);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct cat_table *t = catalog_add_table(cat, col_text(st, 0), col_text(st, 1));
		t->is_view = sqlite3_column_int(st, 2);
		t->rows = sqlite3_column_int64(st, 3);
		t->bytes = sqlite3_column_int64(st, 4);
	}
	sqlite3_finalize(st);

	if (ws_prepare(ws, "SELECT table_idx, ordinal, name, type, nullable, default_expr,"
			   " generated, auto_increment FROM snap_columns WHERE snapshot_id = ?"
			   " ORDER BY table_idx, ordinal", &st, err))
		goto out;
	sqlite3_bind_int64(st, 1, snap);
	while (sqlite3_step(st) == SQLITE_ROW) {
		size_t tidx = (size_t)sqlite3_column_int(st, 0);
		if (tidx >= cat->ntables)
			continue;
		struct cat_column *c = catalog_add_column(&cat->tables[tidx], col_text(st, 2),
							  col_text(st, 3), sqlite3_column_int(st, 4));
		c->ordinal = sqlite3_column_int(st, 1);
		c->default_expr = xstrdup(col_text(st, 5));
		c->generated = sqlite3_column_int(st, 6);
		c->auto_increment = sqlite3_column_int(st, 7);
	}
	sqlite3_finalize(st);

	if (ws_prepare(ws, "SELECT table_idx, kind, key_idx, name, ref_schema, ref_table,"
			   " definition, flag FROM snap_keys WHERE snapshot_id = ?"
			   " ORDER BY table_idx, kind, key_idx", &st, err) ||
	    ws_prepare(ws, "SELECT col, ref_col FROM snap_key_cols WHERE snapshot_id = ?"
			   " AND table_idx = ? AND kind = ? AND key_idx = ? ORDER BY pos", &kc, err))
		goto out;
	sqlite3_bind_int64(st, 1, snap);
	while (sqlite3_step(st) == SQLITE_ROW) {
		size_t tidx = (size_t)sqlite3_column_int(st, 0);
		const char *kind = col_text(st, 1);
		if (tidx >= cat->ntables || !kind)
			continue;
		struct cat_table *t = &cat->tables[tidx];
		key_cols_reset(&k);
		sqlite3_bind_int64(kc, 1, snap);
		sqlite3_bind_int(kc, 2, (int)tidx);
		sqlite3_bind_text(kc, 3, kind, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(kc, 4, sqlite3_column_int(st, 2));
		while (sqlite3_step(kc) == SQLITE_ROW) {
			ALLOC_GROW(k.cols, k.n + 1, k.alloc);
			ALLOC_GROW(k.refs, k.n + 1, k.ralloc);
			k.cols[k.n] = xstrdup(col_text(kc, 0));
			k.refs[k.n] = xstrdup(col_text(kc, 1) ? col_text(kc, 1) : "");
			k.n++;
		}
		sqlite3_reset(kc);
		const char *const *cols = (const char *const *)k.cols;
		switch (kind[0]) {
		case 'p':
			catalog_set_pk(t, col_text(st, 3), k.n, cols);
			break;
		case 'u':
			catalog_add_unique(t, col_text(st, 3), k.n, cols);
			break;
		case 'f': {
			struct cat_fk *fk = catalog_add_fk(t, col_text(st, 3), k.n, cols,
							   col_text(st, 4), col_text(st, 5),
							   (const char *const *)k.refs);
			fk->is_virtual = sqlite3_column_int(st, 7) & 1;
			fk->deferrable = (sqlite3_column_int(st, 7) >> 1) & 1;
			break;
		}
		case 'i':
			catalog_add_index(t, col_text(st, 3), col_text(st, 6),
					  sqlite3_column_int(st, 7));
			break;
		}
	}
	catalog_finish(cat);
	*found = true;
	ret = 0;
out:
	key_cols_reset(&k);
	free(k.cols);
	free(k.refs);
	sqlite3_finalize(st);
	sqlite3_finalize(kc);
	return ret;
}
