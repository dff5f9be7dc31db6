/*
 * test_scan.c - the scanner on generated fixtures, on SQLite (always) and
 * on PostgreSQL and MariaDB (the test servers): PII columns found, traps
 * not flagged (product names, SHA-256 hex, version strings, timestamps,
 * status enums, a support phone in a settings table, `passenger`), bad
 * input handled with a note (invalid UTF-8, a 10 MB value, binary
 * columns, NULL-only and empty tables, no primary key, views, a statement
 * timeout), customer names matched, and a canary check: planted values
 * must not appear in the workspace file or any output.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/db.h"
#include "core/workspace.h"
#include "scanner/scanner.h"
#include "tests/lib/tap.h"

#define ROWS 300

/* Canaries: unique values planted in the fixtures. */
static const char *const canaries[] = {
	"qzcanary.vexmoor@mbtcanary.io",
	"Qzcanary Vexmoor",
	"4000056655665556",
	"+44 20 7946 0321",
	"DE44500105175407324931",
	"Vexmoorcanary Holdings",
};

static unsigned rng = 12345;
static unsigned next_rand(void)
{
	rng = rng * 1103515245u + 12345u;
	return (rng >> 8) & 0xffffff;
}

static const char *const firsts[] = { "James", "Mary", "Ahmed", "Ingrid", "Chen", "Lucía",
	"Olu", "Priya", "Tomasz", "Aiko", "Sven", "Fatima" };
static const char *const lasts[] = { "Smith", "García", "Müller", "Nakamura", "Okafor",
	"Kowalski", "Dubois", "Rossi", "Larsen", "Haddad", "Silva", "Nguyen" };
static const char *const products[] = { "Widget", "Gadget Pro", "Blue Mug", "Desk Lamp",
	"USB Cable", "Notebook A5", "Coffee Beans", "Phone Case", "Tea Pot", "Chair" };
static const char *const statuses[] = { "ACTIVE", "PENDING", "CLOSED", "SUSPENDED" };
static const char *const companies[] = { "Acme Widgets Inc.", "Société Générale",
	"Globex Corporation", "Initech GmbH", "Umbrella Pharma Ltd", "Vexmoorcanary Holdings" };

/* A Luhn-valid 16-digit Visa number from a seed. */
static void make_card(char *out, unsigned seed)
{
	int d[16] = { 4 };
	for (int i = 1; i < 15; i++)
		d[i] = (int)((seed >> (i % 20)) + (unsigned)i * 7 + next_rand()) % 10;
	int sum = 0;
	for (int i = 0; i < 15; i++) {
		int v = d[14 - i];
		if (i % 2 == 0) {
			v *= 2;
			if (v > 9)
				v -= 9;
		}
		sum += v;
	}
	d[15] = (10 - sum % 10) % 10;
	for (int i = 0; i < 16; i++)
		out[i] = (char)('0' + d[i]);
	out[16] = 0;
}

struct fx {
	struct db_conn *conn;
	enum db_engine engine;
	struct strbuf sql;
	bool failed;
};

static void fx_exec(struct fx *f, const char *sql)
{
	struct mb_err err = MB_ERR_INIT;
	if (db_exec(f->conn, sql, &err)) {
		tap_diag("fixture statement failed: %s", err.msg);
		f->failed = true;
	}
}

static void lit(struct fx *f, const char *s)
{
	if (!s)
		strbuf_addstr(&f->sql, "NULL");
	else
		db_quote_literal(f->conn, &f->sql, s, strlen(s));
}

static const char *text_type(struct fx *f)
{
	return f->engine == DB_ENGINE_MYSQL ? "VARCHAR(255)" : "TEXT";
}

static void create_fixtures(struct fx *f, bool with_timeout_view)
{
	const char *bin = f->engine == DB_ENGINE_PG ? "BYTEA" : "BLOB";
	const char *big = f->engine == DB_ENGINE_MYSQL ? "LONGTEXT" : "TEXT";
	const char *tt = text_type(f);
	char buf[256], card[20];

	strbuf_reset(&f->sql);
	strbuf_addf(&f->sql, "CREATE TABLE customers(id INTEGER PRIMARY KEY, first_name %s,"
		    " last_name %s, email %s, phone %s, tax_ref %s, card_no %s, birth_date DATE,"
		    " created_at TIMESTAMP NULL, status %s, notes %s)",
		    tt, tt, tt, tt, tt, tt, tt, big);
	fx_exec(f, f->sql.buf);
	for (int i = 1; i <= ROWS; i++) {
		const char *fn = firsts[next_rand() % ARRAY_SIZE(firsts)];
		const char *ln = lasts[next_rand() % ARRAY_SIZE(lasts)];
		strbuf_reset(&f->sql);
		strbuf_addf(&f->sql, "INSERT INTO customers VALUES(%d, ", i);
		lit(f, i == 7 ? "Qzcanary" : fn);
		strbuf_addstr(&f->sql, ", ");
		lit(f, i == 7 ? "Vexmoor" : ln);
		strbuf_addstr(&f->sql, ", ");
		snprintf(buf, sizeof(buf), "%c%s.%u@%s", fn[0], "user", next_rand() % 100000,
			 i % 3 ? "mail.com" : "corp.co.uk");
		lit(f, i == 7 ? canaries[0] : buf);
		strbuf_addstr(&f->sql, ", ");
		snprintf(buf, sizeof(buf), "+1 (%03u) %03u-%04u", 200 + next_rand() % 700,
			 200 + next_rand() % 700, next_rand() % 10000);
		lit(f, i == 7 ? canaries[3] : buf);
		strbuf_addstr(&f->sql, ", ");
		snprintf(buf, sizeof(buf), "%03u-%02u-%04u", 100 + next_rand() % 500,
			 10 + next_rand() % 89, 1000 + next_rand() % 8999);
		lit(f, buf);
		strbuf_addstr(&f->sql, ", ");
		make_card(card, (unsigned)i);
		lit(f, i == 7 ? canaries[2] : card);
		strbuf_addstr(&f->sql, ", ");
		snprintf(buf, sizeof(buf), "%04u-%02u-%02u", 1940 + next_rand() % 60,
			 1 + next_rand() % 12, 1 + next_rand() % 28);
		lit(f, buf);
		strbuf_addstr(&f->sql, ", ");
		snprintf(buf, sizeof(buf), "2024-%02u-%02u %02u:%02u:00", 1 + next_rand() % 12,
			 1 + next_rand() % 28, next_rand() % 24, next_rand() % 60);
		lit(f, buf);
		strbuf_addstr(&f->sql, ", ");
		lit(f, statuses[next_rand() % ARRAY_SIZE(statuses)]);
		strbuf_addstr(&f->sql, ", ");
		if (i % 4 == 0)
			snprintf(buf, sizeof(buf), "Customer called about the invoice, asked us to"
				 " reach them at %c.%s%u@example-mail.net or on +49 30 %07u later",
				 fn[0], "x", next_rand() % 1000, next_rand() % 10000000);
		else if (i == 7)
			snprintf(buf, sizeof(buf), "Wire from %s, IBAN %s, confirmed by phone",
				 canaries[1], canaries[4]);
		else
			snprintf(buf, sizeof(buf), "Delivery went fine, the parcel arrived on time"
				 " and the box was undamaged (ticket %u)", next_rand() % 100000);
		lit(f, buf);
		strbuf_addstr(&f->sql, ")");
		fx_exec(f, f->sql.buf);
	}

	/* Traps. */
	strbuf_reset(&f->sql);
	strbuf_addf(&f->sql, "CREATE TABLE products(id INTEGER PRIMARY KEY, name %s, sku %s,"
		    " checksum %s, version %s, passenger_count INTEGER, price NUMERIC(10,2))",
		    tt, tt, tt, tt);
	fx_exec(f, f->sql.buf);
	for (int i = 1; i <= ROWS; i++) {
		strbuf_reset(&f->sql);
		strbuf_addf(&f->sql, "INSERT INTO products VALUES(%d, ", i);
		snprintf(buf, sizeof(buf), "%s %u", products[next_rand() % ARRAY_SIZE(products)],
			 next_rand() % 100);
		lit(f, buf);
		strbuf_addstr(&f->sql, ", ");
		snprintf(buf, sizeof(buf), "SKU-%06u", next_rand() % 1000000);
		lit(f, buf);
		strbuf_addstr(&f->sql, ", ");
		char hex[65];
		for (int k = 0; k < 64; k++)
			hex[k] = "0123456789abcdef"[next_rand() % 16];
		hex[64] = 0;
		lit(f, hex);
		strbuf_addstr(&f->sql, ", ");
		snprintf(buf, sizeof(buf), "%u.%u.%u.%u", next_rand() % 5, next_rand() % 20,
			 next_rand() % 50, next_rand() % 200);
		lit(f, buf);
		strbuf_addf(&f->sql, ", %u, %u.%02u)", next_rand() % 300, next_rand() % 500,
			    next_rand() % 100);
		fx_exec(f, f->sql.buf);
	}
	strbuf_reset(&f->sql);
	strbuf_addf(&f->sql, "CREATE TABLE settings(skey %s, value %s)", tt, tt);
	fx_exec(f, f->sql.buf);
	static const char *const settings[][2] = {
		{ "theme", "dark" }, { "support_phone", "+1 800 555 0199" },
		{ "currency", "EUR" }, { "page_size", "50" }, { "locale", "en_GB" },
		{ "timezone", "Europe/Paris" }, { "retention_days", "365" },
		{ "feature_x", "on" }, { "max_upload_mb", "25" }, { "banner", "Welcome!" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(settings); i++) {
		strbuf_reset(&f->sql);
		strbuf_addstr(&f->sql, "INSERT INTO settings VALUES(");
		lit(f, settings[i][0]);
		strbuf_addstr(&f->sql, ", ");
		lit(f, settings[i][1]);
		strbuf_addstr(&f->sql, ")");
		fx_exec(f, f->sql.buf);
	}

	/* Customer names in a column with a name no rule knows. */
	strbuf_reset(&f->sql);
	strbuf_addf(&f->sql, "CREATE TABLE ledger(id INTEGER PRIMARY KEY, label %s)", tt);
	fx_exec(f, f->sql.buf);
	for (int i = 1; i <= 120; i++) {
		strbuf_reset(&f->sql);
		strbuf_addf(&f->sql, "INSERT INTO ledger VALUES(%d, ", i);
		lit(f, companies[i % ARRAY_SIZE(companies)]);
		strbuf_addstr(&f->sql, ")");
		fx_exec(f, f->sql.buf);
	}

	/* Bad input. */
	strbuf_reset(&f->sql);
	strbuf_addf(&f->sql, "CREATE TABLE blobs(id INTEGER PRIMARY KEY, data %s, doc %s)",
		    bin, big);
	fx_exec(f, f->sql.buf);
	{
		size_t n = 10 * 1024 * 1024;
		char *v = xmalloc(n + 1);
		for (size_t i = 0; i < n; i++)
			v[i] = "lorem ipsum dolor "[i % 18];
		v[n] = 0;
		strbuf_reset(&f->sql);
		strbuf_addstr(&f->sql, "INSERT INTO blobs VALUES(1, NULL, ");
		lit(f, v);
		strbuf_addstr(&f->sql, ")");
		fx_exec(f, f->sql.buf);
		free(v);
		if (f->engine == DB_ENGINE_PG)
			fx_exec(f, "INSERT INTO blobs VALUES(2, '\\x00ff10'::bytea, 'short')");
		else
			fx_exec(f, "INSERT INTO blobs VALUES(2, X'00FF10', 'short')");
	}
	fx_exec(f, "CREATE TABLE empty_one(id INTEGER PRIMARY KEY, email VARCHAR(100))");
	fx_exec(f, "CREATE TABLE nulls_only(phone VARCHAR(40), note VARCHAR(40))");
	fx_exec(f, "INSERT INTO nulls_only VALUES(NULL, NULL)");
	fx_exec(f, "INSERT INTO nulls_only VALUES(NULL, NULL)");
	fx_exec(f, "CREATE VIEW customer_emails AS SELECT id, email FROM customers");
	if (f->engine == DB_ENGINE_SQLITE) {
		/* Invalid UTF-8 can only be stored in SQLite. */
		fx_exec(f, "CREATE TABLE raw_bytes(id INTEGER PRIMARY KEY, txt TEXT)");
		fx_exec(f, "INSERT INTO raw_bytes VALUES(1, CAST(X'41FF42FE43' AS TEXT))");
		fx_exec(f, "INSERT INTO raw_bytes VALUES(2, 'plain')");
	}
	if (with_timeout_view) {
		if (f->engine == DB_ENGINE_PG)
			fx_exec(f, "CREATE VIEW zz_slow AS SELECT x, pg_sleep(0.3)::text AS s"
				   " FROM generate_series(1, 40) x");
		else if (f->engine == DB_ENGINE_SQLITE)
			fx_exec(f, "CREATE VIEW zz_slow AS WITH RECURSIVE c(x) AS (SELECT 1"
				   " UNION ALL SELECT x + 1 FROM c) SELECT x FROM c WHERE x < 0");
		else
			fx_exec(f, "CREATE VIEW zz_slow AS SELECT SLEEP(0.3) AS x FROM customers");
		/* A table after the slow one proves the scan goes on. */
		fx_exec(f, "CREATE TABLE zz_after(id INTEGER PRIMARY KEY, email VARCHAR(100))");
		fx_exec(f, "INSERT INTO zz_after VALUES(1, 'a.b@corp.io')");
	}
}

static const struct scan_finding *find(const struct scan_result *r, const char *table,
				       const char *col, int rank)
{
	for (size_t i = 0; i < r->nfindings; i++) {
		const struct scan_finding *f = &r->findings[i];
		if (str_ieq(f->table, table) && str_ieq(f->column, col) && f->rank == rank)
			return f;
	}
	return NULL;
}

static bool flagged_as(const struct scan_result *r, const char *t, const char *c,
		       const char *cat)
{
	const struct scan_finding *f = find(r, t, c, 1);
	return f && f->confidence >= SCAN_FLAG_THRESHOLD && !strcmp(f->category, cat);
}

static bool not_flagged(const struct scan_result *r, const char *t, const char *c)
{
	const struct scan_finding *f = find(r, t, c, 1);
	if (f && f->confidence >= SCAN_FLAG_THRESHOLD)
		tap_diag("%s.%s flagged as %s (%.2f)", t, c, f->category, f->confidence);
	return !f || f->confidence < SCAN_FLAG_THRESHOLD;
}

static bool note_has(const struct scan_result *r, const char *t, const char *c,
		     const char *needle)
{
	for (size_t i = 0; i < r->nfindings; i++) {
		const struct scan_finding *f = &r->findings[i];
		if (str_ieq(f->table, t) && str_ieq(f->column, c) && f->note &&
		    strstr(f->note, needle))
			return true;
	}
	return false;
}

static bool buffer_has(const char *buf, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	for (size_t i = 0; i + n <= len; i++)
		if (!memcmp(buf + i, needle, n))
			return true;
	return false;
}

static bool file_has(const char *path, const char *needle)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return false;
	struct strbuf sb = STRBUF_INIT;
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		strbuf_add(&sb, chunk, n);
	fclose(fp);
	bool hit = buffer_has(sb.buf, sb.len, needle);
	strbuf_release(&sb);
	return hit;
}

static void check_scan(const char *label, const char *addr, enum db_engine engine,
		       bool timeout)
{
	struct mb_err err = MB_ERR_INIT;
	struct db_conn *conn = NULL;
	struct catalog cat;
	struct scan_result res;
	struct scan_options opt = { 0 };
	char wsdir[] = "/tmp/mbt_scan_wsXXXXXX";
	char *wspath = NULL, *custpath = NULL;
	struct workspace *ws = NULL;
	struct strbuf out = STRBUF_INIT;

	catalog_init(&cat, DB_ENGINE_NONE);
	scan_result_init(&res);
	if (!mkdtemp(wsdir)) {
		tap_ok(0, "%s: temp dir", label);
		return;
	}
	wspath = xasprintf("%s/ws.db", wsdir);
	custpath = xasprintf("%s/customers.txt", wsdir);
	FILE *cf = fopen(custpath, "w");
	fputs("# customers\nACME WIDGETS\nSOCIETE GENERALE S.A.\nGlobex Corp\n"
	      "Vexmoorcanary Holdings\nApple\n", cf);
	fclose(cf);

	opt.sample = 1000;
	opt.timeout_ms = timeout ? 1000 : 0;
	opt.source = addr;
	opt.customers_file = custpath;
	if (db_open(addr, DB_MODE_SOURCE, &conn, &err) || db_read_catalog(conn, &cat, &err)) {
		tap_ok(0, "%s: open and read catalog: %s", label, err.msg);
		goto done;
	}
	ws = ws_open(wspath, &err);
	int64_t source_id = 0;
	if (!ws || ws_source_upsert(ws, &conn->url, &source_id, &err) ||
	    ws_catalog_save(ws, source_id, &cat, NULL, &err)) {
		tap_ok(0, "%s: workspace: %s", label, err.msg);
		goto done;
	}
	double t0 = now_monotonic();
	int rc = scan_run(ws, source_id, &conn, &cat, &opt, &res, &err);
	tap_ok(rc == 0, "%s: scan runs (%.2fs)%s%s", label, now_monotonic() - t0,
	       rc ? ": " : "", rc ? err.msg : "");
	if (rc)
		goto done;

	tap_ok(flagged_as(&res, "customers", "email", "email"), "%s: email column", label);
	tap_ok(flagged_as(&res, "customers", "phone", "phone"), "%s: phone column", label);
	tap_ok(flagged_as(&res, "customers", "first_name", "first_name"), "%s: first_name", label);
	tap_ok(flagged_as(&res, "customers", "last_name", "last_name"), "%s: last_name", label);
	tap_ok(flagged_as(&res, "customers", "tax_ref", "national_id"),
	       "%s: dashed SSNs found by value in 'tax_ref'", label);
	tap_ok(flagged_as(&res, "customers", "card_no", "credit_card"), "%s: card numbers", label);
	tap_ok(flagged_as(&res, "customers", "birth_date", "birth_date"), "%s: birth_date", label);
	tap_ok(flagged_as(&res, "customers", "notes", "free_text_pii"),
	       "%s: PII inside free text", label);
	tap_ok(flagged_as(&res, "customer_emails", "email", "email"), "%s: view scanned", label);
	tap_ok(flagged_as(&res, "ledger", "label", "company_name"),
	       "%s: customer names matched in 'ledger.label'", label);
	const struct scan_finding *lf = find(&res, "ledger", "label", 1);
	tap_ok(lf && strstr(lf->methods, "customer"), "%s: method 'customer'", label);
	/* traps */
	tap_ok(not_flagged(&res, "products", "name"), "%s: product names are not people", label);
	tap_ok(not_flagged(&res, "products", "checksum"), "%s: SHA-256 hex is not a secret", label);
	tap_ok(not_flagged(&res, "products", "version"), "%s: versions are not IPs", label);
	tap_ok(not_flagged(&res, "products", "passenger_count"), "%s: passenger is not a password",
	       label);
	tap_ok(not_flagged(&res, "products", "sku"), "%s: SKUs", label);
	tap_ok(not_flagged(&res, "customers", "created_at"), "%s: timestamps are not birth dates",
	       label);
	tap_ok(not_flagged(&res, "customers", "status"), "%s: status enums", label);
	tap_ok(not_flagged(&res, "settings", "value"), "%s: one support phone in settings", label);
	/* bad input */
	tap_ok(note_has(&res, "blobs", "data", "binary"), "%s: binary column noted", label);
	tap_ok(note_has(&res, "blobs", "doc", "truncated"), "%s: 10 MB value truncated", label);
	const struct scan_finding *ef = find(&res, "empty_one", "email", 1);
	const struct scan_finding *nf = find(&res, "nulls_only", "phone", 1);
	tap_ok(ef && nf && ef->sampled == 0 && nf->sampled == 0 && !strcmp(nf->methods, "name") &&
	       not_flagged(&res, "nulls_only", "note"),
	       "%s: empty and NULL-only tables: name rules only", label);
	if (engine == DB_ENGINE_SQLITE)
		tap_ok(note_has(&res, "raw_bytes", "txt", "UTF-8"), "%s: invalid UTF-8 noted", label);
	if (timeout) {
		tap_ok(note_has(&res, "zz_slow", "x", "timeout"), "%s: statement timeout noted",
		       label);
		tap_ok(flagged_as(&res, "zz_after", "email", "email"),
		       "%s: the scan goes on after a timeout", label);
	}
	tap_ok(res.customers == 5, "%s: 5 customer names counted", label);

	/* Reload what was stored. */
	struct scan_result back;
	bool found = false;
	scan_result_init(&back);
	tap_ok(scan_load_latest(ws, source_id, &back, &found, &err) == 0 && found &&
	       back.nfindings == res.nfindings && back.scan_id == res.scan_id,
	       "%s: findings stored and reloaded", label);
	scan_result_release(&back);

	/* Outputs and the workspace must not hold any planted value. */
	scan_result_to_tsv(&res, &out);
	tap_ok(str_starts_with(out.buf, "schema\ttable\tcolumn\tcategory\tconfidence\tmethod"
				       "\tmatched\tsampled\n"), "%s: TSV header", label);
	scan_result_to_json(&res, &out);
	scan_result_to_table(&res, &out);
	ws_close(ws);
	ws = NULL;
	bool clean = true;
	for (size_t i = 0; i < ARRAY_SIZE(canaries); i++) {
		char *wal = xasprintf("%s-wal", wspath);
		if (buffer_has(out.buf, out.len, canaries[i]) || file_has(wspath, canaries[i]) ||
		    file_has(wal, canaries[i])) {
			tap_diag("canary %zu leaked", i);
			clean = false;
		}
		free(wal);
	}
	tap_ok(clean, "%s: no canary value in the workspace or any output", label);
	tap_ok(file_has(wspath, "card"), "%s: (the canary check reads the file)", label);
done:
	strbuf_release(&out);
	ws_close(ws);
	scan_result_release(&res);
	catalog_release(&cat);
	db_close(conn);
	unlink(custpath);
	char *p = xasprintf("%s-wal", wspath);
	unlink(p);
	free(p);
	p = xasprintf("%s-shm", wspath);
	unlink(p);
	free(p);
	p = xasprintf("%s-journal", wspath);
	unlink(p);
	free(p);
	unlink(wspath);
	rmdir(wsdir);
	free(wspath);
	free(custpath);
}

static void run_sqlite(void)
{
	char path[] = "/tmp/mbt_scan_sqXXXXXX";
	int fd = mkstemp(path);
	close(fd);
	unlink(path);
	char *file = xasprintf("%s.db", path);
	struct mb_err err = MB_ERR_INIT;
	struct fx f = { NULL, DB_ENGINE_SQLITE, STRBUF_INIT, false };
	if (db_open(file, DB_MODE_TARGET, &f.conn, &err)) {
		tap_ok(0, "sqlite: create fixture: %s", err.msg);
		free(file);
		return;
	}
	fx_exec(&f, "BEGIN");
	create_fixtures(&f, true);
	fx_exec(&f, "COMMIT");
	db_close(f.conn);
	strbuf_release(&f.sql);
	tap_ok(!f.failed, "sqlite: fixtures created");
	check_scan("sqlite", file, DB_ENGINE_SQLITE, true);
	unlink(file);
	free(file);
}

static void run_server(const char *label, const char *var, enum db_engine engine)
{
	const char *base = getenv(var);
	if (!base || !*base) {
		const char *ci = getenv("CI");
		if (ci && *ci && strcmp(ci, "false"))
			tap_ok(0, "%s: %s is not set: the test server is missing", label, var);
		else
			tap_diag("%s: skipped (%s not set)", label, var);
		return;
	}
	char db[64];
	snprintf(db, sizeof(db), "mbt_scan_%ld", (long)getpid());
	struct mb_err err = MB_ERR_INIT;
	struct db_conn *admin = NULL;
	char *admin_url = xasprintf(engine == DB_ENGINE_PG ? "%s/postgres" : "%s", base);
	char *url = xasprintf("%s/%s", base, db);
	char *sql;
	if (db_open(admin_url, DB_MODE_TARGET, &admin, &err)) {
		tap_ok(0, "%s: connect: %s", label, err.msg);
		goto done;
	}
	sql = xasprintf(engine == DB_ENGINE_PG ? "CREATE DATABASE %s"
					       : "CREATE DATABASE %s CHARACTER SET utf8mb4", db);
	if (db_exec(admin, sql, &err)) {
		tap_ok(0, "%s: create database: %s", label, err.msg);
		free(sql);
		goto done;
	}
	free(sql);
	struct fx f = { NULL, engine, STRBUF_INIT, false };
	if (db_open(url, DB_MODE_TARGET, &f.conn, &err)) {
		tap_ok(0, "%s: open fixture database: %s", label, err.msg);
	} else {
		create_fixtures(&f, true);
		if (engine == DB_ENGINE_PG)
			fx_exec(&f, "ANALYZE");
		db_close(f.conn);
		tap_ok(!f.failed, "%s: fixtures created", label);
		check_scan(label, url, engine, true);
	}
	strbuf_release(&f.sql);
	sql = xasprintf("DROP DATABASE IF EXISTS %s", db);
	db_exec(admin, sql, &err);
	free(sql);
done:
	db_close(admin);
	free(admin_url);
	free(url);
}

int main(void)
{
	run_sqlite();
	run_server("postgresql", "MB_PG_URL", DB_ENGINE_PG);
	run_server("mariadb", "MB_MYSQL_URL", DB_ENGINE_MYSQL);
	return tap_done();
}
