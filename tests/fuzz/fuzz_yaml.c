/*
 * fuzz_yaml.c - libFuzzer target for `rules import` (rules_import_yaml).
 *
 * A scratch workspace (in $TMPDIR) holds a small catalog. Each input is
 * imported; whatever happens must not crash or leak. Oracles:
 *   - a failed import changes nothing (the export is byte-identical);
 *   - after a successful import, export -> import changes nothing and
 *     export again is byte-identical (round trip).
 * Built with libFuzzer under --enable-fuzzing, otherwise linked with
 * replay_main.c to replay tests/fuzz/corpus/yaml/ as a test.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/catalog.h"
#include "core/workspace.h"
#include "rules/rules.h"
#include "rules/rules_yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct workspace *ws;
static char dir[64];

static void cleanup(void)
{
	char path[128];

	ws_close(ws);
	snprintf(path, sizeof(path), "%s/ws.db", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/ws.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/ws.db-shm", dir);
	unlink(path);
	rmdir(dir);
}

static void die(const char *what, const struct mb_err *err)
{
	fprintf(stderr, "fuzz_yaml: %s: %s\n", what, err ? err->msg : "");
	abort();
}

static void setup(void)
{
	struct mb_err err = MB_ERR_INIT;
	struct db_url url;
	struct catalog cat;
	struct cat_table *t;
	char path[128];
	int64_t source_id;
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/mbt_rules_fuzz.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		die("mkdtemp", NULL);
	snprintf(path, sizeof(path), "%s/ws.db", dir);
	if (!(ws = ws_open(path, &err)))
		die("ws_open", &err);
	/* the fuzzer imports thousands of files: durability is not needed */
	ws_exec(ws, "PRAGMA synchronous = OFF", &err);
	memset(&url, 0, sizeof(url));
	url.engine = DB_ENGINE_SQLITE;
	url.display = "sqlite:///fuzz.db";
	url.conninfo = url.path = "/fuzz.db";
	if (ws_source_upsert(ws, &url, &source_id, &err) < 0)
		die("source", &err);
	catalog_init(&cat, DB_ENGINE_SQLITE);
	t = catalog_add_table(&cat, "main", "customers");
	catalog_add_column(t, "id", "INTEGER", false);
	catalog_add_column(t, "email", "TEXT", false);
	catalog_add_column(t, "name", "TEXT", true);
	catalog_add_column(t, "born", "DATE", true);
	t = catalog_add_table(&cat, "main", "orders");
	catalog_add_column(t, "id", "INTEGER", false);
	catalog_add_column(t, "customer_id", "INTEGER", true);
	catalog_add_column(t, "created_at", "TIMESTAMP", true);
	t = catalog_add_table(&cat, "main", "countries");
	catalog_add_column(t, "code", "TEXT", false);
	catalog_finish(&cat);
	if (ws_catalog_save(ws, source_id, &cat, NULL, &err) < 0 ||
	    rules_sync(ws, source_id, &cat, NULL, &err) < 0)
		die("catalog", &err);
	catalog_release(&cat);
	atexit(cleanup);
}

static char *export(void)
{
	struct strbuf sb = STRBUF_INIT;
	struct mb_err err = MB_ERR_INIT;

	if (rules_export_yaml(ws, &sb, &err) < 0)
		die("export", &err);
	return strbuf_detach(&sb, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mb_err err = MB_ERR_INIT;
	struct rules_import_report rep;
	char *before, *after, *again;

	if (!ws)
		setup();
	before = export();
	rules_import_report_init(&rep);
	if (rules_import_yaml(ws, "fuzz.yaml", (const char *)data, size, "fuzzer",
			      &rep, &err) < 0) {
		if (getenv("MB_FUZZ_VERBOSE"))
			fprintf(stderr, "# refused: %s\n", err.msg);
		after = export();
		if (strcmp(before, after))
			die("a failed import changed the rules", &err);
		if (err.kind != MB_ERR_INPUT && err.kind != MB_ERR_PROBLEM)
			die("unexpected error kind", &err);
		free(after);
		goto out;
	}
	if (getenv("MB_FUZZ_VERBOSE"))
		fprintf(stderr, "# imported: %zu columns, %zu changed%s\n", rep.columns,
			rep.changed, rep.subset_changed ? ", subset changed" : "");
	after = export();
	rules_import_report_release(&rep);
	if (rules_import_yaml(ws, "export.yaml", after, strlen(after), "fuzzer",
			      &rep, &err) < 0)
		die("re-importing an export failed", &err);
	if (rep.changed || rep.subset_changed)
		die("re-importing an export changed something", NULL);
	again = export();
	if (strcmp(after, again))
		die("export -> import -> export is not identical", NULL);
	free(again);
	free(after);
out:
	rules_import_report_release(&rep);
	free(before);
	return 0;
}
