/*
 * inplace_run.c - test driver for the in-place strategy until `maskbench
 * run --in-place` is wired in tui/cmd_run.c: the same steps as cmd_run
 * (workspace, catalog, plan, gate, rules, key) then job_run_in_place().
 *
 *   inplace_run WORKSPACE TARGET [--force] [--no-verify] [--allow-unreviewed]
 *               [--customers FILE]
 *
 * Exit codes as maskbench's (0, 1, 2, 3, 130).
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/job_inplace.h"
#include "core/mask.h"
#include "core/match.h"
#include "tui/cmd_plan.h"

static volatile int cancel_flag;

static void on_sigint(int sig)
{
	(void)sig;
	cancel_flag = 1;
}

int report_error(const struct mb_err *err)
{
	fprintf(stderr, "maskbench: %s\n", err->msg[0] ? err->msg : "unknown error");
	return mb_err_exit_code(err->kind);
}

int main(int argc, char **argv)
{
	struct global_opts g = { 0 };
	struct mb_err err = MB_ERR_INIT;
	struct plan_setup ps;
	struct job_rules jr = { 0 };
	struct rules_gate_result gate = { 0 };
	struct mask_key *key = NULL;
	struct match_catalog *patterns = NULL;
	struct customer_set *customers = NULL;
	struct job_result res = { 0 };
	const char *target, *customers_file = NULL;
	bool force = false, verify = true, allow = false;
	char hash[65] = "";
	char *approvers = NULL;
	const char **tables = NULL;
	char **names = NULL;
	size_t ntables = 0;
	int rc;

	memset(&ps, 0, sizeof(ps));
	if (argc < 3) {
		fprintf(stderr, "usage: inplace_run WORKSPACE TARGET [--force] [--no-verify] [--allow-unreviewed] [--customers FILE]\n");
		return 2;
	}
	g.workspace = argv[1];
	target = argv[2];
	for (int i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--force"))
			force = true;
		else if (!strcmp(argv[i], "--no-verify"))
			verify = false;
		else if (!strcmp(argv[i], "--allow-unreviewed"))
			allow = true;
		else if (!strcmp(argv[i], "--customers") && i + 1 < argc)
			customers_file = argv[++i];
		else {
			fprintf(stderr, "inplace_run: unknown argument '%s'\n", argv[i]);
			return 2;
		}
	}
	if (plan_setup_open(&ps, target, &g, true, &err) < 0)
		goto fail;
	tables = xcalloc(ps.plan.ntables + 1, sizeof(*tables));
	names = xcalloc(ps.plan.ntables + 1, sizeof(*names));
	for (size_t i = 0; i < ps.plan.ntables; i++) {
		const struct subset_table *st = &ps.plan.tables[i];
		const struct cat_table *t = &ps.cat.tables[st->table_idx];
		if (st->mode == SUBSET_MODE_NONE || t->is_view)
			continue;
		names[ntables] = xasprintf("%s.%s", t->schema, t->name);
		tables[ntables] = names[ntables];
		ntables++;
	}
	if (rules_gate(ps.ws, tables, ntables, &gate, &err) < 0)
		goto fail;
	if (gate.n && !allow) {
		mb_err_set(&err, MB_ERR_PROBLEM, "%zu columns of kept tables are not reviewed", gate.n);
		goto fail;
	}
	if (job_rules_load(ps.ws, &jr, &err) < 0)
		goto fail;
	if (jr.any_masking && !(key = mask_key_load(NULL, &err)))
		goto fail;
	if (rules_hash(ps.ws, hash, &err) < 0 || !(approvers = rules_approvers(ps.ws, &err)))
		goto fail;
	if (verify) {
		if (!(patterns = match_catalog_load(NULL, &err)))
			goto fail;
		if (customers_file) {
			customers = customer_set_new();
			if (customer_set_load_file(customers, customers_file, &err) < 0 ||
			    customer_set_build(customers, &err) < 0)
				goto fail;
		}
	}
	struct job_options o = {
		.source_text = target, .target_text = target, .jobs = 1,
		.force = force, .allow_unreviewed = allow, .verify = verify,
		.rules = jr.rules, .nrules = jr.nrules, .key = key,
		.patterns = patterns, .customers = customers, .cancel = &cancel_flag,
		.ws = ps.ws, .rules_hash = hash, .approvers = approvers,
	};
	signal(SIGINT, on_sigint);
	rc = job_run_in_place(ps.src, &ps.cat, &ps.plan, &o, &res, &err);
	signal(SIGINT, SIG_DFL);
	for (size_t i = 0; i < res.nleaks; i++)
		fprintf(stderr, "maskbench: leak: %s.%s.%s: %lld values (%s)\n",
			res.leaks[i].schema, res.leaks[i].table, res.leaks[i].column,
			(long long)res.leaks[i].count, res.leaks[i].category);
	if (rc < 0)
		goto fail;
	printf("run %lld: %lld rows kept in place in %s in %.2fs%s\n",
	       (long long)res.run_id, (long long)res.rows,
	       res.target_display ? res.target_display : target, res.seconds,
	       res.verified ? ", verified clean" : "");
	rc = 0;
	goto done;
fail:
	rc = report_error(&err);
done:
	job_result_release(&res);
	rules_gate_result_release(&gate);
	job_rules_release(&jr);
	mask_key_free(key);
	if (patterns)
		match_catalog_free(patterns);
	if (customers)
		customer_set_free(customers);
	free(approvers);
	for (size_t i = 0; i < ntables; i++)
		free(names[i]);
	free(names);
	free(tables);
	plan_setup_close(&ps);
	return rc;
}
