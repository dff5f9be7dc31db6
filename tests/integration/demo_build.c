/*
 * demo_build.c - builds the demo database twice and checks what the brief
 * promises: the tables, row counts (> 10,000 in the largest), declared
 * foreign keys that all resolve, valid cards / IBANs / SSNs, free text that
 * mentions people and companies, customers.txt matching the companies, and
 * identical content on every build. Also the error paths of demo_build()
 * and the rules of demo_default_path().
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include <sqlite3.h>

#include "core/strbuf.h"
#include "core/util.h"
#include "share/demo/demo_gen.h"
#include "tests/lib/tap.h"

static const char *const expected_tables[] = {
	"audit_log", "companies", "countries", "customers", "employees",
	"order_items", "orders", "payments", "products", "returns", "settings",
	"support_tickets",
};

static sqlite3 *open_ro(const char *path)
{
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		tap_diag("cannot open %s: %s", path, db ? sqlite3_errmsg(db) : "?");
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

/* First column of the first row as an integer; -1 on error. */
static int64_t query_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else
		tap_diag("query failed: %s: %s", sql, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return v;
}

/* Calls fn on the text of every non-NULL value of the first column. */
static int each_value(sqlite3 *db, const char *sql, bool (*fn)(const char *),
		      int64_t *bad, int64_t *total)
{
	sqlite3_stmt *st = NULL;
	int rc;
	*bad = *total = 0;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);
		if (!v)
			continue;
		(*total)++;
		if (!fn(v))
			(*bad)++;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static bool luhn_ok(const char *s)
{
	int sum = 0, n = 0;
	size_t len = strlen(s);
	for (size_t i = len; i-- > 0;) {
		if (s[i] == ' ' || s[i] == '-')
			continue;
		if (s[i] < '0' || s[i] > '9')
			return false;
		int d = s[i] - '0';
		if (n++ % 2) {
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
	}
	return (n == 15 || n == 16) && sum % 10 == 0;
}

static bool iban_ok(const char *s)
{
	char compact[64];
	size_t n = 0;
	unsigned mod = 0;
	for (; *s; s++) {
		if (*s == ' ')
			continue;
		if (n + 1 >= sizeof(compact))
			return false;
		compact[n++] = *s;
	}
	compact[n] = '\0';
	if (n < 15)
		return false;
	for (size_t k = 0; k < n; k++) {
		char c = compact[(k + 4) % n];
		if (c >= '0' && c <= '9')
			mod = (mod * 10 + (unsigned)(c - '0')) % 97;
		else if (c >= 'A' && c <= 'Z')
			mod = (mod * 100 + (unsigned)(c - 'A' + 10)) % 97;
		else
			return false;
	}
	return mod == 1;
}

static bool ssn_ok(const char *s)
{
	int area, group, serial;
	char tail;
	if (strlen(s) != 11 || sscanf(s, "%3d-%2d-%4d%c", &area, &group, &serial, &tail) != 3)
		return false;
	return area > 0 && area != 666 && area < 900 && group > 0 && serial > 0;
}

static bool email_ok(const char *s)
{
	const char *at = strchr(s, '@');
	return at && at > s && strchr(at, '.') && !strchr(at + 1, '@');
}

static bool bcrypt_ok(const char *s)
{
	return strlen(s) == 60 && (str_starts_with(s, "$2b$12$") || str_starts_with(s, "$2a$10$"));
}

/* FNV-1a over the schema and every row of every table, in rowid order. */
static uint64_t content_hash(const char *path)
{
	sqlite3 *db = open_ro(path);
	uint64_t h = 0xcbf29ce484222325ULL;
	if (!db)
		return 0;
	for (size_t t = 0; t < ARRAY_SIZE(expected_tables); t++) {
		char *sql = xasprintf("SELECT * FROM \"%s\" ORDER BY rowid", expected_tables[t]);
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
			free(sql);
			h = 0;
			break;
		}
		while (sqlite3_step(st) == SQLITE_ROW) {
			for (int c = 0; c < sqlite3_column_count(st); c++) {
				const unsigned char *v = sqlite3_column_text(st, c);
				int len = sqlite3_column_bytes(st, c);
				for (int k = 0; v && k < len; k++)
					h = (h ^ v[k]) * 0x100000001b3ULL;
				h = (h ^ (v ? 0x1f : 0x00)) * 0x100000001b3ULL;
			}
		}
		sqlite3_finalize(st);
		free(sql);
	}
	sqlite3_close(db);
	return h;
}

/* Number of entries in dir other than . and .. */
static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;
	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void check_column(sqlite3 *db, const char *sql, bool (*fn)(const char *),
			 int64_t min_total, const char *name)
{
	int64_t bad = 0, total = 0;
	int rc = each_value(db, sql, fn, &bad, &total);
	tap_ok(rc == 0 && total >= min_total && bad == 0, "%s (%lld of %lld)", name,
	       (long long)(total - bad), (long long)total);
}

static void check_tables(sqlite3 *db)
{
	int64_t largest = 0;
	const char *largest_name = "";
	bool all_present = true, none_empty = true;

	for (size_t t = 0; t < ARRAY_SIZE(expected_tables); t++) {
		char *sql = xasprintf("SELECT count(*) FROM sqlite_master WHERE type = 'table'"
				      " AND name = '%s'", expected_tables[t]);
		if (query_int(db, sql) != 1) {
			all_present = false;
			tap_diag("missing table %s", expected_tables[t]);
		}
		free(sql);
		sql = xasprintf("SELECT count(*) FROM \"%s\"", expected_tables[t]);
		int64_t n = query_int(db, sql);
		free(sql);
		if (n <= 0) {
			none_empty = false;
			tap_diag("table %s is empty", expected_tables[t]);
		}
		if (n > largest) {
			largest = n;
			largest_name = expected_tables[t];
		}
	}
	tap_ok(all_present, "every expected table exists");
	tap_ok(query_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
			 " AND name NOT LIKE 'sqlite_%'") == (int64_t)ARRAY_SIZE(expected_tables),
	       "no unexpected tables");
	tap_ok(none_empty, "no table is empty");
	tap_ok(largest >= 10000, "largest table %s has %lld rows (>= 10,000)", largest_name,
	       (long long)largest);
	tap_ok(!strcmp(largest_name, "order_items"), "order_items is the largest table");
	tap_ok(query_int(db, "SELECT count(*) FROM customers") >= 1000, "at least 1,000 customers");
}

static void check_keys(sqlite3 *db)
{
	tap_ok(query_int(db, "SELECT count(*) FROM pragma_foreign_key_check") == 0,
	       "PRAGMA foreign_key_check is empty");
	tap_ok(query_int(db, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check <> 'ok'") == 0,
	       "PRAGMA integrity_check is ok");
	tap_ok(query_int(db, "SELECT count(*) FROM pragma_foreign_key_list('employees')"
			 " WHERE \"table\" = 'employees' AND \"from\" = 'manager_id'") == 1,
	       "employees.manager_id is a self-referencing foreign key");
	tap_ok(query_int(db, "SELECT count(*) FROM pragma_foreign_key_list('returns')"
			 " WHERE \"table\" = 'order_items'") == 2,
	       "returns has a composite foreign key to order_items");
	tap_ok(query_int(db, "SELECT count(*) FROM employees WHERE manager_id IS NULL") == 1 &&
	       query_int(db, "SELECT count(*) FROM employees e JOIN employees m"
			 " ON e.manager_id = m.id WHERE m.manager_id IS NOT NULL") > 0,
	       "one top manager and a hierarchy at least three levels deep");
	int64_t fks = 0;
	for (size_t t = 0; t < ARRAY_SIZE(expected_tables); t++) {
		char *sql = xasprintf("SELECT count(*) FROM pragma_foreign_key_list('%s')",
				      expected_tables[t]);
		fks += query_int(db, sql);
		free(sql);
	}
	tap_ok(fks >= 15, "%lld foreign key columns declared", (long long)fks);
	tap_ok(query_int(db, "PRAGMA user_version") == DEMO_VERSION, "user_version is DEMO_VERSION");
}

static void check_values(sqlite3 *db)
{
	check_column(db, "SELECT card_number FROM customers", luhn_ok, 1000,
		     "customers.card_number passes Luhn");
	check_column(db, "SELECT card_number FROM payments", luhn_ok, 1000,
		     "payments.card_number passes Luhn");
	tap_ok(query_int(db, "SELECT count(*) FROM customers WHERE card_number LIKE '% %'") > 0 &&
	       query_int(db, "SELECT count(*) FROM customers WHERE card_number GLOB '[0-9]*'"
			 " AND card_number NOT LIKE '% %' AND card_number NOT LIKE '%-%'") > 0,
	       "card numbers come in several layouts");
	check_column(db, "SELECT iban FROM customers", iban_ok, 300,
		     "customers.iban has valid check digits");
	check_column(db, "SELECT payer_iban FROM payments", iban_ok, 100,
		     "payments.payer_iban has valid check digits");
	tap_ok(query_int(db, "SELECT count(*) FROM customers c JOIN countries k"
			 " ON k.code = c.country_code WHERE c.iban IS NOT NULL AND"
			 " (k.iban_length IS NULL OR length(replace(c.iban, ' ', '')) <> k.iban_length"
			 "  OR substr(c.iban, 1, 2) <> c.country_code)") == 0,
	       "every IBAN has its country's code and length");
	check_column(db, "SELECT ssn FROM customers", ssn_ok, 100,
		     "customers.ssn follows the SSA rules");
	check_column(db, "SELECT email FROM customers", email_ok, 1000,
		     "customers.email is well formed");
	tap_ok(query_int(db, "SELECT count(DISTINCT lower(email)) FROM customers") ==
	       query_int(db, "SELECT count(*) FROM customers"),
	       "customer emails are unique ignoring case");
	check_column(db, "SELECT password_hash FROM customers", bcrypt_ok, 1000,
		     "customers.password_hash is bcrypt-shaped");
	tap_ok(query_int(db, "SELECT count(DISTINCT substr(phone, 1, 3)) FROM customers") >= 10 &&
	       query_int(db, "SELECT count(*) FROM customers WHERE phone LIKE '(%'") > 0 &&
	       query_int(db, "SELECT count(*) FROM customers WHERE phone LIKE '+%'") > 0,
	       "phones come in several formats");
	tap_ok(query_int(db, "SELECT count(*) FROM customers WHERE birth_date IS NOT NULL AND"
			 " (date(birth_date) IS NULL OR date(birth_date) <> birth_date"
			 "  OR birth_date < '1900-01-01' OR birth_date > '2010-01-01')") == 0 &&
	       query_int(db, "SELECT count(*) FROM customers WHERE birth_date IS NOT NULL") > 1000,
	       "birth dates are valid, plausible dates");
	tap_ok(query_int(db, "SELECT count(*) FROM customers WHERE last_login_ip LIKE '%.%.%.%'") > 0 &&
	       query_int(db, "SELECT count(*) FROM customers WHERE last_login_ip LIKE '%:%'") > 0,
	       "last_login_ip holds IPv4 and IPv6 addresses");
	tap_ok(query_int(db, "SELECT count(*) FROM customers WHERE"
			 " length(first_name) <> length(CAST(first_name AS BLOB))") > 0 &&
	       query_int(db, "SELECT count(*) FROM customers WHERE"
			 " length(last_name) <> length(CAST(last_name AS BLOB))") > 0,
	       "names include non-ASCII letters");
	tap_ok(query_int(db, "SELECT count(*) FROM customers c WHERE EXISTS (SELECT 1 FROM companies k"
			 " WHERE instr(c.notes, k.name) > 0)") > 100,
	       "customer notes mention customer companies");
	tap_ok(query_int(db, "SELECT count(*) FROM customers c WHERE notes LIKE '%@%'") > 0 &&
	       query_int(db, "SELECT count(*) FROM customers WHERE notes LIKE '%' || char(10) || '%'") > 0 &&
	       query_int(db, "SELECT count(*) FROM customers WHERE notes = ''") > 0,
	       "notes include emails, multi-line text and empty strings");
	tap_ok(query_int(db, "SELECT count(*) FROM support_tickets t JOIN customers c ON c.id = t.customer_id"
			 " WHERE instr(t.body, c.email) > 0") > 50 &&
	       query_int(db, "SELECT count(*) FROM support_tickets t JOIN customers c ON c.id = t.customer_id"
			 " WHERE instr(t.body, c.first_name || ' ' || c.last_name) > 0") > 50 &&
	       query_int(db, "SELECT count(*) FROM support_tickets t JOIN customers c ON c.id = t.customer_id"
			 " WHERE c.phone IS NOT NULL AND instr(t.body, c.phone) > 0") > 20,
	       "ticket bodies mention the customer's name, email and phone");
	tap_ok(query_int(db, "SELECT count(*) FROM settings WHERE key = 'support_phone'"
			 " AND value LIKE '+44 %'") == 1,
	       "settings holds the shop's support phone (the trap)");
	tap_ok(query_int(db, "SELECT count(*) FROM orders o WHERE total_cents <>"
			 " (SELECT sum(quantity * unit_price_cents) FROM order_items i"
			 "  WHERE i.order_id = o.id)") == 0,
	       "order totals equal the sum of their items");
}

static void check_customers_file(sqlite3 *db)
{
	const char *srcdir = getenv("MB_SRCDIR");
	char *path = xasprintf("%s/share/demo/customers.txt", srcdir ? srcdir : ".");
	FILE *f = fopen(path, "r");
	sqlite3_stmt *st = NULL;
	const char *const *names = demo_company_names();
	char line[256];
	size_t n = 0;
	bool same = f != NULL;

	if (!f)
		tap_diag("cannot open %s: %s", path, strerror(errno));
	if (sqlite3_prepare_v2(db, "SELECT name FROM companies ORDER BY id", -1, &st, NULL) != SQLITE_OK)
		same = false;
	while (same && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (sqlite3_step(st) != SQLITE_ROW ||
		    strcmp(line, (const char *)sqlite3_column_text(st, 0)) ||
		    !names[n] || strcmp(line, names[n])) {
			tap_diag("customers.txt line %zu differs from the companies table", n + 1);
			same = false;
		}
		n++;
	}
	if (same && (sqlite3_step(st) != SQLITE_DONE || names[n]))
		same = false;
	tap_ok(same && n >= 50, "customers.txt lists the %zu company names of the demo", n);
	sqlite3_finalize(st);
	if (f)
		fclose(f);
	free(path);
}

static void check_default_path(void)
{
	char *saved_xdg = xstrdup(getenv("XDG_DATA_HOME"));
	char *saved_home = xstrdup(getenv("HOME"));
	char *p;

	setenv("XDG_DATA_HOME", "/xdg/data", 1);
	p = demo_default_path();
	tap_ok(p && !strcmp(p, "/xdg/data/maskbench/demo.db"), "default path under XDG_DATA_HOME");
	free(p);
	setenv("XDG_DATA_HOME", "relative/data", 1);
	setenv("HOME", "/home/someone", 1);
	p = demo_default_path();
	tap_ok(p && !strcmp(p, "/home/someone/.local/share/maskbench/demo.db"),
	       "a relative XDG_DATA_HOME is ignored");
	free(p);
	unsetenv("XDG_DATA_HOME");
	p = demo_default_path();
	tap_ok(p && !strcmp(p, "/home/someone/.local/share/maskbench/demo.db"),
	       "default path under HOME");
	free(p);
	if (saved_xdg)
		setenv("XDG_DATA_HOME", saved_xdg, 1);
	if (saved_home)
		setenv("HOME", saved_home, 1);
	else
		unsetenv("HOME");
	free(saved_xdg);
	free(saved_home);
}

int main(void)
{
	char tmpl[] = "/tmp/mbt_demo.XXXXXX";
	char *dir = mkdtemp(tmpl);
	struct mb_err err = MB_ERR_INIT;
	char *a = NULL, *b = NULL, *blocker = NULL, *bad = NULL, *adir = NULL;
	sqlite3 *db = NULL;

	if (!dir) {
		tap_ok(0, "mkdtemp: %s", strerror(errno));
		return tap_done();
	}
	adir = xasprintf("%s/one/two", dir);
	a = xasprintf("%s/demo.db", adir);
	b = xasprintf("%s/b.db", dir);

	double t0 = now_monotonic();
	int rc = demo_build(a, &err);
	double secs = now_monotonic() - t0;
	if (!tap_ok(rc == 0, "demo_build creates missing folders and the database"))
		tap_diag("%s", err.msg);
	tap_diag("build took %.3f s", secs);
	tap_ok(count_entries(adir) == 1, "no temporary file is left next to the demo");
	tap_ok(demo_is_current(a), "demo_is_current() on a fresh build");

	db = open_ro(a);
	if (db) {
		check_tables(db);
		check_keys(db);
		check_values(db);
		check_customers_file(db);
		sqlite3_close(db);
	} else {
		tap_ok(0, "open the demo database");
	}

	mb_err_clear(&err);
	tap_ok(demo_build(b, &err) == 0, "a second build");
	uint64_t ha = content_hash(a), hb = content_hash(b);
	tap_ok(ha != 0 && ha == hb, "two builds hold identical content (%016llx)",
	       (unsigned long long)ha);

	/* an existing file is replaced; a stale version is detected */
	if (sqlite3_open(b, &db) == SQLITE_OK)
		sqlite3_exec(db, "PRAGMA user_version = 0; DELETE FROM settings;", NULL, NULL, NULL);
	sqlite3_close(db);
	tap_ok(!demo_is_current(b), "demo_is_current() is false for another version");
	tap_ok(demo_build(b, &err) == 0 && demo_is_current(b) && content_hash(b) == ha,
	       "rebuilding replaces an existing file");
	tap_ok(!demo_is_current("/nonexistent/demo.db"), "demo_is_current() of a missing file");

	/* failure: the parent "folder" is a regular file */
	blocker = xasprintf("%s/blocker", dir);
	FILE *f = fopen(blocker, "w");
	if (f)
		fclose(f);
	bad = xasprintf("%s/demo.db", blocker);
	mb_err_clear(&err);
	rc = demo_build(bad, &err);
	tap_ok(rc == -1 && err.kind == MB_ERR_IO && strstr(err.msg, blocker),
	       "an impossible path fails with an IO error naming it");
	tap_diag("message: %s", err.msg);

	check_default_path();

	unlink(a);
	unlink(b);
	unlink(blocker);
	rmdir(adir);
	*strrchr(adir, '/') = '\0';
	rmdir(adir);
	tap_ok(rmdir(dir) == 0, "nothing else was left in the scratch folder");
	free(a);
	free(b);
	free(adir);
	free(blocker);
	free(bad);
	return tap_done();
}
