/*
 * test_subset.c - the subset planner on real SQLite files: load order and
 * cycle breaking, reasons, the key closure (parents always, children by
 * list or depth, never down from rows reached only as parents), tables
 * without a primary key, truncated parents, and the errors of bad
 * settings. TAP (tests/lib/tap.h).
 */
#include "config.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/catalog.h"
#include "core/db.h"
#include "core/subset.h"
#include "core/subset_config.h"
#include "tests/lib/tap.h"

static char dbpath[256];

static const char schema_sql[] =
	"CREATE TABLE dept (id INTEGER PRIMARY KEY, boss_id INTEGER REFERENCES emp(id));"
	"CREATE TABLE emp (id INTEGER PRIMARY KEY, dept_id INTEGER NOT NULL REFERENCES dept(id),"
	"  manager_id INTEGER REFERENCES emp(id), name TEXT);"
	"CREATE TABLE project (id INTEGER PRIMARY KEY, lead_id INTEGER NOT NULL REFERENCES emp(id));"
	"CREATE TABLE task (id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL REFERENCES project(id));"
	"CREATE TABLE note (task_id INTEGER REFERENCES task(id), body TEXT);" /* no PK */
	"CREATE TABLE tag (name TEXT PRIMARY KEY);"
	"CREATE TABLE log (id INTEGER PRIMARY KEY, emp_id INTEGER REFERENCES emp(id));"
	"CREATE TABLE loose (id INTEGER PRIMARY KEY, emp_ref INTEGER);";

static int make_db(void)
{
	sqlite3 *db;
	char *msg = NULL;
	struct strbuf sql = STRBUF_INIT;

	snprintf(dbpath, sizeof(dbpath), "/tmp/mb_test_subset_%ld.db", (long)getpid());
	unlink(dbpath);
	if (sqlite3_open(dbpath, &db) != SQLITE_OK)
		return -1;
	strbuf_addstr(&sql, schema_sql);
	strbuf_addstr(&sql, "BEGIN;");
	/* 4 departments; 40 employees, emp i in dept 1 + i % 4, managed by i / 2 */
	for (int d = 1; d <= 4; d++)
		strbuf_addf(&sql, "INSERT INTO dept VALUES (%d, %d);", d, d * 10);
	for (int i = 1; i <= 40; i++) {
		char mgr[16] = "NULL";
		if (i > 1)
			snprintf(mgr, sizeof(mgr), "%d", i / 2);
		strbuf_addf(&sql, "INSERT INTO emp VALUES (%d, %d, %s, 'e%d');", i, 1 + i % 4, mgr, i);
	}
	for (int p = 1; p <= 20; p++)
		strbuf_addf(&sql, "INSERT INTO project VALUES (%d, %d);", p, p * 2);
	for (int t = 1; t <= 60; t++) {
		strbuf_addf(&sql, "INSERT INTO task VALUES (%d, %d);", t, 1 + t % 20);
		strbuf_addf(&sql, "INSERT INTO note VALUES (%d, 'n');", t);
	}
	for (int l = 1; l <= 40; l++) {
		strbuf_addf(&sql, "INSERT INTO log VALUES (%d, %d);", l, l);
		strbuf_addf(&sql, "INSERT INTO loose VALUES (%d, %d);", l, l);
	}
	strbuf_addstr(&sql, "INSERT INTO tag VALUES ('a'), ('b'); COMMIT;");
	int rc = sqlite3_exec(db, sql.buf, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		tap_diag("fixture: %s", msg);
	sqlite3_free(msg);
	sqlite3_close(db);
	strbuf_release(&sql);
	return rc == SQLITE_OK ? 0 : -1;
}

struct ctx {
	struct db_conn *conn;
	struct catalog cat;
	struct subset_config cfg;
	struct subset_plan plan;
	bool built;
};

static const struct subset_table *find(const struct ctx *c, const char *name)
{
	for (size_t i = 0; i < c->plan.ntables; i++)
		if (str_eq(c->cat.tables[c->plan.tables[i].table_idx].name, name))
			return &c->plan.tables[i];
	return NULL;
}

static size_t pos_of(const struct ctx *c, const char *name)
{
	const struct subset_table *st = find(c, name);
	return st ? (size_t)(st - c->plan.tables) : SIZE_MAX;
}

static int64_t rows(const struct ctx *c, const char *name)
{
	const struct subset_table *st = find(c, name);
	return st ? st->exact_rows : -2;
}

static const char *why(const struct ctx *c, const char *name)
{
	const struct subset_table *st = find(c, name);
	return st ? st->reason_text : "?";
}

/* Opens, reads the catalog, applies virtual FKs, builds and resolves. */
static int setup(struct ctx *c, struct mb_err *err)
{
	char url[300];
	snprintf(url, sizeof(url), "sqlite://%s", dbpath);
	catalog_init(&c->cat, DB_ENGINE_SQLITE);
	if (db_open(url, DB_MODE_SOURCE, &c->conn, err) < 0 ||
	    db_read_catalog(c->conn, &c->cat, err) < 0 ||
	    subset_add_virtual_fks(&c->cat, &c->cfg, err) < 0 ||
	    subset_plan_build(&c->plan, &c->cat, &c->cfg, DB_ENGINE_SQLITE, err) < 0)
		return -1;
	c->built = true;
	return subset_plan_resolve(&c->plan, c->conn, true, NULL, err);
}

static void teardown(struct ctx *c)
{
	if (c->built)
		subset_plan_release(&c->plan);
	subset_config_release(&c->cfg);
	catalog_release(&c->cat);
	if (c->conn)
		db_close(c->conn);
	memset(c, 0, sizeof(*c));
}

/* Every emp row's parents (dept, manager) are in the key sets. */
static void test_clone(void)
{
	struct ctx c = { 0 };
	struct mb_err err = MB_ERR_INIT;
	subset_config_init(&c.cfg);
	tap_ok(setup(&c, &err) == 0, "clone: plan and resolve (%s)", err.msg);
	tap_ok(rows(&c, "emp") == 40 && rows(&c, "task") == 60 && rows(&c, "note") == 60,
	       "clone: every table whole");
	tap_ok(str_eq(why(&c, "emp"), "whole"), "clone: reason whole");
	tap_ok(c.plan.broken_edges == 1, "clone: the dept <-> emp cycle is broken once (%zu)",
	       c.plan.broken_edges);
	tap_ok(pos_of(&c, "emp") < pos_of(&c, "project") && pos_of(&c, "project") < pos_of(&c, "task") &&
	       pos_of(&c, "task") < pos_of(&c, "note"), "clone: parents before children");
	/* The cycle breaks at the nullable edge dept.boss_id: dept loads first. */
	tap_ok(pos_of(&c, "dept") < pos_of(&c, "emp"), "clone: cycle broken at the nullable edge");
	teardown(&c);
}

static void test_roots_children(void)
{
	struct ctx c = { 0 };
	struct mb_err err = MB_ERR_INIT;
	subset_config_init(&c.cfg);
	struct subset_root *r = subset_config_add_root(&c.cfg, NULL, "project");
	r->where = xstrdup("id IN (1, 2)");
	subset_config_add_name(&c.cfg.children, &c.cfg.nchildren, &c.cfg.children_alloc, "task");
	subset_config_add_name(&c.cfg.children, &c.cfg.nchildren, &c.cfg.children_alloc, "note");
	subset_config_add_name(&c.cfg.keep_all, &c.cfg.nkeep_all, &c.cfg.keep_all_alloc, "tag");
	tap_ok(setup(&c, &err) == 0, "roots: plan and resolve (%s)", err.msg);
	tap_ok(rows(&c, "project") == 2, "roots: two root projects");
	/* tasks of project 1 and 2: t % 20 == 0 or 1: 3 + 3 */
	tap_ok(rows(&c, "task") == 6, "roots: their tasks (%lld)", (long long)rows(&c, "task"));
	tap_ok(rows(&c, "note") == 6, "roots: notes (no primary key) of those tasks (%lld)",
	       (long long)rows(&c, "note"));
	/* leads 2 and 4, their managers 1, 2; plus the bosses of their departments */
	/* leads 2 and 4, their managers, their departments' bosses, theirs: 11 */
	tap_ok(rows(&c, "emp") == 11, "roots: lead employees and all their parents (%lld)",
	       (long long)rows(&c, "emp"));
	tap_ok(str_eq(why(&c, "emp"), "parent of main.project"), "roots: emp is a parent (%s)", why(&c, "emp"));
	tap_ok(rows(&c, "log") == 0 && str_eq(why(&c, "log"), "not reached"),
	       "roots: children of parents are not followed (log)");
	tap_ok(rows(&c, "tag") == 2 && str_eq(why(&c, "tag"), "keep_all"), "roots: keep_all");
	teardown(&c);
}

static void test_depth_and_virtual(void)
{
	struct ctx c = { 0 };
	struct mb_err err = MB_ERR_INIT;
	subset_config_init(&c.cfg);
	struct subset_root *r = subset_config_add_root(&c.cfg, NULL, "emp");
	r->limit = 3;
	c.cfg.children_all = true;
	c.cfg.max_depth = 1;
	const char *from[] = { "emp_ref" }, *to[] = { "id" };
	subset_config_add_vfk(&c.cfg, NULL, "loose", NULL, "emp", 1, from, to);
	tap_ok(setup(&c, &err) == 0, "depth: plan and resolve (%s)", err.msg);
	tap_ok(rows(&c, "loose") == 3, "depth: a virtual FK is followed (loose: %lld)",
	       (long long)rows(&c, "loose"));
	tap_ok(rows(&c, "project") == 1, "depth: depth-1 children (project %lld)",
	       (long long)rows(&c, "project"));
	tap_ok(rows(&c, "task") == 0, "depth: max_depth 1 stops at grandchildren");
	/* self-reference: emp 1..3 and their managers (1), plus children at depth 1 (emps managed by 1..3) */
	/* 1..3, their reports 4..7, parents of all (depts' bosses 10..40, 15): 12 */
	tap_ok(rows(&c, "emp") == 12, "depth: self-referencing children followed (%lld)",
	       (long long)rows(&c, "emp"));
	teardown(&c);
}

static void test_errors(void)
{
	struct ctx c = { 0 };
	struct mb_err err = MB_ERR_INIT;

	subset_config_init(&c.cfg);
	subset_config_add_root(&c.cfg, NULL, "nosuch");
	tap_ok(setup(&c, &err) < 0 && err.kind == MB_ERR_INPUT && strstr(err.msg, "nosuch"),
	       "errors: unknown root table named (%s)", err.msg);
	teardown(&c);

	mb_err_clear(&err);
	subset_config_init(&c.cfg);
	subset_config_add_name(&c.cfg.truncate, &c.cfg.ntruncate, &c.cfg.truncate_alloc, "project");
	tap_ok(setup(&c, &err) < 0 && strstr(err.msg, "task.project_id") && strstr(err.msg, "NOT NULL"),
	       "errors: truncating a parent of a NOT NULL FK (%s)", err.msg);
	teardown(&c);

	mb_err_clear(&err);
	subset_config_init(&c.cfg);
	subset_config_add_name(&c.cfg.truncate, &c.cfg.ntruncate, &c.cfg.truncate_alloc, "emp");
	subset_config_add_name(&c.cfg.truncate, &c.cfg.ntruncate, &c.cfg.truncate_alloc, "project");
	subset_config_add_name(&c.cfg.truncate, &c.cfg.ntruncate, &c.cfg.truncate_alloc, "task");
	subset_config_add_name(&c.cfg.truncate, &c.cfg.ntruncate, &c.cfg.truncate_alloc, "note");
	subset_config_add_name(&c.cfg.truncate, &c.cfg.ntruncate, &c.cfg.truncate_alloc, "log");
	tap_ok(setup(&c, &err) == 0, "truncate: a nullable FK to a truncated table (%s)", err.msg);
	const struct subset_table *d = find(&c, "dept");
	tap_ok(d && d->null_cols[cat_table_column_index(&c.cat.tables[d->table_idx], "boss_id")],
	       "truncate: ... is written as NULL");
	teardown(&c);

	mb_err_clear(&err);
	subset_config_init(&c.cfg);
	const char *from[] = { "nope" }, *to[] = { "id" };
	subset_config_add_vfk(&c.cfg, NULL, "loose", NULL, "emp", 1, from, to);
	tap_ok(setup(&c, &err) < 0 && strstr(err.msg, "loose.nope"),
	       "errors: virtual FK with an unknown column (%s)", err.msg);
	teardown(&c);

	mb_err_clear(&err);
	subset_config_init(&c.cfg);
	subset_config_add_root(&c.cfg, NULL, "note");
	tap_ok(setup(&c, &err) < 0 && strstr(err.msg, "no primary key"),
	       "errors: a root without a primary key (%s)", err.msg);
	teardown(&c);
}

static void test_select(void)
{
	struct ctx c = { 0 };
	struct mb_err err = MB_ERR_INIT;
	struct strbuf sql = STRBUF_INIT, last = STRBUF_INIT;
	size_t cursor = 0, n = 0;
	subset_config_init(&c.cfg);
	struct subset_root *r = subset_config_add_root(&c.cfg, NULL, "task");
	r->where = xstrdup("id <= 2500");
	tap_ok(setup(&c, &err) == 0, "select: plan (%s)", err.msg);
	size_t pos = pos_of(&c, "task");
	while (subset_table_next_select(&c.plan, pos, c.conn, "\"id\"", &cursor, &sql, &err) == 1) {
		n++;
		strbuf_reset(&last);
		strbuf_add(&last, sql.buf, sql.len);
	}
	tap_ok(n == 1, "select: one statement for 60 keys (%zu)", n);
	tap_ok(strstr(last.buf, "\"id\" IN ('") != NULL, "select: keys sent back as a literal IN list");
	strbuf_release(&sql);
	strbuf_release(&last);
	teardown(&c);
}

int main(void)
{
	if (make_db() < 0) {
		tap_ok(0, "fixture");
		return tap_done();
	}
	test_clone();
	test_roots_children();
	test_depth_and_virtual();
	test_errors();
	test_select();
	unlink(dbpath);
	return tap_done();
}
