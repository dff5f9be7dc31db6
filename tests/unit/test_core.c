/* test_core.c - unit tests for strbuf, util, error, catalog and workspace. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/catalog.h"
#include "core/strbuf.h"
#include "core/workspace.h"

static void test_strbuf_basics(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	assert_int_equal(sb.len, 0);
	assert_string_equal(sb.buf, "");
	strbuf_addstr(&sb, "abc");
	strbuf_addch(&sb, 'd');
	strbuf_addf(&sb, "-%d-%s", 42, "x");
	assert_string_equal(sb.buf, "abcd-42-x");
	for (int i = 0; i < 1000; i++)
		strbuf_addf(&sb, "%04d", i);
	assert_int_equal(sb.len, 9 + 4000);
	strbuf_reset(&sb);
	assert_string_equal(sb.buf, "");
	strbuf_add(&sb, "a\0b", 3);
	assert_int_equal(sb.len, 3);
	size_t len;
	char *p = strbuf_detach(&sb, &len);
	assert_int_equal(len, 3);
	assert_memory_equal(p, "a\0b", 3);
	free(p);
	assert_int_equal(sb.len, 0);
	strbuf_release(&sb);
}

static void test_strbuf_escape(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_add_escaped(&sb, "a\x1b[2Jb\xff\xc3\xa9", 9);
	assert_string_equal(sb.buf, "a\\x1b[2Jb\\xff\xc3\xa9");
	strbuf_reset(&sb);
	strbuf_add_json_str(&sb, "q\"\\\n\x01", 5);
	assert_string_equal(sb.buf, "\"q\\\"\\\\\\n\\u0001\"");
	strbuf_release(&sb);
}

static void test_utf8_valid(void **state)
{
	assert_true(utf8_valid("plain", 5));
	assert_true(utf8_valid("Stra\xc3\x9f" "e", 7));
	assert_true(utf8_valid("\xf0\x9f\x98\x80", 4));
	assert_false(utf8_valid("\xc3", 1));            /* truncated */
	assert_false(utf8_valid("\xc0\xaf", 2));        /* overlong */
	assert_false(utf8_valid("\xed\xa0\x80", 3));    /* surrogate */
	assert_false(utf8_valid("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
	assert_false(utf8_valid("\xff", 1));
}

static void test_error_prefix(void **state)
{
	struct mb_err err = MB_ERR_INIT;
	assert_int_equal(mb_err_set(&err, MB_ERR_INPUT, "bad value %d", 7), -1);
	mb_err_prefix(&err, "%s.%s", "customers", "email");
	assert_string_equal(err.msg, "customers.email: bad value 7");
	assert_int_equal(mb_err_exit_code(err.kind), 2);
	assert_int_equal(mb_err_exit_code(MB_ERR_CONNECT), 3);
	assert_int_equal(mb_err_exit_code(MB_ERR_PROBLEM), 1);
}

static void build_catalog(struct catalog *cat)
{
	catalog_init(cat, DB_ENGINE_SQLITE);
	struct cat_table *t = catalog_add_table(cat, "main", "orders");
	catalog_add_column(t, "id", "INTEGER", false)->auto_increment = true;
	catalog_add_column(t, "customer_id", "INTEGER", true);
	catalog_add_column(t, "parent id", "INTEGER", true);
	t->rows = 10;
	const char *pk[] = { "id" }, *fk[] = { "customer_id" }, *ref[] = { "id" };
	const char *self[] = { "parent id" };
	catalog_set_pk(t, "pk", 1, pk);
	catalog_add_fk(t, "fk_c", 1, fk, "main", "customers", ref);
	catalog_add_fk(t, "fk_self", 1, self, "main", "orders", ref);
	t = catalog_add_table(cat, "main", "customers");
	catalog_add_column(t, "email", "TEXT", true)->ordinal = 2;
	catalog_add_column(t, "id", "INTEGER", false)->ordinal = 1;
	catalog_set_pk(t, NULL, 1, pk);
	const char *uq[] = { "email" };
	catalog_add_unique(t, "uq_email", 1, uq);
	catalog_add_index(t, "ix", "CREATE INDEX ix ON customers(email)", false);
	catalog_finish(cat);
}

static void test_catalog_model(void **state)
{
	struct catalog cat;
	build_catalog(&cat);
	assert_int_equal(cat.ntables, 2);
	assert_string_equal(cat.tables[0].name, "customers"); /* sorted */
	assert_string_equal(cat.tables[0].cols[0].name, "id"); /* by ordinal */
	struct cat_table *o = catalog_find_table(&cat, NULL, "orders");
	assert_non_null(o);
	assert_int_equal(o->fks[0].ref_table_idx, 0);
	assert_int_equal(o->fks[1].ref_table_idx, 1);
	assert_int_equal(o->fks[1].col_idx[0], 2);

	struct cat_table *t;
	struct cat_column *c;
	struct mb_err err = MB_ERR_INIT;
	assert_int_equal(catalog_resolve_column(&cat, "main.orders.customer_id", &t, &c, &err), 0);
	assert_string_equal(c->name, "customer_id");
	assert_int_equal(catalog_resolve_column(&cat, "orders.\"parent id\"", &t, &c, &err), 0);
	assert_int_equal(catalog_resolve_column(&cat, "orders.nope", &t, &c, &err), -1);
	assert_non_null(strstr(err.msg, "unknown column 'nope'"));
	assert_int_equal(catalog_resolve_column(&cat, "nope", &t, &c, &err), -1);
	assert_int_equal(err.kind, MB_ERR_USAGE);

	struct strbuf js = STRBUF_INIT;
	catalog_to_json(&cat, &js);
	assert_non_null(strstr(js.buf, "\"primary_key\": [\"id\"]"));
	assert_non_null(strstr(js.buf, "\"ref_table\": \"customers\""));
	strbuf_release(&js);
	catalog_release(&cat);
}

static void test_workspace_roundtrip(void **state)
{
	char path[] = "/tmp/mbws.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	unlink(path);

	struct mb_err err = MB_ERR_INIT;
	struct workspace *ws = ws_open(path, &err);
	assert_non_null(ws);
	struct db_url url = { .engine = DB_ENGINE_SQLITE, .display = "sqlite:///x.db" };
	int64_t sid = 0, sid2 = 0, snap = 0;
	assert_int_equal(ws_source_upsert(ws, &url, &sid, &err), 0);
	assert_int_equal(ws_source_upsert(ws, &url, &sid2, &err), 0);
	assert_true(sid > 0);
	assert_int_equal(sid, sid2);

	struct catalog cat, back;
	build_catalog(&cat);
	assert_int_equal(ws_catalog_save(ws, sid, &cat, &snap, &err), 0);
	catalog_init(&back, DB_ENGINE_NONE);
	bool found = false;
	assert_int_equal(ws_catalog_load_latest(ws, sid, &back, &found, &err), 0);
	assert_true(found);
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	catalog_to_json(&cat, &a);
	catalog_to_json(&back, &b);
	assert_string_equal(a.buf, b.buf);
	assert_int_equal(back.engine, DB_ENGINE_SQLITE);
	strbuf_release(&a);
	strbuf_release(&b);
	catalog_release(&back);
	catalog_release(&cat);

	assert_int_equal(ws_setting_set(ws, "two_person_rule", "on", &err), 0);
	char *v = ws_setting_get(ws, "two_person_rule");
	assert_string_equal(v, "on");
	free(v);
	char *disp;
	assert_int_equal(ws_source_latest(ws, &disp), sid);
	assert_string_equal(disp, "sqlite:///x.db");
	free(disp);
	ws_close(ws);

	/* Reopening keeps everything and does not migrate again. */
	ws = ws_open(path, &err);
	assert_non_null(ws);
	assert_int_equal(ws_module_version(ws, "workspace"), 1);
	ws_close(ws);
	unlink(path);
	char side[64];
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
}

static void test_workspace_refuses_foreign_file(void **state)
{
	char path[] = "/tmp/mbforeign.XXXXXX";
	int fd = mkstemp(path);
	close(fd);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE precious(x)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	struct mb_err err = MB_ERR_INIT;
	assert_null(ws_open(path, &err));
	assert_int_equal(err.kind, MB_ERR_INPUT);
	assert_non_null(strstr(err.msg, "not a maskbench workspace"));
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strbuf_basics),
		cmocka_unit_test(test_strbuf_escape),
		cmocka_unit_test(test_utf8_valid),
		cmocka_unit_test(test_error_prefix),
		cmocka_unit_test(test_catalog_model),
		cmocka_unit_test(test_workspace_roundtrip),
		cmocka_unit_test(test_workspace_refuses_foreign_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
