/*
 * cmd_verify.c - `maskbench verify TARGET [--customers FILE] [--all-text]`:
 * re-scans a target in full for what should not have survived masking
 * (core/job.h job_verify): customer names, and validated pattern hits of a
 * masked column's category where its action does not write fakes. Exit 1
 * naming table.column, category and count on any hit; never a value.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/match.h"
#include "tui/cmd_plan.h"
#include "tui/options.h"

static const char verify_usage[] =
	"usage: maskbench verify TARGET [--customers FILE] [--all-text]\n"
	"\n"
	"Scans every masked column of TARGET (from the workspace's rules) and its\n"
	"free-text columns for customer names and surviving pattern hits.\n"
	"--all-text scans every text column, masked or not.\n";

static bool fakes(const char *action)
{
	static const char *const f[] = { "redact_text", "card", "iban", "national_id",
					  "ip", "scramble", "json_paths" };
	if (str_starts_with(action, "fake_"))
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(f); i++)
		if (str_eq(action, f[i]))
			return true;
	return false;
}

static bool text_type(const char *type)
{
	static const char *const t[] = { "char", "text", "clob", "json", "string" };
	struct strbuf low = STRBUF_INIT;
	bool yes = false;
	for (const char *p = type; p && *p; p++)
		strbuf_addch(&low, (*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		if (strstr(low.buf, t[i]))
			yes = true;
	strbuf_release(&low);
	return yes;
}

int cmd_verify(int argc, char **argv, const struct global_opts *g)
{
	const char *target = NULL, *customers_file = NULL;
	bool all_text = false;
	struct mb_err err = MB_ERR_INIT;
	struct workspace *ws = NULL;
	struct db_conn *conn = NULL;
	struct catalog cat;
	struct job_rules jr = { 0 };
	struct match_catalog *patterns = NULL;
	struct customer_set *customers = NULL;
	struct job_verify_column *cols = NULL;
	size_t ncols = 0, alloc = 0;
	struct job_result res = { 0 };
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *v;
		if (opt_is_help(argv[i])) {
			fputs(verify_usage, stdout);
			return 0;
		} else if ((v = opt_value(argc, argv, &i, "--customers"))) {
			customers_file = v;
		} else if (!strcmp(argv[i], "--all-text")) {
			all_text = true;
		} else if ((rc = opt_positional(verify_usage, argv[i],
						(const char **[]){ &target, NULL }))) {
			return rc;
		}
	}
	if (!target)
		return usage_error(verify_usage, "missing TARGET");

	catalog_init(&cat, DB_ENGINE_NONE);
	if (!(ws = ws_open(g->workspace, &err)) || job_rules_load(ws, &jr, &err) < 0)
		goto fail;
	if (db_open(target, DB_MODE_SOURCE, &conn, &err) < 0 ||
	    db_read_catalog(conn, &cat, &err) < 0)
		goto fail;
	if (!(patterns = match_catalog_load(NULL, &err)))
		goto fail;
	if (customers_file) {
		customers = customer_set_new();
		if (customer_set_load_file(customers, customers_file, &err) < 0 ||
		    customer_set_build(customers, &err) < 0)
			goto fail;
	}
	for (size_t i = 0; i < jr.nrules; i++) {
		const struct job_rule *r = &jr.rules[i];
		ALLOC_GROW(cols, ncols + 1, alloc);
		struct job_verify_column *vc = &cols[ncols++];
		memset(vc, 0, sizeof(*vc));
		vc->schema = r->schema;
		vc->table = r->table;
		vc->column = r->column;
		vc->category = r->category;
		vc->fakes_category = fakes(r->spec->action);
		vc->free_text = str_eq(r->spec->action, "redact_text") ||
				str_eq(r->category, "free_text_pii");
	}
	for (size_t i = 0; i < jr.nactions; i++) {
		const struct rule_action *a = &jr.actions[i];
		if (!str_eq(a->category, "free_text_pii") ||
		    (a->spec.action && !str_eq(a->spec.action, "keep")))
			continue;
		ALLOC_GROW(cols, ncols + 1, alloc);
		struct job_verify_column *vc = &cols[ncols++];
		memset(vc, 0, sizeof(*vc));
		vc->schema = a->schema;
		vc->table = a->table;
		vc->column = a->column;
		vc->free_text = true;
	}
	if (all_text) {
		for (size_t t = 0; t < cat.ntables; t++) {
			const struct cat_table *tab = &cat.tables[t];
			for (size_t c = 0; c < tab->ncols; c++) {
				if (!text_type(tab->cols[c].type) ||
				    str_eq(tab->name, "maskbench_marker"))
					continue;
				ALLOC_GROW(cols, ncols + 1, alloc);
				struct job_verify_column *vc = &cols[ncols++];
				memset(vc, 0, sizeof(*vc));
				vc->schema = tab->schema;
				vc->table = tab->name;
				vc->column = tab->cols[c].name;
				vc->free_text = true;
			}
		}
	}
	if (job_verify(conn, &cat, cols, ncols, patterns, customers, NULL, &res, &err) < 0)
		goto fail;
	if (res.nleaks) {
		for (size_t i = 0; i < res.nleaks; i++)
			printf("leak\t%s.%s.%s\t%s\t%lld\n", res.leaks[i].schema,
			       res.leaks[i].table, res.leaks[i].column,
			       res.leaks[i].category, (long long)res.leaks[i].count);
		mb_err_set(&err, MB_ERR_PROBLEM, "verify found leaks in %zu columns of %s",
			   res.nleaks, conn->url.display);
		goto fail;
	}
	printf("verify: %zu columns of %s scanned, clean\n", ncols, conn->url.display);
	rc = fflush(stdout) ? 3 : 0;
	goto done;
fail:
	fflush(stdout);
	rc = report_error(&err);
done:
	job_result_release(&res);
	free(cols);
	if (customers)
		customer_set_free(customers);
	if (patterns)
		match_catalog_free(patterns);
	job_rules_release(&jr);
	catalog_release(&cat);
	if (conn)
		db_close(conn);
	ws_close(ws);
	return rc;
}
