/*
 * test_mysql.c - the MySQL/MariaDB driver against a real server.
 *
 * Needs MB_MYSQL_URL (mysql://root@127.0.0.1:PORT, tests/lib/servers.sh);
 * skips without it, fails without it in CI. Creates mbt_mysql_<pid>*
 * databases and a mbt_mysql_<pid> user, and drops them at the end.
 * The Chinook part runs where $MB_SRCDIR/../shared/data/chinook exists.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/catalog.h"
#include "core/db.h"
#include "tests/lib/tap.h"

static const char *base_url;     /* mysql://root@127.0.0.1:PORT */
static char dbname[64], user[64];
static char tmpdir[256];
static struct db_conn *admin;    /* root, target mode, no database */

static const char secret_pw[] = "pw-S3cret-mbt";

/* Runs a statement that must succeed; reports it as a test point when it fails. */
static int must(struct db_conn *conn, const char *sql)
{
	struct mb_err err = MB_ERR_INIT;
	if (db_exec(conn, sql, &err) == 0)
		return 0;
	tap_ok(0, "setup statement failed: %s", err.msg);
	return -1;
}

/* First column of the first row as a new string (NULL on error / SQL NULL). */
static char *scalar(struct db_conn *conn, const char *sql)
{
	struct mb_err err = MB_ERR_INIT;
	struct db_rows *rows;
	char *out = NULL;
	if (db_query(conn, sql, &rows, &err) < 0) {
		tap_diag("query failed: %s", err.msg);
		return NULL;
	}
	if (db_rows_next(rows, &err) > 0 && rows->values[0])
		out = xstrndup(rows->values[0], rows->lengths[0]);
	db_rows_close(rows);
	return out;
}

static long long scalar_ll(struct db_conn *conn, const char *sql)
{
	char *s = scalar(conn, sql);
	long long v = s ? strtoll(s, NULL, 10) : -1;
	free(s);
	return v;
}

static char *db_url_for(const char *db)
{
	return xasprintf("%s/%s", base_url, db);
}

/* "mysql://root@host:port" -> "mysql://USER:PW@host:port/DB" */
static char *user_url(const char *u, const char *pw, const char *db)
{
	const char *at = strchr(base_url, '@');
	const char *hostport = at ? at + 1 : base_url + strlen("mysql://");
	return xasprintf("mysql://%s:%s@%s/%s", u, pw, hostport, db);
}

static long vm_hwm_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* ------------------------------------------------------------------------ */

static const char *const schema_sql[] = {
	"CREATE TABLE `Straße` ("
	" `id` INT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
	" `Name ``x``` VARCHAR(40) NOT NULL DEFAULT 'a''b',"
	" `select` INT NULL,"
	" `it's \"q\"` TEXT,"
	" `raw` VARBINARY(32),"
	" UNIQUE KEY `uq name` (`Name ``x```))",
	"CREATE TABLE `order items` ("
	" `order id` INT NOT NULL, `line` INT NOT NULL, `qty` INT DEFAULT 1,"
	" PRIMARY KEY (`line`, `order id`))",
	"CREATE TABLE `Ship``ment` ("
	" `id` INT NOT NULL PRIMARY KEY, `oid` INT, `ln` INT, `parent` INT,"
	" `total` DECIMAL(10,2),"
	" `double total` DECIMAL(12,2) AS (`total` * 2) VIRTUAL,"
	" `stored total` DECIMAL(12,2) AS (`total` + 1) STORED,"
	" CONSTRAINT `fk comp` FOREIGN KEY (`ln`, `oid`) REFERENCES `order items` (`line`, `order id`),"
	" CONSTRAINT `fk self` FOREIGN KEY (`parent`) REFERENCES `Ship``ment` (`id`),"
	" KEY `ix total` (`total` DESC, `oid`))",
	"CREATE VIEW `v Straße` AS SELECT `id`, `select` FROM `Straße`",
	"INSERT INTO `order items` VALUES (1, 1, 2), (1, 2, 3)",
	("INSERT INTO `Ship``ment` (`id`, `oid`, `ln`, `parent`, `total`) VALUES "
	 "(1, 1, 1, NULL, 10.5), (2, 1, 2, 1, 3)"),
};

static void test_catalog(struct db_conn *conn)
{
	struct catalog cat;
	struct mb_err err = MB_ERR_INIT;

	catalog_init(&cat, DB_ENGINE_NONE);
	int rc = db_read_catalog(conn, &cat, &err);
	tap_ok(rc == 0, "read_catalog succeeds %s", err.msg);
	if (rc < 0)
		goto done;
	tap_ok(cat.engine == DB_ENGINE_MYSQL, "catalog engine is mysql");
	tap_ok(cat.ntables == 4, "4 tables and views (got %zu)", cat.ntables);

	struct cat_table *s = catalog_find_table(&cat, dbname, "Straße");
	struct cat_table *oi = catalog_find_table(&cat, dbname, "order items");
	struct cat_table *sh = catalog_find_table(&cat, dbname, "Ship`ment");
	struct cat_table *v = catalog_find_table(&cat, dbname, "v Straße");
	tap_ok(s && oi && sh && v, "hostile table names found with schema = database");
	if (!(s && oi && sh && v))
		goto done;

	tap_ok(v->is_view && !s->is_view && v->rows == -1, "view flagged, no row estimate");
	tap_ok(v->ncols == 2, "view columns listed");
	tap_ok(sh->rows >= 0 && sh->bytes > 0, "row and byte estimates for a table");

	tap_ok(s->ncols == 5, "Straße has 5 columns");
	struct cat_column *c_id = cat_table_find_column(s, "id");
	struct cat_column *c_name = cat_table_find_column(s, "Name `x`");
	struct cat_column *c_sel = cat_table_find_column(s, "select");
	struct cat_column *c_q = cat_table_find_column(s, "it's \"q\"");
	tap_ok(c_id && c_name && c_sel && c_q, "columns with backtick, reserved word, quotes");
	if (c_id && c_name && c_sel && c_q) {
		tap_ok(c_id->auto_increment && !c_id->nullable && c_id->ordinal == 1,
		       "id: auto_increment, not null, ordinal 1");
		tap_ok(str_eq(c_name->type, "varchar(40)") && !c_name->nullable &&
		       c_name->ordinal == 2, "Name `x`: varchar(40) not null (type '%s')",
		       c_name->type);
		tap_ok(c_name->default_expr && strstr(c_name->default_expr, "a") &&
		       c_name->default_expr[0] == '\'',
		       "string default kept as an expression (%s)",
		       c_name->default_expr ? c_name->default_expr : "NULL");
		tap_ok(c_sel->nullable && c_sel->default_expr == NULL,
		       "nullable column without default has default_expr NULL");
	}
	tap_ok(s->pk.ncols == 1 && str_eq(s->pk.cols[0], "id") && s->pk.col_idx[0] == 0,
	       "single primary key resolved");
	tap_ok(s->nuniques == 1 && str_eq(s->uniques[0].name, "uq name") &&
	       s->uniques[0].ncols == 1 && str_eq(s->uniques[0].cols[0], "Name `x`"),
	       "unique constraint with hostile names");

	tap_ok(oi->pk.ncols == 2 && str_eq(oi->pk.cols[0], "line") &&
	       str_eq(oi->pk.cols[1], "order id") && oi->pk.col_idx[0] == 1 &&
	       oi->pk.col_idx[1] == 0, "composite primary key in key order, not column order");

	struct cat_column *g1 = cat_table_find_column(sh, "double total");
	struct cat_column *g2 = cat_table_find_column(sh, "stored total");
	struct cat_column *tot = cat_table_find_column(sh, "total");
	tap_ok(g1 && g2 && g1->generated && g2->generated && tot && !tot->generated,
	       "virtual and stored generated columns flagged");

	tap_ok(sh->nfks == 2, "two foreign keys (got %zu)", sh->nfks);
	struct cat_fk *comp = NULL, *self = NULL;
	for (size_t i = 0; i < sh->nfks; i++) {
		if (str_eq(sh->fks[i].name, "fk comp"))
			comp = &sh->fks[i];
		if (str_eq(sh->fks[i].name, "fk self"))
			self = &sh->fks[i];
	}
	tap_ok(comp && comp->ncols == 2 && str_eq(comp->cols[0], "ln") &&
	       str_eq(comp->cols[1], "oid") && str_eq(comp->ref_cols[0], "line") &&
	       str_eq(comp->ref_cols[1], "order id") && str_eq(comp->ref_table, "order items") &&
	       str_eq(comp->ref_schema, dbname) &&
	       comp->ref_table_idx == catalog_table_index(&cat, oi),
	       "composite foreign key paired in constraint order and resolved");
	tap_ok(self && self->ncols == 1 && str_eq(self->cols[0], "parent") &&
	       str_eq(self->ref_cols[0], "id") &&
	       self->ref_table_idx == catalog_table_index(&cat, sh),
	       "self-referencing foreign key");

	struct cat_index *ix = NULL;
	for (size_t i = 0; i < sh->nindexes; i++)
		if (str_eq(sh->indexes[i].name, "ix total"))
			ix = &sh->indexes[i];
	tap_ok(ix && !ix->unique && ix->definition &&
	       strstr(ix->definition, "`total` DESC, `oid`"),
	       "secondary index definition (%s)", ix && ix->definition ? ix->definition : "none");
	bool has_pk_index = false;
	for (size_t i = 0; i < s->nindexes; i++)
		has_pk_index |= str_eq(s->indexes[i].name, "PRIMARY");
	tap_ok(!has_pk_index, "the primary key is not repeated as an index");

	/* The definition rebuilds the index. */
	if (ix && ix->definition) {
		struct strbuf sql = STRBUF_INIT;
		strbuf_addstr(&sql, "CREATE TABLE `ix copy` LIKE `Ship``ment`");
		int ok = must(admin, "SELECT 1") == 0; /* keep admin in sync */
		struct db_conn *t = NULL;
		char *url = db_url_for(dbname);
		ok = ok && db_open(url, DB_MODE_TARGET, &t, &err) == 0;
		ok = ok && db_exec(t, sql.buf, &err) == 0;
		ok = ok && db_exec(t, "DROP INDEX `ix total` ON `ix copy`", &err) == 0;
		strbuf_reset(&sql);
		static const char on_tbl[] = " ON `Ship``ment` ";
		const char *on = strstr(ix->definition, on_tbl);
		if (ok && on) {
			strbuf_add(&sql, ix->definition, (size_t)(on - ix->definition));
			strbuf_addstr(&sql, " ON `ix copy` ");
			strbuf_addstr(&sql, on + strlen(on_tbl));
		}
		ok = ok && on && db_exec(t, sql.buf, &err) == 0;
		tap_ok(ok, "index definition re-creates the index %s", err.msg);
		if (t) {
			db_exec(t, "DROP TABLE IF EXISTS `ix copy`", &err);
			db_close(t);
		}
		free(url);
		strbuf_release(&sql);
	}
done:
	catalog_release(&cat);
}

/* Without a database in the URL: every user schema, no system schema. */
static void test_catalog_all(void)
{
	struct mb_err err = MB_ERR_INIT;
	struct db_conn *c = NULL;
	struct catalog cat;

	catalog_init(&cat, DB_ENGINE_NONE);
	int rc = db_open(base_url, DB_MODE_SOURCE, &c, &err);
	rc = rc == 0 ? db_read_catalog(c, &cat, &err) : rc;
	bool system = false;
	for (size_t i = 0; i < cat.ntables; i++)
		system |= str_eq(cat.tables[i].schema, "mysql") ||
			  str_eq(cat.tables[i].schema, "information_schema") ||
			  str_eq(cat.tables[i].schema, "performance_schema") ||
			  str_eq(cat.tables[i].schema, "sys");
	struct cat_table *t = catalog_find_table(&cat, dbname, "Ship`ment");
	tap_ok(rc == 0 && t && t->nfks == 2 && !system,
	       "no database in the URL: all user schemas, none of the system ones %s", err.msg);
	catalog_release(&cat);
	db_close(c);
}

static void test_quoting(struct db_conn *conn)
{
	struct mb_err err = MB_ERR_INIT;
	struct strbuf sql = STRBUF_INIT, id = STRBUF_INIT;
	static const char text[] = "a'b\\c\"d\0e\n\x1a" "Straße";
	static const char bin[] = "\xff\xfe\x00\x27\x5c";
	const size_t tlen = sizeof(text) - 1, blen = sizeof(bin) - 1;

	db_quote_ident(conn, &id, "Name `x`");
	tap_ok(str_eq(id.buf, "`Name ``x```"), "identifier backticks doubled (%s)", id.buf);

	strbuf_addstr(&sql, "INSERT INTO `Straße` (`Name ``x```, `it's \"q\"`, `raw`) VALUES ('q1', ");
	db_quote_literal(conn, &sql, text, tlen);
	strbuf_addstr(&sql, ", ");
	db_quote_literal(conn, &sql, bin, blen);
	strbuf_addch(&sql, ')');
	tap_ok(db_exec(conn, sql.buf, &err) == 0, "insert with hostile literals %s", err.msg);

	struct db_rows *rows;
	int ok = 0;
	if (db_query(conn, "SELECT `it's \"q\"`, `raw`, NULL FROM `Straße` WHERE `Name ``x``` = 'q1'",
		     &rows, &err) == 0) {
		if (db_rows_next(rows, &err) == 1)
			ok = rows->ncols == 3 && rows->lengths[0] == tlen &&
			     memcmp(rows->values[0], text, tlen) == 0 &&
			     rows->lengths[1] == blen && memcmp(rows->values[1], bin, blen) == 0 &&
			     rows->values[2] == NULL &&
			     str_eq(rows->names[0], "it's \"q\"");
		db_rows_close(rows);
	}
	tap_ok(ok, "literal with quote, backslash, NUL, ^Z, UTF-8 and binary bytes round-trips");

	/* Under NO_BACKSLASH_ESCAPES the same literal still round-trips. */
	ok = 0;
	if (must(conn, "SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES')") == 0) {
		static const char nb[] = "c:\\dir\\'x' \"y\"\n";
		strbuf_reset(&sql);
		strbuf_addstr(&sql, "SELECT ");
		db_quote_literal(conn, &sql, nb, strlen(nb));
		char *back = scalar(conn, sql.buf);
		ok = back && str_eq(back, nb);
		free(back);
		must(conn, "SET SESSION sql_mode = REPLACE(@@sql_mode, 'NO_BACKSLASH_ESCAPES', '')");
	}
	tap_ok(ok, "literal quoting follows NO_BACKSLASH_ESCAPES");

	/* Duplicate key: the outcome is a constraint; the value never shows. */
	strbuf_reset(&sql);
	strbuf_addstr(&sql, "INSERT INTO `Straße` (`Name ``x```) VALUES ('secret-V4lue'), ('secret-V4lue')");
	mb_err_clear(&err);
	int rc = db_exec(conn, sql.buf, &err);
	tap_ok(rc < 0 && conn->last_outcome == DB_FAIL_CONSTRAINT && err.kind == MB_ERR_DB,
	       "duplicate key: DB_FAIL_CONSTRAINT (%s)", db_outcome_name(conn->last_outcome));
	tap_ok(!strstr(err.msg, "secret-V4lue") && strstr(err.msg, "1062"),
	       "duplicate key message redacts the value: %s", err.msg);

	mb_err_clear(&err);
	rc = db_exec(conn, "SELECT * FROM `Straße` WHERE 'secret-V4lue' = = 1", &err);
	tap_ok(rc < 0 && conn->last_outcome == DB_FAIL_SYNTAX && !strstr(err.msg, "secret-V4lue"),
	       "syntax error: DB_FAIL_SYNTAX, SQL text redacted: %s", err.msg);
	mb_err_clear(&err);
	rc = db_exec(conn, "INSERT INTO `Straße` (`id`, `Name ``x```) VALUES ('secret-V4lue', 'z')", &err);
	tap_ok(rc < 0 && !strstr(err.msg, "secret-V4lue"),
	       "bad value: message redacts the value: %s", err.msg);
	mb_err_clear(&err);
	rc = db_exec(conn, "SELECT * FROM `no such table`", &err);
	tap_ok(rc < 0 && conn->last_outcome == DB_FAIL_NOT_FOUND && str_eq(conn->sqlstate, "42S02"),
	       "unknown table: DB_FAIL_NOT_FOUND, SQLSTATE kept (%s)", conn->sqlstate);

	strbuf_release(&sql);
	strbuf_release(&id);
}

static void test_source(const char *url, struct db_conn *target)
{
	struct mb_err err = MB_ERR_INIT;
	struct db_conn *src = NULL;

	tap_ok(db_open(url, DB_MODE_SOURCE, &src, &err) == 0, "open source %s", err.msg);
	if (!src)
		return;
	long long before = scalar_ll(src, "SELECT COUNT(*) FROM `order items`");
	mb_err_clear(&err);
	int rc = db_exec(src, "INSERT INTO `order items` VALUES (9, 9, 9)", &err);
	tap_ok(rc < 0 && src->last_outcome == DB_FAIL_READ_ONLY,
	       "write through a source connection fails: DB_FAIL_READ_ONLY (%s: %s)",
	       db_outcome_name(src->last_outcome), err.msg);
	rc = db_exec(src, "CREATE TEMPORARY TABLE `mbt tmp` (a INT)", &err);
	rc = rc < 0 ? rc : db_exec(src, "INSERT INTO `mbt tmp` VALUES (1)", &err);
	(void)rc; /* temp tables may or may not be allowed; real tables never */

	/* One snapshot for the connection's life. */
	must(target, "INSERT INTO `order items` VALUES (7, 7, 7)");
	long long after = scalar_ll(src, "SELECT COUNT(*) FROM `order items`");
	long long now = scalar_ll(target, "SELECT COUNT(*) FROM `order items`");
	tap_ok(before == 2 && after == before && now == before + 1,
	       "source keeps its snapshot (%lld, %lld; target sees %lld)", before, after, now);
	must(target, "DELETE FROM `order items` WHERE `order id` = 7");

	char *id_s = db_identity(src, &err), *id_t = db_identity(target, &err);
	char *id_a = db_identity(admin, &err);
	tap_ok(id_s && id_t && str_eq(id_s, id_t) && str_starts_with(id_s, "mysql:"),
	       "source and target on one database share an identity (%s)", id_s ? id_s : "");
	tap_ok(id_a && !str_eq(id_a, id_s), "another database has another identity");
	free(id_s);
	free(id_t);
	free(id_a);

	char *ver = db_server_version(src);
	tap_ok(ver && (str_starts_with(ver, "MariaDB ") || str_starts_with(ver, "MySQL ")),
	       "server version: %s", ver ? ver : "NULL");
	free(ver);
	const char *cv = src->drv->client_version();
	tap_ok(cv && str_starts_with(cv, "libmariadb "), "client version: %s", cv);

	/* Statement timeout. */
	mb_err_clear(&err);
	tap_ok(db_set_timeout(src, 200, &err) == 0, "set_timeout %s", err.msg);
	double t0 = now_monotonic();
	struct db_rows *rows = NULL;
	rc = db_query(src, "SELECT SLEEP(3) FROM `order items`", &rows, &err);
	if (rc == 0) {
		while ((rc = db_rows_next(rows, &err)) > 0)
			;
		db_rows_close(rows);
	}
	double dt = now_monotonic() - t0;
	tap_ok((rc < 0 && src->last_outcome == DB_FAIL_TIMEOUT) ||
	       (rc == 0 && dt < 2.5),
	       "statement timeout stops a slow query (%.2f s, %s)", dt,
	       db_outcome_name(src->last_outcome));
	tap_ok(db_set_timeout(src, 0, &err) == 0 &&
	       scalar_ll(src, "SELECT COUNT(*) FROM `order items`") == 2,
	       "connection usable after timeout, limit removed");
	db_close(src);
}

static void test_errors(void)
{
	struct mb_err err = MB_ERR_INIT;
	struct db_conn *c = NULL;
	char sql[256];
	char *url;

	/* A user with a password, allowed on mbt_mysql_<pid>* databases only. */
	snprintf(sql, sizeof(sql), "CREATE USER '%s'@'127.0.0.1' IDENTIFIED BY '%s'", user, secret_pw);
	if (must(admin, sql) < 0)
		return;
	snprintf(sql, sizeof(sql), "GRANT ALL ON `%s%%`.* TO '%s'@'127.0.0.1'", dbname, user);
	must(admin, sql);

	char nodb[96];
	snprintf(nodb, sizeof(nodb), "%s_nope", dbname);
	url = user_url(user, secret_pw, nodb);
	int rc = db_open(url, DB_MODE_SOURCE, &c, &err);
	tap_ok(rc < 0 && err.kind == MB_ERR_CONNECT && c == NULL,
	       "unknown database: MB_ERR_CONNECT (exit %d)", mb_err_exit_code(err.kind));
	tap_ok(!strstr(err.msg, secret_pw) && strstr(err.msg, nodb) && strstr(err.msg, "mysql://"),
	       "message names the address without its password: %s", err.msg);
	free(url);

	mb_err_clear(&err);
	url = user_url(user, "wrong-Pa55word", dbname);
	rc = db_open(url, DB_MODE_SOURCE, &c, &err);
	tap_ok(rc < 0 && err.kind == MB_ERR_CONNECT && strstr(err.msg, "1045"),
	       "wrong password: MB_ERR_CONNECT, access denied");
	tap_ok(!strstr(err.msg, "wrong-Pa55word"), "no password in: %s", err.msg);
	free(url);

	mb_err_clear(&err);
	url = user_url(user, secret_pw, dbname);
	rc = db_open(url, DB_MODE_SOURCE, &c, &err);
	tap_ok(rc == 0, "right password opens %s", err.msg);
	db_close(c);
	c = NULL;
	free(url);

	mb_err_clear(&err);
	rc = db_open("mysql://root@127.0.0.1:1/x", DB_MODE_SOURCE, &c, &err);
	tap_ok(rc < 0 && err.kind == MB_ERR_CONNECT, "unreachable port: MB_ERR_CONNECT: %s", err.msg);

	mb_err_clear(&err);
	url = xasprintf("mysql://%s@%s/%s?connect_timeout=5&password=%s", user,
			strchr(base_url, '@') + 1, dbname, secret_pw);
	rc = db_open(url, DB_MODE_SOURCE, &c, &err);
	tap_ok(rc == 0 && !strstr(c->url.display, secret_pw),
	       "password=... parameter is used and not displayed %s", err.msg);
	db_close(c);
	c = NULL;
	free(url);

	mb_err_clear(&err);
	url = xasprintf("%s/%s?bogus=1", base_url, dbname);
	rc = db_open(url, DB_MODE_SOURCE, &c, &err);
	tap_ok(rc < 0 && err.kind == MB_ERR_USAGE, "unknown URL parameter: MB_ERR_USAGE: %s", err.msg);
	free(url);

	/* ~/.my.cnf [client]: host, port, user and password come from it. */
	char path[512], port[16] = "";
	const char *colon = strrchr(base_url, ':');
	snprintf(port, sizeof(port), "%s", colon ? colon + 1 : "3306");
	snprintf(path, sizeof(path), "%s/.my.cnf", tmpdir);
	FILE *f = fopen(path, "w");
	if (f) {
		fprintf(f, "[client]\nhost=127.0.0.1\nport=%s\nuser=%s\npassword=%s\n",
			port, user, secret_pw);
		fclose(f);
		chmod(path, 0600);
	}
	char *old_home = getenv("HOME") ? xstrdup(getenv("HOME")) : NULL;
	setenv("HOME", tmpdir, 1);
	url = xasprintf("mysql:///%s", dbname);
	mb_err_clear(&err);
	rc = db_open(url, DB_MODE_SOURCE, &c, &err);
	char *who = rc == 0 ? scalar(c, "SELECT CURRENT_USER()") : NULL;
	tap_ok(rc == 0 && who && str_starts_with(who, user),
	       "~/.my.cnf [client] supplies host, port, user, password (%s) %s",
	       who ? who : "-", err.msg);
	free(who);
	db_close(c);
	c = NULL;
	free(url);
	/* ... and what the URL names wins over it: a bad port in the file. */
	f = fopen(path, "w");
	if (f) {
		fprintf(f, "[client]\nhost=127.0.0.1\nport=1\nuser=%s\npassword=%s\n",
			user, secret_pw);
		fclose(f);
	}
	url = xasprintf("mysql://127.0.0.1:%s/%s", port, dbname);
	mb_err_clear(&err);
	rc = db_open(url, DB_MODE_SOURCE, &c, &err);
	who = rc == 0 ? scalar(c, "SELECT CURRENT_USER()") : NULL;
	tap_ok(who && str_starts_with(who, user),
	       "URL port overrides ~/.my.cnf, user and password still from it (%s) %s",
	       who ? who : "-", err.msg);
	free(who);
	db_close(c);
	c = NULL;
	free(url);
	if (old_home)
		setenv("HOME", old_home, 1);
	free(old_home);
	unlink(path);

	snprintf(sql, sizeof(sql), "DROP USER '%s'@'127.0.0.1'", user);
	must(admin, sql);
}

static void test_streaming(struct db_conn *conn)
{
	struct mb_err err = MB_ERR_INIT;
	struct db_rows *rows = NULL;

	if (must(conn, "CREATE TABLE `big` (`id` INT PRIMARY KEY, `pad` VARCHAR(255))") < 0 ||
	    must(conn, "CREATE TABLE `digits` (`i` INT)") < 0 ||
	    must(conn, "INSERT INTO `digits` VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)") < 0 ||
	    must(conn, "INSERT INTO `big` SELECT a.i + 10*b.i + 100*c.i + 1000*d.i + 10000*e.i"
		 " + 100000*f.i, REPEAT('x', 200) FROM `digits` a, `digits` b, `digits` c,"
		 " `digits` d, `digits` e, `digits` f WHERE f.i < 2") < 0)
		return;

	long before = vm_hwm_kb();
	long long n = 0, sum = 0;
	size_t bytes = 0;
	int rc = db_query(conn, "SELECT `id`, `pad` FROM `big`", &rows, &err);
	if (rc == 0) {
		while ((rc = db_rows_next(rows, &err)) > 0) {
			n++;
			sum += strtoll(rows->values[0], NULL, 10);
			bytes += rows->lengths[1];
		}
		db_rows_close(rows);
	}
	long after = vm_hwm_kb();
	tap_ok(rc == 0 && n == 200000 && sum == 199999LL * 200000 / 2,
	       "streamed 200000 rows (%lld, %zu bytes of padding)", n, bytes);
	tap_ok(before > 0 && after - before < 8 * 1024,
	       "peak memory grew by %ld kB while streaming %zu kB", after - before, bytes / 1024);
	tap_diag("streaming 200k rows: peak RSS %ld kB -> %ld kB", before, after);

	/*
	 * Cancel mid-stream on a source: 20,000,000 rows (~4 GB, some 20 s)
	 * would take long to drain; the driver kills the query instead, and the
	 * connection and its snapshot stay usable.
	 */
	struct db_conn *src = NULL;
	char *url = db_url_for(dbname);
	if (!tap_ok(db_open(url, DB_MODE_SOURCE, &src, &err) == 0, "open source %s", err.msg))
		goto drop;
	must(conn, "INSERT INTO `big` VALUES (-1, 'after the snapshot')");
	rc = db_query(src, "SELECT b.`id`, b.`pad` FROM `big` b, `digits` d, `digits` e", &rows, &err);
	n = 0;
	double t0 = now_monotonic(), t1 = t0;
	if (rc == 0) {
		while ((rc = db_rows_next(rows, &err)) > 0)
			if (++n == 1000)
				src->cancel = 1;
		t1 = now_monotonic();
		db_rows_close(rows);
	}
	double dt = now_monotonic() - t1;
	src->cancel = 0;
	tap_ok(rc < 0 && n == 1000 && src->last_outcome == DB_FAIL_TIMEOUT,
	       "cancel stops streaming after %lld rows", n);
	tap_diag("closing a cancelled 20M-row stream took %.3f s", dt);
	tap_ok(scalar_ll(src, "SELECT COUNT(*) FROM `big`") == 200000,
	       "source usable after a cancelled stream, same snapshot");
	tap_ok(dt < 3.0, "closing a cancelled stream does not read the rest (%.3f s)", dt);
	db_close(src);
drop:
	free(url);

	/* A second statement while a stream is open is refused, not corrupted. */
	rc = db_query(conn, "SELECT `id` FROM `big`", &rows, &err);
	if (rc == 0) {
		db_rows_next(rows, &err);
		mb_err_clear(&err);
		tap_ok(db_exec(conn, "SELECT 1", &err) < 0 && strstr(err.msg, "busy"),
		       "statement during an open stream refused: %s", err.msg);
		db_rows_close(rows);
	}
	must(conn, "DROP TABLE `big`");
	must(conn, "DROP TABLE `digits`");
}

struct sink {
	struct strbuf buf;
	size_t chunks;
};

static int on_chunk(void *ctx, const char *buf, size_t len)
{
	struct sink *s = ctx;
	strbuf_add(&s->buf, buf, len);
	s->chunks++;
	return 0;
}

static int stop_chunk(void *ctx, const char *buf, size_t len)
{
	(void)buf;
	(void)len;
	return ++*(int *)ctx >= 2 ? -1 : 0;
}

static void test_copy(struct db_conn *conn)
{
	struct mb_err err = MB_ERR_INIT;
	struct sink s = { STRBUF_INIT, 0 };
	struct db_conn *src = NULL;
	char *url = db_url_for(dbname);

	if (must(conn, "CREATE TABLE `cp from` (`id` INT PRIMARY KEY, `t` TEXT, `b` BLOB, `n` INT)") < 0 ||
	    must(conn, "CREATE TABLE `cp to` LIKE `cp from`") < 0 ||
	    must(conn, "INSERT INTO `cp from` VALUES (1, 'tab\\there', X'00FF5C0A', NULL),"
		 " (2, 'line\\nbreak \\\\ back', NULL, 5), (3, 'Straße ☃', '', -1),"
		 " (4, '\\\\N', 'x\\ry', 0)") < 0)
		goto cleanup;
	/* The source's snapshot starts after the tables exist. */
	if (!tap_ok(db_open(url, DB_MODE_SOURCE, &src, &err) == 0, "open source %s", err.msg))
		goto cleanup;
	int rc = db_copy_out(src, "SELECT * FROM `cp from` ORDER BY `id`", on_chunk, &s, &err);
	tap_ok(rc == 0 && s.chunks == 4, "copy_out: one chunk per row (%zu) %s", s.chunks, err.msg);
	tap_ok(strstr(s.buf.buf, "1\ttab\\there\t\\0\xff\\\\\\n\t\\N\n") != NULL,
	       "copy_out: COPY text escapes and \\N for NULL");

	rc = db_copy_in_start(conn, "LOAD DATA LOCAL INFILE 'maskbench-stream' INTO TABLE `cp to`"
			      " CHARACTER SET utf8mb4 (`id`, `t`, `b`, `n`)", &err);
	tap_ok(rc == 0, "copy_in_start %s", err.msg);
	/* Dribble the data in small pieces across row boundaries. */
	for (size_t off = 0; rc == 0 && off < s.buf.len; off += 7) {
		size_t n = s.buf.len - off < 7 ? s.buf.len - off : 7;
		rc = db_copy_in_put(conn, s.buf.buf + off, n, &err);
	}
	rc = rc == 0 ? db_copy_in_end(conn, &err) : rc;
	tap_ok(rc == 0, "copy_in put/end %s", err.msg);
	tap_ok(scalar_ll(conn, "SELECT COUNT(*) FROM `cp from` f JOIN `cp to` t ON f.id = t.id"
			 " AND f.t <=> t.t AND f.b <=> t.b AND f.n <=> t.n") == 4,
	       "copy_out -> copy_in round-trips every value byte for byte");

	/* Duplicates are warnings to LOAD DATA LOCAL: copy_in_end must fail. */
	rc = db_copy_in_start(conn, "LOAD DATA LOCAL INFILE 'x' INTO TABLE `cp to`"
			      " CHARACTER SET utf8mb4 (`id`, `t`, `b`, `n`)", &err);
	static const char dup[] = "1\tdup-S3cret\t\\N\t\\N\n";
	rc = rc == 0 ? db_copy_in_put(conn, dup, strlen(dup), &err) : rc;
	mb_err_clear(&err);
	rc = rc == 0 ? db_copy_in_end(conn, &err) : rc;
	tap_ok(rc < 0 && conn->last_outcome == DB_FAIL_DATA && !strstr(err.msg, "S3cret"),
	       "copy_in with a duplicate key fails: %s", err.msg);

	/* A server-side refusal surfaces (unknown table). */
	mb_err_clear(&err);
	rc = db_copy_in_start(conn, "LOAD DATA LOCAL INFILE 'x' INTO TABLE `no such`", &err);
	for (int i = 0; rc == 0 && i < 2000; i++)
		rc = db_copy_in_put(conn, "1\t2\n", 4, &err);
	rc = rc == 0 ? db_copy_in_end(conn, &err) : rc;
	tap_ok(rc < 0 && conn->last_outcome == DB_FAIL_NOT_FOUND,
	       "copy_in into an unknown table fails: %s", err.msg);
	tap_ok(scalar_ll(conn, "SELECT 41 + 1") == 42, "connection usable after a failed copy_in");

	/* Outside copy_in a LOAD DATA LOCAL never reads a local file. */
	must(conn, "CREATE TABLE `cp file` (`line` TEXT)");
	mb_err_clear(&err);
	rc = db_exec(conn, "LOAD DATA LOCAL INFILE '/etc/passwd' INTO TABLE `cp file`", &err);
	tap_ok(rc < 0 && scalar_ll(conn, "SELECT COUNT(*) FROM `cp file`") == 0,
	       "LOAD DATA LOCAL outside copy_in reads no file: %s", err.msg);

	mb_err_clear(&err);
	rc = db_copy_in_start(src, "LOAD DATA LOCAL INFILE 'x' INTO TABLE `cp to`", &err);
	tap_ok(rc < 0, "copy_in refused on a source connection");

	int calls = 0;
	mb_err_clear(&err);
	rc = db_copy_out(src, "SELECT * FROM `cp from`", stop_chunk, &calls, &err);
	tap_ok(rc < 0 && err.kind == MB_ERR_CANCELLED && calls == 2,
	       "copy_out stops when the callback says so");

	/* close() during an open copy_in aborts it: nothing committed. */
	struct db_conn *t2 = NULL;
	if (db_open(url, DB_MODE_TARGET, &t2, &err) == 0 &&
	    db_copy_in_start(t2, "LOAD DATA LOCAL INFILE 'x' INTO TABLE `cp to` (`id`)", &err) == 0 &&
	    db_copy_in_put(t2, "100\n101\n", 8, &err) == 0) {
		db_close(t2);
		tap_ok(scalar_ll(conn, "SELECT COUNT(*) FROM `cp to` WHERE id >= 100") == 0,
		       "closing during copy_in aborts the load");
	} else {
		tap_ok(0, "abort test setup: %s", err.msg);
		db_close(t2);
	}
cleanup:
	db_close(src);
	free(url);
	strbuf_release(&s.buf);
}

/* ------------------------------------------------------------------------ */

/* Reads the [mariadb] block of fk_graph.txt. */
static int read_fk_graph(const char *path, long *tables, long *fks, long *pairs,
			 long *rows, char *self, size_t selflen)
{
	FILE *f = fopen(path, "r");
	char line[512];
	int in = 0, found = 0;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '[') {
			in = str_starts_with(line, "[mariadb]");
			if (in && sscanf(line, "[mariadb] tables=%ld fk_constraints=%ld "
					 "fk_column_pairs=%ld total_rows=%ld",
					 tables, fks, pairs, rows) == 4)
				found = 1;
		} else if (in && strstr(line, "self-references: ")) {
			snprintf(self, selflen, "%s", strstr(line, ": ") + 2);
			self[strcspn(self, "\n")] = '\0';
		}
	}
	fclose(f);
	return found ? 0 : -1;
}

static void test_chinook(void)
{
	const char *srcdir = getenv("MB_SRCDIR");
	char dir[512], cmd[1536], graph[600], cnf[600];
	struct stat st;

	snprintf(dir, sizeof(dir), "%s/../shared/data/chinook", srcdir ? srcdir : ".");
	if (stat(dir, &st) != 0) {
		tap_diag("skip Chinook: %s not found", dir);
		return;
	}
	long tables = -1, fks = -1, pairs = -1, total = -1;
	char self[256] = "";
	snprintf(graph, sizeof(graph), "%s/fk_graph.txt", dir);
	if (!tap_ok(read_fk_graph(graph, &tables, &fks, &pairs, &total, self, sizeof(self)) == 0,
		    "fk_graph.txt has a [mariadb] line"))
		return;

	/* load.sh uses the mysql client with ~/.my.cnf */
	const char *colon = strrchr(base_url, ':');
	snprintf(cnf, sizeof(cnf), "%s/.my.cnf", tmpdir);
	FILE *f = fopen(cnf, "w");
	if (f) {
		fprintf(f, "[client]\nhost=127.0.0.1\nport=%s\nuser=root\n", colon ? colon + 1 : "3306");
		fclose(f);
	}
	char cdb[96];
	snprintf(cdb, sizeof(cdb), "%s_chinook", dbname);
	snprintf(cmd, sizeof(cmd), "HOME='%s' bash '%s/load.sh' mysql '%s' >/dev/null 2>&1",
		 tmpdir, dir, cdb);
	if (!tap_ok(system(cmd) == 0, "load.sh mysql %s", cdb))
		return;
	unlink(cnf);

	struct mb_err err = MB_ERR_INIT;
	struct db_conn *c = NULL;
	struct catalog cat;
	char *url = db_url_for(cdb);
	catalog_init(&cat, DB_ENGINE_NONE);
	if (db_open(url, DB_MODE_SOURCE, &c, &err) < 0 || db_read_catalog(c, &cat, &err) < 0) {
		tap_ok(0, "Chinook catalog: %s", err.msg);
		goto cleanup;
	}
	long nfk = 0, npairs = 0, nrows = 0, largest = 0;
	const char *largest_name = "";
	bool self_ok = false;
	for (size_t i = 0; i < cat.ntables; i++) {
		struct cat_table *t = &cat.tables[i];
		struct strbuf sql = STRBUF_INIT;
		strbuf_addstr(&sql, "SELECT COUNT(*) FROM ");
		db_quote_table(c, &sql, t->schema, t->name);
		long n = (long)scalar_ll(c, sql.buf);
		strbuf_release(&sql);
		nrows += n;
		if (n > largest) {
			largest = n;
			largest_name = t->name;
		}
		nfk += (long)t->nfks;
		for (size_t k = 0; k < t->nfks; k++) {
			struct cat_fk *fk = &t->fks[k];
			npairs += (long)fk->ncols;
			if (fk->ref_table_idx == (int)i) {
				char buf[256];
				snprintf(buf, sizeof(buf), "%s.%s -> %s.%s", t->name, fk->cols[0],
					 fk->ref_table, fk->ref_cols[0]);
				self_ok |= str_eq(buf, self);
			}
			if (fk->ref_table_idx < 0)
				npairs = -1000;
		}
	}
	tap_ok((long)cat.ntables == tables, "Chinook: %zu tables (fk_graph: %ld)", cat.ntables, tables);
	tap_ok(nfk == fks && npairs == pairs, "Chinook: %ld foreign keys, %ld column pairs, all resolved",
	       nfk, npairs);
	tap_ok(nrows == total, "Chinook: %ld rows in total (fk_graph: %ld)", nrows, total);
	tap_ok(str_eq(largest_name, "PlaylistTrack") && largest == 8715,
	       "Chinook: largest table %s=%ld", largest_name, largest);
	tap_ok(self_ok, "Chinook: self-reference %s", self);
cleanup:
	catalog_release(&cat);
	db_close(c);
	free(url);
	snprintf(cmd, sizeof(cmd), "DROP DATABASE IF EXISTS `%s`", cdb);
	must(admin, cmd);
}

int main(void)
{
	struct mb_err err = MB_ERR_INIT;
	struct db_conn *conn = NULL;
	char sql[256], *url = NULL;

	/* The library must not find the server through these: ~/.my.cnf must. */
	unsetenv("MYSQL_TCP_PORT");
	unsetenv("MYSQL_HOST");
	unsetenv("MYSQL_PWD");
	base_url = tap_need_server("MB_MYSQL_URL");
	snprintf(dbname, sizeof(dbname), "mbt_mysql_%ld", (long)getpid());
	snprintf(user, sizeof(user), "mbt_mysql_u%ld", (long)getpid());
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/mbt_mysql_%ld_XXXXXX", (long)getpid());
	if (!mkdtemp(tmpdir)) {
		tap_ok(0, "mkdtemp: %s", strerror(errno));
		return tap_done();
	}

	if (!tap_ok(db_open(base_url, DB_MODE_TARGET, &admin, &err) == 0,
		    "open the server as target %s", err.msg))
		return tap_done();
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS `%s`", dbname);
	must(admin, sql);
	snprintf(sql, sizeof(sql), "CREATE DATABASE `%s` CHARACTER SET utf8mb4", dbname);
	if (must(admin, sql) < 0)
		goto cleanup;
	url = db_url_for(dbname);
	if (!tap_ok(db_open(url, DB_MODE_TARGET, &conn, &err) == 0, "open target %s", err.msg))
		goto cleanup;
	for (size_t i = 0; i < ARRAY_SIZE(schema_sql); i++)
		if (must(conn, schema_sql[i]) < 0)
			goto cleanup;

	test_catalog(conn);
	test_catalog_all();
	test_source(url, conn);
	test_quoting(conn);
	test_errors();
	test_streaming(conn);
	test_copy(conn);
	test_chinook();

cleanup:
	db_close(conn);
	if (admin) {
		snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS `%s`", dbname);
		must(admin, sql);
		snprintf(sql, sizeof(sql), "DROP USER IF EXISTS '%s'@'127.0.0.1'", user);
		must(admin, sql);
		db_close(admin);
	}
	free(url);
	rmdir(tmpdir);
	return tap_done();
}
