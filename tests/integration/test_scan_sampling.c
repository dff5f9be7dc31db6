/*
 * test_scan_sampling.c - MariaDB/MySQL sampling (research §3.3): a table
 * with an integer primary key and more rows than 10 times the sample is
 * read by primary-key range probes in one statement; tables without one
 * fall back to the RAND() filter; every table costs at most two
 * statements (counted in the MB_TRACE_SQL trace). Free-text columns get
 * SCAN_TEXT_SAMPLE_FACTOR times the sample. The sampled scan must find
 * the same category for every column as a --full scan of the same
 * fixture. Skips without MB_MYSQL_URL (fails in CI, like test_scan).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/db.h"
#include "scanner/scanner.h"
#include "tests/lib/tap.h"

#define SAMPLE 300

static bool exec_ok(struct db_conn *c, const char *sql)
{
	struct mb_err err = MB_ERR_INIT;
	if (db_exec(c, sql, &err)) {
		tap_diag("fixture statement failed: %s", err.msg);
		return false;
	}
	return true;
}

/* 20,000 rows from a digits table (no sequence engine, no recursion limit). */
static bool create_fixture(struct db_conn *c)
{
	static const char *const sql[] = {
		"CREATE TABLE d(i INT)",
		"INSERT INTO d VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)",
		"CREATE TABLE people(id INT PRIMARY KEY, email VARCHAR(80), phone VARCHAR(40),"
		" status VARCHAR(12), note TEXT)",
		"INSERT INTO people SELECT n, CONCAT('u', n, '@mail', n % 89, '.com'),"
		" CONCAT('+1 (415) 555-', LPAD(n % 10000, 4, '0')),"
		" ELT(1 + n % 3, 'ACTIVE', 'PENDING', 'CLOSED'),"
		" IF(n % 40 = 0, CONCAT('please call u', n, '@mail.com about the order'),"
		" 'customer asked about delivery times') FROM (SELECT 1 + a.i + 10 * b.i +"
		" 100 * c.i + 1000 * e.i + 10000 * f.i AS n FROM d a, d b, d c, d e,"
		" (SELECT 0 AS i UNION ALL SELECT 1) f) s",
		/* no primary key: the RAND() filter */
		"CREATE TABLE visits(ip VARCHAR(20), page VARCHAR(40))",
		"INSERT INTO visits SELECT CONCAT('10.', a.i, '.', b.i * 10 + c.i, '.', e.i + 1),"
		" CONCAT('/p/', a.i, b.i) FROM d a, d b, d c, d e",
		/* a text primary key: the RAND() filter too */
		"CREATE TABLE tokens(code VARCHAR(20) PRIMARY KEY, owner_email VARCHAR(80))",
		"INSERT INTO tokens SELECT CONCAT('T', a.i, b.i, c.i, e.i),"
		" CONCAT('owner', a.i, b.i, c.i, e.i, '@corp.io') FROM d a, d b, d c, d e",
		/* small: a plain LIMIT */
		"CREATE TABLE settings(id INT PRIMARY KEY, name VARCHAR(20))",
		"INSERT INTO settings VALUES (1, 'theme'), (2, 'lang')",
		"ANALYZE TABLE d, people, visits, tokens, settings",
	};
	for (size_t i = 0; i < ARRAY_SIZE(sql); i++)
		if (!exec_ok(c, sql[i]))
			return false;
	return true;
}

/* Statements of the trace that read table `name` (quoted `name`). */
static int statements_on(const char *trace, const char *name)
{
	FILE *f = fopen(trace, "r");
	char *line = NULL, *pat = xasprintf("FROM `%s`", name);
	size_t cap = 0;
	int n = 0;
	while (f && getline(&line, &cap, f) > 0)
		n += strstr(line, pat) != NULL;
	if (f)
		fclose(f);
	free(line);
	free(pat);
	return n;
}

static const struct scan_finding *top(const struct scan_result *r, const char *table,
				      const char *column)
{
	for (size_t i = 0; i < r->nfindings; i++) {
		const struct scan_finding *f = &r->findings[i];
		if (f->rank == 1 && !strcmp(f->table, table) && !strcmp(f->column, column))
			return f;
	}
	return NULL;
}

static const char *flagged(const struct scan_result *r, const char *table, const char *column)
{
	const struct scan_finding *f = top(r, table, column);
	return f && f->confidence >= SCAN_FLAG_THRESHOLD ? f->category : "-";
}

static int scan(const char *url, bool full, struct scan_result *res)
{
	struct mb_err err = MB_ERR_INIT;
	struct db_conn *conn = NULL;
	struct catalog cat;
	struct scan_options opt = { 0 };
	struct match_catalog *mc = NULL;
	char *share = getenv("MB_SRCDIR") ? xasprintf("%s/share", getenv("MB_SRCDIR")) : NULL;
	int rc = -1;

	catalog_init(&cat, DB_ENGINE_NONE);
	opt.sample = SAMPLE;
	opt.full = full;
	opt.source = url;
	mc = match_catalog_load(share, &err);
	if (!mc || db_open(url, DB_MODE_SOURCE, &conn, &err) ||
	    db_read_catalog(conn, &cat, &err) ||
	    scan_database(&conn, &cat, mc, NULL, &opt, res, &err)) {
		tap_diag("scan: %s", err.msg);
		goto cleanup;
	}
	rc = 0;
cleanup:
	db_close(conn);
	catalog_release(&cat);
	match_catalog_free(mc);
	free(share);
	return rc;
}

int main(void)
{
	const char *base = getenv("MB_MYSQL_URL");
	if (!base || !*base) {
		const char *ci = getenv("CI");
		if (ci && *ci && strcmp(ci, "false")) {
			tap_ok(0, "MB_MYSQL_URL is not set: the test server is missing");
			return tap_done();
		}
		tap_skip_all("MB_MYSQL_URL not set");
	}
	char db[64], trace[] = "/tmp/mbt_scan_smp_traceXXXXXX";
	snprintf(db, sizeof(db), "mbt_scan_smp_%ld", (long)getpid());
	char *url = xasprintf("%s/%s", base, db), *sql;
	struct mb_err err = MB_ERR_INIT;
	struct db_conn *admin = NULL, *fx = NULL;
	struct scan_result sampled, full;
	int fd = mkstemp(trace);

	scan_result_init(&sampled);
	scan_result_init(&full);
	if (fd < 0 || db_open(base, DB_MODE_TARGET, &admin, &err)) {
		tap_ok(0, "connect: %s", err.msg);
		goto done;
	}
	close(fd);
	sql = xasprintf("CREATE DATABASE %s CHARACTER SET utf8mb4", db);
	bool created = exec_ok(admin, sql);
	free(sql);
	if (!created || db_open(url, DB_MODE_TARGET, &fx, &err)) {
		tap_ok(0, "fixture database: %s", err.msg);
		goto drop;
	}
	tap_ok(create_fixture(fx), "fixture: 20,000 people, 10,000 visits and tokens, 2 settings");
	db_close(fx);

	setenv("MB_TRACE_SQL", trace, 1);
	int rc = scan(url, false, &sampled);
	unsetenv("MB_TRACE_SQL");
	tap_ok(rc == 0, "sampled scan runs");
	static const char *const tables[] = { "people", "visits", "tokens", "settings" };
	for (size_t i = 0; i < ARRAY_SIZE(tables); i++) {
		int n = statements_on(trace, tables[i]);
		tap_ok(n >= 1 && n <= 2, "%s: %d sampling statement(s), at most 2", tables[i], n);
	}
	const struct scan_finding *email = top(&sampled, "people", "email");
	const struct scan_finding *note = top(&sampled, "people", "note");
	const struct scan_finding *ip = top(&sampled, "visits", "ip");
	tap_ok(email && strstr(email->evidence, "sample: pk ranges"),
	       "people (integer key, 20,000 rows) is read by key ranges: %s",
	       email ? email->evidence : "no finding");
	tap_ok(email && email->sampled == SAMPLE, "people.email: %lld values sampled",
	       email ? (long long)email->sampled : -1LL);
	tap_ok(note && note->sampled == SAMPLE * SCAN_TEXT_SAMPLE_FACTOR,
	       "people.note (TEXT): %lld values sampled, %d times the sample",
	       note ? (long long)note->sampled : -1LL, SCAN_TEXT_SAMPLE_FACTOR);
	/* one row in 40 has an e-mail in its note: key ranges must see ~1/40 */
	tap_ok(note && note->matched >= 15 && note->matched <= 150,
	       "people.note: %lld of %lld sampled notes hold an e-mail (1 in 40 planted)",
	       note ? (long long)note->matched : -1LL, note ? (long long)note->sampled : -1LL);
	tap_ok(ip && strstr(ip->evidence, "sample: random filter"),
	       "visits (no primary key) falls back to the RAND() filter: %s",
	       ip ? ip->evidence : "no finding");

	tap_ok(scan(url, true, &full) == 0, "full scan runs");
	static const char *const cols[][3] = {
		{ "people", "email", "email" }, { "people", "phone", "phone" },
		{ "people", "status", "-" }, { "people", "note", "free_text_pii" },
		{ "visits", "ip", "ip_address" }, { "visits", "page", "-" },
		{ "tokens", "owner_email", "email" }, { "settings", "name", "-" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cols); i++) {
		const char *s = flagged(&sampled, cols[i][0], cols[i][1]);
		const char *f = flagged(&full, cols[i][0], cols[i][1]);
		tap_ok(!strcmp(s, f) && !strcmp(s, cols[i][2]),
		       "%s.%s: sampled %s, full %s, expected %s", cols[i][0], cols[i][1], s, f,
		       cols[i][2]);
	}
drop:
	sql = xasprintf("DROP DATABASE IF EXISTS %s", db);
	exec_ok(admin, sql);
	free(sql);
done:
	unlink(trace);
	db_close(admin);
	scan_result_release(&sampled);
	scan_result_release(&full);
	free(url);
	return tap_done();
}
