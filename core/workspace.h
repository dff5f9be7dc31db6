/*
 * workspace.h - the workspace store: one SQLite file (default ./maskbench.db).
 *
 * Owns: opening/creating the file, schema versions and migrations, the
 * `sources` table (addresses without passwords) and catalog snapshots.
 * Other modules own their own tables (findings, rules, audit, subset,
 * runs): each declares an ordered list of migrations and calls
 * ws_migrate() with its module name; the workspace records per-module
 * versions in `schema_versions` and applies what is missing in one
 * transaction.
 *
 * Never stored here: passwords, masking keys, raw data values, customer
 * names in clear.
 */
#ifndef MB_WORKSPACE_H
#define MB_WORKSPACE_H

#include <sqlite3.h>

#include "core/catalog.h"
#include "core/db.h"
#include "core/error.h"

#define WS_DEFAULT_PATH "maskbench.db"

struct workspace {
	sqlite3 *db;
	char *path;
};

/* One migration step: SQL run as a script. */
struct ws_migration {
	int version;      /* 1, 2, 3 ... in order */
	const char *sql;
};

/*
 * Opens (creating if absent) the workspace at path (NULL: the default)
 * and applies the core migrations. Returns NULL with MB_ERR_IO or
 * MB_ERR_INPUT ("not a maskbench workspace", "newer version") on failure.
 * Free with ws_close().
 */
struct workspace *ws_open(const char *path, struct mb_err *err);
void ws_close(struct workspace *ws);

/* Applies a module's missing migrations in one transaction. */
int ws_migrate(struct workspace *ws, const char *module,
	       const struct ws_migration *steps, size_t nsteps,
	       struct mb_err *err);
/* The module's current schema version (0 if never migrated). */
int ws_module_version(struct workspace *ws, const char *module);

int ws_begin(struct workspace *ws, struct mb_err *err);
int ws_commit(struct workspace *ws, struct mb_err *err);
void ws_rollback(struct workspace *ws);
/* Runs a script of statements (no results). */
int ws_exec(struct workspace *ws, const char *sql, struct mb_err *err);
/* Prepares a statement; on failure fills err with the SQLite message. */
int ws_prepare(struct workspace *ws, const char *sql, sqlite3_stmt **stmt,
	       struct mb_err *err);
/* Error helper: sets err from the connection's last message; returns -1. */
int ws_fail(struct workspace *ws, struct mb_err *err, const char *what);

/* Key/value settings (e.g. "two_person_rule" = "on"). Value newly allocated or NULL. */
char *ws_setting_get(struct workspace *ws, const char *key);
int ws_setting_set(struct workspace *ws, const char *key, const char *value,
		   struct mb_err *err);

/* Records a source by its display address; returns its id. */
int ws_source_upsert(struct workspace *ws, const struct db_url *url,
		     int64_t *source_id, struct mb_err *err);
/* The most recently used source id (0 if none), and its address if wanted (newly allocated). */
int64_t ws_source_latest(struct workspace *ws, char **display);

/* Stores a catalog snapshot of a source; returns the snapshot id. */
int ws_catalog_save(struct workspace *ws, int64_t source_id,
		    const struct catalog *cat, int64_t *snapshot_id,
		    struct mb_err *err);
/*
 * Loads the latest snapshot of a source into an initialised empty catalog.
 * Returns 0 (with *found false when there is none) or -1.
 */
int ws_catalog_load_latest(struct workspace *ws, int64_t source_id,
			   struct catalog *cat, bool *found, struct mb_err *err);

#endif
