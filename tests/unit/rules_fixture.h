/*
 * rules_fixture.h - a scratch workspace with a small catalog for the rules
 * unit tests: main.customers(id, email, name, phone), main.orders(id,
 * customer_id, note), main.countries(code, name), and a scan whose top
 * finding proposes fake_email for customers.email.
 */
#ifndef MB_TEST_RULES_FIXTURE_H
#define MB_TEST_RULES_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/catalog.h"
#include "core/workspace.h"
#include "rules/rules.h"

struct fixture {
	char dir[64];
	char path[128];
	struct workspace *ws;
	int64_t source_id;
};

static void fx_catalog(struct catalog *cat)
{
	struct cat_table *t;

	catalog_init(cat, DB_ENGINE_SQLITE);
	t = catalog_add_table(cat, "main", "customers");
	catalog_add_column(t, "id", "INTEGER", false)->ordinal = 1;
	catalog_add_column(t, "email", "TEXT", false)->ordinal = 2;
	catalog_add_column(t, "name", "TEXT", true)->ordinal = 3;
	catalog_add_column(t, "phone", "TEXT", true)->ordinal = 4;
	t = catalog_add_table(cat, "main", "orders");
	catalog_add_column(t, "id", "INTEGER", false)->ordinal = 1;
	catalog_add_column(t, "customer_id", "INTEGER", true)->ordinal = 2;
	catalog_add_column(t, "note", "TEXT", true)->ordinal = 3;
	t = catalog_add_table(cat, "main", "countries");
	catalog_add_column(t, "code", "TEXT", false)->ordinal = 1;
	catalog_add_column(t, "name", "TEXT", true)->ordinal = 2;
	catalog_finish(cat);
}

static int fx_save_sync(struct fixture *fx, const struct catalog *cat,
			struct rules_sync_report *rep)
{
	struct mb_err err = MB_ERR_INIT;
	int64_t snap;

	if (ws_catalog_save(fx->ws, fx->source_id, cat, &snap, &err) < 0 ||
	    rules_sync(fx->ws, fx->source_id, cat, rep, &err) < 0) {
		fprintf(stderr, "# fixture: %s\n", err.msg);
		return -1;
	}
	return 0;
}

/* A scan with one finding, in the scanner's table layout. */
static int fx_add_finding(struct fixture *fx, const char *tbl, const char *col,
			  const char *category, const char *action,
			  const char *params)
{
	struct mb_err err = MB_ERR_INIT;
	sqlite3_stmt *st;
	int rc;

	if (ws_exec(fx->ws,
		    "CREATE TABLE IF NOT EXISTS scans(id INTEGER PRIMARY KEY,"
		    " source_id INTEGER NOT NULL, started_at TEXT NOT NULL,"
		    " finished_at TEXT, sample_size INTEGER, full INTEGER,"
		    " tables INTEGER, columns INTEGER, customers_hmac_count INTEGER);"
		    "CREATE TABLE IF NOT EXISTS findings(id INTEGER PRIMARY KEY,"
		    " scan_id INTEGER NOT NULL, source_id INTEGER NOT NULL,"
		    " schema TEXT NOT NULL, tbl TEXT NOT NULL, col TEXT NOT NULL,"
		    " category TEXT NOT NULL, confidence REAL NOT NULL,"
		    " methods TEXT NOT NULL, matched INTEGER NOT NULL,"
		    " sampled INTEGER NOT NULL, evidence TEXT NOT NULL,"
		    " proposed_action TEXT NOT NULL,"
		    " proposed_params TEXT NOT NULL DEFAULT '{}',"
		    " rank INTEGER NOT NULL, note TEXT);", &err) < 0)
		return -1;
	if (ws_prepare(fx->ws, "INSERT INTO scans(source_id, started_at)"
			       " VALUES (?1, '2026-01-01T00:00:00Z')", &st, &err) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, fx->source_id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -1;
	if (ws_prepare(fx->ws, "INSERT INTO findings(scan_id, source_id, schema,"
			       " tbl, col, category, confidence, methods, matched,"
			       " sampled, evidence, proposed_action, proposed_params, rank)"
			       " VALUES ((SELECT max(id) FROM scans), ?1, 'main', ?2, ?3,"
			       " ?4, 0.9, 'name,pattern', 90, 100, 'Xxx@xxx.xxx', ?5, ?6, 1)",
		       &st, &err) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, fx->source_id);
	sqlite3_bind_text(st, 2, tbl, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, col, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, category, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, params, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int fx_open(struct fixture *fx, bool with_finding)
{
	struct mb_err err = MB_ERR_INIT;
	struct db_url url;
	struct catalog cat;
	int rc;

	memset(fx, 0, sizeof(*fx));
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/mbt_rules.XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	snprintf(fx->path, sizeof(fx->path), "%s/ws.db", fx->dir);
	fx->ws = ws_open(fx->path, &err);
	if (!fx->ws) {
		fprintf(stderr, "# fixture: %s\n", err.msg);
		return -1;
	}
	memset(&url, 0, sizeof(url));
	url.engine = DB_ENGINE_SQLITE;
	url.display = "sqlite:///fixture.db";
	url.conninfo = "/fixture.db";
	url.path = "/fixture.db";
	if (ws_source_upsert(fx->ws, &url, &fx->source_id, &err) < 0) {
		fprintf(stderr, "# fixture: %s\n", err.msg);
		return -1;
	}
	if (with_finding &&
	    fx_add_finding(fx, "customers", "email", "email", "fake_email",
			   "{\"keep_domain\": \"true\"}") < 0)
		return -1;
	fx_catalog(&cat);
	rc = fx_save_sync(fx, &cat, NULL);
	catalog_release(&cat);
	return rc;
}

static void fx_close(struct fixture *fx)
{
	char cmd[256];

	ws_close(fx->ws);
	fx->ws = NULL;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "# cannot remove %s\n", fx->dir);
}

static int fx_count(struct fixture *fx, const char *sql)
{
	sqlite3_stmt *st;
	int n = -1;

	if (sqlite3_prepare_v2(fx->ws->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

static struct mask_spec fx_spec(const char *action, const char *k, const char *v)
{
	struct mask_spec s;

	mask_spec_init(&s);
	mask_spec_set_action(&s, action);
	if (k)
		mask_spec_set_param(&s, k, v);
	return s;
}

#endif
