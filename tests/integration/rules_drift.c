/*
 * rules_drift.c - drift detection on each engine (SQLite always; PostgreSQL
 * and MariaDB when MB_PG_URL / MB_MYSQL_URL are set, required in CI):
 * catalog -> rules -> approve all -> add a column, change a column's type,
 * make one NOT NULL, drop one -> catalog again -> the new and changed
 * columns are unreviewed, the dropped one is recorded, the rest stay
 * approved, and the gate names exactly the open columns.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/catalog.h"
#include "core/db.h"
#include "core/workspace.h"
#include "rules/audit.h"
#include "rules/rules.h"
#include "tests/lib/tap.h"

struct engine_case {
	const char *name;
	const char *setup[4];   /* statements run in the test database */
	const char *alter[7];   /* the drift */
};

static const struct engine_case cases[] = {
	{ "sqlite",
	  { "CREATE TABLE people(id INTEGER PRIMARY KEY, email TEXT NOT NULL,"
	    " name VARCHAR(50), born DATE, note TEXT)", NULL },
	  { "ALTER TABLE people ADD COLUMN phone TEXT",
	    "ALTER TABLE people DROP COLUMN note",
	    /* SQLite cannot alter a type: rebuild the table */
	    "CREATE TABLE people2(id INTEGER PRIMARY KEY, email TEXT NOT NULL,"
	    " name VARCHAR(200), born DATE NOT NULL, phone TEXT)",
	    "INSERT INTO people2 SELECT id, email, name, coalesce(born, '2000-01-01'), phone FROM people",
	    "DROP TABLE people", "ALTER TABLE people2 RENAME TO people" } },
	{ "postgresql",
	  { "CREATE TABLE people(id integer PRIMARY KEY, email text NOT NULL,"
	    " name varchar(50), born date, note text)", NULL },
	  { "ALTER TABLE people ADD COLUMN phone text",
	    "ALTER TABLE people DROP COLUMN note",
	    "ALTER TABLE people ALTER COLUMN name TYPE varchar(200)",
	    "ALTER TABLE people ALTER COLUMN born SET NOT NULL", NULL } },
	{ "mysql",
	  { "CREATE TABLE people(id int PRIMARY KEY, email varchar(100) NOT NULL,"
	    " name varchar(50), born date, note text)", NULL },
	  { "ALTER TABLE people ADD COLUMN phone varchar(30)",
	    "ALTER TABLE people DROP COLUMN note",
	    "ALTER TABLE people MODIFY name varchar(200)",
	    "ALTER TABLE people MODIFY born date NOT NULL", NULL } },
};

static int run_all(struct db_conn *c, const char *const *sqls, struct mb_err *err)
{
	for (size_t i = 0; sqls[i]; i++)
		if (db_exec(c, sqls[i], err) < 0)
			return -1;
	return 0;
}

static int snapshot(struct workspace *ws, const char *url, int64_t *source_id,
		    struct rules_sync_report *rep, struct mb_err *err)
{
	struct db_conn *c = NULL;
	struct catalog cat;
	int ret = -1;

	catalog_init(&cat, DB_ENGINE_NONE);
	if (db_open(url, DB_MODE_SOURCE, &c, err) < 0 ||
	    db_read_catalog(c, &cat, err) < 0 ||
	    ws_source_upsert(ws, &c->url, source_id, err) < 0 ||
	    ws_catalog_save(ws, *source_id, &cat, NULL, err) < 0 ||
	    rules_sync(ws, *source_id, &cat, rep, err) < 0)
		goto out;
	ret = 0;
out:
	catalog_release(&cat);
	db_close(c);
	return ret;
}

static void check_engine(const struct engine_case *ec, const char *url,
			 const char *schema)
{
	struct mb_err err = MB_ERR_INIT;
	struct workspace *ws = NULL;
	struct db_conn *c = NULL;
	struct rules_sync_report rep;
	struct rules_gate_result gate = { 0 };
	char dir[] = "/tmp/mbt_rules_drift.XXXXXX", path[128], table[128];
	const char *tables[1] = { table };
	size_t approved, skipped, n;
	int64_t source_id;
	struct rule r = { 0 };
	char col[160];
	int rc;

	rules_sync_report_init(&rep);
	snprintf(table, sizeof(table), "%s.people", schema);
	if (!mkdtemp(dir)) {
		tap_ok(0, "%s: scratch folder", ec->name);
		return;
	}
	snprintf(path, sizeof(path), "%s/ws.db", dir);
	if (!tap_ok((ws = ws_open(path, &err)) != NULL, "%s: workspace", ec->name))
		goto out;
	if (!tap_ok(db_open(url, DB_MODE_TARGET, &c, &err) == 0 &&
		    run_all(c, ec->setup, &err) == 0, "%s: fixture table", ec->name))
		goto out;
	if (!tap_ok(snapshot(ws, url, &source_id, &rep, &err) == 0, "%s: first catalog", ec->name))
		goto out;
	tap_ok(rep.added == 5 && rep.changed == 0 && rep.dropped == 0,
	       "%s: five new columns (got %zu/%zu/%zu)", ec->name, rep.added,
	       rep.changed, rep.dropped);
	rules_sync_report_release(&rep);
	tap_ok(rules_approve_all(ws, "rita", "first review", &approved, &skipped, NULL,
				 &err) == 0 && approved == 5, "%s: approve all", ec->name);
	tap_ok(rules_gate(ws, tables, 1, &gate, &err) == 0 && gate.n == 0,
	       "%s: the gate is open after review", ec->name);
	rules_gate_result_release(&gate);

	if (!tap_ok(run_all(c, ec->alter, &err) == 0, "%s: alter the table", ec->name))
		goto out;
	if (!tap_ok(snapshot(ws, url, &source_id, &rep, &err) == 0, "%s: second catalog", ec->name))
		goto out;
	tap_ok(rep.added == 1 && rep.changed == 2 && rep.dropped == 1,
	       "%s: 1 added, 2 changed, 1 dropped (got %zu/%zu/%zu)", ec->name,
	       rep.added, rep.changed, rep.dropped);
	snprintf(col, sizeof(col), "%s.people.phone\n", schema);
	tap_ok(str_eq(rep.added_names.buf, col), "%s: phone is new", ec->name);
	snprintf(col, sizeof(col), "%s.people.note\n", schema);
	tap_ok(str_eq(rep.dropped_names.buf, col), "%s: note is dropped", ec->name);

	snprintf(col, sizeof(col), "%s.people.name", schema);
	tap_ok(rules_find(ws, col, &r, &err) == 0 && r.state == RULE_UNREVIEWED &&
	       r.approved_type && strstr(r.col_type, "200"),
	       "%s: name's type changed -> unreviewed", ec->name);
	rule_release(&r);
	snprintf(col, sizeof(col), "%s.people.born", schema);
	tap_ok(rules_find(ws, col, &r, &err) == 0 && r.state == RULE_UNREVIEWED &&
	       !r.nullable && r.approved_nullable,
	       "%s: born became NOT NULL -> unreviewed", ec->name);
	rule_release(&r);
	snprintf(col, sizeof(col), "%s.people.email", schema);
	tap_ok(rules_find(ws, col, &r, &err) == 0 && r.state == RULE_APPROVED,
	       "%s: email unchanged -> still approved", ec->name);
	rule_release(&r);

	rc = rules_gate(ws, tables, 1, &gate, &err);
	tap_ok(rc == 0 && gate.n == 3, "%s: the gate names 3 open columns (got %zu)",
	       ec->name, gate.n);
	rules_gate_result_release(&gate);
	rc = audit_verify(ws, &n, &err);
	tap_ok(rc == 0 && n > 10, "%s: audit intact (%zu rows)", ec->name, n);
out:
	if (err.kind)
		tap_diag("%s: %s", ec->name, err.msg);
	rules_sync_report_release(&rep);
	db_close(c);
	ws_close(ws);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		tap_diag("cannot remove %s", dir);
}

static void server_case(const struct engine_case *ec, const char *env)
{
	const char *base = getenv(env);
	struct mb_err err = MB_ERR_INIT;
	struct db_conn *admin = NULL;
	char db[64], url[512], sql[160];
	bool pg = !strcmp(ec->name, "postgresql");

	if (!base || !*base) {
		const char *ci = getenv("CI");

		if (ci && *ci && strcmp(ci, "false"))
			tap_ok(0, "%s: %s is not set: the test server is missing", ec->name, env);
		else
			tap_diag("skip %s: %s not set", ec->name, env);
		return;
	}
	snprintf(db, sizeof(db), "mbt_rules_drift_%ld", (long)getpid());
	snprintf(url, sizeof(url), "%s/%s", base, pg ? "postgres" : "");
	if (!tap_ok(db_open(url, DB_MODE_TARGET, &admin, &err) == 0, "%s: connect", ec->name)) {
		tap_diag("%s", err.msg);
		return;
	}
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", db);
	db_exec(admin, sql, &err);
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", db);
	if (tap_ok(db_exec(admin, sql, &err) == 0, "%s: create %s", ec->name, db)) {
		snprintf(url, sizeof(url), "%s/%s", base, db);
		check_engine(ec, url, pg ? "public" : db);
		snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", db);
		tap_ok(db_exec(admin, sql, &err) == 0, "%s: drop %s", ec->name, db);
	}
	db_close(admin);
}

int main(void)
{
	char dir[] = "/tmp/mbt_rules_sqlite.XXXXXX", url[128];

	if (mkdtemp(dir)) {
		snprintf(url, sizeof(url), "%s/src.db", dir);
		check_engine(&cases[0], url, "main");
		unlink(url);
		rmdir(dir);
	}
	server_case(&cases[1], "MB_PG_URL");
	server_case(&cases[2], "MB_MYSQL_URL");
	return tap_done();
}
