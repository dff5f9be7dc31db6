/*
 * test_scan_chinook.c - the real-data suite: Chinook on SQLite, PostgreSQL
 * and MariaDB, scored against ../shared/data/chinook/pii_labels.tsv.
 * A column is flagged when one of its findings has confidence >= 0.5;
 * label `other` is neutral. Asserts column-level recall >= 0.95 and
 * precision >= 0.90 per engine, and reports category accuracy.
 * Skips cleanly when $MB_SRCDIR/../shared/data does not exist.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/db.h"
#include "scanner/scanner.h"
#include "tests/lib/tap.h"

struct label {
	char engine[16], table[64], column[64], category[32];
};

static struct label *labels;
static size_t nlabels, labels_alloc;

static int load_labels(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[512];
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		struct label l;
		if (sscanf(line, "%15[^\t]\t%63[^\t]\t%63[^\t]\t%31[^\t\n]", l.engine, l.table,
			   l.column, l.category) != 4)
			continue;
		ALLOC_GROW(labels, nlabels + 1, labels_alloc);
		labels[nlabels++] = l;
	}
	fclose(f);
	return 0;
}

static const struct label *label_of(const char *engine, const char *table, const char *col)
{
	for (size_t i = 0; i < nlabels; i++)
		if (!strcmp(labels[i].engine, engine) && str_ieq(labels[i].table, table) &&
		    str_ieq(labels[i].column, col))
			return &labels[i];
	return NULL;
}

static void evaluate(const char *engine, const char *addr)
{
	struct mb_err err = MB_ERR_INIT;
	struct db_conn *conn = NULL;
	struct catalog cat;
	struct scan_result res;
	struct scan_options opt = { 0 };
	struct match_catalog *mc = NULL;

	catalog_init(&cat, DB_ENGINE_NONE);
	scan_result_init(&res);
	opt.source = addr;
	if (db_open(addr, DB_MODE_SOURCE, &conn, &err) || db_read_catalog(conn, &cat, &err) ||
	    !(mc = match_catalog_load(NULL, &err)) ||
	    scan_database(&conn, &cat, mc, NULL, &opt, &res, &err)) {
		tap_ok(0, "chinook %s: scan: %s", engine, err.msg);
		goto done;
	}
	size_t tp = 0, fp = 0, fn = 0, labelled = 0, right_cat = 0;
	/* Flagged columns (any finding >= threshold), judged once per column. */
	for (size_t i = 0; i < res.nfindings; i++) {
		const struct scan_finding *f = &res.findings[i];
		if (f->rank != 1)
			continue;
		bool flagged = false;
		for (size_t j = 0; j < res.nfindings; j++) {
			const struct scan_finding *g = &res.findings[j];
			if (g->rank >= 1 && !strcmp(g->table, f->table) && !strcmp(g->column, f->column) &&
			    g->confidence >= SCAN_FLAG_THRESHOLD)
				flagged = true;
		}
		if (!flagged)
			continue;
		const struct label *l = label_of(engine, f->table, f->column);
		if (l && !strcmp(l->category, "other"))
			continue;  /* neutral */
		if (l) {
			tp++;
			if (!strcmp(l->category, f->category))
				right_cat++;
			else
				tap_diag("%s.%s: top category %s, label %s", f->table, f->column,
					 f->category, l->category);
		} else {
			fp++;
			tap_diag("false positive: %s.%s as %s (%.2f)", f->table, f->column,
				 f->category, f->confidence);
		}
	}
	for (size_t i = 0; i < nlabels; i++) {
		if (strcmp(labels[i].engine, engine) || !strcmp(labels[i].category, "other"))
			continue;
		labelled++;
		bool found = false;
		for (size_t j = 0; j < res.nfindings; j++) {
			const struct scan_finding *g = &res.findings[j];
			if (g->rank >= 1 && str_ieq(g->table, labels[i].table) &&
			    str_ieq(g->column, labels[i].column) &&
			    g->confidence >= SCAN_FLAG_THRESHOLD)
				found = true;
		}
		if (!found) {
			fn++;
			tap_diag("missed: %s.%s (%s)", labels[i].table, labels[i].column,
				 labels[i].category);
		}
	}
	double recall = labelled ? (double)(labelled - fn) / (double)labelled : 0;
	double precision = tp + fp ? (double)tp / (double)(tp + fp) : 0;
	tap_diag("chinook %s: %zu labelled, %zu flagged correctly, %zu false positives, "
		 "%zu missed; recall %.3f precision %.3f; category right %zu/%zu",
		 engine, labelled, tp, fp, fn, recall, precision, right_cat, tp);
	tap_ok(labelled > 0, "chinook %s: labels read", engine);
	tap_ok(recall >= 0.95, "chinook %s: recall %.3f >= 0.95", engine, recall);
	tap_ok(precision >= 0.90, "chinook %s: precision %.3f >= 0.90", engine, precision);
	tap_ok(tp && (double)right_cat / (double)tp >= 0.90,
	       "chinook %s: top category matches the label for >= 90%% of flagged columns", engine);
done:
	match_catalog_free(mc);
	scan_result_release(&res);
	catalog_release(&cat);
	db_close(conn);
}

static int sh(const char *cmd)
{
	int rc = system(cmd);
	if (rc)
		tap_diag("command failed (%d): %s", rc, cmd);
	return rc;
}

static bool server_ok(const char *var, const char *label)
{
	const char *v = getenv(var);
	if (v && *v)
		return true;
	const char *ci = getenv("CI");
	if (ci && *ci && strcmp(ci, "false"))
		tap_ok(0, "chinook %s: %s is not set: the test server is missing", label, var);
	else
		tap_diag("chinook %s: skipped (%s not set)", label, var);
	return false;
}

int main(void)
{
	const char *src = getenv("MB_SRCDIR");
	char *data = xasprintf("%s/../shared/data/chinook", src ? src : ".");
	struct stat st;
	if (stat(data, &st) || !S_ISDIR(st.st_mode)) {
		free(data);
		tap_skip_all("no ../shared/data (real-data suite)");
	}
	char *lpath = xasprintf("%s/pii_labels.tsv", data);
	if (load_labels(lpath)) {
		tap_ok(0, "cannot read %s", lpath);
		free(lpath);
		free(data);
		return tap_done();
	}
	free(lpath);

	char tmpl[] = "/tmp/mbt_scan_chinookXXXXXX";
	char *dir = mkdtemp(tmpl);
	char *file = xasprintf("%s/chinook.db", dir);
	char *cmd = xasprintf("sqlite3 '%s' < '%s/Chinook_Sqlite.sql'", file, data);
	if (sh(cmd) == 0)
		evaluate("sqlite", file);
	else
		tap_ok(0, "chinook sqlite: load");
	free(cmd);
	unlink(file);
	rmdir(dir);
	free(file);

	char db[64];
	snprintf(db, sizeof(db), "mbt_scan_chinook_%ld", (long)getpid());
	if (server_ok("MB_PG_URL", "postgresql")) {
		cmd = xasprintf("psql -q -d postgres -v ON_ERROR_STOP=1 -c 'CREATE DATABASE %s'"
				" >/dev/null && grep -v -E '^(DROP|CREATE) DATABASE|^\\\\c ' "
				"'%s/Chinook_PostgreSql.sql' | psql -q -d %s -v ON_ERROR_STOP=1"
				" >/dev/null", db, data, db);
		char *url = xasprintf("%s/%s", getenv("MB_PG_URL"), db);
		if (sh(cmd) == 0)
			evaluate("pg", url);
		else
			tap_ok(0, "chinook pg: load");
		free(cmd);
		cmd = xasprintf("psql -q -d postgres -c 'DROP DATABASE IF EXISTS %s' >/dev/null", db);
		sh(cmd);
		free(cmd);
		free(url);
	}
	if (server_ok("MB_MYSQL_URL", "mariadb")) {
		const char *dir_env = getenv("MB_SERVERS_DIR");
		char *my = dir_env ? xasprintf("--defaults-file=%s/my.cnf", dir_env) : xstrdup("");
		cmd = xasprintf("mysql %s -e 'CREATE DATABASE %s CHARACTER SET utf8mb4 COLLATE"
				" utf8mb4_unicode_ci' && grep -v -E '^(DROP|CREATE) DATABASE|^USE ' "
				"'%s/Chinook_MySql.sql' | mysql %s --default-character-set=utf8mb4 %s",
				my, db, data, my, db);
		char *url = xasprintf("%s/%s", getenv("MB_MYSQL_URL"), db);
		if (sh(cmd) == 0)
			evaluate("mysql", url);
		else
			tap_ok(0, "chinook mysql: load");
		free(cmd);
		cmd = xasprintf("mysql %s -e 'DROP DATABASE IF EXISTS %s'", my, db);
		sh(cmd);
		free(cmd);
		free(url);
		free(my);
	}
	free(labels);
	free(data);
	return tap_done();
}
