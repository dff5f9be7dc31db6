/*
 * cmd_plan.c - `maskbench plan SOURCE [--format table|tsv|json] [--exact]`:
 * the subset preview (tables in load order, rows, why), and the setup that
 * plan, run, preview and verify share (tui/cmd_plan.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/cmd_plan.h"
#include "tui/options.h"

static const char plan_usage[] =
	"usage: maskbench plan SOURCE [--format table|tsv|json] [--exact]\n"
	"\n"
	"Shows what a run would copy from SOURCE under the workspace's subset\n"
	"settings: every table in load order, the rows it gets (estimated from\n"
	"the catalog, or counted with --exact) and why it is included.\n";

int plan_setup_open(struct plan_setup *ps, const char *source,
		    const struct global_opts *g, bool build_plan,
		    struct mb_err *err)
{
	memset(ps, 0, sizeof(*ps));
	catalog_init(&ps->cat, DB_ENGINE_NONE);
	subset_config_init(&ps->cfg);
	if (!(ps->ws = ws_open(g->workspace, err)))
		return -1;
	if (db_open(source, DB_MODE_SOURCE, &ps->src, err) < 0 ||
	    db_read_catalog(ps->src, &ps->cat, err) < 0)
		return -1;
	if (record_source_snapshot(ps->ws, ps->src, &ps->cat, &ps->source_id, err) < 0 ||
	    rules_refresh(ps->ws, NULL, err) < 0)
		return -1;
	if (subset_config_load(ps->ws, &ps->cfg, err) < 0 ||
	    subset_add_virtual_fks(&ps->cat, &ps->cfg, err) < 0)
		return -1;
	if (!build_plan)
		return 0;
	if (subset_plan_build(&ps->plan, &ps->cat, &ps->cfg, ps->src->drv->engine, err) < 0)
		return -1;
	ps->have_plan = true;
	return 0;
}

void plan_setup_close(struct plan_setup *ps)
{
	if (ps->have_plan)
		subset_plan_release(&ps->plan);
	subset_config_release(&ps->cfg);
	catalog_release(&ps->cat);
	if (ps->src)
		db_close(ps->src);
	if (ps->ws)
		ws_close(ps->ws);
	memset(ps, 0, sizeof(*ps));
}

int job_rules_load(struct workspace *ws, struct job_rules *jr, struct mb_err *err)
{
	memset(jr, 0, sizeof(*jr));
	if (rules_load_actions(ws, &jr->actions, &jr->nactions, err) < 0)
		return -1;
	jr->rules = xcalloc(jr->nactions + 1, sizeof(*jr->rules));
	for (size_t i = 0; i < jr->nactions; i++) {
		const struct rule_action *a = &jr->actions[i];
		if (!a->spec.action || str_eq(a->spec.action, "keep"))
			continue;
		struct job_rule *r = &jr->rules[jr->nrules++];
		r->schema = a->schema;
		r->table = a->table;
		r->column = a->column;
		r->category = a->category;
		r->spec = &a->spec;
		jr->any_masking = true;
	}
	return 0;
}

void job_rules_release(struct job_rules *jr)
{
	rules_actions_free(jr->actions, jr->nactions);
	free(jr->rules);
	memset(jr, 0, sizeof(*jr));
}

bool plan_table_copied(const struct plan_setup *ps, size_t i)
{
	const struct subset_table *st = &ps->plan.tables[i];
	return st->mode != SUBSET_MODE_NONE && !ps->cat.tables[st->table_idx].is_view;
}

int run_gate(struct plan_setup *ps, const char *source, const char *target,
	     bool allow, const char *how_to_allow, struct rules_gate_result *gate,
	     struct mb_err *err)
{
	const char **tables = xcalloc(ps->plan.ntables + 1, sizeof(*tables));
	char **names = xcalloc(ps->plan.ntables + 1, sizeof(*names));
	size_t n = 0;
	int rc;

	for (size_t i = 0; i < ps->plan.ntables; i++) {
		if (!plan_table_copied(ps, i))
			continue;
		const struct cat_table *t = &ps->cat.tables[ps->plan.tables[i].table_idx];
		names[n] = xasprintf("%s.%s", t->schema, t->name);
		tables[n] = names[n];
		n++;
	}
	rc = rules_gate(ps->ws, tables, n, gate, err);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(tables);
	if (rc < 0 || !gate->n || allow)
		return rc;

	/* Refused: recorded as a run, counts and names only. */
	struct mb_err e2 = MB_ERR_INIT;
	char hash[65] = "";
	char *note = xasprintf("%zu unreviewed columns (first: %s.%s.%s)", gate->n,
			       gate->items[0].schema, gate->items[0].table,
			       gate->items[0].column);
	struct job_options ro = { .source_text = source, .target_text = target };
	int64_t run_id = 0;
	if (rules_hash(ps->ws, hash, &e2) == 0)
		ro.rules_hash = hash;
	ro.approvers = rules_approvers(ps->ws, &e2);
	if (job_record_refusal(ps->ws, &ro, note, &run_id, &e2) < 0)
		run_id = 0;
	free(note);
	free((char *)ro.approvers);
	mb_err_set(err, MB_ERR_PROBLEM,
		   "%zu columns of copied tables are not reviewed: review them or %s",
		   gate->n, how_to_allow);
	if (run_id)
		mb_err_prefix(err, "run %lld refused", (long long)run_id);
	return -1;
}

int run_inputs_load(struct run_inputs *in, struct workspace *ws, const char *key_file,
		    bool demo_ok, struct mb_err *err)
{
	memset(in, 0, sizeof(*in));
	if (job_rules_load(ws, &in->jr, err) < 0)
		return -1;
	if (in->jr.any_masking) {
		in->key = mask_key_load(key_file, err);
		if (!in->key && demo_ok && !key_file) {
			mb_err_clear(err);
			in->key = mask_key_demo();
			in->demo_key = true;
		}
		if (!in->key)
			return -1;
	}
	if (rules_hash(ws, in->hash, err) < 0)
		return -1;
	if (!(in->approvers = rules_approvers(ws, err)))
		return -1;
	return 0;
}

void run_inputs_release(struct run_inputs *in)
{
	job_rules_release(&in->jr);
	mask_key_free(in->key);
	free(in->approvers);
	memset(in, 0, sizeof(*in));
}

int cmd_plan(int argc, char **argv, const struct global_opts *g)
{
	const char *source = NULL, *format = "table";
	bool exact = false;
	struct mb_err err = MB_ERR_INIT;
	struct plan_setup ps;
	struct strbuf out = STRBUF_INIT;
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *v;
		if (opt_is_help(argv[i])) {
			fputs(plan_usage, stdout);
			return 0;
		} else if ((v = opt_value(argc, argv, &i, "--format"))) {
			format = v;
		} else if (!strcmp(argv[i], "--exact")) {
			exact = true;
		} else if ((rc = opt_positional(plan_usage, argv[i], (const char **[]){ &source, NULL }))) {
			return rc;
		}
	}
	if (!source)
		return usage_error(plan_usage, "missing SOURCE");
	if ((rc = opt_format_check(plan_usage, format)))
		return rc;

	if (plan_setup_open(&ps, source, g, true, &err) < 0)
		goto fail;
	if (exact && subset_plan_resolve(&ps.plan, ps.src, true, NULL, &err) < 0)
		goto fail;
	if (!strcmp(format, "json"))
		subset_plan_to_json(&ps.plan, &out);
	else if (!strcmp(format, "tsv"))
		subset_plan_to_tsv(&ps.plan, &out);
	else
		subset_plan_to_table(&ps.plan, &out);
	rc = write_stdout(&out);
	goto done;
fail:
	rc = report_error(&err);
done:
	strbuf_release(&out);
	plan_setup_close(&ps);
	return rc;
}
