/*
 * source.c - opening a source off the UI loop: db_open in source mode,
 * the catalog, and the workspace record (the same calls as `maskbench
 * catalog`). The address may carry a password typed at the prompt; it
 * lives only in the job's memory, is wiped when the job ends, and only
 * url.display (never a password) reaches the screen or the workspace.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/util.h"
#include "tui/app.h"
#include "tui/options.h"

struct connect_ctx {
	char *address;         /* secret: wiped on free */
	char *ws_path;
	struct db_conn *conn;
	struct catalog cat;
	bool have_cat;
	int64_t source_id;
	char *display;
	bool server;           /* not SQLite: a password prompt may help */
};

static void connect_ctx_free(void *p)
{
	struct connect_ctx *c = p;

	if (!c)
		return;
	if (c->address) {
		secure_zero(c->address, strlen(c->address));
		free(c->address);
	}
	free(c->ws_path);
	if (c->conn)
		db_close(c->conn);
	if (c->have_cat)
		catalog_release(&c->cat);
	free(c->display);
	free(c);
}

static int connect_run(struct tui_job *job, struct mb_err *err)
{
	struct connect_ctx *c = job->ctx;
	struct workspace *ws = NULL;
	int rc = -1;

	tui_job_progress(job, -1, "connecting");
	if (db_open(c->address, DB_MODE_SOURCE, &c->conn, err) < 0)
		goto cleanup;
	if (job->cancel)
		goto cancelled;
	tui_job_progress(job, -1, "reading the catalog");
	catalog_init(&c->cat, c->conn->drv->engine);
	c->have_cat = true;
	if (db_read_catalog(c->conn, &c->cat, err) < 0)
		goto cleanup;
	if (job->cancel)
		goto cancelled;
	tui_job_progress(job, -1, "recording %zu tables in the workspace",
			 c->cat.ntables);
	ws = ws_open(c->ws_path, err);
	if (!ws)
		goto cleanup;
	if (record_source_snapshot(ws, c->conn, &c->cat, &c->source_id, err) < 0)
		goto cleanup;
	/* the rules' drift sync can be long on a big first catalog: here, not in the UI */
	tui_job_progress(job, -1, "bringing the rules up to date");
	if (rules_migrate(ws, err) < 0 || rules_refresh(ws, NULL, err) < 0)
		goto cleanup;
	rc = 0;
	goto cleanup;

cancelled:
	mb_err_set(err, MB_ERR_CANCELLED, "cancelled");
cleanup:
	if (ws)
		ws_close(ws);
	return rc;
}

bool tui_err_wants_password(const struct mb_err *err)
{
	static const char *const hints[] = {
		"password", "authentication", "Access denied", "access denied",
	};

	if (err->kind != MB_ERR_CONNECT)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(hints); i++)
		if (strstr(err->msg, hints[i]))
			return true;
	return false;
}

static void connect_finish(struct app *app, struct tui_job *job, int rc,
			   struct mb_err *err)
{
	struct connect_ctx *c = job->ctx;

	if (rc < 0) {
		screen_connect_failed(app, c->display, err,
				      c->server && tui_err_wants_password(err));
		return;
	}
	/* the new source replaces the old one */
	while (app->depth)
		app_pop(app);
	if (app->conn)
		db_close(app->conn);
	if (app->have_catalog)
		catalog_release(&app->cat);
	free(app->source_display);
	app->conn = c->conn;
	c->conn = NULL;
	app->cat = c->cat;
	app->have_catalog = true;
	c->have_cat = false;
	app->source_id = c->source_id;
	app->source_display = c->display;
	c->display = NULL;
	/* kept in memory only, for the jobs that open their own connections */
	if (app->source_address) {
		secure_zero(app->source_address, strlen(app->source_address));
		free(app->source_address);
	}
	app->source_address = c->address;
	c->address = NULL;
	app_review_release(app);
	app_review_reload(app);
	app_push(app, &screen_catalog);
	app_message(app, MSG_OK, "opened %s: %zu tables", app->source_display,
		    app->cat.ntables);
}

int app_connect(struct app *app, const char *address)
{
	struct mb_err err = MB_ERR_INIT;
	struct connect_ctx *c;
	struct tui_job *job;
	struct db_url url;
	char label[96];

	memset(&url, 0, sizeof(url));
	if (db_url_parse(address, &url, &err) < 0) {
		screen_connect_failed(app, NULL, &err, false);
		return -1;
	}
	c = xcalloc(1, sizeof(*c));
	c->address = xstrdup(address);
	c->ws_path = xstrdup(app->ws_path);
	c->display = xstrdup(url.display);
	c->server = url.engine != DB_ENGINE_SQLITE;
	db_url_release(&url);
	snprintf(label, sizeof(label), "opening %s", c->display);
	job = tui_job_new(label);
	job->run = connect_run;
	job->finish = connect_finish;
	job->free_ctx = connect_ctx_free;
	job->ctx = c;
	job->uses_ws = true;
	return app_job_start(app, job);
}

/* Characters left as they are in the userinfo part of a URL (RFC 3986). */
static bool unreserved(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_' ||
	       ch == '~';
}

char *tui_url_with_password(const char *address, const char *password)
{
	struct strbuf sb = STRBUF_INIT;
	const char *auth = strstr(address, "://"), *end, *at = NULL, *colon = NULL;

	if (!auth)
		return NULL;
	auth += 3;
	/* one allocation, so no reallocation leaves a copy of the password */
	strbuf_grow(&sb, strlen(address) + 3 * strlen(password) + 8);
	end = auth + strcspn(auth, "/?#");
	for (const char *p = auth; p < end; p++)
		if (*p == '@')
			at = p;
	if (at)
		for (const char *p = auth; p < at; p++)
			if (*p == ':') {
				colon = p;
				break;
			}
	/* scheme:// and the user name, without any password already there */
	strbuf_add(&sb, address, (size_t)(auth - address));
	if (at)
		strbuf_add(&sb, auth, (size_t)((colon ? colon : at) - auth));
	strbuf_addch(&sb, ':');
	for (const unsigned char *p = (const unsigned char *)password; *p; p++) {
		if (unreserved(*p))
			strbuf_addch(&sb, *p);
		else
			strbuf_addf(&sb, "%%%02X", *p);
	}
	strbuf_addch(&sb, '@');
	strbuf_addstr(&sb, at ? at + 1 : auth);
	return strbuf_detach(&sb, NULL);
}
