/*
 * review.c - the review data the screens share (rules and the latest scan,
 * read from the workspace) and the review decisions, made through the same
 * rules/ functions as `maskbench rules ...`.
 *
 * The workspace is local SQLite: these run in the UI thread. They are not
 * called while a job writes to the workspace (the screens check
 * app_busy()).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/mask.h"
#include "core/util.h"
#include "rules/report.h"
#include "tui/app.h"

static int cmp3(const char *s1, const char *t1, const char *c1,
		const char *s2, const char *t2, const char *c2)
{
	int r = strcmp(s1 ? s1 : "", s2 ? s2 : "");

	if (!r)
		r = strcmp(t1 ? t1 : "", t2 ? t2 : "");
	if (!r)
		r = strcmp(c1 ? c1 : "", c2 ? c2 : "");
	return r;
}

static int rule_ptr_cmp(const void *a, const void *b)
{
	const struct rule *x = *(const struct rule *const *)a;
	const struct rule *y = *(const struct rule *const *)b;

	return cmp3(x->schema, x->table, x->column, y->schema, y->table, y->column);
}

static int finding_ptr_cmp(const void *a, const void *b)
{
	const struct scan_finding *x = *(const struct scan_finding *const *)a;
	const struct scan_finding *y = *(const struct scan_finding *const *)b;

	return cmp3(x->schema, x->table, x->column, y->schema, y->table, y->column);
}

static void review_clear(struct app *app)
{
	free(app->rule_index);
	app->rule_index = NULL;
	free(app->finding_index);
	app->finding_index = NULL;
	app->nfinding_index = 0;
	rule_list_release(&app->rules);
	if (app->have_scan)
		scan_result_release(&app->scan);
	app->have_scan = false;
}

void app_review_release(struct app *app)
{
	review_clear(app);
	for (size_t i = 0; i < app->nplan; i++) {
		free(app->plan[i].schema);
		free(app->plan[i].table);
		free(app->plan[i].reason);
	}
	free(app->plan);
	app->plan = NULL;
	app->nplan = 0;
	free(app->plan_error);
	app->plan_error = NULL;
	free(app->pending_note);
	app->pending_note = NULL;
	if (app->run)
		run_status_unref(app->run);
	app->run = NULL;
}

void app_review_reload(struct app *app)
{
	struct mb_err err = MB_ERR_INIT;
	bool found = false;

	review_clear(app);
	app->review_gen++;
	if (!app->source_id || !app_ws(app))
		return;
	if (rules_migrate(app->ws, &err) < 0 ||
	    rules_refresh(app->ws, NULL, &err) < 0 ||
	    rules_load(app->ws, NULL, false, &app->rules, &err) < 0) {
		mb_err_prefix(&err, "cannot read the rules");
		app_error(app, &err);
		return;
	}
	app->rule_index = xcalloc(app->rules.n + 1, sizeof(*app->rule_index));
	for (size_t i = 0; i < app->rules.n; i++)
		app->rule_index[i] = &app->rules.items[i];
	qsort(app->rule_index, app->rules.n, sizeof(*app->rule_index), rule_ptr_cmp);

	scan_result_init(&app->scan);
	app->have_scan = true;
	if (scan_migrate(app->ws, &err) < 0 ||
	    scan_load_latest(app->ws, app->source_id, &app->scan, &found, &err) < 0) {
		mb_err_prefix(&err, "cannot read the findings");
		app_error(app, &err);
		return;
	}
	app->review_gen++;
	if (!found) {
		scan_result_release(&app->scan);
		app->have_scan = false;
		return;
	}
	app->finding_index = xcalloc(app->scan.nfindings + 1, sizeof(*app->finding_index));
	for (size_t i = 0; i < app->scan.nfindings; i++)
		if (app->scan.findings[i].rank == 1)
			app->finding_index[app->nfinding_index++] = &app->scan.findings[i];
	qsort(app->finding_index, app->nfinding_index, sizeof(*app->finding_index),
	      finding_ptr_cmp);
}

struct rule *app_rule_for(struct app *app, const char *schema, const char *table,
			  const char *column)
{
	struct rule key = { .schema = (char *)schema, .table = (char *)table,
			    .column = (char *)column };
	struct rule *kp = &key, **hit;

	if (!app->rule_index)
		return NULL;
	hit = bsearch(&kp, app->rule_index, app->rules.n, sizeof(*app->rule_index),
		      rule_ptr_cmp);
	return hit ? *hit : NULL;
}

const struct scan_finding *app_finding_for(struct app *app, const char *schema,
					   const char *table, const char *column)
{
	struct scan_finding key = { .schema = (char *)schema, .table = (char *)table,
				    .column = (char *)column };
	const struct scan_finding *kp = &key, **hit;

	if (!app->finding_index)
		return NULL;
	hit = bsearch(&kp, app->finding_index, app->nfinding_index,
		      sizeof(*app->finding_index), finding_ptr_cmp);
	return hit ? *hit : NULL;
}

const char *app_state_badge(const struct rule *r)
{
	if (!r)
		return "";
	switch (r->state) {
	case RULE_UNREVIEWED: return "new";
	case RULE_PROPOSED: return "prop";
	case RULE_APPROVED: return "ok";
	case RULE_REJECTED: return "rej";
	}
	return "";
}

enum theme_role app_state_role(const struct rule *r)
{
	if (!r)
		return ROLE_DIM;
	switch (r->state) {
	case RULE_UNREVIEWED:
	case RULE_PROPOSED: return ROLE_WARN;
	case RULE_APPROVED: return ROLE_OK;
	case RULE_REJECTED: return ROLE_DIM;
	}
	return ROLE_DIM;
}

static bool refuse_busy(struct app *app)
{
	if (!app_busy(app) && app_ws(app))
		return false;
	if (!app_busy(app))
		return true;
	app_message(app, MSG_WARN, "busy: %s (wait or Esc)", app->job->label);
	return true;
}

/*
 * After a change to one column: re-read just that rule (rules_find) instead
 * of every rule, so a decision stays instant on 100,000 columns.
 */
static void reload_one(struct app *app, const char *column)
{
	struct mb_err err = MB_ERR_INIT;
	struct rule fresh, *old;

	memset(&fresh, 0, sizeof(fresh));
	if (rules_find(app->ws, column, &fresh, &err) < 0) {
		app_review_reload(app);
		return;
	}
	old = app_rule_for(app, fresh.schema, fresh.table, fresh.column);
	if (!old) {
		rule_release(&fresh);
		app_review_reload(app);
		return;
	}
	rule_release(old);
	*old = fresh;
	app->review_gen++;
}

int app_review_decide(struct app *app, enum tui_cmd cmd, const char *column,
		      const char *note)
{
	struct mb_err err = MB_ERR_INIT;
	const char *who = rules_reviewer(NULL);
	int rc;

	if (refuse_busy(app))
		return -1;
	if (!note || !*note)
		note = app->pending_note;
	if (cmd == CMD_APPROVE)
		rc = rules_approve(app->ws, column, who, note, &err);
	else
		rc = rules_reject(app->ws, column, who, note, &err);
	if (rc < 0) {
		app_error(app, &err);
		return -1;
	}
	free(app->pending_note);
	app->pending_note = NULL;
	reload_one(app, column);
	app_message(app, MSG_OK, "%s %s as %s", cmd == CMD_APPROVE ? "approved" : "rejected",
		    column, who);
	return 0;
}

int app_review_approve_table(struct app *app, const char *schema, const char *table)
{
	struct mb_err err = MB_ERR_INIT;
	const char *who = rules_reviewer(NULL);
	size_t done = 0, failed = 0;
	char **cols = NULL;
	size_t n = 0, alloc = 0;

	if (refuse_busy(app))
		return -1;
	/* collect first: each approval reloads nothing, one reload at the end */
	for (size_t i = 0; i < app->rules.n; i++) {
		const struct rule *r = &app->rules.items[i];

		if (!str_eq(r->schema, schema) || !str_eq(r->table, table) ||
		    (r->state != RULE_UNREVIEWED && r->state != RULE_PROPOSED))
			continue;
		ALLOC_GROW(cols, n + 1, alloc);
		cols[n++] = rule_display(r);
	}
	for (size_t i = 0; i < n; i++) {
		mb_err_clear(&err);
		if (rules_approve(app->ws, cols[i], who, app->pending_note, &err) < 0)
			failed++;
		else
			done++;
		free(cols[i]);
	}
	free(cols);
	app_review_reload(app);
	if (failed)
		app_message(app, MSG_WARN, "approved %zu columns of %s; %zu refused (last: %s)",
			    done, table, failed, err.msg);
	else
		app_message(app, MSG_OK, "approved %zu open columns of %s as %s", done,
			    table, who);
	return (int)done;
}

int app_review_set_action(struct app *app, const char *column, const char *text)
{
	struct mask_spec spec;
	int rc = -1;

	if (refuse_busy(app))
		return -1;
	mask_spec_init(&spec);
	if (app_parse_action(app, text, &spec) == 0)
		rc = app_review_set_spec(app, column, &spec);
	mask_spec_release(&spec);
	return rc;
}

int app_review_set_spec(struct app *app, const char *column,
			const struct mask_spec *spec)
{
	struct mb_err err = MB_ERR_INIT;

	if (refuse_busy(app))
		return -1;
	if (rules_set(app->ws, column, spec, NULL, rules_reviewer(NULL), &err) < 0) {
		app_error(app, &err);
		return -1;
	}
	reload_one(app, column);
	app_message(app, MSG_OK, "%s: action %s (proposed; a approves)", column,
		    spec->action);
	return 0;
}

int app_review_report(struct app *app, const char *path)
{
	struct mb_err err = MB_ERR_INIT;
	struct strbuf out = STRBUF_INIT;
	FILE *f;
	int rc = -1;

	if (refuse_busy(app))
		return -1;
	if (!path || !*path)
		path = "maskbench-report.md";
	if (rules_report_markdown(app->ws, &out, &err) < 0) {
		app_error(app, &err);
		goto cleanup;
	}
	f = fopen(path, "w");
	if (!f || fwrite(out.buf, 1, out.len, f) != out.len) {
		app_message(app, MSG_ERROR, "cannot write '%s': %s", path, strerror(errno));
		if (f)
			fclose(f);
		goto cleanup;
	}
	if (fclose(f) != 0) {
		app_message(app, MSG_ERROR, "cannot write '%s': %s", path, strerror(errno));
		goto cleanup;
	}
	app_message(app, MSG_OK, "report written to %s", path);
	rc = 0;
cleanup:
	strbuf_release(&out);
	return rc;
}

struct mask_key *app_key(struct app *app, bool *is_demo, struct mb_err *err)
{
	struct mask_key *k;

	*is_demo = false;
	k = mask_key_load(NULL, err);
	if (k || !app->opts.demo)
		return k;
	mb_err_clear(err);
	*is_demo = true;
	return mask_key_demo();
}
