/*
 * work.c - scan, plan and run off the UI loop, each the same sequence of
 * library calls as its subcommand (tui/cmd_scan.c, cmd_plan.c,
 * cmd_run.c): a worker opens its own source connection from the address
 * kept in memory and its own workspace handle, and never touches curses.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/job.h"
#include "core/mask.h"
#include "core/match.h"
#include "core/util.h"
#include "tui/app.h"
#include "tui/cmd_plan.h"
#include "tui/options.h"

/* What every job here starts from: copies, the address wiped at the end. */
struct work_base {
	char *address;
	char *ws_path;
};

static void base_init(struct work_base *b, struct app *app)
{
	b->address = xstrdup(app->source_address);
	b->ws_path = xstrdup(app->ws_path);
}

static void base_release(struct work_base *b)
{
	if (b->address) {
		secure_zero(b->address, strlen(b->address));
		free(b->address);
	}
	free(b->ws_path);
}

static bool need_source(struct app *app)
{
	if (app->source_address)
		return true;
	app_message(app, MSG_WARN, "open a source first (o)");
	return false;
}

/* ---- scan ---- */

struct scan_ctx {
	struct work_base base;
	struct tui_job *job;   /* for progress; valid while run() runs */
	struct db_conn **connp;/* the worker's connection; valid while run() runs */
	size_t findings, flagged, tables;
	size_t done, total;    /* tables scanned so far, of total */
};

static void scan_ctx_free(void *p)
{
	struct scan_ctx *c = p;

	base_release(&c->base);
	free(c);
}

static void scan_progress(void *ctx, size_t done, size_t total, const char *table)
{
	struct scan_ctx *c = ctx;

	(void)table;
	c->done = done;
	c->total = total;
	/*
	 * Between tables: a cancel asked for by the UI stops the scanner at
	 * its next read (db_rows_next fails with MB_ERR_CANCELLED), and
	 * scan_run() then stores nothing.
	 */
	if (c->job->cancel && c->connp && *c->connp)
		(*c->connp)->cancel = 1;
	tui_job_progress(c->job, total ? (double)done / (double)total : -1,
			 "%zu of %zu tables", done, total);
}

static int scan_job_run(struct tui_job *job, struct mb_err *err)
{
	struct scan_ctx *c = job->ctx;
	struct scan_options opt = { 0 };
	struct db_conn *conn = NULL;
	struct workspace *ws = NULL;
	struct catalog cat;
	struct scan_result res;
	int64_t source_id;
	int rc = -1;

	c->job = job;
	opt.source = c->base.address;
	opt.timeout_ms = SCAN_DEFAULT_TIMEOUT_MS;
	opt.progress = scan_progress;
	opt.progress_ctx = c;
	catalog_init(&cat, DB_ENGINE_NONE);
	scan_result_init(&res);
	c->connp = &conn;
	if (db_open(c->base.address, DB_MODE_SOURCE, &conn, err) ||
	    db_read_catalog(conn, &cat, err))
		goto cleanup;
	c->total = cat.ntables;
	tui_job_progress(job, 0, "0 of %zu tables", cat.ntables);
	if (job->cancel) {
		mb_err_set(err, MB_ERR_CANCELLED, "scan cancelled");
		goto cleanup;
	}
	ws = ws_open(c->base.ws_path, err);
	if (!ws || record_source_snapshot(ws, conn, &cat, &source_id, err))
		goto cleanup;
	if (job->cancel) {
		mb_err_set(err, MB_ERR_CANCELLED, "scan cancelled");
		goto cleanup;
	}
	if (scan_run(ws, source_id, &conn, &cat, &opt, &res, err))
		goto cleanup;
	/* the rules take the new findings here, off the UI loop */
	tui_job_progress(job, 1, "proposing actions from the findings");
	if (rules_migrate(ws, err) < 0 || rules_refresh(ws, NULL, err) < 0)
		goto cleanup;
	c->tables = res.tables;
	for (size_t i = 0; i < res.nfindings; i++) {
		if (res.findings[i].rank < 1)
			continue;
		c->findings++;
		if (res.findings[i].rank == 1 &&
		    res.findings[i].confidence >= SCAN_FLAG_THRESHOLD)
			c->flagged++;
	}
	rc = 0;
cleanup:
	c->connp = NULL;
	scan_result_release(&res);
	catalog_release(&cat);
	if (ws)
		ws_close(ws);
	if (conn)
		db_close(conn);
	return rc;
}

static void scan_job_finish(struct app *app, struct tui_job *job, int rc,
			    struct mb_err *err)
{
	struct scan_ctx *c = job->ctx;

	if (rc < 0 && (err->kind == MB_ERR_CANCELLED || job->cancel)) {
		/* scan_run() stores a scan only once every table is done */
		app_message(app, MSG_WARN, "scan cancelled, %zu of %zu tables scanned; nothing stored",
			    c->done, c->total);
		return;
	}
	if (rc < 0) {
		mb_err_prefix(err, "scan failed");
		app_error(app, err);
		return;
	}
	app_review_reload(app);
	app_show(app, &screen_findings);
	app_message(app, MSG_OK, "scanned %zu tables: %zu findings, %zu flagged columns",
		    c->tables, c->findings, c->flagged);
}

int app_scan(struct app *app)
{
	struct scan_ctx *c;
	struct tui_job *job;

	if (!need_source(app))
		return -1;
	c = xcalloc(1, sizeof(*c));
	base_init(&c->base, app);
	job = tui_job_new("scanning");
	job->run = scan_job_run;
	job->finish = scan_job_finish;
	job->free_ctx = scan_ctx_free;
	job->ctx = c;
	job->uses_ws = true;
	job->cancellable = true;
	job->c_cancels = true;
	return app_job_start(app, job);
}

/* ---- plan ---- */

struct plan_ctx {
	struct work_base base;
	struct plan_row *rows;
	size_t nrows;
	bool exact;
};

static void plan_rows_free(struct plan_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].schema);
		free(rows[i].table);
		free(rows[i].reason);
	}
	free(rows);
}

static void plan_ctx_free(void *p)
{
	struct plan_ctx *c = p;

	base_release(&c->base);
	plan_rows_free(c->rows, c->nrows);
	free(c);
}

static void plan_copy_rows(struct plan_ctx *c, const struct subset_plan *plan,
			   const struct catalog *cat)
{
	c->rows = xcalloc(plan->ntables + 1, sizeof(*c->rows));
	for (size_t i = 0; i < plan->ntables; i++) {
		const struct subset_table *st = &plan->tables[i];
		const struct cat_table *t = &cat->tables[st->table_idx];
		struct plan_row *r = &c->rows[c->nrows++];

		r->schema = xstrdup(t->schema);
		r->table = xstrdup(t->name);
		r->rows = subset_table_rows(st);
		r->est = st->est_rows;
		r->reason = xstrdup(st->reason_text ? st->reason_text
				    : subset_reason_name(st->reason));
		r->copied = st->mode != SUBSET_MODE_NONE;
	}
}

static int plan_job_run(struct tui_job *job, struct mb_err *err)
{
	struct plan_ctx *c = job->ctx;
	struct global_opts g = { .workspace = c->base.ws_path };
	struct plan_setup ps;
	int rc = -1;

	tui_job_progress(job, -1, "reading the catalog and the subset settings");
	if (plan_setup_open(&ps, c->base.address, &g, true, err) < 0)
		goto cleanup;
	tui_job_progress(job, -1, "following keys through %zu tables", ps.plan.ntables);
	if (subset_plan_resolve(&ps.plan, ps.src, true, &job->cancel, err) < 0)
		goto cleanup;
	c->exact = true;
	plan_copy_rows(c, &ps.plan, &ps.cat);
	rc = 0;
cleanup:
	plan_setup_close(&ps);
	return rc;
}

static void plan_job_finish(struct app *app, struct tui_job *job, int rc,
			    struct mb_err *err)
{
	struct plan_ctx *c = job->ctx;

	if (rc < 0 && (err->kind == MB_ERR_CANCELLED || job->cancel)) {
		/* the previous plan, if any, stays */
		app_message(app, MSG_WARN, "plan cancelled");
		return;
	}
	plan_rows_free(app->plan, app->nplan);
	app->plan = NULL;
	app->nplan = 0;
	free(app->plan_error);
	app->plan_error = NULL;
	if (rc < 0) {
		mb_err_prefix(err, "plan failed");
		app->plan_error = xstrdup(err->msg);
		app_error(app, err);
		return;
	}
	app->plan = c->rows;
	app->nplan = c->nrows;
	app->plan_exact = c->exact;
	c->rows = NULL;
	c->nrows = 0;
	{
		int64_t total = 0;
		size_t copied = 0;

		for (size_t i = 0; i < app->nplan; i++)
			if (app->plan[i].copied) {
				copied++;
				total += app->plan[i].rows > 0 ? app->plan[i].rows : 0;
			}
		app_message(app, MSG_OK, "plan: %zu tables get rows, %lld rows in all",
			    copied, (long long)total);
	}
}

int app_plan(struct app *app)
{
	struct plan_ctx *c;
	struct tui_job *job;

	if (!need_source(app))
		return -1;
	c = xcalloc(1, sizeof(*c));
	base_init(&c->base, app);
	job = tui_job_new("planning the subset");
	job->run = plan_job_run;
	job->finish = plan_job_finish;
	job->free_ctx = plan_ctx_free;
	job->ctx = c;
	job->uses_ws = true;
	job->cancellable = true;
	job->c_cancels = true;
	return app_job_start(app, job);
}

/* ---- run ---- */

static struct run_status *run_status_new(const char *target_display)
{
	struct run_status *rs = xcalloc(1, sizeof(*rs));

	pthread_mutex_init(&rs->lock, NULL);
	rs->refs = 1;
	rs->target_display = xstrdup(target_display);
	strbuf_init(&rs->log, 0);
	snprintf(rs->phase, sizeof(rs->phase), "starting");
	return rs;
}

static struct run_status *run_status_ref(struct run_status *rs)
{
	pthread_mutex_lock(&rs->lock);
	rs->refs++;
	pthread_mutex_unlock(&rs->lock);
	return rs;
}

void run_status_unref(struct run_status *rs)
{
	int left;

	if (!rs)
		return;
	pthread_mutex_lock(&rs->lock);
	left = --rs->refs;
	pthread_mutex_unlock(&rs->lock);
	if (left > 0)
		return;
	for (size_t i = 0; i < rs->ntables; i++)
		free(rs->tables[i].name);
	free(rs->tables);
	free(rs->target_display);
	strbuf_release(&rs->log);
	pthread_mutex_destroy(&rs->lock);
	free(rs);
}

struct run_ctx {
	struct work_base base;
	char *target;            /* may hold a password: wiped */
	bool allow_unreviewed;
	bool demo;
	struct run_status *rs;   /* one reference */
};

static void run_ctx_free(void *p)
{
	struct run_ctx *c = p;

	base_release(&c->base);
	if (c->target) {
		secure_zero(c->target, strlen(c->target));
		free(c->target);
	}
	run_status_unref(c->rs);
	free(c);
}

ATTR_FORMAT(2, 3) static void run_log(struct run_status *rs, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&rs->lock);
	va_start(ap, fmt);
	strbuf_vaddf(&rs->log, fmt, ap);
	va_end(ap);
	strbuf_addch(&rs->log, '\n');
	pthread_mutex_unlock(&rs->lock);
}

static void run_progress(void *ctx, const struct job_progress *p)
{
	struct run_status *rs = ctx;
	bool new_phase;

	pthread_mutex_lock(&rs->lock);
	new_phase = strcmp(rs->phase, p->phase) != 0;
	snprintf(rs->phase, sizeof(rs->phase), "%s", p->phase);
	rs->all_rows = p->all_rows;
	rs->all_est = p->all_rows_est;
	rs->all_bytes = p->all_bytes;
	rs->elapsed = p->elapsed;
	if (new_phase)
		strbuf_addf(&rs->log, "%s (%.1fs)\n", p->phase, p->elapsed);
	if (p->table && str_eq(p->phase, "copy")) {
		char name[512];
		size_t i, n = rs->ntables;

		snprintf(name, sizeof(name), "%s.%s", p->schema ? p->schema : "", p->table);
		/* progress comes in load order: look from the last hit on */
		for (i = 0; i < n; i++)
			if (str_eq(rs->tables[(rs->hint + i) % n].name, name))
				break;
		if (i == n) {
			ALLOC_GROW(rs->tables, rs->ntables + 1, rs->tables_alloc);
			rs->tables[rs->ntables++] = (struct run_table_status){ xstrdup(name), 0, 0, false };
			i = rs->ntables - 1;
			rs->hint = i;
		} else {
			i = (rs->hint + i) % n;
			rs->hint = i;
		}
		rs->tables[i].rows = p->rows;
		if (p->rows_est > 0)
			rs->tables[i].est = p->rows_est;
		if (p->table_done && !rs->tables[i].done) {
			rs->tables[i].done = true;
			strbuf_addf(&rs->log, "copied %s: %lld rows\n", name, (long long)p->rows);
		}
	}
	pthread_mutex_unlock(&rs->lock);
}

static int run_job_run(struct tui_job *job, struct mb_err *err)
{
	struct run_ctx *c = job->ctx;
	struct run_status *rs = c->rs;
	struct global_opts g = { .workspace = c->base.ws_path };
	struct plan_setup ps;
	struct run_inputs in = { 0 };
	struct rules_gate_result gate = { 0 };
	struct match_catalog *patterns = NULL;
	struct job_result res = { 0 };
	int rc = -1;

	run_log(rs, "planning");
	if (plan_setup_open(&ps, c->base.address, &g, true, err) < 0)
		goto cleanup;
	pthread_mutex_lock(&rs->lock);
	for (size_t i = 0; i < ps.plan.ntables; i++) {
		const struct subset_table *st = &ps.plan.tables[i];
		const struct cat_table *t = &ps.cat.tables[st->table_idx];

		if (!plan_table_copied(&ps, i))
			continue;
		ALLOC_GROW(rs->tables, rs->ntables + 1, rs->tables_alloc);
		rs->tables[rs->ntables++] = (struct run_table_status){
			xasprintf("%s.%s", t->schema, t->name), 0, subset_table_rows(st), false };
	}
	pthread_mutex_unlock(&rs->lock);
	/* the gate and the inputs, as `maskbench run` */
	int gate_rc = run_gate(&ps, c->base.address, c->target, c->allow_unreviewed,
			       ":run TARGET --allow-unreviewed (recorded)", &gate, err);
	for (size_t i = 0; i < gate.n && i < 20; i++)
		run_log(rs, "%s %s.%s.%s",
			c->allow_unreviewed ? "allowed unreviewed" : "unreviewed",
			gate.items[i].schema, gate.items[i].table, gate.items[i].column);
	if (gate.n > 20)
		run_log(rs, "... and %zu more", gate.n - 20);
	if (gate_rc < 0 || run_inputs_load(&in, ps.ws, NULL, c->demo, err) < 0)
		goto cleanup;
	if (in.demo_key)
		run_log(rs, "using the built-in demo key (demo only)");
	if (!(patterns = match_catalog_load(NULL, err)))
		goto cleanup;
	{
		struct job_options o = {
			.source_text = c->base.address, .target_text = c->target,
			.jobs = 1, .allow_unreviewed = c->allow_unreviewed,
			.verify = true, .rules = in.jr.rules, .nrules = in.jr.nrules,
			.key = in.key, .patterns = patterns, .cancel = &job->cancel,
			.progress = run_progress, .progress_ctx = rs, .ws = ps.ws,
			.rules_hash = in.hash, .approvers = in.approvers,
		};

		rc = job_run(ps.src, &ps.cat, &ps.plan, &o, &res, err);
	}
	for (size_t i = 0; i < res.nleaks; i++)
		run_log(rs, "leak: %s.%s.%s: %lld values (%s)", res.leaks[i].schema,
			res.leaks[i].table, res.leaks[i].column,
			(long long)res.leaks[i].count, res.leaks[i].category);
	pthread_mutex_lock(&rs->lock);
	if (res.target_display) {
		free(rs->target_display);
		rs->target_display = xstrdup(res.target_display);
	}
	rs->verified = res.verified;
	if (rc == 0)
		snprintf(rs->summary, sizeof(rs->summary),
			 "run %lld: %lld rows, %.1f MB in %.2fs%s",
			 (long long)res.run_id, (long long)res.rows, res.bytes / 1e6,
			 res.seconds, res.verified ? ", verified clean" : "");
	pthread_mutex_unlock(&rs->lock);
cleanup:
	pthread_mutex_lock(&rs->lock);
	rs->finished = true;
	rs->rc = rc;
	if (rc < 0)
		rs->err = *err;
	pthread_mutex_unlock(&rs->lock);
	job_result_release(&res);
	rules_gate_result_release(&gate);
	run_inputs_release(&in);
	if (patterns)
		match_catalog_free(patterns);
	plan_setup_close(&ps);
	return rc;
}

static void run_job_finish(struct app *app, struct tui_job *job, int rc,
			   struct mb_err *err)
{
	struct run_ctx *c = job->ctx;

	if (rc < 0) {
		app_error(app, err);
		return;
	}
	app_message(app, MSG_OK, "%s", c->rs->summary);
}

int app_run(struct app *app, const char *target, bool allow_unreviewed)
{
	struct mb_err err = MB_ERR_INIT;
	struct run_ctx *c;
	struct tui_job *job;
	struct db_url url;
	const char *display = target;

	if (!need_source(app))
		return -1;
	if (!target || !*target) {
		app_message(app, MSG_WARN, "where to? :run TARGET (a database address or file:///path.sql)");
		return -1;
	}
	memset(&url, 0, sizeof(url));
	if (!str_starts_with(target, "file://")) {
		if (db_url_parse(target, &url, &err) < 0) {
			app_error(app, &err);
			return -1;
		}
		display = url.display;
	}
	c = xcalloc(1, sizeof(*c));
	base_init(&c->base, app);
	c->target = xstrdup(target);
	c->allow_unreviewed = allow_unreviewed;
	c->demo = app->opts.demo;
	c->rs = run_status_new(display);
	db_url_release(&url);
	if (app->run)
		run_status_unref(app->run);
	app->run = run_status_ref(c->rs);
	job = tui_job_new("running the job");
	job->run = run_job_run;
	job->finish = run_job_finish;
	job->free_ctx = run_ctx_free;
	job->ctx = c;
	job->uses_ws = true;
	job->cancellable = true;
	if (app_job_start(app, job) < 0)
		return -1;
	app_show(app, &screen_run);
	return 0;
}

/* ---- fetching rows for display ---- */

void fetch_result_free(struct fetch_result *fr)
{
	if (!fr)
		return;
	for (size_t i = 0; i < fr->ncols; i++)
		free(fr->names[i]);
	free(fr->names);
	for (size_t i = 0; i < fr->ncols * fr->nrows; i++) {
		if (fr->cells[i]) {
			secure_zero(fr->cells[i], fr->lens[i]);
			free(fr->cells[i]);
		}
	}
	free(fr->cells);
	free(fr->lens);
	free(fr);
}

struct fetch_ctx {
	struct db_conn *conn;   /* the app's; nobody else uses it meanwhile */
	char *sql;
	size_t max_rows;
	struct fetch_result *fr;
	fetch_deliver_fn deliver;
	unsigned tag;
};

static void fetch_ctx_free(void *p)
{
	struct fetch_ctx *c = p;

	free(c->sql);
	fetch_result_free(c->fr);
	free(c);
}

static int fetch_job_run(struct tui_job *job, struct mb_err *err)
{
	struct fetch_ctx *c = job->ctx;
	struct fetch_result *fr = xcalloc(1, sizeof(*fr));
	struct db_rows *rows = NULL;
	size_t alloc = 0, lalloc = 0;
	int r;

	c->fr = fr;
	if (db_query(c->conn, c->sql, &rows, err) < 0)
		return -1;
	fr->ncols = rows->ncols;
	fr->names = xcalloc(fr->ncols + 1, sizeof(*fr->names));
	for (size_t i = 0; i < fr->ncols; i++)
		fr->names[i] = xstrdup(rows->names[i]);
	while ((r = db_rows_next(rows, err)) == 1) {
		if (fr->nrows >= c->max_rows || job->cancel)
			continue;   /* drain: the statement must finish */
		ALLOC_GROW(fr->cells, (fr->nrows + 1) * fr->ncols, alloc);
		ALLOC_GROW(fr->lens, (fr->nrows + 1) * fr->ncols, lalloc);
		for (size_t i = 0; i < fr->ncols; i++) {
			size_t at = fr->nrows * fr->ncols + i;

			fr->cells[at] = rows->values[i]
				? xstrndup(rows->values[i], rows->lengths[i]) : NULL;
			fr->lens[at] = rows->values[i] ? rows->lengths[i] : 0;
		}
		fr->nrows++;
	}
	db_rows_close(rows);
	return r < 0 ? -1 : 0;
}

static void fetch_job_finish(struct app *app, struct tui_job *job, int rc,
			     struct mb_err *err)
{
	struct fetch_ctx *c = job->ctx;
	struct fetch_result *fr = c->fr;

	c->fr = NULL;
	c->deliver(app, c->tag, rc < 0 ? NULL : fr, rc, err);
	if (rc < 0)
		fetch_result_free(fr);
}

int app_fetch(struct app *app, const char *sql, size_t max_rows,
	      fetch_deliver_fn deliver, unsigned tag)
{
	struct fetch_ctx *c;
	struct tui_job *job;

	if (!app->conn)
		return -1;
	c = xcalloc(1, sizeof(*c));
	c->conn = app->conn;
	c->sql = xstrdup(sql);
	c->max_rows = max_rows;
	c->deliver = deliver;
	c->tag = tag;
	job = tui_job_new("reading sample rows");
	job->run = fetch_job_run;
	job->finish = fetch_job_finish;
	job->free_ctx = fetch_ctx_free;
	job->ctx = c;
	/* a cancelled fetch still finishes its statement: the conn is shared */
	job->cancellable = true;
	return app_job_start(app, job);
}
